//! E001 `syntax`: the text is not a policy: a word or mark is missing, misspelt or out of place

// Defined beside the parser, which reports it, so that syntax needs nothing
// from the checker; listed here so the registry stays one table.
pub use crate::syntax::codes::SYNTAX as INFO;
