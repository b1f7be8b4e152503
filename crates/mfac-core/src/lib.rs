//! mfac-core: the bottom layer of mfac, what an identity service embeds.
//!
//! The policy model ([`policy`]), the compiled tables ([`compile`]) and the
//! login-time decision over them ([`eval`]), the time forms people write
//! ([`time`]), and the plain data the layers above report with
//! ([`diagnostic`], [`source`], [`directory`]). It depends on serde, jiff,
//! rustc-hash, thiserror and unicode-normalization only: no parser, no graph library, no file
//! readers, no terminal.

#![forbid(unsafe_code)]

pub mod compile;
pub mod diagnostic;
pub mod directory;
pub mod eval;
pub mod name;
pub mod policy;
pub mod read;
pub mod source;
pub mod time;
pub mod wire;

pub use diagnostic::{CheckInfo, Diagnostic, Diagnostics, Severity};
pub use eval::{Decision, LastMfa, LoginContext, Outcome, Policy, Subject};
pub use policy::{Factor, FactorSet, Level};
pub use source::SourceFile;
