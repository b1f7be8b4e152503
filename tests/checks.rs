//! Every check has a failing fixture in `tests/fixtures/checks/CODE.mfa`
//! (with `CODE.users.yaml` when it needs a directory); each is run through
//! the real binary, its code asserted, and its rendered output snapshotted.

#![allow(clippy::unwrap_used, clippy::expect_used)] // tests may panic on broken fixtures

mod common;
use common::{json, mfac, TODAY};
use std::path::Path;

fn fixture(code: &str) -> (String, Option<String>) {
    let mfa = format!("tests/fixtures/checks/{code}.mfa");
    let users = format!("tests/fixtures/checks/{code}.users.yaml");
    let users = Path::new(env!("CARGO_MANIFEST_DIR"))
        .join(&users)
        .exists()
        .then_some(users);
    (mfa, users)
}

fn args<'a>(mfa: &'a str, users: &'a Option<String>, format: &'a str) -> Vec<&'a str> {
    let mut a = vec!["check", mfa, "--today", TODAY, "--format", format];
    if let Some(u) = users {
        a.extend(["--directory", u.as_str()]);
    }
    a
}

#[test]
fn every_registered_check_has_a_failing_fixture() {
    for check in mfac::check::REGISTRY {
        let code = check.info.code;
        let (mfa, _) = fixture(code);
        assert!(
            Path::new(env!("CARGO_MANIFEST_DIR")).join(&mfa).exists(),
            "{code} has no fixture at {mfa}"
        );
    }
}

#[test]
fn each_fixture_reports_its_code_with_the_contract_exit_code() {
    for check in mfac::check::REGISTRY {
        let code = check.info.code;
        let (mfa, users) = fixture(code);
        let run = mfac(&args(&mfa, &users, "json"));
        if code == "E021" {
            // An unreadable directory is bad input: exit 2, reported on stderr.
            assert_eq!(run.code, 2, "{code}");
            assert!(run.stderr.contains("E021"), "{code}: {}", run.stderr);
            continue;
        }
        let doc = json(&run);
        let codes: Vec<&str> = doc["diagnostics"]
            .as_array()
            .expect("diagnostics")
            .iter()
            .filter_map(|d| d["code"].as_str())
            .collect();
        assert!(codes.contains(&code), "{code} fixture reported {codes:?}");
        let expected_exit = if code.starts_with('E') { 1 } else { 0 };
        assert_eq!(run.code, expected_exit, "{code}");
        for d in doc["diagnostics"].as_array().expect("array") {
            assert!(
                d["line"].as_u64().unwrap_or(0) >= 1 && d["column"].as_u64().unwrap_or(0) >= 1,
                "{code}: {d}"
            );
            assert!(!d["message"].as_str().unwrap_or("").is_empty());
            assert_eq!(d["file"], mfa.as_str());
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
        let (mfa, users) = fixture(code);
        let mut a = vec!["check", mfa.as_str(), "--today", TODAY];
        if let Some(u) = &users {
            a.extend(["--directory", u.as_str()]);
        }
        let run = mfac(&a);
        let shown = format!(
            "exit: {}\n--- stdout\n{}--- stderr\n{}",
            run.code, run.stdout, run.stderr
        );
        insta::assert_snapshot!(format!("check_{code}"), shown);
    }
}
