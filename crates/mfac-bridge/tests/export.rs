//! `export entra`: what Entra can say is written in Graph's shape and
//! imports back to the same meaning; what it cannot is refused.

#![allow(clippy::unwrap_used, clippy::expect_used, clippy::indexing_slicing)]

use mfac_bridge::entra::export::{export, self_check};
use mfac_bridge::entra::{import, Names};
use mfac_bridge::source::read_paths;
use mfac_core::Policy;
use mfac_lang::Compile as _;
use std::path::PathBuf;

/// A policy as `mfac eval` takes it: findings about it (an exclusion gap
/// once roles are marked privileged) do not stop it.
fn evaluable(text: &str) -> Policy {
    let out = mfac_lang::check::check(
        &mfac_core::SourceFile::new("p.mfa", text),
        &mfac_lang::check::CheckOptions::default(),
    );
    Policy::from_checked(&out.policy.or(out.refuted).expect("it resolves"))
}

fn names() -> Names {
    let path = PathBuf::from(env!("CARGO_MANIFEST_DIR")).join("tests/fixtures/entra/groups.json");
    Names::from(&read_paths(&[path]).unwrap(), &[])
}

const AT: &str = "2026-12-01T00:00:00Z";

const POLICY: &str = r#"precedence most_restrictive
max_remember 12h

rule "CA001 admins" {
  for members of group "Global Administrator"
  except members of group "Emergency Access"
  enforcement required
  factors webauthn
  remember never
}

rule "CA002 Office" {
  for everyone
  in app "Office 365"
  enforcement required
  factors push | sms | totp | webauthn
  remember 12h
}

rule "CA003 Finance pilot" {
  for members of group "Finance"
  report_only
  enforcement required
  factors totp | webauthn
  remember 12h
}
"#;

#[test]
fn a_policy_entra_can_say_exports_and_imports_back_the_same() {
    let policy = Policy::compile("p.mfa", POLICY).unwrap();
    let at: jiff::Timestamp = AT.parse().unwrap();
    let out = export(&policy, at, &names()).unwrap();
    let files: Vec<&str> = out.files.iter().map(|(n, _)| n.as_str()).collect();
    assert_eq!(
        files,
        [
            "CA001 admins.json",
            "CA002 Office.json",
            "CA003 Finance pilot.json",
            "strength-totp-webauthn.json"
        ]
    );
    let (_, admins) = &out.files[0];
    assert_eq!(
        admins["conditions"]["users"]["includeRoles"][0],
        "62e90394-69f5-4237-9190-012177145e10"
    );
    assert_eq!(
        admins["conditions"]["users"]["excludeGroups"][0],
        "a0000000-0000-4000-8000-0000000000e1"
    );
    assert_eq!(
        admins["grantControls"]["authenticationStrength"]["id"],
        "00000000-0000-0000-0000-000000000004"
    );
    assert_eq!(
        admins["sessionControls"]["signInFrequency"]["frequencyInterval"],
        "everyTime"
    );
    assert_eq!(out.files[1].1["grantControls"]["builtInControls"][0], "mfa");
    assert_eq!(
        out.files[1].1["conditions"]["applications"]["includeApplications"][0],
        "Office365"
    );
    assert_eq!(out.files[2].1["state"], "enabledForReportingButNotEnforced");
    assert_eq!(
        out.files[2].1["grantControls"]["authenticationStrength"]["id"],
        "mfac-strength:totp-webauthn"
    );
    // The export's own check: it imports back to the same meaning.
    assert_eq!(self_check(&policy, &out.files, &names(), at), Ok(()));
    // Import, export, import: the same policy, apart from source comments.
    let again = import(&mfac_bridge::entra::export::documents(&out.files), &names());
    let text = again.policy.render().unwrap();
    let strip = |t: &str| {
        t.lines()
            .filter(|l| !l.starts_with('#'))
            .collect::<Vec<_>>()
            .join("\n")
    };
    let policy2 = evaluable(&text);
    let out2 = export(&policy2, at, &names()).unwrap();
    let text2 = import(
        &mfac_bridge::entra::export::documents(&out2.files),
        &names(),
    )
    .policy
    .render()
    .unwrap();
    assert_eq!(strip(&text), strip(&text2));
}

#[test]
fn what_entra_cannot_say_is_refused_never_approximated() {
    let at: jiff::Timestamp = AT.parse().unwrap();
    let refused = |text: &str| {
        let policy = Policy::compile("p.mfa", text).unwrap();
        export(&policy, at, &names()).unwrap_err().0.join("\n")
    };
    assert!(
        refused("precedence specific\ndefault { enforcement required factors webauthn }\n")
            .contains("precedence `specific`")
    );
    assert!(
        refused("default { enforcement optional factors webauthn }\n")
            .contains("`enforcement optional`")
    );
    assert!(
        refused("default { enforcement required factors webauthn | email }\n").contains("`email`")
    );
    assert!(
        refused("default { enforcement required factors webauthn remember 8h same_ip }\n")
            .contains("with conditions")
    );
    assert!(
        refused("default { enforcement required factors webauthn enrolment grace 14d }\n")
            .contains("grace")
    );
    assert!(
        refused("group \"Nobody Knows\" { enforcement required factors webauthn }\n")
            .contains("group `Nobody Knows` has no id")
    );
    // A rule with no window beside one with a window: in mfac the window
    // holds for members of both, but Entra's `everyTime` on one policy
    // overrides every other's. The export's own check refuses it.
    let policy = Policy::compile(
        "p.mfa",
        "max_remember 12h\ndefault { enforcement required factors webauthn remember 12h }\ngroup \"Finance\" { enforcement required factors webauthn }\n",
    )
    .unwrap();
    let out = export(&policy, at, &names()).unwrap();
    let why = self_check(&policy, &out.files, &names(), at).unwrap_err();
    assert!(why.contains("remember") && why.contains("Finance"), "{why}");
}
