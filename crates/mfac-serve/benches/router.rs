//! The service's own cost per request, in process: the whole router (token
//! check, limits, metrics, the handler, the answer's bytes) called
//! directly, with no sockets and no load generator sharing the cores.
//! `/healthz` is the floor `cargo bench --bench serve` compares
//! `/v1/decide` with over HTTP; here the difference is the routes' own.
//!
//! `cargo bench -p mfac-serve --bench router`

#![allow(clippy::unwrap_used, clippy::expect_used)]

use axum::body::Body;
use axum::http::Request;
use mfac_testing::service::POLICY;
use std::sync::Arc;
use tower::ServiceExt;

const TOKEN: &str = "bench-token-bench-token-bench-token-0001";
const DECIDE: &str = r#"{"user": "root@acme.test", "groups": ["Administrators", "Support Agents"], "app": "Finance"}"#;

fn main() {
    divan::main();
}

struct Setup {
    rt: tokio::runtime::Runtime,
    router: axum::Router,
}

fn setup() -> Setup {
    use mfac_lang::Compile;
    let rt = tokio::runtime::Builder::new_current_thread()
        .enable_all()
        .build()
        .unwrap();
    let dir = std::env::temp_dir().join(format!("mfac-router-bench-{}", std::process::id()));
    std::fs::create_dir_all(&dir).unwrap();
    let db = dir.join("store.db");
    let _ = std::fs::remove_file(&db);
    let store = rt
        .block_on(mfac_login::store::Store::open_sqlite(db.to_str().unwrap()))
        .unwrap();
    let (_, key) = mfac_login::secret::SecretKey::generate().unwrap();
    let clock: Arc<dyn mfac_login::clock::Clock> = Arc::new(mfac_login::clock::SystemClock);
    let verifier = mfac_login::verify::Verifier::new(store, key, clock.clone(), "Bench");
    let policy = mfac_core::Policy::compile("bench.mfa", POLICY).unwrap();
    let running = mfac_login::login::Running::new(
        policy,
        "bench.mfa",
        POLICY.as_bytes(),
        jiff::Timestamp::now(),
    );
    let tokens = mfac_serve::Tokens::parse(TOKEN).unwrap();
    let app = mfac_serve::App::new(verifier, clock, running, "bench.mfa".into(), tokens, None);
    let router = mfac_serve::router(Arc::new(app));
    Setup { rt, router }
}

fn call(s: &Setup, req: Request<Body>) -> u16 {
    let r = s.rt.block_on(s.router.clone().oneshot(req)).unwrap();
    assert!(r.status().is_success(), "{}", r.status());
    r.status().as_u16()
}

#[divan::bench]
fn healthz(b: divan::Bencher) {
    let s = setup();
    b.bench_local(|| call(&s, Request::get("/healthz").body(Body::empty()).unwrap()));
}

#[divan::bench]
fn decide(b: divan::Bencher) {
    let s = setup();
    b.bench_local(|| {
        let req = Request::post("/v1/decide")
            .header("authorization", format!("Bearer {TOKEN}"))
            .header("content-type", "application/json")
            .body(Body::from(DECIDE))
            .unwrap();
        call(&s, req)
    });
}
