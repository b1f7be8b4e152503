//! The server over an in-memory connection, message by message: what each
//! capability answers, and that half-typed text never gets an error.

#![allow(
    clippy::unwrap_used,
    clippy::expect_used,
    clippy::panic,
    clippy::indexing_slicing
)]

mod common;
use common::*;
use lsp_types::notification::{self as note, Notification as _};
use lsp_types::request::{self as req, Request as _};
use lsp_types::*;
use serde_json::json;

const POLICY: &str = r#"strength strong = webauthn
default { enforcement optional factors webauthn | totp }
group "Admins" { privileged enforcement required factors strong remember never }
group "Staff" { includes "Admins" enforcement optional }
assert "admins need a key" { for members of group "Admins" always factors within strong }
assert "staff need MFA" { for members of group "Staff" always enforcement required }
"#;

#[test]
fn diagnostics_are_the_checkers_on_the_unsaved_text() {
    let mut c = Client::start();
    let u = uri("a.mfa");
    let got = c.open(&u, POLICY);
    let want = mfac_lang::check::check(
        &mfac_core::SourceFile::new(u.as_str(), POLICY),
        &mfac_lang::check::CheckOptions::default(),
    );
    let codes = |ds: &[Diagnostic]| -> Vec<String> {
        ds.iter()
            .map(|d| match &d.code {
                Some(NumberOrString::String(s)) => s.clone(),
                other => panic!("{other:?}"),
            })
            .collect()
    };
    let want_codes: Vec<String> = want
        .diagnostics
        .items
        .iter()
        .map(|d| d.code.to_string())
        .collect();
    assert_eq!(codes(&got), want_codes);
    // The failing assertion carries its counterexample and replay line.
    let failing = got
        .iter()
        .find(|d| d.message.contains("staff need MFA"))
        .expect("the failing assertion");
    assert!(
        failing.message.contains("counterexample:")
            && failing.message.contains("replay: mfac eval"),
        "{}",
        failing.message
    );
    assert_eq!(failing.source.as_deref(), Some("mfac"));
    assert_eq!(failing.severity, Some(DiagnosticSeverity::ERROR));
    assert_eq!(failing.range.start.line, 5);

    // An unsaved edit that fixes it: the findings follow the text.
    let (l, ch) = find(POLICY, "enforcement optional }", 0, 12);
    c.change(
        &u,
        2,
        Some(Range::new(Position::new(l, ch), Position::new(l, ch + 8))),
        "required",
    );
    let got = c.diagnostics(&u, 2);
    assert!(
        !got.iter().any(|d| d.message.contains("staff need MFA")),
        "{got:?}"
    );
}

#[test]
fn hover_shows_what_a_group_alone_gets_now_and_what_a_code_means() {
    let mut c = Client::start();
    let u = uri("h.mfa");
    let text = format!("{POLICY}# mfac: allow(W002) reason \"kept for the audit\"\n");
    c.open(&u, &text);
    let (l, ch) = find(&text, "\"Admins\" {", 0, 2);
    let m = c.hover(&u, l, ch).unwrap();
    assert!(
        m.contains("A member of `Admins` and of no other group"),
        "{}",
        m
    );
    assert!(
        m.contains("- enforcement: `required`") && m.contains("- factors: `webauthn`"),
        "{}",
        m
    );
    assert!(
        m.contains("line 3") && m.contains("line 4") && m.contains("line 5"),
        "{}",
        m
    );

    let (l, ch) = find(&text, "W002", 0, 1);
    let m = c.hover(&u, l, ch).unwrap();
    assert!(m.starts_with("W002 "), "{}", m);

    let (l, ch) = find(&text, "strong", 1, 2);
    let m = c.hover(&u, l, ch).unwrap();
    assert!(m.contains("Factor kinds: `webauthn`"), "{}", m);
}

#[test]
fn definition_references_and_rename_of_a_group() {
    let mut c = Client::start();
    let u = uri("n.mfa");
    c.open(&u, POLICY);
    let (l, ch) = find(POLICY, "\"Admins\"", 1, 3); // in `includes`
    let def = c.request::<req::GotoDefinition>(GotoDefinitionParams {
        text_document_position_params: at(&u, l, ch),
        work_done_progress_params: Default::default(),
        partial_result_params: Default::default(),
    });
    let Some(GotoDefinitionResponse::Array(locs)) = def else {
        panic!("{def:?}")
    };
    assert_eq!(locs.len(), 1);
    assert_eq!(locs[0].range.start, Position::new(2, 7));

    let refs = c
        .request::<req::References>(ReferenceParams {
            text_document_position: at(&u, l, ch),
            work_done_progress_params: Default::default(),
            partial_result_params: Default::default(),
            context: ReferenceContext {
                include_declaration: true,
            },
        })
        .unwrap();
    assert_eq!(refs.len(), 3, "its rule, `includes` and the assertion");

    let edit = c
        .request::<req::Rename>(RenameParams {
            text_document_position: at(&u, l, ch),
            new_name: "Administrators".into(),
            work_done_progress_params: Default::default(),
        })
        .unwrap();
    let edits = &edit.changes.unwrap()[&u];
    assert_eq!(edits.len(), 3);
    assert!(edits.iter().all(|e| e.new_text == "Administrators"));

    // A name already taken is refused, with the reason.
    let id = c.send_request(
        req::Rename::METHOD,
        serde_json::to_value(RenameParams {
            text_document_position: at(&u, l, ch),
            new_name: "Staff".into(),
            work_done_progress_params: Default::default(),
        })
        .unwrap(),
    );
    let e = c.response(&id).response_result.unwrap_err();
    assert!(
        e.message.contains("`Staff` already exists"),
        "{}",
        e.message
    );
}

#[test]
fn completion_offers_what_the_grammar_accepts_there() {
    let mut c = Client::start();
    let u = uri("c.mfa");
    let text = format!("{POLICY}group \"New\" {{ factors ");
    c.open(&u, &text);
    let end = find(&text, "factors ", 3, 8);
    let got = c.request::<req::Completion>(CompletionParams {
        text_document_position: at(&u, end.0, end.1),
        work_done_progress_params: Default::default(),
        partial_result_params: Default::default(),
        context: None,
    });
    let Some(CompletionResponse::Array(items)) = got else {
        panic!()
    };
    let labels: Vec<&str> = items.iter().map(|i| i.label.as_str()).collect();
    assert!(
        labels.contains(&"totp") && labels.contains(&"strong"),
        "{labels:?}"
    );
    assert!(!labels.contains(&"enforcement"), "{labels:?}");
}

#[test]
fn formatting_is_mfac_fmt() {
    let mut c = Client::start();
    let u = uri("f.mfa");
    let messy = "default {enforcement optional   factors webauthn|totp}\n\n\n\ngroup \"A\" { enforcement required }";
    c.open(&u, messy);
    let edits = c
        .request::<req::Formatting>(DocumentFormattingParams {
            text_document: TextDocumentIdentifier::new(u.clone()),
            options: FormattingOptions::default(),
            work_done_progress_params: Default::default(),
        })
        .unwrap();
    let want = mfac_lang::fmt::format_policy(&mfac_core::SourceFile::new("f.mfa", messy)).unwrap();
    assert_eq!(edits.len(), 1);
    assert_eq!(edits[0].new_text, want);
}

#[test]
fn a_quick_fix_replaces_an_unknown_factor_with_the_closest() {
    let mut c = Client::start();
    let u = uri("q.mfa");
    let text = "default { enforcement required factors webauthn | totpp }\n";
    let found = c.open(&u, text);
    let d = found
        .iter()
        .find(|d| d.message.contains("totpp"))
        .unwrap()
        .clone();
    let actions = c.code_actions(&u, &d);
    let [CodeActionOrCommand::CodeAction(a)] = actions.as_slice() else {
        panic!("{actions:?}")
    };
    assert_eq!(a.title, "Replace with `totp`");
    let edits = &a.edit.as_ref().unwrap().changes.as_ref().unwrap()[&u];
    assert_eq!(edits[0].new_text, "totp");
    assert_eq!(edits[0].range, d.range);
}

#[test]
fn lenses_say_which_assertions_hold_and_show_a_counterexample() {
    let mut c = Client::start();
    let u = uri("l.mfa");
    c.open(&u, POLICY);
    let lenses = c.lenses(&u);
    let titles: Vec<&str> = lenses
        .iter()
        .map(|l| l.command.as_ref().unwrap().title.as_str())
        .collect();
    assert_eq!(titles, ["✓ proved", "✗ fails — 1 group: Staff"]);
    let cmd = lenses[1].command.clone().unwrap();
    c.request::<req::ExecuteCommand>(ExecuteCommandParams {
        command: cmd.command,
        arguments: cmd.arguments.unwrap(),
        work_done_progress_params: Default::default(),
    });
    let shown = c
        .seen
        .iter()
        .find(|n| n.method == note::ShowMessage::METHOD)
        .expect("shown");
    let p: ShowMessageParams = serde_json::from_value(shown.params.clone()).unwrap();
    assert!(
        p.message.contains("counterexample: a member of `Staff`"),
        "{}",
        p.message
    );
}

#[test]
fn with_a_directory_in_mfac_toml_each_rule_says_whom_the_next_rollout_changes() {
    let dir = std::env::temp_dir().join(format!("mfac-lsp-dir-{}", std::process::id()));
    std::fs::create_dir_all(dir.join("policies")).unwrap();
    std::fs::write(
        dir.join("mfac.toml"),
        "[directory]\nfile = \"users.yaml\"\n",
    )
    .unwrap();
    std::fs::write(
        dir.join("users.yaml"),
        "users:\n  - id: ann@x.test\n    groups: [Admins]\n    factors: [webauthn]\n  - id: bob@x.test\n    factors: [totp]\n  - id: cy@x.test\n    factors: [totp]\n",
    )
    .unwrap();
    let path = dir.join("policies/p.mfa");
    let text = "default { enforcement optional factors webauthn | totp }\ngroup \"Admins\" { privileged enforcement required factors webauthn remember never }\nrollout \"all\" {\n  applies default\n  on 2099-01-01 enforcement required\n}\n";
    std::fs::write(&path, text).unwrap();
    let mut c = Client::start();
    let u: Uri = format!("file://{}", path.display()).parse().unwrap();
    c.open(&u, text);
    let lenses = c.lenses(&u);
    let titles: Vec<&str> = lenses
        .iter()
        .map(|l| l.command.as_ref().unwrap().title.as_str())
        .collect();
    assert_eq!(
        titles,
        [
            "2 directory users change on 2099-01-01",
            "no directory user changes on 2099-01-01"
        ]
    );
    let _ = std::fs::remove_dir_all(&dir);
}

#[test]
fn a_request_cancelled_while_it_waits_is_answered_as_cancelled() {
    let mut c = Client::start();
    let u = uri("big.mfa");
    let text = mfac_testing::sized::policy(300, 3);
    c.open(&u, &text);
    // Formatting proves the meaning unchanged (two checks): while it runs,
    // a hover and its cancellation wait behind it.
    let format = c.send_request(
        req::Formatting::METHOD,
        json!({"textDocument": {"uri": u.as_str()}, "options": {"tabSize": 2, "insertSpaces": true}}),
    );
    let hover = c.send_request(
        req::HoverRequest::METHOD,
        serde_json::to_value(HoverParams {
            text_document_position_params: at(&u, 3, 8),
            work_done_progress_params: Default::default(),
        })
        .unwrap(),
    );
    c.notify::<note::Cancel>(CancelParams {
        id: NumberOrString::Number(hover_number(&hover)),
    });
    assert!(c.response(&format).response_result.is_ok());
    let e = c.response(&hover).response_result.unwrap_err();
    assert_eq!(e.code, lsp_server::ErrorCode::RequestCanceled as i32);
}

fn hover_number(id: &lsp_server::RequestId) -> i32 {
    id.to_string().parse().unwrap()
}

#[test]
fn the_checks_certain_fixes_are_quick_fixes() {
    let mut c = Client::start();
    let u = uri("fixes.mfa");
    let text = "default { enforcement optional factors webauthn | totp }\ngroup \"Admins\" { privileged enforcement optional factors webauthn }\nexempt user \"bob@x.test\" reason \"lost device\"\nexempt user \"cy@x.test\" until 2020-01-01 reason \"old\" ticket \"T-1\"\n";
    let found = c.open(&u, text);
    let fix = |c: &mut Client, code: &str| {
        let d = found
            .iter()
            .find(|d| d.code == Some(NumberOrString::String(code.into())))
            .unwrap_or_else(|| panic!("{code} in {found:?}"));
        let actions = c.code_actions(&u, d);
        let a = actions
            .into_iter()
            .find_map(|a| match a {
                CodeActionOrCommand::CodeAction(a)
                    if a.diagnostics
                        .as_ref()
                        .is_some_and(|ds| ds[0].code == d.code) =>
                {
                    Some(a)
                }
                _ => None,
            })
            .unwrap_or_else(|| panic!("no fix for {code}"));
        let edit = a.edit.unwrap().changes.unwrap()[&u][0].clone();
        (a.title, edit.new_text)
    };
    let (title, new) = fix(&mut c, "E012");
    assert_eq!(
        (title.as_str(), new.as_str()),
        ("Set `enforcement required`", "enforcement required")
    );
    let (title, new) = fix(&mut c, "E009");
    assert_eq!(title, "Add the missing clauses, to fill in");
    assert!(
        new.starts_with(" until 20") && new.contains("ticket \"FILL IN\""),
        "{new}"
    );
    let (title, new) = fix(&mut c, "W006");
    assert_eq!(
        (title.as_str(), new.as_str()),
        ("Delete the expired exemption", "")
    );
}

#[test]
fn symbols_list_rules_assertions_and_strengths() {
    let mut c = Client::start();
    let u = uri("s.mfa");
    c.open(&u, POLICY);
    let Some(DocumentSymbolResponse::Nested(symbols)) =
        c.request::<req::DocumentSymbolRequest>(DocumentSymbolParams {
            text_document: TextDocumentIdentifier::new(u.clone()),
            work_done_progress_params: Default::default(),
            partial_result_params: Default::default(),
        })
    else {
        panic!()
    };
    let names: Vec<&str> = symbols.iter().map(|s| s.name.as_str()).collect();
    assert_eq!(
        names,
        [
            "strength strong",
            "default",
            "group \"Admins\"",
            "group \"Staff\"",
            "assert \"admins need a key\"",
            "assert \"staff need MFA\""
        ]
    );
}

#[test]
fn places_past_the_end_get_empty_answers_not_errors() {
    let mut c = Client::start();
    let u = uri("e.mfa");
    c.open(&u, POLICY);
    let h = c.hover(&u, 999, 0);
    assert!(h.is_none());
    // Past a line's end: the line's end, here the end of `webauthn`.
    let h = c.hover(&u, 0, 999);
    let m = h.unwrap();
    assert!(m.starts_with("**factor `webauthn`**"), "{}", m);
    let unknown = uri("never-opened.mfa");
    let h = c.hover(&unknown, 0, 0);
    assert!(h.is_none());
}

#[test]
fn bad_params_are_an_error_response_and_the_server_goes_on() {
    let mut c = Client::start();
    let id = c.send_request(req::HoverRequest::METHOD, json!({"textDocument": 7}));
    let e = c.response(&id).response_result.unwrap_err();
    assert_eq!(e.code, lsp_server::ErrorCode::InvalidParams as i32);
    let id = c.send_request("mfac/unknown", json!({}));
    let e = c.response(&id).response_result.unwrap_err();
    assert_eq!(e.code, lsp_server::ErrorCode::MethodNotFound as i32);
    let u = uri("ok.mfa");
    assert!(c.open(&u, "default { enforcement optional }\n").is_empty());
}

/// Every example policy typed from its first character, a few characters
/// at a time: after every change its diagnostics come, and a hover, a
/// completion and the lenses at the cursor answer without an error.
#[test]
fn every_example_policy_typed_from_the_first_character() {
    let dir = concat!(env!("CARGO_MANIFEST_DIR"), "/../../policies");
    let mut files: Vec<_> = std::fs::read_dir(dir)
        .unwrap()
        .map(|e| e.unwrap().path())
        .filter(|p| p.extension().is_some_and(|x| x == "mfa"))
        .collect();
    files.sort();
    assert!(files.len() >= 5);
    let mut c = Client::start();
    for f in files {
        let full = std::fs::read_to_string(&f).unwrap();
        let u = uri(f.file_name().unwrap().to_str().unwrap());
        c.open(&u, "");
        let mut typed = String::new();
        let mut version = 1;
        let chars: Vec<char> = full.chars().collect();
        for chunk in chars.chunks(7) {
            let piece: String = chunk.iter().collect();
            let end = position_of_end(&typed);
            typed.push_str(&piece);
            version += 1;
            c.change(&u, version, Some(Range::new(end, end)), &piece);
            c.diagnostics(&u, version);
            let here = position_of_end(&typed);
            let pos = TextDocumentPositionParams::new(TextDocumentIdentifier::new(u.clone()), here);
            c.raw(
                req::HoverRequest::METHOD,
                serde_json::to_value(HoverParams {
                    text_document_position_params: pos.clone(),
                    work_done_progress_params: Default::default(),
                })
                .unwrap(),
            );
            c.raw(
                req::Completion::METHOD,
                serde_json::to_value(CompletionParams {
                    text_document_position: pos,
                    work_done_progress_params: Default::default(),
                    partial_result_params: Default::default(),
                    context: None,
                })
                .unwrap(),
            );
        }
        c.raw(
            req::CodeLensRequest::METHOD,
            json!({"textDocument": {"uri": u.as_str()}}),
        );
        // Typed out, it is the file: the same findings as a check of it.
        let want = mfac_lang::check::check(
            &mfac_core::SourceFile::new(u.as_str(), full.as_str()),
            &Default::default(),
        );
        c.change(&u, version + 1, None, &full);
        let got = c.diagnostics(&u, version + 1);
        assert_eq!(got.len(), want.diagnostics.items.len(), "{}", f.display());
    }
}
