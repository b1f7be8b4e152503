//! Names the user typed that the policy does not know: `--app Finanse`,
//! `--group Admins`. They are not errors (a directory group no rule names is
//! normal), but a likely typo gets a warning with a did-you-mean on stderr,
//! so machine output on stdout stays as it is.

/// The closest of `known` to `name`, if one is close enough to be a typo:
/// the same word in another case, a few letters off, or the start of a
/// longer name (`Admins` for `Administrators`).
pub fn did_you_mean<'k>(name: &str, known: impl Iterator<Item = &'k str>) -> Option<&'k str> {
    let lower = name.to_lowercase();
    let stem = lower.strip_suffix('s').unwrap_or(&lower);
    known
        .filter(|k| *k != name)
        .filter_map(|k| {
            let kl = k.to_lowercase();
            let d = distance(&lower, &kl);
            let close = d <= (lower.chars().count() / 4).max(1);
            let prefix = stem.chars().count() >= 4 && kl.starts_with(stem);
            (kl == lower || close || prefix).then_some((d, k))
        })
        .min()
        .map(|(_, k)| k)
}

/// Levenshtein distance in characters.
fn distance(a: &str, b: &str) -> usize {
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

/// Warn about an `--app` with no rule and group names no rule covers, when
/// they look like typos of names the policy has. Returns the warnings.
pub fn unknown_names(policy: &mfac::Policy, app: Option<&str>, groups: &[&str]) -> Vec<String> {
    let mut out = Vec::new();
    if let Some(a) = app {
        if !policy.apps().any(|x| x == a) {
            let hint = did_you_mean(a, policy.apps())
                .map_or(String::new(), |m| format!(" (did you mean `{m}`?)"));
            out.push(format!(
                "app `{a}` has no rule in the policy, so it changes nothing{hint}"
            ));
        }
    }
    let known: std::collections::BTreeSet<&str> = policy
        .tables()
        .groups
        .iter()
        .map(|(g, _)| g.as_str())
        .collect();
    let mut seen = std::collections::BTreeSet::new();
    for g in groups {
        if known.contains(g) || !seen.insert(*g) {
            continue;
        }
        if let Some(m) = did_you_mean(g, known.iter().copied()) {
            out.push(format!(
                "group `{g}` is not named in the policy, so it changes nothing (did you mean `{m}`?)"
            ));
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
        assert_eq!(m("Marketing"), None);
        assert_eq!(m("HQ"), Some("HR"));
        assert_eq!(m("Finance"), None, "an exact name is no typo");
        assert_eq!(distance("kitten", "sitting"), 3);
    }
}
