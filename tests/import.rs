//! `mfac import entra`, driven as a user would: the policy on standard
//! output or in a file, the findings beside it, the exit codes.

#![allow(clippy::unwrap_used, clippy::expect_used, clippy::indexing_slicing)]

mod common;

use common::{json, mfac};

const POLICIES: &str = "crates/mfac-bridge/tests/fixtures/entra/policies.json";
const GROUPS: &str = "crates/mfac-bridge/tests/fixtures/entra/groups.json";

#[test]
fn the_policy_goes_to_stdout_and_the_findings_to_stderr() {
    let run = mfac(&["import", "entra", POLICIES, "--groups", GROUPS]);
    assert_eq!(run.code, 0, "{}", run.stderr);
    assert!(
        run.stdout.starts_with("# Imported from Microsoft Entra"),
        "{}",
        run.stdout
    );
    assert!(
        run.stdout
            .contains("except members of group \"Emergency Access\""),
        "{}",
        run.stdout
    );
    assert!(
        run.stderr.contains("warning[I002 unmodelled-condition]: crates/mfac-bridge/tests/fixtures/entra/policies.json#/value/2/conditions/signInRiskLevels"),
        "{}",
        run.stderr
    );
    assert!(
        run.stderr
            .ends_with("imported 4 rules; 7 constructs did not map as it was\n"),
        "{}",
        run.stderr
    );
}

#[test]
fn written_to_a_file_it_checks_formats_and_is_byte_stable() {
    let dir = std::env::temp_dir().join(format!("mfac-import-{}", std::process::id()));
    std::fs::create_dir_all(&dir).unwrap();
    let out = dir.join("tenant.mfa");
    let out = out.to_str().unwrap();
    let run = mfac(&[
        "import", "entra", POLICIES, "--groups", GROUPS, "-o", out, "--format", "json",
    ]);
    assert_eq!(run.code, 0, "{}", run.stderr);
    // The findings, in the check JSON shape with a pointer.
    let v = json(&run);
    assert_eq!(v["warnings"], 7);
    assert_eq!(v["diagnostics"][0]["code"], "I009");
    assert_eq!(
        v["diagnostics"][0]["pointer"],
        "/value/1/conditions/users/excludeUsers"
    );
    let first = std::fs::read_to_string(out).unwrap();
    assert_eq!(mfac(&["fmt", "--check", out]).code, 0);
    // The tenant's findings are findings (E012: admins held only by a rule
    // with exclusions), not errors in the import: eval evaluates it.
    let eval = mfac(&[
        "eval",
        out,
        "--user",
        "a@x.test",
        "--group",
        "Finance",
        "--app",
        "Office 365",
    ]);
    assert_eq!(eval.code, 0, "{}", eval.stderr);
    mfac(&["import", "entra", POLICIES, "--groups", GROUPS, "-o", out]);
    assert_eq!(std::fs::read_to_string(out).unwrap(), first);
    std::fs::remove_dir_all(&dir).unwrap();
}

#[test]
fn deny_unmodelled_exits_1_and_bad_input_exits_2() {
    let run = mfac(&[
        "import",
        "entra",
        POLICIES,
        "--groups",
        GROUPS,
        "--deny-unmodelled",
    ]);
    assert_eq!(run.code, 1, "{}", run.stderr);
    let run = mfac(&["import", "entra", "missing.json"]);
    assert_eq!(run.code, 2);
    assert!(
        run.stderr.contains("cannot read `missing.json`"),
        "{}",
        run.stderr
    );
    let bad = std::env::temp_dir().join(format!("mfac-import-bad-{}.json", std::process::id()));
    std::fs::write(&bad, "{ not json").unwrap();
    let run = mfac(&["import", "entra", bad.to_str().unwrap(), "--format", "json"]);
    assert_eq!(run.code, 2);
    let v = json(&run);
    assert!(v["diagnostics"].is_array() || v["error"].is_object(), "{v}");
    std::fs::remove_file(&bad).unwrap();
}

#[test]
fn okta_first_match_imports_and_evaluates_as_okta_decides() {
    let dir = std::env::temp_dir().join(format!("mfac-import-okta-{}", std::process::id()));
    std::fs::create_dir_all(&dir).unwrap();
    let out = dir.join("okta.mfa");
    let out = out.to_str().unwrap();
    let run = mfac(&[
        "import",
        "okta",
        "crates/mfac-bridge/tests/fixtures/okta/policies.json",
        "-o",
        out,
    ]);
    assert_eq!(run.code, 0, "{}", run.stderr);
    // Without --apps, the app sign-on policy's rules are in an app of its
    // own name, said so.
    assert!(
        run.stdout
            .contains("no app in --apps names policy `Payroll authentication`"),
        "{}",
        run.stdout
    );
    let enforcement = |groups: &[&str]| {
        let mut args = vec!["eval", out, "--user", "ann@acme.test", "--format", "json"];
        for g in groups {
            args.extend(["--group", g]);
        }
        json(&mfac(&args))["enforcement"]
            .as_str()
            .unwrap()
            .to_string()
    };
    // Staff: their rule. An admin in Staff: Admins' rule (first), also
    // required; nobody else is asked (the default rule only reports).
    assert_eq!(enforcement(&["Staff"]), "required");
    assert_eq!(enforcement(&["Staff", "Admins"]), "required");
    assert_eq!(enforcement(&[]), "off");
    let rules = |groups: &[&str]| {
        let mut args = vec!["eval", out, "--user", "ann@acme.test", "--format", "json"];
        for g in groups {
            args.extend(["--group", g]);
        }
        json(&mfac(&args))["rules"].to_string()
    };
    // An admin in Staff matches Admins' rule first, and only it.
    let both = rules(&["Staff", "Admins"]);
    assert!(
        both.contains("Admins: MFA every time") && !both.contains("Default Policy: Staff"),
        "{both}"
    );
    assert!(rules(&["Staff"]).contains("Default Policy: Staff"));
    std::fs::remove_dir_all(&dir).unwrap();
}

#[test]
fn a_keycloak_realm_imports_its_browser_flow() {
    let run = mfac(&[
        "import",
        "keycloak",
        "crates/mfac-bridge/tests/fixtures/keycloak/realm.json",
    ]);
    assert_eq!(run.code, 0, "{}", run.stderr);
    assert!(
        run.stdout.contains("for members of group \"realm-admin\""),
        "{}",
        run.stdout
    );
    assert!(
        run.stderr.contains("warning[I007 default-session]"),
        "{}",
        run.stderr
    );
    // One realm per file: a list of them is bad input.
    let two = std::env::temp_dir().join(format!("mfac-two-realms-{}.json", std::process::id()));
    std::fs::write(&two, "[{\"realm\": \"a\"}, {\"realm\": \"b\"}]").unwrap();
    let run = mfac(&["import", "keycloak", two.to_str().unwrap()]);
    assert_eq!(run.code, 2, "{}", run.stderr);
    assert!(
        run.stderr.contains("give one realm export"),
        "{}",
        run.stderr
    );
    std::fs::remove_file(&two).unwrap();
}

#[test]
fn findings_come_in_every_format_check_has() {
    let dir = std::env::temp_dir().join(format!("mfac-import-formats-{}", std::process::id()));
    std::fs::create_dir_all(&dir).unwrap();
    let out = dir.join("tenant.mfa");
    let out = out.to_str().unwrap();
    let args = [
        "import", "entra", POLICIES, "--groups", GROUPS, "-o", out, "--format",
    ];
    // SARIF, valid against the official schema, each code a rule.
    let validator = common::sarif_validator();
    let doc = json(&mfac(&[&args[..], &["sarif"]].concat()));
    let errors: Vec<String> = validator.iter_errors(&doc).map(|e| e.to_string()).collect();
    assert!(errors.is_empty(), "{errors:?}");
    let results = doc["runs"][0]["results"].as_array().unwrap();
    assert_eq!(results.len(), 7);
    assert_eq!(results[1]["ruleId"], "I002");
    assert_eq!(
        results[1]["properties"]["pointer"],
        "/value/2/conditions/signInRiskLevels"
    );
    let rules = doc["runs"][0]["tool"]["driver"]["rules"]
        .as_array()
        .unwrap();
    assert_eq!(rules.len(), mfac::bridge::finding::CODES.len());
    // GitHub annotations, one per finding, with the pointer in the text.
    let run = mfac(&[&args[..], &["github"]].concat());
    assert_eq!(run.code, 0);
    let lines: Vec<&str> = run.stdout.lines().collect();
    assert_eq!(lines.len(), 7, "{}", run.stdout);
    assert!(
        lines[1].starts_with(&format!(
            "::warning file={POLICIES},title=I002 unmodelled-condition::"
        )),
        "{}",
        lines[1]
    );
    assert!(
        lines[1].ends_with("(at /value/2/conditions/signInRiskLevels)"),
        "{}",
        lines[1]
    );
    std::fs::remove_dir_all(&dir).unwrap();
}

#[test]
fn bad_input_is_exit_2_with_the_file_and_the_pointer_never_a_panic() {
    let dir = std::env::temp_dir().join(format!("mfac-import-bad-{}", std::process::id()));
    std::fs::create_dir_all(&dir).unwrap();
    let write = |name: &str, bytes: &[u8]| {
        let p = dir.join(name);
        std::fs::write(&p, bytes).unwrap();
        p.to_str().unwrap().to_string()
    };
    // Truncated JSON: where it stops.
    let whole = std::fs::read_to_string(POLICIES).unwrap();
    let truncated = write("truncated.json", &whole.as_bytes()[..whole.len() / 2]);
    let run = mfac(&["import", "entra", &truncated]);
    assert_eq!(run.code, 2, "{}", run.stderr);
    assert!(
        run.stderr
            .contains("truncated.json` is not valid input: not JSON: EOF while parsing"),
        "{}",
        run.stderr
    );
    // A wrong type: the file and the pointer.
    let wrong = write(
        "wrong.json",
        br#"{"value": [{"displayName": "x", "conditions": {"users": {"includeUsers": "All"}}}]}"#,
    );
    let run = mfac(&["import", "entra", &wrong]);
    assert_eq!(run.code, 2, "{}", run.stderr);
    assert!(
        run.stderr.contains("wrong.json#/value/0/conditions/users/includeUsers: expected an array of strings, found a string"),
        "{}",
        run.stderr
    );
    // An object of another kind among the policies.
    let group = write(
        "group.json",
        br##"{"@odata.type": "#microsoft.graph.group", "id": "g1", "displayName": "Staff"}"##,
    );
    let run = mfac(&["import", "entra", &group, "--format", "json"]);
    assert_eq!(run.code, 2, "{}", run.stdout);
    let v = json(&run);
    assert!(v.to_string().contains("group.json#/@odata.type"), "{v}");
    // A 50 MB file is refused at once, by its size.
    let big = dir.join("big.json");
    let f = std::fs::File::create(&big).unwrap();
    f.set_len(50 * 1024 * 1024).unwrap();
    let run = mfac(&["import", "entra", big.to_str().unwrap()]);
    assert_eq!(run.code, 2, "{}", run.stderr);
    assert!(run.stderr.contains("larger than 16 MiB"), "{}", run.stderr);
    std::fs::remove_dir_all(&dir).unwrap();
}
