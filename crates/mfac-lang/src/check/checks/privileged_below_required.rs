//! E012 `privileged-below-required`: some member of a privileged group, or
//! a break-glass user, can sign in below `enforcement required`: judged on
//! the settings they get (the default, every group they could be in,
//! `includes`, apps, every rollout phase), with a counterexample.

use crate::check::{CheckInfo, Context};
use crate::diagnostic::{Diagnostic, Severity};
use crate::policy::{Level, RuleId};
use mfac_prove::{Condition, Scope, Users};

pub const INFO: CheckInfo = CheckInfo {
    code: "E012",
    name: "privileged-below-required",
    severity: Severity::Error,
    summary: "a member of a privileged group, or a break-glass user, can sign in below `enforcement required` (in some combination of groups, app or date)",
    help: "set `enforcement required` in the privileged rule, and in every rollout phase that changes it; in `specific` and `ordered` mode no user or group rule may lower it; and where a scoped rule's `except` leaves privileged members out (the exclusion gap), exclude the emergency accounts by name instead",
    doc: "Why: privileged accounts are the ones attackers want. What counts is what their members get: the default, every group they may also be in, the app, and each rollout phase. The check proves that every member of every privileged group (with any other groups, in any app, at any date) and every break-glass user is held at `required`, or shows the login that is not. A user rule that would hold a privileged member lower is judged by W019 (or here, when `--directory` shows the membership); a privileged rule held at `required` only by other rules is W018.\n\nExample:\n    default { enforcement optional }\n    group \"Administrators\" { privileged enforcement optional factors webauthn }\n\nFix: `group \"Administrators\" { privileged enforcement required factors webauthn }`.",
};

const REQUIRED: Condition = Condition::Enforcement(Level::Required);

pub fn run(cx: &Context<'_>, out: &mut Vec<Diagnostic>) {
    let p = cx.policy;
    // Members of privileged groups first as anyone the policy does not
    // name; per group only when the whole scope fails, which keeps the
    // common case (it holds) to one proof.
    if cx
        .refute(Scope::Privileged, true, REQUIRED, Users::Unnamed)
        .is_some()
    {
        for (id, rule) in p.rules.iter().enumerate() {
            let Some(g) = rule.scope.single_group() else {
                continue;
            };
            if rule.privileged.is_none() {
                continue;
            }
            let scope = Scope::MembersOf(g.to_string());
            if let Some(r) = cx.refute(scope, true, REQUIRED, Users::Unnamed) {
                let message = format!("a member of privileged {} gets {}", rule, r.what);
                out.push(finding(cx, id, r, message));
            }
        }
    }
    for (id, rule) in p.rules.iter().enumerate() {
        let Some(u) = rule.scope.single_user() else {
            continue;
        };
        if rule.break_glass.is_some() {
            if let Some(r) = cx.refute(Scope::User(u.to_string()), true, REQUIRED, Users::All) {
                let message = format!("break-glass {} gets {}", rule, r.what);
                out.push(finding(cx, id, r, message));
            }
        } else if in_privileged_group(cx, u) && lowers(cx, id) {
            // The directory shows the membership: W019's concern is real.
            if let Some(r) = cx.refute(
                Scope::Privileged,
                true,
                REQUIRED,
                Users::Only(u.to_string()),
            ) {
                let message = format!(
                    "{} is in a privileged group in the directory, and its rule gives it {}",
                    rule, r.what
                );
                out.push(finding(cx, id, r, message));
            }
        }
    }
}

/// The finding at the rule's enforcement as it stood then (the phase in
/// force that set it, else the rule's own field, else its subject).
fn finding(cx: &Context<'_>, id: RuleId, r: crate::check::Refuted, message: String) -> Diagnostic {
    let at = r.counterexample.at;
    let span = cx.span_of(id, at, |f| f.enforcement.map(|e| e.span));
    let d = Diagnostic::new(&INFO, span, message)
        .label("below `required` for this login")
        .counterexample(r.report);
    // Certain only where the rule's own field (or its phase's) sets the
    // level below `required`: then `required` there is the fix.
    let own = cx.policy.effective(id, at).enforcement;
    let written = cx
        .policy
        .rules
        .get(id)
        .is_some_and(|rule| rule.span != span);
    match own {
        Some(level) if written && level < Level::Required => d.fix(
            "Set `enforcement required`",
            vec![(span, "enforcement required".to_string())],
        ),
        _ => d,
    }
}

/// Does the directory (with `--directory`) put this user in a privileged group?
pub(crate) fn in_privileged_group(cx: &Context<'_>, user: &str) -> bool {
    let Some(d) = cx.directory else { return false };
    let policy = cx.compiled();
    d.users.iter().filter(|x| x.id == user).any(|x| {
        x.groups
            .iter()
            .any(|g| policy.group_rule_infos(g).iter().any(|(_, r)| r.privileged))
    })
}

/// Does the rule (or a phase of it) set enforcement below `required`?
pub(crate) fn lowers(cx: &Context<'_>, id: RuleId) -> bool {
    let Some(rule) = cx.policy.rules.get(id) else {
        return false;
    };
    let phases = rule
        .rollout
        .and_then(|r| cx.policy.rollouts.get(r))
        .map(|r| r.phases.iter().map(|p| &p.fields).collect::<Vec<_>>())
        .unwrap_or_default();
    std::iter::once(&rule.fields)
        .chain(phases)
        .any(|f| f.enforcement.is_some_and(|e| e.value < Level::Required))
}
