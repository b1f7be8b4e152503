//! The helpdesk bypass in proofs. A policy's `bypass max 24h [for group
//! "A"] [privileged]` lets the login service exempt, at run time and at any
//! instant, a user it allows: a member of one of those groups (anyone,
//! without `for`), and not privileged or break-glass unless it says
//! `privileged`. So for a property an exemption breaks (`never exempt`,
//! `always assurance aal2`), a login in its scope that the bypass allows is
//! a counterexample, whatever the rules give it.
//!
//! Who the bypass allows is decided by the evaluator's own
//! [`Policy::bypass_refusal`], so the proof and the service agree. The
//! candidates are few: the scope's groups, each alone or beside one
//! bypass group; whether a user is privileged only grows with more
//! groups, so a smallest allowed login has at most those two.

use super::*;

/// A login in `p`'s scope that the policy's bypass allows and that an
/// exemption makes break `p`: the one with the fewest groups, at the first
/// instant of `times`.
pub(crate) fn counterexample(
    policy: &Policy,
    p: &Property,
    times: &[Span],
) -> Option<Counterexample> {
    let bypass = policy.bypass()?;
    let first = times.first()?;
    let at = instant(first);
    let epoch = policy.epoch_of(at);
    let scope_groups: Vec<Option<String>> = match &p.scope {
        Scope::Everyone | Scope::User(_) => vec![None],
        _ => groups_of(policy, &p.scope)
            .into_iter()
            .filter(|(_, inside)| *inside)
            .map(|(g, _)| Some(g))
            .chain(std::iter::once(None))
            .collect(),
    };
    let bypass_groups: Vec<Option<String>> = if bypass.groups.is_empty() {
        vec![None]
    } else {
        bypass.members.iter().cloned().map(Some).collect()
    };
    let users: Vec<(Option<String>, bool)> = match &p.scope {
        Scope::User(u) => vec![(Some(u.clone()), true)],
        scope => users_of(policy, scope, &Space::default()),
    };
    let mut best: Option<Counterexample> = None;
    for (user, alone) in &users {
        for sg in &scope_groups {
            // Without a scope group, only a user the scope names alone.
            if sg.is_none() && !alone {
                continue;
            }
            for bg in &bypass_groups {
                let mut groups: Vec<String> = sg.iter().chain(bg).cloned().collect();
                groups.sort();
                groups.dedup();
                let names: Vec<&str> = groups.iter().map(String::as_str).collect();
                let name = user.as_deref().unwrap_or("");
                if policy.bypass_refusal(name, &names).is_some() {
                    continue;
                }
                let app = p.app.as_deref();
                let effective = effective_of(policy, epoch, user.as_deref(), app, &groups);
                if p.condition.holds(&effective, true) == p.always {
                    continue;
                }
                if best
                    .as_ref()
                    .is_some_and(|b| b.groups.len() <= groups.len())
                {
                    continue;
                }
                best = Some(Counterexample {
                    groups,
                    user: user.clone(),
                    app: p.app.clone(),
                    span: Span {
                        start: p.from,
                        end: p.until,
                    },
                    at,
                    effective,
                    exempt: true,
                    bypass: true,
                });
            }
        }
    }
    best
}

/// A login NEW's bypass may exempt and OLD's may not, or may for less
/// time (a higher `bypass max`): the groups and user of the one with the
/// fewest groups. The candidates are those of [`counterexample`]: no group,
/// each group NEW's bypass names, and each beside each privileged group.
pub(crate) fn loosening(old: &Policy, new: &Policy) -> Option<(Vec<String>, Option<String>)> {
    let nb = new.bypass()?;
    let longer = old.bypass().is_some_and(|ob| nb.max > ob.max);
    let mut bypass_groups: Vec<Option<String>> = vec![None];
    bypass_groups.extend(nb.members.iter().cloned().map(Some));
    let mut privileged: Vec<Option<String>> = vec![None];
    privileged.extend(
        groups_of(new, &Scope::Privileged)
            .into_iter()
            .chain(groups_of(new, &Scope::BreakGlass))
            .filter(|(_, inside)| *inside)
            .map(|(g, _)| Some(g)),
    );
    let mut users: Vec<Option<String>> = vec![None];
    users.extend(named_users([old, new]).into_iter().map(Some));
    let mut best: Option<(Vec<String>, Option<String>)> = None;
    for user in &users {
        for bg in &bypass_groups {
            for pg in &privileged {
                let mut groups: Vec<String> = bg.iter().chain(pg).cloned().collect();
                groups.sort();
                groups.dedup();
                let names: Vec<&str> = groups.iter().map(String::as_str).collect();
                let name = user.as_deref().unwrap_or("");
                if new.bypass_refusal(name, &names).is_some() {
                    continue;
                }
                let looser = longer || old.bypass_refusal(name, &names).is_some();
                if looser && best.as_ref().is_none_or(|b| groups.len() < b.0.len()) {
                    best = Some((groups, user.clone()));
                }
            }
        }
    }
    best
}
