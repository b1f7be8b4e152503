//! PCI DSS v4.0, requirement 8.4 and 8.5: MFA into the cardholder data
//! environment.

use super::{always, Control, Params, Profile, Test};
use mfac_core::Level;
use mfac_prove::{Condition, Scope};

/// The longest remember window 8.4.2 allows in a CDE app: after PCI's
/// 8.2.8, a session idle for 15 minutes must authenticate again.
const CDE_WINDOW: i64 = 15 * 60;

pub(super) static PROFILE: Profile = Profile {
    name: "pci-dss-4.0",
    title: "PCI DSS v4.0, requirements 8.4 and 8.5 (multi-factor authentication)",
    source: "PCI Security Standards Council, Payment Card Industry Data Security Standard v4.0 (March 2022), requirements 8.2.8, 8.4.1, 8.4.2, 8.5.1, https://www.pcisecuritystandards.org/document_library/",
    parameters: "`cde app \"A\", app \"B\"`: the apps of the cardholder data environment (without it, 8.4.1 and 8.4.2 are not covered)",
    controls: &[
        Control {
            id: "8.4.1",
            title: "MFA for administrative access into the CDE",
            proves: "for privileged, in each `cde` app: always enforcement required (an exemption with `until`, `reason` and `ticket` is the documented exception 8.5.1 allows)",
            tests: |p: &Params| {
                p.cde
                    .iter()
                    .map(|a| {
                        always(
                            Scope::Privileged,
                            Some(a),
                            Condition::Enforcement(Level::Required),
                        )
                    })
                    .collect()
            },
        },
        Control {
            id: "8.4.2",
            title: "MFA for all access into the CDE",
            proves: "for everyone, in each `cde` app: always enforcement required, and no remember window longer than 15 minutes (PCI's 8.2.8 idle limit)",
            tests: |p: &Params| {
                p.cde
                    .iter()
                    .flat_map(|a| {
                        [
                            always(Scope::Everyone, Some(a), Condition::Enforcement(Level::Required)),
                            always(Scope::Everyone, Some(a), Condition::RememberWithin(CDE_WINDOW)),
                        ]
                    })
                    .collect()
            },
        },
        Control {
            id: "8.5.1",
            title: "MFA cannot be bypassed except by documented, time-limited exceptions",
            proves: "every exemption has `until`, `reason` and `ticket`",
            tests: |_: &Params| -> Vec<Test> { vec![Test::ExemptionsDocumented] },
        },
    ],
    not_covered: &[
        "8.2.8: the 15-minute idle timeout of a session (only the remember window is in the policy)",
        "8.4.3: MFA for remote network access from outside the entity's network (network origin is not in the policy)",
        "8.5.1: that a factor resists replay, and that two factors of different types are used (properties of the factors themselves)",
    ],
};
