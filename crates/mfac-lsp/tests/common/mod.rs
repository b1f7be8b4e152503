//! A minimal LSP client over lsp-server's in-memory connection, for the
//! protocol tests and the latency benchmark: it starts the real server on a
//! thread, sends requests and notifications, and waits for answers and
//! published diagnostics.

#![allow(dead_code)]

use lsp_server::{Connection, Message, Notification, Request, RequestId, Response};
use lsp_types::notification::{self as note, Notification as _};
use lsp_types::request as req;
use lsp_types::*;
use serde_json::{json, Value};
use std::time::Duration;

pub struct Client {
    pub conn: Connection,
    next: i32,
    server: Option<std::thread::JoinHandle<()>>,
    /// Notifications the server sent while a response was awaited.
    pub seen: Vec<Notification>,
}

const WAIT: Duration = Duration::from_secs(120);

impl Client {
    pub fn start() -> Client {
        let (server, conn) = Connection::memory();
        let handle = std::thread::spawn(move || mfac_lsp::serve(&server).unwrap());
        let mut c = Client {
            conn,
            next: 0,
            server: Some(handle),
            seen: Vec::new(),
        };
        let init: InitializeResult =
            serde_json::from_value(c.raw("initialize", json!({"capabilities": {}}))).unwrap();
        assert!(init.capabilities.hover_provider.is_some());
        assert_eq!(init.server_info.map(|i| i.name).as_deref(), Some("mfac"));
        c.notify::<note::Initialized>(InitializedParams {});
        c
    }

    pub fn send_request(&mut self, method: &str, params: Value) -> RequestId {
        self.next += 1;
        let id = RequestId::from(self.next);
        self.conn
            .sender
            .send(Message::Request(Request {
                id: id.clone(),
                method: method.into(),
                params,
            }))
            .unwrap();
        id
    }

    pub fn response(&mut self, id: &RequestId) -> Response {
        loop {
            match self
                .conn
                .receiver
                .recv_timeout(WAIT)
                .expect("the server answers")
            {
                Message::Response(r) if &r.id == id => return r,
                Message::Notification(n) => self.seen.push(n),
                _ => {}
            }
        }
    }

    /// A request's result, which must not be an error.
    pub fn raw(&mut self, method: &str, params: Value) -> Value {
        let id = self.send_request(method, params);
        match self.response(&id).response_result {
            Ok(v) => v,
            Err(e) => panic!("{method}: error {} {}", e.code, e.message),
        }
    }

    pub fn request<R: req::Request>(&mut self, params: R::Params) -> R::Result {
        serde_json::from_value(self.raw(R::METHOD, serde_json::to_value(params).unwrap())).unwrap()
    }

    pub fn notify<N: note::Notification>(&mut self, params: N::Params) {
        self.conn
            .sender
            .send(Message::Notification(Notification::new(
                N::METHOD.into(),
                params,
            )))
            .unwrap();
    }

    /// The diagnostics published for `version` of `uri` (earlier versions
    /// may be skipped by the server; this one must come).
    pub fn diagnostics(&mut self, uri: &Uri, version: i32) -> Vec<Diagnostic> {
        let matches = |n: &Notification| {
            n.method == note::PublishDiagnostics::METHOD
                && serde_json::from_value::<PublishDiagnosticsParams>(n.params.clone())
                    .is_ok_and(|p| &p.uri == uri && p.version == Some(version))
        };
        if let Some(i) = self.seen.iter().position(matches) {
            let n = self.seen.remove(i);
            return serde_json::from_value::<PublishDiagnosticsParams>(n.params)
                .unwrap()
                .diagnostics;
        }
        loop {
            match self
                .conn
                .receiver
                .recv_timeout(WAIT)
                .expect("diagnostics are published")
            {
                Message::Notification(n) if matches(&n) => {
                    return serde_json::from_value::<PublishDiagnosticsParams>(n.params)
                        .unwrap()
                        .diagnostics
                }
                Message::Notification(n) => self.seen.push(n),
                other => panic!("unexpected {other:?}"),
            }
        }
    }

    pub fn open(&mut self, uri: &Uri, text: &str) -> Vec<Diagnostic> {
        self.notify::<note::DidOpenTextDocument>(DidOpenTextDocumentParams {
            text_document: TextDocumentItem::new(uri.clone(), "mfa".into(), 1, text.into()),
        });
        self.diagnostics(uri, 1)
    }

    /// The hover at a place, as its markdown text.
    pub fn hover(&mut self, uri: &Uri, line: u32, character: u32) -> Option<String> {
        let h = self.request::<req::HoverRequest>(HoverParams {
            text_document_position_params: at(uri, line, character),
            work_done_progress_params: Default::default(),
        })?;
        match h.contents {
            HoverContents::Markup(m) => Some(m.value),
            other => panic!("{other:?}"),
        }
    }

    pub fn lenses(&mut self, uri: &Uri) -> Vec<CodeLens> {
        self.request::<req::CodeLensRequest>(CodeLensParams {
            text_document: TextDocumentIdentifier::new(uri.clone()),
            work_done_progress_params: Default::default(),
            partial_result_params: Default::default(),
        })
        .unwrap_or_default()
    }

    /// The code actions offered on a diagnostic.
    pub fn code_actions(&mut self, uri: &Uri, d: &Diagnostic) -> Vec<CodeActionOrCommand> {
        self.request::<req::CodeActionRequest>(CodeActionParams {
            text_document: TextDocumentIdentifier::new(uri.clone()),
            range: d.range,
            context: CodeActionContext {
                diagnostics: vec![d.clone()],
                only: None,
                trigger_kind: None,
            },
            work_done_progress_params: Default::default(),
            partial_result_params: Default::default(),
        })
        .unwrap_or_default()
    }

    pub fn change(&mut self, uri: &Uri, version: i32, range: Option<Range>, text: &str) {
        self.notify::<note::DidChangeTextDocument>(DidChangeTextDocumentParams {
            text_document: VersionedTextDocumentIdentifier::new(uri.clone(), version),
            content_changes: vec![TextDocumentContentChangeEvent {
                range,
                range_length: None,
                text: text.into(),
            }],
        });
    }
}

impl Drop for Client {
    fn drop(&mut self) {
        if std::thread::panicking() {
            return;
        }
        let id = self.send_request("shutdown", Value::Null);
        self.response(&id);
        self.notify::<note::Exit>(());
        if let Some(h) = self.server.take() {
            h.join().unwrap();
        }
    }
}

pub fn uri(name: &str) -> Uri {
    format!("untitled:{name}").parse().unwrap()
}

pub fn at(uri: &Uri, line: u32, character: u32) -> TextDocumentPositionParams {
    TextDocumentPositionParams::new(
        TextDocumentIdentifier::new(uri.clone()),
        Position::new(line, character),
    )
}

/// The position of the `n`th (0-based) occurrence of `needle`, plus `into` characters.
pub fn find(text: &str, needle: &str, n: usize, into: u32) -> (u32, u32) {
    let offset = text.match_indices(needle).nth(n).unwrap().0;
    let before = &text[..offset];
    let line = before.matches('\n').count() as u32;
    let col = before.rsplit('\n').next().unwrap().chars().count() as u32;
    (line, col + into)
}

pub fn position_of_end(text: &str) -> Position {
    let line = text.matches('\n').count() as u32;
    let last = text.rsplit('\n').next().unwrap_or("");
    Position::new(line, last.encode_utf16().count() as u32)
}
