//! `mfac test`: policy unit tests, their report formats and rule coverage.

#![allow(clippy::unwrap_used, clippy::expect_used)]

mod common;

use common::{json, mfac};

const FAILING: &str = "tests/fixtures/test/acme-failing.test.yaml";

#[test]
fn every_example_policy_has_passing_tests_covering_every_rule() {
    let run = mfac(&["test", "policies/", "--coverage-threshold", "100"]);
    assert_eq!(run.code, 0, "{}", run.stdout);
    assert!(
        run.stdout.ends_with("56 passed, 0 failed\n"),
        "{}",
        run.stdout
    );
    assert!(run.stdout.contains("(100%)"), "{}", run.stdout);
}

#[test]
fn a_failure_shows_expected_actual_and_the_rules_that_decided() {
    let run = mfac(&["test", FAILING]);
    assert_eq!(run.code, 1);
    insta::assert_snapshot!("test_failing_human", run.stdout);
    let v = json(&mfac(&["test", FAILING, "--format", "json"]));
    assert_eq!(
        (v["passed"].clone(), v["failed"].clone()),
        (1.into(), 1.into())
    );
    let f = &v["cases"][1]["failures"];
    assert_eq!(f[0]["field"], "decision");
    assert_eq!(
        (f[0]["expected"].as_str(), f[0]["actual"].as_str()),
        (Some("challenge"), Some("enrol"))
    );
    assert_eq!(f[1]["actual"], "[webauthn]");
    // Two cases exercise 3 of the 8 rules and phases.
    assert_eq!(v["coverage"]["covered"], 3);
    assert_eq!(v["coverage"]["total"], 8);
}

#[test]
fn junit_for_ci_test_reports() {
    let run = mfac(&["test", FAILING, "--format", "junit"]);
    assert_eq!(run.code, 1);
    insta::assert_snapshot!("test_failing_junit", run.stdout);
    assert_eq!(run.stdout.matches("<testcase ").count(), 2);
    assert_eq!(run.stdout.matches("<failure ").count(), 1);
}

#[test]
fn coverage_below_the_threshold_fails() {
    let dir = std::env::temp_dir().join(format!("mfac-cov-{}", std::process::id()));
    std::fs::create_dir_all(&dir).unwrap();
    let file = dir.join("acme.test.yaml");
    let policy = std::path::Path::new(env!("CARGO_MANIFEST_DIR")).join("policies/acme.mfa");
    std::fs::write(
        &file,
        format!("policy: {}\ncases:\n  - name: one\n    login: {{user: x, at: 2026-11-25}}\n    expect: {{decision: enrol_or_skip}}\n", policy.display()),
    )
    .unwrap();
    let run = mfac(&["test", file.to_str().unwrap(), "--coverage-threshold", "50"]);
    assert_eq!(run.code, 1, "{}", run.stdout);
    assert!(
        run.stdout.contains("acme.mfa:19: group \"Administrators\""),
        "{}",
        run.stdout
    );
    assert!(
        run.stdout.contains("below the threshold of 50%"),
        "{}",
        run.stdout
    );
    assert!(run.stdout.ends_with("1 passed, 0 failed\n"));
    // A malformed test file is bad input.
    std::fs::write(&file, "cases:\n  - name: x\n    login: {user: x}\n").unwrap();
    assert_eq!(mfac(&["test", file.to_str().unwrap()]).code, 2);
    // So is a case that expects nothing: it would pass, and count toward
    // coverage, whatever the policy says.
    std::fs::write(
        &file,
        format!("policy: {}\ncases:\n  - name: one\n    login: {{user: x, at: 2026-11-25}}\n    expect: {{}}\n", policy.display()),
    )
    .unwrap();
    let run = mfac(&["test", file.to_str().unwrap(), "--format", "json"]);
    assert_eq!(run.code, 2, "{}", run.stdout);
    assert!(run.stdout.contains("E027"), "{}", run.stdout);
    assert!(run.stdout.contains("expects nothing"), "{}", run.stdout);
    std::fs::remove_dir_all(&dir).ok();
}

#[test]
fn json_report_snapshot() {
    insta::assert_snapshot!(
        "test_failing_json",
        mfac(&["test", FAILING, "--format", "json"]).stdout
    );
}
