//! The sweep: state that can no longer be used is deleted, so the store
//! holds what is live and the audit, not every login ever begun. Any
//! replica may run it; deleting what is expired is the same however many
//! times it runs.

use super::{nanos, Store, StoreError};
use jiff::{SignedDuration, Timestamp};

/// What one sweep deleted.
#[derive(Clone, Copy, Debug, Default, PartialEq, Eq)]
pub struct Swept {
    /// Logins past their challenge's time, answered or not.
    pub logins: u64,
    /// Passkey ceremonies past their time, used or not.
    pub ceremonies: u64,
    /// Enrolments never confirmed within the time they have.
    pub enrolments: u64,
}

const LOGINS: &str = "DELETE FROM logins WHERE expires_ns < $1";
const CEREMONIES: &str = "DELETE FROM ceremonies WHERE expires_ns < $1";
const PENDING: &str = "DELETE FROM factors WHERE status = 'pending' AND created_ns < $1";

impl Store {
    /// Delete what has expired at `now`: logins and ceremonies past their
    /// time, and enrolments still pending `pending_for` after they began.
    pub async fn sweep(
        &self,
        now: Timestamp,
        pending_for: SignedDuration,
    ) -> Result<Swept, StoreError> {
        let _writing = self.writing().await;
        let at = nanos(now);
        let started_before = nanos(now.checked_sub(pending_for).unwrap_or(now));
        on_pool!(self, |p| {
            let mut tx = p.begin().await?;
            let logins = sqlx::query(LOGINS)
                .bind(at)
                .execute(&mut *tx)
                .await?
                .rows_affected();
            let ceremonies = sqlx::query(CEREMONIES)
                .bind(at)
                .execute(&mut *tx)
                .await?
                .rows_affected();
            let enrolments = sqlx::query(PENDING)
                .bind(started_before)
                .execute(&mut *tx)
                .await?
                .rows_affected();
            tx.commit().await?;
            Ok(Swept {
                logins,
                ceremonies,
                enrolments,
            })
        })
    }
}
