//! Generators for random well-formed policies and for logins that cluster
//! around the instants where decisions change.
//!
//! A policy is generated as plain choices ([`Spec`]) and rendered to `.mfa`
//! text, so every case goes through the real parser and checker. The choices
//! are constrained so the checker finds no error (warnings are fine): unique
//! subjects, includes only towards later groups (no cycle), privileged
//! groups and break-glass users held `required` outside any rollout, every
//! factor set sharing `totp` or `webauthn` with the default, phases in date
//! order, one rollout per subject, windows and exemptions within their limits.
//!
//! Logins are generated as seeds and turned into contexts once the policy is
//! checked, so their instants can sit on, just before and just after the
//! policy's own phase dates, grace deadlines, exemption ends, remember
//! window ends and holidays.
#![allow(dead_code)]
#![allow(
    clippy::unwrap_used,
    clippy::expect_used,
    clippy::panic,
    clippy::indexing_slicing
)]

use jiff::{civil, SignedDuration, Timestamp};
use mfac::policy::{CheckedPolicy, Enrolment, Remember};
use mfac::{FactorSet, LastMfa, LoginContext};
use proptest::prelude::*;
use std::fmt::Write;
use std::net::IpAddr;

/// "Today" for the checker (exemption limits) and the centre of every date.
pub const TODAY: civil::Date = civil::date(2026, 11, 24);

pub const GROUPS: [&str; 6] = ["g0", "g1", "g2", "g3", "g4", "g5"];
pub const USERS: [&str; 3] = ["u0@x.test", "u1@x.test", "u2@x.test"];
pub const APPS: [&str; 2] = ["a0", "a1"];
const TIMEZONES: [&str; 6] = [
    "UTC",
    "Europe/Berlin",
    "America/New_York",
    "Asia/Kolkata",
    "Australia/Lord_Howe", // a 30-minute DST shift
    "Pacific/Chatham",     // +12:45 / +13:45
];
/// Factor atoms. The first four each contain `totp` or `webauthn`.
const CORE_ATOMS: [&str; 4] = ["webauthn", "totp", "s0", "s1"];
const ATOMS: [&str; 8] = ["webauthn", "totp", "s0", "s1", "sms", "email", "push", "s2"];
const WINDOWS: [&str; 7] = ["10m", "30m", "1h", "90m", "8h", "24h", "1d"];

type WindowSpec = (usize, bool, bool, Option<u8>);

#[derive(Clone, Debug)]
pub struct Fields {
    level: Option<u8>,
    /// Indexes: first into CORE_ATOMS, the rest into ATOMS.
    factors: Option<(usize, Vec<usize>)>,
    /// `Some(None)`: immediate; `Some(Some(d))`: grace of d days.
    enrolment: Option<Option<u8>>,
    /// `Some(None)`: never; else a window: (length index, same_ip, same_context, max_logins).
    remember: Option<Option<WindowSpec>>,
    recovery: bool,
    /// `assurance aal2` or `aal3`.
    assurance: Option<u8>,
}

#[derive(Clone, Debug)]
pub struct RuleSpec {
    fields: Fields,
    /// Groups: privileged. Users: break_glass.
    marked: bool,
    /// Groups only: indexes of later groups it includes.
    includes: Vec<usize>,
    /// Evaluated, never enforced (never on a marked rule).
    report_only: bool,
}

/// A scoped rule, `rule "sK" { for ... in ... except ... }`.
#[derive(Clone, Debug)]
pub struct ScopedSpec {
    /// 0..6 groups, 6..9 users; empty: everyone.
    whom: Vec<usize>,
    /// Into APPS; empty: every app.
    apps: Vec<usize>,
    /// 0..6 groups, 6..9 users, 9..11 apps.
    except: Vec<usize>,
    report_only: bool,
    fields: Fields,
    /// Where it is written: 0 before the group rules, 1 after them, 2 after
    /// the user rules (file order is what `ordered` reads).
    place: u8,
}

#[derive(Clone, Debug)]
pub struct RolloutSpec {
    /// Subjects: 0 default, 1..=6 groups, 7..=9 users, 10..=11 apps.
    applies: Vec<usize>,
    /// (days from TODAY, time form, fields), sorted and de-duplicated when rendered.
    phases: Vec<(i16, u8, Fields)>,
}

#[derive(Clone, Debug)]
pub struct Spec {
    /// 0 `most_restrictive`, 1 `specific`, 2 `ordered`.
    mode: u8,
    tz: usize,
    calendar: Option<(u8, u8, u8, Vec<i16>)>,
    default: Option<Fields>,
    groups: Vec<Option<RuleSpec>>,
    users: Vec<Option<RuleSpec>>,
    apps: Vec<Option<Fields>>,
    exemptions: Vec<(usize, i16, u8)>,
    rollouts: Vec<RolloutSpec>,
    scoped: Vec<ScopedSpec>,
    /// A `bypass` line, rendered only by [`Spec::bypass_line`]: its groups
    /// (indexes into GROUPS; none: anyone) and whether privileged users
    /// may get one.
    bypass: Option<(Vec<usize>, bool)>,
}

fn fields() -> impl Strategy<Value = Fields> {
    (
        prop::option::weighted(
            0.6,
            prop_oneof![1 => Just(0u8), 3 => Just(1u8), 4 => Just(2u8)],
        ),
        prop::option::weighted(
            0.5,
            (
                0..CORE_ATOMS.len(),
                prop::collection::vec(0..ATOMS.len(), 0..3),
            ),
        ),
        prop::option::weighted(0.35, prop::option::weighted(0.8, 1u8..30)),
        prop::option::weighted(
            0.35,
            prop::option::weighted(
                0.8,
                (
                    0..WINDOWS.len(),
                    any::<bool>(),
                    any::<bool>(),
                    prop::option::of(2u8..12),
                ),
            ),
        ),
        prop::bool::weighted(0.15),
        prop::option::weighted(0.1, 2u8..4),
    )
        .prop_map(
            |(level, factors, enrolment, remember, recovery, assurance)| Fields {
                level,
                factors,
                enrolment,
                remember,
                recovery,
                assurance,
            },
        )
}

fn rule(report_only: f64) -> impl Strategy<Value = RuleSpec> {
    (
        fields(),
        prop::bool::weighted(0.15),
        prop::collection::vec(0usize..6, 0..3),
        prop::bool::weighted(report_only),
    )
        .prop_map(|(fields, marked, includes, report_only)| RuleSpec {
            fields,
            marked,
            includes,
            report_only: report_only && !marked,
        })
}

fn scoped() -> impl Strategy<Value = ScopedSpec> {
    (
        prop::collection::vec(0usize..9, 0..3),
        prop::collection::vec(0usize..2, 0..2),
        prop::collection::vec(0usize..11, 0..3),
        prop::bool::weighted(0.25),
        fields(),
        0u8..3,
    )
        .prop_map(
            |(whom, apps, except, report_only, fields, place)| ScopedSpec {
                whom,
                apps,
                except,
                report_only,
                fields,
                place,
            },
        )
}

/// A policy in any precedence mode, with scoped rules, exclusions and
/// report-only rules.
pub fn spec() -> impl Strategy<Value = Spec> {
    (0u8..3).prop_flat_map(|mode| spec_with(mode, true))
}

/// A policy in one precedence mode (`specific` or `most_restrictive`) of
/// the four old kinds of rule only, for the properties of one mode that
/// scoped rules change (an app-bound group rule can loosen in an app):
/// generated so, not filtered, so that a long run never runs out of
/// accepted cases.
pub fn spec_in(specific: bool) -> impl Strategy<Value = Spec> {
    spec_with(u8::from(specific), false)
}

fn spec_with(mode: u8, scoped_rules: bool) -> impl Strategy<Value = Spec> {
    let report_only = if scoped_rules { 0.1 } else { 0.0 };
    let calendar = prop::option::of((
        1u8..128,
        0u8..12,
        1u8..12,
        prop::collection::vec(-20i16..40, 0..3),
    ));
    let subjects = if scoped_rules { 15 } else { 12 };
    let rollout = (
        prop::collection::vec(0usize..subjects, 1..4),
        prop::collection::vec((-30i16..45, 0u8..4, fields()), 1..4),
    )
        .prop_map(|(applies, phases)| RolloutSpec { applies, phases });
    let scoped = prop::collection::vec(scoped(), 0..if scoped_rules { 4 } else { 1 });
    (
        (
            Just(mode),
            0..TIMEZONES.len(),
            calendar,
            prop::option::weighted(0.85, fields()),
        ),
        prop::collection::vec(prop::option::weighted(0.6, rule(report_only)), 6),
        prop::collection::vec(prop::option::weighted(0.4, rule(report_only)), 3),
        prop::collection::vec(prop::option::weighted(0.5, fields()), 2),
        prop::collection::vec((0usize..3, -10i16..29, 0u8..4), 0..3),
        prop::collection::vec(rollout, 0..3),
        (
            scoped,
            prop::option::weighted(
                0.6,
                (prop::collection::vec(0..GROUPS.len(), 0..3), any::<bool>()),
            ),
        ),
    )
        .prop_map(
            move |(
                (mode, tz, calendar, default),
                groups,
                users,
                apps,
                exemptions,
                rollouts,
                (scoped, bypass),
            )| Spec {
                mode,
                tz,
                calendar,
                default,
                groups,
                users,
                apps,
                exemptions,
                rollouts,
                scoped: if scoped_rules { scoped } else { Vec::new() },
                bypass,
            },
        )
        .prop_map(Spec::passkeys_where_demanded)
}

fn date(days: i16) -> civil::Date {
    TODAY
        .checked_add(jiff::Span::new().days(i64::from(days)))
        .unwrap()
}

/// A date in one of four written forms: midnight local, a UTC time, a time
/// with an offset, or a wall-clock time in the policy's timezone (14:45, an
/// hour no zone's daylight-saving change skips or repeats).
fn date_text(days: i16, form: u8) -> String {
    match form {
        0 => date(days).to_string(),
        1 => format!("{}T09:30:00Z", date(days)),
        3 => format!("{}T14:45:00", date(days)),
        _ => format!("{}T23:15:00+05:30", date(days)),
    }
}

fn subject_text(s: usize) -> String {
    match s {
        0 => "default".into(),
        1..=6 => format!("group {:?}", GROUPS[s - 1]),
        7..=9 => format!("user {:?}", USERS[s - 7]),
        10 | 11 => format!("app {:?}", APPS[s - 10]),
        _ => format!("rule \"s{}\"", s - 12),
    }
}

/// `group "g1"`, `user "u0@x.test"` or `app "a0"`: one entry of a scoped
/// rule's lists (0..6 groups, 6..9 users, 9..11 apps).
fn party_text(i: usize) -> String {
    match i {
        0..=5 => format!("members of group {:?}", GROUPS[i]),
        6..=8 => format!("user {:?}", USERS[i - 6]),
        _ => format!("app {:?}", APPS[(i - 9) % 2]),
    }
}

impl Spec {
    /// The policy's helpdesk `bypass` line (empty when it has none), for
    /// the proofs' tests to append to [`Spec::render`]: the other tests
    /// read policies without one.
    pub fn bypass_line(&self) -> String {
        let Some((groups, privileged)) = &self.bypass else {
            return String::new();
        };
        let mut line = "bypass max 8h".to_string();
        let mut names: Vec<&str> = groups.iter().map(|&g| GROUPS[g]).collect();
        names.sort_unstable();
        names.dedup();
        if !names.is_empty() {
            let list: Vec<String> = names.iter().map(|g| format!("group {g:?}")).collect();
            write!(line, " for {}", list.join(", ")).unwrap();
        }
        if *privileged {
            line.push_str(" privileged");
        }
        line.push('\n');
        line
    }

    /// Where any rule demands AAL3, every factor list keeps webauthn (the
    /// core atom `totp` becomes `s1`, totp or a passkey): a rule or phase
    /// that narrows to no factor at all does not check (E013), and the
    /// generator promises policies that do.
    fn passkeys_where_demanded(mut self) -> Spec {
        let mut all: Vec<&mut Fields> = Vec::new();
        all.extend(self.default.as_mut());
        all.extend(self.groups.iter_mut().flatten().map(|r| &mut r.fields));
        all.extend(self.users.iter_mut().flatten().map(|r| &mut r.fields));
        all.extend(self.apps.iter_mut().flatten());
        all.extend(
            self.rollouts
                .iter_mut()
                .flat_map(|r| r.phases.iter_mut().map(|p| &mut p.2)),
        );
        all.extend(self.scoped.iter_mut().map(|r| &mut r.fields));
        if all.iter().any(|f| f.assurance == Some(3)) {
            for f in all {
                if let Some((core @ 1, _)) = &mut f.factors {
                    *core = 3;
                }
            }
        }
        self
    }

    /// The subjects that are in some rollout (first rollout wins a subject;
    /// later ones drop it, so no subject is in two), and marked rules
    /// (privileged, break_glass) are kept out of rollouts.
    fn rollout_subjects(&self) -> Vec<Vec<usize>> {
        let mut taken = [false; 15];
        // A rollout of a scoped rule the policy lacks is an error (E032).
        for k in self.scoped.len()..3 {
            taken[12 + k] = true;
        }
        for (g, r) in self.groups.iter().enumerate() {
            if r.as_ref().is_some_and(|r| r.marked) {
                taken[1 + g] = true;
            }
        }
        for (u, r) in self.users.iter().enumerate() {
            if r.as_ref().is_some_and(|r| r.marked) {
                taken[7 + u] = true;
            }
        }
        self.rollouts
            .iter()
            .map(|r| {
                let mut mine = Vec::new();
                for &s in &r.applies {
                    if !taken[s] {
                        taken[s] = true;
                        mine.push(s);
                    }
                }
                mine
            })
            .collect()
    }

    /// The groups whose rule W002 judges: each with a rule (its own, or
    /// one a rollout creates), neither privileged nor including another.
    pub fn plain_groups(&self) -> Vec<usize> {
        let in_rollout: Vec<usize> = self.rollout_subjects().concat();
        (0..GROUPS.len())
            .filter(|&g| match &self.groups[g] {
                Some(r) => !r.marked && !r.report_only && !r.includes.iter().any(|&i| i > g),
                None => in_rollout.contains(&(1 + g)),
            })
            .collect()
    }

    /// The same policy without group `g`'s rule: not written, and in no
    /// rollout.
    pub fn without_group(&self, g: usize) -> Spec {
        let mut s = self.clone();
        s.groups[g] = None;
        for r in &mut s.rollouts {
            r.applies.retain(|&x| x != 1 + g);
        }
        s
    }

    pub fn render(&self) -> String {
        let mut s = String::new();
        let mode = ["most_restrictive", "specific", "ordered"][usize::from(self.mode)];
        writeln!(s, "precedence {mode}").unwrap();
        writeln!(s, "timezone {:?}", TIMEZONES[self.tz]).unwrap();
        writeln!(s, "strength s0 = webauthn").unwrap();
        writeln!(s, "strength s1 = totp | s0").unwrap();
        writeln!(s, "strength s2 = sms | email | push").unwrap();
        if let Some((days, start, len, holidays)) = &self.calendar {
            let names = ["mon", "tue", "wed", "thu", "fri", "sat", "sun"];
            let list: Vec<&str> = (0..7)
                .filter(|i| days & (1 << i) != 0)
                .map(|i| names[i])
                .collect();
            let (a, b) = (6 + start, (6 + start + len).min(23));
            write!(
                s,
                "calendar {{ work_hours {} {a:02}:00-{b:02}:30",
                list.join(", ")
            )
            .unwrap();
            let mut holidays = holidays.clone();
            holidays.sort_unstable();
            holidays.dedup();
            for h in holidays {
                write!(s, " holiday {}", date(h)).unwrap();
            }
            writeln!(s, " }}").unwrap();
        }
        if let Some(f) = &self.default {
            writeln!(s, "default {{ {} }}", fields_text(f, true)).unwrap();
        }
        // A policy with no rule at all does not check (E028): give the
        // generator's empty draws an empty default, which changes nothing.
        let no_rule = self.default.is_none()
            && self.groups.iter().all(Option::is_none)
            && self.users.iter().all(Option::is_none)
            && self.apps.iter().all(Option::is_none)
            && self.rollouts.is_empty();
        if no_rule {
            writeln!(s, "default {{ }}").unwrap();
        }
        // Marked rules first: under `ordered` an earlier rule would win
        // their enforcement, and a privileged group or break-glass user must
        // be held `required` by its own rule.
        for marked_pass in [true, false] {
            if !marked_pass {
                self.render_scoped(&mut s, 0);
            }
            for (g, r) in self.groups.iter().enumerate() {
                let Some(r) = r.as_ref().filter(|r| r.marked == marked_pass) else {
                    continue;
                };
                writeln!(s, "{}", self.group_text(g, r)).unwrap();
            }
            if !marked_pass {
                self.render_scoped(&mut s, 1);
            }
            for (u, r) in self.users.iter().enumerate() {
                let Some(r) = r.as_ref().filter(|r| r.marked == marked_pass) else {
                    continue;
                };
                let mark = if r.marked { "break_glass " } else { "" };
                let report = if r.report_only { "report_only " } else { "" };
                let body = fields_text(&marked(&r.fields, r.marked), false);
                writeln!(s, "user {:?} {{ {mark}{report}{body} }}", USERS[u]).unwrap();
            }
        }
        self.render_scoped(&mut s, 2);
        for (a, f) in self.apps.iter().enumerate() {
            if let Some(f) = f {
                writeln!(s, "app {:?} {{ {} }}", APPS[a], fields_text(f, false)).unwrap();
            }
        }
        for (u, days, form) in &self.exemptions {
            writeln!(
                s,
                "exempt user {:?} until {} reason \"generated\" ticket \"T-{days}\"",
                USERS[*u],
                date_text(*days, *form)
            )
            .unwrap();
        }
        for (i, (r, subjects)) in self
            .rollouts
            .iter()
            .zip(self.rollout_subjects())
            .enumerate()
        {
            if subjects.is_empty() {
                continue;
            }
            let names: Vec<String> = subjects.iter().map(|&x| subject_text(x)).collect();
            let is_default = subjects.contains(&0);
            writeln!(s, "rollout \"r{i}\" {{ applies {}", names.join(", ")).unwrap();
            let mut phases = r.phases.clone();
            phases.sort_by_key(|p| p.0);
            // Two days apart at least: the written time and offset move an
            // instant by less than that, so the instants stay in order.
            let mut last = i16::MIN;
            phases.retain(|p| {
                let keep = p.0 >= last.saturating_add(2);
                if keep {
                    last = p.0;
                }
                keep
            });
            for (days, form, f) in &phases {
                writeln!(
                    s,
                    "  on {} {}",
                    date_text(*days, *form),
                    fields_text(f, is_default)
                )
                .unwrap();
            }
            writeln!(s, "}}").unwrap();
        }
        s
    }
}

impl Spec {
    fn group_text(&self, g: usize, r: &RuleSpec) -> String {
        let mut body = String::new();
        if r.marked {
            body.push_str("privileged ");
        }
        if r.report_only {
            body.push_str("report_only ");
        }
        let inc: Vec<String> = r
            .includes
            .iter()
            .filter(|&&i| i > g)
            .map(|&i| format!("{:?}", GROUPS[i]))
            .collect();
        if !inc.is_empty() {
            write!(body, "includes {} ", inc.join(", ")).unwrap();
        }
        body.push_str(&fields_text(&marked(&r.fields, r.marked), false));
        format!("group {:?} {{ {body} }}", GROUPS[g])
    }

    /// The scoped rules written at `place`.
    fn render_scoped(&self, s: &mut String, place: u8) {
        for (k, r) in self.scoped.iter().enumerate() {
            if r.place != place {
                continue;
            }
            let mut whom: Vec<usize> = r.whom.clone();
            whom.sort_unstable();
            whom.dedup();
            let whom: Vec<String> = whom.iter().map(|&i| party_text(i)).collect();
            let whom = if whom.is_empty() {
                "everyone".to_string()
            } else {
                whom.join(", ")
            };
            writeln!(s, "rule \"s{k}\" {{\n  for {whom}").unwrap();
            let mut apps = r.apps.clone();
            apps.sort_unstable();
            apps.dedup();
            if !apps.is_empty() {
                let apps: Vec<String> =
                    apps.iter().map(|&a| format!("app {:?}", APPS[a])).collect();
                writeln!(s, "  in {}", apps.join(", ")).unwrap();
            }
            for &e in &r.except {
                writeln!(s, "  except {}", party_text(e)).unwrap();
            }
            if r.report_only {
                writeln!(s, "  report_only").unwrap();
            }
            writeln!(s, "  {}\n}}", fields_text(&r.fields, false)).unwrap();
        }
    }
}

/// A privileged group or break-glass user must be required by its own rule.
fn marked(f: &Fields, marked: bool) -> Fields {
    let mut f = f.clone();
    if marked {
        f.level = Some(2);
    }
    f
}

fn fields_text(f: &Fields, is_default: bool) -> String {
    let mut parts = Vec::new();
    if let Some(l) = f.level {
        parts.push(format!(
            "enforcement {}",
            ["off", "optional", "required"][l as usize]
        ));
    }
    if let Some((core, rest)) = &f.factors {
        // The default always allows totp and webauthn, so no rule's factors
        // are disjoint from it.
        let mut atoms = vec![if is_default { "s1" } else { CORE_ATOMS[*core] }];
        atoms.extend(rest.iter().map(|&i| ATOMS[i]));
        atoms.dedup();
        parts.push(format!("factors {}", atoms.join(" | ")));
    }
    match f.enrolment {
        Some(None) => parts.push("enrolment immediate".into()),
        Some(Some(d)) => parts.push(format!("enrolment grace {d}d")),
        None => {}
    }
    match &f.remember {
        Some(None) => parts.push("remember never".into()),
        Some(Some((w, ip, ctx, max))) => {
            let mut r = format!("remember {}", WINDOWS[*w]);
            if *ip {
                r.push_str(" same_ip");
            }
            if *ctx {
                r.push_str(" same_context");
            }
            if let Some(m) = max {
                write!(r, " max_logins {m}").unwrap();
            }
            parts.push(r);
        }
        None => {}
    }
    if f.recovery {
        parts.push("recovery backup_code".into());
    }
    // Not on the default rule: it keeps totp, so that no rule's factors
    // are disjoint from it.
    if let Some(a) = f.assurance.filter(|_| !is_default) {
        parts.push(format!("assurance aal{a}"));
    }
    parts.join(" ")
}

/// Choices for one login, turned into a context by [`login`].
#[derive(Clone, Debug)]
pub struct LoginSeed {
    user: usize,
    groups: Vec<usize>,
    app: usize,
    edge: usize,
    offset: usize,
    random_secs: i64,
    enrolled: u8,
    ip: u8,
    last: Option<(usize, i64, u8, Option<u8>)>,
}

pub fn login_seed() -> impl Strategy<Value = LoginSeed> {
    (
        0usize..4,
        prop::collection::vec(0usize..7, 0..4),
        0usize..4,
        any::<usize>(),
        0usize..8,
        -3 * 86_400i64..3 * 86_400,
        prop_oneof![1 => Just(0u8), 2 => 0u8..64],
        0u8..3,
        prop::option::weighted(
            0.7,
            (0usize..6, 0i64..200_000, 0u8..3, prop::option::of(0u8..14)),
        ),
    )
        .prop_map(
            |(user, groups, app, edge, offset, random_secs, enrolled, ip, last)| LoginSeed {
                user,
                groups,
                app,
                edge,
                offset,
                random_secs,
                enrolled,
                ip,
                last,
            },
        )
}

/// Every instant of the policy where a decision may change: phase dates,
/// grace deadlines, exemption ends, holiday midnights, plus today.
pub fn edges(p: &CheckedPolicy) -> Vec<Timestamp> {
    let mut v = vec![p.midnight(TODAY)];
    for r in &p.rollouts {
        for ph in &r.phases {
            v.push(ph.at);
            if let Some(e) = ph.fields.enrolment {
                if let Enrolment::Grace(secs) = e.value {
                    v.extend(ph.at.checked_add(SignedDuration::from_secs(secs)).ok());
                }
            }
        }
    }
    v.extend(p.exemptions.iter().filter_map(|e| e.until.map(|u| u.value)));
    v.extend(p.calendar.holidays.iter().map(|d| p.midnight(*d)));
    // Where work hours start and end, on the days around today, for
    // `same_context`.
    for day in -3..10 {
        let midnight = p.midnight(date(day));
        for minutes in [p.calendar.start, p.calendar.end] {
            let secs = i64::from(minutes) * 60;
            v.extend(midnight.checked_add(SignedDuration::from_secs(secs)).ok());
        }
    }
    v
}

/// Remember window lengths the policy uses, for last-MFA times on their edges.
fn windows(p: &CheckedPolicy) -> Vec<i64> {
    let mut v = vec![600];
    let all = p.rules.iter().map(|r| &r.fields).chain(
        p.rollouts
            .iter()
            .flat_map(|r| r.phases.iter().map(|ph| &ph.fields)),
    );
    for f in all {
        if let Some(Remember::Window(w)) = f.remember.map(|r| r.value) {
            v.push(w.seconds);
        }
    }
    v
}

/// Owned parts of a login context (the context borrows from these).
pub struct Login {
    pub user: &'static str,
    pub groups: Vec<&'static str>,
    pub app: Option<&'static str>,
    pub at: Timestamp,
    pub ip: Option<IpAddr>,
    pub enrolled: FactorSet,
    pub last: Option<LastMfa>,
}

impl Login {
    pub fn context(&self) -> LoginContext<'_> {
        LoginContext::new(self.user, self.at)
            .groups(&self.groups)
            .app(self.app)
            .ip(self.ip)
            .enrolled_set(self.enrolled)
            .last_mfa(self.last)
    }
}

pub fn login(p: &CheckedPolicy, seed: &LoginSeed) -> Login {
    let edges = edges(p);
    let base = edges[seed.edge % edges.len()];
    let offset = match seed.offset {
        0 => -1,
        1 => 0,
        2 => 1,
        3 => -3_600,
        4 => 3_600,
        _ => seed.random_secs,
    };
    let at = base
        .checked_add(SignedDuration::from_secs(offset))
        .unwrap_or(base);
    let ips: [Option<IpAddr>; 3] = [
        Some("10.0.0.1".parse().unwrap()),
        Some("10.0.0.2".parse().unwrap()),
        None,
    ];
    let ip = ips[seed.ip as usize % 3];
    let last = seed.last.map(|(kind, random, last_ip, logins)| {
        let ws = windows(p);
        let w = ws[random as usize % ws.len()];
        // Just inside, on, and just past a window's end; random; in the future.
        let ago = match kind {
            0 => w - 1,
            1 => w,
            2 => w + 1,
            3 => 1,
            4 => -60,
            _ => random,
        };
        LastMfa {
            at: at.checked_sub(SignedDuration::from_secs(ago)).unwrap_or(at),
            ip: ips[last_ip as usize % 3],
            logins_since: logins.map(u32::from),
            aal: None,
        }
    });
    let mut groups: Vec<&'static str> = seed
        .groups
        .iter()
        .map(|&g| GROUPS.get(g).copied().unwrap_or("not-in-policy"))
        .collect();
    groups.dedup();
    Login {
        user: USERS.get(seed.user).copied().unwrap_or("nobody@x.test"),
        groups,
        app: match seed.app {
            0 => None,
            1 => Some(APPS[0]),
            2 => Some(APPS[1]),
            _ => Some("unknown-app"),
        },
        at,
        ip,
        enrolled: FactorSet::from_bits(seed.enrolled).unwrap(),
        last,
    }
}
