//! Whatever the text and wherever the cursor, every request gets an
//! answer, never an error, and the server stays up: random runs of policy
//! words, quotes, braces and line breaks (half-typed policies, mostly
//! broken), at random positions, some past the end.

#![allow(
    clippy::unwrap_used,
    clippy::expect_used,
    clippy::panic,
    clippy::indexing_slicing
)]

mod common;
use common::*;
use lsp_types::request::{self as req, Request as _};
use proptest::prelude::*;
use serde_json::json;

const PIECES: [&str; 24] = [
    "default",
    "group",
    "\"Admins\"",
    "{",
    "}",
    " ",
    "\n",
    "enforcement",
    "required",
    "factors",
    "webauthn",
    "|",
    "totp",
    "includes",
    "rule",
    "for",
    "members of group",
    "except",
    "assert",
    "always",
    "strength s = ",
    "é",
    "# mfac: allow(W002)",
    "\"",
];

proptest! {
    #![proptest_config(ProptestConfig { cases: 48, ..ProptestConfig::default() })]

    #[test]
    fn every_request_is_answered_without_an_error(
        words in proptest::collection::vec(0..PIECES.len(), 0..60),
        places in proptest::collection::vec((0u32..12, 0u32..40), 1..6),
    ) {
        let text: String = words.iter().map(|&i| PIECES[i]).collect::<Vec<_>>().join(" ");
        let mut c = Client::start();
        let u = uri("any.mfa");
        c.open(&u, &text);
        let doc = json!({"uri": u.as_str()});
        for (line, character) in places {
            let at = json!({"textDocument": doc, "position": {"line": line, "character": character}});
            c.raw(req::HoverRequest::METHOD, at.clone());
            c.raw(req::Completion::METHOD, at.clone());
            c.raw(req::GotoDefinition::METHOD, at.clone());
            c.raw(req::PrepareRenameRequest::METHOD, at.clone());
            c.raw(req::References::METHOD, json!({"textDocument": doc, "position": at["position"], "context": {"includeDeclaration": true}}));
            let range = json!({"start": at["position"], "end": at["position"]});
            c.raw(req::CodeActionRequest::METHOD, json!({"textDocument": doc, "range": range, "context": {"diagnostics": []}}));
        }
        c.raw(req::CodeLensRequest::METHOD, json!({"textDocument": doc}));
        c.raw(req::DocumentSymbolRequest::METHOD, json!({"textDocument": doc}));
        c.raw(req::Formatting::METHOD, json!({"textDocument": doc, "options": {"tabSize": 2, "insertSpaces": true}}));
    }
}
