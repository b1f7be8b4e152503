//! E015 `unknown-timezone`: the policy's timezone is not an IANA timezone name

use crate::check::CheckInfo;
use crate::diagnostic::Severity;

pub const INFO: CheckInfo = CheckInfo {
    code: "E015",
    name: "unknown-timezone",
    severity: Severity::Error,
    summary: "the policy's timezone is not an IANA timezone name",
    help: "use an IANA name such as `Europe/Berlin`, `America/New_York` or `UTC`",
    doc: "Why: every date in the policy is midnight in its timezone; an unknown zone would move every date.\n\nExample:\n    timezone \"CET+1\"\n\nFix: `timezone \"Europe/Berlin\"`.",
};
