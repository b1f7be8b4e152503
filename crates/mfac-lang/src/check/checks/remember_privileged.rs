//! W005 `remember-privileged`: a remember window on a privileged group.

use crate::check::{CheckInfo, Context};
use crate::diagnostic::{Diagnostic, Severity};
use crate::policy::Remember;

pub const INFO: CheckInfo = CheckInfo {
    code: "W005",
    name: "remember-privileged",
    severity: Severity::Warning,
    summary: "a privileged group lets logins skip MFA inside a remember window",
    help: "use `remember never` for privileged groups",
    doc: "Why: a remember window lets a login through without a second factor. For admin accounts that window is exactly what a session thief needs.\n\nExample:\n    group \"Administrators\" { privileged enforcement required remember 8h }\n\nFix: `remember never`.",
};

pub fn run(cx: &Context<'_>, out: &mut Vec<Diagnostic>) {
    for rule in &cx.policy.rules {
        if rule.privileged.is_none() {
            continue;
        }
        let phases = rule
            .rollout
            .and_then(|r| cx.policy.rollouts.get(r))
            .map(|r| r.phases.iter().map(|p| &p.fields).collect::<Vec<_>>())
            .unwrap_or_default();
        for fields in std::iter::once(&rule.fields).chain(phases) {
            if let Some(r) = fields
                .remember
                .filter(|r| matches!(r.value, Remember::Window(_)))
            {
                out.push(
                    Diagnostic::new(
                        &INFO,
                        r.span,
                        format!(
                            "privileged {} remembers MFA for `{}`",
                            rule.subject, r.value
                        ),
                    )
                    .label("MFA skipped inside this window"),
                );
            }
        }
    }
}
