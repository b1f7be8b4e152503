//! The main thread: the editor's messages in order, requests answered from
//! the current text and the last check, stale requests cancelled.

use crate::analysis::{self, Job, Results};
use crate::document::{path_of, Document, Documents};
use crate::view::View;
use crate::{actions, complete, hover, lens, navigate, symbols, Out, ServeError};
use lsp_server::{
    Connection, ErrorCode, Message, Notification, Request, RequestId, Response, ResponseError,
};
use lsp_types::notification::{self as note, Notification as _};
use lsp_types::request::{self as req, Request as _};
use lsp_types::Uri;
use std::collections::{HashMap, VecDeque};
use std::sync::{mpsc, Arc};

pub struct Server {
    docs: Documents,
    views: HashMap<String, Arc<View>>,
    jobs: mpsc::Sender<Job>,
    results: Results,
    out: Out,
}

pub fn run(connection: &Connection) -> Result<(), ServeError> {
    let sender = connection.sender.clone();
    let out: Out = Arc::new(move |m| {
        // The editor has gone: nothing left to tell it.
        let _ = sender.send(m);
    });
    let results = Results::default();
    let (jobs, checker) = analysis::spawn(out.clone(), results.clone());
    let mut server = Server {
        docs: Documents::new(),
        views: HashMap::new(),
        jobs,
        results,
        out,
    };
    let ended = server.main_loop(connection);
    drop(server);
    let _ = checker.join();
    ended
}

impl Server {
    fn main_loop(&mut self, connection: &Connection) -> Result<(), ServeError> {
        let mut queue: VecDeque<Message> = VecDeque::new();
        loop {
            if queue.is_empty() {
                match connection.receiver.recv() {
                    Ok(m) => queue.push_back(m),
                    Err(_) => return Ok(()),
                }
            }
            while let Ok(m) = connection.receiver.try_recv() {
                queue.push_back(m);
            }
            let cancelled: Vec<RequestId> = queue.iter().filter_map(cancelled_id).collect();
            let Some(message) = queue.pop_front() else {
                continue;
            };
            match message {
                Message::Request(r) => {
                    let shutdown = connection
                        .handle_shutdown(&r)
                        .map_err(|e| ServeError(format!("shutdown: {e}")))?;
                    if shutdown {
                        return Ok(());
                    }
                    let response = if cancelled.contains(&r.id) {
                        failure(r.id, ErrorCode::RequestCanceled, "cancelled".into())
                    } else {
                        self.request(r)
                    };
                    (self.out)(Message::Response(response));
                }
                Message::Notification(n) => self.notify(n),
                Message::Response(_) => {}
            }
        }
    }

    fn notify(&mut self, n: Notification) {
        match n.method.as_str() {
            note::DidOpenTextDocument::METHOD => {
                if let Ok(p) =
                    serde_json::from_value::<lsp_types::DidOpenTextDocumentParams>(n.params)
                {
                    let d = p.text_document;
                    let doc = Document {
                        version: d.version,
                        text: d.text,
                        path: path_of(&d.uri),
                    };
                    self.docs.insert(d.uri.as_str().to_string(), doc);
                    self.changed(&d.uri);
                }
            }
            note::DidChangeTextDocument::METHOD => {
                if let Ok(p) =
                    serde_json::from_value::<lsp_types::DidChangeTextDocumentParams>(n.params)
                {
                    let uri = p.text_document.uri;
                    if let Some(doc) = self.docs.get_mut(uri.as_str()) {
                        doc.version = p.text_document.version;
                        doc.apply(p.content_changes);
                        self.changed(&uri);
                    }
                }
            }
            note::DidSaveTextDocument::METHOD => {
                // `mfac.toml` may have changed with it: check again.
                if let Ok(p) =
                    serde_json::from_value::<lsp_types::DidSaveTextDocumentParams>(n.params)
                {
                    self.changed(&p.text_document.uri);
                }
            }
            note::DidCloseTextDocument::METHOD => {
                if let Ok(p) =
                    serde_json::from_value::<lsp_types::DidCloseTextDocumentParams>(n.params)
                {
                    let uri = p.text_document.uri;
                    self.docs.remove(uri.as_str());
                    self.views.remove(uri.as_str());
                    let _ = self.jobs.send(Job::Close(uri));
                }
            }
            _ => {}
        }
    }

    fn changed(&mut self, uri: &Uri) {
        let Some(doc) = self.docs.get(uri.as_str()) else {
            return;
        };
        let _ = self.jobs.send(Job::Check {
            uri: uri.clone(),
            version: doc.version,
            text: doc.text.clone(),
            name: doc.name(uri),
            path: doc.path.clone(),
        });
    }

    /// The current version of `uri`, parsed (once per version).
    pub fn view(&mut self, uri: &Uri) -> Option<Arc<View>> {
        let doc = self.docs.get(uri.as_str())?;
        match self.views.get(uri.as_str()) {
            Some(v) if v.version == doc.version => Some(v.clone()),
            _ => {
                let v = Arc::new(View::new(doc.version, doc.name(uri), doc.text.clone()));
                self.views.insert(uri.as_str().to_string(), v.clone());
                Some(v)
            }
        }
    }

    /// The current version of the document a request is about, and the
    /// byte offset of its position (`None` past the last line).
    pub fn at(&mut self, p: &lsp_types::TextDocumentPositionParams) -> Option<(Arc<View>, usize)> {
        let view = self.view(&p.text_document.uri)?;
        let offset = view.lines().offset(p.position)?;
        Some((view, offset))
    }

    pub fn checked(&self, uri: &Uri) -> Option<Arc<analysis::Checked>> {
        analysis::latest(&self.results, uri)
    }

    pub fn show(&self, message: String) {
        let params = lsp_types::ShowMessageParams {
            typ: lsp_types::MessageType::INFO,
            message,
        };
        (self.out)(Message::Notification(Notification::new(
            note::ShowMessage::METHOD.to_string(),
            params,
        )));
    }

    fn request(&mut self, r: Request) -> Response {
        match r.method.as_str() {
            req::HoverRequest::METHOD => self.answer::<req::HoverRequest>(r, hover::hover),
            req::GotoDefinition::METHOD => {
                self.answer::<req::GotoDefinition>(r, navigate::definition)
            }
            req::References::METHOD => self.answer::<req::References>(r, navigate::references),
            req::PrepareRenameRequest::METHOD => {
                self.answer::<req::PrepareRenameRequest>(r, navigate::prepare_rename)
            }
            req::Rename::METHOD => self.answer::<req::Rename>(r, navigate::rename),
            req::Completion::METHOD => self.answer::<req::Completion>(r, complete::completion),
            req::Formatting::METHOD => self.answer::<req::Formatting>(r, symbols::formatting),
            req::DocumentSymbolRequest::METHOD => {
                self.answer::<req::DocumentSymbolRequest>(r, symbols::document_symbols)
            }
            req::CodeActionRequest::METHOD => {
                self.answer::<req::CodeActionRequest>(r, actions::code_actions)
            }
            req::CodeLensRequest::METHOD => {
                self.answer::<req::CodeLensRequest>(r, lens::code_lenses)
            }
            req::ExecuteCommand::METHOD => self.answer::<req::ExecuteCommand>(r, lens::execute),
            _ => failure(
                r.id,
                ErrorCode::MethodNotFound,
                format!("mfac lsp does not answer `{}`", r.method),
            ),
        }
    }

    fn answer<R: req::Request>(
        &mut self,
        r: Request,
        f: fn(&mut Server, R::Params) -> Result<R::Result, Refusal>,
    ) -> Response {
        let params = match serde_json::from_value::<R::Params>(r.params) {
            Ok(p) => p,
            Err(e) => {
                return failure(
                    r.id,
                    ErrorCode::InvalidParams,
                    format!("bad `{}` params: {e}", R::METHOD),
                )
            }
        };
        match f(self, params) {
            Ok(result) => match serde_json::to_value(result) {
                Ok(v) => Response {
                    id: r.id,
                    response_result: Ok(v),
                },
                Err(e) => failure(r.id, ErrorCode::InternalError, e.to_string()),
            },
            Err(Refusal(message)) => failure(r.id, ErrorCode::RequestFailed, message),
        }
    }
}

/// A request the server declines, with the reason the editor shows (a
/// rename to a name already taken).
pub struct Refusal(pub String);

fn failure(id: RequestId, code: ErrorCode, message: String) -> Response {
    Response {
        id,
        response_result: Err(ResponseError {
            code: code as i32,
            message,
            data: None,
        }),
    }
}

/// The request a `$/cancelRequest` names.
fn cancelled_id(m: &Message) -> Option<RequestId> {
    let Message::Notification(n) = m else {
        return None;
    };
    if n.method != note::Cancel::METHOD {
        return None;
    }
    let p: lsp_types::CancelParams = serde_json::from_value(n.params.clone()).ok()?;
    Some(match p.id {
        lsp_types::NumberOrString::Number(n) => RequestId::from(n),
        lsp_types::NumberOrString::String(s) => RequestId::from(s),
    })
}
