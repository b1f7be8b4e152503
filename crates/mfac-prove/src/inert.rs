//! W002's search: the group rules that change no login's settings, in any
//! combination of groups, through `includes` and exclusions, in every
//! precedence mode.

use crate::{reachable_within, Reached, Searches, Space};
use mfac_core::eval::space::{Fields, Summary, View};
use mfac_core::Policy;
use rustc_hash::FxHashMap;

/// The most distinct combinations of groups W002 searches for one rule,
/// user and app in one epoch before it gives up (its search reads every
/// field the rule sets, so settings such as many different remember
/// windows multiply).
const INERT_LIMIT: usize = 20_000;

/// The group rules among `rules` that change no login's settings: for every
/// epoch, user, app and set of groups, the effective settings are the same
/// with the rule as without it.
///
/// A rule can only make a difference to a set of groups that brings it in
/// (holds a carrier: its own group, or one that reaches it through
/// `includes`) and does not leave it out. Such a set is some groups S that
/// neither carry nor leave out the rule, plus some carriers K; S looks the
/// same with the rule and without it. So one search per epoch, user and
/// app finds every state S can reach (shared by every rule judged), a small
/// search over each rule's carriers finds the pairs (with, without) that K
/// can reach, and the rule is inert when no S and K differ. Iterating every
/// reachable state for S, not only those of groups that neither carry nor
/// leave out the rule, adds only states in which the rule is already in or
/// already out, where with and without agree: no false difference. So it
/// is exact: a rule shadowed only through `includes` (every member of Ops
/// is in Admins, and Admins says more) is found, and one that matters only
/// where another rule leaves someone out is kept.
///
/// Gives up (returns none) when a search grows past [`INERT_LIMIT`]
/// (W002 is a warning; saying nothing is the safe side).
pub fn inert_group_rules(policy: &Policy, rules: &[usize]) -> Vec<usize> {
    let names: Vec<&str> = policy.group_names().collect();
    // The groups whose members get each rule (its own, or through
    // `includes`), found once.
    let mut carriers: FxHashMap<usize, Vec<&str>> = FxHashMap::default();
    for &g in &names {
        for (id, _) in policy.group_rule_infos(g) {
            carriers.entry(id).or_default().push(g);
        }
    }
    let carried = |rule: usize| carriers.get(&rule).map_or(&[][..], Vec::as_slice);
    let epochs = policy.epoch_spans().len();
    // Most rules show a change with one of their own groups alone: try
    // that first, and search every combination only for the rest.
    let undecided: Vec<usize> = rules
        .iter()
        .copied()
        .filter(|&rule| {
            let fields = touched_by(policy, rule, epochs);
            !(0..epochs).any(|e| {
                // In an app the rule is bound to, if it is bound to any.
                let app = policy
                    .rule(rule)
                    .and_then(|r| r.scope.apps.first())
                    .map(String::as_str);
                let with = policy.view(e, None, app, fields, None);
                let without = policy.view(e, None, app, fields, Some(rule));
                carried(rule)
                    .iter()
                    .any(|g| with.effective(&with.group(g)) != without.effective(&without.group(g)))
            })
        })
        .collect();
    if undecided.is_empty() {
        return undecided;
    }
    // Only the fields the undecided rules set can change (with those that
    // shape how they read), so the searches are over summaries projected to
    // them: fewer distinct states, the same answer.
    let fields = undecided.iter().fold(Fields::default(), |f, &r| {
        union(f, touched_by(policy, r, epochs))
    });
    // A user's or an app's own rules only take fields away from the
    // groups, so a difference shows for someone the policy does not name,
    // in an app it does not name, unless an `except` leaves out a named
    // user or app, a rule scoped to groups is also bound to some users or
    // apps, or the rule judged applies only in some apps: those are
    // searched too. In `ordered`, a user's rule takes nothing away from a
    // group rule before it in the file (the group's wins), so a group rule
    // can matter only for a named user: every named user is searched.
    let (mut users, mut apps) = excepted(policy);
    if policy.precedence() == mfac_core::policy::Precedence::Ordered {
        users.extend(policy.user_names().map(|u| Some(u.to_string())));
        users.sort();
        users.dedup();
        // Likewise an app's own rules: every named app too.
        apps.extend(policy.apps().map(|a| Some(a.to_string())));
    }
    for &r in &undecided {
        if let Some(info) = policy.rule(r) {
            apps.extend(info.scope.apps.iter().cloned().map(Some));
        }
    }
    apps.sort();
    apps.dedup();
    let mut live = vec![false; undecided.len()];
    // No scope here: every group alike outside it.
    let groups: Vec<(String, bool)> = names.iter().map(|g| (g.to_string(), false)).collect();
    let space = Space::default();
    let mut searches = Searches::new(groups, INERT_LIMIT);
    for e in 0..epochs {
        for u in &users {
            for a in &apps {
                let (u, a) = (u.as_deref(), a.as_deref());
                let with = policy.view(e, u, a, fields, None);
                let Some(states) = searches.of(&with, &space) else {
                    return Vec::new();
                };
                // The states found can be joined only with groups that
                // leave nothing out (see `reachable_in_scope`); for a rule
                // whose carriers do, with the rule or without it, every
                // group is searched unsettled, once per view.
                let mut unsettled_states: Option<Vec<Reached>> = None;
                for (k, &rule) in undecided.iter().enumerate() {
                    if live.get(k).copied().unwrap_or(true) {
                        continue;
                    }
                    let without = policy.view(e, u, a, fields, Some(rule));
                    let carriers = carried(rule);
                    // Without the rule, a carrier may leave out what the
                    // rule itself outranked with it (its own group still
                    // excluded through `includes`): unsettled then too.
                    let leaves_out =
                        |g: &&str| with.group(g).leaves_out() || without.group(g).leaves_out();
                    let states = if carriers.iter().any(leaves_out) {
                        if unsettled_states.is_none() {
                            let Some(all) = unsettled(&with, &names) else {
                                return Vec::new();
                            };
                            unsettled_states = Some(all);
                        }
                        unsettled_states.as_deref().unwrap_or_default()
                    } else {
                        states
                    };
                    let Some(differs) = differs(&with, &without, states, carriers) else {
                        return Vec::new();
                    };
                    if let Some(slot) = live.get_mut(k).filter(|_| differs) {
                        *slot = true;
                    }
                }
            }
        }
    }
    undecided
        .into_iter()
        .zip(live)
        .filter(|(_, l)| !l)
        .map(|(r, _)| r)
        .collect()
}

/// Every summary a set of groups can reach in `with`, each joinable with
/// any group: the search of [`reachable_in_scope`] in one stage.
fn unsettled(with: &View<'_>, names: &[&str]) -> Option<Vec<Reached>> {
    let singles = names
        .iter()
        .enumerate()
        .map(|(i, g)| ((with.group(g), false), i));
    let join = |x: &(Summary, bool), y: &(Summary, bool)| (with.join(&x.0, &y.0), false);
    let start = (with.none(), false);
    let (states, complete) = reachable_within(singles, start, join, false, INERT_LIMIT);
    complete.then_some(states)
}

/// Does some set S (one of `states`, seen with the rule) plus some
/// carriers K give other settings with the rule than without it? `None`
/// when the carriers' search gives up.
fn differs(
    with: &View<'_>,
    without: &View<'_>,
    states: &[Reached],
    carriers: &[&str],
) -> Option<bool> {
    type Pair = (Summary, Summary);
    let singles = carriers
        .iter()
        .enumerate()
        .map(|(i, g)| ((with.group(g), without.group(g)), i));
    let (pairs, complete) = reachable_within(
        singles,
        (with.none(), without.none()),
        |x: &Pair, y: &Pair| (with.join(&x.0, &y.0), without.join(&x.1, &y.1)),
        false,
        INERT_LIMIT,
    );
    if !complete {
        return None;
    }
    Some(
        pairs
            .iter()
            .filter(|(_, k)| !k.is_empty())
            .any(|((wk, wok), _)| {
                states.iter().any(|((s, _), _)| {
                    with.effective(&with.join(s, wk)) != without.effective(&without.join(s, wok))
                })
            }),
    )
}

/// The fields rule `rule` sets in any epoch, with those that shape how they
/// read.
fn touched_by(policy: &Policy, rule: usize, epochs: usize) -> Fields {
    (0..epochs).fold(Fields::default(), |f, e| {
        touched(f, policy.rule_settings(e, rule))
    })
}

fn union(a: Fields, b: Fields) -> Fields {
    Fields {
        enforcement: a.enforcement || b.enforcement,
        factors: a.factors || b.factors,
        recovery: a.recovery || b.recovery,
        remember: a.remember || b.remember,
        remember_kind: a.remember_kind || b.remember_kind,
        deadline: a.deadline || b.deadline,
    }
}

/// The user classes and the app classes a difference can show in: anyone
/// and any app the policy does not name, the users and apps an `except`
/// names, and those a rule scoped to groups also names (`for members of
/// group "G", user "U" in app "A"` brings G's members a rule in A only,
/// which another group's rule can then matter beside).
fn excepted(policy: &Policy) -> (Vec<Option<String>>, Vec<Option<String>>) {
    let mut users: Vec<String> = Vec::new();
    let mut apps: Vec<String> = Vec::new();
    for r in &policy.tables().rules {
        users.extend(r.scope.except.users.iter().cloned());
        apps.extend(r.scope.except.apps.iter().cloned());
        if !r.scope.groups.is_empty() {
            users.extend(r.scope.users.iter().cloned());
            apps.extend(r.scope.apps.iter().cloned());
        }
    }
    let classes = |mut v: Vec<String>| -> Vec<Option<String>> {
        v.sort();
        v.dedup();
        std::iter::once(None)
            .chain(v.into_iter().map(Some))
            .collect()
    };
    (classes(users), classes(apps))
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
