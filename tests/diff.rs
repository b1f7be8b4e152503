//! `mfac diff`: effective changes between two policy versions.

#![allow(clippy::unwrap_used, clippy::expect_used)]

mod common;

use common::{json, mfac};
use serde_json::json as j;

const NEW: &str = "policies/acme.mfa";
const OLD: &str = "tests/fixtures/simulate/acme-before.mfa";
const REWRITTEN: &str = "tests/fixtures/diff/acme-rewritten.mfa";

#[test]
fn an_equivalent_rewrite_is_no_effective_change() {
    let run = mfac(&["diff", NEW, REWRITTEN]);
    assert_eq!(run.code, 0, "{}", run.stderr);
    assert!(
        run.stdout.ends_with("no effective change\n"),
        "{}",
        run.stdout
    );
    let v = json(&mfac(&["diff", NEW, REWRITTEN, "--format", "json"]));
    assert_eq!(v["changed"], false);
}

#[test]
fn changes_per_subject_and_date_range() {
    let v = json(&mfac(&["diff", OLD, NEW, "--format", "json"]));
    assert_eq!(v["changed"], true);
    let changes = v["changes"].as_array().unwrap();
    assert_eq!(changes.len(), 2, "{changes:#?}");
    // Before the phase of the 15th: off -> optional, sms dropped.
    assert_eq!(changes[0]["subject"], "default");
    assert_eq!(
        (changes[0]["from"].clone(), changes[0]["until"].clone()),
        (j!(null), j!("2026-12-15T00:00:00+01:00"))
    );
    assert_eq!(changes[0]["old"]["enforcement"], "off");
    assert_eq!(changes[0]["new"]["enforcement"], "optional");
    assert_eq!(changes[0]["new"]["factors"], j!(["totp", "webauthn"]));
    // From then on: required with a 14-day grace.
    assert_eq!(changes[1]["new"]["deadline"], "2026-12-29T00:00:00+01:00");
    assert_eq!(
        v["exemptions_added"],
        j!(["bob@acme.test until 2026-12-10T00:00:00+01:00 (lost device, ticket SEC-123)"])
    );
    insta::assert_snapshot!("diff_human", mfac(&["diff", OLD, NEW]).stdout);
    insta::assert_snapshot!(
        "diff_markdown",
        mfac(&["diff", OLD, NEW, "--format", "markdown"]).stdout
    );
}

#[test]
fn group_membership_changes_through_includes() {
    let dir = std::env::temp_dir().join(format!("mfac-diff-{}", std::process::id()));
    std::fs::create_dir_all(&dir).unwrap();
    let a = dir.join("a.mfa");
    let b = dir.join("b.mfa");
    std::fs::write(
        &a,
        "default { enforcement optional }\ngroup \"Admins\" { enforcement required }\n",
    )
    .unwrap();
    std::fs::write(&b, "default { enforcement optional }\ngroup \"Admins\" { includes \"Ops\" enforcement required }\n").unwrap();
    let v = json(&mfac(&[
        "diff",
        a.to_str().unwrap(),
        b.to_str().unwrap(),
        "--format",
        "json",
    ]));
    assert_eq!(
        v["includes"],
        j!([{"group": "Ops", "gained": ["Admins"], "lost": []}])
    );
    std::fs::remove_dir_all(&dir).ok();
}

#[test]
fn calendars_and_moved_exemptions_read_as_the_language_writes_them() {
    const EXTENDED: &str = "tests/fixtures/diff/acme-extended.mfa";
    let run = mfac(&["diff", NEW, EXTENDED]);
    assert_eq!(run.code, 0);
    assert!(
        !run.stdout.contains("Calendar {") && !run.stdout.contains("workdays"),
        "{}",
        run.stdout
    );
    assert!(
        run.stdout.contains("calendar: calendar { work_hours mon-fri 08:00-18:00 holiday 2026-12-25 holiday 2027-01-01 } -> calendar { work_hours mon-thu 07:30-18:00 holiday 2026-12-25 holiday 2027-01-01 }"),
        "{}",
        run.stdout
    );
    assert!(
        run.stdout.contains("exemptions changed\n  bob@acme.test until 2026-12-10T00:00:00+01:00 (lost device, ticket SEC-123) -> bob@acme.test until 2026-12-20T00:00:00+01:00 (lost device, ticket SEC-123)\n"),
        "{}",
        run.stdout
    );
    assert!(!run.stdout.contains("exemptions added") && !run.stdout.contains("exemptions removed"));
    let v = json(&mfac(&["diff", NEW, EXTENDED, "--format", "json"]));
    assert_eq!(v["exemptions_changed"].as_array().map(Vec::len), Some(1));
    assert!(v["settings"][0]["old"]
        .as_str()
        .unwrap()
        .starts_with("calendar { work_hours"));
}

#[test]
fn exit_code_says_whether_anything_changed() {
    assert_eq!(mfac(&["diff", NEW, REWRITTEN, "--exit-code"]).code, 0);
    assert_eq!(mfac(&["diff", OLD, NEW, "--exit-code"]).code, 3);
    assert_eq!(
        mfac(&["diff", OLD, NEW, "--exit-code", "--format", "json"]).code,
        3
    );
    assert_eq!(
        mfac(&["diff", OLD, NEW]).code,
        0,
        "without the flag, a change is success"
    );
    assert_eq!(
        mfac(&["diff", OLD, "missing.mfa", "--exit-code"]).code,
        2,
        "bad input stays 2"
    );
}

#[test]
fn deny_loosening_exits_1_with_a_counterexample_per_kind() {
    // The old acme (before the rollout) against today's: the change adds an
    // exemption (a loosening) and otherwise tightens.
    let run = mfac(&[
        "diff",
        "tests/fixtures/simulate/acme-before.mfa",
        "policies/acme.mfa",
        "--deny-loosening",
        "--format",
        "json",
    ]);
    assert_eq!(run.code, 1, "{}", run.stdout);
    let doc = json(&run);
    let l = doc["loosenings"].as_array().unwrap();
    assert_eq!(l.len(), 1, "{doc}");
    assert_eq!(l[0]["kind"], "exemption");
    assert_eq!(l[0]["counterexample"]["user"], "bob@acme.test");
    assert_eq!(l[0]["old"]["exempt"], false);
    assert_eq!(l[0]["counterexample"]["effective"]["exempt"], true);
    // The other way round: lower enforcement and sms come back.
    let run = mfac(&[
        "diff",
        "policies/acme.mfa",
        "tests/fixtures/simulate/acme-before.mfa",
        "--deny-loosening",
    ]);
    assert_eq!(run.code, 1);
    assert!(
        run.stdout
            .contains("enforcement: enforcement `optional` -> `off`"),
        "{}",
        run.stdout
    );
    assert!(run.stdout.contains("(adds `sms`)"), "{}", run.stdout);
    assert!(run.stdout.contains("replay: mfac eval"), "{}", run.stdout);
}

#[test]
fn deny_loosening_passes_a_rewrite_and_keeps_the_json_contract_without_it() {
    let run = mfac(&[
        "diff",
        "policies/acme.mfa",
        "tests/fixtures/diff/acme-rewritten.mfa",
        "--deny-loosening",
    ]);
    assert_eq!(run.code, 0, "{}", run.stdout);
    assert!(run.stdout.contains("no loosening"), "{}", run.stdout);
    // Without the flag, no `loosenings` key: the diff's JSON is as it was.
    let doc = json(&mfac(&[
        "diff",
        "policies/acme.mfa",
        "tests/fixtures/diff/acme-rewritten.mfa",
        "--format",
        "json",
    ]));
    assert!(doc.get("loosenings").is_none(), "{doc}");
    assert!(doc.get("not_proven").is_none(), "{doc}");
}

#[test]
fn deny_loosening_fails_closed_when_a_search_gives_up() {
    // A rewrite loosens nobody, but a search kept to one combination of
    // groups cannot show it: each kind is not proven, and denied.
    let args = [
        "diff",
        "policies/acme.mfa",
        "tests/fixtures/diff/acme-rewritten.mfa",
        "--deny-loosening",
        "--proof-limit",
        "1",
    ];
    let run = mfac(&args);
    assert_eq!(run.code, 1, "{}", run.stdout);
    assert!(
        run.stdout.contains(
            "not proven: whether NEW loosens `enforcement` (the search met more than 1 combinations of groups; --proof-limit raises it); denied until proven"
        ),
        "{}",
        run.stdout
    );
    assert!(!run.stdout.contains("no loosening"), "{}", run.stdout);
    let doc = json(&mfac(&[&args[..], &["--format", "json"]].concat()));
    assert_eq!(doc["loosenings"], j!([]), "{doc}");
    assert!(
        doc["not_proven"]
            .as_array()
            .is_some_and(|k| k.contains(&j!("enforcement"))),
        "{doc}"
    );
    assert_eq!(
        mfac(&[&args[..4], &["--proof-limit", "0"]].concat()).code,
        2,
        "a limit of 0 is bad input"
    );
}

#[test]
fn diff_takes_old_and_new_or_new_with_base_rev() {
    let run = mfac(&["diff", "policies/acme.mfa"]);
    assert_eq!(run.code, 2, "{}", run.stderr);
    let run = mfac(&[
        "diff",
        "policies/acme.mfa",
        "policies/acme.mfa",
        "--base-rev",
        "HEAD",
    ]);
    assert_eq!(run.code, 2, "{}", run.stderr);
}

#[test]
fn at_one_instant_only_what_holds_then_is_compared() {
    let (old, new) = (
        "tests/fixtures/simulate/acme-before.mfa",
        "policies/acme.mfa",
    );
    // Bob's exemption (until the 10th) loosens the 1st, not the 20th.
    let run = mfac(&[
        "diff",
        old,
        new,
        "--at",
        "2026-12-01",
        "--deny-loosening",
        "--format",
        "json",
    ]);
    assert_eq!(run.code, 1, "{}", run.stdout);
    let doc = json(&run);
    assert_eq!(doc["loosenings"][0]["kind"], "exemption");
    let run = mfac(&["diff", old, new, "--at", "2026-12-20", "--deny-loosening"]);
    assert_eq!(run.code, 0, "{}", run.stdout);
    assert!(
        run.stdout.ends_with(
            "no loosening: NEW is at least as strict as OLD at 2026-12-20T00:00:00+01:00, for every user, set of groups and app\n"
        ),
        "{}",
        run.stdout
    );
    // Only the change in force then: from the 15th, not before it.
    let doc = json(&mfac(&[
        "diff",
        old,
        new,
        "--at",
        "2026-12-20",
        "--format",
        "json",
    ]));
    let changes = doc["changes"].as_array().unwrap();
    assert_eq!(changes.len(), 1, "{doc}");
    assert_eq!(changes[0]["from"], "2026-12-15T00:00:00+01:00");
    // The other way round at the 20th, the loosening is found.
    let run = mfac(&["diff", new, old, "--at", "2026-12-20", "--deny-loosening"]);
    assert_eq!(run.code, 1, "{}", run.stdout);
    assert!(
        run.stdout
            .contains("enforcement: enforcement `required` -> `off`"),
        "{}",
        run.stdout
    );
    assert_eq!(mfac(&["diff", old, new, "--at", "nonsense"]).code, 2);
}

#[test]
fn a_changed_scope_is_a_change_and_an_old_side_with_findings_still_compares() {
    let dir = std::env::temp_dir().join(format!("mfac-diff-scope-{}", std::process::id()));
    std::fs::create_dir_all(&dir).unwrap();
    let rule = |except: &str| {
        format!("group \"Admins\" {{ privileged }}\nrule \"CA001\" {{\n  for members of group \"Admins\"\n{except}  enforcement required\n  factors webauthn\n}}\n")
    };
    let (old, new) = (dir.join("old.mfa"), dir.join("new.mfa"));
    // OLD has the exclusion gap (E012, with a counterexample): it is
    // compared all the same, as `mfac eval` evaluates it.
    std::fs::write(&old, rule("  except members of group \"Break Glass\"\n")).unwrap();
    std::fs::write(&new, rule("")).unwrap();
    let (o, n) = (old.to_str().unwrap(), new.to_str().unwrap());
    let run = mfac(&["diff", o, n, "--exit-code", "--deny-loosening"]);
    assert_eq!(run.code, 3, "{}{}", run.stdout, run.stderr);
    assert!(
        run.stdout.contains("rule \"CA001\" scope: for members of group \"Admins\" except members of group \"Break Glass\" -> for members of group \"Admins\""),
        "{}",
        run.stdout
    );
    assert!(run.stdout.contains("no loosening"), "{}", run.stdout);
    // The other way round, the exclusion is a loosening.
    assert_eq!(mfac(&["diff", n, o, "--deny-loosening"]).code, 1);
    std::fs::remove_dir_all(&dir).unwrap();
}
