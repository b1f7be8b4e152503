//! mfac-prove: properties proven over a compiled policy's whole space: every user (each named
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
//!
//! The engine reads only the compiled policy (mfac-core), so it sits right
//! above the evaluator: the checker (mfac-lang) judges assertions and its
//! policy-wide checks with it, and `mfac diff --deny-loosening` compares two
//! policies over the same space ([`loosen`]).

#![forbid(unsafe_code)]

mod bypass;
mod domain;
mod inert;
mod judge;
pub mod loosen;
mod memo;
#[cfg(feature = "mutants")]
pub mod mutants;
mod property;
mod replay;
mod search;
mod searches;

pub(crate) use domain::{apps_of, groups_of, named_users, pieces, users_of};
pub use domain::{instant, Space, Users, PROOF_LIMIT};
pub use inert::inert_group_rules;
pub(crate) use judge::{Judged, Login};
pub use memo::Memo;
pub use property::{Condition, Counterexample, Property, Scope, Unjudgeable};
pub use replay::{
    field_rules, loosening_condition, replay_args, replay_user, report, settings_report,
    shell_word, FieldRules,
};
pub(crate) use search::{reachable_within, two_stage, Settling};
pub use searches::Proofs;
pub(crate) use searches::{Reached, Searches};

use jiff::Timestamp;
use mfac_core::eval::space::{Applies, Effective, Fields, Span, Summary, View};
use mfac_core::policy::{Aal, Remember};
use mfac_core::{Factor, FactorSet, Level, Policy};
use rustc_hash::FxHashMap;
use std::sync::Arc;

/// [`Policy::view`], broken as the space's mutant asks.
#[cfg_attr(not(feature = "mutants"), allow(unused_variables))]
fn view_in<'p>(
    policy: &'p Policy,
    epoch: usize,
    user: Option<&'p str>,
    app: Option<&str>,
    fields: Fields,
    space: &Space,
) -> View<'p> {
    #[allow(unused_mut)]
    let mut view = policy.view(epoch, user, app, fields, None);
    #[cfg(feature = "mutants")]
    if space.broken(mutants::Mutant::LastMatch) {
        view.break_order();
    }
    view
}

/// What a login of `user` into `app` with exactly `groups` gets in
/// `epoch`, every field read.
pub(crate) fn effective_of(
    policy: &Policy,
    epoch: usize,
    user: Option<&str>,
    app: Option<&str>,
    groups: &[String],
) -> Effective {
    let view = policy.view(epoch, user, app, Fields::ALL, None);
    view.effective(&view.groups(groups.iter().map(String::as_str)))
}

/// Prove `p` over the whole space, or return the counterexample with the
/// fewest groups (then the earliest time, then the first user and app).
pub fn prove(policy: &Policy, p: &Property) -> Result<Result<(), Counterexample>, Unjudgeable> {
    prove_in(policy, p, &Space::default())
}

/// Whether `p` can be judged at all, without proving it.
pub fn judgeable(policy: &Policy, p: &Property) -> Result<(), Unjudgeable> {
    if let (Some(f), Some(u)) = (p.from, p.until) {
        if f >= u {
            return Err(Unjudgeable::EmptySpan);
        }
    }
    if let Scope::MembersOf(g) = &p.scope {
        if !groups_of(policy, &p.scope)
            .iter()
            .any(|(_, inside)| *inside)
        {
            return Err(Unjudgeable::UnknownGroup(g.clone()));
        }
    }
    Ok(())
}

/// [`prove`] over a chosen part of the space.
pub fn prove_in(
    policy: &Policy,
    p: &Property,
    space: &Space,
) -> Result<Result<(), Counterexample>, Unjudgeable> {
    let mut searches = Searches::new(groups_of(policy, &p.scope), space.limit);
    prove_with(policy, p, space, &mut searches)
}

/// [`prove_in`] on searches over the property's scope, fresh or shared.
fn prove_with(
    policy: &Policy,
    p: &Property,
    space: &Space,
    searches: &mut Searches,
) -> Result<Result<(), Counterexample>, Unjudgeable> {
    if let (Some(f), Some(u)) = (p.from, p.until) {
        if f >= u {
            return Err(Unjudgeable::EmptySpan);
        }
    }
    #[allow(unused_mut)]
    let mut fields = p.condition.fields();
    #[cfg(feature = "mutants")]
    if space.broken(mutants::Mutant::CoarseProjection) {
        fields.recovery = false;
    }
    let groups = searches.groups();
    if let Scope::MembersOf(g) = &p.scope {
        if !groups.iter().any(|(_, inside)| *inside) {
            return Err(Unjudgeable::UnknownGroup(g.clone()));
        }
    }
    let users = users_of(policy, &p.scope, space);
    // Nobody in the scope (no privileged group, say): nothing to search.
    // Without this, a search over groups that never enter the scope could
    // still visit every join of theirs.
    if !groups.iter().any(|(_, inside)| *inside) && !users.iter().any(|(_, alone)| *alone) {
        return Ok(Ok(()));
    }
    #[allow(unused_mut)]
    let mut apps = apps_of(p.app.as_deref(), [policy]);
    #[cfg(feature = "mutants")]
    if space.broken(mutants::Mutant::NoOtherApp) && apps.len() > 1 {
        apps.remove(0);
    }
    #[allow(unused_mut)]
    let mut times = pieces([policy], p.from, p.until);
    #[cfg(feature = "mutants")]
    if space.broken(mutants::Mutant::EpochsOnly) {
        // Cut only at rollout dates: exemption ends are forgotten.
        times = pieces_without_exemptions(policy, p.from, p.until);
    }
    // (groups, piece, user, app) of the best counterexample so far.
    let mut best: Option<((usize, usize, usize, usize), Counterexample)> = None;
    let mut judged = Judged::new(policy);
    'search: for (k, span) in times.iter().copied().enumerate() {
        let at = instant(&span);
        let epoch = policy.epoch_of(at);
        for (ui, (user, user_inside)) in users.iter().enumerate() {
            let exempt = user
                .as_deref()
                .is_some_and(|u| policy.exemption_at(u, at).is_some());
            for (ai, app) in apps.iter().enumerate() {
                // The same login in an earlier piece of the same epoch was
                // judged already, and an earlier piece wins a tie.
                if !judged.first_time((epoch, ui, ai, exempt)) {
                    continue;
                }
                if best.as_ref().is_some_and(|(b, _)| b.0 == 0) {
                    // No login can need fewer groups, and this one came first.
                    break 'search;
                }
                let login = Login {
                    epoch,
                    user: (ui, user.as_deref()),
                    app: (ai, app.as_deref()),
                    exempt,
                    inside: *user_inside,
                };
                let Some(witness) = judged.breaks(policy, p, fields, space, searches, &login)?
                else {
                    continue;
                };
                let key = (witness.len(), k, ui, ai);
                if best.as_ref().is_some_and(|(b, _)| key >= *b) {
                    continue;
                }
                let names: Vec<String> = witness
                    .iter()
                    .filter_map(|&i| groups.get(i))
                    .map(|g| g.0.clone())
                    .collect();
                // The whole settings of those groups, not the projection
                // the search ran on, for the report.
                let effective =
                    effective_of(policy, epoch, user.as_deref(), app.as_deref(), &names);
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
                        bypass: false,
                    },
                ));
            }
        }
    }
    // An exemption the helpdesk may grant breaks it too: the login with
    // fewer groups is the counterexample (the rules' on a tie).
    let bypassed = if p.condition.reads_exempt() {
        bypass::counterexample(policy, p, &times)
    } else {
        None
    };
    Ok(match (best, bypassed) {
        (Some((_, c)), Some(b)) if b.groups.len() < c.groups.len() => Err(b),
        (Some((_, c)), _) => Err(widen(policy, p, &times, c)),
        (None, Some(b)) => Err(b),
        (None, None) => Ok(()),
    })
}

/// The counterexample's span grown over the neighbouring pieces of time in
/// which the same login still breaks the property: "from D on" rather than
/// the one piece between two cuts that do not matter to it.
fn widen(policy: &Policy, p: &Property, times: &[Span], mut c: Counterexample) -> Counterexample {
    let breaks = |span: &Span| {
        let at = instant(span);
        let epoch = policy.epoch_of(at);
        let e = effective_of(
            policy,
            epoch,
            c.user.as_deref(),
            c.app.as_deref(),
            &c.groups,
        );
        let exempt = c
            .user
            .as_deref()
            .is_some_and(|u| policy.exemption_at(u, at).is_some());
        p.condition.holds(&e, exempt) != p.always
    };
    c.span = widen_span(times, c.span, breaks);
    c
}

/// `span` (one of `times`, which are in order and adjoin) grown over its
/// neighbours while `holds` of them.
pub(crate) fn widen_span(times: &[Span], span: Span, holds: impl Fn(&Span) -> bool) -> Span {
    let Some(k) = times.iter().position(|s| *s == span) else {
        return span;
    };
    let start = times
        .get(..k)
        .unwrap_or_default()
        .iter()
        .rev()
        .take_while(|s| holds(s))
        .last()
        .map_or(span.start, |s| s.start);
    let end = times
        .get(k + 1..)
        .unwrap_or_default()
        .iter()
        .take_while(|s| holds(s))
        .last()
        .map_or(span.end, |s| s.end);
    Span { start, end }
}

#[cfg(feature = "mutants")]
fn pieces_without_exemptions(
    policy: &Policy,
    from: Option<Timestamp>,
    until: Option<Timestamp>,
) -> Vec<Span> {
    pieces([policy], from, until)
        .into_iter()
        .filter(|s| {
            s.start.is_none_or(|t| {
                policy.epoch_spans().iter().any(|e| e.start == Some(t)) || Some(t) == from
            })
        })
        .collect()
}
