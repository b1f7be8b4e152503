//! Quick fixes: the fixes the checks know to be certain (the closest known
//! factor for an unknown one, `enforcement required` in a privileged rule
//! below it, an exemption's missing clauses, deleting an expired
//! exemption), offered on their findings.

use crate::convert;
use crate::server::{Refusal, Server};
use lsp_types::{
    CodeAction, CodeActionKind, CodeActionOrCommand, CodeActionParams, TextEdit, WorkspaceEdit,
};
use std::collections::HashMap;

pub fn code_actions(
    s: &mut Server,
    p: CodeActionParams,
) -> Result<Option<Vec<CodeActionOrCommand>>, Refusal> {
    let uri = p.text_document.uri;
    let Some(view) = s.view(&uri) else {
        return Ok(None);
    };
    // A fix's spans are the checked version's: offered only while the text
    // is still that version.
    let Some(checked) = s.checked(&uri).filter(|c| c.version == view.version) else {
        return Ok(Some(Vec::new()));
    };
    let lines = view.lines();
    let Some(wanted) = lines.span(p.range) else {
        return Ok(Some(Vec::new()));
    };
    let actions = checked
        .diagnostics
        .items
        .iter()
        .filter(|d| d.span.start <= wanted.end && wanted.start <= d.span.end)
        .filter_map(|d| {
            let fix = d.fix.as_ref()?;
            let edits = fix
                .edits
                .iter()
                .map(|(span, text)| TextEdit::new(lines.range(*span), text.clone()))
                .collect();
            Some(CodeActionOrCommand::CodeAction(CodeAction {
                title: fix.title.clone(),
                kind: Some(CodeActionKind::QUICKFIX),
                diagnostics: Some(vec![convert::diagnostic(d, &lines, &uri)]),
                edit: Some(WorkspaceEdit {
                    changes: Some(HashMap::from([(uri.clone(), edits)])),
                    ..WorkspaceEdit::default()
                }),
                is_preferred: Some(true),
                ..CodeAction::default()
            }))
        })
        .collect();
    Ok(Some(actions))
}
