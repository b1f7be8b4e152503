//! mfac-lsp: `mfac lsp`, the language server of `.mfa` policies.
//!
//! Everything it says comes from the library, not from a second
//! implementation: diagnostics are `mfac_lang::check::check` on the unsaved
//! text, formatting is `mfac_lang::fmt`, hover decides with the compiled
//! evaluator, and the names it navigates come from the one syntax tree.
//!
//! Two threads. The main one reads the editor's messages and answers the
//! requests from the current text, parsed once per version, and from the
//! last check. The checker thread ([`analysis`]) checks the latest version
//! of each document, skipping versions typed past, so a slow proof never
//! holds up a hover.

#![forbid(unsafe_code)]

mod actions;
mod analysis;
mod capabilities;
mod complete;
mod convert;
mod document;
mod hover;
mod lens;
mod names;
mod navigate;
mod position;
mod project;
mod server;
mod symbols;
mod view;

use lsp_server::{Connection, Message};
use std::sync::Arc;

/// Where the server's own messages go (responses, diagnostics, messages to
/// show): the connection's sender, shared with the checker thread.
pub type Out = Arc<dyn Fn(Message) + Send + Sync>;

/// Why the server stopped other than by the editor's `shutdown` and `exit`.
#[derive(Debug)]
pub struct ServeError(String);

impl std::fmt::Display for ServeError {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        f.write_str(&self.0)
    }
}

impl std::error::Error for ServeError {}

/// Serve over standard input and output until the editor says `exit`.
pub fn serve_stdio() -> Result<(), ServeError> {
    let (connection, io) = Connection::stdio();
    serve(&connection)?;
    drop(connection);
    io.join()
        .map_err(|e| ServeError(format!("the editor's connection broke: {e}")))
}

/// Serve one connection: the initialize handshake, then every message until
/// `shutdown` (or the editor goes away).
pub fn serve(connection: &Connection) -> Result<(), ServeError> {
    let refused =
        |e: lsp_server::ProtocolError| ServeError(format!("the editor did not initialize: {e}"));
    let (id, _) = connection.initialize_start().map_err(refused)?;
    let result = lsp_types::InitializeResult {
        capabilities: capabilities::server(),
        server_info: Some(lsp_types::ServerInfo {
            name: "mfac".to_string(),
            version: Some(env!("CARGO_PKG_VERSION").to_string()),
        }),
    };
    let result = serde_json::to_value(result).map_err(|e| ServeError(e.to_string()))?;
    connection.initialize_finish(id, result).map_err(refused)?;
    server::run(connection)
}
