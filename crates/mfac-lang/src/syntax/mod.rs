//! Stage 1: text to syntax tree, and the one token stream the formatter
//! and the suppression comments read.

pub mod codes;
mod complete;
mod errors;
mod literals;
mod parse;
mod recover;
pub mod tokens;
pub mod tree;

pub use complete::{fits_at, keywords, Fits};
pub use parse::{parse, profile_arg, read, Read};
pub use recover::{read_recovering, Recovered};
pub use tokens::{BlockOutline, Outline, Token, TokenKind};
pub use tree::*;
