//! The kinds of audit event, one enum: what the store writes, what
//! `GET /v1/audit?type=` and `mfac audit --type` filter by, and what a
//! client can rely on seeing.

use serde::{Deserialize, Serialize};

macro_rules! kinds {
    ($($(#[$doc:meta])* $variant:ident = $name:literal,)*) => {
        /// What an audit event records.
        #[derive(Clone, Copy, Debug, Default, PartialEq, Eq, Hash, Serialize, Deserialize, utoipa::ToSchema)]
        #[serde(rename_all = "snake_case")]
        pub enum EventKind {
            #[default]
            $($(#[$doc])* $variant,)*
        }

        impl EventKind {
            /// Every kind, in the order of this list.
            pub const ALL: &'static [EventKind] = &[$(EventKind::$variant,)*];

            /// The kind's name on the wire and in the store.
            pub fn name(self) -> &'static str {
                match self {
                    $(EventKind::$variant => $name,)*
                }
            }
        }
    };
}

kinds! {
    /// A login decided (not a privileged one let in without MFA).
    Decision = "decision",
    /// A privileged user let in without a verified factor: exempt,
    /// remembered or MFA off.
    PrivilegedWithoutMfa = "privileged_without_mfa",
    /// A factor verified a login (or a direct verification).
    Verified = "verified",
    /// The caller's own provider verified an external factor.
    VerifiedExternal = "verified_external",
    /// A verification failed (and was counted).
    VerifyFailed = "verify_failed",
    /// A verification refused unchecked: the user is locked.
    VerifyRefused = "verify_refused",
    /// A failure that started a lock-out.
    LockedOut = "locked_out",
    /// An answer refused before any secret was tried (expired challenge,
    /// a factor not offered).
    AnswerRefused = "answer_refused",
    /// An administrator cleared a user's failures and lock-out.
    Unlocked = "unlocked",
    /// A helpdesk granted a bypass within the policy's `bypass max`.
    BypassGranted = "bypass_granted",
    /// A bypass was ended before its `until`.
    BypassEnded = "bypass_ended",
    /// A grant the policy does not allow (none allowed, too long, a
    /// privileged user, not in a bypass group).
    BypassRefused = "bypass_refused",
    TotpEnrolmentStarted = "totp_enrolment_started",
    TotpEnrolled = "totp_enrolled",
    TotpConfirmFailed = "totp_confirm_failed",
    PasskeyEnrolled = "passkey_enrolled",
    /// A passkey registration or sign-in the library refused.
    PasskeyRefused = "passkey_refused",
    /// A passkey's signature counter went back.
    PossibleClonedAuthenticator = "possible_cloned_authenticator",
    BackupCodesIssued = "backup_codes_issued",
    FactorRemoved = "factor_removed",
    PolicyReloaded = "policy_reloaded",
    PolicyReloadFailed = "policy_reload_failed",
}

impl EventKind {
    /// The kind named `name`, if there is one.
    pub fn from_name(name: &str) -> Option<EventKind> {
        EventKind::ALL.iter().copied().find(|k| k.name() == name)
    }

    /// Every kind's name, comma-separated, for a message.
    pub fn names() -> String {
        EventKind::ALL
            .iter()
            .map(|k| k.name())
            .collect::<Vec<_>>()
            .join(", ")
    }
}

impl std::fmt::Display for EventKind {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        f.pad(self.name())
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn names_round_trip_and_match_serde() {
        for k in EventKind::ALL {
            assert_eq!(EventKind::from_name(k.name()), Some(*k));
            assert_eq!(
                serde_json::to_value(k).unwrap(),
                serde_json::Value::String(k.name().to_string())
            );
        }
        assert_eq!(EventKind::from_name("bogus"), None);
    }
}
