//! `import okta` on a fixture modelled on Okta's Policy API objects.

#![allow(clippy::unwrap_used, clippy::expect_used, clippy::indexing_slicing)]

use mfac_bridge::okta::import;
use mfac_bridge::source::read_paths;
use std::path::PathBuf;

fn imported() -> mfac_bridge::okta::Import {
    let path = PathBuf::from(env!("CARGO_MANIFEST_DIR")).join("tests/fixtures/okta/policies.json");
    let mut docs = read_paths(&[path]).unwrap();
    for d in &mut docs {
        d.file = "policies.json".to_string();
    }
    let apps_path = PathBuf::from(env!("CARGO_MANIFEST_DIR")).join("tests/fixtures/okta/apps.json");
    import(&docs, &read_paths(&[apps_path]).unwrap())
}

#[test]
fn first_match_is_written_with_exclusions_and_the_policy_checks() {
    let out = imported();
    let text = out.policy.render().expect("the import parses");
    insta::assert_snapshot!("okta_policies", text);
    assert_eq!(mfac_bridge::write::resolves(&text), Ok(()), "{text}");
    let rule = |name: &str| {
        out.policy
            .rules
            .iter()
            .find(|r| r.name.ends_with(name))
            .unwrap()
    };
    // Admins' policy comes first (priority 1), so Staff's rule leaves
    // Admins out: an admin in Staff gets Admins' rule only, as in Okta.
    assert!(rule("Staff")
        .except
        .iter()
        .any(|p| matches!(p, mfac_bridge::write::Party::Group(g) if g == "Admins")));
    // After the network rule, nobody knows whom the default rule gets.
    assert!(rule("Office network").report_only && rule("Default Rule").report_only);
    assert!(!rule("MFA every time").report_only && !rule("Staff").report_only);
}

#[test]
fn what_does_not_map_is_a_finding_with_its_pointer() {
    let out = imported();
    let lines: Vec<String> = out.findings.iter().map(ToString::to_string).collect();
    insta::assert_snapshot!("okta_findings", lines.join("\n"));
}

#[test]
fn an_app_sign_on_policy_applies_in_the_apps_that_name_it() {
    let out = imported();
    let rule = out
        .policy
        .rules
        .iter()
        .find(|r| r.name.ends_with("Admins with a passkey"))
        .unwrap();
    assert_eq!(rule.apps, ["Payroll"]);
    assert_eq!(rule.factors.unwrap().names(), ["webauthn"]);
    assert_eq!(rule.remember, Some(mfac_bridge::write::Remember::Never));
    // The catch-all comes after it (priority 99): it leaves Admins out.
    let catch_all = out
        .policy
        .rules
        .iter()
        .find(|r| r.name.ends_with("Catch-all"))
        .unwrap();
    assert!(catch_all
        .except
        .contains(&mfac_bridge::write::Party::Group("Admins".into())));
    assert_eq!(catch_all.enforcement, Some(mfac_core::Level::Off));
}
