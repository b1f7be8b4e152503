//! `mfac fmt`: canonical layout, --check and --diff, never touching what it
//! cannot prove unchanged in meaning.

#![allow(clippy::unwrap_used, clippy::expect_used)]

mod common;

use common::mfac;

const MESSY: &str = "# Contact centre\nprecedence   specific\ndefault{enforcement optional factors totp|webauthn}\ngroup \"Agents\" { enforcement required # phones\n  remember 1h same_ip }\n";
const TIDY: &str = "# Contact centre\nprecedence specific\ndefault {\n  enforcement optional\n  factors totp | webauthn\n}\ngroup \"Agents\" {\n  enforcement required  # phones\n  remember 1h same_ip\n}\n";

fn temp(name: &str, text: &str) -> std::path::PathBuf {
    let dir = std::env::temp_dir().join(format!("mfac-fmt-{}-{name}", std::process::id()));
    std::fs::create_dir_all(&dir).unwrap();
    let path = dir.join(name);
    std::fs::write(&path, text).unwrap();
    path
}

#[test]
fn the_example_policies_are_formatted() {
    let run = mfac(&["fmt", "--check", "policies/"]);
    assert_eq!(run.code, 0, "{}{}", run.stdout, run.stderr);
    assert_eq!(run.stdout, "");
}

#[test]
fn check_lists_diff_shows_and_fmt_rewrites() {
    let path = temp("messy.mfa", MESSY);
    let p = path.to_str().unwrap();
    let run = mfac(&["fmt", "--check", p]);
    assert_eq!((run.code, run.stdout.trim()), (1, p));
    let run = mfac(&["fmt", "--diff", p]);
    assert_eq!(run.code, 1);
    insta::assert_snapshot!("fmt_diff", run.stdout.replace(p, "messy.mfa"));
    assert!(
        run.stdout
            .contains("-default{enforcement optional factors totp|webauthn}"),
        "{}",
        run.stdout
    );
    assert!(
        run.stdout.contains("+  factors totp | webauthn"),
        "{}",
        run.stdout
    );
    assert_eq!(
        std::fs::read_to_string(&path).unwrap(),
        MESSY,
        "--check and --diff change nothing"
    );
    let run = mfac(&["fmt", p]);
    assert_eq!(run.code, 0, "{}", run.stderr);
    assert_eq!(std::fs::read_to_string(&path).unwrap(), TIDY);
    assert_eq!(mfac(&["fmt", "--check", p]).code, 0, "idempotent");
}

#[test]
fn a_file_that_does_not_parse_is_left_alone() {
    let text = "default { enforcement optional\n";
    let path = temp("broken.mfa", text);
    let run = mfac(&["fmt", path.to_str().unwrap()]);
    assert_eq!(run.code, 1);
    assert!(run.stderr.contains("does not parse"), "{}", run.stderr);
    assert_eq!(std::fs::read_to_string(&path).unwrap(), text);
}

/// Every policy the README and the book show is in `mfac fmt`'s layout, so
/// a user who copies one into a repository does not fail `mfac fmt
/// --check` in CI.
#[test]
fn the_readme_policies_are_canonical() {
    let root = env!("CARGO_MANIFEST_DIR");
    let mut readme = std::fs::read_to_string(format!("{root}/README.md")).unwrap();
    let mut pages: Vec<_> = std::fs::read_dir(format!("{root}/docs"))
        .unwrap()
        .map(|e| e.unwrap().path())
        .filter(|p| p.extension().is_some_and(|x| x == "md"))
        // Every check's documentation shows the mistake it catches.
        .filter(|p| !p.ends_with("rules.md"))
        .collect();
    pages.sort();
    for p in pages {
        readme.push_str(&std::fs::read_to_string(p).unwrap());
    }
    // Fenced blocks without a language tag that hold a rule.
    let mut blocks = Vec::new();
    let mut open: Option<(String, String)> = None;
    for line in readme.lines() {
        match (line.strip_prefix("```"), open.take()) {
            (Some(lang), None) => open = Some((lang.to_string(), String::new())),
            (Some(_), Some((lang, body))) => {
                if lang.is_empty() && body.contains("default {") && !body.contains("$ ") {
                    blocks.push(body);
                }
            }
            (None, Some((lang, mut body))) => {
                body.push_str(line);
                body.push('\n');
                open = Some((lang, body));
            }
            (None, None) => {}
        }
    }
    assert!(!blocks.is_empty(), "the README shows a policy");
    for (i, b) in blocks.iter().enumerate() {
        let p = std::env::temp_dir().join(format!("mfac-readme-{}-{i}.mfa", std::process::id()));
        std::fs::write(&p, b).unwrap();
        let run = common::mfac(&["fmt", "--check", p.to_str().unwrap()]);
        assert_eq!(
            run.code, 0,
            "README policy {i} is not canonical:\n{b}\n{}",
            run.stdout
        );
    }
}
