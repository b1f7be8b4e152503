//! CISA SCuBA, Microsoft Entra ID baseline: the MFA controls of section 3.

use super::{always, mfa, never, phishing_resistant, Control, Params, Profile, Test};
use mfac_core::{Factor, FactorSet};
use mfac_prove::{Condition, Scope};

pub(super) static PROFILE: Profile = Profile {
    name: "cisa-scuba-aad",
    title: "CISA SCuBA Microsoft Entra ID baseline, section 3 (strong authentication), v1",
    source: "CISA, Secure Cloud Business Applications (SCuBA), Microsoft Entra ID Minimum Viable Secure Configuration Baseline, https://github.com/cisagov/ScubaGear/blob/main/PowerShell/ScubaGear/baselines/aad.md",
    parameters: "",
    controls: &[
        Control {
            id: "MS.AAD.3.1",
            title: "every user signs in with phishing-resistant MFA",
            proves: "for everyone: always enforcement required, always factors within webauthn",
            tests: |_: &Params| {
                vec![
                    mfa(Scope::Everyone),
                    always(Scope::Everyone, None, phishing_resistant()),
                ]
            },
        },
        Control {
            id: "MS.AAD.3.2",
            title: "every user signs in with MFA (where 3.1 is not yet met)",
            proves: "for everyone: always enforcement required",
            tests: |_: &Params| {
                vec![mfa(Scope::Everyone)]
            },
        },
        Control {
            id: "MS.AAD.3.5",
            title: "no SMS, voice or e-mail one-time codes",
            proves: "for everyone: never factors include sms | email (mfac has no voice factor)",
            tests: |_: &Params| {
                let weak: FactorSet = [Factor::Sms, Factor::Email].into_iter().collect();
                vec![never(Scope::Everyone, Condition::FactorsInclude(weak))]
            },
        },
        Control {
            id: "MS.AAD.3.6",
            title: "privileged roles sign in with phishing-resistant MFA",
            proves: "for privileged: always enforcement required, always factors within webauthn",
            tests: |_: &Params| -> Vec<Test> {
                vec![
                    mfa(Scope::Privileged),
                    always(Scope::Privileged, None, phishing_resistant()),
                ]
            },
        },
    ],
    not_covered: &[
        "MS.AAD.3.3: Microsoft Authenticator showing the login's context (an authenticator app's settings, not the policy)",
        "MS.AAD.3.4: the migration of authentication methods being complete (a tenant setting)",
        "MS.AAD.3.7 and 3.8: managed devices for sign-in and for registering MFA (device state is not in the policy)",
    ],
};
