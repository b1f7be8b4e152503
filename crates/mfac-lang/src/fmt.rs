//! `mfac fmt`: one canonical layout for `.mfa` files, comments kept.
//!
//! The formatter works on tokens, not on the syntax tree, because the tree
//! drops comments. Words and strings are printed exactly as written; only
//! the space between them changes. The layout:
//! - each top-level item starts a line; one blank line is kept where the
//!   author left one or more;
//! - a block with one entry and no comment stays on one line
//!   (`group "Beta Testers" { enforcement optional }`); any other block has
//!   one entry per line, indented two spaces, and its `}` on a line of its own;
//! - entries are fields in a rule, `applies` and `on` in a rollout (a phase's
//!   fields stay on its `on` line), `work_hours` and `holiday` in a calendar;
//! - single spaces between words, `a | b`, `a, b`, `x = y`, `mon-fri`;
//! - a comment stays where it was: on a line of its own, or two spaces after
//!   the code it followed.
//!
//! [`format`] refuses (returns `None`) to print anything that would not
//! parse back; `mfac fmt` also compiles both versions and refuses if the
//! policy's meaning changed, so a formatter bug can never reach a file.

#[derive(Clone, Debug, PartialEq, Eq)]
enum Tok<'a> {
    Word(&'a str),
    Str(&'a str),
    Punct(char),
    /// A comment, and whether code came before it on its line.
    Comment(&'a str, bool),
    /// One or more blank lines.
    Blank,
}

fn lex(text: &str) -> Option<Vec<Tok<'_>>> {
    let mut toks = Vec::new();
    let bytes = text.as_bytes();
    let mut i = 0;
    let mut code_on_line = false;
    let mut newlines = 0;
    while let Some(&b) = bytes.get(i) {
        match b {
            b'\n' => {
                newlines += 1;
                code_on_line = false;
                i += 1;
                continue;
            }
            b' ' | b'\t' | b'\r' => {
                i += 1;
                continue;
            }
            _ => {}
        }
        if newlines >= 2 && !toks.is_empty() {
            toks.push(Tok::Blank);
        }
        newlines = 0;
        let start = i;
        match b {
            b'#' => {
                let end = text.get(i..)?.find('\n').map_or(text.len(), |n| i + n);
                toks.push(Tok::Comment(text.get(start..end)?.trim_end(), code_on_line));
                i = end;
                continue;
            }
            b'"' => {
                i += 1;
                loop {
                    match bytes.get(i)? {
                        b'\\' => i += 2,
                        b'"' => break,
                        b'\n' => return None,
                        _ => i += 1,
                    }
                }
                i += 1;
                toks.push(Tok::Str(text.get(start..i)?));
            }
            b'{' | b'}' | b'=' | b'|' | b',' => {
                toks.push(Tok::Punct(b as char));
                i += 1;
            }
            _ => {
                while let Some(&c) = bytes.get(i) {
                    if c.is_ascii_whitespace() || b"{}=|,\"#".contains(&c) {
                        break;
                    }
                    i += 1;
                }
                // Multi-byte characters (a BOM, a stray letter) stay inside
                // the word; the parser judges them, not the formatter.
                while !text.is_char_boundary(i) {
                    i += 1;
                }
                toks.push(Tok::Word(text.get(start..i)?));
            }
        }
        code_on_line = true;
    }
    Some(toks)
}

const TOP: [&str; 12] = [
    "precedence",
    "timezone",
    "max_exemption",
    "strength",
    "calendar",
    "default",
    "group",
    "user",
    "app",
    "exempt",
    "rollout",
    "assert",
];
#[derive(Clone, Copy, PartialEq, Eq)]
enum Block {
    Rule,
    Calendar,
    Rollout,
    Assert,
}

impl Block {
    fn starts_entry(self, w: &str) -> bool {
        match self {
            // The catalogue's fields, in every spelling, and the markers.
            Block::Rule => {
                mfac_core::policy::Field::from_keyword(w).is_some()
                    || crate::syntax::MARKERS.contains(&w)
            }
            Block::Calendar => w == "work_hours" || w == "holiday",
            Block::Rollout => w == "applies" || w == "on",
            Block::Assert => w == "for" || w == "always" || w == "never",
        }
    }
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
            Tok::Word(w) => *w,
            Tok::Str(w) => *w,
            Tok::Punct('{') => "{",
            Tok::Punct('}') => "}",
            Tok::Punct('=') => "=",
            Tok::Punct('|') => "|",
            Tok::Punct(',') => ",",
            Tok::Punct(_) | Tok::Blank => continue,
            Tok::Comment(c, _) => *c,
        };
        let glue = matches!(t, Tok::Punct(','))
            || matches!(t, Tok::Word("-"))
            || matches!(prev, Some(Tok::Word("-")));
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
    block: Option<(Block, Vec<Vec<Tok<'a>>>)>,
    /// A comment after the closing brace or on the item's line.
    trailing: Option<Tok<'a>>,
    blank_before: bool,
}

/// Canonical text, or `None` when the tokens do not have the shape of a
/// policy (the caller reports the parse error instead).
pub fn format(text: &str) -> Option<String> {
    let toks = lex(text)?;
    let mut items: Vec<Item<'_>> = Vec::new();
    let mut pending: Vec<Tok<'_>> = Vec::new(); // comments before the next item
    let mut blank = false;
    let mut i = 0;
    while let Some(t) = toks.get(i) {
        match t {
            Tok::Blank => {
                blank = true;
                i += 1;
                continue;
            }
            Tok::Comment(_, true) => {
                // A trailing comment of the previous one-line item.
                let last = items.last_mut()?;
                if last.trailing.is_some() {
                    return None;
                }
                last.trailing = Some(t.clone());
                i += 1;
                continue;
            }
            Tok::Comment(_, false) => {
                if blank && !pending.is_empty() {
                    pending.push(Tok::Blank);
                }
                if blank && pending.is_empty() && !items.is_empty() {
                    pending.push(Tok::Blank);
                }
                blank = false;
                pending.push(t.clone());
                i += 1;
                continue;
            }
            Tok::Word(w) if TOP.contains(w) => {}
            _ => return None,
        }
        let Tok::Word(keyword) = t else { return None };
        let kind = match *keyword {
            "calendar" => Some(Block::Calendar),
            "rollout" => Some(Block::Rollout),
            "assert" => Some(Block::Assert),
            "default" | "group" | "user" | "app" => Some(Block::Rule),
            _ => None,
        };
        let mut head = vec![t.clone()];
        let mut leading = std::mem::take(&mut pending);
        i += 1;
        // The head runs to `{` (block items) or to the next item.
        while let Some(t) = toks.get(i) {
            match t {
                Tok::Punct('{') if kind.is_some() => break,
                Tok::Blank | Tok::Comment(..) => {
                    // Blank lines and comments inside the head: the blank
                    // lines go, the comments move above the item. After the
                    // head they stay for what follows.
                    let next = toks
                        .get(i..)?
                        .iter()
                        .find(|t| !matches!(t, Tok::Comment(..) | Tok::Blank));
                    let inside = match next {
                        Some(Tok::Punct('{')) => kind.is_some(),
                        Some(Tok::Word(w)) => {
                            !TOP.contains(w)
                                || (*keyword == "exempt" && *w == "user" && head.len() == 1)
                        }
                        Some(Tok::Punct('}')) | None => false,
                        Some(_) => true,
                    };
                    if !inside {
                        break;
                    }
                    if let Tok::Comment(c, _) = t {
                        leading.push(Tok::Comment(c, false));
                    }
                    i += 1;
                }
                Tok::Word(w) if TOP.contains(w) => {
                    // `exempt user "x"`: the subject of the exemption.
                    if *keyword == "exempt" && *w == "user" && head.len() == 1 {
                        head.push(t.clone());
                        i += 1;
                        continue;
                    }
                    break;
                }
                Tok::Punct('}') => return None,
                _ => {
                    head.push(t.clone());
                    i += 1;
                }
            }
        }
        let mut item = Item {
            leading,
            head,
            block: None,
            trailing: None,
            blank_before: blank && !items.is_empty(),
        };
        blank = false;
        if let Some(kind) = kind {
            if toks.get(i) != Some(&Tok::Punct('{')) {
                return None;
            }
            i += 1;
            let mut entries: Vec<Vec<Tok<'_>>> = Vec::new();
            loop {
                let t = toks.get(i)?;
                i += 1;
                match t {
                    Tok::Punct('}') => break,
                    Tok::Punct('{') => return None,
                    Tok::Blank => {}
                    Tok::Comment(_, true) => match entries.last_mut() {
                        Some(e) => e.push(t.clone()),
                        None => entries.push(vec![Tok::Comment(comment_text(t), false)]),
                    },
                    Tok::Comment(_, false) => entries.push(vec![t.clone()]),
                    // `always remember never`: that `never` is the condition's.
                    Tok::Word("never")
                        if kind == Block::Assert
                            && entries
                                .last()
                                .is_some_and(|e| e.last() == Some(&Tok::Word("remember"))) =>
                    {
                        if let Some(e) = entries.last_mut() {
                            e.push(t.clone());
                        }
                    }
                    Tok::Word(w) if kind.starts_entry(w) => entries.push(vec![t.clone()]),
                    _ => {
                        // Continues the current entry (values, a phase's fields).
                        match entries.last_mut() {
                            Some(e) if !matches!(e.last(), Some(Tok::Comment(..))) => {
                                e.push(t.clone())
                            }
                            _ => entries.push(vec![t.clone()]),
                        }
                    }
                }
            }
            item.block = Some((kind, entries));
        }
        items.push(item);
    }

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
            Some((_, entries)) => {
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
        assert_eq!(format("group \"unterminated { }").as_deref(), None);
    }
}
