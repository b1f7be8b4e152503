//! Loading the policy, and replacing it while the service runs: on SIGHUP
//! and, with `--watch`, when the file changes. The new text is read only
//! once it has stopped changing (two reads apart agree on size, mtime and
//! hash: an editor or a deploy tool may be half-way through writing it),
//! compiled and checked off the request path, and compared with the
//! running policy by the prover: a policy that loosens any login (the
//! space of `mfac diff --deny-loosening`) is refused unless the service
//! runs with `--allow-loosening-reload`. It replaces the running policy
//! (one atomic swap) only if all of that passes. Otherwise the old one
//! keeps serving, and the failure is on `/healthz`, in the log and in the
//! audit. Logins already begun answer on the decision they were given.
//!
//! A half-written file that happens to be a valid policy is the danger the
//! loosening check closes: the first lines of a file are often a policy
//! that asks less of everyone. Deploy with write-then-rename all the same.

use crate::App;
use mfac_lang::Compile;
use mfac_login::events::EventKind;
use mfac_login::login::Running;
use std::path::Path;
use std::sync::Arc;

/// Why a policy could not be loaded.
#[derive(Debug, thiserror::Error)]
pub enum LoadError {
    #[error("cannot read {0}: {1}")]
    Unreadable(String, String),
    /// The checker's errors, one line each (`file:line:col: error[E...]`).
    #[error("{0}")]
    Invalid(String),
    /// The file kept changing between reads: someone is still writing it.
    #[error("{0} kept changing while it was read ({1} tries); reload again once it is written (write a new file, then rename it over the old)")]
    Unstable(String, usize),
    /// The new policy lets some login through with less than the running
    /// one asks: each way, with the login that shows it.
    #[error("the new policy loosens the running one ({}); not loaded (mfac serve --allow-loosening-reload allows it)", .0.join("; "))]
    Loosens(Vec<String>),
}

impl LoadError {
    /// The audit event's `reason`.
    pub fn reason(&self) -> &'static str {
        match self {
            LoadError::Unreadable(..) => "unreadable",
            LoadError::Invalid(_) => "invalid",
            LoadError::Unstable(..) => "unstable",
            LoadError::Loosens(_) => "loosens",
        }
    }
}

/// How long apart the two reads of a policy file are.
const SETTLE: std::time::Duration = std::time::Duration::from_millis(200);
/// How many times a changing file is read again before the reload gives up.
const SETTLE_TRIES: usize = 10;

/// What a read of a file saw: its size, modification time and sha256.
type Stamp = (u64, Option<std::time::SystemTime>, String);

/// Read the file, with what the read saw.
fn stamp(path: &Path, name: &str) -> Result<(Vec<u8>, Stamp), LoadError> {
    let unreadable = |e: std::io::Error| LoadError::Unreadable(name.to_string(), e.to_string());
    let meta = std::fs::metadata(path).map_err(unreadable)?;
    // Within the policy cap: a runaway file is refused, not swapped in.
    let file = std::fs::File::open(path).map_err(unreadable)?;
    let bytes = mfac_core::read::read_capped(file, mfac_core::read::MAX_POLICY_BYTES)
        .map_err(|e| LoadError::Unreadable(name.to_string(), e.to_string()))?;
    let sha = mfac_login::sha256_hex(&bytes);
    Ok((bytes, (meta.len(), meta.modified().ok(), sha)))
}

/// The file's bytes once two reads `SETTLE` apart agree on its size, mtime
/// and hash (and the size is what was read).
fn read_settled(path: &Path, name: &str) -> Result<Vec<u8>, LoadError> {
    let (_, mut last) = stamp(path, name)?;
    for _ in 0..SETTLE_TRIES {
        std::thread::sleep(SETTLE);
        let (bytes, now) = stamp(path, name)?;
        if now == last && now.0 == bytes.len() as u64 {
            return Ok(bytes);
        }
        last = now;
    }
    Err(LoadError::Unstable(name.to_string(), SETTLE_TRIES + 1))
}

/// Each way `new` loosens `old`, in a line: what changed, for whom, and the
/// `mfac eval` line that replays it on the new policy. A kind the prover
/// gave up on is a line too: a reload it cannot show safe is refused.
pub fn loosenings(old: &mfac_core::Policy, new: &mfac_core::Policy, limit: usize) -> Vec<String> {
    let review = mfac_prove::loosen::review(old, new, limit, None);
    let found = review.loosenings.iter().map(|l| {
        let r = mfac_analysis::diff::wire::LooseningRecord::new(l, old, new);
        format!(
            "{}: {}, for {}; replay: {}",
            r.kind, r.change, r.reaches, r.counterexample.eval
        )
    });
    let unproven = review.not_proven.iter().map(|k| {
        format!(
            "{}: not proven (more than {limit} combinations of groups to search)",
            k.name(),
        )
    });
    found.chain(unproven).collect()
}

/// Read, check and compile the policy at `path`.
pub fn load(path: &Path, now: jiff::Timestamp) -> Result<Running, LoadError> {
    let name = path.display().to_string();
    let bytes = read_settled(path, &name)?;
    let text = std::str::from_utf8(&bytes)
        .map_err(|e| LoadError::Unreadable(name.clone(), format!("not UTF-8: {e}")))?;
    let policy = mfac_core::Policy::compile(&name, text).map_err(|d| {
        let errors: Vec<String> = d
            .to_string()
            .lines()
            .filter(|l| l.contains(": error["))
            .map(str::to_string)
            .collect();
        LoadError::Invalid(errors.join("\n"))
    })?;
    Ok(Running::new(policy, &name, &bytes, now))
}

/// Reload the policy file. `Ok(false)` when its text is the running one's.
pub async fn reload(app: &App) -> Result<bool, String> {
    // One reload at a time: a SIGHUP during a watch-triggered reload waits.
    let _one = app.reloading.lock().await;
    let path = app.path.clone();
    let now = app.now();
    let old = app.policy.load_full();
    let allow_loosening = app.allow_loosening_reload;
    let loaded = tokio::task::spawn_blocking(move || {
        let running = load(&path, now)?;
        if running.sha256 == old.sha256 {
            return Ok((running, Vec::new()));
        }
        let loose = loosenings(&old.policy, &running.policy, mfac_prove::PROOF_LIMIT);
        if !loose.is_empty() && !allow_loosening {
            return Err(LoadError::Loosens(loose));
        }
        Ok((running, loose))
    })
    .await
    .map_err(|e| format!("the reload stopped: {e}"))?;
    let result = match loaded {
        Ok((running, loose)) => {
            if running.sha256 == app.policy.load().sha256 {
                app.reload_error.store(None);
                return Ok(false);
            }
            let mut detail = format!("{} (sha256 {})", running.file, running.sha256);
            if !loose.is_empty() {
                // Allowed by --allow-loosening-reload, and said so.
                detail.push_str(&format!("; loosens (allowed): {}", loose.join("; ")));
                tracing::warn!(loosenings = %loose.join("; "), "a loosening reload was allowed");
            }
            let sha = running.sha256.clone();
            app.policy.store(Arc::new(running));
            app.reload_error.store(None);
            tracing::info!(sha256 = %sha, "policy reloaded");
            app.audit_system(EventKind::PolicyReloaded, detail, Some(sha), None)
                .await;
            Ok(true)
        }
        Err(e) => {
            let message = e.to_string();
            let sha = std::fs::read(&app.path)
                .ok()
                .map(|b| mfac_login::sha256_hex(&b));
            tracing::warn!(error = %message, "policy reload refused; the running policy keeps serving");
            // Audited first: whoever sees `reload_error` finds its event.
            app.audit_system(
                EventKind::PolicyReloadFailed,
                message.clone(),
                sha,
                Some(e.reason()),
            )
            .await;
            app.reload_error.store(Some(Arc::new(message.clone())));
            Err(message)
        }
    };
    let outcome = if result.is_ok() { "ok" } else { "error" };
    app.metrics.count(
        "mfac_reloads_total",
        crate::metrics::labels(&[("result", outcome)]),
    );
    result
}

/// Reload on every SIGHUP.
pub fn on_sighup(app: Arc<App>) -> Result<(), std::io::Error> {
    use tokio::signal::unix::{signal, SignalKind};
    let mut hup = signal(SignalKind::hangup())?;
    tokio::spawn(async move {
        while hup.recv().await.is_some() {
            let _ = reload(&app).await;
        }
    });
    Ok(())
}

/// Reload when the file's size or modification time changes, looked at
/// twice a second: no watcher crate, and it works on every file system
/// (editors that replace the file included).
pub fn watch(app: Arc<App>) {
    tokio::spawn(async move {
        let stamp = |p: &Path| {
            std::fs::metadata(p)
                .ok()
                .map(|m| (m.len(), m.modified().ok()))
        };
        let mut last = stamp(&app.path);
        let mut tick = tokio::time::interval(std::time::Duration::from_millis(500));
        loop {
            tick.tick().await;
            let now = stamp(&app.path);
            if now != last {
                last = now;
                let _ = reload(&app).await;
            }
        }
    });
}

#[cfg(test)]
mod tests {
    use super::*;

    fn policy(text: &str) -> mfac_core::Policy {
        mfac_core::Policy::compile("p.mfa", text).expect("a valid policy")
    }

    #[test]
    fn a_reload_the_prover_cannot_judge_counts_as_a_loosening() {
        let text =
            "default {\n  enforcement optional\n}\ngroup \"Staff\" {\n  enforcement required\n}\n";
        let p = policy(text);
        assert!(loosenings(&p, &p, mfac_prove::PROOF_LIMIT).is_empty());
        // Kept to one combination of groups, the same policy is not shown
        // safe: every kind is a line, and a line refuses the reload.
        let lines = loosenings(&p, &p, 1);
        assert!(
            lines
                .iter()
                .any(|l| l
                    == "enforcement: not proven (more than 1 combinations of groups to search)"),
            "{lines:?}"
        );
    }
}
