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

mod inert;
pub mod loosen;
#[cfg(feature = "mutants")]
pub mod mutants;
mod replay;
mod search;

pub use inert::inert_group_rules;
pub use replay::{
    field_rules, loosening_condition, replay_args, replay_user, report, settings_report,
    shell_word, FieldRules,
};
pub(crate) use search::{reachable_within, two_stage, Settling};

use jiff::Timestamp;
use mfac_core::eval::space::{Applies, Effective, Fields, Span, Summary, View};
use mfac_core::policy::Remember;
use mfac_core::{Factor, FactorSet, Level, Policy};
use rustc_hash::FxHashMap;
use std::sync::Arc;

/// Whose logins a property speaks of.
#[derive(Clone, Debug, PartialEq, Eq, Hash)]
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

/// What is said of the effective settings (the README's "Proving properties").
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
    /// No remember window longer than this many seconds.
    RememberWithin(i64),
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
            Condition::RememberNever => f.remember_kind = true,
            Condition::RememberWithin(_) => f.remember = true,
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
            Condition::RememberWithin(s) => {
                !matches!(e.remember, Some(Remember::Window(w)) if w.seconds > s)
            }
            Condition::Recovery => e.recovery,
            Condition::Exempt => exempt,
        }
    }
}

impl Property {
    /// What a login that breaks the property gets, in a few words:
    /// "enforcement `optional`", "`sms` allowed", "a remember window `8h`".
    pub fn violation(&self, e: &Effective, exempt: bool) -> String {
        let factors = |set: FactorSet| {
            if set.is_empty() {
                "no factor".to_string()
            } else {
                format!("`{}`", set.names().join(" | "))
            }
        };
        match (self.condition, self.always) {
            (Condition::Enforcement(l), true) => {
                format!("enforcement `{}`, below `{l}`", e.enforcement)
            }
            (Condition::Enforcement(_), false) => format!("enforcement `{}`", e.enforcement),
            (Condition::FactorsWithin(set), true) => {
                let ordinary = if e.recovery {
                    e.factors.without(Factor::BackupCode)
                } else {
                    e.factors
                };
                let extra = FactorSet::from_bits(ordinary.bits() & !set.bits()).unwrap_or(ordinary);
                format!("{} allowed, outside {}", factors(extra), factors(set))
            }
            (Condition::FactorsWithin(set), false) => {
                format!("factors {} all within {}", factors(e.factors), factors(set))
            }
            (Condition::FactorsInclude(set), true) => {
                format!("factors {}, none of {}", factors(e.factors), factors(set))
            }
            (Condition::FactorsInclude(set), false) => {
                format!("{} allowed", factors(e.factors.intersect(set)))
            }
            (Condition::FactorsNone, false) => {
                format!(
                    "enforcement `{}` and no factor allowed: locked out",
                    e.enforcement
                )
            }
            (Condition::FactorsNone, true) => "a login that is not locked out".to_string(),
            (Condition::RememberWithin(s), true) => match e.remember {
                Some(Remember::Window(w)) => format!(
                    "a remember window `{}`, longer than {}",
                    Remember::Window(w),
                    mfac_core::policy::format_duration(s)
                ),
                _ => "no remember window".to_string(),
            },
            (Condition::RememberNever | Condition::RememberWithin(_), _) => match e.remember {
                Some(Remember::Window(w)) => format!("a remember window `{}`", Remember::Window(w)),
                _ => "no remember window".to_string(),
            },
            (Condition::Recovery, true) => "no recovery factor".to_string(),
            (Condition::Recovery, false) => "a recovery factor (`backup_code`)".to_string(),
            (Condition::Exempt, _) if exempt => "an active exemption".to_string(),
            (Condition::Exempt, _) => "no exemption".to_string(),
        }
    }
}

/// The property in the language's words, as an `assert` block states it:
/// `for privileged always enforcement required` (a remember bound, which
/// only compliance profiles state, reads `remember within 12h`).
impl std::fmt::Display for Property {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        let set = |s: FactorSet| s.names().join(" | ");
        match &self.scope {
            Scope::Everyone => write!(f, "for everyone")?,
            Scope::Privileged => write!(f, "for privileged")?,
            Scope::BreakGlass => write!(f, "for break_glass")?,
            Scope::MembersOf(g) => write!(f, "for members of group {g:?}")?,
            Scope::User(u) => write!(f, "for user {u:?}")?,
        }
        if let Some(a) = &self.app {
            write!(f, " in app {a:?}")?;
        }
        write!(f, " {} ", if self.always { "always" } else { "never" })?;
        match self.condition {
            Condition::Enforcement(l) => write!(f, "enforcement {l}"),
            Condition::FactorsWithin(s) => write!(f, "factors within {}", set(s)),
            Condition::FactorsInclude(s) => write!(f, "factors include {}", set(s)),
            Condition::FactorsNone => write!(f, "factors none"),
            Condition::RememberNever => write!(f, "remember never"),
            Condition::RememberWithin(s) => write!(
                f,
                "remember within {}",
                mfac_core::policy::format_duration(s)
            ),
            Condition::Recovery => write!(f, "recovery"),
            Condition::Exempt => write!(f, "exempt"),
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
    /// The search met more distinct combinations of groups than
    /// [`PROOF_LIMIT`] (exclusions that reach different rules each can
    /// make them many): it gave up rather than run out of memory, and the
    /// property is neither proven nor refuted.
    TooLarge,
}

/// The most distinct combinations of groups one search of a proof keeps,
/// unless told otherwise ([`Space::within`], `mfac check --proof-limit`):
/// far above what the example policies and the benchmarks reach (hundreds
/// to a few thousand), well below what would exhaust memory.
pub const PROOF_LIMIT: usize = 100_000;

/// Which part of the space a proof quantifies over, beyond the property.
#[derive(Clone, Debug, PartialEq, Eq)]
pub struct Space {
    pub users: Users,
    /// The most distinct combinations of groups one search keeps before
    /// the proof gives up ([`Unjudgeable::TooLarge`]).
    pub limit: usize,
    /// A deliberately broken engine, for the mutation test.
    #[cfg(feature = "mutants")]
    pub mutant: Option<mutants::Mutant>,
}

/// The user classes a proof quantifies over.
#[derive(Clone, Debug, PartialEq, Eq)]
pub enum Users {
    /// Every named user (a user rule or an exemption) and anyone else.
    All,
    /// Anyone the policy does not name. The checker's built-in privileged
    /// checks start here: they cannot know whether a named user is in a
    /// privileged group, so a named user's own rule is judged on its own.
    Unnamed,
    /// This user only (in the property's scope through their groups).
    Only(String),
}

impl Space {
    /// The whole space, for these users.
    pub fn of(users: Users) -> Space {
        Space {
            users,
            limit: PROOF_LIMIT,
            #[cfg(feature = "mutants")]
            mutant: None,
        }
    }

    /// The same space, searched up to `limit` combinations of groups.
    pub fn within(self, limit: usize) -> Space {
        Space { limit, ..self }
    }
}

impl Default for Space {
    fn default() -> Space {
        Space::of(Users::All)
    }
}

impl Space {
    #[cfg(feature = "mutants")]
    fn broken(&self, m: mutants::Mutant) -> bool {
        self.mutant == Some(m)
    }
}

/// The directory groups, sorted, and whether each puts its members in the
/// scope.
pub(crate) fn groups_of(policy: &Policy, scope: &Scope) -> Vec<(String, bool)> {
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
                Scope::MembersOf(name) => policy.is_member(&g, name),
            };
            (g, inside)
        })
        .collect()
}

/// The named users of some policies (a user rule or an exemption), sorted.
pub(crate) fn named_users<'a>(policies: impl IntoIterator<Item = &'a Policy>) -> Vec<String> {
    let mut named: Vec<String> = policies
        .into_iter()
        .flat_map(|p| p.user_names().chain(p.exempted_users()))
        .map(str::to_string)
        .collect();
    named.sort();
    named.dedup();
    named
}

/// The user classes: each named user (a user rule or an exemption), then
/// `None` for anyone else; and whether the user alone is in the scope.
fn users_of(policy: &Policy, scope: &Scope, space: &Space) -> Vec<(Option<String>, bool)> {
    if let Scope::User(u) = scope {
        return vec![(Some(u.clone()), true)];
    }
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
    // Anyone else first: of two counterexamples alike, the more general.
    let mut out: Vec<(Option<String>, bool)> = Vec::new();
    #[cfg(feature = "mutants")]
    let anonymous = !space.broken(mutants::Mutant::NoAnonymousUser);
    #[cfg(not(feature = "mutants"))]
    let anonymous = true;
    if anonymous {
        out.push((None, alone(None)));
    }
    let named = match &space.users {
        Users::All => named_users([policy]),
        Users::Unnamed => Vec::new(),
        Users::Only(u) => return vec![(Some(u.clone()), alone(Some(u)))],
    };
    out.extend(named.into_iter().map(|u| {
        let a = alone(Some(&u));
        (Some(u), a)
    }));
    out
}

/// The apps: the one a property names, else each named app of the
/// policies and `None` for any other app.
pub(crate) fn apps_of<'a>(
    named: Option<&str>,
    policies: impl IntoIterator<Item = &'a Policy>,
) -> Vec<Option<String>> {
    if let Some(a) = named {
        return vec![Some(a.to_string())];
    }
    let mut named: Vec<String> = policies
        .into_iter()
        .flat_map(|p| p.apps())
        .map(str::to_string)
        .collect();
    named.sort();
    named.dedup();
    // Any other app first: of two counterexamples alike, the more general.
    std::iter::once(None)
        .chain(named.into_iter().map(Some))
        .collect()
}

/// The pieces of time: the policies' epochs cut again at every exemption's
/// end and at the bounds, clipped to them.
pub(crate) fn pieces<'a>(
    policies: impl IntoIterator<Item = &'a Policy>,
    from: Option<Timestamp>,
    until: Option<Timestamp>,
) -> Vec<Span> {
    let mut cuts: Vec<Timestamp> = policies
        .into_iter()
        .flat_map(|p| {
            p.epoch_spans()
                .iter()
                .filter_map(|s| s.start)
                .chain(p.exemption_ends())
                .collect::<Vec<_>>()
        })
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
            out.push(span);
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

/// A summary reached, whether it puts the member in the scope, and the
/// fewest groups (by index) that reach it.
pub(crate) type Reached = ((Summary, bool), Vec<usize>);

/// Every group's summary in one epoch for a user and an app no rule
/// names, beside whether it puts its members in the scope, and the groups
/// alike: what most views share, since a group's summary changes from one
/// view to another only where it brings in or leaves out a rule the view
/// names ([`View::named_rules`]).
pub(crate) struct Neutral {
    summaries: Vec<(Summary, bool)>,
    /// The groups (by index, ascending) of each distinct summary, in the
    /// order of their first group.
    classes: Vec<Vec<usize>>,
}

impl Neutral {
    pub(crate) fn of(view: &View<'_>, groups: &[(String, bool)], space: &Space) -> Neutral {
        let summaries: Vec<(Summary, bool)> = groups
            .iter()
            .map(|(name, inside)| (summary_of(view, name, space), *inside))
            .collect();
        let mut class_of: FxHashMap<&(Summary, bool), usize> = FxHashMap::default();
        let mut classes: Vec<Vec<usize>> = Vec::new();
        for (i, s) in summaries.iter().enumerate() {
            let next = classes.len();
            let c = *class_of.entry(s).or_insert(next);
            if c == next {
                classes.push(Vec::new());
            }
            if let Some(members) = classes.get_mut(c) {
                members.push(i);
            }
        }
        Neutral { summaries, classes }
    }
}

/// What [`View::groups_key`] returns: views alike share a search.
type GroupsKey = (usize, Fields, Vec<(u32, Applies)>);

/// The searches over one scope's groups: one per distinct view of the
/// groups ([`View::groups_key`]: most users and apps see every group
/// alike, and share it), and each epoch's [`Neutral`] summaries for the
/// fields read, built only once a view names a rule (a policy without
/// scoped rules never needs them). Proofs of the same scope share them
/// ([`Proofs`]): the key holds the fields, so a search serves every
/// property that reads the same fields.
pub(crate) struct Searches {
    groups: Arc<[(String, bool)]>,
    limit: usize,
    /// Each search, numbered in the order made.
    found: FxHashMap<GroupsKey, (usize, Vec<Reached>)>,
    neutrals: FxHashMap<(usize, Fields), Neutral>,
}

impl Searches {
    pub(crate) fn new(groups: Vec<(String, bool)>, limit: usize) -> Searches {
        Searches {
            groups: groups.into(),
            limit,
            found: FxHashMap::default(),
            neutrals: FxHashMap::default(),
        }
    }

    /// The groups, sorted, and whether each puts its members in the scope.
    pub(crate) fn groups(&self) -> Arc<[(String, bool)]> {
        Arc::clone(&self.groups)
    }

    /// What the groups reach in `view`: searched once per distinct view;
    /// `None` when a search gives up.
    pub(crate) fn of(&mut self, view: &View<'_>, space: &Space) -> Option<&[Reached]> {
        self.numbered(view, space).map(|(_, found)| found)
    }

    /// [`Searches::of`], with a number for the search, the same for every
    /// view that shares it.
    pub(crate) fn numbered(
        &mut self,
        view: &View<'_>,
        space: &Space,
    ) -> Option<(usize, &[Reached])> {
        use std::collections::hash_map::Entry;
        let groups = &*self.groups;
        let key = view.groups_key();
        let epoch = (key.0, key.1);
        let number = self.found.len();
        let (number, found) = match self.found.entry(key) {
            Entry::Occupied(e) => e.into_mut(),
            Entry::Vacant(e) => {
                let named = view.named_rules();
                let neutral = (!named.is_empty()).then(|| {
                    &*self
                        .neutrals
                        .entry(epoch)
                        .or_insert_with(|| Neutral::of(&view.neutral(), groups, space))
                });
                let (excluders, members) = singles(view, groups, &named, neutral, space);
                let found = reachable_in_scope(view, excluders, members, space, self.limit)?;
                e.insert((number, found))
            }
        };
        Some((*number, found))
    }
}

/// Proofs over one policy that share their searches: the checker proves
/// many properties of the same scope (every named user's rule against the
/// privileged groups, say), and each would otherwise search the same
/// groups again. Kept beside one policy: given another (by
/// [`Policy::stamp`]), it starts afresh.
#[derive(Default)]
pub struct Proofs {
    stamp: Option<u64>,
    by_scope: FxHashMap<(Scope, usize), Searches>,
}

impl Proofs {
    /// [`prove_in`], sharing the searches of earlier proofs over `policy`.
    pub fn prove_in(
        &mut self,
        policy: &Policy,
        p: &Property,
        space: &Space,
    ) -> Result<Result<(), Counterexample>, Unjudgeable> {
        #[cfg(feature = "mutants")]
        if space.mutant.is_some() {
            // A broken engine's searches are its own.
            return prove_in(policy, p, space);
        }
        if self.stamp != Some(policy.stamp()) {
            self.by_scope.clear();
            self.stamp = Some(policy.stamp());
        }
        let searches = self
            .by_scope
            .entry((p.scope.clone(), space.limit))
            .or_insert_with(|| Searches::new(groups_of(policy, &p.scope), space.limit));
        prove_with(policy, p, space, searches)
    }
}

/// What directory group `name` brings in and leaves out in `view` (with
/// its exclusions forgotten by one mutant).
#[cfg_attr(not(feature = "mutants"), allow(unused_variables))]
fn summary_of(view: &View<'_>, name: &str, space: &Space) -> Summary {
    #[cfg(feature = "mutants")]
    if space.broken(mutants::Mutant::NoExclusions) {
        return view.group_brought(name);
    }
    view.group(name)
}

/// Every summary a set of groups can reach in `view`, with whether those
/// groups put the member in the scope, fewest groups first.
///
/// Exclusions make a join of summaries costly (a rule a group could leave
/// out stays live), so the search runs in two stages. First over the groups
/// that leave some rule out: few in practice (emergency-access, service
/// account and guest groups). Then, for each set of those found, over the
/// other groups, which only bring rules in: once no more group can leave
/// anything out their summaries settle into plain folds, and that search
/// stays as small as the distinct values of the fields read. A set of
/// groups is the union of one from each stage, so every reachable value is
/// found, with the fewest groups for each pair of stages. Of groups alike,
/// only the first is tried. `None` when more than `limit` are found.
///
/// The summaries found are for reading the effective settings, or for
/// joining with groups that leave nothing out: the rules the second stage
/// brought in are folded, and a group that leaves one of them out could
/// no longer take it away.
#[cfg_attr(not(feature = "mutants"), allow(unused_variables))]
fn reachable_in_scope(
    view: &View<'_>,
    excluders: Vec<Single>,
    members: Vec<Single>,
    space: &Space,
    limit: usize,
) -> Option<Vec<Reached>> {
    #[cfg(feature = "mutants")]
    let one_step = space.broken(mutants::Mutant::NoJoins);
    #[cfg(not(feature = "mutants"))]
    let one_step = false;
    let how = Settling {
        join: |a: &(Summary, bool), b: &(Summary, bool)| (view.join(&a.0, &b.0), a.1 || b.1),
        settle: |s: &(Summary, bool), by: &(Summary, bool)| (view.settled(&s.0, &by.0), s.1),
        leaving_out: |s: (Summary, bool), by: &(Summary, bool)| (view.leaving_out(s.0, &by.0), s.1),
    };
    let mut found = two_stage(
        excluders,
        &members,
        (view.none(), false),
        &how,
        one_step,
        limit,
    )?;
    if one_step {
        // No joins at all: one group at most, as the broken engine sees it.
        found.retain(|(_, w)| w.len() <= 1);
    }
    Some(found)
}

/// A group's summary with its scope flag, and the group's index.
type Single = ((Summary, bool), usize);

/// The groups to search in `view`, as the groups that leave a rule out
/// and the others, each by index: the neutral summary of a group the view
/// does not touch (the first of its class), the view's own for the rest
/// (for every group when there is no neutral, a view that names no rule).
fn singles(
    view: &View<'_>,
    groups: &[(String, bool)],
    named: &[u32],
    neutral: Option<&Neutral>,
    space: &Space,
) -> (Vec<Single>, Vec<Single>) {
    let Some(neutral) = neutral else {
        // Groups alike are told apart by the search itself (it tries the
        // first of each).
        let all = groups
            .iter()
            .enumerate()
            .map(|(i, (name, inside))| ((summary_of(view, name, space), *inside), i));
        return all.partition(|((s, _), _)| s.leaves_out());
    };
    let touched: Vec<bool> = groups.iter().map(|(g, _)| view.touches(g, named)).collect();
    let untouched = |i: &&usize| !touched.get(**i).copied().unwrap_or(true);
    let mut all: Vec<Single> = neutral
        .classes
        .iter()
        .filter_map(|members| {
            let i = *members.iter().find(untouched)?;
            Some((neutral.summaries.get(i)?.clone(), i))
        })
        .collect();
    let fresh = groups
        .iter()
        .enumerate()
        .filter(|(i, _)| touched.get(*i).copied().unwrap_or(false))
        .map(|(i, (name, inside))| ((summary_of(view, name, space), *inside), i));
    all.extend(fresh);
    all.sort_unstable_by_key(|(_, i)| *i);
    all.into_iter().partition(|((s, _), _)| s.leaves_out())
}

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
                if !judged.logins.insert((epoch, ui, ai, exempt)) {
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
                    },
                ));
            }
        }
    }
    Ok(match best {
        None => Ok(()),
        Some((_, c)) => Err(widen(policy, p, &times, c)),
    })
}

/// The fewest groups (by index) that break a property at some login, if
/// any do.
type Witness = Option<Vec<usize>>;

/// One login of a proof: an epoch, a user class and an app class (each by
/// index, with its name), whether the user is exempt and alone in scope.
struct Login<'a> {
    epoch: usize,
    user: (usize, Option<&'a str>),
    app: (usize, Option<&'a str>),
    exempt: bool,
    inside: bool,
}

/// What one proof has judged: the logins (epoch, user, app, exempt); for
/// each view that judges the states of a search alike (the same search,
/// the same base, the same exemption and scope), the fewest groups that
/// break the property; and, where users and apps are separable, the same
/// per pair of classes.
struct Judged {
    logins: rustc_hash::FxHashSet<(usize, usize, usize, bool)>,
    /// By the search's number, the base, exempt and the user in the scope.
    views: FxHashMap<(usize, Summary, bool, bool), Witness>,
    /// Where [`Policy::separable`] holds.
    classes: Option<Classes>,
}

/// In a policy where what applies to a user and what applies in an app
/// never depend on each other ([`Policy::separable`]), the base of a view
/// is the join of the user's alone and the app's alone; users (and apps)
/// whose own bases are equal are one class, and a login is judged once
/// per pair of classes instead of once per user and app.
#[derive(Default)]
struct Classes {
    /// (epoch, user index) and (epoch, app index) to a class.
    users: FxHashMap<(usize, usize), usize>,
    apps: FxHashMap<(usize, usize), usize>,
    /// Each distinct base met, numbered.
    bases: FxHashMap<Summary, usize>,
    /// (epoch, user class, app class, exempt, in scope) to the fewest
    /// groups that break the property.
    pairs: FxHashMap<(usize, usize, usize, bool, bool), Witness>,
}

impl Classes {
    /// The class of a base: its number among the bases met.
    fn of(&mut self, view: &View<'_>) -> usize {
        let next = self.bases.len();
        *self.bases.entry(view.base().clone()).or_insert(next)
    }
}

impl Judged {
    fn new(policy: &Policy) -> Judged {
        Judged {
            logins: rustc_hash::FxHashSet::default(),
            views: FxHashMap::default(),
            classes: policy.separable().then(Classes::default),
        }
    }

    /// The fewest groups (by index) with which `login` breaks `p`, if any.
    fn breaks(
        &mut self,
        policy: &Policy,
        p: &Property,
        fields: Fields,
        space: &Space,
        searches: &mut Searches,
        login: &Login<'_>,
    ) -> Result<Witness, Unjudgeable> {
        let Login {
            epoch,
            user: (ui, user),
            app: (ai, app),
            exempt,
            inside,
        } = *login;
        let pair = match &mut self.classes {
            Some(c) => {
                let u = match c.users.get(&(epoch, ui)) {
                    Some(&u) => u,
                    None => {
                        let u = c.of(&view_in(policy, epoch, user, None, fields, space));
                        c.users.insert((epoch, ui), u);
                        u
                    }
                };
                let a = match c.apps.get(&(epoch, ai)) {
                    Some(&a) => a,
                    None => {
                        let a = c.of(&view_in(policy, epoch, None, app, fields, space));
                        c.apps.insert((epoch, ai), a);
                        a
                    }
                };
                let key = (epoch, u, a, exempt, inside);
                if let Some(found) = c.pairs.get(&key) {
                    return Ok(found.clone());
                }
                Some(key)
            }
            None => None,
        };
        let view = view_in(policy, epoch, user, app, fields, space);
        let Some((search, states)) = searches.numbered(&view, space) else {
            return Err(Unjudgeable::TooLarge);
        };
        let found = self
            .views
            .entry((search, view.base().clone(), exempt, inside))
            .or_insert_with(|| {
                let first = first_breaking(&view, states, p, exempt, inside);
                first
                    .and_then(|i| states.get(i))
                    .map(|(_, witness)| witness.clone())
            })
            .clone();
        if let (Some(key), Some(c)) = (pair, &mut self.classes) {
            c.pairs.insert(key, found.clone());
        }
        Ok(found)
    }
}

/// The first of `states` (fewest groups first) that breaks `p` in `view`,
/// with its groups in the scope or the user alone in it.
fn first_breaking(
    view: &View<'_>,
    states: &[Reached],
    p: &Property,
    exempt: bool,
    user_inside: bool,
) -> Option<usize> {
    states.iter().position(|((s, inside), _)| {
        (*inside || user_inside) && p.condition.holds(&view.effective(s), exempt) != p.always
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
