//! `mfac serve` over HTTP: every route of the contract (docs/api.md) and its
//! status codes, driven against the real binary, with real TOTP codes and
//! a software passkey; reloads, exit codes, and no secret in the log.

#![allow(
    clippy::unwrap_used,
    clippy::expect_used,
    clippy::panic,
    clippy::indexing_slicing
)]

mod common;
use common::server::{begin, enrol_totp, now, start, wait_for, Server};
use common::{json, mfac};
use serde_json::json;

const POLICY: &str = r#"precedence specific
default { enforcement required factors totp | webauthn | sms }
group "Kiosk" { enforcement off }
user "root@acme.test" { recovery backup_code }
"#;

#[test]
fn tokens_guard_every_v1_route_and_bad_input_is_a_json_4xx() {
    let s = start("auth", POLICY, &[]);
    for (method, path) in [
        ("POST", "/v1/decide"),
        ("POST", "/v1/logins"),
        ("POST", "/v1/logins/x/verify"),
        ("GET", "/v1/users/ann/factors"),
        ("POST", "/v1/users/ann/factors/totp"),
        ("DELETE", "/v1/users/ann/factors/1"),
        ("GET", "/v1/audit"),
    ] {
        for auth in [
            None,
            Some("Bearer wrong-token-wrong-token-wrong-token"),
            Some("Basic abc"),
        ] {
            let r = s.raw(method, path, auth, Some(b"{}"));
            assert_eq!(r.status, 401, "{method} {path} {auth:?}");
            assert_eq!(r.json()["error"]["code"], "unauthorized");
            assert!(
                r.headers.contains("www-authenticate: Bearer"),
                "{}",
                r.headers
            );
        }
    }
    // No token for health and metrics.
    let h = s.raw("GET", "/healthz", None, None);
    assert_eq!(h.status, 200);
    let v = h.json();
    assert_eq!(v["status"], "ok");
    assert_eq!(v["reload_error"], serde_json::Value::Null);
    assert_eq!(v["policy"]["sha256"].as_str().unwrap().len(), 64);
    assert_eq!(s.raw("GET", "/metrics", None, None).status, 200);

    let bad = |body: &[u8], want: u16, what: &str| {
        let r = s.raw(
            "POST",
            "/v1/decide",
            Some(&format!("Bearer {}", s.token)),
            Some(body),
        );
        assert_eq!(r.status, want, "{what}: {}", r.body);
        let e = r.json();
        assert!(e["error"]["message"].as_str().unwrap().len() > 5, "{what}");
        e
    };
    bad(b"{\"user\":", 400, "malformed");
    bad(b"[1,2]", 400, "not an object");
    let e = bad(b"{\"user\":\"a\",\"bogus\":1}", 400, "unknown field");
    assert!(e["error"]["message"].as_str().unwrap().contains("bogus"));
    bad(b"{\"user\":\"\"}", 400, "empty user");
    bad(
        "{\"user\":\"a\\u0007b\"}".as_bytes(),
        400,
        "a control character",
    );
    bad(b"{\"user\":\"a\",\"ip\":\"300.1.1.1\"}", 400, "a bad ip");
    bad(b"{\"user\":\"a\",\"at\":\"noon\"}", 400, "a bad time");
    bad(
        b"{\"user\":\"a\",\"enrolled\":[\"fax\"]}",
        400,
        "an unknown factor",
    );
    bad(
        b"{\"user\":\"a\",\"groups\":\"Kiosk\"}",
        400,
        "groups not a list",
    );
    bad(&vec![b'a'; 100_000], 413, "too large");
    let r = s.call("GET", "/v1/decide", None);
    assert_eq!(r.status, 405);
    assert_eq!(r.json()["error"]["code"], "method_not_allowed");
    let r = s.call("GET", "/v2/nothing", None);
    assert_eq!(r.status, 404);
    assert_eq!(r.json()["error"]["code"], "not_found");
    assert!(!s.log().contains("panicked"), "{}", s.log());
    assert_eq!(s.stop(), 0, "a graceful shutdown exits 0");
}

#[test]
fn decide_answers_what_mfac_eval_prints_plus_a_decision_id() {
    let s = start("decide", POLICY, &[]);
    let policy = s.dir.join("policy.mfa").display().to_string();
    let at = "2026-12-15T09:00:00Z";
    let r = s.post(
        "/v1/decide",
        json!({"user": "ann@acme.test", "groups": ["Kiosk"], "at": at, "enrolled": ["totp"],
               "last_mfa": {"at": "2026-12-15T08:00:00Z", "ip": "10.0.0.1", "logins_since": 2}}),
    );
    assert_eq!(r.status, 200, "{}", r.body);
    let mut served = r.json();
    let id = served
        .as_object_mut()
        .unwrap()
        .remove("decision_id")
        .unwrap();
    assert_eq!(id.as_str().unwrap().len(), 32);
    let eval = mfac(&[
        "eval",
        &policy,
        "--user",
        "ann@acme.test",
        "--group",
        "Kiosk",
        "--at",
        at,
        "--enrolled",
        "totp",
        "--last-mfa",
        "2026-12-15T08:00:00Z",
        "--last-mfa-ip",
        "10.0.0.1",
        "--logins-since-mfa",
        "2",
        "--format",
        "json",
    ]);
    assert_eq!(eval.code, 0, "{}", eval.stderr);
    assert_eq!(served, json(&eval), "the same object as mfac eval");
    assert_eq!(served["decision"], "allow");
}

#[test]
fn a_totp_login_verifies_once_and_locks_after_five_failures() {
    let s = start("totp", POLICY, &[]);
    let user = "ann@acme.test";
    let (seed, confirming) = enrol_totp(&s, user);

    // The code that confirmed the enrolment cannot sign in.
    let l = begin(&s, user, &[]);
    assert_eq!(l["decision"]["decision"], "challenge");
    assert_eq!(l["challenge"]["factors"], json!(["totp"]));
    assert_eq!(l["challenge"]["webauthn"], serde_json::Value::Null);
    let id = l["login_id"].as_str().unwrap().to_string();
    let verify =
        |login: &str, body: serde_json::Value| s.post(&format!("/v1/logins/{login}/verify"), body);
    let r = verify(&id, json!({"factor": "totp", "code": confirming}));
    assert_eq!(r.status, 401, "{}", r.body);
    assert_eq!(r.json()["reason"], "replayed");
    // The wrong code enrol_totp confirmed with first counted too: confirming
    // is throttled like verifying.
    let r = verify(&id, json!({"factor": "totp", "code": "12345x"}));
    assert_eq!(r.json()["reason"], "wrong_code");
    assert_eq!(r.json()["attempts_left"], 2);
    // A factor the decision did not allow, and a bad shape.
    let r = verify(&id, json!({"factor": "backup_code", "code": "AAAAA-AAAAA"}));
    assert_eq!(
        (r.status, r.json()["reason"].as_str()),
        (401, Some("not_allowed"))
    );
    assert_eq!(verify(&id, json!({"factor": "totp"})).status, 400);
    assert_eq!(
        verify(&id, json!({"factor": "fax", "code": "1"})).status,
        400
    );
    // A denied prompt of a factor this challenge did not offer: refused,
    // not counted.
    let r = verify(&id, json!({"factor": "sms", "external": false}));
    assert_eq!(
        (
            r.status,
            r.json()["reason"].as_str(),
            r.json()["attempts_left"].as_u64()
        ),
        (401, Some("not_allowed"), Some(2))
    );

    // The next step's code verifies the login, once.
    let next = seed.code_at(now(30));
    let r = verify(&id, json!({"factor": "totp", "code": next}));
    assert_eq!(r.status, 200, "{}", r.body);
    let v = r.json();
    assert_eq!(
        (
            v["result"].as_str(),
            v["user"].as_str(),
            v["factor"].as_str(),
            v["login_id"].as_str()
        ),
        (
            Some("verified"),
            Some(user),
            Some("totp"),
            Some(id.as_str())
        )
    );
    assert_eq!(
        verify(&id, json!({"factor": "totp", "code": next})).status,
        409,
        "answered already"
    );
    // The same code on another login: replayed.
    let other = begin(&s, user, &[]);
    let oid = other["login_id"].as_str().unwrap();
    let r = verify(oid, json!({"factor": "totp", "code": next}));
    assert_eq!(r.json()["reason"], "replayed");

    // Unknown logins, and one that needed no verification.
    assert_eq!(
        verify("0123", json!({"factor": "totp", "code": "1"})).status,
        404
    );
    assert_eq!(
        verify(&"f".repeat(500), json!({"factor": "totp", "code": "1"})).status,
        404
    );
    let kiosk = begin(&s, user, &["Kiosk"]);
    assert_eq!(kiosk["decision"]["decision"], "allow");
    assert_eq!(kiosk["challenge"], serde_json::Value::Null);
    let r = verify(
        kiosk["login_id"].as_str().unwrap(),
        json!({"factor": "totp", "code": "1"}),
    );
    assert_eq!(r.status, 409, "{}", r.body);

    // A challenge expires after five minutes.
    let late = begin(&s, user, &[]);
    s.set_clock(301);
    let r = verify(
        late["login_id"].as_str().unwrap(),
        json!({"factor": "totp", "code": seed.code_at(now(301))}),
    );
    assert_eq!(
        (r.status, r.json()["reason"].as_str()),
        (401, Some("expired"))
    );
    // It tried no secret, so it counts nothing: one failure (the replay) so far.
    assert_eq!(r.json()["attempts_left"], 4);

    // Failures lock: this login's wrong codes reach five, then 429.
    let l = begin(&s, user, &[]);
    let lid = l["login_id"].as_str().unwrap();
    let mut left = Vec::new();
    for _ in 0..4 {
        let r = verify(lid, json!({"factor": "totp", "code": "000000"}));
        assert_eq!(r.status, 401);
        left.push(r.json()["attempts_left"].as_u64().unwrap());
    }
    assert_eq!(left, [3, 2, 1, 0], "five failures in all");
    let r = verify(
        lid,
        json!({"factor": "totp", "code": seed.code_at(now(301))}),
    );
    assert_eq!(r.status, 429, "{}", r.body);
    let v = r.json();
    assert_eq!(v["result"], "locked");
    assert!(v["retry_after_s"].as_u64().unwrap() > 0);

    // The audit repeats the login's ids and the policy's sha256.
    let sha = s.raw("GET", "/healthz", None, None).json()["policy"]["sha256"].clone();
    let events = s.get(&format!("/v1/audit?user={user}&limit=1000")).json()["events"].clone();
    let verified: Vec<_> = events
        .as_array()
        .unwrap()
        .iter()
        .filter(|e| e["type"] == "verified")
        .collect();
    assert_eq!(verified.len(), 1);
    assert_eq!(verified[0]["login_id"], json!(id));
    assert_eq!(verified[0]["decision_id"], l_decision(&events, &id));
    assert_eq!(verified[0]["policy_sha256"], sha);
    assert!(events
        .as_array()
        .unwrap()
        .iter()
        .any(|e| e["type"] == "locked_out"));
    let r = s.get("/v1/audit?type=verify_failed&limit=2");
    assert_eq!(r.json()["events"].as_array().unwrap().len(), 2);
    assert_eq!(s.get("/v1/audit?limit=0").status, 400);
    assert_eq!(s.get("/v1/audit?since=yesterday").status, 400);
    assert_eq!(s.get("/v1/audit?bogus=1").status, 400);

    let metrics = s.raw("GET", "/metrics", None, None).body;
    for line in [
        "mfac_verifications_total{factor=\"totp\",result=\"verified\"} 1",
        "mfac_decisions_total{outcome=\"challenge\"}",
        "mfac_lockouts_total 1",
    ] {
        assert!(metrics.contains(line), "{line} in\n{metrics}");
    }

    // No secret in the log: not the seed, not a code, not the token.
    let log = s.log();
    let secret = seed_of_uri_secret(&s, user);
    for leaked in [
        confirming.as_str(),
        next.as_str(),
        common::server::TOKEN,
        secret.as_str(),
    ] {
        assert!(!log.contains(leaked), "{leaked} in the log:\n{log}");
    }
}

/// The decision id of login `id`'s decision event.
fn l_decision(events: &serde_json::Value, id: &str) -> serde_json::Value {
    events
        .as_array()
        .unwrap()
        .iter()
        .find(|e| e["type"] == "decision" && e["login_id"] == json!(id))
        .map(|e| e["decision_id"].clone())
        .unwrap()
}

/// A new enrolment's secret, to look for in the log (and in the listing).
fn seed_of_uri_secret(s: &Server, user: &str) -> String {
    let v = s
        .post(&format!("/v1/users/{user}/factors/totp"), json!({}))
        .json();
    let uri = v["otpauth_uri"].as_str().unwrap().to_string();
    let secret = uri
        .split("secret=")
        .nth(1)
        .unwrap()
        .split('&')
        .next()
        .unwrap()
        .to_string();
    let listing = s.get(&format!("/v1/users/{user}/factors")).body;
    assert!(!listing.contains(&secret), "the listing shows no secret");
    secret
}

#[test]
fn factors_are_listed_reset_and_backup_codes_shown_once() {
    let s = start("factors", POLICY, &[]);
    let user = "root@acme.test";
    enrol_totp(&s, user);
    let r = s.post(&format!("/v1/users/{user}/factors/backup_code"), json!({}));
    assert_eq!(r.status, 201, "{}", r.body);
    let codes: Vec<String> = serde_json::from_value(r.json()["codes"].clone()).unwrap();
    assert_eq!(codes.len(), 10);
    let listed = s.get(&format!("/v1/users/{user}/factors"));
    assert_eq!(listed.status, 200);
    let body = listed.body.clone();
    for c in &codes {
        assert!(!body.contains(c.as_str()), "codes are shown once");
    }
    let factors = listed.json()["factors"].clone();
    assert_eq!(factors[0]["kind"], "totp");
    assert_eq!(factors[0]["label"], "phone");
    assert_eq!(factors[1]["kind"], "backup_code");
    assert_eq!(factors[1]["remaining"], 10);
    for key in [
        "factor_id",
        "kind",
        "status",
        "label",
        "created_at",
        "last_used_at",
    ] {
        assert!(factors[0].get(key).is_some(), "{key}");
    }

    // Root's recovery: a backup code answers, once.
    let l = begin(&s, user, &[]);
    assert!(l["challenge"]["factors"]
        .as_array()
        .unwrap()
        .contains(&json!("backup_code")));
    let id = l["login_id"].as_str().unwrap();
    let r = s.post(
        &format!("/v1/logins/{id}/verify"),
        json!({"factor": "backup_code", "code": codes[0]}),
    );
    assert_eq!(r.status, 200, "{}", r.body);
    let l = begin(&s, user, &[]);
    let id = l["login_id"].as_str().unwrap();
    let r = s.post(
        &format!("/v1/logins/{id}/verify"),
        json!({"factor": "backup_code", "code": codes[0]}),
    );
    assert_eq!(r.status, 401);
    // An external factor the decision allows, for a user the caller's
    // provider can reach by it.
    let l = s
        .post("/v1/logins", json!({"user": user, "external": ["sms"]}))
        .json();
    let id = l["login_id"].as_str().unwrap();
    let r = s.post(
        &format!("/v1/logins/{id}/verify"),
        json!({"factor": "sms", "external": true}),
    );
    assert_eq!(r.status, 200, "{}", r.body);

    // Resets: a factor, the backup codes; then nothing left to delete.
    let totp = factors[0]["factor_id"].as_str().unwrap();
    for path in [
        format!("/v1/users/{user}/factors/{totp}"),
        format!("/v1/users/{user}/factors/backup_code"),
    ] {
        assert_eq!(s.call("DELETE", &path, None).status, 204);
        assert_eq!(s.call("DELETE", &path, None).status, 404);
    }
    assert_eq!(
        s.call("DELETE", &format!("/v1/users/{user}/factors/zzz"), None)
            .status,
        404
    );
    assert_eq!(
        s.get(&format!("/v1/users/{user}/factors")).json()["factors"],
        json!([])
    );
    // Confirming what is not pending, or with the wrong shape.
    assert_eq!(
        s.post(
            &format!("/v1/users/{user}/factors/99/confirm"),
            json!({"code": "1"})
        )
        .status,
        404
    );
    let p = s
        .post(&format!("/v1/users/{user}/factors/totp"), json!({}))
        .json();
    let pid = p["factor_id"].as_str().unwrap();
    assert_eq!(
        s.post(
            &format!("/v1/users/{user}/factors/{pid}/confirm"),
            json!({})
        )
        .status,
        400
    );
    assert_eq!(
        s.post(
            &format!("/v1/users/{user}/factors/totp"),
            json!({"label": 5})
        )
        .status,
        400
    );
}

#[test]
fn a_passkey_registers_and_answers_a_login_over_http() {
    use webauthn_authenticator_rs::softpasskey::SoftPasskey;
    use webauthn_authenticator_rs::WebauthnAuthenticator;
    let s = start("passkey", POLICY, &[]);
    let origin = url::Url::parse(&format!("http://localhost:{}", s.port)).unwrap();
    let user = "pia@acme.test";
    let mut key = SoftPasskey::new(true);
    let r = s.post(
        &format!("/v1/users/{user}/factors/webauthn"),
        json!({"label": "laptop"}),
    );
    assert_eq!(r.status, 201, "{}", r.body);
    let v = r.json();
    assert_eq!(v["status"], "pending");
    let options = serde_json::from_value(v["options"].clone()).unwrap();
    let credential = key.do_registration(origin.clone(), options).unwrap();
    let id = v["factor_id"].as_str().unwrap();
    let r = s.post(
        &format!("/v1/users/{user}/factors/{id}/confirm"),
        json!({"credential": credential}),
    );
    assert_eq!(
        r.status,
        200,
        "{} {}",
        r.body,
        s.get(&format!("/v1/audit?user={user}")).body
    );
    assert_eq!(r.json()["kind"], "webauthn");
    // The same registration again: its ceremony is used.
    let r = s.post(
        &format!("/v1/users/{user}/factors/{id}/confirm"),
        json!({"credential": credential}),
    );
    assert_eq!(r.status, 404, "no longer pending: {}", r.body);

    let l = begin(&s, user, &[]);
    let request =
        serde_json::from_value(l["challenge"]["webauthn"].clone()).expect("request options");
    let assertion = key.do_authentication(origin.clone(), request).unwrap();
    let lid = l["login_id"].as_str().unwrap();
    let r = s.post(
        &format!("/v1/logins/{lid}/verify"),
        json!({"factor": "webauthn", "credential": assertion}),
    );
    assert_eq!(
        r.status,
        200,
        "{} {}",
        r.body,
        s.get(&format!("/v1/audit?user={user}")).body
    );
    assert_eq!(r.json()["factor"], "webauthn");
    // A replayed assertion on a new login: its challenge is another.
    let l2 = begin(&s, user, &[]);
    let lid2 = l2["login_id"].as_str().unwrap();
    let r = s.post(
        &format!("/v1/logins/{lid2}/verify"),
        json!({"factor": "webauthn", "credential": assertion}),
    );
    assert_eq!(r.status, 401, "{}", r.body);
    // A credential that is not JSON of the right shape.
    let r = s.post(
        &format!("/v1/logins/{lid2}/verify"),
        json!({"factor": "webauthn", "credential": {"id": 1}}),
    );
    assert_eq!(r.status, 400, "{}", r.body);
}

#[test]
fn a_reload_never_swaps_in_a_bad_policy() {
    let s = start("reload", POLICY, &["--watch"]);
    let path = s.dir.join("policy.mfa");
    let health = || s.raw("GET", "/healthz", None, None).json();
    let first = health()["policy"]["sha256"].clone();
    let kiosk = || {
        s.post("/v1/decide", json!({"user": "a", "groups": ["Kiosk"]}))
            .json()["decision"]
            .clone()
    };
    assert_eq!(kiosk(), "allow");

    // A broken policy: refused, reported, the old one keeps serving.
    std::fs::write(&path, "default { enforcement sometimes }\n").unwrap();
    s.signal("HUP");
    let error = wait_for(|| {
        let h = health();
        h["reload_error"].as_str().map(str::to_string)
    });
    assert!(error.contains("error["), "{error}");
    assert_eq!(health()["policy"]["sha256"], first);
    assert_eq!(kiosk(), "allow");

    // A good one, picked up by --watch (no signal): swapped, error cleared.
    std::fs::write(
        &path,
        POLICY.replace(
            "group \"Kiosk\" { enforcement off }",
            "group \"Kiosk\" { enforcement required }",
        ),
    )
    .unwrap();
    let second = wait_for(|| {
        let h = health();
        (h["policy"]["sha256"] != first && h["reload_error"].is_null())
            .then(|| h["policy"]["sha256"].clone())
    });
    assert_eq!(kiosk(), "enrol", "the new policy decides");
    let events = s.get("/v1/audit?type=policy_reloaded").json()["events"].clone();
    assert_eq!(events[0]["policy_sha256"], second);
    let failed = s.get("/v1/audit?type=policy_reload_failed").json()["events"].clone();
    assert_eq!(failed.as_array().unwrap().len(), 1);
    let metrics = s.raw("GET", "/metrics", None, None).body;
    assert!(
        metrics.contains("mfac_reloads_total{result=\"error\"} 1"),
        "{metrics}"
    );
    assert!(
        metrics.contains("mfac_reloads_total{result=\"ok\"} 1"),
        "{metrics}"
    );
}

#[test]
fn bad_policies_flags_keys_and_stores_are_exit_codes() {
    let dir = common::temp_dir("serve-exit");
    let bad = common::write_temp(
        "serve-exit",
        "bad.mfa",
        "default { enforcement sometimes }\n",
    );
    let good = common::write_temp("serve-exit", "good.mfa", POLICY);
    let tokens = common::write_temp(
        "serve-exit",
        "tokens",
        format!("{}\n", common::server::TOKEN),
    );
    let key = dir.join("key").display().to_string();
    common::server::write_key(std::path::Path::new(&key), &"ab".repeat(32));
    let short_key = dir.join("short").display().to_string();
    common::server::write_key(std::path::Path::new(&short_key), "abcd");
    let db = format!("sqlite://{}", dir.join("x.db").display());
    let run = |args: &[&str]| {
        let mut a = vec!["serve", "--listen", "127.0.0.1:0"];
        a.extend_from_slice(args);
        mfac(&a)
    };
    let r = run(&[
        &bad,
        "--token-file",
        &tokens,
        "--key-file",
        &key,
        "--db",
        &db,
    ]);
    assert_eq!(r.code, 1, "{}", r.stderr);
    assert!(r.stderr.contains("error["), "{}", r.stderr);
    let r = run(&[&good, "--key-file", &key, "--db", &db]);
    assert_eq!(r.code, 2, "{}", r.stderr);
    assert!(r.stderr.contains("--token-file"));
    let r = run(&[&good, "--token-file", &tokens, "--db", &db]);
    assert_eq!(r.code, 2);
    let r = run(&[
        &good,
        "--token-file",
        &tokens,
        "--key-file",
        &short_key,
        "--db",
        &db,
    ]);
    assert_eq!(r.code, 2);
    assert!(
        r.stderr.contains("64 hex digits") && !r.stderr.contains("abcd"),
        "{}",
        r.stderr
    );
    let r = run(&[
        &good,
        "--token-file",
        &key,
        "--key-file",
        &key,
        "--db",
        "sqlite:///nonexistent/dir/x.db",
    ]);
    assert_eq!(r.code, 2, "{}", r.stderr);
    let r = run(&[
        &good,
        "--token-file",
        &short_key,
        "--key-file",
        &key,
        "--db",
        &db,
    ]);
    assert_eq!(r.code, 2, "a short token: {}", r.stderr);
    let r = run(&[
        &good,
        "--token-file",
        &tokens,
        "--key-file",
        &key,
        "--db",
        "postgres://nobody@127.0.0.1:1/none",
    ]);
    assert_eq!(r.code, 2, "{}", r.stderr);
    let r = run(&[
        &good,
        "--token-file",
        &tokens,
        "--key-file",
        &key,
        "--db",
        &db,
        "--origin",
        "not a url",
    ]);
    assert_eq!(r.code, 2, "{}", r.stderr);
}
