//! The bodies of the login service's HTTP contract (`docs/api.md`), as
//! serde types with their OpenAPI schemas: `mfac serve` parses requests
//! into them and answers with them, and `docs/openapi.json` is generated
//! from them. Requests refuse unknown fields; a field left out is `null`
//! or empty.
//!
//! Two shapes belong to the bottom layer and are used as they are: the
//! decision ([`DecisionRecord`], `mfac eval --format json`'s object) and
//! the error ([`ErrorReport`], the CLI's machine errors too), with their
//! schemas from `mfac-core`'s `openapi` feature.

use crate::events::EventKind;
use crate::reason::Reason;
pub use crate::status::Status;
use crate::store::AuditEvent;
pub use mfac_core::wire::{DecisionRecord, ErrorReport};
use mfac_core::{Factor, FactorSet};
use serde::{Deserialize, Serialize};
use utoipa::ToSchema;

/// `POST /v1/decide`: a login, with the state the caller keeps.
#[derive(Clone, Debug, Default, Deserialize, Serialize, ToSchema)]
#[serde(deny_unknown_fields)]
pub struct DecideRequest {
    pub user: String,
    #[serde(default)]
    pub groups: Vec<String>,
    pub app: Option<String>,
    /// An IPv4 or IPv6 address.
    pub ip: Option<String>,
    /// When (RFC 3339, or a date and time in the policy's timezone); now
    /// when left out.
    pub at: Option<String>,
    /// The factor kinds the user has enrolled.
    #[serde(default)]
    pub enrolled: Vec<Factor>,
    pub last_mfa: Option<LastMfa>,
    /// A step-up (as `POST /v1/logins` takes it).
    #[serde(default)]
    pub step_up: bool,
}

/// The user's last verified MFA, for the remember window.
#[derive(Clone, Debug, Default, Deserialize, Serialize, ToSchema)]
#[serde(deny_unknown_fields)]
pub struct LastMfa {
    pub at: String,
    pub ip: Option<String>,
    pub logins_since: Option<u32>,
    /// The assurance level it reached (2 or 3); read as 2 when left out.
    #[schema(value_type = Option<u8>, minimum = 1, maximum = 3)]
    pub aal: Option<u8>,
}

/// `POST /v1/decide`'s answer: the decision and its id.
// One object with every field in name order: `decision_id` among the
// decision's own (`DecisionRecord::write_fields`).
#[derive(Clone, Debug, ToSchema)]
pub struct DecideResponse {
    // Read by the schema only: serialized by hand below.
    #[serde(flatten)]
    pub decision: DecisionRecord,
    pub decision_id: String,
}

impl Serialize for DecideResponse {
    fn serialize<S: serde::Serializer>(&self, s: S) -> Result<S::Ok, S::Error> {
        self.decision
            .serialize_with(s, Some(("decision_id", &self.decision_id)))
    }
}

/// `POST /v1/logins`: a login to decide from the store's state.
#[derive(Clone, Debug, Default, Deserialize, Serialize, ToSchema)]
#[serde(deny_unknown_fields)]
pub struct LoginRequest {
    pub user: String,
    #[serde(default)]
    pub groups: Vec<String>,
    pub app: Option<String>,
    pub ip: Option<String>,
    /// The factors your own provider can reach this user by (sms, email,
    /// push): a challenge may offer them.
    #[serde(default)]
    pub external: Vec<Factor>,
    /// An operation inside a session that asks for MFA again: the remember
    /// window does not apply, and the login is challenged unless a
    /// verified factor of the level it needs is newer than the window's
    /// length.
    #[serde(default)]
    pub step_up: bool,
}

/// `POST /v1/logins`' answer.
#[derive(Clone, Debug, Serialize, ToSchema)]
pub struct LoginResponse {
    pub login_id: String,
    pub decision_id: String,
    pub decision: DecisionRecord,
    /// What to answer, when the decision is `challenge`.
    pub challenge: Option<Challenge>,
}

/// A login's challenge: the factors it offers (allowed by the policy and
/// held by the user), and a passkey request when a passkey may answer.
#[derive(Clone, Debug, Serialize, ToSchema)]
pub struct Challenge {
    pub factors: FactorSet,
    /// `PublicKeyCredentialRequestOptions` for `navigator.credentials.get`.
    #[schema(value_type = Option<Object>)]
    pub webauthn: Option<webauthn_rs::prelude::RequestChallengeResponse>,
}

/// `POST /v1/logins/{login_id}/verify`: one of three shapes, told apart by
/// `factor`.
#[derive(Clone, Debug, Serialize, ToSchema)]
#[serde(untagged)]
pub enum VerifyRequest {
    Code(CodeAnswer),
    Credential(CredentialAnswer),
    External(ExternalAnswer),
}

/// A TOTP or backup code.
#[derive(Clone, Debug, Deserialize, Serialize, ToSchema)]
#[serde(deny_unknown_fields)]
pub struct CodeAnswer {
    /// `totp` or `backup_code`.
    pub factor: Factor,
    pub code: String,
}

/// A passkey's answer to the login's challenge.
#[derive(Clone, Debug, Deserialize, Serialize, ToSchema)]
#[serde(deny_unknown_fields)]
pub struct CredentialAnswer {
    /// `webauthn`.
    pub factor: Factor,
    /// A `PublicKeyCredential` from `navigator.credentials.get`.
    #[schema(value_type = Object)]
    pub credential: Box<webauthn_rs::prelude::PublicKeyCredential>,
}

/// What your own provider reported of a prompt it sent: approved (`true`)
/// or denied or lapsed (`false`, counted as a failure).
#[derive(Clone, Debug, Deserialize, Serialize, ToSchema)]
#[serde(deny_unknown_fields)]
pub struct ExternalAnswer {
    /// `sms`, `email` or `push`.
    pub factor: Factor,
    pub external: bool,
}

/// 200: the login is verified.
#[derive(Clone, Debug, Serialize, ToSchema)]
pub struct Verified {
    pub result: VerifiedWord,
    pub login_id: String,
    pub user: String,
    pub factor: Factor,
}

/// 401: the answer did not verify.
#[derive(Clone, Debug, Serialize, ToSchema)]
pub struct Failed {
    pub result: FailedWord,
    pub reason: Reason,
    /// Failures left before verification locks.
    pub attempts_left: u32,
}

/// 429: verification is locked for this user.
#[derive(Clone, Debug, Serialize, ToSchema)]
pub struct Locked {
    pub result: LockedWord,
    /// Seconds until an answer is heard again (rounded up); `null` past the
    /// hard limit, until an administrator unlocks the user.
    pub retry_after_s: Option<i64>,
}

/// The word `verified`.
#[derive(Clone, Copy, Debug, Default, Serialize, ToSchema)]
#[serde(rename_all = "snake_case")]
pub enum VerifiedWord {
    #[default]
    Verified,
}

/// The word `failed`.
#[derive(Clone, Copy, Debug, Default, Serialize, ToSchema)]
#[serde(rename_all = "snake_case")]
pub enum FailedWord {
    #[default]
    Failed,
}

/// The word `locked`.
#[derive(Clone, Copy, Debug, Default, Serialize, ToSchema)]
#[serde(rename_all = "snake_case")]
pub enum LockedWord {
    #[default]
    Locked,
}

/// `POST /v1/users/{user}/factors/totp` and `.../webauthn`: a label the
/// owner gives the factor.
#[derive(Clone, Debug, Default, Deserialize, Serialize, ToSchema)]
#[serde(deny_unknown_fields)]
pub struct EnrolRequest {
    pub label: Option<String>,
}

/// 201: a TOTP enrolment to confirm with the app's first code.
#[derive(Clone, Debug, Serialize, ToSchema)]
pub struct TotpEnrolment {
    pub factor_id: String,
    pub kind: Factor,
    pub status: Status,
    /// The secret, shown once: as a link and as an SVG QR code of it.
    pub otpauth_uri: String,
    pub qr_svg: String,
}

/// 201: a passkey registration to finish with the browser's credential.
#[derive(Clone, Debug, Serialize, ToSchema)]
pub struct PasskeyEnrolment {
    pub factor_id: String,
    pub kind: Factor,
    pub status: Status,
    /// `PublicKeyCredentialCreationOptions` for `navigator.credentials.create`.
    #[schema(value_type = Object)]
    pub options: webauthn_rs::prelude::CreationChallengeResponse,
}

/// 201: a new set of backup codes, shown once.
#[derive(Clone, Debug, Serialize, ToSchema)]
pub struct BackupCodes {
    pub factor_id: String,
    pub kind: Factor,
    pub status: Status,
    pub codes: Vec<String>,
}

/// `POST /v1/users/{user}/factors/{factor_id}/confirm`: a TOTP factor's
/// first code, or a passkey's credential.
#[derive(Clone, Debug, Default, Deserialize, Serialize, ToSchema)]
#[serde(deny_unknown_fields)]
pub struct ConfirmRequest {
    pub code: Option<String>,
    /// A `RegisterPublicKeyCredential` from `navigator.credentials.create`.
    #[schema(value_type = Option<Object>)]
    pub credential: Option<Box<webauthn_rs::prelude::RegisterPublicKeyCredential>>,
}

/// 200: the factor is active.
#[derive(Clone, Debug, Serialize, ToSchema)]
pub struct Confirmed {
    pub factor_id: String,
    pub kind: Factor,
    pub status: Status,
}

/// 401: the confirming code or credential did not verify.
#[derive(Clone, Debug, Serialize, ToSchema)]
pub struct ConfirmFailed {
    pub result: FailedWord,
    /// `wrong_code` and `replayed` count toward a lock-out, as a
    /// verification's do; `expired` and `credential_registered` do not.
    pub reason: String,
    /// For a code: failures left before verification locks.
    #[serde(skip_serializing_if = "Option::is_none")]
    pub attempts_left: Option<u32>,
}

/// `GET /v1/users/{user}/factors`: never a secret.
#[derive(Clone, Debug, Serialize, ToSchema)]
pub struct Factors {
    pub factors: Vec<ListedFactor>,
}

/// A factor as listed. Backup codes are one entry, with `remaining`.
#[derive(Clone, Debug, Serialize, ToSchema)]
pub struct ListedFactor {
    pub factor_id: String,
    pub kind: Factor,
    pub status: Status,
    pub label: Option<String>,
    pub created_at: Option<String>,
    pub last_used_at: Option<String>,
    /// Backup codes not used yet.
    #[serde(skip_serializing_if = "Option::is_none")]
    pub remaining: Option<usize>,
}

/// `POST /v1/users/{user}/unlock`: why, for the audit.
#[derive(Clone, Debug, Default, Deserialize, Serialize, ToSchema)]
#[serde(deny_unknown_fields)]
pub struct UnlockRequest {
    pub reason: String,
}

/// 200: the user's failures and lock-out are cleared.
#[derive(Clone, Debug, Serialize, ToSchema)]
pub struct Unlocked {
    pub user: String,
    pub unlocked: bool,
    pub was_locked: bool,
    /// Whether the lock was the hard limit's, which only an unlock ends.
    pub hard_limit: bool,
    pub failures_cleared: u32,
}

/// `POST /v1/users/{user}/bypass`: until when (RFC 3339, or a date or
/// wall-clock time in the policy's timezone), why and the ticket, and the
/// user's directory groups, which the policy's `bypass ... for group` and
/// privileged groups are judged by (the same groups a login sends).
#[derive(Clone, Debug, Default, Deserialize, Serialize, ToSchema)]
#[serde(deny_unknown_fields)]
pub struct BypassRequest {
    pub until: String,
    pub reason: String,
    pub ticket: String,
    #[serde(default)]
    pub groups: Vec<String>,
}

/// 201: the bypass granted (audited).
#[derive(Clone, Debug, Serialize, ToSchema)]
pub struct BypassGranted {
    pub bypass_id: String,
    /// RFC 3339, in the policy's timezone.
    pub until: String,
}

/// `DELETE /v1/users/{user}/bypass`'s query: why (for the audit), and
/// which bypass (every one in force when none is named).
#[derive(Clone, Debug, Default, Deserialize, utoipa::IntoParams)]
#[serde(deny_unknown_fields)]
#[into_params(parameter_in = Query)]
pub struct EndBypassParams {
    pub reason: String,
    pub bypass_id: Option<String>,
}

/// 200: the bypasses ended early (audited).
#[derive(Clone, Debug, Serialize, ToSchema)]
pub struct BypassesEnded {
    pub user: String,
    pub ended: Vec<String>,
}

/// `POST /v1/users/{user}/status`: the user's directory groups, and the
/// app, as a login would send them.
#[derive(Clone, Debug, Default, Deserialize, Serialize, ToSchema)]
#[serde(deny_unknown_fields)]
pub struct StatusRequest {
    #[serde(default)]
    pub groups: Vec<String>,
    #[serde(default)]
    pub app: Option<String>,
}

/// `GET /v1/audit`'s query.
#[derive(Clone, Debug, Default, Deserialize, utoipa::IntoParams)]
#[serde(deny_unknown_fields)]
#[into_params(parameter_in = Query)]
pub struct AuditParams {
    pub user: Option<String>,
    #[serde(rename = "type")]
    #[param(rename = "type", value_type = Option<EventKind>)]
    pub kind: Option<String>,
    /// Events at or after this instant.
    pub since: Option<String>,
    /// Events older than the one with this id: the cursor `next_before`
    /// gave.
    pub before: Option<i64>,
    /// The newest this many, 1 to 1000 (100 when left out).
    pub limit: Option<usize>,
    /// `true`: only decisions whose report-only outcome differed from the
    /// enforced one (who would have been challenged).
    pub report_only: Option<bool>,
}

/// `GET /v1/audit`'s answer: the page, oldest first, and the cursor of
/// the page before it (`null` on the last).
#[derive(Clone, Debug, Serialize, ToSchema)]
pub struct AuditPage {
    pub events: Vec<AuditEvent>,
    pub next_before: Option<i64>,
}

/// `GET /healthz`.
#[derive(Clone, Debug, Serialize, ToSchema)]
pub struct Health {
    pub status: String,
    pub policy: RunningPolicy,
    /// Why the last reload was refused, until one succeeds.
    pub reload_error: Option<String>,
}

/// The policy decisions are made on.
#[derive(Clone, Debug, Serialize, ToSchema)]
pub struct RunningPolicy {
    pub file: String,
    pub sha256: String,
    pub loaded_at: String,
}

#[cfg(test)]
mod tests {
    use super::*;
    use mfac_core::policy::{Aal, Factor, Level};
    use mfac_core::wire::{ExemptRecord, ExemptSource, ReportOnlyRecord};
    use mfac_core::Outcome;

    /// A record with every optional field set.
    fn full() -> DecisionRecord {
        let factors: FactorSet = [Factor::Webauthn, Factor::Totp].into_iter().collect();
        DecisionRecord {
            aal: Aal::Aal2,
            at: "2026-12-06T10:00:00+01:00".into(),
            deadline: Some("2026-12-20T00:00:00+01:00".into()),
            decision: Outcome::EnrolOrSkip,
            enforcement: Level::Required,
            exempt: Some(ExemptRecord {
                reason: "a \"quoted\" reason".into(),
                source: ExemptSource::Policy,
                ticket: None,
                until: "2026-12-31T00:00:00+01:00".into(),
            }),
            factors,
            remembered: false,
            report_only: Some(ReportOnlyRecord {
                decision: Outcome::Challenge,
                enforcement: Level::Required,
                factors,
                rules: vec!["p.mfa:3: rule \"r\"".into()],
            }),
            rules: vec!["p.mfa:1: default".into(), "p.mfa:2: group \"g\"".into()],
            usable: FactorSet::EMPTY,
            user: "ann@example.test".into(),
        }
    }

    /// Written by hand, the answers list their fields in name order, as
    /// a JSON value (whose objects are sorted) writes them, to the byte.
    #[test]
    fn hand_written_answers_are_in_name_order() {
        let record = full();
        let decide = DecideResponse {
            decision: record.clone(),
            decision_id: "d1".into(),
        };
        for (direct, via) in [
            (serde_json::to_string(&record).unwrap(), via_value(&record)),
            (serde_json::to_string(&decide).unwrap(), via_value(&decide)),
        ] {
            assert_eq!(direct, via);
        }
        let text = serde_json::to_string(&decide).unwrap();
        assert!(
            text.contains(r#""decision":"enrol_or_skip","decision_id":"d1","enforcement""#),
            "{text}"
        );
        // And it reads back as the record it was.
        let back: DecisionRecord =
            serde_json::from_str(&serde_json::to_string(&record).unwrap()).unwrap();
        assert_eq!(back, record);
    }

    /// A JSON value's text: its objects' keys sorted.
    fn via_value<T: Serialize>(v: &T) -> String {
        serde_json::to_value(v).unwrap().to_string()
    }
}
