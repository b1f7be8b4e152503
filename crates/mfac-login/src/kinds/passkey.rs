//! Passkeys (webauthn-rs, RustCrypto): registration and sign-in ceremonies
//! whose state is kept in the store, sealed, single-use and expiring after
//! five minutes; user verification required; a credential id registered to
//! anyone refused; a signature counter that goes back refused and audited as
//! a possible cloned authenticator; backup-eligible and backup-state flags
//! recorded. The relying party id and origin are configuration.

use super::FactorKind;
use crate::store::{OpenLogin, Proof};
use crate::verify::{LoginError, Verification, Verifier};
use mfac_core::Factor;
use webauthn_rs::prelude::{
    CreationChallengeResponse, Passkey, PasskeyAuthentication, PasskeyRegistration,
    PublicKeyCredential, RegisterPublicKeyCredential, RequestChallengeResponse, Url, Uuid,
    WebauthnError,
};
use webauthn_rs::{Webauthn, WebauthnBuilder};

/// How long a ceremony may be answered.
pub const CEREMONY_SECONDS: i64 = 5 * 60;

/// The relying party: its id (a domain) and the origin browsers sign for.
pub fn relying_party(rp_id: &str, origin: &str, name: &str) -> Result<Webauthn, LoginError> {
    let origin =
        Url::parse(origin).map_err(|e| LoginError::Config(format!("origin `{origin}`: {e}")))?;
    WebauthnBuilder::new(rp_id, &origin)
        .and_then(|b| b.rp_name(name).build())
        .map_err(|e| LoginError::Config(format!("relying party `{rp_id}` for `{origin}`: {e}")))
}

/// A ceremony begun: its id, to finish it with, and what the browser needs.
#[derive(Debug)]
pub struct Ceremony<T> {
    pub id: String,
    pub challenge: T,
}

/// The passkey factor kind.
pub struct Passkeys;

impl FactorKind for Passkeys {
    type Enrolment = Ceremony<CreationChallengeResponse>;
    type Proof = RegisterPublicKeyCredential;
    /// The answer to a login's passkey challenge (its ceremony is the
    /// login's).
    type Answer = PublicKeyCredential;

    fn factor(&self) -> Factor {
        Factor::Webauthn
    }

    async fn enrol(
        &self,
        v: &Verifier,
        user: &str,
        label: Option<&str>,
    ) -> Result<Self::Enrolment, LoginError> {
        v.start_passkey_registration_labelled(user, label).await
    }

    async fn confirm(
        &self,
        v: &Verifier,
        user: &str,
        factor: i64,
        credential: &RegisterPublicKeyCredential,
    ) -> Result<Result<(), &'static str>, LoginError> {
        Ok(
            v.finish_passkey_registration(user, &factor.to_string(), credential)
                .await?
                .map(|_| ()),
        )
    }

    async fn verify(
        &self,
        v: &Verifier,
        user: &str,
        credential: &PublicKeyCredential,
        login: Option<&OpenLogin>,
    ) -> Result<Verification, LoginError> {
        // Outside a login the ceremony is unknown: nothing to verify against.
        let ceremony = login.map_or_else(String::new, |l| login_ceremony(&l.id));
        v.check_passkey(user, &ceremony, credential, login).await
    }
}

/// The ceremony of registering pending factor `factor`.
fn register_ceremony(factor: i64) -> String {
    format!("register-{factor}")
}

/// The passkey ceremony of answering login `login`.
pub(crate) fn login_ceremony(login: &str) -> String {
    format!("login-{login}")
}

fn aad(user: &str, what: &str) -> Vec<u8> {
    format!("mfac:{what}:{user}").into_bytes()
}

fn credential_text(p: &Passkey) -> String {
    serde_json::to_string(p.cred_id())
        .unwrap_or_default()
        .trim_matches('"')
        .to_string()
}

impl Verifier {
    fn rp(&self) -> Result<&Webauthn, LoginError> {
        self.webauthn
            .as_ref()
            .ok_or_else(|| LoginError::Config("no WebAuthn relying party is configured".into()))
    }

    /// Keep a ceremony's state under `id`.
    async fn keep_ceremony<S: serde::Serialize>(
        &self,
        id: String,
        user: &str,
        kind: &str,
        state: &S,
    ) -> Result<String, LoginError> {
        let json = serde_json::to_vec(state)
            .map_err(|e| LoginError::Config(format!("ceremony state: {e}")))?;
        let sealed = self.key().seal(&json, &aad(user, kind))?;
        let expires = self
            .now()
            .checked_add(jiff::SignedDuration::from_secs(CEREMONY_SECONDS))
            .unwrap_or_else(|_| self.now());
        self.store
            .add_ceremony(&id, user, kind, &sealed, expires)
            .await?;
        Ok(id)
    }

    async fn take_ceremony<S: serde::de::DeserializeOwned>(
        &self,
        user: &str,
        kind: &str,
        id: &str,
    ) -> Result<Option<S>, LoginError> {
        let Some(sealed) = self.store.take_ceremony(id, user, kind, self.now()).await? else {
            return Ok(None);
        };
        let json = self.key().open(&sealed, &aad(user, kind))?;
        serde_json::from_slice(&json)
            .map(Some)
            .map_err(|e| LoginError::Config(format!("ceremony state: {e}")))
    }

    async fn passkeys_of(&self, user: &str) -> Result<Vec<(i64, Passkey)>, LoginError> {
        let mut out = Vec::new();
        for (id, _, sealed) in self.store.passkeys(user).await? {
            let json = self.key().open(&sealed, &aad(user, "webauthn"))?;
            let pk: Passkey = serde_json::from_slice(&json)
                .map_err(|e| LoginError::Config(format!("a stored passkey: {e}")))?;
            out.push((id, pk));
        }
        Ok(out)
    }

    /// Begin registering a passkey: a pending factor, whose id (as text)
    /// is the ceremony's, to finish it with. The user's existing
    /// credentials are excluded, so an authenticator is not registered
    /// twice.
    pub async fn start_passkey_registration(
        &self,
        user: &str,
    ) -> Result<Ceremony<CreationChallengeResponse>, LoginError> {
        self.start_passkey_registration_labelled(user, None).await
    }

    /// Begin registering a passkey with the label its owner gave it.
    pub async fn start_passkey_registration_labelled(
        &self,
        user: &str,
        label: Option<&str>,
    ) -> Result<Ceremony<CreationChallengeResponse>, LoginError> {
        let handle = Uuid::from_bytes(crate::random_bytes::<16>()?);
        let existing: Vec<_> = self
            .passkeys_of(user)
            .await?
            .iter()
            .map(|(_, p)| p.cred_id().clone())
            .collect();
        let (challenge, state) = self
            .rp()?
            .start_passkey_registration(handle, user, user, Some(existing))
            .map_err(|e| LoginError::Config(format!("cannot start a registration: {e}")))?;
        let factor = self
            .store
            .add_factor(
                user,
                mfac_core::Factor::Webauthn,
                &[],
                label,
                self.now(),
                self.max_pending,
            )
            .await?
            .ok_or(LoginError::TooManyPending(self.max_pending))?;
        self.keep_ceremony(register_ceremony(factor), user, "webauthn_register", &state)
            .await?;
        Ok(Ceremony {
            id: factor.to_string(),
            challenge,
        })
    }

    /// Finish a registration: `ceremony` is the pending factor's id. `Ok(Err)`
    /// with the reason when refused: the ceremony unknown, used or expired
    /// (`expired`), the response invalid (`wrong_code`: a wrong origin, no
    /// user verification, ...), or the credential registered already
    /// (`credential_registered`).
    pub async fn finish_passkey_registration(
        &self,
        user: &str,
        ceremony: &str,
        response: &RegisterPublicKeyCredential,
    ) -> Result<Result<i64, &'static str>, LoginError> {
        let factor = ceremony.parse::<i64>().ok();
        let state = match factor {
            Some(f) => {
                self.take_ceremony::<PasskeyRegistration>(
                    user,
                    "webauthn_register",
                    &register_ceremony(f),
                )
                .await?
            }
            None => None,
        };
        let (Some(factor), Some(state)) = (factor, state) else {
            self.audit_event(
                user,
                crate::events::EventKind::PasskeyRefused,
                "registration: expired".into(),
            )
            .await?;
            return Ok(Err("expired"));
        };
        let passkey = match self.rp()?.finish_passkey_registration(response, &state) {
            Ok(p) => p,
            Err(e) => {
                self.audit_event(
                    user,
                    crate::events::EventKind::PasskeyRefused,
                    format!("registration: invalid ({e})"),
                )
                .await?;
                return Ok(Err("wrong_code"));
            }
        };
        let json = serde_json::to_vec(&passkey)
            .map_err(|e| LoginError::Config(format!("passkey: {e}")))?;
        let sealed = self.key().seal(&json, &aad(user, "webauthn"))?;
        let cred = credential_text(&passkey);
        // webauthn-rs records the flags in the credential; a fresh one starts at counter 0.
        match self
            .store
            .activate_passkey(user, factor, &cred, &sealed, (false, false))
            .await?
        {
            Some(true) => {
                self.audit_event(
                    user,
                    crate::events::EventKind::PasskeyEnrolled,
                    format!("factor {factor}"),
                )
                .await?;
                Ok(Ok(factor))
            }
            Some(false) => Ok(Err("expired")),
            None => {
                self.audit_event(
                    user,
                    crate::events::EventKind::PasskeyRefused,
                    "registration: credential_registered".into(),
                )
                .await?;
                Ok(Err("credential_registered"))
            }
        }
    }

    /// Begin signing in with a passkey (user verification required);
    /// `None` if the user has none.
    pub async fn start_passkey_authentication(
        &self,
        user: &str,
    ) -> Result<Option<Ceremony<RequestChallengeResponse>>, LoginError> {
        self.start_passkey_ceremony(user, crate::random_id()?).await
    }

    /// Begin a passkey sign-in whose ceremony is kept under `id`.
    pub(crate) async fn start_passkey_ceremony(
        &self,
        user: &str,
        id: String,
    ) -> Result<Option<Ceremony<RequestChallengeResponse>>, LoginError> {
        let keys: Vec<Passkey> = self
            .passkeys_of(user)
            .await?
            .into_iter()
            .map(|(_, p)| p)
            .collect();
        if keys.is_empty() {
            return Ok(None);
        }
        let (challenge, state) = self
            .rp()?
            .start_passkey_authentication(&keys)
            .map_err(|e| LoginError::Config(format!("cannot start a sign-in: {e}")))?;
        let id = self
            .keep_ceremony(id, user, "webauthn_authenticate", &state)
            .await?;
        Ok(Some(Ceremony { id, challenge }))
    }

    /// Finish a passkey sign-in: counted by the throttle like any
    /// verification; a counter that goes back is refused and audited.
    pub async fn finish_passkey_authentication(
        &self,
        user: &str,
        ceremony: &str,
        response: &PublicKeyCredential,
    ) -> Result<Verification, LoginError> {
        self.check_passkey(user, ceremony, response, None).await
    }

    /// Finish a passkey sign-in; with `login`, the verification also closes
    /// that challenge and restarts the remember window.
    pub(crate) async fn check_passkey(
        &self,
        user: &str,
        ceremony: &str,
        response: &PublicKeyCredential,
        login: Option<&OpenLogin>,
    ) -> Result<Verification, LoginError> {
        let mut attempt = self.attempt(user, mfac_core::Factor::Webauthn, login);
        let Some(state) = self
            .take_ceremony::<PasskeyAuthentication>(user, "webauthn_authenticate", ceremony)
            .await?
        else {
            attempt.miss = crate::reason::Reason::Expired;
            return self.settle(attempt, &[]).await;
        };
        let result = match self.rp()?.finish_passkey_authentication(response, &state) {
            Ok(r) => r,
            Err(WebauthnError::CredentialPossibleCompromise) => {
                self.audit_event(
                    user,
                    crate::events::EventKind::PossibleClonedAuthenticator,
                    "the signature counter went back".into(),
                )
                .await?;
                attempt.miss = crate::reason::Reason::Counter;
                return self.settle(attempt, &[]).await;
            }
            Err(e) => {
                self.audit_event(
                    user,
                    crate::events::EventKind::PasskeyRefused,
                    format!("sign-in: {e}"),
                )
                .await?;
                attempt.miss = crate::reason::Reason::WrongCode;
                return self.settle(attempt, &[]).await;
            }
        };
        attempt.miss = crate::reason::Reason::WrongCode;
        let mut keys = self.passkeys_of(user).await?;
        let Some((id, key)) = keys
            .iter_mut()
            .find(|(_, p)| p.cred_id() == result.cred_id())
        else {
            return self.settle(attempt, &[]).await;
        };
        key.update_credential(&result);
        let json =
            serde_json::to_vec(&*key).map_err(|e| LoginError::Config(format!("passkey: {e}")))?;
        // The counter moves forward only, also between replicas: the
        // store's compare-and-set on it is the proof this answer consumes.
        let proof = Proof::Passkey {
            factor: *id,
            sealed: self.key().seal(&json, &aad(user, "webauthn"))?,
            counter: result.counter(),
            backup_state: result.backup_state(),
            user_verified: result.user_verified(),
        };
        let detail = format!(
            "webauthn factor {id}, backup state {}",
            result.backup_state()
        );
        attempt.proofs.push((proof, detail));
        self.settle(attempt, &[*id]).await
    }
}
