//! E028 `no-rules`: the policy has no rule at all.

use crate::check::{CheckInfo, Context};
use crate::diagnostic::{Diagnostic, Severity};
use crate::source::Span;

pub const INFO: CheckInfo = CheckInfo {
    code: "E028",
    name: "no-rules",
    severity: Severity::Error,
    summary: "the policy has no rule at all (an empty or truncated file), so it would switch MFA off for everyone",
    help: "write at least a `default` rule, e.g. `default { enforcement required factors webauthn | totp }`",
    doc: "Why: an empty policy evaluates to `enforcement off` for every login. That is what an emptied or truncated file would deploy, so mfac fails closed: a policy without a single rule does not check, compile or evaluate.\n\nExample:\n    precedence most_restrictive\n    timezone \"Europe/Berlin\"\n\nFix: add the rules, starting with `default { ... }`.",
};

pub fn run(cx: &Context<'_>, out: &mut Vec<Diagnostic>) {
    if cx.policy.rules.is_empty() {
        let end = cx.policy.source.text().len();
        out.push(
            Diagnostic::new(
                &INFO,
                Span::new(end, end),
                "the policy has no rule: every login would have MFA off",
            )
            .label("the policy ends here without a rule"),
        );
    }
}
