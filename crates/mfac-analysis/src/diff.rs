//! A semantic diff of two compiled policies: per subject and per stretch of
//! time, what changed in the effective enforcement, allowed factors,
//! enrolment deadline and remember window. Works on the compiled tables, so
//! either side may be `.mfa` source or `mfac compile` output, and a rewrite
//! that means the same (renamed strengths, reordered rules, comments, a
//! field moved into a rollout that has already started) shows no change.

use jiff::Timestamp;
use mfac_core::compile::Tables;
use mfac_core::eval::Policy;

use std::collections::{BTreeMap, BTreeSet};

/// A rule's effective fields in one stretch of time: the tables' own
/// settings, without the phase they came from.
pub use mfac_core::compile::Settings as Fields;

/// One change of one subject over a stretch of time `[from, until)`;
/// `None` bounds are open.
#[derive(Clone, Debug, PartialEq, Eq)]
pub struct Change {
    pub subject: String,
    pub from: Option<Timestamp>,
    pub until: Option<Timestamp>,
    pub old: Option<Fields>,
    pub new: Option<Fields>,
}

#[derive(Clone, Debug, Default, PartialEq, Eq)]
pub struct Diff {
    /// Whole-policy settings: precedence, timezone, calendar.
    pub settings: Vec<(String, String, String)>,
    pub changes: Vec<Change>,
    /// Directory group name -> (group rules members gained, lost).
    pub includes: Vec<(String, Vec<String>, Vec<String>)>,
    /// Exemptions only in the old or only in the new policy, as text.
    pub exemptions_removed: Vec<String>,
    pub exemptions_added: Vec<String>,
    /// An exemption of the same user whose end, reason or ticket moved: one
    /// change, `old -> new`, not a removal and an addition.
    pub exemptions_changed: Vec<String>,
}

impl Diff {
    /// Only what holds at `at`: the changes whose date range holds it
    /// (`mfac diff --at`). The lists of exemptions and includes stay whole.
    pub fn at(mut self, at: Timestamp) -> Diff {
        self.changes
            .retain(|c| c.from.is_none_or(|f| f <= at) && c.until.is_none_or(|u| at < u));
        self
    }

    pub fn is_empty(&self) -> bool {
        self.settings.is_empty()
            && self.changes.is_empty()
            && self.includes.is_empty()
            && self.exemptions_removed.is_empty()
            && self.exemptions_added.is_empty()
            && self.exemptions_changed.is_empty()
    }
}

/// A scoped rule's scope as its `for` line reads, even when it is one a
/// `group` or `user` rule could write.
fn scope_text(scope: &mfac_core::policy::Scope) -> String {
    let text = scope.to_string();
    if text.starts_with("for ") {
        return text;
    }
    match text.split_once(' ') {
        Some(("group", name)) => format!("for members of group {name}"),
        Some(("user", name)) => format!("for user {name}"),
        Some(("app", name)) => format!("for everyone in app {name}"),
        _ => "for everyone".to_string(),
    }
}

/// A subject's fields at `at`, read off the tables.
fn fields_at(p: &Policy, rule: Option<usize>, at: Timestamp) -> Option<Fields> {
    let s = p.rule_settings(p.epoch_of(at), rule?)?;
    // A rule that sets nothing (now) is no rule at all, for the decision.
    s.sets_anything().then(|| s.fields())
}

pub fn diff(old: &Policy, new: &Policy) -> Diff {
    let (a, b) = (old.tables(), new.tables());
    let mut d = Diff::default();
    if a.precedence != b.precedence {
        d.settings.push((
            "precedence".into(),
            a.precedence.name().into(),
            b.precedence.name().into(),
        ));
    }
    if a.timezone != b.timezone {
        d.settings
            .push(("timezone".into(), a.timezone.clone(), b.timezone.clone()));
    }
    if a.calendar != b.calendar {
        d.settings.push((
            "calendar".into(),
            a.calendar.to_string(),
            b.calendar.to_string(),
        ));
    }

    // Subjects by (kind, name), with each side's rule index.
    let index = |t: &Tables| -> BTreeMap<String, usize> {
        t.rules
            .iter()
            .enumerate()
            .map(|(i, r)| (r.subject(), i))
            .collect()
    };
    let (ia, ib) = (index(a), index(b));
    // A scoped rule kept by name whose scope or report-only mark changed:
    // its fields may be the same, but whom they reach is not.
    for (subject, &i) in &ia {
        let (Some(x), Some(y)) = (
            a.rules.get(i),
            ib.get(subject).and_then(|&j| b.rules.get(j)),
        ) else {
            continue;
        };
        if x.scope != y.scope {
            d.settings.push((
                format!("{subject} scope"),
                scope_text(&x.scope),
                scope_text(&y.scope),
            ));
        }
        if x.report_only != y.report_only {
            let mark = |r: bool| if r { "report_only" } else { "enforced" }.to_string();
            d.settings.push((
                subject.to_string(),
                mark(x.report_only),
                mark(y.report_only),
            ));
        }
    }
    let subjects: BTreeSet<&String> = ia.keys().chain(ib.keys()).collect();
    // Stretches of time over which both sides are constant.
    let mut bounds: Vec<Timestamp> = a.epochs.iter().chain(&b.epochs).copied().collect();
    bounds.sort();
    bounds.dedup();
    let starts: Vec<Option<Timestamp>> = std::iter::once(None)
        .chain(bounds.iter().copied().map(Some))
        .collect();
    for subject in subjects {
        let mut open: Option<Change> = None;
        for (k, start) in starts.iter().enumerate() {
            let at = start.unwrap_or(Timestamp::MIN);
            let (o, n) = (
                fields_at(old, ia.get(subject).copied(), at),
                fields_at(new, ib.get(subject).copied(), at),
            );
            let until = starts.get(k + 1).copied().flatten();
            match &mut open {
                // The same difference goes on: extend it.
                Some(c) if c.old == o && c.new == n => c.until = until,
                _ => {
                    d.changes.extend(open.take());
                    if o != n {
                        open = Some(Change {
                            subject: subject.clone(),
                            from: *start,
                            until,
                            old: o,
                            new: n,
                        });
                    }
                }
            }
        }
        d.changes.extend(open);
    }

    // What members of each directory group get, `includes` closed.
    let group_rules = |t: &Tables| -> BTreeMap<String, BTreeSet<String>> {
        t.groups
            .iter()
            .map(|(g, ids)| {
                let names = ids
                    .iter()
                    .filter_map(|&i| t.rules.get(i as usize))
                    .flat_map(|r| r.scope.groups.iter().cloned())
                    .filter(|n| n != g)
                    .collect();
                (g.clone(), names)
            })
            .collect()
    };
    let (ga, gb) = (group_rules(a), group_rules(b));
    let names: BTreeSet<&String> = ga.keys().chain(gb.keys()).collect();
    let empty = BTreeSet::new();
    for g in names {
        let (x, y) = (ga.get(g).unwrap_or(&empty), gb.get(g).unwrap_or(&empty));
        let gained: Vec<String> = y.difference(x).cloned().collect();
        let lost: Vec<String> = x.difference(y).cloned().collect();
        if !gained.is_empty() || !lost.is_empty() {
            d.includes.push((g.clone(), gained, lost));
        }
    }

    let exemption = |e: &mfac_core::compile::ExemptionInfo| {
        let ticket = e
            .ticket
            .as_deref()
            .map_or(String::new(), |t| format!(", ticket {t}"));
        format!(
            "{} until {} ({}{ticket})",
            e.user,
            mfac_core::time::format_instant(e.until, new.timezone()),
            e.reason
        )
    };
    let ea: BTreeSet<String> = a.exemptions.iter().map(exemption).collect();
    let eb: BTreeSet<String> = b.exemptions.iter().map(exemption).collect();
    let removed: Vec<&mfac_core::compile::ExemptionInfo> = a
        .exemptions
        .iter()
        .filter(|e| !eb.contains(&exemption(e)))
        .collect();
    let added: Vec<&mfac_core::compile::ExemptionInfo> = b
        .exemptions
        .iter()
        .filter(|e| !ea.contains(&exemption(e)))
        .collect();
    // A user with exactly one exemption gone and one new: it was edited.
    fn only<'t>(
        list: &[&'t mfac_core::compile::ExemptionInfo],
        user: &str,
    ) -> Option<&'t mfac_core::compile::ExemptionInfo> {
        let mut it = list.iter().filter(|e| e.user == user);
        match (it.next(), it.next()) {
            (Some(e), None) => Some(*e),
            _ => None,
        }
    }
    let mut edited = BTreeSet::new();
    for e in &removed {
        if let (Some(x), Some(y)) = (only(&removed, &e.user), only(&added, &e.user)) {
            d.exemptions_changed
                .push(format!("{} -> {}", exemption(x), exemption(y)));
            edited.insert(e.user.clone());
        }
    }
    let text = |list: &[&mfac_core::compile::ExemptionInfo]| -> Vec<String> {
        let set: BTreeSet<String> = list
            .iter()
            .filter(|e| !edited.contains(&e.user))
            .map(|e| exemption(e))
            .collect();
        set.into_iter().collect()
    };
    d.exemptions_removed = text(&removed);
    d.exemptions_added = text(&added);
    d
}

/// `mfac diff --format json`, as serde types (fields in name order, the
/// order the JSON has always had). Instants are RFC 3339 in the new
/// policy's timezone.
pub mod wire {
    use super::{Change, Diff, Fields};
    use mfac_core::time::format_instant;
    use serde::{Deserialize, Serialize};

    #[derive(Clone, Debug, PartialEq, Eq, Serialize, Deserialize)]
    pub struct DiffRecord {
        pub changed: bool,
        /// With `--deny-loosening`: every kind of loosening NEW makes over
        /// OLD, each with its counterexample. Absent otherwise.
        #[serde(default, skip_serializing_if = "Option::is_none")]
        pub loosenings: Option<Vec<LooseningRecord>>,
        pub changes: Vec<ChangeRecord>,
        pub exemptions_added: Vec<String>,
        pub exemptions_changed: Vec<String>,
        pub exemptions_removed: Vec<String>,
        pub includes: Vec<IncludesRecord>,
        /// With `--deny-loosening`, when some search gave up
        /// (`--proof-limit`): the kinds of loosening not proven absent,
        /// denied as if found. Absent otherwise.
        #[serde(default, skip_serializing_if = "Option::is_none")]
        pub not_proven: Option<Vec<String>>,
        pub settings: Vec<SettingRecord>,
    }

    #[derive(Clone, Debug, PartialEq, Eq, Serialize, Deserialize)]
    pub struct ChangeRecord {
        pub from: Option<String>,
        pub new: Option<FieldsRecord>,
        pub old: Option<FieldsRecord>,
        pub subject: String,
        pub until: Option<String>,
    }

    #[derive(Clone, Debug, PartialEq, Eq, Serialize, Deserialize)]
    pub struct FieldsRecord {
        pub deadline: Option<String>,
        pub enforcement: Option<mfac_core::Level>,
        pub factors: Option<mfac_core::FactorSet>,
        pub recovery: bool,
        /// As the language writes it: `never`, `1h same_ip`.
        pub remember: Option<String>,
    }

    /// One loosening: its kind, what changed, and the login that shows it
    /// (as NEW treats it, with the rules and the `mfac eval` replay on NEW)
    /// beside what OLD gave the same login.
    #[derive(Clone, Debug, PartialEq, Eq, Serialize, Deserialize)]
    pub struct LooseningRecord {
        /// `enforcement`, `factors`, `remember`, `grace` or `exemption`.
        pub kind: String,
        /// `old -> new`, e.g. "enforcement `required` -> `optional`".
        pub change: String,
        /// Who it reaches, e.g. "a member of `Contractors`".
        pub reaches: String,
        pub counterexample: mfac_core::diagnostic::Counterexample,
        pub old: mfac_core::diagnostic::EffectiveSettings,
    }

    impl LooseningRecord {
        pub fn new(
            l: &mfac_prove::loosen::Loosening,
            old: &mfac_core::eval::Policy,
            new: &mfac_core::eval::Policy,
        ) -> LooseningRecord {
            let c = l.on_new();
            let counterexample =
                mfac_prove::report(new, &c, mfac_prove::loosening_condition(l.kind));
            LooseningRecord {
                kind: l.kind.name().to_string(),
                change: l.change(new.timezone()),
                reaches: counterexample.who(),
                old: mfac_prove::settings_report(old, &l.old.effective, l.old.exempt),
                counterexample,
            }
        }
    }

    #[derive(Clone, Debug, PartialEq, Eq, Serialize, Deserialize)]
    pub struct IncludesRecord {
        pub gained: Vec<String>,
        pub group: String,
        pub lost: Vec<String>,
    }

    #[derive(Clone, Debug, PartialEq, Eq, Serialize, Deserialize)]
    pub struct SettingRecord {
        pub new: String,
        pub old: String,
        pub setting: String,
    }

    impl DiffRecord {
        pub fn new(d: &Diff, tz: &jiff::tz::TimeZone) -> DiffRecord {
            let fields = |f: &Option<Fields>| {
                f.map(|f| FieldsRecord {
                    deadline: f.deadline.map(|t| format_instant(t, tz)),
                    enforcement: f.enforcement,
                    factors: f.factors,
                    recovery: f.recovery.is_some(),
                    remember: f.remember.map(|r| r.to_string()),
                })
            };
            let change = |c: &Change| ChangeRecord {
                from: c.from.map(|t| format_instant(t, tz)),
                new: fields(&c.new),
                old: fields(&c.old),
                subject: c.subject.clone(),
                until: c.until.map(|t| format_instant(t, tz)),
            };
            DiffRecord {
                changed: !d.is_empty(),
                loosenings: None,
                changes: d.changes.iter().map(change).collect(),
                exemptions_added: d.exemptions_added.clone(),
                exemptions_changed: d.exemptions_changed.clone(),
                exemptions_removed: d.exemptions_removed.clone(),
                includes: d
                    .includes
                    .iter()
                    .map(|(g, gained, lost)| IncludesRecord {
                        gained: gained.clone(),
                        group: g.clone(),
                        lost: lost.clone(),
                    })
                    .collect(),
                not_proven: None,
                settings: d
                    .settings
                    .iter()
                    .map(|(n, x, y)| SettingRecord {
                        new: y.clone(),
                        old: x.clone(),
                        setting: n.clone(),
                    })
                    .collect(),
            }
        }
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use mfac_core::policy::Level;
    use mfac_lang::Compile as _;

    fn p(text: &str) -> Policy {
        Policy::compile("p.mfa", text).unwrap()
    }

    #[test]
    fn an_equivalent_rewrite_has_no_effective_change() {
        let a = p(r#"strength strong = webauthn
                     default { enforcement optional factors strong | totp }
                     group "ops" { enforcement required }"#);
        let b = p(r#"# reordered, strength renamed and inlined
                     group "ops" { enforcement required }
                     default { factors totp | webauthn enforcement optional }"#);
        assert!(diff(&a, &b).is_empty(), "{:?}", diff(&a, &b));
    }

    #[test]
    fn a_moved_exemption_is_one_change() {
        let a = p(r#"default { enforcement required factors totp }
                     exempt user "bob" until 2026-12-10 reason "lost device" ticket "SEC-1""#);
        let b = p(r#"default { enforcement required factors totp }
                     exempt user "bob" until 2026-12-20 reason "lost device" ticket "SEC-1"
                     calendar { work_hours mon-thu 08:00-18:00 }"#);
        let d = diff(&a, &b);
        assert!(
            d.exemptions_added.is_empty() && d.exemptions_removed.is_empty(),
            "{d:?}"
        );
        assert_eq!(
            d.exemptions_changed,
            ["bob until 2026-12-10T00:00:00+00:00 (lost device, ticket SEC-1) -> bob until 2026-12-20T00:00:00+00:00 (lost device, ticket SEC-1)"]
        );
        assert_eq!(
            d.settings,
            [(
                "calendar".to_string(),
                "calendar { work_hours mon-fri 09:00-17:00 }".to_string(),
                "calendar { work_hours mon-thu 08:00-18:00 }".to_string()
            )]
        );
    }

    #[test]
    fn changes_are_reported_per_subject_and_date_range() {
        let a = p(r#"default { enforcement optional factors totp | sms }"#);
        let b = p(r#"default { enforcement optional factors totp }
                     rollout "r" { applies default on 2026-12-01 enforcement required }"#);
        let d = diff(&a, &b);
        let dec: Timestamp = "2026-12-01T00:00:00Z".parse().unwrap();
        assert_eq!(d.changes.len(), 2, "{d:?}");
        assert_eq!((d.changes[0].from, d.changes[0].until), (None, Some(dec)));
        assert_eq!(d.changes[1].from, Some(dec));
        assert_eq!(
            d.changes[1].new.and_then(|f| f.enforcement),
            Some(Level::Required)
        );
    }
}
