//! W002's search: the group rules that change no login's settings, in any
//! combination of groups, through `includes`, in either precedence mode.

use crate::reachable_within;
use mfac_core::eval::space::{Fields, Summary};
use mfac_core::Policy;
use rustc_hash::FxHashMap;

/// The most distinct combinations of whole group settings W002 searches in
/// one epoch before it gives up (its search reads every field, so settings
/// such as many different remember windows multiply).
const INERT_LIMIT: usize = 20_000;

/// The group rules among `rules` that change no login's settings: in every
/// epoch and every set of groups whose members get the rule (by their own
/// group or through `includes`), the effective settings are the same with
/// the rule as without it. The sets are searched as the joins of what each
/// group gives *without* the rule, so a rule shadowed only through
/// `includes` (every member of Ops is in Admins, and Admins says more) is
/// found, in both precedence modes. Judged for a user without a user rule
/// in no particular app, which is enough: a user rule only takes fields
/// away from the groups, and an app only adds on top, so neither can make a
/// difference appear that is not there without them.
///
/// Gives up (returns none) when the combinations are more than
/// [`INERT_LIMIT`] in an epoch.
pub fn inert_group_rules(policy: &Policy, rules: &[usize]) -> Vec<usize> {
    let mut names: Vec<&str> = policy.group_names().collect();
    names.sort_unstable();
    // The groups whose members get each rule (its own, or through
    // `includes`), found once.
    let mut carriers: FxHashMap<usize, Vec<&str>> = FxHashMap::default();
    for &g in &names {
        for (id, _) in policy.group_rule_infos(g) {
            carriers.entry(id).or_default().push(g);
        }
    }
    let mut live = vec![false; rules.len()];
    let only_none = [(Summary::none(), Vec::new())];
    for epoch in 0..policy.epoch_spans().len() {
        // Most rules show a change with their own groups alone: try that
        // first, and search every combination only for the rest.
        let mut undecided = false;
        for (k, &rule) in rules.iter().enumerate() {
            let Some(slot) = live.get_mut(k).filter(|l| !**l) else {
                continue;
            };
            let of = carriers.get(&rule).map_or(&[][..], Vec::as_slice);
            *slot = rule_changes_something(policy, of, &only_none, epoch, rule, Fields::ALL);
            undecided |= !*slot;
        }
        if !undecided {
            continue;
        }
        // Only the fields the undecided rules set can change (with those
        // that shape how they read: the level and the deadline, the
        // factors and recovery), so the search is over summaries projected
        // to them: fewer distinct states, the same answer.
        let fields = rules
            .iter()
            .zip(&live)
            .filter(|(_, l)| !**l)
            .fold(Fields::default(), |f, (&rule, _)| {
                touched(f, policy.rule_settings(epoch, rule))
            });
        // Every summary a set of groups reaches, with the rule: searched
        // once per epoch. A state that holds a carrier's summary already
        // holds the rule, so adding it there changes nothing; the others
        // are exactly the states of the groups that do not carry it.
        let singles = names
            .iter()
            .enumerate()
            .map(|(i, g)| (policy.group_summary(epoch, g).project(fields), i));
        let (states, complete) =
            reachable_within(singles, Summary::none(), Summary::join, false, INERT_LIMIT);
        if !complete {
            // Too many distinct combinations to judge: call every rule
            // live rather than guess (W002 is a warning; saying nothing is
            // the safe side).
            return Vec::new();
        }
        for (k, &rule) in rules.iter().enumerate() {
            if live.get(k).copied().unwrap_or(true) {
                continue;
            }
            let of = carriers.get(&rule).map_or(&[][..], Vec::as_slice);
            if rule_changes_something(policy, of, &states, epoch, rule, fields) {
                if let Some(slot) = live.get_mut(k) {
                    *slot = true;
                }
            }
        }
    }
    rules
        .iter()
        .zip(live)
        .filter(|(_, l)| !l)
        .map(|(r, _)| *r)
        .collect()
}

/// `f` with the fields `s` sets added, and those that shape how they read.
fn touched(mut f: Fields, s: Option<&mfac_core::compile::Settings>) -> Fields {
    let Some(s) = s else { return f };
    let level = s.enforcement.is_some() || s.deadline.is_some();
    let factors = s.factors.is_some() || s.recovery.is_some();
    f.enforcement |= level;
    f.deadline |= level;
    f.factors |= factors;
    f.recovery |= factors;
    f.remember |= s.remember.is_some();
    f
}

/// Does `rule` change some login's settings in `epoch`? What each group
/// that carries it gives without it is joined to each reachable state, and
/// the rule added on top.
fn rule_changes_something(
    policy: &Policy,
    carriers: &[&str],
    states: &[(Summary, Vec<usize>)],
    epoch: usize,
    rule: usize,
    fields: Fields,
) -> bool {
    let r = policy.rule_summary(epoch, rule).project(fields);
    let carriers: Vec<Summary> = carriers
        .iter()
        .map(|g| {
            policy
                .group_summary_without(epoch, g, Some(rule))
                .project(fields)
        })
        .collect();
    states.iter().any(|(s, _)| {
        carriers.iter().any(|c| {
            let t = s.join(c);
            policy.effective(epoch, None, None, &t.join(&r))
                != policy.effective(epoch, None, None, &t)
        })
    })
}
