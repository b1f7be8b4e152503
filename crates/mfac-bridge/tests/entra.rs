//! `import entra` on fixtures modelled on Graph's documented shapes.

#![allow(clippy::unwrap_used, clippy::expect_used, clippy::indexing_slicing)]

use mfac_bridge::entra::{import, Names};
use mfac_bridge::source::{read_paths, Document};
use std::path::PathBuf;

fn fixture(name: &str) -> PathBuf {
    PathBuf::from(env!("CARGO_MANIFEST_DIR"))
        .join("tests/fixtures/entra")
        .join(name)
}

fn docs(name: &str) -> Vec<Document> {
    let mut d = read_paths(&[fixture(name)]).unwrap();
    // Paths as the tests name them, not as this machine does.
    for doc in &mut d {
        doc.file = name.to_string();
    }
    d
}

fn imported() -> mfac_bridge::entra::Import {
    let names = Names::from(&docs("groups.json"), &[]);
    import(&docs("policies.json"), &names)
}

#[test]
fn a_tenant_imports_as_a_policy_that_checks() {
    let out = imported();
    let text = out.policy.render().expect("the import parses");
    insta::assert_snapshot!("entra_policies", text);
    assert_eq!(mfac_bridge::write::resolves(&text), Ok(()), "{text}");
    // Byte-stable: the same input gives the same bytes.
    assert_eq!(imported().policy.render().as_deref(), Some(text.as_str()));
}

#[test]
fn every_construct_that_does_not_map_is_a_finding_with_its_pointer() {
    let out = imported();
    let lines: Vec<String> = out.findings.iter().map(ToString::to_string).collect();
    insta::assert_snapshot!("entra_findings", lines.join("\n"));
    let at = |code: &str| {
        out.findings
            .iter()
            .filter(|f| f.code.code == code)
            .map(|f| f.pointer.as_str())
            .collect::<Vec<_>>()
    };
    assert_eq!(at("I001"), ["/value/5/state"]);
    assert_eq!(at("I002"), ["/value/2/conditions/signInRiskLevels"]);
    assert_eq!(at("I003"), ["/value/3/grantControls/builtInControls"]);
    assert_eq!(at("I004"), ["/value/4/grantControls/operator"]);
}

#[test]
fn conservative_direction_unmodelled_conditions_only_report() {
    let out = imported();
    let rule = |name: &str| {
        out.policy
            .rules
            .iter()
            .find(|r| r.name.starts_with(name))
            .unwrap()
    };
    assert!(rule("CA003").report_only, "a risk condition");
    assert!(
        rule("CA005").report_only,
        "report-only in Entra, and MFA or a compliant device"
    );
    assert!(!rule("CA001").report_only && !rule("CA002").report_only);
    assert!(out
        .policy
        .rules
        .iter()
        .all(|r| !r.name.starts_with("CA004") && !r.name.starts_with("CA006")));
    assert_eq!(
        out.policy.privileged,
        ["Global Administrator", "Security Administrator"]
    );
}

#[test]
fn utf16_with_a_byte_order_mark_and_crlf_imports_the_same() {
    let text = std::fs::read_to_string(fixture("policies.json"))
        .unwrap()
        .replace('\n', "\r\n");
    let mut bytes = vec![0xFF, 0xFE];
    bytes.extend(text.encode_utf16().flat_map(u16::to_le_bytes));
    let dir = std::env::temp_dir().join(format!("mfac-bridge-utf16-{}", std::process::id()));
    std::fs::create_dir_all(&dir).unwrap();
    std::fs::write(dir.join("policies.json"), bytes).unwrap();
    let mut d = read_paths(std::slice::from_ref(&dir)).unwrap();
    for doc in &mut d {
        doc.file = "policies.json".to_string();
    }
    let names = Names::from(&docs("groups.json"), &[]);
    assert_eq!(
        import(&d, &names).policy.render(),
        imported().policy.render()
    );
    std::fs::remove_dir_all(&dir).unwrap();
}

#[test]
fn a_strength_named_by_id_is_read_from_its_policy_in_the_input() {
    let dir = fixture("with-strength");
    let docs = read_paths(&[dir]).unwrap();
    let out = import(&docs, &Names::from(&self::docs("groups.json"), &[]));
    assert!(out.findings.is_empty(), "{:?}", out.findings);
    assert_eq!(out.policy.rules.len(), 1);
    let rule = &out.policy.rules[0];
    assert_eq!(rule.factors.unwrap().names(), ["totp", "webauthn"]);
    assert_eq!(
        rule.remember,
        Some(mfac_bridge::write::Remember::For(8 * 3_600))
    );
}
