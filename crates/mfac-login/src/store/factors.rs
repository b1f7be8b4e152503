//! A user's factors: added pending, confirmed once, listed without their
//! secrets, removed with their secrets erased.

use super::exec::{args, End, Exec};
use super::*;

impl Store {
    /// A new factor awaiting its confirming code, unless the user has
    /// `max_pending` enrolments pending already (`None`: nothing written).
    pub async fn add_factor(
        &self,
        user: &str,
        kind: Factor,
        sealed: &[u8],
        label: Option<&str>,
        at: Timestamp,
        max_pending: u32,
    ) -> Result<Option<i64>, StoreError> {
        // The user's throttle row, held: concurrent enrolments of one user
        // count the pending ones one at a time, on any replica.
        const HOLD: &str = "INSERT INTO throttle (user_id, consecutive, total, lockouts) VALUES ($1, 0, 0, 0) ON CONFLICT (user_id) DO UPDATE SET total = throttle.total";
        const PENDING: &str =
            "SELECT COUNT(*) FROM factors WHERE user_id = $1 AND status = 'pending'";
        const SQL: &str = "INSERT INTO factors (user_id, kind, status, secret, created_at, label, created_ns) VALUES ($1, $2, 'pending', $3, $4, $5, $6) RETURNING id";
        let user = user.to_string();
        let row = args![&user, kind.name(), sealed, at.to_string(), label, nanos(at)];
        write_tx!(self, |db| {
            db.execute(HOLD, args![&user]).await?;
            let pending: i64 = db.one(PENDING, args![&user]).await?.get(0)?;
            if pending >= i64::from(max_pending) {
                return Ok(End::Rollback(None));
            }
            let id: i64 = db.one(SQL, row).await?.get(0)?;
            End::Commit(Some(id))
        })
    }

    /// The user's factors of `kind` in `status`.
    pub async fn factors(
        &self,
        user: &str,
        kind: Factor,
        status: Status,
    ) -> Result<Vec<FactorRow>, StoreError> {
        const SQL: &str = "SELECT id, kind, status, secret, last_step FROM factors WHERE user_id = $1 AND kind = $2 AND status = $3 ORDER BY id";
        let rows = read_tx!(self, |db| {
            db.rows(SQL, args![user, kind.name(), status.name()])
                .await?
        })?;
        rows.iter()
            .map(|r| {
                let (kind, status) = stored_factor(&r.get::<String>(1)?, &r.get::<String>(2)?)?;
                Ok(FactorRow {
                    id: r.get(0)?,
                    kind,
                    status,
                    sealed: r.get::<Option<Vec<u8>>>(3)?.unwrap_or_default(),
                    last_step: r.get(4)?,
                })
            })
            .collect()
    }

    /// Make a pending factor active, recording the confirming code's step
    /// so it cannot sign in again. False if it was not pending (already
    /// confirmed, by a concurrent request too).
    pub async fn confirm_factor(&self, user: &str, id: i64, step: i64) -> Result<bool, StoreError> {
        const SQL: &str = "UPDATE factors SET status = 'active', last_step = $1 WHERE id = $2 AND user_id = $3 AND status = 'pending'";
        let row = args![step, id, user];
        write_tx!(self, |db| End::Commit(db.execute(SQL, row).await? == 1))
    }

    /// The user's factors that are not removed.
    pub async fn list_factors(&self, user: &str) -> Result<Vec<ListedFactor>, StoreError> {
        const SQL: &str = "SELECT id, kind, status, created_at, label, last_used_at FROM factors WHERE user_id = $1 AND status <> 'removed' ORDER BY id";
        let rows = read_tx!(self, |db| db.rows(SQL, args![user]).await?)?;
        rows.iter()
            .map(|r| {
                let (kind, status) = stored_factor(&r.get::<String>(1)?, &r.get::<String>(2)?)?;
                Ok(ListedFactor {
                    id: r.get(0)?,
                    kind,
                    status,
                    created: r.get(3)?,
                    label: r.get(4)?,
                    last_used: r.get(5)?,
                })
            })
            .collect()
    }

    /// Remove a factor: its secret is erased and a passkey's credential id
    /// freed (its owner may register the same key again); the row is kept
    /// for the audit.
    pub async fn remove_factor(&self, user: &str, id: i64) -> Result<bool, StoreError> {
        const SQL: &str = "UPDATE factors SET status = 'removed', secret = NULL, credential_id = NULL WHERE id = $1 AND user_id = $2 AND status <> 'removed'";
        let row = args![id, user];
        write_tx!(self, |db| End::Commit(db.execute(SQL, row).await? == 1))
    }
}
