//! mfac-serve: `mfac serve`, the login-time HTTP service of docs/api.md, as a
//! thin layer over `mfac-login`. The contract (routes, status codes, JSON
//! shapes) is fixed; this crate maps it onto the library and adds what a
//! service needs around it: bearer tokens, body limits and timeouts,
//! hot reload, `/healthz`, `/metrics`, logs and a graceful shutdown.

#![forbid(unsafe_code)]

mod demo;
pub mod error;
pub mod listen;
pub mod metrics;
pub mod openapi;
pub mod reload;
mod routes;
pub mod sweep;
pub mod tokens;

use arc_swap::{ArcSwap, ArcSwapOption};
use axum::extract::{MatchedPath, Request, State};
use axum::http::{header, StatusCode};
use axum::middleware::Next;
use axum::response::{IntoResponse, Response};
use mfac_login::clock::Clock;
use mfac_login::login::Running;
use mfac_login::verify::Verifier;
use std::path::PathBuf;
use std::sync::Arc;
use std::time::Duration;

pub use error::ApiError;
pub use tokens::Tokens;

/// The largest request body accepted (a WebAuthn credential is a few KiB).
pub const BODY_LIMIT: usize = 64 * 1024;

/// How long a request may take before it is answered 408 (the default of
/// `--request-timeout`).
pub const REQUEST_TIMEOUT: Duration = Duration::from_secs(10);

/// The running service's state, shared by every request.
pub struct App {
    pub verifier: Verifier,
    /// The policy decisions are made on; replaced whole by a reload.
    pub policy: ArcSwap<Running>,
    pub path: PathBuf,
    /// Why the last reload was refused, until one succeeds.
    pub reload_error: ArcSwapOption<String>,
    pub tokens: Tokens,
    pub metrics: metrics::Metrics,
    /// `--demo`: the generated token, which the demo page uses.
    pub demo_token: Option<String>,
    /// `--allow-loosening-reload`: a reload may ask less of some login than
    /// the running policy (audited as such); refused otherwise.
    pub allow_loosening_reload: bool,
    /// A request not answered within this is answered 408.
    pub request_timeout: Duration,
    /// How long a connection may take over its headers, and stay idle.
    pub timeouts: listen::Timeouts,
    clock: Arc<dyn Clock>,
    reloading: tokio::sync::Mutex<()>,
}

impl App {
    pub fn new(
        verifier: Verifier,
        clock: Arc<dyn Clock>,
        running: Running,
        path: PathBuf,
        tokens: Tokens,
        demo_token: Option<String>,
    ) -> App {
        App {
            verifier,
            policy: ArcSwap::from_pointee(running),
            path,
            reload_error: ArcSwapOption::empty(),
            tokens,
            metrics: metrics::Metrics::default(),
            demo_token,
            allow_loosening_reload: false,
            request_timeout: REQUEST_TIMEOUT,
            timeouts: listen::Timeouts::default(),
            clock,
            reloading: tokio::sync::Mutex::new(()),
        }
    }

    pub fn now(&self) -> jiff::Timestamp {
        self.clock.now()
    }

    /// An event of the service itself (a reload), under the user `-`. A
    /// failure to write it is logged and counted: the reload has happened.
    async fn audit_system(
        &self,
        kind: mfac_login::events::EventKind,
        detail: String,
        sha256: Option<String>,
        reason: Option<&str>,
    ) {
        let mut e = mfac_login::store::AuditEvent::new(self.now(), "-", kind, detail);
        e.policy_sha256 = sha256;
        e.reason = reason.map(str::to_string);
        if let Err(err) = self.verifier.store.audit(&e).await {
            tracing::error!(error = %err, "cannot write the audit event of a reload");
            self.metrics
                .count("mfac_audit_write_failures_total", String::new());
        }
    }
}

/// Every `/v1` route wants `Authorization: Bearer TOKEN`.
async fn require_token(State(app): State<Arc<App>>, req: Request, next: Next) -> Response {
    let presented = req
        .headers()
        .get(header::AUTHORIZATION)
        .and_then(|v| v.to_str().ok())
        .and_then(|v| v.strip_prefix("Bearer "));
    match presented {
        Some(t) if app.tokens.accepts(t.trim()) => next.run(req).await,
        _ => {
            let mut r = ApiError::new(
                StatusCode::UNAUTHORIZED,
                "unauthorized",
                "a bearer token from --token-file is needed: Authorization: Bearer TOKEN",
            )
            .into_response();
            r.headers_mut().insert(
                header::WWW_AUTHENTICATE,
                header::HeaderValue::from_static("Bearer"),
            );
            r
        }
    }
}

/// A request not answered within `--request-timeout` is answered 408, in
/// the contract's JSON like every other refusal.
async fn time_limit(State(app): State<Arc<App>>, req: Request, next: Next) -> Response {
    let limit = app.request_timeout;
    match tokio::time::timeout(limit, next.run(req)).await {
        Ok(r) => r,
        Err(_) => ApiError::new(
            StatusCode::REQUEST_TIMEOUT,
            "timeout",
            format!(
                "the request was not answered within {} s; it may or may not have taken effect",
                limit.as_secs_f64()
            ),
        )
        .into_response(),
    }
}

/// Latency and status of every response, by route template (never the
/// path itself, which holds user ids), and one log line without a body.
async fn observe(State(app): State<Arc<App>>, req: Request, next: Next) -> Response {
    let route = req
        .extensions()
        .get::<MatchedPath>()
        .map_or("unmatched", |m| m.as_str())
        .to_string();
    let method = req.method().clone();
    let start = std::time::Instant::now();
    let response = next.run(req).await;
    let took = start.elapsed().as_secs_f64();
    let status = response.status();
    app.metrics.observe(&route, took);
    app.metrics.count(
        "mfac_http_responses_total",
        metrics::labels(&[("route", &route), ("status", status.as_str())]),
    );
    // The hot, pure routes answering as they should are counted in
    // /metrics and logged at debug only: a line each would cost a third
    // of /v1/decide's throughput. Everything else, and every refusal, is
    // logged.
    let routine =
        status.is_success() && matches!(route.as_str(), "/v1/decide" | "/healthz" | "/metrics");
    if routine {
        tracing::debug!(%method, %route, status = status.as_u16(), ms = took * 1e3, "request");
    } else {
        tracing::info!(%method, %route, status = status.as_u16(), ms = took * 1e3, "request");
    }
    response
}

/// The whole service: routes, token check, limits, timeouts, metrics.
pub fn router(app: Arc<App>) -> axum::Router {
    use axum::routing::{delete, get, post};
    let v1 = axum::Router::new()
        .route("/v1/decide", post(routes::decide::decide))
        .route("/v1/logins", post(routes::logins::begin_login))
        .route("/v1/logins/{login_id}/verify", post(routes::logins::verify))
        .route(
            "/v1/users/{user}/factors",
            get(routes::factors::list_factors),
        )
        .route(
            "/v1/users/{user}/factors/totp",
            post(routes::factors::enrol_totp),
        )
        .route(
            "/v1/users/{user}/factors/webauthn",
            post(routes::factors::enrol_webauthn),
        )
        .route(
            "/v1/users/{user}/factors/backup_code",
            post(routes::factors::new_backup_codes).delete(routes::factors::remove_backup_codes),
        )
        .route(
            "/v1/users/{user}/factors/{factor_id}/confirm",
            post(routes::factors::confirm),
        )
        .route(
            "/v1/users/{user}/factors/{factor_id}",
            delete(routes::factors::remove_factor).post(routes::factors::no_such_kind),
        )
        .route("/v1/users/{user}/unlock", post(routes::admin::unlock))
        .route("/v1/users/{user}/status", post(routes::status::status))
        .route(
            "/v1/users/{user}/bypass",
            post(routes::bypass::grant).delete(routes::bypass::end),
        )
        .route("/v1/audit", get(routes::admin::audit))
        .layer(axum::middleware::from_fn_with_state(
            app.clone(),
            require_token,
        ));
    let mut open = axum::Router::new()
        .route("/healthz", get(routes::health::healthz))
        .route("/metrics", get(routes::health::metrics))
        .route("/openapi.json", get(openapi::serve));
    if app.demo_token.is_some() {
        open = open.route("/demo", get(demo::page));
    }
    v1.merge(open)
        .fallback(|| async { ApiError::not_found("no such route") })
        .method_not_allowed_fallback(|| async {
            ApiError::new(
                StatusCode::METHOD_NOT_ALLOWED,
                "method_not_allowed",
                "this route does not take that method",
            )
        })
        .layer(axum::middleware::from_fn_with_state(
            app.clone(),
            time_limit,
        ))
        .layer(axum::middleware::from_fn_with_state(app.clone(), observe))
        .layer(axum::extract::DefaultBodyLimit::max(BODY_LIMIT))
        .layer(tower_http::catch_panic::CatchPanicLayer::custom(on_panic))
        .with_state(app)
}

/// A handler that panicked (a bug: the code has no unwrap) still answers
/// in the contract's shape, and without the panic's message, which might
/// hold a value from the request.
fn on_panic(_: Box<dyn std::any::Any + Send + 'static>) -> Response {
    tracing::error!("a request's handler panicked; answered 500");
    error::ApiError::new(
        StatusCode::INTERNAL_SERVER_ERROR,
        "internal",
        "the service failed on this request",
    )
    .into_response()
}

/// Serve on `listener` until `shutdown` resolves, then finish the requests
/// in flight (each writes its audit before it answers) and close the store.
pub async fn serve(
    app: Arc<App>,
    listener: tokio::net::TcpListener,
    shutdown: impl std::future::Future<Output = ()> + Send + 'static,
) -> std::io::Result<()> {
    let store = app.verifier.store.clone();
    let timeouts = app.timeouts;
    listen::serve(listener, router(app), timeouts, shutdown).await?;
    store.close().await;
    Ok(())
}

/// Resolves on SIGTERM or Ctrl-C.
pub async fn shutdown_signal() {
    use tokio::signal::unix::{signal, SignalKind};
    let term = async {
        match signal(SignalKind::terminate()) {
            Ok(mut s) => {
                s.recv().await;
            }
            Err(_) => std::future::pending::<()>().await,
        }
    };
    tokio::select! {
        _ = tokio::signal::ctrl_c() => {},
        _ = term => {},
    }
    tracing::info!("shutting down: finishing the requests in flight");
}
