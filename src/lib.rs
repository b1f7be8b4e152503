//! mfac: MFA enforcement policy as code.
//!
//! The pipeline, one module per stage:
//!
//! 1. [`syntax`]: text to syntax tree (pest), every node with its span.
//! 2. [`check`]: syntax tree to [`policy::CheckedPolicy`], and every check,
//!    each with a stable code ([`check::REGISTRY`]).
//! 3. [`compile`]: checked policy to flat tables ([`compile::Tables`]),
//!    written by `mfac compile` as versioned JSON.
//! 4. [`eval`]: the login-time decision over those tables ([`Policy::decide`]).
//!
//! An identity service embeds the last two:
//!
//! ```
//! use mfac::{Factor, LoginContext, Outcome, Policy};
//!
//! let policy = Policy::compile("acme.mfa", r#"
//!     default { enforcement optional factors webauthn | totp }
//!     group "Administrators" { privileged enforcement required factors webauthn remember never }
//!     user "breakglass@acme.test" { break_glass enforcement required factors webauthn recovery backup_code }
//! "#).map_err(|d| d.to_string())?;
//!
//! let at = "2026-12-01T09:30:00Z".parse()?;
//! let groups = ["Administrators"];
//! let login = LoginContext::new("anita@acme.test", at).groups(&groups).enrolled(&[Factor::Totp]);
//! let decision = policy.decide(&login);
//! // Administrators need a security key; a TOTP app does not count.
//! assert_eq!(decision.outcome, Outcome::Enrol);
//! # Ok::<(), Box<dyn std::error::Error>>(())
//! ```

#![forbid(unsafe_code)]

pub mod check;
pub mod compile;
pub mod diagnostic;
pub mod diff;
pub mod directory;
pub mod eval;
pub mod fmt;
pub mod policy;
pub mod reference;
pub mod simulate;
pub mod source;
pub mod syntax;
pub mod time;

pub use diagnostic::{Diagnostic, Diagnostics, Severity};
pub use eval::{Decision, LastMfa, LoginContext, Outcome, Policy, Subject};
pub use policy::{Factor, FactorSet, Level};
pub use source::SourceFile;
