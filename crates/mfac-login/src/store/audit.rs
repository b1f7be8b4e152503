//! The audit trail: appended to in the transaction of what it records, and
//! read a page at a time, filtered, ordered and limited in SQL (by the
//! indexes on user, kind and instant), so reading the newest events costs
//! the same at a thousand events as at a million.

use super::exec::{Arg, Exec};
use super::{stored_time, AuditEvent, AuditQuery, EventKind, Store, StoreError};
use sqlx::Row;

/// A page of the audit trail, oldest first, and the cursor of the page
/// before it (`before`), when there may be one.
#[derive(Clone, Debug, Default, PartialEq, Eq)]
pub struct AuditPage {
    pub events: Vec<AuditEvent>,
    pub next_before: Option<i64>,
}

const COLUMNS: &str = "id, at, user_id, kind, detail, app, ip, decision, factor, result, reason, decision_id, login_id, policy_sha256, exempt, report_only";

/// The query's `WHERE` (with `$n` in the order its arguments are bound).
fn filter(q: &AuditQuery<'_>) -> (String, Vec<Arg>) {
    let mut terms = Vec::new();
    let mut params = Vec::new();
    let mut add = |sql: &str, p: Arg| {
        params.push(p);
        terms.push(sql.replace('?', &format!("${}", params.len())));
    };
    if let Some(u) = q.user {
        add("user_id = ?", Arg::from(u));
    }
    if let Some(k) = q.kind {
        add("kind = ?", Arg::from(k.name()));
    }
    if let Some(t) = q.since {
        add("at_ns >= ?", Arg::from(super::nanos(t)));
    }
    if let Some(id) = q.before {
        add("id < ?", Arg::from(id));
    }
    if q.report_only {
        terms.push("report_only IS NOT NULL".to_string());
    }
    let sql = if terms.is_empty() {
        String::new()
    } else {
        format!("WHERE {}", terms.join(" AND "))
    };
    (sql, params)
}

impl Store {
    /// Append to the audit trail.
    pub async fn audit(&self, e: &AuditEvent) -> Result<(), StoreError> {
        let row = super::audit_args(&e.at.to_string(), e);
        write_tx!(self, |db| {
            db.execute(super::INSERT_AUDIT, row).await?;
            super::exec::End::Commit(())
        })
    }

    /// The newest events `q` asks for (all of them without a limit),
    /// oldest first, with the cursor of the page before.
    pub async fn audit_page(&self, q: &AuditQuery<'_>) -> Result<AuditPage, StoreError> {
        let (filter, params) = filter(q);
        let limit = q.limit.map_or(String::new(), |n| format!(" LIMIT {n}"));
        let sql = format!("SELECT {COLUMNS} FROM audit {filter} ORDER BY id DESC{limit}");
        let rows = on_pool!(self, |p| {
            super::exec::bind(sqlx::query(&sql), params)
                .fetch_all(p)
                .await?
                .iter()
                .map(|r| {
                    let text = |i: usize| r.try_get::<Option<String>, _>(i);
                    Ok((
                        r.try_get::<String, _>(1)?,
                        r.try_get::<String, _>(3)?,
                        AuditEvent {
                            id: r.try_get(0)?,
                            at: jiff::Timestamp::UNIX_EPOCH,
                            user: r.try_get(2)?,
                            kind: EventKind::default(),
                            detail: r.try_get(4)?,
                            app: text(5)?,
                            ip: text(6)?,
                            decision: text(7)?,
                            factor: text(8)?,
                            result: text(9)?,
                            reason: text(10)?,
                            decision_id: text(11)?,
                            login_id: text(12)?,
                            policy_sha256: text(13)?,
                            exempt: text(14)?,
                            report_only: text(15)?,
                        },
                    ))
                })
                .collect::<Result<Vec<_>, sqlx::Error>>()?
        });
        let full = q.limit.is_some_and(|n| rows.len() >= n);
        let mut events = Vec::with_capacity(rows.len());
        for (at, kind, mut e) in rows.into_iter().rev() {
            e.at = stored_time(&at, "audit time")?;
            e.kind = EventKind::from_name(&kind).ok_or_else(|| {
                StoreError::Query(format!("an audit event of an unknown kind `{kind}`"))
            })?;
            events.push(e);
        }
        let next_before = if full {
            events.first().map(|e| e.id)
        } else {
            None
        };
        Ok(AuditPage {
            events,
            next_before,
        })
    }

    /// The audit trail, oldest first, filtered by `q`.
    pub async fn audit_log(&self, q: &AuditQuery<'_>) -> Result<Vec<AuditEvent>, StoreError> {
        Ok(self.audit_page(q).await?.events)
    }

    /// The audit trail of `user`, oldest first.
    pub async fn audit_events(&self, user: &str) -> Result<Vec<AuditEvent>, StoreError> {
        let q = AuditQuery {
            user: Some(user),
            ..AuditQuery::default()
        };
        self.audit_log(&q).await
    }
}
