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

/// The users' decisions at one instant of the timeline.
#[derive(Clone, Debug)]
pub struct Point {
    pub at: Timestamp,
    pub events: Vec<Event>,
    /// Per user (directory order).
    pub snapshots: Vec<Snapshot>,
    /// Directory indexes of the users whose decision became `enrol` here;
    /// at the timeline's first point, everyone already blocked then.
    pub newly_blocked: Vec<usize>,
}

impl Point {
    pub fn counts(&self) -> BTreeMap<&'static str, usize> {
        counts(self.snapshots.iter().copied())
    }
}

fn blocked(snapshots: &[Snapshot]) -> Vec<usize> {
    snapshots
        .iter()
        .enumerate()
        .filter(|(_, s)| s.outcome == Outcome::Enrol)
        .map(|(i, _)| i)
        .collect()
}

/// The decisions at `from`, then at every event in `(from, to]`.
pub fn timeline(
    policy: &Policy,
    dir: &Directory,
    app: Option<&str>,
    from: Timestamp,
    to: Timestamp,
) -> Vec<Point> {
    let decide_all = |at: Timestamp| -> Vec<Snapshot> {
        dir.users
            .iter()
            .map(|u| Snapshot::of(&decide_user(policy, u, at, app)))
            .collect()
    };
    let first = decide_all(from);
    let already = blocked(&first);
    let mut points = vec![Point {
        at: from,
        events: Vec::new(),
        snapshots: first,
        newly_blocked: already,
    }];
    for (at, events) in events(policy).range(from..=to) {
        if *at == from {
            if let Some(first) = points.first_mut() {
                first.events.clone_from(events);
            }
            continue;
        }
        let snapshots = decide_all(*at);
        let prev = points.last().map(|p| &p.snapshots);
        let newly_blocked = snapshots
            .iter()
            .enumerate()
            .filter(|(i, s)| {
                s.outcome == Outcome::Enrol
                    && prev
                        .and_then(|p| p.get(*i))
                        .is_some_and(|b| b.outcome != Outcome::Enrol)
            })
            .map(|(i, _)| i)
            .collect();
        points.push(Point {
            at: *at,
            events: events.clone(),
            snapshots,
            newly_blocked,
        });
    }
    points
}

#[cfg(test)]
mod timeline_tests {
    use super::*;
    use crate::directory::{parse, Format};
    use mfac_core::source::SourceFile;
    use mfac_lang::Compile as _;

    #[test]
    fn users_become_blocked_when_the_grace_ends() {
        let p = Policy::compile(
            "p.mfa",
            r#"default { enforcement optional factors totp | webauthn }
               exempt user "b" until 2026-12-20 reason "travel"
               rollout "r" { applies default on 2026-12-01 enforcement required enrolment grace 14d }"#,
        )
        .unwrap();
        let dir = parse(
            &SourceFile::new(
                "d.yaml",
                "users:\n  - id: a\n    factors: [totp]\n  - id: b\n  - id: c\n",
            ),
            Format::Yaml,
        )
        .unwrap();
        let at = |s: &str| s.parse::<Timestamp>().unwrap();
        let t = timeline(
            &p,
            &dir,
            None,
            at("2026-11-01T00:00:00Z"),
            at("2027-01-01T00:00:00Z"),
        );
        let dates: Vec<Timestamp> = t.iter().map(|p| p.at).collect();
        assert_eq!(
            dates,
            [
                at("2026-11-01T00:00:00Z"),
                at("2026-12-01T00:00:00Z"),
                at("2026-12-15T00:00:00Z"),
                at("2026-12-20T00:00:00Z"),
            ]
        );
        assert_eq!(
            t[2].events,
            [Event::GraceEnds {
                rollout: "r".into()
            }]
        );
        // c is blocked when the grace ends; b (exempt until the 20th) then.
        assert_eq!(t[2].newly_blocked, [2]);
        assert_eq!(t[3].newly_blocked, [1]);
        assert_eq!(t[3].counts()["enrol"], 2);
    }
}

/// Who a change may lock out, for `simulate --risks`.
#[derive(Clone, Debug, Default)]
pub struct Risks {
    /// Users who must enrol at `at` or become so at a later event:
    /// (directory index, from when). From when is the instant the block
    /// began (which may be before `at`); `None` when it holds under the
    /// rules before any rollout date, grace end or exemption end.
    pub blocked: Vec<(usize, Option<Timestamp>)>,
    /// Members of a privileged group, and break-glass users, with no
    /// phishing-resistant factor (`webauthn`) enrolled.
    pub privileged_without_webauthn: Vec<usize>,
    /// Users who could answer MFA before and cannot after: the change
    /// disallows every factor they have (directory index, the lost factors).
    pub lost_every_factor: Vec<(usize, FactorSet)>,
    /// Directory groups with members whose rules allow no factor at all.
    pub no_allowed_factor: Vec<(String, Vec<usize>)>,
}

/// When a user blocked at the last of `events` (sorted, all at or before the
/// simulated instant) became blocked: the event from which every decision
/// since is `enrol`. Decisions change only at events, so looking just before
/// each one, latest first, finds it. `None`: blocked before the first event.
fn blocked_since(
    policy: &Policy,
    user: &DirUser,
    events: &[Timestamp],
    app: Option<&str>,
) -> Option<Timestamp> {
    events.iter().rev().copied().find(|&e| {
        let before = e
            .checked_sub(jiff::SignedDuration::from_nanos(1))
            .unwrap_or(e);
        decide_user(policy, user, before, app).outcome != Outcome::Enrol
    })
}

/// The lock-out analysis of a simulation.
pub fn risks(policy: &Policy, sim: &Simulation, dir: &Directory) -> Risks {
    let mut r = Risks::default();
    let earlier: Vec<Timestamp> = events(policy)
        .into_keys()
        .filter(|t| *t <= sim.at)
        .collect();
    for u in &sim.users {
        let Some(du) = dir.users.get(u.user) else {
            continue;
        };
        if u.after.outcome == Outcome::Enrol {
            r.blocked.push((
                u.user,
                blocked_since(policy, du, &earlier, sim.app.as_deref()),
            ));
        }
        let groups: Vec<&str> = du.groups.iter().map(|g| &**g).collect();
        let privileged = policy
            .rules_for(&du.id, &groups)
            .iter()
            .any(|(_, rule)| rule.privileged || rule.break_glass);
        if privileged && !du.factors.contains(mfac_core::policy::Factor::Webauthn) {
            r.privileged_without_webauthn.push(u.user);
        }
        let before = du.factors.intersect(u.before.factors);
        if !before.is_empty() && du.factors.intersect(u.after.factors).is_empty() {
            r.lost_every_factor.push((u.user, before));
        }
    }
    // Who becomes blocked at a later phase, grace end or exemption end.
    if let Some(last) = events(policy).keys().next_back().copied() {
        if last > sim.at {
            for p in timeline(policy, dir, sim.app.as_deref(), sim.at, last)
                .iter()
                .skip(1)
            {
                r.blocked
                    .extend(p.newly_blocked.iter().map(|&i| (i, Some(p.at))));
            }
        }
    }
    let mut groups: BTreeMap<String, Vec<usize>> = BTreeMap::new();
    for u in sim.users.iter().filter(|u| u.after.factors.is_empty()) {
        for g in dir
            .users
            .get(u.user)
            .map(|d| d.groups.as_slice())
            .unwrap_or_default()
        {
            groups.entry(g.to_string()).or_default().push(u.user);
        }
    }
    r.no_allowed_factor = groups.into_iter().collect();
    r
}

#[cfg(test)]
mod risk_tests {
    use super::*;
    use crate::directory::{parse, Format};
    use mfac_core::source::SourceFile;
    use mfac_lang::Compile as _;

    #[test]
    fn finds_each_kind_of_lock_out() {
        let policy = |text: &str| Policy::compile("p.mfa", text).unwrap();
        let old = policy(r#"default { enforcement required factors totp | sms | webauthn }"#);
        let new = policy(
            r#"default { enforcement optional factors totp | webauthn }
               group "Admins" { privileged enforcement required factors webauthn }
               group "Contractors" { factors sms | totp }
               rollout "r" { applies default on 2027-01-01 enforcement required }"#,
        );
        let dir = parse(
            &SourceFile::new(
                "d.yaml",
                "users:\n  - id: ann\n    groups: [Admins]\n    factors: [totp]\n  - id: sid\n    factors: [sms]\n  - id: cy\n    groups: [Admins, Contractors]\n    factors: [sms]\n",
            ),
            Format::Yaml,
        )
        .unwrap();
        let at: Timestamp = "2026-12-01T00:00:00Z".parse().unwrap();
        let sim = simulate(&new, Some(&old), &dir, at, None);
        let r = risks(&new, &sim, &dir);
        // ann must enrol webauthn now; sid (sms only) when the rollout makes
        // the default required.
        let jan: Timestamp = "2027-01-01T00:00:00Z".parse().unwrap();
        // 0 is blocked under the base rules, before any dated change.
        assert_eq!(r.blocked, vec![(0, None), (1, Some(jan))]);
        assert_eq!(r.privileged_without_webauthn, vec![0, 2]);
        // ann loses totp to the new Admins rule; sid and cy lose sms.
        let sms = FactorSet::single(mfac_core::policy::Factor::Sms);
        let totp = FactorSet::single(mfac_core::policy::Factor::Totp);
        assert_eq!(r.lost_every_factor, vec![(0, totp), (1, sms), (2, sms)]);
        // cy is in both groups: webauthn ∩ (sms | totp) is nothing.
        assert_eq!(
            r.no_allowed_factor,
            vec![
                ("Admins".to_string(), vec![2]),
                ("Contractors".to_string(), vec![2])
            ]
        );
    }
}
