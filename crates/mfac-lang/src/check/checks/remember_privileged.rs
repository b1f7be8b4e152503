//! W005 `remember-privileged`: a member of a privileged group can skip MFA
//! inside a remember window, by any route.

use crate::check::{CheckInfo, Context};
use crate::diagnostic::{Diagnostic, Severity};
use mfac_prove::Condition;

pub const INFO: CheckInfo = CheckInfo {
    code: "W005",
    name: "remember-privileged",
    severity: Severity::Warning,
    summary: "a privileged group's members may skip MFA inside a remember window (from any rule that applies to them)",
    help: "use `remember never` for privileged groups",
    doc: "Why: a remember window lets a login through without a second factor. For admin accounts that window is exactly what a session thief needs. The check proves it over what members get (a window from the default, another group, a user rule, an app or a rollout phase counts), and shows a login that gets one.\n\nExample:\n    group \"Administrators\" { privileged enforcement required remember 8h }\n\nFix: `remember never`.",
};

pub fn run(cx: &Context<'_>, out: &mut Vec<Diagnostic>) {
    let claim = super::MembersClaim {
        info: &INFO,
        always: true,
        condition: Condition::RememberNever,
        field: crate::policy::Field::Remember,
        label: "MFA skipped inside the window",
    };
    super::privileged_members(cx, &claim, out);
}
