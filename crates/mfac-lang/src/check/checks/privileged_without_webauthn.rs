//! W013 `privileged-without-webauthn`: with `--directory`, a member of a
//! privileged group, or a break-glass user, with no `webauthn` enrolled.

use crate::check::{CheckInfo, Context};
use crate::diagnostic::{Diagnostic, Severity};
use crate::policy::Factor;
use std::collections::BTreeMap;

pub const INFO: CheckInfo = CheckInfo {
    code: "W013",
    name: "privileged-without-webauthn",
    severity: Severity::Warning,
    summary: "(with --directory) a member of a privileged group, or a break-glass user, has no phishing-resistant factor (`webauthn`) enrolled",
    help: "have these users enrol a security key or passkey before the rules that protect them tighten",
    doc: "Why: privileged accounts are what phishing kits go after. A privileged member who can answer MFA only with totp or sms is one relay away from an attacker, and if the policy requires webauthn for the group they are locked out the day it applies.\n\nExample:\n    group \"Admins\" { privileged enforcement required factors webauthn | totp }\n    (directory: ann is in Admins with only totp)\n\nFix: have ann enrol a passkey; then tighten `factors webauthn`.",
};

pub fn run(cx: &Context<'_>, out: &mut Vec<Diagnostic>) {
    let Some(dir) = cx.directory else { return };
    let policy = cx.compiled();
    // Privileged or break-glass rule -> users it covers without webauthn.
    let mut found: BTreeMap<usize, Vec<&str>> = BTreeMap::new();
    for user in dir
        .users
        .iter()
        .filter(|u| !u.factors.contains(Factor::Webauthn))
    {
        let groups: Vec<&str> = user.groups.iter().map(|g| &**g).collect();
        let rules = policy.rules_for(&user.id, &groups);
        // Compiled rule ids are the checked policy's rule ids.
        let marked = rules.iter().find(|(_, r)| r.privileged || r.break_glass);
        if let Some(&(id, _)) = marked {
            found.entry(id).or_default().push(&user.id);
        }
    }
    for (id, users) in found {
        let Some(rule) = cx.policy.rules.get(id) else {
            continue;
        };
        // A group has members; a break-glass user rule is about one person.
        let (message, label, help) = match rule.scope.single_user() {
            Some(u) => (
                format!("break-glass user `{u}` has no webauthn enrolled"),
                "break-glass",
                "have this user enrol a security key (kept offline): a break-glass account that cannot answer a phishing-resistant factor is no way in when the admins are locked out",
            ),
            None => (
                format!(
                    "privileged {}: {} no webauthn enrolled: {}",
                    rule,
                    match users.len() {
                        1 => "1 member has".to_string(),
                        n => format!("{n} members have"),
                    },
                    crate::check::some_users(&users, 5)
                ),
                "privileged",
                INFO.help,
            ),
        };
        out.push(
            Diagnostic::new(&INFO, rule.span, message)
                .label(label)
                .help(help),
        );
    }
}
