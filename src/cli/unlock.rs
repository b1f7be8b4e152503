//! `mfac unlock USER --db URL --reason TEXT`: an administrator clears a
//! user's failures and lock-out, the hard limit's included, in the store
//! the service runs on (replicas included: they read the same rows). The
//! unlock is audited with the reason. The store must exist: a typo'd path
//! or URL is exit 2, never a new store.

use super::{Failure, Outcome};
use std::process::ExitCode;

#[derive(clap::Args)]
#[command(
    about = "Clear a user's failed verifications and lock-out (audited)",
    after_help = "Examples:\n  mfac unlock ann@acme.test --db mfac.db --reason \"INC-4711: identity checked by phone\"\n  mfac unlock ann@acme.test --db postgres://mfac@db/mfac --reason \"locked by a password spray\""
)]
pub struct Args {
    /// The user to unlock
    #[arg(value_name = "USER")]
    user: String,
    /// The store: a SQLite file, or a `postgres://` URL
    #[arg(long, value_name = "URL")]
    db: String,
    /// Why, for the audit trail (a ticket, who checked the identity)
    #[arg(long, value_name = "TEXT")]
    reason: String,
}

pub fn run(a: Args) -> Outcome {
    // The same rule for names as the service's unlock route.
    let checked = |flag: &str, field, v| {
        mfac_login::request::name(field, v).map_err(|e| Failure::input(format!("{flag} {}", e.why)))
    };
    let reason = checked("--reason", "reason", a.reason.trim())?;
    // Checked as a name, and in NFC: the store keys users so.
    let user = mfac_login::request::user("user", &a.user)
        .map_err(|e| Failure::input(format!("USER {}", e.why)))?;
    let done = super::on_store(&a.db, async |store| {
        store.unlock(&user, reason, jiff::Timestamp::now()).await
    })?;
    let state = match (done.total, done.locked_until) {
        (0, _) => "had no failures".to_string(),
        (n, Some(t)) => format!("cleared {n} failures (the last lock-out ran until {t})"),
        (n, None) => format!("cleared {n} failures"),
    };
    outln!("unlocked {}: {state}", a.user);
    Ok(ExitCode::SUCCESS)
}
