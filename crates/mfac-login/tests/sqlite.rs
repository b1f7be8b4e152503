//! Real ceremonies over a real SQLite file: codes generated from the seed at
//! controlled times, the same code twice, the enrolment code reused, many
//! concurrent requests with one code, backup codes, a wrong key, and no
//! secret in the audit trail or in `Debug`.

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

struct Setup {
    v: Arc<Verifier>,
    clock: Arc<ManualClock>,
    key: [u8; 32],
    path: String,
}

async fn setup(name: &str) -> Setup {
    let path = db_path(name);
    let store = Store::open_sqlite(&path).await.unwrap();
    let (key, secret) = SecretKey::generate().unwrap();
    let clock = Arc::new(ManualClock::new(Timestamp::from_second(T0).unwrap()));
    let v = Arc::new(Verifier::new(store, secret, clock.clone(), "Acme"));
    Setup {
        v,
        clock,
        key,
        path,
    }
}

/// The seed behind an enrolment link (what the user's app reads from the QR code).
fn seed_of(uri: &str) -> Seed {
    let secret = uri
        .split("secret=")
        .nth(1)
        .unwrap()
        .split('&')
        .next()
        .unwrap();
    let bytes = base32_decode(secret);
    Seed::from_bytes(&bytes).unwrap()
}

fn base32_decode(s: &str) -> Vec<u8> {
    const A: &[u8] = b"ABCDEFGHIJKLMNOPQRSTUVWXYZ234567";
    let mut bits = 0u64;
    let mut n = 0;
    let mut out = Vec::new();
    for c in s.bytes().filter(|c| *c != b'=') {
        bits = (bits << 5) | A.iter().position(|a| *a == c).unwrap() as u64;
        n += 5;
        if n >= 8 {
            n -= 8;
            out.push((bits >> n) as u8);
        }
    }
    out
}

fn at(s: i64) -> Timestamp {
    Timestamp::from_second(s).unwrap()
}

#[tokio::test]
async fn enrol_confirm_and_sign_in_once_per_code() {
    let s = setup("flow").await;
    let e = s.v.enrol_totp("ann@acme.test").await.unwrap();
    let seed = seed_of(&e.uri);
    // Not yet active: a code does not sign in.
    assert_eq!(
        s.v.verify_totp("ann@acme.test", &seed.code_at(at(T0)))
            .await
            .unwrap(),
        Verification::Failed {
            reason: "no_factor"
        }
    );
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
    assert_eq!(
        s.v.verify_totp("ann@acme.test", &first).await.unwrap(),
        Verification::Failed {
            reason: "code_used"
        }
    );
    // The next step's code signs in, once.
    s.clock.advance(SignedDuration::from_secs(30));
    let second = seed.code_at(s_now(&s));
    assert_eq!(
        s.v.verify_totp("ann@acme.test", &second).await.unwrap(),
        Verification::Verified { factor: e.factor }
    );
    assert_eq!(
        s.v.verify_totp("ann@acme.test", &second).await.unwrap(),
        Verification::Failed {
            reason: "code_used"
        }
    );
    // One step of skew is accepted; two are not.
    let late = seed.code_at(at(T0 + 60));
    s.clock.set(at(T0 + 90));
    assert_eq!(
        s.v.verify_totp("ann@acme.test", &late).await.unwrap(),
        Verification::Verified { factor: e.factor }
    );
    let stale = seed.code_at(at(T0 + 90));
    s.clock.set(at(T0 + 150));
    assert_eq!(
        s.v.verify_totp("ann@acme.test", &stale).await.unwrap(),
        Verification::Failed {
            reason: "invalid_code"
        }
    );
    // An older step after a newer one is refused too.
    s.clock.set(at(T0 + 180));
    let newer = seed.code_at(at(T0 + 180));
    assert!(matches!(
        s.v.verify_totp("ann@acme.test", &newer).await.unwrap(),
        Verification::Verified { .. }
    ));
    let older = seed.code_at(at(T0 + 150));
    assert_eq!(
        s.v.verify_totp("ann@acme.test", &older).await.unwrap(),
        Verification::Failed {
            reason: "code_used"
        }
    );
}

fn s_now(s: &Setup) -> Timestamp {
    use mfac_login::clock::Clock;
    s.clock.now()
}

#[tokio::test(flavor = "multi_thread", worker_threads = 4)]
async fn sixteen_concurrent_requests_with_one_code_succeed_once() {
    let s = setup("race").await;
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
        .map(|_| {
            let v = s.v.clone();
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

    // The same for one backup code.
    let codes = s.v.new_backup_codes("bob@acme.test").await.unwrap();
    let tasks: Vec<_> = (0..16)
        .map(|_| {
            let v = s.v.clone();
            let code = codes[0].clone();
            tokio::spawn(async move { v.verify_backup_code("bob@acme.test", &code).await.unwrap() })
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

#[tokio::test]
async fn backup_codes_are_one_use_and_a_new_set_replaces_the_old() {
    let s = setup("backup").await;
    let old = s.v.new_backup_codes("cy@acme.test").await.unwrap();
    assert_eq!(old.len(), 10);
    assert!(matches!(
        s.v.verify_backup_code("cy@acme.test", &old[1])
            .await
            .unwrap(),
        Verification::Verified { .. }
    ));
    assert_eq!(
        s.v.verify_backup_code("cy@acme.test", &old[1])
            .await
            .unwrap(),
        Verification::Failed {
            reason: "invalid_code"
        },
        "a used code is no longer among the unused"
    );
    let new = s.v.new_backup_codes("cy@acme.test").await.unwrap();
    assert_eq!(
        s.v.verify_backup_code("cy@acme.test", &old[2])
            .await
            .unwrap(),
        Verification::Failed {
            reason: "invalid_code"
        }
    );
    assert!(matches!(
        s.v.verify_backup_code("cy@acme.test", &new[2])
            .await
            .unwrap(),
        Verification::Verified { .. }
    ));
    // Another user's code is not this user's.
    assert_eq!(
        s.v.verify_backup_code("dee@acme.test", &new[3])
            .await
            .unwrap(),
        Verification::Failed {
            reason: "invalid_code"
        }
    );
}

#[tokio::test]
async fn a_wrong_key_is_a_clear_error_and_no_secret_leaks() {
    let s = setup("leak").await;
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
    let store = Store::open_sqlite(&s.path).await.unwrap();
    let (_, other) = SecretKey::generate().unwrap();
    let clock = Arc::new(ManualClock::new(at(T0 + 30)));
    let wrong = Verifier::new(store, other, clock, "Acme");
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
    let events = s.v.store.audit_events(Some("eve@acme.test")).await.unwrap();
    assert!(events.iter().any(|e| e.kind == "totp_enrolled"));
    let shown = format!(
        "{events:?} {e:?} {:?}",
        s.v.store
            .factors("eve@acme.test", "totp", "active")
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
    let file = std::fs::read(&s.path).unwrap();
    let wal = std::fs::read(format!("{}-wal", s.path)).unwrap_or_default();
    for blob in [&file, &wal] {
        assert!(!blob
            .windows(secret_b32.len())
            .any(|w| w == secret_b32.as_bytes()));
        assert!(
            !blob.windows(20).any(|w| w == seed.as_bytes()),
            "the seed is sealed at rest"
        );
        for c in &backup {
            assert!(
                !blob.windows(c.len()).any(|w| w == c.as_bytes()),
                "backup codes are hashed"
            );
        }
    }
    let _ = s.key;
}
