//! `/v1/users/{user}/factors...`: enrolling, confirming, listing and
//! removing a user's factors. Secrets are shown once, at enrolment, and
//! never listed.

use super::{locked, name, reply, Shared};
use crate::error::{ApiError, Body, Path};
use axum::http::StatusCode;
use axum::response::{IntoResponse, Response};
use mfac_core::Factor;
use mfac_login::api::{
    BackupCodes, ConfirmFailed, ConfirmRequest, Confirmed, EnrolRequest, ErrorReport, Factors,
    FailedWord, Locked, PasskeyEnrolment, Status, TotpEnrolment,
};
use mfac_login::throttle::Gate;

/// The user an enrolment is for (in NFC), and the label they give it.
fn owner_and_label<'a>(
    user: &'a str,
    r: &'a EnrolRequest,
) -> Result<(std::borrow::Cow<'a, str>, Option<&'a str>), ApiError> {
    let label = r.label.as_deref().map(|l| name("label", l)).transpose()?;
    Ok((super::user(user)?, label))
}

fn factor_id(v: &str) -> Result<i64, ApiError> {
    v.parse()
        .map_err(|_| ApiError::not_found("no such factor for this user"))
}

#[utoipa::path(
    post,
    path = "/v1/users/{user}/factors/totp",
    tag = "factors",
    params(("user" = String, Path)),
    request_body = EnrolRequest,
    responses(
        (status = 201, description = "Pending: confirm with the app's first code", body = TotpEnrolment),
        (status = 400, body = ErrorReport),
        (status = 429, description = "--max-pending enrolments pending already (too_many_pending)", body = ErrorReport),
    ),
    security(("bearer" = []))
)]
pub async fn enrol_totp(
    axum::extract::State(app): Shared,
    Path(user): Path<String>,
    Body(r): Body<EnrolRequest>,
) -> Result<Response, ApiError> {
    let (user, label) = owner_and_label(&user, &r)?;
    let user = &*user;
    let e = app.verifier.enrol_totp_labelled(user, label).await?;
    let body = TotpEnrolment {
        factor_id: e.factor.to_string(),
        kind: Factor::Totp,
        status: Status::Pending,
        otpauth_uri: e.uri,
        qr_svg: e.qr_svg,
    };
    Ok(reply(StatusCode::CREATED, &body))
}

#[utoipa::path(
    post,
    path = "/v1/users/{user}/factors/webauthn",
    tag = "factors",
    params(("user" = String, Path)),
    request_body = EnrolRequest,
    responses(
        (status = 201, description = "Pending: confirm with the browser's credential", body = PasskeyEnrolment),
        (status = 400, body = ErrorReport),
        (status = 429, description = "--max-pending enrolments pending already (too_many_pending)", body = ErrorReport),
    ),
    security(("bearer" = []))
)]
pub async fn enrol_webauthn(
    axum::extract::State(app): Shared,
    Path(user): Path<String>,
    Body(r): Body<EnrolRequest>,
) -> Result<Response, ApiError> {
    let (user, label) = owner_and_label(&user, &r)?;
    let user = &*user;
    let c = app
        .verifier
        .start_passkey_registration_labelled(user, label)
        .await?;
    let body = PasskeyEnrolment {
        factor_id: c.id,
        kind: Factor::Webauthn,
        status: Status::Pending,
        options: c.challenge,
    };
    Ok(reply(StatusCode::CREATED, &body))
}

/// The body of `POST .../backup_code`: nothing.
#[derive(serde::Deserialize, utoipa::ToSchema)]
#[serde(deny_unknown_fields)]
pub struct EmptyBody {}

#[utoipa::path(
    post,
    path = "/v1/users/{user}/factors/backup_code",
    tag = "factors",
    params(("user" = String, Path)),
    request_body = EmptyBody,
    responses(
        (status = 201, description = "A new set, shown once; it replaces the old", body = BackupCodes),
        (status = 400, body = ErrorReport),
    ),
    security(("bearer" = []))
)]
pub async fn new_backup_codes(
    axum::extract::State(app): Shared,
    Path(user): Path<String>,
    Body(_): Body<EmptyBody>,
) -> Result<Response, ApiError> {
    let user = super::user(&user)?;
    let user = &*user;
    let codes = app.verifier.new_backup_codes(user).await?;
    let body = BackupCodes {
        factor_id: "backup_code".into(),
        kind: Factor::BackupCode,
        status: Status::Active,
        codes,
    };
    Ok(reply(StatusCode::CREATED, &body))
}

#[utoipa::path(
    post,
    path = "/v1/users/{user}/factors/{factor_id}/confirm",
    tag = "factors",
    params(("user" = String, Path), ("factor_id" = String, Path)),
    request_body = ConfirmRequest,
    responses(
        (status = 200, description = "Active", body = Confirmed),
        (status = 400, body = ErrorReport),
        (status = 401, description = "A wrong code (counted like a verification's) or credential", body = ConfirmFailed),
        (status = 404, description = "No such pending factor", body = ErrorReport),
        (status = 429, description = "Locked", body = Locked),
    ),
    security(("bearer" = []))
)]
pub async fn confirm(
    axum::extract::State(app): Shared,
    Path((user, factor)): Path<(String, String)>,
    Body(r): Body<ConfirmRequest>,
) -> Result<Response, ApiError> {
    let user = super::user(&user)?;
    let user = &*user;
    let id = factor_id(&factor)?;
    let listed = app.verifier.list_factors(user).await?;
    let Some(f) = listed
        .iter()
        .find(|f| f.id == id && f.status == Status::Pending)
    else {
        return Err(ApiError::not_found(
            "no pending factor with this id for this user",
        ));
    };
    let wrong = |reason: &str, attempts_left: Option<u32>| {
        let body = ConfirmFailed {
            result: FailedWord::Failed,
            reason: reason.to_string(),
            attempts_left,
        };
        reply(StatusCode::UNAUTHORIZED, &body)
    };
    let kind = match (f.kind, r.code, r.credential) {
        (Factor::Totp, Some(code), None) => {
            let confirmed = match app.verifier.confirm_totp(user, id, &code).await {
                Err(mfac_login::verify::LoginError::Locked(until)) => {
                    return Ok(locked(&app, until))
                }
                other => other?,
            };
            if !confirmed {
                // Counted like a verification's wrong code.
                let left = match app.verifier.gate(user).await? {
                    Gate::Open { attempts_left } => attempts_left,
                    Gate::Locked { .. } => 0,
                };
                return Ok(wrong(
                    mfac_login::reason::Reason::WrongCode.name(),
                    Some(left),
                ));
            }
            Factor::Totp
        }
        (Factor::Webauthn, None, Some(cred)) => {
            match app
                .verifier
                .finish_passkey_registration(user, &factor, &cred)
                .await?
            {
                Ok(_) => Factor::Webauthn,
                Err(reason) => return Ok(wrong(reason, None)),
            }
        }
        (Factor::Totp, ..) => {
            return Err(ApiError::bad(
                "a TOTP factor is confirmed with `code` alone",
            ))
        }
        _ => {
            return Err(ApiError::bad(
                "a passkey is confirmed with `credential` alone",
            ))
        }
    };
    let body = Confirmed {
        factor_id: factor,
        kind,
        status: Status::Active,
    };
    Ok(reply(StatusCode::OK, &body))
}

#[utoipa::path(
    get,
    path = "/v1/users/{user}/factors",
    tag = "factors",
    params(("user" = String, Path)),
    responses((status = 200, description = "Never a secret", body = Factors)),
    security(("bearer" = []))
)]
pub async fn list_factors(
    axum::extract::State(app): Shared,
    Path(user): Path<String>,
) -> Result<Response, ApiError> {
    let user = super::user(&user)?;
    let user = &*user;
    let factors = mfac_login::kinds::list_all(&app.verifier, user).await?;
    Ok(reply(StatusCode::OK, &Factors { factors }))
}

#[utoipa::path(
    delete,
    path = "/v1/users/{user}/factors/{factor_id}",
    tag = "factors",
    params(("user" = String, Path), ("factor_id" = String, Path, description = "A factor's id, or backup_code for the unused codes")),
    responses(
        (status = 204, description = "Removed: its secret erased (audited)"),
        (status = 404, description = "No such factor", body = ErrorReport),
    ),
    security(("bearer" = []))
)]
pub async fn remove_factor(
    axum::extract::State(app): Shared,
    Path((user, factor)): Path<(String, String)>,
) -> Result<Response, ApiError> {
    let user = super::user(&user)?;
    let user = &*user;
    let done = app
        .verifier
        .remove_factor(user, factor_id(&factor)?)
        .await?;
    removed(done)
}

/// `DELETE /v1/users/{user}/factors/backup_code`: the whole set at once,
/// as it was issued.
pub async fn remove_backup_codes(
    axum::extract::State(app): Shared,
    Path(user): Path<String>,
) -> Result<Response, ApiError> {
    let user = super::user(&user)?;
    let user = &*user;
    removed(app.verifier.remove_backup_codes(user).await?)
}

/// `POST /v1/users/{user}/factors/{kind}` for a kind mfac does not enrol.
pub async fn no_such_kind() -> ApiError {
    ApiError::not_found(
        "no such kind of factor to enrol: totp, webauthn or backup_code (sms, email and push are your provider's)",
    )
}

fn removed(done: bool) -> Result<Response, ApiError> {
    if !done {
        return Err(ApiError::not_found("no such factor for this user"));
    }
    Ok(StatusCode::NO_CONTENT.into_response())
}
