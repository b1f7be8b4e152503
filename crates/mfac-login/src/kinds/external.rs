//! Factors the caller's own provider delivers (sms, email, push): mfac
//! keeps no record of them and checks no secret; the provider reports
//! whether the user approved the prompt, and mfac counts it (a denial is a
//! failure), limits how many come per window, and audits it.

use super::FactorKind;
use crate::reason::Reason;
use crate::store::{OpenLogin, Proof};
use crate::verify::{LoginError, Verification, Verifier};
use mfac_core::Factor;

/// An external factor kind: sms, email or push.
pub struct External(pub Factor);

impl FactorKind for External {
    type Enrolment = ();
    type Proof = ();
    /// Whether the user approved the prompt.
    type Answer = bool;

    fn factor(&self) -> Factor {
        self.0
    }

    async fn enrol(
        &self,
        _v: &Verifier,
        _user: &str,
        _label: Option<&str>,
    ) -> Result<(), LoginError> {
        Err(LoginError::Config(format!(
            "{} is enrolled with your own provider, not with mfac",
            self.0
        )))
    }

    async fn verify(
        &self,
        v: &Verifier,
        user: &str,
        approved: &bool,
        login: Option<&OpenLogin>,
    ) -> Result<Verification, LoginError> {
        let mut attempt = v.attempt(user, self.0, login);
        attempt.external = Some(v.external_limit);
        if *approved {
            let on = login.map_or("a direct verification".to_string(), |l| {
                format!("login {}", l.id)
            });
            attempt
                .proofs
                .push((Proof::External, format!("{on}: {}", self.0)));
        } else {
            attempt.miss = Reason::Denied;
        }
        v.settle(attempt, &[0]).await
    }

    /// mfac keeps none.
    async fn list(
        &self,
        _v: &Verifier,
        _user: &str,
    ) -> Result<Vec<crate::api::ListedFactor>, LoginError> {
        Ok(Vec::new())
    }

    async fn remove(&self, _v: &Verifier, _user: &str, _factor: i64) -> Result<bool, LoginError> {
        Ok(false)
    }
}
