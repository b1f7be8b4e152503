//! The searches over a scope's groups, shared by the views alike within a
//! proof and by the proofs alike within a check ([`Proofs`]).

use super::*;

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
pub(crate) type GroupsKey = (usize, Fields, Vec<(u32, Applies)>);

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
pub(crate) fn summary_of(view: &View<'_>, name: &str, space: &Space) -> Summary {
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
pub(crate) fn reachable_in_scope(
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
pub(crate) type Single = ((Summary, bool), usize);

/// The groups to search in `view`, as the groups that leave a rule out
/// and the others, each by index: the neutral summary of a group the view
/// does not touch (the first of its class), the view's own for the rest
/// (for every group when there is no neutral, a view that names no rule).
pub(crate) fn singles(
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
