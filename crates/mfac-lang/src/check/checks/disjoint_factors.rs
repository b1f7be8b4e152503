//! W008 `disjoint-factors`: two group rules with disjoint factor sets that
//! one user could hold together.

use crate::check::{CheckInfo, Context};
use crate::diagnostic::{Diagnostic, Severity};
use crate::policy::RuleId;
use jiff::Timestamp;
use std::collections::HashMap;

pub const INFO: CheckInfo = CheckInfo {
    code: "W008",
    name: "disjoint-factors",
    severity: Severity::Warning,
    summary: "two group rules allow factor sets with nothing in common, so a member of both can use no factor",
    help: "give the two groups a factor in common, or make sure no one can be in both",
    doc: "Why: when one person is in both groups, the allowed factors are intersected (in both precedence modes, groups combine most-restrictively) and nothing is left: that person is denied at every MFA login.\n\nExample:\n    group \"Contractors\" { factors sms }\n    group \"Finance\" { factors webauthn }\n\nFix: `group \"Contractors\" { factors sms | totp }` and `group \"Finance\" { factors webauthn | totp }`.",
};

/// Linear in groups × epochs: factor sets are 6-bit, so each epoch keeps, for
/// each of the 64 possible sets, the first group seen with it; a group is
/// checked against those 64 classes, not against every earlier group. Each
/// group is reported once, against the first earlier group it clashes with.
pub fn run(cx: &Context<'_>, out: &mut Vec<Diagnostic>) {
    let p = cx.policy;
    let groups: Vec<RuleId> = p.group_rules().map(|(id, _)| id).collect();
    let mut reported: HashMap<RuleId, (RuleId, Timestamp, usize)> = HashMap::new();
    for at in cx.epochs() {
        let mut first: [Option<RuleId>; 64] = [None; 64];
        let mut count = [0usize; 64];
        for &b in &groups {
            let e = p.effective(b, at);
            let Some(fb) = e.factors.filter(|f| !f.is_empty() && !e.recovery) else {
                continue;
            };
            if let std::collections::hash_map::Entry::Vacant(slot) = reported.entry(b) {
                let disjoint = (0..64usize).filter(|&c| c as u8 & fb.bits() == 0);
                let clashes: Vec<(RuleId, usize)> = disjoint
                    .filter_map(|c| Some((*first.get(c)?.as_ref()?, *count.get(c)?)))
                    .collect();
                if let Some(&(a, _)) = clashes.iter().min_by_key(|(a, _)| *a) {
                    let others = clashes.iter().map(|(_, n)| n).sum::<usize>() - 1;
                    slot.insert((a, at, others));
                }
            }
            let class = usize::from(fb.bits() & 63);
            if let (Some(slot), Some(n)) = (first.get_mut(class), count.get_mut(class)) {
                slot.get_or_insert(b);
                *n += 1;
            }
        }
    }
    // Each user's group rules, once, for counting who holds both.
    let held_rules: Option<Vec<Vec<RuleId>>> = cx.directory.map(|d| {
        d.users
            .iter()
            .map(|u| {
                u.groups
                    .iter()
                    .flat_map(|g| cx.groups.rules_for(g))
                    .collect()
            })
            .collect()
    });
    for &b in &groups {
        let Some(&(a, at, others)) = reported.get(&b) else {
            continue;
        };
        let held = held_rules.as_ref().map(|users| {
            users
                .iter()
                .filter(|rules| rules.contains(&a) && rules.contains(&b))
                .count()
        });
        let who = match held {
            Some(0) => "a user could hold both".to_string(),
            Some(n) => format!("{n} user(s) in the directory hold both"),
            None => "one user could hold both".to_string(),
        };
        let more = match others {
            0 => String::new(),
            n => format!(" (and {n} more group rule(s) with factors disjoint from it)"),
        };
        out.push(
            Diagnostic::new(
                &INFO,
                cx.span_of(b, at, |f| f.factors.map(|x| x.span)),
                format!(
                    "{} and {} allow no factor in common{more}; {who}",
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
