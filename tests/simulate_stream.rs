//! The streamed `mfac simulate` prints, byte for byte, what `mfac simulate`
//! printed before it streamed: each output is compared with the hash of
//! the output of the last release that read the whole directory (recorded
//! from that binary, commit 188e122). The example directories, as they
//! are and turned into CSV, JSON and YAML, all stream; a generated
//! directory of 100,000 users in 20 of 1,000 groups each covers the large
//! case.
//!
//! On a mismatch the test shows the difference from the reference path
//! (the same directory on standard input, read whole).

#![allow(clippy::unwrap_used, clippy::expect_used, clippy::panic)]

mod common;

use common::{mfac, mfac_stdin, temp_dir, write_temp};

/// FNV-1a, 64 bits: a stable hash to pin an output too large to keep.
fn fnv(bytes: &[u8]) -> u64 {
    bytes.iter().fold(0xcbf2_9ce4_8422_2325, |h, b| {
        (h ^ u64::from(*b)).wrapping_mul(0x0100_0000_01b3)
    })
}

const RUNS: [&[&str]; 5] = [
    &["--at", "2026-12-16"],
    &["--at", "2027-03-01", "--format", "json"],
    &["--at", "2026-12-16", "--format", "csv"],
    &["--at", "2027-03-01", "--format", "markdown"],
    &[
        "--at",
        "2026-12-30",
        "--base",
        "tests/fixtures/simulate/acme-before.mfa",
        "--format",
        "json",
    ],
];

/// (policy, run in [`RUNS`], hash of the output before streaming).
const EXAMPLES: [(&str, usize, u64); 25] = [
    ("acme", 0, 0x7aa7eb5dc6d665d8),
    ("acme", 1, 0x7be4c32588d41798),
    ("acme", 2, 0x846cc946146f146a),
    ("acme", 3, 0xa860691b2d1aa179),
    ("acme", 4, 0xb6d65c49e86c8192),
    ("genesys", 0, 0x6f9d562d7340de3b),
    ("genesys", 1, 0xe106995efa5f0ffd),
    ("genesys", 2, 0x3b00dde5f878dd86),
    ("genesys", 3, 0xdaa70d2750e29bbc),
    ("genesys", 4, 0x8f7271fee1437ef1),
    ("12port", 0, 0xb3db1e69319460d4),
    ("12port", 1, 0x243a0624e075ac6d),
    ("12port", 2, 0x20d7dd98fba10b32),
    ("12port", 3, 0x3f8e1f931ce2aca),
    ("12port", 4, 0xb58ce4279fb009dc),
    ("cymmetri", 0, 0x8aaf61eaf24b4b49),
    ("cymmetri", 1, 0x9f6f65af5c79cda4),
    ("cymmetri", 2, 0xd9196424e330f12c),
    ("cymmetri", 3, 0xa5e57341be01703c),
    ("cymmetri", 4, 0x64c390d040a7e817),
    ("voiso", 0, 0x4e6cd59f4d411a58),
    ("voiso", 1, 0xa14f0e2514dd3ae0),
    ("voiso", 2, 0x36b02c69deddfedd),
    ("voiso", 3, 0x54a98ce377ec505f),
    ("voiso", 4, 0x4ad108d9c63edbb5),
];

/// A directory file, read the reference way.
fn read(path: &str) -> mfac::directory::Directory {
    let source = mfac::SourceFile::new(path, std::fs::read_to_string(path).unwrap());
    mfac::directory::parse(&source, mfac::directory::Format::from_path(path)).unwrap()
}

/// A directory file as CSV (every cell quoted), the users in file order.
fn as_csv(path: &str) -> String {
    let dir = read(path);
    let q = |s: &str| format!("\"{}\"", s.replace('"', "\"\""));
    let mut out = String::from("id,groups,factors\n");
    for u in &dir.users {
        let groups: Vec<&str> = u.groups.iter().map(|g| &**g).collect();
        out.push_str(&format!(
            "{},{},{}\n",
            q(&u.id),
            q(&groups.join(";")),
            q(&u.factors.names().join(";"))
        ));
    }
    out
}

/// A directory file as JSON, lists as lists.
fn as_json(path: &str) -> String {
    let dir = read(path);
    let users: Vec<serde_json::Value> = dir
        .users
        .iter()
        .map(|u| {
            let groups: Vec<&str> = u.groups.iter().map(|g| &**g).collect();
            serde_json::json!({"id": u.id, "groups": groups, "factors": u.factors.names()})
        })
        .collect();
    serde_json::to_string_pretty(&serde_json::json!({ "users": users })).unwrap()
}

/// A directory file as block-style YAML (each scalar JSON-quoted, which
/// YAML reads as a double-quoted scalar).
fn as_yaml(path: &str) -> String {
    let dir = read(path);
    let q = |s: &str| serde_json::to_string(s).unwrap();
    let mut out = String::from("users:\n");
    for u in &dir.users {
        let groups: Vec<String> = u.groups.iter().map(|g| q(g)).collect();
        let factors: Vec<String> = u.factors.names().iter().map(|f| q(f)).collect();
        out.push_str(&format!(
            "  - id: {}\n    groups: [{}]\n    factors: [{}]\n",
            q(&u.id),
            groups.join(", "),
            factors.join(", ")
        ));
    }
    out
}

fn users_file(policy: &str) -> String {
    ["yaml", "json", "csv"]
        .iter()
        .map(|ext| format!("policies/{policy}.users.{ext}"))
        .find(|p| std::path::Path::new(p).exists())
        .unwrap()
}

fn simulate(policy: &str, directory: &str, run: &[&str]) -> String {
    let mut args = vec!["simulate", policy, "--directory", directory];
    args.extend_from_slice(run);
    let out = mfac(&args);
    assert_eq!(out.code, 0, "{:?}: {}", args, out.stderr);
    out.stdout
}

#[test]
fn the_example_directories_print_what_they_printed_before() {
    for (policy, run, want) in EXAMPLES {
        let original = users_file(policy);
        let csv = write_temp("stream", &format!("{policy}.users.csv"), as_csv(&original));
        let json = write_temp(
            "stream",
            &format!("{policy}.users.json"),
            as_json(&original),
        );
        let yaml = write_temp(
            "stream",
            &format!("{policy}.users.yaml"),
            as_yaml(&original),
        );
        let path = format!("policies/{policy}.mfa");
        // The original, and the same users as CSV, JSON and YAML: all streamed.
        for directory in [&original, &csv, &json, &yaml] {
            let out = simulate(&path, directory, RUNS[run]);
            if fnv(out.as_bytes()) != want {
                // Read whole (standard input is never streamed), for the diff.
                let text = std::fs::read(&original).unwrap();
                let format = original.rsplit('.').next().unwrap();
                let mut args = vec!["simulate", &path, "--directory", "-"];
                args.extend_from_slice(&["--directory-format", format]);
                args.extend_from_slice(RUNS[run]);
                let whole = mfac_stdin(&args, Some(&text)).stdout;
                assert_eq!(out, whole, "{policy} {:?}: {directory}", RUNS[run]);
                panic!("{policy} {:?}: differs from before:\n{out}", RUNS[run]);
            }
        }
    }
}

/// (arguments, hash of the output before streaming).
const LARGE: [(&str, u64); 7] = [
    ("--at 2027-01-20", 0x22fdbd54991a1b3b),
    ("--at 2027-01-20 --format json", 0x55856a870fd5521),
    ("--at 2027-01-20 --format csv", 0x1b84c0e9e6a298b0),
    (
        "--at 2027-01-20 --format markdown --all",
        0x97b4693bcd97a54a,
    ),
    (
        "--at 2026-12-05 --base base.mfa --format json --app app3",
        0x4ef0dcf5391f818c,
    ),
    (
        "--at 2026-12-05 --base base.mfa --format markdown",
        0x4fda18b99828845c,
    ),
    ("--at 2027-01-20 --all", 0x1d012fd93c64fcf4),
];

const BASE: &str = r#"precedence specific
default { enforcement optional factors webauthn | totp | sms }
group "g0" { enforcement required factors webauthn }
group "g7" { enforcement off }
app "app3" { enforcement required factors webauthn | totp }
"#;

#[test]
fn a_generated_100k_user_directory_prints_what_it_printed_before() {
    let dir = temp_dir("stream-100k");
    let write = |name: &str, f: &dyn Fn(&mut Vec<u8>) -> std::io::Result<()>| {
        let mut bytes = Vec::new();
        f(&mut bytes).unwrap();
        let p = dir.join(name);
        std::fs::write(&p, bytes).unwrap();
        p.display().to_string()
    };
    use mfac_testing::generate;
    use std::io::Write as _;
    write("p1000.mfa", &|o| generate::policy(o, 1_000));
    // A base in `specific` mode that differs for two groups and an app.
    write("base.mfa", &|o| o.write_all(BASE.as_bytes()));
    write("u100k.csv", &|o| generate::users(o, 100_000, 1_000, 20));
    let mut differ = Vec::new();
    for (args, want) in LARGE {
        // Run inside the folder: the report names the files as given.
        let out = std::process::Command::new(env!("CARGO_BIN_EXE_mfac"))
            .current_dir(&dir)
            .args(["simulate", "p1000.mfa", "--directory", "u100k.csv"])
            .args(args.split(' '))
            .output()
            .unwrap();
        assert!(
            out.status.success(),
            "{args}: {}",
            String::from_utf8_lossy(&out.stderr)
        );
        let text = String::from_utf8_lossy(&out.stdout);
        if fnv(&out.stdout) != want {
            differ.push(format!(
                "{args}: now {:#x}:\n{}",
                fnv(&out.stdout),
                &text[..text.len().min(3000)]
            ));
        }
    }
    // Every run that differs, at once.
    assert!(differ.is_empty(), "{}", differ.join("\n"));
    // The same users as JSON stream to the same report.
    let json = as_json(&dir.join("u100k.csv").display().to_string());
    std::fs::write(dir.join("u100k.json"), json).unwrap();
    for (args, want) in LARGE.iter().take(2) {
        let out = std::process::Command::new(env!("CARGO_BIN_EXE_mfac"))
            .current_dir(&dir)
            .args(["simulate", "p1000.mfa", "--directory", "u100k.json"])
            .args(args.split(' '))
            .output()
            .unwrap();
        assert!(
            out.status.success(),
            "{args}: {}",
            String::from_utf8_lossy(&out.stderr)
        );
        assert_eq!(fnv(&out.stdout), *want, "{args}, as JSON");
    }
}

/// A CSV file the streamed reader stops at gets the reference reader's
/// diagnostics: the same exit code and message as before streaming.
#[test]
fn a_bad_csv_directory_is_reported_as_before() {
    let mut many = String::from("id,groups,factors\n");
    for i in 0..5_000 {
        many.push_str(&format!("user{i},A,totp\n"));
    }
    let cases: [(&str, Vec<u8>, &str); 5] = [
        (
            "dup.csv",
            format!("{many}user42,B,\n").into_bytes(),
            "duplicate user id `user42`",
        ),
        (
            "fido.csv",
            b"id,factors\na,fido\n".to_vec(),
            "unknown factor kind `fido`",
        ),
        (
            "role.csv",
            b"id,role\na,x\n".to_vec(),
            "unknown field `role`",
        ),
        ("short.csv", b"id,groups\na\n".to_vec(), "malformed CSV row"),
        (
            "latin1.csv",
            b"id,groups\nb\xe9a,A\n".to_vec(),
            "is not UTF-8 text",
        ),
    ];
    for (name, bytes, want) in cases {
        refused(name, bytes, want);
    }
}

/// `bytes` as a directory file named `name` is refused as before: exit 2,
/// `want` in the diagnostic, nothing on standard output.
fn refused(name: &str, bytes: impl AsRef<[u8]>, want: &str) {
    let path = write_temp("stream-bad", name, bytes);
    let run = mfac(&["simulate", "policies/acme.mfa", "--directory", &path]);
    assert_eq!(run.code, 2, "{name}: {}", run.stderr);
    assert!(run.stderr.contains(want), "{name}: {}", run.stderr);
    assert!(run.stdout.is_empty(), "{name}: {}", run.stdout);
}

/// The same for a JSON directory the streamed reader stops at.
#[test]
fn a_bad_json_directory_is_reported_as_before() {
    let cases: [(&str, &str, &str); 4] = [
        (
            "dup.json",
            r#"{"users": [{"id": "a"}, {"id": "a"}]}"#,
            "duplicate user id `a`",
        ),
        (
            "role.json",
            r#"{"users": [{"id": "a", "role": "x"}]}"#,
            "unknown field `role`",
        ),
        (
            "num.json",
            r#"{"users": [{"id": "a", "groups": 5}]}"#,
            "must be a string or a list of strings",
        ),
        (
            "cut.json",
            r#"{"users": [{"id": "a"}"#,
            "malformed directory",
        ),
    ];
    for (name, text, want) in cases {
        refused(name, text, want);
    }
}

/// And a YAML directory the streamed reader stops at.
#[test]
fn a_bad_yaml_directory_is_reported_as_before() {
    let cases: [(&str, &str, &str); 4] = [
        (
            "dup.yaml",
            "users:\n  - id: a\n  - id: a\n",
            "duplicate user id `a`",
        ),
        (
            "role.yaml",
            "users:\n  - id: a\n    role: x\n",
            "unknown field `role`",
        ),
        (
            "num.yaml",
            "users:\n  - id: a\n    groups: [1]\n",
            "malformed directory",
        ),
        ("top.yaml", "users: []\nextra: 1\n", "malformed directory"),
    ];
    for (name, text, want) in cases {
        refused(name, text, want);
    }
}
