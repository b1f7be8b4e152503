//! The one diagnostic type every stage reports with. A diagnostic is written
//! once (code, message, span, help) and rendered many ways by the front ends:
//! miette for people, JSON, SARIF and annotations for tools.

use crate::policy::Field;
use crate::source::{SourceFile, Span};
use serde::{Deserialize, Serialize};
use std::fmt;

#[derive(Clone, Copy, Debug, PartialEq, Eq, PartialOrd, Ord, Hash, Serialize, Deserialize)]
#[serde(rename_all = "lowercase")]
pub enum Severity {
    Error,
    Warning,
}

impl Severity {
    /// `error` or `warning`: the word every output format uses.
    pub fn name(self) -> &'static str {
        match self {
            Severity::Error => "error",
            Severity::Warning => "warning",
        }
    }
}

impl fmt::Display for Severity {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.write_str(self.name())
    }
}

/// A secondary location that explains the primary one ("first defined here").
#[derive(Clone, Debug, PartialEq, Eq)]
pub struct Related {
    pub span: Span,
    pub label: String,
}

/// A check's registry entry: its stable code and its documentation. The
/// registry itself (every check, in code order) is `mfac_lang::check::REGISTRY`.
#[derive(Debug)]
pub struct CheckInfo {
    /// Stable code, e.g. `E003`. Never reused for another meaning.
    pub code: &'static str,
    /// Kebab-case name, e.g. `duplicate-rule`.
    pub name: &'static str,
    pub severity: Severity,
    /// What the check catches, in one line.
    pub summary: &'static str,
    /// The default help text shown with each finding.
    pub help: &'static str,
    /// Why it matters, an example, and the fix (for `mfac explain`).
    pub doc: &'static str,
}

#[derive(Clone, Debug, PartialEq, Eq)]
pub struct Diagnostic {
    /// Stable code from the check registry, e.g. `E003`.
    pub code: &'static str,
    /// The check's kebab-case name, e.g. `duplicate-rule`.
    pub name: &'static str,
    pub severity: Severity,
    /// One line, lowercase, no final period; user input in backticks.
    pub message: String,
    pub span: Span,
    /// What the underlined text is, in a few words.
    pub label: String,
    /// What to do about it, in plain words.
    pub help: String,
    pub related: Vec<Related>,
    /// For a finding the proof engine made: the login that shows it.
    pub counterexample: Option<Box<Counterexample>>,
    /// For a failing control of a compliance profile: which.
    pub control: Option<ControlRef>,
    /// An edit that certainly fixes it, where there is one: an editor
    /// offers it as a quick fix. Not part of any output format.
    pub fix: Option<Box<Fix>>,
}

/// A change to the policy text that fixes a finding.
#[derive(Clone, Debug, PartialEq, Eq)]
pub struct Fix {
    /// What it does, as an editor's menu says it: "Replace with `totp`".
    pub title: String,
    /// Replacements, by span of the original text; they do not overlap.
    pub edits: Vec<(Span, String)>,
}

/// A control of a compliance profile: `pci-dss-4.0` `8.4.2`.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub struct ControlRef {
    pub profile: &'static str,
    pub control: &'static str,
}

impl ControlRef {
    /// `PROFILE/CONTROL`: its id as a SARIF rule.
    pub fn rule_id(&self) -> String {
        format!("{}/{}", self.profile, self.control)
    }
}

/// A login that breaks a property, as every output format carries it: who
/// (the fewest groups, the user, the app), when, what they get, the rules
/// behind each field, and the `mfac eval` command line that replays it.
#[derive(Clone, Debug, PartialEq, Eq, Serialize, Deserialize)]
pub struct Counterexample {
    /// The fewest directory groups that break it (with their `includes`).
    pub groups: Vec<String>,
    /// A named user, or `null`: any user without a user rule or exemption.
    pub user: Option<String>,
    /// A named app, or `null`: any app without an app rule (or none).
    pub app: Option<String>,
    /// The stretch of time in which every instant breaks it, `[from,
    /// until)` in the policy's timezone; `null` for an open end.
    pub from: Option<String>,
    pub until: Option<String>,
    /// The instant the replay uses (RFC 3339, UTC).
    pub at: String,
    pub effective: EffectiveSettings,
    /// For each field, the rules that set it (`file:line: subject`).
    pub rules: FieldRules,
    /// The `mfac eval` command line that reproduces it.
    pub eval: String,
}

/// The effective settings of a login.
#[derive(Clone, Debug, PartialEq, Eq, Serialize, Deserialize)]
pub struct EffectiveSettings {
    pub enforcement: String,
    /// Allowed factor kinds, sorted; a recovery `backup_code` included.
    pub factors: Vec<String>,
    pub recovery: bool,
    /// `never`, a window such as `8h same_ip`, or `null` when no rule sets one.
    pub remember: Option<String>,
    /// The enrolment deadline (RFC 3339), when there is a grace period.
    pub deadline: Option<String>,
    pub exempt: bool,
}

macro_rules! field_rules {
    ($( $name:ident : $variant:ident ( $ty:ty ) {
        keywords [ $($kw:literal),+ ] wire $wire:ident $($_rest:tt)*
    } )*) => {
        /// The rules behind each effective field, under the field's JSON name.
        #[derive(Clone, Debug, Default, PartialEq, Eq, Serialize, Deserialize)]
        pub struct FieldRules {
            $( pub $wire: Vec<String>, )*
        }

        impl FieldRules {
            pub fn get(&self, field: Field) -> &[String] {
                match field {
                    $( Field::$variant => &self.$wire, )*
                }
            }

            pub fn get_mut(&mut self, field: Field) -> &mut Vec<String> {
                match field {
                    $( Field::$variant => &mut self.$wire, )*
                }
            }
        }
    };
}

crate::rule_fields!(field_rules);

impl Counterexample {
    /// Who: "a member of `A` and `B`", "user `u` in no group".
    pub fn who(&self) -> String {
        let names: Vec<String> = self.groups.iter().map(|g| format!("`{g}`")).collect();
        match (&self.user, names.is_empty()) {
            (None, true) => "a user in no group".to_string(),
            (None, false) => format!("a member of {}", names.join(" and ")),
            (Some(u), true) => format!("user `{u}` in no group"),
            (Some(u), false) => format!("user `{u}` as a member of {}", names.join(" and ")),
        }
    }

    /// The counterexample as lines of text, for people (after the help),
    /// its replay line last.
    pub fn text(&self) -> String {
        format!("{}\n  {}", self.summary(), self.replay())
    }

    /// `replay: mfac eval ...`: a command, printed whole on a line of its
    /// own (a terminal renderer must not wrap it, or it breaks on copy).
    pub fn replay(&self) -> String {
        format!("replay: {}", self.eval)
    }

    /// [`Counterexample::text`] without the replay line.
    pub fn summary(&self) -> String {
        let app = match &self.app {
            Some(a) => format!("app `{a}`"),
            None => "any app without an app rule".to_string(),
        };
        let when = match (&self.from, &self.until) {
            (None, None) => "at any time".to_string(),
            (Some(f), None) => format!("from {f} on"),
            (None, Some(u)) => format!("before {u}"),
            (Some(f), Some(u)) => format!("from {f} until {u}"),
        };
        let e = &self.effective;
        let factors = if e.factors.is_empty() {
            "none".to_string()
        } else {
            e.factors.join(" | ")
        };
        let mut gets = format!("enforcement {}, factors {factors}", e.enforcement);
        if let Some(r) = &e.remember {
            gets.push_str(&format!(", remember {r}"));
        }
        if let Some(d) = &e.deadline {
            gets.push_str(&format!(", enrol by {d}"));
        }
        if e.exempt {
            gets.push_str(", exempt");
        }
        let only = if self.groups.is_empty() {
            ""
        } else {
            " (and no other group)"
        };
        let mut s = format!(
            "counterexample: {}{only}, signing in to {app}, {when}\n  gets: {gets}",
            self.who()
        );
        for &field in Field::ALL {
            let rules = self.rules.get(field);
            if !rules.is_empty() {
                s.push_str(&format!("\n  {} from: {}", field.wire(), rules.join("; ")));
            }
        }
        s
    }
}

impl Diagnostic {
    /// A diagnostic whose code and severity come from the registry entry.
    pub fn new(info: &CheckInfo, span: Span, message: impl Into<String>) -> Self {
        Diagnostic {
            code: info.code,
            name: info.name,
            severity: info.severity,
            message: message.into(),
            span,
            label: String::new(),
            help: info.help.to_string(),
            related: Vec::new(),
            counterexample: None,
            control: None,
            fix: None,
        }
    }

    pub fn fix(mut self, title: impl Into<String>, edits: Vec<(Span, String)>) -> Self {
        self.fix = Some(Box::new(Fix {
            title: title.into(),
            edits,
        }));
        self
    }

    pub fn control(mut self, c: ControlRef) -> Self {
        self.control = Some(c);
        self
    }

    pub fn counterexample(mut self, c: Counterexample) -> Self {
        self.counterexample = Some(Box::new(c));
        self
    }

    pub fn label(mut self, label: impl Into<String>) -> Self {
        self.label = label.into();
        self
    }

    pub fn help(mut self, help: impl Into<String>) -> Self {
        self.help = help.into();
        self
    }

    pub fn related(mut self, span: Span, label: impl Into<String>) -> Self {
        self.related.push(Related {
            span,
            label: label.into(),
        });
        self
    }

    pub fn is_error(&self) -> bool {
        self.severity == Severity::Error
    }
}

/// The diagnostics of one source file.
#[derive(Clone, Debug)]
pub struct Diagnostics {
    pub source: SourceFile,
    pub items: Vec<Diagnostic>,
}

impl Diagnostics {
    pub fn new(source: SourceFile, mut items: Vec<Diagnostic>) -> Self {
        items.sort_by(|a, b| (a.span.start, a.code).cmp(&(b.span.start, b.code)));
        Diagnostics { source, items }
    }

    pub fn errors(&self) -> usize {
        self.items.iter().filter(|d| d.is_error()).count()
    }

    pub fn warnings(&self) -> usize {
        self.items.len() - self.errors()
    }

    pub fn has_errors(&self) -> bool {
        self.errors() > 0
    }

    /// The contract's JSON rows: code, severity, message, file, line, column.
    pub fn json_rows(&self) -> Vec<JsonDiagnostic> {
        self.items
            .iter()
            .map(|d| {
                let (line, column) = self.source.line_col(d.span.start);
                let (end_line, end_column) = self.source.line_col(d.span.end);
                JsonDiagnostic {
                    code: d.code.to_string(),
                    column: Some(column),
                    control: d.control.map(|c| c.control.to_string()),
                    end_column: Some(end_column),
                    end_line: Some(end_line),
                    file: Some(self.source.name().to_string()),
                    help: d.help.clone(),
                    line: Some(line),
                    message: d.message.clone(),
                    name: d.name.to_string(),
                    profile: d.control.map(|c| c.profile.to_string()),
                    severity: d.severity,
                    counterexample: d.counterexample.as_deref().cloned(),
                }
            })
            .collect()
    }
}

impl fmt::Display for Diagnostics {
    /// A plain, one-line-per-diagnostic rendering (`file:line:col: severity[code]: message`).
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        for d in &self.items {
            let (line, col) = self.source.line_col(d.span.start);
            writeln!(
                f,
                "{}:{}:{}: {}[{}]: {}",
                self.source.name(),
                line,
                col,
                d.severity,
                d.code,
                d.message
            )?;
        }
        Ok(())
    }
}

impl std::error::Error for Diagnostics {}

/// One row of `mfac check --format json` (the README's `mfac check`, plus `name`,
/// `end_line`, `end_column` and `help`). The place is `None` (`null`) only
/// for an error that has none, such as a bad command-line flag.
#[derive(Clone, Debug, PartialEq, Eq, Serialize, Deserialize)]
pub struct JsonDiagnostic {
    pub code: String,
    pub column: Option<usize>,
    /// For a failing control of a compliance profile: its id (`8.4.2`),
    /// beside `profile`. Absent otherwise.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub control: Option<String>,
    pub end_column: Option<usize>,
    pub end_line: Option<usize>,
    pub file: Option<String>,
    pub help: String,
    pub line: Option<usize>,
    pub message: String,
    /// The check's kebab-case name, e.g. `duplicate-rule`.
    pub name: String,
    /// The profile of `control` (`pci-dss-4.0`). Absent otherwise.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub profile: Option<String>,
    pub severity: Severity,
    /// For a failing assertion or a finding of the proof engine: the login
    /// that shows it. Absent otherwise.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub counterexample: Option<Counterexample>,
}

/// `mfac check --format json`: every finding of every file, the controls
/// of every compliance profile applied (absent when none is), and the
/// totals.
#[derive(Clone, Debug, PartialEq, Eq, Serialize, Deserialize)]
pub struct CheckReport {
    #[serde(default, skip_serializing_if = "Vec::is_empty")]
    pub controls: Vec<ControlRow>,
    pub diagnostics: Vec<JsonDiagnostic>,
    pub errors: usize,
    pub warnings: usize,
}

/// One control of one profile applied to one policy, and how it came out.
#[derive(Clone, Debug, PartialEq, Eq, Serialize, Deserialize)]
pub struct ControlRow {
    pub control: String,
    /// The policy file it was applied to.
    pub file: String,
    pub profile: String,
    /// `pass`, `fail` or `not_covered`.
    pub result: String,
    pub title: String,
}

impl CheckReport {
    pub fn new(diagnostics: Vec<JsonDiagnostic>) -> CheckReport {
        let errors = diagnostics
            .iter()
            .filter(|d| d.severity == Severity::Error)
            .count();
        CheckReport {
            controls: Vec::new(),
            warnings: diagnostics.len() - errors,
            errors,
            diagnostics,
        }
    }
}
