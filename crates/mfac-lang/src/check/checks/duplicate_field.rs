//! E004 `duplicate-field`: a rule, phase or exemption sets the same field twice

use crate::check::CheckInfo;
use crate::diagnostic::Severity;

pub const INFO: CheckInfo = CheckInfo {
    code: "E004",
    name: "duplicate-field",
    severity: Severity::Error,
    summary: "a rule, phase or exemption sets the same field twice",
    help: "keep one of the two; a field is set once per rule, phase or exemption",
    doc: "Why: the second value would silently win over the first, hiding a mistake.\n\nExample:\n    default { enforcement optional enforcement required }\n\nFix: delete the value you did not mean.",
};
