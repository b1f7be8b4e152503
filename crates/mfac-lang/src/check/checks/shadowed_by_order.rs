//! W023 `shadowed-by-order`: under `precedence ordered`, earlier rules
//! apply wherever a rule does and set every field it sets, so it never
//! wins a field.

use super::rule_never_applies::contains;
use crate::check::{CheckInfo, Context};
use crate::diagnostic::{Diagnostic, Severity};
use crate::policy::{Field, Precedence, Rank};

pub const INFO: CheckInfo = CheckInfo {
    code: "W023",
    name: "shadowed-by-order",
    severity: Severity::Warning,
    summary: "under `precedence ordered`, earlier rules apply wherever a rule does and set every field it sets, so it never wins a field",
    help: "move the rule above the earlier ones it names, narrow them, or delete it",
    doc: "Why: `ordered` is first match, field by field: the first rule in file order that applies to a login and sets a field wins it. A rule whose every field is set by earlier rules that apply wherever it applies is dead: its author expected it to win, usually because it was added at the bottom of the list (Okta's priority, 12Port's order).\n\nExample:\n    precedence ordered\n    group \"Staff\" { includes \"Contractors\" enforcement optional }\n    rule \"contractors\" {\n      for members of group \"Contractors\"\n      enforcement required\n    }\n\nEvery contractor is staff, and the Staff rule comes first and sets enforcement, so the contractors rule never wins it.\n\nFix: put the narrower rule first.\n\nThe check names earlier rules that each apply wherever the rule does (their `for`, `in` and `except` contain its own); a rule shadowed only by several earlier rules that each cover part of its scope is not reported.",
};

pub fn run(cx: &Context<'_>, out: &mut Vec<Diagnostic>) {
    let p = cx.policy;
    if p.precedence != Precedence::Ordered {
        return;
    }
    let first_match = |id: usize| {
        p.rules.get(id).is_some_and(|r| {
            matches!(r.scope.rank(), Rank::User | Rank::Group) && r.report_only.is_none()
        })
    };
    let epochs = cx.epochs();
    for (id, rule) in p
        .rules
        .iter()
        .enumerate()
        .filter(|(id, _)| first_match(*id))
    {
        // The earlier rules (in file order) that apply wherever this one does.
        let earlier: Vec<usize> = (0..id)
            .filter(|&e| first_match(e))
            .filter(|&e| p.rules.get(e).is_some_and(|er| contains(cx, er, rule)))
            .collect();
        if earlier.is_empty() {
            continue;
        }
        // At every instant, each field the rule sets is set by one of them.
        let shadowed = epochs.iter().all(|&at| {
            let own = p.effective(id, at);
            Field::ALL
                .iter()
                .all(|&f| !own.sets(f) || earlier.iter().any(|&e| p.effective(e, at).sets(f)))
        });
        let sets_something = epochs.iter().any(|&at| p.effective(id, at).sets_anything());
        if !shadowed || !sets_something {
            continue;
        }
        let names: Vec<String> = earlier.iter().map(|&e| cx.subject(e)).collect();
        let mut d = Diagnostic::new(
            &INFO,
            rule.span,
            format!(
                "{rule} never wins a field: {} {} wherever it does and {} first",
                names.join(", "),
                if names.len() == 1 { "applies" } else { "apply" },
                if names.len() == 1 { "comes" } else { "come" },
            ),
        )
        .label("never wins a field");
        for &e in &earlier {
            if let Some(er) = p.rules.get(e) {
                d = d.related(er.span, format!("{er} comes first"));
            }
        }
        out.push(d);
    }
}
