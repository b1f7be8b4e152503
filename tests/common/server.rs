//! A real `mfac serve` process for the tests, and a small HTTP/1.1 client
//! over a plain TCP stream (one request per connection), so the tests
//! exercise the binary as an identity provider would.
#![allow(dead_code)]
#![allow(
    clippy::unwrap_used,
    clippy::expect_used,
    clippy::panic,
    clippy::indexing_slicing
)]

use serde_json::json;
use std::io::{BufRead, BufReader, Read, Write};
use std::net::TcpStream;
use std::path::PathBuf;
use std::process::{Child, Command, Stdio};
use std::sync::{Arc, Mutex};

pub struct Server {
    pub child: Child,
    pub port: u16,
    pub token: String,
    pub dir: PathBuf,
    /// Everything the server wrote on stderr so far (its log).
    pub log: Arc<Mutex<String>>,
    /// Everything it wrote on standard output (the demo's token and link).
    pub stdout: Arc<Mutex<String>>,
    pub clock_file: PathBuf,
}

pub struct Response {
    pub status: u16,
    pub headers: String,
    pub body: String,
}

impl Response {
    pub fn json(&self) -> serde_json::Value {
        serde_json::from_str(&self.body)
            .unwrap_or_else(|e| panic!("not JSON ({e}): {} {}", self.status, self.body))
    }
}

pub const TOKEN: &str = "test-token-0123456789abcdef0123456789";

/// Start `mfac serve` on `policy` text (a port of its own), with `extra`
/// flags and a clock the test shifts ([`Server::set_clock`]); waits until
/// it listens.
pub fn start(tag: &str, policy: &str, extra: &[&str]) -> Server {
    launch(tag, policy, extra, true)
}

/// [`start`] on the system clock, as in production (the shifted clock reads
/// its file at every look; a load test must not measure that).
pub fn start_on_system_clock(tag: &str, policy: &str, extra: &[&str]) -> Server {
    launch(tag, policy, extra, false)
}

fn launch(tag: &str, policy: &str, extra: &[&str], shifted: bool) -> Server {
    let dir = super::temp_dir(&format!("serve-{tag}"));
    std::fs::write(dir.join("policy.mfa"), policy).unwrap();
    std::fs::write(dir.join("tokens"), format!("# tests\n{TOKEN}\n")).unwrap();
    write_key(&dir.join("key"), &"ab".repeat(32));
    let clock_file = dir.join("clock");
    std::fs::write(&clock_file, "0").unwrap();
    let db = format!("sqlite://{}", dir.join("mfac.db").display());
    let mut args = vec![
        "serve".to_string(),
        dir.join("policy.mfa").display().to_string(),
        "--listen".into(),
        "127.0.0.1:0".into(),
        "--token-file".into(),
        dir.join("tokens").display().to_string(),
        "--key-file".into(),
        dir.join("key").display().to_string(),
    ];
    if !extra.contains(&"--db") {
        args.push("--db".into());
        args.push(db);
    }
    args.extend(extra.iter().map(|s| s.to_string()));
    spawn(args, dir, clock_file, shifted)
}

fn spawn(args: Vec<String>, dir: PathBuf, clock_file: PathBuf, shifted: bool) -> Server {
    let mut command = Command::new(super::bin());
    if shifted {
        command.env("MFAC_TEST_CLOCK_OFFSET_FILE", &clock_file);
    }
    let mut child = command
        .args(&args)
        .stdin(Stdio::null())
        .stdout(Stdio::piped())
        .stderr(Stdio::piped())
        .spawn()
        .expect("mfac serve starts");
    let stderr = child.stderr.take().unwrap();
    let log = Arc::new(Mutex::new(String::new()));
    let stdout = Arc::new(Mutex::new(String::new()));
    if let Some(out) = child.stdout.take() {
        let stdout = stdout.clone();
        std::thread::spawn(move || {
            let mut r = BufReader::new(out);
            let mut line = String::new();
            while r.read_line(&mut line).unwrap_or(0) > 0 {
                stdout.lock().unwrap().push_str(&line);
                line.clear();
            }
        });
    }
    let (tx, rx) = std::sync::mpsc::channel();
    {
        let log = log.clone();
        std::thread::spawn(move || {
            let mut r = BufReader::new(stderr);
            let mut line = String::new();
            while r.read_line(&mut line).unwrap_or(0) > 0 {
                if let Some(rest) = line.split("listening on http://127.0.0.1:").nth(1) {
                    let port: u16 = rest.split(' ').next().unwrap().parse().unwrap();
                    let _ = tx.send(port);
                }
                log.lock().unwrap().push_str(&line);
                line.clear();
            }
        });
    }
    let port = rx
        .recv_timeout(std::time::Duration::from_secs(30))
        .unwrap_or_else(|_| panic!("mfac serve did not start: {}", log.lock().unwrap()));
    Server {
        child,
        port,
        token: TOKEN.to_string(),
        dir,
        log,
        stdout,
        clock_file,
    }
}

impl Server {
    /// A request with the test token.
    pub fn call(&self, method: &str, path: &str, body: Option<&str>) -> Response {
        let auth = format!("Bearer {}", self.token);
        self.raw(method, path, Some(&auth), body.map(str::as_bytes))
    }

    pub fn post(&self, path: &str, body: serde_json::Value) -> Response {
        self.call("POST", path, Some(&body.to_string()))
    }

    pub fn get(&self, path: &str) -> Response {
        self.call("GET", path, None)
    }

    /// A request with any `Authorization` header (or none) and body bytes.
    pub fn raw(
        &self,
        method: &str,
        path: &str,
        auth: Option<&str>,
        body: Option<&[u8]>,
    ) -> Response {
        let mut s = TcpStream::connect(("127.0.0.1", self.port)).unwrap();
        let body = body.unwrap_or(b"");
        let mut head = format!(
            "{method} {path} HTTP/1.1\r\nHost: localhost\r\nConnection: close\r\nContent-Type: application/json\r\nContent-Length: {}\r\n",
            body.len()
        );
        if let Some(a) = auth {
            head.push_str(&format!("Authorization: {a}\r\n"));
        }
        head.push_str("\r\n");
        s.write_all(head.as_bytes()).unwrap();
        // The server may answer (413) before it has read all of a large body.
        let _ = s.write_all(body);
        let mut out = Vec::new();
        let _ = s.read_to_end(&mut out);
        let text = String::from_utf8_lossy(&out).into_owned();
        let (headers, body) = text.split_once("\r\n\r\n").unwrap_or((&text, ""));
        let status = headers
            .split(' ')
            .nth(1)
            .and_then(|c| c.parse().ok())
            .unwrap_or_else(|| panic!("no status line: {text:?}"));
        let body = if headers
            .to_ascii_lowercase()
            .contains("transfer-encoding: chunked")
        {
            dechunk(body)
        } else {
            body.to_string()
        };
        super::openapi::check(method, path, status, &body);
        Response {
            status,
            headers: headers.to_string(),
            body,
        }
    }

    /// Shift the server's clock to `seconds` from now.
    pub fn set_clock(&self, seconds: i64) {
        std::fs::write(&self.clock_file, seconds.to_string()).unwrap();
    }

    pub fn log(&self) -> String {
        self.log.lock().unwrap().clone()
    }

    pub fn signal(&self, sig: &str) {
        let ok = Command::new("kill")
            .args([&format!("-{sig}"), &self.child.id().to_string()])
            .status()
            .unwrap()
            .success();
        assert!(ok, "kill -{sig}");
    }

    /// SIGTERM, and the exit code.
    pub fn stop(mut self) -> i32 {
        self.signal("TERM");
        let status = self.child.wait().unwrap();
        status.code().unwrap_or(-1)
    }
}

impl Drop for Server {
    fn drop(&mut self) {
        let _ = self.child.kill();
        let _ = self.child.wait();
    }
}

fn dechunk(body: &str) -> String {
    let mut out = String::new();
    let mut rest = body;
    while let Some((size, tail)) = rest.split_once("\r\n") {
        let n = usize::from_str_radix(size.trim(), 16).unwrap_or(0);
        if n == 0 {
            break;
        }
        out.push_str(&tail[..n]);
        rest = tail[n..].trim_start_matches("\r\n");
    }
    out
}

/// A key file as an operator makes one: readable by its owner only.
pub fn write_key(path: &std::path::Path, hex: &str) {
    use std::os::unix::fs::PermissionsExt;
    std::fs::write(path, hex).unwrap();
    std::fs::set_permissions(path, std::fs::Permissions::from_mode(0o600)).unwrap();
}

/// The TOTP seed in an otpauth URI.
pub fn seed_of(uri: &str) -> mfac_login::totp::Seed {
    mfac_login::totp::Seed::from_enrolment_uri(uri).unwrap()
}

/// The server's idea of now: the tests shift it through the clock file.
pub fn now(offset: i64) -> jiff::Timestamp {
    jiff::Timestamp::now()
        .checked_add(jiff::SignedDuration::from_secs(offset))
        .unwrap()
}

/// Enrol and confirm a TOTP factor for `user`; returns the seed and the
/// confirming code (consumed).
pub fn enrol_totp(s: &Server, user: &str) -> (mfac_login::totp::Seed, String) {
    let r = s.post(
        &format!("/v1/users/{user}/factors/totp"),
        json!({"label": "phone"}),
    );
    assert_eq!(r.status, 201, "{}", r.body);
    let v = r.json();
    assert_eq!(
        (v["kind"].as_str(), v["status"].as_str()),
        (Some("totp"), Some("pending"))
    );
    assert!(v["qr_svg"].as_str().unwrap().starts_with("<svg"));
    let seed = seed_of(v["otpauth_uri"].as_str().unwrap());
    let id = v["factor_id"].as_str().unwrap();
    let wrong = s.post(
        &format!("/v1/users/{user}/factors/{id}/confirm"),
        json!({"code": "000000"}),
    );
    assert_eq!(wrong.status, 401, "{}", wrong.body);
    let code = seed.code_at(now(0));
    let ok = s.post(
        &format!("/v1/users/{user}/factors/{id}/confirm"),
        json!({"code": code}),
    );
    assert_eq!(ok.status, 200, "{}", ok.body);
    assert_eq!(ok.json()["status"], "active");
    (seed, code)
}

pub fn begin(s: &Server, user: &str, groups: &[&str]) -> serde_json::Value {
    let r = s.post(
        "/v1/logins",
        json!({"user": user, "groups": groups, "ip": "10.0.0.7"}),
    );
    assert_eq!(r.status, 200, "{}", r.body);
    r.json()
}

/// Polls `f` every 100 ms until it answers, for up to 10 s.
pub fn wait_for<T>(mut f: impl FnMut() -> Option<T>) -> T {
    for _ in 0..100 {
        if let Some(v) = f() {
            return v;
        }
        std::thread::sleep(std::time::Duration::from_millis(100));
    }
    panic!("timed out waiting");
}

/// Well-formed backup codes, a deterministic stream from `from`: guesses
/// for the tests and the load test to pick from by their lookup keys.
pub fn backup_code_guesses(from: u64) -> impl Iterator<Item = String> {
    let letters = b"23456789ABCDEFGHJKMNPQRSTUVWXYZ";
    (from..).map(move |n| {
        let mut x = n.wrapping_mul(0x9e37_79b9_7f4a_7c15) | 1;
        let text: String = (0..10)
            .map(|_| {
                x = x.wrapping_mul(6_364_136_223_846_793_005).wrapping_add(1);
                letters[(x >> 33) as usize % letters.len()] as char
            })
            .collect();
        format!("{}-{}", &text[..5], &text[5..])
    })
}
