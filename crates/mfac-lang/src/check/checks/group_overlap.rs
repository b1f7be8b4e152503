//! W011 `group-overlap`: in `specific` mode, several groups that one user
//! certainly holds set the same field.

use crate::check::{CheckInfo, Context};
use crate::diagnostic::{Diagnostic, Severity};
use crate::policy::{Precedence, RuleId};
use std::collections::BTreeSet;

pub const INFO: CheckInfo = CheckInfo {
    code: "W011",
    name: "group-overlap",
    severity: Severity::Warning,
    summary: "in `specific` mode, two groups held by one user (through `includes`, or in the directory) both set a field, so they combine most-restrictively",
    help: "set the field in one of the two groups only, or accept that members of both get the stricter value",
    doc: "Why: `specific` mode suggests that one rule decides each field. When a user is in two groups that both set it, the groups are combined most-restrictively instead, which can surprise whoever wrote the looser one.\n\nExample:\n    precedence specific\n    group \"Admins\" { includes \"Support\" enforcement required }\n    group \"Support\" { enforcement optional }\n\nFix: drop `enforcement` from `Support`, or accept the stricter value.",
};

pub fn run(cx: &Context<'_>, out: &mut Vec<Diagnostic>) {
    let p = cx.policy;
    if p.precedence != Precedence::Specific {
        return;
    }
    // Pairs of group rules one user certainly holds together.
    let mut pairs: BTreeSet<(RuleId, RuleId)> = BTreeSet::new();
    let mut add = |rules: &[RuleId]| {
        for (i, &a) in rules.iter().enumerate() {
            for &b in rules.iter().skip(i + 1) {
                pairs.insert((a.min(b), a.max(b)));
            }
        }
    };
    for name in cx.groups.names() {
        add(&cx.groups.rules_for(name));
    }
    if let Some(d) = cx.directory {
        for u in &d.users {
            let mut rules: Vec<RuleId> = u
                .groups
                .iter()
                .flat_map(|g| cx.groups.rules_for(g))
                .collect();
            rules.sort_unstable();
            rules.dedup();
            add(&rules);
        }
    }
    for (a, b) in pairs {
        let shared = cx.epochs().into_iter().find_map(|at| {
            let (ea, eb) = (p.effective(a, at), p.effective(b, at));
            [
                (
                    "enforcement",
                    ea.enforcement.is_some() && eb.enforcement.is_some(),
                ),
                ("factors", ea.factors.is_some() && eb.factors.is_some()),
                ("remember", ea.remember.is_some() && eb.remember.is_some()),
            ]
            .into_iter()
            .find(|(_, both)| *both)
            .map(|(f, _)| f)
        });
        let Some(field) = shared else { continue };
        let span_b = p.rules.get(b).map(|r| r.span).unwrap_or_default();
        let span_a = p.rules.get(a).map(|r| r.span).unwrap_or_default();
        out.push(
            Diagnostic::new(
                &INFO,
                span_b,
                format!(
                    "{} and {} both set `{field}` for users who hold both",
                    cx.subject(a),
                    cx.subject(b)
                ),
            )
            .label("combined most-restrictively with the other group")
            .related(span_a, "the other group"),
        );
    }
}
