//! The command-line contract: flags, exit codes, JSON shapes, help.

#![allow(clippy::unwrap_used, clippy::expect_used)] // tests may panic on broken fixtures

mod common;
use common::{json, mfac, mfac_stdin, TODAY};

fn tmp(name: &str) -> std::path::PathBuf {
    let dir = std::env::temp_dir().join(format!("mfac-cli-{}", std::process::id()));
    std::fs::create_dir_all(&dir).expect("temp dir");
    dir.join(name)
}

#[test]
fn every_command_has_help_with_an_example() {
    for cmd in [
        &["--help"][..],
        &["check", "--help"],
        &["compile", "--help"],
        &["eval", "--help"],
        &["simulate", "--help"],
        &["diff", "--help"],
        &["explain", "--help"],
        &["fmt", "--help"],
        &["test", "--help"],
    ] {
        let run = mfac(cmd);
        assert_eq!(run.code, 0, "{cmd:?}");
        assert!(run.stdout.contains("Example"), "{cmd:?}: {}", run.stdout);
    }
}

#[test]
fn bad_usage_exits_2() {
    assert_eq!(mfac(&[]).code, 2);
    assert_eq!(mfac(&["check"]).code, 2);
    assert_eq!(
        mfac(&["eval", "policies/acme.mfa"]).code,
        2,
        "--user is required"
    );
    assert_eq!(
        mfac(&["check", "policies/acme.mfa", "--format", "xml"]).code,
        2
    );
    assert_eq!(
        mfac(&["check", "policies/acme.mfa", "--today", "2026-02-30"]).code,
        2
    );
    assert_eq!(
        mfac(&["eval", "policies/acme.mfa", "--user", "a", "--at", "soon"]).code,
        2
    );
    assert_eq!(
        mfac(&[
            "eval",
            "policies/acme.mfa",
            "--user",
            "a",
            "--enrolled",
            "fido"
        ])
        .code,
        2
    );
    assert_eq!(
        mfac(&[
            "eval",
            "policies/acme.mfa",
            "--user",
            "a",
            "--ip",
            "not-an-ip"
        ])
        .code,
        2
    );
}

#[test]
fn unreadable_input_exits_2() {
    let run = mfac(&["check", "no/such/file.mfa"]);
    assert_eq!(run.code, 2);
    assert!(run.stderr.contains("cannot read"), "{}", run.stderr);
    let bin = tmp("latin1.mfa");
    std::fs::write(&bin, b"default { enforcement optional } # caf\xe9\n").expect("write");
    let run = mfac(&["check", bin.to_str().expect("path")]);
    assert_eq!(run.code, 2);
    assert!(run.stderr.contains("not UTF-8"), "{}", run.stderr);
}

#[test]
fn check_json_has_the_contract_shape() {
    let run = mfac(&[
        "check",
        "tests/fixtures/checks/E003.mfa",
        "tests/fixtures/checks/W001.mfa",
        "--format",
        "json",
        "--today",
        TODAY,
    ]);
    assert_eq!(run.code, 1);
    let doc = json(&run);
    assert_eq!(doc["errors"], 1);
    assert_eq!(doc["warnings"], 1);
    let d = &doc["diagnostics"][0];
    for key in ["code", "severity", "message", "file", "line", "column"] {
        assert!(!d[key].is_null(), "{key} missing in {d}");
    }
    assert_eq!(d["code"], "E003");
    assert_eq!(d["severity"], "error");
    assert_eq!(
        (d["line"].as_u64(), d["column"].as_u64()),
        (Some(3), Some(1))
    );
}

/// `mfac check policies/*.mfa`, the README's main command: the example
/// policies, not `policies/failing/`.
fn check_examples() -> common::Run {
    let mut files: Vec<String> = std::fs::read_dir("policies")
        .unwrap()
        .map(|e| e.unwrap().path().to_string_lossy().into_owned())
        .filter(|p| p.ends_with(".mfa"))
        .collect();
    files.sort();
    let mut args = vec!["check"];
    args.extend(files.iter().map(String::as_str));
    args.extend(["--today", TODAY]);
    mfac(&args)
}

#[test]
fn all_example_policies_pass_check_with_their_directories() {
    let run = check_examples();
    assert_eq!(run.code, 0, "{}", run.stdout);
    for (policy, dir) in [
        ("acme", "acme.users.yaml"),
        ("genesys", "genesys.users.yaml"),
        ("voiso", "voiso.users.csv"),
        ("cymmetri", "cymmetri.users.json"),
        ("12port", "12port.users.yaml"),
        ("contoso", "contoso.users.yaml"),
        ("initech", "initech.users.yaml"),
    ] {
        let run = mfac(&[
            "check",
            &format!("policies/{policy}.mfa"),
            "--today",
            TODAY,
            "--directory",
            &format!("policies/{dir}"),
        ]);
        assert_eq!(run.code, 0, "{policy}: {}", run.stdout);
    }
    insta::assert_snapshot!("check_policies", check_examples().stdout);
    // The policy that fails on purpose, and only it, makes `policies/` fail.
    let all = json(&mfac(&[
        "check",
        "policies/",
        "--today",
        TODAY,
        "--format",
        "json",
    ]));
    let errors: Vec<&str> = all["diagnostics"]
        .as_array()
        .unwrap()
        .iter()
        .filter(|d| d["severity"] == "error")
        .map(|d| d["file"].as_str().unwrap())
        .collect();
    // (The exclusion gap, once: `E012`.)
    assert_eq!(
        errors,
        [
            "policies/failing/12port-service-account.mfa",
            "policies/failing/contoso-exclusion-gap.mfa"
        ]
    );
}

#[test]
fn eval_json_has_the_contract_shape() {
    let run = mfac(&[
        "eval",
        "policies/acme.mfa",
        "--user",
        "anita@acme.test",
        "--group",
        "Beta Testers",
        "--group",
        "Administrators",
        "--enrolled",
        "totp",
        "--at",
        "2026-12-16T10:00:00+01:00",
        "--format",
        "json",
    ]);
    assert_eq!(run.code, 0, "{}", run.stderr);
    let d = json(&run);
    assert_eq!(d["decision"], "enrol");
    assert_eq!(d["enforcement"], "required");
    assert_eq!(d["factors"], serde_json::json!(["webauthn"]));
    assert_eq!(d["usable"], serde_json::json!([]));
    assert!(d["deadline"].is_null());
    assert_eq!(d["remembered"], false);
    assert!(d["exempt"].is_null());
    let rules: Vec<&str> = d["rules"]
        .as_array()
        .expect("rules")
        .iter()
        .filter_map(|r| r.as_str())
        .collect();
    assert!(
        rules.contains(&"policies/acme.mfa:19: group \"Administrators\""),
        "{rules:?}"
    );
    assert!(
        rules.contains(&"policies/acme.mfa:14: default"),
        "{rules:?}"
    );
}

#[test]
fn eval_reads_groups_and_factors_from_a_directory() {
    let run = mfac(&[
        "eval",
        "policies/acme.mfa",
        "--user",
        "anita@acme.test",
        "--directory",
        "policies/acme.users.yaml",
        "--at",
        "2026-12-16",
        "--format",
        "json",
    ]);
    assert_eq!(json(&run)["decision"], "enrol");
    let missing = mfac(&[
        "eval",
        "policies/acme.mfa",
        "--user",
        "nobody",
        "--directory",
        "policies/acme.users.yaml",
    ]);
    assert_eq!(missing.code, 2);
}

#[test]
fn eval_exemption_and_deadline_in_json() {
    let bob = json(&mfac(&[
        "eval",
        "policies/acme.mfa",
        "--user",
        "bob@acme.test",
        "--at",
        "2026-12-05",
        "--format",
        "json",
    ]));
    assert_eq!(bob["decision"], "allow");
    assert_eq!(
        bob["exempt"],
        serde_json::json!({"until": "2026-12-10T00:00:00+01:00", "reason": "lost device", "source": "policy", "ticket": "SEC-123"})
    );
    let carl = json(&mfac(&[
        "eval",
        "policies/acme.mfa",
        "--user",
        "carl@acme.test",
        "--at",
        "2026-12-16",
        "--format",
        "json",
    ]));
    assert_eq!(carl["decision"], "enrol_or_skip");
    assert_eq!(carl["deadline"], "2026-12-29T00:00:00+01:00");
}

#[test]
fn eval_human_explains_itself() {
    let run = mfac(&[
        "eval",
        "policies/acme.mfa",
        "--user",
        "sam@acme.test",
        "--group",
        "Support Agents",
        "--enrolled",
        "totp",
        "--at",
        "2026-12-16T10:30:00+01:00",
        "--ip",
        "10.0.0.7",
        "--last-mfa",
        "2026-12-16T10:00:00+01:00",
        "--last-mfa-ip",
        "10.0.0.8",
        "--logins-since-mfa",
        "3",
        "--app",
        "Finance",
    ]);
    assert_eq!(run.code, 0);
    insta::assert_snapshot!("eval_human_challenge", run.stdout);
}

#[test]
fn compile_then_eval_the_json_matches_eval_of_the_source() {
    let out = tmp("acme.json");
    let out = out.to_str().expect("path");
    let run = mfac(&["compile", "policies/acme.mfa", "-o", out]);
    assert_eq!(run.code, 0, "{}", run.stderr);
    let args = |p: &str| {
        vec![
            "eval".to_string(),
            p.to_string(),
            "--user".into(),
            "anita@acme.test".into(),
            "--group".into(),
            "Master Admin".into(),
            "--enrolled".into(),
            "webauthn".into(),
            "--at".into(),
            "2026-12-20".into(),
            "--format".into(),
            "json".into(),
        ]
    };
    let a: Vec<String> = args("policies/acme.mfa");
    let b: Vec<String> = args(out);
    let ra = mfac(&a.iter().map(String::as_str).collect::<Vec<_>>());
    let rb = mfac(&b.iter().map(String::as_str).collect::<Vec<_>>());
    assert_eq!(json(&ra), json(&rb));
}

#[test]
fn compile_refuses_a_policy_with_errors() {
    let run = mfac(&["compile", "tests/fixtures/checks/E003.mfa"]);
    assert_eq!(run.code, 1);
    assert!(run.stderr.contains("E003"));
}

#[test]
fn foreign_or_damaged_compiled_files_are_clear_errors() {
    let good = mfac(&["compile", "policies/acme.mfa"]).stdout;
    let cases = [
        (
            "version.json",
            good.replacen(
                &format!("\"version\": {}", mfac::compile::artifact::VERSION),
                "\"version\": 99",
                1,
            ),
            "format version 99",
        ),
        (
            "tampered.json",
            good.replacen("\"required\"", "\"off\"", 1),
            "checksum",
        ),
        (
            "truncated.json",
            good[..good.len() / 2].to_string(),
            "invalid JSON",
        ),
        (
            "other.json",
            "{\"users\": []}".to_string(),
            "not a compiled mfac policy",
        ),
    ];
    for (name, text, expect) in cases {
        let path = tmp(name);
        std::fs::write(&path, text).expect("write");
        let run = mfac(&["eval", path.to_str().expect("path"), "--user", "a"]);
        assert_eq!(run.code, 2, "{name}");
        assert!(run.stderr.contains(expect), "{name}: {}", run.stderr);
    }
}

#[test]
fn eval_of_a_policy_with_errors_exits_1() {
    let run = mfac(&["eval", "tests/fixtures/checks/E013.mfa", "--user", "a"]);
    assert_eq!(run.code, 1);
}

#[test]
fn directory_can_come_from_stdin() {
    let run = mfac_stdin(
        &[
            "eval",
            "policies/acme.mfa",
            "--user",
            "x@acme.test",
            "--directory",
            "-",
            "--at",
            "2026-12-16",
            "--format",
            "json",
        ],
        Some(
            b"users:\n  - id: x@acme.test\n    groups: [Administrators]\n    factors: [webauthn]\n",
        ),
    );
    assert_eq!(json(&run)["decision"], "challenge");
}

#[test]
fn an_export_with_its_own_column_names_reads_from_standard_input() {
    let export = "email,member_of,mfa_methods\nanita@acme.test,Administrators;Beta Testers,totp\n";
    let run = mfac_stdin(
        &[
            "eval",
            "policies/acme.mfa",
            "--user",
            "anita@acme.test",
            "--at",
            "2026-12-16T10:00:00+01:00",
            "--directory",
            "-",
            "--directory-format",
            "csv",
            "--columns",
            "id=email,groups=member_of,factors=mfa_methods",
            "--format",
            "json",
        ],
        Some(export.as_bytes()),
    );
    assert_eq!(run.code, 0, "{}", run.stderr);
    let v = json(&run);
    // An administrator with only totp must enrol webauthn.
    assert_eq!(v["decision"], "enrol");
    assert_eq!(v["usable"], serde_json::json!([]));

    // Without the mapping the export's columns are unknown: a diagnostic at
    // the header, exit 2.
    let run = mfac_stdin(
        &[
            "check",
            "policies/acme.mfa",
            "--today",
            TODAY,
            "--directory",
            "-",
            "--directory-format",
            "csv",
        ],
        Some(export.as_bytes()),
    );
    assert_eq!(run.code, 2, "{}", run.stdout);
    assert!(run.stderr.contains("no `id` column"), "{}", run.stderr);
    assert!(run.stdout.contains("--columns"), "{}", run.stdout);

    // A bad mapping is bad usage.
    let run = mfac(&[
        "check",
        "policies/acme.mfa",
        "--directory",
        "x.csv",
        "--columns",
        "name=email",
    ]);
    assert_eq!(run.code, 2);
}

#[test]
fn explain_prints_a_checks_documentation_and_docs_rules_md_is_current() {
    let run = mfac(&["explain", "W008"]);
    assert_eq!(run.code, 0);
    assert!(
        run.stdout
            .starts_with("W008 disjoint-factors (warning, stable)"),
        "{}",
        run.stdout
    );
    // A pedantic check says it is off, and how to turn it on.
    let run = mfac(&["explain", "W018"]);
    assert!(
        run.stdout
            .starts_with("W018 privileged-relies-on-others (warning, pedantic)")
            && run.stdout.contains("off by default")
            && run.stdout.contains("W018 = \"warning\""),
        "{}",
        run.stdout
    );
    assert!(
        run.stdout.contains("Example:") && run.stdout.contains("Fix:"),
        "{}",
        run.stdout
    );
    assert_eq!(
        mfac(&["explain", "empty-factors"]).stdout,
        mfac(&["explain", "e013"]).stdout
    );
    let run = mfac(&["explain", "X999"]);
    assert_eq!(run.code, 2);
    assert!(run.stderr.contains("E001"), "{}", run.stderr);
    // Every registered check has its section in docs/rules.md, as generated.
    let docs =
        std::fs::read_to_string(concat!(env!("CARGO_MANIFEST_DIR"), "/docs/rules.md")).unwrap();
    assert!(
        docs == mfac(&["explain", "--markdown"]).stdout,
        "docs/rules.md is out of date: run `cargo run -- explain --markdown > docs/rules.md`"
    );
    // The import findings too, each by code or name.
    for c in mfac::bridge::finding::CODES {
        assert!(
            docs.contains(&format!("\n### {} `{}`\n", c.code, c.name)),
            "{}",
            c.code
        );
        let run = mfac(&["explain", c.name]);
        assert_eq!(run.code, 0);
        assert_eq!(run.stdout, mfac(&["explain", c.code]).stdout);
    }
    for c in mfac::check::REGISTRY {
        assert!(
            docs.contains(&format!("\n## {}\n", c.info.code)),
            "{}",
            c.info.code
        );
    }
}

#[test]
fn color_follows_the_flag_and_no_color() {
    let esc = |r: &common::Run| r.stdout.contains('\u{1b}');
    let fixture = "tests/fixtures/checks/E013.mfa";
    assert!(esc(&mfac(&["check", fixture, "--color", "always"])));
    assert!(!esc(&mfac(&["check", fixture, "--color", "never"])));
    // Not a terminal (and NO_COLOR set by the helper): no colour.
    assert!(!esc(&mfac(&["check", fixture])));
}

#[test]
fn completions_and_a_man_page_come_from_the_cli_definition() {
    for shell in ["bash", "zsh", "fish", "powershell", "elvish"] {
        let run = mfac(&["completions", shell]);
        assert_eq!(run.code, 0, "{shell}");
        assert!(
            run.stdout.contains("simulate"),
            "{shell}: subcommands are completed"
        );
    }
    let run = mfac(&["man"]);
    assert_eq!(run.code, 0);
    assert!(
        run.stdout.contains(".TH mfac 1"),
        "{}",
        &run.stdout[..200.min(run.stdout.len())]
    );
    assert_eq!(mfac(&["completions", "tcsh"]).code, 2);
}

#[test]
fn github_annotations_point_at_file_line_and_column() {
    let run = mfac(&[
        "check",
        "tests/fixtures/checks/E013.mfa",
        "policies/acme.mfa",
        "--today",
        TODAY,
        "--format",
        "github",
    ]);
    assert_eq!(run.code, 1);
    insta::assert_snapshot!("check_github", run.stdout);
    for line in run.stdout.lines().filter(|l| l.starts_with("::")) {
        // One annotation per line: newlines inside messages are escaped.
        assert!(
            line.contains(",line=") && line.contains(",col=") && line.contains("::"),
            "{line}"
        );
    }
}

#[test]
fn sarif_output_is_valid_against_the_official_schema() {
    let validator = common::sarif_validator();
    let run = mfac(&[
        "check",
        "tests/fixtures/checks/E013.mfa",
        "tests/fixtures/checks/W008.mfa",
        "policies/acme.mfa",
        "--today",
        TODAY,
        "--format",
        "sarif",
    ]);
    assert_eq!(run.code, 1);
    let doc = json(&run);
    let errors: Vec<String> = validator
        .iter_errors(&doc)
        .map(|e| format!("{e} at {}", e.instance_path()))
        .collect();
    assert!(errors.is_empty(), "{errors:#?}");
    // The validator does reject what the schema forbids.
    let mut bad = doc.clone();
    bad["version"] = serde_json::json!("2.0");
    bad["runs"][0]["results"][0]["level"] = serde_json::json!("fatal");
    assert!(!validator.is_valid(&bad));
    let results = doc["runs"][0]["results"].as_array().unwrap();
    assert_eq!(results.len(), 3);
    assert_eq!(results[0]["ruleId"], "E013");
    assert_eq!(
        results[0]["locations"][0]["physicalLocation"]["region"]["startLine"],
        2
    );
    // Every check, then every control of every compliance profile.
    let controls: usize = mfac::profiles::PROFILES
        .iter()
        .map(|p| p.controls.len())
        .sum();
    assert_eq!(
        doc["runs"][0]["tool"]["driver"]["rules"]
            .as_array()
            .unwrap()
            .len(),
        mfac::check::REGISTRY.len() + controls
    );
}

#[test]
fn a_suppression_with_a_reason_silences_that_warning_on_its_line() {
    let own_line = "default { enforcement optional factors webauthn | totp }\n# mfac: allow(W002) reason \"shown in reports\"\n\ngroup \"Beta Testers\" { enforcement optional }\n";
    let trailing = "default { enforcement optional factors webauthn | totp }\ngroup \"Beta Testers\" { enforcement optional }  # mfac: allow(W002) reason \"shown in reports\"\n";
    for text in [own_line, trailing] {
        let run = mfac_stdin(
            &["check", "-", "--today", TODAY, "--format", "json"],
            Some(text.as_bytes()),
        );
        assert_eq!(json(&run)["warnings"], 0, "{text}\n{}", run.stdout);
    }
    // Errors cannot be suppressed.
    let text = "default { factors totp }\n# mfac: allow(E013) reason \"no\"\ngroup \"A\" { factors webauthn }\n";
    let v = json(&mfac_stdin(
        &["check", "-", "--today", TODAY, "--format", "json"],
        Some(text.as_bytes()),
    ));
    let codes: Vec<&str> = v["diagnostics"]
        .as_array()
        .unwrap()
        .iter()
        .map(|d| d["code"].as_str().unwrap())
        .collect();
    assert!(
        codes.contains(&"E013") && codes.contains(&"W015"),
        "{codes:?}"
    );
}

#[test]
fn mfac_toml_raises_and_silences_warnings_but_never_lowers_errors() {
    let dir = std::env::temp_dir().join(format!("mfac-config-{}", std::process::id()));
    std::fs::create_dir_all(dir.join("policies")).unwrap();
    let policy = dir.join("policies/p.mfa");
    // W002 (Beta Testers never stricter) and W001-free.
    std::fs::write(&policy, "default { enforcement optional factors webauthn | totp }\ngroup \"Beta Testers\" { enforcement optional }\n").unwrap();
    let p = policy.to_str().unwrap();
    let check = || json(&mfac(&["check", p, "--today", TODAY, "--format", "json"]));
    let v = check();
    assert_eq!(
        (v["errors"].clone(), v["warnings"].clone()),
        (serde_json::json!(0), serde_json::json!(1))
    );
    // Found in a folder above the policy: raise W002 to an error.
    std::fs::write(dir.join("mfac.toml"), "[severity]\nW002 = \"error\"\n").unwrap();
    let run = mfac(&["check", p, "--today", TODAY]);
    assert_eq!(run.code, 1, "{}", run.stdout);
    assert_eq!(check()["errors"], 1);
    // Turn it off.
    std::fs::write(dir.join("mfac.toml"), "[severity]\nW002 = \"off\"\n").unwrap();
    let v = check();
    assert_eq!(
        (v["errors"].clone(), v["warnings"].clone()),
        (serde_json::json!(0), serde_json::json!(0))
    );
    // Errors cannot be lowered; unknown codes are refused.
    for bad in [
        "[severity]\nE013 = \"warning\"\n",
        "[severity]\nX1 = \"off\"\n",
        "[severity]\nW002 = \"loud\"\n",
    ] {
        std::fs::write(dir.join("mfac.toml"), bad).unwrap();
        let run = mfac(&["check", p, "--today", TODAY]);
        assert_eq!(run.code, 2, "{bad}: {}", run.stderr);
        assert!(run.stderr.contains("mfac.toml"), "{}", run.stderr);
    }
    std::fs::remove_dir_all(&dir).ok();
}

#[test]
fn mfac_toml_names_the_directory_check_judges_users_by() {
    let dir = std::env::temp_dir().join(format!("mfac-config-dir-{}", std::process::id()));
    std::fs::create_dir_all(dir.join("policies")).unwrap();
    let policy = dir.join("policies/p.mfa");
    std::fs::write(&policy, "default { enforcement optional factors webauthn | totp }\ngroup \"Admins\" { privileged enforcement required factors webauthn }\n").unwrap();
    std::fs::write(
        dir.join("users.csv"),
        "id,groups,factors\nann@x.test,Staff,totp\n",
    )
    .unwrap();
    let p = policy.to_str().unwrap();
    let codes = |run: &common::Run| -> Vec<String> {
        json(run)["diagnostics"]
            .as_array()
            .unwrap()
            .iter()
            .map(|d| d["code"].as_str().unwrap().to_string())
            .collect()
    };
    let check = |extra: &[&str]| {
        mfac(&[&["check", p, "--today", TODAY, "--format", "json"], extra].concat())
    };
    assert!(!codes(&check(&[])).contains(&"W021".to_string()));
    // `[directory]`, relative to mfac.toml: no user holds Admins (W021).
    std::fs::write(dir.join("mfac.toml"), "[directory]\nfile = \"users.csv\"\n").unwrap();
    assert!(codes(&check(&[])).contains(&"W021".to_string()));
    // `--directory` wins: here a user holds Admins.
    std::fs::write(
        dir.join("other.csv"),
        "id,groups,factors\nann@x.test,Admins,webauthn\n",
    )
    .unwrap();
    let other = dir.join("other.csv");
    assert!(!codes(&check(&["--directory", other.to_str().unwrap()])).contains(&"W021".to_string()));
    // A directory that cannot be read: exit 2, named.
    std::fs::write(
        dir.join("mfac.toml"),
        "[directory]\nfile = \"missing.csv\"\n",
    )
    .unwrap();
    let run = mfac(&["check", p, "--today", TODAY]);
    assert_eq!(run.code, 2, "{}", run.stderr);
    assert!(run.stderr.contains("missing.csv"), "{}", run.stderr);
    std::fs::remove_dir_all(&dir).ok();
}

#[test]
fn check_json_and_sarif_snapshots() {
    let args = [
        "check",
        "tests/fixtures/checks/E013.mfa",
        "--today",
        TODAY,
        "--format",
    ];
    insta::assert_snapshot!("check_json", mfac(&[&args[..], &["json"]].concat()).stdout);
    // The tool version would churn the snapshot on every release.
    let sarif = mfac(&[&args[..], &["sarif"]].concat())
        .stdout
        .replace(env!("CARGO_PKG_VERSION"), "VERSION");
    insta::assert_snapshot!("check_sarif", sarif);
}

#[test]
fn a_refused_policy_shows_its_warnings_beside_its_errors_and_a_good_one_evaluates() {
    // eval and simulate check with the error checks alone, and run the
    // rest only to show them beside the errors of a refused policy.
    let eval = |name: &str, policy: &str| {
        let path = tmp(name);
        std::fs::write(&path, policy).unwrap();
        mfac(&[
            "eval",
            path.to_str().unwrap(),
            "--user",
            "u",
            "--group",
            "A",
        ])
    };
    let run = eval(
        "refused.mfa",
        "default { enforcement required factors totp }\n\
         group \"A\" { enforcement required factors totp }\n\
         group \"A\" { enforcement off }\n",
    );
    assert_eq!(run.code, 1, "{}", run.stderr);
    assert!(run.stderr.contains("E003"), "{}", run.stderr);
    assert!(
        run.stderr.contains("W002"),
        "the warning beside it: {}",
        run.stderr
    );

    // Only a warning: evaluated, and the warning not shown.
    let run = eval(
        "warned.mfa",
        "default { enforcement required factors totp }\n\
         group \"A\" { enforcement required factors totp }\n",
    );
    assert_eq!(run.code, 0, "{}", run.stderr);
    assert!(!run.stderr.contains("W002"), "{}", run.stderr);
    assert!(run.stdout.contains("decision: enrol"), "{}", run.stdout);
}
