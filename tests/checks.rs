//! Every check has a failing fixture in `tests/fixtures/checks/CODE.mfa`
//! (with `CODE.users.yaml` when it needs a directory); each is run through
//! the real binary, its code asserted, and its rendered output snapshotted.

#![allow(clippy::unwrap_used, clippy::expect_used)] // tests may panic on broken fixtures

mod common;
use common::{json, mfac, TODAY};
use std::path::Path;

/// The command line of a check's fixture: `CODE.args` (one argument per
/// line) for the findings of other commands and inputs (a compiled policy, a
/// flag, a test file), else `check CODE.mfa` with `CODE.users.yaml` when it
/// needs a directory.
fn fixture_args(code: &str) -> Vec<String> {
    let root = Path::new(env!("CARGO_MANIFEST_DIR"));
    let args_file = format!("tests/fixtures/checks/{code}.args");
    if let Ok(text) = std::fs::read_to_string(root.join(&args_file)) {
        return text.lines().map(str::to_string).collect();
    }
    let mfa = format!("tests/fixtures/checks/{code}.mfa");
    let users = format!("tests/fixtures/checks/{code}.users.yaml");
    let mut a: Vec<String> = vec!["check".into(), mfa, "--today".into(), TODAY.into()];
    if root.join(&users).exists() {
        a.extend(["--directory".into(), users]);
    }
    a
}

fn run_fixture(code: &str, format: Option<&str>) -> common::Run {
    let mut a = fixture_args(code);
    if let Some(f) = format {
        a.extend(["--format".into(), f.into()]);
    }
    let refs: Vec<&str> = a.iter().map(String::as_str).collect();
    mfac(&refs)
}

/// Findings about input mfac cannot use: exit code 2.
const INPUT: [&str; 6] = ["E021", "E023", "E024", "E025", "E026", "E027"];

#[test]
fn every_registered_check_has_a_failing_fixture() {
    let root = Path::new(env!("CARGO_MANIFEST_DIR"));
    for check in mfac::check::REGISTRY {
        let code = check.info.code;
        let a = fixture_args(code);
        let file = a.get(1).expect("a fixture path");
        assert!(root.join(file).exists(), "{code} has no fixture at {file}");
    }
}

#[test]
fn each_fixture_reports_its_code_with_the_contract_exit_code() {
    for check in mfac::check::REGISTRY {
        let code = check.info.code;
        let run = run_fixture(code, Some("json"));
        let doc = json(&run);
        let expected_exit = if INPUT.contains(&code) {
            2
        } else if code.starts_with('E') {
            1
        } else {
            0
        };
        assert_eq!(run.code, expected_exit, "{code}: {doc}");
        let rows = doc["diagnostics"].as_array().cloned().unwrap_or_default();
        let codes: Vec<&str> = rows.iter().filter_map(|d| d["code"].as_str()).collect();
        let reported = codes.contains(&code) || doc["error"]["code"] == code;
        assert!(reported, "{code} fixture reported {doc}");
        for d in rows.iter().filter(|d| !d["file"].is_null()) {
            assert!(
                d["line"].as_u64().unwrap_or(0) >= 1 && d["column"].as_u64().unwrap_or(0) >= 1,
                "{code}: {d}"
            );
            assert!(!d["message"].as_str().unwrap_or("").is_empty());
        }
    }
}

#[test]
fn warnings_fail_with_deny_warnings() {
    let run = mfac(&[
        "check",
        "tests/fixtures/checks/W001.mfa",
        "--today",
        TODAY,
        "--deny-warnings",
    ]);
    assert_eq!(run.code, 1);
}

#[test]
fn rendered_diagnostics() {
    for check in mfac::check::REGISTRY {
        let code = check.info.code;
        let run = run_fixture(code, None);
        let shown = format!(
            "exit: {}\n--- stdout\n{}--- stderr\n{}",
            run.code, run.stdout, run.stderr
        );
        insta::assert_snapshot!(format!("check_{code}"), shown);
    }
}

/// W003 covers every field a `specific` rule can loosen, each with a
/// fixture in `tests/fixtures/loosening/FIELD.mfa`.
#[test]
fn loosening_is_found_in_every_field() {
    for (fixture, field) in [
        ("enforcement", "enforcement"),
        ("factors", "factors"),
        ("remember-new", "remember"),
        ("remember-longer", "remember"),
        ("recovery", "recovery"),
        ("enrolment", "enrolment"),
    ] {
        let path = format!("tests/fixtures/loosening/{fixture}.mfa");
        let run = mfac(&["check", &path, "--today", TODAY, "--format", "json"]);
        assert_eq!(run.code, 0, "{fixture}");
        let doc = json(&run);
        let found: Vec<&str> = doc["diagnostics"]
            .as_array()
            .unwrap()
            .iter()
            .filter(|d| d["code"] == "W003")
            .filter_map(|d| d["message"].as_str())
            .collect();
        assert!(
            found
                .iter()
                .any(|m| m.contains(&format!("loosens {field} "))),
            "{fixture}: {found:?}"
        );
    }
    // The same rules in `most_restrictive` mode cannot loosen anything.
    for fixture in ["enforcement", "remember-new", "recovery"] {
        let text = std::fs::read_to_string(format!(
            "{}/tests/fixtures/loosening/{fixture}.mfa",
            env!("CARGO_MANIFEST_DIR")
        ))
        .unwrap()
        .replace("precedence specific", "precedence most_restrictive");
        let p =
            std::env::temp_dir().join(format!("mfac-loosen-{}-{fixture}.mfa", std::process::id()));
        std::fs::write(&p, text).unwrap();
        let run = mfac(&[
            "check",
            p.to_str().unwrap(),
            "--today",
            TODAY,
            "--format",
            "json",
        ]);
        assert!(!run.stdout.contains("W003"), "{fixture}: {}", run.stdout);
    }
}

/// Messages that must be true for the case they report: each fixture in
/// `tests/fixtures/wording/` (with its directory) is rendered and snapshotted.
#[test]
fn wording_is_true_for_each_case() {
    for name in ["W014-optional-group", "W013-break-glass"] {
        let mfa = format!("tests/fixtures/wording/{name}.mfa");
        let users = format!("tests/fixtures/wording/{name}.users.yaml");
        let run = mfac(&["check", &mfa, "--today", TODAY, "--directory", &users]);
        insta::assert_snapshot!(format!("wording_{name}"), run.stdout);
    }
}

/// `max_remember` raises the longest window E007 allows (default 24h), up
/// to 365d; below 10m or above 365d it is an invalid value, and it is
/// declared once.
#[test]
fn max_remember_sets_the_longest_window() {
    let codes = |tag: &str, text: &str| -> Vec<(String, String)> {
        common::check_text(tag, text, &[])
            .iter()
            .map(|d| {
                (
                    d["code"].as_str().unwrap().to_string(),
                    d["message"].as_str().unwrap().to_string(),
                )
            })
            .collect()
    };
    let week = "default { enforcement required factors totp remember 7d }\n";
    assert_eq!(codes("mr-default", week)[0].0, "E007");
    assert!(codes("mr-14d", &format!("max_remember 14d\n{week}")).is_empty());
    let found = codes("mr-3d", &format!("max_remember 3d\n{week}"));
    assert_eq!(
        found,
        [(
            "E007".to_string(),
            "remember window `7d` is outside 10m..3d".to_string()
        )]
    );
    for (tag, bad) in [("mr-400d", "400d"), ("mr-5m", "5m")] {
        let found = codes(tag, &format!("max_remember {bad}\n{week}"));
        assert!(
            found
                .iter()
                .any(|(c, m)| c == "E016" && m.contains("max_remember")),
            "{found:?}"
        );
    }
    let twice = codes(
        "mr-twice",
        &format!("max_remember 3d\nmax_remember 3d\n{week}"),
    );
    assert!(twice.iter().any(|(c, _)| c == "E019"), "{twice:?}");
}
