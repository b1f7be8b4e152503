//! mfac-bridge: the identity providers' own policy formats, read into
//! `.mfa` policies and written back.
//!
//! [`source`] reads the JSON as the providers' tools write it (UTF-16 with
//! a byte-order mark, CRLF, `@odata.*` keys, one object, an array or a
//! `{"value": [...]}` list) into documents, each with the file and the JSON
//! pointer that every import diagnostic names.

#![forbid(unsafe_code)]

pub mod entra;
pub mod finding;
pub mod keycloak;
pub mod okta;
pub mod source;
pub mod write;
