//! The reference's own reading of a policy: from the syntax tree, not from
//! the checker's resolved policy. Strengths (built from strengths too),
//! rollout targets, phase instants, exemption ends and the calendar are
//! worked out here from the design's words, so a mistake in the checker's
//! resolution shows up as a disagreement rather than being copied.
//!
//! It reads policies the checker accepted: where a policy is wrong in a way
//! the checker refuses (a cycle of strengths, an unknown factor, an
//! ambiguous wall-clock time), it gives an error rather than a guess.

use jiff::civil::{Date, DateTime};
use jiff::tz::TimeZone;
use jiff::Timestamp;
use mfac_core::policy::{Enrolment, Factor, FactorSet, Field, Level, Remember, Window};
use mfac_core::source::SourceFile;
use mfac_core::time::When;
use mfac_lang::syntax::{
    self, EnrolmentSyntax, FactorExpr, FieldValue, Item, Party, PrecedenceMode, RememberSyntax,
    Subject, ValueSyntax,
};
use std::collections::BTreeMap;

/// The fields one rule or rollout phase writes, as written.
#[derive(Clone, Copy, Debug, Default)]
pub(crate) struct Written {
    pub enforcement: Option<Level>,
    pub factors: Option<FactorSet>,
    pub recovery: bool,
    pub remember: Option<Remember>,
    pub enrolment: Option<Enrolment>,
    /// `assurance aal2|aal3`, as its number.
    pub assurance: Option<u8>,
}

/// Whom and where a rule applies, as the design of scoped rules words it: `for` these
/// users and members of these groups (neither: everyone), `in` these apps
/// (none: every app), `except` these users, members of these groups and
/// apps. `default`, `group`, `user` and `app` rules are written so.
#[derive(Clone, Debug, Default, PartialEq, Eq)]
pub(crate) struct RefScope {
    pub users: Vec<String>,
    pub groups: Vec<String>,
    pub apps: Vec<String>,
    pub except_users: Vec<String>,
    pub except_groups: Vec<String>,
    pub except_apps: Vec<String>,
}

impl RefScope {
    fn of(s: &Subject) -> RefScope {
        let one = |n: &String| vec![n.clone()];
        match s {
            Subject::Default => RefScope::default(),
            Subject::Group(g) => RefScope {
                groups: one(g),
                ..RefScope::default()
            },
            Subject::User(u) => RefScope {
                users: one(u),
                ..RefScope::default()
            },
            Subject::App(a) => RefScope {
                apps: one(a),
                ..RefScope::default()
            },
            // Written in the body: see `body_scope`.
            Subject::Rule(_) => RefScope::default(),
        }
    }

    /// A scoped rule's scope from its body's `for`, `in` and `except`.
    fn body(fields: &[syntax::Field]) -> RefScope {
        let mut s = RefScope::default();
        for f in fields {
            match &f.value {
                FieldValue::For(list) => {
                    for p in list {
                        match &p.value {
                            Party::User(u) => s.users.push(u.clone()),
                            Party::Group(g) => s.groups.push(g.clone()),
                            Party::App(_) => {}
                        }
                    }
                }
                FieldValue::InApps(list) => s.apps.extend(list.iter().map(|a| a.value.clone())),
                FieldValue::Except(list) => {
                    for p in list {
                        match &p.value {
                            Party::User(u) => s.except_users.push(u.clone()),
                            Party::Group(g) => s.except_groups.push(g.clone()),
                            Party::App(a) => s.except_apps.push(a.clone()),
                        }
                    }
                }
                _ => {}
            }
        }
        s
    }
}

/// One rule: who it is for, what it says, and the phases that rewrite it.
#[derive(Clone, Debug)]
pub(crate) struct RefRule {
    pub scope: RefScope,
    /// A scoped rule's name: how a rollout names it.
    pub name: Option<String>,
    /// Evaluated, never enforced.
    pub report_only: bool,
    /// `privileged` on a group, `break_glass` on a user.
    pub marked: bool,
    pub includes: Vec<String>,
    pub written: Written,
    /// (instant, fields) of every phase of every rollout naming the subject.
    pub phases: Vec<(Timestamp, Written)>,
}

/// Work hours and holidays, as the calendar says (the design's default
/// without one: weekdays 09:00 to 17:00).
#[derive(Clone, Debug)]
pub(crate) struct RefCalendar {
    /// Bit 0 is Monday.
    pub days: u8,
    pub start_minute: u16,
    pub end_minute: u16,
    pub holidays: Vec<Date>,
}

/// A policy as the reference reads it.
#[derive(Clone, Debug)]
pub struct Reference {
    pub(crate) mode: PrecedenceMode,
    pub(crate) timezone: TimeZone,
    pub(crate) calendar: RefCalendar,
    pub(crate) rules: Vec<RefRule>,
    /// (user, end) of every exemption.
    pub(crate) exemptions: Vec<(String, Timestamp)>,
    /// `bypass max ... [for group ...] [privileged]`: (its groups, empty
    /// for anyone; whether privileged users may get one).
    pub(crate) bypass: Option<(Vec<String>, bool)>,
}

/// Read policy text the checker accepted.
pub fn read(text: &str) -> Result<Reference, String> {
    let tree = syntax::parse(&SourceFile::new("reference.mfa", text))
        .map_err(|e| format!("{} syntax errors", e.len()))?;
    let timezone = tree
        .items
        .iter()
        .find_map(|i| match i {
            Item::Timezone(tz) => Some(TimeZone::get(&tz.value).map_err(|e| e.to_string())),
            _ => None,
        })
        .unwrap_or(Ok(TimeZone::UTC))?;
    let strengths: BTreeMap<&str, &FactorExpr> = tree
        .items
        .iter()
        .filter_map(|i| match i {
            Item::Strength(s) => Some((s.name.value.as_str(), &s.set)),
            _ => None,
        })
        .collect();
    let mut r = Reference {
        mode: PrecedenceMode::MostRestrictive,
        calendar: RefCalendar {
            days: 0b001_1111,
            start_minute: 9 * 60,
            end_minute: 17 * 60,
            holidays: Vec::new(),
        },
        timezone,
        rules: Vec::new(),
        exemptions: Vec::new(),
        bypass: None,
    };
    for item in &tree.items {
        match item {
            Item::Precedence(m) => r.mode = m.value,
            Item::Calendar(c) => {
                if let Some(w) = c.work_hours.first() {
                    r.calendar.days = w.days;
                    r.calendar.start_minute = w.start.value;
                    r.calendar.end_minute = w.end.value;
                }
                r.calendar.holidays = c.holidays.iter().map(|h| h.value).collect();
            }
            Item::Rule(rule) => {
                let mut includes = Vec::new();
                let written = written(&rule.fields, &strengths, Some(&mut includes))?;
                let marked = rule
                    .fields
                    .iter()
                    .any(|f| matches!(f.value, FieldValue::Privileged | FieldValue::BreakGlass));
                let (scope, name) = match &rule.subject.value {
                    Subject::Rule(n) => (RefScope::body(&rule.fields), Some(n.clone())),
                    s => (RefScope::of(s), None),
                };
                let report_only = rule
                    .fields
                    .iter()
                    .any(|f| matches!(f.value, FieldValue::ReportOnly));
                r.rules.push(RefRule {
                    scope,
                    name,
                    report_only,
                    marked,
                    includes,
                    written,
                    phases: Vec::new(),
                });
            }
            Item::Bypass(b) => {
                let groups = b.groups.iter().map(|g| g.value.clone()).collect();
                r.bypass = Some((groups, b.privileged.is_some()));
            }
            Item::Exempt(e) => {
                let until = e.until.as_ref().ok_or("an exemption without `until`")?;
                let end = instant(until.value, &r.timezone)?;
                r.exemptions.push((e.user.value.clone(), end));
            }
            _ => {}
        }
    }
    // Rollouts last: a subject with no rule of its own gets an empty one.
    for item in &tree.items {
        let Item::Rollout(rollout) = item else {
            continue;
        };
        for phase in &rollout.phases {
            let at = instant(phase.at.value, &r.timezone)?;
            let fields = written(&phase.fields, &strengths, None)?;
            for subject in &rollout.subjects {
                let scope = RefScope::of(&subject.value);
                let found = match &subject.value {
                    Subject::Rule(n) => r.rules.iter().position(|x| x.name.as_ref() == Some(n)),
                    _ => r
                        .rules
                        .iter()
                        .position(|x| x.name.is_none() && x.scope == scope),
                };
                let rule = match found {
                    Some(i) => i,
                    None if matches!(subject.value, Subject::Rule(_)) => {
                        return Err("a rollout of a scoped rule the policy lacks".into())
                    }
                    None => {
                        r.rules.push(RefRule {
                            scope,
                            name: None,
                            report_only: false,
                            marked: false,
                            includes: Vec::new(),
                            written: Written::default(),
                            phases: Vec::new(),
                        });
                        r.rules.len() - 1
                    }
                };
                if let Some(x) = r.rules.get_mut(rule) {
                    x.phases.push((at, fields));
                }
            }
        }
    }
    Ok(r)
}

/// The fields a rule body or a phase writes; `includes` go to `includes`.
fn written(
    fields: &[syntax::Field],
    strengths: &BTreeMap<&str, &FactorExpr>,
    mut includes: Option<&mut Vec<String>>,
) -> Result<Written, String> {
    let mut w = Written::default();
    for f in fields {
        match &f.value {
            FieldValue::Setting(field, value) => set(&mut w, *field, value, strengths)?,
            FieldValue::Includes(names) => {
                if let Some(out) = includes.as_deref_mut() {
                    out.extend(names.iter().map(|n| n.value.clone()));
                }
            }
            FieldValue::Privileged
            | FieldValue::BreakGlass
            | FieldValue::For(_)
            | FieldValue::InApps(_)
            | FieldValue::Except(_)
            | FieldValue::ReportOnly => {}
        }
    }
    Ok(w)
}

/// One field of the catalogue, by hand: a match on every field, so that a
/// field added to the catalogue does not compile here until the reference
/// reads it.
fn set(
    w: &mut Written,
    field: Field,
    value: &ValueSyntax,
    strengths: &BTreeMap<&str, &FactorExpr>,
) -> Result<(), String> {
    let wrong = || format!("`{}` with a value of another shape", field.keyword());
    match (field, value) {
        (Field::Enforcement, ValueSyntax::Level(l)) => w.enforcement = Some(*l),
        (Field::Factors, ValueSyntax::Factors(e)) => w.factors = Some(factor_set(e, strengths, 0)?),
        (Field::Recovery, ValueSyntax::Word(_)) => w.recovery = true,
        (Field::Assurance, ValueSyntax::Assurance(a)) => w.assurance = Some(a.number()),
        (Field::Enrolment, ValueSyntax::Enrolment(EnrolmentSyntax::Immediate)) => {
            w.enrolment = Some(Enrolment::Immediate)
        }
        (Field::Enrolment, ValueSyntax::Enrolment(EnrolmentSyntax::Grace(d))) => {
            w.enrolment = Some(Enrolment::Grace(d.value))
        }
        (Field::Remember, ValueSyntax::Remember(RememberSyntax::Never)) => {
            w.remember = Some(Remember::Never)
        }
        (
            Field::Remember,
            ValueSyntax::Remember(RememberSyntax::Window {
                duration,
                same_ip,
                same_context,
                max_logins,
            }),
        ) => {
            let max_logins = match max_logins {
                Some(n) => Some(u32::try_from(n.value).map_err(|e| e.to_string())?),
                None => None,
            };
            w.remember = Some(Remember::Window(Window {
                seconds: duration.value,
                same_ip: same_ip.is_some(),
                same_context: same_context.is_some(),
                max_logins,
            }));
        }
        (
            Field::Enforcement
            | Field::Factors
            | Field::Recovery
            | Field::Assurance
            | Field::Enrolment
            | Field::Remember,
            _,
        ) => return Err(wrong()),
    }
    Ok(())
}

/// `a | b | strength`: the union of the factors and of what each strength
/// stands for, strengths expanded as deep as they go.
fn factor_set(
    e: &FactorExpr,
    strengths: &BTreeMap<&str, &FactorExpr>,
    depth: usize,
) -> Result<FactorSet, String> {
    if depth > strengths.len() {
        return Err("strengths that name each other in a cycle".into());
    }
    let mut set = FactorSet::EMPTY;
    for name in &e.names {
        let n = name.value.as_str();
        let more = match (
            Factor::ALL.into_iter().find(|f| f.name() == n),
            strengths.get(n),
        ) {
            (Some(f), _) => FactorSet::single(f),
            (None, Some(inner)) => factor_set(inner, strengths, depth + 1)?,
            (None, None) => return Err(format!("no factor or strength `{n}`")),
        };
        set = set.union(more);
    }
    Ok(set)
}

/// A written date or time as an instant in the policy's timezone: a date is
/// the day's first instant (its midnight; the end of a gap that swallows
/// midnight; the first of two midnights); a wall-clock time must name
/// exactly one instant.
fn instant(when: When, tz: &TimeZone) -> Result<Timestamp, String> {
    match when {
        When::Instant(t) => Ok(t),
        When::Date(d) => tz
            .to_ambiguous_zoned_datetime(d.to_datetime(jiff::civil::Time::midnight()))
            .compatible()
            .map(|z| z.timestamp())
            .map_err(|e| e.to_string()),
        When::Local(dt) => one_instant(dt, tz),
    }
}

fn one_instant(dt: DateTime, tz: &TimeZone) -> Result<Timestamp, String> {
    tz.to_ambiguous_timestamp(dt)
        .unambiguous()
        .map_err(|e| e.to_string())
}

#[cfg(test)]
mod tests {
    use super::*;

    /// The reader is written by hand, so a field added to the catalogue
    /// must be added here too: the catalogue's example of each field must
    /// come through it.
    #[test]
    fn the_reference_reads_every_declared_field() {
        for &field in Field::ALL {
            let text = format!("default {{ {} }}", field.example());
            let r = read(&text).unwrap_or_else(|e| panic!("{text}: {e}"));
            let w = r.rules.first().map(|r| r.written).unwrap_or_default();
            let set = match field {
                Field::Enforcement => w.enforcement.is_some(),
                Field::Factors => w.factors.is_some(),
                Field::Recovery => w.recovery,
                Field::Remember => w.remember.is_some(),
                Field::Enrolment => w.enrolment.is_some(),
                Field::Assurance => w.assurance == Some(3),
            };
            assert!(set, "{field:?} from `{text}`");
        }
    }
}
