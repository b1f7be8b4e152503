//! `mfac simulate` against fixture directories, with hand-checked counts.
//!
//! acme at 2026-12-30, after the 14-day grace of the 2026-12-15 phase:
//! anita (Administrators, totp only) must enrol webauthn; root, sam and
//! breakglass answer a challenge; bob (nothing enrolled) and carl (sms only)
//! must enrol. Against `acme-before.mfa` (MFA off by default, sms allowed)
//! bob and carl were let in, and sam could also use sms.

#![allow(clippy::unwrap_used, clippy::expect_used)]

mod common;

use common::{json, mfac, mfac_stdin};
use serde_json::json as j;

const POLICY: &str = "policies/acme.mfa";
const USERS: &str = "policies/acme.users.yaml";
const BEFORE: &str = "tests/fixtures/simulate/acme-before.mfa";

fn simulate(extra: &[&str]) -> common::Run {
    let mut args = vec!["simulate", POLICY, "--directory", USERS];
    args.extend_from_slice(extra);
    let run = mfac(&args);
    assert_eq!(run.code, 0, "{}", run.stderr);
    run
}

#[test]
fn json_counts_against_a_base_policy() {
    let v = json(&simulate(&[
        "--at",
        "2026-12-30",
        "--base",
        BEFORE,
        "--format",
        "json",
    ]));
    assert_eq!(v["users"], 6);
    assert_eq!(v["at"], "2026-12-30T00:00:00+01:00");
    assert_eq!(
        v["counts"],
        j!({"allow": 0, "challenge": 3, "enrol_or_skip": 0, "enrol": 3, "deny": 0})
    );
    assert_eq!(
        v["base_counts"],
        j!({"allow": 2, "challenge": 3, "enrol_or_skip": 0, "enrol": 1, "deny": 0})
    );
    assert_eq!(
        v["transitions"],
        j!([{"from": "allow", "to": "enrol", "users": 2}])
    );
    let changed: Vec<&str> = v["changed"]
        .as_array()
        .unwrap()
        .iter()
        .map(|c| c["user"].as_str().unwrap())
        .collect();
    assert_eq!(
        changed,
        ["sam@acme.test", "bob@acme.test", "carl@acme.test"]
    );
    // sam keeps his challenge but loses sms.
    assert_eq!(
        v["changed"][0],
        j!({"user": "sam@acme.test",
            "before": {"aal": 2, "decision": "challenge", "enforcement": "required", "factors": ["sms", "totp", "webauthn"], "deadline": null},
            "after": {"aal": 2, "decision": "challenge", "enforcement": "required", "factors": ["totp", "webauthn"], "deadline": null}})
    );
}

#[test]
fn without_a_base_before_is_just_before_the_latest_phase() {
    // On 2026-12-16 the phase of the 15th made the default required, with a
    // grace: bob and carl stay at enrol_or_skip, but their enforcement changed.
    let v = json(&simulate(&["--at", "2026-12-16", "--format", "json"]));
    assert_eq!(
        v["before"],
        j!({"kind": "phase", "phase": "2026-12-15T00:00:00+01:00"})
    );
    assert!(v.get("base_counts").is_none());
    assert_eq!(v["changed"].as_array().unwrap().len(), 2);
    assert_eq!(v["transitions"], j!([]));
    // After the grace the same comparison shows them blocked.
    let v = json(&simulate(&["--at", "2026-12-30", "--format", "json"]));
    assert_eq!(
        v["transitions"],
        j!([{"from": "enrol_or_skip", "to": "enrol", "users": 2}])
    );
    // Before any phase, nothing changed.
    let v = json(&simulate(&["--at", "2026-11-01", "--format", "json"]));
    assert_eq!(
        (
            v["before"]["kind"].as_str(),
            v["changed"].as_array().unwrap().len()
        ),
        (Some("unchanged"), 0)
    );
}

#[test]
fn an_app_tightens_the_simulation() {
    // Signing into Finance before any rollout: required for everyone.
    let v = json(&simulate(&[
        "--at",
        "2026-11-01",
        "--app",
        "Finance",
        "--format",
        "json",
    ]));
    assert_eq!(v["app"], "Finance");
    assert_eq!(v["counts"]["allow"], 1, "only bob, exempt");
}

#[test]
fn table_markdown_and_csv() {
    let args = ["--at", "2026-12-30", "--base", BEFORE];
    insta::assert_snapshot!(
        "simulate_table",
        simulate(&[&args[..], &["--format", "table"]].concat()).stdout
    );
    insta::assert_snapshot!(
        "simulate_markdown",
        simulate(&[&args[..], &["--format", "markdown"]].concat()).stdout
    );
    let csv = simulate(&[&args[..], &["--format", "csv"]].concat()).stdout;
    let lines: Vec<&str> = csv.lines().collect();
    assert_eq!(lines.len(), 7, "header and one row per user");
    assert!(
        lines.contains(
            &"carl@acme.test,true,allow,off,sms;totp;webauthn,enrol,required,totp;webauthn,,2026-12-29T00:00:00+01:00"
        ),
        "{csv}"
    );
}

#[test]
fn base_rev_reads_the_policy_at_a_git_revision() {
    let dir = std::env::temp_dir().join(format!("mfac-sim-git-{}", std::process::id()));
    let _ = std::fs::remove_dir_all(&dir);
    std::fs::create_dir_all(dir.join("policies")).unwrap();
    let git = |args: &[&str]| {
        let out = std::process::Command::new("git")
            .args([
                "-c",
                "user.name=t",
                "-c",
                "user.email=t@t",
                "-c",
                "init.defaultBranch=main",
            ])
            .args(args)
            .current_dir(&dir)
            .output()
            .expect("git runs");
        assert!(
            out.status.success(),
            "{}",
            String::from_utf8_lossy(&out.stderr)
        );
    };
    let policy = dir.join("policies/acme.mfa");
    git(&["init", "-q"]);
    std::fs::copy(BEFORE, &policy).unwrap();
    git(&["add", "."]);
    git(&["commit", "-qm", "before"]);
    std::fs::copy(POLICY, &policy).unwrap();
    let run = mfac(&[
        "simulate",
        policy.to_str().unwrap(),
        "--directory",
        USERS,
        "--at",
        "2026-12-30",
        "--base-rev",
        "HEAD",
        "--format",
        "json",
    ]);
    assert_eq!(run.code, 0, "{}", run.stderr);
    let v = json(&run);
    assert_eq!(
        v["transitions"],
        j!([{"from": "allow", "to": "enrol", "users": 2}])
    );
    // A revision that does not exist is bad input.
    let run = mfac(&[
        "simulate",
        policy.to_str().unwrap(),
        "--directory",
        USERS,
        "--base-rev",
        "no-such-rev",
    ]);
    assert_eq!(run.code, 2);
    assert!(
        run.stderr.contains("--base-rev no-such-rev"),
        "{}",
        run.stderr
    );
    std::fs::remove_dir_all(&dir).ok();
}

#[test]
fn a_directory_is_required_and_may_come_from_stdin() {
    let run = mfac(&["simulate", POLICY]);
    assert_eq!(run.code, 2);
    assert!(run.stderr.contains("--directory"), "{}", run.stderr);
    let run = mfac_stdin(
        &[
            "simulate",
            POLICY,
            "--directory",
            "-",
            "--directory-format",
            "csv",
            "--at",
            "2026-12-30",
            "--format",
            "json",
        ],
        Some(b"id,groups,factors\nzed@acme.test,Administrators,webauthn\n"),
    );
    assert_eq!(run.code, 0, "{}", run.stderr);
    assert_eq!(json(&run)["counts"]["challenge"], 1);
}

#[test]
fn timeline_counts_each_date_and_who_is_blocked() {
    let v = json(&simulate(&["--timeline", "--format", "json"]));
    let t = v["timeline"].as_array().unwrap();
    let at: Vec<&str> = t.iter().map(|p| p["at"].as_str().unwrap()).collect();
    assert_eq!(
        at,
        [
            "2026-11-30T00:00:00+01:00",
            "2026-12-01T00:00:00+01:00",
            "2026-12-10T00:00:00+01:00",
            "2026-12-15T00:00:00+01:00",
            "2026-12-29T00:00:00+01:00",
        ]
    );
    // Start: bob exempt, anita must enrol webauthn, carl (sms) may skip.
    assert_eq!(
        t[0]["counts"],
        j!({"allow": 1, "challenge": 3, "enrol_or_skip": 1, "enrol": 1, "deny": 0})
    );
    assert_eq!(t[2]["events"], j!(["exemption of bob@acme.test ends"]));
    assert_eq!(t[2]["counts"]["enrol_or_skip"], 2);
    assert_eq!(t[4]["events"], j!(["rollout \"everyone\" grace ends"]));
    assert_eq!(
        t[4]["newly_blocked"],
        j!(["bob@acme.test", "carl@acme.test"])
    );
    assert_eq!(t[4]["counts"]["enrol"], 3);
    // A range keeps only the events inside it.
    let v = json(&simulate(&[
        "--timeline",
        "--from",
        "2026-12-11",
        "--to",
        "2026-12-20",
        "--format",
        "json",
    ]));
    assert_eq!(
        v["timeline"].as_array().unwrap().len(),
        2,
        "start and the phase of the 15th"
    );
}

#[test]
fn timeline_table_markdown_csv_and_chart() {
    insta::assert_snapshot!("timeline_table", simulate(&["--timeline"]).stdout);
    insta::assert_snapshot!(
        "timeline_markdown",
        simulate(&["--timeline", "--format", "markdown"]).stdout
    );
    let csv = simulate(&["--timeline", "--format", "csv"]).stdout;
    assert_eq!(csv.lines().count(), 6);
    assert!(
        csv.lines()
            .last()
            .unwrap()
            .starts_with("2026-12-29T00:00:00+01:00,0,3,0,3,0,bob@acme.test;carl@acme.test,"),
        "{csv}"
    );
    let path = std::env::temp_dir().join(format!("mfac-chart-{}.svg", std::process::id()));
    simulate(&["--timeline", "--chart", path.to_str().unwrap()]);
    let svg = std::fs::read_to_string(&path).unwrap();
    std::fs::remove_file(&path).ok();
    assert!(svg.starts_with("<svg") && svg.trim_end().ends_with("</svg>"));
    assert_eq!(svg.matches("<polygon").count(), 5, "one band per decision");
    assert!(svg.contains("2 blocked from this date"));
    // Every tag that opens is closed (the file is well-formed enough to render).
    assert_eq!(svg.matches("<text").count(), svg.matches("</text>").count());
}

#[test]
fn risks_name_who_is_locked_out_and_why() {
    let v = json(&simulate(&[
        "--at",
        "2026-12-16",
        "--base",
        BEFORE,
        "--risks",
        "--format",
        "json",
    ]));
    let r = &v["risks"];
    assert_eq!(
        r["blocked"],
        j!([
            // Blocked under the base rules: before any dated change, not "from --at".
            {"user": "anita@acme.test", "from": null},
            {"user": "bob@acme.test", "from": "2026-12-29T00:00:00+01:00"},
            {"user": "carl@acme.test", "from": "2026-12-29T00:00:00+01:00"},
        ])
    );
    // An administrator (through Beta Testers and Administrators) with totp only.
    assert_eq!(r["privileged_without_webauthn"], j!(["anita@acme.test"]));
    // carl's only factor, sms, was allowed before and is not now.
    assert_eq!(
        r["lost_every_factor"],
        j!([{"user": "carl@acme.test", "factors": ["sms"]}])
    );
    assert_eq!(r["no_allowed_factor"], j!([]));
    insta::assert_snapshot!(
        "simulate_risks_markdown",
        simulate(&[
            "--at",
            "2026-12-16",
            "--base",
            BEFORE,
            "--risks",
            "--format",
            "markdown"
        ])
        .stdout
    );
    let run = mfac(&[
        "simulate",
        POLICY,
        "--directory",
        USERS,
        "--risks",
        "--format",
        "csv",
    ]);
    assert_eq!(run.code, 2);
}

#[test]
fn a_json_directory_simulates_like_the_yaml_one() {
    let yaml = json(&simulate(&[
        "--at",
        "2026-12-30",
        "--base",
        BEFORE,
        "--format",
        "json",
    ]));
    let run = mfac(&[
        "simulate",
        POLICY,
        "--directory",
        "tests/fixtures/simulate/acme.users.json",
        "--at",
        "2026-12-30",
        "--base",
        BEFORE,
        "--format",
        "json",
    ]);
    assert_eq!(run.code, 0, "{}", run.stderr);
    assert_eq!(json(&run), yaml);
}

#[test]
fn all_lists_every_changed_user_and_quiet_prints_nothing_on_stderr() {
    let mut csv = String::from("id,groups,factors\n");
    for i in 0..30 {
        csv.push_str(&format!("u{i:02}@acme.test,,sms\n"));
    }
    let run = |extra: &[&str]| {
        let mut args = vec![
            "simulate",
            POLICY,
            "--directory",
            "-",
            "--directory-format",
            "csv",
            "--at",
            "2026-12-30",
            "--base",
            BEFORE,
        ];
        args.extend_from_slice(extra);
        mfac_stdin(&args, Some(csv.as_bytes()))
    };
    let short = run(&[]);
    assert!(
        short.stdout.contains("... and 10 more (--all lists them)"),
        "{}",
        short.stdout
    );
    let all = run(&["--all", "--quiet"]);
    assert!(all.stdout.contains("u29@acme.test"), "{}", all.stdout);
    assert!(!all.stdout.contains("more (--all"));
    assert_eq!(all.stderr, "");
}

/// `--risks` dates each block when it really began, whatever `--at` is, and
/// combines with `--timeline`, whose first row names who is already blocked.
#[test]
fn risks_give_the_real_dates_and_combine_with_the_timeline() {
    let dir = "policies/acme.users.yaml";
    for at in ["2026-12-30", "2027-02-01T12:00:00"] {
        let run = mfac(&[
            "simulate",
            "policies/acme.mfa",
            "--directory",
            dir,
            "--at",
            at,
            "--risks",
            "--format",
            "json",
        ]);
        assert_eq!(run.code, 0, "{}", run.stderr);
        let v = json(&run);
        let from: std::collections::BTreeMap<String, serde_json::Value> = v["risks"]["blocked"]
            .as_array()
            .unwrap()
            .iter()
            .map(|b| (b["user"].as_str().unwrap().to_string(), b["from"].clone()))
            .collect();
        // anita (admin, totp only) is blocked under the base rules; bob and
        // carl from the end of the grace, not from --at.
        assert_eq!(from["anita@acme.test"], serde_json::Value::Null, "{at}");
        assert_eq!(from["bob@acme.test"], "2026-12-29T00:00:00+01:00", "{at}");
        assert_eq!(from["carl@acme.test"], "2026-12-29T00:00:00+01:00", "{at}");
    }
    let run = mfac(&[
        "simulate",
        "policies/acme.mfa",
        "--directory",
        dir,
        "--timeline",
        "--risks",
        "--from",
        "2026-12-12",
    ]);
    assert_eq!(run.code, 0, "{}", run.stderr);
    assert!(
        run.stdout.contains("blocked at the start: anita@acme.test"),
        "{}",
        run.stdout
    );
    assert!(run.stdout.contains("risk: blocked"), "{}", run.stdout);
    let v = json(&mfac(&[
        "simulate",
        "policies/acme.mfa",
        "--directory",
        dir,
        "--timeline",
        "--risks",
        "--from",
        "2026-12-12",
        "--format",
        "json",
    ]));
    assert_eq!(
        v["timeline"][0]["newly_blocked"],
        serde_json::json!(["anita@acme.test"])
    );
    assert!(
        v["risks"]["blocked"]
            .as_array()
            .is_some_and(|b| b.len() == 3),
        "{v}"
    );
    let run = mfac(&[
        "simulate",
        "policies/acme.mfa",
        "--directory",
        dir,
        "--timeline",
        "--risks",
        "--format",
        "csv",
    ]);
    assert_eq!(run.code, 2);
}
