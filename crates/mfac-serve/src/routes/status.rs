//! A user's enrolment status now: what the running policy asks of them and
//! whether the factors active in the store answer it (`mfac status`, for
//! one user; the demo page's audit panel shows it).

use super::{groups, name, reply, user, Shared};
use crate::error::{ApiError, Body, Path};
use axum::http::StatusCode;
use axum::response::Response;
use mfac_core::eval::LoginContext;
use mfac_core::wire::UserStatusRecord;
use mfac_login::api::{ErrorReport, StatusRequest};

#[utoipa::path(
    post,
    path = "/v1/users/{user}/status",
    tag = "factors",
    params(("user" = String, Path)),
    request_body = StatusRequest,
    responses(
        (status = 200, description = "disabled, pending, activated or overdue, with the policy's enforcement, deadline and allowed factors and the factors active in the store", body = UserStatusRecord),
        (status = 400, body = ErrorReport),
    ),
    security(("bearer" = []))
)]
pub async fn status(
    axum::extract::State(app): Shared,
    Path(who): Path<String>,
    Body(r): Body<StatusRequest>,
) -> Result<Response, ApiError> {
    let who = user(&who)?;
    let groups = groups(&r.groups)?;
    let app_name = r.app.as_deref().map(|a| name("app", a)).transpose()?;
    let now = app.verifier.now();
    let state = app.verifier.store.login_state(&who, now).await?;
    let running = app.policy.load_full();
    let ctx = LoginContext::new(&who, now)
        .groups(&groups)
        .app(app_name)
        .enrolled_set(state.enrolled);
    let body = UserStatusRecord::new(&running.policy, &ctx);
    Ok(reply(StatusCode::OK, &body))
}
