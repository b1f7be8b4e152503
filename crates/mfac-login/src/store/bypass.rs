//! Helpdesk bypasses: granted, ended early, and the one in force for a
//! login. Each change is one transaction with its audit event.

use super::*;

/// A bypass as stored.
#[derive(Clone, Debug, PartialEq, Eq)]
pub struct BypassRow {
    pub id: String,
    pub user: String,
    pub granted_at: Timestamp,
    pub until: Timestamp,
    pub reason: String,
    pub ticket: String,
    pub ended_at: Option<Timestamp>,
}

impl BypassRow {
    /// Is it in force at `at`: not ended, and `at` before its `until`?
    pub fn in_force(&self, at: Timestamp) -> bool {
        self.ended_at.is_none() && at < self.until
    }

    /// It as `policy` honours it at `at` for a login with these groups:
    /// its grant (ending sooner when `bypass max` was lowered since), or
    /// why it is not honoured.
    pub fn honoured(
        &self,
        policy: &mfac_core::eval::Policy,
        groups: &[&str],
        at: Timestamp,
    ) -> Result<mfac_core::eval::BypassGrant, mfac_core::eval::BypassRefusal> {
        use mfac_core::eval::BypassRefusal;
        if let Some(r) = policy.bypass_refusal(&self.user, groups) {
            return Err(r);
        }
        let end = policy
            .bypass_end(self.granted_at, self.until)
            .ok_or(BypassRefusal::NoneAllowed)?;
        if at >= end {
            return Err(BypassRefusal::TooLong {
                max: policy.bypass().map_or(0, |b| b.max),
            });
        }
        Ok(mfac_core::eval::BypassGrant {
            id: self.id.clone(),
            until: end,
            reason: self.reason.clone(),
            ticket: self.ticket.clone(),
        })
    }
}

/// A bypass row's columns, in the order [`bypass_row`] reads them: a macro,
/// so that every statement is one constant string.
macro_rules! columns {
    () => {
        "id, user_id, granted_at, until, reason, ticket, ended_at"
    };
}

/// The bypass of user `$1` in force at `$2` (ns) that ends last: what a
/// login reads ([`Store::login_state`]).
/// The bypass in force for user `$1` at `$2` (nanoseconds), if any.
macro_rules! in_force {
    () => {
        concat!(
            "SELECT ",
            columns!(),
            " FROM bypasses WHERE user_id = $1 AND ended_at IS NULL AND until_ns > $2 ORDER BY until_ns DESC LIMIT 1"
        )
    };
}

/// What a login reads of a user, in one statement (each statement is a
/// hop to the connection's thread on SQLite): a row per kind of factor
/// active (backup codes while any is unused; one row with no kind when
/// none is), each with the last verified MFA and the bypass in force.
pub(super) const LOGIN_STATE: &str = concat!(
    "SELECT k.kind, m.last_mfa_at, m.last_mfa_ip, m.logins_since, m.last_mfa_aal, b.* ",
    "FROM (SELECT 1 AS one) AS o ",
    "LEFT JOIN (SELECT DISTINCT kind FROM factors WHERE user_id = $1 AND status = 'active' ",
    "UNION SELECT 'backup_code' FROM backup_codes WHERE user_id = $1 AND used_at IS NULL) AS k ON TRUE ",
    "LEFT JOIN mfa_state AS m ON m.user_id = $1 ",
    "LEFT JOIN (",
    in_force!(),
    ") AS b ON TRUE"
);
const END: &str = concat!(
    "UPDATE bypasses SET ended_at = $1 WHERE id = $2 AND user_id = $3 AND ended_at IS NULL AND until_ns > $4 RETURNING ",
    columns!()
);
const LIST: &str = concat!(
    "SELECT ",
    columns!(),
    " FROM bypasses WHERE (CAST($1 AS TEXT) IS NULL OR user_id = CAST($1 AS TEXT)) ORDER BY granted_at DESC, id"
);

pub(super) fn bypass_row(row: &super::exec::Row) -> Result<BypassRow, StoreError> {
    bypass_row_at(row, 0)
}

/// [`bypass_row`] for a row whose bypass columns start at `at`.
pub(super) fn bypass_row_at(row: &super::exec::Row, at: usize) -> Result<BypassRow, StoreError> {
    let ended: Option<String> = row.get(at + 6)?;
    Ok(BypassRow {
        id: row.get(at)?,
        user: row.get(at + 1)?,
        granted_at: stored_time(&row.get::<String>(at + 2)?, "bypass grant time")?,
        until: stored_time(&row.get::<String>(at + 3)?, "bypass end")?,
        reason: row.get(at + 4)?,
        ticket: row.get(at + 5)?,
        ended_at: match ended {
            Some(t) => Some(stored_time(&t, "bypass early end")?),
            None => None,
        },
    })
}

impl Store {
    /// Keep a granted bypass, with its audit event, in one transaction.
    pub async fn grant_bypass(&self, b: &BypassRow, event: &AuditEvent) -> Result<(), StoreError> {
        const SQL: &str = "INSERT INTO bypasses (id, user_id, granted_at, until, until_ns, reason, ticket) VALUES ($1, $2, $3, $4, $5, $6, $7)";
        let _writing = self.writing().await;
        let at = event.at.to_string();
        on_pool!(self, |p| {
            let mut tx = p.begin().await?;
            sqlx::query(SQL)
                .bind(&b.id)
                .bind(&b.user)
                .bind(b.granted_at.to_string())
                .bind(b.until.to_string())
                .bind(nanos(b.until))
                .bind(&b.reason)
                .bind(&b.ticket)
                .execute(&mut *tx)
                .await?;
            insert_audit!(&mut *tx, &at, event);
            tx.commit().await?;
            Ok::<_, StoreError>(())
        })
    }

    /// End `user`'s bypass `id` at `event.at`, if it is still in force,
    /// with its audit event in the same transaction: the bypass as it
    /// was, or `None` (no such bypass of this user, or over already).
    pub async fn end_bypass(
        &self,
        user: &str,
        id: &str,
        event: &AuditEvent,
    ) -> Result<Option<BypassRow>, StoreError> {
        let _writing = self.writing().await;
        let at = event.at.to_string();
        on_pool!(self, |p| {
            let mut tx = p.begin().await?;
            let row = sqlx::query(END)
                .bind(&at)
                .bind(id)
                .bind(user)
                .bind(nanos(event.at))
                .fetch_optional(&mut *tx)
                .await?;
            let Some(row) = row else {
                return Ok(None);
            };
            let ended = bypass_row(&super::exec::sqlx_row(&row)?)?;
            insert_audit!(&mut *tx, &at, event);
            tx.commit().await?;
            Ok::<_, StoreError>(Some(ended))
        })
    }

    /// Every bypass (of `user`, when given), latest grant first.
    pub async fn bypasses(&self, user: Option<&str>) -> Result<Vec<BypassRow>, StoreError> {
        on_pool!(self, |p| {
            let rows = sqlx::query(LIST).bind(user).fetch_all(p).await?;
            rows.iter()
                .map(|r| bypass_row(&super::exec::sqlx_row(r)?))
                .collect::<Result<Vec<_>, _>>()
        })
    }
}
