//! E018 `rollout-conflict`: two rollouts change the same subject

use crate::check::CheckInfo;
use crate::diagnostic::Severity;

pub const INFO: CheckInfo = CheckInfo {
    code: "E018",
    name: "rollout-conflict",
    severity: Severity::Error,
    summary: "two rollouts change the same subject",
    help: "name each subject in one rollout only; put all of its phases there",
    doc: "Why: two rollouts overriding the same rule would leave no clear order between their phases.\n\nExample:\n    rollout \"a\" { applies default on 2026-12-01 enforcement optional }\n    rollout \"b\" { applies default on 2026-12-15 enforcement required }\n\nFix: one rollout with both phases.",
};
