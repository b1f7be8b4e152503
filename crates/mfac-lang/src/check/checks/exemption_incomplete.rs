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
        let end = crate::source::Span::new(e.span.end, e.span.end);
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
                .label("incomplete exemption")
                .fix(
                    "Add the missing clauses, to fill in",
                    vec![(end, placeholders(cx, e))],
                ),
            );
        }
    }
}

/// ` until DATE reason "..." ticket "..."` for the clauses an exemption
/// lacks: a week from today (within `max_exemption`), and texts that say
/// they are to be filled in.
fn placeholders(cx: &Context<'_>, e: &crate::policy::Exemption) -> String {
    let mut add = String::new();
    if e.until.is_none() {
        let days = (cx.policy.max_exemption / 86_400).clamp(1, 7);
        let date = cx
            .today
            .to_zoned_datetime(cx.policy.timezone.clone())
            .date()
            .saturating_add(jiff::Span::new().days(days));
        add.push_str(&format!(" until {date}"));
    }
    if e.reason.is_none() {
        add.push_str(" reason \"FILL IN: why this user is exempt\"");
    }
    if e.ticket.is_none() {
        add.push_str(" ticket \"FILL IN\"");
    }
    add
}
