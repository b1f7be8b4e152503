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
        // Every index points at rules of its rank, whose scope names the
        // key; scopes the evaluator does not narrow yet (`in app` on a
        // rule that is not an app rule, `except`) are refused, not
        // evaluated as if they applied to everyone.
        let rule = |id: u32| t.rules.get(id as usize);
        let ranked = |id: u32, rank: Rank| rule(id).is_some_and(|r| r.rank() == rank);
        if t.rules.iter().any(|r| {
            !r.scope.except.is_empty() || (r.rank() != Rank::App && !r.scope.apps.is_empty())
        }) {
            return Err(bad(
                "a rule's scope narrows by app or `except`, which this evaluator does not read",
            ));
        }
        if t.rules.iter().any(|r| r.report_only) {
            return Err(bad(
                "a rule is report-only, which this evaluator does not read",
            ));
        }
        if t.default_rule.is_some_and(|d| !ranked(d, Rank::Default)) {
            return Err(bad("default rule index is wrong"));
        }
        let names = |id: u32, pick: fn(&Scope) -> &[String], key: &str| {
            rule(id).is_some_and(|r| pick(&r.scope).iter().any(|n| n == key))
        };
        if t.groups
            .iter()
            .any(|(_, ids)| ids.iter().any(|&i| !ranked(i, Rank::Group)))
        {
            return Err(bad("group index points at a rule that is not a group rule"));
        }
        if t.users
            .iter()
            .any(|(u, i)| !ranked(*i, Rank::User) || !names(*i, |s| &s.users, u))
            || t.apps
                .iter()
                .any(|(a, i)| !ranked(*i, Rank::App) || !names(*i, |s| &s.apps, a))
        {
            return Err(bad("user or app index points at the wrong rule"));
        }
        let index =
            |v: &[(String, u32)]| v.iter().map(|(k, i)| (Box::from(k.as_str()), *i)).collect();
        let mut exemptions: FxHashMap<Box<str>, Vec<u32>> = FxHashMap::default();
        for (i, e) in t.exemptions.iter().enumerate() {
            exemptions
                .entry(Box::from(e.user.as_str()))
                .or_default()
                .push(i as u32);
        }
        let mut group_rules = Vec::new();
        let mut group_ranges = Vec::with_capacity(t.groups.len());
        for (_, ids) in &t.groups {
            let start = group_rules.len() as u32;
            group_rules.extend_from_slice(ids);
            group_ranges.push((start, group_rules.len() as u32));
        }
        // The compiler lists each group once; a foreign artifact that
        // repeats one is refused rather than have one entry shadow another.
        let groups = names::NameIndex::new(t.groups.iter().map(|(n, _)| n.as_str()));
        if groups.len() != t.groups.len()
            || t.groups
                .iter()
                .enumerate()
                .any(|(i, (n, _))| groups.get(n) != Some(i as u32))
        {
            return Err(bad("a group is listed twice"));
        }
        Ok(Policy {
            stamp: next_stamp(),
            tz,
            rule_count: n,
            groups,
            group_ranges: group_ranges.into_boxed_slice(),
            group_rules: group_rules.into_boxed_slice(),
            folds: t.settings.iter().map(Acc::from_settings).collect(),
            users: index(&t.users),
            apps: index(&t.apps),
            exemptions: exemptions
                .into_iter()
                .map(|(k, v)| (k, v.into_boxed_slice()))
                .collect(),
            tables: t,
        })
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::policy::Except;

    /// A one-rule policy whose rule has `scope`, as an artifact could say.
    fn one_rule(scope: Scope) -> Tables {
        let mut t = Policy::deny_all().tables().clone();
        if let Some(r) = t.rules.first_mut() {
            r.scope = scope;
        }
        t.default_rule = None;
        t
    }

    /// Scopes the evaluator does not narrow yet are refused rather than
    /// evaluated as if they applied to everyone (fail closed).
    #[test]
    fn scopes_the_evaluator_cannot_narrow_are_refused() {
        let except = Scope {
            except: Except {
                users: vec!["sync@x".into()],
                ..Except::default()
            },
            ..Scope::everyone()
        };
        let group_in_app = Scope {
            apps: vec!["Portal".into()],
            ..Scope::group("Admins")
        };
        for scope in [except, group_in_app] {
            let err = Policy::from_tables(one_rule(scope.clone()));
            assert!(
                matches!(err, Err(ArtifactError::Invalid(ref m)) if m.contains("except")),
                "{scope}: {err:?}"
            );
        }
        assert!(Policy::from_tables(one_rule(Scope::everyone())).is_ok());
        // A report-only rule is never enforced; until the evaluator leaves
        // it out of the decision, it is refused rather than enforced.
        let mut t = one_rule(Scope::everyone());
        if let Some(r) = t.rules.first_mut() {
            r.report_only = true;
        }
        assert!(matches!(
            Policy::from_tables(t),
            Err(ArtifactError::Invalid(ref m)) if m.contains("report-only")
        ));
    }
}
