//! The policy's finite space, for proofs over it (mfac-prove): epochs,
//! directory groups and what a set of them adds up to, the user and app
//! classes, and the effective settings of a point of that space.
//!
//! Fix an epoch, a user and an app. A rule then applies always, never, or
//! when one of the user's groups brings it in (its `for` names the group,
//! through `includes`) and none leaves it out (its `except` names one).
//! What a set of groups adds up to is a [`Summary`]: the rules it brings
//! in, folded per rank as the precedence mode folds them, beside the rules
//! a group could still leave out ("live") and those one has left out.
//! Joining two summaries is commutative, associative and idempotent, and
//! the summary of a union of groups is the join of theirs, so the values
//! a set of groups can reach are the joins of the distinct per-group
//! summaries, and a search over those is exact. Exclusions make the
//! effective settings non-monotone in the groups, which is why a rule that
//! can be left out stays live, unfolded, until the end.
//!
//! A summary keeps only what can still matter: a live or left-out rule
//! whose settings the folded rules already cover (it would change no
//! field) is dropped. The folded rules only grow as groups are added, so a
//! rule dropped stays irrelevant, and dropping commutes with the join.

use super::fold::First;
use super::*;

/// The fields a property reads; a [`Summary`] projected to them keeps the
/// rest at "no rule sets it", so equal projections behave alike for it.
#[derive(Clone, Copy, Debug, Default, PartialEq, Eq, Hash)]
pub struct Fields {
    pub enforcement: bool,
    pub factors: bool,
    pub recovery: bool,
    pub remember: bool,
    /// Only whether a remember window, `never` or nothing results (what
    /// `remember never` reads): many different windows then count as one,
    /// which keeps a search small. Ignored when `remember` is set.
    pub remember_kind: bool,
    pub deadline: bool,
}

impl Fields {
    pub const ALL: Fields = Fields {
        enforcement: true,
        factors: true,
        recovery: true,
        remember: true,
        remember_kind: false,
        deadline: true,
    };

    fn project(&self, a: &Acc) -> Acc {
        a.project(
            self.enforcement,
            self.factors,
            self.recovery,
            self.remember,
            self.remember_kind,
            self.deadline,
        )
    }
}

/// The rules a set of groups brings in, folded by rank, and the rules
/// they leave out. Opaque: ask a [`View`] to join, and what it yields.
#[derive(Clone, Debug, PartialEq, Eq, Hash, Default)]
pub struct Summary {
    /// User-, group-, default- and app-rank rules, each rank
    /// combined most-restrictively (`ordered` puts its user- and
    /// group-rank rules in `first` instead).
    tiers: [Acc; 4],
    first: First,
    /// Rules brought in that a group could still leave out, sorted.
    live: Box<[u32]>,
    /// Rules a group has left out, sorted.
    out: Box<[u32]>,
}

/// How a rule applies at a point of the space (epoch, user and app fixed).
#[derive(Clone, Copy, Debug, PartialEq, Eq, Hash, PartialOrd, Ord)]
pub enum Applies {
    /// Never: it leaves this user or app out, it is bound to other apps,
    /// or it only reports.
    Never,
    /// Whatever the groups (it names everyone or this user), unless a
    /// group leaves it out.
    Always,
    /// When one of the groups brings it in and none leaves it out.
    ByGroup,
}

/// One user and one app in one epoch, seen through some fields: the
/// summaries of groups, their joins, and the effective settings. Cheap to
/// make: how each rule applies is worked out when it is read, and only the
/// rules that apply whatever the groups are folded up front.
#[derive(Clone, Debug)]
pub struct View<'p> {
    policy: &'p Policy,
    epoch: usize,
    fields: Fields,
    user: Option<&'p str>,
    /// The app's rules, when the app is one some rule names.
    app: Option<&'p AppRules>,
    without: Option<usize>,
    /// What applies whatever the groups.
    base: Summary,
    /// A broken `ordered`, for the mutation test: the last match wins.
    #[cfg(feature = "mutants")]
    last_match: bool,
}

/// The effective settings at one point of the space.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub struct Effective {
    pub enforcement: Level,
    /// Allowed factors, recovery included when a rule allows it.
    pub factors: FactorSet,
    pub recovery: bool,
    pub remember: Option<Remember>,
    pub grace_deadline: Option<Timestamp>,
}

/// An epoch: `[start, end)`, `None` for the open ends.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub struct Span {
    pub start: Option<Timestamp>,
    pub end: Option<Timestamp>,
}

/// Where a rule's settings go in a [`Summary`].
fn tier(rank: Rank) -> usize {
    match rank {
        Rank::User => 0,
        Rank::Group => 1,
        Rank::Default => 2,
        Rank::App => 3,
    }
}

impl Policy {
    /// The epochs, in order: the settings of every rule are constant in each.
    pub fn epoch_spans(&self) -> Vec<Span> {
        let cuts = &self.tables.epochs;
        (0..=cuts.len())
            .map(|i| Span {
                start: i.checked_sub(1).and_then(|j| cuts.get(j)).copied(),
                end: cuts.get(i).copied(),
            })
            .collect()
    }

    /// A user (`None`: one no rule names) signing into an app (`None`: one
    /// no rule names) in `epoch`, seen through `fields`; `without` leaves a
    /// rule out as if the policy did not have it. Report-only rules never
    /// apply: proofs judge what is enforced.
    pub fn view<'v>(
        &'v self,
        epoch: usize,
        user: Option<&'v str>,
        app: Option<&str>,
        fields: Fields,
        without: Option<usize>,
    ) -> View<'v> {
        let app = app
            .and_then(|a| self.app_id(a))
            .and_then(|a| self.app_rules.get(a as usize));
        let mut view = View {
            policy: self,
            epoch,
            fields,
            user,
            app,
            without,
            base: Summary::default(),
            #[cfg(feature = "mutants")]
            last_match: false,
        };
        view.base = view.fold_base();
        view
    }

    /// The named apps: those some rule's scope names (`in app` or
    /// `except app`), sorted.
    pub fn apps(&self) -> impl Iterator<Item = &str> {
        let mut names: Vec<(&str, u32)> = self.apps.iter().map(|(n, &i)| (&**n, i)).collect();
        names.sort_unstable_by_key(|&(_, i)| i);
        names.into_iter().map(|(n, _)| n)
    }

    /// The directory groups the policy knows (named by a rule's scope or
    /// reached through `includes`), sorted.
    pub fn group_names(&self) -> impl Iterator<Item = &str> {
        (0..self.groups.len() as u32).map(|i| self.groups.name(i))
    }

    /// The named users: those some rule's scope names (`for user` or
    /// `except user`), in no particular order.
    pub fn user_names(&self) -> impl Iterator<Item = &str> {
        let except = self
            .except_users
            .keys()
            .filter(|u| !self.users.contains_key(*u));
        self.users.keys().chain(except).map(|n| &**n)
    }

    /// The rules a member of directory group `group` gets, as rule infos,
    /// `except` aside: whether it makes its members privileged,
    /// break-glass, or members of another group.
    pub fn group_rule_infos(&self, group: &str) -> Vec<(usize, &RuleInfo)> {
        self.infos(self.rules_of_group_named(group))
    }

    /// The rules whose `except` leaves members of directory group `group`
    /// out.
    pub fn group_exclusion_infos(&self, group: &str) -> Vec<(usize, &RuleInfo)> {
        let ids = self
            .group_id(group)
            .map_or(&[][..], |g| self.rules_excluding_group(g));
        self.infos(ids)
    }

    fn infos(&self, ids: &[u32]) -> Vec<(usize, &RuleInfo)> {
        ids.iter()
            .filter_map(|&id| Some((id as usize, self.tables.rules.get(id as usize)?)))
            .collect()
    }

    /// Is a member of directory group `group` a member of `of`: the same
    /// group, or one it reaches through `includes`? Only a group some
    /// rule's scope names can be asked about (`false` for any other).
    pub fn is_member(&self, group: &str, of: &str) -> bool {
        if !self.scoped_groups.contains(of) {
            return false;
        }
        let mut seen: Vec<&str> = vec![group];
        let mut next = 0;
        while let Some(&g) = seen.get(next) {
            if g == of {
                return true;
            }
            for up in self.included_by.get(g).map_or(&[][..], |v| v) {
                if !seen.contains(&&**up) {
                    seen.push(up);
                }
            }
            next += 1;
        }
        false
    }

    /// The `user "U"` rule of a named user, if any: where the markers of
    /// a user are.
    pub fn user_rule(&self, user: &str) -> Option<(usize, &RuleInfo)> {
        self.user_rules(user).iter().find_map(|&id| {
            let r = self.tables.rules.get(id as usize)?;
            (r.scope.single_user() == Some(user)).then_some((id as usize, r))
        })
    }

    /// Users named by an exemption.
    pub fn exempted_users(&self) -> impl Iterator<Item = &str> {
        self.exemptions.keys().map(|n| &**n)
    }

    /// The ends of every exemption (where `exempt` changes).
    pub fn exemption_ends(&self) -> Vec<Timestamp> {
        self.tables.exemptions.iter().map(|e| e.until).collect()
    }

    /// The exemption of `user` active at `at`.
    pub fn exemption_at(&self, user: &str, at: Timestamp) -> Option<&ExemptionInfo> {
        self.exemption(self.exemption_ids(user), at)
    }
}

impl Policy {
    /// In `ordered`, for each epoch, rule and field the rule sets: the last
    /// rule of the run it starts, the rules after it (of the user and group
    /// ranks, which take part in the first match) up to the next one that
    /// sets the field to another value. A first match won by the rule
    /// behaves, for every rule still to come, as one won by the last of its
    /// run: a rule in between gives the same value. So the proof's states
    /// that differ only in which rule of a run won are one state, which
    /// keeps an `ordered` search from growing with every rule alike (fifty
    /// privileged groups' rules, say). `u32::MAX` where the rule does not
    /// set the field; empty outside `ordered`.
    pub(super) fn first_runs(&self) -> Box<[[u32; 3]]> {
        if self.tables.precedence != Precedence::Ordered {
            return Box::default();
        }
        let n = self.rule_count;
        let epochs = self.tables.epochs.len() + 1;
        let mut runs = vec![[u32::MAX; 3]; epochs * n];
        for e in 0..epochs {
            let mut next: [Option<(Acc, u32)>; 3] = [None; 3];
            for id in (0..n as u32).rev() {
                let first_match = self
                    .marks
                    .get(id as usize)
                    .is_some_and(|m| matches!(m.rank, Rank::User | Rank::Group));
                if !first_match {
                    continue;
                }
                let f = self.fold_at(self.slot(e, id));
                let Some(run) = runs.get_mut(e * n + id as usize) else {
                    continue;
                };
                for (field, (last, canon)) in next.iter_mut().zip(run.iter_mut()).enumerate() {
                    if !First::sets_field(&f, field) {
                        continue;
                    }
                    *canon = match last {
                        Some((v, c)) if First::same_value(v, &f, field) => *c,
                        _ => id,
                    };
                    *last = Some((f, *canon));
                }
            }
        }
        runs.into_boxed_slice()
    }
}

impl Policy {
    /// See `Policy::mixed`: the rules a user or an app names, one of them
    /// scoped to groups too.
    pub(super) fn mixed(&self) -> bool {
        let by_group = |id: &u32| {
            self.tables
                .rules
                .get(*id as usize)
                .is_some_and(|r| !r.scope.groups.is_empty() || !r.scope.except.groups.is_empty())
        };
        let users = self.users.values().chain(self.except_users.values());
        let apps = self
            .app_rules
            .iter()
            .flat_map(|a| [&a.ranked, &a.bound, &a.except]);
        users.chain(apps).any(|ids| ids.iter().any(by_group))
    }
}

impl Policy {
    /// Do what applies to a user and what applies in an app never depend
    /// on each other? No rule scoped to groups names a user or an app
    /// ([`Policy::mixed`]), no rule names a user and an app both, and none
    /// leaves a user or an app out. Then the rules that apply whatever the
    /// groups, for a user in an app, are those for the user in no named
    /// app together with those for anyone in the app, and a view's base is
    /// the join of the two.
    pub fn separable(&self) -> bool {
        !self.mixed
            && self.tables.rules.iter().all(|r| {
                r.scope.except.users.is_empty()
                    && r.scope.except.apps.is_empty()
                    && (r.scope.users.is_empty() || r.scope.apps.is_empty())
            })
    }
}

impl Summary {
    /// Does it leave some rule out (that could still change a field)?
    pub fn leaves_out(&self) -> bool {
        !self.out.is_empty()
    }
}

impl<'p> View<'p> {
    /// What no group adds to.
    pub fn none(&self) -> Summary {
        Summary::default()
    }

    /// `s` once no further group can leave anything out: its live rules
    /// folded in, bar those `by` leaves out, and nothing left out. Sets of
    /// groups that leave nothing out then join as plain folds, which keeps
    /// a search over them small (see mfac-prove's `reachable_in_scope`).
    pub fn settled(&self, s: &Summary, by: &Summary) -> Summary {
        let mut t = Summary {
            tiers: s.tiers,
            first: s.first,
            live: Box::default(),
            out: Box::default(),
        };
        for &id in s.live.iter() {
            if by.out.binary_search(&id).is_err() {
                self.fold_in(&mut t, id);
            }
        }
        t
    }

    /// `s` (settled) leaving out what `by` leaves out: the same
    /// effective settings as the join of the groups behind both.
    pub fn leaving_out(&self, mut s: Summary, by: &Summary) -> Summary {
        s.out = by.out.clone();
        s
    }

    /// What directory group `group` brings in and leaves out.
    pub fn group(&self, group: &str) -> Summary {
        let p = self.policy;
        let Some(g) = p.group_id(group) else {
            return Summary::default();
        };
        let by_group = |&&id: &&u32| self.applies(id) == Applies::ByGroup;
        let not_never = |&&id: &&u32| self.applies(id) != Applies::Never;
        let brought = p.rules_of_group(g).iter().filter(by_group).copied();
        let left_out = p.rules_excluding_group(g).iter().filter(not_never).copied();
        self.bring(Summary::default(), brought, left_out)
    }

    /// The summaries of some directory groups joined.
    pub fn groups<'g>(&self, groups: impl IntoIterator<Item = &'g str>) -> Summary {
        groups
            .into_iter()
            .fold(Summary::default(), |acc, g| self.join(&acc, &self.group(g)))
    }

    /// A broken [`View::group`], for the mutation test: what the group
    /// brings in, with its exclusions forgotten.
    #[cfg(feature = "mutants")]
    pub fn group_brought(&self, group: &str) -> Summary {
        let Some(g) = self.policy.group_id(group) else {
            return Summary::default();
        };
        let by_group = |&&id: &&u32| self.applies(id) == Applies::ByGroup;
        let brought = self
            .policy
            .rules_of_group(g)
            .iter()
            .filter(by_group)
            .copied();
        self.bring(Summary::default(), brought, std::iter::empty())
    }

    /// The same epoch and fields for a user and an app no rule names,
    /// nothing left out: where every group has the summary it has in any
    /// view that names none of its rules (see [`View::named_rules`]).
    pub fn neutral(&self) -> View<'p> {
        let mut view = View {
            user: None,
            app: None,
            without: None,
            base: Summary::default(),
            ..self.clone()
        };
        view.base = view.fold_base();
        view
    }

    /// A broken `ordered`, for the mutation test: the last match wins.
    #[cfg(feature = "mutants")]
    pub fn break_order(&mut self) {
        self.last_match = true;
        self.base = self.fold_base();
    }

    /// Both sets of groups at once.
    pub fn join(&self, a: &Summary, b: &Summary) -> Summary {
        let mut s = a.clone();
        for (t, o) in s.tiers.iter_mut().zip(b.tiers.iter()) {
            t.add(o);
        }
        s.first.join(&b.first);
        self.raise(&mut s.first);
        if b.live.is_empty() && b.out.is_empty() {
            // Nothing new to leave out or keep live: only what was live in
            // `a` may now be covered.
            return if s.live.is_empty() && s.out.is_empty() {
                s
            } else {
                self.prune(s)
            };
        }
        let merge = |x: &[u32], y: &[u32]| -> Box<[u32]> {
            let mut v: Vec<u32> = x.iter().chain(y).copied().collect();
            v.sort_unstable();
            v.dedup();
            v.into_boxed_slice()
        };
        s.out = merge(&a.out, &b.out);
        s.live = merge(&a.live, &b.live);
        self.prune(s)
    }

    /// `s` with the rules `brought` in and the rules `left_out`: a rule no
    /// group can leave out is folded at once, one that a group can stays
    /// live.
    fn bring(
        &self,
        mut s: Summary,
        brought: impl Iterator<Item = u32>,
        left_out: impl Iterator<Item = u32>,
    ) -> Summary {
        let mut live = s.live.to_vec();
        let mut out = s.out.to_vec();
        out.extend(left_out);
        for id in brought {
            if self.excludable(id) {
                live.push(id);
            } else {
                self.fold_in(&mut s, id);
            }
        }
        live.sort_unstable();
        live.dedup();
        out.sort_unstable();
        out.dedup();
        s.live = live.into_boxed_slice();
        s.out = out.into_boxed_slice();
        self.prune(s)
    }

    /// Can some group leave rule `id` out?
    fn excludable(&self, id: u32) -> bool {
        self.policy
            .tables
            .rules
            .get(id as usize)
            .is_some_and(|r| !r.scope.except.groups.is_empty())
    }

    /// Rule `id`'s settings in the epoch, projected to the fields.
    fn fold(&self, id: u32) -> Acc {
        let p = self.policy;
        self.fields.project(&p.fold_at(p.slot(self.epoch, id)))
    }

    /// How rule `id` applies to this user in this app.
    fn applies(&self, id: u32) -> Applies {
        let p = self.policy;
        let (Some(r), Some(m)) = (p.tables.rules.get(id as usize), p.marks.get(id as usize)) else {
            return Applies::Never;
        };
        let named_user = |list: &[String]| self.user.is_some_and(|u| list.iter().any(|n| n == u));
        // An app-rank rule applies only in an app it names; the rest, as
        // the evaluator narrows them (`in app`, `except app`, enforced).
        let ranked = m.rank != Rank::App
            || self
                .app
                .is_some_and(|a| a.ranked.binary_search(&id).is_ok());
        if Some(id as usize) == self.without
            || !ranked
            || !p.applies_in(id, self.app, false)
            || named_user(&r.scope.except.users)
        {
            Applies::Never
        } else if r.scope.is_everyone() || named_user(&r.scope.users) {
            Applies::Always
        } else {
            Applies::ByGroup
        }
    }

    /// The rules that may apply whatever the groups: those for everyone,
    /// the app's and the user's.
    fn candidates(&self) -> Vec<u32> {
        let p = self.policy;
        let mut ids: Vec<u32> = p.everyone.to_vec();
        if let Some(a) = self.app {
            ids.extend_from_slice(&a.ranked);
            ids.extend_from_slice(&a.bound);
        }
        if let Some(u) = self.user {
            ids.extend_from_slice(p.user_rules(u));
        }
        ids.sort_unstable();
        ids.dedup();
        ids
    }

    /// The summary of the rules that apply whatever the groups.
    fn fold_base(&self) -> Summary {
        let always: Vec<u32> = self
            .candidates()
            .into_iter()
            .filter(|&id| self.applies(id) == Applies::Always)
            .collect();
        self.bring(Summary::default(), always.into_iter(), std::iter::empty())
    }

    fn rank(&self, id: u32) -> Rank {
        self.policy
            .marks
            .get(id as usize)
            .map_or(Rank::Default, |m| m.rank)
    }

    fn ordered(&self) -> bool {
        self.policy.tables.precedence == Precedence::Ordered
    }

    /// `first` with each field's winner moved to the last rule of its run
    /// ([`Policy::first_runs`]). Not for the broken engine's last match,
    /// whose order the runs do not follow.
    fn raise(&self, first: &mut First) {
        #[cfg(feature = "mutants")]
        if self.last_match {
            return;
        }
        let p = self.policy;
        if p.first_runs.is_empty() {
            return;
        }
        let at = self.epoch * p.rule_count;
        first.raise(|field, id| {
            p.first_runs
                .get(at + id as usize)
                .and_then(|run| run.get(field))
                .copied()
                .filter(|&c| c != u32::MAX)
                .unwrap_or(id)
        });
    }

    /// Where rule `id` stands in `ordered`'s first match.
    fn order(&self, id: u32) -> u32 {
        #[cfg(feature = "mutants")]
        if self.last_match {
            return u32::MAX - 1 - id;
        }
        id
    }

    /// Fold rule `id` into its tier. (Under `most_restrictive` every rule
    /// combines alike, so all go into the first.)
    fn fold_in(&self, s: &mut Summary, id: u32) {
        let f = self.fold(id);
        if self.policy.tables.precedence == Precedence::MostRestrictive {
            s.tiers[0].add(&f);
            return;
        }
        match self.rank(id) {
            Rank::User | Rank::Group if self.ordered() => {
                s.first.join(&First::of(self.order(id), &f));
                self.raise(&mut s.first);
            }
            r => {
                if let Some(t) = s.tiers.get_mut(tier(r)) {
                    t.add(&f);
                }
            }
        }
    }

    /// Would rule `id` change nothing, whatever groups are added to `s`?
    fn covered(&self, s: &Summary, id: u32) -> bool {
        let f = self.fold(id);
        if !f.sets_anything() {
            return true;
        }
        let rank = self.rank(id);
        match self.policy.tables.precedence {
            Precedence::MostRestrictive => s.tiers[0].covers(&f),
            Precedence::Ordered if matches!(rank, Rank::User | Rank::Group) => {
                // The first match with the rule in is the same state: it
                // wins no field, or only within a run already won.
                let mut with = s.first;
                with.join(&First::of(self.order(id), &f));
                self.raise(&mut with);
                with == s.first
            }
            _ => s.tiers.get(tier(rank)).is_some_and(|t| t.covers(&f)),
        }
    }

    /// Does live rule `a` make live rule `b` redundant? Every group that
    /// leaves `a` out leaves `b` out too (`a`'s excluded groups are among
    /// `b`'s), and wherever both apply `b` changes nothing `a` does not
    /// already (in its tier; under `ordered`, `a` comes first and sets
    /// every field `b` sets). So as long as `a` is live, `b` adds nothing;
    /// once a group leaves `a` out, it leaves `b` out as well.
    fn dominates(&self, a: u32, b: u32) -> bool {
        let rules = &self.policy.tables.rules;
        let (Some(ra), Some(rb)) = (rules.get(a as usize), rules.get(b as usize)) else {
            return false;
        };
        let (eb, ea) = (&rb.scope.except.groups, &ra.scope.except.groups);
        if !ea.iter().all(|g| eb.contains(g)) {
            return false;
        }
        let (fa, fb) = (self.fold(a), self.fold(b));
        let (ka, kb) = (self.rank(a), self.rank(b));
        match self.policy.tables.precedence {
            Precedence::MostRestrictive => fa.covers(&fb),
            Precedence::Ordered if matches!(kb, Rank::User | Rank::Group) => {
                matches!(ka, Rank::User | Rank::Group)
                    && First::of(self.order(a), &fa).covers(self.order(b), &fb)
            }
            _ => tier(ka) == tier(kb) && fa.covers(&fb),
        }
    }

    /// Drop what can no longer matter: live rules left out, live or
    /// left-out rules the folded rules cover, and live or left-out rules a
    /// live rule dominates (see [`View::dominates`]; of two that dominate
    /// each other, the earlier stays).
    fn prune(&self, mut s: Summary) -> Summary {
        if s.live.is_empty() && s.out.is_empty() {
            return s;
        }
        let out = &s.out;
        let live: Vec<u32> = s
            .live
            .iter()
            .copied()
            .filter(|id| out.binary_search(id).is_err() && !self.covered(&s, *id))
            .collect();
        let redundant = |b: u32| {
            live.iter()
                .any(|&a| a != b && self.dominates(a, b) && !(a > b && self.dominates(b, a)))
        };
        let kept: Vec<u32> = live.iter().copied().filter(|&b| !redundant(b)).collect();
        let out: Vec<u32> = s
            .out
            .iter()
            .copied()
            .filter(|&id| !self.covered(&s, id) && !redundant(id))
            .collect();
        s.live = kept.into_boxed_slice();
        s.out = out.into_boxed_slice();
        s
    }

    /// The effective settings of a user in groups adding up to `groups`.
    pub fn effective(&self, groups: &Summary) -> Effective {
        let mut s = self.join(&self.base, groups);
        if !s.live.is_empty() {
            for id in std::mem::take(&mut s.live).iter() {
                self.fold_in(&mut s, *id);
            }
        }
        let [user, group, default, app] = s.tiers;
        let combined = match self.policy.tables.precedence {
            Precedence::MostRestrictive => {
                let mut acc = default;
                acc.add(&user);
                acc.add(&group);
                acc.add(&app);
                acc
            }
            Precedence::Specific => {
                let mut acc = user.or_else(&group.or_else(&default));
                acc.tighten(&app);
                acc
            }
            Precedence::Ordered => {
                let mut acc = s.first.acc().or_else(&default);
                acc.tighten(&app);
                acc
            }
        };
        let mut factors = combined.factors().unwrap_or(FactorSet::NON_RECOVERY);
        if combined.recovery {
            factors = factors.with(Factor::BackupCode);
        }
        Effective {
            enforcement: combined.enforcement().unwrap_or(Level::Off),
            factors,
            recovery: combined.recovery,
            remember: combined.remember(),
            grace_deadline: combined.grace_deadline(),
        }
    }

    /// A key that two views share only when every group's summary is the
    /// same in both: the searches over groups of the two agree, so one
    /// serves both. A rule applies alike to every user and app unless its
    /// scope names the user or the app (or it is the rule left out); of
    /// those, only the ones a group can bring in or leave out (whose scope
    /// names a group) change a group's summary, and only when it sets one
    /// of the fields read. The key holds how each of them applies here,
    /// beside the epoch and the fields.
    pub fn groups_key(&self) -> (usize, Fields, Vec<(u32, Applies)>) {
        let key = self
            .named_rules()
            .into_iter()
            .map(|id| (id, self.applies(id)))
            .collect();
        (self.epoch, self.fields, key)
    }

    /// What applies whatever the groups. Two views with the same
    /// [`View::groups_key`] and the same base give every summary the same
    /// effective settings: a proof judges the states of a search once for
    /// both.
    pub fn base(&self) -> &Summary {
        &self.base
    }

    /// The rules, sorted, whose part in a group's summary can differ from
    /// one view to another of the same epoch and fields: those of
    /// [`View::groups_key`]. A group that neither brings in nor leaves out
    /// any of them has the same summary in every such view.
    pub fn named_rules(&self) -> Vec<u32> {
        let p = self.policy;
        if !p.mixed && self.without.is_none() {
            return Vec::new();
        }
        let mut named: Vec<u32> = Vec::new();
        if let Some(u) = self.user {
            named.extend_from_slice(p.user_rules(u));
            if let Some(ids) = by_name(u, |n| p.except_users.get(n)) {
                named.extend_from_slice(ids);
            }
        }
        if let Some(a) = self.app {
            named.extend(a.ranked.iter().chain(&a.bound).chain(&a.except));
        }
        named.extend(self.without.map(|w| w as u32));
        let mut key: Vec<u32> = named
            .into_iter()
            .filter(|&id| {
                p.tables.rules.get(id as usize).is_some_and(|r| {
                    !r.scope.groups.is_empty() || !r.scope.except.groups.is_empty()
                })
            })
            // A rule that sets none of the fields read here changes no
            // summary, however it applies (`covered` drops it).
            .filter(|&id| self.fold(id).sets_anything())
            .collect();
        key.sort_unstable();
        key.dedup();
        key
    }

    /// Does directory group `group` bring in or leave out one of `rules`
    /// (sorted)?
    pub fn touches(&self, group: &str, rules: &[u32]) -> bool {
        let p = self.policy;
        let Some(g) = p.group_id(group) else {
            return false;
        };
        let named = |ids: &[u32]| ids.iter().any(|id| rules.binary_search(id).is_ok());
        !rules.is_empty() && (named(p.rules_of_group(g)) || named(p.rules_excluding_group(g)))
    }
}
