//! W021 `unheld-group`: with `--directory`, a group the policy names that
//! no directory user holds.

use crate::check::{CheckInfo, Context};
use crate::diagnostic::{Diagnostic, Severity};
use crate::names::GroupMismatch;

pub const INFO: CheckInfo = CheckInfo {
    code: "W021",
    name: "unheld-group",
    severity: Severity::Warning,
    summary: "(with --directory) a group named in a rule, an `includes` or an assertion is held by no user of the directory, directly or through `includes`",
    help: "check the name against the directory's groups: a misspelt group protects no one, and the members of the group it was meant to be get none of its rules",
    doc: "Why: a typo in a group name is silent. `includes \"Clod Admins\"` for `Cloud Admins` leaves Cloud Admins' members out of the privileged group, and the rule still reads correctly in review. A group that truly has no members yet is worth knowing about too.\n\nExample:\n    group \"Privileged\" { privileged includes \"Clod Admins\" }\n    (directory: the group is `Cloud Admins`)\n\nFix: `includes \"Cloud Admins\"`.",
};

pub fn run(cx: &Context<'_>, out: &mut Vec<Diagnostic>) {
    for m in cx.group_mismatches() {
        let GroupMismatch::Unheld { policy, .. } = m else {
            continue;
        };
        out.push(
            Diagnostic::new(&INFO, cx.where_group_named(policy), m.message())
                .label("no user holds this group"),
        );
    }
}
