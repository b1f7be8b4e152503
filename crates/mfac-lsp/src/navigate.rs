//! Definition, references and rename: one name's occurrences in the file.

use crate::names::{Kind, Occurrence};
use crate::server::{Refusal, Server};
use lsp_types::{
    GotoDefinitionParams, GotoDefinitionResponse, Location, PrepareRenameResponse, ReferenceParams,
    RenameParams, TextDocumentPositionParams, TextEdit, Uri, WorkspaceEdit,
};
use std::collections::HashMap;

pub fn definition(
    s: &mut Server,
    p: GotoDefinitionParams,
) -> Result<Option<GotoDefinitionResponse>, Refusal> {
    let uri = p.text_document_position_params.text_document.uri.clone();
    let Some((view, offset)) = s.at(&p.text_document_position_params) else {
        return Ok(None);
    };
    let Some(here) = view.name_at(offset) else {
        return Ok(None);
    };
    let lines = view.lines();
    let found: Vec<Location> = same(&view.names, here)
        .filter(|o| o.declares)
        .map(|o| Location::new(uri.clone(), lines.range(o.span)))
        .collect();
    Ok((!found.is_empty()).then_some(GotoDefinitionResponse::Array(found)))
}

pub fn references(s: &mut Server, p: ReferenceParams) -> Result<Option<Vec<Location>>, Refusal> {
    let uri = p.text_document_position.text_document.uri.clone();
    let Some((view, offset)) = s.at(&p.text_document_position) else {
        return Ok(None);
    };
    let Some(here) = view.name_at(offset) else {
        return Ok(None);
    };
    let lines = view.lines();
    let with_declaration = p.context.include_declaration;
    Ok(Some(
        same(&view.names, here)
            .filter(|o| with_declaration || !o.declares)
            .map(|o| Location::new(uri.clone(), lines.range(o.span)))
            .collect(),
    ))
}

pub fn prepare_rename(
    s: &mut Server,
    p: TextDocumentPositionParams,
) -> Result<Option<PrepareRenameResponse>, Refusal> {
    let Some((view, offset)) = s.at(&p) else {
        return Ok(None);
    };
    let Some(here) = view.name_at(offset).filter(|o| renamable(o.kind)) else {
        return Ok(None);
    };
    Ok(Some(PrepareRenameResponse::Range(
        view.lines().range(here.span),
    )))
}

pub fn rename(s: &mut Server, p: RenameParams) -> Result<Option<WorkspaceEdit>, Refusal> {
    let uri: Uri = p.text_document_position.text_document.uri.clone();
    let Some((view, offset)) = s.at(&p.text_document_position) else {
        return Ok(None);
    };
    let Some(here) = view.name_at(offset) else {
        return Ok(None);
    };
    if !renamable(here.kind) {
        return Err(Refusal(format!(
            "a {} name cannot be renamed here",
            here.kind.word()
        )));
    }
    let new = p.new_name;
    valid_name(here.kind, &new)?;
    if new != here.name
        && view
            .names
            .iter()
            .any(|o| o.kind == here.kind && o.name == new)
    {
        return Err(Refusal(format!(
            "{} `{new}` already exists: renaming `{}` to it would merge the two",
            here.kind.word(),
            here.name
        )));
    }
    let lines = view.lines();
    let edits: Vec<TextEdit> = same(&view.names, here)
        .map(|o| TextEdit::new(lines.range(o.span), new.clone()))
        .collect();
    Ok(Some(WorkspaceEdit {
        changes: Some(HashMap::from([(uri, edits)])),
        ..WorkspaceEdit::default()
    }))
}

/// Every occurrence of the name `here` names, declaration included.
fn same<'a>(all: &'a [Occurrence], here: &'a Occurrence) -> impl Iterator<Item = &'a Occurrence> {
    all.iter()
        .filter(move |o| o.kind == here.kind && o.name == here.name)
}

fn renamable(kind: Kind) -> bool {
    matches!(kind, Kind::Group | Kind::Strength | Kind::Rule)
}

/// A strength is a bare word and must not be a factor kind; a quoted name
/// is written as it is, so it cannot hold a quote, a backslash or a line
/// break.
fn valid_name(kind: Kind, new: &str) -> Result<(), Refusal> {
    if new.is_empty() {
        return Err(Refusal("the new name is empty".into()));
    }
    if kind == Kind::Strength {
        let word = new.starts_with(|c: char| c.is_ascii_alphabetic() || c == '_')
            && new.chars().all(|c| c.is_ascii_alphanumeric() || c == '_');
        if !word {
            return Err(Refusal(format!(
                "`{new}` is not a strength name: use letters, digits and `_`"
            )));
        }
        if mfac_core::Factor::from_name(new).is_some() {
            return Err(Refusal(format!(
                "`{new}` is a factor kind, not a free strength name"
            )));
        }
    } else if new.contains(['"', '\\', '\n', '\r']) {
        return Err(Refusal(format!(
            "{} names cannot hold a quote, a backslash or a line break",
            kind.word()
        )));
    }
    Ok(())
}
