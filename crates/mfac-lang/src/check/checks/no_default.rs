//! W001 `no-default`: the policy has no `default` rule.

use crate::check::{CheckInfo, Context};
use crate::diagnostic::{Diagnostic, Severity};

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
        out.push(
            Diagnostic::new(
                &INFO,
                super::super::policy_start(cx.policy.source.text()),
                "no `default` rule: MFA is off for everyone no rule names",
            )
            .label("policy starts here"),
        );
    }
}
