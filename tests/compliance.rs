//! Compliance profiles end to end: `comply` lines and `--profile`, every
//! output format carrying the control, and `mfac explain PROFILE`.

#![allow(
    clippy::unwrap_used,
    clippy::expect_used,
    clippy::panic,
    clippy::indexing_slicing
)]

mod common;
use common::{json, mfac, write_temp};

/// Holds every control of every profile: MFA required for everyone with
/// passkeys only, never remembered in the CDE app, a break-glass account,
/// and documented exemptions.
const COMPLIANT: &str = r#"max_exemption 60d
default { enforcement required factors webauthn remember 8h }
group "Admins" { privileged enforcement required factors webauthn remember never }
app "Payments" { enforcement required remember 10m }
user "bg@x.test" { break_glass enforcement required factors webauthn recovery backup_code }
exempt user "ann@x.test" until 2026-12-20 reason "lost key" ticket "SEC-1"
comply "cisa-scuba-aad"
comply "maester"
comply "nist-800-63b" { aal2 for everyone  aal3 for privileged }
comply "pci-dss-4.0" { cde app "Payments" }
"#;

fn controls(doc: &serde_json::Value) -> Vec<(String, String, String)> {
    doc["controls"]
        .as_array()
        .cloned()
        .unwrap_or_default()
        .iter()
        .map(|c| {
            (
                c["profile"].as_str().unwrap().to_string(),
                c["control"].as_str().unwrap().to_string(),
                c["result"].as_str().unwrap().to_string(),
            )
        })
        .collect()
}

#[test]
fn a_compliant_policy_passes_every_control_of_every_profile() {
    let path = write_temp("compliance", "compliant.mfa", COMPLIANT);
    let run = mfac(&["check", &path, "--today", "2026-11-24", "--format", "json"]);
    let doc = json(&run);
    assert_eq!(run.code, 0, "{doc}");
    let got = controls(&doc);
    let want = [
        ("cisa-scuba-aad", "MS.AAD.3.1"),
        ("cisa-scuba-aad", "MS.AAD.3.2"),
        ("cisa-scuba-aad", "MS.AAD.3.5"),
        ("cisa-scuba-aad", "MS.AAD.3.6"),
        ("maester", "MT.1005"),
        ("maester", "MT.1006"),
        ("maester", "MT.1007"),
        ("nist-800-63b", "AAL2"),
        ("nist-800-63b", "AAL3"),
        ("pci-dss-4.0", "8.4.1"),
        ("pci-dss-4.0", "8.4.2"),
        ("pci-dss-4.0", "8.5.1"),
    ];
    let ids: Vec<(&str, &str)> = got
        .iter()
        .map(|(p, c, _)| (p.as_str(), c.as_str()))
        .collect();
    assert_eq!(ids, want);
    assert!(got.iter().all(|(_, _, r)| r == "pass"), "{got:?}");
}

/// Each mutation of the compliant policy breaks the controls named, and
/// only those; each failure carries its control in every format.
#[test]
fn each_control_fails_for_its_own_reason() {
    let cases: [(&str, &str, &[&str]); 6] = [
        // SMS allowed for everyone: 3.1 (not phishing-resistant) and 3.5;
        // admins keep passkeys only, so AAL3 holds.
        (
            "default { enforcement required factors webauthn remember 8h }",
            "default { enforcement required factors webauthn | sms remember 8h }",
            &["MS.AAD.3.1", "MS.AAD.3.5"],
        ),
        // A remember window of an hour in the CDE app: 8.4.2 only.
        (
            "app \"Payments\" { enforcement required remember 10m }",
            "app \"Payments\" { enforcement required }",
            &["8.4.2"],
        ),
        // An exemption without a ticket: 8.5.1.
        (" ticket \"SEC-1\"", "", &["8.5.1"]),
        // No break-glass account: MT.1005.
        (
            "user \"bg@x.test\" { break_glass enforcement required factors webauthn recovery backup_code }",
            "",
            &["MT.1005"],
        ),
        // Everyone optional: every "MFA for all" control.
        (
            "default { enforcement required factors webauthn remember 8h }",
            "default { enforcement optional factors webauthn remember 8h }",
            &["MS.AAD.3.1", "MS.AAD.3.2", "MT.1007", "AAL2"],
        ),
        // Everyone remembered for a day: AAL2 (12h at most); admins are
        // never remembered, so AAL3 holds.
        (
            "factors webauthn remember 8h }",
            "factors webauthn remember 24h }",
            &["AAL2"],
        ),
    ];
    for (from, to, failing) in cases {
        let text = COMPLIANT.replacen(from, to, 1);
        assert_ne!(text, COMPLIANT, "{from}");
        let path = write_temp("compliance", "broken.mfa", &text);
        let run = mfac(&["check", &path, "--today", "2026-11-24", "--format", "json"]);
        let doc = json(&run);
        assert_eq!(run.code, 1, "{doc}");
        let failed: Vec<String> = controls(&doc)
            .into_iter()
            .filter(|(_, _, r)| r == "fail")
            .map(|(_, c, _)| c)
            .collect();
        assert_eq!(failed, failing, "{to}\n{doc}");
        let diags = doc["diagnostics"].as_array().unwrap();
        for c in failing {
            let d = diags
                .iter()
                .find(|d| d["code"] == "E033" && d["control"] == *c)
                .unwrap_or_else(|| panic!("no E033 for {c}: {doc}"));
            assert!(d["message"].as_str().unwrap().contains(c), "{d}");
            assert!(d["profile"].is_string(), "{d}");
        }
        // SARIF: the control is the result's rule; GitHub: in the title.
        let sarif = json(&mfac(&[
            "check",
            &path,
            "--today",
            "2026-11-24",
            "--format",
            "sarif",
        ]));
        let rule_ids: Vec<&str> = sarif["runs"][0]["results"]
            .as_array()
            .unwrap()
            .iter()
            .filter_map(|r| r["ruleId"].as_str())
            .collect();
        let rules: Vec<&str> = sarif["runs"][0]["tool"]["driver"]["rules"]
            .as_array()
            .unwrap()
            .iter()
            .filter_map(|r| r["id"].as_str())
            .collect();
        let github = mfac(&[
            "check",
            &path,
            "--today",
            "2026-11-24",
            "--format",
            "github",
        ])
        .stdout;
        for c in failing {
            let id = rule_ids
                .iter()
                .find(|r| r.ends_with(&format!("/{c}")))
                .unwrap_or_else(|| panic!("no SARIF result for {c}: {rule_ids:?}"));
            assert!(rules.contains(id), "{id} is a rule of the run");
            assert!(
                github.contains(&format!("title=E033 control-fails {id}")),
                "{github}"
            );
        }
    }
}

#[test]
fn a_profile_from_the_command_line_is_the_comply_line() {
    let text = "default { enforcement optional factors webauthn | totp }\napp \"Payments\" { enforcement required }\n";
    let path = write_temp("compliance", "imported.mfa", text);
    let with_line = write_temp(
        "compliance",
        "imported-comply.mfa",
        format!("{text}comply \"pci-dss-4.0\" {{ cde app \"Payments\" }}\n"),
    );
    let flag = json(&mfac(&[
        "check",
        &path,
        "--profile",
        "pci-dss-4.0 { cde app \"Payments\" }",
        "--format",
        "json",
    ]));
    let line = json(&mfac(&["check", &with_line, "--format", "json"]));
    let strip = |v: &serde_json::Value| -> Vec<(String, String, String)> { controls(v) };
    assert_eq!(strip(&flag), strip(&line));
    assert_eq!(
        strip(&flag),
        [
            ("pci-dss-4.0".into(), "8.4.1".into(), "pass".into()),
            ("pci-dss-4.0".into(), "8.4.2".into(), "pass".into()),
            ("pci-dss-4.0".into(), "8.5.1".into(), "pass".into()),
        ]
    );
    // Without the CDE apps, the app controls say so rather than pass.
    let bare = json(&mfac(&[
        "check",
        &path,
        "--profile",
        "pci-dss-4.0",
        "--format",
        "json",
    ]));
    let results: Vec<String> = controls(&bare).into_iter().map(|(_, _, r)| r).collect();
    assert_eq!(results, ["not_covered", "not_covered", "pass"]);
    // A quoted name reads the same; a profile that does not exist is bad
    // usage (exit 2), and says which exist.
    let quoted = json(&mfac(&[
        "check",
        &path,
        "--profile",
        "\"maester\"",
        "--format",
        "json",
    ]));
    assert_eq!(controls(&quoted).len(), 3);
    let bad = mfac(&["check", &path, "--profile", "pci-dss-3.2"]);
    assert_eq!(bad.code, 2, "{}", bad.stderr);
    assert!(bad.stderr.contains("cisa-scuba-aad"), "{}", bad.stderr);
    let bad = mfac(&["check", &path, "--profile", "pci-dss-4.0 { cde }"]);
    assert_eq!(bad.code, 2, "{}", bad.stderr);
}

#[test]
fn explain_documents_each_profile_and_what_it_cannot_show() {
    for (name, controls, gap) in [
        (
            "cisa-scuba-aad",
            &["MS.AAD.3.1", "MS.AAD.3.2", "MS.AAD.3.5", "MS.AAD.3.6"][..],
            "managed devices",
        ),
        (
            "pci-dss-4.0",
            &["8.4.1", "8.4.2", "8.5.1"][..],
            "idle timeout",
        ),
        ("nist-800-63b", &["AAL2", "AAL3"][..], "inactivity"),
        (
            "maester",
            &["MT.1005", "MT.1006", "MT.1007"][..],
            "excluded from every Conditional Access policy",
        ),
    ] {
        let run = mfac(&["explain", name]);
        assert_eq!(run.code, 0, "{}", run.stderr);
        for c in controls {
            assert!(run.stdout.contains(c), "{name} {c}\n{}", run.stdout);
        }
        assert!(run.stdout.contains("source: "), "{}", run.stdout);
        assert!(
            run.stdout.contains("not covered by the policy"),
            "{}",
            run.stdout
        );
        assert!(run.stdout.contains(gap), "{name}: {}", run.stdout);
    }
}
