//! E031 `incomplete-rule`: a scoped rule does not say whom it applies to

use crate::check::CheckInfo;
use crate::diagnostic::Severity;

pub const INFO: CheckInfo = CheckInfo {
    code: "E031",
    name: "incomplete-rule",
    severity: Severity::Error,
    summary: "a scoped rule (`rule \"NAME\" { .. }`) does not say whom it applies to",
    help: "add `for everyone`, or `for members of group \"G\"` and `user \"U\"`, to the rule",
    doc: "Why: a scoped rule without `for` could mean everyone or no one; mfac does not guess which, since either guess changes who gets MFA.\n\nExample:\n    rule \"CA100 admins\" {\n      in app \"Azure Portal\"\n      enforcement required\n    }\n\nFix: say whom it is for:\n    rule \"CA100 admins\" {\n      for members of group \"Global Administrators\"\n      in app \"Azure Portal\"\n      enforcement required\n    }",
};
