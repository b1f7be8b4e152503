//! E007 `remember-range`: a remember window outside 10m..24h.

use crate::check::{CheckInfo, Context};
use crate::diagnostic::{Diagnostic, Severity};
use crate::policy::{format_duration, Remember};

pub const INFO: CheckInfo = CheckInfo {
    code: "E007",
    name: "remember-range",
    severity: Severity::Error,
    summary: "a remember window is shorter than 10 minutes or longer than 24 hours",
    help: "choose a window from `10m` to `24h`, or `remember never`",
    doc: "Why: a window under ten minutes only annoys users; one over a day turns a second factor into a weekly formality and widens the time a stolen session can skip MFA.\n\nExample:\n    group \"Support\" { remember 7d }\n\nFix: `remember 8h same_ip`.",
};

pub const MIN: i64 = 10 * 60;
pub const MAX: i64 = 24 * 3_600;

pub fn run(cx: &Context<'_>, out: &mut Vec<Diagnostic>) {
    for (fields, _) in cx.all_fields() {
        let Some(r) = fields.remember else { continue };
        if let Remember::Window(w) = r.value {
            if !(MIN..=MAX).contains(&w.seconds) {
                out.push(
                    Diagnostic::new(
                        &INFO,
                        r.span,
                        format!(
                            "remember window `{}` is outside 10m..24h",
                            format_duration(w.seconds)
                        ),
                    )
                    .label("window out of range"),
                );
            }
        }
    }
}
