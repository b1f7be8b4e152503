//! The OpenAPI document: generated from the code, checked in as
//! `docs/openapi.json` (a stale file fails here; `MFAC_UPDATE_OPENAPI=1
//! cargo test --test openapi` rewrites it), served at `/openapi.json`, an
//! OpenAPI 3.1 document whose schemas compile, and covering every `/v1`
//! route the service has. That each answer of the service suite matches it
//! is checked in `tests/common/openapi.rs`, on every request.

#![allow(
    clippy::unwrap_used,
    clippy::expect_used,
    clippy::panic,
    clippy::indexing_slicing
)]

mod common;
use common::server::start;

const FILE: &str = concat!(env!("CARGO_MANIFEST_DIR"), "/docs/openapi.json");

#[test]
fn the_checked_in_document_is_the_generated_one() {
    let generated = mfac_serve::openapi::json();
    if std::env::var_os("MFAC_UPDATE_OPENAPI").is_some() {
        std::fs::write(FILE, &generated).unwrap();
    }
    let checked_in = std::fs::read_to_string(FILE).unwrap_or_default();
    assert!(
        checked_in == generated,
        "docs/openapi.json is stale: run `MFAC_UPDATE_OPENAPI=1 cargo test --test openapi` and commit it"
    );
    let v: serde_json::Value = serde_json::from_str(&generated).unwrap();
    assert_eq!(v["openapi"], "3.1.0");
    for (name, schema) in v["components"]["schemas"].as_object().unwrap() {
        let mut root = v.clone();
        root["$ref"] = serde_json::Value::String(format!("#/components/schemas/{name}"));
        jsonschema::draft202012::new(&root)
            .unwrap_or_else(|e| panic!("{name} does not compile: {e}: {schema}"));
    }
    for route in [
        "/v1/decide",
        "/v1/logins",
        "/v1/logins/{login_id}/verify",
        "/v1/users/{user}/factors",
        "/v1/users/{user}/factors/totp",
        "/v1/users/{user}/factors/webauthn",
        "/v1/users/{user}/factors/backup_code",
        "/v1/users/{user}/factors/{factor_id}/confirm",
        "/v1/users/{user}/factors/{factor_id}",
        "/v1/users/{user}/unlock",
        "/v1/audit",
        "/healthz",
    ] {
        assert!(v["paths"].get(route).is_some(), "{route} is not documented");
    }
}

#[test]
fn the_service_serves_its_document() {
    let s = start(
        "openapi",
        "default { enforcement required factors totp }\n",
        &[],
    );
    let r = s.raw("GET", "/openapi.json", None, None);
    assert_eq!(r.status, 200);
    assert_eq!(r.body, mfac_serve::openapi::json());
}
