//! Stage 4: the login-time decision, read off the compiled tables. A
//! [`Policy`] comes from `mfac compile` output ([`Policy::from_json`]) or,
//! through `mfac-lang`, straight from policy text; the crate-level example
//! of `mfac` shows both.

pub mod events;
mod explain;
mod fold;

pub use explain::explain;
use fold::Acc;

use crate::compile::{self, artifact, ExemptionInfo, RuleInfo, Settings, SubjectKind, Tables};
use crate::policy::{Factor, FactorSet, Level, Precedence, Remember, TimeContext};
use jiff::{tz::TimeZone, SignedDuration, Timestamp};
use rustc_hash::FxHashMap;
use serde::Serialize;
use std::net::IpAddr;
use std::sync::atomic::{AtomicU64, Ordering};

pub use artifact::ArtifactError;

/// What the identity service should do with this login.
#[derive(Clone, Copy, Debug, PartialEq, Eq, Hash, Serialize, serde::Deserialize)]
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

/// A user's rules resolved from names by [`Policy::subject`], to decide many
/// logins of that user without looking names up again.
#[derive(Clone, Debug)]
pub struct Subject {
    /// Which policy resolved it; another policy resolves again from the names.
    stamp: u64,
    user: Box<str>,
    groups: Box<[Box<str>]>,
    rules: Box<[u32]>,
    exemptions: Box<[u32]>,
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
    /// Unique per loaded policy, so a [`Subject`] knows whose ids it holds.
    stamp: u64,
    tz: TimeZone,
    rule_count: usize,
    /// Group name -> range of `group_rules`: one probe and one flat read per group.
    groups: FxHashMap<Box<str>, (u32, u32)>,
    group_rules: Box<[u32]>,
    /// `settings` converted for folding, by slot.
    folds: Box<[Acc]>,
    users: FxHashMap<Box<str>, u32>,
    apps: FxHashMap<Box<str>, u32>,
    exemptions: FxHashMap<Box<str>, Box<[u32]>>,
}

impl Policy {
    /// Load `mfac compile` output.
    pub fn from_json(text: &str) -> Result<Policy, ArtifactError> {
        Policy::from_tables(artifact::from_json(text)?)
    }

    /// The tables as `mfac compile` writes them: versioned JSON with a checksum.
    pub fn to_json(&self) -> Result<String, ArtifactError> {
        artifact::to_json(&self.tables).map_err(|e| ArtifactError::Invalid(e.to_string()))
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
        let mut group_rules = Vec::new();
        let mut groups = FxHashMap::default();
        for (name, ids) in &t.groups {
            let start = group_rules.len() as u32;
            group_rules.extend_from_slice(ids);
            groups.insert(Box::from(name.as_str()), (start, group_rules.len() as u32));
        }
        Ok(Policy {
            stamp: next_stamp(),
            tz,
            rule_count: n,
            groups,
            group_rules: group_rules.into_boxed_slice(),
            folds: t.settings.iter().map(Acc::from_settings).collect(),
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

    /// The settings slot of a rule in an epoch; `u32::MAX` (no settings)
    /// cannot happen for validated tables.
    fn slot(&self, epoch: usize, rule: u32) -> u32 {
        self.tables
            .table
            .get(epoch * self.rule_count + rule as usize)
            .copied()
            .unwrap_or(u32::MAX)
    }

    /// A rule's settings in an epoch (see [`Policy::epoch_of`]); `None` for
    /// a rule id past the end.
    pub fn rule_settings(&self, epoch: usize, rule: usize) -> Option<&Settings> {
        let rule = u32::try_from(rule)
            .ok()
            .filter(|&r| (r as usize) < self.rule_count)?;
        self.tables.settings.get(self.slot(epoch, rule) as usize)
    }

    fn settings_at(&self, slot: u32) -> &Settings {
        const UNSET: &Settings = &Settings {
            enforcement: None,
            factors: None,
            recovery: false,
            remember: None,
            deadline: None,
            phase: None,
        };
        self.tables.settings.get(slot as usize).unwrap_or(UNSET)
    }

    fn fold_at(&self, slot: u32) -> Acc {
        self.folds.get(slot as usize).copied().unwrap_or_default()
    }

    /// The group rules a member of directory group `name` gets.
    fn rules_of_group(&self, name: &str) -> &[u32] {
        self.groups
            .get(name)
            .and_then(|&(a, b)| self.group_rules.get(a as usize..b as usize))
            .unwrap_or_default()
    }

    /// The active exemption among `ids` at `at`: the one that ends last.
    fn exemption(&self, ids: &[u32], at: Timestamp) -> Option<&ExemptionInfo> {
        ids.iter()
            .filter_map(|&i| self.tables.exemptions.get(i as usize))
            .filter(|e| at < e.until)
            .max_by_key(|e| e.until)
    }

    /// Resolve a user's names to rule ids once, for [`Policy::decide_subject`].
    ///
    /// An identity service that keeps a session per user can resolve at
    /// sign-in (or when the directory changes) and skip the name look-ups on
    /// every later decision.
    pub fn subject(&self, user: &str, groups: &[&str]) -> Subject {
        Subject {
            stamp: self.stamp,
            user: Box::from(user),
            groups: groups.iter().map(|g| Box::from(*g)).collect(),
            rules: self.resolve(user, groups).into_boxed_slice(),
            exemptions: self.exemption_ids(user).into(),
        }
    }

    /// The rules that apply to a user with these directory groups (default,
    /// groups through `includes`, the user's own), in file order, with
    /// their ids; no app.
    pub fn rules_for(&self, user: &str, groups: &[&str]) -> Vec<(usize, &RuleInfo)> {
        self.resolve(user, groups)
            .into_iter()
            .filter_map(|id| Some((id as usize, self.tables.rules.get(id as usize)?)))
            .collect()
    }

    /// Default, group (with `includes`) and user rules of a user, in file
    /// order, each once.
    fn resolve(&self, user: &str, groups: &[&str]) -> Vec<u32> {
        let mut rules: Vec<u32> = Vec::with_capacity(groups.len() * 2 + 2);
        rules.extend(self.tables.default_rule);
        for g in groups {
            rules.extend_from_slice(self.rules_of_group(g));
        }
        rules.extend(self.users.get(user).copied());
        rules.sort_unstable();
        rules.dedup();
        rules
    }

    fn exemption_ids(&self, user: &str) -> &[u32] {
        self.exemptions.get(user).map_or(&[], |ids| ids)
    }

    /// Decide one login.
    pub fn decide<'p>(&'p self, ctx: &LoginContext<'_>) -> Decision<'p> {
        let rules = self.resolve(ctx.user, ctx.groups);
        self.decide_resolved(&rules, self.exemption_ids(ctx.user), ctx)
    }

    /// Decide one login of a resolved subject; `ctx.user` and `ctx.groups`
    /// are not read, the subject stands for them. A subject resolved against
    /// another policy (say, before a reload) is resolved again from its names.
    pub fn decide_subject<'p>(&'p self, subject: &Subject, ctx: &LoginContext<'_>) -> Decision<'p> {
        if subject.stamp == self.stamp {
            return self.decide_resolved(&subject.rules, &subject.exemptions, ctx);
        }
        let groups: Vec<&str> = subject.groups.iter().map(|g| &**g).collect();
        let rules = self.resolve(&subject.user, &groups);
        self.decide_resolved(&rules, self.exemption_ids(&subject.user), ctx)
    }

    /// The decision proper. `rules` are the subject's rule ids in file order.
    fn decide_resolved<'p>(
        &'p self,
        rules: &[u32],
        exemptions: &[u32],
        ctx: &LoginContext<'_>,
    ) -> Decision<'p> {
        let epoch = self.epoch_of(ctx.at);
        let app_rule = ctx.app.and_then(|a| self.apps.get(a)).copied();
        let mut shaping: Vec<RuleRef<'p>> = Vec::with_capacity(rules.len() + 1);
        let combined = match self.tables.precedence {
            Precedence::MostRestrictive => {
                let mut acc = Acc::default();
                for &id in rules {
                    let slot = self.slot(epoch, id);
                    let f = self.fold_at(slot);
                    if f.sets_anything() {
                        acc.add(&f);
                        shaping.extend(self.rule_ref(id, slot));
                    }
                }
                acc
            }
            Precedence::Specific => self.specific(epoch, rules, &mut shaping),
        };
        // The app rule tightens in both modes (in `specific` it cannot
        // loosen at all: see `Acc::tighten`); keep the list in file order.
        let mut combined = combined;
        if let Some(id) = app_rule {
            let slot = self.slot(epoch, id);
            let f = self.fold_at(slot);
            let applied = match self.tables.precedence {
                Precedence::MostRestrictive => {
                    combined.add(&f);
                    f
                }
                Precedence::Specific => combined.tighten(&f),
            };
            if applied.sets_anything() {
                if let Some(r) = self.rule_ref(id, slot) {
                    let at = shaping.partition_point(|x| x.id < r.id);
                    shaping.insert(at, r);
                }
            }
        }

        let enforcement = combined.enforcement().unwrap_or(Level::Off);
        let mut factors = combined.factors().unwrap_or(FactorSet::NON_RECOVERY);
        if combined.recovery {
            factors = factors.with(Factor::BackupCode);
        }
        let usable = ctx.enrolled.intersect(factors);
        let grace_deadline = combined.grace_deadline();
        let exempt = self.exemption(exemptions, ctx.at);

        let mut deadline = None;
        let mut remembered = false;
        let mut remember_miss = None;
        let outcome = if exempt.is_some() || enforcement == Level::Off {
            Outcome::Allow
        } else if factors.is_empty() {
            Outcome::Deny
        } else if !usable.is_empty() {
            match self.remember_holds(combined.remember(), ctx) {
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
    /// (combined most-restrictively), else the default. (The caller then
    /// combines the app rule most-restrictively on top.) Pushes the rules
    /// that decided a field, in file order.
    fn specific<'p>(&'p self, epoch: usize, rules: &[u32], shaping: &mut Vec<RuleRef<'p>>) -> Acc {
        let kind = |id: u32| self.tables.rules.get(id as usize).map(|r| r.kind);
        let (mut user, mut groups, mut default) = (Acc::default(), Acc::default(), Acc::default());
        for &id in rules {
            let f = self.fold_at(self.slot(epoch, id));
            match kind(id) {
                Some(SubjectKind::User) => user.add(&f),
                Some(SubjectKind::Group) => groups.add(&f),
                Some(SubjectKind::Default) => default.add(&f),
                Some(SubjectKind::App) | None => {}
            }
        }

        // Which tier decides each field: 0 user, 1 groups, 2 default.
        let tiers = [user.sets(), groups.sets(), default.sets()];
        let enf_tier = tiers.iter().position(|t| t.0);
        let fac_tier = tiers.iter().position(|t| t.1);
        let rem_tier = tiers.iter().position(|t| t.2);
        let decided = |t: usize| [enf_tier, fac_tier, rem_tier].contains(&Some(t));

        for &id in rules {
            let slot = self.slot(epoch, id);
            let counts = match kind(id) {
                Some(SubjectKind::User) => decided(0) || user.recovery,
                Some(SubjectKind::Default) => decided(2) || default.recovery,
                Some(SubjectKind::Group) => {
                    let f = self.fold_at(slot);
                    let (enf, fac, rem) = f.sets();
                    (enf_tier == Some(1) && enf)
                        || (fac_tier == Some(1) && fac)
                        || (rem_tier == Some(1) && rem)
                        || f.recovery
                }
                Some(SubjectKind::App) | None => false,
            };
            if counts {
                shaping.extend(self.rule_ref(id, slot));
            }
        }
        user.or_else(&groups.or_else(&default))
    }

    /// A rule that shaped a decision, with the phase its settings came from.
    fn rule_ref(&self, id: u32, slot: u32) -> Option<RuleRef<'_>> {
        let phase = self.settings_at(slot).phase;
        Some(RuleRef {
            id: id as usize,
            info: self.tables.rules.get(id as usize)?,
            phase: phase.and_then(|p| self.tables.phases.get(p as usize)),
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

fn next_stamp() -> u64 {
    static NEXT: AtomicU64 = AtomicU64::new(1);
    NEXT.fetch_add(1, Ordering::Relaxed)
}

impl Policy {
    /// A policy that denies every login: one default rule, `required` with
    /// no allowed factor. What to run when nothing trustworthy can be
    /// (fail closed), built without validation so that it cannot itself fail.
    #[cold]
    pub fn deny_all() -> Policy {
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
            stamp: next_stamp(),
            tz: TimeZone::UTC,
            rule_count: 1,
            groups: FxHashMap::default(),
            group_rules: Box::default(),
            folds: deny_all.settings.iter().map(Acc::from_settings).collect(),
            users: FxHashMap::default(),
            apps: FxHashMap::default(),
            exemptions: FxHashMap::default(),
            tables: deny_all,
        }
    }
}
