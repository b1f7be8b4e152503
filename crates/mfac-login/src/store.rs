//! The state a login needs, kept where every replica sees it. This is the
//! embedded SQLite store (one file, WAL, created and migrated on open); the
//! PostgreSQL store for several replicas implements the same operations.
//!
//! Every guarantee that two concurrent requests could break is one SQL
//! statement, a compare-and-set, never a read followed by a write: a TOTP
//! step is accepted only `WHERE last_step < step`, a backup code is used
//! only `WHERE used_at IS NULL`, an enrolment is confirmed only `WHERE status
//! = 'pending'`.

use jiff::Timestamp;
use sqlx::sqlite::{SqliteConnectOptions, SqliteJournalMode, SqlitePool, SqlitePoolOptions};
use sqlx::Row;
use std::str::FromStr;

/// Why the store could not answer (never with a secret in it).
#[derive(Debug, thiserror::Error)]
pub enum StoreError {
    #[error("cannot open the store `{0}`: {1}")]
    Open(String, String),
    #[error("cannot migrate the store: {0}")]
    Migrate(String),
    #[error("the store failed: {0}")]
    Query(String),
}

impl From<sqlx::Error> for StoreError {
    fn from(e: sqlx::Error) -> Self {
        StoreError::Query(e.to_string())
    }
}

/// A factor as stored: its sealed secret stays sealed until the verifier
/// opens it with the key.
#[derive(Clone, PartialEq, Eq)]
pub struct FactorRow {
    pub id: i64,
    pub kind: String,
    pub status: String,
    pub sealed: Vec<u8>,
    pub last_step: Option<i64>,
}

impl std::fmt::Debug for FactorRow {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        f.debug_struct("FactorRow")
            .field("id", &self.id)
            .field("kind", &self.kind)
            .field("status", &self.status)
            .field("sealed", &format_args!("({} bytes)", self.sealed.len()))
            .field("last_step", &self.last_step)
            .finish()
    }
}

/// One line of the audit trail.
#[derive(Clone, Debug, PartialEq, Eq)]
pub struct AuditEvent {
    pub at: Timestamp,
    pub user: String,
    /// `totp_enrolled`, `totp_verified`, `verify_failed`, `locked_out`, ...
    pub kind: String,
    /// What happened, without any secret: factor ids, reasons, steps.
    pub detail: String,
}

/// The embedded store.
#[derive(Clone, Debug)]
pub struct Store {
    pool: SqlitePool,
}

impl Store {
    /// Open (creating and migrating if need be) the SQLite file at `path`;
    /// `:memory:` for a private in-memory store.
    pub async fn open_sqlite(path: &str) -> Result<Store, StoreError> {
        let url = if path == ":memory:" {
            "sqlite::memory:".to_string()
        } else {
            format!("sqlite://{path}")
        };
        let options = SqliteConnectOptions::from_str(&url)
            .map_err(|e| StoreError::Open(path.to_string(), e.to_string()))?
            .create_if_missing(true)
            .journal_mode(SqliteJournalMode::Wal)
            .busy_timeout(std::time::Duration::from_secs(5))
            .foreign_keys(true);
        // One connection for an in-memory store: each would be its own database.
        let max = if path == ":memory:" { 1 } else { 8 };
        let pool = SqlitePoolOptions::new()
            .max_connections(max)
            .connect_with(options)
            .await
            .map_err(|e| StoreError::Open(path.to_string(), e.to_string()))?;
        sqlx::migrate!("./migrations/sqlite")
            .run(&pool)
            .await
            .map_err(|e| StoreError::Migrate(e.to_string()))?;
        Ok(Store { pool })
    }

    /// A new factor awaiting its confirming code.
    pub async fn add_factor(
        &self,
        user: &str,
        kind: &str,
        sealed: &[u8],
        at: Timestamp,
    ) -> Result<i64, StoreError> {
        let row = sqlx::query(
            "INSERT INTO factors (user_id, kind, status, secret, created_at) VALUES ($1, $2, 'pending', $3, $4) RETURNING id",
        )
        .bind(user)
        .bind(kind)
        .bind(sealed)
        .bind(at.to_string())
        .fetch_one(&self.pool)
        .await?;
        Ok(row.try_get(0)?)
    }

    /// The user's factors of `kind` in `status`.
    pub async fn factors(
        &self,
        user: &str,
        kind: &str,
        status: &str,
    ) -> Result<Vec<FactorRow>, StoreError> {
        let rows = sqlx::query(
            "SELECT id, kind, status, secret, last_step FROM factors WHERE user_id = $1 AND kind = $2 AND status = $3 ORDER BY id",
        )
        .bind(user)
        .bind(kind)
        .bind(status)
        .fetch_all(&self.pool)
        .await?;
        rows.iter()
            .map(|r| {
                Ok(FactorRow {
                    id: r.try_get("id")?,
                    kind: r.try_get("kind")?,
                    status: r.try_get("status")?,
                    sealed: r
                        .try_get::<Option<Vec<u8>>, _>("secret")?
                        .unwrap_or_default(),
                    last_step: r.try_get("last_step")?,
                })
            })
            .collect::<Result<_, sqlx::Error>>()
            .map_err(Into::into)
    }

    /// Make a pending factor active, recording the confirming code's step
    /// so it cannot sign in again. False if it was not pending (already
    /// confirmed, by a concurrent request too).
    pub async fn confirm_factor(&self, user: &str, id: i64, step: i64) -> Result<bool, StoreError> {
        let done = sqlx::query(
            "UPDATE factors SET status = 'active', last_step = $1 WHERE id = $2 AND user_id = $3 AND status = 'pending'",
        )
        .bind(step)
        .bind(id)
        .bind(user)
        .execute(&self.pool)
        .await?;
        Ok(done.rows_affected() == 1)
    }

    /// Accept a TOTP step for an active factor, once: the compare-and-set.
    pub async fn accept_step(&self, id: i64, step: i64) -> Result<bool, StoreError> {
        let done = sqlx::query(
            "UPDATE factors SET last_step = $1 WHERE id = $2 AND status = 'active' AND (last_step IS NULL OR last_step < $1)",
        )
        .bind(step)
        .bind(id)
        .execute(&self.pool)
        .await?;
        Ok(done.rows_affected() == 1)
    }

    /// Replace the user's backup codes with a new set of hashes, in one
    /// transaction.
    pub async fn replace_backup_codes(
        &self,
        user: &str,
        hashes: &[String],
    ) -> Result<(), StoreError> {
        let mut tx = self.pool.begin().await?;
        sqlx::query("DELETE FROM backup_codes WHERE user_id = $1")
            .bind(user)
            .execute(&mut *tx)
            .await?;
        for h in hashes {
            sqlx::query("INSERT INTO backup_codes (user_id, hash) VALUES ($1, $2)")
                .bind(user)
                .bind(h)
                .execute(&mut *tx)
                .await?;
        }
        tx.commit().await?;
        Ok(())
    }

    /// The user's unused backup codes: (id, hash).
    pub async fn unused_backup_codes(&self, user: &str) -> Result<Vec<(i64, String)>, StoreError> {
        let rows = sqlx::query(
            "SELECT id, hash FROM backup_codes WHERE user_id = $1 AND used_at IS NULL ORDER BY id",
        )
        .bind(user)
        .fetch_all(&self.pool)
        .await?;
        rows.iter()
            .map(|r| Ok((r.try_get("id")?, r.try_get("hash")?)))
            .collect::<Result<_, sqlx::Error>>()
            .map_err(Into::into)
    }

    /// Use a backup code, once: the compare-and-set.
    pub async fn use_backup_code(&self, id: i64, at: Timestamp) -> Result<bool, StoreError> {
        let done =
            sqlx::query("UPDATE backup_codes SET used_at = $1 WHERE id = $2 AND used_at IS NULL")
                .bind(at.to_string())
                .bind(id)
                .execute(&self.pool)
                .await?;
        Ok(done.rows_affected() == 1)
    }

    /// Append to the audit trail.
    pub async fn audit(&self, e: &AuditEvent) -> Result<(), StoreError> {
        sqlx::query("INSERT INTO audit (at, user_id, kind, detail) VALUES ($1, $2, $3, $4)")
            .bind(e.at.to_string())
            .bind(&e.user)
            .bind(&e.kind)
            .bind(&e.detail)
            .execute(&self.pool)
            .await?;
        Ok(())
    }

    /// The audit trail, oldest first.
    pub async fn audit_events(&self, user: Option<&str>) -> Result<Vec<AuditEvent>, StoreError> {
        let rows = sqlx::query("SELECT at, user_id, kind, detail FROM audit WHERE ($1 IS NULL OR user_id = $1) ORDER BY id")
            .bind(user)
            .fetch_all(&self.pool)
            .await?;
        rows.iter()
            .map(|r| {
                let at: String = r.try_get("at")?;
                Ok(AuditEvent {
                    // Written by `audit` as RFC 3339; anything else is damage.
                    at: at
                        .parse()
                        .map_err(|e: jiff::Error| sqlx::Error::Decode(Box::new(e)))?,
                    user: r.try_get("user_id")?,
                    kind: r.try_get("kind")?,
                    detail: r.try_get("detail")?,
                })
            })
            .collect::<Result<_, sqlx::Error>>()
            .map_err(Into::into)
    }
}
