//! The state a login needs, kept where every replica sees it: the embedded
//! SQLite store (one file, WAL, created and migrated on open) or PostgreSQL
//! for several replicas on one database. Both run the same statements
//! (`$n` parameters, `RETURNING`), so one behavioural suite tests both.
//!
//! Every guarantee that two concurrent requests could break is one SQL
//! statement, a compare-and-set, never a read followed by a write: a TOTP
//! step is accepted only `WHERE last_step < step`, a backup code is used
//! only `WHERE used_at IS NULL`, an enrolment is confirmed only `WHERE status
//! = 'pending'`.

use crate::throttle::{Gate, Limits, State as ThrottleState};
use jiff::Timestamp;
use sqlx::postgres::{PgConnectOptions, PgPool, PgPoolOptions};
use sqlx::sqlite::{SqliteConnectOptions, SqliteJournalMode, SqlitePool, SqlitePoolOptions};
use sqlx::Row;
use std::str::FromStr;

/// A database URL for messages: without its password.
fn redact(url: &str) -> String {
    match (url.find("://"), url.rfind('@')) {
        (Some(scheme), Some(at)) if at > scheme => {
            let creds = &url[scheme + 3..at];
            match creds.split_once(':') {
                Some((user, _)) => format!("{}{user}:***{}", &url[..scheme + 3], &url[at..]),
                None => url.to_string(),
            }
        }
        _ => url.to_string(),
    }
}

/// A time the store wrote (RFC 3339); anything else is damage.
fn stored_time(text: &str, what: &str) -> Result<Timestamp, StoreError> {
    text.parse()
        .map_err(|e: jiff::Error| StoreError::Query(format!("a damaged {what}: {e}")))
}

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

/// What a verified answer consumes.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub enum Proof {
    /// This TOTP factor's time step, accepted once.
    TotpStep { factor: i64, step: i64 },
    /// This backup code, used once.
    BackupCode { id: i64 },
    /// A factor the caller's provider verified (sms, email, push).
    External,
}

/// How [`Store::commit_verified`] ended.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub enum Commit {
    Done,
    /// The TOTP step or backup code was used already (by a concurrent request too).
    ProofUsed,
    /// The login's challenge was answered already.
    ChallengeClosed,
}

/// A challenge to open.
#[derive(Clone, Copy, Debug)]
pub struct NewLogin<'a> {
    pub id: &'a str,
    pub decision: &'a str,
    /// The allowed factor kinds, comma-separated.
    pub allowed: &'a str,
    pub ip: Option<&'a str>,
    pub expires: Timestamp,
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

/// A store: SQLite or PostgreSQL.
#[derive(Clone, Debug)]
pub struct Store {
    pool: Pool,
}

#[derive(Clone, Debug)]
enum Pool {
    Sqlite(SqlitePool),
    Postgres(PgPool),
}

/// Append an audit event through `$exec` (a pool or a transaction): the one
/// statement every audited change writes, in its own transaction.
macro_rules! insert_audit {
    ($exec:expr, $at:expr, $e:expr) => {
        sqlx::query("INSERT INTO audit (at, user_id, kind, detail) VALUES ($1, $2, $3, $4)")
            .bind($at)
            .bind(&$e.user)
            .bind(&$e.kind)
            .bind(&$e.detail)
            .execute($exec)
            .await?
    };
}

/// Run the same code on whichever pool the store has: the statements are
/// the same, the types behind them are not.
macro_rules! on_pool {
    ($store:expr, |$p:ident| $body:expr) => {
        match &$store.pool {
            Pool::Sqlite($p) => $body,
            Pool::Postgres($p) => $body,
        }
    };
}

impl Store {
    /// Open a store by URL: `postgres://...` (tables in the schema named by
    /// `MFAC`'s default, `mfac`), else a SQLite file path (`sqlite:` prefix
    /// optional).
    pub async fn open(url: &str) -> Result<Store, StoreError> {
        if url.starts_with("postgres://") || url.starts_with("postgresql://") {
            Store::open_postgres(url, "mfac").await
        } else {
            Store::open_sqlite(url.strip_prefix("sqlite:").unwrap_or(url)).await
        }
    }

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
        Ok(Store {
            pool: Pool::Sqlite(pool),
        })
    }

    /// Connect to PostgreSQL at `url` (tables in `schema`, created if need
    /// be) and migrate. Every replica opens the same database.
    pub async fn open_postgres(url: &str, schema: &str) -> Result<Store, StoreError> {
        let shown = redact(url);
        if !schema
            .chars()
            .all(|c| c.is_ascii_alphanumeric() || c == '_')
            || schema.is_empty()
        {
            return Err(StoreError::Open(
                shown,
                format!("`{schema}` is not a plain schema name"),
            ));
        }
        let options = PgConnectOptions::from_str(url)
            .map_err(|e| StoreError::Open(shown.clone(), e.to_string()))?;
        // The schema first, on a connection of its own.
        let setup = PgPoolOptions::new()
            .max_connections(1)
            .connect_with(options.clone())
            .await
            .map_err(|e| StoreError::Open(shown.clone(), e.to_string()))?;
        sqlx::query(&format!("CREATE SCHEMA IF NOT EXISTS {schema}"))
            .execute(&setup)
            .await?;
        setup.close().await;
        let pool = PgPoolOptions::new()
            .max_connections(8)
            .connect_with(options.options([("search_path", schema)]))
            .await
            .map_err(|e| StoreError::Open(shown, e.to_string()))?;
        sqlx::migrate!("./migrations/postgres")
            .run(&pool)
            .await
            .map_err(|e| StoreError::Migrate(e.to_string()))?;
        Ok(Store {
            pool: Pool::Postgres(pool),
        })
    }

    /// A new factor awaiting its confirming code.
    pub async fn add_factor(
        &self,
        user: &str,
        kind: &str,
        sealed: &[u8],
        at: Timestamp,
    ) -> Result<i64, StoreError> {
        const SQL: &str = "INSERT INTO factors (user_id, kind, status, secret, created_at) VALUES ($1, $2, 'pending', $3, $4) RETURNING id";
        let at = at.to_string();
        Ok(on_pool!(self, |p| {
            sqlx::query(SQL)
                .bind(user)
                .bind(kind)
                .bind(sealed)
                .bind(&at)
                .fetch_one(p)
                .await?
                .try_get::<i64, _>(0)?
        }))
    }

    /// The user's factors of `kind` in `status`.
    pub async fn factors(
        &self,
        user: &str,
        kind: &str,
        status: &str,
    ) -> Result<Vec<FactorRow>, StoreError> {
        const SQL: &str = "SELECT id, kind, status, secret, last_step FROM factors WHERE user_id = $1 AND kind = $2 AND status = $3 ORDER BY id";
        Ok(on_pool!(self, |p| {
            sqlx::query(SQL)
                .bind(user)
                .bind(kind)
                .bind(status)
                .fetch_all(p)
                .await?
                .iter()
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
                .collect::<Result<Vec<_>, sqlx::Error>>()?
        }))
    }

    /// Make a pending factor active, recording the confirming code's step
    /// so it cannot sign in again. False if it was not pending (already
    /// confirmed, by a concurrent request too).
    pub async fn confirm_factor(&self, user: &str, id: i64, step: i64) -> Result<bool, StoreError> {
        const SQL: &str = "UPDATE factors SET status = 'active', last_step = $1 WHERE id = $2 AND user_id = $3 AND status = 'pending'";
        Ok(on_pool!(self, |p| {
            sqlx::query(SQL)
                .bind(step)
                .bind(id)
                .bind(user)
                .execute(p)
                .await?
                .rows_affected()
                == 1
        }))
    }

    /// Replace the user's backup codes with a new set of hashes, in one
    /// transaction.
    pub async fn replace_backup_codes(
        &self,
        user: &str,
        hashes: &[String],
    ) -> Result<(), StoreError> {
        on_pool!(self, |p| {
            let mut tx = p.begin().await?;
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
        });
        Ok(())
    }

    /// The user's unused backup codes: (id, hash).
    pub async fn unused_backup_codes(&self, user: &str) -> Result<Vec<(i64, String)>, StoreError> {
        const SQL: &str =
            "SELECT id, hash FROM backup_codes WHERE user_id = $1 AND used_at IS NULL ORDER BY id";
        Ok(on_pool!(self, |p| {
            sqlx::query(SQL)
                .bind(user)
                .fetch_all(p)
                .await?
                .iter()
                .map(|r| Ok((r.try_get("id")?, r.try_get("hash")?)))
                .collect::<Result<Vec<_>, sqlx::Error>>()?
        }))
    }

    /// Reserve one verification attempt for `user` under `limits` at `now`.
    ///
    /// The attempt is counted as a failure before the code is checked, in
    /// one transaction that holds the user's row, and a success then resets
    /// the count ([`Store::commit_verified`]). So however many replicas verify
    /// at once, no more than `limits.hard_limit` attempts are ever made
    /// without a success, and the lock-out starts on the attempt that reaches
    /// `limits.max_failures`. Returns the gate as it was before this attempt
    /// (`Locked`: the attempt is refused and not counted) and whether this
    /// attempt started a lock-out.
    pub async fn reserve_attempt(
        &self,
        user: &str,
        limits: &Limits,
        now: Timestamp,
    ) -> Result<(Gate, bool), StoreError> {
        const UPSERT: &str = "INSERT INTO throttle (user_id, consecutive, total, lockouts) VALUES ($1, 0, 0, 0) ON CONFLICT (user_id) DO NOTHING";
        // A write first, so that the transaction holds the row (PostgreSQL)
        // or the database (SQLite) before it reads.
        const HOLD: &str = "UPDATE throttle SET total = total WHERE user_id = $1";
        const READ: &str =
            "SELECT consecutive, total, lockouts, locked_until FROM throttle WHERE user_id = $1";
        const WRITE: &str = "UPDATE throttle SET consecutive = $2, total = $3, lockouts = $4, locked_until = $5 WHERE user_id = $1";
        on_pool!(self, |p| {
            let mut tx = p.begin().await?;
            sqlx::query(UPSERT).bind(user).execute(&mut *tx).await?;
            sqlx::query(HOLD).bind(user).execute(&mut *tx).await?;
            let row = sqlx::query(READ).bind(user).fetch_one(&mut *tx).await?;
            let number = |v: i64| u32::try_from(v).unwrap_or(u32::MAX);
            let locked_until: Option<String> = row.try_get("locked_until")?;
            let state = ThrottleState {
                consecutive: number(row.try_get("consecutive")?),
                total: number(row.try_get("total")?),
                lockouts: number(row.try_get("lockouts")?),
                locked_until: match locked_until {
                    Some(t) => Some(
                        t.parse()
                            .map_err(|e: jiff::Error| sqlx::Error::Decode(Box::new(e)))?,
                    ),
                    None => None,
                },
            };
            let gate = limits.gate(&state, now);
            let mut started = false;
            if let Gate::Open { .. } = gate {
                let (next, lock) = limits.fail(&state, now);
                started = lock;
                sqlx::query(WRITE)
                    .bind(user)
                    .bind(i64::from(next.consecutive))
                    .bind(i64::from(next.total))
                    .bind(i64::from(next.lockouts))
                    .bind(next.locked_until.map(|t| t.to_string()))
                    .execute(&mut *tx)
                    .await?;
            }
            tx.commit().await?;
            Ok((gate, started))
        })
    }

    /// The user's factors that are not removed: (id, kind, status, created).
    pub async fn list_factors(
        &self,
        user: &str,
    ) -> Result<Vec<(i64, String, String, String)>, StoreError> {
        const SQL: &str = "SELECT id, kind, status, created_at FROM factors WHERE user_id = $1 AND status <> 'removed' ORDER BY id";
        Ok(on_pool!(self, |p| {
            sqlx::query(SQL)
                .bind(user)
                .fetch_all(p)
                .await?
                .iter()
                .map(|r| Ok((r.try_get(0)?, r.try_get(1)?, r.try_get(2)?, r.try_get(3)?)))
                .collect::<Result<Vec<_>, sqlx::Error>>()?
        }))
    }

    /// Remove a factor: its secret is erased, the row kept for the audit.
    pub async fn remove_factor(&self, user: &str, id: i64) -> Result<bool, StoreError> {
        const SQL: &str = "UPDATE factors SET status = 'removed', secret = NULL WHERE id = $1 AND user_id = $2 AND status <> 'removed'";
        Ok(on_pool!(self, |p| {
            sqlx::query(SQL)
                .bind(id)
                .bind(user)
                .execute(p)
                .await?
                .rows_affected()
                == 1
        }))
    }

    /// The kinds of factor the user has active (backup codes while any is
    /// unused).
    pub async fn enrolled_kinds(&self, user: &str) -> Result<Vec<String>, StoreError> {
        const SQL: &str = "SELECT DISTINCT kind FROM factors WHERE user_id = $1 AND status = 'active' UNION SELECT 'backup_code' FROM backup_codes WHERE user_id = $1 AND used_at IS NULL";
        Ok(on_pool!(self, |p| {
            sqlx::query(SQL)
                .bind(user)
                .fetch_all(p)
                .await?
                .iter()
                .map(|r| r.try_get::<String, _>(0))
                .collect::<Result<Vec<_>, sqlx::Error>>()?
        }))
    }

    /// The last verified MFA: (when, from which IP, logins let through since).
    pub async fn mfa_state(
        &self,
        user: &str,
    ) -> Result<Option<(Timestamp, Option<String>, i64)>, StoreError> {
        const SQL: &str =
            "SELECT last_mfa_at, last_mfa_ip, logins_since FROM mfa_state WHERE user_id = $1";
        let row = on_pool!(self, |p| {
            match sqlx::query(SQL).bind(user).fetch_optional(p).await? {
                Some(r) => Some((
                    r.try_get::<String, _>(0)?,
                    r.try_get::<Option<String>, _>(1)?,
                    r.try_get::<i64, _>(2)?,
                )),
                None => None,
            }
        });
        row.map(|(at, ip, n)| {
            let at = stored_time(&at, "MFA time")?;
            Ok((at, ip, n))
        })
        .transpose()
    }

    /// A login under way: (user, allowed kinds, ip, expires), if it exists
    /// and has not been answered.
    pub async fn open_login(
        &self,
        id: &str,
    ) -> Result<Option<(String, String, Option<String>, Timestamp)>, StoreError> {
        const SQL: &str = "SELECT user_id, allowed, ip, expires_at FROM logins WHERE id = $1 AND answered_at IS NULL";
        let row = on_pool!(self, |p| {
            match sqlx::query(SQL).bind(id).fetch_optional(p).await? {
                Some(r) => Some((
                    r.try_get::<String, _>(0)?,
                    r.try_get::<String, _>(1)?,
                    r.try_get::<Option<String>, _>(2)?,
                    r.try_get::<String, _>(3)?,
                )),
                None => None,
            }
        });
        row.map(|(u, a, ip, e)| {
            let e = stored_time(&e, "login expiry")?;
            Ok((u, a, ip, e))
        })
        .transpose()
    }

    /// A verified answer, committed with everything it changes in one
    /// transaction: the proof is consumed (a TOTP step accepted, or a backup
    /// code used, by compare-and-set), the failure count reset, the login's
    /// challenge closed (compare-and-set), the remember window restarted, and
    /// the audit event written. When a compare-and-set finds the proof or
    /// the challenge already used, nothing changes.
    pub async fn commit_verified(
        &self,
        user: &str,
        proof: Proof,
        login: Option<(&str, Option<&str>)>,
        event: &AuditEvent,
    ) -> Result<Commit, StoreError> {
        const STEP: &str = "UPDATE factors SET last_step = $1 WHERE id = $2 AND status = 'active' AND (last_step IS NULL OR last_step < $1)";
        const CODE: &str = "UPDATE backup_codes SET used_at = $1 WHERE id = $2 AND used_at IS NULL";
        const RESET: &str = "UPDATE throttle SET consecutive = 0, total = 0, lockouts = 0, locked_until = NULL WHERE user_id = $1";
        const CLOSE: &str =
            "UPDATE logins SET answered_at = $1 WHERE id = $2 AND answered_at IS NULL";
        const MFA: &str = "INSERT INTO mfa_state (user_id, last_mfa_at, last_mfa_ip, logins_since) VALUES ($1, $2, $3, 0) ON CONFLICT (user_id) DO UPDATE SET last_mfa_at = $2, last_mfa_ip = $3, logins_since = 0";
        let at = event.at.to_string();
        on_pool!(self, |p| {
            let mut tx = p.begin().await?;
            let consumed = match proof {
                Proof::TotpStep { factor, step } => {
                    sqlx::query(STEP)
                        .bind(step)
                        .bind(factor)
                        .execute(&mut *tx)
                        .await?
                        .rows_affected()
                        == 1
                }
                Proof::BackupCode { id } => {
                    sqlx::query(CODE)
                        .bind(&at)
                        .bind(id)
                        .execute(&mut *tx)
                        .await?
                        .rows_affected()
                        == 1
                }
                Proof::External => true,
            };
            if !consumed {
                tx.rollback().await?;
                return Ok(Commit::ProofUsed);
            }
            sqlx::query(RESET).bind(user).execute(&mut *tx).await?;
            if let Some((id, ip)) = login {
                let closed = sqlx::query(CLOSE)
                    .bind(&at)
                    .bind(id)
                    .execute(&mut *tx)
                    .await?
                    .rows_affected()
                    == 1;
                if !closed {
                    tx.rollback().await?;
                    return Ok(Commit::ChallengeClosed);
                }
                sqlx::query(MFA)
                    .bind(user)
                    .bind(&at)
                    .bind(ip)
                    .execute(&mut *tx)
                    .await?;
            }
            insert_audit!(&mut *tx, &at, event);
            tx.commit().await?;
            Ok(Commit::Done)
        })
    }

    /// A login decided, in one transaction: its audit event, the remembered
    /// login counted toward `max_logins`, and the challenge opened.
    pub async fn commit_begun(
        &self,
        event: &AuditEvent,
        remembered: bool,
        challenge: Option<NewLogin<'_>>,
    ) -> Result<(), StoreError> {
        const COUNT: &str =
            "UPDATE mfa_state SET logins_since = logins_since + 1 WHERE user_id = $1";
        const LOGIN: &str = "INSERT INTO logins (id, user_id, decision, allowed, ip, created_at, expires_at) VALUES ($1, $2, $3, $4, $5, $6, $7)";
        let at = event.at.to_string();
        on_pool!(self, |p| {
            let mut tx = p.begin().await?;
            insert_audit!(&mut *tx, &at, event);
            if remembered {
                sqlx::query(COUNT)
                    .bind(&event.user)
                    .execute(&mut *tx)
                    .await?;
            }
            if let Some(l) = &challenge {
                sqlx::query(LOGIN)
                    .bind(l.id)
                    .bind(&event.user)
                    .bind(l.decision)
                    .bind(l.allowed)
                    .bind(l.ip)
                    .bind(&at)
                    .bind(l.expires.to_string())
                    .execute(&mut *tx)
                    .await?;
            }
            tx.commit().await?;
        });
        Ok(())
    }

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
        const SQL: &str = "INSERT INTO ceremonies (id, user_id, kind, state, expires_at) VALUES ($1, $2, $3, $4, $5)";
        let expires = expires.to_string();
        on_pool!(self, |p| {
            sqlx::query(SQL)
                .bind(id)
                .bind(user)
                .bind(kind)
                .bind(sealed)
                .bind(&expires)
                .execute(p)
                .await?;
        });
        Ok(())
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
        const TAKE: &str = "UPDATE ceremonies SET used_at = $1 WHERE id = $2 AND user_id = $3 AND kind = $4 AND used_at IS NULL";
        const READ: &str = "SELECT state, expires_at FROM ceremonies WHERE id = $1";
        let at = now.to_string();
        let row = on_pool!(self, |p| {
            let taken = sqlx::query(TAKE)
                .bind(&at)
                .bind(id)
                .bind(user)
                .bind(kind)
                .execute(p)
                .await?
                .rows_affected()
                == 1;
            if taken {
                let r = sqlx::query(READ).bind(id).fetch_one(p).await?;
                Some((r.try_get::<Vec<u8>, _>(0)?, r.try_get::<String, _>(1)?))
            } else {
                None
            }
        });
        match row {
            Some((state, expires)) => {
                let expires = stored_time(&expires, "ceremony expiry")?;
                Ok((now < expires).then_some(state))
            }
            None => Ok(None),
        }
    }

    /// An active WebAuthn factor. False when the credential id is already
    /// registered, to this user or any other.
    pub async fn add_passkey(
        &self,
        user: &str,
        credential_id: &str,
        sealed: &[u8],
        counter: u32,
        flags: (bool, bool),
        at: Timestamp,
    ) -> Result<Option<i64>, StoreError> {
        const SQL: &str = "INSERT INTO factors (user_id, kind, status, secret, created_at, credential_id, counter, backup_eligible, backup_state) VALUES ($1, 'webauthn', 'active', $2, $3, $4, $5, $6, $7) ON CONFLICT (credential_id) WHERE credential_id IS NOT NULL DO NOTHING RETURNING id";
        let at = at.to_string();
        Ok(on_pool!(self, |p| {
            match sqlx::query(SQL)
                .bind(user)
                .bind(sealed)
                .bind(&at)
                .bind(credential_id)
                .bind(i64::from(counter))
                .bind(i64::from(flags.0))
                .bind(i64::from(flags.1))
                .fetch_optional(p)
                .await?
            {
                Some(r) => Some(r.try_get::<i64, _>(0)?),
                None => None,
            }
        }))
    }

    /// The stored counter of a passkey, moved forward only: the
    /// compare-and-set that refuses a counter going back. A counter of 0
    /// (an authenticator that keeps none) always passes.
    pub async fn advance_passkey(
        &self,
        id: i64,
        sealed: &[u8],
        counter: u32,
        backup_state: bool,
    ) -> Result<bool, StoreError> {
        const SQL: &str = "UPDATE factors SET secret = $1, counter = $2, backup_state = $3 WHERE id = $4 AND status = 'active' AND ($2 = 0 OR counter IS NULL OR counter < $2)";
        Ok(on_pool!(self, |p| {
            sqlx::query(SQL)
                .bind(sealed)
                .bind(i64::from(counter))
                .bind(i64::from(backup_state))
                .bind(id)
                .execute(p)
                .await?
                .rows_affected()
                == 1
        }))
    }

    /// The user's active passkeys: (id, credential id, sealed passkey).
    pub async fn passkeys(&self, user: &str) -> Result<Vec<(i64, String, Vec<u8>)>, StoreError> {
        const SQL: &str = "SELECT id, credential_id, secret FROM factors WHERE user_id = $1 AND kind = 'webauthn' AND status = 'active' ORDER BY id";
        Ok(on_pool!(self, |p| {
            sqlx::query(SQL)
                .bind(user)
                .fetch_all(p)
                .await?
                .iter()
                .map(|r| {
                    Ok((
                        r.try_get(0)?,
                        r.try_get::<Option<String>, _>(1)?.unwrap_or_default(),
                        r.try_get::<Option<Vec<u8>>, _>(2)?.unwrap_or_default(),
                    ))
                })
                .collect::<Result<Vec<_>, sqlx::Error>>()?
        }))
    }

    /// Append to the audit trail.
    pub async fn audit(&self, e: &AuditEvent) -> Result<(), StoreError> {
        let at = e.at.to_string();
        on_pool!(self, |p| {
            insert_audit!(p, &at, e);
        });
        Ok(())
    }

    /// The audit trail, oldest first, of one user or everyone, of one kind
    /// of event or all.
    pub async fn audit_log(
        &self,
        user: Option<&str>,
        kind: Option<&str>,
    ) -> Result<Vec<AuditEvent>, StoreError> {
        const SQL: &str = "SELECT at, user_id, kind, detail FROM audit WHERE ($1 = '' OR user_id = $1) AND ($2 = '' OR kind = $2) ORDER BY id";
        let rows = on_pool!(self, |p| {
            sqlx::query(SQL)
                .bind(user.unwrap_or(""))
                .bind(kind.unwrap_or(""))
                .fetch_all(p)
                .await?
                .into_iter()
                .map(
                    |r| -> Result<(String, String, String, String), sqlx::Error> {
                        Ok((r.try_get(0)?, r.try_get(1)?, r.try_get(2)?, r.try_get(3)?))
                    },
                )
                .collect::<Result<Vec<_>, sqlx::Error>>()?
        });
        rows.into_iter()
            .map(|(at, user, kind, detail)| {
                Ok(AuditEvent {
                    at: stored_time(&at, "audit time")?,
                    user,
                    kind,
                    detail,
                })
            })
            .collect()
    }

    /// The audit trail of `user`, oldest first.
    pub async fn audit_events(&self, user: &str) -> Result<Vec<AuditEvent>, StoreError> {
        self.audit_log(Some(user), None).await
    }
}
