//! `POST /v1/decide`: `mfac eval --format json`'s object plus a
//! `decision_id`. Pure: the caller supplies the state.

use super::{count_decision, groups, ip, name, reply, Shared};
use crate::error::{ApiError, Body};
use axum::http::StatusCode;
use axum::response::Response;
use mfac_core::eval::{LastMfa, LoginContext};
use mfac_core::FactorSet;
use mfac_login::api::{DecideRequest, DecideResponse, ErrorReport};

#[utoipa::path(
    post,
    path = "/v1/decide",
    tag = "decisions",
    request_body = DecideRequest,
    responses(
        (status = 200, description = "The decision", body = DecideResponse),
        (status = 400, description = "A bad body or value", body = ErrorReport),
        (status = 401, description = "No or a wrong bearer token", body = ErrorReport),
    ),
    security(("bearer" = []))
)]
pub async fn decide(
    axum::extract::State(app): Shared,
    Body(r): Body<DecideRequest>,
) -> Result<Response, ApiError> {
    let running = app.policy.load();
    let policy = &running.policy;
    let tz = policy.timezone();
    let when = |t: &str, what: &str| {
        mfac_core::time::parse_instant(t, tz).map_err(|e| ApiError::bad(format!("`{what}`: {e}")))
    };
    let at = match &r.at {
        Some(t) => when(t, "at")?,
        None => app.now(),
    };
    let enrolled = r
        .enrolled
        .iter()
        .fold(FactorSet::EMPTY, |set, &f| set.with(f));
    let last = match &r.last_mfa {
        Some(m) => Some(LastMfa {
            at: when(&m.at, "last_mfa.at")?,
            ip: ip(m.ip.as_deref(), "last_mfa.ip")?,
            logins_since: m.logins_since,
        }),
        None => None,
    };
    let group_refs = groups(&r.groups)?;
    let ctx = LoginContext::new(name("user", &r.user)?, at)
        .groups(&group_refs)
        .app(r.app.as_deref().map(|a| name("app", a)).transpose()?)
        .ip(ip(r.ip.as_deref(), "ip")?)
        .enrolled_set(enrolled)
        .last_mfa(last);
    let d = policy.decide(&ctx);
    count_decision(&app, d.outcome.name());
    let decision_id = mfac_login::random_id().map_err(|e| {
        ApiError::new(
            StatusCode::SERVICE_UNAVAILABLE,
            "unavailable",
            e.to_string(),
        )
    })?;
    // Debug, like the request line: at this rate a line each would cost a
    // third of the throughput (`--log debug` writes them).
    tracing::debug!(decision_id = %decision_id, outcome = d.outcome.name(), sha256 = %running.sha256, "decide");
    let body = DecideResponse {
        decision: mfac_core::wire::DecisionRecord::new(policy, &ctx, &d),
        decision_id,
    };
    Ok(reply(StatusCode::OK, &body))
}
