//! Test support for mfac (not published): the reference evaluator, written
//! from the design's text and sharing no decision code with `mfac-core`.

#![forbid(unsafe_code)]

pub mod entra;
pub mod generate;
pub mod reference;
pub mod service;
pub mod sized;
