//! An imported policy as mfac's language writes it: the model every
//! importer fills, and its text (formatted by mfac's own formatter, so the
//! output passes `mfac fmt --check`).

use mfac_core::{FactorSet, Level};
use std::fmt::Write;

/// Whom or what a scope names.
#[derive(Clone, Debug, PartialEq, Eq, PartialOrd, Ord)]
pub enum Party {
    User(String),
    Group(String),
    App(String),
}

/// `remember` as an import writes it.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub enum Remember {
    Never,
    /// A window of this many seconds.
    For(i64),
}

/// One rule of an imported policy.
#[derive(Clone, Debug, Default, PartialEq, Eq)]
pub struct Rule {
    /// Where it came from, for the comment before it.
    pub source: String,
    pub name: String,
    /// `None`: for everyone.
    pub whom: Option<Vec<Party>>,
    pub apps: Vec<String>,
    pub except: Vec<Party>,
    pub report_only: bool,
    pub enforcement: Option<Level>,
    pub factors: Option<FactorSet>,
    pub remember: Option<Remember>,
}

/// An imported policy.
#[derive(Clone, Debug, Default, PartialEq, Eq)]
pub struct Policy {
    /// The header comment's lines: what was imported, from where.
    pub header: Vec<String>,
    pub precedence: &'static str,
    /// The default rule's enforcement (what nobody's rule changes).
    pub default: Option<Level>,
    /// Groups marked privileged (built-in admin roles), sorted.
    pub privileged: Vec<String>,
    pub rules: Vec<Rule>,
}

/// A string as the language writes it.
pub fn quoted(s: &str) -> String {
    let mut out = String::from("\"");
    for c in s.chars() {
        match c {
            '"' | '\\' => {
                out.push('\\');
                out.push(c);
            }
            '\n' | '\r' | '\t' => out.push(' '),
            c => out.push(c),
        }
    }
    out.push('"');
    out
}

/// A duration as the language writes it, in the largest whole unit.
pub fn duration(seconds: i64) -> String {
    for (unit, size) in [("d", 86_400), ("h", 3_600), ("m", 60)] {
        if seconds >= size && seconds % size == 0 {
            return format!("{}{unit}", seconds / size);
        }
    }
    format!("{seconds}s")
}

fn party(p: &Party) -> String {
    match p {
        Party::User(u) => format!("user {}", quoted(u)),
        Party::Group(g) => format!("members of group {}", quoted(g)),
        Party::App(a) => format!("app {}", quoted(a)),
    }
}

fn comment(o: &mut String, text: &str) {
    for line in text.lines() {
        let _ = writeln!(o, "# {line}");
    }
}

impl Policy {
    /// The longest remember window of any rule, which `max_remember` must
    /// allow.
    pub fn longest_window(&self) -> Option<i64> {
        self.rules
            .iter()
            .filter_map(|r| match r.remember {
                Some(Remember::For(s)) => Some(s),
                _ => None,
            })
            .max()
    }

    /// The policy's text, unformatted.
    fn text(&self) -> String {
        let mut o = String::new();
        for line in &self.header {
            comment(&mut o, line);
        }
        let _ = writeln!(o, "precedence {}", self.precedence);
        if let Some(w) = self.longest_window() {
            let _ = writeln!(o, "max_remember {}", duration(w));
        }
        let _ = writeln!(o);
        if let Some(level) = self.default {
            let _ = writeln!(o, "default {{\n  enforcement {level}\n}}\n");
        }
        for g in &self.privileged {
            let _ = writeln!(o, "group {} {{\n  privileged\n}}\n", quoted(g));
        }
        for r in &self.rules {
            comment(&mut o, &r.source);
            let _ = writeln!(o, "rule {} {{", quoted(&r.name));
            match &r.whom {
                None => {
                    let _ = writeln!(o, "  for everyone");
                }
                Some(parties) => {
                    let list: Vec<String> = parties.iter().map(party).collect();
                    let _ = writeln!(o, "  for {}", list.join(", "));
                }
            }
            if !r.apps.is_empty() {
                let list: Vec<String> = r
                    .apps
                    .iter()
                    .map(|a| format!("app {}", quoted(a)))
                    .collect();
                let _ = writeln!(o, "  in {}", list.join(", "));
            }
            if !r.except.is_empty() {
                let list: Vec<String> = r.except.iter().map(party).collect();
                let _ = writeln!(o, "  except {}", list.join(", "));
            }
            if r.report_only {
                let _ = writeln!(o, "  report_only");
            }
            if let Some(level) = r.enforcement {
                let _ = writeln!(o, "  enforcement {level}");
            }
            if let Some(f) = r.factors {
                let _ = writeln!(o, "  factors {}", f.names().join(" | "));
            }
            match r.remember {
                Some(Remember::Never) => {
                    let _ = writeln!(o, "  remember never");
                }
                Some(Remember::For(s)) => {
                    let _ = writeln!(o, "  remember {}", duration(s));
                }
                None => {}
            }
            let _ = writeln!(o, "}}\n");
        }
        o
    }

    /// The policy's text, formatted as `mfac fmt` writes it; `None` only if
    /// the text does not parse (an importer bug, which its tests catch).
    pub fn render(&self) -> Option<String> {
        mfac_lang::fmt::format(&self.text())
    }
}

/// Does an import's text parse and resolve? Its only errors may be
/// findings about the policy with a counterexample (an exclusion gap,
/// say): those are findings about the source, and `mfac eval` evaluates
/// such a policy. Anything else is an importer bug, returned as the
/// diagnostics' text.
pub fn resolves(text: &str) -> Result<(), String> {
    let out = mfac_lang::check::check(
        &mfac_core::SourceFile::new("imported.mfa", text),
        &mfac_lang::check::CheckOptions::default(),
    );
    let errors: Vec<String> = out
        .diagnostics
        .items
        .iter()
        .filter(|d| d.is_error() && d.counterexample.is_none())
        .map(|d| format!("{} {}", d.code, d.message))
        .collect();
    if errors.is_empty() && (out.policy.is_some() || out.refuted.is_some()) {
        Ok(())
    } else {
        Err(errors.join("; "))
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use mfac_core::Factor;

    #[test]
    fn quotes_and_durations_are_written_as_the_language_reads_them() {
        assert_eq!(quoted(r#"CA "admins" \ all"#), r#""CA \"admins\" \\ all""#);
        assert_eq!(quoted("two\nlines"), "\"two lines\"");
        assert_eq!(duration(90 * 86_400), "90d");
        assert_eq!(duration(3_600), "1h");
        assert_eq!(duration(5_400), "90m");
        assert_eq!(duration(61), "61s");
    }

    #[test]
    fn a_policy_renders_formatted_and_checks_clean() {
        let p = Policy {
            header: vec!["Imported from Entra".into()],
            precedence: "most_restrictive",
            default: Some(Level::Off),
            privileged: vec!["Global Administrator".into()],
            rules: vec![Rule {
                source: "ca.json: CA001 \"admins\"".into(),
                name: "CA001 \"admins\"".into(),
                whom: Some(vec![Party::Group("Global Administrator".into())]),
                apps: vec!["Azure Portal".into()],
                except: vec![
                    Party::Group("Break Glass".into()),
                    Party::User("bg@x.test".into()),
                ],
                report_only: false,
                enforcement: Some(Level::Required),
                factors: Some([Factor::Webauthn, Factor::Totp].into_iter().collect()),
                remember: Some(Remember::For(12 * 3_600)),
            }],
        };
        let text = p.render().unwrap();
        assert!(text.contains("max_remember 12h"), "{text}");
        assert!(text.contains("rule \"CA001 \\\"admins\\\"\" {"), "{text}");
        // Already formatted: formatting again changes nothing.
        assert_eq!(
            mfac_lang::fmt::format(&text).as_deref(),
            Some(text.as_str())
        );
        // It resolves: its only error is a finding about the policy with a
        // counterexample (E012 here: the admins' rule holds only in one
        // app), as a tenant's findings are.
        assert_eq!(resolves(&text), Ok(()), "{text}");
    }
}
