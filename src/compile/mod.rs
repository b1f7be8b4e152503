//! Stage 3: checked policy to flat tables.
//!
//! Rollouts are unrolled into epochs: between two phase dates every rule is
//! constant, so a rule's settings in each epoch are computed once here and
//! the evaluator reads them with one index, `table[epoch * rules + rule]`.
//! Identical settings share one slot of the `settings` pool. Group names map
//! straight to the group rules their members get, `includes` already closed.

pub mod artifact;

use crate::check::GroupGraph;
use crate::policy::{
    Calendar, CheckedPolicy, Enrolment, FactorSet, Level, Precedence, Remember, Subject,
};
use jiff::Timestamp;
use rustc_hash::FxHashMap;
use serde::{Deserialize, Serialize};

/// A rule's fields in one epoch, as the evaluator combines them.
#[derive(Clone, Copy, Debug, Default, PartialEq, Eq, Hash, Serialize, Deserialize)]
pub struct Settings {
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub enforcement: Option<Level>,
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub factors: Option<FactorSet>,
    #[serde(default, skip_serializing_if = "std::ops::Not::not")]
    pub recovery: bool,
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub remember: Option<Remember>,
    /// When this rule makes enforcement required: its enrolment deadline,
    /// `None` for immediate.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub deadline: Option<Timestamp>,
    /// The rollout phase in force for this rule (index into `phases`).
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub phase: Option<u32>,
}

impl Settings {
    pub fn sets_anything(&self) -> bool {
        self.enforcement.is_some()
            || self.factors.is_some()
            || self.remember.is_some()
            || self.recovery
    }
}

#[derive(Clone, Copy, Debug, PartialEq, Eq, Serialize, Deserialize)]
#[serde(rename_all = "snake_case")]
pub enum SubjectKind {
    Default,
    Group,
    User,
    App,
}

/// Where a rule came from, for "the rules that shaped the result".
#[derive(Clone, Debug, PartialEq, Eq, Serialize, Deserialize)]
pub struct RuleInfo {
    pub kind: SubjectKind,
    /// Group, user or app name; empty for the default.
    #[serde(default)]
    pub name: String,
    pub line: u32,
    /// True for a rule only a rollout creates.
    #[serde(default, skip_serializing_if = "std::ops::Not::not")]
    pub implicit: bool,
    #[serde(default, skip_serializing_if = "std::ops::Not::not")]
    pub privileged: bool,
    #[serde(default, skip_serializing_if = "std::ops::Not::not")]
    pub break_glass: bool,
}

impl RuleInfo {
    pub fn subject(&self) -> Subject {
        match self.kind {
            SubjectKind::Default => Subject::Default,
            SubjectKind::Group => Subject::Group(self.name.clone()),
            SubjectKind::User => Subject::User(self.name.clone()),
            SubjectKind::App => Subject::App(self.name.clone()),
        }
    }
}

#[derive(Clone, Debug, PartialEq, Eq, Serialize, Deserialize)]
pub struct PhaseInfo {
    pub rollout: String,
    pub at: Timestamp,
    pub line: u32,
}

#[derive(Clone, Debug, PartialEq, Eq, Serialize, Deserialize)]
pub struct ExemptionInfo {
    pub user: String,
    pub until: Timestamp,
    pub reason: String,
    #[serde(default)]
    pub ticket: Option<String>,
    pub line: u32,
}

/// The compiled policy as data: what `mfac compile` writes.
#[derive(Clone, Debug, PartialEq, Eq, Serialize, Deserialize)]
pub struct Tables {
    /// The policy file it was compiled from, for `file:line` in decisions.
    pub source: String,
    pub precedence: Precedence,
    pub timezone: String,
    pub calendar: Calendar,
    /// Sorted phase dates; epoch 0 is before the first, epoch k starts at `epochs[k-1]`.
    pub epochs: Vec<Timestamp>,
    pub rules: Vec<RuleInfo>,
    pub phases: Vec<PhaseInfo>,
    pub settings: Vec<Settings>,
    /// `(epochs.len() + 1) * rules.len()` indexes into `settings`.
    pub table: Vec<u32>,
    pub default_rule: Option<u32>,
    /// Directory group name -> the group rules a member gets.
    pub groups: Vec<(String, Vec<u32>)>,
    pub users: Vec<(String, u32)>,
    pub apps: Vec<(String, u32)>,
    pub exemptions: Vec<ExemptionInfo>,
}

/// Lower a checked policy into tables.
pub fn compile(p: &CheckedPolicy) -> Tables {
    let line = |span: crate::source::Span| u32::try_from(p.line(span)).unwrap_or(u32::MAX);
    let epochs = p.phase_dates();

    let mut phases = Vec::new();
    let mut phase_index: FxHashMap<(usize, usize), u32> = FxHashMap::default();
    for (ri, r) in p.rollouts.iter().enumerate() {
        for (pi, ph) in r.phases.iter().enumerate() {
            phase_index.insert((ri, pi), phases.len() as u32);
            phases.push(PhaseInfo {
                rollout: r.name.clone(),
                at: ph.at,
                line: line(ph.span),
            });
        }
    }

    let rules: Vec<RuleInfo> = p
        .rules
        .iter()
        .map(|r| {
            let (kind, name) = match &r.subject {
                Subject::Default => (SubjectKind::Default, String::new()),
                Subject::Group(n) => (SubjectKind::Group, n.clone()),
                Subject::User(n) => (SubjectKind::User, n.clone()),
                Subject::App(n) => (SubjectKind::App, n.clone()),
            };
            RuleInfo {
                kind,
                name,
                line: line(r.span),
                implicit: r.implicit,
                privileged: r.privileged.is_some(),
                break_glass: r.break_glass.is_some(),
            }
        })
        .collect();

    let mut settings: Vec<Settings> = Vec::new();
    let mut pool: FxHashMap<Settings, u32> = FxHashMap::default();
    let mut table = Vec::with_capacity((epochs.len() + 1) * rules.len());
    for at in std::iter::once(Timestamp::MIN).chain(epochs.iter().copied()) {
        for id in 0..p.rules.len() {
            let e = p.effective(id, at);
            let s = Settings {
                enforcement: e.enforcement,
                factors: e.factors,
                recovery: e.recovery,
                remember: e.remember,
                deadline: match e.enrolment {
                    Some(Enrolment::Grace(_)) => e.deadline(),
                    _ => None,
                },
                phase: e.phase.and_then(|k| phase_index.get(&k).copied()),
            };
            let slot = *pool.entry(s).or_insert_with(|| {
                settings.push(s);
                (settings.len() - 1) as u32
            });
            table.push(slot);
        }
    }

    let graph = GroupGraph::new(p);
    let mut groups: Vec<(String, Vec<u32>)> = graph
        .names()
        .map(|n| {
            (
                n.to_string(),
                graph
                    .rules_for(n)
                    .into_iter()
                    .map(|i| i as u32)
                    .collect::<Vec<_>>(),
            )
        })
        .filter(|(_, ids)| !ids.is_empty())
        .collect();
    groups.sort();
    let named = |want: SubjectKind| -> Vec<(String, u32)> {
        let mut v: Vec<(String, u32)> = rules
            .iter()
            .enumerate()
            .filter(|(_, r)| r.kind == want)
            .map(|(i, r)| (r.name.clone(), i as u32))
            .collect();
        v.sort();
        v
    };
    let exemptions = p
        .exemptions
        .iter()
        .filter_map(|e| {
            // Incomplete exemptions are errors; a compiled policy never holds one.
            Some(ExemptionInfo {
                user: e.user.clone(),
                until: e.until?.value,
                reason: e.reason.clone()?,
                ticket: e.ticket.clone(),
                line: line(e.span),
            })
        })
        .collect();

    Tables {
        source: p.source.name().to_string(),
        precedence: p.precedence,
        timezone: p.timezone_name.clone(),
        calendar: p.calendar.clone(),
        epochs,
        users: named(SubjectKind::User),
        apps: named(SubjectKind::App),
        rules,
        phases,
        settings,
        table,
        default_rule: p.default_rule().map(|i| i as u32),
        groups,
        exemptions,
    }
}
