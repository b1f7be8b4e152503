//! W009 `locked-out-admin`: every privileged user needs `webauthn` and no
//! break-glass user exists.

use crate::check::{CheckInfo, Context};
use crate::diagnostic::{Diagnostic, Severity};
use crate::policy::{Factor, FactorSet};

pub const INFO: CheckInfo = CheckInfo {
    code: "W009",
    name: "locked-out-admin",
    severity: Severity::Warning,
    summary: "every privileged group can use only `webauthn`, and the policy has no break-glass user",
    help: "add a break-glass user: `user \"breakglass@...\" { break_glass enforcement required factors webauthn recovery backup_code }`",
    doc: "Why: when the only factor admins may use is a hardware key, one lost key (or a broken key-registration flow) locks every admin out, and nobody is left to reset anyone. A break-glass account with its own, separately stored credentials is the way back in.\n\nExample:\n    group \"Administrators\" { privileged enforcement required factors webauthn }\n\nFix: add a `break_glass` user rule.",
};

pub fn run(cx: &Context<'_>, out: &mut Vec<Diagnostic>) {
    let p = cx.policy;
    if p.rules.iter().any(|r| r.break_glass.is_some()) {
        return;
    }
    let privileged: Vec<usize> = p
        .rules
        .iter()
        .enumerate()
        .filter(|(_, r)| r.privileged.is_some())
        .map(|(i, _)| i)
        .collect();
    if privileged.is_empty() {
        return;
    }
    let only_keys = FactorSet::single(Factor::Webauthn);
    // The state the policy settles in: after its last phase.
    let Some(&at) = cx.epochs().last() else {
        return;
    };
    let all_keys_only = privileged
        .iter()
        .all(|&id| cx.member_alone_allowed(id, at).is_subset(only_keys));
    if all_keys_only {
        if let Some(first) = privileged.first().and_then(|&id| p.rules.get(id)) {
            out.push(
                Diagnostic::new(
                    &INFO,
                    first.span,
                    "every privileged user needs `webauthn` and there is no break-glass user",
                )
                .label("only security keys or passkeys allowed"),
            );
        }
    }
}
