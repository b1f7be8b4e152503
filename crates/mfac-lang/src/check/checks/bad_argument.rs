//! E026 `bad-argument`: a value on the command line cannot be used.

use crate::check::CheckInfo;
use crate::diagnostic::Severity;

pub const INFO: CheckInfo = CheckInfo {
    code: "E026",
    name: "bad-argument",
    severity: Severity::Error,
    summary: "a command-line flag or value is unknown, missing or malformed, such as a time mfac cannot read",
    help: "see `mfac COMMAND --help` for the flags and the forms their values take",
    doc: "Why: a value mfac guessed at would give a confident wrong answer; it refuses instead (exit 2).\n\nExample:\n    mfac eval policies/acme.mfa --user bob@acme.test --at 2026-12-16T10\n\nFix: `--at 2026-12-16T10:00:00` (wall-clock time in the policy's timezone) or `--at 2026-12-16T10:00:00+01:00`.",
};
