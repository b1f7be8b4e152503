//! The lock-out analysis of `simulate --risks`: who is blocked and since
//! when, privileged users without webauthn, who loses every factor.

use super::*;

/// Who a change may lock out, for `simulate --risks`.
#[derive(Clone, Debug, Default)]
pub struct Risks {
    /// Users who must enrol at `at` or become so at a later event:
    /// (directory index, from when). From when is the instant the block
    /// began (which may be before `at`); `None` when it holds under the
    /// rules before any rollout date, grace end or exemption end.
    pub blocked: Vec<(usize, Option<Timestamp>)>,
    /// Members of a privileged group, and break-glass users, with no
    /// phishing-resistant factor (`webauthn`) enrolled.
    pub privileged_without_webauthn: Vec<usize>,
    /// Users who could answer MFA before and cannot after: the change
    /// disallows every factor they have (directory index, the lost factors).
    pub lost_every_factor: Vec<(usize, FactorSet)>,
    /// Directory groups with members whose rules allow no factor at all.
    pub no_allowed_factor: Vec<(String, Vec<usize>)>,
}

/// When a user blocked at the last of `events` (sorted, all at or before the
/// simulated instant) became blocked: the event from which every decision
/// since is `enrol`. Decisions change only at events, so looking just before
/// each one, latest first, finds it. `None`: blocked before the first event.
fn blocked_since(
    policy: &Policy,
    user: &DirUser,
    events: &[Timestamp],
    app: Option<&str>,
) -> Option<Timestamp> {
    events.iter().rev().copied().find(|&e| {
        let before = e
            .checked_sub(jiff::SignedDuration::from_nanos(1))
            .unwrap_or(e);
        decide_user(policy, user, before, app).outcome != Outcome::Enrol
    })
}

/// The lock-out analysis of a simulation.
pub fn risks(policy: &Policy, sim: &Simulation, dir: &Directory) -> Risks {
    let mut r = Risks::default();
    let earlier: Vec<Timestamp> = events(policy)
        .into_keys()
        .filter(|t| *t <= sim.at)
        .collect();
    for u in &sim.users {
        let Some(du) = dir.users.get(u.user) else {
            continue;
        };
        if u.after.outcome == Outcome::Enrol {
            r.blocked.push((
                u.user,
                blocked_since(policy, du, &earlier, sim.app.as_deref()),
            ));
        }
        let groups: Vec<&str> = du.groups.iter().map(|g| &**g).collect();
        let privileged = policy
            .rules_for(&du.id, &groups)
            .iter()
            .any(|(_, rule)| rule.privileged || rule.break_glass);
        if privileged && !du.factors.contains(mfac_core::policy::Factor::Webauthn) {
            r.privileged_without_webauthn.push(u.user);
        }
        let before = du.factors.intersect(u.before.factors);
        if !before.is_empty() && du.factors.intersect(u.after.factors).is_empty() {
            r.lost_every_factor.push((u.user, before));
        }
    }
    // Who becomes blocked at a later phase, grace end or exemption end.
    if let Some(last) = events(policy).keys().next_back().copied() {
        if last > sim.at {
            for p in timeline(policy, dir, sim.app.as_deref(), sim.at, last)
                .iter()
                .skip(1)
            {
                r.blocked
                    .extend(p.newly_blocked.iter().map(|&i| (i, Some(p.at))));
            }
        }
    }
    let mut groups: BTreeMap<String, Vec<usize>> = BTreeMap::new();
    for u in sim.users.iter().filter(|u| u.after.factors.is_empty()) {
        for g in dir
            .users
            .get(u.user)
            .map(|d| d.groups.as_slice())
            .unwrap_or_default()
        {
            groups.entry(g.to_string()).or_default().push(u.user);
        }
    }
    r.no_allowed_factor = groups.into_iter().collect();
    r
}

#[cfg(test)]
mod risk_tests {
    use super::*;
    use crate::directory::{parse, Format};
    use mfac_core::source::SourceFile;
    use mfac_lang::Compile as _;

    #[test]
    fn finds_each_kind_of_lock_out() {
        let policy = |text: &str| Policy::compile("p.mfa", text).unwrap();
        let old = policy(r#"default { enforcement required factors totp | sms | webauthn }"#);
        let new = policy(
            r#"default { enforcement optional factors totp | webauthn }
               group "Admins" { privileged enforcement required factors webauthn }
               group "Contractors" { factors sms | totp }
               rollout "r" { applies default on 2027-01-01 enforcement required }"#,
        );
        let dir = parse(
            &SourceFile::new(
                "d.yaml",
                "users:\n  - id: ann\n    groups: [Admins]\n    factors: [totp]\n  - id: sid\n    factors: [sms]\n  - id: cy\n    groups: [Admins, Contractors]\n    factors: [sms]\n",
            ),
            Format::Yaml,
        )
        .unwrap();
        let at: Timestamp = "2026-12-01T00:00:00Z".parse().unwrap();
        let sim = simulate(&new, Some(&old), &dir, at, None);
        let r = risks(&new, &sim, &dir);
        // ann must enrol webauthn now; sid (sms only) when the rollout makes
        // the default required.
        let jan: Timestamp = "2027-01-01T00:00:00Z".parse().unwrap();
        // 0 is blocked under the base rules, before any dated change.
        assert_eq!(r.blocked, vec![(0, None), (1, Some(jan))]);
        assert_eq!(r.privileged_without_webauthn, vec![0, 2]);
        // ann loses totp to the new Admins rule; sid and cy lose sms.
        let sms = FactorSet::single(mfac_core::policy::Factor::Sms);
        let totp = FactorSet::single(mfac_core::policy::Factor::Totp);
        assert_eq!(r.lost_every_factor, vec![(0, totp), (1, sms), (2, sms)]);
        // cy is in both groups: webauthn ∩ (sms | totp) is nothing.
        assert_eq!(
            r.no_allowed_factor,
            vec![
                ("Admins".to_string(), vec![2]),
                ("Contractors".to_string(), vec![2])
            ]
        );
    }
}
