//! The reference evaluator: the design's decision rules, written to be read
//! rather than to be fast.
//!
//! It reads the syntax tree itself ([`read`]: strengths, rollout targets,
//! phase instants, the calendar) and walks its own rules, one by one, at
//! the login's instant. It shares no resolution with the checker and no
//! decision logic with `mfac_core::eval`: no checked policy, no compiled
//! tables, no group graph, no `Remember::strictest`, no `Calendar::context`.
//! The differential tests (`tests/differential.rs`) and the fuzz targets
//! compare the two, so each reading of the design checks the other. Only
//! the parser and data types (the login, factor sets, the outcome) are
//! shared.
//!
//! Where the design is silent this follows the choices the README documents:
//! rollout phases apply cumulatively, field by field; a grace with no phase
//! date to run from is immediate; `recovery backup_code` on any applicable
//! rule adds `backup_code`; a remember window's end is exclusive and an
//! unknown IP or login count never passes a condition that tests it.

mod read;

pub use read::{read, Reference};

use jiff::{SignedDuration, Timestamp};
use mfac_core::eval::{LoginContext, Outcome};
use mfac_core::policy::{Enrolment, Factor, FactorSet, Level, Remember, Window};
use mfac_lang::syntax::PrecedenceMode;
use read::{RefRule, RefScope, Written};
use std::collections::BTreeSet;

/// What the reference decides for one login: the fields the differential
/// tests compare with the compiled evaluator's `Decision`.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub struct Verdict {
    pub outcome: Outcome,
    pub enforcement: Level,
    pub factors: FactorSet,
    pub usable: FactorSet,
    /// Only for `enrol_or_skip` while a grace period runs.
    pub deadline: Option<Timestamp>,
    /// The remember setting the rules combine to, whether or not it lets
    /// this login through.
    pub remember: Option<Remember>,
    /// The enrolment deadline of a `required` result with a grace period,
    /// whether or not the user has a factor.
    pub grace_deadline: Option<Timestamp>,
    pub remembered: bool,
    /// The `until` of the exemption that let the user in.
    pub exempt_until: Option<Timestamp>,
    /// What the outcome, enforcement and factors would be with the
    /// report-only rules enforced too, when that differs.
    pub report_only: Option<(Outcome, Level, FactorSet)>,
    /// The assurance level the login reaches as decided: 1 without a
    /// second factor, else 3 when every factor it may complete with is a
    /// passkey, else 2.
    pub aal: u8,
}

/// One applicable rule's fields at the login's instant.
#[derive(Clone, Copy, Debug, Default)]
struct RuleNow {
    enforcement: Option<Level>,
    factors: Option<FactorSet>,
    recovery: bool,
    remember: Option<Remember>,
    enrolment: Option<Enrolment>,
    /// Date of the rollout phase that set `enrolment`; `None` on a base rule.
    enrolment_set_on: Option<Timestamp>,
    assurance: Option<u8>,
}

impl RuleNow {
    /// Its own enrolment deadline, when it requires MFA: `None` is immediate.
    fn deadline(&self) -> Option<Timestamp> {
        match (self.enrolment, self.enrolment_set_on) {
            (Some(Enrolment::Grace(seconds)), Some(phase_date)) => phase_date
                .checked_add(SignedDuration::from_secs(seconds))
                .ok(),
            // A base-rule grace has no date to run from; no enrolment at all
            // is immediate.
            _ => None,
        }
    }
}

/// The decision for one login, straight from the design: the enforced
/// decision, and what the report-only rules would make of it.
pub fn decide(p: &Reference, login: &LoginContext<'_>) -> Verdict {
    let enforced = decide_with(p, login, false);
    if !p.rules.iter().any(|r| r.report_only) {
        return enforced;
    }
    let all = decide_with(p, login, true);
    let shown = |v: &Verdict| (v.outcome, v.enforcement, v.factors);
    Verdict {
        report_only: (shown(&all) != shown(&enforced)).then(|| shown(&all)),
        ..enforced
    }
}

/// The decision with the report-only rules left out, or counted.
fn decide_with(p: &Reference, login: &LoginContext<'_>, report_only: bool) -> Verdict {
    let t = login.at;
    let groups = member_groups(p, login.groups);

    // Which rules apply: those whose scope takes in this user (named, or a
    // member of a named group, or everyone) and this app (named, or every),
    // and whose `except` names neither the user, nor a group they are a
    // member of, nor the app; an exclusion always beats an inclusion.
    let named = |list: &[String], x: &str| list.iter().any(|n| n == x);
    let member = |list: &[String]| list.iter().any(|g| groups.contains(g.as_str()));
    let applies = |r: &RefRule| {
        let s = &r.scope;
        let everyone = s.users.is_empty() && s.groups.is_empty();
        let who = everyone || named(&s.users, login.user) || member(&s.groups);
        let app = s.apps.is_empty() || login.app.is_some_and(|a| named(&s.apps, a));
        let left_out = named(&s.except_users, login.user)
            || member(&s.except_groups)
            || login.app.is_some_and(|a| named(&s.except_apps, a));
        who && app && !left_out && (report_only || !r.report_only)
    };
    let rules: Vec<(Tier, RuleNow)> = p
        .rules
        .iter()
        .filter(|r| applies(r))
        .map(|r| (tier(&r.scope), rule_at(r, t)))
        .collect();
    let of = |want: &[Tier]| -> Vec<RuleNow> {
        rules
            .iter()
            .filter(|(s, _)| want.contains(s))
            .map(|(_, r)| *r)
            .collect()
    };

    // The rules whose values decide each field, and the rules whose
    // `required` sets the enrolment deadline.
    let (combined, deadline_rules): (Combined, Vec<RuleNow>) = match p.mode {
        PrecedenceMode::MostRestrictive => {
            let all: Vec<RuleNow> = rules.iter().map(|(_, r)| *r).collect();
            (combine(&all), all)
        }
        PrecedenceMode::Specific => {
            let tiers = [of(&[Tier::User]), of(&[Tier::Group]), of(&[Tier::Default])];
            let first_setting = |sets: fn(&RuleNow) -> bool| -> Vec<RuleNow> {
                tiers
                    .iter()
                    .find(|tier| tier.iter().any(sets))
                    .cloned()
                    .unwrap_or_default()
            };
            let level_tier = first_setting(|r| r.enforcement.is_some());
            let chosen = Combined {
                enforcement: combine(&level_tier).enforcement,
                factors: combine(&first_setting(|r| r.factors.is_some())).factors,
                remember: combine(&first_setting(|r| r.remember.is_some())).remember,
                // Recovery from the user, group and default rules alike.
                recovery: tiers.iter().flatten().any(|r| r.recovery),
            };
            app_on_top(chosen, level_tier, of(&[Tier::App]))
        }
        PrecedenceMode::Ordered => {
            // First match among the user and group rules, in file order,
            // field by field; a field none of them sets comes from the
            // default-rank rules.
            let ranked = of(&[Tier::User, Tier::Group]);
            let default = of(&[Tier::Default]);
            let fallback = combine(&default);
            let first = |sets: fn(&RuleNow) -> bool| ranked.iter().find(|r| sets(r)).copied();
            let level_rules = match first(|r| r.enforcement.is_some()) {
                Some(r) => vec![r],
                None => default.clone(),
            };
            let chosen = Combined {
                enforcement: combine(&level_rules).enforcement,
                factors: first(|r| r.factors.is_some()).map_or(fallback.factors, |r| r.factors),
                remember: first(|r| r.remember.is_some()).map_or(fallback.remember, |r| r.remember),
                recovery: ranked.iter().chain(&default).any(|r| r.recovery),
            };
            app_on_top(chosen, level_rules, of(&[Tier::App]))
        }
    };

    let enforcement = combined.enforcement.unwrap_or(Level::Off);
    let mut factors = combined.factors.unwrap_or(FactorSet::NON_RECOVERY);
    if combined.recovery {
        factors = factors.with(Factor::BackupCode);
    }
    let usable = login.enrolled.intersect(factors);
    // The earliest deadline among the rules that made it required; any
    // immediate one makes the whole immediate.
    let grace_deadline = if enforcement == Level::Required {
        let own: Vec<Option<Timestamp>> = deadline_rules
            .iter()
            .filter(|r| r.enforcement == Some(Level::Required))
            .map(RuleNow::deadline)
            .collect();
        if own.iter().any(Option::is_none) {
            None
        } else {
            own.into_iter().flatten().min()
        }
    } else {
        None
    };

    let exempt_until = p
        .exemptions
        .iter()
        .filter(|(user, _)| user == login.user)
        .map(|(_, until)| *until)
        .filter(|until| t < *until)
        .max();

    let level_of = |set: FactorSet| {
        if set.is_empty() {
            1
        } else if set == FactorSet::single(Factor::Webauthn) {
            3
        } else {
            2
        }
    };
    let verdict = |outcome, deadline, remembered: bool| Verdict {
        aal: match outcome {
            Outcome::Challenge => level_of(usable),
            Outcome::Allow if remembered => level_of(usable),
            Outcome::Enrol => level_of(factors),
            _ => 1,
        },
        report_only: None,
        outcome,
        enforcement,
        factors,
        usable,
        deadline,
        remembered,
        exempt_until,
        remember: combined.remember,
        grace_deadline,
    };
    if exempt_until.is_some() || enforcement == Level::Off {
        return verdict(Outcome::Allow, None, false);
    }
    if factors.is_empty() {
        return verdict(Outcome::Deny, None, false);
    }
    if !usable.is_empty() {
        return match combined.remember {
            Some(Remember::Window(w)) if window_holds(p, &w, login) => {
                verdict(Outcome::Allow, None, true)
            }
            _ => verdict(Outcome::Challenge, None, false),
        };
    }
    match (enforcement, grace_deadline) {
        (Level::Optional, _) => verdict(Outcome::EnrolOrSkip, None, false),
        (_, Some(d)) if t < d => verdict(Outcome::EnrolOrSkip, Some(d), false),
        _ => verdict(Outcome::Enrol, None, false),
    }
}

/// `specific` and `ordered`: the app's rules on top of what the other
/// rules chose. An app can tighten, never loosen: it adds no recovery, and
/// where no other rule remembers logins it does not start to; it may
/// shorten a window or say `never`. Its `required` rules join the rules
/// that set the enrolment deadline.
fn app_on_top(
    mut chosen: Combined,
    level_rules: Vec<RuleNow>,
    app: Vec<RuleNow>,
) -> (Combined, Vec<RuleNow>) {
    for a in &app {
        let mut on_top = combine(std::slice::from_ref(a));
        on_top.recovery = false;
        let creates_window =
            chosen.remember.is_none() && matches!(on_top.remember, Some(Remember::Window(_)));
        if creates_window {
            on_top.remember = None;
        }
        chosen = chosen.and(&on_top);
    }
    (chosen, level_rules.into_iter().chain(app).collect())
}

impl Reference {
    /// The groups with a rule that a user with these directory groups is a
    /// member of, directly or through `includes`: whom `members of group
    /// "G"` speaks of.
    pub fn member_of<'p>(&'p self, direct: &[&'p str]) -> Vec<&'p str> {
        let groups = member_groups(self, direct);
        self.rules
            .iter()
            .flat_map(|r| r.scope.groups.iter().chain(&r.scope.except_groups))
            .filter(|g| groups.contains(g.as_str()))
            .map(String::as_str)
            .collect()
    }

    /// Is such a user a member of a privileged group?
    pub fn privileged(&self, direct: &[&str]) -> bool {
        let groups = member_groups(self, direct);
        self.rules
            .iter()
            .any(|r| r.marked && r.scope.groups.iter().any(|g| groups.contains(g.as_str())))
    }

    /// The groups the policy's `bypass` line names (none without one, or
    /// for anyone).
    pub fn bypass_groups(&self) -> Vec<&str> {
        self.bypass
            .iter()
            .flat_map(|(g, _)| g.iter().map(String::as_str))
            .collect()
    }

    /// May the helpdesk bypass MFA for this user with these directory
    /// groups, as the policy's `bypass` line reads: one exists, the user
    /// is a member (directly or through `includes`) of a group it names
    /// (any user, when it names none), and is neither privileged nor
    /// break-glass unless it says `privileged`.
    pub fn may_be_bypassed(&self, user: &str, direct: &[&str]) -> bool {
        let Some((groups, privileged)) = &self.bypass else {
            return false;
        };
        let member = member_groups(self, direct);
        let in_group = groups.is_empty() || groups.iter().any(|g| member.contains(g.as_str()));
        in_group && (*privileged || !(self.privileged(direct) || self.break_glass(user)))
    }

    /// Is this user's own rule marked `break_glass`?
    pub fn break_glass(&self, user: &str) -> bool {
        self.rules
            .iter()
            .any(|r| r.marked && r.scope.users.iter().any(|u| u == user))
    }
}

/// Where a rule ranks (as the design of scoped rules has it): one naming only users with the
/// user rules, one naming any group with the group rules, one for everyone
/// in some apps with the app rules, one for everyone in every app with the
/// default.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
enum Tier {
    User,
    Group,
    Default,
    App,
}

fn tier(s: &RefScope) -> Tier {
    match (s.users.is_empty(), s.groups.is_empty(), s.apps.is_empty()) {
        (false, true, _) => Tier::User,
        (_, false, _) => Tier::Group,
        (true, true, false) => Tier::App,
        (true, true, true) => Tier::Default,
    }
}

/// The user's directory groups and every group that includes one of them,
/// directly or through other groups.
fn member_groups<'p>(p: &'p Reference, direct: &[&'p str]) -> BTreeSet<&'p str> {
    let mut set: BTreeSet<&str> = direct.iter().copied().collect();
    loop {
        let mut grew = false;
        for r in &p.rules {
            // `group "G" { includes "H" }`: members of H are members of G.
            if r.includes.iter().any(|i| set.contains(i.as_str())) {
                for g in &r.scope.groups {
                    grew |= set.insert(g);
                }
            }
        }
        if !grew {
            return set;
        }
    }
}

/// A rule's fields at `t`: the base rule, then every phase dated at or
/// before `t` of every rollout that names it, in date order, field by field.
fn rule_at(rule: &RefRule, t: Timestamp) -> RuleNow {
    let mut now = RuleNow::default();
    let mut set = |w: &Written, date: Option<Timestamp>| {
        now.enforcement = w.enforcement.or(now.enforcement);
        now.factors = w.factors.or(now.factors);
        now.recovery |= w.recovery;
        now.assurance = w.assurance.or(now.assurance);
        now.remember = w.remember.or(now.remember);
        if w.enrolment.is_some() {
            now.enrolment = w.enrolment;
            now.enrolment_set_on = date;
        }
    };
    set(&rule.written, None);
    let mut phases: Vec<&(Timestamp, Written)> =
        rule.phases.iter().filter(|(at, _)| *at <= t).collect();
    phases.sort_by_key(|(at, _)| *at);
    for (at, w) in phases {
        set(w, Some(*at));
    }
    // A demand for an assurance level is a demand for MFA, and AAL3 only
    // a passkey reaches: the rule requires MFA and keeps only webauthn.
    match now.assurance {
        Some(3) => {
            now.enforcement = Some(Level::Required);
            let passkey = FactorSet::single(Factor::Webauthn);
            now.factors = Some(now.factors.map_or(passkey, |f| f.intersect(passkey)));
        }
        Some(_) => now.enforcement = Some(Level::Required),
        None => {}
    }
    now
}

/// Fields combined most-restrictively.
#[derive(Clone, Copy, Debug, Default)]
struct Combined {
    enforcement: Option<Level>,
    factors: Option<FactorSet>,
    remember: Option<Remember>,
    recovery: bool,
}

impl Combined {
    fn and(self, o: &Combined) -> Combined {
        Combined {
            enforcement: self.enforcement.max(o.enforcement),
            factors: match (self.factors, o.factors) {
                (Some(a), Some(b)) => Some(a.intersect(b)),
                (a, b) => a.or(b),
            },
            remember: match (self.remember, o.remember) {
                (Some(Remember::Never), _) | (_, Some(Remember::Never)) => Some(Remember::Never),
                (Some(Remember::Window(a)), Some(Remember::Window(b))) => {
                    Some(Remember::Window(Window {
                        seconds: a.seconds.min(b.seconds),
                        same_ip: a.same_ip || b.same_ip,
                        same_context: a.same_context || b.same_context,
                        max_logins: match (a.max_logins, b.max_logins) {
                            (Some(x), Some(y)) => Some(x.min(y)),
                            (x, y) => x.or(y),
                        },
                    }))
                }
                (a, b) => a.or(b),
            },
            recovery: self.recovery || o.recovery,
        }
    }
}

fn combine(rules: &[RuleNow]) -> Combined {
    rules.iter().fold(Combined::default(), |acc, r| {
        acc.and(&Combined {
            enforcement: r.enforcement,
            factors: r.factors,
            remember: r.remember,
            recovery: r.recovery,
        })
    })
}

/// Does a remember window let this login through without a challenge?
fn window_holds(p: &Reference, w: &Window, login: &LoginContext<'_>) -> bool {
    let Some(last) = login.last_mfa else {
        return false;
    };
    if last.at > login.at {
        return false;
    }
    let within = match last.at.checked_add(SignedDuration::from_secs(w.seconds)) {
        Ok(end) => login.at < end,
        Err(_) => true, // ends after any instant there is
    };
    let ip_ok = !w.same_ip || matches!((login.ip, last.ip), (Some(a), Some(b)) if a == b);
    let context_ok = !w.same_context || time_context(p, last.at) == time_context(p, login.at);
    let logins_ok = match w.max_logins {
        None => true,
        Some(max) => last.logins_since.is_some_and(|n| n < max),
    };
    within && ip_ok && context_ok && logins_ok
}

/// The four times of a remember window's `same_context`, in order of
/// precedence: a holiday, a weekend day, work hours, after hours.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
enum Context {
    Holiday,
    Weekend,
    WorkHours,
    AfterHours,
}

/// What time it is at `at` by the policy's calendar, in its timezone.
fn time_context(p: &Reference, at: Timestamp) -> Context {
    let cal = &p.calendar;
    let local = at.to_zoned_datetime(p.timezone.clone());
    if cal.holidays.contains(&local.date()) {
        return Context::Holiday;
    }
    let day_bit = 1u8 << local.weekday().to_monday_zero_offset();
    if cal.days & day_bit == 0 {
        return Context::Weekend;
    }
    let minute =
        u16::from(local.hour().unsigned_abs()) * 60 + u16::from(local.minute().unsigned_abs());
    if cal.start_minute <= minute && minute < cal.end_minute {
        Context::WorkHours
    } else {
        Context::AfterHours
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    fn checked(text: &str) -> Reference {
        read(text).unwrap_or_else(|e| panic!("{e}"))
    }

    fn at(s: &str) -> Timestamp {
        s.parse().unwrap()
    }

    #[test]
    fn includes_reach_through_chains() {
        let p = checked(
            r#"default { enforcement optional }
               group "a" { includes "b" enforcement required factors totp }
               group "b" { includes "c" }"#,
        );
        let v = decide(
            &p,
            &LoginContext::new("u", at("2026-12-01T00:00:00Z")).groups(&["c"]),
        );
        assert_eq!(
            (v.outcome, v.enforcement),
            (Outcome::Enrol, Level::Required)
        );
    }

    #[test]
    fn grace_runs_from_the_phase_date_and_immediate_wins() {
        let text = r#"precedence most_restrictive
            default { enforcement optional factors totp }
            group "ops" { enforcement required }
            rollout "r" { applies default on 2026-12-01 enforcement required enrolment grace 7d }"#;
        let p = checked(text);
        let login = LoginContext::new("u", at("2026-12-03T00:00:00Z"));
        let v = decide(&p, &login);
        assert_eq!(v.deadline, Some(at("2026-12-08T00:00:00Z")));
        assert_eq!(v.outcome, Outcome::EnrolOrSkip);
        // A group required without a grace is immediate, and wins.
        let v = decide(&p, &login.groups(&["ops"]));
        assert_eq!((v.outcome, v.deadline), (Outcome::Enrol, None));
    }

    #[test]
    fn strengths_built_from_strengths_expand_all_the_way() {
        let p = checked(
            r#"strength phishing_resistant = webauthn
               strength app_based = totp | phishing_resistant
               strength any = sms | app_based
               default { enforcement required factors any }
               group "admins" { factors app_based }"#,
        );
        let login = LoginContext::new("u", at("2026-12-01T00:00:00Z"));
        let want: FactorSet = [Factor::Sms, Factor::Totp, Factor::Webauthn]
            .into_iter()
            .collect();
        assert_eq!(decide(&p, &login).factors, want);
        let admins = decide(&p, &login.groups(&["admins"]));
        assert_eq!(admins.factors, want.without(Factor::Sms));
    }

    #[test]
    fn strengths_in_a_cycle_are_refused() {
        assert!(read("strength a = b\nstrength b = a\ndefault { factors a }").is_err());
    }

    #[test]
    fn phase_dates_are_the_policy_timezone_midnight() {
        let p = checked(
            r#"timezone "Asia/Kolkata"
               default { enforcement optional }
               rollout "r" { applies default on 2026-12-01 enforcement required }"#,
        );
        // Midnight in Kolkata is 18:30 UTC the day before.
        let before = LoginContext::new("u", at("2026-11-30T18:29:59Z"));
        let after = LoginContext::new("u", at("2026-11-30T18:30:00Z"));
        assert_eq!(decide(&p, &before).enforcement, Level::Optional);
        assert_eq!(decide(&p, &after).enforcement, Level::Required);
    }
}
