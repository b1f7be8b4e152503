//! The syntax tree: what the file says, with a span on every node. Values are
//! already parsed (dates, durations, numbers) but not yet resolved (factor
//! names, strengths and subjects are resolved by the checker).

use crate::source::Span;
use jiff::civil;
use mfac_core::policy::Level;

#[derive(Clone, Debug, PartialEq, Eq)]
pub struct Spanned<T> {
    pub value: T,
    pub span: Span,
}

impl<T> Spanned<T> {
    pub fn new(value: T, span: Span) -> Self {
        Spanned { value, span }
    }
}

#[derive(Clone, Debug, Default)]
pub struct PolicyFile {
    pub items: Vec<Item>,
}

#[derive(Clone, Debug)]
pub enum Item {
    Precedence(Spanned<PrecedenceMode>),
    Timezone(Spanned<String>),
    MaxExemption(Spanned<Seconds>),
    /// The longest remember window the policy may state.
    MaxRemember(Spanned<Seconds>),
    Strength(StrengthDecl),
    Calendar(CalendarDecl),
    Rule(RuleDecl),
    Exempt(ExemptDecl),
    Bypass(BypassDecl),
    Rollout(RolloutDecl),
    Assert(AssertDecl),
    Comply(ComplyDecl),
}

/// `bypass max 24h [for group "A", group "B"] [privileged]`: the policy's
/// bound on what a helpdesk may grant at run time.
#[derive(Clone, Debug)]
pub struct BypassDecl {
    pub max: Spanned<Seconds>,
    /// The groups whose members may get one; empty: anyone.
    pub groups: Vec<Spanned<String>>,
    /// Privileged users may get one too.
    pub privileged: Option<Span>,
    pub span: Span,
}

/// `comply "PROFILE" { cde app "A"  aal2 for everyone ... }`.
#[derive(Clone, Debug)]
pub struct ComplyDecl {
    pub name: Spanned<String>,
    /// `cde app "A", app "B"` (PCI DSS).
    pub cde: Vec<Spanned<String>>,
    /// `aal2 for SCOPE`, `aal3 for SCOPE` (NIST SP 800-63B): the level (2
    /// or 3) and the scope.
    pub aal: Vec<(u8, Spanned<ScopeSyntax>)>,
    pub span: Span,
}

#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub enum PrecedenceMode {
    MostRestrictive,
    Specific,
    Ordered,
}

/// A duration in whole seconds.
pub type Seconds = i64;

/// A date (midnight in the policy's timezone), a wall-clock time in the
/// policy's timezone, or an exact instant: read by [`crate::time::parse_when`].
pub use crate::time::When as DateLit;

#[derive(Clone, Debug)]
pub struct StrengthDecl {
    pub name: Spanned<String>,
    pub set: FactorExpr,
    pub span: Span,
}

/// `a | b | strength`: names as written, resolved by the checker.
#[derive(Clone, Debug)]
pub struct FactorExpr {
    pub names: Vec<Spanned<String>>,
    pub span: Span,
}

#[derive(Clone, Debug)]
pub struct CalendarDecl {
    pub work_hours: Vec<WorkHoursDecl>,
    pub holidays: Vec<Spanned<civil::Date>>,
    pub span: Span,
}

#[derive(Clone, Debug)]
pub struct WorkHoursDecl {
    /// Weekday bitmask, bit 0 = Monday.
    pub days: u8,
    /// Minutes after midnight.
    pub start: Spanned<u16>,
    pub end: Spanned<u16>,
    pub span: Span,
}

#[derive(Clone, Debug, PartialEq, Eq, Hash, PartialOrd, Ord)]
pub enum Subject {
    Default,
    Group(String),
    User(String),
    App(String),
    /// `rule "NAME"`: a scoped rule, its scope written in its body.
    Rule(String),
}

impl std::fmt::Display for Subject {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        match self {
            Subject::Default => f.write_str("default"),
            Subject::Group(n) => write!(f, "group {n:?}"),
            Subject::User(n) => write!(f, "user {n:?}"),
            Subject::App(n) => write!(f, "app {n:?}"),
            Subject::Rule(n) => write!(f, "rule {n:?}"),
        }
    }
}

#[derive(Clone, Debug)]
pub struct RuleDecl {
    pub subject: Spanned<Subject>,
    pub fields: Vec<Field>,
    pub span: Span,
}

#[derive(Clone, Debug)]
pub struct Field {
    pub value: FieldValue,
    /// The whole field, keyword and value.
    pub span: Span,
}

#[derive(Clone, Debug)]
pub enum FieldValue {
    /// A rule field of the catalogue, its value as written.
    Setting(mfac_core::policy::Field, ValueSyntax),
    Privileged,
    BreakGlass,
    Includes(Vec<Spanned<String>>),
    /// `for everyone` (an empty list) or `for` users and members of groups.
    For(Vec<Spanned<Party>>),
    /// `in app "A", app "B"`.
    InApps(Vec<Spanned<String>>),
    /// `except` users, members of groups, or apps.
    Except(Vec<Spanned<Party>>),
    ReportOnly,
}

/// Someone or somewhere a scoped rule names.
#[derive(Clone, Debug, PartialEq, Eq)]
pub enum Party {
    User(String),
    /// Members of the group, through `includes`.
    Group(String),
    App(String),
}

/// A field's value as written, by its shape: the checker turns it into the
/// field's type.
#[derive(Clone, Debug)]
pub enum ValueSyntax {
    Level(Level),
    Factors(FactorExpr),
    Enrolment(EnrolmentSyntax),
    Remember(RememberSyntax),
    /// `aal2` or `aal3`.
    Assurance(mfac_core::policy::Aal),
    /// A bare word (`recovery backup_code`).
    Word(Spanned<String>),
}

impl FieldValue {
    /// The keyword that introduces the field, for messages.
    pub fn keyword(&self) -> &'static str {
        match self {
            FieldValue::Setting(f, _) => f.keyword(),
            FieldValue::Privileged => "privileged",
            FieldValue::BreakGlass => "break_glass",
            FieldValue::Includes(_) => "includes",
            FieldValue::For(_) => "for",
            FieldValue::InApps(_) => "in",
            FieldValue::Except(_) => "except",
            FieldValue::ReportOnly => "report_only",
        }
    }
}

/// The words that write a rule's markers and scope rather than a field:
/// what else may start an entry of a rule body.
pub const MARKERS: [&str; 7] = [
    "privileged",
    "break_glass",
    "includes",
    "for",
    "in",
    "except",
    "report_only",
];

#[derive(Clone, Debug, PartialEq, Eq)]
pub enum EnrolmentSyntax {
    Immediate,
    Grace(Spanned<Seconds>),
}

#[derive(Clone, Debug, PartialEq, Eq)]
pub enum RememberSyntax {
    Never,
    Window {
        duration: Spanned<Seconds>,
        same_ip: Option<Span>,
        same_context: Option<Span>,
        /// Saturates at `u64::MAX` so that an absurd count is still reported as out of range.
        max_logins: Option<Spanned<u64>>,
    },
}

#[derive(Clone, Debug)]
pub struct ExemptDecl {
    pub user: Spanned<String>,
    pub until: Option<Spanned<DateLit>>,
    pub reason: Option<Spanned<String>>,
    pub ticket: Option<Spanned<String>>,
    /// Clauses written more than once: (keyword, span of the repeat, span of the first).
    pub repeated: Vec<(&'static str, Span, Span)>,
    pub span: Span,
}

#[derive(Clone, Debug)]
pub struct RolloutDecl {
    pub name: Spanned<String>,
    pub subjects: Vec<Spanned<Subject>>,
    pub phases: Vec<PhaseDecl>,
    pub span: Span,
}

#[derive(Clone, Debug)]
pub struct PhaseDecl {
    pub at: Spanned<DateLit>,
    pub fields: Vec<Field>,
    pub span: Span,
}

/// `assert "name" { for SCOPE [in app A] [from D] [until D]  always|never CONDITION ... }`.
#[derive(Clone, Debug)]
pub struct AssertDecl {
    pub name: Spanned<String>,
    pub scope: Spanned<ScopeSyntax>,
    pub app: Option<Spanned<String>>,
    pub from: Option<Spanned<DateLit>>,
    pub until: Option<Spanned<DateLit>>,
    /// Clauses written more than once: (keyword, span of the repeat, span of the first).
    pub repeated: Vec<(&'static str, Span, Span)>,
    pub claims: Vec<ClaimDecl>,
    pub span: Span,
}

#[derive(Clone, Debug, PartialEq, Eq)]
pub enum ScopeSyntax {
    Everyone,
    Privileged,
    BreakGlass,
    MembersOf(String),
    User(String),
}

/// `always CONDITION` or `never CONDITION`.
#[derive(Clone, Debug)]
pub struct ClaimDecl {
    pub always: bool,
    pub condition: ConditionSyntax,
    pub span: Span,
}

#[derive(Clone, Debug)]
pub enum ConditionSyntax {
    Enforcement(Level),
    FactorsWithin(FactorExpr),
    FactorsInclude(FactorExpr),
    FactorsNone,
    RememberNever,
    Recovery,
    Exempt,
    /// `assurance aal2|aal3`: the level a login reaches.
    Assurance(mfac_core::policy::Aal),
}
