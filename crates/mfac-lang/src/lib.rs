//! mfac-lang: the policy language, above `mfac-core`.
//!
//! 1. [`syntax`]: text to syntax tree (pest), every node with its span.
//! 2. [`check`]: syntax tree to [`policy::CheckedPolicy`], and every check,
//!    each with a stable code ([`check::REGISTRY`]).
//! 3. [`compile`]: checked policy to the flat tables `mfac-core` evaluates.
//! 4. [`fmt`]: the canonical layout of a policy file.

#![forbid(unsafe_code)]

pub mod check;
pub mod compile;
pub mod fmt;
pub mod policy;
pub mod syntax;

pub use compile::Compile;
// The core modules the language reads and reports with, under the paths
// its code uses.
use mfac_core::{diagnostic, directory, eval, source, time};
