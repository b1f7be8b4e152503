//! W019 `privileged-user-exception`: a named user's rule would hold a
//! member of a privileged group below `required`, were the user one.

use crate::check::checks::privileged_below_required::{in_privileged_group, lowers};
use crate::check::{CheckInfo, Context};
use crate::diagnostic::{Diagnostic, Severity};
use crate::policy::Level;
use mfac_prove::{Condition, Scope, Users};

pub const INFO: CheckInfo = CheckInfo {
    code: "W019",
    name: "privileged-user-exception",
    severity: Severity::Warning,
    summary: "in `specific` mode, a user rule lowers enforcement, so were that user in a privileged group they would sign in below `required`",
    help: "keep the account out of privileged groups (`--directory` makes this an error when it is in one), or give its rule `enforcement required`",
    doc: "Why: in `specific` mode a user rule wins over every group rule, so a user rule with `enforcement off` (the 12Port pattern: MFA disabled for one account) is an exception to the privileged groups too. The checker cannot know from the policy alone whether the user is, or will be, in a privileged group, so this is a warning with the login it would allow; with `--directory` showing the membership it is E012, and an `assert ... for privileged always enforcement required` refutes it outright.\n\nExample:\n    precedence specific\n    default { enforcement required }\n    group \"Vault Admins\" { privileged enforcement required }\n    user \"svc@acme.test\" { enforcement off }\n\nFix: keep service accounts out of privileged groups and assert it, or `exempt` the user with an end date instead.",
};

pub fn run(cx: &Context<'_>, out: &mut Vec<Diagnostic>) {
    for (id, rule) in cx.policy.rules.iter().enumerate() {
        let Some(u) = rule.scope.single_user() else {
            continue;
        };
        // Break-glass users are E012's; a membership the directory shows
        // makes it E012's too.
        if rule.break_glass.is_some() || !lowers(cx, id) || in_privileged_group(cx, u) {
            continue;
        }
        let required = Condition::Enforcement(Level::Required);
        let Some(r) = cx.refute(
            Scope::Privileged,
            true,
            required,
            Users::Only(u.to_string()),
        ) else {
            continue;
        };
        let span = cx.span_of(id, r.counterexample.at, |f| f.enforcement.map(|e| e.span));
        out.push(
            Diagnostic::new(
                &INFO,
                span,
                format!(
                    "{} as a member of a privileged group would get {}",
                    rule, r.what
                ),
            )
            .label("wins over the privileged group's rule")
            .counterexample(r.report),
        );
    }
}
