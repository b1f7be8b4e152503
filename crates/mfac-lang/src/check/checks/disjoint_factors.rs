//! W008 `disjoint-factors`: some set of groups (of any size) that one user
//! could hold together leaves a login with no allowed factor.

use crate::check::{CheckInfo, Context};
use crate::diagnostic::{Diagnostic, Severity};
use mfac_prove::{Condition, Scope, Users};

pub const INFO: CheckInfo = CheckInfo {
    code: "W008",
    name: "disjoint-factors",
    severity: Severity::Warning,
    summary: "a set of groups one user could hold together (of any size, with the default, a user rule or an app) leaves MFA required or optional with no allowed factor",
    help: "give the groups a factor in common, or make sure no one can be in all of them",
    doc: "Why: when one person is in several groups, the allowed factors are intersected (in both precedence modes, groups combine most-restrictively), and an app's factors on top; when nothing is left that person is denied at every MFA login. Three groups can share no factor all together even when every two of them share one, so the check searches every combination, and reports the smallest that locks someone out. A single rule that allows no factor on its own (or with the default) is E013's.\n\nExample:\n    group \"Contractors\" { factors sms }\n    group \"Finance\" { factors webauthn }\n\nFix: `group \"Contractors\" { factors sms | totp }` and `group \"Finance\" { factors webauthn | totp }`.",
};

pub fn run(cx: &Context<'_>, out: &mut Vec<Diagnostic>) {
    let Some(r) = cx.refute(Scope::Everyone, false, Condition::FactorsNone, Users::All) else {
        return;
    };
    let c = &r.counterexample;
    // One group alone (with the default) is E013's finding.
    if c.groups.len() < 2 && c.app.is_none() && c.user.is_none() {
        return;
    }
    let policy = cx.policy;
    // The rules that set factors for this login: its groups', then the
    // user's and the app's. Point at the last, and at the others as related.
    let subjects = c
        .groups
        .iter()
        .map(|g| crate::policy::Scope::group(g))
        .chain(c.user.iter().map(|u| crate::policy::Scope::user(u)))
        .chain(c.app.iter().map(|a| crate::policy::Scope::app(a)));
    let factors_span = |id| cx.span_of(id, c.at, |f| f.factors.map(|x| x.span));
    let rules: Vec<_> = subjects
        .filter_map(|s| policy.rule_for(&s))
        .filter(|&id| policy.effective(id, c.at).factors.is_some())
        .collect();
    let Some((&last, others)) = rules.split_last() else {
        return;
    };
    let (span, others) = (factors_span(last), others.to_vec());
    let mut d = Diagnostic::new(&INFO, span, format!("{} gets {}", r.report.who(), r.what))
        .label("no factor left in common")
        .counterexample(r.report.clone());
    for id in others {
        d = d.related(
            factors_span(id),
            format!("the factors of {}", cx.subject(id)),
        );
    }
    out.push(d);
}
