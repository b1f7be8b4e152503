//! The VS Code extension's TextMate grammar against mfac's own lexer, on
//! every example policy: each keyword is scoped as a keyword, each string
//! as a string, each comment as a comment, and no other word as a keyword.
//! The grammar is tokenized as VS Code does it (vscode-textmate on
//! Oniguruma, `editors/vscode/test/grammar.mjs`).
//!
//! It needs node and `npm ci --prefix editors/vscode`, which `.ci/run`
//! runs; it is built when `MFAC_TEST_VSCODE` is set (CI sets it) and is
//! `ignored` otherwise (build.rs).

#![allow(
    clippy::unwrap_used,
    clippy::expect_used,
    clippy::panic,
    clippy::indexing_slicing
)]

use mfac::syntax::TokenKind;
use mfac::SourceFile;
use serde_json::Value;

/// (line, UTF-16 column) of byte `offset`, as JavaScript counts.
fn line_col(text: &str, offset: usize) -> (u64, u64) {
    let before = &text[..offset];
    let line = before.matches('\n').count() as u64;
    let col = before.rsplit('\n').next().unwrap().encode_utf16().count() as u64;
    (line, col)
}

#[test]
#[cfg_attr(
    not(mfac_vscode),
    ignore = "set MFAC_TEST_VSCODE=1 (with node and `npm ci --prefix editors/vscode`) to run"
)]
fn the_textmate_grammar_scopes_every_example_policy_as_mfac_reads_it() {
    let mut files: Vec<String> = std::fs::read_dir("policies")
        .unwrap()
        .map(|e| e.unwrap().path().display().to_string())
        .filter(|p| p.ends_with(".mfa"))
        .collect();
    files.sort();
    let run = std::process::Command::new("node")
        .arg("editors/vscode/test/grammar.mjs")
        .args(&files)
        .output()
        .expect("node runs");
    assert!(
        run.status.success(),
        "{}",
        String::from_utf8_lossy(&run.stderr)
    );
    let scoped: Value = serde_json::from_slice(&run.stdout).unwrap();
    let mut wrong = Vec::new();
    let mut checked = 0;
    for f in &files {
        let text = std::fs::read_to_string(f).unwrap();
        let read = mfac::syntax::read(&SourceFile::new(f.as_str(), text.as_str())).unwrap();
        let tm = scoped[f].as_array().unwrap();
        for t in read
            .tokens
            .iter()
            .filter(|t| !matches!(t.kind, TokenKind::Space | TokenKind::Punct))
        {
            let (line, col) = line_col(&text, t.span.start);
            let covering = tm
                .iter()
                .find(|x| {
                    x["line"] == line
                        && x["start"].as_u64().unwrap() <= col
                        && col < x["end"].as_u64().unwrap()
                })
                .unwrap_or_else(|| panic!("{f}:{}: no TextMate token", line + 1));
            let scopes: Vec<&str> = covering["scopes"]
                .as_array()
                .unwrap()
                .iter()
                .map(|s| s.as_str().unwrap())
                .collect();
            let has = |prefix: &str| scopes.iter().any(|s| s.starts_with(prefix));
            let ok = match t.kind {
                TokenKind::Keyword => has("keyword"),
                TokenKind::Str => has("string"),
                TokenKind::Comment { .. } => has("comment"),
                TokenKind::Word => !has("keyword"),
                TokenKind::Space | TokenKind::Punct => true,
            };
            checked += 1;
            if !ok {
                wrong.push(format!(
                    "{f}:{}:{}: {:?} `{}` scoped {scopes:?}",
                    line + 1,
                    col + 1,
                    t.kind,
                    &text[t.span.start..t.span.end]
                ));
            }
        }
    }
    assert!(wrong.is_empty(), "{wrong:#?}");
    assert!(checked > 500, "only {checked} tokens compared");
}
