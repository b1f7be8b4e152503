//! Real ceremonies over both stores, one behavioural suite: codes generated
//! from the seed at controlled times, the same code twice, the enrolment code
//! reused, 16 concurrent requests with one code through two connection pools
//! (two replicas), backup codes, a wrong key, and no secret in the audit
//! trail, in `Debug` or in the database.
//!
//! SQLite runs always, on a temporary file. PostgreSQL runs against the
//! server in `MFAC_TEST_POSTGRES_URL` (`.ci/run` sets it, e.g.
//! `postgres://postgres@127.0.0.1:5432/test`), each test in a schema of its
//! own; without the variable the PostgreSQL tests are `ignored` (build.rs),
//! and with it a server that cannot be reached fails them.

#![allow(
    clippy::unwrap_used,
    clippy::expect_used,
    clippy::panic,
    clippy::indexing_slicing
)]

use jiff::{SignedDuration, Timestamp};
use mfac_login::clock::ManualClock;
use mfac_login::secret::{SecretError, SecretKey};
use mfac_login::store::Store;
use mfac_login::totp::Seed;
use mfac_login::verify::{LoginError, Verification, Verifier};
use std::sync::Arc;

const T0: i64 = 1_800_000_015; // 15 s into a step

fn db_path(name: &str) -> String {
    let d = std::env::temp_dir().join(format!("mfac-login-{}", std::process::id()));
    std::fs::create_dir_all(&d).unwrap();
    let p = d.join(format!("{name}.db"));
    let _ = std::fs::remove_file(&p);
    p.to_string_lossy().into_owned()
}

#[derive(Clone, Copy, Debug)]
enum Backend {
    Sqlite,
    Postgres,
}

struct Setup {
    /// Two verifiers on two connection pools to one database: two replicas.
    v: Arc<Verifier>,
    other: Arc<Verifier>,
    clock: Arc<ManualClock>,
    backend: Backend,
    /// The SQLite file, or the PostgreSQL URL and schema.
    place: (String, String),
}

fn postgres_url() -> Option<String> {
    std::env::var("MFAC_TEST_POSTGRES_URL")
        .ok()
        .filter(|u| !u.is_empty())
}

async fn open(backend: Backend, place: &(String, String)) -> Store {
    match backend {
        Backend::Sqlite => Store::open_sqlite(&place.0).await.unwrap(),
        Backend::Postgres => Store::open_postgres(&place.0, &place.1)
            .await
            .unwrap_or_else(|e| {
                panic!("MFAC_TEST_POSTGRES_URL is set but the server cannot be used: {e}")
            }),
    }
}

async fn setup(backend: Backend, name: &str) -> Option<Setup> {
    let place = match backend {
        Backend::Sqlite => (db_path(name), String::new()),
        Backend::Postgres => {
            let url = postgres_url()
                .expect("the PostgreSQL tests were built for MFAC_TEST_POSTGRES_URL; set it");
            let schema = format!("mfac_test_{}_{name}", std::process::id());
            let pool = sqlx::PgPool::connect(&url).await.unwrap_or_else(|e| {
                panic!("MFAC_TEST_POSTGRES_URL is set but the server cannot be reached: {e}")
            });
            sqlx::query(&format!("DROP SCHEMA IF EXISTS {schema} CASCADE"))
                .execute(&pool)
                .await
                .unwrap();
            pool.close().await;
            (url, schema)
        }
    };
    let (key, secret) = SecretKey::generate().unwrap();
    let clock = Arc::new(ManualClock::new(Timestamp::from_second(T0).unwrap()));
    let rp = || {
        Some(mfac_login::webauthn::relying_party("acme.test", "https://acme.test", "Acme").unwrap())
    };
    let mut v = Verifier::new(open(backend, &place).await, secret, clock.clone(), "Acme");
    v.webauthn = rp();
    // The suite's concurrent logins would pass the default of 5 open
    // challenges per user; that cap has a test of its own.
    v.max_open_logins = 1000;
    let mut other = Verifier::new(
        open(backend, &place).await,
        SecretKey::from_bytes(&key).unwrap(),
        clock.clone(),
        "Acme",
    );
    other.webauthn = rp();
    other.max_open_logins = 1000;
    let (v, other) = (Arc::new(v), Arc::new(other));
    Some(Setup {
        v,
        other,
        clock,
        backend,
        place,
    })
}

/// Everything stored, as bytes, to look for secrets in.
async fn stored_bytes(s: &Setup) -> Vec<u8> {
    match s.backend {
        Backend::Sqlite => {
            let mut b = std::fs::read(&s.place.0).unwrap();
            b.extend(std::fs::read(format!("{}-wal", s.place.0)).unwrap_or_default());
            b
        }
        Backend::Postgres => {
            let pool = sqlx::PgPool::connect(&s.place.0).await.unwrap();
            let mut b = Vec::new();
            for (table, cols) in [
                (
                    "factors",
                    "coalesce(encode(secret, 'escape'), '') || user_id || kind || status",
                ),
                ("backup_codes", "hash || user_id"),
                ("audit", "detail || kind || user_id"),
            ] {
                let rows: Vec<(String,)> =
                    sqlx::query_as(&format!("SELECT {cols} FROM {}.{table}", s.place.1))
                        .fetch_all(&pool)
                        .await
                        .unwrap();
                for (r,) in rows {
                    b.extend(r.into_bytes());
                }
                let raw: Vec<(Vec<u8>,)> = sqlx::query_as(&format!(
                    "SELECT coalesce(secret, ''::bytea) FROM {}.factors",
                    s.place.1
                ))
                .fetch_all(&pool)
                .await
                .unwrap();
                for (r,) in raw {
                    b.extend(r);
                }
            }
            b
        }
    }
}

/// One scenario on both stores.
macro_rules! on_both_stores {
    ($name:ident, $scenario:ident) => {
        mod $name {
            use super::*;
            #[tokio::test(flavor = "multi_thread", worker_threads = 4)]
            async fn sqlite() {
                if let Some(s) = setup(Backend::Sqlite, stringify!($name)).await {
                    $scenario(s).await;
                }
            }
            #[tokio::test(flavor = "multi_thread", worker_threads = 4)]
            #[cfg_attr(not(mfac_postgres), ignore = "set MFAC_TEST_POSTGRES_URL to run")]
            async fn postgres() {
                if let Some(s) = setup(Backend::Postgres, stringify!($name)).await {
                    let (url, schema) = s.place.clone();
                    $scenario(s).await;
                    // Leave the server as it was.
                    let pool = sqlx::PgPool::connect(&url).await.unwrap();
                    sqlx::query(&format!("DROP SCHEMA IF EXISTS {schema} CASCADE"))
                        .execute(&pool)
                        .await
                        .unwrap();
                }
            }
        }
    };
}

on_both_stores!(
    enrol_confirm_and_sign_in,
    enrol_confirm_and_sign_in_once_per_code
);
on_both_stores!(
    concurrency,
    sixteen_concurrent_requests_with_one_code_succeed_once
);
on_both_stores!(
    backup_codes,
    backup_codes_are_one_use_and_a_new_set_replaces_the_old
);
on_both_stores!(secrets, a_wrong_key_is_a_clear_error_and_no_secret_leaks);

/// The seed behind an enrolment link (what the user's app reads from the QR code).
fn seed_of(uri: &str) -> Seed {
    Seed::from_enrolment_uri(uri).unwrap()
}

fn at(s: i64) -> Timestamp {
    Timestamp::from_second(s).unwrap()
}

async fn enrol_confirm_and_sign_in_once_per_code(s: Setup) {
    let e = s.v.enrol_totp("ann@acme.test").await.unwrap();
    let seed = seed_of(&e.uri);
    // Not yet active: a code does not sign in.
    assert!(matches!(
        s.v.verify_totp("ann@acme.test", &seed.code_at(at(T0)))
            .await
            .unwrap(),
        Verification::Failed {
            reason: mfac_login::reason::Reason::NotAllowed,
            ..
        }
    ));
    // A wrong first code does not confirm; the right one does, once.
    assert!(
        !s.v.confirm_totp("ann@acme.test", e.factor, "000000")
            .await
            .unwrap()
            || seed.code_at(at(T0)) == "000000"
    );
    let first = seed.code_at(at(T0));
    assert!(s
        .v
        .confirm_totp("ann@acme.test", e.factor, &first)
        .await
        .unwrap());
    assert!(matches!(
        s.v.confirm_totp("ann@acme.test", e.factor, &first).await,
        Err(LoginError::NoEnrolment(_))
    ));
    // The confirming code is consumed.
    assert!(matches!(
        s.v.verify_totp("ann@acme.test", &first).await.unwrap(),
        Verification::Failed {
            reason: mfac_login::reason::Reason::Replayed,
            ..
        }
    ));
    // The next step's code signs in, once.
    s.clock.advance(SignedDuration::from_secs(30));
    let second = seed.code_at(s_now(&s));
    assert_eq!(
        s.v.verify_totp("ann@acme.test", &second).await.unwrap(),
        Verification::Verified {
            factor: e.factor,
            user: "ann@acme.test".into()
        }
    );
    assert!(matches!(
        s.v.verify_totp("ann@acme.test", &second).await.unwrap(),
        Verification::Failed {
            reason: mfac_login::reason::Reason::Replayed,
            ..
        }
    ));
    // One step of skew is accepted; two are not.
    let late = seed.code_at(at(T0 + 60));
    s.clock.set(at(T0 + 90));
    assert_eq!(
        s.v.verify_totp("ann@acme.test", &late).await.unwrap(),
        Verification::Verified {
            factor: e.factor,
            user: "ann@acme.test".into()
        }
    );
    let stale = seed.code_at(at(T0 + 90));
    s.clock.set(at(T0 + 150));
    assert!(matches!(
        s.v.verify_totp("ann@acme.test", &stale).await.unwrap(),
        Verification::Failed {
            reason: mfac_login::reason::Reason::WrongCode,
            ..
        }
    ));
    // An older step after a newer one is refused too.
    s.clock.set(at(T0 + 180));
    let newer = seed.code_at(at(T0 + 180));
    assert!(matches!(
        s.v.verify_totp("ann@acme.test", &newer).await.unwrap(),
        Verification::Verified { .. }
    ));
    let older = seed.code_at(at(T0 + 150));
    assert!(matches!(
        s.v.verify_totp("ann@acme.test", &older).await.unwrap(),
        Verification::Failed {
            reason: mfac_login::reason::Reason::Replayed,
            ..
        }
    ));
}

fn s_now(s: &Setup) -> Timestamp {
    use mfac_login::clock::Clock;
    s.clock.now()
}

async fn sixteen_concurrent_requests_with_one_code_succeed_once(s: Setup) {
    let e = s.v.enrol_totp("bob@acme.test").await.unwrap();
    let seed = seed_of(&e.uri);
    assert!(s
        .v
        .confirm_totp("bob@acme.test", e.factor, &seed.code_at(at(T0)))
        .await
        .unwrap());
    s.clock.advance(SignedDuration::from_secs(30));
    let code = seed.code_at(s_now(&s));
    let tasks: Vec<_> = (0..16)
        .map(|k| {
            let v = if k % 2 == 0 {
                s.v.clone()
            } else {
                s.other.clone()
            };
            let code = code.clone();
            tokio::spawn(async move { v.verify_totp("bob@acme.test", &code).await.unwrap() })
        })
        .collect();
    let mut ok = 0;
    for t in tasks {
        if matches!(t.await.unwrap(), Verification::Verified { .. }) {
            ok += 1;
        }
    }
    assert_eq!(ok, 1, "exactly one of 16 concurrent verifications succeeds");

    // The same for one backup code (another user: the failed attempts above
    // count toward bob's throttle).
    let codes = s.v.new_backup_codes("bea@acme.test").await.unwrap();
    let tasks: Vec<_> = (0..16)
        .map(|k| {
            let v = if k % 2 == 0 {
                s.v.clone()
            } else {
                s.other.clone()
            };
            let code = codes[0].clone();
            tokio::spawn(async move { v.verify_backup_code("bea@acme.test", &code).await.unwrap() })
        })
        .collect();
    let mut ok = 0;
    for t in tasks {
        if matches!(t.await.unwrap(), Verification::Verified { .. }) {
            ok += 1;
        }
    }
    assert_eq!(ok, 1, "a backup code works once, whatever the concurrency");
}

async fn backup_codes_are_one_use_and_a_new_set_replaces_the_old(s: Setup) {
    let old = s.v.new_backup_codes("cy@acme.test").await.unwrap();
    assert_eq!(old.len(), 10);
    assert!(matches!(
        s.v.verify_backup_code("cy@acme.test", &old[1])
            .await
            .unwrap(),
        Verification::Verified { .. }
    ));
    assert!(
        matches!(
            s.v.verify_backup_code("cy@acme.test", &old[1])
                .await
                .unwrap(),
            Verification::Failed {
                reason: mfac_login::reason::Reason::Replayed,
                ..
            }
        ),
        "a used code is a replay"
    );
    let new = s.v.new_backup_codes("cy@acme.test").await.unwrap();
    assert!(matches!(
        s.v.verify_backup_code("cy@acme.test", &old[2])
            .await
            .unwrap(),
        Verification::Failed {
            reason: mfac_login::reason::Reason::WrongCode,
            ..
        }
    ));
    assert!(matches!(
        s.v.verify_backup_code("cy@acme.test", &new[2])
            .await
            .unwrap(),
        Verification::Verified { .. }
    ));
    // Another user's code is not this user's.
    assert!(matches!(
        s.v.verify_backup_code("dee@acme.test", &new[3])
            .await
            .unwrap(),
        Verification::Failed {
            reason: mfac_login::reason::Reason::WrongCode,
            ..
        }
    ));
}

async fn a_wrong_key_is_a_clear_error_and_no_secret_leaks(s: Setup) {
    let e = s.v.enrol_totp("eve@acme.test").await.unwrap();
    let seed = seed_of(&e.uri);
    let code = seed.code_at(at(T0));
    assert!(s
        .v
        .confirm_totp("eve@acme.test", e.factor, &code)
        .await
        .unwrap());
    let backup = s.v.new_backup_codes("eve@acme.test").await.unwrap();
    let secret_b32 = e
        .uri
        .split("secret=")
        .nth(1)
        .unwrap()
        .split('&')
        .next()
        .unwrap()
        .to_string();

    // The same database under another key: a clear error, never a guess.
    let (_, other) = SecretKey::generate().unwrap();
    let clock = Arc::new(ManualClock::new(at(T0 + 30)));
    let wrong = Verifier::new(open(s.backend, &s.place).await, other, clock, "Acme");
    let err = wrong
        .verify_totp("eve@acme.test", &seed.code_at(at(T0 + 30)))
        .await
        .unwrap_err();
    assert!(
        matches!(err, LoginError::Secret(SecretError::WrongKey)),
        "{err}"
    );
    assert!(!err.to_string().contains(&secret_b32));

    // Nothing secret in the audit trail, in Debug output, or in the file.
    let events = s.v.store.audit_events("eve@acme.test").await.unwrap();
    assert!(events.iter().any(|e| e.kind.name() == "totp_enrolled"));
    let shown = format!(
        "{events:?} {e:?} {:?}",
        s.v.store
            .factors(
                "eve@acme.test",
                mfac_core::Factor::Totp,
                mfac_login::status::Status::Active
            )
            .await
            .unwrap()
    );
    for secret in std::iter::once(&secret_b32)
        .chain(backup.iter())
        .chain(std::iter::once(&code))
    {
        assert!(
            !shown.contains(secret.as_str()),
            "{secret} leaked into {shown}"
        );
    }
    let stored = stored_bytes(&s).await;
    assert!(!stored
        .windows(secret_b32.len())
        .any(|w| w == secret_b32.as_bytes()));
    assert!(
        !stored.windows(20).any(|w| w == seed.as_bytes()),
        "the seed is sealed at rest"
    );
    for c in &backup {
        assert!(
            !stored.windows(c.len()).any(|w| w == c.as_bytes()),
            "backup codes are hashed"
        );
    }
}

on_both_stores!(throttle, five_failures_lock_and_replicas_share_the_count);

async fn five_failures_lock_and_replicas_share_the_count(s: Setup) {
    let e = s.v.enrol_totp("fay@acme.test").await.unwrap();
    let seed = seed_of(&e.uri);
    assert!(s
        .v
        .confirm_totp("fay@acme.test", e.factor, &seed.code_at(at(T0)))
        .await
        .unwrap());
    let wrong = if seed.code_at(at(T0)) == "000000" {
        "111111"
    } else {
        "000000"
    };
    // Four failures, alternating replicas, count down; the fifth locks.
    for left in (0..5).rev() {
        let v = if left % 2 == 0 { &s.v } else { &s.other };
        let r = v.verify_totp("fay@acme.test", wrong).await.unwrap();
        assert_eq!(
            r,
            Verification::Failed {
                reason: mfac_login::reason::Reason::WrongCode,
                attempts_left: left
            },
            "{left}"
        );
    }
    let until = Some(at(T0 + 60));
    // Locked: even the right code is not checked.
    s.clock.advance(SignedDuration::from_secs(30));
    let right = seed.code_at(s_now(&s));
    assert_eq!(
        s.v.verify_totp("fay@acme.test", &right).await.unwrap(),
        Verification::Locked { until }
    );
    assert_eq!(
        s.other.verify_totp("fay@acme.test", &right).await.unwrap(),
        Verification::Locked { until }
    );
    // At the end of the lock the right code works, and resets the count.
    s.clock.set(at(T0 + 60));
    let right = seed.code_at(at(T0 + 60));
    assert!(matches!(
        s.v.verify_totp("fay@acme.test", &right).await.unwrap(),
        Verification::Verified { .. }
    ));
    let r = s.other.verify_totp("fay@acme.test", wrong).await.unwrap();
    assert_eq!(
        r,
        Verification::Failed {
            reason: mfac_login::reason::Reason::WrongCode,
            attempts_left: 4
        }
    );
    let events = s.v.store.audit_events("fay@acme.test").await.unwrap();
    assert_eq!(
        events
            .iter()
            .filter(|e| e.kind.name() == "locked_out")
            .count(),
        1
    );
    assert!(events.iter().any(|e| e.kind.name() == "verify_refused"));

    // Sixteen wrong codes at once through both replicas: five are checked,
    // eleven refused; the count is shared and never overshoots.
    let g = s.v.enrol_totp("gus@acme.test").await.unwrap();
    let gseed = seed_of(&g.uri);
    assert!(s
        .v
        .confirm_totp("gus@acme.test", g.factor, &gseed.code_at(s_now(&s)))
        .await
        .unwrap());
    let wrong = if gseed.code_at(s_now(&s)) == "000000" {
        "111111"
    } else {
        "000000"
    };
    let tasks: Vec<_> = (0..16)
        .map(|k| {
            let v = if k % 2 == 0 {
                s.v.clone()
            } else {
                s.other.clone()
            };
            tokio::spawn(async move { v.verify_totp("gus@acme.test", wrong).await.unwrap() })
        })
        .collect();
    let (mut failed, mut locked) = (0, 0);
    for t in tasks {
        match t.await.unwrap() {
            Verification::Failed { .. } => failed += 1,
            Verification::Locked { .. } => locked += 1,
            other => panic!("a wrong code gave {other:?}"),
        }
    }
    assert_eq!((failed, locked), (5, 11));
}

const POLICY: &str = r#"
default { enforcement required factors totp | sms remember 1h max_logins 3 }
app "Vault" { factors totp }
user "root@acme.test" { enforcement required factors totp recovery backup_code }
"#;

fn policy() -> mfac_login::login::Running {
    use mfac_lang::Compile;
    let compiled = mfac_core::Policy::compile("login.mfa", POLICY).unwrap();
    let at = jiff::Timestamp::UNIX_EPOCH;
    mfac_login::login::Running::new(compiled, "login.mfa", POLICY.as_bytes(), at)
}

use mfac_login::login::{Answer, Answered, Refusal};

on_both_stores!(
    logins,
    logins_challenge_once_and_remember_as_the_policy_says
);

async fn logins_challenge_once_and_remember_as_the_policy_says(s: Setup) {
    let p = policy();
    let ip: Option<std::net::IpAddr> = "10.0.0.7".parse().ok();
    // Nothing enrolled: enrol, and no challenge to answer.
    let l =
        s.v.begin_login(&p, "ann@acme.test", &[], None, ip)
            .await
            .unwrap();
    assert_eq!(l.decision.decision, mfac_core::Outcome::Enrol);
    assert_eq!(
        s.v.answer(&l.id, &Answer::Totp("123456".into()))
            .await
            .unwrap(),
        Answered::Refused(Refusal::NoChallenge)
    );

    let e = s.v.enrol_totp("ann@acme.test").await.unwrap();
    let seed = seed_of(&e.uri);
    assert!(s
        .v
        .confirm_totp("ann@acme.test", e.factor, &seed.code_at(s_now(&s)))
        .await
        .unwrap());
    s.clock.advance(SignedDuration::from_secs(30));

    // A challenge, answered once with a fresh code.
    let l =
        s.v.begin_login(&p, "ann@acme.test", &[], None, ip)
            .await
            .unwrap();
    assert_eq!(l.decision.decision, mfac_core::Outcome::Challenge);
    assert_eq!(l.decision.usable.names(), ["totp"]);
    let code = seed.code_at(s_now(&s));
    assert!(matches!(
        s.v.answer(&l.id, &Answer::Totp(code.clone()))
            .await
            .unwrap(),
        Answered::Checked(Verification::Verified { .. })
    ));
    assert_eq!(
        s.v.answer(&l.id, &Answer::Totp(code)).await.unwrap(),
        Answered::Refused(Refusal::AlreadyVerified),
        "single-use"
    );

    // The remember window: three logins through it (max_logins 3), then a challenge.
    for k in 0..3 {
        s.clock.advance(SignedDuration::from_mins(5));
        let l =
            s.v.begin_login(&p, "ann@acme.test", &[], None, ip)
                .await
                .unwrap();
        assert_eq!(
            (l.decision.decision, l.decision.remembered),
            (mfac_core::Outcome::Allow, true),
            "login {k}"
        );
    }
    let l =
        s.v.begin_login(&p, "ann@acme.test", &[], None, ip)
            .await
            .unwrap();
    assert_eq!(
        l.decision.decision,
        mfac_core::Outcome::Challenge,
        "the fourth remembered login is challenged"
    );

    // An answer of a kind the decision did not allow is not checked: the
    // Vault allows only totp, so sms (external) is refused there...
    let vault =
        s.v.begin_login(&p, "ann@acme.test", &[], Some("Vault"), ip)
            .await
            .unwrap();
    assert_eq!(vault.decision.factors.names(), ["totp"]);
    assert_eq!(
        s.v.answer(
            &vault.id,
            &Answer::External {
                kind: mfac_core::Factor::Sms,
                approved: true
            }
        )
        .await
        .unwrap(),
        Answered::Refused(Refusal::NotAllowed)
    );
    // ...and a backup code is refused where the policy grants no recovery.
    assert_eq!(
        s.v.answer(&l.id, &Answer::BackupCode("AAAAA-AAAAA".into()))
            .await
            .unwrap(),
        Answered::Refused(Refusal::NotAllowed)
    );
    // Outside the Vault, sms is offered only to a user the caller's
    // provider says it can reach by sms; then it is accepted and audited.
    let sms = Answer::External {
        kind: mfac_core::Factor::Sms,
        approved: true,
    };
    assert_eq!(
        s.v.answer(&l.id, &sms).await.unwrap(),
        Answered::Refused(Refusal::NotAllowed)
    );
    let reachable = mfac_core::FactorSet::EMPTY.with(mfac_core::Factor::Sms);
    let l =
        s.v.begin_login_with(&p, "ann@acme.test", &[], None, ip, reachable)
            .await
            .unwrap();
    assert!(l.decision.usable.names().contains(&"sms"));
    assert!(matches!(
        s.v.answer(&l.id, &sms).await.unwrap(),
        Answered::Checked(Verification::Verified { .. })
    ));
    // A challenge expires after five minutes.
    s.clock.advance(SignedDuration::from_mins(61));
    let l =
        s.v.begin_login(&p, "ann@acme.test", &[], None, ip)
            .await
            .unwrap();
    assert_eq!(
        l.decision.decision,
        mfac_core::Outcome::Challenge,
        "the window (1h) has ended"
    );
    s.clock.advance(SignedDuration::from_secs(300));
    let code = seed.code_at(s_now(&s));
    assert_eq!(
        s.v.answer(&l.id, &Answer::Totp(code)).await.unwrap(),
        Answered::Refused(Refusal::Expired)
    );

    // Recovery where the policy grants it: root's backup codes answer.
    let codes = s.v.new_backup_codes("root@acme.test").await.unwrap();
    let l =
        s.v.begin_login(&p, "root@acme.test", &[], None, ip)
            .await
            .unwrap();
    assert_eq!(l.decision.decision, mfac_core::Outcome::Challenge);
    assert!(matches!(
        s.v.answer(&l.id, &Answer::BackupCode(codes[0].clone()))
            .await
            .unwrap(),
        Answered::Checked(Verification::Verified { .. })
    ));

    let events = s.v.store.audit_events("ann@acme.test").await.unwrap();
    for kind in [
        "decision",
        "verified",
        "answer_refused",
        "verified_external",
    ] {
        assert!(
            events.iter().any(|e| e.kind.name() == kind),
            "{kind} audited"
        );
    }
    assert!(events.iter().any(|e| e.detail.contains("remembered")));
}

on_both_stores!(
    factors,
    factors_are_listed_without_secrets_and_removed_for_good
);

async fn factors_are_listed_without_secrets_and_removed_for_good(s: Setup) {
    let e = s.v.enrol_totp("hal@acme.test").await.unwrap();
    let seed = seed_of(&e.uri);
    let listed = s.v.list_factors("hal@acme.test").await.unwrap();
    assert_eq!(listed.len(), 1);
    assert_eq!(
        (listed[0].kind, listed[0].status),
        (mfac_core::Factor::Totp, mfac_login::status::Status::Pending)
    );
    assert!(s
        .v
        .confirm_totp("hal@acme.test", e.factor, &seed.code_at(s_now(&s)))
        .await
        .unwrap());
    assert_eq!(
        s.v.list_factors("hal@acme.test").await.unwrap()[0].status,
        mfac_login::status::Status::Active
    );
    assert!(
        !s.v.remove_factor("other@acme.test", e.factor)
            .await
            .unwrap(),
        "only the owner removes it"
    );
    assert!(s.v.remove_factor("hal@acme.test", e.factor).await.unwrap());
    assert!(s.v.list_factors("hal@acme.test").await.unwrap().is_empty());
    s.clock.advance(SignedDuration::from_secs(30));
    assert!(matches!(
        s.v.verify_totp("hal@acme.test", &seed.code_at(s_now(&s)))
            .await
            .unwrap(),
        Verification::Failed {
            reason: mfac_login::reason::Reason::NotAllowed,
            ..
        }
    ));
    let stored = stored_bytes(&s).await;
    assert!(!stored.windows(20).any(|w| w == seed.as_bytes()));
}

on_both_stores!(
    passkeys,
    passkeys_register_sign_in_and_refuse_replays_clones_and_strangers
);

async fn passkeys_register_sign_in_and_refuse_replays_clones_and_strangers(s: Setup) {
    use webauthn_authenticator_rs::softpasskey::SoftPasskey;
    use webauthn_authenticator_rs::WebauthnAuthenticator;
    let origin = url::Url::parse("https://acme.test").unwrap();
    let user = "ivy@acme.test";
    let mut key = SoftPasskey::new(true);

    // Register: the ceremony is single-use.
    let c = s.v.start_passkey_registration(user).await.unwrap();
    let reg = key.do_registration(origin.clone(), c.challenge).unwrap();
    let id =
        s.v.finish_passkey_registration(user, &c.id, &reg)
            .await
            .unwrap()
            .unwrap();
    assert_eq!(
        s.v.finish_passkey_registration(user, &c.id, &reg)
            .await
            .unwrap(),
        Err("expired")
    );

    // Sign in, on either replica.
    let a = s
        .other
        .start_passkey_authentication(user)
        .await
        .unwrap()
        .unwrap();
    let cred = key.do_authentication(origin.clone(), a.challenge).unwrap();
    assert_eq!(
        s.v.finish_passkey_authentication(user, &a.id, &cred)
            .await
            .unwrap(),
        Verification::Verified {
            factor: id,
            user: user.into()
        }
    );
    // A replayed assertion: the ceremony is used, and a new one wants a new challenge.
    assert!(matches!(
        s.v.finish_passkey_authentication(user, &a.id, &cred)
            .await
            .unwrap(),
        Verification::Failed {
            reason: mfac_login::reason::Reason::Expired,
            ..
        }
    ));
    let b =
        s.v.start_passkey_authentication(user)
            .await
            .unwrap()
            .unwrap();
    assert!(matches!(
        s.v.finish_passkey_authentication(user, &b.id, &cred)
            .await
            .unwrap(),
        Verification::Failed {
            reason: mfac_login::reason::Reason::WrongCode,
            ..
        }
    ));

    // A cloned authenticator: an older signature arrives after a newer one.
    let older =
        s.v.start_passkey_authentication(user)
            .await
            .unwrap()
            .unwrap();
    let older_cred = key
        .do_authentication(origin.clone(), older.challenge)
        .unwrap();
    let newer =
        s.v.start_passkey_authentication(user)
            .await
            .unwrap()
            .unwrap();
    let newer_cred = key
        .do_authentication(origin.clone(), newer.challenge)
        .unwrap();
    assert!(matches!(
        s.v.finish_passkey_authentication(user, &newer.id, &newer_cred)
            .await
            .unwrap(),
        Verification::Verified { .. }
    ));
    assert!(matches!(
        s.v.finish_passkey_authentication(user, &older.id, &older_cred)
            .await
            .unwrap(),
        Verification::Failed {
            reason: mfac_login::reason::Reason::Counter,
            ..
        }
    ));
    let events = s.v.store.audit_events(user).await.unwrap();
    assert!(
        events
            .iter()
            .any(|e| e.kind.name() == "possible_cloned_authenticator"),
        "{events:?}"
    );

    // A wrong origin, and no user verification, are refused at registration.
    let c =
        s.v.start_passkey_registration("jo@acme.test")
            .await
            .unwrap();
    let evil = url::Url::parse("https://acme.evil").unwrap();
    let reg = SoftPasskey::new(true).do_registration(evil, c.challenge);
    if let Ok(reg) = reg {
        assert_eq!(
            s.v.finish_passkey_registration("jo@acme.test", &c.id, &reg)
                .await
                .unwrap(),
            Err("wrong_code")
        );
    }
    // The ceremony demands user verification: an authenticator that cannot
    // verify its user has nothing to answer with.
    let c =
        s.v.start_passkey_registration("jo@acme.test")
            .await
            .unwrap();
    assert!(
        SoftPasskey::new(false)
            .do_registration(origin.clone(), c.challenge)
            .is_err(),
        "UV required"
    );

    // A ceremony expires after five minutes.
    let late =
        s.v.start_passkey_authentication(user)
            .await
            .unwrap()
            .unwrap();
    let late_cred = key
        .do_authentication(origin.clone(), late.challenge)
        .unwrap();
    s.clock.advance(SignedDuration::from_secs(301));
    assert!(matches!(
        s.v.finish_passkey_authentication(user, &late.id, &late_cred)
            .await
            .unwrap(),
        Verification::Failed {
            reason: mfac_login::reason::Reason::Expired,
            ..
        }
    ));

    // A credential id is registered once, to anyone (the store's own guard).
    let now = s_now(&s);
    let kim =
        s.v.store
            .add_factor(
                "kim@acme.test",
                mfac_core::Factor::Webauthn,
                b"",
                None,
                now,
                5,
            )
            .await
            .unwrap()
            .unwrap();
    let lee =
        s.v.store
            .add_factor(
                "lee@acme.test",
                mfac_core::Factor::Webauthn,
                b"",
                None,
                now,
                5,
            )
            .await
            .unwrap()
            .unwrap();
    let n =
        s.v.store
            .activate_passkey("kim@acme.test", kim, "same-id", b"x", (false, false))
            .await
            .unwrap();
    let again =
        s.v.store
            .activate_passkey("lee@acme.test", lee, "same-id", b"y", (false, false))
            .await
            .unwrap();
    assert_eq!(n, Some(true));
    assert_eq!(again, None, "registered already, to kim");
    let not_pending =
        s.v.store
            .activate_passkey("lee@acme.test", kim, "other-id", b"y", (false, false))
            .await
            .unwrap();
    assert_eq!(
        not_pending,
        Some(false),
        "kim's factor is not lee's to activate"
    );
}

on_both_stores!(remembered, concurrent_logins_never_pass_max_logins_together);

/// Sixteen logins of one user at once, on two replicas, inside a remember
/// window of `max_logins 3`: exactly three are let through by it, the rest
/// are challenged. And each event names its login, decision and policy.
async fn concurrent_logins_never_pass_max_logins_together(s: Setup) {
    let p = Arc::new(policy());
    let ip: Option<std::net::IpAddr> = "10.0.0.9".parse().ok();
    let e = s.v.enrol_totp("ivy@acme.test").await.unwrap();
    let seed = seed_of(&e.uri);
    assert!(s
        .v
        .confirm_totp("ivy@acme.test", e.factor, &seed.code_at(s_now(&s)))
        .await
        .unwrap());
    s.clock.advance(SignedDuration::from_secs(30));
    let l =
        s.v.begin_login(&p, "ivy@acme.test", &[], None, ip)
            .await
            .unwrap();
    let answered =
        s.v.answer(&l.id, &Answer::Totp(seed.code_at(s_now(&s))))
            .await
            .unwrap();
    assert!(matches!(
        answered,
        Answered::Checked(Verification::Verified { .. })
    ));
    s.clock.advance(SignedDuration::from_mins(1));
    let tasks: Vec<_> = (0..16)
        .map(|k| {
            let v = if k % 2 == 0 {
                s.v.clone()
            } else {
                s.other.clone()
            };
            let p = p.clone();
            tokio::spawn(async move {
                v.begin_login(&p, "ivy@acme.test", &[], None, ip)
                    .await
                    .unwrap()
            })
        })
        .collect();
    let mut remembered = 0;
    for t in tasks {
        let l = t.await.unwrap();
        match l.decision.decision {
            mfac_core::Outcome::Allow => {
                assert!(l.decision.remembered);
                remembered += 1;
            }
            mfac_core::Outcome::Challenge => {}
            other => panic!("{other:?}"),
        }
    }
    assert_eq!(remembered, 3, "max_logins 3 holds under concurrency");

    // The verified answer's event repeats the login, its decision and the
    // policy's sha256; the decision's event carries them too.
    let events = s.v.store.audit_events("ivy@acme.test").await.unwrap();
    let verified = events
        .iter()
        .find(|e| e.kind.name() == "verified" && e.login_id.as_deref() == Some(l.id.as_str()))
        .expect("the answer's event");
    assert_eq!(
        verified.decision_id.as_deref(),
        Some(l.decision_id.as_str())
    );
    assert_eq!(verified.policy_sha256.as_deref(), Some(p.sha256.as_str()));
    assert_eq!(
        (verified.factor.as_deref(), verified.result.as_deref()),
        (Some("totp"), Some("verified"))
    );
    assert_eq!(verified.ip.as_deref(), Some("10.0.0.9"));
    assert_eq!(p.sha256.len(), 64);
    let decided = events
        .iter()
        .find(|e| e.kind.name() == "decision" && e.login_id.as_deref() == Some(l.id.as_str()))
        .expect("the decision's event");
    assert_eq!(decided.decision.as_deref(), Some("challenge"));
    assert_eq!(decided.policy_sha256, verified.policy_sha256);
    let ids: Vec<i64> = events.iter().map(|e| e.id).collect();
    assert!(ids.windows(2).all(|w| w[0] < w[1]), "ids in order: {ids:?}");
}

on_both_stores!(passkey_login, a_passkey_answers_a_login_challenge);

/// A login whose decision allows webauthn carries the passkey challenge;
/// the browser's answer verifies the login, once, and restarts the remember
/// window; the listing shows when the factor was last used.
async fn a_passkey_answers_a_login_challenge(s: Setup) {
    use mfac_lang::Compile;
    use webauthn_authenticator_rs::softpasskey::SoftPasskey;
    use webauthn_authenticator_rs::WebauthnAuthenticator;
    let origin = url::Url::parse("https://acme.test").unwrap();
    let user = "pia@acme.test";
    let mut key = SoftPasskey::new(true);
    let c =
        s.v.start_passkey_registration_labelled(user, Some("laptop"))
            .await
            .unwrap();
    let listed = s.v.list_factors(user).await.unwrap();
    assert_eq!(
        (listed[0].kind, listed[0].status),
        (
            mfac_core::Factor::Webauthn,
            mfac_login::status::Status::Pending
        )
    );
    assert_eq!(c.id, listed[0].id.to_string(), "the ceremony is the factor");
    let reg = key.do_registration(origin.clone(), c.challenge).unwrap();
    let factor =
        s.v.finish_passkey_registration(user, &c.id, &reg)
            .await
            .unwrap()
            .unwrap();

    let text = "default { enforcement required factors webauthn remember 1h }\n";
    let compiled = mfac_core::Policy::compile("p.mfa", text).unwrap();
    let p = mfac_login::login::Running::new(compiled, "p.mfa", text.as_bytes(), s_now(&s));
    let l = s.v.begin_login(&p, user, &[], None, None).await.unwrap();
    assert_eq!(l.decision.decision, mfac_core::Outcome::Challenge);
    let options = l.webauthn.clone().expect("a passkey challenge");
    let cred = key.do_authentication(origin.clone(), options).unwrap();
    let answer = Answer::Passkey(Box::new(cred));
    assert_eq!(
        s.v.answer(&l.id, &answer).await.unwrap(),
        Answered::Checked(Verification::Verified {
            factor,
            user: user.into()
        })
    );
    assert_eq!(
        s.v.answer(&l.id, &answer).await.unwrap(),
        Answered::Refused(Refusal::AlreadyVerified),
        "answered once"
    );
    let listed = s.v.list_factors(user).await.unwrap();
    assert_eq!(listed[0].label.as_deref(), Some("laptop"));
    assert!(listed[0].last_used.is_some());
    s.clock.advance(SignedDuration::from_mins(10));
    let again = s.v.begin_login(&p, user, &[], None, None).await.unwrap();
    assert_eq!(
        (again.decision.decision, again.decision.remembered),
        (mfac_core::Outcome::Allow, true),
        "inside the remember window"
    );

    // The passkey verified its user (the UV flag): the MFA reached AAL3,
    // so a step-up to a passkey-only app is let through inside the
    // window's length, and challenged after it.
    let state = s.v.store.login_state(user, s_now(&s)).await.unwrap();
    assert_eq!(state.last_mfa.and_then(|m| m.aal), Some(3));
    let text = "default { enforcement required factors webauthn | totp remember 1h same_ip }\napp \"Payments\" { assurance aal3 }\n";
    let compiled = mfac_core::Policy::compile("p.mfa", text).unwrap();
    let p = mfac_login::login::Running::new(compiled, "p.mfa", text.as_bytes(), s_now(&s));
    let step_up = mfac_login::login::Begin {
        user,
        groups: &[],
        app: Some("Payments"),
        ip: "10.9.9.9".parse().ok(),
        external: mfac_core::FactorSet::EMPTY,
        step_up: true,
    };
    let l = s.v.begin(&p, &step_up).await.unwrap();
    assert_eq!(
        (l.decision.decision, l.decision.aal),
        (mfac_core::Outcome::Allow, mfac_core::policy::Aal::Aal3),
        "a fresh AAL3 factor: no challenge, whatever the IP"
    );
    s.clock.advance(SignedDuration::from_mins(51));
    let l = s.v.begin(&p, &step_up).await.unwrap();
    assert_eq!(l.decision.decision, mfac_core::Outcome::Challenge);
}

/// The SHA-384 of migration 4's text as an earlier release applied it,
/// before its comment was reworded.
const MIGRATION_4_BEFORE: &str = "dcfbe683e6fa525699d7b70c081aa9a2f30e764d4cfb098e7b1a2e9261840b9252d0221c1830402257c3d81c94cf914c";

/// Set, or read, migration 4's recorded checksum (hex) in the store of `s`.
async fn migration_4(s: &Setup, set: Option<&str>) -> String {
    let (place, schema) = &s.place;
    match s.backend {
        Backend::Sqlite => {
            let pool = sqlx::SqlitePool::connect(&format!("sqlite://{place}"))
                .await
                .unwrap();
            if let Some(hex) = set {
                let sql =
                    format!("UPDATE _sqlx_migrations SET checksum = X'{hex}' WHERE version = 4");
                sqlx::query(&sql).execute(&pool).await.unwrap();
            }
            let sql = "SELECT lower(hex(checksum)) FROM _sqlx_migrations WHERE version = 4";
            let got: String = sqlx::query_scalar(sql).fetch_one(&pool).await.unwrap();
            pool.close().await;
            got
        }
        Backend::Postgres => {
            let pool = sqlx::PgPool::connect(place).await.unwrap();
            if let Some(hex) = set {
                let sql = format!("UPDATE {schema}._sqlx_migrations SET checksum = decode('{hex}', 'hex') WHERE version = 4");
                sqlx::query(&sql).execute(&pool).await.unwrap();
            }
            let sql = format!(
                "SELECT encode(checksum, 'hex') FROM {schema}._sqlx_migrations WHERE version = 4"
            );
            let got: String = sqlx::query_scalar(&sql).fetch_one(&pool).await.unwrap();
            pool.close().await;
            got
        }
    }
}

/// A store an earlier release migrated recorded migration 4 with the text
/// it had then; only its comment has changed since, so the store opens and
/// its record moves to the new text. Any other checksum is still refused.
async fn a_store_migrated_before_a_comment_was_reworded_still_opens(s: Setup) {
    let now = migration_4(&s, None).await;
    assert_ne!(now, MIGRATION_4_BEFORE);
    migration_4(&s, Some(MIGRATION_4_BEFORE)).await;
    open(s.backend, &s.place).await;
    assert_eq!(migration_4(&s, None).await, now);
    migration_4(&s, Some(&"00".repeat(48))).await;
    let reopened = match s.backend {
        Backend::Sqlite => Store::open_sqlite(&s.place.0).await,
        Backend::Postgres => Store::open_postgres(&s.place.0, &s.place.1).await,
    };
    assert!(
        reopened.is_err(),
        "a migration whose text does not match is refused"
    );
}

on_both_stores!(
    reworded_migration,
    a_store_migrated_before_a_comment_was_reworded_still_opens
);

/// A helpdesk bypass kept by the store: granted within the policy, in
/// force for the login that reads it, over at `until`, ended once; each
/// change with its audit event, replicas seeing the same rows.
async fn bypasses_are_granted_honoured_and_ended_once(s: Setup) {
    use mfac_login::helpdesk::{BypassError, BypassRequest};
    let text = "default { enforcement required factors totp }\nbypass max 24h for group \"Helpdesk Approved\"\n";
    let compiled = {
        use mfac_lang::Compile;
        mfac_core::Policy::compile("bypass.mfa", text).unwrap()
    };
    let p = mfac_login::login::Running::new(compiled, "bypass.mfa", text.as_bytes(), at(0));
    let user = "ann@acme.test";
    let groups = ["Helpdesk Approved"];
    let now = {
        use mfac_login::clock::Clock;
        s.clock.now()
    };
    let later = |h: i64| {
        now.checked_add(jiff::SignedDuration::from_hours(h))
            .unwrap()
    };
    let ask = |until| BypassRequest {
        user,
        groups: &groups,
        until,
        reason: "lost phone",
        ticket: "HD-1",
    };
    let refused = s.v.grant_bypass(&p, &ask(later(25))).await;
    assert!(
        matches!(refused, Err(BypassError::Refused(_))),
        "{refused:?}"
    );
    let row = s.v.grant_bypass(&p, &ask(later(8))).await.unwrap();
    // The other replica's login reads it.
    let state = s.other.store.login_state(user, now).await.unwrap();
    assert_eq!(
        state.bypass.as_ref().map(|b| b.id.as_str()),
        Some(row.id.as_str())
    );
    let l = s
        .other
        .begin_login(&p, user, &groups, None, None)
        .await
        .unwrap();
    assert_eq!(l.decision.decision, mfac_core::Outcome::Allow);
    assert_eq!(
        l.decision.exempt.as_ref().map(|e| e.source),
        Some(mfac_core::wire::ExemptSource::Bypass)
    );
    // Past `until`, nothing is in force.
    assert!(s
        .v
        .store
        .login_state(user, later(9))
        .await
        .unwrap()
        .bypass
        .is_none());
    // Ended once, by one replica; the other finds nothing left to end.
    let (a, b) = tokio::join!(
        s.v.end_bypass(user, Some(&row.id), "found it"),
        s.other.end_bypass(user, Some(&row.id), "found it")
    );
    assert_eq!(a.unwrap().len() + b.unwrap().len(), 1);
    assert!(s
        .v
        .store
        .login_state(user, now)
        .await
        .unwrap()
        .bypass
        .is_none());
    let listed = s.v.store.bypasses(Some(user)).await.unwrap();
    assert_eq!(listed.len(), 1);
    assert!(listed[0].ended_at.is_some());
    let kinds: Vec<String> =
        s.v.store
            .audit_page(&mfac_login::store::AuditQuery {
                user: Some(user),
                ..Default::default()
            })
            .await
            .unwrap()
            .events
            .iter()
            .map(|e| e.kind.name().to_string())
            .collect();
    for want in ["bypass_refused", "bypass_granted", "bypass_ended"] {
        assert_eq!(
            kinds.iter().filter(|k| *k == want).count(),
            1,
            "{want}: {kinds:?}"
        );
    }
}

on_both_stores!(bypasses, bypasses_are_granted_honoured_and_ended_once);
