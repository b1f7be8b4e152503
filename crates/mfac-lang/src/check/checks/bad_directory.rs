//! E021 `bad-directory`: a directory file that cannot be read.

use crate::check::CheckInfo;
use crate::diagnostic::Severity;

pub const INFO: CheckInfo = CheckInfo {
    code: "E021",
    name: "bad-directory",
    severity: Severity::Error,
    summary: "a directory file cannot be read: malformed, an unknown field, a duplicate id or an unknown factor kind",
    help: "a directory lists `users`, each with `id`, `groups` and `factors` (enrolled factor kinds)",
    doc: "Why: checks and simulations are only as good as the users they run on; a silently skipped row would hide exactly the user who gets locked out.\n\nExample (YAML):\n    users:\n      - id: anita@acme.test\n        groups: [Administrators]\n        factor: [totp]      # misspelt field\n\nFix: `factors: [totp]`.",
};
