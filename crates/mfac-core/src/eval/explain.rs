//! A decision in a few lines of prose: what applied, what did not, and why.

use super::{AppRules, Decision, LoginContext, Outcome, Policy, RememberMiss};
use crate::policy::{Field, Level, Rank};
use crate::time::{format_date, format_instant};

/// Lines explaining `d`, for people.
pub fn explain(policy: &Policy, ctx: &LoginContext<'_>, d: &Decision<'_>) -> Vec<String> {
    let tz = policy.timezone();
    let mut out = Vec::new();
    let t = policy.tables();

    out.push(format!("why: {}", reason(policy, ctx, d)));

    out.push("rules that shaped it:".to_string());
    if d.rules.is_empty() {
        out.push(
            "  (none: the implicit default, enforcement off, every factor allowed)".to_string(),
        );
    }
    for r in &d.rules {
        let s = policy.rule_settings(d.epoch, r.id);
        let mut what = Vec::new();
        if let Some(s) = s {
            // Each field the rule sets, as the language writes it; the
            // enrolment grace as the deadline it gives.
            what.extend(
                Field::ALL
                    .iter()
                    .filter(|&&f| f != Field::Enrolment)
                    .filter_map(|&f| s.describe(f)),
            );
            if let Some(dl) = s
                .deadline
                .filter(|_| s.enforcement == Some(Level::Required))
            {
                what.push(format!("enrol by {}", format_date(dl, tz)));
            }
        }
        out.push(format!(
            "  {} ({})",
            policy.rule_location(r.id),
            what.join(", ")
        ));
        if let Some(p) = r.phase {
            out.push(format!("    as changed by {}", policy.phase_location(p)));
        }
    }
    if let Some(e) = d.exempt {
        out.push(format!(
            "  {}:{}: exempt user {:?} until {} ({}{})",
            t.source,
            e.line,
            e.user,
            format_instant(e.until, tz),
            e.reason,
            e.ticket
                .as_deref()
                .map(|k| format!(", ticket {k}"))
                .unwrap_or_default()
        ));
    }

    let mut skipped = Vec::new();
    let shaped = |id: usize| d.rules.iter().any(|r| r.id == id);
    let login = Login::of(policy, ctx);
    for (id, r) in t.rules.iter().enumerate() {
        if shaped(id) {
            continue;
        }
        let why = match login.reach(policy, id as u32) {
            Reach::Elsewhere => continue,
            Reach::LeftOut => "its `except` leaves this login out",
            Reach::OtherApp => "applies only in other apps",
            Reach::ReportOnly => "report-only: evaluated, never enforced",
            Reach::Applies if matches!(r.rank(), Rank::Group | Rank::User) => {
                "applies, but a more specific rule, an earlier rule or another tier decided every field it sets"
            }
            Reach::Applies => "applies, but sets nothing in force at this time or was overridden",
        };
        skipped.push(format!("  {}: {why}", policy.rule_location(id)));
    }
    if let Some(app) = ctx.app.filter(|a| policy.app_id(a).is_none()) {
        skipped.push(format!("  app {app:?} has no rule"));
    }
    let unknown: Vec<&str> = ctx
        .groups
        .iter()
        .filter(|g| policy.group_id(g).is_none())
        .copied()
        .collect();
    if !unknown.is_empty() {
        skipped.push(format!("  groups with no rule: {}", unknown.join(", ")));
    }
    for e in t
        .exemptions
        .iter()
        .filter(|e| e.user == ctx.user && ctx.at >= e.until)
    {
        skipped.push(format!(
            "  {}:{}: exemption for {:?} ended {}",
            t.source,
            e.line,
            e.user,
            format_instant(e.until, tz)
        ));
    }
    if let Some(next) = t.epochs.get(d.epoch) {
        skipped.push(format!(
            "  next rollout change: {}",
            format_instant(*next, tz)
        ));
    }
    if !skipped.is_empty() {
        out.push("not applied:".to_string());
        out.extend(skipped);
    }
    out
}

/// How a rule stands to a login, in the order a reader asks: does it
/// name them, does its `except` leave them out, is it for this app, is it
/// enforced.
enum Reach {
    Elsewhere,
    LeftOut,
    OtherApp,
    ReportOnly,
    Applies,
}

/// What a login brings to the question, resolved once for every rule.
struct Login<'p> {
    user_rules: &'p [u32],
    /// The rules the user's id or groups leave out.
    excluded: Vec<u32>,
    group_ids: Vec<u32>,
    app: Option<&'p AppRules>,
}

impl<'p> Login<'p> {
    fn of(policy: &'p Policy, ctx: &LoginContext<'_>) -> Login<'p> {
        let group_ids: Vec<u32> = ctx
            .groups
            .iter()
            .filter_map(|g| policy.group_id(g))
            .collect();
        let excluded = policy
            .resolve_ids(ctx.user, group_ids.iter().copied())
            .excluded;
        Login {
            user_rules: policy.user_rules(ctx.user),
            excluded,
            group_ids,
            app: ctx
                .app
                .and_then(|a| policy.app_id(a))
                .and_then(|a| policy.app_rules.get(a as usize)),
        }
    }

    fn reach(&self, policy: &Policy, id: u32) -> Reach {
        let listed = |ids: &[u32]| ids.contains(&id);
        let Some(m) = policy.marks.get(id as usize) else {
            return Reach::Elsewhere;
        };
        let named = match m.rank {
            Rank::Default => true,
            Rank::App => self.app.is_some_and(|a| listed(&a.ranked)),
            _ => {
                listed(self.user_rules)
                    || self
                        .group_ids
                        .iter()
                        .any(|&g| listed(policy.rules_of_group(g)))
            }
        };
        let left_out = listed(&self.excluded) || self.app.is_some_and(|a| listed(&a.except));
        if !named {
            Reach::Elsewhere
        } else if left_out {
            Reach::LeftOut
        } else if m.app_bound && !self.app.is_some_and(|a| listed(&a.bound)) {
            Reach::OtherApp
        } else if m.report_only {
            Reach::ReportOnly
        } else {
            Reach::Applies
        }
    }
}

fn reason(policy: &Policy, ctx: &LoginContext<'_>, d: &Decision<'_>) -> String {
    let tz = policy.timezone();
    match d.outcome {
        Outcome::Allow if d.bypass.is_some() => "a helpdesk bypass is in force".to_string(),
        Outcome::Allow if d.exempt.is_some() => "the user has an active exemption".to_string(),
        Outcome::Allow if d.enforcement == Level::Off => "enforcement is off".to_string(),
        Outcome::Allow if ctx.step_up => {
            "a step-up: the last MFA reached the level needed and is newer than the remember window".to_string()
        }
        Outcome::Allow => "a remember window from the last MFA still holds".to_string(),
        Outcome::Deny => "the rules leave no allowed factor, so no factor can satisfy the policy".to_string(),
        Outcome::Challenge => {
            let miss = match d.remember_miss {
                Some(RememberMiss::NoWindow) | None => "no remember window applies".to_string(),
                Some(RememberMiss::NoLastMfa) => "no previous MFA was given".to_string(),
                Some(RememberMiss::LastMfaInFuture) => "the last MFA is after this login".to_string(),
                Some(RememberMiss::Expired { ended }) => {
                    format!("the remember window ended {}", format_instant(ended, tz))
                }
                Some(RememberMiss::IpUnknown) => "the window needs the same IP and an IP is unknown".to_string(),
                Some(RememberMiss::IpChanged) => "the IP changed since the last MFA".to_string(),
                Some(RememberMiss::ContextChanged { then, now }) => {
                    format!("the time context changed ({} -> {})", then.name(), now.name())
                }
                Some(RememberMiss::LoginCountUnknown) => {
                    "the window limits logins and the count since the last MFA is unknown".to_string()
                }
                Some(RememberMiss::TooManyLogins { max }) => format!("{max} logins since the last MFA used up the window"),
                Some(RememberMiss::AssuranceTooLow { had, needs }) => format!("a step-up needs {needs}, and the last MFA reached {had}"),
            };
            format!("the user has an allowed factor enrolled; {miss}")
        }
        Outcome::EnrolOrSkip if d.deadline.is_some() => format!(
            "no allowed factor enrolled; enforcement is required but the grace period runs until {}",
            d.deadline.map(|x| format_instant(x, tz)).unwrap_or_default()
        ),
        Outcome::EnrolOrSkip => "no allowed factor enrolled and enforcement is optional".to_string(),
        Outcome::Enrol => match d.grace_deadline {
            Some(g) if ctx.at >= g => format!(
                "no allowed factor enrolled; enforcement is required and the grace period ended {}",
                format_instant(g, tz)
            ),
            _ => "no allowed factor enrolled and enforcement is required with immediate enrolment".to_string(),
        },
    }
}
