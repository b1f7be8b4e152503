//! The routes without a token: health and metrics (the OpenAPI document
//! serves itself, from the `openapi` module).

use super::{reply, Shared};
use axum::http::StatusCode;
use axum::response::{IntoResponse, Response};
use mfac_login::api::{Health, RunningPolicy};

#[utoipa::path(
    get,
    path = "/healthz",
    tag = "service",
    responses((status = 200, description = "The running policy, and why the last reload was refused (until one succeeds)", body = Health))
)]
pub async fn healthz(axum::extract::State(app): Shared) -> Response {
    let p = app.policy.load();
    let error = app.reload_error.load();
    let body = Health {
        status: "ok".into(),
        policy: RunningPolicy {
            file: p.file.clone(),
            sha256: p.sha256.clone(),
            loaded_at: p.loaded_at.to_string(),
        },
        reload_error: error.as_deref().map(|e| e.to_string()),
    };
    reply(StatusCode::OK, &body)
}

/// `GET /metrics`: Prometheus text.
pub async fn metrics(axum::extract::State(app): Shared) -> Response {
    (
        [(
            axum::http::header::CONTENT_TYPE,
            "text/plain; version=0.0.4; charset=utf-8",
        )],
        format!(
            "{}# HELP mfac_argon2_hashes_total Argon2 hashes computed (backup codes issued and checked).\n# TYPE mfac_argon2_hashes_total counter\nmfac_argon2_hashes_total {}\n",
            app.metrics.render(),
            app.verifier.argon2_hashes()
        ),
    )
        .into_response()
}
