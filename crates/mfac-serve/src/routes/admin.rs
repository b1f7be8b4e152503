//! What a security team calls: the audit trail, a page at a time, and an
//! unlock of a locked user.

use super::{name, reply, Shared};
use crate::error::{ApiError, Body, Path};
use axum::extract::Query;
use axum::http::StatusCode;
use axum::response::Response;
use mfac_login::api::{AuditPage, AuditParams, ErrorReport, UnlockRequest, Unlocked};
use mfac_login::events::EventKind;

#[utoipa::path(
    post,
    path = "/v1/users/{user}/unlock",
    tag = "admin",
    params(("user" = String, Path)),
    request_body = UnlockRequest,
    responses(
        (status = 200, description = "The user's failures and lock-out cleared, the hard limit's too (audited)", body = Unlocked),
        (status = 400, description = "No reason", body = ErrorReport),
    ),
    security(("bearer" = []))
)]
pub async fn unlock(
    axum::extract::State(app): Shared,
    Path(user): Path<String>,
    Body(r): Body<UnlockRequest>,
) -> Result<Response, ApiError> {
    let user = super::user(&user)?;
    let user = &*user;
    let reason = name("reason", r.reason.trim())?;
    let done = app.verifier.unlock(user, reason).await?;
    let body = Unlocked {
        user: user.to_string(),
        unlocked: true,
        was_locked: done.locked,
        hard_limit: done.hard_limit,
        failures_cleared: done.failures,
    };
    Ok(reply(StatusCode::OK, &body))
}

/// The most events one `GET /v1/audit` returns.
const MAX_EVENTS: usize = 1000;

#[utoipa::path(
    get,
    path = "/v1/audit",
    tag = "admin",
    params(AuditParams),
    responses(
        (status = 200, description = "The newest `limit` events older than `before`, oldest first", body = AuditPage),
        (status = 400, body = ErrorReport),
    ),
    security(("bearer" = []))
)]
pub async fn audit(
    axum::extract::State(app): Shared,
    q: Result<Query<AuditParams>, axum::extract::rejection::QueryRejection>,
) -> Result<Response, ApiError> {
    let Query(q) = q.map_err(|e| ApiError::bad(e.body_text()))?;
    let since = q
        .since
        .as_deref()
        .map(|t| {
            mfac_core::time::parse_instant(t, &jiff::tz::TimeZone::UTC)
                .map_err(|e| ApiError::bad(format!("`since`: {e}")))
        })
        .transpose()?;
    let limit = q.limit.unwrap_or(100);
    if limit == 0 || limit > MAX_EVENTS {
        return Err(ApiError::bad(format!("`limit` is 1 to {MAX_EVENTS}")));
    }
    let kind = q
        .kind
        .as_deref()
        .map(|k| {
            EventKind::from_name(k)
                .ok_or_else(|| ApiError::bad(format!("`type` is one of {}", EventKind::names())))
        })
        .transpose()?;
    let query = mfac_login::store::AuditQuery {
        user: q.user.as_deref(),
        kind,
        since,
        before: q.before,
        limit: Some(limit),
        report_only: q.report_only.unwrap_or(false),
    };
    let page = app.verifier.store.audit_page(&query).await?;
    let body = AuditPage {
        events: page.events,
        next_before: page.next_before,
    };
    Ok(reply(StatusCode::OK, &body))
}
