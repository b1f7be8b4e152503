//! Diagnostics as miette renders them, for people. The terminal renderer
//! is the CLI's alone; the library's diagnostics are plain data.

use mfac::diagnostic::{Diagnostic, Diagnostics, Severity};
use mfac::SourceFile;
use std::fmt;

/// A source file as miette reads it. (A wrapper: the file type lives in
/// `mfac-core`, which does not depend on miette.)
#[derive(Debug)]
pub struct Src<'a>(&'a SourceFile);

/// One diagnostic joined to its source, in the shape miette renders.
#[derive(Debug)]
pub struct Report<'a> {
    source: Src<'a>,
    diagnostic: &'a Diagnostic,
}

/// Views for miette's renderers, one per diagnostic.
pub fn reports(d: &Diagnostics) -> impl Iterator<Item = Report<'_>> {
    d.items.iter().map(move |x| Report {
        source: Src(&d.source),
        diagnostic: x,
    })
}

impl fmt::Display for Report<'_> {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.write_str(&self.diagnostic.message)
    }
}

impl std::error::Error for Report<'_> {}

impl miette::SourceCode for Src<'_> {
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
        let (first, _) = self.0.line_col(start);
        let (last, _) = self.0.line_col(end);
        let from_line = first.saturating_sub(1 + context_lines_before);
        let to_line = last.saturating_add(context_lines_after);
        let mut from = self.0.line_start(from_line);
        let mut to = self.0.line_start(to_line).max(end).min(self.0.text().len());
        // A very long line (a minified or binary blob) is cut to the text
        // around the span, so that a terminal is not flooded with it.
        // Ordinary context lines are left whole.
        const LONG: usize = 1_000;
        const AROUND: usize = 120;
        let text = self.0.text();
        if start.saturating_sub(from) > LONG {
            from = floor_char(text, start - AROUND);
        }
        if to.saturating_sub(end) > LONG {
            to = ceil_char(text, end + AROUND);
        }
        let window = text.get(from..to).unwrap_or("");
        let (from_line, from_column) = {
            let (l, c) = self.0.line_col(from);
            (l - 1, c - 1)
        };
        let local = miette::SourceSpan::new(start.saturating_sub(from).into(), span.len());
        let contents = window.read_span(&local, context_lines_before, context_lines_after)?;
        let found = contents.span();
        Ok(Box::new(miette::MietteSpanContents::new_named(
            self.0.name().to_string(),
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
        let d = self.diagnostic;
        match (&d.counterexample, d.help.is_empty()) {
            // The replay line is printed after the report, unwrapped
            // (`render::human`).
            (Some(c), true) => Some(Box::new(c.summary())),
            (Some(c), false) => Some(Box::new(format!("{}\n{}", d.help, c.summary()))),
            (None, true) => None,
            (None, false) => Some(Box::new(&d.help)),
        }
    }

    fn source_code(&self) -> Option<&dyn miette::SourceCode> {
        Some(&self.source)
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
