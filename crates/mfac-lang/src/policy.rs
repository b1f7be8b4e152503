//! Stage 2 output: the checked policy. Names are resolved (factor sets are
//! bitsets, rollouts point at rules), every item keeps its span, and the
//! policy's own dates are instants in its timezone.

pub use mfac_core::policy::*;

use crate::source::{SourceFile, Span};
use jiff::{tz::TimeZone, Timestamp};

pub type RuleId = usize;

#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub struct At<T> {
    pub value: T,
    pub span: Span,
}

macro_rules! spanned_fields {
    ($( $name:ident : $variant:ident ( $ty:ty ) { $($_attrs:tt)* } )*) => {
        /// The fields a rule or a rollout phase sets, each with the span of
        /// where it is set. `None`: not set here.
        #[derive(Clone, Debug, Default, PartialEq, Eq)]
        pub struct Fields {
            $( pub $name: Option<At<$ty>>, )*
        }

        impl Fields {
            /// The values, without where they are written.
            pub fn written(&self) -> Written {
                Written {
                    $( $name: self.$name.map(|a| a.value), )*
                }
            }

            /// Where `field` is set.
            pub fn span(&self, field: Field) -> Option<Span> {
                match field {
                    $( Field::$variant => self.$name.map(|a| a.span), )*
                }
            }
        }
    };
}

mfac_core::rule_fields!(spanned_fields);

impl Fields {
    pub fn is_empty(&self) -> bool {
        self == &Fields::default()
    }
}

#[derive(Clone, Debug)]
pub struct Rule {
    /// Whom and where it applies: `default`, `group "G"`, `user "U"` and
    /// `app "A"` are ways of writing a scope.
    pub scope: Scope,
    /// A scoped rule's name (`rule "NAME"`), which rollouts and decisions
    /// call it by; `None` for the four other ways of writing a rule.
    pub name: Option<At<String>>,
    /// `report_only`: evaluated, never enforced.
    pub report_only: Option<Span>,
    /// Span of the head (`group "Admins"`), or of the rollout's `applies`
    /// entry for a rule that only a rollout creates.
    pub span: Span,
    /// True for a rule that exists only because a rollout names its subject.
    pub implicit: bool,
    pub fields: Fields,
    pub privileged: Option<Span>,
    pub break_glass: Option<Span>,
    pub includes: Vec<At<String>>,
    /// The rollout whose phases override this rule's fields.
    pub rollout: Option<usize>,
}

impl std::fmt::Display for Rule {
    /// The rule's head as written: `rule "NAME"` for a scoped rule, else
    /// its scope (`default`, `group "G"`, ...).
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        match &self.name {
            Some(n) => write!(f, "rule {:?}", n.value),
            None => write!(f, "{}", self.scope),
        }
    }
}

#[derive(Clone, Debug)]
pub struct Phase {
    pub at: Timestamp,
    pub at_span: Span,
    pub span: Span,
    pub fields: Fields,
}

#[derive(Clone, Debug)]
pub struct Rollout {
    pub name: String,
    pub span: Span,
    pub rules: Vec<RuleId>,
    pub phases: Vec<Phase>,
}

#[derive(Clone, Debug)]
pub struct Exemption {
    pub user: String,
    pub until: Option<At<Timestamp>>,
    pub reason: Option<String>,
    pub ticket: Option<String>,
    pub span: Span,
}

/// `bypass max 24h [for group "A"] [privileged]`: what the login service
/// may grant at run time, and to whom.
#[derive(Clone, Debug)]
pub struct Bypass {
    /// The longest bypass, in seconds.
    pub max: i64,
    /// Whose members may get one, as written; empty: anyone.
    pub groups: Vec<At<String>>,
    /// Privileged and break-glass users may get one too.
    pub privileged: bool,
    pub span: Span,
}

#[derive(Clone, Debug)]
pub struct Strength {
    pub name: String,
    pub span: Span,
    pub set: FactorSet,
}

/// A rule's fields in force at one instant: the base rule with every rollout
/// phase up to that instant applied, field by field, in date order. The
/// decision fields are the tables' own [`Settings`](mfac_core::compile::Settings)
/// (read through `Deref`: `e.enforcement`); what is kept beside them is where
/// they came from.
#[derive(Clone, Copy, Debug, Default, PartialEq, Eq)]
pub struct Effective {
    /// As the tables hold them: the enrolment deadline only where the rule
    /// requires MFA.
    pub settings: mfac_core::compile::Settings,
    /// Date of the phase that set `enrolment`: a grace runs from it.
    pub enrolment_from: Option<Timestamp>,
    /// The latest phase in force for this rule: (rollout, phase index).
    pub phase: Option<(usize, usize)>,
}

impl std::ops::Deref for Effective {
    type Target = mfac_core::compile::Settings;
    fn deref(&self) -> &Self::Target {
        &self.settings
    }
}

impl std::ops::DerefMut for Effective {
    fn deref_mut(&mut self) -> &mut Self::Target {
        &mut self.settings
    }
}

impl Effective {
    /// The enrolment deadline this rule gives when it makes enforcement
    /// required: `None` is immediate. A grace with no phase to start from
    /// cannot be measured, so it is immediate (fail closed; the checker warns).
    pub fn deadline(&self) -> Option<Timestamp> {
        match (self.enrolment, self.enrolment_from) {
            (Some(Enrolment::Grace(secs)), Some(from)) => {
                from.checked_add(jiff::SignedDuration::from_secs(secs)).ok()
            }
            _ => None,
        }
    }

    /// Allowed factors as this rule alone would have them (recovery included).
    pub fn allowed(&self) -> Option<FactorSet> {
        self.factors.map(|f| self.with_recovery(f))
    }

    pub fn with_recovery(&self, f: FactorSet) -> FactorSet {
        if self.recovery.is_some() {
            f.with(Factor::BackupCode)
        } else {
            f
        }
    }

    /// Lower `assurance` to the enforcement and factors it demands, then
    /// compute the deadline from enforcement and enrolment, once every
    /// phase has been applied.
    fn settle(&mut self) {
        if let Some(aal) = self.settings.assurance {
            let lowered = aal.lower(self.settings.enforcement, self.settings.factors);
            self.settings.enforcement = lowered.enforcement;
            self.settings.factors = lowered.factors;
        }
        self.settings.deadline = match (self.settings.enforcement, self.enrolment) {
            (Some(Level::Required), Some(Enrolment::Grace(_))) => self.deadline(),
            _ => None,
        };
    }
}

#[derive(Clone, Debug)]
pub struct CheckedPolicy {
    pub source: SourceFile,
    pub precedence: Precedence,
    pub timezone: TimeZone,
    pub timezone_name: String,
    /// Longest exemption allowed, in seconds.
    pub max_exemption: i64,
    /// Longest remember window allowed, in seconds.
    pub max_remember: i64,
    pub calendar: Calendar,
    pub strengths: Vec<Strength>,
    pub rules: Vec<Rule>,
    pub exemptions: Vec<Exemption>,
    /// The helpdesk bypass the policy allows; `None`: none at run time.
    pub bypass: Option<Bypass>,
    pub rollouts: Vec<Rollout>,
    pub assertions: Vec<Assertion>,
    /// `comply` lines: the profiles applied, each with where it is written.
    pub compliance: Vec<(crate::profiles::Applied, Span)>,
}

/// An `assert` block: properties `mfac check` proves over the whole space.
#[derive(Clone, Debug, PartialEq, Eq)]
pub struct Assertion {
    pub name: String,
    pub span: Span,
    /// The scope and its bounds, as written: where a finding about them points.
    pub scope_span: Span,
    /// Each `always`/`never` line as a property of its own, with its span.
    pub claims: Vec<At<mfac_prove::Property>>,
}

impl CheckedPolicy {
    pub fn default_rule(&self) -> Option<RuleId> {
        self.rule_for(&Scope::everyone())
    }

    /// The `default`, `group`, `user` or `app` rule with this scope
    /// (a scoped rule is found by its name, not its scope).
    pub fn rule_for(&self, scope: &Scope) -> Option<RuleId> {
        self.rules
            .iter()
            .position(|r| r.name.is_none() && &r.scope == scope)
    }

    pub fn group_rules(&self) -> impl Iterator<Item = (RuleId, &str)> {
        self.rules
            .iter()
            .enumerate()
            .filter_map(|(i, r)| Some((i, r.scope.single_group()?)))
    }

    pub fn line(&self, span: Span) -> usize {
        self.source.line(span.start)
    }

    /// `file:line: subject`, how decisions and diagnostics name a rule.
    pub fn rule_location(&self, id: RuleId) -> String {
        match self.rules.get(id) {
            Some(r) => format!("{}:{}: {}", self.source.name(), self.line(r.span), r),
            None => String::new(),
        }
    }

    /// Every instant at which some rule's fields change, sorted, without
    /// repeats. Between two of them, every rule is constant.
    pub fn phase_dates(&self) -> Vec<Timestamp> {
        let mut dates: Vec<Timestamp> = self
            .rollouts
            .iter()
            .flat_map(|r| r.phases.iter().map(|p| p.at))
            .collect();
        dates.sort();
        dates.dedup();
        dates
    }

    /// One instant inside each stretch of time over which the rules are
    /// constant: before the first phase, then each phase date.
    pub fn epoch_starts(&self) -> Vec<Timestamp> {
        std::iter::once(Timestamp::MIN)
            .chain(self.phase_dates())
            .collect()
    }

    /// A rule's fields in force at `at`.
    pub fn effective(&self, id: RuleId, at: Timestamp) -> Effective {
        let Some(rule) = self.rules.get(id) else {
            return Effective::default();
        };
        let mut e = Effective::default();
        apply(&mut e, &rule.fields, None);
        if let Some(ri) = rule.rollout {
            if let Some(rollout) = self.rollouts.get(ri) {
                for (pi, phase) in rollout.phases.iter().enumerate() {
                    if phase.at <= at {
                        apply(&mut e, &phase.fields, Some(phase.at));
                        e.phase = Some((ri, pi));
                    }
                }
            }
        }
        e.settle();
        e
    }

    /// A date of the policy at midnight in its timezone.
    pub fn midnight(&self, date: jiff::civil::Date) -> Timestamp {
        date.to_zoned_datetime(self.timezone.clone())
            .map(|z| z.timestamp())
            .unwrap_or(Timestamp::MAX)
    }
}

/// `f` written over `e`, field by field; a grace set here runs from
/// `phase_date`.
fn apply(e: &mut Effective, f: &Fields, phase_date: Option<Timestamp>) {
    e.settings.written.overwrite(&f.written());
    if f.enrolment.is_some() {
        e.enrolment_from = phase_date;
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    fn w(seconds: i64, same_ip: bool, max: Option<u32>) -> Remember {
        Remember::Window(Window {
            seconds,
            same_ip,
            same_context: false,
            max_logins: max,
        })
    }

    #[test]
    fn strictest_remember_takes_never_or_the_tightest_window() {
        assert_eq!(
            w(3600, false, None).strictest(Remember::Never),
            Remember::Never
        );
        assert_eq!(
            w(3600, false, Some(10)).strictest(w(600, true, None)),
            w(600, true, Some(10))
        );
    }

    #[test]
    fn durations_format_in_their_largest_exact_unit() {
        assert_eq!(format_duration(90 * 60), "90m");
        assert_eq!(format_duration(3600), "1h");
        assert_eq!(format_duration(14 * 86_400), "14d");
    }
}
