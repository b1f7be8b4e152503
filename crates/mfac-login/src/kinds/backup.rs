//! Backup codes as a factor kind: ten codes issued at once and active (no
//! confirmation), shown once and stored as Argon2 hashes with a lookup
//! key each; a code used once; the set erased whole.

use super::FactorKind;
use crate::backup;
use crate::events::EventKind;
use crate::reason::Reason;
use crate::store::{OpenLogin, Proof};
use crate::verify::{LoginError, Verification, Verifier};
use mfac_core::Factor;

/// The backup-code factor kind.
pub struct BackupCodes;

impl FactorKind for BackupCodes {
    /// The codes, to show once.
    type Enrolment = Vec<String>;
    type Proof = ();
    type Answer = str;

    fn factor(&self) -> Factor {
        Factor::BackupCode
    }

    /// A new set, replacing the old (a label has no place on a set).
    async fn enrol(
        &self,
        v: &Verifier,
        user: &str,
        _label: Option<&str>,
    ) -> Result<Vec<String>, LoginError> {
        v.new_backup_codes(user).await
    }

    async fn verify(
        &self,
        v: &Verifier,
        user: &str,
        code: &str,
        login: Option<&OpenLogin>,
    ) -> Result<Verification, LoginError> {
        v.check_backup_code(user, code, login).await
    }

    async fn list(
        &self,
        v: &Verifier,
        user: &str,
    ) -> Result<Vec<crate::api::ListedFactor>, LoginError> {
        let left = v.store.unused_backup_codes(user).await?.len();
        Ok((left > 0)
            .then(|| crate::api::ListedFactor {
                factor_id: "backup_code".into(),
                kind: Factor::BackupCode,
                status: crate::status::Status::Active,
                label: None,
                created_at: None,
                last_used_at: None,
                remaining: Some(left),
            })
            .into_iter()
            .collect())
    }

    /// The unused codes, whatever `factor` says: they are one set.
    async fn remove(&self, v: &Verifier, user: &str, _factor: i64) -> Result<bool, LoginError> {
        v.remove_backup_codes(user).await
    }
}

impl Verifier {
    /// Erase the user's unused backup codes (a reset after a lost sheet).
    /// False if there were none.
    pub async fn remove_backup_codes(&self, user: &str) -> Result<bool, LoginError> {
        let done = self.store.remove_backup_codes(user).await?;
        if done {
            self.audit(user, EventKind::FactorRemoved, "backup codes".into())
                .await?;
        }
        Ok(done)
    }

    /// A new set of backup codes, replacing the old; the codes are returned
    /// once, to show the user, and stored only as hashes.
    pub async fn new_backup_codes(&self, user: &str) -> Result<Vec<String>, LoginError> {
        let owner = user.to_string();
        let set = self
            .hashing(backup::COUNT, move || backup::new_codes(&owner))
            .await??;
        self.store.replace_backup_codes(user, &set.stored).await?;
        self.audit(
            user,
            EventKind::BackupCodesIssued,
            format!("{} codes", set.stored.len()),
        )
        .await?;
        Ok(set.shown)
    }

    /// Verify a backup code; each is usable once. (Whether a backup code may
    /// answer this login at all is the decision's `factors`.)
    pub async fn verify_backup_code(
        &self,
        user: &str,
        code: &str,
    ) -> Result<Verification, LoginError> {
        self.check_backup_code(user, code, None).await
    }

    pub(crate) async fn check_backup_code(
        &self,
        user: &str,
        code: &str,
        login: Option<&OpenLogin>,
    ) -> Result<Verification, LoginError> {
        let mut attempt = self.attempt(user, Factor::BackupCode, login);
        // The lock first, and only the codes that share the guess's lookup
        // key: a locked user's or a malformed guess costs no hash, a wrong
        // one almost never.
        let candidates = match backup::lookup(user, code) {
            Some(key) if !self.locked(user).await? => {
                self.store.backup_code_candidates(user, &key).await?
            }
            _ => Vec::new(),
        };
        let found = if candidates.is_empty() {
            None
        } else {
            let hashes: Vec<String> = candidates.iter().map(|(_, h, _)| h.clone()).collect();
            let code = code.to_string();
            self.hashing(hashes.len(), move || backup::find(&code, &hashes))
                .await??
                .and_then(|i| candidates.get(i))
        };
        let mut ids = Vec::new();
        match found {
            Some((_, _, true)) => attempt.miss = Reason::Replayed,
            Some((id, _, false)) => {
                let proof = Proof::BackupCode { id: *id };
                attempt.proofs.push((proof, format!("backup code {id}")));
                ids.push(*id);
            }
            None => {}
        }
        self.settle(attempt, &ids).await
    }
}
