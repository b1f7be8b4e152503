//! What a reviewer needs to believe a counterexample: the rules behind each
//! effective field, and the `mfac eval` arguments that replay the login.

use crate::{Condition, Counterexample};
pub use mfac_core::diagnostic::FieldRules;
use mfac_core::eval::LoginContext;
use mfac_core::policy::{Field, Precedence, Rank, Remember};
use mfac_core::{Factor, Policy};

/// A user id the policy does not name, standing for "any other user".
pub fn replay_user(policy: &Policy, c: &Counterexample) -> String {
    if let Some(u) = &c.user {
        return u.clone();
    }
    let taken = |u: &str| {
        policy
            .user_names()
            .chain(policy.exempted_users())
            .any(|n| n == u)
    };
    (0..)
        .map(|i| match i {
            0 => "someone@example.test".to_string(),
            i => format!("someone{i}@example.test"),
        })
        .find(|u| !taken(u))
        .unwrap_or_default()
}

/// The arguments of `mfac eval POLICY ...` that replay `c`. For a remember
/// window, a login remembered inside it (an allowed factor enrolled, the
/// last MFA at the same instant and address), so the decision shows it.
pub fn replay_args(policy: &Policy, c: &Counterexample, condition: Condition) -> Vec<String> {
    let mut args = vec!["--user".to_string(), replay_user(policy, c)];
    for g in &c.groups {
        args.extend(["--group".to_string(), g.clone()]);
    }
    if let Some(a) = &c.app {
        args.extend(["--app".to_string(), a.clone()]);
    }
    let at = c.at.to_string();
    args.extend(["--at".to_string(), at.clone()]);
    let window = matches!(c.effective.remember, Some(Remember::Window(_)));
    let remembered = matches!(
        condition,
        Condition::RememberNever | Condition::RememberWithin(_)
    );
    if remembered && window {
        if let Some(f) = c
            .effective
            .factors
            .iter()
            .find(|f| *f != Factor::BackupCode)
        {
            let ip = "192.0.2.1".to_string();
            args.extend([
                "--enrolled".to_string(),
                f.name().to_string(),
                "--last-mfa".to_string(),
                at,
                "--ip".to_string(),
                ip.clone(),
                "--last-mfa-ip".to_string(),
                ip,
            ]);
        }
    }
    args
}

/// The rules behind each effective field of `c`, read off the decision the
/// evaluator makes for its replay: among the rules that shaped it, those
/// that decided the field. In `most_restrictive` every rule that sets it;
/// in `specific` the winning tier (user, else groups, else default); in
/// `ordered` the first user- or group-rank rule that sets it, else the
/// default-rank rules; and in every mode the app's rules on top.
pub fn field_rules(policy: &Policy, c: &Counterexample) -> FieldRules {
    let epoch = policy.epoch_of(c.at);
    let user = replay_user(policy, c);
    let groups: Vec<&str> = c.groups.iter().map(String::as_str).collect();
    let ctx = LoginContext::new(&user, c.at)
        .groups(&groups)
        .app(c.app.as_deref());
    let decision = policy.decide_uncached(&ctx);
    let settings = |id: usize| policy.rule_settings(epoch, id);
    let tier = |id: usize| match policy.rule(id).map(|r| r.rank()) {
        Some(Rank::User) => 0,
        Some(Rank::Group) => 1,
        Some(Rank::Default) => 2,
        _ => 3,
    };
    let location = |id: usize| {
        let mut s = policy.rule_location(id);
        let phase = settings(id)
            .and_then(|s| s.phase)
            .and_then(|p| policy.tables().phases.get(p as usize));
        if let Some(p) = phase {
            s.push_str(&format!(" (as changed by {})", policy.phase_location(p)));
        }
        s
    };
    let pick = |field: Field| -> Vec<String> {
        let setters: Vec<usize> = decision
            .rules
            .iter()
            .map(|r| r.id)
            .filter(|&id| settings(id).is_some_and(|s| s.sets(field)))
            .collect();
        let (below, apps): (Vec<usize>, Vec<usize>) =
            setters.into_iter().partition(|&id| tier(id) < 3);
        let chosen: Vec<usize> = match policy.precedence() {
            Precedence::MostRestrictive => below,
            Precedence::Specific => {
                let best = below.iter().map(|&id| tier(id)).min();
                below
                    .into_iter()
                    .filter(|&id| Some(tier(id)) == best)
                    .collect()
            }
            Precedence::Ordered => match below.iter().find(|&&id| tier(id) < 2) {
                Some(&first) => vec![first],
                None => below,
            },
        };
        let mut ids: Vec<usize> = chosen.into_iter().chain(apps).collect();
        ids.sort_unstable();
        ids.into_iter().map(location).collect()
    };
    let mut rules = FieldRules::default();
    for &field in Field::ALL {
        *rules.get_mut(field) = pick(field);
    }
    rules
}

/// A word for a POSIX shell: as is when it is plain, else single-quoted.
pub fn shell_word(s: &str) -> String {
    let plain = !s.is_empty()
        && s.chars()
            .all(|c| c.is_ascii_alphanumeric() || "@%+=:,./_-".contains(c));
    if plain {
        s.to_string()
    } else {
        format!("'{}'", s.replace('\'', r"'\''"))
    }
}

/// The effective settings as every output format shows them.
pub fn settings_report(
    policy: &Policy,
    e: &mfac_core::eval::space::Effective,
    exempt: bool,
) -> mfac_core::diagnostic::EffectiveSettings {
    let tz = policy.timezone();
    mfac_core::diagnostic::EffectiveSettings {
        enforcement: e.enforcement.name().to_string(),
        factors: e.factors.names().into_iter().map(str::to_string).collect(),
        recovery: e.recovery,
        remember: e.remember.map(|r| r.to_string()),
        deadline: e
            .grace_deadline
            .filter(|_| e.enforcement == mfac_core::Level::Required)
            .map(|d| mfac_core::time::format_instant(d, tz)),
        exempt,
    }
}

/// `c` as the diagnostics carry it, with the rules behind each field and
/// the `mfac eval` line that replays it.
pub fn report(
    policy: &Policy,
    c: &Counterexample,
    condition: Condition,
) -> mfac_core::diagnostic::Counterexample {
    let tz = policy.timezone();
    let when = |t: Option<jiff::Timestamp>| t.map(|t| mfac_core::time::format_instant(t, tz));
    let mut eval = vec![
        "mfac".to_string(),
        "eval".to_string(),
        shell_word(policy.source_name()),
    ];
    eval.extend(
        replay_args(policy, c, condition)
            .iter()
            .map(|a| shell_word(a)),
    );
    mfac_core::diagnostic::Counterexample {
        groups: c.groups.clone(),
        user: c.user.clone(),
        app: c.app.clone(),
        from: when(c.span.start),
        until: when(c.span.end),
        at: c.at.to_string(),
        effective: settings_report(policy, &c.effective, c.exempt),
        rules: field_rules(policy, c),
        eval: eval.join(" "),
    }
}

/// The condition whose replay arguments show a loosening of `kind`: a
/// remember window needs a remembered login to show.
pub fn loosening_condition(kind: crate::loosen::Kind) -> Condition {
    match kind {
        crate::loosen::Kind::Remember => Condition::RememberNever,
        _ => Condition::Exempt,
    }
}
