//! E019 `duplicate-declaration`: a one-per-policy declaration (precedence, timezone, calendar, work hours, max_exemption, max_remember, a strength) is written twice

use crate::check::CheckInfo;
use crate::diagnostic::Severity;

pub const INFO: CheckInfo = CheckInfo {
    code: "E019",
    name: "duplicate-declaration",
    severity: Severity::Error,
    summary: "a one-per-policy declaration (precedence, timezone, calendar, work hours, max_exemption, max_remember, a strength) is written twice",
    help: "keep one declaration",
    doc: "Why: the second would silently override the first.\n\nExample:\n    timezone \"UTC\"\n    timezone \"Europe/Berlin\"\n\nFix: keep the one you mean.",
};
