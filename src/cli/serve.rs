//! `mfac serve POLICY`: the login-time service (docs/api.md), started from
//! flags. Exit 1 if the policy has errors, 2 on bad flags or an unusable
//! database or key; then it serves until SIGTERM or Ctrl-C.

use super::{Failure, Outcome};
use mfac_login::secret::SecretKey;
use std::net::SocketAddr;
use std::path::{Path, PathBuf};
use std::process::ExitCode;
use std::sync::Arc;

#[derive(clap::Args)]
#[command(
    about = "Serve decisions and verify factors at sign-in (HTTP)",
    after_help = "Examples:\n  mfac serve policies/acme.mfa --demo\n  mfac serve policies/acme.mfa --db postgres://mfac@db/mfac --token-file /etc/mfac/tokens --key-file /etc/mfac/key --rp-id login.acme.test --origin https://login.acme.test --watch"
)]
pub struct Args {
    /// The policy file; reloaded on SIGHUP (and with --watch, when it changes)
    #[arg(value_name = "POLICY")]
    policy: PathBuf,
    /// The address to listen on (plain HTTP; put TLS in a proxy in front)
    #[arg(long, default_value = "127.0.0.1:8080", value_name = "ADDR")]
    listen: SocketAddr,
    /// The store: sqlite://FILE (created on first start) or postgres://...
    #[arg(long, default_value = "sqlite://mfac.db", value_name = "URL")]
    db: String,
    /// Bearer tokens the /v1 routes accept, one per line (at least 32 characters)
    #[arg(long, value_name = "FILE")]
    token_file: Option<PathBuf>,
    /// The key that seals secrets at rest: 64 hex digits (never in the database)
    #[arg(long, value_name = "FILE")]
    key_file: Option<PathBuf>,
    /// The WebAuthn relying party id: the site's domain
    #[arg(long, default_value = "localhost", value_name = "ID")]
    rp_id: String,
    /// The origin browsers sign passkeys for [default: http://localhost:PORT]
    #[arg(long, value_name = "URL")]
    origin: Option<String>,
    /// Reload the policy when its file changes
    #[arg(long)]
    watch: bool,
    /// Let a reload ask less of some login than the running policy (a
    /// lower enforcement, another factor, a longer remember window or
    /// grace, a new exemption); refused by default, with the login it
    /// would loosen
    #[arg(long)]
    allow_loosening_reload: bool,
    /// Generate a token and a key, and serve a sign-in page at /demo
    /// (on a loopback address only, unless --demo-public)
    #[arg(long)]
    demo: bool,
    /// Let --demo listen on an address other hosts can reach: its page
    /// signs anyone in who has the link
    #[arg(long, requires = "demo")]
    demo_public: bool,
    /// Consecutive failures that lock verification
    #[arg(long, default_value_t = 5, value_name = "N")]
    max_failures: u32,
    /// The first lock-out, in seconds; each repeated one doubles it
    #[arg(long, default_value_t = 60, value_name = "SECONDS")]
    lockout: u32,
    /// The longest lock-out, in seconds
    #[arg(long, default_value_t = 86_400, value_name = "SECONDS")]
    max_lockout: u32,
    /// Failures without a success after which only an administrator unlocks
    #[arg(long, default_value_t = 100, value_name = "N")]
    hard_limit: u32,
    /// Challenges one user may have open (unanswered, unexpired) at once;
    /// one more is refused with 429
    #[arg(long, default_value_t = 5, value_name = "N")]
    max_open_logins: u32,
    /// External answers (sms, email, push; approved or denied) one user may
    /// give in 10 minutes; past it they are refused with 429 (push fatigue)
    #[arg(long, default_value_t = 10, value_name = "N")]
    max_external_prompts: u32,
    /// A request not answered within this is answered 408, in seconds
    #[arg(long, default_value_t = 10, value_name = "SECONDS", value_parser = clap::value_parser!(u32).range(1..))]
    request_timeout: u32,
    /// A client must send a request's headers within this, in seconds
    /// (slow clients holding connections open are cut off)
    #[arg(long, default_value_t = 10, value_name = "SECONDS", value_parser = clap::value_parser!(u32).range(1..))]
    header_read_timeout: u32,
    /// A keep-alive connection with no traffic for this long is closed, in
    /// seconds
    #[arg(long, default_value_t = 60, value_name = "SECONDS", value_parser = clap::value_parser!(u32).range(1..))]
    keep_alive_timeout: u32,
    /// Enrolments one user may have pending (unconfirmed) at once
    #[arg(long, default_value_t = 5, value_name = "N")]
    max_pending: u32,
    /// How often expired logins, ceremonies and unconfirmed enrolments
    /// (after an hour) are deleted, in seconds
    #[arg(long, default_value_t = 60, value_name = "SECONDS", value_parser = clap::value_parser!(u32).range(1..))]
    sweep_interval: u32,
    /// Shown beside the account in authenticator apps
    #[arg(long, default_value = "mfac", value_name = "NAME")]
    issuer: String,
    /// The least severe log lines written: `info` logs every request but a
    /// successful /v1/decide, /healthz or /metrics (route, status, time);
    /// `debug` those too; `warn` keeps reload failures and errors only
    #[arg(long, default_value = "info", value_name = "LEVEL", value_parser = ["error", "warn", "info", "debug"])]
    log: String,
}

fn unhex(text: &str) -> Option<Vec<u8>> {
    let t = text.trim();
    if t.len() % 2 != 0 {
        return None;
    }
    (0..t.len())
        .step_by(2)
        .map(|i| t.get(i..i + 2).and_then(|h| u8::from_str_radix(h, 16).ok()))
        .collect()
}

/// Read the key file: 64 hex digits, readable by its owner only (as ssh
/// asks of a private key). Errors name the file, never its text.
fn read_key(path: &Path) -> Result<SecretKey, Failure> {
    use std::os::unix::fs::PermissionsExt;
    let mode = std::fs::metadata(path)
        .map_err(|e| Failure::input(format!("--key-file {}: {e}", path.display())))?
        .permissions()
        .mode();
    if mode & 0o077 != 0 {
        return Err(Failure::input(format!(
            "--key-file {}: the key is readable by others (mode {:o}); `chmod 600 {}`, and consider it seen",
            path.display(),
            mode & 0o777,
            path.display()
        )));
    }
    let text = std::fs::read_to_string(path)
        .map_err(|e| Failure::input(format!("--key-file {}: {e}", path.display())))?;
    let bytes = unhex(&text).filter(|b| b.len() == 32).ok_or_else(|| {
        Failure::input(format!(
            "--key-file {}: the key is 64 hex digits (32 bytes)",
            path.display()
        ))
    })?;
    SecretKey::from_bytes(&bytes)
        .map_err(|e| Failure::input(format!("--key-file {}: {e}", path.display())))
}

/// `--demo` without `--key-file`: a key beside the database, made once
/// (readable by its owner only) and reused, so a restart still opens the
/// secrets.
fn demo_key(db: &str) -> Result<SecretKey, Failure> {
    let base = db
        .strip_prefix("sqlite://")
        .or_else(|| db.strip_prefix("sqlite:"))
        .filter(|_| !db.starts_with("postgres"))
        .map(|p| p.split('?').next().unwrap_or(p).to_string())
        .unwrap_or_else(|| "mfac-demo".to_string());
    let path = PathBuf::from(format!("{base}.key"));
    if !path.exists() {
        let (bytes, _) = SecretKey::generate().map_err(|e| Failure::input(e.to_string()))?;
        write_private(&path, &mfac_login::hex(&bytes))?;
        eprintln!("mfac serve: demo key written to {}", path.display());
    }
    read_key(&path)
}

fn write_private(path: &Path, text: &str) -> Result<(), Failure> {
    use std::io::Write;
    use std::os::unix::fs::OpenOptionsExt;
    let mut f = std::fs::OpenOptions::new()
        .write(true)
        .create_new(true)
        .mode(0o600)
        .open(path)
        .map_err(|e| Failure::input(format!("cannot write {}: {e}", path.display())))?;
    writeln!(f, "{text}")
        .map_err(|e| Failure::input(format!("cannot write {}: {e}", path.display())))
}

/// For the tests of the real binary only (the `test-clock` feature, which
/// only the tests turn on): the system's clock shifted by the seconds
/// written in the file named by `MFAC_TEST_CLOCK_OFFSET_FILE`, read at
/// every tick, so a test can step past a challenge's five minutes or a
/// remember window. Announced on stderr when in use. A release build has
/// no such hook: its clock is the system's.
#[cfg(feature = "test-clock")]
struct OffsetClock(PathBuf);

#[cfg(feature = "test-clock")]
impl mfac_login::clock::Clock for OffsetClock {
    fn now(&self) -> jiff::Timestamp {
        let offset = std::fs::read_to_string(&self.0)
            .ok()
            .and_then(|t| t.trim().parse::<i64>().ok())
            .unwrap_or(0);
        let now = jiff::Timestamp::now();
        now.checked_add(jiff::SignedDuration::from_secs(offset))
            .unwrap_or(now)
    }
}

#[cfg(feature = "test-clock")]
fn clock() -> Arc<dyn mfac_login::clock::Clock> {
    match std::env::var_os("MFAC_TEST_CLOCK_OFFSET_FILE") {
        Some(path) => {
            eprintln!(
                "mfac serve: WARNING: the clock is shifted by the seconds in {} (MFAC_TEST_CLOCK_OFFSET_FILE, a test build)",
                PathBuf::from(&path).display()
            );
            Arc::new(OffsetClock(PathBuf::from(path)))
        }
        None => Arc::new(mfac_login::clock::SystemClock),
    }
}

#[cfg(not(feature = "test-clock"))]
fn clock() -> Arc<dyn mfac_login::clock::Clock> {
    Arc::new(mfac_login::clock::SystemClock)
}

pub fn run(a: Args) -> Outcome {
    // Logs go to stderr, one line per event, never with a secret (the
    // service logs routes, statuses and ids, not bodies or tokens).
    let level = match a.log.as_str() {
        "error" => tracing_subscriber::filter::LevelFilter::ERROR,
        "warn" => tracing_subscriber::filter::LevelFilter::WARN,
        "debug" => tracing_subscriber::filter::LevelFilter::DEBUG,
        _ => tracing_subscriber::filter::LevelFilter::INFO,
    };
    let _ = tracing_subscriber::fmt()
        .with_max_level(level)
        .with_writer(std::io::stderr)
        .with_target(false)
        .try_init();
    if a.demo && !a.listen.ip().is_loopback() && !a.demo_public {
        return Err(Failure::input(format!(
            "--demo listens on loopback only: {} is reachable from other hosts (add --demo-public if that is meant)",
            a.listen
        )));
    }
    // `--demo` mints a token of its own for the page, accepted beside any
    // in `--token-file`.
    let demo_token = if a.demo {
        let bytes = mfac_login::random_bytes::<32>().map_err(|e| Failure::input(e.to_string()))?;
        Some(mfac_login::hex(&bytes))
    } else {
        None
    };
    let mut token_text = match &a.token_file {
        Some(path) => std::fs::read_to_string(path)
            .map_err(|e| Failure::input(format!("--token-file {}: {e}", path.display())))?,
        None if a.demo => String::new(),
        None => {
            return Err(Failure::input(
                "--token-file is needed (or --demo, which generates a token)",
            ))
        }
    };
    if let Some(t) = &demo_token {
        token_text = format!("{token_text}\n{t}\n");
    }
    let tokens = mfac_serve::Tokens::parse(&token_text).map_err(|e| match &a.token_file {
        Some(path) => Failure::input(format!("--token-file {}: {e}", path.display())),
        None => Failure::input(e),
    })?;
    if let Some(t) = &demo_token {
        println!("mfac serve: demo token {t}");
    }
    let key = match (&a.key_file, a.demo) {
        (Some(path), _) => read_key(path)?,
        (None, true) => demo_key(&a.db)?,
        (None, false) => {
            return Err(Failure::input(
                "--key-file is needed (or --demo, which generates a key)",
            ))
        }
    };
    let running = mfac_serve::reload::load(&a.policy, jiff::Timestamp::now()).map_err(|e| {
        let mut f = Failure::input(e.to_string());
        if matches!(e, mfac_serve::reload::LoadError::Invalid(_)) {
            f.code = 1;
        }
        f
    })?;
    let limits = mfac_login::throttle::Limits {
        max_failures: a.max_failures.max(1),
        backoff: jiff::SignedDuration::from_secs(i64::from(a.lockout)),
        max_backoff: jiff::SignedDuration::from_secs(i64::from(a.max_lockout)),
        hard_limit: a.hard_limit.max(1),
    };
    let runtime = tokio::runtime::Builder::new_multi_thread()
        .enable_all()
        .build()
        .map_err(|e| Failure::input(format!("cannot start: {e}")))?;
    runtime.block_on(async move {
        let store = mfac_login::store::Store::open(&a.db)
            .await
            .map_err(|e| Failure::input(e.to_string()))?;
        // Bound first, so the default origin names the port actually
        // taken (`--listen 127.0.0.1:0` picks one).
        let listener = tokio::net::TcpListener::bind(a.listen)
            .await
            .map_err(|e| Failure::input(format!("--listen {}: {e}", a.listen)))?;
        let addr = listener.local_addr().unwrap_or(a.listen);
        let origin = a
            .origin
            .clone()
            .unwrap_or_else(|| format!("http://localhost:{}", addr.port()));
        let clock = clock();
        let mut verifier = mfac_login::verify::Verifier::new(store, key, clock.clone(), &a.issuer);
        // A key that cannot open the store's secrets is found now, not at
        // the first sign-in.
        verifier.check_key().await.map_err(|e| {
            Failure::input(format!(
                "--key-file: {e} (the store's secrets were sealed under another key)"
            ))
        })?;
        verifier.limits = limits;
        verifier.max_open_logins = a.max_open_logins.max(1);
        verifier.max_pending = a.max_pending.max(1);
        verifier.external_limit = mfac_login::store::ExternalLimit {
            max: a.max_external_prompts.max(1),
            window: jiff::SignedDuration::from_mins(10),
        };
        verifier.webauthn = Some(
            mfac_login::webauthn::relying_party(&a.rp_id, &origin, &a.issuer)
                .map_err(|e| Failure::input(format!("--rp-id/--origin: {e}")))?,
        );
        let sha = running.sha256.clone();
        let mut app = mfac_serve::App::new(
            verifier,
            clock,
            running,
            a.policy.clone(),
            tokens,
            demo_token,
        );
        app.allow_loosening_reload = a.allow_loosening_reload;
        let secs = |s: u32| std::time::Duration::from_secs(u64::from(s));
        app.request_timeout = secs(a.request_timeout);
        app.timeouts = mfac_serve::listen::Timeouts {
            header_read: secs(a.header_read_timeout),
            idle: secs(a.keep_alive_timeout),
        };
        let app = Arc::new(app);
        mfac_serve::reload::on_sighup(app.clone())
            .map_err(|e| Failure::input(format!("cannot listen for SIGHUP: {e}")))?;
        if a.watch {
            mfac_serve::reload::watch(app.clone());
        }
        mfac_serve::sweep::every(
            app.clone(),
            std::time::Duration::from_secs(u64::from(a.sweep_interval)),
        );
        eprintln!(
            "mfac serve: listening on http://{addr} (policy {} sha256 {sha})",
            a.policy.display()
        );
        if let Some(t) = &app.demo_token {
            // The link with the token goes to standard output, beside the
            // token, never to the log.
            println!(
                "mfac serve: the demo page is at http://localhost:{}/demo#token={t}",
                addr.port()
            );
            eprintln!(
                "mfac serve: the demo page is at http://localhost:{}/demo (the link with its token is on standard output)",
                addr.port()
            );
        }
        mfac_serve::serve(app, listener, mfac_serve::shutdown_signal())
            .await
            .map_err(|e| Failure::input(format!("the server stopped: {e}")))?;
        Ok(ExitCode::SUCCESS)
    })
}
