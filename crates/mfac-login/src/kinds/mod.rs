//! The kinds of factor, each one module behind one trait: how it is
//! enrolled and confirmed, how an answer by it is verified, and how it is
//! listed and removed. The service and the login API go through the trait;
//! each module holds everything of its kind.

pub mod backup;
pub mod external;
pub mod passkey;
pub mod totp;

use crate::store::OpenLogin;
use crate::verify::{LoginError, Verification, Verifier};
use mfac_core::Factor;
use std::future::Future;

pub use backup::BackupCodes;
pub use external::External;
pub use passkey::Passkeys;
pub use totp::Totp;

/// Every factor of the user, in the order they were enrolled, and their
/// backup codes as one entry last: the factor rows read once for all the
/// kinds kept as rows.
pub async fn list_all(
    v: &Verifier,
    user: &str,
) -> Result<Vec<crate::api::ListedFactor>, LoginError> {
    let mut all = listed(v.list_factors(user).await?);
    all.extend(BackupCodes.list(v, user).await?);
    Ok(all)
}

/// Factor rows as the API lists them.
fn listed(rows: Vec<crate::store::ListedFactor>) -> Vec<crate::api::ListedFactor> {
    rows.into_iter()
        .map(|f| crate::api::ListedFactor {
            factor_id: f.id.to_string(),
            kind: f.kind,
            status: f.status,
            label: f.label,
            created_at: Some(f.created),
            last_used_at: f.last_used,
            remaining: None,
        })
        .collect()
}

/// One kind of factor.
pub trait FactorKind: Sync {
    /// What an enrolment gives back, to show the user once.
    type Enrolment;
    /// What confirms an enrolment.
    type Proof: ?Sized + Sync;
    /// What answers a challenge.
    type Answer: ?Sized + Sync;

    /// The kind it is.
    fn factor(&self) -> Factor;

    /// Begin an enrolment for `user`, with the label they give it.
    fn enrol(
        &self,
        v: &Verifier,
        user: &str,
        label: Option<&str>,
    ) -> impl Future<Output = Result<Self::Enrolment, LoginError>> + Send;

    /// Confirm pending factor `factor`: `Err` with the reason (in the
    /// contract's words) when the proof does not confirm it. A kind that is
    /// active when enrolled (backup codes) or enrolled elsewhere (external
    /// factors) has nothing pending to confirm.
    fn confirm(
        &self,
        _v: &Verifier,
        _user: &str,
        factor: i64,
        _proof: &Self::Proof,
    ) -> impl Future<Output = Result<Result<(), &'static str>, LoginError>> + Send {
        async move { Err(LoginError::NoEnrolment(factor)) }
    }

    /// Verify an answer (closing `login`'s challenge when it verifies).
    fn verify(
        &self,
        v: &Verifier,
        user: &str,
        answer: &Self::Answer,
        login: Option<&OpenLogin>,
    ) -> impl Future<Output = Result<Verification, LoginError>> + Send;

    /// The user's factors of this kind, never a secret.
    fn list(
        &self,
        v: &Verifier,
        user: &str,
    ) -> impl Future<Output = Result<Vec<crate::api::ListedFactor>, LoginError>> + Send {
        async move {
            let kind = self.factor();
            let mut rows = v.list_factors(user).await?;
            rows.retain(|f| f.kind == kind);
            Ok(listed(rows))
        }
    }

    /// Remove the user's factor `factor` of this kind (audited); false if
    /// there is none.
    fn remove(
        &self,
        v: &Verifier,
        user: &str,
        factor: i64,
    ) -> impl Future<Output = Result<bool, LoginError>> + Send {
        async move {
            let kind = self.factor();
            let theirs = v
                .list_factors(user)
                .await?
                .iter()
                .any(|f| f.id == factor && f.kind == kind);
            if !theirs {
                return Ok(false);
            }
            v.remove_factor(user, factor).await
        }
    }
}
