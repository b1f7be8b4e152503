//! E010 `exemption-too-long`: an exemption runs past `max_exemption`.

use crate::check::{CheckInfo, Context};
use crate::diagnostic::{Diagnostic, Severity};
use crate::policy::format_duration;

pub const INFO: CheckInfo = CheckInfo {
    code: "E010",
    name: "exemption-too-long",
    severity: Severity::Error,
    summary: "an exemption ends further from today than the policy's `max_exemption` (default 30d)",
    help: "shorten the exemption, or raise `max_exemption` deliberately at the top of the policy",
    doc: "Why: exemptions are meant to bridge a lost device, not to replace MFA. A limit measured from the day of the check keeps every exemption short-lived.\n\nExample (checked on 2026-12-01):\n    exempt user \"bob@acme.test\" until 2027-06-01 reason \"travel\"\n\nFix: `until 2026-12-20`, and renew it with a new ticket if needed.",
};

pub fn run(cx: &Context<'_>, out: &mut Vec<Diagnostic>) {
    let max = cx.policy.max_exemption;
    for e in &cx.policy.exemptions {
        let Some(until) = e.until else { continue };
        let length = until.value.as_second().saturating_sub(cx.today.as_second());
        if length > max {
            out.push(
                Diagnostic::new(
                    &INFO,
                    until.span,
                    format!(
                        "exemption for `{}` ends more than {} from today",
                        e.user,
                        format_duration(max)
                    ),
                )
                .label(format!("{} days from today", length / 86_400)),
            );
        }
    }
}
