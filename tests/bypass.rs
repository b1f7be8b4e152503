//! The helpdesk bypass over HTTP, against the real `mfac serve`: bounded by
//! the policy's `bypass` line (none, its maximum, its groups, privileged
//! users), honoured at a login as an exemption with `"source": "bypass"`,
//! over at `until` or when ended early, and audited at every step.

#![allow(
    clippy::unwrap_used,
    clippy::expect_used,
    clippy::panic,
    clippy::indexing_slicing
)]

mod common;
use common::server::{begin, enrol_totp, now, start, Server};
use common::{json, mfac};
use serde_json::json;

const BOUNDED: &str = r#"default { enforcement required factors totp | webauthn }
group "Admins" { privileged factors totp | webauthn }
bypass max 24h for group "Helpdesk Approved"
"#;

fn grant(s: &Server, user: &str, hours: i64, groups: &[&str]) -> common::server::Response {
    s.post(
        &format!("/v1/users/{user}/bypass"),
        json!({
            "until": now(hours * 3600).to_string(),
            "reason": "lost phone",
            "ticket": "HD-4711",
            "groups": groups,
        }),
    )
}

fn audit_types(s: &Server, user: &str) -> Vec<String> {
    let r = s.get(&format!("/v1/audit?user={user}"));
    assert_eq!(r.status, 200, "{}", r.body);
    r.json()["events"]
        .as_array()
        .unwrap()
        .iter()
        .map(|e| e["type"].as_str().unwrap().to_string())
        .collect()
}

#[test]
fn a_policy_without_a_bypass_line_allows_none() {
    let s = start(
        "bypass-none",
        "default { enforcement required factors totp }\n",
        &[],
    );
    let r = grant(&s, "ann@acme.test", 8, &[]);
    assert_eq!(r.status, 403, "{}", r.body);
    assert_eq!(r.json()["error"]["code"], "bypass_not_allowed");
    // Refused, and audited as such.
    assert_eq!(audit_types(&s, "ann@acme.test"), ["bypass_refused"]);
    assert_eq!(
        begin(&s, "ann@acme.test", &[])["decision"]["decision"],
        "enrol"
    );
}

#[test]
fn the_maximum_the_groups_and_privileged_users_bound_a_grant() {
    let s = start("bypass-bounds", BOUNDED, &[]);
    let helpdesk = ["Helpdesk Approved"];
    // Past the maximum.
    let r = grant(&s, "ann@acme.test", 25, &helpdesk);
    assert_eq!(
        (r.status, r.json()["error"]["code"].as_str()),
        (422, Some("bypass_too_long"))
    );
    // Not in a bypass group.
    let r = grant(&s, "carl@acme.test", 8, &[]);
    assert_eq!(
        (r.status, r.json()["error"]["code"].as_str()),
        (422, Some("bypass_not_in_group"))
    );
    // Privileged, and the policy does not say `privileged`.
    let r = grant(&s, "root@acme.test", 8, &["Helpdesk Approved", "Admins"]);
    assert_eq!(
        (r.status, r.json()["error"]["code"].as_str()),
        (422, Some("bypass_privileged"))
    );
    // Already over, and malformed requests.
    let r = grant(&s, "ann@acme.test", -1, &helpdesk);
    assert_eq!(
        (r.status, r.json()["error"]["code"].as_str()),
        (422, Some("bypass_over"))
    );
    let r = s.post(
        "/v1/users/ann@acme.test/bypass",
        json!({"until": "tomorrow", "reason": "x", "ticket": "y"}),
    );
    assert_eq!(r.status, 400, "{}", r.body);
    let r = s.post(
        "/v1/users/ann@acme.test/bypass",
        json!({"until": now(3600).to_string(), "reason": " ", "ticket": "y"}),
    );
    assert_eq!(r.status, 400, "{}", r.body);
    // Exactly the maximum is allowed.
    let r = grant(&s, "ann@acme.test", 24, &helpdesk);
    assert_eq!(r.status, 201, "{}", r.body);
}

#[test]
fn a_bypass_lets_in_until_it_ends_and_can_be_ended_early() {
    let s = start("bypass-use", BOUNDED, &[]);
    let user = "ann@acme.test";
    enrol_totp(&s, user);
    let helpdesk = ["Helpdesk Approved"];
    assert_eq!(
        begin(&s, user, &helpdesk)["decision"]["decision"],
        "challenge"
    );

    let r = grant(&s, user, 8, &helpdesk);
    assert_eq!(r.status, 201, "{}", r.body);
    let granted = r.json();
    let id = granted["bypass_id"].as_str().unwrap().to_string();
    assert_eq!(id.len(), 32);

    // In force: allowed without MFA, the exemption's source says so.
    let d = &begin(&s, user, &helpdesk)["decision"];
    assert_eq!(d["decision"], "allow", "{d}");
    assert_eq!(d["aal"], 1);
    assert_eq!(d["exempt"]["source"], "bypass");
    assert_eq!(d["exempt"]["reason"], "lost phone");
    assert_eq!(d["exempt"]["ticket"], "HD-4711");
    assert_eq!(d["exempt"]["until"], granted["until"]);
    let rules: Vec<&str> = d["rules"]
        .as_array()
        .unwrap()
        .iter()
        .map(|r| r.as_str().unwrap())
        .collect();
    assert!(rules.iter().any(|r| r.ends_with(": bypass")), "{rules:?}");
    assert!(
        rules.contains(&format!("bypass {id}").as_str()),
        "{rules:?}"
    );
    // A login without the bypass group is not let through by it.
    assert_eq!(begin(&s, user, &[])["decision"]["decision"], "challenge");

    // Past `until`: over.
    s.set_clock(8 * 3600 + 1);
    assert_eq!(
        begin(&s, user, &helpdesk)["decision"]["decision"],
        "challenge"
    );
    s.set_clock(0);

    // Ended early: over at once, and a second end finds nothing.
    let path = format!("/v1/users/{user}/bypass?reason=found%20the%20phone");
    let r = s.call("DELETE", &path, None);
    assert_eq!(r.status, 200, "{}", r.body);
    assert_eq!(r.json()["ended"], json!([id]));
    assert_eq!(
        begin(&s, user, &helpdesk)["decision"]["decision"],
        "challenge"
    );
    assert_eq!(s.call("DELETE", &path, None).status, 404);
    assert_eq!(
        s.call("DELETE", &format!("/v1/users/{user}/bypass"), None)
            .status,
        400,
        "a reason is required"
    );

    let types = audit_types(&s, user);
    for want in ["bypass_granted", "bypass_ended"] {
        assert!(types.iter().any(|t| t == want), "{want}: {types:?}");
    }
    let events = s
        .get(&format!("/v1/audit?user={user}&type=decision"))
        .json();
    let used = events["events"]
        .as_array()
        .unwrap()
        .iter()
        .filter(|e| {
            e["exempt"]
                .as_str()
                .is_some_and(|x| x.starts_with("bypass "))
        })
        .count();
    assert_eq!(used, 1, "each use audited: {events}");
}

#[test]
fn a_privileged_bypass_is_listed_by_the_compliance_question() {
    let policy = BOUNDED.replace(
        "bypass max 24h for group \"Helpdesk Approved\"",
        "bypass max 24h privileged",
    );
    let s = start("bypass-privileged", &policy, &[]);
    let user = "root@acme.test";
    let r = grant(&s, user, 2, &["Admins"]);
    assert_eq!(r.status, 201, "{}", r.body);
    let d = &begin(&s, user, &["Admins"])["decision"];
    assert_eq!(
        (d["decision"].as_str(), d["exempt"]["source"].as_str()),
        (Some("allow"), Some("bypass"))
    );
    let db = format!("sqlite://{}", s.dir.join("mfac.db").display());
    let run = mfac(&[
        "audit",
        "--db",
        &db,
        "--privileged-without-mfa",
        "--format",
        "json",
    ]);
    assert_eq!(run.code, 0, "{}", run.stderr);
    let v = json(&run);
    let events = v["events"].as_array().unwrap();
    assert_eq!(events.len(), 1, "{v}");
    let detail = events[0]["detail"].as_str().unwrap();
    assert!(
        detail.contains("without MFA: bypass") && detail.contains("HD-4711"),
        "{detail}"
    );
}

#[test]
fn the_cli_grants_lists_and_ends_on_the_store_the_service_runs_on() {
    let s = start("bypass-cli", BOUNDED, &[]);
    let db = format!("sqlite://{}", s.dir.join("mfac.db").display());
    let policy = s.dir.join("policy.mfa").display().to_string();
    let until = now(4 * 3600).to_string();
    let base = [
        "bypass",
        "grant",
        "ann@acme.test",
        "--policy",
        &policy,
        "--db",
        &db,
        "--until",
        &until,
    ];
    // Out of the policy's bounds: refused, exit 2, nothing granted.
    let mut args = base.to_vec();
    args.extend(["--reason", "lost phone", "--ticket", "HD-9"]);
    let run = mfac(&args);
    assert_eq!(run.code, 2, "{}{}", run.stdout, run.stderr);
    assert!(run.stderr.contains("none of the groups"), "{}", run.stderr);
    args.extend(["--group", "Helpdesk Approved"]);
    let run = mfac(&args);
    assert_eq!(run.code, 0, "{}", run.stderr);
    assert!(run.stdout.starts_with("bypass "), "{}", run.stdout);
    // The service honours it at once.
    let d = &begin(&s, "ann@acme.test", &["Helpdesk Approved"])["decision"];
    assert_eq!(d["exempt"]["source"], "bypass", "{d}");
    // Listed in every format.
    let run = mfac(&["bypass", "list", "--db", &db, "--format", "json"]);
    assert_eq!(run.code, 0, "{}", run.stderr);
    let v = json(&run);
    assert_eq!(v["bypasses"][0]["user"], "ann@acme.test");
    assert_eq!(v["bypasses"][0]["in_force"], true);
    assert_eq!(v["bypasses"][0]["ticket"], "HD-9");
    let csv = mfac(&["bypass", "list", "--db", &db, "--format", "csv"]);
    assert!(csv.stdout.starts_with("bypass_id,user,"), "{}", csv.stdout);
    let table = mfac(&["bypass", "list", "--db", &db]);
    assert!(
        table.stdout.contains("in force") && table.stdout.ends_with("1 bypasses\n"),
        "{}",
        table.stdout
    );
    // Ended; a second end finds nothing (exit 2).
    let end = [
        "bypass",
        "end",
        "ann@acme.test",
        "--db",
        &db,
        "--reason",
        "found it",
    ];
    assert_eq!(mfac(&end).code, 0);
    assert_eq!(mfac(&end).code, 2);
    assert_eq!(
        begin(&s, "ann@acme.test", &["Helpdesk Approved"])["decision"]["decision"],
        "enrol"
    );
    // A store that is not there is an error, in the format asked for.
    let run = mfac(&[
        "bypass",
        "list",
        "--db",
        "/nonexistent/mfac.db",
        "--format",
        "json",
    ]);
    assert_eq!(run.code, 2);
    assert!(json(&run)["error"]["message"].is_string(), "{}", run.stdout);
}

/// `mfac check`'s proofs and `mfac diff --deny-loosening` see the bypass
/// the policy lets the helpdesk grant.
#[test]
fn proofs_and_loosening_reviews_see_the_bypass() {
    let dir = common::temp_dir("bypass-proofs");
    let write = |name: &str, text: &str| {
        let p = dir.join(name);
        std::fs::write(&p, text).unwrap();
        p.display().to_string()
    };
    let asserting = |bypass: &str| {
        format!(
            "default {{ enforcement required factors totp | webauthn }}\ngroup \"Admins\" {{ privileged factors webauthn }}\nuser \"breakglass@acme.test\" {{ break_glass factors webauthn recovery backup_code }}\n{bypass}\nassert \"admins are never exempt\" {{\n  for privileged\n  never exempt\n}}\n"
        )
    };
    // Without `privileged`, admins cannot be bypassed: proved.
    let safe = write(
        "safe.mfa",
        &asserting("bypass max 24h for group \"Helpdesk Approved\""),
    );
    let run = mfac(&["check", &safe]);
    assert_eq!(run.code, 0, "{}{}", run.stdout, run.stderr);
    // With it, the proof finds the admin a helpdesk may let in.
    let open = write(
        "open.mfa",
        &asserting("bypass max 24h for group \"Helpdesk Approved\" privileged"),
    );
    let run = mfac(&["check", &open, "--format", "json"]);
    assert_eq!(run.code, 1, "{}", run.stdout);
    let v = json(&run);
    let d = v["diagnostics"]
        .as_array()
        .unwrap()
        .iter()
        .find(|d| d["code"] == "E029")
        .expect("the assertion fails");
    assert!(
        d["message"].as_str().unwrap().contains("helpdesk bypass"),
        "{d}"
    );
    let groups = &d["counterexample"]["groups"];
    assert_eq!(groups, &json!(["Admins", "Helpdesk Approved"]), "{d}");
    // An assurance demand is broken by a bypass too: it lets in at AAL1.
    let aal = write(
        "aal.mfa",
        "default { enforcement required factors totp }\nbypass max 8h\nassert \"aal2\" {\n  for everyone\n  always assurance aal2\n}\n",
    );
    assert_eq!(mfac(&["check", &aal]).code, 1);

    // Adding a bypass, widening who may get one, or raising its maximum is
    // a loosening; narrowing it is not.
    let none = write("none.mfa", &asserting(""));
    for (old, new, looser) in [
        (&none, &safe, true),
        (&safe, &open, true),
        (&open, &safe, false),
    ] {
        let run = mfac(&["diff", old, new, "--deny-loosening", "--format", "json"]);
        let found = json(&run)["loosenings"]
            .as_array()
            .is_some_and(|l| l.iter().any(|x| x["kind"] == "exemption"));
        assert_eq!(found, looser, "{old} -> {new}: {}", run.stdout);
    }
    let longer = write(
        "longer.mfa",
        &asserting("bypass max 48h for group \"Helpdesk Approved\""),
    );
    let run = mfac(&[
        "diff",
        &safe,
        &longer,
        "--deny-loosening",
        "--format",
        "json",
    ]);
    assert_eq!(run.code, 1, "{}", run.stdout);
}
