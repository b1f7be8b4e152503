//! The state a login needs, kept where every replica sees it: the embedded
//! SQLite store (one file, WAL, created and migrated on open) or PostgreSQL
//! for several replicas on one database. Both run the same statements
//! (`$n` parameters, `RETURNING`), so one behavioural suite tests both.
//! On SQLite, the sign-in path (the login's state, keeping a login,
//! settling an answer, passkey ceremonies, backup-code candidates), a
//! user's factors (added, confirmed, listed, removed) and backup-code sets
//! (replaced, listed, erased) run on connections of their own ([`lite`]),
//! written once for both databases with `read_tx!` and `write_tx!`
//! ([`exec`]); the rest still runs through sqlx's pool, which also
//! migrates the file.
//!
//! Every guarantee that two concurrent requests could break is one SQL
//! statement, a compare-and-set, never a read followed by a write: a TOTP
//! step is accepted only `WHERE last_step < step`, a backup code is used
//! only `WHERE used_at IS NULL`, an enrolment is confirmed only `WHERE status
//! = 'pending'`.

pub use crate::events::EventKind;
use crate::status::Status;
use crate::throttle::State as ThrottleState;
use jiff::Timestamp;
use mfac_core::{Factor, FactorSet};
use sqlx::postgres::PgPool;
use sqlx::sqlite::SqlitePool;

/// A database URL for messages: without its password, in the user part
/// or as a `password=` parameter.
fn redact(url: &str) -> String {
    let (url, query) = match url.split_once('?') {
        Some((u, q)) => (u, Some(q)),
        None => (url, None),
    };
    let query = query.map(|q| {
        let kept: Vec<&str> = q
            .split('&')
            .map(|p| {
                if p.starts_with("password=") {
                    "password=***"
                } else {
                    p
                }
            })
            .collect();
        format!("?{}", kept.join("&"))
    });
    let base = match (url.find("://"), url.rfind('@')) {
        (Some(scheme), Some(at)) if at > scheme => {
            let creds = &url[scheme + 3..at];
            match creds.split_once(':') {
                Some((user, _)) => format!("{}{user}:***{}", &url[..scheme + 3], &url[at..]),
                None => url.to_string(),
            }
        }
        _ => url.to_string(),
    };
    format!("{base}{}", query.unwrap_or_default())
}

/// An instant as the store sorts it: nanoseconds since 1970 (until 2262).
pub(crate) fn nanos(t: Timestamp) -> i64 {
    i64::try_from(t.as_nanosecond()).unwrap_or(i64::MAX)
}

/// A factor kind and status the store wrote; anything else is damage.
fn stored_factor(kind: &str, status: &str) -> Result<(Factor, Status), StoreError> {
    match (Factor::from_name(kind), Status::from_name(status)) {
        (Some(k), Some(s)) => Ok((k, s)),
        _ => Err(StoreError::Query(format!(
            "a damaged factor row: kind `{kind}`, status `{status}`"
        ))),
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
    pub kind: Factor,
    pub status: Status,
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

/// One line of the audit trail: its kind and a one-line detail, and the
/// fields of the HTTP contract's event (docs/api.md, `GET /v1/audit`), each
/// `None` where it does not apply. Never a secret: factor ids, reasons,
/// steps.
///
/// Serialised, it is the contract's event (the field order too), with the
/// detail last: the one wire form of `GET /v1/audit` and `mfac audit`.
#[derive(Clone, Debug, Default, PartialEq, Eq, serde::Serialize, utoipa::ToSchema)]
pub struct AuditEvent {
    /// Given by the store, in the order events were written; 0 before.
    pub id: i64,
    /// RFC 3339, UTC.
    #[schema(value_type = String)]
    pub at: Timestamp,
    #[serde(rename = "type")]
    pub kind: EventKind,
    pub user: String,
    pub app: Option<String>,
    pub ip: Option<String>,
    /// The decision's outcome: `allow`, `challenge`, `deny`.
    pub decision: Option<String>,
    pub factor: Option<String>,
    /// `verified`, `failed`, `locked`.
    pub result: Option<String>,
    pub reason: Option<String>,
    pub decision_id: Option<String>,
    pub login_id: Option<String>,
    pub policy_sha256: Option<String>,
    /// The exemption a login went through: its reason and ticket.
    pub exempt: Option<String>,
    /// What the decision would have been with the policy's report-only
    /// rules enforced, where that differs: `challenge`, `deny`, ...
    pub report_only: Option<String>,
    pub detail: String,
}

impl AuditEvent {
    /// The columns of [`AuditEvent`]'s CSV form, in its serialised order.
    pub const COLUMNS: [&'static str; 16] = [
        "id",
        "at",
        "type",
        "user",
        "app",
        "ip",
        "decision",
        "factor",
        "result",
        "reason",
        "decision_id",
        "login_id",
        "policy_sha256",
        "exempt",
        "report_only",
        "detail",
    ];

    /// The event's fields as text, in [`AuditEvent::COLUMNS`]' order
    /// (empty where a field does not apply).
    pub fn cells(&self) -> [String; 16] {
        let o = |v: &Option<String>| v.clone().unwrap_or_default();
        [
            self.id.to_string(),
            self.at.to_string(),
            self.kind.name().to_string(),
            self.user.clone(),
            o(&self.app),
            o(&self.ip),
            o(&self.decision),
            o(&self.factor),
            o(&self.result),
            o(&self.reason),
            o(&self.decision_id),
            o(&self.login_id),
            o(&self.policy_sha256),
            o(&self.exempt),
            o(&self.report_only),
            self.detail.clone(),
        ]
    }
}

impl AuditEvent {
    pub fn new(at: Timestamp, user: &str, kind: EventKind, detail: String) -> AuditEvent {
        AuditEvent {
            at,
            user: user.to_string(),
            kind,
            detail,
            ..AuditEvent::default()
        }
    }
}

/// What the audit trail is asked for: every filter optional.
#[derive(Clone, Debug, Default)]
pub struct AuditQuery<'a> {
    pub user: Option<&'a str>,
    pub kind: Option<EventKind>,
    /// Events at or after this instant.
    pub since: Option<Timestamp>,
    /// Events older than the one with this id (the cursor of the next
    /// page).
    pub before: Option<i64>,
    /// The newest this many (oldest first among them).
    pub limit: Option<usize>,
    /// Only decisions whose report-only outcome differed.
    pub report_only: bool,
}

/// A factor as listed: never its secret.
#[derive(Clone, Debug, PartialEq, Eq)]
pub struct ListedFactor {
    pub id: i64,
    pub kind: Factor,
    /// Pending (awaiting its confirmation) or active.
    pub status: Status,
    pub created: String,
    pub label: Option<String>,
    /// When it last verified an answer.
    pub last_used: Option<String>,
}

/// What a decision reads from the store ([`Store::login_state`]).
#[derive(Clone, Debug, Default, PartialEq, Eq)]
pub struct LoginState {
    /// Factor kinds active (`backup_code` while any code is unused).
    pub enrolled: FactorSet,
    pub last_mfa: Option<LastMfaRow>,
    /// The helpdesk bypass in force, if any.
    pub bypass: Option<BypassRow>,
}

/// The last verified MFA, and the logins the remember window let through
/// since.
#[derive(Clone, Debug, PartialEq, Eq)]
pub struct LastMfaRow {
    pub at: Timestamp,
    pub ip: Option<String>,
    pub logins_since: i64,
    /// The assurance level it reached (`None` on rows from before levels
    /// were kept).
    pub aal: Option<i64>,
}

/// A login under way, as the store keeps it.
#[derive(Clone, Debug, PartialEq, Eq)]
pub struct OpenLogin {
    pub id: String,
    pub user: String,
    /// The allowed factor kinds, comma-separated.
    pub allowed: String,
    pub ip: Option<String>,
    pub expires: Timestamp,
    pub decision_id: Option<String>,
    pub app: Option<String>,
    pub policy_sha256: Option<String>,
    /// `challenge`, or the outcome of a login that needed no answer.
    pub decision: String,
    pub answered: bool,
}

/// When a SQLite commit is on disk.
#[derive(Clone, Copy, Debug, Default, PartialEq, Eq)]
pub enum Durability {
    /// Every commit is synced to disk before it returns (SQLite's
    /// `synchronous = FULL`): an accepted TOTP step, a used backup code, an
    /// audit event survive a power cut.
    #[default]
    Full,
    /// Commits reach the write-ahead log, synced at checkpoints
    /// (`synchronous = NORMAL`): they survive a crash of mfac, not of the
    /// machine, which may forget its last commits (and then accept a code
    /// of those last 90 seconds again). About one disk sync less per
    /// commit.
    Normal,
}

/// A store: SQLite or PostgreSQL.
#[derive(Clone, Debug)]
pub struct Store {
    pool: Pool,
    /// SQLite takes one writer at a time: writers queue here, in order,
    /// rather than in SQLite's busy handler, which sleeps and retries and
    /// under load stalls a commit for tens or hundreds of milliseconds.
    /// `None` for PostgreSQL, whose rows lock on their own.
    writer: Option<std::sync::Arc<tokio::sync::Mutex<()>>>,
}

#[derive(Clone, Debug)]
enum Pool {
    /// sqlx's pool migrates the file and runs what `lite` does not (see
    /// the module's comment).
    Sqlite {
        sqlx: SqlitePool,
        lite: std::sync::Arc<lite::Lite>,
    },
    Postgres(PgPool),
}

/// The one statement that appends an audit event, with [`audit_args`].
const INSERT_AUDIT: &str = concat!(
    "INSERT INTO audit (at, user_id, kind, detail, app, ip, decision, factor, result, ",
    "reason, decision_id, login_id, policy_sha256, exempt, report_only, at_ns) ",
    "VALUES ($1, $2, $3, $4, $5, $6, $7, $8, $9, $10, $11, $12, $13, $14, $15, $16)"
);

/// [`INSERT_AUDIT`]'s arguments for event `e` written at `at`.
fn audit_args(at: &str, e: &AuditEvent) -> Vec<exec::Arg> {
    exec::args![
        at,
        &e.user,
        e.kind.name(),
        &e.detail,
        &e.app,
        &e.ip,
        &e.decision,
        &e.factor,
        &e.result,
        &e.reason,
        &e.decision_id,
        &e.login_id,
        &e.policy_sha256,
        &e.exempt,
        &e.report_only,
        nanos(e.at),
    ]
}

/// Append an audit event through `$exec` (a sqlx pool or transaction):
/// the one statement every audited change writes, in its own transaction.
macro_rules! insert_audit {
    ($exec:expr, $at:expr, $e:expr) => {
        $crate::store::exec::bind(
            sqlx::query($crate::store::INSERT_AUDIT),
            $crate::store::audit_args($at, &$e),
        )
        .execute($exec)
        .await?
    };
}

/// Run the same code on whichever pool the store has: the statements are
/// the same, the types behind them are not.
/// `postgres://...?schema=NAME&...` -> the URL without it, and NAME: the
/// schema is mfac's parameter, not the driver's.
fn take_schema(url: &str) -> (String, Option<String>) {
    let Some((base, query)) = url.split_once('?') else {
        return (url.to_string(), None);
    };
    let mut schema = None;
    let rest: Vec<&str> = query
        .split('&')
        .filter(|p| match p.strip_prefix("schema=") {
            Some(name) => {
                schema = Some(name.to_string());
                false
            }
            None => true,
        })
        .collect();
    let url = if rest.is_empty() {
        base.to_string()
    } else {
        format!("{base}?{}", rest.join("&"))
    };
    (url, schema)
}

/// A `throttle` row: `consecutive, total, lockouts, locked_until`.
fn throttle_row(row: &exec::Row) -> Result<ThrottleState, StoreError> {
    let number = |v: i64| u32::try_from(v).unwrap_or(u32::MAX);
    let locked_until: Option<String> = row.get(3)?;
    Ok(ThrottleState {
        consecutive: number(row.get(0)?),
        total: number(row.get(1)?),
        lockouts: number(row.get(2)?),
        locked_until: match locked_until {
            Some(t) => Some(stored_time(&t, "lock-out time")?),
            None => None,
        },
    })
}

macro_rules! on_pool {
    ($store:expr, |$p:ident| $body:expr) => {
        match &$store.pool {
            $crate::store::Pool::Sqlite { sqlx: $p, .. } => $body,
            $crate::store::Pool::Postgres($p) => $body,
        }
    };
}

/// One read, written once for both databases: `$db` runs statements (an
/// [`exec::Exec`]); `$body` is the answer, and `?` leaves with an error.
/// On SQLite it runs here and now; on PostgreSQL on a pooled connection.
macro_rules! read_tx {
    ($store:expr, |$db:ident| $body:expr) => {
        match &$store.pool {
            $crate::store::Pool::Sqlite { lite, .. } => lite.read(|$db| {
                $crate::store::exec::at_once(async { Ok::<_, $crate::store::StoreError>($body) })?
            }),
            $crate::store::Pool::Postgres(p) => {
                let mut conn = p.acquire().await?;
                let $db = &mut $crate::store::exec::Pg(&mut *conn);
                async { Ok::<_, $crate::store::StoreError>($body) }.await
            }
        }
    };
}

/// One write transaction, written once for both databases: `$body` is
/// an [`exec::End`] (commit or roll back, with the answer); `?` leaves
/// with an error, rolled back. On SQLite the whole body runs on the
/// writer's thread, so what it uses is moved there: owned values.
macro_rules! write_tx {
    ($store:expr, |$db:ident| $body:expr) => {
        match &$store.pool {
            $crate::store::Pool::Sqlite { lite, .. } => {
                let _writing = $store.writing().await;
                lite.write(move |$db| {
                    $crate::store::exec::at_once(async move {
                        Ok::<_, $crate::store::StoreError>($body)
                    })?
                })
                .await
            }
            $crate::store::Pool::Postgres(p) => {
                let mut tx = p.begin().await?;
                let end = {
                    let $db = &mut $crate::store::exec::Pg(&mut *tx);
                    async { Ok::<_, $crate::store::StoreError>($body) }.await
                };
                $crate::store::exec::finish_pg(tx, end).await
            }
        }
    };
}

mod audit;
mod backup;
mod begin;
mod bypass;
mod exec;
mod factors;
mod lite;
mod open;
mod passkeys;
mod settle;
mod state;
mod sweep;
mod unlock;

pub use audit::AuditPage;
pub use begin::{Begun, NewLogin};
pub use bypass::BypassRow;
pub use settle::{Attempt, ExternalLimit, Proof, Settled};
pub use sweep::Swept;

pub use open::Opening;

impl Store {
    /// The turn to write (SQLite), held until the guard drops.
    async fn writing(&self) -> Option<tokio::sync::MutexGuard<'_, ()>> {
        match &self.writer {
            Some(w) => Some(w.lock().await),
            None => None,
        }
    }

    /// Close every connection, after the work in flight (a shutdown).
    pub async fn close(&self) {
        on_pool!(self, |p| p.close().await)
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn urls_lose_their_passwords_and_give_up_the_schema() {
        assert_eq!(
            redact("postgres://mfac:hunter2@db/mfac?password=hunter2&sslmode=require"),
            "postgres://mfac:***@db/mfac?password=***&sslmode=require"
        );
        assert_eq!(redact("postgres://db/mfac"), "postgres://db/mfac");
        assert_eq!(
            take_schema("postgres://db/test?schema=r1&sslmode=disable"),
            (
                "postgres://db/test?sslmode=disable".to_string(),
                Some("r1".to_string())
            )
        );
        assert_eq!(
            take_schema("postgres://db/test?schema=r1"),
            ("postgres://db/test".to_string(), Some("r1".to_string()))
        );
        assert_eq!(
            take_schema("postgres://db/test"),
            ("postgres://db/test".to_string(), None)
        );
    }
}
