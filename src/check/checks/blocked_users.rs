//! W014 `blocked-users`: with `--directory`, users who must enrol before they
//! can sign in, today or from a later rollout date or grace deadline.

use crate::check::{CheckInfo, Context};
use crate::diagnostic::{Diagnostic, Severity};
use crate::eval::Outcome;
use crate::time::format_instant;
use jiff::Timestamp;
use std::collections::BTreeMap;

pub const INFO: CheckInfo = CheckInfo {
    code: "W014",
    name: "blocked-users",
    severity: Severity::Warning,
    summary: "(with --directory) users have no enrolled factor the rules allow and must enrol before they can sign in, now or from a later date",
    help: "have them enrol an allowed factor before that date, or give the rollout a grace period",
    doc: "Why: an `enrol` decision stops sign-in until the user enrols. Users with nothing enrolled, or only a factor the policy no longer allows (say sms), are locked out the day a rollout phase or a grace deadline makes MFA required for them, which is usually a helpdesk queue on that morning.\n\nExample:\n    default { enforcement required factors webauthn | totp }\n    (directory: carl has only sms)\n\nFix: contact carl before the date; or roll out with `enrolment grace 14d`.",
};

pub fn run(cx: &Context<'_>, out: &mut Vec<Diagnostic>) {
    let Some(dir) = cx.directory else { return };
    let policy = cx.compiled();
    // Today, then every later instant where a decision can change.
    let mut instants: Vec<Timestamp> = std::iter::once(cx.today)
        .chain(crate::simulate::events(policy).into_keys())
        .filter(|t| *t >= cx.today)
        .collect();
    instants.sort();
    instants.dedup();
    // (date, the rule that requires MFA) -> users first blocked then.
    let mut found: BTreeMap<(Timestamp, usize), Vec<&str>> = BTreeMap::new();
    for user in &dir.users {
        for &at in &instants {
            let d = crate::simulate::decide_user(policy, user, at, None);
            if d.outcome != Outcome::Enrol {
                continue;
            }
            // Point at the last rule that shaped it: the most specific one.
            let rule = d.rules.last().map_or(0, |r| r.id);
            found.entry((at, rule)).or_default().push(&user.id);
            break;
        }
    }
    for ((at, rule), users) in found {
        let span = cx
            .policy
            .rules
            .get(rule)
            .map(|r| r.span)
            .unwrap_or_default();
        let when = if at == cx.today {
            "now".to_string()
        } else {
            format!("from {}", format_instant(at, &cx.policy.timezone))
        };
        out.push(
            Diagnostic::new(
                &INFO,
                span,
                format!(
                    "{} user(s) must enrol before they can sign in, {when}: {}",
                    users.len(),
                    crate::check::some_users(&users, 5)
                ),
            )
            .label("requires MFA these users cannot answer"),
        );
    }
}
