//! `mfac serve` attacked the way a hostile client (or a careless deploy)
//! would: each test is named after a finding of that attack and drives the
//! real server over HTTP. Run one against an earlier binary with
//! `MFAC_TEST_BIN=/path/to/mfac` to watch it fail there.

#![allow(
    clippy::unwrap_used,
    clippy::expect_used,
    clippy::panic,
    clippy::indexing_slicing
)]

mod common;
use common::server::{start, wait_for, Server};
use serde_json::json;

/// Everyone in MFA but the public; administrators on passkeys only.
const RUNNING: &str = r#"precedence specific
default { enforcement off }
group "Staff" { enforcement required factors totp | webauthn }
group "Administrators" { privileged enforcement required factors webauthn }
"#;

fn health(s: &Server) -> serde_json::Value {
    s.raw("GET", "/healthz", None, None).json()
}

fn decision(s: &Server, groups: &[&str]) -> String {
    let r = s.post("/v1/decide", json!({"user": "ann", "groups": groups}));
    assert_eq!(r.status, 200, "{}", r.body);
    r.json()["decision"].as_str().unwrap().to_string()
}

fn reload_error(s: &Server) -> String {
    wait_for(|| health(s)["reload_error"].as_str().map(str::to_string))
}

#[test]
fn finding_1_a_half_written_policy_that_loosens_is_not_reloaded() {
    let s = start("half-written", RUNNING, &[]);
    let path = s.dir.join("policy.mfa");
    let first = health(&s)["policy"]["sha256"].clone();
    assert_eq!(decision(&s, &["Administrators"]), "enrol");
    // The deploy tool has written the first two lines of the new version:
    // a valid policy that asks nothing of anyone.
    let new =
        format!("{RUNNING}group \"Contractors\" {{ enforcement required factors webauthn }}\n");
    let half = &new[..new.find("group").unwrap()];
    std::fs::write(&path, half).unwrap();
    s.signal("HUP");
    let error = reload_error(&s);
    assert!(error.contains("loosens"), "{error}");
    assert!(error.contains("enforcement"), "{error}");
    assert!(error.contains("replay: mfac eval"), "{error}");
    assert_eq!(
        health(&s)["policy"]["sha256"],
        first,
        "the running policy stays"
    );
    assert_eq!(decision(&s, &["Administrators"]), "enrol");
    assert_eq!(decision(&s, &["Staff"]), "enrol");
    let failed = s.get("/v1/audit?type=policy_reload_failed").json()["events"].clone();
    assert_eq!(failed[0]["reason"], "loosens", "{failed}");
    assert!(failed[0]["detail"]
        .as_str()
        .unwrap()
        .contains("replay: mfac eval"));
    assert!(s.log().contains("loosens"), "{}", s.log());

    // The whole file, a tightening: loaded, the error cleared.
    std::fs::write(&path, &new).unwrap();
    s.signal("HUP");
    wait_for(|| (health(&s)["reload_error"].is_null()).then_some(()));
    assert_ne!(health(&s)["policy"]["sha256"], first);
    assert_eq!(decision(&s, &["Contractors"]), "enrol");
}

#[test]
fn finding_1_a_policy_still_being_written_is_not_read_until_it_settles() {
    let s = start("settling", RUNNING, &[]);
    let path = s.dir.join("policy.mfa");
    let first = health(&s)["policy"]["sha256"].clone();
    // A writer that keeps appending (valid) lines for four seconds.
    let writer = {
        let path = path.clone();
        std::thread::spawn(move || {
            use std::io::Write;
            let mut f = std::fs::OpenOptions::new()
                .append(true)
                .open(&path)
                .unwrap();
            for i in 0..80 {
                writeln!(f, "# line {i}").unwrap();
                f.flush().unwrap();
                std::thread::sleep(std::time::Duration::from_millis(50));
            }
        })
    };
    std::thread::sleep(std::time::Duration::from_millis(200));
    s.signal("HUP");
    let error = reload_error(&s);
    assert!(error.contains("kept changing"), "{error}");
    assert_eq!(health(&s)["policy"]["sha256"], first);
    writer.join().unwrap();
    // Once it is still, the next reload takes it.
    s.signal("HUP");
    wait_for(|| (health(&s)["reload_error"].is_null()).then_some(()));
    assert_ne!(health(&s)["policy"]["sha256"], first);
    let failed = s.get("/v1/audit?type=policy_reload_failed").json()["events"].clone();
    assert_eq!(failed[0]["reason"], "unstable", "{failed}");
}

#[test]
fn finding_1_a_loosening_reload_needs_the_flag_and_is_audited_as_one() {
    let s = start("loosening-allowed", RUNNING, &["--allow-loosening-reload"]);
    let path = s.dir.join("policy.mfa");
    std::fs::write(
        &path,
        RUNNING.replace("factors webauthn", "factors webauthn | totp"),
    )
    .unwrap();
    s.signal("HUP");
    let reloaded = wait_for(|| {
        let e = s.get("/v1/audit?type=policy_reloaded").json()["events"].clone();
        (e.as_array().is_some_and(|a| !a.is_empty())).then_some(e)
    });
    let detail = reloaded[0]["detail"].as_str().unwrap();
    assert!(detail.contains("loosens (allowed): factors"), "{detail}");
    assert!(health(&s)["reload_error"].is_null());
}
