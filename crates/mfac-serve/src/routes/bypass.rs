//! A helpdesk bypass: granted within the running policy's `bypass max`
//! (403 when the policy allows none, 422 past its bounds), and ended early.

use super::{groups, name, reply, user, Shared};
use crate::error::{ApiError, Body, Path};
use axum::extract::Query;
use axum::http::StatusCode;
use axum::response::Response;
use mfac_core::eval::BypassRefusal;
use mfac_login::api::{BypassGranted, BypassRequest, BypassesEnded, EndBypassParams, ErrorReport};
use mfac_login::helpdesk::BypassError;

impl From<BypassError> for ApiError {
    fn from(e: BypassError) -> ApiError {
        match e {
            BypassError::Refused(r) => {
                let status = match r {
                    BypassRefusal::NoneAllowed => StatusCode::FORBIDDEN,
                    _ => StatusCode::UNPROCESSABLE_ENTITY,
                };
                ApiError::new(status, r.code(), r.message())
            }
            BypassError::Login(e) => e.into(),
        }
    }
}

#[utoipa::path(
    post,
    path = "/v1/users/{user}/bypass",
    tag = "admin",
    params(("user" = String, Path)),
    request_body = BypassRequest,
    responses(
        (status = 201, description = "Granted (audited): logins of the user are allowed without MFA until `until`", body = BypassGranted),
        (status = 400, description = "A missing or malformed field", body = ErrorReport),
        (status = 403, description = "The policy allows no bypass", body = ErrorReport),
        (status = 422, description = "Past `bypass max`, not in a bypass group, or a privileged user the policy does not let be bypassed", body = ErrorReport),
    ),
    security(("bearer" = []))
)]
pub async fn grant(
    axum::extract::State(app): Shared,
    Path(who): Path<String>,
    Body(r): Body<BypassRequest>,
) -> Result<Response, ApiError> {
    let who = user(&who)?;
    let reason = name("reason", r.reason.trim())?;
    let ticket = name("ticket", r.ticket.trim())?;
    let groups = groups(&r.groups)?;
    let running = app.policy.load_full();
    let tz = running.policy.timezone();
    let until = mfac_core::time::parse_instant(&r.until, tz)
        .map_err(|e| ApiError::bad(format!("`until`: {e}")))?;
    let request = mfac_login::helpdesk::BypassRequest {
        user: &who,
        groups: &groups,
        until,
        reason,
        ticket,
    };
    let row = app.verifier.grant_bypass(&running, &request).await?;
    let body = BypassGranted {
        bypass_id: row.id,
        until: mfac_core::time::format_instant(row.until, tz),
    };
    Ok(reply(StatusCode::CREATED, &body))
}

#[utoipa::path(
    delete,
    path = "/v1/users/{user}/bypass",
    tag = "admin",
    params(("user" = String, Path), EndBypassParams),
    responses(
        (status = 200, description = "Ended now (audited)", body = BypassesEnded),
        (status = 400, body = ErrorReport),
        (status = 404, description = "No such bypass in force", body = ErrorReport),
    ),
    security(("bearer" = []))
)]
pub async fn end(
    axum::extract::State(app): Shared,
    Path(who): Path<String>,
    q: Result<Query<EndBypassParams>, axum::extract::rejection::QueryRejection>,
) -> Result<Response, ApiError> {
    let Query(q) = q.map_err(|e| ApiError::bad(e.body_text()))?;
    let who = user(&who)?;
    let reason = name("reason", q.reason.trim())?;
    let id = q
        .bypass_id
        .as_deref()
        .map(|i| name("bypass_id", i))
        .transpose()?;
    let ended = app.verifier.end_bypass(&who, id, reason).await?;
    if ended.is_empty() {
        return Err(ApiError::not_found("no bypass of this user is in force"));
    }
    let body = BypassesEnded {
        user: who.to_string(),
        ended: ended.into_iter().map(|b| b.id).collect(),
    };
    Ok(reply(StatusCode::OK, &body))
}
