//! A machine format never goes silent: every input error, under every
//! machine format of every command, is printed on stdout in that format
//! (parsed here), with its code, file, line and column where there is one,
//! and the contract's exit code.

#![allow(
    clippy::unwrap_used,
    clippy::expect_used,
    clippy::panic,
    clippy::indexing_slicing
)] // tests may panic on broken fixtures

mod common;
use common::{json, mfac, Run, TODAY};
use serde_json::Value;

fn dir() -> std::path::PathBuf {
    common::temp_dir("machine")
}

fn write(name: &str, bytes: &[u8]) -> String {
    common::write_temp("machine", name, bytes)
}

fn good() -> String {
    write(
        "good.mfa",
        b"default { enforcement required factors totp }\n",
    )
}

/// (name, expected code, expected line, the directory file)
fn bad_directories() -> Vec<(&'static str, &'static str, u64, String)> {
    vec![
        (
            "unknown field",
            "E021",
            3,
            write("unknown.users.yaml", b"users:\n  - {id: a@x, groups: [], factors: []}\n  - {id: b@x, group: [Admins]}\n"),
        ),
        (
            "duplicate id",
            "E021",
            3,
            write("dup.users.yaml", b"users:\n  - {id: a@x, groups: [], factors: []}\n  - {id: a@x, groups: [], factors: []}\n"),
        ),
        (
            "not UTF-8",
            "E023",
            2,
            write("latin1.users.yaml", b"users:\n  - {id: caf\xe9@x}\n"),
        ),
        ("missing", "E023", 1, dir().join("nowhere.users.yaml").to_string_lossy().into_owned()),
    ]
}

fn error_object(run: &Run) -> Value {
    let v = json(run);
    assert!(v["error"].is_object(), "{v}");
    v["error"].clone()
}

#[test]
fn check_reports_directory_errors_in_every_format() {
    let p = good();
    let validator = common::sarif_validator();
    for (what, code, line, d) in bad_directories() {
        let run = mfac(&[
            "check",
            &p,
            "--today",
            TODAY,
            "--directory",
            &d,
            "--format",
            "json",
        ]);
        assert_eq!(run.code, 2, "{what}");
        let v = json(&run);
        let row = v["diagnostics"]
            .as_array()
            .unwrap()
            .iter()
            .find(|r| r["code"] == code);
        let row = row.unwrap_or_else(|| panic!("{what}: {v}"));
        assert_eq!(row["line"].as_u64(), Some(line), "{what}: {row}");
        assert!(
            row["file"].as_str().unwrap().ends_with(".users.yaml"),
            "{what}"
        );
        assert!(row["column"].as_u64().is_some(), "{what}");

        let run = mfac(&[
            "check",
            &p,
            "--today",
            TODAY,
            "--directory",
            &d,
            "--format",
            "sarif",
        ]);
        assert_eq!(run.code, 2, "{what}");
        let doc = json(&run);
        assert!(validator.is_valid(&doc), "{what}: SARIF is valid");
        let result = &doc["runs"][0]["results"][0];
        assert_eq!(result["ruleId"], code, "{what}");
        assert_eq!(
            result["locations"][0]["physicalLocation"]["region"]["startLine"].as_u64(),
            Some(line)
        );

        let run = mfac(&[
            "check",
            &p,
            "--today",
            TODAY,
            "--directory",
            &d,
            "--format",
            "github",
        ]);
        assert_eq!(run.code, 2, "{what}");
        assert!(
            run.stdout.lines().any(|l| l.starts_with("::error file=")
                && l.contains(&format!("line={line},"))
                && l.contains(code)),
            "{what}: {}",
            run.stdout
        );
    }
}

#[test]
fn eval_and_simulate_report_directory_errors_as_json() {
    let p = good();
    for (what, code, line, d) in bad_directories() {
        for args in [
            vec![
                "eval",
                &p,
                "--user",
                "a@x",
                "--directory",
                &d,
                "--format",
                "json",
            ],
            vec!["simulate", &p, "--directory", &d, "--format", "json"],
        ] {
            let run = mfac(&args);
            assert_eq!(run.code, 2, "{what} {args:?}");
            let e = error_object(&run);
            assert_eq!(e["code"], code, "{what} {args:?}: {e}");
            assert_eq!(e["line"].as_u64(), Some(line), "{what}");
            assert!(e["file"].as_str().unwrap().ends_with(".users.yaml"));
            assert!(!e["message"].as_str().unwrap().is_empty());
            assert!(
                !run.stderr.is_empty(),
                "people still get the error on stderr"
            );
        }
    }
}

#[test]
fn unreadable_and_corrupt_policies_in_every_format() {
    let latin1 = write(
        "latin1.mfa",
        b"default { enforcement optional }\n# caf\xe9\n",
    );
    let missing = dir().join("typo.mfa").to_string_lossy().into_owned();
    let corrupt = write(
        "corrupt.json",
        b"{\"format\": \"mfac-compiled\",\n  \"version\": 1,\n  oops\n}",
    );
    let foreign = write(
        "foreign.json",
        b"{\"format\": \"mfac-compiled\", \"version\": 99, \"checksum\": \"x\", \"policy\": {}}",
    );
    let users = write(
        "ok.users.yaml",
        b"users:\n  - {id: a@x, groups: [], factors: []}\n",
    );
    for (what, path, code, line) in [
        ("not UTF-8", &latin1, "E023", Some(2)),
        ("missing", &missing, "E023", Some(1)),
        ("corrupt compiled", &corrupt, "E024", Some(3)),
        ("other version", &foreign, "E024", Some(1)),
    ] {
        for args in [
            vec!["eval", path, "--user", "a@x", "--format", "json"],
            vec!["simulate", path, "--directory", &users, "--format", "json"],
            vec!["diff", path, path, "--format", "json"],
        ] {
            let run = mfac(&args);
            assert_eq!(run.code, 2, "{what} {args:?}");
            let e = error_object(&run);
            assert_eq!(e["code"], code, "{what} {args:?}: {e}");
            assert_eq!(e["line"].as_u64(), line, "{what} {args:?}: {e}");
            assert_eq!(e["file"].as_str(), Some(path.as_str()));
        }
    }
}

#[test]
fn a_policy_with_errors_is_a_json_error_with_its_diagnostics() {
    let bad = write(
        "errors.mfa",
        b"default { enforcement required factors smoke_signals }\n",
    );
    let run = mfac(&["eval", &bad, "--user", "a@x", "--format", "json"]);
    assert_eq!(run.code, 1);
    let v = json(&run);
    assert_eq!(v["error"]["code"], "E002");
    assert_eq!(
        (v["error"]["line"].as_u64(), v["error"]["column"].as_u64()),
        (Some(1), Some(40))
    );
    assert_eq!(v["diagnostics"][0]["code"], "E002");
}

#[test]
fn bad_flags_are_json_too() {
    let p = good();
    for args in [
        vec![
            "eval", &p, "--user", "a@x", "--at", "noon", "--format", "json",
        ],
        vec![
            "eval",
            &p,
            "--user",
            "a@x",
            "--enrolled",
            "carrier_pigeon",
            "--format=json",
        ],
        vec![
            "eval",
            &p,
            "--user",
            "a@x",
            "--no-such-flag",
            "--format",
            "json",
        ],
        vec!["simulate", &p, "--format", "json"],
    ] {
        let run = mfac(&args);
        assert_eq!(run.code, 2, "{args:?}");
        let e = error_object(&run);
        assert_eq!(e["code"], "E026", "{args:?}: {e}");
        assert!(
            e["file"].is_null() && e["line"].is_null() && e["column"].is_null(),
            "{e}"
        );
    }
    let run = mfac(&["check", &p, "--today", "noon", "--format", "json"]);
    assert_eq!(run.code, 2);
    let v = json(&run);
    assert_eq!(v["diagnostics"][0]["code"], "E026", "{v}");
    assert_eq!(v["errors"], 1);
    let run = mfac(&["check", &p, "--today", "noon", "--format", "sarif"]);
    assert_eq!(run.code, 2);
    assert_eq!(json(&run)["runs"][0]["results"][0]["ruleId"], "E026");
}

#[test]
fn a_bad_config_is_reported_at_its_line_in_every_format() {
    let p = write(
        "cfg/p.mfa",
        b"default { enforcement required factors totp }\ngroup \"G\" { enforcement required }\n",
    );
    for (toml, line) in [
        ("[severity]\nW002 = \"loud\"\n", 2),
        ("[severity]\n\nW999 = \"off\"\n", 3),
        ("[severity]\nE013 = \"off\"\n", 2),
        ("[severty]\n", 1),
    ] {
        write("cfg/mfac.toml", toml.as_bytes());
        let run = mfac(&["check", &p, "--today", TODAY, "--format", "json"]);
        assert_eq!(run.code, 2, "{toml}");
        let v = json(&run);
        let row = v["diagnostics"]
            .as_array()
            .unwrap()
            .iter()
            .find(|r| r["code"] == "E025");
        let row = row.unwrap_or_else(|| panic!("{toml}: {v}"));
        assert_eq!(row["line"].as_u64(), Some(line), "{toml}: {row}");
        assert!(row["file"].as_str().unwrap().ends_with("mfac.toml"));
        let run = mfac(&["check", &p, "--today", TODAY, "--format", "sarif"]);
        assert_eq!(run.code, 2);
        assert_eq!(json(&run)["runs"][0]["results"][0]["ruleId"], "E025");
        let run = mfac(&["check", &p, "--today", TODAY, "--format", "github"]);
        assert!(run.stdout.contains("E025"), "{}", run.stdout);
    }
    std::fs::remove_file(dir().join("cfg/mfac.toml")).unwrap();
}

#[test]
fn test_files_report_errors_as_json_and_junit() {
    let p = good();
    let name = std::path::Path::new(&p)
        .file_name()
        .unwrap()
        .to_string_lossy()
        .into_owned();
    for (what, text, line) in [
        ("unknown field", format!("policy: {name}\ncases:\n  - name: x\n    login: {{user: a, at: 2026-12-01}}\n    expect: {{decison: allow}}\n"), 5),
        ("invalid decision", format!("policy: {name}\ncases:\n  - name: x\n    login: {{user: a, at: 2026-12-01}}\n    expect: {{decision: alow}}\n"), 3),
        ("invalid enforcement", format!("policy: {name}\ncases:\n  - name: x\n    login: {{user: a, at: 2026-12-01}}\n    expect: {{enforcement: mandatory}}\n"), 3),
        ("no cases", format!("policy: {name}\ncases: []\n"), 1),
        ("bad factor", format!("policy: {name}\ncases:\n  - name: ok\n    login: {{user: a, at: 2026-12-01}}\n    expect: {{decision: enrol}}\n  - name: x\n    login: {{user: a, at: 2026-12-01, enrolled: [fax]}}\n    expect: {{decision: allow}}\n"), 6),
    ] {
        let t = write("t.test.yaml", text.as_bytes());
        let run = mfac(&["test", &t, "--format", "json"]);
        assert_eq!(run.code, 2, "{what}: {}", run.stdout);
        let e = error_object(&run);
        assert_eq!(e["code"], "E027", "{what}: {e}");
        assert_eq!(e["line"].as_u64(), Some(line), "{what}: {e}");
        let run = mfac(&["test", &t, "--format", "junit"]);
        assert_eq!(run.code, 2, "{what}");
        assert!(run.stdout.starts_with("<?xml") && run.stdout.contains("<error type=\"E027\""), "{what}: {}", run.stdout);
    }
    // The policy of a test file does not check: a JSON error with its diagnostics.
    let broken = write("broken.mfa", b"default { enforcement sometimes }\n");
    let t = write("broken.test.yaml", b"cases:\n  - name: x\n    login: {user: a, at: 2026-12-01}\n    expect: {decision: allow}\n");
    let run = mfac(&["test", &t, "--format", "json"]);
    assert_eq!(run.code, 1, "{}", run.stdout);
    assert_eq!(error_object(&run)["file"].as_str(), Some(broken.as_str()));
}

#[test]
fn one_bad_path_hides_no_other_finding() {
    let good = write(
        "w.mfa",
        b"default { enforcement optional }\ngroup \"Beta\" { enforcement optional }\n",
    );
    let binary = write("bin.mfa", b"\x00\xff\xfe garbage");
    let missing = dir().join("typo.mfa").to_string_lossy().into_owned();
    let empty = write("empty.mfa", b"# nothing here yet\n");
    let run = mfac(&[
        "check", &good, &missing, &binary, &empty, "--today", TODAY, "--format", "json",
    ]);
    assert_eq!(run.code, 2, "unreadable input wins");
    let v = json(&run);
    let codes: Vec<&str> = v["diagnostics"]
        .as_array()
        .unwrap()
        .iter()
        .map(|d| d["code"].as_str().unwrap())
        .collect();
    for c in ["W002", "E023", "E028"] {
        assert!(codes.contains(&c), "{c} in {codes:?}");
    }
    assert_eq!(
        codes.iter().filter(|c| **c == "E023").count(),
        2,
        "{codes:?}"
    );
    let run = mfac(&[
        "check", &good, &binary, "--today", TODAY, "--format", "sarif",
    ]);
    assert_eq!(run.code, 2);
    let results = json(&run)["runs"][0]["results"].as_array().unwrap().len();
    assert_eq!(results, 2, "W002 and E023");
    let run = mfac(&["check", &good, &binary, "--today", TODAY]);
    assert_eq!(run.code, 2);
    assert!(
        run.stdout.contains("W002") && run.stdout.contains("E023"),
        "{}",
        run.stdout
    );
}

#[test]
fn an_empty_or_truncated_policy_fails_closed() {
    for text in [
        &b""[..],
        b"# only a comment\n",
        b"precedence most_restrictive\ntimezone \"Europe/Berlin\"\n",
        b"exempt user \"a\" until 2026-12-01 reason \"r\"\n",
    ] {
        let p = write("nothing.mfa", text);
        let run = mfac(&["check", &p, "--today", TODAY, "--format", "json"]);
        assert_eq!(run.code, 1, "{}", run.stdout);
        let v = json(&run);
        assert!(
            v["diagnostics"]
                .as_array()
                .unwrap()
                .iter()
                .any(|d| d["code"] == "E028"),
            "{v}"
        );
        let run = mfac(&["eval", &p, "--user", "a", "--format", "json"]);
        assert_eq!(run.code, 1, "eval refuses it rather than allowing everyone");
        assert_eq!(error_object(&run)["code"], "E028");
    }
}

/// A check turned off in `mfac.toml` does not run at all, and a suppression
/// of it is not reported as unused.
#[test]
fn a_check_turned_off_does_not_run() {
    let p = write(
        "off/p.mfa",
        b"default { enforcement required factors totp }\ngroup \"G\" { enforcement required }\n",
    );
    let users = write(
        "off/u.yaml",
        b"users:\n  - {id: a@x, groups: [G], factors: []}\n",
    );
    let run = common::check_directory_json(&p, &users);
    let codes = |run: &Run| -> Vec<String> {
        json(run)["diagnostics"]
            .as_array()
            .unwrap()
            .iter()
            .map(|d| d["code"].as_str().unwrap().to_string())
            .collect()
    };
    assert!(
        codes(&run).contains(&"W014".to_string()),
        "{:?}",
        codes(&run)
    );
    write(
        "off/mfac.toml",
        b"[severity]\nW014 = \"off\"\nW002 = \"error\"\n",
    );
    write("off/p.mfa", b"default { enforcement required factors totp }\n# mfac: allow(W014) reason \"checked elsewhere\"\ngroup \"G\" { enforcement required }\n");
    let run = common::check_directory_json(&p, &users);
    let found = codes(&run);
    assert!(
        !found.contains(&"W014".to_string()) && !found.contains(&"W016".to_string()),
        "{found:?}"
    );
    assert_eq!(run.code, 1, "W002 raised to an error: {found:?}");
    std::fs::remove_file(dir().join("off/mfac.toml")).unwrap();
}
