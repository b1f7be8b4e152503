//! Stage 4: the login-time decision, read off the compiled tables. A
//! [`Policy`] comes from `mfac compile` output ([`Policy::from_json`]) or,
//! through `mfac-lang`, straight from policy text; the crate-level example
//! of `mfac` shows both.

mod bypass;
mod decide;
pub mod events;
mod explain;
mod fold;
mod instant;
mod joined;
mod load;
mod login;
mod names;
mod recent;
pub mod space;
mod status;

pub use bypass::{BypassGrant, BypassRefusal};
pub use explain::explain;
use fold::Acc;
pub use instant::AtInstant;
pub use login::{
    Decision, LastMfa, LoginContext, Outcome, RememberMiss, ReportOnly, RuleRef, Shown, Subject,
    Verdict,
};
pub use status::EnrolmentStatus;

use crate::compile::{self, artifact, ExemptionInfo, RuleInfo, Settings, Tables};
use crate::policy::{
    Aal, Factor, FactorSet, Level, Precedence, Rank, Remember, Scope, TimeContext,
};
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
    /// Group id -> `(start, mid, end)` in `group_rules`: the rules its
    /// members get are `start..mid`, the rules that leave them out
    /// `mid..end`. One probe and one flat read per group.
    group_ranges: Box<[(u32, u32, u32)]>,
    group_rules: Box<[u32]>,
    /// Per rule: its rank and what narrows it beyond whom it names.
    marks: Box<[Marks]>,
    /// The default-rank rules (`for everyone`, every app), in file order.
    everyone: Box<[u32]>,
    /// `settings` converted for folding, by slot.
    folds: Box<[Acc]>,
    /// User -> the rules whose `for` names them, in file order.
    users: FxHashMap<Box<str>, Box<[u32]>>,
    /// User -> the rules whose `except` names them, sorted.
    except_users: FxHashMap<Box<str>, Box<[u32]>>,
    /// App name -> app id, an index of `app_rules`.
    apps: FxHashMap<Box<str>, u32>,
    app_rules: Box<[AppRules]>,
    exemptions: FxHashMap<Box<str>, Box<[u32]>>,
    /// Group -> the groups whose rules include it: `includes`, upwards.
    included_by: FxHashMap<Box<str>, Box<[Box<str>]>>,
    /// The groups some rule's scope names (in `for` or `except`).
    scoped_groups: rustc_hash::FxHashSet<Box<str>>,
    /// Does any rule leave users or groups out? Only then does a
    /// resolution gather what leaves the user out.
    excludes_people: bool,
    /// Does any rule narrow by app beyond its rank, leave an app out, or
    /// only report? Only then is each rule's [`Marks`] read in a fold.
    narrows: bool,
    report_only: bool,
    /// In `ordered` only: per epoch and rule, for each field the rule
    /// wins, the last rule of its run ([`Policy::first_runs`]).
    first_runs: Box<[[u32; 3]]>,
    /// Does some rule whose scope names groups also name a user or an app
    /// (in `for`, `in app` or `except`)? Only then can a group's summary
    /// differ from one user or app to another ([`View::named_rules`]).
    mixed: bool,
    /// Each group's rules joined per epoch, for users met cold
    /// (`joined.rs`).
    joined: joined::Joined,
    /// Each rule's `file:line: subject`.
    locations: Box<[Box<str>]>,
}

/// What the fold needs to know of a rule beyond its settings.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
struct Marks {
    rank: Rank,
    /// A user, group or default-rank rule that applies only `in app ...`.
    app_bound: bool,
    report_only: bool,
}

/// The rules an app brings: its app-rank rules, the other rules bound to
/// it by `in app`, and the rules that leave it out.
#[derive(Clone, Debug, Default)]
struct AppRules {
    /// `for everyone in app ...` rules naming it, in file order.
    ranked: Box<[u32]>,
    /// Rules of other ranks whose `in app` names it, sorted.
    bound: Box<[u32]>,
    /// Rules whose `except` names it, sorted.
    except: Box<[u32]>,
}

/// A user's rules resolved from their names: the rules that apply to
/// them in file order, each once, with those their user id or groups
/// leave out already removed; and those left-out rules (sorted), which an
/// app's own rules are checked against.
#[derive(Clone, Debug, Default)]
pub(crate) struct Resolved {
    pub(crate) rules: Vec<u32>,
    pub(crate) excluded: Vec<u32>,
}

impl Resolved {
    fn clear(&mut self) {
        self.rules.clear();
        self.excluded.clear();
    }
}

/// Buffers reused between calls of [`Policy::verdict_group_ids`], so a
/// million users cost no allocation.
#[derive(Clone, Debug, Default)]
pub struct Scratch(Resolved);

impl Policy {
    pub fn timezone(&self) -> &TimeZone {
        &self.tz
    }

    pub fn precedence(&self) -> Precedence {
        self.tables.precedence
    }

    /// Does the policy have report-only rules (whose outcome every
    /// decision carries beside the enforced one)?
    pub fn has_report_only(&self) -> bool {
        self.report_only
    }

    pub fn source_name(&self) -> &str {
        &self.tables.source
    }

    /// The dense id (`0..group_count()`) of a group that has rules; `None`
    /// for a name no rule names, which no decision reads. Resolve a
    /// directory's names once, then decide with [`Policy::verdict_group_ids`].
    #[inline(always)]
    pub fn group_id(&self, name: &str) -> Option<u32> {
        // `by_name` written out, so that the exact look-up inlines where
        // `mfac simulate` resolves twenty million names.
        match self.groups.get(name) {
            Some(id) => Some(id),
            None => self.groups.get(&renormalised(name)?),
        }
    }

    /// The rules whose `for` names user `name`, compared as
    /// [`Policy::group_id`].
    fn user_rules(&self, name: &str) -> &[u32] {
        by_name(name, |n| self.users.get(n)).map_or(&[], |ids| ids)
    }

    /// The id of app `name` (an app some rule names), compared as
    /// [`Policy::group_id`].
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

    pub fn rule(&self, id: usize) -> Option<&RuleInfo> {
        self.tables.rules.get(id)
    }

    /// `file:line: subject` (empty past the end): written once per rule
    /// when the policy loads, since every decision's record lists them.
    pub fn rule_location(&self, id: usize) -> String {
        self.locations
            .get(id)
            .map_or_else(String::new, |l| l.to_string())
    }

    /// Each rule's [`Policy::rule_location`], by id.
    fn locations(t: &Tables) -> Box<[Box<str>]> {
        t.rules
            .iter()
            .map(|r| format!("{}:{}: {}", t.source, r.line, r.subject()).into_boxed_str())
            .collect()
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

    /// The rules a member of directory group `name` gets.
    fn rules_of_group_named(&self, name: &str) -> &[u32] {
        self.group_id(name)
            .map_or(&[], |id| self.rules_of_group(id))
    }

    /// The rules a member of group id `id` gets.
    fn rules_of_group(&self, id: u32) -> &[u32] {
        self.group_ranges
            .get(id as usize)
            .and_then(|&(a, b, _)| self.group_rules.get(a as usize..b as usize))
            .unwrap_or_default()
    }

    /// The rules that leave members of group id `id` out.
    fn rules_excluding_group(&self, id: u32) -> &[u32] {
        self.group_ranges
            .get(id as usize)
            .and_then(|&(_, b, c)| self.group_rules.get(b as usize..c as usize))
            .unwrap_or_default()
    }

    /// The active exemption among `ids` at `at`: the one that ends last.
    fn exemption(&self, ids: &[u32], at: Timestamp) -> Option<&ExemptionInfo> {
        ids.iter()
            .filter_map(|&i| self.tables.exemptions.get(i as usize))
            .filter(|e| at < e.until)
            .max_by_key(|e| e.until)
    }

    /// Unique per loaded policy (two loads of the same text differ): what a
    /// cache kept beside a policy checks it is still the same one.
    pub fn stamp(&self) -> u64 {
        self.stamp
    }

    /// Resolve a user's names to rule ids once, for [`Policy::decide_subject`].
    ///
    /// An identity service that keeps a session per user can resolve at
    /// sign-in (or when the directory changes) and skip the name look-ups on
    /// every later decision.
    pub fn subject(&self, user: &str, groups: &[&str]) -> Subject {
        let r = self.resolve(user, groups);
        Subject {
            stamp: self.stamp,
            user: Box::from(user),
            groups: groups.iter().map(|g| Box::from(*g)).collect(),
            rules: r.rules.into_boxed_slice(),
            excluded: r.excluded.into_boxed_slice(),
            exemptions: self.exemption_ids(user).into(),
        }
    }

    /// The rules that apply to a user with these directory groups in any
    /// app (`in app` not read; `except` by user and group applied), in
    /// file order, with their ids.
    pub fn rules_for(&self, user: &str, groups: &[&str]) -> Vec<(usize, &RuleInfo)> {
        self.resolve(user, groups)
            .rules
            .into_iter()
            .filter_map(|id| Some((id as usize, self.tables.rules.get(id as usize)?)))
            .collect()
    }

    /// The rules of a user with these directory groups, app aside.
    fn resolve(&self, user: &str, groups: &[&str]) -> Resolved {
        self.resolve_ids(user, groups.iter().filter_map(|g| self.group_id(g)))
    }

    /// [`Policy::resolve`] for groups already resolved to ids.
    fn resolve_ids(&self, user: &str, groups: impl Iterator<Item = u32> + Clone) -> Resolved {
        let mut r = Resolved {
            rules: Vec::with_capacity(groups.size_hint().1.unwrap_or(0) * 2 + 2),
            excluded: Vec::new(),
        };
        self.resolve_into(&mut r, self.person(user), groups);
        r
    }

    /// Fill `r` (empty) with the rules of a user with these group ids:
    /// in file order, each once, without those that leave the user out.
    fn resolve_into(
        &self,
        r: &mut Resolved,
        person: Person<'_>,
        groups: impl Iterator<Item = u32> + Clone,
    ) {
        self.gather_into(r, person, groups);
        r.rules.sort_unstable();
        r.rules.dedup();
    }

    /// Append the default-rank rules, the rules of these group ids and the
    /// user's rules (`person`: looked up once by the caller) to `r.rules`,
    /// unsorted and with repeats, less the rules that leave the user or one
    /// of the groups out (listed, sorted, in `r.excluded`).
    fn gather_into(
        &self,
        r: &mut Resolved,
        person: Person<'_>,
        groups: impl Iterator<Item = u32> + Clone,
    ) {
        r.rules.extend_from_slice(&self.everyone);
        for g in groups.clone() {
            r.rules.extend_from_slice(self.rules_of_group(g));
        }
        r.rules.extend_from_slice(person.rules);
        if self.excludes_people {
            r.excluded.extend_from_slice(person.except);
            for g in groups {
                r.excluded.extend_from_slice(self.rules_excluding_group(g));
            }
            if !r.excluded.is_empty() {
                r.excluded.sort_unstable();
                r.excluded.dedup();
                let excluded = &r.excluded;
                r.rules.retain(|id| excluded.binary_search(id).is_err());
            }
        }
    }

    fn exemption_ids(&self, user: &str) -> &[u32] {
        by_name(user, |n| self.exemptions.get(n)).map_or(&[], |ids| ids)
    }

    /// What the policy says of user `name` by name, in one look-up per
    /// index that has entries: compared as [`Policy::group_id`], with the
    /// name put in NFC once (the policy's names are in NFC, so a name
    /// found as written is its own NFC).
    fn person(&self, name: &str) -> Person<'_> {
        if self.users.is_empty() && self.except_users.is_empty() && self.exemptions.is_empty() {
            return Person::default();
        }
        let name = crate::name::nfc(name);
        Person {
            rules: lookup(&self.users, &name),
            except: lookup(&self.except_users, &name),
            exemptions: lookup(&self.exemptions, &name),
        }
    }
}

/// A user's entries in the policy's indexes by user name
/// ([`Policy::person`]).
#[derive(Clone, Copy, Debug, Default)]
pub(super) struct Person<'p> {
    /// The rules whose `for` names them, in file order.
    pub(super) rules: &'p [u32],
    /// The rules whose `except` names them, sorted.
    pub(super) except: &'p [u32],
    /// Their exemptions.
    pub(super) exemptions: &'p [u32],
}

/// `name`'s ids in `index`, none when it has no entry (or the index none).
fn lookup<'m>(index: &'m FxHashMap<Box<str>, Box<[u32]>>, name: &str) -> &'m [u32] {
    if index.is_empty() {
        return &[];
    }
    index.get(name).map_or(&[], |ids| ids)
}

/// Look `name` up as written, then, if that misses and NFC spells it
/// otherwise, in NFC: the policy's names are in NFC (the parser normalises
/// them), a caller's may not be. An ASCII name costs one scan on a miss.
fn by_name<T>(name: &str, get: impl Fn(&str) -> Option<T>) -> Option<T> {
    get(name).or_else(|| get(&renormalised(name)?))
}

/// `name` in NFC where that is not `name` itself (a second look-up is
/// due), else `None`.
fn renormalised(name: &str) -> Option<String> {
    match crate::name::nfc(name) {
        std::borrow::Cow::Owned(n) => Some(n),
        std::borrow::Cow::Borrowed(_) => None,
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
        Policy::build(
            Tables {
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
                    includes: vec![],
                }],
                phases: vec![],
                settings: vec![Settings::of(crate::policy::Written {
                    enforcement: Some(Level::Required),
                    factors: Some(FactorSet::EMPTY),
                    ..Default::default()
                })],
                table: vec![0],
                groups: vec![],
                except_groups: vec![],
                exemptions: vec![],
                bypass: None,
            },
            TimeZone::UTC,
        )
    }
}
