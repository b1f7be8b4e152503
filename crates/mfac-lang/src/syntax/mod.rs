//! Stage 1: text to syntax tree.

pub mod codes;
mod parse;
pub mod tree;

pub use parse::parse;
pub use tree::*;
