//! The login API: `begin_login` asks the policy what this login needs, from
//! what the store knows (enrolled factors, the last verified MFA and the
//! logins since it), and opens a challenge; `answer` checks the answer
//! against that decision and verifies it. A verified MFA restarts the
//! remember window; a login let through by the window counts toward
//! `max_logins`. Every decision and every answer is audited.

use crate::verify::{LoginError, Verification, Verifier};
use mfac_core::eval::{LastMfa, LoginContext, Outcome, Policy};
use mfac_core::wire::DecisionRecord;
use mfac_core::{Factor, FactorSet};
use std::net::IpAddr;

/// How long a challenge may be answered.
pub const CHALLENGE_SECONDS: i64 = 5 * 60;

/// A login begun: its id (to answer the challenge with) and the decision,
/// in the `eval` JSON contract.
#[derive(Clone, Debug, PartialEq, Eq)]
pub struct Login {
    pub id: String,
    pub decision: DecisionRecord,
}

/// An answer to a challenge.
#[derive(Clone, PartialEq, Eq)]
pub enum Answer {
    Totp(String),
    BackupCode(String),
    /// `sms`, `email` or `push`, verified by the caller's own provider.
    External(Factor),
}

impl std::fmt::Debug for Answer {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        match self {
            Answer::Totp(_) => f.write_str("Totp(..)"),
            Answer::BackupCode(_) => f.write_str("BackupCode(..)"),
            Answer::External(k) => write!(f, "External({k})"),
        }
    }
}

impl Answer {
    fn factor(&self) -> Factor {
        match self {
            Answer::Totp(_) => Factor::Totp,
            Answer::BackupCode(_) => Factor::BackupCode,
            Answer::External(k) => *k,
        }
    }
}

/// Why an answer was not even checked.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub enum Refusal {
    /// No such login awaits an answer (never begun, or answered already).
    UnknownLogin,
    /// The challenge is older than five minutes.
    Expired,
    /// The decision did not allow this factor for this login.
    NotAllowed,
}

impl Refusal {
    pub fn reason(self) -> &'static str {
        match self {
            Refusal::UnknownLogin => "unknown_login",
            Refusal::Expired => "expired",
            Refusal::NotAllowed => "not_allowed",
        }
    }
}

/// The result of an answer.
#[derive(Clone, Debug, PartialEq, Eq)]
pub enum Answered {
    Refused(Refusal),
    Checked(Verification),
}

fn names(s: FactorSet) -> String {
    s.names().join(",")
}

impl Verifier {
    /// Decide a login from what the store knows, and open its challenge.
    pub async fn begin_login(
        &self,
        policy: &Policy,
        user: &str,
        groups: &[&str],
        app: Option<&str>,
        ip: Option<IpAddr>,
    ) -> Result<Login, LoginError> {
        let now = self.now();
        let enrolled: FactorSet = self
            .store
            .enrolled_kinds(user)
            .await?
            .iter()
            .filter_map(|k| Factor::from_name(k))
            .collect();
        let last = self
            .store
            .mfa_state(user)
            .await?
            .map(|(at, ip, n)| LastMfa {
                at,
                ip: ip.and_then(|i| i.parse().ok()),
                logins_since: u32::try_from(n).ok(),
            });
        let ctx = LoginContext::new(user, now)
            .groups(groups)
            .app(app)
            .ip(ip)
            .enrolled_set(enrolled)
            .last_mfa(last);
        let d = policy.decide(&ctx);
        let id = crate::random_id()?;
        let decision = DecisionRecord::new(policy, &ctx, &d);
        let mut detail = format!(
            "login {id}: {} ({})",
            d.outcome.name(),
            policy.source_name()
        );
        if let Some(e) = d.exempt {
            let ticket = e.ticket.as_deref().unwrap_or("none");
            detail.push_str(&format!("; exempt: {} (ticket {ticket})", e.reason));
        }
        if d.remembered {
            detail.push_str("; remembered");
        }
        // A privileged user let in with no factor verified (exempt,
        // remembered, or MFA off) is its own kind of event, for
        // `mfac audit --privileged-without-mfa`.
        let privileged = d
            .rules
            .iter()
            .any(|r| r.info.privileged || r.info.break_glass);
        let kind = if privileged && d.outcome == Outcome::Allow {
            let why = if d.exempt.is_some() {
                "exempt"
            } else if d.remembered {
                "remembered"
            } else {
                "enforcement off"
            };
            let rules = decision.rules.join("; ");
            detail.push_str(&format!(
                "; privileged, let in without MFA: {why}; rules: {rules}"
            ));
            "privileged_without_mfa"
        } else {
            "decision"
        };
        // The audit event, the remembered login's count and the challenge:
        // one transaction.
        let event = self.event(user, kind, detail);
        let allowed = names(d.factors);
        let ip_text = ip.map(|i| i.to_string());
        let expires = now
            .checked_add(jiff::SignedDuration::from_secs(CHALLENGE_SECONDS))
            .unwrap_or(now);
        let challenge = (d.outcome == Outcome::Challenge).then(|| crate::store::NewLogin {
            id: &id,
            decision: d.outcome.name(),
            allowed: &allowed,
            ip: ip_text.as_deref(),
            expires,
        });
        self.store
            .commit_begun(&event, d.remembered, challenge)
            .await?;
        Ok(Login { id, decision })
    }

    /// Answer a login's challenge, once.
    pub async fn answer(&self, login: &str, answer: &Answer) -> Result<Answered, LoginError> {
        let now = self.now();
        let Some((user, allowed, ip, expires)) = self.store.open_login(login).await? else {
            return Ok(Answered::Refused(Refusal::UnknownLogin));
        };
        let user_ref = user.as_str();
        let refuse = |r: Refusal| async move {
            let detail = format!("login {login}: {:?} refused: {}", answer, r.reason());
            self.audit_event(user_ref, "answer_refused", detail).await?;
            Ok::<_, LoginError>(Answered::Refused(r))
        };
        if now >= expires {
            return refuse(Refusal::Expired).await;
        }
        let kind = answer.factor();
        if !allowed.split(',').any(|k| k == kind.name()) {
            return refuse(Refusal::NotAllowed).await;
        }
        let at = Some((login, ip.as_deref()));
        let verification = match answer {
            Answer::Totp(code) => self.check_totp(&user, code, at).await?,
            Answer::BackupCode(code) => self.check_backup_code(&user, code, at).await?,
            Answer::External(k) => {
                let event = self.event(&user, "verified_external", format!("login {login}: {k}"));
                let proof = crate::store::Proof::External;
                match self.store.commit_verified(&user, proof, at, &event).await? {
                    crate::store::Commit::Done => Verification::Verified { factor: 0 },
                    _ => Verification::Closed,
                }
            }
        };
        if verification == Verification::Closed {
            return Ok(Answered::Refused(Refusal::UnknownLogin));
        }
        Ok(Answered::Checked(verification))
    }
}
