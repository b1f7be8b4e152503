//! E023 `unreadable-file`: a file named on the command line cannot be read.

use crate::check::CheckInfo;
use crate::diagnostic::Severity;

pub const INFO: CheckInfo = CheckInfo {
    code: "E023",
    name: "unreadable-file",
    severity: Severity::Error,
    summary: "a file cannot be read: it is missing, a folder holds no policies, or it is not UTF-8 text",
    help: "check the path; policies, directories and test files are UTF-8 text",
    doc: "Why: a policy that cannot be read cannot be checked, and a check that skips it silently would pass a pull request that broke it. mfac checks every other file it was given and reports this one among them; the exit code is 2 (unreadable input).\n\nExample:\n    mfac check policies/acme.mfa policies/typo.mfa\n\nFix: correct the path, or save the file as UTF-8.",
};
