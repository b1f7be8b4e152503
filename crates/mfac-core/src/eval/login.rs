//! What a decision is asked about (a login) and what it answers.

use super::*;

/// What the identity service should do with this login.
#[derive(Clone, Copy, Debug, PartialEq, Eq, Hash, Serialize, serde::Deserialize)]
#[cfg_attr(feature = "openapi", derive(utoipa::ToSchema))]
#[serde(rename_all = "snake_case")]
pub enum Outcome {
    /// Let the user in without a second factor.
    Allow,
    /// Ask for one of the usable factors.
    Challenge,
    /// Offer enrolment; the user may skip it (for now).
    EnrolOrSkip,
    /// The user must enrol before sign-in can complete.
    Enrol,
    /// No factor can satisfy the policy: refuse.
    Deny,
}

impl Outcome {
    pub const ALL: [Outcome; 5] = [
        Outcome::Allow,
        Outcome::Challenge,
        Outcome::EnrolOrSkip,
        Outcome::Enrol,
        Outcome::Deny,
    ];

    pub fn name(self) -> &'static str {
        match self {
            Outcome::Allow => "allow",
            Outcome::Challenge => "challenge",
            Outcome::EnrolOrSkip => "enrol_or_skip",
            Outcome::Enrol => "enrol",
            Outcome::Deny => "deny",
        }
    }
}

/// The last successful MFA of this user, if the identity service knows it.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub struct LastMfa {
    pub at: Timestamp,
    pub ip: Option<IpAddr>,
    /// Logins since that MFA; `None` when unknown.
    pub logins_since: Option<u32>,
    /// The assurance level that MFA reached; `None` when unknown (read as
    /// AAL2, the least a verified second factor reaches).
    pub aal: Option<Aal>,
}

/// Everything the evaluator knows about one login.
#[derive(Clone, Copy, Debug)]
pub struct LoginContext<'a> {
    pub user: &'a str,
    /// The user's directory groups; `includes` are applied by the policy.
    pub groups: &'a [&'a str],
    pub app: Option<&'a str>,
    pub at: Timestamp,
    pub ip: Option<IpAddr>,
    pub enrolled: FactorSet,
    pub last_mfa: Option<LastMfa>,
    /// An operation inside a session that asks for MFA again: no remember
    /// window lets it through; only a verified factor of the level the
    /// login needs, newer than the window's length.
    pub step_up: bool,
}

impl<'a> LoginContext<'a> {
    pub fn new(user: &'a str, at: Timestamp) -> Self {
        LoginContext {
            user,
            groups: &[],
            app: None,
            at,
            ip: None,
            enrolled: FactorSet::EMPTY,
            last_mfa: None,
            step_up: false,
        }
    }

    pub fn groups(mut self, groups: &'a [&'a str]) -> Self {
        self.groups = groups;
        self
    }

    pub fn app(mut self, app: Option<&'a str>) -> Self {
        self.app = app;
        self
    }

    pub fn ip(mut self, ip: Option<IpAddr>) -> Self {
        self.ip = ip;
        self
    }

    pub fn enrolled(mut self, factors: &[Factor]) -> Self {
        self.enrolled = factors.iter().copied().collect();
        self
    }

    pub fn enrolled_set(mut self, factors: FactorSet) -> Self {
        self.enrolled = factors;
        self
    }

    pub fn last_mfa(mut self, last: Option<LastMfa>) -> Self {
        self.last_mfa = last;
        self
    }

    pub fn step_up(mut self, step_up: bool) -> Self {
        self.step_up = step_up;
        self
    }
}

/// A user's rules resolved from names by [`Policy::subject`], to decide many
/// logins of that user without looking names up again.
#[derive(Clone, Debug)]
pub struct Subject {
    /// Which policy resolved it; another policy resolves again from the names.
    pub(super) stamp: u64,
    pub(super) user: Box<str>,
    pub(super) groups: Box<[Box<str>]>,
    pub(super) rules: Box<[u32]>,
    /// The rules that leave this user out (sorted).
    pub(super) excluded: Box<[u32]>,
    pub(super) exemptions: Box<[u32]>,
}

/// Why a remember window did not let the login through.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub enum RememberMiss {
    /// The rules set no window, or say `never`.
    NoWindow,
    NoLastMfa,
    /// The last MFA is after the login time.
    LastMfaInFuture,
    Expired {
        ended: Timestamp,
    },
    IpUnknown,
    IpChanged,
    ContextChanged {
        then: TimeContext,
        now: TimeContext,
    },
    LoginCountUnknown,
    TooManyLogins {
        max: u32,
    },
    /// A step-up: the last MFA reached a lower level than the login needs.
    AssuranceTooLow {
        had: Aal,
        needs: Aal,
    },
}

/// What a rollout review compares about a decision
/// ([`Policy::verdict_group_ids`]): what happens, the level, the factors,
/// and the enrolment deadline (a grace extended by two weeks is a change
/// for everyone under it, though today's outcome may be the same).
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub struct Verdict {
    pub outcome: Outcome,
    /// The assurance level the login reaches as decided.
    pub aal: Aal,
    pub enforcement: Level,
    pub factors: FactorSet,
    /// The enrolment deadline of a required policy with a grace.
    pub deadline: Option<Timestamp>,
    /// What the policy's report-only rules would make of it, where they
    /// change the decision, the enforcement or the factors.
    pub report_only: Option<Shown>,
}

/// The part of a decision a reader compares: what happens, the level and
/// the allowed factors.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub struct Shown {
    pub outcome: Outcome,
    pub enforcement: Level,
    pub factors: FactorSet,
}

impl Verdict {
    pub fn of(d: &Decision<'_>) -> Verdict {
        Verdict {
            outcome: d.outcome,
            aal: d.aal,
            enforcement: d.enforcement,
            factors: d.factors,
            deadline: d.grace_deadline,
            report_only: d.report_only.as_ref().map(|r| Shown {
                outcome: r.outcome,
                enforcement: r.enforcement,
                factors: r.factors,
            }),
        }
    }

    /// What happens, the level and the factors, as enforced.
    pub fn shown(&self) -> Shown {
        Shown {
            outcome: self.outcome,
            enforcement: self.enforcement,
            factors: self.factors,
        }
    }

    /// Does a review see the same decision: outcome, enforcement, factors
    /// and deadline (what the report-only rules would do aside)?
    pub fn same(&self, o: &Verdict) -> bool {
        (self.outcome, self.enforcement, self.factors, self.deadline)
            == (o.outcome, o.enforcement, o.factors, o.deadline)
    }

    /// The outcome with the report-only rules enforced too.
    pub fn with_report_only(&self) -> Outcome {
        self.report_only.map_or(self.outcome, |r| r.outcome)
    }
}

/// The decision for one login, and what shaped it.
#[derive(Clone, Debug)]
pub struct Decision<'p> {
    pub outcome: Outcome,
    /// The assurance level the login reaches once it completes as decided
    /// ([`Decision::aal_of`]).
    pub aal: Aal,
    pub enforcement: Level,
    /// The allowed factors (recovery included when a rule allows it).
    pub factors: FactorSet,
    /// Enrolled factors inside the allowed set.
    pub usable: FactorSet,
    /// Set when the outcome is `enrol_or_skip` because a grace period runs.
    pub deadline: Option<Timestamp>,
    /// The enrolment deadline of a required policy with a grace, passed or not.
    pub grace_deadline: Option<Timestamp>,
    pub remembered: bool,
    /// The effective remember setting (`None`: no rule sets one), whether
    /// or not the outcome reached it.
    pub remember: Option<Remember>,
    pub exempt: Option<&'p ExemptionInfo>,
    /// A helpdesk bypass in force ([`Decision::bypassed`]).
    pub bypass: Option<BypassGrant>,
    /// The rules that shaped the result, in file order.
    pub rules: Vec<RuleRef<'p>>,
    /// Why remembering did not apply, when the outcome is a challenge.
    pub remember_miss: Option<RememberMiss>,
    /// The epoch the login fell in (0: before the first rollout phase).
    pub epoch: usize,
    /// What the decision would be with the report-only rules enforced too,
    /// when that differs in outcome, enforcement or allowed factors.
    pub report_only: Option<ReportOnly<'p>>,
}

impl Decision<'_> {
    /// The assurance level a login completed as decided reaches: AAL1 where
    /// it completes without a second factor (allowed outright, enrolment
    /// that may be skipped, or no login at all), else the least level of
    /// the factors it may complete with (those enrolled for a challenge or
    /// a remembered login, those allowed for an enrolment).
    pub fn aal_of(
        outcome: Outcome,
        remembered: bool,
        factors: FactorSet,
        usable: FactorSet,
    ) -> Aal {
        match outcome {
            Outcome::Allow if remembered => Aal::least_of(usable),
            Outcome::Challenge => Aal::least_of(usable),
            Outcome::Enrol => Aal::least_of(factors),
            Outcome::Allow | Outcome::EnrolOrSkip | Outcome::Deny => Aal::Aal1,
        }
    }
}

/// A decision as the report-only rules would make it.
#[derive(Clone, Debug)]
pub struct ReportOnly<'p> {
    pub outcome: Outcome,
    pub enforcement: Level,
    pub factors: FactorSet,
    /// The report-only rules that shaped it, in file order.
    pub rules: Vec<RuleRef<'p>>,
}

/// One rule that shaped a decision, and the rollout phase in force for it.
#[derive(Clone, Copy, Debug)]
pub struct RuleRef<'p> {
    pub id: usize,
    pub info: &'p RuleInfo,
    pub phase: Option<&'p compile::PhaseInfo>,
}
