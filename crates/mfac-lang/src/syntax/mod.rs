//! Stage 1: text to syntax tree.

mod parse;
pub mod tree;

pub use parse::parse;
pub use tree::*;
