//! Every name a policy file writes, where, and what it names: the one index
//! that hover, definition, references, rename, completion and symbols read.
//! Built from the syntax tree of the current text (recovered past syntax
//! errors), so it follows every keystroke without a check.

use mfac_core::source::Span;
use mfac_lang::syntax::{
    AssertDecl, ConditionSyntax, FactorExpr, Field, FieldValue, Item, Party, PolicyFile,
    ScopeSyntax, Subject, ValueSyntax,
};

#[derive(Clone, Copy, Debug, PartialEq, Eq, Hash)]
pub enum Kind {
    Group,
    User,
    App,
    /// A scoped rule's name (`rule "NAME"`).
    Rule,
    /// A declared strength.
    Strength,
    /// A factor kind, or a name that is neither a kind nor a strength.
    Factor,
    Assertion,
    Rollout,
}

impl Kind {
    pub fn word(self) -> &'static str {
        match self {
            Kind::Group => "group",
            Kind::User => "user",
            Kind::App => "app",
            Kind::Rule => "rule",
            Kind::Strength => "strength",
            Kind::Factor => "factor",
            Kind::Assertion => "assert",
            Kind::Rollout => "rollout",
        }
    }
}

/// One place a name is written.
#[derive(Clone, Debug, PartialEq, Eq)]
pub struct Occurrence {
    pub kind: Kind,
    pub name: String,
    /// The name itself, inside its quotes.
    pub span: Span,
    /// Is this where it is declared (its rule, its `strength` line)?
    pub declares: bool,
    /// The whole item it is written in.
    pub item: Span,
}

/// Every name in `file`, in file order.
pub fn occurrences(file: &PolicyFile, text: &str) -> Vec<Occurrence> {
    let strengths: Vec<&str> = file
        .items
        .iter()
        .filter_map(|i| match i {
            Item::Strength(s) => Some(s.name.value.as_str()),
            _ => None,
        })
        .collect();
    let mut w = Writer {
        text,
        strengths,
        out: Vec::new(),
        item: Span::default(),
    };
    for item in &file.items {
        w.item(item);
    }
    w.out
}

/// The occurrence at byte `offset`, if a name is written there.
pub fn at(all: &[Occurrence], offset: usize) -> Option<&Occurrence> {
    all.iter()
        .find(|o| o.span.start <= offset && offset <= o.span.end)
}

struct Writer<'t> {
    text: &'t str,
    strengths: Vec<&'t str>,
    out: Vec<Occurrence>,
    item: Span,
}

impl Writer<'_> {
    fn push(&mut self, kind: Kind, name: &str, written: Span, declares: bool) {
        let span = inside_quotes(self.text, written);
        self.out.push(Occurrence {
            kind,
            name: name.to_string(),
            span,
            declares,
            item: self.item,
        });
    }

    fn item(&mut self, item: &Item) {
        match item {
            Item::Strength(s) => {
                self.item = s.span;
                self.push(Kind::Strength, &s.name.value, s.name.span, true);
                self.factors(&s.set);
            }
            Item::Rule(r) => {
                self.item = r.span;
                self.subject(&r.subject.value, r.subject.span, true);
                self.fields(&r.fields);
            }
            Item::Exempt(e) => {
                self.item = e.span;
                self.push(Kind::User, &e.user.value, e.user.span, false);
            }
            Item::Rollout(r) => {
                self.item = r.span;
                self.push(Kind::Rollout, &r.name.value, r.name.span, true);
                for s in &r.subjects {
                    self.subject(&s.value, s.span, false);
                }
                for p in &r.phases {
                    self.fields(&p.fields);
                }
            }
            Item::Assert(a) => {
                self.item = a.span;
                self.assertion(a);
            }
            Item::Bypass(b) => {
                self.item = b.span;
                for g in &b.groups {
                    self.push(Kind::Group, &g.value, g.span, false);
                }
            }
            Item::Comply(c) => {
                self.item = c.span;
                for app in &c.cde {
                    self.push(Kind::App, &app.value, app.span, false);
                }
                for (_, scope) in &c.aal {
                    self.scope(&scope.value, scope.span);
                }
            }
            Item::Precedence(_)
            | Item::Timezone(_)
            | Item::MaxExemption(_)
            | Item::MaxRemember(_)
            | Item::Calendar(_) => {}
        }
    }

    fn subject(&mut self, s: &Subject, span: Span, declares: bool) {
        match s {
            Subject::Default => {}
            Subject::Group(n) => self.push(Kind::Group, n, span, declares),
            Subject::User(n) => self.push(Kind::User, n, span, declares),
            Subject::App(n) => self.push(Kind::App, n, span, declares),
            Subject::Rule(n) => self.push(Kind::Rule, n, span, declares),
        }
    }

    fn fields(&mut self, fields: &[Field]) {
        for f in fields {
            match &f.value {
                FieldValue::Setting(_, ValueSyntax::Factors(set)) => self.factors(set),
                FieldValue::Includes(groups) => {
                    for g in groups {
                        self.push(Kind::Group, &g.value, g.span, false);
                    }
                }
                FieldValue::For(parties) | FieldValue::Except(parties) => {
                    for p in parties {
                        let (kind, n) = match &p.value {
                            Party::User(n) => (Kind::User, n),
                            Party::Group(n) => (Kind::Group, n),
                            Party::App(n) => (Kind::App, n),
                        };
                        self.push(kind, n, p.span, false);
                    }
                }
                FieldValue::InApps(apps) => {
                    for a in apps {
                        self.push(Kind::App, &a.value, a.span, false);
                    }
                }
                FieldValue::Setting(..)
                | FieldValue::Privileged
                | FieldValue::BreakGlass
                | FieldValue::ReportOnly => {}
            }
        }
    }

    fn factors(&mut self, set: &FactorExpr) {
        for n in &set.names {
            let kind = if self.strengths.contains(&n.value.as_str()) {
                Kind::Strength
            } else {
                Kind::Factor
            };
            self.push(kind, &n.value, n.span, false);
        }
    }

    fn scope(&mut self, s: &ScopeSyntax, span: Span) {
        match s {
            ScopeSyntax::MembersOf(g) => self.push(Kind::Group, g, span, false),
            ScopeSyntax::User(u) => self.push(Kind::User, u, span, false),
            ScopeSyntax::Everyone | ScopeSyntax::Privileged | ScopeSyntax::BreakGlass => {}
        }
    }

    fn assertion(&mut self, a: &AssertDecl) {
        self.push(Kind::Assertion, &a.name.value, a.name.span, true);
        self.scope(&a.scope.value, a.scope.span);
        if let Some(app) = &a.app {
            self.push(Kind::App, &app.value, app.span, false);
        }
        for c in &a.claims {
            if let ConditionSyntax::FactorsWithin(set) | ConditionSyntax::FactorsInclude(set) =
                &c.condition
            {
                self.factors(set);
            }
        }
    }
}

/// The span of the quoted string at the end of `written` (`group "A"` →
/// `A`), or `written` itself for a bare word.
fn inside_quotes(text: &str, written: Span) -> Span {
    let Some(w) = text.get(written.start..written.end) else {
        return written;
    };
    match (w.find('"'), w.rfind('"')) {
        (Some(open), Some(close)) if close > open => {
            Span::new(written.start + open + 1, written.start + close)
        }
        _ => written,
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use mfac_core::source::SourceFile;

    fn names(text: &str) -> Vec<(Kind, String, String, bool)> {
        let read = mfac_lang::syntax::read_recovering(&SourceFile::new("t.mfa", text))
            .read
            .unwrap();
        occurrences(&read.file, text)
            .into_iter()
            .map(|o| {
                (
                    o.kind,
                    o.name,
                    text[o.span.start..o.span.end].to_string(),
                    o.declares,
                )
            })
            .collect()
    }

    #[test]
    fn every_kind_of_name_is_found_with_its_own_span() {
        let text = r#"strength strong = webauthn
group "Staff" { includes "Admins" factors strong | totp }
rule "pilot" { for group "Staff" in app "Mail" except user "a@x" enforcement required }
rollout "r" { applies group "Staff" on 2027-01-01 enforcement required }
assert "admins" { for members of group "Admins" always factors within strong }
"#;
        let got = names(text);
        use Kind::*;
        let want = [
            (Strength, "strong", true),
            (Factor, "webauthn", false),
            (Group, "Staff", true),
            (Group, "Admins", false),
            (Strength, "strong", false),
            (Factor, "totp", false),
            (Rule, "pilot", true),
            (Group, "Staff", false),
            (App, "Mail", false),
            (User, "a@x", false),
            (Rollout, "r", true),
            (Group, "Staff", false),
            (Assertion, "admins", true),
            (Group, "Admins", false),
            (Strength, "strong", false),
        ];
        let got: Vec<(Kind, &str, bool)> = got
            .iter()
            .map(|(k, n, written, d)| {
                assert_eq!(n, written, "the span is the name itself");
                (*k, n.as_str(), *d)
            })
            .collect();
        assert_eq!(got, want);
    }
}
