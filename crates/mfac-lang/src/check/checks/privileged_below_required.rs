//! E012 `privileged-below-required`: a privileged group or break-glass user
//! whose own rule, or a phase of it, leaves enforcement below `required`.

use crate::check::{CheckInfo, Context};
use crate::diagnostic::{Diagnostic, Severity};
use crate::policy::Level;

pub const INFO: CheckInfo = CheckInfo {
    code: "E012",
    name: "privileged-below-required",
    severity: Severity::Error,
    summary: "a privileged group or break-glass user is not held at `enforcement required` by its own rule at all times",
    help: "set `enforcement required` in the rule itself, and in every rollout phase that changes it",
    doc: "Why: privileged accounts are the ones attackers want. Their own rule must demand MFA; relying on the default or on another rule means one edit elsewhere can silently drop it.\n\nExample:\n    group \"Administrators\" { privileged factors webauthn }\n\nFix: `group \"Administrators\" { privileged enforcement required factors webauthn }`.",
};

pub fn run(cx: &Context<'_>, out: &mut Vec<Diagnostic>) {
    for rule in &cx.policy.rules {
        let what = match (rule.privileged, rule.break_glass) {
            (Some(_), _) => "privileged",
            (_, Some(_)) => "break-glass",
            _ => continue,
        };
        match rule.fields.enforcement {
            Some(e) if e.value == Level::Required => {}
            Some(e) => out.push(
                Diagnostic::new(
                    &INFO,
                    e.span,
                    format!("{what} {} has enforcement `{}`", rule.subject, e.value),
                )
                .label("below `required`"),
            ),
            None => out.push(
                Diagnostic::new(
                    &INFO,
                    rule.span,
                    format!(
                        "{what} {} does not set `enforcement required`",
                        rule.subject
                    ),
                )
                .label("no enforcement of its own"),
            ),
        }
        let Some(rollout) = rule.rollout.and_then(|r| cx.policy.rollouts.get(r)) else {
            continue;
        };
        for phase in &rollout.phases {
            if let Some(e) = phase
                .fields
                .enforcement
                .filter(|e| e.value < Level::Required)
            {
                out.push(
                    Diagnostic::new(
                        &INFO,
                        e.span,
                        format!(
                            "rollout `{}` lowers {what} {} to `{}`",
                            rollout.name, rule.subject, e.value
                        ),
                    )
                    .label("below `required`"),
                );
            }
        }
    }
}
