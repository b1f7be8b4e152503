//! W016 `unused-suppression`: an inline suppression that silences nothing.

use crate::check::CheckInfo;
use crate::diagnostic::Severity;

pub const INFO: CheckInfo = CheckInfo {
    code: "W016",
    name: "unused-suppression",
    severity: Severity::Warning,
    summary: "a `# mfac: allow(...)` comment silences no finding on the line it applies to",
    help: "delete the suppression, or move it to the line of the finding",
    doc: "Why: a stale suppression would silently hide the next real finding of that kind on its line, long after the reason it was written for is gone.\n\nExample:\n    # mfac: allow(W002) reason \"old\"\n    group \"Admins\" { enforcement required }\n\nFix: delete the comment.",
};
