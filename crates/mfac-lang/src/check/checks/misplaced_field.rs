//! E017 `misplaced-field`: a field or marker is written where it has no meaning

use crate::check::CheckInfo;
use crate::diagnostic::Severity;

pub const INFO: CheckInfo = CheckInfo {
    code: "E017",
    name: "misplaced-field",
    severity: Severity::Error,
    summary: "a field or marker is written where it has no meaning",
    help: "`privileged` and `includes` belong on group rules, `break_glass` on user rules, `backup_code` under `recovery`",
    doc: "Why: a marker in the wrong place would be silently ignored, and the policy would not mean what it says.\n\nExample:\n    user \"ann@acme.test\" { privileged }\n\nFix: mark the group (`group \"Admins\" { privileged }`), or use `break_glass` for an emergency user.",
};
