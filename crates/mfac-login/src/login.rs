//! The login API: `begin_login` asks the policy what this login needs, from
//! what the store knows (enrolled factors, the last verified MFA and the
//! logins since it), and opens a challenge; `answer` checks the answer
//! against that decision and verifies it. A verified MFA restarts the
//! remember window; a login let through by the window counts toward
//! `max_logins`. Every decision and every answer is audited.

use crate::verify::{LoginError, Verification, Verifier};
use mfac_core::eval::{LastMfa, LoginContext, Outcome, Policy};
use mfac_core::policy::Aal;
use mfac_core::wire::DecisionRecord;
use mfac_core::{Factor, FactorSet};
use std::net::IpAddr;
use webauthn_rs::prelude::{PublicKeyCredential, RequestChallengeResponse};

/// How long a challenge may be answered.
pub const CHALLENGE: jiff::SignedDuration = jiff::SignedDuration::from_secs(5 * 60);

/// How many times a login is decided again when a concurrent login of the
/// same user changed its remember-window state first.
const BEGIN_TRIES: usize = 8;

/// A login begun: its id (to answer the challenge with), the id of its
/// decision (both repeated by its audit events) and the decision, in the
/// `eval` JSON contract.
#[derive(Clone, Debug)]
pub struct Login {
    pub id: String,
    pub decision_id: String,
    pub decision: DecisionRecord,
    /// A challenge that a passkey may answer, for a user who has one: the
    /// options for `navigator.credentials.get`.
    pub webauthn: Option<RequestChallengeResponse>,
}

/// A policy as it runs at sign-in: compiled, with the file it came from and
/// the sha256 of its text, which every decision's audit event carries, so
/// that an event says which version of the policy decided it.
#[derive(Debug)]
pub struct Running {
    pub policy: Policy,
    pub file: String,
    pub sha256: String,
    pub loaded_at: jiff::Timestamp,
}

impl Running {
    pub fn new(policy: Policy, file: &str, text: &[u8], loaded_at: jiff::Timestamp) -> Running {
        let sha256 = crate::sha256_hex(text);
        Running {
            policy,
            file: file.to_string(),
            sha256,
            loaded_at,
        }
    }
}

/// An answer to a challenge.
#[derive(Clone)]
pub enum Answer {
    Totp(String),
    BackupCode(String),
    /// The browser's answer to the login's passkey challenge.
    Passkey(Box<PublicKeyCredential>),
    /// `sms`, `email` or `push`, delivered by the caller's own provider,
    /// which reports whether the user approved it (`false`: denied, or
    /// let lapse; counted as a failure).
    External {
        kind: Factor,
        approved: bool,
    },
}

impl std::fmt::Debug for Answer {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        match self {
            Answer::Totp(_) => f.write_str("Totp(..)"),
            Answer::BackupCode(_) => f.write_str("BackupCode(..)"),
            Answer::Passkey(_) => f.write_str("Passkey(..)"),
            Answer::External { kind, approved } => write!(f, "External({kind}, {approved})"),
        }
    }
}

impl Answer {
    fn factor(&self) -> Factor {
        match self {
            Answer::Totp(_) => Factor::Totp,
            Answer::BackupCode(_) => Factor::BackupCode,
            Answer::Passkey(_) => Factor::Webauthn,
            Answer::External { kind, .. } => *kind,
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
    /// The login needed no answer (allowed, denied, or to enrol).
    NoChallenge,
    /// The login was verified already (by this answer sent twice, or by
    /// another): not a failure.
    AlreadyVerified,
}

impl Refusal {
    pub fn reason(self) -> &'static str {
        match self {
            Refusal::UnknownLogin => "unknown_login",
            Refusal::Expired => "expired",
            Refusal::NotAllowed => "not_allowed",
            Refusal::NoChallenge => "no_challenge",
            Refusal::AlreadyVerified => "already_verified",
        }
    }
}

/// What a login is begun with.
#[derive(Clone, Copy, Debug)]
pub struct Begin<'a> {
    pub user: &'a str,
    pub groups: &'a [&'a str],
    pub app: Option<&'a str>,
    pub ip: Option<IpAddr>,
    /// Factors the caller's own provider reaches the user by.
    pub external: FactorSet,
    /// An operation inside a session asking for MFA again: no remember
    /// window; a challenge unless a verified factor of the level needed is
    /// newer than the window's length.
    pub step_up: bool,
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
        running: &Running,
        user: &str,
        groups: &[&str],
        app: Option<&str>,
        ip: Option<IpAddr>,
    ) -> Result<Login, LoginError> {
        self.begin_login_with(running, user, groups, app, ip, FactorSet::EMPTY)
            .await
    }

    /// [`Verifier::begin_login`] for a user the caller's own provider can
    /// also reach by `external` factors (sms, email, push): those count as
    /// enrolled, so a challenge may offer them.
    pub async fn begin_login_with(
        &self,
        running: &Running,
        user: &str,
        groups: &[&str],
        app: Option<&str>,
        ip: Option<IpAddr>,
        external: FactorSet,
    ) -> Result<Login, LoginError> {
        let ask = Begin {
            user,
            groups,
            app,
            ip,
            external,
            step_up: false,
        };
        self.begin(running, &ask).await
    }

    /// Decide a login from what the store knows, and open its challenge:
    /// [`Verifier::begin_login_with`], a step-up too.
    pub async fn begin(&self, running: &Running, ask: &Begin<'_>) -> Result<Login, LoginError> {
        let Begin { user, .. } = *ask;
        // A login let through by a remember window is counted by
        // compare-and-set on the state it was decided from; when another
        // login of the same user changed that state first, decide again, so
        // concurrent logins never pass `max_logins` together.
        for _ in 0..BEGIN_TRIES {
            let state = self.store.login_state(user, self.now()).await?;
            let (login, event, challenge) = self.decide(running, ask, &state)?;
            let remembered = if login.decision.remembered {
                state.last_mfa.as_ref()
            } else {
                None
            };
            let kept = crate::store::NewLogin {
                allowed: challenge.as_deref().unwrap_or(""),
                expires: self.now().checked_add(CHALLENGE).unwrap_or(event.at),
                max_open: Some(self.max_open_logins),
            };
            match self.store.commit_begun(&event, remembered, kept).await? {
                crate::store::Begun::Kept => {}
                crate::store::Begun::Changed => continue,
                crate::store::Begun::TooManyOpen => {
                    return Err(LoginError::TooManyOpen(self.max_open_logins))
                }
            }
            let mut login = login;
            let passkey = challenge
                .as_deref()
                .is_some_and(|a| a.split(',').any(|k| k == Factor::Webauthn.name()));
            if passkey && self.webauthn.is_some() {
                let ceremony = crate::webauthn::login_ceremony(&login.id);
                login.webauthn = self
                    .start_passkey_ceremony(user, ceremony)
                    .await?
                    .map(|c| c.challenge);
            }
            return Ok(login);
        }
        Err(LoginError::Contention(user.to_string()))
    }

    /// The decision of one login from the store's state: the login, its
    /// audit event, and the allowed factors when it is a challenge.
    fn decide(
        &self,
        running: &Running,
        b: &Begin<'_>,
        state: &crate::store::LoginState,
    ) -> Result<(Login, crate::store::AuditEvent, Option<String>), LoginError> {
        let Begin {
            user,
            groups,
            app,
            ip,
            external,
            step_up,
        } = *b;
        let policy = &running.policy;
        let now = self.now();
        let mut enrolled = state.enrolled;
        for k in external.iter().filter(|k| k.is_external()) {
            enrolled = enrolled.with(k);
        }
        let last = state.last_mfa.as_ref().map(|m| LastMfa {
            at: m.at,
            ip: m.ip.as_deref().and_then(|i| i.parse().ok()),
            logins_since: u32::try_from(m.logins_since).ok(),
            aal: m
                .aal
                .and_then(|a| u8::try_from(a).ok())
                .and_then(Aal::from_number),
        });
        let ctx = LoginContext::new(user, now)
            .groups(groups)
            .app(app)
            .ip(ip)
            .enrolled_set(enrolled)
            .last_mfa(last)
            .step_up(step_up);
        let d = policy.decide(&ctx);
        // A bypass in force lets in a login that would need MFA (or be
        // denied), while the policy still honours it for these groups.
        let (d, unhonoured) = match &state.bypass {
            Some(b) if d.outcome != Outcome::Allow => match b.honoured(policy, groups, now) {
                Ok(grant) => (d.bypassed(grant), None),
                Err(r) => (d, Some(r)),
            },
            _ => (d, None),
        };
        let id = crate::random_id()?;
        let decision_id = crate::random_id()?;
        let decision = DecisionRecord::new(policy, &ctx, &d);
        // What let the user in without a factor, as the audit names it (a
        // bypass applies only where no exemption let the login in).
        let exempt = match (&d.bypass, d.exempt) {
            (Some(b), _) => Some(format!(
                "bypass {}: {} (ticket {})",
                b.id, b.reason, b.ticket
            )),
            (None, Some(e)) => {
                let ticket = e.ticket.as_deref().unwrap_or("none");
                Some(format!("{} (ticket {ticket})", e.reason))
            }
            (None, None) => None,
        };
        let mut detail = format!("login {id}: {} ({})", d.outcome.name(), running.file);
        if let Some(x) = &exempt {
            let what = if d.bypass.is_some() { "" } else { "exempt: " };
            detail.push_str(&format!("; {what}{x}"));
        }
        if let (Some(r), Some(b)) = (unhonoured, &state.bypass) {
            detail.push_str(&format!("; bypass {} not honoured: {}", b.id, r.message()));
        }
        if d.remembered {
            detail.push_str("; remembered");
        }
        if step_up {
            detail.push_str("; step-up");
        }
        if let Some(r) = &decision.report_only {
            detail.push_str(&format!(
                "; report-only rules would make it {}: {}",
                r.decision.name(),
                r.rules.join("; ")
            ));
        }
        // A privileged user let in with no factor verified (exempt,
        // remembered, or MFA off) is its own kind of event, for
        // `mfac audit --privileged-without-mfa`.
        let privileged = d
            .rules
            .iter()
            .any(|r| r.info.privileged || r.info.break_glass);
        let kind = if privileged && d.outcome == Outcome::Allow {
            let why = if d.bypass.is_some() {
                "bypass"
            } else if d.exempt.is_some() {
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
            crate::events::EventKind::PrivilegedWithoutMfa
        } else {
            crate::events::EventKind::Decision
        };
        let mut event = self.event(user, kind, detail);
        event.app = app.map(str::to_string);
        event.ip = ip.map(|i| i.to_string());
        event.decision = Some(d.outcome.name().to_string());
        event.decision_id = Some(decision_id.clone());
        event.login_id = Some(id.clone());
        event.policy_sha256 = Some(running.sha256.clone());
        event.exempt = exempt;
        event.report_only = decision
            .report_only
            .as_ref()
            .map(|r| r.decision.name().to_string());
        // What the challenge offers: the allowed factors the user has.
        let challenge = (d.outcome == Outcome::Challenge).then(|| names(d.usable));
        let login = Login {
            id,
            decision_id,
            decision,
            webauthn: None,
        };
        Ok((login, event, challenge))
    }

    /// Answer a login's challenge, once.
    pub async fn answer(&self, login: &str, answer: &Answer) -> Result<Answered, LoginError> {
        let now = self.now();
        let Some(open) = self.store.open_login(login).await? else {
            return Ok(Answered::Refused(Refusal::UnknownLogin));
        };
        if open.decision != Outcome::Challenge.name() {
            return Ok(Answered::Refused(Refusal::NoChallenge));
        }
        if open.answered {
            return Ok(Answered::Refused(Refusal::AlreadyVerified));
        }
        let open = &open;
        let refuse = |r: Refusal| async move {
            let detail = format!("login {login}: {:?} refused: {}", answer, r.reason());
            let mut e = self.event(&open.user, crate::events::EventKind::AnswerRefused, detail);
            e.login_id = Some(open.id.clone());
            e.decision_id.clone_from(&open.decision_id);
            e.policy_sha256.clone_from(&open.policy_sha256);
            e.factor = Some(answer.factor().name().to_string());
            e.result = Some("failed".to_string());
            e.reason = Some(r.reason().to_string());
            self.store.audit(&e).await?;
            Ok::<_, LoginError>(Answered::Refused(r))
        };
        if now >= open.expires {
            return refuse(Refusal::Expired).await;
        }
        let kind = answer.factor();
        if !open.allowed.split(',').any(|k| k == kind.name()) {
            return refuse(Refusal::NotAllowed).await;
        }
        let user = open.user.as_str();
        let at = Some(open);
        use crate::kinds::{BackupCodes, External, FactorKind, Passkeys, Totp};
        let verification = match answer {
            Answer::Totp(code) => Totp.verify(self, user, code, at).await?,
            Answer::BackupCode(code) => BackupCodes.verify(self, user, code, at).await?,
            Answer::Passkey(credential) => Passkeys.verify(self, user, credential, at).await?,
            Answer::External { kind, approved } => {
                External(*kind).verify(self, user, approved, at).await?
            }
        };
        if verification == Verification::Closed {
            return Ok(Answered::Refused(Refusal::AlreadyVerified));
        }
        Ok(Answered::Checked(verification))
    }
}
