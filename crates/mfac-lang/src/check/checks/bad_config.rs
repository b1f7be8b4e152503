//! E025 `bad-config`: an `mfac.toml` cannot be used.

use crate::check::CheckInfo;
use crate::diagnostic::Severity;

pub const INFO: CheckInfo = CheckInfo {
    code: "E025",
    name: "bad-config",
    severity: Severity::Error,
    summary: "an `mfac.toml` is malformed, names an unknown check, or tries to lower an error",
    help: "`mfac.toml` holds `[severity]` with `CODE = \"error\" | \"warning\" | \"off\"`; errors cannot be lowered",
    doc: "Why: a severity file that is silently ignored would let a check the team relies on go unreported.\n\nExample:\n    [severity]\n    W02 = \"off\"\n\nFix: `W002 = \"off\"`.",
};
