//! A login decided, kept in one transaction with its audit event: the
//! remembered login counted toward `max_logins` (compare-and-set), and at
//! most so many challenges open per user at once.

use super::exec::{args, End, Exec};
use super::{audit_args, nanos, AuditEvent, LastMfaRow, Store, StoreError, INSERT_AUDIT};
use jiff::Timestamp;

/// A login to keep: its id, decision and policy come from the decision's
/// audit event.
#[derive(Clone, Copy, Debug)]
pub struct NewLogin<'a> {
    /// The offered factor kinds of a challenge, comma-separated; empty for
    /// a login that needs no answer.
    pub allowed: &'a str,
    pub expires: Timestamp,
    /// For a challenge: how many the user may have open (unanswered and
    /// unexpired) at once, this one included.
    pub max_open: Option<u32>,
}

/// How keeping a login ended.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub enum Begun {
    Kept,
    /// The state the decision read changed meanwhile: decide again.
    Changed,
    /// The user has as many challenges open as allowed: nothing written.
    TooManyOpen,
}

const COUNT: &str = "UPDATE mfa_state SET logins_since = logins_since + 1 WHERE user_id = $1 AND logins_since = $2 AND last_mfa_at = $3";
const LOGIN: &str = "INSERT INTO logins (id, user_id, decision, allowed, ip, created_at, expires_at, decision_id, app, policy_sha256, expires_ns) VALUES ($1, $2, $3, $4, $5, $6, $7, $8, $9, $10, $11)";
// Holds the user's throttle row, so that concurrent logins of one user (on
// any replica) count the open ones one at a time.
const HOLD: &str = "INSERT INTO throttle (user_id, consecutive, total, lockouts) VALUES ($1, 0, 0, 0) ON CONFLICT (user_id) DO UPDATE SET total = throttle.total";
const OPEN: &str = "SELECT COUNT(*) FROM logins WHERE user_id = $1 AND answered_at IS NULL AND allowed <> '' AND expires_ns > $2";

impl Store {
    /// Keep a decided login, in one transaction: its audit event, the
    /// remembered login counted toward `max_logins`, and the login (a
    /// challenge open to its answer). The count is a compare-and-set on the
    /// state the decision read (`remembered`): `Changed`, and nothing
    /// written, when another login counted or an MFA was verified in
    /// between. A challenge past `max_open` is `TooManyOpen`.
    pub async fn commit_begun(
        &self,
        event: &AuditEvent,
        remembered: Option<&LastMfaRow>,
        login: NewLogin<'_>,
    ) -> Result<Begun, StoreError> {
        // Owned: on SQLite the transaction runs on the writer's thread.
        let event = event.clone();
        let remembered = remembered.cloned();
        let allowed = login.allowed.to_string();
        let (expires, max_open) = (login.expires, login.max_open);
        let at = event.at.to_string();
        write_tx!(self, |db| {
            if let (Some(max), false) = (max_open, allowed.is_empty()) {
                db.execute(HOLD, args![&event.user]).await?;
                let open: i64 = db
                    .one(OPEN, args![&event.user, nanos(event.at)])
                    .await?
                    .get(0)?;
                if open >= i64::from(max) {
                    return Ok(End::Rollback(Begun::TooManyOpen));
                }
            }
            if let Some(last) = &remembered {
                let count = args![&event.user, last.logins_since, last.at.to_string()];
                if db.execute(COUNT, count).await? != 1 {
                    return Ok(End::Rollback(Begun::Changed));
                }
            }
            db.execute(INSERT_AUDIT, audit_args(&at, &event)).await?;
            let row = args![
                &event.login_id,
                &event.user,
                &event.decision,
                &allowed,
                &event.ip,
                &at,
                expires.to_string(),
                &event.decision_id,
                &event.app,
                &event.policy_sha256,
                nanos(expires),
            ];
            db.execute(LOGIN, row).await?;
            End::Commit(Begun::Kept)
        })
    }
}
