//! `import keycloak` on a realm export modelled on Keycloak's own.

#![allow(clippy::unwrap_used, clippy::expect_used, clippy::indexing_slicing)]

use mfac_bridge::keycloak::import;
use mfac_bridge::source::read_paths;
use std::path::PathBuf;

fn imported() -> mfac_bridge::keycloak::Import {
    let path = PathBuf::from(env!("CARGO_MANIFEST_DIR")).join("tests/fixtures/keycloak/realm.json");
    let mut docs = read_paths(&[path]).unwrap();
    docs[0].file = "realm.json".to_string();
    import(&docs[0])
}

#[test]
fn the_browser_flow_reads_as_rules_that_check() {
    let out = imported();
    let text = out.policy.render().expect("the import parses");
    insta::assert_snapshot!("keycloak_realm", text);
    assert_eq!(mfac_bridge::write::resolves(&text), Ok(()), "{text}");
    let findings: Vec<String> = out.findings.iter().map(ToString::to_string).collect();
    insta::assert_snapshot!("keycloak_findings", findings.join("\n"));
}

#[test]
fn otp_for_those_who_set_it_up_is_optional_and_the_role_gets_a_passkey() {
    let out = imported();
    let everyone = &out.policy.rules[0];
    assert_eq!(everyone.whom, None);
    assert_eq!(everyone.enforcement, Some(mfac_core::Level::Optional));
    assert_eq!(everyone.factors.unwrap().names(), ["totp", "webauthn"]);
    assert_eq!(
        everyone.remember,
        Some(mfac_bridge::write::Remember::For(36_000))
    );
    let admins = &out.policy.rules[1];
    assert_eq!(
        admins.whom,
        Some(vec![mfac_bridge::write::Party::Group("realm-admin".into())])
    );
    assert_eq!(admins.enforcement, Some(mfac_core::Level::Required));
    assert_eq!(admins.factors.unwrap().names(), ["webauthn"]);
}

#[test]
fn a_client_with_its_own_browser_flow_gets_its_own_rules_and_the_realms_leave_it_out() {
    let out = imported();
    let app = mfac_bridge::write::Party::App("payroll".into());
    assert!(out
        .policy
        .rules
        .iter()
        .filter(|r| r.apps.is_empty())
        .all(|r| r.except.contains(&app)));
    let payroll = out
        .policy
        .rules
        .iter()
        .find(|r| r.apps == ["payroll"])
        .unwrap();
    assert_eq!(payroll.enforcement, Some(mfac_core::Level::Required));
    assert_eq!(payroll.factors.unwrap().names(), ["webauthn"]);
    assert_eq!(
        payroll.remember, None,
        "no cookie in its flow: MFA at every sign-in"
    );
}
