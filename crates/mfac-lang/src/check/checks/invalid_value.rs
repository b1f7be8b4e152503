//! E016 `invalid-value`: a date, time or duration is well formed but impossible, such as `2026-02-30`

// Defined beside the parser, which reports it, so that syntax needs nothing
// from the checker; listed here so the registry stays one table.
pub use crate::syntax::codes::INVALID_VALUE as INFO;
