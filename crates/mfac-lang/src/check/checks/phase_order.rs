//! E011 `phase-order`: rollout phases out of date order.

use crate::check::{CheckInfo, Context};
use crate::diagnostic::{Diagnostic, Severity};

pub const INFO: CheckInfo = CheckInfo {
    code: "E011",
    name: "phase-order",
    severity: Severity::Error,
    summary: "a rollout's phases are not in strictly increasing date order",
    help: "list the phases from the earliest date to the latest, each on its own date",
    doc: "Why: a rollout reads as a schedule. A phase out of order is usually a typo in a date, and it would make the later-written phase take effect first.\n\nExample:\n    rollout \"everyone\" { applies default\n      on 2026-12-15 enforcement required\n      on 2026-12-01 enforcement optional }\n\nFix: swap the phases, or correct the date.",
};

pub fn run(cx: &Context<'_>, out: &mut Vec<Diagnostic>) {
    for r in &cx.policy.rollouts {
        for pair in r.phases.windows(2) {
            if let [before, after] = pair {
                if after.at <= before.at {
                    out.push(
                        Diagnostic::new(
                            &INFO,
                            after.at_span,
                            format!(
                                "phase of rollout `{}` is not after the phase before it",
                                r.name
                            ),
                        )
                        .label("not after the previous phase")
                        .related(before.at_span, "previous phase"),
                    );
                }
            }
        }
    }
}
