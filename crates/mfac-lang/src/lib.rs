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
mod groups;
pub mod names;
pub mod policy;
pub mod profiles;
pub mod syntax;

// The core modules the language reads and reports with, under the paths
// its code uses.
use mfac_core::{diagnostic, directory, eval, source, time};

use policy::CheckedPolicy;

/// Policy text, or a checked policy, to the evaluator of `mfac-core`. A
/// trait so that `Policy::compile(name, text)` reads as it always has,
/// while the evaluator's crate knows nothing of the language. It sits at the
/// top of the language crate: it runs the checker, then the lowering.
pub trait Compile: Sized {
    /// Check and compile policy text. Warnings are dropped; errors are returned.
    fn compile(name: &str, text: &str) -> Result<Self, diagnostic::Diagnostics>;
    /// Compile a policy that has been checked.
    fn from_checked(p: &CheckedPolicy) -> Self;
}

impl Compile for mfac_core::Policy {
    fn compile(name: &str, text: &str) -> Result<Self, diagnostic::Diagnostics> {
        let source = source::SourceFile::new(name, text);
        let outcome = check::check(&source, &check::CheckOptions::default());
        match outcome.policy {
            Some(p) => Ok(compile::policy(&p)),
            None => Err(outcome.diagnostics),
        }
    }

    fn from_checked(p: &CheckedPolicy) -> Self {
        compile::policy(p)
    }
}
