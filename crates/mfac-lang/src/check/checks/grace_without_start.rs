//! W012 `grace-without-start`: a grace period outside a rollout phase.

use crate::check::{CheckInfo, Context};
use crate::diagnostic::{Diagnostic, Severity};
use crate::policy::Enrolment;

pub const INFO: CheckInfo = CheckInfo {
    code: "W012",
    name: "grace-without-start",
    severity: Severity::Warning,
    summary: "`enrolment grace` is set on a rule rather than in a rollout phase, so it has no date to run from and enrolment is immediate",
    help: "move the grace into a rollout phase: `on 2026-12-15 enforcement required enrolment grace 14d`",
    doc: "Why: a grace period counts days from the moment enforcement became required. A rollout phase has that date; a plain rule does not. Rather than guess, mfac treats such a grace as immediate (it fails closed) and warns.\n\nExample:\n    default { enforcement required enrolment grace 14d }\n\nFix:\n    rollout \"everyone\" { applies default on 2026-12-15 enforcement required enrolment grace 14d }",
};

pub fn run(cx: &Context<'_>, out: &mut Vec<Diagnostic>) {
    for rule in &cx.policy.rules {
        if let Some(e) = rule
            .fields
            .enrolment
            .filter(|e| matches!(e.value, Enrolment::Grace(_)))
        {
            out.push(
                Diagnostic::new(
                    &INFO,
                    e.span,
                    format!("grace period on {} has no start date", rule),
                )
                .label("treated as `enrolment immediate`"),
            );
        }
    }
}
