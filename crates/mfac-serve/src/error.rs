//! The service's one error type: every refusal is a status and a JSON body
//! `{"error": {"code", "message"}}`, never a 500 for bad input and never
//! with a secret in it (messages name fields, not the values sent).

use axum::http::StatusCode;
use axum::response::{IntoResponse, Response};

/// A request the service refuses, or cannot answer.
#[derive(Debug)]
pub struct ApiError {
    pub status: StatusCode,
    /// Stable, for programs: `bad_request`, `unauthorized`, `not_found`, ...
    pub code: &'static str,
    pub message: String,
}

impl ApiError {
    pub fn new(status: StatusCode, code: &'static str, message: impl Into<String>) -> ApiError {
        ApiError {
            status,
            code,
            message: message.into(),
        }
    }

    pub fn bad(message: impl Into<String>) -> ApiError {
        ApiError::new(StatusCode::BAD_REQUEST, "bad_request", message)
    }

    pub fn not_found(message: impl Into<String>) -> ApiError {
        ApiError::new(StatusCode::NOT_FOUND, "not_found", message)
    }
}

/// The login layer failed: the store is unreachable or damaged, or a
/// stored secret does not open. The login is not allowed (fail closed); the
/// message says what broke, without a secret (the layer's errors carry
/// none).
impl From<mfac_login::verify::LoginError> for ApiError {
    fn from(e: mfac_login::verify::LoginError) -> ApiError {
        use mfac_login::verify::LoginError as E;
        match e {
            E::Contention(_) => ApiError::new(StatusCode::CONFLICT, "contention", e.to_string()),
            E::NoEnrolment(_) => ApiError::not_found(e.to_string()),
            E::TooManyOpen(_) => ApiError::new(
                StatusCode::TOO_MANY_REQUESTS,
                "too_many_logins",
                e.to_string(),
            ),
            E::TooManyPending(_) => ApiError::new(
                StatusCode::TOO_MANY_REQUESTS,
                "too_many_pending",
                e.to_string(),
            ),
            E::Locked(_) => ApiError::new(StatusCode::TOO_MANY_REQUESTS, "locked", e.to_string()),
            _ => {
                tracing::error!(error = %e, "the login layer failed");
                ApiError::new(
                    StatusCode::SERVICE_UNAVAILABLE,
                    "unavailable",
                    "the login store cannot answer now; nothing was allowed",
                )
            }
        }
    }
}

/// A value the request may not carry: 400, naming the field.
impl From<mfac_login::request::BadValue> for ApiError {
    fn from(e: mfac_login::request::BadValue) -> ApiError {
        ApiError::bad(e.to_string())
    }
}

impl From<mfac_login::store::StoreError> for ApiError {
    fn from(e: mfac_login::store::StoreError) -> ApiError {
        mfac_login::verify::LoginError::from(e).into()
    }
}

/// The one error body, the CLI's machine errors' too: a refusal over
/// HTTP has no place in a file, so `file`, `line` and `column` are null.
impl IntoResponse for ApiError {
    fn into_response(self) -> Response {
        let body = mfac_core::wire::ErrorReport {
            diagnostics: Vec::new(),
            error: mfac_core::wire::ErrorRecord {
                code: self.code.to_string(),
                column: None,
                file: None,
                line: None,
                message: self.message,
            },
        };
        (self.status, axum::Json(body)).into_response()
    }
}

/// A JSON request body, read within the body limit and parsed with the
/// request type's own rules (unknown fields refused): every failure is a
/// JSON 4xx, where axum's own extractor answers in plain text.
pub struct Body<T>(pub T);

impl<S, T> axum::extract::FromRequest<S> for Body<T>
where
    S: Send + Sync,
    T: serde::de::DeserializeOwned,
{
    type Rejection = ApiError;

    async fn from_request(req: axum::extract::Request, state: &S) -> Result<Self, ApiError> {
        let bytes = axum::body::Bytes::from_request(req, state)
            .await
            .map_err(|r| {
                let status = r.status();
                let code = if status == StatusCode::PAYLOAD_TOO_LARGE {
                    "too_large"
                } else {
                    "bad_body"
                };
                ApiError::new(status, code, r.body_text())
            })?;
        let bytes = if bytes.is_empty() {
            axum::body::Bytes::from_static(b"{}")
        } else {
            bytes
        };
        serde_json::from_slice(&bytes)
            .map(Body)
            .map_err(|e| ApiError::bad(format!("the body is not a valid request: {}", scrub(&e))))
    }
}

/// Path parameters, parsed as axum's `Path` does, but refused in the
/// contract's JSON (axum answers a path that is not UTF-8 in plain text).
pub struct Path<T>(pub T);

impl<S, T> axum::extract::FromRequestParts<S> for Path<T>
where
    S: Send + Sync,
    T: serde::de::DeserializeOwned + Send,
{
    type Rejection = ApiError;

    async fn from_request_parts(
        parts: &mut axum::http::request::Parts,
        state: &S,
    ) -> Result<Self, ApiError> {
        axum::extract::Path::<T>::from_request_parts(parts, state)
            .await
            .map(|axum::extract::Path(v)| Path(v))
            .map_err(|_| {
                ApiError::bad("the path is not valid: each part is UTF-8 text, percent-encoded")
            })
    }
}

/// A JSON error's message without the value that caused it: serde quotes
/// the offending value (`invalid type: string "123456"`), which may be a
/// code; the kind of mistake, the field and the place are enough.
pub fn scrub(e: &serde_json::Error) -> String {
    use serde_json::error::Category;
    // A value parsed from a tree (not text) has no place: line 0.
    let place = if e.line() == 0 {
        String::new()
    } else {
        format!(" at line {} column {}", e.line(), e.column())
    };
    match e.classify() {
        Category::Syntax | Category::Eof | Category::Io => format!("malformed JSON{place}"),
        Category::Data => {
            // serde_json ends its message with the place: it is put back once.
            let full = e.to_string();
            let text = full
                .rsplit_once(" at line ")
                .map_or(full.as_str(), |(head, _)| head);
            // Field names are the caller's keys, not values: keep them.
            let named = ["unknown field", "missing field"]
                .iter()
                .any(|p| text.starts_with(p));
            match text.split(',').next() {
                // `unknown field `x`, expected one of ...`: only the name.
                Some(first) if named => format!("{first}{place}"),
                // `unknown variant `v`` quotes a value: leave it out.
                _ if text.starts_with("unknown variant") => {
                    format!("a value that is not one of the allowed words{place}")
                }
                _ => format!("a value of the wrong type or form{place}"),
            }
        }
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn a_parse_error_keeps_the_field_and_drops_the_value() {
        #[derive(serde::Deserialize, Debug)]
        #[serde(deny_unknown_fields)]
        #[allow(dead_code)]
        struct R {
            code: String,
        }
        let e = serde_json::from_str::<R>(r#"{"code": 123456}"#).unwrap_err();
        let s = scrub(&e);
        assert!(!s.contains("123456"), "{s}");
        assert!(s.contains("wrong type"), "{s}");
        let e = serde_json::from_str::<R>(r#"{"code": "1", "extra": 1}"#).unwrap_err();
        assert!(scrub(&e).contains("unknown field `extra`"), "{}", scrub(&e));
        let e = serde_json::from_str::<R>(r#"{}"#).unwrap_err();
        assert_eq!(scrub(&e), "missing field `code` at line 1 column 2");
        let tree = serde_json::json!({"code": 1});
        let e = serde_json::from_value::<R>(tree).unwrap_err();
        assert_eq!(
            scrub(&e),
            "a value of the wrong type or form",
            "no place from a tree"
        );
    }
}
