//! The registry entries of the findings the parser makes itself. They are
//! defined here, below the checker, so that the syntax layer needs nothing
//! from above it; `check::REGISTRY` lists them with every other check.

use crate::diagnostic::{CheckInfo, Severity};

/// E001 `syntax`.
pub const SYNTAX: CheckInfo = CheckInfo {
    code: "E001",
    name: "syntax",
    severity: Severity::Error,
    summary: "the text is not a policy: a word or mark is missing, misspelt or out of place",
    help: "check the spelling and the order of the words against the language reference in the README",
    doc: "Why: mfac cannot check or evaluate a file it cannot read.\n\nExample:\n    default { enforcement mandatory }\n\nFix: use the words the language defines, here `enforcement required`.",
};

/// E016 `invalid-value`.
pub const INVALID_VALUE: CheckInfo = CheckInfo {
    code: "E016",
    name: "invalid-value",
    severity: Severity::Error,
    summary: "a date, time or duration is well formed but impossible, such as `2026-02-30`",
    help: "write a real date as `2026-12-15`, a time as `08:00`, a duration as `30m`, `1h` or `14d`",
    doc: "Why: an impossible date cannot be placed on the calendar, so rollouts and exemptions would have no meaning.\n\nExample:\n    exempt user \"bob@acme.test\" until 2026-02-30 reason \"lost device\"\n\nFix: `until 2026-02-28`.",
};
