//! E007 `remember-range`: a remember window outside 10m..`max_remember`
//! (24h unless the policy says otherwise).

use crate::check::{CheckInfo, Context};
use crate::diagnostic::{Diagnostic, Severity};
use crate::policy::{format_duration, Remember};

pub const INFO: CheckInfo = CheckInfo {
    code: "E007",
    name: "remember-range",
    severity: Severity::Error,
    summary: "a remember window is shorter than 10 minutes or longer than the policy's `max_remember` (default 24 hours)",
    help: "choose a window from `10m` to the policy's `max_remember` (`24h` unless it says otherwise), or `remember never`",
    doc: "Why: a window under ten minutes only annoys users; one over a day turns a second factor into a weekly formality and widens the time a stolen session can skip MFA. A policy that means longer windows says so once, at the top: `max_remember 14d` (at most `365d`), as identity providers that remember a device for days allow.\n\nExample:\n    group \"Support\" { remember 7d }\n\nFix: `remember 8h same_ip`, or `max_remember 7d` at the top of the policy if a week is deliberate.",
};

pub const MIN: i64 = 10 * 60;
/// The longest window without `max_remember`.
pub const MAX: i64 = 24 * 3_600;
/// The most `max_remember` may say.
pub const MAX_REMEMBER: i64 = 365 * 86_400;

/// Why a `max_remember` cannot be used, if it cannot.
pub fn max_remember_problem(seconds: i64) -> Option<String> {
    let shown = format_duration(seconds);
    if seconds < MIN {
        Some(format!(
            "`max_remember {shown}` is below the shortest window, 10m"
        ))
    } else if seconds > MAX_REMEMBER {
        Some(format!("`max_remember {shown}` is above 365d"))
    } else {
        None
    }
}

pub fn run(cx: &Context<'_>, out: &mut Vec<Diagnostic>) {
    let max = cx.policy.max_remember;
    for (fields, _) in cx.all_fields() {
        let Some(r) = fields.remember else { continue };
        if let Remember::Window(w) = r.value {
            if !(MIN..=max).contains(&w.seconds) {
                out.push(
                    Diagnostic::new(
                        &INFO,
                        r.span,
                        format!(
                            "remember window `{}` is outside 10m..{}",
                            format_duration(w.seconds),
                            bound(max)
                        ),
                    )
                    .label("window out of range"),
                );
            }
        }
    }
}

/// The upper bound as people write it: `24h` rather than `1d` for a day
/// and less.
fn bound(seconds: i64) -> String {
    if seconds <= MAX && seconds % 3_600 == 0 {
        format!("{}h", seconds / 3_600)
    } else {
        format_duration(seconds)
    }
}
