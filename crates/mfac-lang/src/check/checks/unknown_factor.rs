//! E002 `unknown-factor`: a factor list names something that is neither a factor kind nor a declared strength

use crate::check::CheckInfo;
use crate::diagnostic::Severity;

pub const INFO: CheckInfo = CheckInfo {
    code: "E002",
    name: "unknown-factor",
    severity: Severity::Error,
    summary: "a factor list names something that is neither a factor kind nor a declared strength",
    help: "factors are `webauthn`, `totp`, `sms`, `email`, `push`; strengths are declared with `strength NAME = ...`",
    doc: "Why: a misspelt factor would otherwise silently allow nothing, or the wrong thing.\n\nExample:\n    default { factors webauth | totp }\n\nFix: spell the factor (`webauthn`) or declare the strength before using it.",
};
