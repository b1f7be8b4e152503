//! Assurance levels and step-up over HTTP, against the real `mfac serve`:
//! the `aal` of each decision, `"step_up": true` on `/v1/logins` (no
//! remember window; a challenge unless a verified factor of the level the
//! login needs is newer than the window's length), and the same rule on
//! `/v1/decide` with the last MFA's level given.

#![allow(
    clippy::unwrap_used,
    clippy::expect_used,
    clippy::panic,
    clippy::indexing_slicing
)]

mod common;
use common::server::{enrol_totp, now, start, Server};
use serde_json::json;

/// Cymmetri-shaped: a session is remembered for 8 hours on the same IP;
/// payments demand AAL3 (a passkey), the admin portal AAL2.
const POLICY: &str = r#"default { enforcement required factors totp | webauthn remember 8h same_ip }
app "Payments" { assurance aal3 }
app "Admin Portal" { assurance aal2 }
"#;

fn login(s: &Server, user: &str, app: Option<&str>, ip: &str, step_up: bool) -> serde_json::Value {
    let r = s.post(
        "/v1/logins",
        json!({"user": user, "app": app, "ip": ip, "step_up": step_up}),
    );
    assert_eq!(r.status, 200, "{}", r.body);
    r.json()
}

#[test]
fn a_step_up_asks_again_unless_a_factor_of_the_level_is_fresh() {
    let s = start("step-up", POLICY, &[]);
    let user = "ann@cymmetri.test";
    let (seed, _) = enrol_totp(&s, user);
    let l = login(&s, user, None, "10.0.0.7", false);
    assert_eq!(l["decision"]["decision"], "challenge");
    assert_eq!(l["decision"]["aal"], 2);
    let id = l["login_id"].as_str().unwrap();
    let r = s.post(
        &format!("/v1/logins/{id}/verify"),
        json!({"factor": "totp", "code": seed.code_at(now(30))}),
    );
    assert_eq!(r.status, 200, "{}", r.body);

    // Remembered on the same IP; a step-up from that session, from another
    // IP too, passes on the fresh TOTP (AAL2 is what it needs).
    assert_eq!(
        login(&s, user, None, "10.0.0.7", false)["decision"]["remembered"],
        true
    );
    assert_eq!(
        login(&s, user, None, "10.9.9.9", false)["decision"]["decision"],
        "challenge"
    );
    let d = &login(&s, user, Some("Admin Portal"), "10.9.9.9", true)["decision"];
    assert_eq!(
        (d["decision"].as_str(), d["aal"].as_u64()),
        (Some("allow"), Some(2)),
        "{d}"
    );
    assert_eq!(d["remembered"], true);
    // Payments needs AAL3: a passkey this user has not enrolled.
    let d = &login(&s, user, Some("Payments"), "10.0.0.7", true)["decision"];
    assert_eq!(
        (d["decision"].as_str(), d["aal"].as_u64()),
        (Some("enrol"), Some(3)),
        "{d}"
    );

    // Past the window's length a step-up is asked again.
    s.set_clock(8 * 3600 + 60);
    let d = &login(&s, user, Some("Admin Portal"), "10.0.0.7", true)["decision"];
    assert_eq!(d["decision"], "challenge", "{d}");
    // An audit line says it was a step-up.
    let events = s
        .get(&format!("/v1/audit?user={user}&type=decision&limit=1"))
        .json();
    assert!(
        events["events"][0]["detail"]
            .as_str()
            .unwrap()
            .contains("step-up"),
        "{events}"
    );
}

#[test]
fn decide_holds_the_last_mfa_s_level_to_what_the_login_needs() {
    let s = start("step-up-decide", POLICY, &[]);
    let decide = |app: &str, aal: u8, step_up: bool| {
        let r = s.post(
            "/v1/decide",
            json!({
                "user": "bob@cymmetri.test",
                "app": app,
                "ip": "10.0.0.7",
                "enrolled": ["totp", "webauthn"],
                "last_mfa": {"at": now(-600).to_string(), "ip": "10.0.0.7", "aal": aal},
                "step_up": step_up,
            }),
        );
        assert_eq!(r.status, 200, "{}", r.body);
        r.json()
    };
    // A passkey login (AAL3) ten minutes ago covers a payments step-up; a
    // TOTP one (AAL2) does not; without the step-up the window lets both.
    assert_eq!(decide("Payments", 3, true)["decision"], "allow");
    let d = decide("Payments", 2, true);
    assert_eq!(
        (d["decision"].as_str(), d["aal"].as_u64()),
        (Some("challenge"), Some(3)),
        "{d}"
    );
    assert_eq!(d["factors"], json!(["webauthn"]));
    assert_eq!(decide("Payments", 2, false)["decision"], "allow");
    // A level that does not exist is a 400, not a guess.
    let r = s.post(
        "/v1/decide",
        json!({"user": "bob", "last_mfa": {"at": now(-60).to_string(), "aal": 4}}),
    );
    assert_eq!(r.status, 400, "{}", r.body);
}
