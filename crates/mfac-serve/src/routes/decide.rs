//! `POST /v1/decide`: `mfac eval --format json`'s object plus a
//! `decision_id`. Pure: the caller supplies the state.

use super::{count_decision, groups, reply_ordered, Shared};
use crate::error::{ApiError, Body};
use axum::http::StatusCode;
use axum::response::Response;
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
    let group_refs = groups(&r.groups)?;
    let ctx = r.login(&group_refs, policy.timezone(), app.now())?;
    let d = policy.decide(&ctx);
    count_decision(&app, d.outcome);
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
    Ok(reply_ordered(StatusCode::OK, &body))
}
