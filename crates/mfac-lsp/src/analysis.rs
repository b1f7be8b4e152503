//! The checker thread. Each change sends the document's text here; the
//! thread checks only the latest version of each document (older ones
//! still waiting are dropped unchecked), publishes its diagnostics unless a
//! newer version is already waiting, and keeps the result for the requests
//! (hover, lenses) to read, with the last policy that compiled.

use crate::convert;
use crate::position::Lines;
use crate::project::{self, Directories};
use crate::Out;
use lsp_server::{Message, Notification};
use lsp_types::notification::{Notification as _, PublishDiagnostics};
use lsp_types::{PublishDiagnosticsParams, Uri};
use mfac_analysis::directory::Directory;
use mfac_core::diagnostic::Diagnostics;
use mfac_core::source::SourceFile;
use mfac_lang::check::{check, CheckOptions};
use mfac_lang::policy::CheckedPolicy;
use mfac_lang::Compile as _;
use mfac_prove::Memo;
use std::collections::HashMap;
use std::path::PathBuf;
use std::sync::mpsc;
use std::sync::{Arc, Mutex, PoisonError};

/// A document to check, or one closed.
pub enum Job {
    Check {
        uri: Uri,
        version: i32,
        text: String,
        name: String,
        path: Option<PathBuf>,
    },
    Close(Uri),
}

impl Job {
    fn uri(&self) -> &Uri {
        match self {
            Job::Check { uri, .. } | Job::Close(uri) => uri,
        }
    }
}

/// One document as last checked.
pub struct Checked {
    pub version: i32,
    pub diagnostics: Diagnostics,
    /// The checked policy, when its only errors (if any) are refuted
    /// properties: what the assertions were proven against.
    pub policy: Option<CheckedPolicy>,
    /// The last policy of this document that could be evaluated, from this
    /// version or an earlier one: hover reads it while the text is broken.
    pub compiled: Option<Arc<mfac_core::Policy>>,
    /// With a directory in `mfac.toml`: the next rollout date, and for each
    /// rule (by its head, `group "G"`) how many directory users' decisions
    /// change then with that rule among the rules behind the new one.
    pub changes: Option<Changes>,
}

pub struct Changes {
    pub at: jiff::Timestamp,
    pub by_rule: HashMap<String, usize>,
}

/// Each directory user decided now and at the next instant a rollout
/// phase starts; a user whose decision (outcome, enforcement or factors)
/// changes counts for every rule behind the new decision.
pub fn changes_at_next_rollout(
    p: &mfac_core::Policy,
    d: &Directory,
    now: jiff::Timestamp,
) -> Option<Changes> {
    let at = p.tables().epochs.iter().copied().find(|e| *e > now)?;
    let mut by_rule: HashMap<String, usize> = HashMap::new();
    for u in &d.users {
        let groups: Vec<&str> = u.groups.iter().map(|g| &**g).collect();
        let decide = |when| {
            p.decide(
                &mfac_core::LoginContext::new(&u.id, when)
                    .groups(&groups)
                    .enrolled_set(u.factors),
            )
        };
        let (before, after) = (decide(now), decide(at));
        let same = before.outcome == after.outcome
            && before.enforcement == after.enforcement
            && before.factors == after.factors;
        if !same {
            for r in &after.rules {
                if let Some(info) = p.rule(r.id) {
                    *by_rule.entry(info.subject()).or_default() += 1;
                }
            }
        }
    }
    Some(Changes { at, by_rule })
}

/// By URI, as text: `Uri` caches its parse inside, so it makes a poor key.
pub type Results = Arc<Mutex<HashMap<String, Arc<Checked>>>>;

/// The latest result for `uri`.
pub fn latest(results: &Results, uri: &Uri) -> Option<Arc<Checked>> {
    results
        .lock()
        .unwrap_or_else(PoisonError::into_inner)
        .get(uri.as_str())
        .cloned()
}

/// Start the checker thread; it ends when the job sender is dropped.
pub fn spawn(out: Out, results: Results) -> (mpsc::Sender<Job>, std::thread::JoinHandle<()>) {
    let (tx, rx) = mpsc::channel();
    let handle = std::thread::spawn(move || run(&rx, &out, &results));
    (tx, handle)
}

fn run(rx: &mpsc::Receiver<Job>, out: &Out, results: &Results) {
    let mut pending: Vec<Job> = Vec::new();
    // Per document, the proof answers of its last check.
    let mut memos: HashMap<String, Arc<Mutex<Memo>>> = HashMap::new();
    let mut directories = Directories::default();
    let take = |pending: &mut Vec<Job>, job: Job| {
        pending.retain(|j| j.uri() != job.uri());
        pending.push(job);
    };
    loop {
        if pending.is_empty() {
            match rx.recv() {
                Ok(job) => take(&mut pending, job),
                Err(_) => return,
            }
        }
        while let Ok(job) = rx.try_recv() {
            take(&mut pending, job);
        }
        let job = pending.remove(0);
        match job {
            Job::Close(uri) => {
                memos.remove(uri.as_str());
                results
                    .lock()
                    .unwrap_or_else(PoisonError::into_inner)
                    .remove(uri.as_str());
                publish(out, uri, None, Vec::new());
            }
            Job::Check {
                uri,
                version,
                text,
                name,
                path,
            } => {
                let before = latest(results, &uri);
                let memo = memos.entry(uri.as_str().to_string()).or_default().clone();
                let checked = check_text(
                    &text,
                    &name,
                    path.as_deref(),
                    version,
                    before.as_deref(),
                    Some(memo),
                    &mut directories,
                );
                while let Ok(job) = rx.try_recv() {
                    take(&mut pending, job);
                }
                // Kept before it is published: an editor that asks for the
                // quick fixes of these diagnostics must find them.
                let checked = Arc::new(checked);
                results
                    .lock()
                    .unwrap_or_else(PoisonError::into_inner)
                    .insert(uri.as_str().to_string(), checked.clone());
                // A newer version waits: publishing this one would only
                // flash findings the author has already typed past.
                if !pending.iter().any(|j| j.uri() == &uri) {
                    let lines = Lines::new(&text);
                    let found = checked
                        .diagnostics
                        .items
                        .iter()
                        .map(|d| convert::diagnostic(d, &lines, &uri))
                        .collect();
                    publish(out, uri, Some(version), found);
                }
            }
        }
    }
}

/// Check one version of a document as `mfac check` would check the file.
pub fn check_text(
    text: &str,
    name: &str,
    path: Option<&std::path::Path>,
    version: i32,
    before: Option<&Checked>,
    memo: Option<Arc<Mutex<Memo>>>,
    directories: &mut Directories,
) -> Checked {
    let source = SourceFile::new(name, text);
    let settings = path
        .map(|p| project::settings(p, directories))
        .unwrap_or_default();
    let options = CheckOptions {
        config: settings.check,
        directory: settings.directory.clone(),
        memo,
        ..CheckOptions::default()
    };
    let outcome = check(&source, &options);
    let policy = outcome.policy.or(outcome.refuted);
    let compiled = match &policy {
        Some(p) => Some(Arc::new(mfac_core::Policy::from_checked(p))),
        None => before.and_then(|b| b.compiled.clone()),
    };
    let changes = match (&compiled, &settings.directory) {
        (Some(p), Some(d)) if policy.is_some() => {
            changes_at_next_rollout(p, d, jiff::Timestamp::now())
        }
        _ => None,
    };
    Checked {
        version,
        diagnostics: outcome.diagnostics,
        policy,
        compiled,
        changes,
    }
}

fn publish(out: &Out, uri: Uri, version: Option<i32>, diagnostics: Vec<lsp_types::Diagnostic>) {
    let params = PublishDiagnosticsParams {
        uri,
        diagnostics,
        version,
    };
    out(Message::Notification(Notification::new(
        PublishDiagnostics::METHOD.to_string(),
        params,
    )));
}
