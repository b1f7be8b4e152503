//! Building an evaluator: from `mfac compile` output or tables, validated
//! (a file may be damaged or foreign) and indexed for the decision.

use super::*;

impl Policy {
    /// Load `mfac compile` output.
    pub fn from_json(text: &str) -> Result<Policy, ArtifactError> {
        Policy::from_tables(artifact::from_json(text)?)
    }

    /// The tables as `mfac compile` writes them: versioned JSON with a checksum.
    pub fn to_json(&self) -> Result<String, ArtifactError> {
        artifact::to_json(&self.tables).map_err(|e| ArtifactError::Invalid(e.to_string()))
    }

    pub fn tables(&self) -> &Tables {
        &self.tables
    }

    /// Validate tables (they may come from a file) and build the indexes.
    pub fn from_tables(t: Tables) -> Result<Policy, ArtifactError> {
        let bad = |what: &str| ArtifactError::Invalid(what.to_string());
        let tz = TimeZone::get(&t.timezone).map_err(|_| bad("unknown timezone"))?;
        let n = t.rules.len();
        if t.epochs.windows(2).any(|w| w.first() >= w.get(1)) {
            return Err(bad("epochs are not sorted"));
        }
        let rows = t.epochs.len().checked_add(1).and_then(|e| e.checked_mul(n));
        if rows != Some(t.table.len()) {
            return Err(bad("table size does not match epochs and rules"));
        }
        if t.table.iter().any(|&s| s as usize >= t.settings.len()) {
            return Err(bad("table points past the settings"));
        }
        if t.settings
            .iter()
            .any(|s| s.phase.is_some_and(|p| p as usize >= t.phases.len()))
        {
            return Err(bad("settings point past the phases"));
        }
        // A group index entry points at rules whose scope names some group
        // there (the closure over `includes` is the compiler's to know).
        let names_groups = |ids: &[u32], pick: fn(&Scope) -> &[String]| {
            ids.iter().all(|&i| {
                t.rules
                    .get(i as usize)
                    .is_some_and(|r| !pick(&r.scope).is_empty())
            })
        };
        if !t
            .groups
            .iter()
            .all(|(_, ids)| names_groups(ids, |s| &s.groups))
            || !t
                .except_groups
                .iter()
                .all(|(_, ids)| names_groups(ids, |s| &s.except.groups))
        {
            return Err(bad("a group index points at a rule that names no group"));
        }
        // The compiler lists each group once per index; a foreign artifact
        // that repeats one is refused rather than have one entry shadow
        // another.
        let distinct = |v: &[(String, Vec<u32>)]| {
            let mut names: Vec<&str> = v.iter().map(|(n, _)| n.as_str()).collect();
            names.sort_unstable();
            names.windows(2).all(|w| w.first() != w.get(1))
        };
        if !distinct(&t.groups) || !distinct(&t.except_groups) {
            return Err(bad("a group is listed twice"));
        }
        Ok(Policy::build(t, tz))
    }

    /// Index validated tables. Cannot fail: what a decision reads past an
    /// end is "no rule" (see [`Policy::slot`]).
    pub(super) fn build(t: Tables, tz: TimeZone) -> Policy {
        let n = t.rules.len();
        let marks: Box<[Marks]> = t
            .rules
            .iter()
            .map(|r| Marks {
                rank: r.rank(),
                app_bound: r.rank() != Rank::App && !r.scope.apps.is_empty(),
                report_only: r.report_only,
            })
            .collect();
        let ids = |pick: &dyn Fn(&RuleInfo) -> bool| -> Vec<u32> {
            (0..n as u32)
                .filter(|&i| t.rules.get(i as usize).is_some_and(pick))
                .collect()
        };
        let everyone = ids(&|r| r.rank() == Rank::Default).into_boxed_slice();
        let by_name = |names: fn(&RuleInfo) -> &[String], keep: fn(&RuleInfo) -> bool| {
            let mut map: FxHashMap<Box<str>, Vec<u32>> = FxHashMap::default();
            for (i, r) in t.rules.iter().enumerate().filter(|(_, r)| keep(r)) {
                for name in names(r) {
                    let ids = map.entry(Box::from(name.as_str())).or_default();
                    if ids.last() != Some(&(i as u32)) {
                        ids.push(i as u32);
                    }
                }
            }
            map
        };
        let boxed = |m: FxHashMap<Box<str>, Vec<u32>>| -> FxHashMap<Box<str>, Box<[u32]>> {
            m.into_iter()
                .map(|(k, v)| (k, v.into_boxed_slice()))
                .collect()
        };
        let users = boxed(by_name(|r| &r.scope.users, |_| true));
        let except_users = boxed(by_name(|r| &r.scope.except.users, |_| true));
        let ranked = by_name(|r| &r.scope.apps, |r| r.rank() == Rank::App);
        let bound = by_name(|r| &r.scope.apps, |r| r.rank() != Rank::App);
        let except_apps = by_name(|r| &r.scope.except.apps, |_| true);
        let mut app_names: Vec<&str> = ranked
            .keys()
            .chain(bound.keys())
            .chain(except_apps.keys())
            .map(|k| &**k)
            .collect();
        app_names.sort_unstable();
        app_names.dedup();
        let list = |m: &FxHashMap<Box<str>, Vec<u32>>, a: &str| -> Box<[u32]> {
            m.get(a).cloned().unwrap_or_default().into_boxed_slice()
        };
        let app_rules: Box<[AppRules]> = app_names
            .iter()
            .map(|a| AppRules {
                ranked: list(&ranked, a),
                bound: list(&bound, a),
                except: list(&except_apps, a),
            })
            .collect();
        let apps = app_names
            .iter()
            .enumerate()
            .map(|(i, a)| (Box::from(*a), i as u32))
            .collect();

        // One entry per group name of either index: its rules, then the
        // rules that leave it out.
        let mut merged: std::collections::BTreeMap<&str, (&[u32], &[u32])> = Default::default();
        for (g, ids) in &t.groups {
            merged.entry(g.as_str()).or_default().0 = ids;
        }
        for (g, ids) in &t.except_groups {
            merged.entry(g.as_str()).or_default().1 = ids;
        }
        let mut group_rules = Vec::new();
        let mut group_ranges = Vec::with_capacity(merged.len());
        for (inc, exc) in merged.values() {
            let start = group_rules.len() as u32;
            group_rules.extend_from_slice(inc);
            let mid = group_rules.len() as u32;
            group_rules.extend_from_slice(exc);
            group_ranges.push((start, mid, group_rules.len() as u32));
        }
        let groups = names::NameIndex::new(merged.keys().copied());

        let mut exemptions: FxHashMap<Box<str>, Vec<u32>> = FxHashMap::default();
        for (i, e) in t.exemptions.iter().enumerate() {
            exemptions
                .entry(Box::from(e.user.as_str()))
                .or_default()
                .push(i as u32);
        }
        let mut included_by: FxHashMap<Box<str>, Vec<Box<str>>> = FxHashMap::default();
        for r in t.rules.iter().filter(|r| r.name.is_none()) {
            if let Some(g) = r.scope.single_group() {
                for inc in &r.includes {
                    included_by
                        .entry(Box::from(inc.as_str()))
                        .or_default()
                        .push(Box::from(g));
                }
            }
        }
        let excludes_people = t
            .rules
            .iter()
            .any(|r| !r.scope.except.users.is_empty() || !r.scope.except.groups.is_empty());
        let narrows = marks.iter().any(|m| m.app_bound || m.report_only) || !except_apps.is_empty();
        let mut policy = Policy {
            stamp: next_stamp(),
            tz,
            rule_count: n,
            groups,
            group_ranges: group_ranges.into_boxed_slice(),
            group_rules: group_rules.into_boxed_slice(),
            report_only: marks.iter().any(|m| m.report_only),
            marks,
            everyone,
            folds: t.settings.iter().map(Acc::from_settings).collect(),
            users,
            except_users,
            apps,
            app_rules,
            exemptions: boxed(exemptions),
            included_by: included_by
                .into_iter()
                .map(|(k, v)| (k, v.into_boxed_slice()))
                .collect(),
            scoped_groups: t
                .rules
                .iter()
                .flat_map(|r| r.scope.groups.iter().chain(&r.scope.except.groups))
                .map(|g| Box::from(g.as_str()))
                .collect(),
            excludes_people,
            narrows,
            locations: Policy::locations(&t),
            tables: t,
            first_runs: Box::default(),
            mixed: false,
            joined: Default::default(),
        };
        policy.first_runs = policy.first_runs();
        policy.mixed = policy.mixed();
        policy.joined = joined::Joined::of(&policy);
        policy
    }
}
