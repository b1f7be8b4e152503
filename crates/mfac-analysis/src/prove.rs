//! Properties proven over the policy's whole space: every user (each named
//! one and "any other user"), every set of directory groups (closed over
//! `includes`), every app (each named one and "any other app") and every
//! instant, or refuted with a minimal counterexample.
//!
//! Time is finite: the settings change only at the compiled epochs, and
//! `exempt` only at an exemption's end, so a proof visits each piece
//! between those cuts once. Groups are finite too, without 2^n: a set's
//! settings are the join of its groups' [`Summary`]s, so a breadth-first
//! search over joins of the distinct per-group summaries, projected to the
//! fields the property reads, visits every reachable value, each first with
//! the fewest groups that reach it.

use jiff::Timestamp;
use mfac_core::eval::space::{Effective, Fields, Span, Summary};
use mfac_core::policy::Remember;
use mfac_core::{Factor, FactorSet, Level, Policy};
use rustc_hash::FxHashMap;

/// Whose logins a property speaks of.
#[derive(Clone, Debug, PartialEq, Eq)]
pub enum Scope {
    Everyone,
    /// Members of any privileged group.
    Privileged,
    /// Break-glass users and members of a break-glass group.
    BreakGlass,
    /// Members of this group (directly or through `includes`).
    MembersOf(String),
    User(String),
}

/// What is said of the effective settings (LANGUAGE.md §5).
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub enum Condition {
    /// Enforcement at least this level.
    Enforcement(Level),
    /// Every allowed factor but a recovery backup code is in the set.
    FactorsWithin(FactorSet),
    /// Some allowed factor is in the set.
    FactorsInclude(FactorSet),
    /// Enforcement above `off` and no factor allowed: the login is denied.
    FactorsNone,
    /// No remember window.
    RememberNever,
    /// A recovery factor is allowed.
    Recovery,
    /// An exemption applies.
    Exempt,
}

/// `for SCOPE [in app A] [from D] [until D]  always|never CONDITION`.
#[derive(Clone, Debug, PartialEq, Eq)]
pub struct Property {
    pub scope: Scope,
    pub app: Option<String>,
    pub from: Option<Timestamp>,
    pub until: Option<Timestamp>,
    /// `always` (the condition must hold) or `never` (it must not).
    pub always: bool,
    pub condition: Condition,
}

/// A login that breaks a property, to be replayed with `mfac eval`.
#[derive(Clone, Debug, PartialEq, Eq)]
pub struct Counterexample {
    /// The fewest directory groups that break it, by name.
    pub groups: Vec<String>,
    /// A named user, or `None`: any user without a user rule or exemption.
    pub user: Option<String>,
    /// A named app, or `None`: any app without an app rule (or none).
    pub app: Option<String>,
    /// When: the piece of time in which every instant breaks it.
    pub span: Span,
    /// One instant of `span`, for the replay.
    pub at: Timestamp,
    pub effective: Effective,
    pub exempt: bool,
}

impl Condition {
    /// The fields of a summary this condition reads.
    pub fn fields(self) -> Fields {
        let mut f = Fields::default();
        match self {
            Condition::Enforcement(_) => f.enforcement = true,
            Condition::FactorsWithin(_) | Condition::FactorsInclude(_) => {
                f.factors = true;
                f.recovery = true;
            }
            Condition::FactorsNone => {
                f.enforcement = true;
                f.factors = true;
                f.recovery = true;
            }
            Condition::RememberNever => f.remember = true,
            Condition::Recovery => f.recovery = true,
            Condition::Exempt => {}
        }
        f
    }

    /// Does it hold of these effective settings?
    pub fn holds(self, e: &Effective, exempt: bool) -> bool {
        match self {
            Condition::Enforcement(l) => e.enforcement >= l,
            Condition::FactorsWithin(set) => {
                let ordinary = if e.recovery {
                    e.factors.without(Factor::BackupCode)
                } else {
                    e.factors
                };
                ordinary.is_subset(set)
            }
            Condition::FactorsInclude(set) => !e.factors.intersect(set).is_empty(),
            Condition::FactorsNone => e.enforcement > Level::Off && e.factors.is_empty(),
            Condition::RememberNever => !matches!(e.remember, Some(Remember::Window(_))),
            Condition::Recovery => e.recovery,
            Condition::Exempt => exempt,
        }
    }
}

/// Why a property cannot be judged: it names what the policy lacks.
#[derive(Clone, Debug, PartialEq, Eq)]
pub enum Unjudgeable {
    /// `from` is not before `until`: no instant to speak of.
    EmptySpan,
    /// `members of group G` where the policy has no group G: nobody is in
    /// the scope, and a property of nobody proves nothing.
    UnknownGroup(String),
}

/// The directory groups, sorted, and whether each puts its members in the
/// scope.
fn groups_of(policy: &Policy, scope: &Scope) -> Vec<(String, bool)> {
    let mut names: Vec<String> = policy.group_names().map(str::to_string).collect();
    names.sort();
    names
        .into_iter()
        .map(|g| {
            let infos = policy.group_rule_infos(&g);
            let inside = match scope {
                Scope::Everyone | Scope::User(_) => true,
                Scope::Privileged => infos.iter().any(|(_, r)| r.privileged),
                Scope::BreakGlass => infos.iter().any(|(_, r)| r.break_glass),
                Scope::MembersOf(name) => infos.iter().any(|(_, r)| {
                    r.kind == mfac_core::compile::SubjectKind::Group && r.name == *name
                }),
            };
            (g, inside)
        })
        .collect()
}

/// The user classes: each named user (a user rule or an exemption), then
/// `None` for anyone else; and whether the user alone is in the scope.
fn users_of(policy: &Policy, scope: &Scope) -> Vec<(Option<String>, bool)> {
    if let Scope::User(u) = scope {
        return vec![(Some(u.clone()), true)];
    }
    let mut named: Vec<String> = policy
        .user_names()
        .chain(policy.exempted_users())
        .map(str::to_string)
        .collect();
    named.sort();
    named.dedup();
    let alone = |u: Option<&str>| match scope {
        Scope::Everyone | Scope::User(_) => true,
        Scope::Privileged => u
            .and_then(|u| policy.user_rule(u))
            .is_some_and(|(_, r)| r.privileged),
        Scope::BreakGlass => u
            .and_then(|u| policy.user_rule(u))
            .is_some_and(|(_, r)| r.break_glass),
        Scope::MembersOf(_) => false,
    };
    let mut out: Vec<(Option<String>, bool)> = named
        .into_iter()
        .map(|u| {
            let a = alone(Some(&u));
            (Some(u), a)
        })
        .collect();
    out.push((None, alone(None)));
    out
}

/// The pieces of time: the epochs cut again at every exemption's end and
/// at the property's own bounds, clipped to them; each with its epoch.
fn pieces(
    policy: &Policy,
    from: Option<Timestamp>,
    until: Option<Timestamp>,
) -> Vec<(usize, Span)> {
    let mut cuts: Vec<Timestamp> = policy
        .epoch_spans()
        .iter()
        .filter_map(|s| s.start)
        .chain(policy.exemption_ends())
        .chain(from)
        .chain(until)
        .collect();
    cuts.sort();
    cuts.dedup();
    let mut out = Vec::new();
    let mut start: Option<Timestamp> = None;
    for end in cuts.iter().copied().map(Some).chain(std::iter::once(None)) {
        let span = Span { start, end };
        let after_from = from.is_none_or(|f| start.is_some_and(|s| s >= f));
        let before_until = until.is_none_or(|u| end.is_some_and(|e| e <= u));
        if after_from && before_until {
            let at = instant(&span);
            out.push((policy.epoch_of(at), span));
        }
        start = end;
    }
    out
}

/// An instant inside a span: its start, else a day before its end, else a
/// fixed date (a policy with no dates at all is the same at every instant).
pub fn instant(span: &Span) -> Timestamp {
    const DAY: jiff::SignedDuration = jiff::SignedDuration::from_hours(24);
    match (span.start, span.end) {
        (Some(s), _) => s,
        (None, Some(e)) => e.checked_sub(DAY).unwrap_or(Timestamp::MIN),
        (None, None) => Timestamp::UNIX_EPOCH,
    }
}

/// Every summary a set of in-scope groups can reach in `epoch`, projected
/// to `fields`, each with the fewest groups (indices into `groups`) that
/// reach it, and whether those put the member in the scope.
fn reachable(
    policy: &Policy,
    epoch: usize,
    groups: &[(String, bool)],
    fields: Fields,
) -> Vec<(Summary, bool, Vec<usize>)> {
    // One representative per distinct (summary, scope) of a single group:
    // two groups alike add the same to any set.
    let mut reps: Vec<(Summary, bool, usize)> = Vec::new();
    let mut seen_rep: FxHashMap<(Summary, bool), ()> = FxHashMap::default();
    for (i, (name, inside)) in groups.iter().enumerate() {
        let s = policy.group_summary(epoch, name).project(fields);
        if seen_rep.insert((s, *inside), ()).is_none() {
            reps.push((s, *inside, i));
        }
    }
    let start = (Summary::none().project(fields), false);
    let mut best: FxHashMap<(Summary, bool), Vec<usize>> = FxHashMap::default();
    best.insert(start, Vec::new());
    let mut order = vec![start];
    let mut frontier = vec![start];
    while !frontier.is_empty() {
        let mut next = Vec::new();
        for state in &frontier {
            let witness = best.get(state).cloned().unwrap_or_default();
            for (s, inside, i) in &reps {
                let to = (state.0.join(s), state.1 || *inside);
                if let std::collections::hash_map::Entry::Vacant(slot) = best.entry(to) {
                    let mut w = witness.clone();
                    w.push(*i);
                    slot.insert(w);
                    order.push(to);
                    next.push(to);
                }
            }
        }
        frontier = next;
    }
    order
        .into_iter()
        .map(|k| {
            let w = best.remove(&k).unwrap_or_default();
            (k.0, k.1, w)
        })
        .collect()
}

/// Prove `p` over the whole space, or return the counterexample with the
/// fewest groups (then the earliest time, then the first user and app).
pub fn prove(policy: &Policy, p: &Property) -> Result<Result<(), Counterexample>, Unjudgeable> {
    if let (Some(f), Some(u)) = (p.from, p.until) {
        if f >= u {
            return Err(Unjudgeable::EmptySpan);
        }
    }
    let fields = p.condition.fields();
    let groups = groups_of(policy, &p.scope);
    if let Scope::MembersOf(g) = &p.scope {
        if !groups.iter().any(|(_, inside)| *inside) {
            return Err(Unjudgeable::UnknownGroup(g.clone()));
        }
    }
    let users = users_of(policy, &p.scope);
    let apps: Vec<Option<String>> = match &p.app {
        Some(a) => vec![Some(a.clone())],
        None => {
            let mut a: Vec<Option<String>> = policy.apps().map(|a| Some(a.to_string())).collect();
            a.sort();
            a.push(None);
            a
        }
    };
    // (groups, piece, user, app) of the best counterexample so far.
    let mut best: Option<((usize, usize, usize, usize), Counterexample)> = None;
    let mut by_epoch: FxHashMap<usize, Vec<(Summary, bool, Vec<usize>)>> = FxHashMap::default();
    for (k, (epoch, span)) in pieces(policy, p.from, p.until).into_iter().enumerate() {
        let at = instant(&span);
        let states = by_epoch
            .entry(epoch)
            .or_insert_with(|| reachable(policy, epoch, &groups, fields));
        for (s, inside, witness) in states.iter() {
            if best.as_ref().is_some_and(|(key, _)| key.0 < witness.len()) {
                continue;
            }
            for (ui, (user, user_inside)) in users.iter().enumerate() {
                if !(*inside || *user_inside) {
                    continue;
                }
                let exempt = user
                    .as_deref()
                    .is_some_and(|u| policy.exemption_at(u, at).is_some());
                for (ai, app) in apps.iter().enumerate() {
                    let e = policy.effective(epoch, user.as_deref(), app.as_deref(), s);
                    if p.condition.holds(&e, exempt) == p.always {
                        continue;
                    }
                    let key = (witness.len(), k, ui, ai);
                    if best.as_ref().is_none_or(|(b, _)| key < *b) {
                        let names: Vec<String> = witness
                            .iter()
                            .filter_map(|&i| groups.get(i))
                            .map(|g| g.0.clone())
                            .collect();
                        // The whole settings of those groups, not the
                        // projection the search ran on, for the report.
                        let full = names.iter().fold(Summary::none(), |acc, g| {
                            acc.join(&policy.group_summary(epoch, g))
                        });
                        let effective =
                            policy.effective(epoch, user.as_deref(), app.as_deref(), &full);
                        best = Some((
                            key,
                            Counterexample {
                                groups: names,
                                user: user.clone(),
                                app: app.clone(),
                                span,
                                at,
                                effective,
                                exempt,
                            },
                        ));
                    }
                }
            }
        }
    }
    Ok(match best {
        None => Ok(()),
        Some((_, c)) => Err(c),
    })
}
