//! Stage 3: checked policy to flat tables.
//!
//! Rollouts are unrolled into epochs: between two phase dates every rule is
//! constant, so a rule's settings in each epoch are computed once here and
//! the evaluator reads them with one index, `table[epoch * rules + rule]`.
//! Identical settings share one slot of the `settings` pool. Group names map
//! straight to the rules their members get and those that leave them out,
//! `includes` already closed.

pub use mfac_core::compile::*;

use crate::groups::GroupGraph;
use crate::policy::CheckedPolicy;
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
            name: r.name.as_ref().map(|n| n.value.clone()),
            report_only: r.report_only.is_some(),
            line: line(r.span),
            implicit: r.implicit,
            privileged: r.privileged.is_some(),
            break_glass: r.break_glass.is_some(),
            includes: r.includes.iter().map(|i| i.value.clone()).collect(),
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
    // The rules that name each group, in `for` and in `except`.
    let mut naming: FxHashMap<&str, (Vec<u32>, Vec<u32>)> = FxHashMap::default();
    for (i, r) in rules.iter().enumerate() {
        for g in &r.scope.groups {
            naming.entry(g).or_default().0.push(i as u32);
        }
        for g in &r.scope.except.groups {
            naming.entry(g).or_default().1.push(i as u32);
        }
    }
    // Each directory group the policy knows, with the rules that name it
    // or a group it is a member of (through `includes`).
    let mut groups: Vec<(String, Vec<u32>)> = Vec::new();
    let mut except_groups: Vec<(String, Vec<u32>)> = Vec::new();
    let mut names: Vec<&str> = graph.names().collect();
    names.sort_unstable();
    for name in names {
        let (mut inc, mut exc) = (Vec::new(), Vec::new());
        for g in graph.closure(name) {
            if let Some((i, e)) = naming.get(g) {
                inc.extend_from_slice(i);
                exc.extend_from_slice(e);
            }
        }
        for (ids, out) in [(inc, &mut groups), (exc, &mut except_groups)] {
            let mut ids = ids;
            ids.sort_unstable();
            ids.dedup();
            if !ids.is_empty() {
                out.push((name.to_string(), ids));
            }
        }
    }
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

    let bypass = p.bypass.as_ref().map(|b| {
        let wanted: Vec<&str> = b.groups.iter().map(|g| g.value.as_str()).collect();
        // Every group whose members are members of a bypass group.
        let mut members: Vec<String> = graph
            .names()
            .filter(|n| graph.closure(n).iter().any(|g| wanted.contains(g)))
            .map(str::to_string)
            .chain(wanted.iter().map(|g| g.to_string()))
            .collect();
        members.sort_unstable();
        members.dedup();
        BypassInfo {
            max: b.max,
            groups: wanted.iter().map(|g| g.to_string()).collect(),
            members,
            privileged: b.privileged,
            line: line(b.span),
        }
    });

    Tables {
        source: p.source.name().to_string(),
        precedence: p.precedence,
        timezone: p.timezone_name.clone(),
        calendar: p.calendar.clone(),
        epochs,
        rules,
        phases,
        settings,
        table,
        groups,
        except_groups,
        exemptions,
        bypass,
    }
}

/// A checked policy as the evaluator of `mfac-core`. Tables lowered from a
/// checked policy always validate; if that ever broke, evaluate nothing
/// rather than panic: deny every login.
pub fn policy(p: &CheckedPolicy) -> mfac_core::Policy {
    mfac_core::Policy::from_tables(compile(p)).unwrap_or_else(|_| mfac_core::Policy::deny_all())
}
