//! E006 `strength-cycle`: strengths are defined in terms of each other in a cycle

use crate::check::CheckInfo;
use crate::diagnostic::Severity;

pub const INFO: CheckInfo = CheckInfo {
    code: "E006",
    name: "strength-cycle",
    severity: Severity::Error,
    summary: "strengths are defined in terms of each other in a cycle",
    help: "define at least one strength of the cycle with factor kinds only",
    doc: "Why: a strength that refers back to itself has no meaning.\n\nExample:\n    strength a = b | totp\n    strength b = a\n\nFix: `strength a = webauthn | totp`.",
};
