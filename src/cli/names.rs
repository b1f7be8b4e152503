//! Names the user typed that the policy does not know: `--app Finanse`,
//! `--group Admins`. They are not errors (a directory group no rule names is
//! normal), but a likely typo gets a warning with a did-you-mean on stderr,
//! so machine output on stdout stays as it is.

use mfac::names::did_you_mean;

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
