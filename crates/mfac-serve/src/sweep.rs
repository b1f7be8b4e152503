//! The periodic sweep of expired state (logins, passkey ceremonies,
//! enrolments never confirmed), counted in `mfac_swept_total`. A failure is
//! logged and tried again at the next tick: nothing depends on it but the
//! store's size.

use crate::metrics::labels;
use crate::App;
use std::sync::Arc;
use std::time::Duration;

/// How long an enrolment may stay pending before the sweep deletes it.
pub const PENDING_FOR: jiff::SignedDuration = jiff::SignedDuration::from_hours(1);

/// Sweep every `interval`, from now on.
pub fn every(app: Arc<App>, interval: Duration) {
    tokio::spawn(async move {
        let mut tick = tokio::time::interval(interval);
        tick.set_missed_tick_behavior(tokio::time::MissedTickBehavior::Delay);
        loop {
            tick.tick().await;
            match app.verifier.store.sweep(app.now(), PENDING_FOR).await {
                Ok(s) => {
                    for (what, n) in [
                        ("logins", s.logins),
                        ("ceremonies", s.ceremonies),
                        ("enrolments", s.enrolments),
                    ] {
                        app.metrics
                            .add("mfac_swept_total", labels(&[("what", what)]), n);
                    }
                    if s != mfac_login::store::Swept::default() {
                        tracing::info!(
                            logins = s.logins,
                            ceremonies = s.ceremonies,
                            enrolments = s.enrolments,
                            "swept expired state"
                        );
                    }
                }
                Err(e) => {
                    tracing::warn!(error = %e, "the sweep failed; it runs again at the next tick")
                }
            }
        }
    });
}
