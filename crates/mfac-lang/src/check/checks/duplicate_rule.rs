//! E003 `duplicate-rule`: two rules are written for the same subject

use crate::check::CheckInfo;
use crate::diagnostic::Severity;

pub const INFO: CheckInfo = CheckInfo {
    code: "E003",
    name: "duplicate-rule",
    severity: Severity::Error,
    summary: "two rules are written for the same subject",
    help: "merge the two rules into one; a subject has exactly one rule",
    doc: "Why: with two rules for one group, a reader cannot tell which one the evaluator uses.\n\nExample:\n    group \"Admins\" { enforcement required }\n    group \"Admins\" { factors webauthn }\n\nFix: one rule per subject: `group \"Admins\" { enforcement required factors webauthn }`.",
};
