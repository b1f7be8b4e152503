//! Loading the policy, and replacing it while the service runs: on SIGHUP
//! and, with `--watch`, when the file changes. The new text is compiled and
//! checked off the request path; it replaces the running policy (one atomic
//! swap) only if it has no errors. Otherwise the old one keeps serving, and
//! the failure is on `/healthz`, in the log and in the audit. Logins already
//! begun answer on the decision they were given.

use crate::App;
use mfac_lang::Compile;
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
}

/// Read, check and compile the policy at `path`.
pub fn load(path: &Path, now: jiff::Timestamp) -> Result<Running, LoadError> {
    let name = path.display().to_string();
    let bytes =
        std::fs::read(path).map_err(|e| LoadError::Unreadable(name.clone(), e.to_string()))?;
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
    let loaded = tokio::task::spawn_blocking(move || load(&path, now))
        .await
        .map_err(|e| format!("the reload stopped: {e}"))?;
    let result = match loaded {
        Ok(running) => {
            if running.sha256 == app.policy.load().sha256 {
                app.reload_error.store(None);
                return Ok(false);
            }
            let detail = format!("{} (sha256 {})", running.file, running.sha256);
            let sha = running.sha256.clone();
            app.policy.store(Arc::new(running));
            app.reload_error.store(None);
            tracing::info!(sha256 = %sha, "policy reloaded");
            app.audit_system("policy_reloaded", detail, Some(sha), None)
                .await;
            Ok(true)
        }
        Err(e) => {
            let message = e.to_string();
            let sha = std::fs::read(&app.path).ok().map(|b| crate::sha256_hex(&b));
            tracing::warn!(error = %message, "policy reload refused; the running policy keeps serving");
            app.reload_error.store(Some(Arc::new(message.clone())));
            app.audit_system(
                "policy_reload_failed",
                message.clone(),
                sha,
                Some("invalid"),
            )
            .await;
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
