//! Stage 3: checked policy to flat tables.
//!
//! Rollouts are unrolled into epochs: between two phase dates every rule is
//! constant, so a rule's settings in each epoch are computed once here and
//! the evaluator reads them with one index, `table[epoch * rules + rule]`.
//! Identical settings share one slot of the `settings` pool. Group names map
//! straight to the group rules their members get, `includes` already closed.

pub use mfac_core::compile::*;

use crate::groups::GroupGraph;
use crate::policy::{CheckedPolicy, Scope};
use jiff::Timestamp;
use rustc_hash::FxHashMap;

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
        .map(|r| RuleInfo {
            scope: r.scope.clone(),
            name: None,
            report_only: false,
            line: line(r.span),
            implicit: r.implicit,
            privileged: r.privileged.is_some(),
            break_glass: r.break_glass.is_some(),
        })
        .collect();

    let mut settings: Vec<Settings> = Vec::new();
    let mut pool: FxHashMap<Settings, u32> = FxHashMap::default();
    let mut table = Vec::with_capacity((epochs.len() + 1) * rules.len());
    for at in std::iter::once(Timestamp::MIN).chain(epochs.iter().copied()) {
        for id in 0..p.rules.len() {
            let e = p.effective(id, at);
            let s = Settings {
                phase: e.phase.and_then(|k| phase_index.get(&k).copied()),
                ..e.settings
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
    // Each user and app rule under the name its scope gives.
    let named = |pick: fn(&Scope) -> Option<&str>| -> Vec<(String, u32)> {
        let mut v: Vec<(String, u32)> = rules
            .iter()
            .enumerate()
            .filter_map(|(i, r)| Some((pick(&r.scope)?.to_string(), i as u32)))
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
        users: named(Scope::single_user),
        apps: named(Scope::single_app),
        rules,
        phases,
        settings,
        table,
        default_rule: p.default_rule().map(|i| i as u32),
        groups,
        exemptions,
    }
}

/// A checked policy as the evaluator of `mfac-core`. Tables lowered from a
/// checked policy always validate; if that ever broke, evaluate nothing
/// rather than panic: deny every login.
pub fn policy(p: &CheckedPolicy) -> mfac_core::Policy {
    mfac_core::Policy::from_tables(compile(p)).unwrap_or_else(|_| mfac_core::Policy::deny_all())
}
