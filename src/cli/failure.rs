//! How a command that cannot finish says so, in the format it was asked
//! for. A machine format never goes silent: with `--format json` (or
//! `sarif`, `github`, `junit`) the error is printed on stdout in that format,
//! with its registry code and, where there is one, file, line and column.
//! People get the same error rendered on stderr.

use mfac::check::codes;
use mfac::diagnostic::Diagnostic;
use mfac::diagnostic::{CheckReport, JsonDiagnostic};
use mfac::wire::{ErrorRecord, ErrorReport};
use mfac::{Diagnostics, SourceFile};
use serde_json::{json, Value};

/// A failure that ends the command with an exit code.
pub struct Failure {
    /// The exit code: 1 the policy has errors, 2 bad usage or unreadable input.
    pub code: u8,
    /// One line for people.
    pub message: String,
    /// The registry code machine formats report when nothing is located.
    pub kind: &'static str,
    /// The located diagnostics behind it (a policy's errors, a directory's
    /// bad row, an unreadable file), rendered for people and tools alike.
    pub found: Vec<Diagnostics>,
}

impl Failure {
    /// Bad usage (exit 2, `E026`): a flag or value mfac cannot use.
    pub fn input(message: impl Into<String>) -> Failure {
        Failure {
            code: 2,
            message: message.into(),
            kind: codes::BAD_ARGUMENT.code,
            found: Vec::new(),
        }
    }

    /// Failed because of these diagnostics; the first error (or first
    /// finding) is the machine formats' `error`.
    pub fn located(code: u8, message: impl Into<String>, found: Diagnostics) -> Failure {
        let kind = first(&found).map_or(codes::BAD_ARGUMENT.code, |d| d.code);
        Failure {
            code,
            message: message.into(),
            kind,
            found: vec![found],
        }
    }

    /// One located input problem (exit 2) in `source` at `span`.
    pub fn at(
        info: &'static mfac::check::CheckInfo,
        source: SourceFile,
        span: mfac::source::Span,
        message: impl Into<String>,
    ) -> Failure {
        let message = message.into();
        let d = Diagnostic::new(info, span, message.clone()).label("cannot use this");
        Failure::located(2, message, Diagnostics::new(source, vec![d]))
    }

    /// The contract's error object: `{"code", "message", "file", "line", "column"}`.
    pub fn error_record(&self) -> ErrorRecord {
        match self.found.iter().find_map(|d| first(d).map(|x| (d, x))) {
            Some((ds, d)) => {
                let (line, column) = ds.source.line_col(d.span.start);
                ErrorRecord {
                    code: d.code.to_string(),
                    column: Some(column),
                    file: Some(ds.source.name().to_string()),
                    line: Some(line),
                    message: d.message.clone(),
                }
            }
            None => ErrorRecord {
                code: self.kind.to_string(),
                column: None,
                file: None,
                line: None,
                message: self.message.clone(),
            },
        }
    }
}

fn first(d: &Diagnostics) -> Option<&Diagnostic> {
    d.items
        .iter()
        .find(|x| x.is_error())
        .or_else(|| d.items.first())
}

/// The format a command was asked to print in, where it is for tools.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub enum Machine {
    /// `mfac check --format json`: the diagnostics document.
    CheckJson,
    /// Any other command's JSON: `{"error": {...}}`.
    Json,
    Sarif,
    Github,
    Junit,
}

impl Machine {
    /// The machine format named by raw arguments, for errors found before
    /// they are parsed (an unknown flag): `--format X` or `--format=X`.
    pub fn from_args(args: &[String]) -> Option<Machine> {
        let command = args.iter().skip(1).find(|a| !a.starts_with('-'))?;
        let value = args.iter().enumerate().find_map(|(i, a)| {
            a.strip_prefix("--format=").map(str::to_string).or_else(|| {
                (a == "--format")
                    .then(|| args.get(i + 1).cloned())
                    .flatten()
            })
        })?;
        Machine::named(command, &value)
    }

    pub fn named(command: &str, format: &str) -> Option<Machine> {
        match (command, format) {
            ("check" | "import", "json") => Some(Machine::CheckJson),
            (_, "json") => Some(Machine::Json),
            ("check" | "import", "sarif") => Some(Machine::Sarif),
            ("check" | "import", "github") => Some(Machine::Github),
            ("test", "junit") => Some(Machine::Junit),
            _ => None,
        }
    }
}

/// The failure as `m` prints it on stdout.
pub fn render(f: &Failure, m: Machine) -> String {
    let pretty = super::render::pretty;
    match m {
        Machine::Json => {
            let report = ErrorReport {
                diagnostics: f.found.iter().flat_map(Diagnostics::json_rows).collect(),
                error: f.error_record(),
            };
            let v = serde_json::to_value(report)
                .unwrap_or_else(|e| json!({"error": {"code": f.kind, "message": e.to_string()}}));
            format!("{}\n", pretty(&v))
        }
        Machine::CheckJson => {
            let mut rows: Vec<JsonDiagnostic> =
                f.found.iter().flat_map(Diagnostics::json_rows).collect();
            if rows.is_empty() {
                let info = mfac::check::find(f.kind).map(|c| c.info);
                rows.push(JsonDiagnostic {
                    code: f.kind.to_string(),
                    column: None,
                    control: None,
                    end_column: None,
                    end_line: None,
                    file: None,
                    help: info.map_or("", |i| i.help).to_string(),
                    line: None,
                    message: f.message.clone(),
                    name: info.map_or("", |i| i.name).to_string(),
                    profile: None,
                    severity: mfac::Severity::Error,
                    counterexample: None,
                });
            }
            let doc = serde_json::to_value(CheckReport::new(rows))
                .unwrap_or_else(|e| json!({"error": {"code": f.kind, "message": e.to_string()}}));
            format!("{}\n", pretty(&doc))
        }
        Machine::Sarif => {
            let mut doc = super::render::sarif(&f.found);
            if f.found.is_empty() {
                if let Some(results) = doc
                    .pointer_mut("/runs/0/results")
                    .and_then(Value::as_array_mut)
                {
                    results.push(json!({
                        "ruleId": f.kind,
                        "level": "error",
                        "message": {"text": f.message},
                    }));
                }
            }
            format!("{}\n", pretty(&doc))
        }
        Machine::Github => {
            let mut s: String = f.found.iter().map(super::render::github).collect();
            if f.found.is_empty() {
                s = super::render::github_annotation("error", None, f.kind, None, &f.message);
            }
            s
        }
        Machine::Junit => {
            let esc = super::render::xml_escape;
            let e = f.error_record();
            let place = match (&e.file, e.line) {
                (Some(file), Some(line)) => format!("{file}:{line}: "),
                _ => String::new(),
            };
            format!(
                "<?xml version=\"1.0\" encoding=\"UTF-8\"?>\n<testsuites name=\"mfac\" tests=\"1\" failures=\"0\" errors=\"1\">\n  <testsuite name=\"mfac\" tests=\"1\" failures=\"0\" errors=\"1\">\n    <testcase classname=\"mfac\" name=\"mfac test\">\n      <error type=\"{}\" message=\"{}\"/>\n    </testcase>\n  </testsuite>\n</testsuites>\n",
                esc(&e.code),
                esc(&format!("{place}{}", e.message))
            )
        }
    }
}

/// The failure for people, on stderr: its diagnostics rendered, then one line.
pub fn report(f: &Failure) {
    let mut err = std::io::stderr();
    for d in &f.found {
        super::render::human(d, &mut err);
    }
    if !f.message.is_empty() {
        eprintln!("error: {}", f.message);
    }
}
