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
        let kind_ok =
            |id: u32, kind: SubjectKind| t.rules.get(id as usize).is_some_and(|r| r.kind == kind);
        if t.default_rule
            .is_some_and(|d| !kind_ok(d, SubjectKind::Default))
        {
            return Err(bad("default rule index is wrong"));
        }
        if t.groups
            .iter()
            .any(|(_, ids)| ids.iter().any(|&i| !kind_ok(i, SubjectKind::Group)))
        {
            return Err(bad("group index points at a rule that is not a group rule"));
        }
        if t.users.iter().any(|(_, i)| !kind_ok(*i, SubjectKind::User))
            || t.apps.iter().any(|(_, i)| !kind_ok(*i, SubjectKind::App))
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
