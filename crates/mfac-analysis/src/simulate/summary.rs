//! What a simulation's report reads: counts before and after, transitions,
//! a row per directory group, and the users it lists. Every output format
//! renders a [`Summary`], whether it was built from a whole [`Simulation`]
//! or streamed from a directory file without holding its users
//! ([`super::stream`]); so the two paths print the same bytes.

use super::{Before, Simulation, Snapshot};
use jiff::Timestamp;
use mfac_core::directory::Directory;
use mfac_core::eval::Outcome;
use std::collections::BTreeMap;

/// Which users a report lists, so a streamed simulation keeps only those.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub enum Keep {
    /// Changed users, the first `n` of them (`None`: all), in file order.
    Changed(Option<usize>),
    /// Every user, changed or not (`--format csv`).
    Every,
}

/// One listed user.
#[derive(Clone, Debug, PartialEq, Eq)]
pub struct Listed {
    pub id: String,
    pub before: Snapshot,
    pub after: Snapshot,
}

impl Listed {
    /// The design's "changed": decision, enforcement or allowed factors differ.
    pub fn changed(&self) -> bool {
        !self.before.same(&self.after)
    }
}

/// A user the policy's report-only rules would decide otherwise: who
/// would have been challenged.
#[derive(Clone, Debug, PartialEq, Eq)]
pub struct ReportOnlyUser {
    pub id: String,
    pub decision: mfac_core::eval::Shown,
    pub report_only: mfac_core::eval::Shown,
}

/// Per directory group: its users, how many changed, and how many end in
/// each decision (in [`Outcome::ALL`] order).
#[derive(Clone, Debug, PartialEq, Eq)]
pub struct GroupRow {
    pub group: String,
    pub users: usize,
    pub changed: usize,
    pub after: [usize; 5],
}

/// The row of users who hold no group.
pub const NO_GROUP: &str = "(no group)";

#[derive(Clone, Debug, PartialEq, Eq)]
pub struct Summary {
    pub at: Timestamp,
    pub before: Before,
    pub app: Option<String>,
    pub users: usize,
    /// Users per decision, in [`Outcome::ALL`] order.
    pub before_counts: [usize; 5],
    pub after_counts: [usize; 5],
    /// `users[from][to]` for every user, in [`Outcome::ALL`] order.
    pub moves: [[usize; 5]; 5],
    /// Groups with changes first, then by size, then by name.
    pub groups: Vec<GroupRow>,
    /// With the policy's report-only rules enforced too: users per
    /// decision (in [`Outcome::ALL`] order), and the users they would
    /// decide otherwise (as many as the changed users listed). `None` for
    /// a policy without report-only rules.
    pub report_only: Option<([usize; 5], Vec<ReportOnlyUser>)>,
    /// How many users changed (all of them, listed or not).
    pub changed: usize,
    /// The users [`Keep`] asked for, in directory order.
    pub listed: Vec<Listed>,
}

/// Position of an outcome in [`Outcome::ALL`].
pub fn rank(o: Outcome) -> usize {
    Outcome::ALL.iter().position(|x| *x == o).unwrap_or(0)
}

/// Counts by decision name, every decision listed (zero included).
pub fn named(counts: &[usize; 5]) -> BTreeMap<&'static str, usize> {
    Outcome::ALL
        .iter()
        .zip(counts)
        .map(|(o, n)| (o.name(), *n))
        .collect()
}

impl Summary {
    /// `(before, after) -> users` for users whose decision changed, most
    /// users first (ties in [`Outcome::ALL`] order of before, then after).
    pub fn transitions(&self) -> Vec<((Outcome, Outcome), usize)> {
        let mut v = Vec::new();
        for (a, row) in Outcome::ALL.iter().zip(&self.moves) {
            for (b, n) in Outcome::ALL.iter().zip(row) {
                if a != b && *n > 0 {
                    v.push(((*a, *b), *n));
                }
            }
        }
        v.sort_by_key(|t| std::cmp::Reverse(t.1));
        v
    }

    /// The listed users that changed.
    pub fn changed_listed(&self) -> impl Iterator<Item = &Listed> {
        self.listed.iter().filter(|l| l.changed())
    }

    /// Build from a whole simulation of `dir` (the reference the streamed
    /// path is tested against, and what `--risks` and `--timeline` use).
    pub fn of(sim: &Simulation, dir: &Directory, keep: Keep) -> Summary {
        let mut t = Tally::default();
        let mut rows: BTreeMap<&str, GroupRow> = BTreeMap::new();
        for u in &sim.users {
            let Some(du) = dir.users.get(u.user) else {
                continue;
            };
            let changed = t.add(u.before, u.after, keep, || du.id.clone());
            let names: Vec<&str> = if du.groups.is_empty() {
                vec![NO_GROUP]
            } else {
                du.groups.iter().map(|g| &**g).collect()
            };
            for g in names {
                let row = rows.entry(g).or_insert_with(|| GroupRow::new(g));
                row.add(changed, u.after.outcome);
            }
        }
        t.finish(
            sim.at,
            sim.before,
            sim.app.clone(),
            rows.into_values(),
            sim.report_only,
        )
    }
}

impl GroupRow {
    pub fn new(group: &str) -> GroupRow {
        GroupRow {
            group: group.to_string(),
            users: 0,
            changed: 0,
            after: [0; 5],
        }
    }

    /// Another part of the directory's counts for the same group.
    pub fn merge(&mut self, o: &GroupRow) {
        self.users += o.users;
        self.changed += o.changed;
        for (n, m) in self.after.iter_mut().zip(o.after) {
            *n += m;
        }
    }

    pub fn add(&mut self, changed: bool, after: Outcome) {
        self.users += 1;
        self.changed += usize::from(changed);
        if let Some(n) = self.after.get_mut(rank(after)) {
            *n += 1;
        }
    }
}

/// The running totals both paths keep while deciding users in order.
#[derive(Clone, Debug, Default)]
pub struct Tally {
    users: usize,
    before: [usize; 5],
    after: [usize; 5],
    moves: [[usize; 5]; 5],
    changed: usize,
    listed: Vec<Listed>,
    report_only: [usize; 5],
    report_only_listed: Vec<ReportOnlyUser>,
}

impl Tally {
    /// Count one user; `id` is called only when the user is listed.
    /// Returns whether the user changed.
    pub fn add(
        &mut self,
        before: Snapshot,
        after: Snapshot,
        keep: Keep,
        id: impl FnOnce() -> String,
    ) -> bool {
        let (b, a) = (rank(before.outcome), rank(after.outcome));
        self.users += 1;
        if let Some(n) = self.before.get_mut(b) {
            *n += 1;
        }
        if let Some(n) = self.after.get_mut(a) {
            *n += 1;
        }
        if let Some(n) = self.moves.get_mut(b).and_then(|r| r.get_mut(a)) {
            *n += 1;
        }
        let changed = !before.same(&after);
        self.changed += usize::from(changed);
        if let Some(n) = self.report_only.get_mut(rank(after.with_report_only())) {
            *n += 1;
        }
        let room = |n: usize| match keep {
            Keep::Changed(Some(max)) => n < max,
            _ => true,
        };
        let list = match keep {
            Keep::Every => true,
            Keep::Changed(_) => changed && room(self.listed.len()),
        };
        let report = after.report_only.is_some() && room(self.report_only_listed.len());
        if list || report {
            let id = id();
            if let (true, Some(r)) = (report, after.report_only) {
                self.report_only_listed.push(ReportOnlyUser {
                    id: id.clone(),
                    decision: after.shown(),
                    report_only: r,
                });
            }
            if list {
                self.listed.push(Listed { id, before, after });
            }
        }
        changed
    }

    /// Add the tally of the users that follow this one's in the file, as
    /// if each had been added here in turn: the lists keep their order and
    /// `keep`'s bound.
    pub fn merge(&mut self, later: Tally, keep: Keep) {
        let add = |a: &mut [usize], b: &[usize]| a.iter_mut().zip(b).for_each(|(x, y)| *x += y);
        self.users += later.users;
        self.changed += later.changed;
        add(&mut self.before, &later.before);
        add(&mut self.after, &later.after);
        add(&mut self.report_only, &later.report_only);
        for (row, more) in self.moves.iter_mut().zip(&later.moves) {
            add(row, more);
        }
        let room = |n: usize| match keep {
            Keep::Changed(Some(max)) => max.saturating_sub(n),
            _ => usize::MAX,
        };
        let n = room(self.listed.len());
        self.listed.extend(later.listed.into_iter().take(n));
        let n = room(self.report_only_listed.len());
        self.report_only_listed
            .extend(later.report_only_listed.into_iter().take(n));
    }

    /// The summary, with the group rows sorted for the report.
    /// `report_only`: whether the policy has report-only rules.
    pub fn finish(
        self,
        at: Timestamp,
        before: Before,
        app: Option<String>,
        groups: impl IntoIterator<Item = GroupRow>,
        report_only: bool,
    ) -> Summary {
        let mut groups: Vec<GroupRow> = groups.into_iter().collect();
        groups.sort_by(|a, b| {
            b.changed
                .cmp(&a.changed)
                .then(b.users.cmp(&a.users))
                .then(a.group.cmp(&b.group))
        });
        Summary {
            at,
            before,
            app,
            users: self.users,
            before_counts: self.before,
            after_counts: self.after,
            moves: self.moves,
            groups,
            changed: self.changed,
            listed: self.listed,
            report_only: report_only.then_some((self.report_only, self.report_only_listed)),
        }
    }
}
