//! mfac: MFA enforcement policy as code.
//!
//! The pipeline, one module per stage, in layers that only look down:
//!
//! 1. [`syntax`]: text to syntax tree (pest), every node with its span.
//! 2. [`check`]: syntax tree to [`policy::CheckedPolicy`], and every check,
//!    each with a stable code ([`check::REGISTRY`]).
//! 3. [`compile`]: checked policy to flat tables ([`compile::Tables`]),
//!    written by `mfac compile` as versioned JSON.
//! 4. [`eval`]: the login-time decision over those tables ([`Policy::decide`]).
//!
//! Stages 1-3 are the crate `mfac-lang`; stage 4 and the model it shares
//! with the others is `mfac-core`, which an identity service can embed on
//! its own; [`directory`], [`simulate`] and [`diff`] are `mfac-analysis`.
//!
//! An identity service embeds the last two:
//!
//! ```
//! use mfac::{Compile, Factor, LoginContext, Outcome, Policy};
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

// The layers, re-exported under the paths embedders and the binary use.
pub use mfac_analysis::{diff, directory, policy_tests, project, simulate};
pub use mfac_bridge as bridge;
pub use mfac_core::{diagnostic, eval, read, source, time, wire};
pub use mfac_lang::{check, compile, fmt, names, policy, profiles, syntax};
pub use mfac_prove as prove;

pub use mfac_core::{Decision, LastMfa, LoginContext, Outcome, Policy, Subject};
pub use mfac_core::{Diagnostic, Diagnostics, Severity};
pub use mfac_core::{Factor, FactorSet, Level, SourceFile};
pub use mfac_lang::Compile;
