//! `mfac audit` over a real login store: every event, filters, formats, and
//! the logins of privileged users let in without a verified factor.

#![allow(
    clippy::unwrap_used,
    clippy::expect_used,
    clippy::panic,
    clippy::indexing_slicing
)]

mod common;
use common::{json, mfac};
use mfac::Compile;

/// A new SQLite store named `name`, filled by `fill` with a verifier whose
/// clock starts at 2027-01-15T08:00:00Z and the policy `text` running.
fn store_with(
    name: &str,
    text: &str,
    fill: impl AsyncFnOnce(
        &mfac_login::verify::Verifier,
        &mfac_login::login::Running,
        &mfac_login::clock::ManualClock,
    ),
) -> String {
    let dir = std::env::temp_dir().join(format!("mfac-audit-{}", std::process::id()));
    std::fs::create_dir_all(&dir).unwrap();
    let path = dir
        .join(format!("{name}.db"))
        .to_string_lossy()
        .into_owned();
    let _ = std::fs::remove_file(&path);
    let rt = tokio::runtime::Builder::new_current_thread()
        .enable_all()
        .build()
        .unwrap();
    rt.block_on(async {
        use mfac_login::{clock::ManualClock, secret::SecretKey, store::Store, verify::Verifier};
        let store = Store::open_sqlite(&path).await.unwrap();
        let (_, key) = SecretKey::generate().unwrap();
        let at = jiff::Timestamp::from_second(1_800_000_000).unwrap();
        let clock = std::sync::Arc::new(ManualClock::new(at));
        let v = Verifier::new(store, key, clock.clone(), "Acme");
        let compiled = mfac::Policy::compile("p.mfa", text).unwrap();
        let policy = mfac_login::login::Running::new(compiled, "p.mfa", text.as_bytes(), at);
        fill(&v, &policy, &clock).await;
    });
    path
}

fn store_with_events(name: &str) -> String {
    let text = "max_exemption 3650d\ndefault { enforcement required factors totp }\ngroup \"Admins\" { privileged enforcement required factors totp }\nexempt user \"ann@acme.test\" until 2027-02-01 reason \"lost phone\" ticket \"SEC-9\"\n";
    store_with(name, text, async |v, policy, clock| {
        // An exempt admin is let in without MFA; a plain user is challenged.
        v.begin_login(policy, "ann@acme.test", &["Admins"], None, None)
            .await
            .unwrap();
        clock.advance(jiff::SignedDuration::from_hours(1));
        v.begin_login(policy, "bob@acme.test", &[], None, None)
            .await
            .unwrap();
        v.enrol_totp("bob@acme.test").await.unwrap();
    })
}

#[test]
fn the_audit_trail_filtered_in_every_format() {
    let db = store_with_events("trail");
    let run = mfac(&["audit", "--db", &db, "--format", "json"]);
    assert_eq!(run.code, 0, "{}", run.stderr);
    let v = json(&run);
    let kinds: Vec<&str> = v["events"]
        .as_array()
        .unwrap()
        .iter()
        .map(|e| e["type"].as_str().unwrap())
        .collect();
    assert_eq!(
        kinds,
        [
            "privileged_without_mfa",
            "decision",
            "totp_enrolment_started"
        ]
    );

    let run = mfac(&[
        "audit",
        "--db",
        &db,
        "--privileged-without-mfa",
        "--format",
        "json",
    ]);
    let v = json(&run);
    let events = v["events"].as_array().unwrap();
    assert_eq!(events.len(), 1);
    // The contract's fields: which decision, which login, which policy.
    let e = &events[0];
    assert_eq!(e["user"], "ann@acme.test");
    assert_eq!(e["decision"], "allow");
    assert_eq!(e["exempt"], "lost phone (ticket SEC-9)");
    assert_eq!(e["decision_id"].as_str().unwrap().len(), 32);
    assert_eq!(
        e["policy_sha256"], "19129fed10c9c73939ccab074ec972209f485bb28788d0142a627df90776408f",
        "{e}"
    );
    let detail = events[0]["detail"].as_str().unwrap();
    assert!(
        detail.contains("exempt") && detail.contains("SEC-9") && detail.contains("lost phone"),
        "{detail}"
    );
    assert!(
        detail.contains("group \"Admins\""),
        "the rule that made them privileged: {detail}"
    );

    let run = mfac(&[
        "audit",
        "--db",
        &db,
        "--user",
        "bob@acme.test",
        "--format",
        "csv",
    ]);
    assert!(
        run.stdout.starts_with("id,at,type,user,app,ip,decision,factor,result,reason,decision_id,login_id,policy_sha256,exempt,report_only,detail\n"),
        "{}",
        run.stdout
    );
    assert_eq!(run.stdout.lines().count(), 3);
    let run = mfac(&["audit", "--db", &db, "--since", "2027-01-15T09:00:00Z"]);
    assert!(run.stdout.ends_with("2 events\n"), "{}", run.stdout);
    let run = mfac(&["audit", "--db", &db, "--type", "decision"]);
    assert!(run.stdout.ends_with("1 events\n"), "{}", run.stdout);
}

#[test]
fn a_bad_store_or_time_is_bad_input_in_json_too() {
    let run = mfac(&["audit", "--db", "/nonexistent/dir/x.db", "--format", "json"]);
    assert_eq!(run.code, 2);
    assert!(json(&run)["error"]["message"]
        .as_str()
        .unwrap()
        .contains("cannot open"));
    let db = store_with_events("bad");
    let run = mfac(&["audit", "--db", &db, "--since", "noon", "--format", "json"]);
    assert_eq!(run.code, 2);
    assert_eq!(json(&run)["error"]["code"], "E026");
}

/// A store whose policy runs a report-only pilot: Contractors would be
/// challenged, everyone else is decided as enforced.
fn store_with_a_pilot(name: &str) -> String {
    let text = "default { enforcement off factors totp }\nrule \"pilot\" {\n  for members of group \"Contractors\"\n  except user \"cal@acme.test\"\n  report_only\n  enforcement required\n}\n";
    store_with(name, text, async |v, policy, clock| {
        for (user, groups) in [
            ("dan@acme.test", &["Contractors"][..]),
            ("cal@acme.test", &["Contractors"][..]),
            ("eve@acme.test", &[][..]),
        ] {
            v.begin_login(policy, user, groups, None, None)
                .await
                .unwrap();
            clock.advance(jiff::SignedDuration::from_hours(1));
        }
    })
}

#[test]
fn report_only_lists_who_would_have_been_challenged() {
    let db = store_with_a_pilot("pilot");
    let run = mfac(&["audit", "--db", &db, "--report-only", "--format", "json"]);
    assert_eq!(run.code, 0, "{}", run.stderr);
    let v = json(&run);
    let events = v["events"].as_array().unwrap();
    // Dan would have been asked to enrol; Cal is excluded and Eve is not
    // a contractor, so their outcome is the same either way.
    let users: Vec<&str> = events.iter().map(|e| e["user"].as_str().unwrap()).collect();
    assert_eq!(users, ["dan@acme.test"], "{v}");
    let e = &events[0];
    assert_eq!(e["decision"], "allow");
    assert_eq!(e["report_only"], "enrol");
    let detail = e["detail"].as_str().unwrap();
    assert!(detail.contains("rule \"pilot\""), "{detail}");
    // Every decision event carries the field; it is null where the
    // report-only rules change nothing.
    let all = json(&mfac(&["audit", "--db", &db, "--format", "json"]));
    let nulls = all["events"]
        .as_array()
        .unwrap()
        .iter()
        .filter(|e| e["type"] == "decision" && e["report_only"].is_null())
        .count();
    assert_eq!(nulls, 2, "{all}");
}
