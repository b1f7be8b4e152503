//! Passkeys: ceremony state kept sealed, single-use and expiring, and a
//! credential id registered once, to anyone.

use super::exec::{args, End, Exec};
use super::*;

impl Store {
    /// Keep a ceremony's (sealed) state until it is answered, once, within
    /// its time.
    pub async fn add_ceremony(
        &self,
        id: &str,
        user: &str,
        kind: &str,
        sealed: &[u8],
        expires: Timestamp,
    ) -> Result<(), StoreError> {
        const SQL: &str = "INSERT INTO ceremonies (id, user_id, kind, state, expires_at, expires_ns) VALUES ($1, $2, $3, $4, $5, $6)";
        let row = args![id, user, kind, sealed, expires.to_string(), nanos(expires)];
        write_tx!(self, |db| {
            db.execute(SQL, row).await?;
            End::Commit(())
        })
    }

    /// Take a ceremony's state, once: the compare-and-set that makes it
    /// single-use. `None` if unknown, another user's or kind's, used, or
    /// expired at `now`.
    pub async fn take_ceremony(
        &self,
        id: &str,
        user: &str,
        kind: &str,
        now: Timestamp,
    ) -> Result<Option<Vec<u8>>, StoreError> {
        const TAKE: &str = "UPDATE ceremonies SET used_at = $1 WHERE id = $2 AND user_id = $3 AND kind = $4 AND used_at IS NULL RETURNING state, expires_at";
        let take = args![now.to_string(), id, user, kind];
        let row = write_tx!(self, |db| {
            let row = match db.optional(TAKE, take).await? {
                Some(r) => Some((r.get::<Vec<u8>>(0)?, r.get::<String>(1)?)),
                None => None,
            };
            End::Commit(row)
        })?;
        match row {
            Some((state, expires)) => {
                let expires = stored_time(&expires, "ceremony expiry")?;
                Ok((now < expires).then_some(state))
            }
            None => Ok(None),
        }
    }

    /// A pending WebAuthn factor made active with its credential. `None`
    /// when the credential id is already registered, to this user or any
    /// other; false when there is no such pending factor.
    pub async fn activate_passkey(
        &self,
        user: &str,
        factor: i64,
        credential_id: &str,
        sealed: &[u8],
        flags: (bool, bool),
    ) -> Result<Option<bool>, StoreError> {
        let _writing = self.writing().await;
        const TAKEN: &str = "SELECT 1 FROM factors WHERE credential_id = $1";
        const SQL: &str = "UPDATE factors SET status = 'active', secret = $1, credential_id = $2, counter = 0, backup_eligible = $3, backup_state = $4 WHERE id = $5 AND user_id = $6 AND kind = 'webauthn' AND status = 'pending'";
        on_pool!(self, |p| {
            if sqlx::query(TAKEN)
                .bind(credential_id)
                .fetch_optional(p)
                .await?
                .is_some()
            {
                return Ok(None);
            }
            let done = sqlx::query(SQL)
                .bind(sealed)
                .bind(credential_id)
                .bind(i64::from(flags.0))
                .bind(i64::from(flags.1))
                .bind(factor)
                .bind(user)
                .execute(p)
                .await;
            match done {
                Ok(r) => Ok(Some(r.rows_affected() == 1)),
                // Registered by a concurrent request between the two
                // statements: the unique index decides.
                Err(sqlx::Error::Database(e)) if e.is_unique_violation() => Ok(None),
                Err(e) => Err(e.into()),
            }
        })
    }

    /// The user's active passkeys: (id, credential id, sealed passkey).
    pub async fn passkeys(&self, user: &str) -> Result<Vec<(i64, String, Vec<u8>)>, StoreError> {
        const SQL: &str = "SELECT id, credential_id, secret FROM factors WHERE user_id = $1 AND kind = 'webauthn' AND status = 'active' ORDER BY id";
        let rows = read_tx!(self, |db| db.rows(SQL, args![user]).await?)?;
        rows.iter()
            .map(|r| {
                Ok((
                    r.get(0)?,
                    r.get::<Option<String>>(1)?.unwrap_or_default(),
                    r.get::<Option<Vec<u8>>>(2)?.unwrap_or_default(),
                ))
            })
            .collect()
    }
}
