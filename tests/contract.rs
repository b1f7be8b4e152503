//! The JSON contracts of the README's commands, pinned against the library's wire
//! types (which the CLI prints, and the service will answer with).

#![allow(clippy::unwrap_used, clippy::expect_used)]

mod common;

use mfac::wire::DecisionRecord;
use mfac::{Compile, Factor, LoginContext, Policy};
use serde_json::Value;

const POLICY: &str = r#"
timezone "Europe/Berlin"
default { enforcement required factors webauthn | totp }
exempt user "bob@acme.test" until 2026-12-10 reason "lost device" ticket "SEC-123"
rollout "r" { applies default on 2026-12-01 enforcement required enrolment grace 14d }
"#;

fn record(user: &str, at: &str, enrolled: &[Factor]) -> Value {
    let p = Policy::compile("p.mfa", POLICY).unwrap();
    let at = mfac::time::parse_instant(at, p.timezone()).unwrap();
    let ctx = LoginContext::new(user, at).enrolled(enrolled);
    let d = p.decide(&ctx);
    serde_json::to_value(DecisionRecord::new(&p, &ctx, &d)).unwrap()
}

#[test]
fn the_decision_has_the_contract_shape() {
    for v in [
        record("ann@acme.test", "2026-12-02", &[]),
        record("ann@acme.test", "2026-12-02", &[Factor::Totp, Factor::Sms]),
        record("bob@acme.test", "2026-12-02", &[]),
    ] {
        let o = v.as_object().unwrap();
        for key in [
            "decision",
            "enforcement",
            "factors",
            "usable",
            "deadline",
            "remembered",
            "exempt",
            "rules",
        ] {
            assert!(o.contains_key(key), "{key} in {v}");
        }
        assert!(["allow", "challenge", "enrol_or_skip", "enrol", "deny"]
            .contains(&v["decision"].as_str().unwrap()));
        assert!(["off", "optional", "required"].contains(&v["enforcement"].as_str().unwrap()));
        for list in ["factors", "usable"] {
            let names: Vec<&str> = v[list]
                .as_array()
                .unwrap()
                .iter()
                .map(|f| f.as_str().unwrap())
                .collect();
            let mut sorted = names.clone();
            sorted.sort_unstable();
            assert_eq!(names, sorted, "{list} sorted by name");
        }
        assert!(v["deadline"].is_null() || v["deadline"].is_string());
        assert!(v["remembered"].is_boolean());
        assert!(
            v["exempt"].is_null()
                || ["until", "reason", "ticket"]
                    .iter()
                    .all(|k| v["exempt"].get(k).is_some())
        );
        for r in v["rules"].as_array().unwrap() {
            let r = r.as_str().unwrap();
            let (file, rest) = r.split_once(':').unwrap();
            let (line, subject) = rest.split_once(": ").unwrap();
            assert!(
                !file.is_empty() && line.parse::<u32>().is_ok() && !subject.is_empty(),
                "{r}"
            );
        }
        // The record reads back as itself.
        let back: DecisionRecord = serde_json::from_value(v.clone()).unwrap();
        assert_eq!(serde_json::to_value(back).unwrap(), v);
    }
    let v = record("ann@acme.test", "2026-12-02", &[]);
    assert_eq!(
        (v["decision"].as_str(), v["deadline"].as_str()),
        (Some("enrol_or_skip"), Some("2026-12-15T00:00:00+01:00"))
    );
    assert_eq!(v["factors"], serde_json::json!(["totp", "webauthn"]));
    let v = record("ann@acme.test", "2026-12-02", &[Factor::Totp, Factor::Sms]);
    assert_eq!(
        (v["decision"].as_str(), v["usable"].clone()),
        (Some("challenge"), serde_json::json!(["totp"]))
    );
    let v = record("bob@acme.test", "2026-12-02", &[]);
    assert_eq!(
        v["exempt"],
        serde_json::json!({"until": "2026-12-10T00:00:00+01:00", "reason": "lost device", "source": "policy", "ticket": "SEC-123"})
    );
}

#[test]
fn check_diagnostics_have_the_contract_fields() {
    let p = Policy::compile("p.mfa", "default { enforcement sometimes }");
    let d = p.err().unwrap();
    let rows = serde_json::to_value(d.json_rows()).unwrap();
    for key in ["code", "severity", "message", "file", "line", "column"] {
        assert!(rows[0].get(key).is_some(), "{key} in {rows}");
    }
    assert_eq!(rows[0]["severity"], "error");
}

/// The machine outputs byte for byte, so that a change to a wire type shows
/// up in review.
#[test]
fn json_outputs_are_pinned() {
    for (name, args) in [
        (
            "eval",
            &[
                "eval",
                "policies/acme.mfa",
                "--user",
                "bob@acme.test",
                "--at",
                "2026-12-02",
                "--format",
                "json",
            ][..],
        ),
        (
            "simulate",
            &[
                "simulate",
                "policies/acme.mfa",
                "--directory",
                "policies/acme.users.yaml",
                "--at",
                "2026-12-30",
                "--base",
                "tests/fixtures/simulate/acme-before.mfa",
                "--risks",
                "--format",
                "json",
            ],
        ),
        (
            "timeline",
            &[
                "simulate",
                "policies/acme.mfa",
                "--directory",
                "policies/acme.users.yaml",
                "--timeline",
                "--risks",
                "--format",
                "json",
            ],
        ),
        (
            "diff",
            &[
                "diff",
                "tests/fixtures/simulate/acme-before.mfa",
                "tests/fixtures/diff/acme-extended.mfa",
                "--format",
                "json",
            ],
        ),
    ] {
        let run = common::mfac(args);
        assert_eq!(run.code, 0, "{name}: {}", run.stderr);
        insta::assert_snapshot!(format!("json_{name}"), run.stdout);
    }
}

/// The outputs that carry counterexamples, pinned the same way: a failing
/// assertion in `check --format json`, and `diff --deny-loosening`. Both
/// exit 1.
#[test]
fn counterexample_outputs_are_pinned() {
    for (name, args) in [
        (
            "check_counterexample",
            &[
                "check",
                "policies/failing/12port-service-account.mfa",
                "--today",
                common::TODAY,
                "--format",
                "json",
            ][..],
        ),
        (
            "diff_loosening",
            &[
                "diff",
                "policies/acme.mfa",
                "tests/fixtures/simulate/acme-before.mfa",
                "--deny-loosening",
                "--format",
                "json",
            ],
        ),
    ] {
        let run = common::mfac(args);
        assert_eq!(run.code, 1, "{name}: {}", run.stderr);
        insta::assert_snapshot!(format!("json_{name}"), run.stdout);
    }
}
