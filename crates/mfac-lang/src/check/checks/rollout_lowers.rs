//! W010 `rollout-lowers`: a rollout lowers enforcement over time.

use crate::check::{CheckInfo, Context};
use crate::diagnostic::{Diagnostic, Severity};

pub const INFO: CheckInfo = CheckInfo {
    code: "W010",
    name: "rollout-lowers",
    severity: Severity::Warning,
    summary: "a rollout phase sets enforcement lower than the rule had before it",
    help: "rollouts normally tighten over time; if this is a deliberate rollback, say so in a comment",
    doc: "Why: a rollout is a schedule for raising MFA. A phase that lowers enforcement is usually a swapped date or a copy-paste slip, and it silently undoes protection on a date nobody is watching.\n\nExample:\n    rollout \"everyone\" { applies default\n      on 2026-12-01 enforcement required\n      on 2026-12-15 enforcement optional }\n\nFix: swap the levels, or the dates.",
};

pub fn run(cx: &Context<'_>, out: &mut Vec<Diagnostic>) {
    let p = cx.policy;
    for rollout in &p.rollouts {
        for &id in &rollout.rules {
            let Some(rule) = p.rules.get(id) else {
                continue;
            };
            let mut current = rule.fields.enforcement.map(|e| e.value);
            for phase in &rollout.phases {
                let Some(e) = phase.fields.enforcement else {
                    continue;
                };
                if let Some(before) = current.filter(|b| e.value < *b) {
                    out.push(
                        Diagnostic::new(
                            &INFO,
                            e.span,
                            format!(
                                "rollout `{}` lowers {} from `{before}` to `{}`",
                                rollout.name, rule, e.value
                            ),
                        )
                        .label("lower than before"),
                    );
                }
                current = Some(e.value);
            }
        }
    }
}
