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
    // `specific` where a group lowers the default: not what Entra, which
    // applies every policy, would do.
    let why = refused(
        "precedence specific\ndefault { enforcement required factors webauthn remember never }\ngroup \"Finance\" { enforcement off }\n",
    );
    assert!(
        why.contains("precedence `specific`") && why.contains("Finance"),
        "{why}"
    );
    // Where `specific` means the same as `most_restrictive`, it exports.
    let same = Policy::compile(
        "p.mfa",
        "precedence specific\ndefault { enforcement required factors webauthn remember never }\n",
    )
    .unwrap();
    assert!(export(&same, at, &names()).is_ok());
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

/// Policies inside the exportable subset: `most_restrictive`, scoped rules
/// for everyone or some groups and roles, in some apps or all, with
/// exclusions, report-only or not, `enforcement required` with a factor set
/// Entra has, and every rule with a remember setting (`never` or whole
/// hours), as Entra's sign-in frequency must be.
fn generated(seed: &mut u64) -> String {
    let mut next = |n: usize| {
        *seed ^= *seed << 13;
        *seed ^= *seed >> 7;
        *seed ^= *seed << 17;
        (*seed % n as u64) as usize
    };
    let parties = [
        "members of group \"Finance\"",
        "members of group \"Emergency Access\"",
        "members of group \"Global Administrator\"",
        "members of group \"Security Reader\"",
    ];
    let apps = ["app \"Office 365\"", "app \"Azure Portal\""];
    let factors = [
        "webauthn",
        "push | sms | totp | webauthn",
        "totp | webauthn",
        "sms | totp",
    ];
    let mut text = String::from("precedence most_restrictive\nmax_remember 30d\n");
    for k in 0..1 + next(4) {
        let whom: Vec<&str> = parties.iter().copied().filter(|_| next(3) == 0).collect();
        let mut rule = format!("rule \"CA{k}\" {{\n");
        if whom.is_empty() {
            rule.push_str("  for everyone\n");
        } else {
            rule.push_str(&format!("  for {}\n", whom.join(", ")));
        }
        let inn: Vec<&str> = apps.iter().copied().filter(|_| next(3) == 0).collect();
        if !inn.is_empty() {
            rule.push_str(&format!("  in {}\n", inn.join(", ")));
        }
        let except: Vec<&str> = parties
            .iter()
            .chain(apps.iter())
            .copied()
            .filter(|p| next(6) == 0 && !whom.contains(p) && !inn.contains(p))
            .collect();
        if !except.is_empty() {
            rule.push_str(&format!("  except {}\n", except.join(", ")));
        }
        if next(4) == 0 {
            rule.push_str("  report_only\n");
        }
        rule.push_str(&format!(
            "  enforcement required\n  factors {}\n",
            factors[next(factors.len())]
        ));
        match next(3) {
            0 => rule.push_str("  remember never\n"),
            1 => rule.push_str(&format!("  remember {}h\n", 1 + next(23))),
            _ => rule.push_str(&format!("  remember {}d\n", 1 + next(30))),
        }
        rule.push_str("}\n");
        text.push_str(&rule);
    }
    text
}

fn cases() -> usize {
    std::env::var("MFAC_EXPORT_CASES")
        .ok()
        .and_then(|v| v.parse().ok())
        .unwrap_or(200)
}

/// The round trip, proven: every generated policy in the exportable
/// subset exports, and its export imports back to a policy that means the
/// same at the instant, both ways (`diff --at --deny-loosening`'s engine);
/// import, export, import is a fixed point apart from source comments.
#[test]
fn generated_exportable_policies_round_trip() {
    let at: jiff::Timestamp = AT.parse().unwrap();
    let mut seed = 0x2545_f491_4f6c_dd1d_u64;
    let ids = names();
    let strip = |t: &str| {
        t.lines()
            .filter(|l| !l.starts_with('#'))
            .collect::<Vec<_>>()
            .join("\n")
    };
    for case in 0..cases() {
        let text = generated(&mut seed);
        let policy = evaluable(&text);
        let out = export(&policy, at, &ids)
            .unwrap_or_else(|r| panic!("case {case}: refused {r:?}\n{text}"));
        assert_eq!(
            self_check(&policy, &out.files, &ids, at),
            Ok(()),
            "case {case}\n{text}"
        );
        let once = import(&mfac_bridge::entra::export::documents(&out.files), &ids)
            .policy
            .render()
            .unwrap();
        let again = export(&evaluable(&once), at, &ids).unwrap();
        let twice = import(&mfac_bridge::entra::export::documents(&again.files), &ids)
            .policy
            .render()
            .unwrap();
        assert_eq!(strip(&once), strip(&twice), "case {case}\n{text}");
    }
}

#[test]
fn guests_go_back_to_entra_as_the_guest_user_type() {
    let at: jiff::Timestamp = AT.parse().unwrap();
    let text = "rule \"CA010 members\" {\n  for everyone\n  except members of group \"Guests or external users\"\n  enforcement required\n  factors webauthn\n  remember never\n}\n";
    let policy = evaluable(text);
    let out = export(&policy, at, &names()).unwrap();
    let users = &out.files[0].1["conditions"]["users"];
    assert_eq!(users["includeUsers"][0], "All");
    assert_eq!(users["excludeUsers"][0], "GuestsOrExternalUsers");
    assert_eq!(self_check(&policy, &out.files, &names(), at), Ok(()));
}
