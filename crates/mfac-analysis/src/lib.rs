//! mfac-analysis: what mfac says about a policy over many logins, above the
//! language: real users from directory files ([`directory`]), a change
//! simulated over them ([`simulate`]), and the semantic diff of two
//! versions ([`diff`]), policy unit tests ([`policy_tests`]), and a
//! project's `mfac.toml` ([`project`]).

#![forbid(unsafe_code)]

mod bytes;
pub mod diff;
pub mod directory;
mod json_keys;
pub mod policy_tests;
pub mod project;
pub mod simulate;
