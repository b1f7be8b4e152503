//! The routes of the HTTP contract (`docs/api.md`), each a plain function
//! from the request to the library's call and back: bodies are the
//! library's types (`mfac_login::api`), and every route is described for
//! the OpenAPI document (the `openapi` module) beside its code.

pub mod admin;
pub mod bypass;
pub mod decide;
pub mod factors;
pub mod health;
pub mod logins;
pub mod status;

use crate::error::ApiError;
use crate::App;
use axum::extract::State;
use axum::http::StatusCode;
use axum::response::{IntoResponse, Response};
use axum::Json;
use std::sync::Arc;

type Shared = State<Arc<App>>;

/// A user id, group, app, label or reason, as the library checks it.
fn name<'a>(what: &'static str, v: &'a str) -> Result<&'a str, ApiError> {
    Ok(mfac_login::request::name(what, v)?)
}

/// A user id, in NFC, as the store keys it.
fn user(v: &str) -> Result<std::borrow::Cow<'_, str>, ApiError> {
    Ok(mfac_login::request::user("user", v)?)
}

fn groups(v: &[String]) -> Result<Vec<&str>, ApiError> {
    Ok(mfac_login::request::groups(v)?)
}

fn ip(v: Option<&str>, what: &'static str) -> Result<Option<std::net::IpAddr>, ApiError> {
    Ok(mfac_login::request::ip(what, v)?)
}

fn count_decision(app: &App, outcome: mfac_core::Outcome) {
    app.metrics.decision(outcome);
}

/// A body whose own serialization lists its fields in name order (every
/// struct of it declares them so, or writes them so by hand: see
/// `DecisionRecord::write_fields`), written straight to bytes.
fn reply_ordered<T: serde::Serialize>(status: StatusCode, body: &T) -> Response {
    match serde_json::to_vec(body) {
        Ok(bytes) => (
            status,
            [(
                axum::http::header::CONTENT_TYPE,
                axum::http::HeaderValue::from_static("application/json"),
            )],
            bytes,
        )
            .into_response(),
        Err(e) => ApiError::new(
            StatusCode::INTERNAL_SERVER_ERROR,
            "internal",
            format!("cannot write the answer: {e}"),
        )
        .into_response(),
    }
}

/// A typed body with its status. Through a JSON value, so that every
/// answer lists its fields in name order, as the contract always has.
fn reply<T: serde::Serialize>(status: StatusCode, body: &T) -> Response {
    match serde_json::to_value(body) {
        Ok(v) => (status, Json(v)).into_response(),
        Err(e) => ApiError::new(
            StatusCode::INTERNAL_SERVER_ERROR,
            "internal",
            format!("cannot write the answer: {e}"),
        )
        .into_response(),
    }
}

/// 429 for a locked user: when to try again, in seconds rounded up (a
/// client that waits this long is heard), or `null` past the hard limit.
fn locked(app: &App, until: Option<jiff::Timestamp>) -> Response {
    let retry_after_s = until.map(|u| {
        let d = u.duration_since(app.now());
        (d.as_secs() + i64::from(d.subsec_nanos() > 0)).max(1)
    });
    let body = mfac_login::api::Locked {
        result: mfac_login::api::LockedWord::Locked,
        retry_after_s,
    };
    reply(StatusCode::TOO_MANY_REQUESTS, &body)
}
