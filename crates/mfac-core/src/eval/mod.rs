//! Stage 4: the login-time decision, read off the compiled tables. A
//! [`Policy`] comes from `mfac compile` output ([`Policy::from_json`]) or,
//! through `mfac-lang`, straight from policy text; the crate-level example
//! of `mfac` shows both.

mod decide;
pub mod events;
mod explain;
mod fold;
mod load;
mod login;
mod names;
mod recent;
pub mod space;

pub use explain::explain;
use fold::Acc;
pub use login::{
    Decision, LastMfa, LoginContext, Outcome, RememberMiss, RuleRef, Subject, Verdict,
};

use crate::compile::{self, artifact, ExemptionInfo, RuleInfo, Settings, Tables};
use crate::policy::{Factor, FactorSet, Level, Precedence, Rank, Remember, Scope, TimeContext};
use jiff::{tz::TimeZone, SignedDuration, Timestamp};
use rustc_hash::FxHashMap;
use serde::Serialize;
use std::net::IpAddr;
use std::sync::atomic::{AtomicU64, Ordering};

pub use artifact::ArtifactError;

/// The compiled evaluator: flat tables plus hash indexes over names.
#[derive(Clone, Debug)]
pub struct Policy {
    tables: Tables,
    /// Unique per loaded policy, so a [`Subject`] knows whose ids it holds.
    stamp: u64,
    tz: TimeZone,
    rule_count: usize,
    /// Group name -> dense group id ([`Policy::group_id`]).
    groups: names::NameIndex,
    /// Group id -> range of `group_rules`: one probe and one flat read per group.
    group_ranges: Box<[(u32, u32)]>,
    group_rules: Box<[u32]>,
    /// `settings` converted for folding, by slot.
    folds: Box<[Acc]>,
    users: FxHashMap<Box<str>, u32>,
    apps: FxHashMap<Box<str>, u32>,
    exemptions: FxHashMap<Box<str>, Box<[u32]>>,
}

impl Policy {
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

    /// Names of the groups that have rules, in no particular order.
    pub fn group_names(&self) -> impl Iterator<Item = &str> {
        (0..self.groups.len() as u32).map(|i| self.groups.name(i))
    }

    /// The dense id (`0..group_count()`) of a group that has rules; `None`
    /// for a name no rule names, which no decision reads. Resolve a
    /// directory's names once, then decide with [`Policy::verdict_group_ids`].
    pub fn group_id(&self, name: &str) -> Option<u32> {
        by_name(name, |n| self.groups.get(n))
    }

    /// The rule id of user `name`'s rule, compared as [`Policy::group_id`].
    fn user_id(&self, name: &str) -> Option<u32> {
        by_name(name, |n| self.users.get(n).copied())
    }

    /// The rule id of app `name`'s rule, compared as [`Policy::group_id`].
    fn app_id(&self, name: &str) -> Option<u32> {
        by_name(name, |n| self.apps.get(n).copied())
    }

    /// The name of group id `id` (empty past the end).
    pub fn group_name(&self, id: u32) -> &str {
        self.groups.name(id)
    }

    /// How many groups have rules: ids are `0..group_count()`.
    pub fn group_count(&self) -> usize {
        self.groups.len()
    }

    /// Names of the users that have rules, in no particular order.
    pub fn user_names(&self) -> impl Iterator<Item = &str> {
        self.users.keys().map(|n| &**n)
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
        self.tables
            .settings
            .get(slot as usize)
            .unwrap_or(&Settings::NONE)
    }

    fn fold_at(&self, slot: u32) -> Acc {
        self.folds.get(slot as usize).copied().unwrap_or_default()
    }

    /// The group rules a member of directory group `name` gets.
    fn rules_of_group_named(&self, name: &str) -> &[u32] {
        self.group_id(name)
            .map_or(&[], |id| self.rules_of_group(id))
    }

    /// The group rules a member of group id `id` gets.
    fn rules_of_group(&self, id: u32) -> &[u32] {
        self.group_ranges
            .get(id as usize)
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
        let ids = groups.iter().filter_map(|g| self.group_id(g));
        self.resolve_into(&mut rules, user, ids);
        rules
    }

    /// Append the rules of a user with these group ids to `rules` (empty),
    /// in file order, each once.
    fn resolve_into(&self, rules: &mut Vec<u32>, user: &str, groups: impl Iterator<Item = u32>) {
        self.gather_into(rules, user, groups);
        rules.sort_unstable();
        rules.dedup();
    }

    /// Append the default rule, the rules of these group ids and the
    /// user's rule to `rules`, unsorted and with repeats.
    fn gather_into(&self, rules: &mut Vec<u32>, user: &str, groups: impl Iterator<Item = u32>) {
        rules.extend(self.tables.default_rule);
        for g in groups {
            rules.extend_from_slice(self.rules_of_group(g));
        }
        rules.extend(self.user_id(user));
    }

    fn exemption_ids(&self, user: &str) -> &[u32] {
        by_name(user, |n| self.exemptions.get(n)).map_or(&[], |ids| ids)
    }
}

/// Look `name` up as written, then, if that misses and NFC spells it
/// otherwise, in NFC: the policy's names are in NFC (the parser normalises
/// them), a caller's may not be. An ASCII name costs one scan on a miss.
fn by_name<T>(name: &str, get: impl Fn(&str) -> Option<T>) -> Option<T> {
    get(name).or_else(|| match crate::name::nfc(name) {
        std::borrow::Cow::Owned(n) => get(&n),
        std::borrow::Cow::Borrowed(_) => None,
    })
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
                scope: Scope::everyone(),
                name: None,
                report_only: false,
                line: 0,
                implicit: true,
                privileged: false,
                break_glass: false,
            }],
            phases: vec![],
            settings: vec![Settings::of(crate::policy::Written {
                enforcement: Some(Level::Required),
                factors: Some(FactorSet::EMPTY),
                ..Default::default()
            })],
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
            groups: names::NameIndex::default(),
            group_ranges: Box::default(),
            group_rules: Box::default(),
            folds: deny_all.settings.iter().map(Acc::from_settings).collect(),
            users: FxHashMap::default(),
            apps: FxHashMap::default(),
            exemptions: FxHashMap::default(),
            tables: deny_all,
        }
    }
}
