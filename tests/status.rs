//! Enrolment status per user from the login store (Voiso's users page):
//! `mfac status` joins the directory with the store the service enrolled
//! into, in every format; `mfac simulate --db` takes the enrolled factors
//! from the store; `POST /v1/users/{user}/status` answers for one user.

#![allow(
    clippy::unwrap_used,
    clippy::expect_used,
    clippy::panic,
    clippy::indexing_slicing
)]

mod common;
use common::server::{enrol_totp, start};
use common::{json, mfac};
use serde_json::json;

/// Agents get 2FA from 2026-12-01 with two weeks to enrol; admins need it
/// at once; the kiosk none; everyone else may.
const POLICY: &str = r#"precedence specific
timezone "UTC"
default { enforcement optional factors totp | webauthn }
group "Admin" { enforcement required }
group "Kiosk" { enforcement off }
rollout "agents" {
  applies group "Agent"
  on 2026-12-01 enforcement required enrolment grace 14d
}
"#;

/// The directory's factors column says everyone has totp: the store,
/// where enrolment happens, knows better.
const USERS: &str = "id,groups,factors\nann@voiso.test,Agent,totp\nbob@voiso.test,Agent,totp\nkim@voiso.test,Kiosk,totp\nzoe@voiso.test,,totp\nroot@voiso.test,Admin,totp\n";

#[test]
fn status_joins_the_directory_with_the_store_in_every_format() {
    let s = start("status", POLICY, &[]);
    enrol_totp(&s, "ann@voiso.test");
    let db = format!("sqlite://{}", s.dir.join("mfac.db").display());
    let policy = s.dir.join("policy.mfa").display().to_string();
    let users = s.dir.join("users.csv");
    std::fs::write(&users, USERS).unwrap();
    let users = users.display().to_string();
    let status = |at: &str, format: &str| {
        let run = mfac(&[
            "status",
            &policy,
            "--db",
            &db,
            "--directory",
            &users,
            "--at",
            at,
            "--format",
            format,
        ]);
        assert_eq!(run.code, 0, "{}", run.stderr);
        run
    };

    // Inside the agents' grace: bob is pending until the 15th, root
    // (required at once) overdue, and listed first.
    let v = json(&status("2026-12-10", "json"));
    assert_eq!(
        v["counts"],
        json!({"activated": 1, "disabled": 1, "overdue": 1, "pending": 2})
    );
    let order: Vec<(&str, &str)> = v["users"]
        .as_array()
        .unwrap()
        .iter()
        .map(|u| (u["user"].as_str().unwrap(), u["status"].as_str().unwrap()))
        .collect();
    assert_eq!(
        order,
        [
            ("root@voiso.test", "overdue"),
            ("bob@voiso.test", "pending"),
            ("zoe@voiso.test", "pending"),
            ("ann@voiso.test", "activated"),
            ("kim@voiso.test", "disabled"),
        ]
    );
    let bob = &v["users"][1];
    assert_eq!(bob["deadline"], "2026-12-15T00:00:00+00:00");
    assert_eq!(
        bob["enrolled"],
        json!([]),
        "the store's factors, not the file's"
    );
    assert_eq!(v["users"][3]["enrolled"], json!(["totp"]));

    // A week later bob is past his deadline too.
    let v = json(&status("2026-12-20", "json"));
    assert_eq!(v["counts"]["overdue"], 2);
    assert_eq!(v["users"][1]["user"], "bob@voiso.test");

    let csv = status("2026-12-10", "csv").stdout;
    let mut lines = csv.lines();
    assert_eq!(
        lines.next(),
        Some("user,status,enforcement,deadline,enrolled,allowed")
    );
    assert_eq!(
        lines.next(),
        Some("root@voiso.test,overdue,required,,,totp;webauthn")
    );
    let table = status("2026-12-10", "table").stdout;
    assert!(table.starts_with("enrolment status at 2026-12-10T00:00:00+00:00, 5 users:\n  overdue    1\n  pending    2\n"), "{table}");

    // simulate --db: the store's factors decide, so bob and zoe have none.
    let run = mfac(&[
        "simulate",
        &policy,
        "--directory",
        &users,
        "--db",
        &db,
        "--at",
        "2026-12-20",
        "--format",
        "json",
    ]);
    assert_eq!(run.code, 0, "{}", run.stderr);
    let v = json(&run);
    assert_eq!(v["counts"]["enrol"], 2, "{v}");
    assert_eq!(v["counts"]["challenge"], 1, "{v}");
    let from_file = json(&mfac(&[
        "simulate",
        &policy,
        "--directory",
        &users,
        "--at",
        "2026-12-20",
        "--format",
        "json",
    ]));
    assert_eq!(from_file["counts"]["enrol"], 0, "{from_file}");

    // One user over HTTP, as the demo's panel asks.
    let r = s.post(
        "/v1/users/bob@voiso.test/status",
        json!({"groups": ["Kiosk"]}),
    );
    assert_eq!(r.status, 200, "{}", r.body);
    assert_eq!(r.json()["status"], "disabled");
    let r = s.post(
        "/v1/users/ann@voiso.test/status",
        json!({"groups": ["Agent"]}),
    );
    assert_eq!(
        (r.json()["status"].as_str(), r.json()["enrolled"].clone()),
        (Some("activated"), json!(["totp"]))
    );
    assert_eq!(
        s.post("/v1/users/ann@voiso.test/status", json!({"grups": []}))
            .status,
        400
    );

    // A store that is not there is an error, never a new store.
    let run = mfac(&[
        "status",
        &policy,
        "--db",
        "/nonexistent/x.db",
        "--directory",
        &users,
        "--format",
        "json",
    ]);
    assert_eq!(run.code, 2);
    assert!(json(&run)["error"]["message"].is_string());
}
