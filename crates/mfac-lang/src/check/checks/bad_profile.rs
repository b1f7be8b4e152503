//! E034 `bad-profile`: `comply` names a profile mfac does not have, or a
//! parameter the profile does not take.

use crate::check::CheckInfo;
use crate::diagnostic::Severity;

pub const INFO: CheckInfo = CheckInfo {
    code: "E034",
    name: "bad-profile",
    severity: Severity::Error,
    summary: "`comply` names a compliance profile mfac does not have, or a parameter that profile does not take",
    help: "the profiles are `cisa-scuba-aad`, `maester`, `nist-800-63b` and `pci-dss-4.0`; `mfac explain PROFILE` lists each one's parameters",
    doc: "Why: a profile that is not applied proves nothing, and a parameter it ignores (a `cde` app on a profile without one) would look like a control that holds.\n\nExample:\n    comply \"pci-dss-3.2\"\n    comply \"cisa-scuba-aad\" { cde app \"Payments\" }\n\nFix: `comply \"pci-dss-4.0\" { cde app \"Payments\" }`.",
};
