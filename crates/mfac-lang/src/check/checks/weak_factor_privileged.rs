//! W004 `weak-factor-privileged`: a member of a privileged group can answer
//! MFA with `sms` or `email`, by any route (the default, another group, a
//! user rule, an app, a rollout phase).

use crate::check::{CheckInfo, Context};
use crate::diagnostic::{Diagnostic, Severity};
use crate::policy::{Factor, FactorSet};
use mfac_prove::Condition;

pub const INFO: CheckInfo = CheckInfo {
    code: "W004",
    name: "weak-factor-privileged",
    severity: Severity::Warning,
    summary: "a privileged group's members may answer MFA with `sms` or `email` (through any rule that applies to them)",
    help: "restrict privileged groups to phishing-resistant factors, e.g. `factors webauthn`",
    doc: "Why: SMS codes can be stolen by SIM swapping and e-mail codes by mailbox takeover; both can be phished in real time. Accounts with admin rights deserve a phishing-resistant factor. The check proves it over what members get (the default, any other group they are in, user rules, apps, every rollout phase), and shows a login that gets a weak factor.\n\nExample:\n    group \"Administrators\" { privileged enforcement required factors totp | sms }\n\nFix: `factors webauthn` (or `webauthn | totp` while keys are rolled out).",
};

pub fn run(cx: &Context<'_>, out: &mut Vec<Diagnostic>) {
    let weak: FactorSet = [Factor::Sms, Factor::Email].into_iter().collect();
    let claim = super::MembersClaim {
        info: &INFO,
        always: false,
        condition: Condition::FactorsInclude(weak),
        field: crate::policy::Field::Factors,
        label: "weak factors reach its members",
    };
    super::privileged_members(cx, &claim, out);
}
