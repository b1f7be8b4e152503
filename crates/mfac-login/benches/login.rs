//! Login-time latency on each store, in one run: `begin_login`, answering
//! its TOTP challenge, and both together, and a passkey ceremony's start and
//! finish (median and p99 of each), then logins per second with two
//! concurrent callers; then a page of the audit (`limit 100`, with each
//! filter, and a page deep down by its cursor) out of a million events.
//! SQLite always; PostgreSQL when `MFAC_TEST_POSTGRES_URL` names a server.
//!
//! `cargo bench -p mfac-login --bench login`

#![allow(
    clippy::unwrap_used,
    clippy::expect_used,
    clippy::panic,
    clippy::indexing_slicing
)]

use jiff::{SignedDuration, Timestamp};
use mfac_login::clock::{Clock, ManualClock};
use mfac_login::login::{Answer, Answered};
use mfac_login::secret::SecretKey;
use mfac_login::store::Store;
use mfac_login::totp::Seed;
use mfac_login::verify::{Verification, Verifier};
use std::sync::Arc;
use std::time::{Duration, Instant};

const POLICY: &str = "default { enforcement required factors totp | webauthn }\ngroup \"Admins\" { privileged enforcement required }\n";
const ROUNDS: usize = 2_000;

fn seed_of(uri: &str) -> Seed {
    Seed::from_enrolment_uri(uri).unwrap()
}

fn stats(name: &str, mut d: Vec<Duration>) {
    d.sort();
    let at = |q: f64| d[((d.len() as f64 * q) as usize).min(d.len() - 1)];
    println!(
        "  {name:<28} median {:>9.1} µs   p99 {:>9.1} µs",
        at(0.5).as_secs_f64() * 1e6,
        at(0.99).as_secs_f64() * 1e6
    );
}

async fn run(label: &str, store: Store, second: Store) {
    use mfac_lang::Compile;
    let policy = mfac_core::Policy::compile("bench.mfa", POLICY).unwrap();
    let policy = mfac_login::login::Running::new(
        policy,
        "bench.mfa",
        POLICY.as_bytes(),
        Timestamp::UNIX_EPOCH,
    );
    let (key, secret) = SecretKey::generate().unwrap();
    let clock = Arc::new(ManualClock::new(
        Timestamp::from_second(1_800_000_015).unwrap(),
    ));
    let mut v = Verifier::new(store, secret, clock.clone(), "Bench");
    v.webauthn = Some(
        mfac_login::webauthn::relying_party("acme.test", "https://acme.test", "Bench").unwrap(),
    );
    let user = "bench@acme.test";
    let e = v.enrol_totp(user).await.unwrap();
    let seed = seed_of(&e.uri);
    assert!(v
        .confirm_totp(user, e.factor, &seed.code_at(clock.now()))
        .await
        .unwrap());
    let groups = ["Admins"];
    let (mut begin, mut answer, mut both) = (Vec::new(), Vec::new(), Vec::new());
    for _ in 0..ROUNDS {
        clock.advance(SignedDuration::from_secs(30)); // a fresh step: each code works once
        let code = seed.code_at(clock.now());
        let t0 = Instant::now();
        let l = v
            .begin_login(&policy, user, &groups, None, None)
            .await
            .unwrap();
        let t1 = Instant::now();
        let r = v.answer(&l.id, &Answer::Totp(code)).await.unwrap();
        let t2 = Instant::now();
        assert!(
            matches!(r, Answered::Checked(Verification::Verified { .. })),
            "{r:?}"
        );
        begin.push(t1 - t0);
        answer.push(t2 - t1);
        both.push(t2 - t0);
    }
    println!("{label}: {ROUNDS} logins, each a challenge answered with TOTP");
    // What bounds them: one read of the store, and one durable commit (an
    // audit event appended alone).
    let (mut read, mut commit) = (Vec::new(), Vec::new());
    for _ in 0..ROUNDS {
        let t0 = Instant::now();
        v.store
            .login_state(user, jiff::Timestamp::now())
            .await
            .unwrap();
        let t1 = Instant::now();
        let e = mfac_login::store::AuditEvent::new(
            clock.now(),
            user,
            mfac_login::events::EventKind::Decision,
            "bench".into(),
        );
        v.store.audit(&e).await.unwrap();
        read.push(t1 - t0);
        commit.push(t1.elapsed());
    }
    stats("store read (login state)", read);
    stats("store commit (one event)", commit);
    stats("begin_login", begin);
    stats("answer (TOTP verify)", answer);
    stats("begin_login + answer", both);

    // Passkeys: a sign-in ceremony started and finished with a software
    // authenticator (its signing time is left out).
    {
        use webauthn_authenticator_rs::softpasskey::SoftPasskey;
        use webauthn_authenticator_rs::WebauthnAuthenticator;
        let origin = url::Url::parse("https://acme.test").unwrap();
        let mut key = SoftPasskey::new(true);
        let pk_user = "passkey@acme.test";
        let c = v.start_passkey_registration(pk_user).await.unwrap();
        let reg = key.do_registration(origin.clone(), c.challenge).unwrap();
        v.finish_passkey_registration(pk_user, &c.id, &reg)
            .await
            .unwrap()
            .unwrap();
        let (mut start, mut finish) = (Vec::new(), Vec::new());
        for _ in 0..ROUNDS / 4 {
            let t0 = Instant::now();
            let a = v
                .start_passkey_authentication(pk_user)
                .await
                .unwrap()
                .unwrap();
            let t1 = Instant::now();
            let cred = key.do_authentication(origin.clone(), a.challenge).unwrap();
            let t2 = Instant::now();
            let r = v
                .finish_passkey_authentication(pk_user, &a.id, &cred)
                .await
                .unwrap();
            let t3 = Instant::now();
            assert!(matches!(r, Verification::Verified { .. }), "{r:?}");
            start.push(t1 - t0);
            finish.push(t3 - t2);
        }
        stats("passkey start", start);
        stats("passkey finish (verify)", finish);
    }

    // Throughput: two callers, each its own user and clock, on two pools
    // (replicas); every login must verify.
    let per = ROUNDS / 2;
    let mut callers = Vec::new();
    for (k, store) in [v.store.clone(), second].into_iter().enumerate() {
        let clock = Arc::new(ManualClock::new(
            Timestamp::from_second(1_900_000_015).unwrap(),
        ));
        let c = Verifier::new(
            store,
            SecretKey::from_bytes(&key).unwrap(),
            clock.clone(),
            "Bench",
        );
        let u = format!("caller{k}@acme.test");
        let e = c.enrol_totp(&u).await.unwrap();
        let s = seed_of(&e.uri);
        assert!(c
            .confirm_totp(&u, e.factor, &s.code_at(clock.now()))
            .await
            .unwrap());
        callers.push((Arc::new(c), clock, u, s));
    }
    let policy = Arc::new(policy);
    let start = Instant::now();
    let tasks: Vec<_> = callers
        .into_iter()
        .map(|(c, clock, u, s)| {
            let policy = policy.clone();
            tokio::spawn(async move {
                for _ in 0..per {
                    clock.advance(SignedDuration::from_secs(30));
                    let l = c.begin_login(&policy, &u, &[], None, None).await.unwrap();
                    let r = c
                        .answer(&l.id, &Answer::Totp(s.code_at(clock.now())))
                        .await
                        .unwrap();
                    assert!(
                        matches!(r, Answered::Checked(Verification::Verified { .. })),
                        "{r:?}"
                    );
                }
            })
        })
        .collect();
    for t in tasks {
        t.await.unwrap();
    }
    let secs = start.elapsed().as_secs_f64();
    println!(
        "  two concurrent callers: {:.0} verified logins/s\n",
        (per * 2) as f64 / secs
    );
}

/// The audit events the page timings read among.
const EVENTS: i64 = 1_000_000;

/// `EVENTS` events in one statement: 5,000 users, three kinds, one a
/// millisecond.
const FILL_SQLITE: &str = "WITH RECURSIVE n(i) AS (SELECT 1 UNION ALL SELECT i + 1 FROM n WHERE i < $1) INSERT INTO audit (at, user_id, kind, detail, at_ns) SELECT '2026-12-01T00:00:00Z', 'user-' || (i % 5000), CASE i % 3 WHEN 0 THEN 'decision' WHEN 1 THEN 'verified' ELSE 'verify_failed' END, 'bench', 1796083200000000000 + i * 1000000 FROM n";
const FILL_POSTGRES: &str = "INSERT INTO audit (at, user_id, kind, detail, at_ns) SELECT '2026-12-01T00:00:00Z', 'user-' || (i % 5000), CASE i % 3 WHEN 0 THEN 'decision' WHEN 1 THEN 'verified' ELSE 'verify_failed' END, 'bench', 1796083200000000000 + i * 1000000 FROM generate_series(1, $1) AS i";

/// A page of 100 out of `EVENTS`, by each filter: median and p99.
async fn audit_pages(store: &Store) {
    use mfac_login::events::EventKind;
    use mfac_login::store::AuditQuery;
    let since =
        Timestamp::from_nanosecond(1_796_083_200_000_000_000 + 500_000 * 1_000_000).unwrap();
    let cases: [(&str, AuditQuery<'_>); 5] = [
        (
            "the newest 100",
            AuditQuery {
                limit: Some(100),
                ..AuditQuery::default()
            },
        ),
        (
            "one user's newest 100",
            AuditQuery {
                user: Some("user-42"),
                limit: Some(100),
                ..AuditQuery::default()
            },
        ),
        (
            "one kind's newest 100",
            AuditQuery {
                kind: Some(EventKind::VerifyFailed),
                limit: Some(100),
                ..AuditQuery::default()
            },
        ),
        (
            "since the middle, 100",
            AuditQuery {
                since: Some(since),
                limit: Some(100),
                ..AuditQuery::default()
            },
        ),
        (
            "100 before the middle",
            AuditQuery {
                before: Some(EVENTS / 2),
                limit: Some(100),
                ..AuditQuery::default()
            },
        ),
    ];
    for (name, q) in cases {
        let mut d = Vec::new();
        for _ in 0..200 {
            let t = Instant::now();
            let page = store.audit_page(&q).await.unwrap();
            d.push(t.elapsed());
            assert_eq!(page.events.len(), 100, "{name}");
        }
        stats(name, d);
    }
}

async fn store_pg(url: &str, schema: &str) -> Store {
    Store::open_postgres(url, schema).await.unwrap()
}

fn main() {
    let rt = tokio::runtime::Builder::new_multi_thread()
        .worker_threads(2)
        .enable_all()
        .build()
        .unwrap();
    rt.block_on(async {
        let dir = std::env::temp_dir().join(format!("mfac-bench-{}", std::process::id()));
        std::fs::create_dir_all(&dir).unwrap();
        let path = dir.join("login.db").to_string_lossy().into_owned();
        let a = Store::open_sqlite(&path).await.unwrap();
        let b = Store::open_sqlite(&path).await.unwrap();
        run("SQLite (file, WAL, sync=full)", a, b).await;
        let path = dir.join("normal.db").to_string_lossy().into_owned();
        let normal = mfac_login::store::Durability::Normal;
        let a = Store::open_sqlite_with(&path, normal).await.unwrap();
        let b = Store::open_sqlite_with(&path, normal).await.unwrap();
        run("SQLite (file, WAL, sync=normal)", a, b).await;
        let path = dir.join("audit.db").to_string_lossy().into_owned();
        let store = Store::open_sqlite(&path).await.unwrap();
        let pool = sqlx::SqlitePool::connect(&format!("sqlite://{path}"))
            .await
            .unwrap();
        sqlx::query(FILL_SQLITE)
            .bind(EVENTS)
            .execute(&pool)
            .await
            .unwrap();
        println!("SQLite: a page of the audit among {EVENTS} events");
        audit_pages(&store).await;
        if let Ok(url) = std::env::var("MFAC_TEST_POSTGRES_URL") {
            let schema = format!("mfac_bench_{}", std::process::id());
            let a = Store::open_postgres(&url, &schema).await.unwrap();
            let b = Store::open_postgres(&url, &schema).await.unwrap();
            run("PostgreSQL (127.0.0.1)", a, b).await;
            let pool = sqlx::PgPool::connect(&url).await.unwrap();
            {
                let mut c = pool.acquire().await.unwrap();
                sqlx::query(&format!("SET search_path TO {schema}"))
                    .execute(&mut *c)
                    .await
                    .unwrap();
                sqlx::query(FILL_POSTGRES)
                    .bind(EVENTS)
                    .execute(&mut *c)
                    .await
                    .unwrap();
            }
            sqlx::query(&format!("ANALYZE {schema}.audit"))
                .execute(&pool)
                .await
                .unwrap();
            println!("PostgreSQL: a page of the audit among {EVENTS} events");
            audit_pages(&store_pg(&url, &schema).await).await;
            sqlx::query(&format!("DROP SCHEMA {schema} CASCADE"))
                .execute(&pool)
                .await
                .unwrap();
        } else {
            println!("PostgreSQL: skipped (set MFAC_TEST_POSTGRES_URL)");
        }
    });
}
