//! Maester's Conditional Access tests on break-glass accounts and MFA.

use super::{mfa, never, Control, Params, Profile, Test};
use mfac_prove::{Condition, Scope};

pub(super) static PROFILE: Profile = Profile {
    name: "maester",
    title: "Maester's Entra Conditional Access tests MT.1005 to MT.1007",
    source: "Maester test suite, https://maester.dev/docs/tests/MT.1005, https://maester.dev/docs/tests/MT.1006, https://maester.dev/docs/tests/MT.1007",
    parameters: "",
    controls: &[
        Control {
            id: "MT.1005",
            title: "an emergency (break-glass) account exists and is never locked out",
            proves: "some user is marked `break_glass`, and for break_glass: never factors none, whatever their groups",
            tests: |_: &Params| -> Vec<Test> {
                vec![
                    Test::BreakGlassExists,
                    never(Scope::BreakGlass, Condition::FactorsNone),
                ]
            },
        },
        Control {
            id: "MT.1006",
            title: "administrators sign in with MFA",
            proves: "for privileged: always enforcement required",
            tests: |_: &Params| {
                vec![mfa(Scope::Privileged)]
            },
        },
        Control {
            id: "MT.1007",
            title: "every user signs in with MFA",
            proves: "for everyone: always enforcement required",
            tests: |_: &Params| {
                vec![mfa(Scope::Everyone)]
            },
        },
    ],
    not_covered: &[
        "that the break-glass accounts are excluded from every Conditional Access policy in the tenant (mfac proves instead that they can always sign in)",
    ],
};
