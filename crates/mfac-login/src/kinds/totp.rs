//! TOTP (RFC 6238) as a factor kind: a 160-bit seed generated, sealed
//! under the key and shown once as an `otpauth://` link and QR code; the
//! enrolment confirmed by the app's first code (throttled like any code);
//! a code checked against every seed of the user and its step consumed
//! once, by compare-and-set.

use super::FactorKind;
use crate::events::EventKind;
use crate::reason::Reason;
use crate::status::Status;
use crate::store::{OpenLogin, Proof};
use crate::totp::{self, Seed};
use crate::verify::{aad, LoginError, TotpEnrolment, Verification, Verifier};
use mfac_core::Factor;

/// The TOTP factor kind.
pub struct Totp;

impl FactorKind for Totp {
    type Enrolment = TotpEnrolment;
    type Proof = str;
    type Answer = str;

    fn factor(&self) -> Factor {
        Factor::Totp
    }

    async fn enrol(
        &self,
        v: &Verifier,
        user: &str,
        label: Option<&str>,
    ) -> Result<TotpEnrolment, LoginError> {
        v.enrol_totp_labelled(user, label).await
    }

    async fn confirm(
        &self,
        v: &Verifier,
        user: &str,
        factor: i64,
        code: &str,
    ) -> Result<Result<(), &'static str>, LoginError> {
        let confirmed = v.confirm_totp(user, factor, code).await?;
        Ok(if confirmed {
            Ok(())
        } else {
            Err(Reason::WrongCode.name())
        })
    }

    async fn verify(
        &self,
        v: &Verifier,
        user: &str,
        code: &str,
        login: Option<&OpenLogin>,
    ) -> Result<Verification, LoginError> {
        v.check_totp(user, code, login).await
    }
}

impl Verifier {
    /// Start a TOTP enrolment: a new 160-bit seed, sealed and stored pending.
    pub async fn enrol_totp(&self, user: &str) -> Result<TotpEnrolment, LoginError> {
        self.enrol_totp_labelled(user, None).await
    }

    /// Start a TOTP enrolment with the label its owner gave it.
    pub async fn enrol_totp_labelled(
        &self,
        user: &str,
        label: Option<&str>,
    ) -> Result<TotpEnrolment, LoginError> {
        let seed = Seed::generate()?;
        let sealed = self.key().seal(seed.as_bytes(), &aad(user, "totp"))?;
        let factor = self
            .store
            .add_factor(
                user,
                Factor::Totp,
                &sealed,
                label,
                self.now(),
                self.max_pending,
            )
            .await?
            .ok_or(LoginError::TooManyPending(self.max_pending))?;
        let uri = seed.enrolment_uri(&self.issuer, user)?;
        let qr_svg = seed.enrolment_qr_svg(&self.issuer, user)?;
        self.audit(
            user,
            EventKind::TotpEnrolmentStarted,
            format!("factor {factor}"),
        )
        .await?;
        Ok(TotpEnrolment {
            factor,
            uri,
            qr_svg,
        })
    }

    /// Confirm an enrolment with the first code the app shows. The code is
    /// consumed: it cannot then sign in.
    pub async fn confirm_totp(
        &self,
        user: &str,
        factor: i64,
        code: &str,
    ) -> Result<bool, LoginError> {
        let pending = self
            .store
            .factors(user, Factor::Totp, Status::Pending)
            .await?;
        let row = pending
            .iter()
            .find(|f| f.id == factor)
            .ok_or(LoginError::NoEnrolment(factor))?;
        // Throttled like a verification: a code is a code, whether it signs
        // in or confirms an enrolment. A locked user's code is not checked.
        if let crate::throttle::Gate::Locked { until } = self.gate(user).await? {
            return Err(LoginError::Locked(until));
        }
        let seed = Seed::from_bytes(&self.key().open(&row.sealed, &aad(user, "totp"))?)?;
        let Some(step) = totp::verify(&seed, code, self.now()) else {
            self.audit(
                user,
                EventKind::TotpConfirmFailed,
                format!("factor {factor}: wrong_code"),
            )
            .await?;
            // Counted (and audited as a failed verification) in the one
            // place attempts are counted.
            match self
                .settle(self.attempt(user, Factor::Totp, None), &[])
                .await?
            {
                Verification::Locked { until } => return Err(LoginError::Locked(until)),
                _ => return Ok(false),
            }
        };
        let step = i64::try_from(step).unwrap_or(i64::MAX);
        let done = self.store.confirm_factor(user, factor, step).await?;
        if done {
            self.audit(user, EventKind::TotpEnrolled, format!("factor {factor}"))
                .await?;
        }
        Ok(done)
    }

    /// Verify a TOTP code against the user's active TOTP factors.
    pub async fn verify_totp(&self, user: &str, code: &str) -> Result<Verification, LoginError> {
        self.check_totp(user, code, None).await
    }

    /// Verify a TOTP code; with `login`, the verification also closes that
    /// challenge and restarts the remember window, in the same transaction.
    pub(crate) async fn check_totp(
        &self,
        user: &str,
        code: &str,
        login: Option<&OpenLogin>,
    ) -> Result<Verification, LoginError> {
        // The code is checked against every seed before the store is
        // touched; what it matched is then settled in one transaction.
        let mut attempt = self.attempt(user, Factor::Totp, login);
        let active = self
            .store
            .factors(user, Factor::Totp, Status::Active)
            .await?;
        if active.is_empty() {
            attempt.miss = Reason::NotAllowed;
        }
        let mut ids = Vec::new();
        for f in &active {
            let seed = Seed::from_bytes(&self.key().open(&f.sealed, &aad(user, "totp"))?)?;
            // Each step the code matches, oldest first: the first still
            // unused is consumed.
            for step in totp::matching_steps(&seed, code, attempt.at) {
                let step = i64::try_from(step).unwrap_or(i64::MAX);
                let detail = format!("totp factor {}, step {step}", f.id);
                attempt
                    .proofs
                    .push((Proof::TotpStep { factor: f.id, step }, detail));
                ids.push(f.id);
            }
        }
        self.settle(attempt, &ids).await
    }
}
