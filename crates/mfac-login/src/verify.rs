//! Enrolling and verifying factors over the store: the seed is generated,
//! sealed under the key and shown once; a code is checked against the open
//! seed at the clock's time, and its step accepted in one compare-and-set,
//! so that of any number of concurrent requests with one code exactly one
//! succeeds. Every step is audited, without the secret.

use crate::backup;
use crate::clock::Clock;
use crate::events::EventKind;
use crate::reason::Reason;
use crate::secret::{SecretError, SecretKey};
use crate::store::{
    Attempt, AuditEvent, ExternalLimit, ListedFactor, OpenLogin, Settled, Store, StoreError,
};
use crate::throttle::Limits;
use crate::totp;
use mfac_core::Factor;
use std::sync::Arc;

/// Why an operation could not be carried out (a wrong code is not an
/// error: it is a [`Verification::Failed`]).
#[derive(Debug, thiserror::Error)]
pub enum LoginError {
    #[error(transparent)]
    Store(#[from] StoreError),
    #[error("a stored secret cannot be opened: {0}")]
    Secret(#[from] SecretError),
    #[error(transparent)]
    Totp(#[from] totp::TotpError),
    #[error(transparent)]
    Backup(#[from] backup::BackupError),
    #[error("no pending enrolment {0} for this user")]
    NoEnrolment(i64),
    #[error(transparent)]
    Random(#[from] crate::RandomError),
    #[error("{0}")]
    Config(String),
    #[error("the logins of `{0}` kept changing under this one; try again")]
    Contention(String),
    #[error(
        "this user has {0} sign-ins waiting for an answer already: answer or let one expire first"
    )]
    TooManyOpen(u32),
    #[error(
        "this user has {0} enrolments waiting to be confirmed already: confirm one or let it expire (an hour) first"
    )]
    TooManyPending(u32),
    #[error("too many failed codes: verification is locked for this user")]
    Locked(Option<jiff::Timestamp>),
}

/// The outcome of one verification.
#[derive(Clone, Debug, PartialEq, Eq)]
pub enum Verification {
    Verified {
        factor: i64,
        /// Whose factor verified.
        user: String,
    },
    /// Why (see [`Reason`], which also says whether it counted), and
    /// `attempts_left` before verification locks.
    Failed { reason: Reason, attempts_left: u32 },
    /// Too many failures: no code is checked until `until` (`None`: until
    /// an administrator resets the user).
    Locked { until: Option<jiff::Timestamp> },
    /// The login's challenge was answered already, by another request.
    Closed,
}

/// What an unlock cleared.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub struct Unlocked {
    /// Failures since the user's last success.
    pub failures: u32,
    /// Whether verification was locked.
    pub locked: bool,
    /// Whether the lock was the hard limit's, which only an unlock ends.
    pub hard_limit: bool,
}

/// A TOTP enrolment under way: show `uri` (as a QR code) once, then confirm
/// with the first code.
pub struct TotpEnrolment {
    pub factor: i64,
    pub uri: String,
    /// The same link as an SVG QR code.
    pub qr_svg: String,
}

impl std::fmt::Debug for TotpEnrolment {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        write!(f, "TotpEnrolment {{ factor: {}, uri: .. }}", self.factor)
    }
}

/// Verification over one store, one key and one clock.
pub struct Verifier {
    pub store: Store,
    key: SecretKey,
    clock: Arc<dyn Clock>,
    /// Shown in authenticator apps beside the account.
    pub issuer: String,
    /// When repeated failures lock verification.
    pub limits: Limits,
    /// How many external answers (sms, email, push) a user may give in a
    /// window: the end of push fatigue.
    pub external_limit: ExternalLimit,
    /// How many open challenges a user may have at once.
    pub max_open_logins: u32,
    /// How many enrolments a user may have pending at once.
    pub max_pending: u32,
    /// The WebAuthn relying party, when passkeys are configured.
    pub webauthn: Option<webauthn_rs::Webauthn>,
    /// Argon2 runs on the blocking pool, this many at a time: a flood of
    /// backup-code guesses waits here, in memory it bounds, and never takes
    /// the threads that answer decisions and `/healthz`.
    hashing: Arc<tokio::sync::Semaphore>,
    /// Argon2 hashes computed (issuing and checking backup codes).
    hashes: Arc<std::sync::atomic::AtomicU64>,
}

/// How many Argon2 hashes run at once: one core is left to everything else.
fn hashing_permits() -> usize {
    std::thread::available_parallelism()
        .map_or(1, |n| n.get().saturating_sub(1))
        .max(1)
}

/// What a seal is bound to: the user and the kind, so a sealed seed copied
/// to another user's row does not open.
pub(crate) fn aad(user: &str, kind: &str) -> Vec<u8> {
    format!("mfac:{kind}:{user}").into_bytes()
}

impl Verifier {
    pub fn new(store: Store, key: SecretKey, clock: Arc<dyn Clock>, issuer: &str) -> Verifier {
        Verifier {
            store,
            key,
            clock,
            issuer: issuer.to_string(),
            limits: Limits::default(),
            external_limit: ExternalLimit {
                max: 10,
                window: jiff::SignedDuration::from_mins(10),
            },
            max_open_logins: 5,
            max_pending: 5,
            webauthn: None,
            hashing: Arc::new(tokio::sync::Semaphore::new(hashing_permits())),
            hashes: Arc::default(),
        }
    }

    /// Whether the key opens the store's sealed secrets (one of them, the
    /// newest): a wrong key is found at start-up, not at the first verify.
    pub async fn check_key(&self) -> Result<(), LoginError> {
        if let Some((user, kind, sealed)) = self.store.sample_sealed().await? {
            self.key.open(&sealed, &aad(&user, &kind))?;
        }
        Ok(())
    }

    /// Argon2 hashes computed since the start (a metric).
    pub fn argon2_hashes(&self) -> u64 {
        self.hashes.load(std::sync::atomic::Ordering::Relaxed)
    }

    /// Run `n` Argon2 hashes' worth of work `f` on the blocking pool, when
    /// a permit is free.
    pub(crate) async fn hashing<T: Send + 'static>(
        &self,
        n: usize,
        f: impl FnOnce() -> T + Send + 'static,
    ) -> Result<T, LoginError> {
        let _permit = self
            .hashing
            .acquire()
            .await
            .map_err(|_| LoginError::Config("the hashing pool is closed".into()))?;
        self.hashes
            .fetch_add(n as u64, std::sync::atomic::Ordering::Relaxed);
        tokio::task::spawn_blocking(f)
            .await
            .map_err(|e| LoginError::Config(format!("a hashing task stopped: {e}")))
    }

    pub(crate) fn key(&self) -> &SecretKey {
        &self.key
    }

    /// Whether the user may try a factor now, and how many failures are
    /// left before a lock-out; counts nothing.
    pub async fn gate(&self, user: &str) -> Result<crate::throttle::Gate, LoginError> {
        let state = self.store.throttle_state(user).await?;
        Ok(self.limits.gate(&state, self.now()))
    }

    /// Whether the user is locked now (a look that counts nothing; the
    /// settling transaction looks again).
    pub(crate) async fn locked(&self, user: &str) -> Result<bool, LoginError> {
        Ok(matches!(
            self.gate(user).await?,
            crate::throttle::Gate::Locked { .. }
        ))
    }

    /// Settle an attempt in the store (one transaction: counted, checked,
    /// recorded) and say how it ended; `factors[i]` is the factor id that
    /// `proofs[i]` verifies.
    pub(crate) async fn settle(
        &self,
        attempt: Attempt,
        factors: &[i64],
    ) -> Result<Verification, LoginError> {
        let user = attempt.user.clone();
        Ok(match self.store.settle(attempt, &self.limits).await? {
            Settled::Verified(i) => Verification::Verified {
                factor: factors.get(i).copied().unwrap_or(0),
                user,
            },
            Settled::Failed {
                reason,
                attempts_left,
            } => Verification::Failed {
                reason,
                attempts_left,
            },
            Settled::Locked { until } => Verification::Locked { until },
            Settled::Closed => Verification::Closed,
        })
    }

    /// An attempt at `what` by `user` now, answering `login`, that matched
    /// nothing yet.
    pub(crate) fn attempt(&self, user: &str, what: Factor, login: Option<&OpenLogin>) -> Attempt {
        Attempt {
            user: user.to_string(),
            what,
            proofs: Vec::new(),
            miss: Reason::WrongCode,
            login: login.cloned(),
            external: None,
            at: self.clock.now(),
        }
    }

    /// The verifier's clock.
    pub fn now(&self) -> jiff::Timestamp {
        self.clock.now()
    }

    pub(crate) async fn audit_event(
        &self,
        user: &str,
        kind: EventKind,
        detail: String,
    ) -> Result<(), LoginError> {
        self.audit(user, kind, detail).await
    }

    pub(crate) async fn audit(
        &self,
        user: &str,
        kind: EventKind,
        detail: String,
    ) -> Result<(), LoginError> {
        Ok(self.store.audit(&self.event(user, kind, detail)).await?)
    }

    /// An administrator's unlock of `user` (after a lock-out or past the
    /// hard limit), audited with `reason`: what was cleared.
    pub async fn unlock(&self, user: &str, reason: &str) -> Result<Unlocked, LoginError> {
        let now = self.now();
        let was = self.store.unlock(user, reason, now).await?;
        Ok(Unlocked {
            failures: was.total,
            locked: matches!(
                self.limits.gate(&was, now),
                crate::throttle::Gate::Locked { .. }
            ),
            hard_limit: was.total >= self.limits.hard_limit,
        })
    }

    /// The user's factors (never their secrets).
    pub async fn list_factors(&self, user: &str) -> Result<Vec<ListedFactor>, LoginError> {
        Ok(self.store.list_factors(user).await?)
    }

    /// Remove a factor; its secret is erased. False if there was none.
    pub async fn remove_factor(&self, user: &str, id: i64) -> Result<bool, LoginError> {
        let done = self.store.remove_factor(user, id).await?;
        if done {
            self.audit(user, EventKind::FactorRemoved, format!("factor {id}"))
                .await?;
        }
        Ok(done)
    }

    /// An audit event at the clock's time.
    pub(crate) fn event(&self, user: &str, kind: EventKind, detail: String) -> AuditEvent {
        AuditEvent::new(self.clock.now(), user, kind, detail)
    }
}
