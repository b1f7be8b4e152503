//! The one diagnostic type every stage reports with. A diagnostic is written
//! once (code, message, span, help) and rendered many ways: miette for people,
//! JSON for tools.

use crate::source::{SourceFile, Span};
use serde::Serialize;
use std::fmt;

#[derive(Clone, Copy, Debug, PartialEq, Eq, PartialOrd, Ord, Hash, Serialize)]
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

#[derive(Clone, Debug, PartialEq, Eq)]
pub struct Diagnostic {
    /// Stable code from the check registry, e.g. `E003`.
    pub code: &'static str,
    pub severity: Severity,
    /// One line, lowercase, no final period; user input in backticks.
    pub message: String,
    pub span: Span,
    /// What the underlined text is, in a few words.
    pub label: String,
    /// What to do about it, in plain words.
    pub help: String,
    pub related: Vec<Related>,
}

impl Diagnostic {
    /// A diagnostic whose code and severity come from the registry entry.
    pub fn new(info: &crate::check::CheckInfo, span: Span, message: impl Into<String>) -> Self {
        Diagnostic {
            code: info.code,
            severity: info.severity,
            message: message.into(),
            span,
            label: String::new(),
            help: info.help.to_string(),
            related: Vec::new(),
        }
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
                    code: d.code,
                    name: crate::check::find(d.code).map_or("", |c| c.info.name),
                    end_line,
                    end_column,
                    severity: d.severity,
                    message: d.message.clone(),
                    file: self.source.name().to_string(),
                    line,
                    column,
                    help: d.help.clone(),
                }
            })
            .collect()
    }

    /// Views for miette's renderers, one per diagnostic.
    pub fn reports(&self) -> impl Iterator<Item = Report<'_>> {
        self.items.iter().map(move |d| Report {
            source: &self.source,
            diagnostic: d,
        })
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

#[derive(Clone, Debug, Serialize)]
pub struct JsonDiagnostic {
    pub code: &'static str,
    /// The check's kebab-case name, e.g. `duplicate-rule`.
    pub name: &'static str,
    pub severity: Severity,
    pub message: String,
    pub file: String,
    pub line: usize,
    pub column: usize,
    /// Where the underlined text ends (the column just past it).
    pub end_line: usize,
    pub end_column: usize,
    pub help: String,
}

/// One diagnostic joined to its source, in the shape miette renders.
#[derive(Debug)]
pub struct Report<'a> {
    source: &'a SourceFile,
    diagnostic: &'a Diagnostic,
}

impl fmt::Display for Report<'_> {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.write_str(&self.diagnostic.message)
    }
}

impl std::error::Error for Report<'_> {}

impl miette::SourceCode for SourceFile {
    fn read_span<'a>(
        &'a self,
        span: &miette::SourceSpan,
        context_lines_before: usize,
        context_lines_after: usize,
    ) -> Result<Box<dyn miette::SpanContents<'a> + 'a>, miette::MietteError> {
        // miette scans a `str` from its start to find a span's line, which
        // makes rendering many diagnostics of a large file quadratic. Hand it
        // only the lines around the span, found with the line index.
        let (start, end) = (span.offset(), span.offset() + span.len());
        let (first, _) = self.line_col(start);
        let (last, _) = self.line_col(end);
        let from_line = first.saturating_sub(1 + context_lines_before);
        let to_line = last.saturating_add(context_lines_after);
        let mut from = self.line_start(from_line);
        let mut to = self.line_start(to_line).max(end).min(self.text().len());
        // A very long line (a minified or binary blob) is cut to the text
        // around the span, so that a terminal is not flooded with it.
        // Ordinary context lines are left whole.
        const LONG: usize = 1_000;
        const AROUND: usize = 120;
        let text = self.text();
        if start.saturating_sub(from) > LONG {
            from = floor_char(text, start - AROUND);
        }
        if to.saturating_sub(end) > LONG {
            to = ceil_char(text, end + AROUND);
        }
        let window = text.get(from..to).unwrap_or("");
        let (from_line, from_column) = {
            let (l, c) = self.line_col(from);
            (l - 1, c - 1)
        };
        let local = miette::SourceSpan::new(start.saturating_sub(from).into(), span.len());
        let contents = window.read_span(&local, context_lines_before, context_lines_after)?;
        let found = contents.span();
        Ok(Box::new(miette::MietteSpanContents::new_named(
            self.name().to_string(),
            contents.data(),
            miette::SourceSpan::new((found.offset() + from).into(), found.len()),
            contents.line() + from_line,
            if contents.line() == 0 {
                contents.column() + from_column
            } else {
                contents.column()
            },
            contents.line_count(),
        )))
    }
}

/// The nearest char boundary at or before `i`.
fn floor_char(text: &str, mut i: usize) -> usize {
    while i > 0 && !text.is_char_boundary(i) {
        i -= 1;
    }
    i
}

/// The nearest char boundary at or after `i` (at most the text's end).
fn ceil_char(text: &str, mut i: usize) -> usize {
    i = i.min(text.len());
    while i < text.len() && !text.is_char_boundary(i) {
        i += 1;
    }
    i
}

impl miette::Diagnostic for Report<'_> {
    fn code<'b>(&'b self) -> Option<Box<dyn fmt::Display + 'b>> {
        Some(Box::new(self.diagnostic.code))
    }

    fn severity(&self) -> Option<miette::Severity> {
        Some(match self.diagnostic.severity {
            Severity::Error => miette::Severity::Error,
            Severity::Warning => miette::Severity::Warning,
        })
    }

    fn help<'b>(&'b self) -> Option<Box<dyn fmt::Display + 'b>> {
        if self.diagnostic.help.is_empty() {
            None
        } else {
            Some(Box::new(&self.diagnostic.help))
        }
    }

    fn source_code(&self) -> Option<&dyn miette::SourceCode> {
        Some(self.source)
    }

    fn labels(&self) -> Option<Box<dyn Iterator<Item = miette::LabeledSpan> + '_>> {
        let d = self.diagnostic;
        let primary = miette::LabeledSpan::new_primary_with_span(
            (!d.label.is_empty()).then(|| d.label.clone()),
            (d.span.start, d.span.len()),
        );
        let related = d.related.iter().map(|r| {
            miette::LabeledSpan::new_with_span(Some(r.label.clone()), (r.span.start, r.span.len()))
        });
        Some(Box::new(std::iter::once(primary).chain(related)))
    }
}
