//! Completion: what the grammar accepts at the cursor ([`fits_at`]), with
//! the names the file already uses where a name fits.

use crate::names::Kind;
use crate::server::{Refusal, Server};
use crate::view::View;
use lsp_types::{CompletionItem, CompletionItemKind, CompletionParams, CompletionResponse};
use mfac_core::Factor;
use mfac_lang::syntax::fits_at;

pub fn completion(
    s: &mut Server,
    p: CompletionParams,
) -> Result<Option<CompletionResponse>, Refusal> {
    let Some((view, offset)) = s.at(&p.text_document_position) else {
        return Ok(None);
    };
    Ok(Some(CompletionResponse::Array(items(&view, offset))))
}

fn items(view: &View, offset: usize) -> Vec<CompletionItem> {
    let fits = fits_at(&view.text, offset);
    let mut out: Vec<CompletionItem> = Vec::new();
    let mut add = |label: String, kind: CompletionItemKind, detail: &str| {
        if !out.iter().any(|i| i.label == label) {
            out.push(CompletionItem {
                label,
                kind: Some(kind),
                detail: Some(detail.to_string()),
                ..CompletionItem::default()
            });
        }
    };
    for w in &fits.words {
        add((*w).to_string(), CompletionItemKind::KEYWORD, "keyword");
    }
    if fits.factor {
        for f in Factor::ALL {
            add(
                f.name().to_string(),
                CompletionItemKind::ENUM_MEMBER,
                "factor kind",
            );
        }
        for o in view
            .names
            .iter()
            .filter(|o| o.kind == Kind::Strength && o.declares)
        {
            add(o.name.clone(), CompletionItemKind::CONSTANT, "strength");
        }
    }
    if let Some(what) = fits.quoted {
        let kind = match what {
            "user" => Some(Kind::User),
            "app" => Some(Kind::App),
            "rule" => Some(Kind::Rule),
            "group" => Some(Kind::Group),
            _ => None,
        };
        for o in view.names.iter().filter(|o| Some(o.kind) == kind) {
            add(format!("\"{}\"", o.name), CompletionItemKind::VALUE, what);
        }
    }
    if fits.duration {
        for d in ["15m", "1h", "8h", "12h", "7d", "14d", "30d", "90d"] {
            add(d.to_string(), CompletionItemKind::VALUE, "duration");
        }
    }
    if fits.date {
        let soon = jiff::ZonedDateTime::now()
            .date()
            .saturating_add(jiff::Span::new().days(30));
        add(soon.to_string(), CompletionItemKind::VALUE, "date");
    }
    out
}

#[cfg(test)]
mod tests {
    use super::*;

    fn labels(text: &str) -> Vec<String> {
        let view = View::new(1, "t.mfa".into(), text.to_string());
        items(&view, text.len())
            .into_iter()
            .map(|i| i.label)
            .collect()
    }

    #[test]
    fn factor_kinds_and_the_files_strengths_after_factors() {
        let got = labels("strength strong = webauthn\ngroup \"A\" { factors ");
        for want in ["webauthn", "totp", "backup_code", "strong"] {
            assert!(got.iter().any(|l| l == want), "{want} in {got:?}");
        }
    }

    #[test]
    fn the_files_group_names_in_includes() {
        let got = labels("group \"Admins\" { enforcement required }\ngroup \"Staff\" { includes ");
        assert!(got.contains(&"\"Admins\"".to_string()), "{got:?}");
    }

    #[test]
    fn durations_after_remember() {
        assert!(labels("group \"A\" { remember ").contains(&"8h".to_string()));
    }
}
