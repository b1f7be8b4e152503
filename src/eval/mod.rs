//! Stage 4: the login-time decision, read off the compiled tables.
//!
//! ```
//! use mfac::{LoginContext, Policy, Outcome, Factor};
//! let policy = Policy::compile("acme.mfa", r#"
//!     default { enforcement required factors webauthn | totp }
//! "#).expect("valid policy");
//! let at = "2026-12-01T10:00:00Z".parse().unwrap();
//! let d = policy.decide(&LoginContext::new("ann@acme.test", at).enrolled(&[Factor::Totp]));
//! assert_eq!(d.outcome, Outcome::Challenge);
//! ```

mod explain;

pub use explain::explain;

use crate::compile::{self, artifact, ExemptionInfo, RuleInfo, Settings, SubjectKind, Tables};
use crate::diagnostic::Diagnostics;
use crate::policy::{CheckedPolicy, Factor, FactorSet, Level, Precedence, Remember, TimeContext};
use crate::source::SourceFile;
use jiff::{tz::TimeZone, SignedDuration, Timestamp};
use rustc_hash::FxHashMap;
use serde::Serialize;
use std::net::IpAddr;

pub use artifact::ArtifactError;

/// What the identity service should do with this login.
#[derive(Clone, Copy, Debug, PartialEq, Eq, Hash, Serialize)]
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
}

/// The decision for one login, and what shaped it.
#[derive(Clone, Debug)]
pub struct Decision<'p> {
    pub outcome: Outcome,
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
    pub exempt: Option<&'p ExemptionInfo>,
    /// The rules that shaped the result, in file order.
    pub rules: Vec<RuleRef<'p>>,
    /// Why remembering did not apply, when the outcome is a challenge.
    pub remember_miss: Option<RememberMiss>,
    /// The epoch the login fell in (0: before the first rollout phase).
    pub epoch: usize,
}

/// One rule that shaped a decision, and the rollout phase in force for it.
#[derive(Clone, Copy, Debug)]
pub struct RuleRef<'p> {
    pub id: usize,
    pub info: &'p RuleInfo,
    pub phase: Option<&'p compile::PhaseInfo>,
}

/// The compiled evaluator: flat tables plus hash indexes over names.
#[derive(Clone, Debug)]
pub struct Policy {
    tables: Tables,
    tz: TimeZone,
    rule_count: usize,
    groups: FxHashMap<Box<str>, Box<[u32]>>,
    users: FxHashMap<Box<str>, u32>,
    apps: FxHashMap<Box<str>, u32>,
    exemptions: FxHashMap<Box<str>, Box<[u32]>>,
}

/// What a policy could not be built from.
#[derive(Debug, thiserror::Error)]
pub enum LoadError {
    #[error("the policy has errors")]
    Policy(Diagnostics),
    #[error(transparent)]
    Artifact(#[from] ArtifactError),
}

impl Policy {
    /// Check and compile policy text. Warnings are dropped; errors are returned.
    pub fn compile(name: &str, text: &str) -> Result<Policy, Diagnostics> {
        let source = SourceFile::new(name, text);
        let outcome = crate::check::check(&source, &crate::check::CheckOptions::default());
        match outcome.policy {
            Some(p) => Ok(Policy::from_checked(&p)),
            None => Err(outcome.diagnostics),
        }
    }

    pub fn from_checked(p: &CheckedPolicy) -> Policy {
        // Tables made by `compile` are valid by construction.
        match Policy::from_tables(compile::compile(p)) {
            Ok(policy) => policy,
            Err(e) => unreachable_policy(e),
        }
    }

    /// Load `mfac compile` output.
    pub fn from_json(text: &str) -> Result<Policy, ArtifactError> {
        Policy::from_tables(artifact::from_json(text)?)
    }

    pub fn to_json(&self) -> String {
        artifact::to_json(&self.tables).unwrap_or_default()
    }

    pub fn tables(&self) -> &Tables {
        &self.tables
    }

    /// Validate tables (they may come from a file) and build the indexes.
    pub fn from_tables(t: Tables) -> Result<Policy, ArtifactError> {
        let bad = |what: &str| ArtifactError::Invalid(what.to_string());
        let tz = TimeZone::get(&t.timezone).map_err(|_| bad("unknown timezone"))?;
        let n = t.rules.len();
        if t.epochs.windows(2).any(|w| w.first() >= w.get(1)) {
            return Err(bad("epochs are not sorted"));
        }
        let rows = t.epochs.len().checked_add(1).and_then(|e| e.checked_mul(n));
        if rows != Some(t.table.len()) {
            return Err(bad("table size does not match epochs and rules"));
        }
        if t.table.iter().any(|&s| s as usize >= t.settings.len()) {
            return Err(bad("table points past the settings"));
        }
        if t.settings
            .iter()
            .any(|s| s.phase.is_some_and(|p| p as usize >= t.phases.len()))
        {
            return Err(bad("settings point past the phases"));
        }
        let kind_ok =
            |id: u32, kind: SubjectKind| t.rules.get(id as usize).is_some_and(|r| r.kind == kind);
        if t.default_rule
            .is_some_and(|d| !kind_ok(d, SubjectKind::Default))
        {
            return Err(bad("default rule index is wrong"));
        }
        if t.groups
            .iter()
            .any(|(_, ids)| ids.iter().any(|&i| !kind_ok(i, SubjectKind::Group)))
        {
            return Err(bad("group index points at a rule that is not a group rule"));
        }
        if t.users.iter().any(|(_, i)| !kind_ok(*i, SubjectKind::User))
            || t.apps.iter().any(|(_, i)| !kind_ok(*i, SubjectKind::App))
        {
            return Err(bad("user or app index points at the wrong rule"));
        }
        let index =
            |v: &[(String, u32)]| v.iter().map(|(k, i)| (Box::from(k.as_str()), *i)).collect();
        let mut exemptions: FxHashMap<Box<str>, Vec<u32>> = FxHashMap::default();
        for (i, e) in t.exemptions.iter().enumerate() {
            exemptions
                .entry(Box::from(e.user.as_str()))
                .or_default()
                .push(i as u32);
        }
        Ok(Policy {
            tz,
            rule_count: n,
            groups: t
                .groups
                .iter()
                .map(|(k, ids)| (Box::from(k.as_str()), ids.clone().into_boxed_slice()))
                .collect(),
            users: index(&t.users),
            apps: index(&t.apps),
            exemptions: exemptions
                .into_iter()
                .map(|(k, v)| (k, v.into_boxed_slice()))
                .collect(),
            tables: t,
        })
    }

    pub fn timezone(&self) -> &TimeZone {
        &self.tz
    }

    pub fn precedence(&self) -> Precedence {
        self.tables.precedence
    }

    pub fn source_name(&self) -> &str {
        &self.tables.source
    }

    /// Names of the apps that have rules.
    pub fn apps(&self) -> impl Iterator<Item = &str> {
        self.tables.apps.iter().map(|(n, _)| n.as_str())
    }

    pub fn rule(&self, id: usize) -> Option<&RuleInfo> {
        self.tables.rules.get(id)
    }

    /// `file:line: subject`.
    pub fn rule_location(&self, id: usize) -> String {
        match self.tables.rules.get(id) {
            Some(r) => format!("{}:{}: {}", self.tables.source, r.line, r.subject()),
            None => String::new(),
        }
    }

    /// `file:line: rollout "name" on DATE`.
    pub fn phase_location(&self, phase: &compile::PhaseInfo) -> String {
        format!(
            "{}:{}: rollout {:?} phase of {}",
            self.tables.source,
            phase.line,
            phase.rollout,
            crate::time::format_date(phase.at, &self.tz)
        )
    }

    /// Index of the epoch `at` falls in.
    pub fn epoch_of(&self, at: Timestamp) -> usize {
        self.tables.epochs.partition_point(|e| *e <= at)
    }

    fn settings(&self, epoch: usize, rule: u32) -> &Settings {
        const UNSET: &Settings = &Settings {
            enforcement: None,
            factors: None,
            recovery: false,
            remember: None,
            deadline: None,
            phase: None,
        };
        self.tables
            .table
            .get(epoch * self.rule_count + rule as usize)
            .and_then(|&s| self.tables.settings.get(s as usize))
            .unwrap_or(UNSET)
    }

    /// The active exemption for a user at `at`: the one that ends last.
    fn exemption(&self, user: &str, at: Timestamp) -> Option<&ExemptionInfo> {
        self.exemptions
            .get(user)?
            .iter()
            .filter_map(|&i| self.tables.exemptions.get(i as usize))
            .filter(|e| at < e.until)
            .max_by_key(|e| e.until)
    }

    /// Decide one login.
    pub fn decide<'p>(&'p self, ctx: &LoginContext<'_>) -> Decision<'p> {
        let epoch = self.epoch_of(ctx.at);
        let mut shaping: Vec<RuleRef<'p>> = Vec::with_capacity(8);
        let user_rule = self.users.get(ctx.user).copied();
        let app_rule = ctx.app.and_then(|a| self.apps.get(a)).copied();
        let default_rule = self.tables.default_rule;
        let group_rules = ctx
            .groups
            .iter()
            .filter_map(|g| self.groups.get(*g))
            .flat_map(|ids| ids.iter().copied());

        let combined = match self.tables.precedence {
            Precedence::MostRestrictive => {
                let mut acc = Acc::default();
                let all = default_rule
                    .into_iter()
                    .chain(group_rules)
                    .chain(user_rule)
                    .chain(app_rule);
                for id in all {
                    let s = self.settings(epoch, id);
                    if s.sets_anything() {
                        acc.add(s);
                        shaping.extend(self.rule_ref(id, s));
                    }
                }
                acc
            }
            Precedence::Specific => self.specific(
                epoch,
                user_rule,
                group_rules,
                default_rule,
                app_rule,
                &mut shaping,
            ),
        };

        shaping.sort_unstable_by_key(|r| r.id);
        shaping.dedup_by_key(|r| r.id);
        let enforcement = combined.enforcement.unwrap_or(Level::Off);
        let mut factors = combined.factors.unwrap_or(FactorSet::NON_RECOVERY);
        if combined.recovery {
            factors = factors.with(Factor::BackupCode);
        }
        let usable = ctx.enrolled.intersect(factors);
        let grace_deadline = (enforcement == Level::Required)
            .then_some(combined.deadline)
            .flatten()
            .filter(|d| *d != Timestamp::MIN);
        let exempt = self.exemption(ctx.user, ctx.at);

        let mut deadline = None;
        let mut remembered = false;
        let mut remember_miss = None;
        let outcome = if exempt.is_some() || enforcement == Level::Off {
            Outcome::Allow
        } else if factors.is_empty() {
            Outcome::Deny
        } else if !usable.is_empty() {
            match self.remember_holds(combined.remember, ctx) {
                Ok(()) => {
                    remembered = true;
                    Outcome::Allow
                }
                Err(miss) => {
                    remember_miss = Some(miss);
                    Outcome::Challenge
                }
            }
        } else if enforcement == Level::Optional {
            Outcome::EnrolOrSkip
        } else {
            match grace_deadline {
                Some(d) if ctx.at < d => {
                    deadline = Some(d);
                    Outcome::EnrolOrSkip
                }
                _ => Outcome::Enrol,
            }
        };

        Decision {
            outcome,
            enforcement,
            factors,
            usable,
            deadline,
            grace_deadline,
            remembered,
            exempt,
            rules: shaping,
            remember_miss,
            epoch,
        }
    }

    /// `specific`: field by field the user rule wins, else the groups
    /// (combined most-restrictively), else the default; then the app rule is
    /// combined most-restrictively on top.
    fn specific<'p>(
        &'p self,
        epoch: usize,
        user_rule: Option<u32>,
        group_rules: impl Iterator<Item = u32>,
        default_rule: Option<u32>,
        app_rule: Option<u32>,
        shaping: &mut Vec<RuleRef<'p>>,
    ) -> Acc {
        let mut user = Acc::default();
        if let Some(id) = user_rule {
            user.add(self.settings(epoch, id));
        }
        let mut groups = Acc::default();
        let mut group_ids: Vec<u32> = Vec::new();
        for id in group_rules {
            let s = self.settings(epoch, id);
            if s.sets_anything() {
                groups.add(s);
                group_ids.push(id);
            }
        }
        let mut default = Acc::default();
        if let Some(id) = default_rule {
            default.add(self.settings(epoch, id));
        }

        // Which tier decides each field: 0 user, 1 groups, 2 default.
        let tiers = [&user, &groups, &default];
        let pick = |has: fn(&Acc) -> bool| tiers.iter().position(|t| has(t));
        let enf_tier = pick(|a| a.enforcement.is_some());
        let fac_tier = pick(|a| a.factors.is_some());
        let rem_tier = pick(|a| a.remember.is_some());
        let tier = |t: Option<usize>| t.and_then(|i| tiers.get(i).copied());

        let mut out = Acc {
            enforcement: tier(enf_tier).and_then(|a| a.enforcement),
            deadline: tier(enf_tier).and_then(|a| a.deadline),
            factors: tier(fac_tier).and_then(|a| a.factors),
            remember: tier(rem_tier).and_then(|a| a.remember),
            recovery: user.recovery || groups.recovery || default.recovery,
        };
        if let Some(id) = app_rule {
            let s = self.settings(epoch, id);
            if s.sets_anything() {
                out.add(s);
                shaping.extend(self.rule_ref(id, s));
            }
        }

        let decided = |t: usize| [enf_tier, fac_tier, rem_tier].contains(&Some(t));
        if let Some(id) = user_rule.filter(|_| decided(0) || user.recovery) {
            shaping.extend(self.rule_ref(id, self.settings(epoch, id)));
        }
        if decided(1) || groups.recovery {
            for id in group_ids {
                let s = self.settings(epoch, id);
                let counts = (enf_tier == Some(1) && s.enforcement.is_some())
                    || (fac_tier == Some(1) && s.factors.is_some())
                    || (rem_tier == Some(1) && s.remember.is_some())
                    || s.recovery;
                if counts {
                    shaping.extend(self.rule_ref(id, s));
                }
            }
        }
        if let Some(id) = default_rule.filter(|_| decided(2) || default.recovery) {
            shaping.extend(self.rule_ref(id, self.settings(epoch, id)));
        }
        out
    }

    /// A rule that shaped a decision, with the phase its settings came from.
    fn rule_ref(&self, id: u32, s: &Settings) -> Option<RuleRef<'_>> {
        Some(RuleRef {
            id: id as usize,
            info: self.tables.rules.get(id as usize)?,
            phase: s.phase.and_then(|p| self.tables.phases.get(p as usize)),
        })
    }

    fn remember_holds(
        &self,
        remember: Option<Remember>,
        ctx: &LoginContext<'_>,
    ) -> Result<(), RememberMiss> {
        let Some(Remember::Window(w)) = remember else {
            return Err(RememberMiss::NoWindow);
        };
        let last = ctx.last_mfa.ok_or(RememberMiss::NoLastMfa)?;
        if last.at > ctx.at {
            return Err(RememberMiss::LastMfaInFuture);
        }
        let ended = last
            .at
            .saturating_add(SignedDuration::from_secs(w.seconds))
            .unwrap_or(Timestamp::MAX);
        if ctx.at >= ended {
            return Err(RememberMiss::Expired { ended });
        }
        if w.same_ip {
            match (ctx.ip, last.ip) {
                (Some(now), Some(then)) if now == then => {}
                (Some(_), Some(_)) => return Err(RememberMiss::IpChanged),
                _ => return Err(RememberMiss::IpUnknown),
            }
        }
        if w.same_context {
            let cal = &self.tables.calendar;
            let (then, now) = (
                cal.context(last.at, &self.tz),
                cal.context(ctx.at, &self.tz),
            );
            if then != now {
                return Err(RememberMiss::ContextChanged { then, now });
            }
        }
        if let Some(max) = w.max_logins {
            match last.logins_since {
                Some(n) if n < max => {}
                Some(_) => return Err(RememberMiss::TooManyLogins { max }),
                None => return Err(RememberMiss::LoginCountUnknown),
            }
        }
        Ok(())
    }
}

/// Rules combined most-restrictively.
#[derive(Clone, Copy, Debug, Default)]
struct Acc {
    enforcement: Option<Level>,
    factors: Option<FactorSet>,
    recovery: bool,
    remember: Option<Remember>,
    /// Earliest deadline among the rules at the current (required) level;
    /// `Timestamp::MIN` stands for immediate.
    deadline: Option<Timestamp>,
}

impl Acc {
    fn add(&mut self, s: &Settings) {
        if let Some(level) = s.enforcement {
            let own = if level == Level::Required {
                Some(s.deadline.unwrap_or(Timestamp::MIN))
            } else {
                None
            };
            match self.enforcement {
                Some(cur) if cur > level => {}
                Some(cur) if cur == level => {
                    self.deadline = match (self.deadline, own) {
                        (Some(a), Some(b)) => Some(a.min(b)),
                        (a, b) => a.or(b),
                    };
                }
                _ => {
                    self.enforcement = Some(level);
                    self.deadline = own;
                }
            }
        }
        if let Some(f) = s.factors {
            self.factors = Some(self.factors.map_or(f, |cur| cur.intersect(f)));
        }
        self.recovery |= s.recovery;
        if let Some(r) = s.remember {
            self.remember = Some(self.remember.map_or(r, |cur| cur.strictest(r)));
        }
    }
}

#[cold]
fn unreachable_policy(e: ArtifactError) -> Policy {
    // Tables built by `compile` always validate; if that ever breaks, evaluate
    // nothing rather than panic: an empty policy with a deny-all default.
    let _ = e;
    let deny_all = Tables {
        source: "<invalid>".to_string(),
        precedence: Precedence::MostRestrictive,
        timezone: "UTC".to_string(),
        calendar: Default::default(),
        epochs: vec![],
        rules: vec![RuleInfo {
            kind: SubjectKind::Default,
            name: String::new(),
            line: 0,
            implicit: true,
            privileged: false,
            break_glass: false,
        }],
        phases: vec![],
        settings: vec![Settings {
            enforcement: Some(Level::Required),
            factors: Some(FactorSet::EMPTY),
            ..Settings::default()
        }],
        table: vec![0],
        default_rule: Some(0),
        groups: vec![],
        users: vec![],
        apps: vec![],
        exemptions: vec![],
    };
    Policy {
        tz: TimeZone::UTC,
        rule_count: 1,
        groups: FxHashMap::default(),
        users: FxHashMap::default(),
        apps: FxHashMap::default(),
        exemptions: FxHashMap::default(),
        tables: deny_all,
    }
}
