//! Dry-run a policy change: every user of a directory, decided by the new
//! policy and by a "before" (an older policy, or the same policy just before
//! its latest rollout phase), and what changed between the two.

use jiff::{SignedDuration, Timestamp};
pub use mfac_core::directory::decide_user;
use mfac_core::directory::{DirUser, Directory};
pub use mfac_core::eval::events::{events, Event};
use mfac_core::eval::{Decision, Outcome, Policy};
use mfac_core::policy::{FactorSet, Level};
use std::collections::BTreeMap;

mod risks;
mod timeline;
pub mod wire;

pub use risks::{risks, Risks};
pub use timeline::{timeline, Point};

/// The part of a decision a rollout review compares.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub struct Snapshot {
    pub outcome: Outcome,
    pub enforcement: Level,
    pub factors: FactorSet,
}

impl Snapshot {
    pub fn of(d: &Decision<'_>) -> Snapshot {
        Snapshot {
            outcome: d.outcome,
            enforcement: d.enforcement,
            factors: d.factors,
        }
    }
}

/// One directory user, before and after.
#[derive(Clone, Copy, Debug)]
pub struct UserResult {
    /// Index into the directory's users.
    pub user: usize,
    pub before: Snapshot,
    pub after: Snapshot,
}

impl UserResult {
    /// The design's "changed": decision, enforcement or allowed factors differ.
    pub fn changed(&self) -> bool {
        self.before != self.after
    }
}

/// What "before" means in a simulation.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub enum Before {
    /// Another policy (`--base`, `--base-rev`), at the same instant.
    Base,
    /// The same policy just before its latest rollout phase at or before
    /// `at` (that phase's instant is given).
    Phase(Timestamp),
    /// The same policy has no phase at or before `at`: nothing changed.
    Unchanged,
}

#[derive(Clone, Debug)]
pub struct Simulation {
    pub at: Timestamp,
    pub before: Before,
    pub app: Option<String>,
    pub users: Vec<UserResult>,
}

/// Decide every user of `dir` signing into `app` at `at`.
pub fn simulate(
    policy: &Policy,
    base: Option<&Policy>,
    dir: &Directory,
    at: Timestamp,
    app: Option<&str>,
) -> Simulation {
    simulate_with_progress(policy, base, dir, at, app, &mut |_| {})
}

/// [`simulate`], calling `progress` with the number of users decided so far
/// every 10,000 users and at the end (for a progress bar).
pub fn simulate_with_progress(
    policy: &Policy,
    base: Option<&Policy>,
    dir: &Directory,
    at: Timestamp,
    app: Option<&str>,
    progress: &mut dyn FnMut(usize),
) -> Simulation {
    let (before_policy, before_at, before) = match base {
        Some(b) => (b, at, Before::Base),
        None => match latest_phase(policy, at) {
            // One nanosecond before the phase: the instant the old rules
            // last held.
            Some(phase) => (
                policy,
                phase
                    .checked_sub(SignedDuration::from_nanos(1))
                    .unwrap_or(phase),
                Before::Phase(phase),
            ),
            None => (policy, at, Before::Unchanged),
        },
    };
    let snap = |p: &Policy, t: Timestamp, u: &DirUser| Snapshot::of(&decide_user(p, u, t, app));
    let users = dir
        .users
        .iter()
        .enumerate()
        .map(|(i, u)| {
            if i % 10_000 == 0 {
                progress(i);
            }
            let after = snap(policy, at, u);
            let before = match before {
                Before::Unchanged => after,
                _ => snap(before_policy, before_at, u),
            };
            UserResult {
                user: i,
                before,
                after,
            }
        })
        .collect();
    progress(dir.users.len());
    Simulation {
        at,
        before,
        app: app.map(String::from),
        users,
    }
}

/// The latest rollout phase instant at or before `at`.
fn latest_phase(policy: &Policy, at: Timestamp) -> Option<Timestamp> {
    let epochs = &policy.tables().epochs;
    let n = epochs.partition_point(|e| *e <= at);
    n.checked_sub(1).and_then(|i| epochs.get(i)).copied()
}

/// Users per decision, every decision listed (zero included).
pub fn counts(snaps: impl Iterator<Item = Snapshot>) -> BTreeMap<&'static str, usize> {
    let mut m: BTreeMap<&'static str, usize> = Outcome::ALL.iter().map(|o| (o.name(), 0)).collect();
    for s in snaps {
        *m.entry(s.outcome.name()).or_default() += 1;
    }
    m
}

impl Simulation {
    pub fn after_counts(&self) -> BTreeMap<&'static str, usize> {
        counts(self.users.iter().map(|u| u.after))
    }

    pub fn before_counts(&self) -> BTreeMap<&'static str, usize> {
        counts(self.users.iter().map(|u| u.before))
    }

    pub fn changed(&self) -> impl Iterator<Item = &UserResult> {
        self.users.iter().filter(|u| u.changed())
    }

    /// `(before, after) -> users` for users whose decision changed, most
    /// users first.
    pub fn transitions(&self) -> Vec<((Outcome, Outcome), usize)> {
        let rank = |o: Outcome| Outcome::ALL.iter().position(|x| *x == o).unwrap_or(0);
        let mut m: BTreeMap<(usize, usize), usize> = BTreeMap::new();
        for u in self
            .users
            .iter()
            .filter(|u| u.before.outcome != u.after.outcome)
        {
            *m.entry((rank(u.before.outcome), rank(u.after.outcome)))
                .or_default() += 1;
        }
        let mut v: Vec<((Outcome, Outcome), usize)> = m
            .into_iter()
            .filter_map(|((a, b), n)| Some(((*Outcome::ALL.get(a)?, *Outcome::ALL.get(b)?), n)))
            .collect();
        v.sort_by_key(|t| std::cmp::Reverse(t.1));
        v
    }

    /// Per directory group: its users, how many changed, and how many end in
    /// each decision. Groups with changes first, then by size.
    pub fn by_group(&self, dir: &Directory) -> Vec<GroupRow> {
        let mut m: BTreeMap<&str, GroupRow> = BTreeMap::new();
        for u in &self.users {
            let Some(du) = dir.users.get(u.user) else {
                continue;
            };
            let names: Vec<&str> = if du.groups.is_empty() {
                vec!["(no group)"]
            } else {
                du.groups.iter().map(|g| &**g).collect()
            };
            for g in names {
                let row = m.entry(g).or_insert_with(|| GroupRow {
                    group: g.to_string(),
                    users: 0,
                    changed: 0,
                    after: counts(std::iter::empty()),
                });
                row.users += 1;
                row.changed += usize::from(u.changed());
                *row.after.entry(u.after.outcome.name()).or_default() += 1;
            }
        }
        let mut v: Vec<GroupRow> = m.into_values().collect();
        v.sort_by(|a, b| {
            b.changed
                .cmp(&a.changed)
                .then(b.users.cmp(&a.users))
                .then(a.group.cmp(&b.group))
        });
        v
    }
}

#[derive(Clone, Debug)]
pub struct GroupRow {
    pub group: String,
    pub users: usize,
    pub changed: usize,
    pub after: BTreeMap<&'static str, usize>,
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::directory::{parse, Format};
    use mfac_core::source::SourceFile;
    use mfac_lang::Compile as _;

    fn dir() -> Directory {
        parse(
            &SourceFile::new(
                "d.yaml",
                "users:\n  - id: a\n    groups: [ops]\n    factors: [totp]\n  - id: b\n    factors: [sms]\n  - id: c\n",
            ),
            Format::Yaml,
        )
        .unwrap()
    }

    #[test]
    fn before_is_just_before_the_latest_phase() {
        let p = Policy::compile(
            "p.mfa",
            r#"default { enforcement optional factors totp | webauthn }
               rollout "r" { applies default on 2026-12-01 enforcement required }"#,
        )
        .unwrap();
        let at: Timestamp = "2026-12-02T00:00:00Z".parse().unwrap();
        let s = simulate(&p, None, &dir(), at, None);
        assert_eq!(
            s.before,
            Before::Phase("2026-12-01T00:00:00Z".parse().unwrap())
        );
        // a keeps a challenge; b (sms only) and c (nothing) go from enrol_or_skip to enrol.
        assert_eq!(s.changed().count(), 3, "enforcement changed for all");
        assert_eq!(
            s.transitions(),
            vec![((Outcome::EnrolOrSkip, Outcome::Enrol), 2)]
        );
        assert_eq!(s.after_counts()["enrol"], 2);
        assert_eq!(s.before_counts()["enrol_or_skip"], 2);
        let groups = s.by_group(&dir());
        assert_eq!(
            (groups[0].group.as_str(), groups[0].users),
            ("(no group)", 2)
        );
        // Before the phase nothing has changed yet.
        let early = simulate(
            &p,
            None,
            &dir(),
            "2026-11-01T00:00:00Z".parse().unwrap(),
            None,
        );
        assert_eq!(
            (early.before, early.changed().count()),
            (Before::Unchanged, 0)
        );
    }
}
