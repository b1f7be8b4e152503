//! What a first-time user tripped over, each through the real binary.

#![allow(
    clippy::unwrap_used,
    clippy::expect_used,
    clippy::panic,
    clippy::indexing_slicing
)] // tests may panic on broken fixtures

mod common;
use common::{json, mfac, TODAY};

fn write(name: &str, text: &str) -> String {
    common::write_temp("first", name, text)
}

fn first_diagnostic(path: &str) -> serde_json::Value {
    let run = mfac(&["check", path, "--today", TODAY, "--format", "json"]);
    assert_eq!(run.code, 1, "{}", run.stdout);
    json(&run)["diagnostics"][0].clone()
}

#[test]
fn a_missing_brace_points_at_the_unclosed_block() {
    let p = write(
        "open1.mfa",
        "group \"A\" {\n  enforcement required\n\ngroup \"B\" { enforcement optional }\n",
    );
    let d = first_diagnostic(&p);
    assert_eq!(
        (d["code"].as_str(), d["line"].as_u64(), d["column"].as_u64()),
        (Some("E001"), Some(1), Some(11)),
        "{d}"
    );
    assert!(
        d["message"].as_str().unwrap().contains("never closed"),
        "{d}"
    );
    // Cut at the end of the file: the same, and never a line past the end.
    let p = write("open2.mfa", "default { enforcement optional }\nrollout \"r\" {\n  applies default\n  on 2026-12-01 enforcement required\n");
    let d = first_diagnostic(&p);
    assert_eq!(
        (d["line"].as_u64(), d["column"].as_u64()),
        (Some(2), Some(13)),
        "{d}"
    );
    assert!(
        d["message"]
            .as_str()
            .unwrap()
            .contains("the file ends first"),
        "{d}"
    );
    // Braces inside strings and comments do not count.
    let p = write(
        "open3.mfa",
        "# a { in a comment\ngroup \"{\" {\n  enforcement required\n",
    );
    let d = first_diagnostic(&p);
    assert_eq!(
        (d["line"].as_u64(), d["column"].as_u64()),
        (Some(2), Some(11)),
        "{d}"
    );
}

#[test]
fn a_comma_in_a_factor_set_hints_at_the_pipe() {
    let p = write(
        "comma.mfa",
        "default { enforcement optional factors webauthn, totp }\n",
    );
    let d = first_diagnostic(&p);
    assert_eq!(d["column"].as_u64(), Some(48));
    assert!(d["message"].as_str().unwrap().contains("`|`"), "{d}");
    assert!(
        d["help"].as_str().unwrap().contains("webauthn | totp"),
        "{d}"
    );
    // A comma where commas belong is not misread.
    let p = write("comma2.mfa", "group \"A\" { includes \"B\", }\n");
    let d = first_diagnostic(&p);
    assert!(!d["message"].as_str().unwrap().contains("`|`"), "{d}");
}

#[test]
fn an_unknown_top_level_word_lists_what_may_start_a_policy_line() {
    // Other tools wrap a policy in `policy "NAME" { ... }`; mfac does not,
    // and the error says what may start a line instead of "something else".
    let p = write(
        "wrapped.mfa",
        "policy \"p\" {\n  default { enforcement required }\n}\n",
    );
    let d = first_diagnostic(&p);
    let message = d["message"].as_str().unwrap();
    assert!(!message.contains("something else"), "{d}");
    assert!(
        message.contains("`rule`") && message.contains("`default`"),
        "{d}"
    );
    assert!(message.ends_with("found `policy`"), "{d}");
    assert!(
        d["help"].as_str().unwrap().contains("at the top level"),
        "{d}"
    );
}

#[test]
fn a_huge_bad_line_is_not_echoed_whole() {
    let mut text = String::from("default { enforcement optional factors totp ");
    text.push_str(&"a ".repeat(2_500_000));
    text.push_str("}\n");
    let p = write("huge.mfa", &text);
    let run = mfac(&["check", &p, "--today", TODAY]);
    assert_eq!(run.code, 1);
    assert!(run.stdout.len() < 4_000, "{} bytes", run.stdout.len());
    assert!(
        run.stdout.contains("huge.mfa:1:45"),
        "the place is still exact: {}",
        run.stdout
    );
}

#[test]
fn typos_in_app_and_group_names_get_a_did_you_mean() {
    let run = mfac(&[
        "eval",
        "policies/acme.mfa",
        "--user",
        "ann@acme.test",
        "--app",
        "Finanse",
        "--group",
        "Admins",
        "--at",
        "2026-12-20",
        "--format",
        "json",
    ]);
    assert_eq!(run.code, 0);
    json(&run); // stdout stays one JSON object
    assert!(
        run.stderr.contains("app `Finanse` has no rule")
            && run.stderr.contains("did you mean `Finance`?"),
        "{}",
        run.stderr
    );
    assert!(
        run.stderr.contains("did you mean `Administrators`?"),
        "{}",
        run.stderr
    );
    // Names the policy knows, and names nothing resembles, are quiet.
    let run = mfac(&[
        "eval",
        "policies/acme.mfa",
        "--user",
        "a",
        "--app",
        "Finance",
        "--group",
        "Administrators",
        "--group",
        "Marketing",
        "--at",
        "2026-12-20",
    ]);
    assert!(run.stderr.is_empty(), "{}", run.stderr);

    let users = write(
        "typo.users.yaml",
        "users:\n  - {id: a@x, groups: [Suport Agents, Sales], factors: [totp]}\n",
    );
    let run = mfac(&[
        "simulate",
        "policies/acme.mfa",
        "--directory",
        &users,
        "--app",
        "finance",
        "--at",
        "2026-12-20",
        "--format",
        "json",
    ]);
    assert_eq!(run.code, 0, "{}", run.stderr);
    let doc = json(&run);
    // The flag's typo on stderr; the directory's in the report itself, as
    // `mfac check --directory` words it (W020).
    assert!(
        run.stderr.contains("did you mean `Finance`?"),
        "{}",
        run.stderr
    );
    let warnings = doc["warnings"].as_array().unwrap();
    let lookalike = warnings
        .iter()
        .find(|w| w["code"] == "W020")
        .expect("a W020 warning");
    let message = lookalike["message"].as_str().unwrap();
    assert!(
        message.contains("`Suport Agents`") && message.contains("`Support Agents`"),
        "{message}"
    );
    assert!(!doc["warnings"].to_string().contains("Sales"), "{doc}");
}
