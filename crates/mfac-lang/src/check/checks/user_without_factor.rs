//! E014 `user-without-factor`: with `--directory`, a real user whose
//! applicable rules leave no allowed factor.

use crate::check::{CheckInfo, Context};
use crate::diagnostic::{Diagnostic, Severity};
use crate::eval::LoginContext;
use crate::policy::Level;
use std::collections::BTreeMap;

pub const INFO: CheckInfo = CheckInfo {
    code: "E014",
    name: "user-without-factor",
    severity: Severity::Error,
    summary: "(with --directory) a user's groups, user rule and apps together allow no factor",
    help: "give the groups this user holds together at least one factor in common",
    doc: "Why: rules that each make sense can still, for a person in several groups, intersect to nothing; that person is denied at every login that needs MFA. Only real group memberships show it.\n\nExample:\n    group \"Contractors\" { factors sms }\n    group \"Finance\" { factors webauthn }\n    (directory: ann is in both)\n\nFix: allow `totp` in both, or move ann out of one group.",
};

pub fn run(cx: &Context<'_>, out: &mut Vec<Diagnostic>) {
    let Some(dir) = cx.directory else { return };
    let policy = cx.compiled();
    let apps: Vec<Option<&str>> = std::iter::once(None)
        .chain(policy.apps().map(Some))
        .collect();
    // One finding per distinct set of rules that empties the factors.
    let mut found: BTreeMap<Vec<usize>, (Vec<&str>, Option<&str>)> = BTreeMap::new();
    for at in cx.epochs() {
        for user in &dir.users {
            let groups: Vec<&str> = user.groups.iter().map(|g| &**g).collect();
            for app in &apps {
                let ctx = LoginContext::new(&user.id, at).groups(&groups).app(*app);
                let d = policy.decide(&ctx);
                if d.enforcement != Level::Off && d.factors.is_empty() {
                    let rules: Vec<usize> = d.rules.iter().map(|r| r.id).collect();
                    let entry = found.entry(rules).or_insert((Vec::new(), *app));
                    if !entry.0.contains(&user.id.as_str()) {
                        entry.0.push(&user.id);
                    }
                }
            }
        }
    }
    for (rules, (users, app)) in found {
        let Some(&first) = rules.first() else {
            continue;
        };
        let span = cx
            .policy
            .rules
            .get(first)
            .map(|r| r.span)
            .unwrap_or_default();
        let who = crate::check::some_users(&users, 3);
        let via = app
            .map(|a| format!(" signing into `{a}`"))
            .unwrap_or_default();
        let mut d = Diagnostic::new(
            &INFO,
            span,
            format!(
                "{} user(s) left with no allowed factor{via}: {who}",
                users.len()
            ),
        )
        .label(format!("{} applies", cx.subject(first)));
        for id in rules.iter().skip(1) {
            if let Some(r) = cx.policy.rules.get(*id) {
                d = d.related(r.span, format!("{} applies too", r));
            }
        }
        out.push(d);
    }
}
