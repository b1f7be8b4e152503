//! W024 `privileged-bypass`: the policy lets the helpdesk switch MFA off
//! for privileged users.

use crate::check::{CheckInfo, Context};
use crate::diagnostic::{Diagnostic, Severity};

pub const INFO: CheckInfo = CheckInfo {
    code: "W024",
    name: "privileged-bypass",
    severity: Severity::Warning,
    summary: "`bypass ... privileged`: a helpdesk may let an administrator or break-glass user in without MFA",
    help: "drop `privileged` and re-enrol administrators through the break-glass procedure; if you keep it, watch `mfac audit --privileged-without-mfa`",
    doc: "Why: the helpdesk call \"I lost my phone, please let me in\" is the social-engineering attack on MFA. For an administrator it is the one that matters most.\n\nExample:\n    bypass max 24h privileged\n\nFix: `bypass max 24h`, and a break-glass user for the administrators.",
};

pub fn run(cx: &Context<'_>, out: &mut Vec<Diagnostic>) {
    let Some(b) = &cx.policy.bypass else { return };
    if b.privileged {
        out.push(
            Diagnostic::new(
                &INFO,
                b.span,
                "a helpdesk bypass may switch MFA off for privileged users",
            )
            .label("privileged users may be bypassed"),
        );
    }
}
