//! W006 `expired-exemption`: an exemption that has already ended.

use crate::check::{CheckInfo, Context};
use crate::diagnostic::{Diagnostic, Severity};

pub const INFO: CheckInfo = CheckInfo {
    code: "W006",
    name: "expired-exemption",
    severity: Severity::Warning,
    summary: "an exemption's `until` is today or earlier: it no longer applies",
    help: "delete the expired exemption; the ticket keeps the audit trail",
    doc: "Why: an expired exemption does nothing, but a reader may believe the user is still exempt, and a later edit of the date would silently revive it.\n\nExample (checked on 2026-12-20):\n    exempt user \"bob@acme.test\" until 2026-12-10 reason \"lost device\" ticket \"SEC-123\"\n\nFix: delete the line.",
};

pub fn run(cx: &Context<'_>, out: &mut Vec<Diagnostic>) {
    for e in &cx.policy.exemptions {
        if let Some(until) = e.until.filter(|u| u.value <= cx.today) {
            out.push(
                Diagnostic::new(
                    &INFO,
                    until.span,
                    format!("exemption for `{}` has expired", e.user),
                )
                .label("ended on or before today")
                .fix(
                    "Delete the expired exemption",
                    vec![(e.span, String::new())],
                ),
            );
        }
    }
}
