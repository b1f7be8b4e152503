//! W018 `privileged-relies-on-others`: a privileged group or break-glass
//! user is held at `required`, but not by its own rule.

use crate::check::{CheckInfo, Context};
use crate::diagnostic::{Diagnostic, Severity};
use crate::policy::Level;
use mfac_prove::{Condition, Scope, Users};

pub const INFO: CheckInfo = CheckInfo {
    code: "W018",
    name: "privileged-relies-on-others",
    severity: Severity::Warning,
    summary: "a privileged group or break-glass user does not say `enforcement required` in its own rule (today other rules hold it there)",
    help: "say `enforcement required` in the privileged rule itself, so that an edit to the default or a rollout cannot drop it",
    doc: "Why: E012 proves that privileged members are held at `required` today, counting the default and every other rule. When the privileged rule does not say so itself, one edit elsewhere (a default lowered, a rollout phase) silently drops it, and the only thing left to notice is E012 on that later change. Saying it in the rule keeps the guarantee local.\n\nExample:\n    default { enforcement required }\n    group \"Administrators\" { privileged factors webauthn }\n\nFix: `group \"Administrators\" { privileged enforcement required factors webauthn }`.",
};

pub fn run(cx: &Context<'_>, out: &mut Vec<Diagnostic>) {
    for rule in &cx.policy.rules {
        let (group, user) = (rule.scope.single_group(), rule.scope.single_user());
        let (what, scope, users) = match (group, user, rule.privileged, rule.break_glass) {
            (Some(g), _, Some(_), _) => (
                "privileged",
                Scope::MembersOf(g.to_string()),
                Users::Unnamed,
            ),
            (_, Some(u), _, Some(_)) => ("break-glass", Scope::User(u.to_string()), Users::All),
            _ => continue,
        };
        let phases_required = rule
            .rollout
            .and_then(|r| cx.policy.rollouts.get(r))
            .is_none_or(|r| {
                r.phases.iter().all(|p| {
                    p.fields
                        .enforcement
                        .is_none_or(|e| e.value == Level::Required)
                })
            });
        let own_required = rule
            .fields
            .enforcement
            .is_some_and(|e| e.value == Level::Required);
        if own_required && phases_required {
            continue;
        }
        // Below `required` for some login is E012's finding, not this one.
        let required = Condition::Enforcement(Level::Required);
        if cx.refute(scope, true, required, users).is_none() {
            out.push(
                Diagnostic::new(
                    &INFO,
                    rule.span,
                    format!("{what} {} does not set `enforcement required` itself", rule),
                )
                .label("held at `required` only by other rules"),
            );
        }
    }
}
