//! W001 `no-default`: the policy has no `default` rule.

use crate::check::{CheckInfo, Context};
use crate::diagnostic::{Diagnostic, Severity};
use crate::source::Span;

pub const INFO: CheckInfo = CheckInfo {
    code: "W001",
    name: "no-default",
    severity: Severity::Warning,
    summary: "the policy has no `default` rule, so everyone not named elsewhere has MFA off",
    help: "add `default { enforcement optional }` (or `required`) to say what everyone else gets",
    doc: "Why: without a default rule the implicit default is `enforcement off` with every factor allowed. That is rarely a decision anyone made on purpose.\n\nExample:\n    group \"Admins\" { enforcement required }\n\nFix: add `default { enforcement optional factors webauthn | totp }`.",
};

pub fn run(cx: &Context<'_>, out: &mut Vec<Diagnostic>) {
    // A policy with no rule at all is E028's, which says more.
    if cx.policy.default_rule().is_none() && !cx.policy.rules.is_empty() {
        let text = cx.policy.source.text();
        // Point at the first word of the policy, past comments and blank lines.
        let start = text
            .lines()
            .scan(0, |pos, line| {
                let here = *pos;
                *pos += line.len() + 1;
                Some((here, line))
            })
            .find(|(_, l)| !l.trim().is_empty() && !l.trim_start().starts_with('#'))
            .map(|(p, l)| p + (l.len() - l.trim_start().len()))
            .unwrap_or(0);
        let end = text
            .get(start..)
            .and_then(|t| t.find(char::is_whitespace))
            .map_or(text.len(), |n| start + n);
        out.push(
            Diagnostic::new(
                &INFO,
                Span::new(start, end),
                "no `default` rule: MFA is off for everyone no rule names",
            )
            .label("policy starts here"),
        );
    }
}
