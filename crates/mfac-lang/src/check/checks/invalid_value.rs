//! E016 `invalid-value`: a date, time or duration is well formed but impossible, such as `2026-02-30`

use crate::check::CheckInfo;
use crate::diagnostic::Severity;

pub const INFO: CheckInfo = CheckInfo {
    code: "E016",
    name: "invalid-value",
    severity: Severity::Error,
    summary: "a date, time or duration is well formed but impossible, such as `2026-02-30`",
    help: "write a real date as `2026-12-15`, a time as `08:00`, a duration as `30m`, `1h` or `14d`",
    doc: "Why: an impossible date cannot be placed on the calendar, so rollouts and exemptions would have no meaning.\n\nExample:\n    exempt user \"bob@acme.test\" until 2026-02-30 reason \"lost device\"\n\nFix: `until 2026-02-28`.",
};
