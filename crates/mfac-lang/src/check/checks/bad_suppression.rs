//! W015 `bad-suppression`: an inline suppression that cannot be honoured.

use crate::check::CheckInfo;
use crate::diagnostic::Severity;

pub const INFO: CheckInfo = CheckInfo {
    code: "W015",
    name: "bad-suppression",
    severity: Severity::Warning,
    summary: "a `# mfac: allow(...)` comment has no reason, names no check or an unknown one, or tries to suppress an error",
    help: "write `# mfac: allow(W002) reason \"why this is accepted\"` naming warnings only",
    doc: "Why: a suppression records a decision to accept a finding; without a reason nobody can review that decision later. Errors cannot be suppressed: they mean the policy cannot be trusted to evaluate.\n\nExample:\n    # mfac: allow(W002)\n    group \"Beta Testers\" { enforcement optional }\n\nFix: `# mfac: allow(W002) reason \"kept so the group shows in reports\"`.",
};
