//! Two `mfac serve` replicas on one PostgreSQL database, as an identity
//! team runs them behind a load balancer: a TOTP code accepted by one is
//! refused by the other, failures counted on both lock the user, a login
//! begun on one is answered on the other, and a reload on one leaves the
//! other serving its own policy.
//!
//! Needs `MFAC_TEST_POSTGRES_URL` (`.ci/run` sets it, and then a server
//! that cannot be reached fails the run); `ignored` without it (build.rs).

#![allow(
    clippy::unwrap_used,
    clippy::expect_used,
    clippy::panic,
    clippy::indexing_slicing
)]

mod common;
use common::server::{begin, enrol_totp, now, start, Server};
use serde_json::json;

const POLICY: &str = r#"precedence specific
default { enforcement required factors totp | webauthn }
group "Kiosk" { enforcement off }
"#;

fn verify(s: &Server, login: &serde_json::Value, code: &str) -> common::server::Response {
    let id = login["login_id"].as_str().unwrap();
    s.post(
        &format!("/v1/logins/{id}/verify"),
        json!({"factor": "totp", "code": code}),
    )
}

#[test]
#[cfg_attr(not(mfac_postgres), ignore = "set MFAC_TEST_POSTGRES_URL to run")]
fn two_replicas_on_one_postgres_share_codes_failures_and_logins_but_not_reloads() {
    let url = common::postgres_url();
    // A schema of this test's own, so it never meets another test's rows,
    // dropped at the end (and checked gone), or by the guard if it fails.
    let schema = common::Schema::new(&url, "replicas");
    let db = schema.db();
    let one = start("replica-1", POLICY, &["--db", &db]);
    let two = start("replica-2", POLICY, &["--db", &db]);
    let run = jiff::Timestamp::now().as_nanosecond();
    let user = format!("ann-{run}@acme.test");

    // Enrolled on one, the factor is there on the other.
    let (seed, _) = enrol_totp(&one, &user);
    let listed = two.get(&format!("/v1/users/{user}/factors")).json();
    assert_eq!(listed["factors"][0]["kind"], "totp", "{listed}");

    // One code, two replicas: accepted once in all.
    let code = seed.code_at(now(30));
    let (l1, l2) = (begin(&one, &user, &[]), begin(&two, &user, &[]));
    assert_eq!(verify(&one, &l1, &code).status, 200);
    let r = verify(&two, &l2, &code);
    assert_eq!(
        (r.status, r.json()["reason"].as_str()),
        (401, Some("replayed")),
        "{}",
        r.body
    );

    // Failures on both count together: the replay on two, then two wrong
    // codes on each, and the user is locked on both.
    let l1 = begin(&one, &user, &[]);
    let l2 = begin(&two, &user, &[]);
    let mut left = Vec::new();
    for s in [&one, &two, &one, &two] {
        let l = if std::ptr::eq(s, &one) { &l1 } else { &l2 };
        let r = verify(s, l, "000000");
        assert_eq!(r.status, 401, "{}", r.body);
        left.push(r.json()["attempts_left"].as_u64().unwrap());
    }
    assert_eq!(left, [3, 2, 1, 0]);
    for (s, l) in [(&one, &l1), (&two, &l2)] {
        let r = verify(s, l, &seed.code_at(now(60)));
        assert_eq!(r.status, 429, "{}", r.body);
    }

    // A login begun on one replica is answered on the other (the balancer
    // need not stick): a fresh user, so no lock-out is in the way.
    let bob = format!("bob-{run}@acme.test");
    let (bseed, _) = enrol_totp(&two, &bob);
    let l = begin(&one, &bob, &[]);
    assert_eq!(verify(&two, &l, &bseed.code_at(now(30))).status, 200);

    // A reload on one: the other keeps its policy; a login begun on the old
    // policy finishes on it.
    let old = one.raw("GET", "/healthz", None, None).json()["policy"]["sha256"].clone();
    let pending = begin(&one, &bob, &[]);
    std::fs::write(
        one.dir.join("policy.mfa"),
        POLICY.replace("enforcement off", "enforcement required"),
    )
    .unwrap();
    one.signal("HUP");
    let new = common::server::wait_for(|| {
        let sha = one.raw("GET", "/healthz", None, None).json()["policy"]["sha256"].clone();
        (sha != old).then_some(sha)
    });
    assert_ne!(new, old);
    assert_eq!(
        two.raw("GET", "/healthz", None, None).json()["policy"]["sha256"],
        old
    );
    let kiosk = |s: &Server| {
        s.post("/v1/decide", json!({"user": "k", "groups": ["Kiosk"]}))
            .json()["decision"]
            .clone()
    };
    assert_eq!((kiosk(&one), kiosk(&two)), (json!("enrol"), json!("allow")));
    // Bob's step at +30 s is spent; half a minute on, the next one verifies.
    one.set_clock(30);
    let r = verify(&one, &pending, &bseed.code_at(now(60)));
    assert_eq!(r.status, 200, "{}", r.body);
    let events = two
        .get(&format!("/v1/audit?user={bob}&type=verified"))
        .json()["events"]
        .clone();
    let last = events.as_array().unwrap().last().unwrap().clone();
    assert_eq!(last["login_id"], pending["login_id"]);
    assert_eq!(
        last["policy_sha256"], old,
        "the login finished on the policy it began on"
    );
    drop((one, two));
    schema.drop_and_check();
}
