//! mfac's findings as LSP diagnostics: the same codes, severities and
//! ranges as `mfac check`, a failing property's counterexample (its replay
//! line last) under the message, and the related places.

use crate::position::Lines;
use lsp_types::{DiagnosticRelatedInformation, DiagnosticSeverity, Location, NumberOrString, Uri};
use mfac_core::diagnostic::{Diagnostic, Severity};

pub fn diagnostic(d: &Diagnostic, lines: &Lines, uri: &Uri) -> lsp_types::Diagnostic {
    let mut message = d.message.clone();
    if let Some(c) = &d.counterexample {
        message.push('\n');
        message.push_str(&c.text());
    }
    let related: Vec<DiagnosticRelatedInformation> = d
        .related
        .iter()
        .map(|r| DiagnosticRelatedInformation {
            location: Location::new(uri.clone(), lines.range(r.span)),
            message: r.label.clone(),
        })
        .collect();
    lsp_types::Diagnostic {
        range: lines.range(d.span),
        severity: Some(match d.severity {
            Severity::Error => DiagnosticSeverity::ERROR,
            Severity::Warning => DiagnosticSeverity::WARNING,
        }),
        code: Some(NumberOrString::String(d.code.to_string())),
        code_description: None,
        source: Some("mfac".to_string()),
        message,
        related_information: (!related.is_empty()).then_some(related),
        tags: None,
        data: None,
    }
}
