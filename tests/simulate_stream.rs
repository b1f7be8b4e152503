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
    ("acme", 0, 0x8d7c2c5b400e206c),
    ("acme", 1, 0xbc3c39adf86a9e2c),
    ("acme", 2, 0x55e5b1208361e951),
    ("acme", 3, 0x49de47313714f3e7),
    ("acme", 4, 0xf36854c3217bb456),
    ("genesys", 0, 0xa923e47d853bab7),
    ("genesys", 1, 0x3354495b480d12b),
    ("genesys", 2, 0x7f375e064c7f315b),
    ("genesys", 3, 0x812bcfd83b511778),
    ("genesys", 4, 0x81635334f2ebb482),
    ("12port", 0, 0xb3db1e69319460d4),
    ("12port", 1, 0x243a0624e075ac6d),
    ("12port", 2, 0x843e057cdba29f),
    ("12port", 3, 0x3f8e1f931ce2aca),
    ("12port", 4, 0xc05a96e94b143e06),
    ("cymmetri", 0, 0xeee04611e1f67364),
    ("cymmetri", 1, 0x7f05211c8c85c2c),
    ("cymmetri", 2, 0x4e2a32e29ca408af),
    ("cymmetri", 3, 0xc2980e0665a06131),
    ("cymmetri", 4, 0x7dea8c70a394d983),
    ("voiso", 0, 0x1c3c601160e3012e),
    ("voiso", 1, 0xb237e33e157b40ad),
    ("voiso", 2, 0x29043c30ac81fd),
    ("voiso", 3, 0x8a98ec7ce81a2d42),
    ("voiso", 4, 0x64e444b78b53417d),
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
    ("--at 2027-01-20", 0x34935374f5e7272f),
    ("--at 2027-01-20 --format json", 0x9a110853b203627),
    ("--at 2027-01-20 --format csv", 0xace30d8907ade1d7),
    (
        "--at 2027-01-20 --format markdown --all",
        0x4614eb2325c62526,
    ),
    (
        "--at 2026-12-05 --base base.mfa --format json --app app3",
        0x50d7228112028ea3,
    ),
    (
        "--at 2026-12-05 --base base.mfa --format markdown",
        0x4fda18b99828845c,
    ),
    ("--at 2027-01-20 --all", 0x592628cce3fb32ac),
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
        assert_eq!(
            fnv(&out.stdout),
            want,
            "{args}: now {:#x}:\n{}",
            fnv(&out.stdout),
            &text[..text.len().min(3000)]
        );
    }
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
