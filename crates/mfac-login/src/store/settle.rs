//! Settling one answer in one transaction: held, checked, counted and
//! recorded at once, whatever other requests and replicas do. This is the
//! one place attempts are counted, for every kind of factor; what counts
//! is [`Reason::counts`].

use super::exec::{args, End, Exec};
use super::{audit_args, throttle_row, AuditEvent, EventKind, OpenLogin, Store, StoreError};
use super::{ThrottleState, INSERT_AUDIT};
use crate::reason::Reason;
use crate::throttle::{Gate, Limits};
use jiff::{SignedDuration, Timestamp};
use mfac_core::Factor;

/// What a verified answer consumes, by compare-and-set.
#[derive(Clone, PartialEq, Eq)]
pub enum Proof {
    /// This TOTP factor's time step, accepted once.
    TotpStep { factor: i64, step: i64 },
    /// This backup code, used once.
    BackupCode { id: i64 },
    /// This passkey's signature counter, moved forward only (a counter of 0,
    /// from an authenticator that keeps none, always passes), with the
    /// passkey resealed after the ceremony updated it.
    Passkey {
        factor: i64,
        sealed: Vec<u8>,
        counter: u32,
        backup_state: bool,
        /// The authenticator verified its user (the UV flag): what lets a
        /// passkey reach AAL3.
        user_verified: bool,
    },
    /// A factor the caller's provider verified (sms, email, push).
    External,
}

impl std::fmt::Debug for Proof {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        match self {
            Proof::TotpStep { factor, step } => write!(f, "TotpStep({factor}, {step})"),
            Proof::BackupCode { id } => write!(f, "BackupCode({id})"),
            Proof::Passkey {
                factor, counter, ..
            } => write!(f, "Passkey({factor}, counter {counter})"),
            Proof::External => f.write_str("External"),
        }
    }
}

impl Proof {
    /// Why an answer failed whose proof was consumed already.
    fn used_reason(&self) -> Reason {
        match self {
            Proof::Passkey { .. } => Reason::Counter,
            _ => Reason::Replayed,
        }
    }

    /// The assurance level a login verified by it reaches.
    pub fn aal(&self) -> mfac_core::policy::Aal {
        use mfac_core::policy::Aal;
        match self {
            Proof::Passkey { user_verified, .. } => {
                Aal::of_factor(Factor::Webauthn, *user_verified)
            }
            Proof::TotpStep { .. } | Proof::BackupCode { .. } | Proof::External => Aal::Aal2,
        }
    }
}

/// At most `max` external answers (sms, email, push; approved or denied)
/// per user within `window`: push fatigue ends there.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub struct ExternalLimit {
    pub max: u32,
    pub window: SignedDuration,
}

/// One verification attempt, settled in one transaction by
/// [`Store::settle`].
#[derive(Clone, Debug)]
pub struct Attempt {
    pub user: String,
    /// The kind of factor that answered.
    pub what: Factor,
    /// What the answer would consume, each with the detail of its
    /// `verified` event, in order: the first whose compare-and-set succeeds
    /// verifies. Empty when the answer matched nothing.
    pub proofs: Vec<(Proof, String)>,
    /// Why the attempt failed when no proof is consumed.
    pub miss: Reason,
    /// The login whose challenge this answers: closed with the
    /// verification; the remember window restarts from its IP.
    pub login: Option<OpenLogin>,
    /// For an external answer: how many the user may give in a window.
    pub external: Option<ExternalLimit>,
    pub at: Timestamp,
}

/// How [`Store::settle`] ended.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub enum Settled {
    /// `proofs[i]` was consumed.
    Verified(usize),
    Failed {
        reason: Reason,
        attempts_left: u32,
    },
    /// Refused unchecked: too many failures, or too many external prompts
    /// (`None`: until an administrator unlocks the user).
    Locked {
        until: Option<Timestamp>,
    },
    /// The login's challenge was answered already, by another request.
    Closed,
}

// Creates the row or takes it, so the transaction holds the row
// (PostgreSQL) or the database (SQLite) before it reads it: the user's
// attempts are settled one at a time.
const HOLD: &str = "INSERT INTO throttle (user_id, consecutive, total, lockouts) VALUES ($1, 0, 0, 0) ON CONFLICT (user_id) DO UPDATE SET total = throttle.total RETURNING consecutive, total, lockouts, locked_until";
const FAIL: &str = "UPDATE throttle SET consecutive = $2, total = $3, lockouts = $4, locked_until = $5 WHERE user_id = $1";
const RESET: &str = "UPDATE throttle SET consecutive = 0, total = 0, lockouts = 0, locked_until = NULL WHERE user_id = $1";
const STEP: &str = "UPDATE factors SET last_step = $1, last_used_at = $3 WHERE id = $2 AND status = 'active' AND (last_step IS NULL OR last_step < $1)";
const CODE: &str = "UPDATE backup_codes SET used_at = $1 WHERE id = $2 AND used_at IS NULL";
const COUNTER: &str = "UPDATE factors SET secret = $1, counter = $2, backup_state = $3, last_used_at = $5 WHERE id = $4 AND status = 'active' AND ($2 = 0 OR counter IS NULL OR counter < $2)";
const CLOSE: &str = "UPDATE logins SET answered_at = $1 WHERE id = $2 AND answered_at IS NULL";
const ANSWERED: &str = "SELECT answered_at FROM logins WHERE id = $1";
const MFA: &str = "INSERT INTO mfa_state (user_id, last_mfa_at, last_mfa_ip, logins_since, last_mfa_aal) VALUES ($1, $2, $3, 0, $4) ON CONFLICT (user_id) DO UPDATE SET last_mfa_at = $2, last_mfa_ip = $3, logins_since = 0, last_mfa_aal = $4";
const EXTERNAL: &str = "SELECT COUNT(*), MIN(at_ns) FROM audit WHERE user_id = $1 AND factor IN ('sms', 'email', 'push') AND kind IN ('verified_external', 'verify_failed') AND at_ns >= $2";

impl Attempt {
    /// An audit event of this attempt.
    fn event(
        &self,
        kind: EventKind,
        detail: String,
        result: &str,
        reason: Option<&str>,
    ) -> AuditEvent {
        let mut e = AuditEvent::new(self.at, &self.user, kind, detail);
        e.factor = Some(self.what.name().to_string());
        e.result = Some(result.to_string());
        e.reason = reason.map(str::to_string);
        if let Some(l) = &self.login {
            e.login_id = Some(l.id.clone());
            e.decision_id.clone_from(&l.decision_id);
            e.app.clone_from(&l.app);
            e.ip.clone_from(&l.ip);
            e.policy_sha256.clone_from(&l.policy_sha256);
        }
        e
    }
}

impl Store {
    /// Settle one verification attempt in one transaction, so that it is
    /// counted, checked and recorded at once whatever other replicas do:
    /// the user's throttle row is held first (a refusal when locked, or
    /// past the external limit); then the first proof whose compare-and-set
    /// succeeds verifies — the failure count reset, the login's challenge
    /// closed (compare-and-set too), the remember window restarted;
    /// otherwise, unless the login was verified meanwhile (`Closed`: a
    /// duplicate, not a failure), the failure is recorded and, if its
    /// reason counts, counted, with the lock-out it starts. Every outcome
    /// writes its audit events in the same transaction. So however many
    /// replicas verify at once, no more than `limits.hard_limit` failures
    /// are ever counted without a success, and each proof is consumed at
    /// most once.
    pub async fn settle(&self, a: Attempt, limits: &Limits) -> Result<Settled, StoreError> {
        // Owned: on SQLite the transaction runs on the writer's thread.
        let limits = *limits;
        let at = a.at.to_string();
        write_tx!(self, |db| {
            let state = throttle_row(&db.one(HOLD, args![&a.user]).await?)?;
            let mut refused = match limits.gate(&state, a.at) {
                Gate::Locked { until } => Some((until, "locked")),
                Gate::Open { .. } => None,
            };
            if let (None, Some(limit)) = (refused, a.external) {
                let since = a.at.checked_sub(limit.window).unwrap_or(a.at);
                let row = db
                    .one(EXTERNAL, args![&a.user, super::nanos(since)])
                    .await?;
                let (n, oldest): (i64, Option<i64>) = (row.get(0)?, row.get(1)?);
                if n >= i64::from(limit.max) {
                    let until = oldest
                        .and_then(|ns| Timestamp::from_nanosecond(i128::from(ns)).ok())
                        .and_then(|t| t.checked_add(limit.window).ok());
                    refused = Some((until.or(Some(a.at)), "external_limit"));
                }
            }
            if let Some((until, why)) = refused {
                let when =
                    until.map_or("an administrator unlocks it".to_string(), |t| t.to_string());
                let detail = format!("{}: {why} until {when}", a.what);
                let e = a.event(EventKind::VerifyRefused, detail, "locked", Some(why));
                db.execute(INSERT_AUDIT, audit_args(&at, &e)).await?;
                return Ok(End::Commit(Settled::Locked { until }));
            }
            let left = match limits.gate(&state, a.at) {
                Gate::Open { attempts_left } => attempts_left,
                Gate::Locked { .. } => 0,
            };
            let mut used = None;
            for (i, (proof, detail)) in a.proofs.iter().enumerate() {
                let consumed = match proof {
                    Proof::TotpStep { factor, step } => {
                        db.execute(STEP, args![*step, *factor, &at]).await? == 1
                    }
                    Proof::BackupCode { id } => db.execute(CODE, args![&at, *id]).await? == 1,
                    Proof::Passkey {
                        factor,
                        sealed,
                        counter,
                        backup_state,
                        ..
                    } => {
                        let row = args![
                            sealed,
                            i64::from(*counter),
                            i64::from(*backup_state),
                            *factor,
                            &at
                        ];
                        db.execute(COUNTER, row).await? == 1
                    }
                    Proof::External => true,
                };
                if !consumed {
                    used = Some(proof);
                    continue;
                }
                if state != ThrottleState::default() {
                    db.execute(RESET, args![&a.user]).await?;
                }
                if let Some(l) = &a.login {
                    if db.execute(CLOSE, args![&at, &l.id]).await? != 1 {
                        return Ok(End::Rollback(Settled::Closed));
                    }
                    let aal = i64::from(proof.aal().number());
                    db.execute(MFA, args![&a.user, &at, &l.ip, aal]).await?;
                }
                let kind = match proof {
                    Proof::External => EventKind::VerifiedExternal,
                    _ => EventKind::Verified,
                };
                let e = a.event(kind, detail.clone(), "verified", None);
                db.execute(INSERT_AUDIT, audit_args(&at, &e)).await?;
                return Ok(End::Commit(Settled::Verified(i)));
            }
            // A duplicate of an answer that verified this login (a double
            // click, a retrying proxy) is not a failure of the user's.
            if let Some(l) = &a.login {
                let answered = match db.optional(ANSWERED, args![&l.id]).await? {
                    Some(r) => r.get::<Option<String>>(0)?.is_some(),
                    None => false,
                };
                if answered {
                    return Ok(End::Rollback(Settled::Closed));
                }
            }
            if let Some(Proof::Passkey { factor, .. }) = used {
                let e = a.event(
                    EventKind::PossibleClonedAuthenticator,
                    format!("factor {factor}: the counter went back"),
                    "failed",
                    Some(Reason::Counter.name()),
                );
                db.execute(INSERT_AUDIT, audit_args(&at, &e)).await?;
            }
            let reason = used.map_or(a.miss, Proof::used_reason);
            let mut lock = false;
            if reason.counts() {
                let next;
                (next, lock) = limits.fail(&state, a.at);
                let row = args![
                    &a.user,
                    i64::from(next.consecutive),
                    i64::from(next.total),
                    i64::from(next.lockouts),
                    next.locked_until.map(|t| t.to_string()),
                ];
                db.execute(FAIL, row).await?;
            }
            let e = a.event(
                EventKind::VerifyFailed,
                format!("{}: {reason}", a.what),
                "failed",
                Some(reason.name()),
            );
            db.execute(INSERT_AUDIT, audit_args(&at, &e)).await?;
            if lock {
                let e = a.event(
                    EventKind::LockedOut,
                    format!("after a failed {}", a.what),
                    "locked",
                    Some(reason.name()),
                );
                db.execute(INSERT_AUDIT, audit_args(&at, &e)).await?;
            }
            End::Commit(Settled::Failed {
                reason,
                attempts_left: if reason.counts() {
                    left.saturating_sub(1)
                } else {
                    left
                },
            })
        })
    }
}
