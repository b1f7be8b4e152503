//! An administrator's unlock: the user's failure count, lock-out and hard
//! limit cleared, in one transaction with its audit event (who asked is the
//! caller's to say in `reason`).

use super::exec::{args, End, Exec};
use super::{audit_args, throttle_row, AuditEvent, Store, StoreError, ThrottleState, INSERT_AUDIT};

impl Store {
    /// Clear `user`'s failures and lock-outs at `at`, audited (`unlocked`,
    /// with `reason`) in the same transaction; the state as it was.
    pub async fn unlock(
        &self,
        user: &str,
        reason: &str,
        at: jiff::Timestamp,
    ) -> Result<ThrottleState, StoreError> {
        let mut event = AuditEvent::new(
            at,
            user,
            super::EventKind::Unlocked,
            format!("by an administrator: {reason}"),
        );
        event.reason = Some("administrator".to_string());
        const TAKE: &str = "DELETE FROM throttle WHERE user_id = $1 RETURNING consecutive, total, lockouts, locked_until";
        let at = event.at.to_string();
        write_tx!(self, |db| {
            let was = match db.optional(TAKE, args![&event.user]).await? {
                Some(row) => throttle_row(&row)?,
                None => ThrottleState::default(),
            };
            db.execute(INSERT_AUDIT, audit_args(&at, &event)).await?;
            End::Commit(was)
        })
    }
}
