//! Stage 1: text to syntax tree, and the one token stream the formatter
//! and the suppression comments read.

pub mod codes;
mod errors;
mod parse;
pub mod tokens;
pub mod tree;

pub use parse::{parse, profile_arg, read, Read};
pub use tokens::{BlockOutline, Outline, Token, TokenKind};
pub use tree::*;
