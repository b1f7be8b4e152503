//! Why an answer did not verify, and whether that counts toward a lock-out:
//! the failure-counting rules in one place. An answer counts when it tried
//! a secret and failed (a wrong or replayed code, a passkey whose counter
//! went back) or reports a prompt the user denied; an answer that tried no
//! secret (a factor the challenge did not offer, a challenge past its time)
//! is refused and audited but not counted.

use serde::Serialize;

#[derive(Clone, Copy, Debug, PartialEq, Eq, Hash, Serialize, utoipa::ToSchema)]
#[serde(rename_all = "snake_case")]
pub enum Reason {
    /// A code or a passkey assertion that does not verify.
    WrongCode,
    /// A code (a TOTP step, a backup code) accepted before.
    Replayed,
    /// A factor the challenge did not offer this login.
    NotAllowed,
    /// A challenge or passkey ceremony unknown, used or past its time.
    Expired,
    /// A passkey's signature counter went back (a cloned authenticator?).
    Counter,
    /// An external prompt (sms, email, push) the user denied or let lapse,
    /// as the caller's provider reported it.
    Denied,
}

impl Reason {
    /// The word in the HTTP contract and the audit trail.
    pub fn name(self) -> &'static str {
        match self {
            Reason::WrongCode => "wrong_code",
            Reason::Replayed => "replayed",
            Reason::NotAllowed => "not_allowed",
            Reason::Expired => "expired",
            Reason::Counter => "counter",
            Reason::Denied => "denied",
        }
    }

    /// Whether a failure for this reason counts toward a lock-out.
    pub fn counts(self) -> bool {
        match self {
            Reason::WrongCode | Reason::Replayed | Reason::Counter | Reason::Denied => true,
            Reason::NotAllowed | Reason::Expired => false,
        }
    }
}

impl std::fmt::Display for Reason {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        f.pad(self.name())
    }
}
