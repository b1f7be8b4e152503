//! E008 `max-logins-range`: `max_logins` outside 2..100.

use crate::check::{CheckInfo, Context};
use crate::diagnostic::{Diagnostic, Severity};
use crate::policy::Remember;

pub const INFO: CheckInfo = CheckInfo {
    code: "E008",
    name: "max-logins-range",
    severity: Severity::Error,
    summary: "`max_logins` of a remember window is outside 2..100",
    help: "choose a login count from 2 to 100",
    doc: "Why: with `max_logins 1` the window never remembers anything; above 100 the limit no longer limits.\n\nExample:\n    default { remember 1h max_logins 500 }\n\nFix: `remember 1h max_logins 10`.",
};

pub fn run(cx: &Context<'_>, out: &mut Vec<Diagnostic>) {
    for (fields, _) in cx.all_fields() {
        let Some(r) = fields.remember else { continue };
        if let Remember::Window(w) = r.value {
            if let Some(n) = w.max_logins.filter(|n| !(2..=100).contains(n)) {
                let shown = if n == u32::MAX {
                    "a huge number".to_string()
                } else {
                    n.to_string()
                };
                out.push(
                    Diagnostic::new(
                        &INFO,
                        r.span,
                        format!("`max_logins` is {shown}, outside 2..100"),
                    )
                    .label("login count out of range"),
                );
            }
        }
    }
}
