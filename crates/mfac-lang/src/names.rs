//! Names that are almost another: the "did you mean" of a mistyped factor,
//! `--group` or `--app`, and the comparison of a directory's group names
//! with the policy's, which `mfac check --directory` and `mfac simulate`
//! both report (W020, W021). A look-alike group is how an admin silently
//! loses required MFA: the directory says `domain admins`, the policy
//! `Domain Admins`, and no rule matches.

use mfac_core::eval::Policy;
use std::collections::BTreeSet;
use unicode_normalization::UnicodeNormalization;

/// Levenshtein distance in characters.
pub fn distance(a: &str, b: &str) -> usize {
    let b: Vec<char> = b.chars().collect();
    let mut row: Vec<usize> = (0..=b.len()).collect();
    for (i, ca) in a.chars().enumerate() {
        let mut prev = row.first().copied().unwrap_or(0);
        if let Some(first) = row.first_mut() {
            *first = i + 1;
        }
        for (j, cb) in b.iter().enumerate() {
            let cost = usize::from(ca != *cb);
            let here = row.get(j + 1).copied().unwrap_or(0);
            let left = row.get(j).copied().unwrap_or(0);
            if let Some(cell) = row.get_mut(j + 1) {
                *cell = (prev + cost).min(here + 1).min(left + 1);
            }
            prev = here;
        }
    }
    row.last().copied().unwrap_or(0)
}

/// A name with case, compatibility forms (full-width letters, ligatures),
/// spaces and punctuation folded away: `Domain  Admins`, `domain-admins`
/// and `ＤomainAdmins` share one key.
fn folded(name: &str) -> String {
    name.nfkc()
        .flat_map(char::to_lowercase)
        .filter(|c| c.is_alphanumeric())
        .collect()
}

/// Names to suggest, each with its lower-case and folded forms worked out
/// once: comparing a directory's thousands of groups with a policy's
/// names folds each name a single time.
pub struct Known<'k> {
    names: Vec<(&'k str, String, String)>,
}

impl<'k> Known<'k> {
    pub fn new(names: impl IntoIterator<Item = &'k str>) -> Known<'k> {
        Known {
            names: names
                .into_iter()
                .map(|k| (k, k.to_lowercase(), folded(k)))
                .collect(),
        }
    }

    /// The closest known name to `name`, if one is close enough to be a
    /// typo: the same name folded (case, spacing, Unicode forms), a few
    /// letters off (one per four letters, for names of four or more), or
    /// the start of a longer name (`Admins` for `Administrators`). Never
    /// `name` itself.
    pub fn did_you_mean(&self, name: &str) -> Option<&'k str> {
        let lower = name.to_lowercase();
        let key = folded(name);
        let len = lower.chars().count();
        let stem = lower.strip_suffix('s').unwrap_or(&lower);
        let near = if len >= 4 { len / 4 } else { 0 }.max(usize::from(len >= 4));
        self.names
            .iter()
            .filter(|(k, _, _)| *k != name)
            .filter_map(|(k, kl, kf)| {
                if *kf == key {
                    return Some((0, *k));
                }
                let prefix = stem.chars().count() >= 4 && kl.starts_with(stem);
                // Too different in length to be within `near` edits.
                if !prefix && kl.chars().count().abs_diff(len) > near {
                    return None;
                }
                let d = distance(&lower, kl);
                (d <= near || prefix).then_some((d.max(1), *k))
            })
            .min()
            .map(|(_, k)| k)
    }
}

/// [`Known::did_you_mean`] for one name.
pub fn did_you_mean<'k>(name: &str, known: impl Iterator<Item = &'k str>) -> Option<&'k str> {
    Known::new(known).did_you_mean(name)
}

/// A disagreement between the policy's group names and a directory's.
#[derive(Clone, Debug, PartialEq, Eq)]
pub enum GroupMismatch<'a> {
    /// A directory group that matches no policy group but looks like one:
    /// its members get none of that group's rules.
    LookAlike { directory: &'a str, policy: &'a str },
    /// A group the policy names that no directory user holds, directly or
    /// through `includes`; `nearest` is a directory group it looks like.
    Unheld {
        policy: &'a str,
        nearest: Option<&'a str>,
    },
}

impl GroupMismatch<'_> {
    /// One line, in the words of a review.
    pub fn message(&self) -> String {
        match self {
            GroupMismatch::LookAlike { directory, policy } => format!(
                "directory group `{directory}` matches no group of the policy, but looks like `{policy}`: its members get none of `{policy}`'s rules"
            ),
            GroupMismatch::Unheld {
                policy,
                nearest: Some(n),
            } => format!(
                "no user in the directory holds group `{policy}`, directly or through `includes` (did you mean the directory's `{n}`?)"
            ),
            GroupMismatch::Unheld {
                policy,
                nearest: None,
            } => format!(
                "no user in the directory holds group `{policy}`, directly or through `includes`"
            ),
        }
    }
}

/// Compare the groups the policy names (`named`: rule subjects, `includes`
/// and assertion scopes) with the distinct groups a directory's users hold
/// (`held`). A group counts as held when a user holds it or a group that
/// `includes` it, as the evaluator closes them.
pub fn compare_groups<'a>(
    policy: &Policy,
    named: &[&'a str],
    held: &[&'a str],
) -> Vec<GroupMismatch<'a>> {
    let named_set: BTreeSet<&str> = named.iter().copied().collect();
    let mut reached: BTreeSet<&str> = BTreeSet::new();
    for g in held {
        reached.insert(g);
        for (_, r) in policy.group_rule_infos(g) {
            reached.extend(r.scope.groups.iter().map(String::as_str));
        }
        for (_, r) in policy.group_exclusion_infos(g) {
            reached.extend(r.scope.except.groups.iter().map(String::as_str));
        }
    }
    let mut out = Vec::new();
    let policy_names = Known::new(named_set.iter().copied());
    for g in held {
        if named_set.contains(g) || policy.group_id(g).is_some() {
            continue;
        }
        if let Some(p) = policy_names.did_you_mean(g) {
            out.push(GroupMismatch::LookAlike {
                directory: g,
                policy: p,
            });
        }
    }
    // Folded only when some group is unheld.
    let mut strangers = None;
    // A look-alike already names the group it misses; say it once.
    let missed: BTreeSet<&str> = out
        .iter()
        .filter_map(|m| match m {
            GroupMismatch::LookAlike { policy, .. } => Some(*policy),
            GroupMismatch::Unheld { .. } => None,
        })
        .collect();
    for p in &named_set {
        if !reached.contains(p) && !missed.contains(p) {
            out.push(GroupMismatch::Unheld {
                policy: p,
                nearest: strangers
                    .get_or_insert_with(|| {
                        Known::new(held.iter().copied().filter(|g| !named_set.contains(g)))
                    })
                    .did_you_mean(p),
            });
        }
    }
    out
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn typos_are_found_and_strangers_are_not() {
        let known = ["Administrators", "Finance", "Support Agents", "HR"];
        let m = |n| did_you_mean(n, known.iter().copied());
        assert_eq!(m("Finanse"), Some("Finance"));
        assert_eq!(m("finance"), Some("Finance"));
        assert_eq!(m("Admins"), Some("Administrators"));
        assert_eq!(m("Suport Agents"), Some("Support Agents"));
        assert_eq!(m("support-agents"), Some("Support Agents"));
        assert_eq!(m("\u{ff26}inance"), Some("Finance"), "full-width F");
        assert_eq!(m("Marketing"), None);
        assert_eq!(m("hr"), Some("HR"));
        assert_eq!(m("HQ"), None, "two letters are too short to be a typo");
        assert_eq!(m("Finance"), None, "an exact name is no typo");
        assert_eq!(distance("kitten", "sitting"), 3);
    }
}
