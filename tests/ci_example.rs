//! The CI example end to end: `examples/ci/mfa-policy-ci.sh` (what the
//! GitHub workflow and the pre-commit hook run) against a fixture git
//! repository whose branch changes a policy.

#![allow(clippy::unwrap_used, clippy::expect_used)]

use std::path::{Path, PathBuf};
use std::process::Command;

const ROOT: &str = env!("CARGO_MANIFEST_DIR");

fn git(dir: &Path, args: &[&str]) {
    let out = Command::new("git")
        .args([
            "-c",
            "user.name=ci",
            "-c",
            "user.email=ci@example.test",
            "-c",
            "init.defaultBranch=main",
        ])
        .args(args)
        .current_dir(dir)
        .output()
        .expect("git runs");
    assert!(
        out.status.success(),
        "git {args:?}: {}",
        String::from_utf8_lossy(&out.stderr)
    );
}

/// A repository whose `main` has the old acme policy and whose `change`
/// branch has the new one, with its directory and unit tests.
fn fixture_repo(name: &str) -> PathBuf {
    let dir = std::env::temp_dir().join(format!("mfac-ci-{}-{name}", std::process::id()));
    let _ = std::fs::remove_dir_all(&dir);
    std::fs::create_dir_all(dir.join("policies")).unwrap();
    let copy =
        |from: &str, to: &str| std::fs::copy(Path::new(ROOT).join(from), dir.join(to)).unwrap();
    git(&dir, &["init", "-q"]);
    copy(
        "tests/fixtures/simulate/acme-before.mfa",
        "policies/acme.mfa",
    );
    copy("policies/acme.users.yaml", "policies/acme.users.yaml");
    git(&dir, &["add", "."]);
    git(&dir, &["commit", "-qm", "acme before the rollout"]);
    git(&dir, &["checkout", "-qb", "change"]);
    copy("policies/acme.mfa", "policies/acme.mfa");
    copy("policies/acme.test.yaml", "policies/acme.test.yaml");
    git(&dir, &["add", "."]);
    git(&dir, &["commit", "-qm", "roll MFA out to everyone"]);
    dir
}

fn run_ci(dir: &Path, base: &str) -> (i32, String, String) {
    run_ci_with(dir, base, &[])
}

fn run_ci_with(dir: &Path, base: &str, env: &[(&str, &str)]) -> (i32, String, String) {
    let out = Command::new("bash")
        .arg(Path::new(ROOT).join("examples/ci/mfa-policy-ci.sh"))
        .arg(base)
        .current_dir(dir)
        .env("MFAC", env!("CARGO_BIN_EXE_mfac"))
        .env("MFAC_AT", "2026-12-30")
        .env("MFAC_TODAY", "2026-11-24")
        .env("NO_COLOR", "1")
        .env_remove("GITHUB_ACTIONS")
        .env_remove("MFAC_ALLOW_LOOSENING")
        .envs(env.iter().copied())
        .output()
        .expect("bash runs");
    (
        out.status.code().unwrap_or(-1),
        String::from_utf8_lossy(&out.stdout).into_owned(),
        String::from_utf8_lossy(&out.stderr).into_owned(),
    )
}

#[test]
fn the_ci_script_reviews_a_policy_change_end_to_end() {
    let dir = fixture_repo("ok");
    // The change adds an exemption: a loosening, marked as intended here.
    let (code, stdout, stderr) = run_ci_with(&dir, "main", &[("MFAC_ALLOW_LOOSENING", "true")]);
    assert_eq!(code, 0, "{stdout}\n{stderr}");
    assert!(stdout.contains("loosening marked as intended"), "{stdout}");
    assert!(stdout.contains("checked 1 file: 0 errors"), "{stdout}");
    assert!(stdout.contains("9 passed, 0 failed"), "{stdout}");
    let report = std::fs::read_to_string(dir.join("mfac-simulate.md")).unwrap();
    insta::assert_snapshot!("ci_simulate_markdown", report);
    assert!(
        report.contains("**Transitions:** `allow` → `enrol`: 2"),
        "{report}"
    );
    std::fs::remove_dir_all(&dir).ok();
}

#[test]
fn the_ci_script_fails_on_an_unformatted_policy() {
    let dir = fixture_repo("unformatted");
    let policy = dir.join("policies/acme.mfa");
    let text = std::fs::read_to_string(&policy)
        .unwrap()
        .replace("default {", "default   {");
    std::fs::write(&policy, text).unwrap();
    let (code, stdout, _) = run_ci(&dir, "main");
    assert_ne!(code, 0);
    assert!(
        stdout.contains("policies/acme.mfa"),
        "fmt --check names the file: {stdout}"
    );
    assert!(
        !dir.join("mfac-simulate.md").exists(),
        "no simulation after a failed step"
    );
    std::fs::remove_dir_all(&dir).ok();
}

#[test]
fn the_ci_script_fails_on_a_loosening_not_marked_as_intended() {
    let dir = fixture_repo("loosening");
    let (code, stdout, stderr) = run_ci(&dir, "main");
    assert_eq!(code, 1, "{stdout}\n{stderr}");
    assert!(stderr.contains("loosens MFA"), "{stderr}");
    let report = std::fs::read_to_string(dir.join("mfac-simulate.md")).unwrap();
    assert!(
        report.contains("**exemption**: not exempt -> exempt"),
        "{report}"
    );
    assert!(report.contains("replay: `mfac eval"), "{report}");
    std::fs::remove_dir_all(&dir).ok();
}

#[test]
fn the_ci_script_passes_a_change_that_only_tightens() {
    let dir = fixture_repo("tightening");
    // A new base with the whole change, then a change that only adds a
    // stricter group.
    git(&dir, &["checkout", "-qB", "main"]);
    git(&dir, &["checkout", "-qb", "tighten"]);
    let policy = dir.join("policies/acme.mfa");
    let text = std::fs::read_to_string(&policy).unwrap();
    let tighter = text.replacen(
        "group \"Beta Testers\"",
        "group \"Contractors\" { enforcement required }\n\ngroup \"Beta Testers\"",
        1,
    );
    assert_ne!(text, tighter);
    std::fs::write(&policy, tighter).unwrap();
    git(&dir, &["commit", "-qam", "contractors: MFA required"]);
    let (code, stdout, stderr) = run_ci(&dir, "main");
    assert_eq!(code, 0, "{stdout}\n{stderr}");
    let report = std::fs::read_to_string(dir.join("mfac-simulate.md")).unwrap();
    assert!(report.contains("no loosening"), "{report}");
    std::fs::remove_dir_all(&dir).ok();
}

/// The nightly drift check: a tenant export that is the policy's own
/// export has not drifted; one where an exclusion was added in the portal
/// has, and the drift says the tenant is looser.
#[test]
fn entra_drift_is_found_and_no_drift_is_quiet() {
    let dir = std::env::temp_dir().join(format!("mfac-drift-{}", std::process::id()));
    let _ = std::fs::remove_dir_all(&dir);
    std::fs::create_dir_all(&dir).unwrap();
    let bin = env!("CARGO_BIN_EXE_mfac");
    let groups = Path::new(ROOT).join("crates/mfac-bridge/tests/fixtures/entra/groups.json");
    let policy = dir.join("tenant.mfa");
    std::fs::write(
        &policy,
        "max_remember 12h\n\nrule \"CA001 admins\" {\n  for members of group \"Global Administrator\"\n  enforcement required\n  factors webauthn\n  remember never\n}\n",
    )
    .unwrap();
    let export = dir.join("export");
    let out = Command::new(bin)
        .args(["export", "entra"])
        .arg(&policy)
        .args(["--at", "2026-12-01", "--groups"])
        .arg(&groups)
        .arg("-o")
        .arg(&export)
        .output()
        .unwrap();
    assert!(
        out.status.success(),
        "{}",
        String::from_utf8_lossy(&out.stdout)
    );
    let drift = |label: &str| {
        let out = Command::new(Path::new(ROOT).join("examples/ci/entra-drift.sh"))
            .arg(&policy)
            .arg(&export)
            .arg(&groups)
            .env("MFAC", bin)
            .env("MFAC_AT", "2026-12-01T00:00:00Z")
            .output()
            .unwrap();
        let text = String::from_utf8_lossy(&out.stdout).to_string();
        (out.status.code().unwrap_or(-1), format!("{label}: {text}"))
    };
    let (code, text) = drift("in sync");
    assert_eq!(code, 0, "{text}");
    assert!(text.contains("no drift"), "{text}");
    // Someone adds an exclusion in the portal.
    let file = export.join("CA001 admins.json");
    let edited = std::fs::read_to_string(&file).unwrap().replace(
        "\"excludeGroups\": []",
        "\"excludeGroups\": [\"a0000000-0000-4000-8000-0000000000e1\"]",
    );
    std::fs::write(&file, edited).unwrap();
    let (code, text) = drift("drifted");
    assert_eq!(code, 1, "{text}");
    assert!(text.contains("drift: the tenant asks less than"), "{text}");
    assert!(
        text.contains("loosenings: NEW is looser than OLD"),
        "{text}"
    );
    std::fs::remove_dir_all(&dir).unwrap();
}
