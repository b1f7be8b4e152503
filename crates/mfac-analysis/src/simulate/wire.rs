//! `mfac simulate --format json` (with and without `--timeline`), as serde
//! types. Fields are in name order, the order the JSON has always had.
//! Instants are RFC 3339 in the policy's timezone.

use super::{named, Before, Point, Risks, Snapshot, Summary};
use mfac_core::directory::Directory;
use mfac_core::policy::Aal;
use mfac_core::time::format_instant;
use mfac_core::{FactorSet, Level, Outcome};
use serde::{Deserialize, Serialize};
use std::collections::BTreeMap;

/// A simulation at one instant, compared with its "before" (the README's `mfac simulate`).
#[derive(Clone, Debug, PartialEq, Eq, Serialize, Deserialize)]
pub struct SimulationRecord {
    pub app: Option<String>,
    pub at: String,
    /// With `--base`: the base policy's counts (also in `before_counts`).
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub base_counts: Option<BTreeMap<String, usize>>,
    pub before: BeforeRecord,
    pub before_counts: BTreeMap<String, usize>,
    /// Every user whose decision, enforcement or allowed factors differ.
    pub changed: Vec<ChangedRecord>,
    pub counts: BTreeMap<String, usize>,
    /// For a policy with report-only rules: the users whose decision they
    /// would change (who would have been challenged), as many as `changed`
    /// lists at most.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub report_only_changed: Option<Vec<ReportOnlyChangedRecord>>,
    /// For a policy with report-only rules: users per decision with them
    /// enforced too, over all users (`counts` stays the enforced one).
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub report_only_counts: Option<BTreeMap<String, usize>>,
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub risks: Option<RisksRecord>,
    pub transitions: Vec<TransitionRecord>,
    pub users: usize,
    /// What the run found wrong with its input, as `mfac check` words it
    /// (look-alike and unheld groups: W020, W021).
    #[serde(default)]
    pub warnings: Vec<WarningRecord>,
}

/// One warning about a simulation's input, with its check code.
#[derive(Clone, Debug, PartialEq, Eq, Serialize, Deserialize)]
pub struct WarningRecord {
    pub code: String,
    pub message: String,
}

/// What the simulation compared with.
#[derive(Clone, Debug, PartialEq, Eq, Serialize, Deserialize)]
#[serde(tag = "kind", rename_all = "snake_case")]
pub enum BeforeRecord {
    /// Another policy (`--base`, `--base-rev`), by name.
    Base { policy: Option<String> },
    /// The same policy just before its latest phase at or before `at`.
    Phase { phase: String },
    /// The same policy, which no phase has changed yet.
    Unchanged,
}

/// A user the report-only rules would decide otherwise.
#[derive(Clone, Debug, PartialEq, Eq, Serialize, Deserialize)]
pub struct ReportOnlyChangedRecord {
    /// The enforced decision.
    pub decision: ShownRecord,
    /// The decision with the report-only rules enforced too.
    pub report_only: ShownRecord,
    pub user: String,
}

/// What happens, the level and the allowed factors.
#[derive(Clone, Debug, PartialEq, Eq, Serialize, Deserialize)]
pub struct ShownRecord {
    pub decision: Outcome,
    pub enforcement: Level,
    pub factors: FactorSet,
}

impl ShownRecord {
    fn of(s: &mfac_core::eval::Shown) -> ShownRecord {
        ShownRecord {
            decision: s.outcome,
            enforcement: s.enforcement,
            factors: s.factors,
        }
    }
}

#[derive(Clone, Debug, PartialEq, Eq, Serialize, Deserialize)]
pub struct ChangedRecord {
    pub after: SnapshotRecord,
    pub before: SnapshotRecord,
    pub user: String,
}

/// The part of a decision a review compares.
#[derive(Clone, Debug, PartialEq, Eq, Serialize, Deserialize)]
pub struct SnapshotRecord {
    /// The assurance level the login reaches as decided (1, 2 or 3).
    pub aal: Aal,
    pub decision: Outcome,
    pub enforcement: Level,
    pub factors: FactorSet,
    /// The enrolment deadline (RFC 3339, the policy's offset), when a
    /// grace runs for a required policy.
    pub deadline: Option<String>,
}

#[derive(Clone, Debug, PartialEq, Eq, Serialize, Deserialize)]
pub struct TransitionRecord {
    pub from: Outcome,
    pub to: Outcome,
    pub users: usize,
}

/// `--risks`: who may be locked out.
#[derive(Clone, Debug, PartialEq, Eq, Serialize, Deserialize)]
pub struct RisksRecord {
    pub blocked: Vec<BlockedRecord>,
    pub lost_every_factor: Vec<LostRecord>,
    pub no_allowed_factor: Vec<GroupUsersRecord>,
    pub privileged_without_webauthn: Vec<String>,
}

#[derive(Clone, Debug, PartialEq, Eq, Serialize, Deserialize)]
pub struct BlockedRecord {
    /// When the block began; `None` when it holds before any dated change.
    pub from: Option<String>,
    pub user: String,
}

#[derive(Clone, Debug, PartialEq, Eq, Serialize, Deserialize)]
pub struct LostRecord {
    pub factors: FactorSet,
    pub user: String,
}

#[derive(Clone, Debug, PartialEq, Eq, Serialize, Deserialize)]
pub struct GroupUsersRecord {
    pub group: String,
    pub users: Vec<String>,
}

/// `--timeline`: every user at each date a decision can change.
#[derive(Clone, Debug, PartialEq, Eq, Serialize, Deserialize)]
pub struct TimelineRecord {
    pub app: Option<String>,
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub risks: Option<RisksRecord>,
    pub timeline: Vec<PointRecord>,
    pub users: usize,
    /// As [`SimulationRecord::warnings`].
    #[serde(default)]
    pub warnings: Vec<WarningRecord>,
}

#[derive(Clone, Debug, PartialEq, Eq, Serialize, Deserialize)]
pub struct PointRecord {
    pub at: String,
    pub counts: BTreeMap<String, usize>,
    pub events: Vec<String>,
    /// Who becomes blocked here; at the first point, who is blocked already.
    pub newly_blocked: Vec<String>,
}

fn counts(c: BTreeMap<&'static str, usize>) -> BTreeMap<String, usize> {
    c.into_iter().map(|(k, v)| (k.to_string(), v)).collect()
}

fn snapshot(s: &Snapshot, tz: &jiff::tz::TimeZone) -> SnapshotRecord {
    SnapshotRecord {
        aal: s.aal,
        decision: s.outcome,
        enforcement: s.enforcement,
        factors: s.factors,
        deadline: s.deadline.map(|t| format_instant(t, tz)),
    }
}

impl RisksRecord {
    pub fn new(r: &Risks, dir: &Directory, tz: &jiff::tz::TimeZone) -> RisksRecord {
        let id = |i: &usize| dir.id(*i).to_string();
        RisksRecord {
            blocked: r
                .blocked
                .iter()
                .map(|(u, t)| BlockedRecord {
                    from: t.map(|t| format_instant(t, tz)),
                    user: id(u),
                })
                .collect(),
            lost_every_factor: r
                .lost_every_factor
                .iter()
                .map(|(u, f)| LostRecord {
                    factors: *f,
                    user: id(u),
                })
                .collect(),
            no_allowed_factor: r
                .no_allowed_factor
                .iter()
                .map(|(g, us)| GroupUsersRecord {
                    group: g.clone(),
                    users: us.iter().map(id).collect(),
                })
                .collect(),
            privileged_without_webauthn: r.privileged_without_webauthn.iter().map(id).collect(),
        }
    }
}

impl SimulationRecord {
    /// `base` names the base policy, when there is one.
    pub fn new(
        s: &Summary,
        tz: &jiff::tz::TimeZone,
        base: Option<&str>,
        risks: Option<RisksRecord>,
    ) -> SimulationRecord {
        SimulationRecord {
            app: s.app.clone(),
            at: format_instant(s.at, tz),
            base_counts: (s.before == Before::Base).then(|| counts(named(&s.before_counts))),
            before: match s.before {
                Before::Base => BeforeRecord::Base {
                    policy: base.map(str::to_string),
                },
                Before::Phase(t) => BeforeRecord::Phase {
                    phase: format_instant(t, tz),
                },
                Before::Unchanged => BeforeRecord::Unchanged,
            },
            before_counts: counts(named(&s.before_counts)),
            changed: s
                .changed_listed()
                .map(|u| ChangedRecord {
                    after: snapshot(&u.after, tz),
                    before: snapshot(&u.before, tz),
                    user: u.id.clone(),
                })
                .collect(),
            counts: counts(named(&s.after_counts)),
            report_only_changed: s.report_only.as_ref().map(|(_, users)| {
                users
                    .iter()
                    .map(|u| ReportOnlyChangedRecord {
                        decision: ShownRecord::of(&u.decision),
                        report_only: ShownRecord::of(&u.report_only),
                        user: u.id.clone(),
                    })
                    .collect()
            }),
            report_only_counts: s.report_only.as_ref().map(|(c, _)| counts(named(c))),
            risks,
            transitions: s
                .transitions()
                .iter()
                .map(|((from, to), n)| TransitionRecord {
                    from: *from,
                    to: *to,
                    users: *n,
                })
                .collect(),
            users: s.users,
            warnings: Vec::new(),
        }
    }
}

impl TimelineRecord {
    pub fn new(
        points: &[Point],
        dir: &Directory,
        tz: &jiff::tz::TimeZone,
        app: Option<&str>,
        risks: Option<&Risks>,
    ) -> TimelineRecord {
        TimelineRecord {
            app: app.map(str::to_string),
            risks: risks.map(|r| RisksRecord::new(r, dir, tz)),
            timeline: points
                .iter()
                .map(|p| PointRecord {
                    at: format_instant(p.at, tz),
                    counts: counts(p.counts()),
                    events: p.events.iter().map(ToString::to_string).collect(),
                    newly_blocked: p
                        .newly_blocked
                        .iter()
                        .map(|&i| dir.id(i).to_string())
                        .collect(),
                })
                .collect(),
            users: dir.users.len(),
            warnings: Vec::new(),
        }
    }
}
