//! A login decided, kept in one transaction with its audit event: the
//! remembered login counted toward `max_logins` (compare-and-set), and at
//! most so many challenges open per user at once.

use super::OneRow;
use super::{nanos, AuditEvent, LastMfaRow, Store, StoreError};
use jiff::Timestamp;
use sqlx::Row;

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
        let _writing = self.writing().await;
        let at = event.at.to_string();
        on_pool!(self, |p| {
            let mut tx = p.begin().await?;
            if let (Some(max), false) = (login.max_open, login.allowed.is_empty()) {
                sqlx::query(HOLD)
                    .bind(&event.user)
                    .execute(&mut *tx)
                    .await?;
                let open: i64 = sqlx::query(OPEN)
                    .bind(&event.user)
                    .bind(nanos(event.at))
                    .fetch_one(&mut *tx)
                    .await?
                    .try_get(0)?;
                if open >= i64::from(max) {
                    tx.rollback().await?;
                    return Ok(Begun::TooManyOpen);
                }
            }
            if let Some(last) = remembered {
                let counted = sqlx::query(COUNT)
                    .bind(&event.user)
                    .bind(last.logins_since)
                    .bind(last.at.to_string())
                    .execute(&mut *tx)
                    .await?
                    .one_row();
                if !counted {
                    tx.rollback().await?;
                    return Ok(Begun::Changed);
                }
            }
            insert_audit!(&mut *tx, &at, event);
            sqlx::query(LOGIN)
                .bind(&event.login_id)
                .bind(&event.user)
                .bind(&event.decision)
                .bind(login.allowed)
                .bind(&event.ip)
                .bind(&at)
                .bind(login.expires.to_string())
                .bind(&event.decision_id)
                .bind(&event.app)
                .bind(&event.policy_sha256)
                .bind(nanos(login.expires))
                .execute(&mut *tx)
                .await?;
            tx.commit().await?;
            Ok(Begun::Kept)
        })
    }
}
