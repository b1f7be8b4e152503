//! E030 `bad-assertion`: an assertion that cannot be judged: its scope
//! names a group the policy does not know, or its time span is empty.

use crate::check::{CheckInfo, Context};
use crate::diagnostic::{Diagnostic, Severity};
use mfac_prove::Unjudgeable;

pub const INFO: CheckInfo = CheckInfo {
    code: "E030",
    name: "bad-assertion",
    severity: Severity::Error,
    summary: "an assertion speaks of nobody or of no time: `members of` a group no rule names, or `from` not before `until`",
    help: "name a group that a rule (or an `includes`) of this policy knows, and a `from` before the `until`",
    doc: "Why: a property of nobody, or of no instant, holds vacuously and proves nothing; it is almost always a typo in a group name or a date. An assertion that cannot fail is worse than none, because it looks like a guarantee.\n\nExample:\n    group \"Administrators\" { privileged enforcement required }\n    assert \"admins\" { for members of group \"Admins\" always enforcement required }\n\nFix: `for members of group \"Administrators\"`.",
};

pub fn run(cx: &Context<'_>, out: &mut Vec<Diagnostic>) {
    if cx.policy.assertions.is_empty() {
        return;
    }
    let policy = cx.compiled();
    for a in &cx.policy.assertions {
        // The claims of one block share their scope and span.
        let Some(first) = a.claims.first() else {
            continue;
        };
        let message = match mfac_prove::judgeable(policy, &first.value) {
            Ok(()) => continue,
            Err(Unjudgeable::EmptySpan) => {
                format!(
                    "assertion `{}` speaks of no time: `from` is not before `until`",
                    a.name
                )
            }
            Err(Unjudgeable::UnknownGroup(g)) => {
                format!(
                    "assertion `{}` speaks of members of `{g}`, a group no rule names",
                    a.name
                )
            }
            // `judgeable` runs no search; E029 reports a search given up.
            Err(Unjudgeable::TooLarge) => continue,
        };
        out.push(Diagnostic::new(&INFO, a.scope_span, message).label("nobody, or no instant"));
    }
}
