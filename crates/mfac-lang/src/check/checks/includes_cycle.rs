//! E005 `includes-cycle`: groups include one another in a cycle.

use crate::check::{CheckInfo, Context};
use crate::diagnostic::{Diagnostic, Severity};

pub const INFO: CheckInfo = CheckInfo {
    code: "E005",
    name: "includes-cycle",
    severity: Severity::Error,
    summary: "groups include one another in a cycle",
    help: "remove one `includes` of the cycle; membership should flow one way, from the narrower group to the wider",
    doc: "Why: `includes` means every member of the included group is a member here. A cycle makes all the groups in it the same group, which is almost never what was meant and hides the real hierarchy.\n\nExample:\n    group \"Admins\" { includes \"Owners\" }\n    group \"Owners\" { includes \"Admins\" }\n\nFix: decide which group is the wider one and keep only that `includes`.",
};

pub fn run(cx: &Context<'_>, out: &mut Vec<Diagnostic>) {
    for cycle in cx.groups.cycles() {
        // Point at an `includes` entry that closes the cycle, in file order.
        let mut entries: Vec<_> = cx
            .policy
            .rules
            .iter()
            .filter_map(|r| match r.scope.single_group() {
                Some(g) if cycle.contains(&g) => Some((g, r)),
                _ => None,
            })
            .flat_map(|(g, r)| {
                r.includes
                    .iter()
                    .filter(|i| cycle.contains(&i.value.as_str()))
                    .map(move |i| (g, i))
            })
            .collect();
        entries.sort_by_key(|(_, i)| i.span.start);
        let Some((group, first)) = entries.first() else {
            continue;
        };
        let mut d = Diagnostic::new(
            &INFO,
            first.span,
            format!(
                "groups include one another in a cycle: `{}`",
                cycle.join("`, `")
            ),
        )
        .label(format!("`{group}` includes `{}` ...", first.value));
        for (g, i) in entries.iter().skip(1) {
            d = d.related(i.span, format!("... `{g}` includes `{}`", i.value));
        }
        out.push(d);
    }
}
