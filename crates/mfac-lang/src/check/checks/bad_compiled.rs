//! E024 `bad-compiled-policy`: a compiled policy cannot be used.

use crate::check::CheckInfo;
use crate::diagnostic::Severity;

pub const INFO: CheckInfo = CheckInfo {
    code: "E024",
    name: "bad-compiled-policy",
    severity: Severity::Error,
    summary: "a compiled policy (`mfac compile` output) is damaged, of another format version, or not mfac's",
    help: "recompile the policy with `mfac compile POLICY -o OUT.json`",
    doc: "Why: a damaged or foreign table could decide logins in ways no policy says. mfac refuses it (exit 2) rather than guess, so the running service keeps its previous policy.\n\nExample:\n    {\"format\": \"mfac-compiled\", \"version\": 0, ...}\n\nFix: `mfac compile policies/acme.mfa -o acme.json` with this version of mfac.",
};
