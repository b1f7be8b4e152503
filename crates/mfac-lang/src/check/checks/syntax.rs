//! E001 `syntax`: the text is not a policy: a word or mark is missing, misspelt or out of place

use crate::check::CheckInfo;
use crate::diagnostic::Severity;

pub const INFO: CheckInfo = CheckInfo {
    code: "E001",
    name: "syntax",
    severity: Severity::Error,
    summary: "the text is not a policy: a word or mark is missing, misspelt or out of place",
    help: "check the spelling and the order of the words against the language reference in the README",
    doc: "Why: mfac cannot check or evaluate a file it cannot read.\n\nExample:\n    default { enforcement mandatory }\n\nFix: use the words the language defines, here `enforcement required`.",
};
