//! NIST SP 800-63B: authenticator assurance levels 2 and 3.

use super::{always, phishing_resistant, Control, Params, Profile, Test};
use mfac_core::Level;
use mfac_prove::{Condition, Scope};

/// AAL2 and AAL3 reauthenticate at least every 12 hours.
const REAUTHENTICATE: i64 = 12 * 3600;

/// The scopes an AAL applies to: as given, or everyone for AAL2 when the
/// profile names none at all.
fn aal2(p: &Params) -> Vec<Scope> {
    if p.aal2.is_empty() && p.aal3.is_empty() {
        vec![Scope::Everyone]
    } else {
        p.aal2.clone()
    }
}

fn mfa(scopes: &[Scope]) -> Vec<Test> {
    scopes
        .iter()
        .flat_map(|s| {
            [
                always(s.clone(), None, Condition::Enforcement(Level::Required)),
                always(s.clone(), None, Condition::RememberWithin(REAUTHENTICATE)),
            ]
        })
        .collect()
}

pub(super) static PROFILE: Profile = Profile {
    name: "nist-800-63b",
    title: "NIST SP 800-63B, authenticator assurance levels 2 and 3",
    source: "NIST Special Publication 800-63B, Digital Identity Guidelines: Authentication and Lifecycle Management, sections 4.2 (AAL2) and 4.3 (AAL3), https://pages.nist.gov/800-63-3/sp800-63b.html",
    parameters: "`aal2 for SCOPE` and `aal3 for SCOPE` (SCOPE as in an assertion: everyone, privileged, break_glass, members of group \"G\", user \"U\"); without any, AAL2 for everyone",
    controls: &[
        Control {
            id: "AAL2",
            title: "two factors, reauthenticated at least every 12 hours",
            proves: "for each `aal2` and `aal3` scope: always enforcement required, and no remember window longer than 12h",
            tests: |p: &Params| {
                let mut scopes = aal2(p);
                scopes.extend(p.aal3.iter().cloned());
                mfa(&scopes)
            },
        },
        Control {
            id: "AAL3",
            title: "AAL2 with phishing-resistant (verifier-impersonation resistant) factors only",
            proves: "for each `aal3` scope: AAL2, and always factors within webauthn",
            tests: |p: &Params| {
                let mut tests = mfa(&p.aal3);
                tests.extend(
                    p.aal3
                        .iter()
                        .map(|s| always(s.clone(), None, phishing_resistant())),
                );
                tests
            },
        },
    ],
    not_covered: &[
        "replay resistance and authenticator binding (properties of the factors themselves)",
        "the inactivity timeouts (30 minutes at AAL2, 15 at AAL3): sessions are not in the policy",
        "that an AAL3 authenticator is hardware-based (a passkey's attestation, not the policy)",
    ],
};
