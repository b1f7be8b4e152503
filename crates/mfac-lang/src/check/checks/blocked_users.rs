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
        .chain(crate::eval::events::events(policy).into_keys())
        .filter(|t| *t >= cx.today)
        .collect();
    instants.sort();
    instants.dedup();
    // (date, the rule to blame, whether its `factors` is the blocker) ->
    // users first blocked then.
    let mut found: BTreeMap<(Timestamp, usize, bool), Vec<&str>> = BTreeMap::new();
    for user in &dir.users {
        for &at in &instants {
            let d = crate::directory::decide_user(policy, user, at, None);
            if d.outcome != Outcome::Enrol {
                continue;
            }
            // Point at a rule that holds them at `required` (the most
            // specific one), not merely at the last rule that applied: an
            // `optional` group does not block anyone.
            let epoch = policy.epoch_of(at);
            let requires = |id: usize| {
                policy
                    .rule_settings(epoch, id)
                    .is_some_and(|s| s.enforcement == Some(crate::policy::Level::Required))
            };
            // A user who enrolled something is blocked by a rule whose
            // `factors` allows none of it, whichever rule requires MFA.
            let excludes = |id: usize| {
                policy.rule_settings(epoch, id).is_some_and(|s| {
                    s.factors
                        .is_some_and(|f| f.intersect(user.factors).is_empty())
                })
            };
            let narrowing = (!user.factors.is_empty())
                .then(|| d.rules.iter().rev().map(|r| r.id).find(|&id| excludes(id)))
                .flatten();
            let rule = narrowing
                .or_else(|| d.rules.iter().rev().map(|r| r.id).find(|&id| requires(id)))
                .or_else(|| d.rules.last().map(|r| r.id))
                .unwrap_or(0);
            found
                .entry((at, rule, narrowing.is_some()))
                .or_default()
                .push(&user.id);
            break;
        }
    }
    for ((at, rule, by_factors), users) in found {
        if by_factors {
            out.push(narrowed(cx, at, rule, &users));
            continue;
        }
        // Where `required` comes from at that date: the phase in force that
        // set it, else the rule's own field.
        let span = cx.span_of(rule, at, |f| f.enforcement.map(|e| e.span));
        // The phase that set it, if a rollout did.
        let phase = cx
            .policy
            .rules
            .get(rule)
            .and_then(|r| r.rollout)
            .and_then(|i| cx.policy.rollouts.get(i))
            .and_then(|ro| {
                ro.phases
                    .iter()
                    .rev()
                    .find(|p| p.at <= at && p.fields.enforcement.is_some())
            })
            .filter(|p| p.fields.enforcement.map(|e| e.span) == Some(span));
        let when = when(cx, at);
        let help = match phase {
            Some(p) if p.fields.enrolment.is_some() => {
                "have them enrol an allowed factor before the phase's grace ends, or lengthen its `enrolment grace`"
            }
            Some(_) => {
                "have them enrol an allowed factor before that date, or give the rollout phase an `enrolment grace` so they can enrol at their next sign-in"
            }
            None => {
                "have them enrol an allowed factor; to give them time, require MFA through a rollout phase with `enrolment grace 14d` instead of on the rule itself"
            }
        };
        out.push(
            Diagnostic::new(
                &INFO,
                span,
                format!(
                    "{} must enrol before they can sign in, {when}: {}",
                    crate::check::count(users.len(), "user"),
                    who(&users)
                ),
            )
            .label(format!(
                "requires MFA that {} cannot answer",
                if users.len() == 1 {
                    "this user"
                } else {
                    "these users"
                }
            ))
            .help(help),
        );
    }
}

/// When the blocked users are: "now", or from the date.
fn when(cx: &Context<'_>, at: Timestamp) -> String {
    if at == cx.today {
        "now".to_string()
    } else {
        format!("from {}", format_instant(at, &cx.policy.timezone))
    }
}

/// Every user by name, up to [`LISTED`]; past that, the first ones and
/// where to see them all.
fn who(users: &[&str]) -> String {
    if users.len() <= LISTED {
        return crate::check::some_users(users, LISTED);
    }
    format!(
        "{}; `mfac simulate --risks` with this directory lists every one",
        crate::check::some_users(users, FIRST)
    )
}

/// Users named in full in one finding.
const LISTED: usize = 20;
/// Users named before "and N more" past [`LISTED`].
const FIRST: usize = 10;

/// Users who enrolled factors that rule `rule`'s `factors` does not allow,
/// pointed at that field: the blocker is the narrowing, wherever the
/// `required` comes from.
fn narrowed(cx: &Context<'_>, at: Timestamp, rule: usize, users: &[&str]) -> Diagnostic {
    let span = cx.span_of(rule, at, |f| f.factors.map(|e| e.span));
    Diagnostic::new(
        &INFO,
        span,
        format!(
            "{} must enrol before they can sign in, {}: {} allows none of the factors they have enrolled: {}",
            crate::check::count(users.len(), "user"),
            when(cx, at),
            cx.subject(rule),
            who(users)
        ),
    )
    .label(format!(
        "allows none of {} enrolled factors",
        if users.len() == 1 { "the user's" } else { "these users'" }
    ))
    .help("allow one of the factors they have in this rule's `factors`, or have them enrol an allowed factor before that date")
}
