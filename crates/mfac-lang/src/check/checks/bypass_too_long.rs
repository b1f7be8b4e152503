//! E036 `bypass-too-long`: the policy lets the helpdesk grant a bypass
//! longer than an exemption may last.

use crate::check::{CheckInfo, Context};
use crate::diagnostic::{Diagnostic, Severity};
use crate::policy::format_duration;

pub const INFO: CheckInfo = CheckInfo {
    code: "E036",
    name: "bypass-too-long",
    severity: Severity::Error,
    summary: "`bypass max` is longer than the policy's `max_exemption` (default 30d)",
    help: "lower `bypass max` (a day covers a lost device), or raise `max_exemption` deliberately at the top of the policy",
    doc: "Why: a run-time bypass is an exemption nobody reviewed in a pull request. It must not outlast what a reviewed exemption may.\n\nExample:\n    bypass max 60d\n\nFix: `bypass max 24h`.",
};

pub fn run(cx: &Context<'_>, out: &mut Vec<Diagnostic>) {
    let Some(b) = &cx.policy.bypass else { return };
    let max = cx.policy.max_exemption;
    if b.max > max {
        out.push(
            Diagnostic::new(
                &INFO,
                b.span,
                format!(
                    "a bypass may last {}, longer than `max_exemption` {}",
                    format_duration(b.max),
                    format_duration(max)
                ),
            )
            .label("too long"),
        );
    }
}
