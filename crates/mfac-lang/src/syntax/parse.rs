//! Text to syntax tree: pest does the recognising, this module builds the
//! tree and turns literal values (dates, durations, numbers) into data,
//! reporting bad values with their spans.

use super::errors::syntax_error;
use super::literals::{day_mask, unescape};
use super::tokens::{Outline, Token};
use super::tree::*;
use crate::diagnostic::Diagnostic;
use crate::source::{SourceFile, Span};
use mfac_core::policy::{Aal, Level};
use pest::iterators::Pair;
use pest::Parser as _;

#[derive(pest_derive::Parser)]
#[grammar = "../../grammar/mfa.pest"]
pub(crate) struct MfaParser;

/// A parsed file: the syntax tree, the token stream and the layout of its
/// items, all from one parse, and the value errors (a bad date, an absurd
/// duration) found while building the tree.
pub struct Read {
    pub file: PolicyFile,
    pub tokens: Vec<Token>,
    pub outline: Vec<Outline>,
    pub errors: Vec<Diagnostic>,
}

/// Parse a policy file. Syntax errors stop at the first one (pest does not
/// recover); value errors (a bad date, an absurd duration) are all collected.
pub fn parse(source: &SourceFile) -> Result<PolicyFile, Vec<Diagnostic>> {
    let r = read(source)?;
    if r.errors.is_empty() {
        Ok(r.file)
    } else {
        Err(r.errors)
    }
}

/// Parse a policy file into its tree, tokens and outline; `Err` only for a
/// syntax error.
pub fn read(source: &SourceFile) -> Result<Read, Vec<Diagnostic>> {
    let text = source.text();
    let mut pairs = MfaParser::parse(Rule::file, text).map_err(|e| vec![syntax_error(text, &e)])?;
    let mut b = Builder { errors: Vec::new() };
    let Some(file) = pairs.next() else {
        return Ok(Read {
            file: PolicyFile::default(),
            tokens: Vec::new(),
            outline: Vec::new(),
            errors: Vec::new(),
        });
    };
    let tokens = super::tokens::tokens(text, &file);
    let outline = super::tokens::outline(&file, &tokens);
    let items = file
        .into_inner()
        .filter(|p| p.as_rule() != Rule::EOI)
        .filter_map(|p| b.item(p))
        .collect();
    Ok(Read {
        file: PolicyFile { items },
        tokens,
        outline,
        errors: b.errors,
    })
}

pub(super) struct Builder {
    pub(super) errors: Vec<Diagnostic>,
}

pub(super) fn span(p: &Pair<'_, Rule>) -> Span {
    let s = p.as_span();
    Span::new(s.start(), s.end())
}

/// The inner pairs, without the keyword and punctuation tokens.
pub(super) fn parts<'i>(p: Pair<'i, Rule>) -> impl Iterator<Item = Pair<'i, Rule>> {
    p.into_inner().filter(|c| !is_token(c.as_rule()))
}

/// Keywords and punctuation: present in the text, carry no value. Every
/// keyword's grammar rule is named `k_WORD`.
fn is_token(r: Rule) -> bool {
    matches!(
        r,
        Rule::lbrace | Rule::rbrace | Rule::equals | Rule::pipe | Rule::comma | Rule::dash
    ) || is_keyword(r)
}

/// Is this the grammar rule of a keyword?
pub(super) fn is_keyword(r: Rule) -> bool {
    // Which rules are keywords, worked out once from their names.
    static KEYWORDS: std::sync::OnceLock<Vec<bool>> = std::sync::OnceLock::new();
    let keywords = KEYWORDS.get_or_init(|| {
        let mut k = Vec::new();
        for &each in Rule::all_rules() {
            let i = each as usize;
            if k.len() <= i {
                k.resize(i + 1, false);
            }
            if let Some(slot) = k.get_mut(i) {
                *slot = format!("{each:?}").starts_with("k_");
            }
        }
        k
    });
    keywords.get(r as usize).copied().unwrap_or(false)
}

impl Builder {
    fn item(&mut self, p: Pair<'_, Rule>) -> Option<Item> {
        let sp = span(&p);
        Some(match p.as_rule() {
            Rule::precedence_decl => {
                let mode = parts(p).next()?;
                let value = match mode.as_str() {
                    "specific" => PrecedenceMode::Specific,
                    "ordered" => PrecedenceMode::Ordered,
                    _ => PrecedenceMode::MostRestrictive,
                };
                Item::Precedence(Spanned::new(value, sp))
            }
            Rule::timezone_decl => Item::Timezone(self.string(parts(p).next()?)),
            Rule::max_exemption_decl => Item::MaxExemption(self.duration(parts(p).next()?)?),
            Rule::max_remember_decl => Item::MaxRemember(self.duration(parts(p).next()?)?),
            Rule::strength_decl => {
                let mut it = parts(p);
                let name = it.next()?;
                let set = factor_expr(it.next()?);
                Item::Strength(StrengthDecl {
                    name: Spanned::new(name.as_str().to_string(), span(&name)),
                    set,
                    span: sp,
                })
            }
            Rule::calendar_decl => Item::Calendar(self.calendar(p)),
            Rule::rule => {
                let mut it = parts(p);
                let subject = subject(it.next()?)?;
                let fields = it.filter_map(|f| self.field(f)).collect();
                Item::Rule(RuleDecl {
                    subject,
                    fields,
                    span: sp,
                })
            }
            Rule::exempt_decl => Item::Exempt(self.exempt(p)?),
            Rule::bypass_decl => Item::Bypass(self.bypass(p)?),
            Rule::rollout_decl => Item::Rollout(self.rollout(p)?),
            Rule::assert_decl => Item::Assert(self.assertion(p)?),
            Rule::comply_decl => Item::Comply(self.comply(p)?),
            _ => return None,
        })
    }

    fn calendar(&mut self, p: Pair<'_, Rule>) -> CalendarDecl {
        let sp = span(&p);
        let mut cal = CalendarDecl {
            work_hours: Vec::new(),
            holidays: Vec::new(),
            span: sp,
        };
        for item in parts(p) {
            match item.as_rule() {
                Rule::work_hours => {
                    let wsp = span(&item);
                    let mut it = parts(item);
                    let (Some(days), Some(start), Some(end)) = (it.next(), it.next(), it.next())
                    else {
                        continue;
                    };
                    let days = day_mask(days);
                    let (Some(start), Some(end)) = (self.clock(start), self.clock(end)) else {
                        continue;
                    };
                    cal.work_hours.push(WorkHoursDecl {
                        days,
                        start,
                        end,
                        span: wsp,
                    });
                }
                Rule::holiday => {
                    if let Some(d) = parts(item).next().and_then(|d| self.date(d)) {
                        cal.holidays.push(d);
                    }
                }
                _ => {}
            }
        }
        cal
    }

    fn field(&mut self, p: Pair<'_, Rule>) -> Option<Field> {
        let sp = span(&p);
        let value = match p.as_rule() {
            Rule::privileged_marker => FieldValue::Privileged,
            Rule::break_glass_marker => FieldValue::BreakGlass,
            Rule::for_field => FieldValue::For(parts(p).filter_map(party).collect()),
            Rule::in_field => FieldValue::InApps(
                parts(p)
                    .filter_map(party)
                    .filter_map(|a| match a.value {
                        Party::App(n) => Some(Spanned::new(n, a.span)),
                        _ => None,
                    })
                    .collect(),
            ),
            Rule::except_field => FieldValue::Except(parts(p).filter_map(party).collect()),
            Rule::report_only_marker => FieldValue::ReportOnly,
            Rule::includes_field => {
                FieldValue::Includes(parts(p).map(|s| self.string(s)).collect())
            }
            // Every other field is the catalogue's: its keyword says which,
            // and its value is read by shape.
            _ => {
                let keyword = p.clone().into_inner().next()?;
                let field = mfac_core::policy::Field::from_keyword(keyword.as_str())?;
                FieldValue::Setting(field, self.value(parts(p).next()?)?)
            }
        };
        Some(Field { value, span: sp })
    }

    /// A field's value by its shape.
    fn value(&mut self, v: Pair<'_, Rule>) -> Option<ValueSyntax> {
        Some(match v.as_rule() {
            Rule::level => ValueSyntax::Level(Level::from_name(v.as_str())?),
            Rule::factor_set => ValueSyntax::Factors(factor_expr(v)),
            Rule::grace => {
                ValueSyntax::Enrolment(EnrolmentSyntax::Grace(self.duration(parts(v).next()?)?))
            }
            Rule::immediate => ValueSyntax::Enrolment(EnrolmentSyntax::Immediate),
            Rule::window => ValueSyntax::Remember(self.window(v)?),
            Rule::never => ValueSyntax::Remember(RememberSyntax::Never),
            Rule::aal_level => ValueSyntax::Assurance(Aal::from_name(v.as_str())?),
            Rule::ident => ValueSyntax::Word(Spanned::new(v.as_str().to_string(), span(&v))),
            _ => return None,
        })
    }

    fn window(&mut self, p: Pair<'_, Rule>) -> Option<RememberSyntax> {
        let mut it = parts(p);
        let duration = self.duration(it.next()?)?;
        let (mut same_ip, mut same_context, mut max_logins) = (None, None, None);
        for c in it {
            let csp = span(&c);
            match c.as_rule() {
                Rule::same_ip => same_ip = Some(csp),
                Rule::same_context => same_context = Some(csp),
                Rule::max_logins => {
                    let n = parts(c).next()?;
                    let value = n.as_str().parse::<u64>().unwrap_or(u64::MAX);
                    max_logins = Some(Spanned::new(value, csp));
                }
                _ => {}
            }
        }
        Some(RememberSyntax::Window {
            duration,
            same_ip,
            same_context,
            max_logins,
        })
    }

    fn bypass(&mut self, p: Pair<'_, Rule>) -> Option<BypassDecl> {
        let sp = span(&p);
        let mut it = parts(p);
        let max = self.duration(it.next()?)?;
        let mut b = BypassDecl {
            max,
            groups: Vec::new(),
            privileged: None,
            span: sp,
        };
        for c in it {
            match c.as_rule() {
                Rule::bypass_for => {
                    for g in parts(c) {
                        let gsp = span(&g);
                        if let Some(Subject::Group(name)) = subject_of(g) {
                            b.groups.push(Spanned::new(name, gsp));
                        }
                    }
                }
                Rule::privileged_marker => b.privileged = Some(span(&c)),
                _ => {}
            }
        }
        Some(b)
    }

    fn exempt(&mut self, p: Pair<'_, Rule>) -> Option<ExemptDecl> {
        let sp = span(&p);
        let mut it = parts(p);
        let user_subject = it.next()?;
        let user_span = span(&user_subject);
        let name = parts(user_subject).next()?;
        let user = self.string(name).value;
        let mut e = ExemptDecl {
            user: Spanned::new(user, user_span),
            until: None,
            reason: None,
            ticket: None,
            repeated: Vec::new(),
            span: sp,
        };
        for clause in it {
            let csp = span(&clause);
            let kind = clause.as_rule();
            let value = parts(clause).next()?;
            let (keyword, previous) = match kind {
                Rule::until_clause => {
                    let d = self.datetime(value)?;
                    ("until", e.until.replace(d).map(|d| d.span))
                }
                Rule::reason_clause => (
                    "reason",
                    e.reason.replace(self.string(value)).map(|s| s.span),
                ),
                Rule::ticket_clause => (
                    "ticket",
                    e.ticket.replace(self.string(value)).map(|s| s.span),
                ),
                _ => continue,
            };
            if let Some(first) = previous {
                e.repeated.push((keyword, csp, first));
            }
        }
        Some(e)
    }

    fn rollout(&mut self, p: Pair<'_, Rule>) -> Option<RolloutDecl> {
        let sp = span(&p);
        let mut it = parts(p);
        let name = self.string(it.next()?);
        let applies = it.next()?;
        let subjects = parts(applies).filter_map(subject).collect();
        let mut phases = Vec::new();
        for ph in it {
            let psp = span(&ph);
            let mut pit = parts(ph);
            let Some(at) = pit.next().and_then(|d| self.datetime(d)) else {
                continue;
            };
            let fields = pit.filter_map(|f| self.field(f)).collect();
            phases.push(PhaseDecl {
                at,
                fields,
                span: psp,
            });
        }
        Some(RolloutDecl {
            name,
            subjects,
            phases,
            span: sp,
        })
    }

    fn assertion(&mut self, p: Pair<'_, Rule>) -> Option<AssertDecl> {
        let sp = span(&p);
        let mut it = parts(p);
        let name = self.string(it.next()?);
        let mut clauses = parts(it.next()?);
        let scope = clauses.next()?;
        let scope_span = span(&scope);
        let scope = self.scope(scope)?;
        let mut a = AssertDecl {
            name,
            scope: Spanned::new(scope, scope_span),
            app: None,
            from: None,
            until: None,
            repeated: Vec::new(),
            claims: Vec::new(),
            span: sp,
        };
        for clause in clauses {
            let csp = span(&clause);
            let kind = clause.as_rule();
            let value = parts(clause).next()?;
            let (keyword, previous) = match kind {
                Rule::in_app => {
                    let mut app = self.string(parts(value).next()?);
                    app.span = csp;
                    ("in app", a.app.replace(app).map(|s| s.span))
                }
                Rule::from_clause => {
                    let d = self.datetime(value)?;
                    ("from", a.from.replace(d).map(|d| d.span))
                }
                Rule::until_clause => {
                    let d = self.datetime(value)?;
                    ("until", a.until.replace(d).map(|d| d.span))
                }
                _ => continue,
            };
            if let Some(first) = previous {
                a.repeated.push((keyword, csp, first));
            }
        }
        for claim in it {
            // To the claim's last word: a factor set's span runs on over
            // the whitespace and comments after it.
            let end = claim
                .clone()
                .into_inner()
                .flatten()
                .last()
                .map_or(claim.as_span().end(), |p| p.as_span().end());
            let csp = Span::new(claim.as_span().start(), end);
            let mut parts_of = parts(claim);
            let always = parts_of.next()?.as_rule() == Rule::always;
            let cond = parts_of.next()?;
            let mut cit = parts(cond.clone());
            let condition = match cond.as_rule() {
                Rule::enforcement_cond => {
                    let level = Level::from_name(cit.next()?.as_str())?;
                    ConditionSyntax::Enforcement(level)
                }
                Rule::factors_within => ConditionSyntax::FactorsWithin(factor_expr(cit.next()?)),
                Rule::factors_include => ConditionSyntax::FactorsInclude(factor_expr(cit.next()?)),
                Rule::factors_none => ConditionSyntax::FactorsNone,
                Rule::remember_never => ConditionSyntax::RememberNever,
                Rule::recovery_cond => ConditionSyntax::Recovery,
                Rule::exempt_cond => ConditionSyntax::Exempt,
                Rule::assurance_cond => {
                    ConditionSyntax::Assurance(Aal::from_name(cit.next()?.as_str())?)
                }
                _ => return None,
            };
            a.claims.push(ClaimDecl {
                always,
                condition,
                span: csp,
            });
        }
        Some(a)
    }

    /// An assertion's (or a profile parameter's) scope.
    fn scope(&mut self, scope: Pair<'_, Rule>) -> Option<ScopeSyntax> {
        let inner = parts(scope).next()?;
        Some(match inner.as_rule() {
            Rule::everyone => ScopeSyntax::Everyone,
            Rule::privileged_scope => ScopeSyntax::Privileged,
            Rule::break_glass_scope => ScopeSyntax::BreakGlass,
            Rule::members_scope => {
                let group = parts(inner).next()?;
                ScopeSyntax::MembersOf(self.string(parts(group).next()?).value)
            }
            Rule::user_subject => ScopeSyntax::User(self.string(parts(inner).next()?).value),
            _ => return None,
        })
    }

    /// `comply "PROFILE" { ... }`.
    fn comply(&mut self, p: Pair<'_, Rule>) -> Option<ComplyDecl> {
        let sp = span(&p);
        let mut it = parts(p);
        let name = self.string(it.next()?);
        let mut c = ComplyDecl {
            name,
            cde: Vec::new(),
            aal: Vec::new(),
            span: sp,
        };
        for param in it {
            match param.as_rule() {
                Rule::cde_param => {
                    for app in parts(param) {
                        let a = self.string(parts(app).next()?);
                        c.cde.push(a);
                    }
                }
                Rule::aal_param => {
                    let mut pit = parts(param);
                    let level = if pit.next()?.as_str() == "aal3" { 3 } else { 2 };
                    let scope = pit.next()?;
                    let scope_span = span(&scope);
                    let s = self.scope(scope)?;
                    c.aal.push((level, Spanned::new(s, scope_span)));
                }
                _ => {}
            }
        }
        Some(c)
    }
}

fn subject(p: Pair<'_, Rule>) -> Option<Spanned<Subject>> {
    let sp = span(&p);
    Some(Spanned::new(subject_of(p.into_inner().next()?)?, sp))
}

/// `default`, `group "G"`, `user "U"`, `app "A"` or `rule "NAME"`.
fn subject_of(inner: Pair<'_, Rule>) -> Option<Subject> {
    let kind = inner.as_rule();
    let name = || -> Option<String> {
        let s = inner
            .clone()
            .into_inner()
            .find(|c| c.as_rule() == Rule::string)?;
        Some(unescape(
            s.into_inner().next().map(|i| i.as_str()).unwrap_or(""),
        ))
    };
    Some(match kind {
        Rule::default_subject => Subject::Default,
        Rule::group_subject => Subject::Group(name()?),
        Rule::user_subject => Subject::User(name()?),
        Rule::app_subject => Subject::App(name()?),
        Rule::rule_subject => Subject::Rule(name()?),
        _ => return None,
    })
}

/// One entry of a `for`, `in` or `except` list; `None` for the commas and
/// keywords between them (and `everyone`, which is the empty list).
fn party(p: Pair<'_, Rule>) -> Option<Spanned<Party>> {
    let sp = span(&p);
    let subject = match p.as_rule() {
        Rule::members_scope => p
            .into_inner()
            .find(|c| c.as_rule() == Rule::group_subject)?,
        Rule::group_subject | Rule::user_subject | Rule::app_subject => p,
        _ => return None,
    };
    let value = match subject_of(subject)? {
        Subject::Group(n) => Party::Group(n),
        Subject::User(n) => Party::User(n),
        Subject::App(n) => Party::App(n),
        _ => return None,
    };
    Some(Spanned::new(value, sp))
}

fn factor_expr(p: Pair<'_, Rule>) -> FactorExpr {
    let sp = span(&p);
    FactorExpr {
        names: parts(p)
            .map(|n| Spanned::new(n.as_str().to_string(), span(&n)))
            .collect(),
        span: sp,
    }
}

/// The text of `mfac check --profile`, read as a `comply` line: `NAME` or
/// `"NAME"`, then optionally `{ parameters }`. `Err` says what is wrong,
/// in the parser's words.
pub fn profile_arg(text: &str) -> Result<ComplyDecl, String> {
    let t = text.trim_start();
    let (name, rest) = match t.strip_prefix('"') {
        Some(_) => (None, t),
        None => {
            let end = t
                .find(|c: char| c.is_whitespace() || c == '{')
                .unwrap_or(t.len());
            (t.get(..end), t.get(end..).unwrap_or(""))
        }
    };
    let line = match name {
        Some(n) => format!("comply {n:?}{rest}"),
        None => format!("comply {rest}"),
    };
    let mut pairs = MfaParser::parse(Rule::profile_arg, &line).map_err(|e| {
        let d = syntax_error(&line, &e);
        d.message
    })?;
    let decl = pairs
        .next()
        .and_then(|p| p.into_inner().find(|c| c.as_rule() == Rule::comply_decl))
        .ok_or_else(|| "not a profile".to_string())?;
    let mut b = Builder { errors: Vec::new() };
    match (b.comply(decl), b.errors.first()) {
        (Some(c), None) => Ok(c),
        (_, Some(e)) => Err(e.message.clone()),
        (None, None) => Err("not a profile".to_string()),
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    fn parse_str(text: &str) -> Result<PolicyFile, Vec<Diagnostic>> {
        parse(&SourceFile::new("t.mfa", text))
    }

    #[test]
    fn parses_every_construct() {
        let text = r#"
precedence specific
timezone "Europe/Berlin"
max_exemption 14d
strength strong = webauthn | totp
calendar { work_hours mon-fri 08:00-18:00 holiday 2026-12-25 }
default { enforcement optional factors strong enrolment grace 7d }
group "A" { privileged includes "B", "C" remember 1h same_ip same_context max_logins 10 }
user "u@x" { break_glass recovery backup_code enrolment immediate remember never }
app "F" { enforcement required }
exempt user "bob" until 2026-12-10 reason "lost" ticket "T-1"
rollout "r" { applies default, group "A" on 2026-12-01 enforcement optional on 2026-12-15T09:00:00Z enforcement required }
"#;
        let file = parse_str(text).expect("parses");
        assert_eq!(file.items.len(), 11);
        let Some(Item::Rollout(r)) = file.items.last() else {
            panic!("rollout last")
        };
        assert_eq!(r.subjects.len(), 2);
        assert_eq!(r.phases.len(), 2);
        assert!(matches!(r.phases[1].at.value, DateLit::Instant(_)));
    }

    #[test]
    fn spans_point_at_the_text() {
        let text = "group \"Admins\" {\n  enforcement required\n}\n";
        let file = parse_str(text).expect("parses");
        let Some(Item::Rule(rule)) = file.items.first() else {
            panic!()
        };
        let f = &rule.fields[0];
        assert_eq!(&text[f.span.start..f.span.end], "enforcement required");
        assert_eq!(
            &text[rule.subject.span.start..rule.subject.span.end],
            "group \"Admins\""
        );
    }

    #[test]
    fn syntax_errors_speak_plain_words() {
        let err = parse_str("default { enforcement mandatory }").unwrap_err();
        assert_eq!(err[0].code, "E001");
        assert_eq!(
            err[0].message,
            "expected `off`, `optional` or `required`, found `mandatory`"
        );
        let err = parse_str("default { enforce required }").unwrap_err();
        assert!(
            err[0].message.starts_with("expected a field"),
            "{}",
            err[0].message
        );
        assert!(
            !err[0].message.contains("k_"),
            "no pest rule names: {}",
            err[0].message
        );
    }

    #[test]
    fn impossible_dates_are_value_errors() {
        let err = parse_str("exempt user \"a\" until 2026-02-30 reason \"x\"").unwrap_err();
        assert_eq!(err[0].code, "E016");
        assert!(err[0].message.contains("2026-02-30"));
    }

    #[test]
    fn absurd_durations_are_value_errors() {
        let err = parse_str("max_exemption 99999999999999999999d").unwrap_err();
        assert_eq!(err[0].code, "E016");
    }

    #[test]
    fn keywords_need_a_word_boundary() {
        assert!(parse_str("defaults { }").is_err());
        assert!(parse_str("default{}").is_ok());
    }

    #[test]
    fn day_ranges_wrap_around_the_week() {
        let file = parse_str("calendar { work_hours fri-mon 08:00-18:00 }").expect("parses");
        let Some(Item::Calendar(c)) = file.items.first() else {
            panic!()
        };
        assert_eq!(c.work_hours[0].days, 0b111_0001);
    }
}
