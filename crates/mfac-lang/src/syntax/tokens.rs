//! The one token stream: every byte of a policy in exactly one token, split
//! where the grammar splits it. The parser builds the syntax tree from the
//! same parse; the formatter and the suppression comments read these
//! tokens, so no second scanner with keyword tables of its own can drift
//! from the grammar. Trivia (whitespace and comments) is what the grammar
//! puts between its tokens (its `WHITESPACE` and `COMMENT`), kept as tokens
//! too: the stream is lossless.

use super::parse::Rule;
use crate::source::Span;
use pest::iterators::Pair;

#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub enum TokenKind {
    /// A keyword of the grammar (`enforcement`, `group`, ...).
    Keyword,
    /// Any other word: a name, level, duration, date, number, time, day.
    Word,
    /// A quoted string, quotes included.
    Str,
    /// `{`, `}`, `=`, `|`, `,`, `-`.
    Punct,
    /// `# ...` to the end of the line (the newline not included), and
    /// whether code comes before it on its line (it trails that code) or
    /// not (it has the line to itself).
    Comment { after_code: bool },
    /// Spaces, tabs and newlines (a BOM too).
    Space,
}

#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub struct Token {
    pub kind: TokenKind,
    pub span: Span,
}

impl Token {
    pub fn is_trivia(&self) -> bool {
        matches!(self.kind, TokenKind::Comment { .. } | TokenKind::Space)
    }
}

/// A top-level item as it is laid out: its span, and for an item with a
/// block (`{ ... }`), where the block opens and closes and the span of each
/// entry in it (a field, a rollout's `applies` and phases, a calendar's
/// lines, an assertion's `for` and claims).
#[derive(Clone, Debug, PartialEq, Eq)]
pub struct Outline {
    pub span: Span,
    pub block: Option<BlockOutline>,
}

#[derive(Clone, Debug, PartialEq, Eq)]
pub struct BlockOutline {
    pub open: Span,
    pub close: Span,
    pub entries: Vec<Span>,
}

fn span(p: &Pair<'_, Rule>) -> Span {
    let s = p.as_span();
    Span::new(s.start(), s.end())
}

/// The tokens of a parsed file: the grammar's leaves, with the trivia
/// between them split into whitespace and comments.
pub(super) fn tokens(text: &str, file: &Pair<'_, Rule>) -> Vec<Token> {
    let mut leaves = Vec::new();
    leaves_of(file.clone(), &mut leaves);
    let mut out = Vec::with_capacity(leaves.len() * 2 + 1);
    let mut at = 0;
    for leaf in leaves {
        trivia(text, at, leaf.span.start, &mut out);
        at = leaf.span.end;
        out.push(leaf);
    }
    trivia(text, at, text.len(), &mut out);
    // Whether each comment trails code on its line: the stream says it
    // once, for the formatter and the suppression comments alike.
    let mut code_on_line = false;
    for t in &mut out {
        match &mut t.kind {
            TokenKind::Comment { after_code } => *after_code = code_on_line,
            TokenKind::Space => {
                code_on_line &= !text
                    .get(t.span.start..t.span.end)
                    .unwrap_or("")
                    .contains('\n')
            }
            _ => code_on_line = true,
        }
    }
    out
}

fn leaves_of(p: Pair<'_, Rule>, out: &mut Vec<Token>) {
    let kind_of = p.as_rule();
    let kind = match kind_of {
        Rule::EOI => return,
        Rule::string => Some(TokenKind::Str),
        Rule::lbrace | Rule::rbrace | Rule::equals | Rule::pipe | Rule::comma | Rule::dash => {
            Some(TokenKind::Punct)
        }
        _ => None,
    };
    let mut children = p.clone().into_inner().peekable();
    match (kind, children.peek()) {
        (Some(kind), _) => out.push(Token {
            kind,
            span: span(&p),
        }),
        (None, None) => out.push(Token {
            kind: if super::parse::is_keyword(kind_of) {
                TokenKind::Keyword
            } else {
                TokenKind::Word
            },
            span: span(&p),
        }),
        (None, Some(_)) => children.for_each(|c| leaves_of(c, out)),
    }
}

/// `text[from..to]`, which the grammar left to trivia, as whitespace and
/// comment tokens.
fn trivia(text: &str, from: usize, to: usize, out: &mut Vec<Token>) {
    let mut i = from;
    while i < to {
        let rest = text.get(i..to).unwrap_or("");
        let (kind, len) = if rest.starts_with('#') {
            (
                TokenKind::Comment { after_code: false },
                rest.find('\n').unwrap_or(rest.len()),
            )
        } else {
            (TokenKind::Space, rest.find('#').unwrap_or(rest.len()))
        };
        out.push(Token {
            kind,
            span: Span::new(i, i + len),
        });
        i += len.max(1);
    }
}

/// `span` without the trivia the grammar let it swallow at its end (a
/// repetition that looked past a comment for one more element): up to its
/// last code token.
fn trim(span: Span, tokens: &[Token]) -> Span {
    // Tokens are in text order: the last one ending within the span, then
    // back over trivia.
    let upto = tokens.partition_point(|t| t.span.end <= span.end);
    let end = tokens
        .get(..upto)
        .unwrap_or_default()
        .iter()
        .rev()
        .take_while(|t| t.span.start >= span.start)
        .find(|t| !t.is_trivia())
        .map_or(span.start, |t| t.span.end);
    Span::new(span.start, end)
}

/// The layout of every top-level item, its spans trimmed to code.
pub(super) fn outline(file: &Pair<'_, Rule>, tokens: &[Token]) -> Vec<Outline> {
    let span = |p: &Pair<'_, Rule>| trim(span(p), tokens);
    file.clone()
        .into_inner()
        .filter(|p| p.as_rule() != Rule::EOI)
        .map(|item| {
            let children: Vec<Pair<'_, Rule>> = item.clone().into_inner().collect();
            let open = children.iter().position(|c| c.as_rule() == Rule::lbrace);
            let close = children.iter().rposition(|c| c.as_rule() == Rule::rbrace);
            let block = match (open, close) {
                (Some(o), Some(c)) if o < c => Some(BlockOutline {
                    open: children.get(o).map(span).unwrap_or_default(),
                    close: children.get(c).map(span).unwrap_or_default(),
                    entries: children
                        .get(o + 1..c)
                        .unwrap_or_default()
                        .iter()
                        .map(span)
                        .collect(),
                }),
                _ => None,
            };
            Outline {
                span: span(&item),
                block,
            }
        })
        .collect()
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::source::SourceFile;

    fn read(text: &str) -> super::super::Read {
        super::super::read(&SourceFile::new("t.mfa", text)).unwrap()
    }

    #[test]
    fn the_stream_is_lossless_and_trivia_is_only_space_and_comments() {
        let text = "\u{feff}# head\nprecedence specific # mode\nstrength s = webauthn|totp\ncalendar { work_hours mon-fri 08:00-18:00 }\ngroup \"A b\" { # c\n  enforcement required\n  remember 1h same_ip max_logins 3 }\nrollout \"r\" { applies default, group \"A b\" on 2026-12-01T09:00:00Z enforcement optional }\nassert \"x\" { for privileged always remember never }\n";
        let r = read(text);
        let joined: String = r
            .tokens
            .iter()
            .map(|t| &text[t.span.start..t.span.end])
            .collect();
        assert_eq!(joined, text);
        for t in &r.tokens {
            let s = &text[t.span.start..t.span.end];
            match t.kind {
                TokenKind::Space => assert!(
                    s.chars().all(|c| c.is_whitespace() || c == '\u{feff}'),
                    "{s:?}"
                ),
                TokenKind::Comment { .. } => assert!(s.starts_with('#') && !s.contains('\n')),
                _ => assert!(
                    !s.is_empty() && !s.contains(char::is_whitespace) || t.kind == TokenKind::Str,
                    "{s:?}"
                ),
            }
        }
        let words = |k: TokenKind| -> Vec<&str> {
            r.tokens
                .iter()
                .filter(|t| t.kind == k)
                .map(|t| &text[t.span.start..t.span.end])
                .collect()
        };
        let comment = |after_code| TokenKind::Comment { after_code };
        assert_eq!(words(comment(false)), ["# head"]);
        assert_eq!(words(comment(true)), ["# mode", "# c"]);
        assert!(words(TokenKind::Keyword).contains(&"max_logins"));
        assert!(words(TokenKind::Word).contains(&"2026-12-01T09:00:00Z"));
        assert_eq!(r.outline.len(), 6);
        let group = &r.outline[3];
        assert_eq!(group.block.as_ref().map(|b| b.entries.len()), Some(2));
    }
}
