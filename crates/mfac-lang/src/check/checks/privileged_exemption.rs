//! W007 `privileged-exemption`: an exemption for a privileged user.

use crate::check::{CheckInfo, Context};
use crate::diagnostic::{Diagnostic, Severity};

pub const INFO: CheckInfo = CheckInfo {
    code: "W007",
    name: "privileged-exemption",
    severity: Severity::Warning,
    summary: "an exemption switches MFA off for a break-glass user or (with --directory) a member of a privileged group",
    help: "for a privileged user who lost a device, re-enrol them instead of exempting them; keep the exemption as short as possible",
    doc: "Why: an exempt admin signs in with a password alone. That is the account an attacker most wants, at the moment it is weakest.\n\nExample:\n    group \"Administrators\" { privileged enforcement required }\n    exempt user \"root@acme.test\" until 2026-12-10 reason \"lost key\"\n    (directory: root@acme.test is in Administrators)\n\nFix: issue a new key through the break-glass procedure, and delete the exemption.",
};

pub fn run(cx: &Context<'_>, out: &mut Vec<Diagnostic>) {
    let p = cx.policy;
    for e in &p.exemptions {
        let break_glass = p
            .rule_for(&crate::policy::Scope::user(&e.user))
            .and_then(|id| p.rules.get(id))
            .is_some_and(|r| r.break_glass.is_some());
        let privileged_group = cx
            .directory
            .and_then(|d| d.users.iter().find(|u| u.id == e.user))
            .and_then(|u| {
                u.groups
                    .iter()
                    .flat_map(|g| cx.groups.rules_for(g))
                    .filter_map(|id| p.rules.get(id))
                    .find(|r| r.privileged.is_some())
            });
        let why = match (break_glass, privileged_group) {
            (true, _) => "a break-glass user".to_string(),
            (false, Some(r)) => format!("a member of privileged {}", r),
            (false, None) => continue,
        };
        out.push(
            Diagnostic::new(&INFO, e.span, format!("exemption for `{}`, {why}", e.user))
                .label("privileged user exempt from MFA"),
        );
    }
}
