//! Dry-run a policy change: every user of a directory, decided by the new
//! policy and by a "before" (an older policy, or the same policy just before
//! its latest rollout phase), and what changed between the two.

use jiff::{SignedDuration, Timestamp};
pub use mfac_core::directory::decide_user;
use mfac_core::directory::{DirUser, Directory};
pub use mfac_core::eval::events::{events, Event};
use mfac_core::eval::{Outcome, Policy};
use mfac_core::policy::FactorSet;
use std::collections::BTreeMap;

mod risks;
pub mod stream;
mod summary;
mod timeline;
pub mod wire;

pub use risks::{risks, Risks};
pub use summary::{named, rank, GroupRow, Keep, Listed, ReportOnlyUser, Summary, Tally, NO_GROUP};
pub use timeline::{timeline, Point};

/// The part of a decision a rollout review compares.
pub use mfac_core::eval::Verdict as Snapshot;

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
        !self.before.same(&self.after)
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
    /// Whether the policy has report-only rules.
    pub report_only: bool,
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
    let (before_policy, before_at, before) = before_of(policy, base, at);
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
        report_only: policy.has_report_only(),
    }
}

/// What "before" is for a simulation at `at`: the policy and instant to
/// decide it with, and what it is.
pub(crate) fn before_of<'p>(
    policy: &'p Policy,
    base: Option<&'p Policy>,
    at: Timestamp,
) -> (&'p Policy, Timestamp, Before) {
    match base {
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
    pub fn changed(&self) -> impl Iterator<Item = &UserResult> {
        self.users.iter().filter(|u| u.changed())
    }
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
        let sum = Summary::of(&s, &dir(), Keep::Changed(None));
        assert_eq!(
            sum.transitions(),
            vec![((Outcome::EnrolOrSkip, Outcome::Enrol), 2)]
        );
        assert_eq!(named(&sum.after_counts)["enrol"], 2);
        assert_eq!(named(&sum.before_counts)["enrol_or_skip"], 2);
        assert_eq!((sum.changed, sum.listed.len()), (3, 3));
        assert_eq!(
            (sum.groups[0].group.as_str(), sum.groups[0].users),
            (NO_GROUP, 2)
        );
        let first = Summary::of(&s, &dir(), Keep::Changed(Some(1)));
        assert_eq!((first.changed, first.listed.len()), (3, 1));
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
