//! Inline suppressions: `# mfac: allow(W002) reason "kept for the audit"`.
//!
//! A suppression on a line of its own applies to the next line with code; at
//! the end of a line, to that line. It silences the named warnings whose
//! finding starts on that line. A suppression needs a reason (it is the audit
//! trail of a decision to accept a risk); errors cannot be suppressed (an
//! error means the policy cannot be trusted to evaluate); and one that
//! silences nothing is itself a warning, so stale ones do not pile up.

use super::checks::{bad_suppression, unused_suppression};
use crate::diagnostic::{Diagnostic, Severity};
use crate::source::{SourceFile, Span};
use crate::syntax::{Token, TokenKind};

struct Suppression {
    span: Span,
    codes: Vec<String>,
    /// 1-based line it applies to.
    target: usize,
    used: bool,
}

/// Every comment of the token stream: (its span, whether it has a line of
/// its own).
fn comments(tokens: &[Token]) -> impl Iterator<Item = (Span, bool)> + '_ {
    tokens.iter().filter_map(|t| match t.kind {
        TokenKind::Comment { after_code } => Some((t.span, !after_code)),
        _ => None,
    })
}

/// `mfac: allow(A, B) reason "..."` -> (codes, reason).
fn parse(comment: &str) -> Option<(Vec<String>, Option<String>)> {
    let rest = comment
        .trim_start_matches('#')
        .trim()
        .strip_prefix("mfac:")?
        .trim();
    let rest = rest.strip_prefix("allow(")?;
    let (codes, rest) = rest.split_once(')')?;
    let codes = codes
        .split(',')
        .map(|c| c.trim().to_ascii_uppercase())
        .filter(|c| !c.is_empty())
        .collect();
    let reason = rest
        .trim()
        .strip_prefix("reason")
        .map(str::trim)
        .and_then(|r| r.strip_prefix('"')?.strip_suffix('"'))
        .map(str::trim)
        .filter(|r| !r.is_empty())
        .map(String::from);
    Some((codes, reason))
}

/// The first line at or after `line` (1-based) with code on it.
fn next_code_line(source: &SourceFile, tokens: &[Token], line: usize) -> usize {
    tokens
        .iter()
        .filter(|t| !t.is_trivia())
        .map(|t| source.line(t.span.start))
        .find(|&l| l >= line)
        .unwrap_or(line)
}

/// Drop the suppressed warnings from `found`; add findings about the
/// suppressions themselves. A suppression of a check the project turned off
/// is not reported as unused: the check did not run, so it cannot tell.
pub fn apply(
    source: &SourceFile,
    tokens: &[Token],
    found: &mut Vec<Diagnostic>,
    config: &super::config::CheckConfig,
) {
    let mut sups = Vec::new();
    let mut bad = Vec::new();
    for (span, own_line) in comments(tokens) {
        let start = span.start;
        let Some((codes, reason)) = parse(source.slice(span)) else {
            continue;
        };
        let problem = if reason.is_none() {
            Some("a suppression needs a reason: `reason \"...\"`".to_string())
        } else if codes.is_empty() {
            Some("a suppression names no check".to_string())
        } else {
            codes.iter().find_map(|c| match super::find(c) {
                None => Some(format!("`{c}` is not a check code")),
                Some(k) if k.info.severity == Severity::Error => Some(format!(
                    "`{c}` is an error, and errors cannot be suppressed"
                )),
                Some(_) => None,
            })
        };
        if let Some(message) = problem {
            bad.push(Diagnostic::new(&bad_suppression::INFO, span, message).label("ignored"));
            continue;
        }
        let line = source.line(start);
        sups.push(Suppression {
            span,
            codes,
            target: if own_line {
                next_code_line(source, tokens, line + 1)
            } else {
                line
            },
            used: false,
        });
    }
    found.retain(|d| {
        if d.severity != Severity::Warning {
            return true;
        }
        let line = source.line(d.span.start);
        match sups
            .iter_mut()
            .find(|s| s.target == line && s.codes.iter().any(|c| c == d.code))
        {
            Some(s) => {
                s.used = true;
                false
            }
            None => true,
        }
    });
    found.extend(bad);
    let silent = |s: &&Suppression| {
        s.used
            || s.codes
                .iter()
                .any(|c| !config.enabled(&c.to_ascii_uppercase()))
    };
    for s in sups.iter().filter(|s| !silent(s)) {
        found.push(
            Diagnostic::new(
                &unused_suppression::INFO,
                s.span,
                format!(
                    "this suppression of {} silences nothing",
                    s.codes.join(", ")
                ),
            )
            .label("nothing to allow here"),
        );
    }
}

#[cfg(test)]
mod tests {
    use super::parse;

    #[test]
    fn reads_codes_and_reason() {
        assert_eq!(
            parse("# mfac: allow(W002, w011) reason \"audit\""),
            Some((vec!["W002".into(), "W011".into()], Some("audit".into())))
        );
        assert_eq!(
            parse("# mfac: allow(W002)"),
            Some((vec!["W002".into()], None))
        );
        assert_eq!(parse("# just a comment"), None);
    }
}
