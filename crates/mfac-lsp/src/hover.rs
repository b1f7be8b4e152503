//! Hover: what a name means in this policy, now.
//!
//! - a group, user or app: the rules that name it, and what a login that
//!   it alone decides gets now (a member of that group and of no other, a
//!   user in no group, any user into that app), decided by the evaluator
//!   compiled from the last text that checked;
//! - a strength or factor kind: its members and meaning;
//! - an assertion's name: proved, or the login that breaks it;
//! - a code in a suppression comment: `mfac explain`'s text.

use crate::lens;
use crate::names::{Kind, Occurrence};
use crate::server::{Refusal, Server};
use crate::view::View;
use lsp_types::{Hover, HoverContents, HoverParams, MarkupContent, MarkupKind};
use mfac_core::{Factor, LoginContext, Policy};
use mfac_lang::syntax::{Item, TokenKind};

pub fn hover(s: &mut Server, p: HoverParams) -> Result<Option<Hover>, Refusal> {
    let at = &p.text_document_position_params;
    let Some((view, offset)) = s.at(at) else {
        return Ok(None);
    };
    let compiled = s
        .checked(&at.text_document.uri)
        .and_then(|c| c.compiled.clone());
    let text = match view.name_at(offset) {
        Some(o) => match o.kind {
            Kind::Group | Kind::User | Kind::App => Some(subject(&view, o, compiled.as_deref())),
            Kind::Strength => strength(&view, &o.name),
            Kind::Factor => factor(&o.name),
            Kind::Assertion => Some(assertion(s, &at.text_document.uri, &o.name)),
            Kind::Rule | Kind::Rollout => None,
        },
        None => suppressed_code(&view, offset),
    };
    let range = view.name_at(offset).map(|o| view.lines().range(o.span));
    Ok(text.map(|value| Hover {
        contents: HoverContents::Markup(MarkupContent {
            kind: MarkupKind::Markdown,
            value,
        }),
        range,
    }))
}

/// An assertion: proved, or its counterexample, from the last check.
fn assertion(s: &Server, uri: &lsp_types::Uri, name: &str) -> String {
    let outcome = s
        .checked(uri)
        .map_or(lens::Outcome::NotChecked, |c| lens::outcome(&c, name));
    lens::described(name, &outcome)
}

/// A user id no policy names: a login by "anyone".
const ANYONE: &str = "\u{1}anyone";

fn subject(view: &View, o: &Occurrence, compiled: Option<&Policy>) -> String {
    let mut out = format!("**{} `{}`**\n\n", o.kind.word(), o.name);
    let named: Vec<String> = view
        .names
        .iter()
        .filter(|x| x.kind == o.kind && x.name == o.name)
        .map(|x| {
            let line = view.lines().position(x.item.start).line + 1;
            format!("- line {line}: `{}`", headline(&view.text, x))
        })
        .collect();
    out.push_str(&format!("Named by:\n{}\n\n", named.join("\n")));
    let Some(policy) = compiled else {
        out.push_str("_Its settings show once the file checks without errors._");
        return out;
    };
    let now = jiff::Timestamp::now();
    let group = [o.name.as_str()];
    let (login, who) = match o.kind {
        Kind::Group => (
            LoginContext::new(ANYONE, now).groups(&group),
            format!("A member of `{}` and of no other group", o.name),
        ),
        Kind::User => (
            LoginContext::new(&o.name, now),
            format!("User `{}` in no group", o.name),
        ),
        _ => (
            LoginContext::new(ANYONE, now).app(Some(&o.name)),
            format!("Any user in no group, into app `{}`", o.name),
        ),
    };
    let d = policy.decide(&login);
    let zoned = now
        .to_zoned_datetime(policy.timezone().clone())
        .strftime("%Y-%m-%d %H:%M %Z");
    out.push_str(&format!("{who}, now ({zoned}), gets:\n\n"));
    out.push_str(&format!("- enforcement: `{}`\n", d.enforcement));
    out.push_str(&format!("- factors: `{}`\n", d.factors));
    if let Some(r) = &d.remember {
        out.push_str(&format!("- remember: `{r}`\n"));
    }
    if let Some(deadline) = d.grace_deadline {
        out.push_str(&format!("- enrol by: {deadline}\n"));
    }
    if d.exempt.is_some() {
        out.push_str("- exempt\n");
    }
    let rules: Vec<String> = d.rules.iter().map(|r| policy.rule_location(r.id)).collect();
    if !rules.is_empty() {
        out.push_str(&format!("\nfrom: {}\n", rules.join("; ")));
    }
    out
}

/// The first line of the item an occurrence is written in, up to its `{`.
fn headline(text: &str, o: &Occurrence) -> String {
    let item = text.get(o.item.start..o.item.end).unwrap_or("");
    let first = item.lines().next().unwrap_or("");
    first.split('{').next().unwrap_or(first).trim().to_string()
}

fn strength(view: &View, name: &str) -> Option<String> {
    let read = view.read.as_ref()?;
    let decl = read.file.items.iter().find_map(|i| match i {
        Item::Strength(s) if s.name.value == name => Some(s),
        _ => None,
    })?;
    let written: Vec<&str> = decl.set.names.iter().map(|n| n.value.as_str()).collect();
    // The kinds as the checker resolves them; none for one it cannot.
    let kinds = mfac_lang::check::strengths(&read.file)
        .into_iter()
        .find(|s| s.name == name)
        .map_or_else(
            || "none: see the finding".to_string(),
            |s| format!("`{}`", s.set),
        );
    Some(format!(
        "**strength `{name}`** = {}\n\nFactor kinds: {kinds}",
        written.join(" | ")
    ))
}

fn factor(name: &str) -> Option<String> {
    let f = Factor::from_name(name)?;
    let meaning = match f {
        Factor::Webauthn => "a passkey or security key (WebAuthn): phishing-resistant, verified by mfac",
        Factor::Totp => "a one-time code from an authenticator app (RFC 6238), verified by mfac",
        Factor::BackupCode => "a single-use backup code, for recovery only: allowed where a rule says `recovery backup_code`",
        Factor::Sms => "a code sent by text message, delivered and checked by the caller's own provider; open to SIM swap",
        Factor::Email => "a code or link sent by email, delivered and checked by the caller's own provider",
        Factor::Push => "an approval on a phone app, delivered and checked by the caller's own provider",
    };
    Some(format!("**factor `{name}`**: {meaning}"))
}

/// On a code in a suppression comment (`# mfac: allow(W002) ...`): what
/// the check catches, as `mfac explain` prints it.
fn suppressed_code(view: &View, offset: usize) -> Option<String> {
    let read = view.read.as_ref()?;
    let comment = read.tokens.iter().find(|t| {
        matches!(t.kind, TokenKind::Comment { .. })
            && t.span.start <= offset
            && offset <= t.span.end
    })?;
    let text = view.text.get(comment.span.start..comment.span.end)?;
    let code_char = |c: char| c.is_ascii_alphanumeric();
    let at = offset - comment.span.start;
    let start = text
        .get(..at)?
        .rfind(|c: char| !code_char(c))
        .map_or(0, |i| i + 1);
    let end = text
        .get(at..)?
        .find(|c: char| !code_char(c))
        .map_or(text.len(), |i| at + i);
    let word = text.get(start..end)?.to_ascii_uppercase();
    let check = mfac_lang::check::find(&word)?;
    Some(mfac_lang::check::explain_text(check))
}
