//! E009 `exemption-incomplete`: an exemption without `until` or `reason`.

use crate::check::{CheckInfo, Context};
use crate::diagnostic::{Diagnostic, Severity};

pub const INFO: CheckInfo = CheckInfo {
    code: "E009",
    name: "exemption-incomplete",
    severity: Severity::Error,
    summary: "an exemption has no `until` date or no `reason`",
    help: "every exemption needs an end and an auditable reason: `exempt user \"U\" until DATE reason \"...\" ticket \"...\"`",
    doc: "Why: an exemption turns MFA off for a person. Without an end it becomes permanent; without a reason no auditor can tell why.\n\nExample:\n    exempt user \"bob@acme.test\" reason \"lost device\"\n\nFix: `exempt user \"bob@acme.test\" until 2026-12-10 reason \"lost device\" ticket \"SEC-123\"`.",
};

pub fn run(cx: &Context<'_>, out: &mut Vec<Diagnostic>) {
    for e in &cx.policy.exemptions {
        let missing: Vec<&str> = [
            ("`until`", e.until.is_none()),
            ("`reason`", e.reason.is_none()),
        ]
        .into_iter()
        .filter_map(|(w, m)| m.then_some(w))
        .collect();
        if !missing.is_empty() {
            out.push(
                Diagnostic::new(
                    &INFO,
                    e.span,
                    format!(
                        "exemption for `{}` has no {}",
                        e.user,
                        missing.join(" and no ")
                    ),
                )
                .label("incomplete exemption"),
            );
        }
    }
}
