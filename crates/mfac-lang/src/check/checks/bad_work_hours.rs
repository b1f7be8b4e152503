//! E020 `bad-work-hours`: the calendar's work hours end before they start

use crate::check::CheckInfo;
use crate::diagnostic::Severity;

pub const INFO: CheckInfo = CheckInfo {
    code: "E020",
    name: "bad-work-hours",
    severity: Severity::Error,
    summary: "the calendar's work hours end before they start",
    help: "write the start first, e.g. `work_hours mon-fri 08:00-18:00`",
    doc: "Why: time contexts for `remember ... same_context` come from the work hours; an empty day makes every time after hours.\n\nExample:\n    calendar { work_hours mon-fri 18:00-08:00 }\n\nFix: `work_hours mon-fri 08:00-18:00`.",
};
