//! Document symbols (rules, assertions, rollouts, strengths) and
//! formatting, which is `mfac fmt`'s, proof of same meaning included.

use crate::server::{Refusal, Server};
use lsp_types::{
    DocumentFormattingParams, DocumentSymbol, DocumentSymbolParams, DocumentSymbolResponse, Range,
    SymbolKind, TextEdit,
};
use mfac_core::source::{SourceFile, Span};
use mfac_lang::syntax::Item;

pub fn document_symbols(
    s: &mut Server,
    p: DocumentSymbolParams,
) -> Result<Option<DocumentSymbolResponse>, Refusal> {
    let Some(view) = s.view(&p.text_document.uri) else {
        return Ok(None);
    };
    let lines = view.lines();
    let Some(read) = &view.read else {
        return Ok(Some(DocumentSymbolResponse::Nested(Vec::new())));
    };
    let symbol = |name: String, kind: SymbolKind, whole: Span, named: Span| {
        // `deprecated` is the protocol's old field, superseded by `tags`;
        // the struct still has it.
        #[allow(deprecated)]
        DocumentSymbol {
            name,
            detail: None,
            kind,
            tags: None,
            deprecated: None,
            range: lines.range(whole),
            selection_range: lines.range(named),
            children: None,
        }
    };
    let found = read
        .file
        .items
        .iter()
        .filter_map(|item| {
            let (name, kind, whole, named) = match item {
                Item::Rule(r) => (
                    r.subject.value.to_string(),
                    SymbolKind::CLASS,
                    r.span,
                    r.subject.span,
                ),
                Item::Assert(a) => (
                    format!("assert {:?}", a.name.value),
                    SymbolKind::METHOD,
                    a.span,
                    a.name.span,
                ),
                Item::Rollout(r) => (
                    format!("rollout {:?}", r.name.value),
                    SymbolKind::EVENT,
                    r.span,
                    r.name.span,
                ),
                Item::Strength(st) => (
                    format!("strength {}", st.name.value),
                    SymbolKind::CONSTANT,
                    st.span,
                    st.name.span,
                ),
                _ => return None,
            };
            Some(symbol(name, kind, whole, named))
        })
        .collect();
    Ok(Some(DocumentSymbolResponse::Nested(found)))
}

/// `mfac fmt`'s output as one edit; nothing for a file that does not
/// parse, or that the formatter leaves alone.
pub fn formatting(
    s: &mut Server,
    p: DocumentFormattingParams,
) -> Result<Option<Vec<TextEdit>>, Refusal> {
    let Some(view) = s.view(&p.text_document.uri) else {
        return Ok(None);
    };
    let formatted = match mfac_lang::fmt::format_policy(&SourceFile::new(
        view.name.as_str(),
        view.text.as_str(),
    )) {
        Ok(t) => t,
        Err(_) => return Ok(None),
    };
    if formatted == view.text {
        return Ok(Some(Vec::new()));
    }
    let lines = view.lines();
    let all = Range::new(lines.position(0), lines.position(view.text.len()));
    Ok(Some(vec![TextEdit::new(all, formatted)]))
}
