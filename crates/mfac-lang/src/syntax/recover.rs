//! Reading past a syntax error. pest stops at the first one; an author in
//! an editor, with half a rule typed, still wants the findings of the rest
//! of the file. So a broken file is read again item by item: an item that
//! does not parse is broken from its first word to the next line that
//! starts (at its first column, as `mfac fmt` writes items) with a word that
//! starts an item, where reading resumes. The broken stretches are blanked (same byte offsets,
//! newlines kept) and the text read again, so every span of the tree points
//! into the author's text.

use super::errors::{syntax_error, TOP_WORDS};

use super::parse::{read, MfaParser, Read, Rule};
use crate::diagnostic::Diagnostic;
use crate::source::{SourceFile, Span};
use pest::Parser as _;

/// A file read as far as it goes.
pub struct Recovered {
    /// The items that parse, with the broken stretches left out; `None`
    /// when even that does not read.
    pub read: Option<Read>,
    /// One syntax error per broken stretch, the first as [`read`] reports it.
    pub errors: Vec<Diagnostic>,
    /// The broken stretches, in order.
    pub broken: Vec<Span>,
}

/// Read `source`, recovering after each syntax error. Without one, this is
/// [`read`] with nothing broken.
pub fn read_recovering(source: &SourceFile) -> Recovered {
    let first = match read(source) {
        Ok(r) => {
            return Recovered {
                read: Some(r),
                errors: Vec::new(),
                broken: Vec::new(),
            }
        }
        Err(e) => e,
    };
    let text = source.text();
    let (broken, later) = broken_items(text);
    let mut errors = first;
    errors.extend(later.into_iter().skip(1));
    let read = blank(text, &broken).and_then(|t| read(&SourceFile::new(source.name(), t)).ok());
    Recovered {
        read,
        errors,
        broken,
    }
}

/// The broken stretches of `text`, each with the syntax error that starts it.
fn broken_items(text: &str) -> (Vec<Span>, Vec<Diagnostic>) {
    let (mut broken, mut errors) = (Vec::new(), Vec::new());
    let mut p = 0;
    while let Some(rest) = text.get(p..).filter(|r| !r.is_empty()) {
        if MfaParser::parse(Rule::nothing_more, rest).is_ok() {
            break;
        }
        let e = match MfaParser::parse(Rule::one_item, rest) {
            Ok(mut pairs) => {
                let end = pairs.next().map_or(0, |item| item.as_span().end());
                if end == 0 {
                    break;
                }
                p += end;
                continue;
            }
            Err(e) => e,
        };
        let start = p + trivia_len(rest);
        let at = p + match e.location {
            pest::error::InputLocation::Pos(x) => x,
            pest::error::InputLocation::Span((x, _)) => x,
        };
        if let Some(shifted) = pest::Position::new(text, at)
            .map(|pos| pest::error::Error::new_from_pos(e.variant.clone(), pos))
        {
            errors.push(syntax_error(text, &shifted));
        }
        // The next item may start before the error: a keyword is also a
        // name (`factors group` reads), so pest can read on into it.
        let resume = next_item_start(text, start + 1).unwrap_or(text.len());
        broken.push(Span::new(start, resume));
        p = resume;
    }
    (broken, errors)
}

/// The length of the whitespace and comments `rest` starts with.
fn trivia_len(rest: &str) -> usize {
    MfaParser::parse(Rule::trivia, rest)
        .ok()
        .and_then(|mut pairs| pairs.next())
        .map_or(0, |t| t.as_span().end())
}

/// Does `line` open, at its first column, with a word that starts an item
/// (`group`, `rule`, `assert`, ...)? Where reading resumes after a broken
/// item, and where completion takes the item being typed to start.
pub(super) fn opens_item(line: &str) -> bool {
    TOP_WORDS.iter().any(|w| {
        line.strip_prefix(w).is_some_and(|after| {
            !after.starts_with(|c: char| c.is_ascii_alphanumeric() || c == '_')
        })
    })
}

/// The first line start at or after `from` whose line opens with a word
/// that starts an item.
fn next_item_start(text: &str, from: usize) -> Option<usize> {
    let starts = text
        .match_indices('\n')
        .map(|(i, _)| i + 1)
        .filter(move |&i| i >= from);
    let at_from =
        (from == 0 || text.get(..from).is_some_and(|t| t.ends_with('\n'))).then_some(from);
    at_from
        .into_iter()
        .chain(starts)
        .find(|&i| opens_item(text.get(i..).unwrap_or("")))
}

/// `text` with every broken stretch turned to spaces, its newlines kept, so
/// that offsets and line numbers stay those of the author's text.
fn blank(text: &str, broken: &[Span]) -> Option<String> {
    let mut bytes = text.as_bytes().to_vec();
    for s in broken {
        for b in bytes.get_mut(s.start..s.end).into_iter().flatten() {
            if *b != b'\n' {
                *b = b' ';
            }
        }
    }
    String::from_utf8(bytes).ok()
}

#[cfg(test)]
mod tests {
    use super::*;

    fn recovered(text: &str) -> Recovered {
        read_recovering(&SourceFile::new("t.mfa", text))
    }

    #[test]
    fn a_missing_brace_breaks_only_its_own_rule() {
        let text = "default { enforcement optional }\ngroup \"A\" {\n  enforcement required\ngroup \"B\" { enforcement required }\n";
        let r = recovered(text);
        assert_eq!(r.errors.len(), 1, "{:?}", r.errors);
        assert_eq!(r.broken.len(), 1);
        let b = r.broken[0];
        assert_eq!(
            &text[b.start..b.end],
            "group \"A\" {\n  enforcement required\n"
        );
        let items = r.read.unwrap().file.items;
        assert_eq!(items.len(), 2, "default and group B are read");
    }

    #[test]
    fn each_broken_item_has_its_own_error_at_its_own_place() {
        let text = "group \"A\" { enforcement sometimes }\ngroup \"B\" { enforcement required }\ngroup \"C\" { factors webauthn, totp }\n";
        let r = recovered(text);
        assert_eq!(r.errors.len(), 2, "{:?}", r.errors);
        assert!(
            r.errors[0].span.start < 40 && r.errors[1].span.start > 70,
            "{:?}",
            r.errors
        );
        assert!(r.errors[1].message.contains('|'), "{}", r.errors[1].message);
        assert_eq!(r.read.unwrap().file.items.len(), 1);
    }

    #[test]
    fn half_a_word_at_the_end_is_broken_to_the_end() {
        let text = "default { enforcement optional }\ngro";
        let r = recovered(text);
        assert_eq!(r.broken, vec![Span::new(33, 36)]);
        assert_eq!(r.read.unwrap().file.items.len(), 1);
    }

    #[test]
    fn a_file_that_parses_has_nothing_broken() {
        let r = recovered("default { enforcement optional }\n");
        assert!(r.errors.is_empty() && r.broken.is_empty() && r.read.is_some());
    }

    #[test]
    fn multibyte_text_in_a_broken_stretch_keeps_offsets() {
        let text = "group \"Ädmins\" {\n# é\ngroup \"B\" { enforcement required }\n";
        let r = recovered(text);
        let items = r.read.unwrap().file.items;
        assert_eq!(items.len(), 1);
        assert_eq!(r.broken[0].end, text.find("group \"B\"").unwrap());
    }
}
