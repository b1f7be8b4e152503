//! Scoped rules, exclusions, report-only rules and `precedence ordered`,
//! through the real binary: what `eval`, `simulate`, `check`, `explain`
//! and `fmt` make of them.

#![allow(
    clippy::unwrap_used,
    clippy::expect_used,
    clippy::panic,
    clippy::indexing_slicing
)]

mod common;
use common::{json, mfac, write_temp};

/// Entra-shaped: admins in the admin portals, with an emergency-access
/// exclusion, and a report-only pilot for everyone.
const ENTRA: &str = r#"default {
  enforcement optional
  factors webauthn | totp
}

group "Global Administrators" { privileged }

rule "CA100 admins on admin portals" {
  for members of group "Global Administrators", group "Security Administrators"
  in app "Azure Portal", app "Admin Center"
  except members of group "Emergency Access"
  except user "sync@acme.test"
  enforcement required
  factors webauthn
}

rule "CA200 everyone, report-only during the pilot" {
  for everyone
  except app "Legacy VPN"
  except members of group "Service Accounts"
  report_only
  enforcement required
  remember 12h
}
"#;

fn eval(path: &str, args: &[&str]) -> serde_json::Value {
    let mut a = vec![
        "eval",
        path,
        "--at",
        "2026-12-01T10:00:00Z",
        "--format",
        "json",
    ];
    a.extend_from_slice(args);
    json(&mfac(&a))
}

#[test]
fn eval_names_the_scoped_rule_and_carries_the_report_only_outcome() {
    let path = write_temp("scoped", "entra.mfa", ENTRA);
    // An admin in the portal: the scoped rule applies and is named.
    let d = eval(
        &path,
        &[
            "--user",
            "ann@acme.test",
            "--group",
            "Security Administrators",
            "--app",
            "Azure Portal",
            "--enrolled",
            "totp",
        ],
    );
    assert_eq!(d["enforcement"], "required");
    assert_eq!(d["factors"], serde_json::json!(["webauthn"]));
    let rules: Vec<&str> = d["rules"]
        .as_array()
        .unwrap()
        .iter()
        .map(|r| r.as_str().unwrap())
        .collect();
    assert!(
        rules
            .iter()
            .any(|r| r.ends_with(": rule \"CA100 admins on admin portals\"")),
        "{rules:?}"
    );
    // Already required: the pilot changes nothing, and says so with null.
    assert!(d["report_only"].is_null(), "{d}");
    // The same admin elsewhere: optional, but the pilot would require MFA.
    let d = eval(
        &path,
        &[
            "--user",
            "ann@acme.test",
            "--group",
            "Security Administrators",
            "--enrolled",
            "totp",
        ],
    );
    assert_eq!(d["enforcement"], "optional");
    assert_eq!(d["report_only"]["enforcement"], "required", "{d}");
    assert_eq!(d["report_only"]["decision"], "challenge", "{d}");
    let why: Vec<&str> = d["report_only"]["rules"]
        .as_array()
        .unwrap()
        .iter()
        .map(|r| r.as_str().unwrap())
        .collect();
    assert!(why.iter().all(|r| r.contains("CA200")), "{why:?}");
    // Excluded: by group, by user, and the pilot by app.
    for (args, what) in [
        (
            &[
                "--group",
                "Global Administrators",
                "--group",
                "Emergency Access",
                "--app",
                "Azure Portal",
            ][..],
            "an emergency-access admin",
        ),
        (
            &["--group", "Global Administrators", "--app", "Azure Portal"][..],
            "the sync account",
        ),
    ] {
        let user = if what == "the sync account" {
            "sync@acme.test"
        } else {
            "ea@acme.test"
        };
        let mut a = vec!["--user", user];
        a.extend_from_slice(args);
        let d = eval(&path, &a);
        assert_eq!(d["enforcement"], "optional", "{what}: {d}");
    }
    let d = eval(&path, &["--user", "bob@acme.test", "--app", "Legacy VPN"]);
    assert!(
        d["report_only"].is_null(),
        "the pilot leaves the VPN out: {d}"
    );
    // And `explain` says why a rule did not apply.
    let run = mfac(&[
        "eval",
        &path,
        "--user",
        "ea@acme.test",
        "--group",
        "Global Administrators",
        "--group",
        "Emergency Access",
        "--app",
        "Azure Portal",
        "--at",
        "2026-12-01T10:00:00Z",
    ]);
    assert!(
        run.stdout
            .contains("rule \"CA100 admins on admin portals\": its `except` leaves this login out"),
        "{}",
        run.stdout
    );
    assert!(
        run.stdout
            .contains("report-only: evaluated, never enforced"),
        "{}",
        run.stdout
    );
}

#[test]
fn the_exclusion_gap_is_e012_with_a_counterexample_that_replays() {
    let path = write_temp("scoped", "gap.mfa", ENTRA);
    let run = mfac(&["check", &path, "--format", "json"]);
    assert_eq!(run.code, 1, "{}", run.stdout);
    let doc = json(&run);
    let e012: Vec<&serde_json::Value> = doc["diagnostics"]
        .as_array()
        .unwrap()
        .iter()
        .filter(|d| d["code"] == "E012")
        .collect();
    assert!(!e012.is_empty(), "{doc}");
    // In the admin portal, the admin who is also in Emergency Access is
    // the gap: two groups, the fewest that show it.
    // (Without the sync account's exclusion, which is a gap of one group.)
    let text = format!(
        "{}assert \"admins use MFA in the portals\" {{\n  for privileged in app \"Azure Portal\"\n  always enforcement required\n}}\n",
        ENTRA.replace("  except user \"sync@acme.test\"\n", "")
    );
    let path = write_temp("scoped", "gap-assert.mfa", &text);
    let doc = json(&mfac(&["check", &path, "--format", "json"]));
    let failing = doc["diagnostics"]
        .as_array()
        .unwrap()
        .iter()
        .find(|d| d["code"] == "E029")
        .unwrap_or_else(|| panic!("{doc}"));
    let c = &failing["counterexample"];
    assert_eq!(
        c["groups"],
        serde_json::json!(["Emergency Access", "Global Administrators"]),
        "{c}"
    );
    assert_eq!(c["app"], "Azure Portal");
    assert!(c["user"].is_null(), "anyone: {c}");
    // The replay line shows the gap.
    let eval = c["eval"].as_str().unwrap();
    let words: Vec<String> = common::shell_split(eval);
    let args: Vec<&str> = words.iter().skip(1).map(String::as_str).collect();
    let run = mfac(&[&args[..], &["--format", "json"]].concat());
    let d = json(&run);
    assert_eq!(d["enforcement"], "optional", "{eval}\n{d}");
}

#[test]
fn ordered_precedence_is_first_match_field_by_field() {
    let text = r#"precedence ordered
default { enforcement required factors webauthn | totp | push remember 8h }
rule "1 admins" {
  for members of group "Admins"
  enforcement required
  factors webauthn
  remember never
}
rule "2 contractors" {
  for members of group "Contractors"
  enforcement optional
  factors push | totp
}
group "Staff" { remember 1h }
"#;
    let path = write_temp("scoped", "ordered.mfa", text);
    // An admin who is also a contractor: rule 1 wins every field it sets.
    let d = eval(
        &path,
        &[
            "--user",
            "a@x.test",
            "--group",
            "Contractors",
            "--group",
            "Admins",
        ],
    );
    assert_eq!(
        (d["enforcement"].as_str(), d["factors"].clone()),
        (Some("required"), serde_json::json!(["webauthn"]))
    );
    // A contractor on staff: enforcement and factors from rule 2 (first),
    // remember from Staff (the first to set it), not the default's 8h.
    let d = eval(
        &path,
        &[
            "--user",
            "c@x.test",
            "--group",
            "Staff",
            "--group",
            "Contractors",
            "--enrolled",
            "push",
            "--last-mfa",
            "2026-12-01T09:30:00Z",
        ],
    );
    assert_eq!(d["enforcement"], "optional");
    assert_eq!(d["factors"], serde_json::json!(["push", "totp"]));
    assert_eq!(d["decision"], "allow", "remembered by Staff's 1h: {d}");
    let rules: Vec<&str> = d["rules"]
        .as_array()
        .unwrap()
        .iter()
        .map(|r| r.as_str().unwrap())
        .collect();
    assert!(
        rules.iter().any(|r| r.contains("rule \"2 contractors\""))
            && rules.iter().any(|r| r.contains("group \"Staff\"")),
        "{rules:?}"
    );
    assert!(
        !rules.iter().any(|r| r.contains("default")),
        "the default decided nothing: {rules:?}"
    );
}

#[test]
fn simulate_counts_what_the_report_only_rules_would_decide() {
    let policy = write_temp("scoped", "pilot.mfa", "default { enforcement optional factors webauthn | totp }\nrule \"pilot\" {\n  for members of group \"Contractors\"\n  except user \"cal@x.test\"\n  report_only\n  enforcement required\n}\n");
    let dir = write_temp(
        "scoped",
        "pilot.users.yaml",
        "users:\n  - id: dan@x.test\n    groups: [Contractors]\n    factors: [totp]\n  - id: cal@x.test\n    groups: [Contractors]\n    factors: []\n  - id: eve@x.test\n    factors: []\n  - id: fay@x.test\n    groups: [Contractors]\n    factors: []\n",
    );
    let doc = json(&mfac(&[
        "simulate",
        &policy,
        "--directory",
        &dir,
        "--at",
        "2026-12-01",
        "--format",
        "json",
    ]));
    // The enforced counts are unchanged; the report-only ones move Fay to
    // `enrol`, and Dan from optional to required.
    assert_eq!(doc["counts"]["enrol_or_skip"], 3, "{doc}");
    assert_eq!(doc["report_only_counts"]["enrol"], 1, "{doc}");
    assert_eq!(doc["report_only_counts"]["enrol_or_skip"], 2, "{doc}");
    let users: Vec<&str> = doc["report_only_changed"]
        .as_array()
        .unwrap()
        .iter()
        .map(|u| u["user"].as_str().unwrap())
        .collect();
    assert_eq!(users, ["dan@x.test", "fay@x.test"]);
    assert_eq!(
        doc["report_only_changed"][1]["report_only"]["decision"],
        "enrol"
    );
    assert_eq!(doc["changed"], serde_json::json!([]));
    // A policy without report-only rules prints as before: no such keys.
    let plain = write_temp(
        "scoped",
        "plain.mfa",
        "default { enforcement optional factors webauthn | totp }\n",
    );
    let doc = json(&mfac(&[
        "simulate",
        &plain,
        "--directory",
        &dir,
        "--at",
        "2026-12-01",
        "--format",
        "json",
    ]));
    assert!(
        doc.get("report_only_counts").is_none() && doc.get("report_only_changed").is_none(),
        "{doc}"
    );
}

#[test]
fn a_scoped_rule_formats_to_one_entry_a_line_and_keeps_its_meaning() {
    let messy = "rule \"x\" { for members of group \"A\",group \"B\" in app \"P\" except user \"u\" except members of group \"C\" report_only enforcement required }\n";
    let path = write_temp("scoped", "messy.mfa", messy);
    let run = mfac(&["fmt", &path]);
    assert_eq!(run.code, 0, "{}", run.stderr);
    let tidy = std::fs::read_to_string(&path).unwrap();
    assert_eq!(
        tidy,
        "rule \"x\" {\n  for members of group \"A\", group \"B\"\n  in app \"P\"\n  except user \"u\"\n  except members of group \"C\"\n  report_only\n  enforcement required\n}\n"
    );
    assert_eq!(mfac(&["fmt", "--check", &path]).code, 0);
}
