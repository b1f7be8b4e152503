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

/// A policy where root recovers with backup codes.
const RECOVERY: &str = r#"precedence specific
default { enforcement required factors totp | webauthn | sms }
user "root@acme.test" { recovery backup_code }
"#;

fn argon2_hashes(s: &Server) -> u64 {
    let m = s.raw("GET", "/metrics", None, None).body;
    m.lines()
        .find_map(|l| l.strip_prefix("mfac_argon2_hashes_total "))
        .unwrap_or_else(|| panic!("no mfac_argon2_hashes_total in {m}"))
        .parse()
        .unwrap()
}

/// A well-formed backup code that is not one of `codes` and whose lookup
/// key is (`share`) or is not one of theirs.
fn guess(user: &str, codes: &[String], share: bool) -> String {
    use mfac_login::backup::lookup;
    let keys: Vec<_> = codes.iter().map(|c| lookup(user, c)).collect();
    common::server::backup_code_guesses(0)
        .find(|g| !codes.contains(g) && keys.contains(&lookup(user, g)) == share)
        .unwrap()
}

fn verify(s: &Server, login: &str, body: serde_json::Value) -> common::server::Response {
    s.post(&format!("/v1/logins/{login}/verify"), body)
}

#[test]
fn finding_2_a_backup_code_guess_costs_at_most_one_hash_and_none_when_locked() {
    let s = start("backup-flood", RECOVERY, &[]);
    let user = "root@acme.test";
    let r = s.post(&format!("/v1/users/{user}/factors/backup_code"), json!({}));
    assert_eq!(r.status, 201, "{}", r.body);
    let codes: Vec<String> = serde_json::from_value(r.json()["codes"].clone()).unwrap();
    assert_eq!(argon2_hashes(&s), 10, "issuing hashes each code once");
    let l = common::server::begin(&s, user, &[]);
    let login = l["login_id"].as_str().unwrap().to_string();
    let answer = |code: &str| verify(&s, &login, json!({"factor": "backup_code", "code": code}));

    // Wrong guesses whose lookup key no code has: no hash at all.
    for _ in 0..2 {
        assert_eq!(answer(&guess(user, &codes, false)).status, 401);
    }
    assert_eq!(argon2_hashes(&s), 10);
    // A malformed one: none either.
    assert_eq!(answer("not-a-code").status, 401);
    assert_eq!(argon2_hashes(&s), 10);
    // One that shares a code's lookup key: one hash (or two, if two share).
    assert_eq!(answer(&guess(user, &codes, true)).status, 401);
    let after = argon2_hashes(&s);
    assert!((11..=12).contains(&after), "{after}");
    // The fifth failure locks; then no guess is hashed, right or wrong.
    let r = answer(&guess(user, &codes, true));
    assert_eq!(r.status, 401, "{}", r.body);
    let locked = argon2_hashes(&s);
    for code in [guess(user, &codes, true), codes[0].clone()] {
        let r = answer(&code);
        assert_eq!(r.status, 429, "{}", r.body);
    }
    assert_eq!(
        argon2_hashes(&s),
        locked,
        "a locked user's guesses cost no hash"
    );
}

/// A TOTP login for `user` in Staff, answered with `code`.
fn answer_totp(s: &Server, user: &str, code: &str) -> common::server::Response {
    let l = common::server::begin(s, user, &["Staff"]);
    let login = l["login_id"].as_str().unwrap();
    verify(s, login, json!({"factor": "totp", "code": code}))
}

#[test]
fn finding_3_a_user_past_the_hard_limit_is_unlocked_by_an_administrator_and_audited() {
    // Each answer here begins a login of its own: more than five open.
    let s = start(
        "unlock",
        RUNNING,
        &[
            "--max-failures",
            "3",
            "--hard-limit",
            "3",
            "--max-open-logins",
            "50",
        ],
    );
    let user = "ann@acme.test";
    let (seed, _) = common::server::enrol_totp(&s, user);
    for _ in 0..3 {
        answer_totp(&s, user, "000000");
    }
    // Past the hard limit: locked with no end, whatever the code.
    let r = answer_totp(&s, user, &seed.code_at(common::server::now(30)));
    assert_eq!(r.status, 429, "{}", r.body);
    assert!(r.json()["retry_after_s"].is_null(), "{}", r.body);

    // The route wants a reason, and takes nothing else.
    let path = format!("/v1/users/{user}/unlock");
    assert_eq!(s.post(&path, json!({})).status, 400);
    assert_eq!(s.post(&path, json!({"reason": ""})).status, 400);
    assert_eq!(
        s.post(&path, json!({"reason": "x", "force": true})).status,
        400
    );
    let r = s.post(
        &path,
        json!({"reason": "INC-4711: identity checked by phone"}),
    );
    assert_eq!(r.status, 200, "{}", r.body);
    let v = r.json();
    assert_eq!(
        (
            v["was_locked"].as_bool(),
            v["hard_limit"].as_bool(),
            v["failures_cleared"].as_u64()
        ),
        (Some(true), Some(true), Some(3)),
        "{v}"
    );
    let r = answer_totp(&s, user, &seed.code_at(common::server::now(30)));
    assert_eq!(r.status, 200, "{}", r.body);
    let events = s
        .get(&format!("/v1/audit?user={user}&type=unlocked"))
        .json()["events"]
        .clone();
    assert_eq!(events.as_array().unwrap().len(), 1, "{events}");
    assert!(events[0]["detail"].as_str().unwrap().contains("INC-4711"));

    // Locked again, and unlocked by the command on the same store while the
    // service runs.
    for _ in 0..3 {
        answer_totp(&s, user, "000000");
    }
    assert_eq!(answer_totp(&s, user, "000000").status, 429);
    let db = s.dir.join("mfac.db").display().to_string();
    let run = common::mfac(&["unlock", user, "--db", &db, "--reason", "INC-4712"]);
    assert_eq!(run.code, 0, "{}", run.stderr);
    assert!(run.stdout.contains("cleared 3 failures"), "{}", run.stdout);
    s.set_clock(60);
    let r = answer_totp(&s, user, &seed.code_at(common::server::now(60)));
    assert_eq!(r.status, 200, "{}", r.body);
    let missing = s.dir.join("typo.db").display().to_string();
    let run = common::mfac(&["unlock", user, "--db", &missing, "--reason", "x"]);
    assert_eq!(run.code, 2, "{}", run.stderr);
    assert!(
        !s.dir.join("typo.db").exists(),
        "unlock never creates a store"
    );
    let run = common::mfac(&["unlock", user, "--db", &db]);
    assert_eq!(run.code, 2, "a reason is needed: {}", run.stderr);
}

#[test]
fn finding_5_the_audit_is_paged_in_sql_with_a_cursor_and_since_compares_instants() {
    let s = start("audit-pages", RUNNING, &[]);
    for i in 0..7 {
        let r = s.post(&format!("/v1/users/u{i}/factors/totp"), json!({}));
        assert_eq!(r.status, 201);
    }
    let page = |q: &str| {
        let r = s.get(&format!("/v1/audit?type=totp_enrolment_started&{q}"));
        assert_eq!(r.status, 200, "{}", r.body);
        r.json()
    };
    let users = |v: &serde_json::Value| -> Vec<String> {
        v["events"]
            .as_array()
            .unwrap()
            .iter()
            .map(|e| e["user"].as_str().unwrap().to_string())
            .collect()
    };
    let first = page("limit=3");
    assert_eq!(
        users(&first),
        ["u4", "u5", "u6"],
        "the newest, oldest first"
    );
    let before = first["next_before"].as_i64().unwrap();
    let second = page(&format!("limit=3&before={before}"));
    assert_eq!(users(&second), ["u1", "u2", "u3"]);
    let last = page(&format!(
        "limit=3&before={}",
        second["next_before"].as_i64().unwrap()
    ));
    assert_eq!(users(&last), ["u0"]);
    assert!(last["next_before"].is_null(), "{last}");
    // `since` is an instant: a fraction of a second later is later.
    let at = first["events"][1]["at"].as_str().unwrap().to_string();
    let t: jiff::Timestamp = at.parse().unwrap();
    let later = (t + jiff::SignedDuration::from_nanos(1)).to_string();
    assert_eq!(users(&page(&format!("since={at}"))), ["u5", "u6"]);
    assert_eq!(users(&page(&format!("since={later}"))), ["u6"]);
    let r = s.get("/v1/audit?type=bogus");
    assert_eq!(r.status, 400, "{}", r.body);
    assert!(r.json()["error"]["message"]
        .as_str()
        .unwrap()
        .contains("totp_enrolled"));
}

#[test]
fn finding_10_reading_the_audit_never_creates_or_migrates_a_store() {
    let dir = common::temp_dir("audit-readonly");
    let path = dir.join("nonexistent.db");
    let db = path.display().to_string();
    let run = common::mfac(&["audit", "--db", &db]);
    assert_eq!(run.code, 2, "{}", run.stdout);
    assert!(run.stderr.contains("no store"), "{}", run.stderr);
    assert!(!path.exists(), "audit created {db}");
    // A file that is not a store is refused, and left as it was.
    let other = dir.join("other.db");
    std::fs::write(&other, b"").unwrap();
    let run = common::mfac(&["audit", "--db", &other.display().to_string()]);
    assert_eq!(run.code, 2, "{}", run.stdout);
    assert!(run.stderr.contains("not an mfac store"), "{}", run.stderr);
    assert_eq!(std::fs::metadata(&other).unwrap().len(), 0);
    // An unknown kind is an error that lists the kinds.
    let run = common::mfac(&["audit", "--db", &db, "--type", "bogus"]);
    assert_eq!(run.code, 2, "{}", run.stdout);
    assert!(run.stderr.contains("verify_failed"), "{}", run.stderr);
}

#[test]
#[cfg_attr(not(mfac_postgres), ignore = "set MFAC_TEST_POSTGRES_URL to run")]
fn finding_10_reading_the_audit_never_creates_a_postgres_schema() {
    let url = common::postgres_url();
    let schema = common::Schema::new(&url, "absent");
    let run = common::mfac(&["audit", "--db", &schema.db()]);
    assert_eq!(run.code, 2, "{}", run.stdout);
    let made = common::psql(
        &url,
        &format!(
            "SELECT count(*) FROM information_schema.schemata WHERE schema_name = '{}'",
            schema.name
        ),
    );
    assert_eq!(made, "0", "the schema was created");
}

/// Staff on TOTP or an app push (through the caller's provider) or sms.
const PUSH: &str = r#"precedence specific
default { enforcement required factors totp | push | sms }
user "root@acme.test" { recovery backup_code }
"#;

fn begin_with(s: &Server, user: &str, external: &[&str]) -> common::server::Response {
    s.post("/v1/logins", json!({"user": user, "external": external}))
}

fn login_id(r: &common::server::Response) -> String {
    assert_eq!(r.status, 200, "{}", r.body);
    r.json()["login_id"].as_str().unwrap().to_string()
}

#[test]
fn finding_4_denied_prompts_count_open_logins_are_capped_and_external_claims_are_checked() {
    let s = start("push-fatigue", PUSH, &["--max-external-prompts", "6"]);
    let user = "pat@acme.test";
    // A claim for a factor the challenge did not offer: the provider never
    // said it could reach pat by sms.
    let r = begin_with(&s, user, &["push"]);
    assert_eq!(
        r.json()["challenge"]["factors"],
        json!(["push"]),
        "{}",
        r.body
    );
    let login = login_id(&r);
    let r = verify(&s, &login, json!({"factor": "sms", "external": true}));
    assert_eq!(
        (r.status, r.json()["reason"].clone()),
        (401, json!("not_allowed")),
        "{}",
        r.body
    );
    assert_eq!(
        r.json()["attempts_left"],
        5,
        "not counted: it tried no secret"
    );
    // Denied prompts are reported, and counted.
    for left in (0..5).rev() {
        let r = verify(&s, &login, json!({"factor": "push", "external": false}));
        assert_eq!(r.status, 401, "{}", r.body);
        assert_eq!(r.json()["reason"], "denied");
        assert_eq!(r.json()["attempts_left"], left);
    }
    // Locked: an approval now is refused, and resets nothing.
    let r = verify(&s, &login, json!({"factor": "push", "external": true}));
    assert_eq!(r.status, 429, "{}", r.body);
    let events = s
        .get(&format!("/v1/audit?user={user}&type=verify_failed"))
        .json()["events"]
        .clone();
    assert_eq!(events.as_array().unwrap().len(), 5, "{events}");
    assert!(s
        .get(&format!("/v1/audit?user={user}&type=verified_external"))
        .json()["events"]
        .as_array()
        .unwrap()
        .is_empty());

    // At most five challenges open per user; the sixth is 429.
    let other = "quinn@acme.test";
    for _ in 0..5 {
        login_id(&begin_with(&s, other, &["push"]));
    }
    let r = begin_with(&s, other, &["push"]);
    assert_eq!(r.status, 429, "{}", r.body);
    assert_eq!(r.json()["error"]["code"], "too_many_logins");
    // Once they expire, logins open again.
    s.set_clock(301);
    let login = login_id(&begin_with(&s, other, &["push"]));
    // At most six external answers in ten minutes, approved or not.
    let r = verify(&s, &login, json!({"factor": "push", "external": true}));
    assert_eq!(r.status, 200, "{}", r.body);
    for _ in 0..5 {
        let login = login_id(&begin_with(&s, other, &["push"]));
        let r = verify(&s, &login, json!({"factor": "push", "external": true}));
        assert_eq!(r.status, 200, "{}", r.body);
    }
    let login = login_id(&begin_with(&s, other, &["push"]));
    let r = verify(&s, &login, json!({"factor": "push", "external": true}));
    assert_eq!(r.status, 429, "{}", r.body);
    assert!(
        r.json()["retry_after_s"].as_i64().unwrap() > 0,
        "{}",
        r.body
    );
    // `external` names only what a provider delivers.
    assert_eq!(begin_with(&s, other, &["totp"]).status, 400);
}

#[test]
fn finding_6_duplicates_after_success_are_409_and_only_tried_secrets_count() {
    let s = start("duplicates", RUNNING, &[]);
    let user = "ann@acme.test";
    let (seed, _) = common::server::enrol_totp(&s, user);
    let l = common::server::begin(&s, user, &["Staff"]);
    let login = l["login_id"].as_str().unwrap().to_string();
    let body = json!({"factor": "totp", "code": seed.code_at(common::server::now(30))});
    // Twelve identical answers at once: one verifies, the rest are told so.
    let statuses: Vec<u16> = std::thread::scope(|scope| {
        let tasks: Vec<_> = (0..12)
            .map(|_| scope.spawn(|| verify(&s, &login, body.clone()).status))
            .collect();
        tasks.into_iter().map(|t| t.join().unwrap()).collect()
    });
    assert_eq!(
        statuses.iter().filter(|&&c| c == 200).count(),
        1,
        "{statuses:?}"
    );
    assert_eq!(
        statuses.iter().filter(|&&c| c == 409).count(),
        11,
        "{statuses:?}"
    );
    let r = verify(&s, &login, body.clone());
    assert_eq!(r.status, 409, "{}", r.body);
    assert_eq!(r.json()["error"]["code"], "already_verified");
    // Nothing was counted against the user who signed in.
    let l = common::server::begin(&s, user, &["Staff"]);
    let login = l["login_id"].as_str().unwrap();
    let r = verify(&s, login, json!({"factor": "totp", "code": "000000"}));
    assert_eq!(r.json()["attempts_left"], 4, "{}", r.body);

    // A factor the user does not have and one the policy forbids are
    // alike: not_allowed, not counted (the 4 left: enrol_totp's wrong
    // confirming code counted one).
    let bob = "bob@acme.test";
    s.post(&format!("/v1/users/{bob}/factors/backup_code"), json!({}));
    let l = common::server::begin(&s, bob, &["Staff"]);
    assert_eq!(l["decision"]["decision"], "enrol", "{l}");
    let carl = "carl@acme.test";
    common::server::enrol_totp(&s, carl);
    let l = common::server::begin(&s, carl, &["Staff"]);
    let login = l["login_id"].as_str().unwrap();
    for body in [
        json!({"factor": "backup_code", "code": "AAAAA-AAAAA"}),
        json!({"factor": "webauthn", "credential": {"id": "AAAA", "rawId": "AAAA", "type": "public-key", "response": {"clientDataJSON": "AAAA", "authenticatorData": "AAAA", "signature": "AAAA"}, "extensions": {}}}),
        json!({"factor": "sms", "external": true}),
    ] {
        let r = verify(&s, login, body.clone());
        assert_eq!(r.status, 401, "{body}: {}", r.body);
        assert_eq!(
            (
                r.json()["reason"].clone(),
                r.json()["attempts_left"].clone()
            ),
            (json!("not_allowed"), json!(4)),
            "{body}"
        );
    }
}

#[test]
fn finding_12_the_fifth_failure_locks_retry_after_rounds_up_and_a_reused_backup_code_is_a_replay() {
    let s = start("docs-agree", RECOVERY, &["--lockout", "60"]);
    let user = "root@acme.test";
    let r = s.post(&format!("/v1/users/{user}/factors/backup_code"), json!({}));
    let codes: Vec<String> = serde_json::from_value(r.json()["codes"].clone()).unwrap();
    let l = common::server::begin(&s, user, &[]);
    let login = l["login_id"].as_str().unwrap().to_string();
    let r = verify(
        &s,
        &login,
        json!({"factor": "backup_code", "code": codes[0]}),
    );
    assert_eq!(r.status, 200, "{}", r.body);
    let l = common::server::begin(&s, user, &[]);
    let login = l["login_id"].as_str().unwrap().to_string();
    let r = verify(
        &s,
        &login,
        json!({"factor": "backup_code", "code": codes[0]}),
    );
    assert_eq!(
        (r.status, r.json()["reason"].clone()),
        (401, json!("replayed")),
        "{}",
        r.body
    );
    for left in (0..4).rev() {
        let r = verify(
            &s,
            &login,
            json!({"factor": "backup_code", "code": "AAAAA-AAAAA"}),
        );
        assert_eq!(r.status, 401, "{}", r.body);
        assert_eq!(
            r.json()["attempts_left"],
            left,
            "the fifth failure says 0 left"
        );
    }
    let r = verify(
        &s,
        &login,
        json!({"factor": "backup_code", "code": codes[1]}),
    );
    assert_eq!(r.status, 429, "{}", r.body);
    let wait = r.json()["retry_after_s"].as_i64().unwrap();
    assert!((59..=60).contains(&wait), "{wait}");
    // A client that waits exactly that long is heard.
    s.set_clock(wait);
    let l = common::server::begin(&s, user, &[]);
    let login = l["login_id"].as_str().unwrap().to_string();
    let r = verify(
        &s,
        &login,
        json!({"factor": "backup_code", "code": codes[1]}),
    );
    assert_eq!(r.status, 200, "{}", r.body);
}

#[test]
fn finding_9_the_store_is_private_a_readable_key_is_refused_and_a_wrong_key_is_found_at_start() {
    use std::os::unix::fs::PermissionsExt;
    let s = start("keys", RUNNING, &[]);
    let user = "ann@acme.test";
    common::server::enrol_totp(&s, user);
    let db = s.dir.join("mfac.db");
    let mode = std::fs::metadata(&db).unwrap().permissions().mode() & 0o777;
    assert_eq!(mode, 0o600, "the store is its owner's only");
    assert_eq!(s.stop(), 0);
    let dir = common::temp_dir("serve-keys");
    let policy = dir.join("policy.mfa");
    std::fs::write(&policy, RUNNING).unwrap();
    let run = |key: &std::path::Path| {
        common::mfac(&[
            "serve",
            &policy.display().to_string(),
            "--listen",
            "127.0.0.1:0",
            "--token-file",
            &dir.join("tokens").display().to_string(),
            "--key-file",
            &key.display().to_string(),
            "--db",
            &format!("sqlite://{}", db.display()),
        ])
    };
    std::fs::write(dir.join("tokens"), format!("{}\n", common::server::TOKEN)).unwrap();
    // Readable by the group: refused, as ssh refuses a private key.
    let open = dir.join("open.key");
    std::fs::write(&open, "ab".repeat(32)).unwrap();
    std::fs::set_permissions(&open, std::fs::Permissions::from_mode(0o640)).unwrap();
    let r = run(&open);
    assert_eq!(r.code, 2, "{}", r.stderr);
    assert!(r.stderr.contains("readable by others"), "{}", r.stderr);
    assert!(!r.stderr.contains(&"ab".repeat(32)));
    // Another key than the store's secrets were sealed under: exit 2 now,
    // not a 503 at the first sign-in.
    let other = dir.join("other.key");
    common::server::write_key(&other, &"cd".repeat(32));
    let r = run(&other);
    assert_eq!(r.code, 2, "{}", r.stderr);
    assert!(r.stderr.contains("another key"), "{}", r.stderr);
}

#[test]
fn finding_10_the_demo_stays_on_loopback_and_its_page_holds_no_token() {
    let dir = common::temp_dir("demo-public");
    let policy = dir.join("policy.mfa");
    std::fs::write(&policy, RUNNING).unwrap();
    let db = format!("sqlite://{}", dir.join("demo.db").display());
    let p = policy.display().to_string();
    let r = common::mfac(&["serve", &p, "--demo", "--listen", "0.0.0.0:0", "--db", &db]);
    assert_eq!(r.code, 2, "{}", r.stderr);
    assert!(r.stderr.contains("--demo-public"), "{}", r.stderr);
    let s = start("demo-token", RUNNING, &["--demo"]);
    let page = s.raw("GET", "/demo", None, None);
    assert_eq!(page.status, 200);
    let token = common::server::wait_for(|| {
        let out = s.stdout.lock().unwrap().clone();
        out.lines()
            .find_map(|l| l.strip_prefix("mfac serve: demo token "))
            .map(str::to_string)
    });
    assert!(!page.body.contains(&token), "the page embeds the token");
    assert!(!s.log().contains(&token), "the token reached the log");
    // The link on standard output carries it, in the fragment.
    assert!(s
        .stdout
        .lock()
        .unwrap()
        .contains(&format!("/demo#token={token}")));
}

/// A raw connection to the server, to send a request in pieces.
fn connect(s: &Server) -> std::net::TcpStream {
    let c = std::net::TcpStream::connect(("127.0.0.1", s.port)).unwrap();
    c.set_read_timeout(Some(std::time::Duration::from_secs(15)))
        .unwrap();
    c
}

/// Everything the server sends until it closes the connection (or 15 s
/// pass), and how long that took.
fn read_to_close(c: &mut std::net::TcpStream) -> (String, std::time::Duration) {
    use std::io::Read;
    let start = std::time::Instant::now();
    let mut out = Vec::new();
    let _ = c.read_to_end(&mut out);
    (String::from_utf8_lossy(&out).into_owned(), start.elapsed())
}

fn head(path: &str, length: usize) -> String {
    format!(
        "POST {path} HTTP/1.1\r\nHost: localhost\r\nAuthorization: Bearer {}\r\nContent-Type: application/json\r\nContent-Length: {length}\r\n\r\n",
        common::server::TOKEN
    )
}

#[test]
fn finding_8_every_refusal_is_json_the_408_included_and_unknown_kinds_are_404() {
    use std::io::Write;
    let s = start("http-edges", RUNNING, &["--request-timeout", "1"]);
    // A path that is not UTF-8.
    let r = s.get("/v1/users/%FF%FE/factors");
    assert_eq!(r.status, 400, "{}", r.body);
    assert_eq!(r.json()["error"]["code"], "bad_request");
    // A kind of factor mfac does not enrol: no such thing, not a wrong method.
    let r = s.post("/v1/users/ann/factors/carrierpigeon", json!({}));
    assert_eq!(r.status, 404, "{}", r.body);
    assert_eq!(r.json()["error"]["code"], "not_found");
    // Plain sentences: the place once, and none for a parsed tree.
    let r = s.post("/v1/decide", json!({}));
    let m = r.json()["error"]["message"].as_str().unwrap().to_string();
    assert_eq!(m.matches("at line").count(), 1, "{m}");
    let l = common::server::begin(&s, "ann", &["Staff"]);
    let login = l["login_id"].as_str().unwrap();
    let r = verify(&s, login, json!({"factor": "sms", "code": "123456"}));
    let m = r.json()["error"]["message"].as_str().unwrap().to_string();
    assert!(!m.contains("line 0"), "{m}");
    assert!(m.contains("\"external\": true"), "{m}");
    assert!(!m.contains("123456"), "{m}");
    // A body that never finishes: 408, in JSON.
    let mut c = connect(&s);
    let body = br#"{"user": "ann"}"#;
    c.write_all(head("/v1/decide", body.len() + 10).as_bytes())
        .unwrap();
    c.write_all(body).unwrap();
    let (text, took) = read_to_close(&mut c);
    assert!(text.starts_with("HTTP/1.1 408"), "{text}");
    let json = text.split_once("\r\n\r\n").unwrap().1;
    let v: serde_json::Value = serde_json::from_str(json).unwrap_or_else(|e| panic!("{e}: {json}"));
    assert_eq!(v["error"]["code"], "timeout");
    assert!(took < std::time::Duration::from_secs(5), "{took:?}");
}

#[test]
fn finding_8_slow_headers_and_idle_keep_alive_connections_are_cut_off() {
    use std::io::Write;
    let s = start(
        "slowloris",
        RUNNING,
        &["--header-read-timeout", "1", "--keep-alive-timeout", "2"],
    );
    // Headers a byte every 200 ms (slowloris): cut off after a second.
    let mut c = connect(&s);
    let start = std::time::Instant::now();
    for b in b"GET /healthz HTTP/1.1\r\nHost: localhost\r\nX-Slow: aaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaa" {
        if c.write_all(&[*b]).is_err() {
            break;
        }
        std::thread::sleep(std::time::Duration::from_millis(200));
        if start.elapsed() > std::time::Duration::from_secs(8) {
            break;
        }
    }
    let (_, _) = read_to_close(&mut c);
    assert!(
        start.elapsed() < std::time::Duration::from_secs(6),
        "{:?}",
        start.elapsed()
    );
    // A keep-alive connection that answered and then went quiet: closed.
    let mut c = connect(&s);
    c.write_all(b"GET /healthz HTTP/1.1\r\nHost: localhost\r\n\r\n")
        .unwrap();
    let (text, took) = read_to_close(&mut c);
    assert!(text.starts_with("HTTP/1.1 200"), "{text}");
    assert!(took < std::time::Duration::from_secs(6), "{took:?}");
    assert!(
        took >= std::time::Duration::from_millis(900),
        "closed at once: {took:?}"
    );
}

#[test]
fn finding_11_sigterm_lets_a_slow_request_in_flight_finish() {
    use std::io::Write;
    let s = start("sigterm", RUNNING, &[]);
    let mut c = connect(&s);
    let body = br#"{"user": "ann", "groups": ["Staff"]}"#;
    c.write_all(head("/v1/decide", body.len()).as_bytes())
        .unwrap();
    c.write_all(&body[..10]).unwrap();
    std::thread::sleep(std::time::Duration::from_millis(300));
    s.signal("TERM");
    std::thread::sleep(std::time::Duration::from_millis(500));
    c.write_all(&body[10..]).unwrap();
    let (text, _) = read_to_close(&mut c);
    assert!(text.starts_with("HTTP/1.1 200"), "{text}");
    assert!(text.contains("\"decision\":\"enrol\""), "{text}");
    let mut s = s;
    let code = s.child.wait().unwrap().code();
    assert_eq!(code, Some(0), "{}", s.log());
}

fn swept(s: &Server, what: &str) -> u64 {
    let m = s.raw("GET", "/metrics", None, None).body;
    let key = format!("mfac_swept_total{{what=\"{what}\"}} ");
    m.lines()
        .find_map(|l| l.strip_prefix(key.as_str()))
        .map_or(0, |n| n.parse().unwrap())
}

#[test]
fn finding_7_expired_state_is_swept_enrolments_are_capped_confirm_is_throttled_and_a_removed_passkey_frees_its_id(
) {
    use webauthn_authenticator_rs::softpasskey::SoftPasskey;
    use webauthn_authenticator_rs::WebauthnAuthenticator;
    let s = start("bounded", RUNNING, &["--sweep-interval", "1"]);
    let user = "ann@acme.test";
    // At most five enrolments pending; the sixth is refused.
    let mut pending = Vec::new();
    for _ in 0..5 {
        let r = s.post(&format!("/v1/users/{user}/factors/totp"), json!({}));
        assert_eq!(r.status, 201, "{}", r.body);
        pending.push(r.json());
    }
    let r = s.post(&format!("/v1/users/{user}/factors/totp"), json!({}));
    assert_eq!(r.status, 429, "{}", r.body);
    assert_eq!(r.json()["error"]["code"], "too_many_pending");
    // Confirming is throttled like verifying: five wrong codes lock, and
    // then the right one is refused.
    let e = &pending[0];
    let id = e["factor_id"].as_str().unwrap();
    let confirm = |code: &str| {
        s.post(
            &format!("/v1/users/{user}/factors/{id}/confirm"),
            json!({"code": code}),
        )
    };
    for left in (0..5).rev() {
        let r = confirm("000000");
        assert_eq!(r.status, 401, "{}", r.body);
        assert_eq!(r.json()["attempts_left"], left);
    }
    let seed = common::server::seed_of(e["otpauth_uri"].as_str().unwrap());
    let r = confirm(&seed.code_at(common::server::now(0)));
    assert_eq!(r.status, 429, "{}", r.body);
    // Logins begun and never answered, and enrolments never confirmed,
    // are gone once their time is up.
    let other = "bob@acme.test";
    common::server::enrol_totp(&s, other);
    for _ in 0..3 {
        common::server::begin(&s, other, &["Staff"]);
    }
    s.set_clock(2 * 3600);
    wait_for(|| (swept(&s, "logins") >= 3 && swept(&s, "enrolments") >= 5).then_some(()));
    let listed = s.get(&format!("/v1/users/{user}/factors")).json()["factors"].clone();
    assert_eq!(listed, json!([]), "the pending enrolments were swept");
    s.set_clock(0);

    // A passkey removed frees its credential id: the same key registers
    // again.
    let origin = url::Url::parse(&format!("http://localhost:{}", s.port)).unwrap();
    let mut key = SoftPasskey::new(true);
    let carl = "carl@acme.test";
    let register = |key: &mut SoftPasskey| {
        let r = s.post(&format!("/v1/users/{carl}/factors/webauthn"), json!({}));
        assert_eq!(r.status, 201, "{}", r.body);
        let v = r.json();
        let options = serde_json::from_value(v["options"].clone()).unwrap();
        let credential = key.do_registration(origin.clone(), options).unwrap();
        let id = v["factor_id"].as_str().unwrap().to_string();
        let r = s.post(
            &format!("/v1/users/{carl}/factors/{id}/confirm"),
            json!({"credential": credential}),
        );
        (id, r)
    };
    let (id, r) = register(&mut key);
    assert_eq!(r.status, 200, "{}", r.body);
    assert_eq!(
        s.call("DELETE", &format!("/v1/users/{carl}/factors/{id}"), None)
            .status,
        204
    );
    let (_, r) = register(&mut key);
    assert_eq!(r.status, 200, "the same key again: {}", r.body);
}
