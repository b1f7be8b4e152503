//! `mfac export entra` through the binary: written and proven, or refused.

#![allow(clippy::unwrap_used, clippy::expect_used, clippy::indexing_slicing)]

mod common;

use common::{json, mfac};

const GROUPS: &str = "crates/mfac-bridge/tests/fixtures/entra/groups.json";

#[test]
fn an_exportable_policy_is_written_and_imports_back() {
    let dir = std::env::temp_dir().join(format!("mfac-export-{}", std::process::id()));
    let _ = std::fs::remove_dir_all(&dir);
    std::fs::create_dir_all(&dir).unwrap();
    let policy = dir.join("p.mfa");
    std::fs::write(
        &policy,
        "precedence most_restrictive\nmax_remember 12h\n\nrule \"CA001 admins\" {\n  for members of group \"Global Administrator\"\n  except members of group \"Emergency Access\"\n  enforcement required\n  factors webauthn\n  remember never\n}\n\nrule \"CA003 Finance pilot\" {\n  for members of group \"Finance\"\n  report_only\n  enforcement required\n  factors totp | webauthn\n  remember 12h\n}\n",
    )
    .unwrap();
    let out = dir.join("ca");
    let (p, o) = (policy.to_str().unwrap(), out.to_str().unwrap());
    let run = mfac(&[
        "export",
        "entra",
        p,
        "--at",
        "2026-12-01",
        "--groups",
        GROUPS,
        "-o",
        o,
    ]);
    assert_eq!(run.code, 0, "{}{}", run.stdout, run.stderr);
    assert!(
        run.stdout.starts_with("wrote 3 files to "),
        "{}",
        run.stdout
    );
    let admins: serde_json::Value =
        serde_json::from_str(&std::fs::read_to_string(out.join("CA001 admins.json")).unwrap())
            .unwrap();
    assert_eq!(admins["state"], "enabled");
    // Imported back, with the same names, it checks.
    let back = mfac(&["import", "entra", o, "--groups", GROUPS]);
    assert_eq!(back.code, 0, "{}", back.stderr);
    assert!(
        back.stdout.contains("rule \"CA003 Finance pilot\""),
        "{}",
        back.stdout
    );
    std::fs::remove_dir_all(&dir).unwrap();
}

#[test]
fn what_entra_cannot_say_is_refused_with_exit_1_and_nothing_written() {
    let out = std::env::temp_dir().join(format!("mfac-export-refused-{}", std::process::id()));
    let o = out.to_str().unwrap();
    let run = mfac(&[
        "export",
        "entra",
        "policies/acme.mfa",
        "--at",
        "2026-12-01",
        "-o",
        o,
    ]);
    assert_eq!(run.code, 1, "{}", run.stdout);
    assert!(
        run.stdout
            .contains("refused: default (line 14): `enforcement optional`"),
        "{}",
        run.stdout
    );
    assert!(
        run.stdout
            .ends_with("nothing written: Entra cannot say what the policy says\n"),
        "{}",
        run.stdout
    );
    assert!(!out.exists(), "nothing is written");
    let doc = json(&mfac(&[
        "export",
        "entra",
        "policies/acme.mfa",
        "--at",
        "2026-12-01",
        "-o",
        o,
        "--format",
        "json",
    ]));
    assert!(doc["refused"].as_array().unwrap().len() > 3, "{doc}");
    assert_eq!(
        mfac(&[
            "export",
            "entra",
            "policies/acme.mfa",
            "--at",
            "never",
            "-o",
            o
        ])
        .code,
        2
    );
}
