//! The bad-input corpus: every malformed input gets a clear diagnostic and
//! exit code 1 (the policy has errors) or 2 (the input cannot be read), never
//! a panic (exit 101) and never a hang.

#![allow(clippy::unwrap_used, clippy::expect_used)]

mod common;

use common::{mfac, mfac_stdin, Run, TODAY};

/// `mfac check` of the Acme policy with the directory at `path`.
fn check_with_directory(path: &std::path::Path) -> Run {
    mfac(&[
        "check",
        "policies/acme.mfa",
        "--today",
        TODAY,
        "--directory",
        path.to_str().unwrap(),
    ])
}

fn check_bytes(bytes: &[u8]) -> Run {
    let run = mfac_stdin(&["check", "-", "--today", TODAY], Some(bytes));
    assert!(
        !run.stderr.contains("panicked") && run.code != 101,
        "mfac panicked:\n{}",
        run.stderr
    );
    run
}

/// Exit 1 with the given code in the rendered output, at `-:line:col` (standard input).
fn expect_error(bytes: &[u8], code: &str) -> Run {
    let run = check_bytes(bytes);
    assert_eq!(
        run.code, 1,
        "expected errors:\n{}{}",
        run.stdout, run.stderr
    );
    assert!(
        run.stdout.contains(code),
        "expected {code}:\n{}",
        run.stdout
    );
    run
}

fn acme() -> String {
    std::fs::read_to_string(concat!(env!("CARGO_MANIFEST_DIR"), "/policies/acme.mfa")).unwrap()
}

#[test]
fn truncated_policies_are_errors_or_still_valid() {
    let text = acme();
    let cuts: Vec<usize> = (1..text.len())
        .step_by(23)
        .filter(|&i| text.is_char_boundary(i))
        .collect();
    for cut in cuts {
        let run = check_bytes(&text.as_bytes()[..cut]);
        // Cut after a complete item, the rest is still a policy.
        assert!(
            run.code == 0 || run.code == 1,
            "cut at {cut}: exit {}\n{}",
            run.code,
            run.stderr
        );
        if run.code == 1 {
            assert!(
                run.stdout.contains("[-:"),
                "cut at {cut}: no location\n{}",
                run.stdout
            );
        }
    }
}

#[test]
fn binary_garbage_and_latin1_cannot_be_read() {
    let mut garbage: Vec<u8> = (0..4096u32)
        .map(|i| (i.wrapping_mul(2_654_435_761) >> 13) as u8)
        .collect();
    garbage.extend_from_slice(&[0xff, 0xfe, 0x00]);
    for bytes in [
        garbage,
        b"group \"K\xf6ln\" { enforcement required }".to_vec(),
    ] {
        let run = check_bytes(&bytes);
        assert_eq!(run.code, 2, "{}", run.stderr);
        // Reported as an E023 among the findings, at the first bad byte.
        assert!(
            run.stdout.contains("E023") && run.stdout.contains("UTF-8"),
            "{}",
            run.stdout
        );
    }
}

#[test]
fn a_byte_order_mark_and_crlf_change_nothing() {
    let plain = check_bytes(acme().as_bytes());
    let bom = check_bytes(format!("\u{feff}{}", acme()).as_bytes());
    let crlf = check_bytes(acme().replace('\n', "\r\n").as_bytes());
    assert_eq!(plain.code, 0);
    assert_eq!((bom.code, crlf.code), (0, 0));
    assert_eq!(plain.stdout.lines().last(), bom.stdout.lines().last());
    assert_eq!(plain.stdout.lines().last(), crlf.stdout.lines().last());
    // Lines and columns stay right with CRLF.
    let run = expect_error(
        b"default {\r\n  enforcement optional\r\n  enforcement required\r\n}\r\n",
        "E004",
    );
    assert!(run.stdout.contains("[-:3:3]"), "{}", run.stdout);
}

#[test]
fn ten_thousand_deep_nesting_is_a_syntax_error() {
    let deep = format!("default {}{}", "{".repeat(10_000), "}".repeat(10_000));
    expect_error(deep.as_bytes(), "E001");
    let deep = format!("group \"a\" {{ includes {} }}", "\"x\", ".repeat(10_000));
    expect_error(deep.as_bytes(), "E001");
}

#[test]
fn deep_nesting_in_an_artifact_or_a_directory_is_refused() {
    let dir = std::env::temp_dir().join(format!("mfac-bad-{}", std::process::id()));
    std::fs::create_dir_all(&dir).unwrap();
    let deep_json = format!("{}{}", "[".repeat(10_000), "]".repeat(10_000));
    let artifact = dir.join("deep.json");
    std::fs::write(&artifact, &deep_json).unwrap();
    let run = mfac(&["eval", artifact.to_str().unwrap(), "--user", "u"]);
    assert_eq!(run.code, 2, "{}{}", run.stdout, run.stderr);
    for (name, text) in [
        ("deep.users.json", deep_json.clone()),
        (
            "deep.users.yaml",
            format!("{}{}", "[".repeat(10_000), "]".repeat(10_000)),
        ),
        (
            "deep2.users.yaml",
            (0..10_000)
                .map(|i| format!("{}- \n", " ".repeat(i % 200)))
                .collect(),
        ),
    ] {
        let path = dir.join(name);
        std::fs::write(&path, text).unwrap();
        let run = check_with_directory(&path);
        assert!(
            run.code == 1 || run.code == 2,
            "{name}: exit {}\n{}",
            run.code,
            run.stderr
        );
        assert!(!run.stderr.contains("panicked"), "{name}: {}", run.stderr);
    }
    std::fs::remove_dir_all(&dir).ok();
}

#[test]
fn a_ten_megabyte_policy_checks() {
    let mut text = String::from("default { enforcement optional factors webauthn | totp }\n");
    let mut i = 0;
    while text.len() < 10_000_000 {
        let f = if i % 7 == 0 {
            "webauthn"
        } else {
            "totp | webauthn"
        };
        text.push_str(&format!(
            "group \"g{i}\" {{ enforcement required factors {f} includes \"t{i}\" }}\n# note {i}\n"
        ));
        if i % 10 == 0 {
            text.push_str(&format!(
                "user \"u{i}@x.test\" {{ enforcement required }}\n"
            ));
        }
        i += 1;
    }
    let run = check_bytes(text.as_bytes());
    assert!(
        run.code == 0 || run.code == 1,
        "exit {}\n{}",
        run.code,
        run.stderr
    );
    assert!(
        run.stdout.contains("checked 1 file"),
        "{}",
        &run.stdout[run.stdout.len().saturating_sub(500)..]
    );
}

#[test]
fn huge_numbers_and_durations_are_errors() {
    for (text, code) in [
        ("default { enforcement required } rollout \"r\" { applies default on 2026-12-01 enrolment grace 99999999999999999999999d }", "E016"),
        ("default { remember 1h max_logins 99999999999999999999 }", "E008"),
        ("default { remember 999999999999999999h }", "E016"),
        ("default { remember 25h }", "E007"),
        ("default { remember 1h max_logins 101 }", "E008"),
        ("default { } exempt user \"a\" until 99999-01-01 reason \"x\"", "E001"),
        ("max_exemption 99999999999999999999d default { }", "E016"),
    ] {
        expect_error(text.as_bytes(), code);
    }
}

#[test]
fn impossible_dates_and_unknown_keywords_are_errors() {
    expect_error(
        b"default { } exempt user \"a\" until 2026-02-30 reason \"x\"",
        "E016",
    );
    expect_error(
        b"calendar { work_hours mon-fri 25:00-26:00 } default { }",
        "E016",
    );
    let run = expect_error(b"default { enforcment required }", "E001");
    assert!(run.stdout.contains("expected"), "{}", run.stdout);
    expect_error(b"defualt { enforcement required }", "E001");
}

#[test]
fn look_alike_unicode_is_caught() {
    // A Cyrillic `е` in a keyword: not the keyword.
    expect_error("default { \u{0435}nforcement required }".as_bytes(), "E001");
    // A Cyrillic `А` in a name, a zero-width space in another.
    let run = expect_error(
        "default { enforcement optional } group \"\u{0410}dmins\" { enforcement required }"
            .as_bytes(),
        "E022",
    );
    assert!(run.stdout.contains("U+0410"), "{}", run.stdout);
    expect_error(
        "default { enforcement optional } user \"ann\u{200b}@acme.test\" { enforcement required }"
            .as_bytes(),
        "E022",
    );
}

#[test]
fn a_number_in_a_yaml_directory_says_to_quote_it_in_the_project_s_own_words() {
    let dir = std::env::temp_dir().join(format!("mfac-yaml-id-{}", std::process::id()));
    std::fs::create_dir_all(&dir).unwrap();
    for (name, text) in [
        (
            "id.users.yaml",
            "users:\n  - id: 10042\n    groups: [Administrators]\n",
        ),
        ("group.users.yaml", "users:\n  - id: ann\n    groups: [1]\n"),
    ] {
        let path = dir.join(name);
        std::fs::write(&path, text).unwrap();
        let run = check_with_directory(&path);
        assert_eq!(run.code, 2, "{name}: {}", run.stderr);
        assert!(run.stderr.contains("quote it"), "{name}: {}", run.stderr);
        assert!(!run.stderr.contains("untagged"), "{name}: {}", run.stderr);
    }
    // Quoted, it reads.
    let path = dir.join("quoted.users.yaml");
    std::fs::write(
        &path,
        "users:\n  - id: \"10042\"\n    groups: [Administrators]\n",
    )
    .unwrap();
    let run = check_with_directory(&path);
    assert_ne!(run.code, 2, "{}", run.stderr);
    std::fs::remove_dir_all(&dir).ok();
}

#[test]
fn a_csv_directory_on_standard_input_is_read_as_csv_by_its_header() {
    let csv = b"id,groups,factors\nann@acme.test,Administrators,webauthn\n";
    let run = common::mfac_stdin(
        &[
            "check",
            "policies/acme.mfa",
            "--today",
            TODAY,
            "--directory",
            "-",
        ],
        Some(csv),
    );
    assert_eq!(run.code, 0, "{}", run.stderr);
    assert!(!run.stderr.contains("mapping"), "{}", run.stderr);
    let run = common::mfac_stdin(
        &[
            "simulate",
            "policies/acme.mfa",
            "--directory",
            "-",
            "--at",
            "2026-12-20",
        ],
        Some(csv),
    );
    assert_eq!(run.code, 0, "{}", run.stderr);
    assert!(run.stdout.contains("1 user"), "{}", run.stdout);
}

#[test]
fn yaml_errors_are_worded_without_the_reader_s_options() {
    let dir = std::env::temp_dir().join(format!("mfac-yaml-words-{}", std::process::id()));
    std::fs::create_dir_all(&dir).unwrap();
    for (name, text, said) in [
        (
            "multi.users.yaml",
            "users:\n  - id: ann\n---\nusers: []\n",
            "more than one YAML document",
        ),
        (
            "dup.users.yaml",
            "users:\n  - id: ann\n    id: bob\n",
            "`id` appears twice",
        ),
    ] {
        let path = dir.join(name);
        std::fs::write(&path, text).unwrap();
        let run = check_with_directory(&path);
        assert_eq!(run.code, 2, "{name}: {}", run.stderr);
        assert!(run.stderr.contains(said), "{name}: {}", run.stderr);
        for library in ["Options", "from_str", "DuplicateKeyPolicy"] {
            assert!(!run.stderr.contains(library), "{name}: {}", run.stderr);
        }
    }
    std::fs::remove_dir_all(&dir).ok();
}
