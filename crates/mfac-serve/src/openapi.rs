//! The service's OpenAPI 3.1 document, generated from the routes'
//! descriptions and the library's body types (never written by hand):
//! served at `GET /openapi.json` and checked in as `docs/openapi.json`,
//! which a test keeps current.

use crate::routes;
use utoipa::openapi::security::{HttpAuthScheme, HttpBuilder, SecurityScheme};
use utoipa::OpenApi;

#[derive(OpenApi)]
#[openapi(
    info(
        title = "mfac serve",
        description = "MFA at sign-in: decisions from an mfac policy, factors verified by mfac (TOTP, passkeys, backup codes) or reported by your provider (sms, email, push), the login state and the audit. The guarantees and the failure-counting rules are in docs/api.md.",
        license(name = "Apache-2.0", identifier = "Apache-2.0")
    ),
    paths(
        routes::decide::decide,
        routes::logins::begin_login,
        routes::logins::verify,
        routes::factors::enrol_totp,
        routes::factors::enrol_webauthn,
        routes::factors::new_backup_codes,
        routes::factors::confirm,
        routes::factors::list_factors,
        routes::factors::remove_factor,
        routes::status::status,
        routes::admin::unlock,
        routes::bypass::grant,
        routes::bypass::end,
        routes::admin::audit,
        routes::health::healthz,
    ),
    modifiers(&Bearer),
    tags(
        (name = "decisions", description = "A decision from the caller's own state, touching no store"),
        (name = "logins", description = "A login decided from the store's state, and its challenge answered once"),
        (name = "factors", description = "Enrolling, confirming, listing and removing factors"),
        (name = "admin", description = "The audit trail, unlocking a user, and a helpdesk bypass"),
        (name = "service", description = "Health, with no token"),
    )
)]
pub struct Api;

/// Every `/v1` route wants `Authorization: Bearer TOKEN`.
struct Bearer;

impl utoipa::Modify for Bearer {
    fn modify(&self, openapi: &mut utoipa::openapi::OpenApi) {
        let components = openapi.components.get_or_insert_with(Default::default);
        components.add_security_scheme(
            "bearer",
            SecurityScheme::Http(HttpBuilder::new().scheme(HttpAuthScheme::Bearer).build()),
        );
    }
}

/// The document, as pretty JSON with a final newline.
pub fn json() -> String {
    match Api::openapi().to_pretty_json() {
        Ok(text) => format!("{text}\n"),
        Err(e) => format!("{{\"error\": {{\"code\": \"internal\", \"message\": \"cannot write the OpenAPI document: {e}\"}}}}\n"),
    }
}

/// `GET /openapi.json`: this service's OpenAPI 3.1 document.
pub async fn serve() -> axum::response::Response {
    use axum::response::IntoResponse;
    (
        [(axum::http::header::CONTENT_TYPE, "application/json")],
        json(),
    )
        .into_response()
}
