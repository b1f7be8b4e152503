//! W008 `disjoint-factors`: two group rules with disjoint factor sets that
//! one user could hold together.

use crate::check::{CheckInfo, Context};
use crate::diagnostic::{Diagnostic, Severity};
use crate::policy::RuleId;

pub const INFO: CheckInfo = CheckInfo {
    code: "W008",
    name: "disjoint-factors",
    severity: Severity::Warning,
    summary: "two group rules allow factor sets with nothing in common, so a member of both can use no factor",
    help: "give the two groups a factor in common, or make sure no one can be in both",
    doc: "Why: when one person is in both groups, the allowed factors are intersected (in both precedence modes, groups combine most-restrictively) and nothing is left: that person is denied at every MFA login.\n\nExample:\n    group \"Contractors\" { factors sms }\n    group \"Finance\" { factors webauthn }\n\nFix: `group \"Contractors\" { factors sms | totp }` and `group \"Finance\" { factors webauthn | totp }`.",
};

pub fn run(cx: &Context<'_>, out: &mut Vec<Diagnostic>) {
    let p = cx.policy;
    let groups: Vec<RuleId> = p.group_rules().map(|(id, _)| id).collect();
    let epochs = cx.epochs();
    for (i, &a) in groups.iter().enumerate() {
        for &b in groups.iter().skip(i + 1) {
            let clash = epochs.iter().find(|&&at| {
                let (ea, eb) = (p.effective(a, at), p.effective(b, at));
                match (ea.factors, eb.factors) {
                    (Some(fa), Some(fb)) => {
                        !fa.is_empty()
                            && !fb.is_empty()
                            && fa.intersect(fb).is_empty()
                            && !ea.recovery
                            && !eb.recovery
                    }
                    _ => false,
                }
            });
            let Some(&at) = clash else { continue };
            let held = cx.directory.map(|d| {
                d.users
                    .iter()
                    .filter(|u| {
                        let rules: Vec<RuleId> = u
                            .groups
                            .iter()
                            .flat_map(|g| cx.groups.rules_for(g))
                            .collect();
                        rules.contains(&a) && rules.contains(&b)
                    })
                    .count()
            });
            let who = match held {
                Some(0) => "a user could hold both".to_string(),
                Some(n) => format!("{n} user(s) in the directory hold both"),
                None => "one user could hold both".to_string(),
            };
            out.push(
                Diagnostic::new(
                    &INFO,
                    cx.span_of(b, at, |f| f.factors.map(|x| x.span)),
                    format!(
                        "{} and {} allow no factor in common; {who}",
                        cx.subject(a),
                        cx.subject(b)
                    ),
                )
                .label("disjoint from the other group's factors")
                .related(
                    cx.span_of(a, at, |f| f.factors.map(|x| x.span)),
                    "the other group's factors",
                ),
            );
        }
    }
}
