//! What a proof is about: a property (a scope, an app, a span and a
//! condition), the counterexample that refutes it, and why one cannot be
//! judged.

use super::*;

/// Whose logins a property speaks of.
#[derive(Clone, Debug, PartialEq, Eq, Hash)]
pub enum Scope {
    Everyone,
    /// Members of any privileged group.
    Privileged,
    /// Break-glass users and members of a break-glass group.
    BreakGlass,
    /// Members of this group (directly or through `includes`).
    MembersOf(String),
    User(String),
}

/// What is said of the effective settings (the README's "Proving properties").
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub enum Condition {
    /// Enforcement at least this level.
    Enforcement(Level),
    /// Every allowed factor but a recovery backup code is in the set.
    FactorsWithin(FactorSet),
    /// Some allowed factor is in the set.
    FactorsInclude(FactorSet),
    /// Enforcement above `off` and no factor allowed: the login is denied.
    FactorsNone,
    /// No remember window.
    RememberNever,
    /// No remember window longer than this many seconds.
    RememberWithin(i64),
    /// A recovery factor is allowed.
    Recovery,
    /// An exemption applies.
    Exempt,
    /// The login reaches at least this assurance level: no exemption,
    /// enforcement required, and every allowed factor (a recovery backup
    /// code included) reaching it.
    Assurance(Aal),
}

/// The level every login of these settings reaches: AAL1 when exempt or
/// when MFA is not required, else the least of the allowed factors'.
fn reached(e: &Effective, exempt: bool) -> Aal {
    if exempt || e.enforcement < Level::Required {
        Aal::Aal1
    } else {
        Aal::least_of(e.factors)
    }
}

/// `for SCOPE [in app A] [from D] [until D]  always|never CONDITION`.
#[derive(Clone, Debug, PartialEq, Eq)]
pub struct Property {
    pub scope: Scope,
    pub app: Option<String>,
    pub from: Option<Timestamp>,
    pub until: Option<Timestamp>,
    /// `always` (the condition must hold) or `never` (it must not).
    pub always: bool,
    pub condition: Condition,
}

/// A login that breaks a property, to be replayed with `mfac eval`.
#[derive(Clone, Debug, PartialEq, Eq)]
pub struct Counterexample {
    /// The fewest directory groups that break it, by name.
    pub groups: Vec<String>,
    /// A named user, or `None`: any user without a user rule or exemption.
    pub user: Option<String>,
    /// A named app, or `None`: any app without an app rule (or none).
    pub app: Option<String>,
    /// When: the piece of time in which every instant breaks it.
    pub span: Span,
    /// One instant of `span`, for the replay.
    pub at: Timestamp,
    pub effective: Effective,
    pub exempt: bool,
    /// Exempt by a helpdesk bypass the policy allows (not by an `exempt`
    /// line): the login service may grant it at any instant.
    pub bypass: bool,
}

impl Condition {
    /// The fields of a summary this condition reads.
    pub fn fields(self) -> Fields {
        let mut f = Fields::default();
        match self {
            Condition::Enforcement(_) => f.enforcement = true,
            Condition::FactorsWithin(_) | Condition::FactorsInclude(_) => {
                f.factors = true;
                f.recovery = true;
            }
            Condition::FactorsNone => {
                f.enforcement = true;
                f.factors = true;
                f.recovery = true;
            }
            Condition::RememberNever => f.remember_kind = true,
            Condition::RememberWithin(_) => f.remember = true,
            Condition::Recovery => f.recovery = true,
            Condition::Exempt => {}
            Condition::Assurance(_) => {
                f.enforcement = true;
                f.factors = true;
                f.recovery = true;
            }
        }
        f
    }

    /// Does whether the login is exempt change whether it holds?
    pub fn reads_exempt(self) -> bool {
        matches!(self, Condition::Exempt | Condition::Assurance(_))
    }

    /// Does it hold of these effective settings?
    pub fn holds(self, e: &Effective, exempt: bool) -> bool {
        match self {
            Condition::Enforcement(l) => e.enforcement >= l,
            Condition::FactorsWithin(set) => {
                let ordinary = if e.recovery {
                    e.factors.without(Factor::BackupCode)
                } else {
                    e.factors
                };
                ordinary.is_subset(set)
            }
            Condition::FactorsInclude(set) => !e.factors.intersect(set).is_empty(),
            Condition::FactorsNone => e.enforcement > Level::Off && e.factors.is_empty(),
            Condition::RememberNever => !matches!(e.remember, Some(Remember::Window(_))),
            Condition::RememberWithin(s) => {
                !matches!(e.remember, Some(Remember::Window(w)) if w.seconds > s)
            }
            Condition::Recovery => e.recovery,
            Condition::Exempt => exempt,
            Condition::Assurance(a) => reached(e, exempt) >= a,
        }
    }
}

impl Property {
    /// What the counterexample's login gets, in a few words, and when a
    /// helpdesk bypass exempts it, that it does.
    pub fn violation_of(&self, c: &Counterexample) -> String {
        let what = self.violation(&c.effective, c.exempt);
        if c.bypass {
            format!("{what} from a helpdesk bypass the policy's `bypass` line allows")
        } else {
            what
        }
    }

    /// What a login that breaks the property gets, in a few words:
    /// "enforcement `optional`", "`sms` allowed", "a remember window `8h`".
    pub fn violation(&self, e: &Effective, exempt: bool) -> String {
        let factors = |set: FactorSet| {
            if set.is_empty() {
                "no factor".to_string()
            } else {
                format!("`{}`", set.names().join(" | "))
            }
        };
        match (self.condition, self.always) {
            (Condition::Enforcement(l), true) => {
                format!("enforcement `{}`, below `{l}`", e.enforcement)
            }
            (Condition::Enforcement(_), false) => format!("enforcement `{}`", e.enforcement),
            (Condition::FactorsWithin(set), true) => {
                let ordinary = if e.recovery {
                    e.factors.without(Factor::BackupCode)
                } else {
                    e.factors
                };
                let extra = FactorSet::from_bits(ordinary.bits() & !set.bits()).unwrap_or(ordinary);
                format!("{} allowed, outside {}", factors(extra), factors(set))
            }
            (Condition::FactorsWithin(set), false) => {
                format!("factors {} all within {}", factors(e.factors), factors(set))
            }
            (Condition::FactorsInclude(set), true) => {
                format!("factors {}, none of {}", factors(e.factors), factors(set))
            }
            (Condition::FactorsInclude(set), false) => {
                format!("{} allowed", factors(e.factors.intersect(set)))
            }
            (Condition::FactorsNone, false) => {
                format!(
                    "enforcement `{}` and no factor allowed: locked out",
                    e.enforcement
                )
            }
            (Condition::FactorsNone, true) => "a login that is not locked out".to_string(),
            (Condition::RememberWithin(s), true) => match e.remember {
                Some(Remember::Window(w)) => format!(
                    "a remember window `{}`, longer than {}",
                    Remember::Window(w),
                    mfac_core::policy::format_duration(s)
                ),
                _ => "no remember window".to_string(),
            },
            (Condition::RememberNever | Condition::RememberWithin(_), _) => match e.remember {
                Some(Remember::Window(w)) => format!("a remember window `{}`", Remember::Window(w)),
                _ => "no remember window".to_string(),
            },
            (Condition::Recovery, true) => "no recovery factor".to_string(),
            (Condition::Recovery, false) => "a recovery factor (`backup_code`)".to_string(),
            (Condition::Assurance(a), true) => format!(
                "AAL{}, below {a} ({})",
                reached(e, exempt).number(),
                if exempt {
                    "an active exemption".to_string()
                } else if e.enforcement < Level::Required {
                    format!("enforcement `{}`", e.enforcement)
                } else {
                    format!("factors {}", factors(e.factors))
                }
            ),
            (Condition::Assurance(a), false) => {
                format!("AAL{}, at or above {a}", reached(e, exempt).number())
            }
            (Condition::Exempt, _) if exempt => "an active exemption".to_string(),
            (Condition::Exempt, _) => "no exemption".to_string(),
        }
    }
}

/// The property in the language's words, as an `assert` block states it:
/// `for privileged always enforcement required` (a remember bound, which
/// only compliance profiles state, reads `remember within 12h`).
impl std::fmt::Display for Property {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        let set = |s: FactorSet| s.names().join(" | ");
        match &self.scope {
            Scope::Everyone => write!(f, "for everyone")?,
            Scope::Privileged => write!(f, "for privileged")?,
            Scope::BreakGlass => write!(f, "for break_glass")?,
            Scope::MembersOf(g) => write!(f, "for members of group {g:?}")?,
            Scope::User(u) => write!(f, "for user {u:?}")?,
        }
        if let Some(a) = &self.app {
            write!(f, " in app {a:?}")?;
        }
        write!(f, " {} ", if self.always { "always" } else { "never" })?;
        match self.condition {
            Condition::Enforcement(l) => write!(f, "enforcement {l}"),
            Condition::FactorsWithin(s) => write!(f, "factors within {}", set(s)),
            Condition::FactorsInclude(s) => write!(f, "factors include {}", set(s)),
            Condition::FactorsNone => write!(f, "factors none"),
            Condition::RememberNever => write!(f, "remember never"),
            Condition::RememberWithin(s) => write!(
                f,
                "remember within {}",
                mfac_core::policy::format_duration(s)
            ),
            Condition::Recovery => write!(f, "recovery"),
            Condition::Exempt => write!(f, "exempt"),
            Condition::Assurance(a) => write!(f, "assurance {a}"),
        }
    }
}

/// Why a property cannot be judged: it names what the policy lacks.
#[derive(Clone, Debug, PartialEq, Eq)]
pub enum Unjudgeable {
    /// `from` is not before `until`: no instant to speak of.
    EmptySpan,
    /// `members of group G` where the policy has no group G: nobody is in
    /// the scope, and a property of nobody proves nothing.
    UnknownGroup(String),
    /// The search met more distinct combinations of groups than
    /// [`PROOF_LIMIT`] (exclusions that reach different rules each can
    /// make them many): it gave up rather than run out of memory, and the
    /// property is neither proven nor refuted.
    TooLarge,
}
