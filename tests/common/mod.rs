//! Helpers for the integration tests: run the real `mfac` binary.
#![allow(dead_code)]
#![allow(clippy::unwrap_used, clippy::expect_used, clippy::panic)] // tests may panic on broken fixtures

use std::process::{Command, Stdio};

pub struct Run {
    pub code: i32,
    pub stdout: String,
    pub stderr: String,
}

/// The binary under test: this build's, or the one `MFAC_TEST_BIN` names
/// (to run a test against an earlier release and watch it fail there).
pub fn bin() -> std::path::PathBuf {
    std::env::var_os("MFAC_TEST_BIN").map_or_else(
        || env!("CARGO_BIN_EXE_mfac").into(),
        std::path::PathBuf::from,
    )
}

pub fn mfac(args: &[&str]) -> Run {
    mfac_stdin(args, None)
}

pub fn mfac_stdin(args: &[&str], stdin: Option<&[u8]>) -> Run {
    use std::io::Write;
    let mut child = Command::new(bin())
        .args(args)
        .current_dir(env!("CARGO_MANIFEST_DIR"))
        .env("NO_COLOR", "1")
        .stdin(Stdio::piped())
        .stdout(Stdio::piped())
        .stderr(Stdio::piped())
        .spawn()
        .expect("mfac runs");
    // Write from another thread: a large input must not wait on output.
    let writer = child.stdin.take().map(|mut pipe| {
        let bytes = stdin.map(<[u8]>::to_vec).unwrap_or_default();
        std::thread::spawn(move || {
            // mfac may stop reading early (a bad byte); that is not a failure here.
            let _ = pipe.write_all(&bytes);
        })
    });
    let out = child.wait_with_output().expect("mfac finishes");
    if let Some(w) = writer {
        w.join().expect("stdin writer");
    }
    Run {
        code: out.status.code().unwrap_or(-1),
        stdout: String::from_utf8_lossy(&out.stdout).into_owned(),
        stderr: String::from_utf8_lossy(&out.stderr).into_owned(),
    }
}

pub fn json(run: &Run) -> serde_json::Value {
    serde_json::from_str(&run.stdout)
        .unwrap_or_else(|e| panic!("stdout is JSON ({e}):\n{}", run.stdout))
}

/// The date every fixture is checked on, so snapshots do not age.
pub const TODAY: &str = "2026-11-24";

/// A temporary folder of this test process, by tag.
pub mod openapi;
pub mod server;

pub fn temp_dir(tag: &str) -> std::path::PathBuf {
    let d = std::env::temp_dir().join(format!("mfac-{tag}-{}", std::process::id()));
    std::fs::create_dir_all(&d).expect("temp dir");
    d
}

/// Write `name` under [`temp_dir`] and return its path. Tests run in
/// parallel and share some files: the file is written whole, then renamed
/// into place, so that no reader sees a half-written one.
pub fn write_temp(tag: &str, name: &str, bytes: impl AsRef<[u8]>) -> String {
    let p = temp_dir(tag).join(name);
    if let Some(parent) = p.parent() {
        std::fs::create_dir_all(parent).expect("dir");
    }
    let tmp =
        p.with_extension(format!("tmp{:?}", std::thread::current().id()).replace(['(', ')'], ""));
    std::fs::write(&tmp, bytes).expect("write");
    std::fs::rename(&tmp, &p).expect("rename");
    p.to_string_lossy().into_owned()
}

/// `mfac check POLICY --directory USERS` on [`TODAY`], as JSON.
pub fn check_directory_json(policy: &str, users: &str) -> Run {
    mfac(&[
        "check",
        policy,
        "--today",
        TODAY,
        "--directory",
        users,
        "--format",
        "json",
    ])
}

/// `mfac check --format json` (with `--today` and `extra`) on policy text
/// written to a `p.mfa` of its own: its diagnostics.
pub fn check_text(tag: &str, text: &str, extra: &[&str]) -> Vec<serde_json::Value> {
    let path = write_temp(tag, "p.mfa", text);
    let mut args = vec!["check", &path, "--today", TODAY, "--format", "json"];
    args.extend(extra);
    let doc = json(&mfac(&args));
    doc.get("diagnostics")
        .and_then(|d| d.as_array())
        .cloned()
        .unwrap_or_default()
}

/// The PostgreSQL server the tests built with `cfg(mfac_postgres)` use.
/// Such a test is `ignored` when the variable was not set at build time
/// (build.rs), so here its absence is a failure, not a skip.
pub fn postgres_url() -> String {
    std::env::var("MFAC_TEST_POSTGRES_URL")
        .ok()
        .filter(|u| !u.is_empty())
        .expect("this test was built for MFAC_TEST_POSTGRES_URL; set it to run it")
}

/// One SQL statement through `psql` (the server's client), its output.
pub fn psql(url: &str, sql: &str) -> String {
    let out = Command::new("psql")
        .args([url, "-tAc", sql])
        .output()
        .expect("psql runs (Debian's postgresql-client)");
    assert!(
        out.status.success(),
        "psql {sql}: {}",
        String::from_utf8_lossy(&out.stderr)
    );
    String::from_utf8_lossy(&out.stdout).trim().to_string()
}

/// A PostgreSQL schema a test made: dropped when the guard goes, even when
/// the test fails; [`Schema::drop_and_check`] drops it and asserts it is
/// gone.
pub struct Schema {
    pub url: String,
    pub name: String,
}

impl Schema {
    /// A schema name of this test process's own.
    pub fn new(url: &str, tag: &str) -> Schema {
        Schema {
            url: url.to_string(),
            name: format!("mfac_{tag}_{}", std::process::id()),
        }
    }

    /// The store URL with this schema.
    pub fn db(&self) -> String {
        let sep = if self.url.contains('?') { '&' } else { '?' };
        format!("{}{sep}schema={}", self.url, self.name)
    }

    pub fn drop_and_check(&self) {
        psql(
            &self.url,
            &format!("DROP SCHEMA IF EXISTS {} CASCADE", self.name),
        );
        let left = psql(
            &self.url,
            &format!(
                "SELECT count(*) FROM information_schema.schemata WHERE schema_name = '{}'",
                self.name
            ),
        );
        assert_eq!(left, "0", "the schema {} is still there", self.name);
    }
}

impl Drop for Schema {
    fn drop(&mut self) {
        let _ = Command::new("psql")
            .args([
                self.url.as_str(),
                "-tAc",
                &format!("DROP SCHEMA IF EXISTS {} CASCADE", self.name),
            ])
            .output();
    }
}

/// Split the printed replay line as a POSIX shell would (single quotes only,
/// which is all `shell_word` writes).
pub fn shell_split(line: &str) -> Vec<String> {
    let mut out = Vec::new();
    let mut word = String::new();
    let mut quoted = false;
    let mut in_word = false;
    let mut chars = line.chars().peekable();
    while let Some(c) = chars.next() {
        match c {
            '\'' => {
                quoted = !quoted;
                in_word = true;
            }
            '\\' if !quoted => {
                if let Some(n) = chars.next() {
                    word.push(n);
                }
            }
            ' ' if !quoted => {
                if in_word {
                    out.push(std::mem::take(&mut word));
                    in_word = false;
                }
            }
            c => {
                word.push(c);
                in_word = true;
            }
        }
    }
    if in_word {
        out.push(word);
    }
    out
}

/// The official SARIF 2.1.0 schema (`tests/fixtures/sarif-schema-2.1.0.json`,
/// OASIS errata01, unchanged), compiled.
pub fn sarif_validator() -> jsonschema::Validator {
    let schema: serde_json::Value = serde_json::from_str(
        &std::fs::read_to_string(concat!(
            env!("CARGO_MANIFEST_DIR"),
            "/tests/fixtures/sarif-schema-2.1.0.json"
        ))
        .unwrap(),
    )
    .unwrap();
    jsonschema::draft4::new(&schema).expect("the schema compiles")
}
