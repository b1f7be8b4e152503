//! W020 `lookalike-group`: with `--directory`, a directory group that
//! matches no group of the policy but looks like one.

use crate::check::{CheckInfo, Context};
use crate::diagnostic::{Diagnostic, Severity};
use crate::names::GroupMismatch;

pub const INFO: CheckInfo = CheckInfo {
    code: "W020",
    name: "lookalike-group",
    severity: Severity::Warning,
    summary: "(with --directory) a directory group matches no policy group but differs from one only in case, spacing, Unicode form or a letter or two",
    help: "spell the group exactly as the directory does (or fix the directory): names are matched exactly, so these members get none of the group's rules",
    doc: "Why: names are matched exactly. A directory that exports `domain admins` or `Domain Admin` where the policy says `Domain Admins` gives those admins the default rule, often optional MFA, and nothing else says so.\n\nExample:\n    group \"Domain Admins\" { privileged enforcement required }\n    (directory: eve is in `domain admins`)\n\nFix: `group \"domain admins\" { ... }`, or correct the directory's name.",
};

pub fn run(cx: &Context<'_>, out: &mut Vec<Diagnostic>) {
    for m in cx.group_mismatches() {
        let GroupMismatch::LookAlike { directory, policy } = m else {
            continue;
        };
        out.push(
            Diagnostic::new(&INFO, cx.where_group_named(policy), m.message())
                .label(format!("the directory has `{directory}`, not this")),
        );
    }
}
