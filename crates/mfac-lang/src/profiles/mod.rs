//! Compliance profiles: built-in, versioned packs of assertions, each
//! carrying the id of the control it stands for, proven like any
//! assertion (`comply "cisa-scuba-aad"` in a policy, or `mfac check
//! --profile ...`).
//!
//! Each control is stated in the project's own words with its source
//! cited; what a framework demands that a policy cannot show (idle
//! timeouts, device state, the replay resistance of a factor itself) is
//! listed as not covered, never reported as passing.

mod cisa;
mod maester;
mod nist;
mod pci;

use mfac_prove::{Condition, Property, Scope};

/// A framework's pack of controls.
#[derive(Debug)]
pub struct Profile {
    /// As `comply` and `--profile` name it: `pci-dss-4.0`.
    pub name: &'static str,
    pub title: &'static str,
    /// The public document the controls come from.
    pub source: &'static str,
    /// What `{ ... }` after the name may say, for `mfac explain`.
    pub parameters: &'static str,
    pub controls: &'static [Control],
    /// What the framework demands that a policy cannot show.
    pub not_covered: &'static [&'static str],
}

/// One control: its id, what it asks in our words, and the tests that
/// stand for it.
#[derive(Debug)]
pub struct Control {
    pub id: &'static str,
    pub title: &'static str,
    /// What mfac proves for it.
    pub proves: &'static str,
    pub tests: fn(&Params) -> Vec<Test>,
}

/// What a control is judged by.
#[derive(Clone, Debug, PartialEq, Eq)]
pub enum Test {
    /// A property over the whole space, as an assertion's claim.
    Holds(Property),
    /// Every exemption carries a ticket (the checker already requires
    /// `until` and `reason`): the documented, time-limited exception.
    ExemptionsDocumented,
    /// Some user is marked `break_glass`.
    BreakGlassExists,
}

/// A profile's parameters, as `{ cde app "A"  aal2 for everyone }` writes them.
#[derive(Clone, Debug, Default, PartialEq, Eq)]
pub struct Params {
    /// PCI DSS: the apps of the cardholder data environment.
    pub cde: Vec<String>,
    /// NIST SP 800-63B: who must reach AAL2, and AAL3.
    pub aal2: Vec<Scope>,
    pub aal3: Vec<Scope>,
}

/// A profile applied to a policy, with its parameters.
#[derive(Clone, Debug)]
pub struct Applied {
    pub profile: &'static Profile,
    pub params: Params,
}

/// Every built-in profile.
pub static PROFILES: &[&Profile] = &[
    &cisa::PROFILE,
    &maester::PROFILE,
    &nist::PROFILE,
    &pci::PROFILE,
];

/// The profile named `name`.
pub fn find(name: &str) -> Option<&'static Profile> {
    PROFILES.iter().copied().find(|p| p.name == name)
}

/// The names of every profile, for a message.
pub fn names() -> String {
    PROFILES
        .iter()
        .map(|p| format!("`{}`", p.name))
        .collect::<Vec<_>>()
        .join(", ")
}

/// A property of every login in `scope`, optionally into one app.
pub(crate) fn always(scope: Scope, app: Option<&str>, condition: Condition) -> Test {
    Test::Holds(Property {
        scope,
        app: app.map(str::to_string),
        from: None,
        until: None,
        always: true,
        condition,
    })
}

/// `never` instead of `always`.
pub(crate) fn never(scope: Scope, condition: Condition) -> Test {
    Test::Holds(Property {
        scope,
        app: None,
        from: None,
        until: None,
        always: false,
        condition,
    })
}

/// MFA asked of every login in `scope`.
pub(crate) fn mfa(scope: Scope) -> Test {
    always(
        scope,
        None,
        Condition::Enforcement(mfac_core::Level::Required),
    )
}

/// Only phishing-resistant factors (a recovery backup code aside).
pub(crate) fn phishing_resistant() -> Condition {
    Condition::FactorsWithin(mfac_core::FactorSet::single(mfac_core::Factor::Webauthn))
}

/// How a control came out.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub enum Verdict {
    Pass,
    Fail,
    /// Nothing in the policy stands for it (a parameter it needs is not
    /// given).
    NotCovered,
}

impl Verdict {
    pub fn name(self) -> &'static str {
        match self {
            Verdict::Pass => "pass",
            Verdict::Fail => "fail",
            Verdict::NotCovered => "not_covered",
        }
    }
}

/// `mfac explain PROFILE`: each control, what mfac proves for it, its
/// parameters, and what the policy cannot show.
pub fn explain(p: &Profile) -> String {
    let mut s = format!("{} — {}\nsource: {}\n", p.name, p.title, p.source);
    if !p.parameters.is_empty() {
        s.push_str(&format!("parameters: {}\n", p.parameters));
    }
    s.push_str("\ncontrols:\n");
    for c in p.controls {
        s.push_str(&format!(
            "  {} {}\n    proves: {}\n",
            c.id, c.title, c.proves
        ));
    }
    s.push_str("\nnot covered by the policy (never reported as passing):\n");
    for n in p.not_covered {
        s.push_str(&format!("  - {n}\n"));
    }
    s
}
