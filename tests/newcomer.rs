//! What a newcomer tripped over, each as it was reproduced: look-alike
//! directory groups, names that differ only in Unicode form, replay lines
//! wrapped mid-token, commands that disagreed, and a JSON directory that
//! silently took the last of two keys.

#![allow(
    clippy::unwrap_used,
    clippy::expect_used,
    clippy::panic,
    clippy::indexing_slicing
)]

mod common;

use common::server::start;
use common::{check_directory_json, json, mfac, mfac_stdin, write_temp, TODAY};
use serde_json::json;

/// The admins' group as the policy spells it, and a typo in an `includes`.
const ADMINS: &str = r#"default { enforcement optional factors webauthn | totp }
group "Domain Admins" { privileged enforcement required factors webauthn }
group "Privileged" { privileged enforcement required factors webauthn includes "Clod Admins" }
user "breakglass@acme.test" { break_glass enforcement required factors webauthn recovery backup_code }
"#;

/// A directory that spells both groups otherwise.
const LOOKALIKE_USERS: &str = "users:
  - id: eve@acme.test
    groups: [domain admins]
    factors: [webauthn]
  - id: dan@acme.test
    groups: [Domain Admin]
    factors: [webauthn]
  - id: carl@acme.test
    groups: [Cloud Admins, Privileged]
    factors: [webauthn]
";

fn codes(doc: &serde_json::Value, key: &str) -> Vec<String> {
    doc[key]
        .as_array()
        .unwrap()
        .iter()
        .map(|d| format!("{} {}", d["code"].as_str().unwrap(), d["message"]))
        .collect()
}

#[test]
fn look_alike_directory_groups_are_warned_by_check_and_by_simulate_in_every_format() {
    let policy = write_temp("lookalike", "admins.mfa", ADMINS);
    let users = write_temp("lookalike", "admins.users.yaml", LOOKALIKE_USERS);
    let run = check_directory_json(&policy, &users);
    assert_eq!(run.code, 0, "warnings only: {}", run.stdout);
    let found = codes(&json(&run), "diagnostics");
    for (code, words) in [
        ("W020", "`domain admins`"),
        ("W020", "`Domain Admin`"),
        ("W020", "`Cloud Admins`"),
    ] {
        assert!(
            found
                .iter()
                .any(|f| f.starts_with(code) && f.contains(words)),
            "{code} {words}: {found:#?}"
        );
    }
    // `--deny-warnings` makes it a failing build.
    let run = mfac(&[
        "check",
        &policy,
        "--today",
        TODAY,
        "--directory",
        &users,
        "--deny-warnings",
    ]);
    assert_eq!(run.code, 1, "{}", run.stdout);

    let simulate = |format: &str| {
        let run = mfac(&[
            "simulate",
            &policy,
            "--directory",
            &users,
            "--at",
            "2026-12-01",
            "--format",
            format,
        ]);
        assert_eq!(run.code, 0, "{}", run.stderr);
        run
    };
    let doc = json(&simulate("json"));
    let warned = codes(&doc, "warnings");
    assert!(
        warned
            .iter()
            .any(|w| w.starts_with("W020") && w.contains("`domain admins`")),
        "{warned:#?}"
    );
    for format in ["table", "markdown"] {
        let out = simulate(format).stdout;
        assert!(
            out.contains("W020") && out.contains("`Domain Admin`"),
            "{format}: {out}"
        );
    }
    // CSV rows are data: the warnings go beside them, on stderr.
    let csv = simulate("csv");
    assert!(!csv.stdout.contains("W020"), "{}", csv.stdout);
    assert!(csv.stderr.contains("warning[W020]"), "{}", csv.stderr);
}

#[test]
fn a_policy_group_no_user_holds_is_warned() {
    let policy = write_temp("unheld", "p.mfa", ADMINS);
    let users = write_temp(
        "unheld",
        "u.yaml",
        "users:\n  - {id: ann@acme.test, groups: [Privileged], factors: [webauthn]}\n",
    );
    let run = check_directory_json(&policy, &users);
    let found = codes(&json(&run), "diagnostics");
    for group in ["`Domain Admins`", "`Clod Admins`"] {
        assert!(
            found
                .iter()
                .any(|f| f.starts_with("W021") && f.contains(group)),
            "{group}: {found:#?}"
        );
    }
    assert!(
        !found.iter().any(|f| f.contains("`Privileged`")),
        "{found:#?}"
    );
}

#[test]
fn names_equal_after_unicode_normalisation_are_one_name() {
    // Two user rules for "émile": one decomposed (e + U+0301), one composed.
    let decomposed = "e\u{301}mile@acme.test";
    let composed = "\u{e9}mile@acme.test";
    let text = format!(
        "default {{ enforcement optional }}\nuser \"{decomposed}\" {{ enforcement required }}\nuser \"{composed}\" {{ enforcement off }}\n"
    );
    let run = mfac_stdin(
        &["check", "-", "--today", TODAY, "--format", "json"],
        Some(text.as_bytes()),
    );
    assert_eq!(run.code, 1, "{}", run.stdout);
    let found = codes(&json(&run), "diagnostics");
    assert!(
        found.iter().any(|f| f.starts_with("E003")),
        "a duplicate rule: {found:#?}"
    );

    // A policy group in one form matches a directory group in the other,
    // and a user named in either form is one user.
    let policy = write_temp(
        "nfc",
        "p.mfa",
        "default { enforcement optional }\ngroup \"\u{c9}quipe\" { enforcement required }\n",
    );
    let users = write_temp(
        "nfc",
        "u.yaml",
        format!("users:\n  - id: \"{decomposed}\"\n    groups: [\"E\u{301}quipe\"]\n    factors: [totp]\n"),
    );
    let run = mfac(&[
        "eval",
        &policy,
        "--user",
        composed,
        "--directory",
        &users,
        "--at",
        "2026-12-01",
        "--format",
        "json",
    ]);
    assert_eq!(run.code, 0, "{}", run.stderr);
    assert_eq!(json(&run)["enforcement"], "required", "{}", run.stdout);
    // The same user twice, once in each form, is a duplicate.
    let twice = write_temp(
        "nfc",
        "twice.yaml",
        format!("users:\n  - id: \"{decomposed}\"\n  - id: \"{composed}\"\n"),
    );
    let run = mfac(&["check", &policy, "--today", TODAY, "--directory", &twice]);
    assert_eq!(run.code, 2, "{}", run.stdout);
    assert!(run.stderr.contains("duplicate user id"), "{}", run.stderr);
}

/// Percent-encode a path segment.
fn segment(s: &str) -> String {
    s.bytes()
        .map(|b| {
            if b.is_ascii_alphanumeric() || b"@.-_".contains(&b) {
                (b as char).to_string()
            } else {
                format!("%{b:02X}")
            }
        })
        .collect()
}

#[test]
fn the_service_refuses_invisible_characters_and_keys_users_in_nfc() {
    let s = start(
        "nfc",
        "default { enforcement required factors totp }\n",
        &[],
    );
    let r = s.post("/v1/decide", json!({"user": "erin\u{202e}@acme.test"}));
    assert_eq!(r.status, 400, "{}", r.body);
    let message = r.json()["error"]["message"].as_str().unwrap().to_string();
    assert!(message.contains("U+202E"), "{message}");
    let r = s.post(
        "/v1/decide",
        json!({"user": "ann@acme.test", "groups": ["Admins\u{200b}"]}),
    );
    assert_eq!(r.status, 400, "{}", r.body);

    // Enrolled under one form, listed under the other: one user.
    let (_, _) = common::server::enrol_totp(&s, &segment("e\u{301}mile@acme.test"));
    let listed = s.get(&format!(
        "/v1/users/{}/factors",
        segment("\u{e9}mile@acme.test")
    ));
    assert_eq!(listed.status, 200, "{}", listed.body);
    let factors = listed.json()["factors"].as_array().unwrap().clone();
    assert_eq!(factors.len(), 1, "{}", listed.body);
}

#[test]
fn a_replay_line_is_printed_whole_on_a_line_of_its_own_at_any_width() {
    for columns in ["40", "200"] {
        let out = std::process::Command::new(common::bin())
            .args(["check", "tests/fixtures/checks/E012.mfa", "--today", TODAY])
            .env("COLUMNS", columns)
            .output()
            .unwrap();
        let text = String::from_utf8_lossy(&out.stdout);
        let replays: Vec<&str> = text
            .lines()
            .filter(|l| l.trim_start().starts_with("replay: "))
            .collect();
        assert!(!replays.is_empty(), "{text}");
        for line in replays {
            let command = line.trim_start().strip_prefix("replay: ").unwrap();
            assert!(
                command.starts_with("mfac eval ") && command.contains("--at 1970-01-01T00:00:00Z"),
                "cut: {line:?}\n{text}"
            );
        }
    }
}

#[test]
fn simulate_accepts_a_policy_whose_only_errors_carry_a_counterexample() {
    let policy = write_temp(
        "refuted",
        "p.mfa",
        "default { enforcement optional factors webauthn | totp | sms }\n\
         group \"Administrators\" { privileged enforcement required }\n\
         assert \"admins are phishing-resistant\" { for privileged always factors within webauthn }\n",
    );
    let users = write_temp(
        "refuted",
        "u.yaml",
        "users:\n  - {id: ann@acme.test, groups: [Administrators], factors: [totp]}\n",
    );
    let eval = mfac(&[
        "eval",
        &policy,
        "--user",
        "ann@acme.test",
        "--at",
        "2026-12-01",
    ]);
    assert_eq!(eval.code, 0, "{}", eval.stderr);
    let run = mfac(&[
        "simulate",
        &policy,
        "--directory",
        &users,
        "--at",
        "2026-12-01",
    ]);
    assert_eq!(run.code, 0, "{}", run.stderr);
    assert!(
        run.stderr.contains("evaluating it anyway"),
        "{}",
        run.stderr
    );
    // Other errors still stop it.
    let broken = write_temp(
        "refuted",
        "broken.mfa",
        "default { enforcement sometimes }\n",
    );
    let run = mfac(&[
        "simulate",
        &broken,
        "--directory",
        &users,
        "--at",
        "2026-12-01",
    ]);
    assert_eq!(run.code, 1, "{}", run.stderr);
}

#[test]
fn an_extended_enrolment_grace_is_a_change_in_simulate_and_in_diff() {
    let old = "timezone \"Europe/Berlin\"\n\
               default { enforcement optional factors webauthn | totp }\n\
               rollout \"all\" {\n  applies default\n  on 2026-12-15 enforcement required enrolment grace 14d\n}\n";
    let new = old.replace("grace 14d", "grace 28d");
    let old = write_temp("deadline", "old.mfa", old);
    let new = write_temp("deadline", "new.mfa", new);
    let users = write_temp(
        "deadline",
        "u.csv",
        "id,groups,factors\na@x.test,,totp\nb@x.test,,\n",
    );
    let run = mfac(&[
        "simulate",
        &new,
        "--directory",
        &users,
        "--base",
        &old,
        "--at",
        "2026-12-20",
        "--format",
        "json",
    ]);
    assert_eq!(run.code, 0, "{}", run.stderr);
    let doc = json(&run);
    let changed = doc["changed"].as_array().unwrap();
    assert_eq!(changed.len(), 2, "{doc}");
    assert_eq!(
        changed[0]["before"]["deadline"],
        "2026-12-29T00:00:00+01:00"
    );
    assert_eq!(changed[0]["after"]["deadline"], "2027-01-12T00:00:00+01:00");
    // The streamed reader (a file) and the whole one (standard input) agree.
    let text = std::fs::read(&users).unwrap();
    let whole = mfac_stdin(
        &[
            "simulate",
            &new,
            "--directory",
            "-",
            "--directory-format",
            "csv",
            "--base",
            &old,
            "--at",
            "2026-12-20",
            "--format",
            "json",
        ],
        Some(&text),
    );
    assert_eq!(whole.stdout, run.stdout);
    let run = mfac(&["diff", &old, &new, "--exit-code"]);
    assert_eq!(run.code, 3, "{}", run.stdout);
    assert!(run.stdout.contains("2027-01-12"), "{}", run.stdout);
}

#[test]
fn w014_names_the_rule_whose_factors_block_and_lists_every_user() {
    let policy = write_temp(
        "w014",
        "p.mfa",
        "default { enforcement required factors webauthn | totp }\ngroup \"Ops\" { factors webauthn }\n",
    );
    let users: String = (1..=6)
        .map(|i| format!("  - {{id: op{i}@acme.test, groups: [Ops], factors: [totp]}}\n"))
        .collect();
    let users = write_temp("w014", "u.yaml", format!("users:\n{users}"));
    let run = check_directory_json(&policy, &users);
    let doc = json(&run);
    let w014: Vec<&serde_json::Value> = doc["diagnostics"]
        .as_array()
        .unwrap()
        .iter()
        .filter(|d| d["code"] == "W014")
        .collect();
    assert_eq!(w014.len(), 1, "{doc}");
    let message = w014[0]["message"].as_str().unwrap();
    assert_eq!(w014[0]["line"], 2, "points at Ops' factors: {message}");
    assert!(message.contains("group \"Ops\""), "{message}");
    for i in 1..=6 {
        assert!(message.contains(&format!("op{i}@acme.test")), "{message}");
    }
    assert!(!message.contains("more"), "{message}");
}

#[test]
fn a_json_directory_with_a_key_twice_is_refused_by_every_reader() {
    for (name, text) in [
        (
            "users.json",
            r#"{"users": [{"id": "a@x.test"}], "users": [{"id": "b@x.test"}]}"#,
        ),
        (
            "id.json",
            r#"{"users": [{"id": "a@x.test", "id": "root@x.test", "factors": ["totp"]}]}"#,
        ),
    ] {
        let path = write_temp("json-twice", name, text);
        let run = mfac(&[
            "check",
            "policies/acme.mfa",
            "--today",
            TODAY,
            "--directory",
            &path,
        ]);
        assert_eq!(run.code, 2, "{name}: {}", run.stdout);
        assert!(run.stderr.contains("E021"), "{name}: {}", run.stderr);
        assert!(
            run.stderr.contains("appears twice"),
            "{name}: {}",
            run.stderr
        );
        // The streamed simulate stops, and the reference reader says why.
        let run = mfac(&[
            "simulate",
            "policies/acme.mfa",
            "--directory",
            &path,
            "--at",
            TODAY,
        ]);
        assert_eq!(run.code, 2, "{name}: {}", run.stdout);
        assert!(
            run.stderr.contains("appears twice"),
            "{name}: {}",
            run.stderr
        );
    }
}

#[test]
fn every_reader_has_a_size_cap_and_dev_zero_is_refused_at_once() {
    // A policy over the cap, and a smaller cap by flag.
    let big = write_temp("caps", "big.mfa", "#".repeat((16 << 20) + 1));
    let run = mfac(&["check", &big, "--format", "json"]);
    assert_eq!(run.code, 2, "{}", run.stdout);
    let message = json(&run)["diagnostics"][0]["message"].to_string();
    assert!(
        message.contains("larger than 16 MiB") && message.contains("--max-policy-size"),
        "{message}"
    );
    let run = mfac(&["check", "policies/acme.mfa", "--max-policy-size", "1KiB"]);
    assert_eq!(run.code, 2, "{}", run.stdout);
    assert!(run.stdout.contains("larger than 1 KiB"), "{}", run.stdout);
    let run = mfac(&["check", "policies/acme.mfa", "--max-policy-size", "lots"]);
    assert_eq!(run.code, 2, "{}", run.stderr);
    // A directory over its cap, by both simulate's readers.
    let users = write_temp(
        "caps",
        "u.csv",
        format!("id,groups,factors\n{}", "a@x,,totp\n".repeat(200)),
    );
    for directory in [users.as_str(), "-"] {
        let run = mfac_stdin(
            &[
                "simulate",
                "policies/acme.mfa",
                "--directory",
                directory,
                "--directory-format",
                "csv",
                "--max-directory-size",
                "1KiB",
                "--at",
                TODAY,
            ],
            Some(std::fs::read(&users).unwrap().as_slice()),
        );
        assert_eq!(run.code, 2, "{directory}: {}", run.stdout);
        let said = format!("{}{}", run.stdout, run.stderr);
        assert!(said.contains("larger than 1 KiB"), "{directory}: {said}");
    }
    // /dev/zero: refused at its first byte, for a policy and a directory.
    for args in [
        vec!["check", "/dev/zero"],
        vec![
            "check",
            "policies/acme.mfa",
            "--directory",
            "/dev/zero",
            "--today",
            TODAY,
        ],
        vec![
            "simulate",
            "policies/acme.mfa",
            "--directory",
            "/dev/zero",
            "--directory-format",
            "csv",
            "--at",
            TODAY,
        ],
    ] {
        let run = mfac(&args);
        assert_eq!(run.code, 2, "{args:?}: {}{}", run.stdout, run.stderr);
        assert!(
            format!("{}{}", run.stdout, run.stderr).contains("NUL byte at offset 0"),
            "{args:?}: {}{}",
            run.stdout,
            run.stderr
        );
    }
}

#[test]
fn the_readme_s_first_command_prints_what_the_readme_shows() {
    let readme =
        std::fs::read_to_string(concat!(env!("CARGO_MANIFEST_DIR"), "/README.md")).unwrap();
    let first = "cargo run --release -- check policies/*.mfa --today 2026-11-24";
    assert!(
        readme.contains(first),
        "the README's first command pins --today"
    );
    let head = "```\n$ mfac check policies/*.mfa --today 2026-11-24\n";
    let start = readme.find(head).expect("the README shows its output") + head.len();
    let shown = &readme[start..start + readme[start..].find("```").unwrap()];
    // The shell expands the glob in name order.
    let mut files: Vec<String> = std::fs::read_dir("policies")
        .unwrap()
        .map(|e| e.unwrap().path().display().to_string())
        .filter(|p| p.ends_with(".mfa"))
        .collect();
    files.sort();
    let mut args = vec!["check"];
    args.extend(files.iter().map(String::as_str));
    args.extend(["--today", "2026-11-24"]);
    let run = mfac(&args);
    assert_eq!(run.stdout, shown);
}
