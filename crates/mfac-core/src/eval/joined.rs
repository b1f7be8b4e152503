//! The cold path of `most_restrictive`: each group's rules joined once per
//! rollout epoch when the policy loads, so a user met for the first time
//! costs one join per group, not one per rule, and the rules that shaped
//! the decision are read off a table instead of each rule's settings.
//!
//! A user of an identity service's day is rarely in the per-thread cache
//! (`recent.rs`): ten thousand users in random order do not fit it. What
//! they cost is this path. It holds only where a group's rules apply to
//! every member in every app: `most_restrictive` (a join, so order and
//! repeats do not matter), no rule bound to an app, leaving an app out or
//! only reporting (`Policy::narrows`), and no rule leaving this user or one
//! of their groups out. Anything else takes the general fold, which
//! decides the same (the differential tests compare the two).

use super::*;

/// The joins, by epoch. Empty when the policy is not `most_restrictive`
/// or some rule narrows (see the module's comment).
#[derive(Clone, Debug, Default)]
pub(super) struct Joined {
    /// Per epoch, per group id: the index in `joins` of the join of the
    /// group's rules. Few groups differ, so the joins are kept once each.
    groups: Box<[u32]>,
    /// Per epoch: the join of the default-rank rules.
    everyone: Box<[Acc]>,
    joins: Box<[Acc]>,
    /// Per epoch and rule: 0 when the rule sets nothing in that epoch (it
    /// shapes no decision), else 1 + 1 + its phase, or 1 without a phase.
    shapes: Box<[u32]>,
}

/// A rule that sets nothing in an epoch: [`Joined::shapes`].
const SETS_NOTHING: u32 = 0;
const NO_PHASE: u32 = 1;

impl Joined {
    /// The joins of a policy built so far (its folds, group ranges and
    /// marks in place).
    pub(super) fn of(p: &Policy) -> Joined {
        if p.tables.precedence != Precedence::MostRestrictive || p.narrows {
            return Joined::default();
        }
        let epochs = p.tables.epochs.len() + 1;
        let group_count = p.group_count();
        let mut index: FxHashMap<Acc, u32> = FxHashMap::default();
        let mut joins = Vec::new();
        let mut groups = Vec::with_capacity(epochs * group_count);
        let mut everyone = Vec::with_capacity(epochs);
        let mut shapes = Vec::with_capacity(epochs * p.rule_count);
        for epoch in 0..epochs {
            let join = |ids: &[u32]| {
                let mut acc = Acc::default();
                for &id in ids {
                    acc.add(&p.fold_at(p.slot(epoch, id)));
                }
                acc
            };
            everyone.push(join(&p.everyone));
            for g in 0..group_count as u32 {
                let acc = join(p.rules_of_group(g));
                let next = joins.len() as u32;
                let at = *index.entry(acc).or_insert(next);
                if at == next {
                    joins.push(acc);
                }
                groups.push(at);
            }
            for id in 0..p.rule_count as u32 {
                let slot = p.slot(epoch, id);
                shapes.push(if !p.fold_at(slot).sets_anything() {
                    SETS_NOTHING
                } else {
                    p.settings_at(slot).phase.map_or(NO_PHASE, |ph| ph + 2)
                });
            }
        }
        Joined {
            groups: groups.into_boxed_slice(),
            everyone: everyone.into_boxed_slice(),
            joins: joins.into_boxed_slice(),
            shapes: shapes.into_boxed_slice(),
        }
    }

    fn holds(&self) -> bool {
        !self.everyone.is_empty()
    }
}

thread_local! {
    /// The rule ids of a cold decision, gathered to be put in file order:
    /// reused, so a decision allocates only the list it returns.
    static IDS: std::cell::RefCell<Vec<u32>> = const { std::cell::RefCell::new(Vec::new()) };
}

impl Policy {
    /// The decision from the per-group joins, when they hold for this
    /// login ([`Joined`]); `None` to take the general fold. Lists the rules
    /// that shaped it, in file order, when `RECORD`.
    pub(super) fn decide_joined<'p, const RECORD: bool>(
        &'p self,
        person: Person<'_>,
        groups: impl Iterator<Item = u32>,
        epoch: usize,
        app: Option<u32>,
        ctx: &LoginContext<'_>,
    ) -> Option<Decision<'p>> {
        let j = &self.joined;
        if !j.holds() || !person.except.is_empty() {
            return None;
        }
        let row = epoch * self.group_count();
        let mut acc = *j.everyone.get(epoch)?;
        for &id in person.rules {
            acc.add(&self.fold_at(self.slot(epoch, id)));
        }
        if !RECORD {
            // Folded here, not in the closure below, where the join would
            // live behind a pointer and go through memory at every group.
            self.fold_groups(&mut acc, row, groups)?;
            self.apps_on_top::<false>(&mut acc, epoch, &[], app, false, &mut Vec::new());
            return Some(self.conclude(acc, Vec::new(), person.exemptions, epoch, ctx));
        }
        IDS.with(|ids| {
            let mut ids = ids.try_borrow_mut().ok()?;
            ids.clear();
            for g in groups {
                acc.add(self.group_join(row, g)?);
                ids.extend_from_slice(self.rules_of_group(g));
            }
            let mut shaping = Vec::new();
            ids.extend_from_slice(&self.everyone);
            ids.extend_from_slice(person.rules);
            ids.sort_unstable();
            ids.dedup();
            shaping.reserve(ids.len() + 1);
            let shapes = j.shapes.get(epoch * self.rule_count..)?;
            for &id in ids.iter() {
                let shape = shapes.get(id as usize).copied().unwrap_or(SETS_NOTHING);
                if shape != SETS_NOTHING {
                    shaping.extend(self.rule_ref_at(id, shape.checked_sub(2)));
                }
            }
            self.apps_on_top::<RECORD>(&mut acc, epoch, &[], app, false, &mut shaping);
            Some(self.conclude(acc, shaping, person.exemptions, epoch, ctx))
        })
    }

    /// Join the groups' joins into `acc`; `None` where some rule leaves
    /// people out by group. Joins are idempotent (the module's comment), and
    /// few differ: where they fit a word, each join a user's groups name is
    /// noted once and joined once (a user in twenty groups meets a handful
    /// of joins), not once per group.
    fn fold_groups(
        &self,
        acc: &mut Acc,
        row: usize,
        groups: impl Iterator<Item = u32>,
    ) -> Option<()> {
        let j = &self.joined;
        if j.joins.len() > 64 {
            for g in groups {
                acc.add(self.group_join(row, g)?);
            }
            return Some(());
        }
        let mut met = self.joins_met(row, groups)?;
        while met != 0 {
            acc.add(j.joins.get(met.trailing_zeros() as usize)?);
            met &= met - 1;
        }
        Some(())
    }

    /// The joins `groups` name in the epoch that starts at `row`, as bits
    /// of a word; `None` past 64 joins, or where some rule leaves people
    /// out by group.
    fn joins_met(&self, row: usize, groups: impl Iterator<Item = u32>) -> Option<u64> {
        let mut met = 0u64;
        for g in groups {
            met |= 1u64.checked_shl(self.join_of(row, g)?)?;
        }
        Some(met)
    }

    /// All that a decision without its rule list reads of this user
    /// besides the login's instant, app and their enrolled factors: the
    /// joins their groups name ([`Policy::joins_met`]), where that is all,
    /// that is where the joins hold and no rule or exemption names the
    /// user. `None` otherwise.
    pub(super) fn joins_key(&self, user: &str, groups: &[u32], epoch: usize) -> Option<u64> {
        let j = &self.joined;
        if !j.holds() || j.joins.len() > 64 {
            return None;
        }
        let p = self.person(user);
        if !(p.rules.is_empty() && p.except.is_empty() && p.exemptions.is_empty()) {
            return None;
        }
        self.joins_met(epoch * self.group_count(), groups.iter().copied())
    }

    /// Group `g`'s join in the epoch that starts at `row`; `None` where
    /// some rule leaves people out by group, which the general fold decides.
    fn group_join(&self, row: usize, g: u32) -> Option<&Acc> {
        self.joined.joins.get(self.join_of(row, g)? as usize)
    }

    /// [`Policy::group_join`]'s index in the joins.
    fn join_of(&self, row: usize, g: u32) -> Option<u32> {
        if self.excludes_people && !self.rules_excluding_group(g).is_empty() {
            return None;
        }
        self.joined.groups.get(row + g as usize).copied()
    }
}
