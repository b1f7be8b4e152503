//! `assert` blocks through the real binary: a failing assertion is an error
//! with its counterexample in every check format, the `mfac eval` line it
//! prints reproduces the violation, `compile` refuses the policy, and the
//! formatter keeps what the assertions say.

#![allow(clippy::unwrap_used, clippy::expect_used, clippy::indexing_slicing)]

mod common;
use common::{json, mfac, write_temp, TODAY};

const FAILING: &str = "policies/failing/12port-service-account.mfa";

#[test]
fn the_failing_policy_is_refuted_with_a_structured_counterexample() {
    let run = mfac(&["check", FAILING, "--today", TODAY, "--format", "json"]);
    assert_eq!(run.code, 1, "{}", run.stdout);
    let doc = json(&run);
    let d = doc["diagnostics"]
        .as_array()
        .unwrap()
        .iter()
        .find(|d| d["code"] == "E029")
        .expect("an E029")
        .clone();
    assert_eq!(d["line"], 28);
    let c = &d["counterexample"];
    assert_eq!(c["groups"], serde_json::json!(["Vault Admins"]));
    assert_eq!(c["user"], "svc-reporting@12port.example");
    assert_eq!(c["app"], serde_json::Value::Null);
    assert_eq!(c["effective"]["enforcement"], "off");
    assert_eq!(
        c["rules"]["enforcement"],
        serde_json::json!([format!(
            "{FAILING}:24: user \"svc-reporting@12port.example\""
        )])
    );
    // A finding the engine did not make carries no counterexample key.
    let w003 = doc["diagnostics"]
        .as_array()
        .unwrap()
        .iter()
        .find(|d| d["code"] == "W003")
        .unwrap();
    assert!(w003.get("counterexample").is_none(), "{w003}");
}

#[test]
fn the_replay_line_reproduces_the_violation() {
    let doc = json(&mfac(&[
        "check", FAILING, "--today", TODAY, "--format", "json",
    ]));
    let d = doc["diagnostics"]
        .as_array()
        .unwrap()
        .iter()
        .find(|d| d["code"] == "E029")
        .unwrap()
        .clone();
    let line = d["counterexample"]["eval"].as_str().unwrap();
    let words = common::shell_split(line);
    assert_eq!(&words[..2], ["mfac", "eval"], "{line}");
    let mut args: Vec<&str> = words[1..].iter().map(String::as_str).collect();
    args.extend(["--format", "json"]);
    let run = mfac(&args);
    // eval evaluates a policy whose only errors are failing assertions,
    // and says so on stderr.
    assert_eq!(run.code, 0, "{}", run.stderr);
    assert!(
        run.stderr.contains("1 error with a counterexample"),
        "{}",
        run.stderr
    );
    let decision = json(&run);
    assert_eq!(decision["enforcement"], "off");
    assert_eq!(decision["decision"], "allow");
}

#[test]
fn compile_refuses_a_policy_whose_assertion_fails() {
    let run = mfac(&["compile", FAILING]);
    assert_eq!(run.code, 1);
    assert!(run.stderr.contains("E029"), "{}", run.stderr);
}

#[test]
fn eval_still_refuses_a_policy_with_other_errors() {
    let path = write_temp(
        "assert-other-errors",
        "p.mfa",
        "default { enforcement optional factors totp | nope }\nassert \"x\" { for everyone always enforcement required }\n",
    );
    let run = mfac(&["eval", &path, "--user", "a@x.test"]);
    assert_eq!(run.code, 1, "{}", run.stderr);
}

#[test]
fn every_check_format_carries_the_counterexample() {
    let human = mfac(&["check", FAILING, "--today", TODAY]);
    assert!(human.stdout.contains("counterexample:"), "{}", human.stdout);
    assert!(
        human.stdout.contains("replay: mfac eval"),
        "{}",
        human.stdout
    );

    let github = mfac(&["check", FAILING, "--today", TODAY, "--format", "github"]);
    let e029 = github
        .stdout
        .lines()
        .find(|l| l.contains("E029"))
        .expect("an E029 annotation");
    assert!(e029.starts_with("::error file="), "{e029}");
    assert!(e029.contains("replay: mfac eval"), "{e029}");

    let sarif = json(&mfac(&[
        "check", FAILING, "--today", TODAY, "--format", "sarif",
    ]));
    let result = sarif["runs"][0]["results"]
        .as_array()
        .unwrap()
        .iter()
        .find(|r| r["ruleId"] == "E029")
        .unwrap()
        .clone();
    assert_eq!(
        result["properties"]["counterexample"]["user"],
        "svc-reporting@12port.example"
    );
    assert!(result["message"]["text"]
        .as_str()
        .unwrap()
        .contains("counterexample:"));
}

#[test]
fn assertions_that_hold_are_silent_and_bad_ones_are_errors() {
    let path = write_temp(
        "assert-bad",
        "p.mfa",
        r#"default { enforcement required factors webauthn | totp }
group "Admins" { privileged enforcement required factors webauthn }
assert "holds" { for privileged always factors within webauthn }
assert "typo" { for members of group "Admnis" never exempt }
assert "no time" { for everyone from 2027-01-01 until 2026-01-01 never exempt }
assert "unknown factor" { for everyone never factors include fax }
"#,
    );
    let doc = json(&mfac(&[
        "check", &path, "--today", TODAY, "--format", "json",
    ]));
    let codes: Vec<(&str, u64)> = doc["diagnostics"]
        .as_array()
        .unwrap()
        .iter()
        .map(|d| (d["code"].as_str().unwrap(), d["line"].as_u64().unwrap()))
        .collect();
    assert!(codes.contains(&("E030", 4)), "{codes:?}");
    assert!(codes.contains(&("E030", 5)), "{codes:?}");
    assert!(codes.contains(&("E002", 6)), "{codes:?}");
    assert!(!codes.iter().any(|(c, _)| *c == "E029"), "{codes:?}");
}

#[test]
fn a_syntax_error_in_an_assertion_says_what_was_expected() {
    let path = write_temp(
        "assert-syntax",
        "p.mfa",
        "default { enforcement required }\nassert \"x\" { for everyone sometimes enforcement required }\n",
    );
    let run = mfac(&["check", &path, "--format", "json"]);
    assert_eq!(run.code, 1);
    let doc = json(&run);
    let d = &doc["diagnostics"][0];
    assert_eq!(d["code"], "E001");
    assert!(
        d["message"]
            .as_str()
            .unwrap()
            .contains("`always` or `never`"),
        "{d}"
    );
}

#[test]
fn the_formatter_lays_out_assertions_and_keeps_their_meaning() {
    let path = write_temp(
        "assert-fmt",
        "p.mfa",
        "default { enforcement required factors webauthn }\nassert \"a\" { for everyone in app \"X\" from 2026-12-01 always remember never never factors none }\n",
    );
    let run = mfac(&["fmt", &path]);
    assert_eq!(run.code, 0, "{}", run.stderr);
    let text = std::fs::read_to_string(&path).unwrap();
    assert_eq!(
        text,
        "default {\n  enforcement required\n  factors webauthn\n}\nassert \"a\" {\n  for everyone in app \"X\" from 2026-12-01\n  always remember never\n  never factors none\n}\n"
    );
    assert_eq!(mfac(&["check", &path]).code, 0);
}

#[test]
fn the_example_policies_carry_assertions_that_hold() {
    for name in ["acme", "12port", "cymmetri", "genesys", "voiso"] {
        let path = format!("policies/{name}.mfa");
        let text = std::fs::read_to_string(&path).unwrap();
        assert!(text.contains("\nassert "), "{name} has no assertion");
        let doc = json(&mfac(&[
            "check", &path, "--today", TODAY, "--format", "json",
        ]));
        assert_eq!(doc["errors"], 0, "{name}: {doc}");
    }
}

/// Every counterexample the checker prints, for every check's fixture and
/// every policy in `policies/`, is replayed with its own `mfac eval` line:
/// the decision must show the settings the counterexample reports.
#[test]
fn every_printed_counterexample_replays_through_eval() {
    let mut files: Vec<String> = Vec::new();
    for dir in ["tests/fixtures/checks", "policies", "policies/failing"] {
        for e in std::fs::read_dir(dir).unwrap() {
            let p = e.unwrap().path().to_string_lossy().into_owned();
            if p.ends_with(".mfa") {
                files.push(p);
            }
        }
    }
    files.sort();
    let mut replayed = 0;
    for file in &files {
        let doc = json(&mfac(&[
            "check", file, "--today", TODAY, "--format", "json",
        ]));
        for d in doc["diagnostics"].as_array().unwrap() {
            let Some(c) = d.get("counterexample") else {
                continue;
            };
            let words = common::shell_split(c["eval"].as_str().unwrap());
            let mut args: Vec<&str> = words[1..].iter().map(String::as_str).collect();
            args.extend(["--format", "json"]);
            let run = mfac(&args);
            assert_eq!(run.code, 0, "{file} {}: {}", d["code"], run.stderr);
            let got = json(&run);
            let want = &c["effective"];
            assert_eq!(got["enforcement"], want["enforcement"], "{file} {d}");
            assert_eq!(got["factors"], want["factors"], "{file} {d}");
            assert_eq!(!got["exempt"].is_null(), want["exempt"], "{file} {d}");
            if want["remember"].as_str().is_some_and(|r| r != "never") {
                // The replay signs in again inside the window.
                assert_eq!(got["remembered"], true, "{file} {d}");
            }
            replayed += 1;
        }
    }
    assert!(replayed >= 10, "only {replayed} counterexamples replayed");
}
