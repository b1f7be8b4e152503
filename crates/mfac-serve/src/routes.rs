//! The routes of SERVICE.md's HTTP contract, each a plain function from the
//! request to the library's call and back to the contract's JSON.

use crate::error::{ApiError, Body, Path};
use crate::metrics::labels;
use crate::App;
use axum::extract::{Query, State};
use axum::http::StatusCode;
use axum::response::{IntoResponse, Response};
use axum::Json;
use mfac_core::eval::{LastMfa, LoginContext};
use mfac_core::{Factor, FactorSet};
use mfac_login::login::{Answer, Answered, Refusal};
use mfac_login::reason::Reason;
use mfac_login::throttle::Gate;
use mfac_login::verify::Verification;
use serde::Deserialize;
use serde_json::{json, Value};
use std::net::IpAddr;
use std::sync::Arc;

type Shared = State<Arc<App>>;

/// The longest user id, group, app or label accepted.
const MAX_NAME: usize = 256;
/// The most groups one request may name.
const MAX_GROUPS: usize = 1000;

/// A user id, group, app or label: not empty, not too long, and no control
/// characters (which would forge lines in logs and the audit).
fn name<'a>(what: &str, v: &'a str) -> Result<&'a str, ApiError> {
    if v.is_empty() || v.len() > MAX_NAME || v.chars().any(char::is_control) {
        return Err(ApiError::bad(format!(
            "`{what}` must be 1 to {MAX_NAME} bytes without control characters"
        )));
    }
    Ok(v)
}

fn groups(v: &[String]) -> Result<Vec<&str>, ApiError> {
    if v.len() > MAX_GROUPS {
        return Err(ApiError::bad(format!("at most {MAX_GROUPS} groups")));
    }
    v.iter().map(|g| name("groups", g)).collect()
}

fn ip(v: Option<&str>, what: &str) -> Result<Option<IpAddr>, ApiError> {
    v.map(|t| {
        t.parse()
            .map_err(|_| ApiError::bad(format!("`{what}` is not an IP address")))
    })
    .transpose()
}

fn count_decision(app: &App, outcome: &str) {
    app.metrics
        .count("mfac_decisions_total", labels(&[("outcome", outcome)]));
}

#[derive(Deserialize)]
#[serde(deny_unknown_fields)]
pub struct DecideRequest {
    user: String,
    #[serde(default)]
    groups: Vec<String>,
    app: Option<String>,
    ip: Option<String>,
    at: Option<String>,
    #[serde(default)]
    enrolled: Vec<String>,
    last_mfa: Option<LastMfaRequest>,
}

#[derive(Deserialize)]
#[serde(deny_unknown_fields)]
pub struct LastMfaRequest {
    at: String,
    ip: Option<String>,
    logins_since: Option<u32>,
}

/// `POST /v1/decide`: `mfac eval --format json`'s object plus a
/// `decision_id`. Pure: the caller supplies the state.
pub async fn decide(
    State(app): Shared,
    Body(r): Body<DecideRequest>,
) -> Result<Json<Value>, ApiError> {
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
    let mut enrolled = FactorSet::EMPTY;
    for f in &r.enrolled {
        let k = Factor::from_name(f).ok_or_else(|| {
            ApiError::bad(
                "`enrolled`: a factor kind is one of webauthn, totp, sms, email, push, backup_code",
            )
        })?;
        enrolled = enrolled.with(k);
    }
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
    let record = mfac_core::wire::DecisionRecord::new(policy, &ctx, &d);
    let mut v = serde_json::to_value(record)
        .map_err(|e| ApiError::bad(format!("cannot write the decision: {e}")))?;
    let id = mfac_login::random_id().map_err(|e| {
        ApiError::new(
            StatusCode::SERVICE_UNAVAILABLE,
            "unavailable",
            e.to_string(),
        )
    })?;
    // Debug, like the request line: at this rate a line each would cost a
    // third of the throughput (`--log debug` writes them).
    tracing::debug!(decision_id = %id, outcome = d.outcome.name(), sha256 = %running.sha256, "decide");
    if let Value::Object(o) = &mut v {
        o.insert("decision_id".into(), Value::String(id));
    }
    Ok(Json(v))
}

#[derive(Deserialize)]
#[serde(deny_unknown_fields)]
pub struct LoginRequest {
    user: String,
    #[serde(default)]
    groups: Vec<String>,
    app: Option<String>,
    ip: Option<String>,
    /// The external factors (sms, email, push) the caller's own provider
    /// can reach this user by: a challenge may offer them.
    #[serde(default)]
    external: Vec<String>,
}

/// `external`: sms, email and push only.
fn external_factors(v: &[String]) -> Result<FactorSet, ApiError> {
    v.iter().try_fold(FactorSet::EMPTY, |set, name| {
        match Factor::from_name(name).filter(|f| f.is_external()) {
            Some(f) => Ok(set.with(f)),
            None => Err(ApiError::bad(
                "`external` lists sms, email or push: the factors your own provider delivers",
            )),
        }
    })
}

/// `POST /v1/logins`: the decision from the store's state, and the
/// challenge to answer.
pub async fn begin_login(
    State(app): Shared,
    Body(r): Body<LoginRequest>,
) -> Result<Json<Value>, ApiError> {
    let running = app.policy.load_full();
    let user = name("user", &r.user)?;
    let group_refs = groups(&r.groups)?;
    let app_name = r.app.as_deref().map(|a| name("app", a)).transpose()?;
    let external = external_factors(&r.external)?;
    let login = app
        .verifier
        .begin_login_with(
            &running,
            user,
            &group_refs,
            app_name,
            ip(r.ip.as_deref(), "ip")?,
            external,
        )
        .await
        .inspect_err(|_| {
            app.metrics
                .count("mfac_audit_write_failures_total", String::new())
        })?;
    let outcome = login.decision.decision;
    count_decision(&app, outcome.name());
    let challenge = (outcome == mfac_core::Outcome::Challenge).then(|| {
        json!({
            "factors": login.decision.usable.names(),
            "webauthn": login.webauthn,
        })
    });
    Ok(Json(json!({
        "login_id": login.id,
        "decision_id": login.decision_id,
        "decision": login.decision,
        "challenge": challenge,
    })))
}

/// `POST /v1/logins/{login_id}/verify`: one of four shapes, told apart by
/// `factor`.
pub async fn verify(
    State(app): Shared,
    Path(login_id): Path<String>,
    Body(body): Body<Value>,
) -> Result<Response, ApiError> {
    #[derive(Deserialize)]
    #[serde(deny_unknown_fields)]
    struct Code {
        #[allow(dead_code)]
        factor: String,
        code: String,
    }
    #[derive(Deserialize)]
    #[serde(deny_unknown_fields)]
    struct Credential {
        #[allow(dead_code)]
        factor: String,
        credential: Box<webauthn_rs::prelude::PublicKeyCredential>,
    }
    #[derive(Deserialize)]
    #[serde(deny_unknown_fields)]
    struct External {
        #[allow(dead_code)]
        factor: String,
        external: bool,
    }
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
        Factor::Totp => Answer::Totp(shape::<Code>(body, CODE)?.code),
        Factor::BackupCode => Answer::BackupCode(shape::<Code>(body, CODE)?.code),
        Factor::Webauthn => Answer::Passkey(shape::<Credential>(body, CREDENTIAL)?.credential),
        Factor::Sms | Factor::Email | Factor::Push => Answer::External {
            kind,
            approved: shape::<External>(body, EXTERNAL)?.external,
        },
    };
    if login_id.len() > 64 {
        return Err(ApiError::not_found("no such login"));
    }
    let answered = match app.verifier.answer(&login_id, &answer).await? {
        // An expired challenge or a factor the decision did not allow tried
        // no secret, so it counts no failure; it reports the count as it
        // stands, and a locked user hears that they are locked.
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
    let failed = |reason: Reason, left: u32| {
        (
            StatusCode::UNAUTHORIZED,
            Json(json!({"result": "failed", "reason": reason, "attempts_left": left})),
        )
            .into_response()
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
        Answered::Checked(Verification::Verified { .. }) => {
            result("verified");
            let user = app
                .verifier
                .store
                .open_login(&login_id)
                .await?
                .map(|l| l.user)
                .unwrap_or_default();
            Json(json!({
                "result": "verified",
                "login_id": login_id,
                "user": user,
                "factor": kind.name(),
            }))
            .into_response()
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

/// 429 for a locked user: when to try again, in seconds rounded up (a
/// client that waits this long is heard), or `null` past the hard limit.
fn locked(app: &App, until: Option<jiff::Timestamp>) -> Response {
    let retry = until.map(|u| {
        let d = u.duration_since(app.now());
        (d.as_secs() + i64::from(d.subsec_nanos() > 0)).max(1)
    });
    (
        StatusCode::TOO_MANY_REQUESTS,
        Json(json!({"result": "locked", "retry_after_s": retry})),
    )
        .into_response()
}

#[derive(Deserialize, Default)]
#[serde(deny_unknown_fields)]
pub struct Label {
    label: Option<String>,
}

/// `POST /v1/users/{user}/factors/totp`.
pub async fn enrol_totp(
    State(app): Shared,
    Path(user): Path<String>,
    Body(r): Body<Label>,
) -> Result<Response, ApiError> {
    let user = name("user", &user)?;
    let label = r.label.as_deref().map(|l| name("label", l)).transpose()?;
    let e = app.verifier.enrol_totp_labelled(user, label).await?;
    Ok((
        StatusCode::CREATED,
        Json(json!({
            "factor_id": e.factor.to_string(),
            "kind": "totp",
            "status": "pending",
            "otpauth_uri": e.uri,
            "qr_svg": e.qr_svg,
        })),
    )
        .into_response())
}

/// `POST /v1/users/{user}/factors/webauthn`.
pub async fn enrol_webauthn(
    State(app): Shared,
    Path(user): Path<String>,
    Body(r): Body<Label>,
) -> Result<Response, ApiError> {
    let user = name("user", &user)?;
    let label = r.label.as_deref().map(|l| name("label", l)).transpose()?;
    let c = app
        .verifier
        .start_passkey_registration_labelled(user, label)
        .await?;
    Ok((
        StatusCode::CREATED,
        Json(json!({
            "factor_id": c.id,
            "kind": "webauthn",
            "status": "pending",
            "options": c.challenge,
        })),
    )
        .into_response())
}

/// `POST /v1/users/{user}/factors/backup_code`: a new set, shown once.
pub async fn new_backup_codes(
    State(app): Shared,
    Path(user): Path<String>,
    Body(_): Body<EmptyBody>,
) -> Result<Response, ApiError> {
    let user = name("user", &user)?;
    let codes = app.verifier.new_backup_codes(user).await?;
    Ok((
        StatusCode::CREATED,
        Json(json!({
            "factor_id": "backup_code",
            "kind": "backup_code",
            "status": "active",
            "codes": codes,
        })),
    )
        .into_response())
}

#[derive(Deserialize)]
#[serde(deny_unknown_fields)]
pub struct EmptyBody {}

#[derive(Deserialize)]
#[serde(deny_unknown_fields)]
pub struct Confirm {
    code: Option<String>,
    credential: Option<Box<webauthn_rs::prelude::RegisterPublicKeyCredential>>,
}

fn factor_id(v: &str) -> Result<i64, ApiError> {
    v.parse()
        .map_err(|_| ApiError::not_found("no such factor for this user"))
}

/// `POST /v1/users/{user}/factors/{factor_id}/confirm`.
pub async fn confirm(
    State(app): Shared,
    Path((user, factor)): Path<(String, String)>,
    Body(r): Body<Confirm>,
) -> Result<Response, ApiError> {
    let user = name("user", &user)?;
    let id = factor_id(&factor)?;
    let listed = app.verifier.list_factors(user).await?;
    let Some(f) = listed.iter().find(|f| f.id == id && f.status == "pending") else {
        return Err(ApiError::not_found(
            "no pending factor with this id for this user",
        ));
    };
    let wrong = |reason: &str| {
        (
            StatusCode::UNAUTHORIZED,
            Json(json!({"result": "failed", "reason": reason})),
        )
            .into_response()
    };
    let done = match (f.kind.as_str(), r.code, r.credential) {
        ("totp", Some(code), None) => {
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
                return Ok((
                    StatusCode::UNAUTHORIZED,
                    Json(json!({"result": "failed", "reason": Reason::WrongCode, "attempts_left": left})),
                )
                    .into_response());
            }
            "totp"
        }
        ("webauthn", None, Some(cred)) => {
            match app
                .verifier
                .finish_passkey_registration(user, &factor, &cred)
                .await?
            {
                Ok(_) => "webauthn",
                Err(reason) => return Ok(wrong(reason)),
            }
        }
        ("totp", ..) => {
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
    Ok(Json(json!({"factor_id": factor, "kind": done, "status": "active"})).into_response())
}

/// `GET /v1/users/{user}/factors`: never a secret.
pub async fn list_factors(
    State(app): Shared,
    Path(user): Path<String>,
) -> Result<Json<Value>, ApiError> {
    let user = name("user", &user)?;
    let mut out: Vec<Value> = app
        .verifier
        .list_factors(user)
        .await?
        .into_iter()
        .map(|f| {
            json!({
                "factor_id": f.id.to_string(),
                "kind": f.kind,
                "status": f.status,
                "label": f.label,
                "created_at": f.created,
                "last_used_at": f.last_used,
            })
        })
        .collect();
    let left = app.verifier.store.unused_backup_codes(user).await?.len();
    if left > 0 {
        out.push(json!({
            "factor_id": "backup_code",
            "kind": "backup_code",
            "status": "active",
            "label": null,
            "created_at": null,
            "last_used_at": null,
            "remaining": left,
        }));
    }
    Ok(Json(json!({ "factors": out })))
}

/// `DELETE /v1/users/{user}/factors/{factor_id}`: a reset after a lost
/// device (audited); `backup_code` erases the unused codes.
pub async fn remove_factor(
    State(app): Shared,
    Path((user, factor)): Path<(String, String)>,
) -> Result<Response, ApiError> {
    let user = name("user", &user)?;
    let done = app
        .verifier
        .remove_factor(user, factor_id(&factor)?)
        .await?;
    removed(done)
}

/// `DELETE /v1/users/{user}/factors/backup_code`: the whole set at once,
/// as it was issued.
pub async fn remove_backup_codes(
    State(app): Shared,
    Path(user): Path<String>,
) -> Result<Response, ApiError> {
    let user = name("user", &user)?;
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

#[derive(Deserialize)]
#[serde(deny_unknown_fields)]
pub struct UnlockRequest {
    reason: String,
}

/// `POST /v1/users/{user}/unlock`: an administrator clears the user's
/// failures and lock-out (the hard limit's too); audited with the reason.
pub async fn unlock(
    State(app): Shared,
    Path(user): Path<String>,
    Body(r): Body<UnlockRequest>,
) -> Result<Json<Value>, ApiError> {
    let user = name("user", &user)?;
    let reason = name("reason", r.reason.trim())?;
    let done = app.verifier.unlock(user, reason).await?;
    Ok(Json(json!({
        "user": user,
        "unlocked": true,
        "was_locked": done.locked,
        "hard_limit": done.hard_limit,
        "failures_cleared": done.failures,
    })))
}

#[derive(Deserialize)]
#[serde(deny_unknown_fields)]
pub struct AuditParams {
    user: Option<String>,
    #[serde(rename = "type")]
    kind: Option<String>,
    since: Option<String>,
    before: Option<i64>,
    limit: Option<usize>,
}

/// The most events one `GET /v1/audit` returns.
const MAX_EVENTS: usize = 1000;

/// `GET /v1/audit?user=&type=&since=&before=&limit=`: the newest `limit`
/// events (100 by default) older than the event `before`, oldest first,
/// and `next_before`, the cursor of the page before (null on the last).
pub async fn audit(
    State(app): Shared,
    q: Result<Query<AuditParams>, axum::extract::rejection::QueryRejection>,
) -> Result<Json<Value>, ApiError> {
    let Query(q) = q.map_err(|e| ApiError::bad(e.body_text()))?;
    let since = q
        .since
        .as_deref()
        .map(|t| {
            mfac_core::time::parse_instant(t, &jiff::tz::TimeZone::UTC)
                .map_err(|e| ApiError::bad(format!("`since`: {e}")))
        })
        .transpose()?;
    let limit = q.limit.unwrap_or(100);
    if limit == 0 || limit > MAX_EVENTS {
        return Err(ApiError::bad(format!("`limit` is 1 to {MAX_EVENTS}")));
    }
    let kind = q
        .kind
        .as_deref()
        .map(|k| {
            mfac_login::events::EventKind::from_name(k).ok_or_else(|| {
                ApiError::bad(format!(
                    "`type` is one of {}",
                    mfac_login::events::EventKind::names()
                ))
            })
        })
        .transpose()?;
    let query = mfac_login::store::AuditQuery {
        user: q.user.as_deref(),
        kind,
        since,
        before: q.before,
        limit: Some(limit),
    };
    let page = app.verifier.store.audit_page(&query).await?;
    Ok(Json(
        json!({ "events": page.events, "next_before": page.next_before }),
    ))
}

/// `GET /healthz` (no token): the running policy and the last reload's
/// failure, if the last reload failed.
pub async fn healthz(State(app): Shared) -> Json<Value> {
    let p = app.policy.load();
    let error = app.reload_error.load();
    Json(json!({
        "status": "ok",
        "policy": {
            "file": p.file,
            "sha256": p.sha256,
            "loaded_at": p.loaded_at.to_string(),
        },
        "reload_error": error.as_deref(),
    }))
}

/// `GET /metrics`: Prometheus text.
pub async fn metrics(State(app): Shared) -> Response {
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
