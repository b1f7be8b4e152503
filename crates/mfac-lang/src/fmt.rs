//! `mfac fmt`: one canonical layout for `.mfa` files, comments kept.
//!
//! The formatter lays out the syntax tree: the parser's outline says where
//! each item, block and entry is, and the one token stream (the same the
//! parser and the suppression comments read) gives the words, exactly as
//! written, and the comments; only the space between them changes. The
//! layout:
//! - each top-level item starts a line; one blank line is kept where the
//!   author left one or more;
//! - a block with one entry and no comment stays on one line
//!   (`group "Beta Testers" { enforcement optional }`); any other block has
//!   one entry per line, indented two spaces, and its `}` on a line of its own;
//! - entries are fields in a rule, `applies` and `on` in a rollout (a phase's
//!   fields stay on its `on` line), `work_hours` and `holiday` in a calendar,
//!   `for` and each claim in an assertion;
//! - single spaces between words, `a | b`, `a, b`, `x = y`, `mon-fri`;
//! - a comment stays where it was: on a line of its own, or two spaces after
//!   the code it followed (a comment inside an item's head moves above it).
//!
//! [`format`] refuses (returns `None`) a file that does not parse;
//! `mfac fmt` also compiles both versions and refuses if the policy's
//! meaning changed, so a formatter bug can never reach a file.

use crate::syntax::{Outline, Token, TokenKind};

/// A token as the layout sees it: the word as written, a comment with
/// whether code came before it on its line, or a run of blank lines.
#[derive(Clone, Debug, PartialEq, Eq)]
enum Tok<'a> {
    Word(&'a str),
    Punct(&'a str),
    Comment(&'a str, bool),
    Blank,
}

/// The token stream with its trivia folded, each token with its start.
fn layout_tokens<'a>(text: &'a str, tokens: &[Token]) -> Vec<(usize, Tok<'a>)> {
    let mut out = Vec::with_capacity(tokens.len());
    for t in tokens {
        let s = text.get(t.span.start..t.span.end).unwrap_or("");
        let tok = match t.kind {
            TokenKind::Space => {
                if s.matches('\n').count() >= 2 && !out.is_empty() {
                    out.push((t.span.start, Tok::Blank));
                }
                continue;
            }
            TokenKind::Comment { after_code } => Tok::Comment(s.trim_end(), after_code),
            TokenKind::Punct => Tok::Punct(s),
            TokenKind::Keyword | TokenKind::Word | TokenKind::Str => Tok::Word(s),
        };
        out.push((t.span.start, tok));
    }
    out
}

fn comment_text<'a>(t: &Tok<'a>) -> &'a str {
    match t {
        Tok::Comment(c, _) => c,
        _ => "",
    }
}

/// Join a line's tokens with canonical spacing.
fn join(line: &[Tok<'_>]) -> String {
    let mut s = String::new();
    let mut prev: Option<&Tok<'_>> = None;
    for t in line {
        let text = match t {
            Tok::Word(w) | Tok::Punct(w) | Tok::Comment(w, _) => *w,
            Tok::Blank => continue,
        };
        let glue =
            matches!(t, Tok::Punct(",") | Tok::Punct("-")) || matches!(prev, Some(Tok::Punct("-")));
        if let Some(p) = prev {
            if !glue {
                s.push_str(
                    if matches!(t, Tok::Comment(..)) && !matches!(p, Tok::Comment(..)) {
                        "  "
                    } else {
                        " "
                    },
                );
            }
        }
        s.push_str(text);
        prev = Some(t);
    }
    s
}

/// One top-level item: its head tokens, and its block entries if it has a block.
struct Item<'a> {
    leading: Vec<Tok<'a>>,
    head: Vec<Tok<'a>>,
    /// `None` for a one-line item without braces.
    block: Option<Vec<Vec<Tok<'a>>>>,
    /// A comment after the closing brace or on the item's line.
    trailing: Option<Tok<'a>>,
    blank_before: bool,
}

/// The comments and blank lines between items, as they are met.
#[derive(Default)]
struct Between<'a> {
    /// Comments (and blank lines among them) for the next item.
    pending: Vec<Tok<'a>>,
    blank: bool,
}

impl<'a> Between<'a> {
    /// Take one token met between items; `None` for one that cannot be
    /// there (code outside any item).
    fn take(&mut self, t: &Tok<'a>, items: &mut [Item<'a>]) -> Option<()> {
        match t {
            Tok::Blank => self.blank = true,
            Tok::Comment(_, true) => {
                // A trailing comment of the previous item.
                let last = items.last_mut()?;
                if last.trailing.is_some() {
                    return None;
                }
                last.trailing = Some(t.clone());
            }
            Tok::Comment(_, false) => {
                if self.blank && (!self.pending.is_empty() || !items.is_empty()) {
                    self.pending.push(Tok::Blank);
                }
                self.blank = false;
                self.pending.push(t.clone());
            }
            Tok::Word(_) | Tok::Punct(_) => return None,
        }
        Some(())
    }
}

/// The entries of a block, from the tokens between its braces: each entry
/// starts where the outline says one does, or after a comment.
fn entries<'a>(toks: &[(usize, Tok<'a>)], starts: &[usize]) -> Vec<Vec<Tok<'a>>> {
    let mut entries: Vec<Vec<Tok<'a>>> = Vec::new();
    for (pos, t) in toks {
        match t {
            Tok::Blank => {}
            Tok::Comment(_, true) => match entries.last_mut() {
                Some(e) => e.push(t.clone()),
                None => entries.push(vec![Tok::Comment(comment_text(t), false)]),
            },
            Tok::Comment(_, false) => entries.push(vec![t.clone()]),
            _ if starts.contains(pos) => entries.push(vec![t.clone()]),
            _ => match entries.last_mut() {
                // Continues the current entry (values, a phase's fields).
                Some(e) if !matches!(e.last(), Some(Tok::Comment(..))) => e.push(t.clone()),
                _ => entries.push(vec![t.clone()]),
            },
        }
    }
    entries
}

/// The tokens of `toks` from index `*k` that start before `end`, advancing `*k`.
fn until<'t, 'a>(
    toks: &'t [(usize, Tok<'a>)],
    k: &mut usize,
    end: usize,
) -> &'t [(usize, Tok<'a>)] {
    let from = *k;
    while toks.get(*k).is_some_and(|(pos, _)| *pos < end) {
        *k += 1;
    }
    toks.get(from..*k).unwrap_or_default()
}

/// Lay out the items of the outline.
fn items<'a>(
    toks: &[(usize, Tok<'a>)],
    outline: &[Outline],
) -> Option<(Vec<Item<'a>>, Vec<Tok<'a>>)> {
    let mut items: Vec<Item<'a>> = Vec::new();
    let mut between = Between::default();
    let mut k = 0;
    for o in outline {
        for (_, t) in until(toks, &mut k, o.span.start) {
            between.take(t, &mut items)?;
        }
        let mut leading = std::mem::take(&mut between.pending);
        let head_end = o.block.as_ref().map_or(o.span.end, |b| b.open.start);
        let mut head = Vec::new();
        for (_, t) in until(toks, &mut k, head_end) {
            // Blank lines inside the head go; its comments move above.
            match t {
                Tok::Blank => {}
                Tok::Comment(c, _) => leading.push(Tok::Comment(c, false)),
                _ => head.push(t.clone()),
            }
        }
        let block = match &o.block {
            Some(b) => {
                until(toks, &mut k, b.open.end);
                let inside = until(toks, &mut k, b.close.start);
                let starts: Vec<usize> = b.entries.iter().map(|e| e.start).collect();
                until(toks, &mut k, b.close.end);
                Some(entries(inside, &starts))
            }
            None => None,
        };
        items.push(Item {
            leading,
            head,
            block,
            trailing: None,
            blank_before: between.blank && !items.is_empty(),
        });
        between.blank = false;
    }
    for (_, t) in toks.get(k..).unwrap_or_default() {
        between.take(t, &mut items)?;
    }
    Some((items, between.pending))
}

/// Canonical text, or `None` when the text does not parse (the caller
/// reports the parse error instead).
pub fn format(text: &str) -> Option<String> {
    let read = crate::syntax::read(&crate::source::SourceFile::new("fmt.mfa", text)).ok()?;
    let toks = layout_tokens(text, &read.tokens);
    let (items, pending) = items(&toks, &read.outline)?;
    let mut out = String::new();
    for item in &items {
        if item.blank_before {
            out.push('\n');
        }
        for c in &item.leading {
            match c {
                Tok::Blank => out.push('\n'),
                _ => {
                    out.push_str(&join(std::slice::from_ref(c)));
                    out.push('\n');
                }
            }
        }
        let head = join(&item.head);
        match &item.block {
            None => out.push_str(&head),
            Some(entries) => {
                let has_comment = entries
                    .iter()
                    .flatten()
                    .any(|t| matches!(t, Tok::Comment(..)));
                match entries.as_slice() {
                    [] => out.push_str(&format!("{head} {{}}")),
                    [one] if !has_comment => out.push_str(&format!("{head} {{ {} }}", join(one))),
                    _ => {
                        out.push_str(&format!("{head} {{\n"));
                        for e in entries {
                            out.push_str("  ");
                            out.push_str(&join(e));
                            out.push('\n');
                        }
                        out.push('}');
                    }
                }
            }
        }
        if let Some(c) = &item.trailing {
            out.push_str("  ");
            out.push_str(&join(std::slice::from_ref(c)));
        }
        out.push('\n');
    }
    for c in &pending {
        if let Tok::Comment(..) = c {
            out.push_str(&join(std::slice::from_ref(c)));
            out.push('\n');
        }
    }
    Some(out)
}

/// Why a file was not formatted.
#[derive(Debug)]
pub enum FmtError {
    /// The file does not parse: its diagnostics.
    Syntax(crate::diagnostic::Diagnostics),
    /// A shape the formatter does not handle although it parses.
    Unsupported,
    /// The formatted text would mean something else (a formatter bug): the
    /// file is left alone.
    MeaningChanged,
}

/// Format a policy, and prove the result means the same: both versions are
/// checked and compiled, and their tables (lines aside) or, when the policy
/// has errors, their findings must be equal.
pub fn format_policy(source: &crate::source::SourceFile) -> Result<String, FmtError> {
    use crate::check::{check, CheckOptions};
    let opts = CheckOptions::default();
    let before = check(source, &opts);
    if before.diagnostics.items.iter().any(|d| d.code == "E001") {
        return Err(FmtError::Syntax(before.diagnostics));
    }
    let text = format(source.text()).ok_or(FmtError::Unsupported)?;
    let after = check(
        &crate::source::SourceFile::new(source.name(), text.as_str()),
        &opts,
    );
    // Tables that cannot be compared are no proof: leave the file alone.
    let meaning = |o: &crate::check::CheckOutcome| -> Result<serde_json::Value, FmtError> {
        Ok(match &o.policy {
            Some(p) => {
                let mut v = serde_json::to_value(crate::compile::compile(p))
                    .map_err(|_| FmtError::MeaningChanged)?;
                strip_lines(&mut v);
                // Assertions are not in the tables; what they claim must
                // survive formatting too.
                let claims: Vec<String> = p
                    .assertions
                    .iter()
                    .map(|a| {
                        let c: Vec<_> = a.claims.iter().map(|c| &c.value).collect();
                        format!("{:?} {c:?}", a.name)
                    })
                    .collect();
                serde_json::json!([v, claims])
            }
            None => serde_json::Value::Array(
                o.diagnostics
                    .items
                    .iter()
                    .map(|d| serde_json::json!([d.code, d.message]))
                    .collect(),
            ),
        })
    };
    if meaning(&before)? == meaning(&after)? {
        Ok(text)
    } else {
        Err(FmtError::MeaningChanged)
    }
}

/// Line numbers move when a file is reformatted; nothing else may.
fn strip_lines(v: &mut serde_json::Value) {
    match v {
        serde_json::Value::Object(m) => {
            m.remove("line");
            m.values_mut().for_each(strip_lines);
        }
        serde_json::Value::Array(a) => a.iter_mut().for_each(strip_lines),
        _ => {}
    }
}

#[cfg(test)]
mod tests {
    use super::format;

    #[test]
    fn lays_out_the_design_example() {
        let messy = "precedence   most_restrictive # mode\ntimezone \"Europe/Berlin\"\n\n\n\nstrength standard=webauthn|totp\ncalendar { work_hours mon - fri 08:00-18:00 holiday 2026-12-25 }\ndefault{enforcement optional factors standard}\n# admins\ngroup \"Administrators\" { privileged includes \"Master Admin\" ,\"Security Admin\" # members\n enforcement required }\nexempt user \"bob@acme.test\" until 2026-12-10 reason \"lost device\"\nrollout \"everyone\" { applies default on 2026-12-01 enforcement optional\non 2026-12-15 enforcement required enrolment grace 14d }\n";
        let want = "precedence most_restrictive  # mode\ntimezone \"Europe/Berlin\"\n\nstrength standard = webauthn | totp\ncalendar {\n  work_hours mon-fri 08:00-18:00\n  holiday 2026-12-25\n}\ndefault {\n  enforcement optional\n  factors standard\n}\n# admins\ngroup \"Administrators\" {\n  privileged\n  includes \"Master Admin\", \"Security Admin\"  # members\n  enforcement required\n}\nexempt user \"bob@acme.test\" until 2026-12-10 reason \"lost device\"\nrollout \"everyone\" {\n  applies default\n  on 2026-12-01 enforcement optional\n  on 2026-12-15 enforcement required enrolment grace 14d\n}\n";
        let got = format(messy).unwrap();
        assert_eq!(got, want, "\n{got}");
        assert_eq!(format(&got).unwrap(), got, "idempotent");
    }

    #[test]
    fn one_entry_blocks_stay_on_one_line_and_shapes_it_cannot_read_are_refused() {
        assert_eq!(
            format("group \"B\"   {\n enforcement optional\n}").unwrap(),
            "group \"B\" { enforcement optional }\n"
        );
        assert_eq!(
            format("group \"B\" { enforcement optional").as_deref(),
            None
        );
        assert_eq!(format("frobnicate").as_deref(), None);
        // The grammar's repetition looks past a comment for one more
        // factor; the comment still trails the line it is on.
        assert_eq!(
            format("strength b = a # tail\n\ndefault { }\n").as_deref(),
            Some("strength b = a  # tail\n\ndefault {}\n")
        );
        assert_eq!(format("group \"unterminated { }").as_deref(), None);
    }
}
