//! `POST /v1/logins` and `POST /v1/logins/{login_id}/verify`: a login
//! decided from the store's state, and its challenge answered once.

use super::{count_decision, groups, ip, locked, name, reply, Shared};
use crate::error::{ApiError, Body, Path};
use crate::metrics::labels;
use axum::http::StatusCode;
use axum::response::Response;
use mfac_core::{Factor, FactorSet};
use mfac_login::api::{
    Challenge, CodeAnswer, CredentialAnswer, ErrorReport, ExternalAnswer, Failed, FailedWord,
    Locked, LoginRequest, LoginResponse, Verified, VerifiedWord, VerifyRequest,
};
use mfac_login::login::{Answer, Answered, Refusal};
use mfac_login::reason::Reason;
use mfac_login::throttle::Gate;
use mfac_login::verify::Verification;
use serde_json::Value;

/// `external`: sms, email and push only.
fn external_factors(v: &[Factor]) -> Result<FactorSet, ApiError> {
    v.iter().try_fold(FactorSet::EMPTY, |set, &f| {
        if f.is_external() {
            Ok(set.with(f))
        } else {
            Err(ApiError::bad(
                "`external` lists sms, email or push: the factors your own provider delivers",
            ))
        }
    })
}

#[utoipa::path(
    post,
    path = "/v1/logins",
    tag = "logins",
    request_body = LoginRequest,
    responses(
        (status = 200, description = "The decision, and the challenge to answer", body = LoginResponse),
        (status = 400, description = "A bad body or value", body = ErrorReport),
        (status = 401, description = "No or a wrong bearer token", body = ErrorReport),
        (status = 429, description = "The user has --max-open-logins challenges open (too_many_logins)", body = ErrorReport),
        (status = 503, description = "The store cannot answer; nothing was allowed", body = ErrorReport),
    ),
    security(("bearer" = []))
)]
pub async fn begin_login(
    axum::extract::State(app): Shared,
    Body(r): Body<LoginRequest>,
) -> Result<Response, ApiError> {
    let running = app.policy.load_full();
    let user = super::user(&r.user)?;
    let user = &*user;
    let group_refs = groups(&r.groups)?;
    let app_name = r.app.as_deref().map(|a| name("app", a)).transpose()?;
    let external = external_factors(&r.external)?;
    let ask = mfac_login::login::Begin {
        user,
        groups: &group_refs,
        app: app_name,
        ip: ip(r.ip.as_deref(), "ip")?,
        external,
        step_up: r.step_up,
    };
    let login = app.verifier.begin(&running, &ask).await.inspect_err(|_| {
        app.metrics
            .count("mfac_audit_write_failures_total", String::new())
    })?;
    let outcome = login.decision.decision;
    count_decision(&app, outcome);
    let challenge = (outcome == mfac_core::Outcome::Challenge).then(|| Challenge {
        factors: login.decision.usable,
        webauthn: login.webauthn.clone(),
    });
    let body = LoginResponse {
        login_id: login.id,
        decision_id: login.decision_id,
        decision: login.decision,
        challenge,
    };
    Ok(reply(StatusCode::OK, &body))
}

/// The answer in a verify body, told apart by `factor`.
fn answer(body: Value) -> Result<(Factor, Answer), ApiError> {
    fn shape<T: serde::de::DeserializeOwned>(v: Value, form: &str) -> Result<T, ApiError> {
        serde_json::from_value(v).map_err(|e| {
            ApiError::bad(format!(
                "the body is not a valid answer ({}): this factor is answered with {form}",
                crate::error::scrub(&e)
            ))
        })
    }
    const CODE: &str = r#"{"factor": ..., "code": "..."}"#;
    const CREDENTIAL: &str = r#"{"factor": "webauthn", "credential": {...}}"#;
    const EXTERNAL: &str = r#"{"factor": ..., "external": true} (approved) or false (denied), as your provider reported"#;
    let kind = body
        .get("factor")
        .and_then(Value::as_str)
        .and_then(Factor::from_name)
        .ok_or_else(|| {
            ApiError::bad("`factor` is one of totp, webauthn, backup_code, sms, email, push")
        })?;
    let answer = match kind {
        Factor::Totp => Answer::Totp(shape::<CodeAnswer>(body, CODE)?.code),
        Factor::BackupCode => Answer::BackupCode(shape::<CodeAnswer>(body, CODE)?.code),
        Factor::Webauthn => {
            Answer::Passkey(shape::<CredentialAnswer>(body, CREDENTIAL)?.credential)
        }
        Factor::Sms | Factor::Email | Factor::Push => Answer::External {
            kind,
            approved: shape::<ExternalAnswer>(body, EXTERNAL)?.external,
        },
    };
    Ok((kind, answer))
}

#[utoipa::path(
    post,
    path = "/v1/logins/{login_id}/verify",
    tag = "logins",
    params(("login_id" = String, Path, description = "The login's id, from POST /v1/logins")),
    request_body = VerifyRequest,
    responses(
        (status = 200, description = "Verified", body = Verified),
        (status = 400, description = "A bad body", body = ErrorReport),
        (status = 401, description = "Not verified, and why (see the failure-counting table)", body = Failed),
        (status = 404, description = "No such login", body = ErrorReport),
        (status = 409, description = "The login needed no answer (no_challenge), or was verified already (already_verified)", body = ErrorReport),
        (status = 429, description = "Locked, or past the external prompts' limit", body = Locked),
    ),
    security(("bearer" = []))
)]
pub async fn verify(
    axum::extract::State(app): Shared,
    Path(login_id): Path<String>,
    Body(body): Body<Value>,
) -> Result<Response, ApiError> {
    let (kind, answer) = answer(body)?;
    if login_id.len() > 64 {
        return Err(ApiError::not_found("no such login"));
    }
    let answered = match app.verifier.answer(&login_id, &answer).await? {
        // An expired challenge or a factor the challenge did not offer
        // tried no secret, so it counts no failure; it reports the count as
        // it stands, and a locked user hears that they are locked.
        Answered::Refused(r @ (Refusal::Expired | Refusal::NotAllowed)) => {
            let open = app.verifier.store.open_login(&login_id).await?;
            let user = open.map(|l| l.user).unwrap_or_default();
            Answered::Checked(match app.verifier.gate(&user).await? {
                Gate::Open { attempts_left } => Verification::Failed {
                    reason: match r {
                        Refusal::Expired => Reason::Expired,
                        _ => Reason::NotAllowed,
                    },
                    attempts_left,
                },
                Gate::Locked { until } => Verification::Locked { until },
            })
        }
        other => other,
    };
    let result = |r: &str| {
        app.metrics.count(
            "mfac_verifications_total",
            labels(&[("factor", kind.name()), ("result", r)]),
        );
    };
    let failed = |reason: Reason, attempts_left: u32| {
        let body = Failed {
            result: FailedWord::Failed,
            reason,
            attempts_left,
        };
        reply(StatusCode::UNAUTHORIZED, &body)
    };
    Ok(match answered {
        Answered::Refused(Refusal::UnknownLogin) => {
            return Err(ApiError::not_found(
                "no login with this id awaits an answer",
            ))
        }
        Answered::Refused(Refusal::NoChallenge) => {
            return Err(ApiError::new(
                StatusCode::CONFLICT,
                "no_challenge",
                "this login needed no verification",
            ))
        }
        // A duplicate of an answer that verified: not a failure.
        Answered::Refused(Refusal::AlreadyVerified) | Answered::Checked(Verification::Closed) => {
            return Err(ApiError::new(
                StatusCode::CONFLICT,
                "already_verified",
                "this login was verified already; nothing was counted",
            ))
        }
        // Turned into a checked failure above; kept for the match.
        Answered::Refused(Refusal::Expired) => {
            result("failed");
            failed(Reason::Expired, 0)
        }
        Answered::Refused(Refusal::NotAllowed) => {
            result("failed");
            failed(Reason::NotAllowed, 0)
        }
        Answered::Checked(Verification::Verified { user, .. }) => {
            result("verified");
            let body = Verified {
                result: VerifiedWord::Verified,
                login_id,
                user,
                factor: kind,
            };
            reply(StatusCode::OK, &body)
        }
        Answered::Checked(Verification::Failed {
            reason,
            attempts_left,
        }) => {
            result("failed");
            if attempts_left == 0 {
                app.metrics.count("mfac_lockouts_total", String::new());
            }
            failed(reason, attempts_left)
        }
        Answered::Checked(Verification::Locked { until }) => {
            result("locked");
            locked(&app, until)
        }
    })
}
