//! Syntax tree to checked policy: resolve names, turn dates into instants in
//! the policy's timezone, and report what cannot be resolved.

use super::checks::remember_range;
use super::codes;
use crate::diagnostic::Diagnostic;
use crate::policy::*;
use crate::source::{SourceFile, Span};
use crate::syntax::{self as syn, DateLit, FieldValue, Item, PrecedenceMode};
use jiff::{tz::TimeZone, Timestamp};
use petgraph::graph::DiGraph;
use rustc_hash::FxHashMap;

mod assertions;
mod comply;
mod declarations;
mod values;

const DEFAULT_MAX_EXEMPTION: i64 = 30 * 86_400;

/// The profile `mfac check --profile TEXT` applies, or why it cannot:
/// the same text as a `comply` line, resolved the same way.
pub fn profile_arg(text: &str) -> Result<crate::profiles::Applied, String> {
    let decl = syn::profile_arg(text)?;
    let mut r = Resolver {
        errors: Vec::new(),
        strengths: FxHashMap::default(),
        declared: FxHashMap::default(),
    };
    match (r.comply(&decl), r.errors.first()) {
        (Some(a), None) => Ok(a),
        (_, Some(e)) => Err(format!("{} ({})", e.message, e.help)),
        (None, None) => Err("not a profile".to_string()),
    }
}

/// The factor kinds each strength of `tree` stands for, resolved as the
/// checker resolves them (through the strengths it names; one in a cycle,
/// or naming an unknown factor, has none): for an editor's hover, which
/// reads a file that may not check.
pub fn strengths(tree: &syn::PolicyFile) -> Vec<crate::policy::Strength> {
    let mut r = Resolver {
        errors: Vec::new(),
        strengths: FxHashMap::default(),
        declared: FxHashMap::default(),
    };
    let decls: Vec<&syn::StrengthDecl> = tree
        .items
        .iter()
        .filter_map(|i| match i {
            Item::Strength(s) => Some(s),
            _ => None,
        })
        .collect();
    r.resolve_strengths(&decls)
}

pub(super) fn resolve(
    source: &SourceFile,
    tree: &syn::PolicyFile,
) -> (CheckedPolicy, Vec<Diagnostic>) {
    let mut r = Resolver {
        errors: Vec::new(),
        strengths: FxHashMap::default(),
        declared: FxHashMap::default(),
    };
    let mut policy = CheckedPolicy {
        source: source.clone(),
        precedence: Precedence::MostRestrictive,
        timezone: TimeZone::UTC,
        timezone_name: "UTC".to_string(),
        max_exemption: DEFAULT_MAX_EXEMPTION,
        max_remember: remember_range::MAX,
        calendar: Calendar::default(),
        strengths: Vec::new(),
        rules: Vec::new(),
        exemptions: Vec::new(),
        bypass: None,
        rollouts: Vec::new(),
        assertions: Vec::new(),
        compliance: Vec::new(),
    };

    declarations(&mut r, tree, &mut policy);
    let mut by_subject = rules(&mut r, source, tree, &mut policy);
    for item in &tree.items {
        if let Item::Rollout(decl) = item {
            rollout(&mut r, decl, &mut policy, &mut by_subject);
        }
    }
    for item in &tree.items {
        match item {
            Item::Assert(a) => {
                let assertion = r.assertion(a, &policy);
                policy.assertions.push(assertion);
            }
            Item::Comply(c) => {
                if let Some(applied) = r.comply(c) {
                    policy.compliance.push((applied, c.span));
                }
            }
            _ => {}
        }
    }
    (policy, r.errors)
}

/// The declarations, first: dates need the timezone, rules need the
/// strengths.
fn declarations(r: &mut Resolver, tree: &syn::PolicyFile, policy: &mut CheckedPolicy) {
    let mut strength_decls = Vec::new();
    for item in &tree.items {
        match item {
            Item::Precedence(p) if r.declare("precedence", p.span) => {
                policy.precedence = match p.value {
                    PrecedenceMode::MostRestrictive => Precedence::MostRestrictive,
                    PrecedenceMode::Specific => Precedence::Specific,
                    PrecedenceMode::Ordered => Precedence::Ordered,
                };
            }
            Item::Timezone(tz) if r.declare("timezone", tz.span) => {
                match TimeZone::get(&tz.value) {
                    Ok(zone) => {
                        policy.timezone = zone;
                        policy.timezone_name = tz.value.clone();
                    }
                    Err(_) => r.errors.push(
                        Diagnostic::new(
                            &codes::UNKNOWN_TIMEZONE,
                            tz.span,
                            format!("unknown timezone `{}`", tz.value),
                        )
                        .label("not an IANA timezone name"),
                    ),
                }
            }
            Item::MaxExemption(d) if r.declare("max_exemption", d.span) => {
                policy.max_exemption = d.value;
            }
            Item::Bypass(b) if r.declare("bypass", b.span) => {
                policy.bypass = Some(crate::policy::Bypass {
                    max: b.max.value,
                    groups: b
                        .groups
                        .iter()
                        .map(|g| At {
                            value: g.value.clone(),
                            span: g.span,
                        })
                        .collect(),
                    privileged: b.privileged.is_some(),
                    span: b.span,
                });
            }
            Item::MaxRemember(d) if r.declare("max_remember", d.span) => {
                match remember_range::max_remember_problem(d.value) {
                    None => policy.max_remember = d.value,
                    Some(problem) => r.errors.push(
                        Diagnostic::new(&codes::INVALID_VALUE, d.span, problem)
                            .label("out of range")
                            .help(
                                "give `max_remember` from `10m` to `365d`, e.g. `max_remember 14d`",
                            ),
                    ),
                }
            }
            Item::Calendar(c) if r.declare("calendar", c.span) => {
                policy.calendar = r.calendar(c);
            }
            Item::Strength(s) => strength_decls.push(s),
            _ => {}
        }
    }
    policy.strengths = r.resolve_strengths(&strength_decls);
}

/// The rules and exemptions, in file order; each rule by its head (a
/// scoped rule by its name, the others by their scope).
fn rules(
    r: &mut Resolver,
    source: &SourceFile,
    tree: &syn::PolicyFile,
    policy: &mut CheckedPolicy,
) -> FxHashMap<syn::Subject, RuleId> {
    let mut by_subject: FxHashMap<syn::Subject, RuleId> = FxHashMap::default();
    for item in &tree.items {
        match item {
            Item::Rule(decl) => {
                if let Some(&first) = by_subject.get(&decl.subject.value) {
                    let first_span = policy.rules.get(first).map(|r| r.span).unwrap_or_default();
                    let mut d = Diagnostic::new(
                        &codes::DUPLICATE_RULE,
                        decl.subject.span,
                        format!("second rule for {}", decl.subject.value),
                    )
                    .label("second rule")
                    .related(first_span, "first rule here");
                    if spelt_apart(source, decl.subject.span, first_span) {
                        d = d.help(
                            "the two names differ only in how an accent is encoded (one letter, or a letter and a combining mark): names compare after Unicode NFC normalisation, so they are one name; merge the two rules",
                        );
                    }
                    r.errors.push(d);
                    continue;
                }
                let rule = r.rule(decl);
                by_subject.insert(decl.subject.value.clone(), policy.rules.len());
                policy.rules.push(rule);
            }
            Item::Exempt(e) => {
                let ex = r.exemption(e, policy);
                policy.exemptions.push(ex);
            }
            _ => {}
        }
    }

    by_subject
}

/// One rollout: the rules it names (a subject with no rule gets one; a
/// rule already in another rollout is an error) and its phases.
fn rollout(
    r: &mut Resolver,
    decl: &syn::RolloutDecl,
    policy: &mut CheckedPolicy,
    by_subject: &mut FxHashMap<syn::Subject, RuleId>,
) {
    let index = policy.rollouts.len();
    let mut rules = Vec::new();
    for s in &decl.subjects {
        let id = match (by_subject.get(&s.value), scope_of(&s.value)) {
            (Some(&id), _) => id,
            (None, None) => {
                // A scoped rule's scope is in its body: a rollout cannot
                // make one up.
                r.errors.push(
                    Diagnostic::new(
                        &codes::UNKNOWN_RULE,
                        s.span,
                        format!("the policy has no {}", s.value),
                    )
                    .label("no such rule"),
                );
                continue;
            }
            (None, Some(scope)) => {
                // A subject with no rule gets one.
                let id = policy.rules.len();
                policy.rules.push(Rule {
                    scope,
                    name: None,
                    report_only: None,
                    span: s.span,
                    implicit: true,
                    fields: Fields::default(),
                    privileged: None,
                    break_glass: None,
                    includes: Vec::new(),
                    rollout: None,
                });
                by_subject.insert(s.value.clone(), id);
                id
            }
        };
        let Some(rule) = policy.rules.get_mut(id) else {
            continue;
        };
        if let Some(other) = rule.rollout {
            let other_span = policy
                .rollouts
                .get(other)
                .map(|o| o.span)
                .unwrap_or_default();
            r.errors.push(
                Diagnostic::new(
                    &codes::ROLLOUT_CONFLICT,
                    s.span,
                    format!("{} is already in another rollout", s.value),
                )
                .label("named by a second rollout")
                .related(other_span, "first rollout here"),
            );
            continue;
        }
        if rules.contains(&id) {
            continue;
        }
        rule.rollout = Some(index);
        rules.push(id);
    }
    let phases = decl
        .phases
        .iter()
        .map(|p| {
            let phase = Phase {
                at: r.instant(policy, &p.at),
                at_span: p.at.span,
                span: p.span,
                fields: r.fields(&p.fields, Place::Phase),
            };
            r.grace_in_range(&phase);
            phase
        })
        .collect();
    policy.rollouts.push(Rollout {
        name: decl.name.value.clone(),
        span: decl.span,
        rules,
        phases,
    });
}

#[derive(Clone, Copy, PartialEq, Eq)]
enum Place<'a> {
    /// A rule's body: its head's scope, and whether it is a scoped rule
    /// (`rule "NAME"`), whose body writes its scope.
    Rule(&'a Scope, bool),
    Phase,
}

struct Resolver {
    errors: Vec<Diagnostic>,
    strengths: FxHashMap<String, Option<FactorSet>>,
    declared: FxHashMap<&'static str, Span>,
}

impl Resolver {
    /// Record a one-per-file declaration; false (and an error) for a repeat.
    fn declare(&mut self, what: &'static str, span: Span) -> bool {
        if let Some(&first) = self.declared.get(what) {
            self.errors.push(
                Diagnostic::new(
                    &codes::DUPLICATE_DECLARATION,
                    span,
                    format!("`{what}` is declared twice"),
                )
                .label("second declaration")
                .related(first, "first declared here"),
            );
            return false;
        }
        self.declared.insert(what, span);
        true
    }

    fn rule(&mut self, decl: &syn::RuleDecl) -> Rule {
        let (scope, name) = match &decl.subject.value {
            syn::Subject::Rule(n) => (
                self.written_scope(decl),
                Some(At {
                    value: n.clone(),
                    span: decl.subject.span,
                }),
            ),
            s => (scope_of(s).unwrap_or_default(), None),
        };
        let rank = scope.rank();
        let scoped = name.is_some();
        let mut rule = Rule {
            span: decl.subject.span,
            implicit: false,
            fields: self.fields(&decl.fields, Place::Rule(&scope, scoped)),
            scope,
            name,
            report_only: None,
            privileged: None,
            break_glass: None,
            includes: Vec::new(),
            rollout: None,
        };
        for f in &decl.fields {
            match &f.value {
                FieldValue::Privileged if rank == Rank::Group && !scoped => {
                    rule.privileged.get_or_insert(f.span);
                }
                FieldValue::BreakGlass if rank == Rank::User && !scoped => {
                    rule.break_glass.get_or_insert(f.span);
                }
                FieldValue::Includes(names) if rank == Rank::Group && !scoped => {
                    rule.includes.extend(names.iter().map(|n| At {
                        value: n.value.clone(),
                        span: n.span,
                    }));
                }
                FieldValue::ReportOnly if scoped || rank != Rank::Default => {
                    rule.report_only.get_or_insert(f.span);
                }
                _ => {}
            }
        }
        rule
    }

    /// The scope a scoped rule's body writes: `for`, `in app`, `except`.
    /// Without `for` it applies to no one (and E031 says so).
    fn written_scope(&mut self, decl: &syn::RuleDecl) -> Scope {
        let mut scope = Scope::default();
        let mut whom = false;
        let names = |list: &[syn::Spanned<syn::Party>],
                     users: &mut Vec<String>,
                     groups: &mut Vec<String>,
                     apps: &mut Vec<String>| {
            for p in list {
                let (to, n) = match &p.value {
                    syn::Party::User(n) => (&mut *users, n),
                    syn::Party::Group(n) => (&mut *groups, n),
                    syn::Party::App(n) => (&mut *apps, n),
                };
                if !to.contains(n) {
                    to.push(n.clone());
                }
            }
        };
        for f in &decl.fields {
            match &f.value {
                FieldValue::For(list) if !whom => {
                    whom = true;
                    names(list, &mut scope.users, &mut scope.groups, &mut Vec::new());
                }
                FieldValue::InApps(apps) if scope.apps.is_empty() => {
                    for a in apps {
                        if !scope.apps.contains(&a.value) {
                            scope.apps.push(a.value.clone());
                        }
                    }
                }
                FieldValue::Except(list) => {
                    let e = &mut scope.except;
                    names(list, &mut e.users, &mut e.groups, &mut e.apps);
                }
                _ => {}
            }
        }
        if !whom {
            self.errors.push(
                Diagnostic::new(
                    &codes::INCOMPLETE_RULE,
                    decl.subject.span,
                    format!("{} does not say whom it applies to", decl.subject.value),
                )
                .label("no `for` in this rule")
                .help("add `for everyone`, or `for members of group \"G\"` and `user \"U\"`"),
            );
            // Nobody: a rule without `for` must not apply to everyone.
            scope.users.push(String::new());
        }
        scope
    }

    fn fields(&mut self, fields: &[syn::Field], place: Place<'_>) -> Fields {
        let mut out = Fields::default();
        let mut seen: FxHashMap<&'static str, Span> = FxHashMap::default();
        for f in fields {
            let keyword = f.value.keyword();
            if let Some(&first) = seen.get(keyword) {
                if keyword != "includes" && keyword != "except" {
                    self.errors.push(
                        Diagnostic::new(
                            &codes::DUPLICATE_FIELD,
                            f.span,
                            format!("`{keyword}` is set twice"),
                        )
                        .label("set again here")
                        .related(first, "first set here"),
                    );
                    continue;
                }
            }
            seen.insert(keyword, f.span);
            match &f.value {
                FieldValue::Setting(field, value) => out.set(*field, value, f.span, self),
                _ => self.misplaced_marker(f, place),
            }
        }
        out
    }

    /// Markers, `includes` and a scope's clauses belong on one kind of rule
    /// and never in a phase.
    fn misplaced_marker(&mut self, f: &syn::Field, place: Place<'_>) {
        let keyword = f.value.keyword();
        let (scope, scoped) = match place {
            Place::Rule(s, scoped) => (Some(s), scoped),
            Place::Phase => (None, false),
        };
        let rank = scope.map(Scope::rank);
        let (allowed, on) = match &f.value {
            FieldValue::BreakGlass => (rank == Some(Rank::User) && !scoped, "a `user` rule"),
            FieldValue::Privileged | FieldValue::Includes(_) => {
                (rank == Some(Rank::Group) && !scoped, "a `group` rule")
            }
            FieldValue::For(_) | FieldValue::InApps(_) | FieldValue::Except(_) => {
                (scoped, "a scoped rule, `rule \"NAME\" { for ... }`")
            }
            FieldValue::ReportOnly => (
                scope.is_some() && (scoped || rank != Some(Rank::Default)),
                "any rule but `default`",
            ),
            FieldValue::Setting(..) => (true, ""),
        };
        if allowed {
            return;
        }
        let (message, help) = match scope {
            None => (
                format!("`{keyword}` cannot change in a rollout phase"),
                format!(
                    "put `{keyword}` on the rule itself; phases change {}",
                    field_words(" and ")
                ),
            ),
            Some(s) => (
                format!("`{keyword}` is not allowed on {}", subject_kind(s, scoped)),
                format!("`{keyword}` belongs on {on}"),
            ),
        };
        self.errors.push(
            Diagnostic::new(&codes::MISPLACED_FIELD, f.span, message)
                .label("not allowed here")
                .help(help),
        );
    }

    /// A phase's enrolment grace must end at an instant mfac can hold:
    /// one past the range would silently become immediate enrolment.
    fn grace_in_range(&mut self, phase: &Phase) {
        let Some(At {
            value: Enrolment::Grace(secs),
            span,
        }) = phase.fields.enrolment
        else {
            return;
        };
        if phase
            .at
            .checked_add(jiff::SignedDuration::from_secs(secs))
            .is_err()
        {
            self.errors.push(
                Diagnostic::new(
                    &codes::INVALID_VALUE,
                    span,
                    "this grace ends past the range of instants mfac supports (years -9999 to 9999)",
                )
                .label("out of range")
                .help("give a grace that ends within the supported years, e.g. `enrolment grace 14d`"),
            );
        }
    }

    /// A date literal as an instant in the policy's timezone. A wall-clock
    /// time the timezone skips or repeats is an error (`E016`): the policy
    /// must say which instant it means.
    fn instant(&mut self, policy: &CheckedPolicy, d: &syn::Spanned<DateLit>) -> Timestamp {
        match d.value.resolve(&policy.timezone) {
            Ok(t) => t,
            Err(e) => {
                let (label, help) = match e {
                    crate::time::Unresolved::OutOfRange(_) => (
                        "out of range",
                        "write a date within the years mfac supports, e.g. `2099-12-31`",
                    ),
                    _ => (
                        "ambiguous in the policy's timezone",
                        "add the offset you mean, e.g. `2026-10-25T02:30:00+01:00`",
                    ),
                };
                self.errors.push(
                    Diagnostic::new(&codes::INVALID_VALUE, d.span, e.to_string())
                        .label(label)
                        .help(help),
                );
                // An instant near the one meant, so that no other check
                // reports a far-off date as well.
                match d.value {
                    DateLit::Local(dt) => policy
                        .timezone
                        .to_ambiguous_timestamp(dt)
                        .compatible()
                        .unwrap_or(Timestamp::MAX),
                    _ => Timestamp::MAX,
                }
            }
        }
    }

    /// Clauses written twice are duplicate-field errors.
    fn repeated(&mut self, repeated: &[(&'static str, Span, Span)]) {
        for (keyword, again, first) in repeated {
            self.errors.push(
                Diagnostic::new(
                    &codes::DUPLICATE_FIELD,
                    *again,
                    format!("`{keyword}` is set twice"),
                )
                .label("set again here")
                .related(*first, "first set here"),
            );
        }
    }

    fn exemption(&mut self, e: &syn::ExemptDecl, policy: &CheckedPolicy) -> Exemption {
        self.repeated(&e.repeated);
        Exemption {
            user: e.user.value.clone(),
            until: e.until.as_ref().map(|u| At {
                value: self.instant(policy, u),
                span: u.span,
            }),
            reason: e.reason.as_ref().map(|r| r.value.clone()),
            ticket: e.ticket.as_ref().map(|t| t.value.clone()),
            span: e.span,
        }
    }
}

fn subject_kind(s: &Scope, scoped: bool) -> &'static str {
    if scoped {
        return "a scoped rule";
    }
    match s.rank() {
        Rank::Default => "the `default` rule",
        Rank::Group => "a `group` rule",
        Rank::User => "a `user` rule",
        Rank::App => "an `app` rule",
    }
}

/// The scope a rule head (or a rollout's `applies` entry) writes: the four
/// kinds of rule are ways of writing one. `None` for `rule "NAME"`, whose
/// scope is in its body.
pub(crate) fn scope_of(s: &syn::Subject) -> Option<Scope> {
    Some(match s {
        syn::Subject::Default => Scope::everyone(),
        syn::Subject::Group(g) => Scope::group(g),
        syn::Subject::User(u) => Scope::user(u),
        syn::Subject::App(a) => Scope::app(a),
        syn::Subject::Rule(_) => return None,
    })
}

/// The catalogue's fields as a list in words: "enforcement, factors, ...
/// and enrolment", the last joined with `last`.
pub(crate) fn field_words(last: &str) -> String {
    let words: Vec<&str> = Field::ALL.iter().map(|f| f.keyword()).collect();
    match words.split_last() {
        Some((end, rest)) if !rest.is_empty() => format!("{}{last}{end}", rest.join(", ")),
        _ => words.join(""),
    }
}

fn unknown_factor<'a>(
    n: &syn::Spanned<String>,
    strengths: impl Iterator<Item = &'a str>,
) -> Diagnostic {
    let mut known: Vec<&str> = Factor::ALL.iter().map(|f| f.name()).collect();
    known.extend(strengths);
    let suggestion = known
        .iter()
        .map(|k| (crate::names::distance(&n.value, k), *k))
        .filter(|(d, _)| *d <= 2)
        .min()
        .map(|(_, k)| k);
    let help = match suggestion {
        Some(k) => format!(
            "did you mean `{k}`? factors are {}; strengths are declared with `strength NAME = ...`",
            factor_list()
        ),
        None => format!(
            "factors are {}; strengths are declared with `strength NAME = ...`",
            factor_list()
        ),
    };
    let d = Diagnostic::new(
        &codes::UNKNOWN_FACTOR,
        n.span,
        format!("unknown factor or strength `{}`", n.value),
    )
    .label("not a factor kind or a declared strength")
    .help(help);
    match suggestion {
        Some(k) => d.fix(format!("Replace with `{k}`"), vec![(n.span, k.to_string())]),
        None => d,
    }
}

fn factor_list() -> String {
    Factor::ALL
        .iter()
        .filter(|f| **f != Factor::BackupCode)
        .map(|f| format!("`{f}`"))
        .collect::<Vec<_>>()
        .join(", ")
}

/// Whether the subject at `second` is spelt with other bytes than in the
/// rule at `first`, although the two are one name after NFC.
fn spelt_apart(source: &SourceFile, second: Span, first: Span) -> bool {
    let raw = source.slice(second);
    let quoted = raw.find('"').and_then(|i| raw.get(i..)).unwrap_or(raw);
    !source.slice(first).contains(quoted)
}
