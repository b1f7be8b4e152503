//! A bounded load test of `mfac serve` on loopback, from one run:
//!
//! 1. `POST /v1/decide`: requests/s and latency (p50, p99, max) from
//!    keep-alive connections;
//! 2. the same load while the policy is reloaded, broken and fixed, again
//!    and again: every request must answer 200, and no broken policy may
//!    be swapped in;
//! 3. `POST /v1/decide` and `GET /healthz` during a flood of backup-code
//!    guesses (every one of them sharing a real code's lookup key, so each
//!    costs an Argon2 hash until its user locks);
//! 4. the sign-in flow `POST /v1/logins` + `POST .../verify` (TOTP) per
//!    second, on SQLite and (with `MFAC_TEST_POSTGRES_URL`) on PostgreSQL.
//!
//! `cargo bench --bench serve`; `MFAC_LOAD_SECS` (default 5) and
//! `MFAC_LOAD_CONNS` (default 32) set the length and the connections. The
//! generator shares the machine's two cores with the server, so the
//! figures are what one box does, generator included.

#![allow(
    clippy::unwrap_used,
    clippy::expect_used,
    clippy::panic,
    clippy::indexing_slicing
)]

#[path = "../tests/common/mod.rs"]
mod common;

use common::server::{seed_of, start_on_system_clock as start, Server};
use mfac_testing::service::POLICY;
use serde_json::{json, Value};
use std::sync::atomic::{AtomicUsize, Ordering};
use std::sync::Arc;
use std::time::{Duration, Instant};
use tokio::io::{AsyncBufReadExt, AsyncReadExt, AsyncWriteExt, BufReader};
use tokio::net::TcpStream;

/// One keep-alive HTTP/1.1 connection.
struct Conn {
    io: BufReader<TcpStream>,
    token: String,
}

impl Conn {
    async fn open(s: &Server) -> Conn {
        let stream = TcpStream::connect(("127.0.0.1", s.port)).await.unwrap();
        stream.set_nodelay(true).unwrap();
        Conn {
            io: BufReader::new(stream),
            token: s.token.clone(),
        }
    }

    async fn call(&mut self, method: &str, path: &str, body: &str) -> (u16, Vec<u8>) {
        let req = format!(
            "{method} {path} HTTP/1.1\r\nhost: localhost\r\nauthorization: Bearer {}\r\ncontent-type: application/json\r\ncontent-length: {}\r\n\r\n{body}",
            self.token,
            body.len()
        );
        self.io.get_mut().write_all(req.as_bytes()).await.unwrap();
        let mut line = String::new();
        self.io.read_line(&mut line).await.unwrap();
        let status: u16 = line.split(' ').nth(1).unwrap_or("0").parse().unwrap_or(0);
        let mut length = 0;
        loop {
            line.clear();
            self.io.read_line(&mut line).await.unwrap();
            if line == "\r\n" || line.is_empty() {
                break;
            }
            let lower = line.to_ascii_lowercase();
            if let Some(v) = lower.strip_prefix("content-length:") {
                length = v.trim().parse().unwrap();
            }
        }
        let mut body = vec![0; length];
        self.io.read_exact(&mut body).await.unwrap();
        (status, body)
    }

    async fn json(&mut self, method: &str, path: &str, body: Value) -> (u16, Value) {
        let (status, bytes) = self.call(method, path, &body.to_string()).await;
        (
            status,
            serde_json::from_slice(&bytes).unwrap_or(Value::Null),
        )
    }
}

/// What one load run saw.
#[derive(Default)]
struct Tally {
    latencies: Vec<u32>,
    not_ok: usize,
    elapsed: Duration,
    /// CPU seconds the server spent (user + system) over the run.
    server_cpu: f64,
}

/// CPU seconds (user + system) a process has used, from /proc.
fn cpu_seconds(pid: u32) -> f64 {
    let stat = std::fs::read_to_string(format!("/proc/{pid}/stat")).unwrap_or_default();
    // Fields after the command name (which may hold spaces) end in `)`.
    let rest = stat.rsplit_once(')').map_or("", |(_, r)| r);
    let f: Vec<f64> = rest
        .split_whitespace()
        .map(|x| x.parse().unwrap_or(0.0))
        .collect();
    // utime and stime are fields 14 and 15, in clock ticks (100 per second).
    (f.get(11).copied().unwrap_or(0.0) + f.get(12).copied().unwrap_or(0.0)) / 100.0
}

/// Runs `load`, recording the server's CPU time over it.
fn measured(
    rt: &tokio::runtime::Runtime,
    s: &Server,
    load: impl std::future::Future<Output = Tally>,
) -> Tally {
    let before = cpu_seconds(s.child.id());
    let mut t = rt.block_on(load);
    t.server_cpu = cpu_seconds(s.child.id()) - before;
    t
}

impl Tally {
    fn merge(&mut self, other: Tally) {
        self.latencies.extend(other.latencies);
        self.not_ok += other.not_ok;
    }

    fn report(&mut self, what: &str, unit: &str) {
        self.latencies.sort_unstable();
        let n = self.latencies.len();
        let at = |q: f64| {
            let i = ((n as f64 * q) as usize).min(n.saturating_sub(1));
            f64::from(self.latencies.get(i).copied().unwrap_or(0)) / 1000.0
        };
        println!(
            "{what}: {n} {unit} in {:.2} s = {:.0} {unit}/s; p50 {:.3} ms, p99 {:.3} ms, max {:.3} ms; not 200: {}; server CPU {:.0} µs per {}",
            self.elapsed.as_secs_f64(),
            n as f64 / self.elapsed.as_secs_f64(),
            at(0.5),
            at(0.99),
            at(1.0),
            self.not_ok,
            self.server_cpu * 1e6 / n.max(1) as f64,
            unit.trim_end_matches('s'),
        );
    }
}

/// `conns` connections sending `POST /v1/decide` (or `GET` another route)
/// for `secs`.
async fn decide_load(s: &Server, conns: usize, secs: f64, route: &'static str) -> Tally {
    let bodies: Arc<Vec<String>> = Arc::new(
        [
            json!({"user": "ann@acme.test", "groups": ["Support Agents"]}),
            json!({"user": "root@acme.test", "groups": ["Administrators", "Support Agents"], "app": "Finance"}),
            json!({"user": "kim@acme.test", "groups": ["Kiosk"], "ip": "10.0.0.7"}),
            json!({"user": "bob@acme.test", "groups": []}),
        ]
        .iter()
        .map(Value::to_string)
        .collect(),
    );
    let start = Instant::now();
    let end = start + Duration::from_secs_f64(secs);
    let mut tasks = Vec::new();
    for c in 0..conns {
        let mut conn = Conn::open(s).await;
        let bodies = bodies.clone();
        tasks.push(tokio::spawn(async move {
            let mut t = Tally::default();
            let mut i = c;
            while Instant::now() < end {
                let sent = Instant::now();
                let (status, _) = if route == "/v1/decide" {
                    conn.call("POST", route, &bodies[i % bodies.len()]).await
                } else {
                    conn.call("GET", route, "").await
                };
                t.latencies.push(sent.elapsed().as_micros() as u32);
                t.not_ok += usize::from(status != 200);
                i += 1;
            }
            t
        }));
    }
    let mut all = Tally::default();
    for task in tasks {
        all.merge(task.await.unwrap());
    }
    all.elapsed = start.elapsed();
    all
}

/// Reload the policy `rounds` times, broken then fixed, checking after
/// each that a broken file was refused and a good one taken.
fn reload_storm(s: &Server, rounds: usize) -> usize {
    let path = s.dir.join("policy.mfa");
    let health = || s.raw("GET", "/healthz", None, None).json();
    let wait = |f: &dyn Fn(&Value) -> bool| {
        for _ in 0..200 {
            let h = health();
            if f(&h) {
                return h;
            }
            std::thread::sleep(Duration::from_millis(10));
        }
        panic!("the reload did not land: {}", health());
    };
    let mut reloads = 0;
    for round in 0..rounds {
        let good = health()["policy"]["sha256"].clone();
        std::fs::write(
            &path,
            format!("{POLICY}group \"Broken{round}\" {{ enforcement sometimes }}\n"),
        )
        .unwrap();
        s.signal("HUP");
        let h = wait(&|h| h["reload_error"].is_string());
        assert_eq!(
            h["policy"]["sha256"], good,
            "a broken policy was swapped in"
        );
        std::fs::write(
            &path,
            // A new text that decides the same: a reload that loosens the
            // running policy is refused (one that drops the group the
            // previous round added would loosen its members).
            format!("{POLICY}# round {round}\n"),
        )
        .unwrap();
        s.signal("HUP");
        let h = wait(&|h| h["reload_error"].is_null() && h["policy"]["sha256"] != good);
        assert!(h["policy"]["sha256"].is_string());
        reloads += 2;
    }
    reloads
}

/// A well-formed backup code that is not `code` but shares its lookup key
/// (the worst guess: it costs a hash).
fn colliding(user: &str, code: &str, n: u64) -> String {
    use mfac_login::backup::lookup;
    let want = lookup(user, code);
    common::server::backup_code_guesses(n * 1_000_000)
        .find(|g| g != code && lookup(user, g) == want)
        .unwrap()
}

/// `conns` connections flooding `users` users' logins with backup-code
/// guesses that each cost a hash (until the user locks; then none) for
/// `secs`: the guesses answered, and how many were refused as locked.
async fn backup_flood(s: &Server, users: usize, conns: usize, secs: f64) -> Tally {
    let run = jiff::Timestamp::now().as_millisecond();
    let mut targets = Vec::new();
    let mut conn = Conn::open(s).await;
    for i in 0..users {
        let user = format!("flood-{run}-{i}@acme.test");
        let (st, v) = conn
            .json(
                "POST",
                &format!("/v1/users/{user}/factors/backup_code"),
                json!({}),
            )
            .await;
        assert_eq!(st, 201, "{v}");
        let code = v["codes"][0].as_str().unwrap().to_string();
        let (st, l) = conn
            .json(
                "POST",
                "/v1/logins",
                json!({"user": user, "groups": ["Recovery"]}),
            )
            .await;
        assert_eq!(st, 200, "{l}");
        let login = l["login_id"].as_str().unwrap().to_string();
        let guesses: Vec<String> = (0..5).map(|n| colliding(&user, &code, n)).collect();
        targets.push((login, guesses));
    }
    let targets = Arc::new(targets);
    let start = Instant::now();
    let end = start + Duration::from_secs_f64(secs);
    let mut tasks = Vec::new();
    for c in 0..conns {
        let mut conn = Conn::open(s).await;
        let targets = targets.clone();
        tasks.push(tokio::spawn(async move {
            let mut t = Tally::default();
            let mut i = c;
            while Instant::now() < end {
                let (login, guesses) = &targets[i % targets.len()];
                let guess = &guesses[(i / targets.len()) % guesses.len()];
                let sent = Instant::now();
                let (st, _) = conn
                    .json(
                        "POST",
                        &format!("/v1/logins/{login}/verify"),
                        json!({"factor": "backup_code", "code": guess}),
                    )
                    .await;
                t.latencies.push(sent.elapsed().as_micros() as u32);
                // 401 (a wrong code) and 429 (locked) are the answers.
                t.not_ok += usize::from(st != 401 && st != 429);
                i += conns;
            }
            t
        }));
    }
    let mut all = Tally::default();
    for task in tasks {
        all.merge(task.await.unwrap());
    }
    all.elapsed = start.elapsed();
    all
}

fn argon2_hashes(s: &Server) -> u64 {
    let m = s.raw("GET", "/metrics", None, None).body;
    m.lines()
        .find_map(|l| l.strip_prefix("mfac_argon2_hashes_total "))
        .and_then(|n| n.parse().ok())
        .unwrap_or(0)
}

/// Enrol `users` TOTP users, then run the sign-in flow (begin + verify with
/// the app's next code) once per user from `conns` connections.
async fn flow_load(s: &Server, tag: &str, users: usize, conns: usize) -> Tally {
    let next = Arc::new(AtomicUsize::new(0));
    let run = jiff::Timestamp::now().as_millisecond();
    let mut enrolers = Vec::new();
    for _ in 0..conns {
        let mut conn = Conn::open(s).await;
        let next = next.clone();
        enrolers.push(tokio::spawn(async move {
            let mut seeds = Vec::new();
            loop {
                let i = next.fetch_add(1, Ordering::Relaxed);
                if i >= users {
                    break seeds;
                }
                let user = format!("load-{run}-{i}@acme.test");
                let (st, v) = conn
                    .json("POST", &format!("/v1/users/{user}/factors/totp"), json!({}))
                    .await;
                assert_eq!(st, 201, "{v}");
                let seed = seed_of(v["otpauth_uri"].as_str().unwrap());
                let id = v["factor_id"].as_str().unwrap().to_string();
                let code = seed.code_at(jiff::Timestamp::now());
                let (st, v) = conn
                    .json(
                        "POST",
                        &format!("/v1/users/{user}/factors/{id}/confirm"),
                        json!({"code": code}),
                    )
                    .await;
                assert_eq!(st, 200, "{v}");
                seeds.push((user, seed));
            }
        }));
    }
    let mut seeds = Vec::new();
    for e in enrolers {
        seeds.extend(e.await.unwrap());
    }
    println!("{tag}: {} users enrolled with TOTP", seeds.len());
    let seeds = Arc::new(seeds);
    let next = Arc::new(AtomicUsize::new(0));
    let cpu = cpu_seconds(s.child.id());
    let start = Instant::now();
    let mut tasks = Vec::new();
    for _ in 0..conns {
        let mut conn = Conn::open(s).await;
        let (seeds, next, tag) = (seeds.clone(), next.clone(), tag.to_string());
        tasks.push(tokio::spawn(async move {
            let mut t = Tally::default();
            loop {
                let i = next.fetch_add(1, Ordering::Relaxed);
                let Some((user, seed)) = seeds.get(i) else {
                    break t;
                };
                let sent = Instant::now();
                let (st, l) = conn
                    .json(
                        "POST",
                        "/v1/logins",
                        json!({"user": user, "ip": "10.0.0.7"}),
                    )
                    .await;
                let id = l["login_id"].as_str().unwrap_or("none").to_string();
                // The step that confirmed is spent: the app's next code.
                let soon = jiff::Timestamp::now() + jiff::SignedDuration::from_secs(30);
                let body = json!({"factor": "totp", "code": seed.code_at(soon)});
                let (sv, v) = conn
                    .json("POST", &format!("/v1/logins/{id}/verify"), body)
                    .await;
                t.latencies.push(sent.elapsed().as_micros() as u32);
                if st != 200 || sv != 200 {
                    eprintln!("{tag}: flow failed: {st} {sv} {v}");
                    t.not_ok += 1;
                }
            }
        }));
    }
    let mut all = Tally::default();
    for task in tasks {
        all.merge(task.await.unwrap());
    }
    all.elapsed = start.elapsed();
    all.server_cpu = cpu_seconds(s.child.id()) - cpu;
    all
}

fn env_number(name: &str, default: f64) -> f64 {
    std::env::var(name)
        .ok()
        .and_then(|v| v.parse().ok())
        .unwrap_or(default)
}

fn main() {
    // `cargo bench` passes `--bench`; anything else (`cargo test --benches`)
    // only checks that this builds.
    if !std::env::args().any(|a| a == "--bench") {
        return;
    }
    let secs = env_number("MFAC_LOAD_SECS", 5.0);
    let conns = env_number("MFAC_LOAD_CONNS", 32.0) as usize;
    let users = env_number("MFAC_LOAD_USERS", 3000.0) as usize;
    let rt = tokio::runtime::Builder::new_multi_thread()
        .worker_threads(2)
        .enable_all()
        .build()
        .unwrap();
    println!("mfac serve load test: {conns} connections, {secs} s per run, loopback, 2 cores shared with the server");

    // `MFAC_LOAD_ONLY=decide` (the floor and decide) or `flows` (the
    // sign-in flows) runs that part alone, for profiling.
    let only = std::env::var("MFAC_LOAD_ONLY").ok();
    let part = |name: &str| only.as_deref().is_none_or(|o| o == name);
    if part("decide") {
        decide_parts(&rt, conns, secs);
    }
    if part("flows") {
        flows(&rt, users);
    }
}

/// The floor, then decide at each log level, during reloads and beside
/// a flood of backup-code guesses.
fn decide_parts(rt: &tokio::runtime::Runtime, conns: usize, secs: f64) {
    let quiet = start("load-quiet", POLICY, &["--log", "warn"]);
    // Warm up: connections, caches, the allocator.
    rt.block_on(decide_load(&quiet, conns, 0.5, "/healthz"));
    // The floor: the HTTP stack and this generator, with no work behind.
    measured(rt, &quiet, decide_load(&quiet, conns, secs, "/healthz"))
        .report("GET /healthz (the floor)", "requests");
    measured(rt, &quiet, decide_load(&quiet, conns, secs, "/v1/decide"))
        .report("POST /v1/decide, --log warn", "requests");
    drop(quiet);
    let chatty = start("load-debug", POLICY, &["--log", "debug"]);
    rt.block_on(decide_load(&chatty, conns, 0.5, "/v1/decide"));
    measured(rt, &chatty, decide_load(&chatty, conns, secs, "/v1/decide")).report(
        "POST /v1/decide, --log debug (a line per request)",
        "requests",
    );
    drop(chatty);
    let s = start("load", POLICY, &[]);
    rt.block_on(decide_load(&s, conns, 0.5, "/v1/decide"));
    measured(rt, &s, decide_load(&s, conns, secs, "/v1/decide"))
        .report("POST /v1/decide, --log info (the default)", "requests");

    // The same load while the policy is broken and fixed, ten times over.
    let (mut during, reloads) = std::thread::scope(|scope| {
        let storm = scope.spawn(|| {
            std::thread::sleep(Duration::from_millis(200));
            reload_storm(&s, 10)
        });
        let t = measured(rt, &s, decide_load(&s, conns, secs, "/v1/decide"));
        (t, storm.join().unwrap())
    });
    println!("hot reload under load: {reloads} reloads, half of them broken policies, every broken one refused");
    during.report("POST /v1/decide during reloads", "requests");
    assert_eq!(during.not_ok, 0, "a request was lost during reloads");

    // Decisions and health checks while 16 connections flood backup-code
    // guesses that each cost an Argon2 hash: the hashes wait for the
    // bounded pool, the decisions do not.
    let flood_users = env_number("MFAC_LOAD_FLOOD_USERS", 100.0) as usize;
    let before = argon2_hashes(&s);
    let (mut flood, mut decide, mut health) = rt.block_on(async {
        let flood = backup_flood(&s, flood_users, 16, secs);
        let decide = decide_load(&s, conns / 2, secs, "/v1/decide");
        let health = decide_load(&s, 2, secs, "/healthz");
        tokio::join!(flood, decide, health)
    });
    println!(
        "backup-code flood: {} Argon2 hashes for {flood_users} users' codes and the guesses",
        argon2_hashes(&s) - before
    );
    flood.report("backup-code guesses (the flood)", "requests");
    decide.report("POST /v1/decide during the flood", "requests");
    health.report("GET /healthz during the flood", "requests");
    assert_eq!(flood.not_ok + decide.not_ok + health.not_ok, 0);
}

/// The sign-in flow on SQLite, and on PostgreSQL when it is there.
fn flows(rt: &tokio::runtime::Runtime, users: usize) {
    let s = start("load-flows", POLICY, &[]);
    rt.block_on(flow_load(&s, "SQLite", users, 16))
        .report("sign-in flow on SQLite (logins + verify)", "flows");
    if let Ok(url) = std::env::var("MFAC_TEST_POSTGRES_URL") {
        // A schema of this run's own, dropped after it (an earlier binary
        // run after a later one would meet a schema migrated past it).
        let schema = common::Schema::new(&url, "load");
        let pg = start("load-pg", POLICY, &["--db", &schema.db()]);
        rt.block_on(flow_load(&pg, "PostgreSQL", users, 16))
            .report("sign-in flow on PostgreSQL (logins + verify)", "flows");
        drop(pg);
        schema.drop_and_check();
    } else {
        println!("PostgreSQL: skipped (set MFAC_TEST_POSTGRES_URL)");
    }
}
