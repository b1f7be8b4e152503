//! Assurance levels through the real binary: the `aal` every decision
//! carries, `assurance aal2|aal3` on a rule (MFA required, factors narrowed),
//! the `assurance` condition of an assertion, and lowering a demand as a
//! loosening.

#![allow(
    clippy::unwrap_used,
    clippy::expect_used,
    clippy::panic,
    clippy::indexing_slicing
)]

mod common;
use common::{json, mfac, write_temp};

/// Cymmetri-shaped: MFA optional, a payments app that demands a passkey,
/// and an admin portal that demands any second factor.
const POLICY: &str = r#"default {
  enforcement optional
  factors webauthn | totp
}

app "Payments" { assurance aal3 }

app "Admin Portal" { assurance aal2 }

assert "payments are signed with a passkey" {
  for everyone in app "Payments"
  always assurance aal3
}
"#;

fn eval(policy: &str, args: &[&str]) -> serde_json::Value {
    let mut all = vec!["eval", policy, "--user", "ann@x.test", "--format", "json"];
    all.extend_from_slice(args);
    let out = mfac(&all);
    assert_eq!(out.code, 0, "{all:?}: {}", out.stderr);
    json(&out)
}

#[test]
fn every_decision_says_the_level_the_login_reaches() {
    let p = write_temp("aal", "cymmetri.mfa", POLICY);
    // Outside the apps: optional, so a user with nothing enrolled may skip
    // (AAL1); one with totp is challenged (AAL2).
    let skip = eval(&p, &[]);
    assert_eq!(
        (skip["decision"].as_str(), skip["aal"].as_u64()),
        (Some("enrol_or_skip"), Some(1))
    );
    let totp = eval(&p, &["--enrolled", "totp"]);
    assert_eq!(
        (totp["decision"].as_str(), totp["aal"].as_u64()),
        (Some("challenge"), Some(2))
    );
    // Payments: required, and only a passkey is allowed: AAL3.
    let pay = eval(
        &p,
        &[
            "--app",
            "Payments",
            "--enrolled",
            "totp",
            "--enrolled",
            "webauthn",
        ],
    );
    assert_eq!(pay["decision"], "challenge");
    assert_eq!(pay["enforcement"], "required");
    assert_eq!(pay["factors"], serde_json::json!(["webauthn"]));
    assert_eq!(pay["aal"], 3);
    // With totp only, Payments asks for a passkey to be enrolled, now.
    let enrol = eval(&p, &["--app", "Payments", "--enrolled", "totp"]);
    assert_eq!(
        (enrol["decision"].as_str(), enrol["aal"].as_u64()),
        (Some("enrol"), Some(3))
    );
    // The admin portal demands AAL2: MFA required, any factor.
    let admin = eval(&p, &["--app", "Admin Portal", "--enrolled", "totp"]);
    assert_eq!(admin["enforcement"], "required");
    assert_eq!(admin["factors"], serde_json::json!(["totp", "webauthn"]));
    assert_eq!(
        (admin["decision"].as_str(), admin["aal"].as_u64()),
        (Some("challenge"), Some(2))
    );
    // The text form says it too.
    let text = mfac(&[
        "eval",
        &p,
        "--user",
        "ann@x.test",
        "--app",
        "Payments",
        "--enrolled",
        "webauthn",
    ]);
    assert!(
        text.stdout.contains("  assurance    AAL3"),
        "{}",
        text.stdout
    );
}

#[test]
fn the_assertion_is_proven_and_its_counterexample_names_the_level() {
    let p = write_temp("aal", "proven.mfa", POLICY);
    let out = mfac(&["check", &p]);
    assert_eq!(out.code, 0, "{}{}", out.stdout, out.stderr);
    // Take the demand away from the app: the assertion fails, and says why.
    let weaker = POLICY.replace(
        "app \"Payments\" { assurance aal3 }",
        "app \"Payments\" { assurance aal2 }",
    );
    let p = write_temp("aal", "weaker.mfa", &weaker);
    let out = mfac(&["check", &p, "--format", "json"]);
    assert_eq!(out.code, 1, "{}", out.stdout);
    let v = json(&out);
    let d = v["diagnostics"]
        .as_array()
        .unwrap()
        .iter()
        .find(|d| d["code"] == "E029")
        .expect("a failing assertion");
    let msg = d["message"].as_str().unwrap();
    assert!(msg.contains("AAL2, below aal3"), "{msg}");
}

#[test]
fn a_demand_that_leaves_no_factor_is_an_error() {
    let p = write_temp(
        "aal",
        "empty.mfa",
        "default { enforcement required factors totp }\napp \"Vault\" { factors totp assurance aal3 }\n",
    );
    let out = mfac(&["check", &p, "--format", "json"]);
    assert_eq!(out.code, 1);
    let codes: Vec<String> = json(&out)["diagnostics"]
        .as_array()
        .unwrap()
        .iter()
        .map(|d| d["code"].as_str().unwrap().to_string())
        .collect();
    assert!(codes.contains(&"E013".to_string()), "{codes:?}");
}

#[test]
fn lowering_a_demand_is_a_loosening() {
    let old = write_temp("aal", "old.mfa", POLICY);
    let lowered = POLICY
        .replace(
            "app \"Payments\" { assurance aal3 }",
            "app \"Payments\" { assurance aal2 }",
        )
        .replace("always assurance aal3", "always assurance aal2");
    let new = write_temp("aal", "new.mfa", &lowered);
    let out = mfac(&["diff", &old, &new, "--deny-loosening", "--format", "json"]);
    assert_eq!(out.code, 1, "{}{}", out.stdout, out.stderr);
    assert!(out.stdout.contains("\"factors\""), "{}", out.stdout);
    // Raising it back is not.
    let out = mfac(&["diff", &new, &old, "--deny-loosening"]);
    assert_eq!(out.code, 0, "{}{}", out.stdout, out.stderr);
}

#[test]
fn fmt_keeps_the_field() {
    let p = write_temp(
        "aal",
        "fmt.mfa",
        "default { enforcement optional }\n\napp \"Payments\" { assurance aal3 }\n",
    );
    let out = mfac(&["fmt", "--check", &p]);
    assert_eq!(out.code, 0, "{}{}", out.stdout, out.stderr);
}
