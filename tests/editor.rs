//! `mfac lsp` driven by an LSP client the project did not write: neovim's
//! own, headless (tests/nvim/drive.lua), against the real binary. Open,
//! change, hover, definition, completion, a quick fix, a code lens and its
//! command, rename and formatting, each judged here from what neovim got.
//!
//! It needs Debian's `neovim`, which `.ci/run` installs; it is built when
//! `MFAC_TEST_NEOVIM` is set (CI sets it, and then a missing neovim fails
//! the run) and is `ignored` otherwise (build.rs).

#![allow(
    clippy::unwrap_used,
    clippy::expect_used,
    clippy::panic,
    clippy::indexing_slicing
)]

use serde_json::Value;

const POLICY: &str = r#"strength strong = webauthn
default { enforcement optional factors webauthn | totpp }
group "Admins" { privileged enforcement required factors strong remember never }
group "Staff" { includes "Admins" enforcement optional }
assert "staff need MFA" { for members of group "Staff" always enforcement required }
"#;

fn codes(v: &Value) -> Vec<String> {
    v["items"]
        .as_array()
        .unwrap()
        .iter()
        .map(|d| d["code"].as_str().unwrap().to_string())
        .collect()
}

#[test]
#[cfg_attr(
    not(mfac_neovim),
    ignore = "set MFAC_TEST_NEOVIM=1 (with `apt-get install neovim`) to run"
)]
fn neovim_drives_the_language_server_through_every_capability() {
    let dir = std::env::temp_dir().join(format!("mfac-nvim-{}", std::process::id()));
    std::fs::create_dir_all(&dir).unwrap();
    let policy = dir.join("acme.mfa");
    std::fs::write(&policy, POLICY).unwrap();
    let out_path = dir.join("out.json");
    let run = std::process::Command::new("nvim")
        .args([
            "--headless",
            "-n",
            "-i",
            "NONE",
            "-u",
            "NONE",
            "-c",
            "luafile tests/nvim/drive.lua",
        ])
        .env("MFAC_BIN", env!("CARGO_BIN_EXE_mfac"))
        .env("MFAC_POLICY", &policy)
        .env("MFAC_OUT", &out_path)
        .env("HOME", &dir)
        .stdin(std::process::Stdio::null())
        .output()
        .expect("nvim runs (apt-get install neovim)");
    let log = format!(
        "{}{}",
        String::from_utf8_lossy(&run.stdout),
        String::from_utf8_lossy(&run.stderr)
    );
    let out: Value = serde_json::from_str(
        &std::fs::read_to_string(&out_path).unwrap_or_else(|e| panic!("no answers ({e}): {log}")),
    )
    .unwrap();
    assert_eq!(
        out["done"], true,
        "neovim stopped after {:?}: {log}",
        out["steps"]
    );

    // Open: the unknown factor and the failing assertion, as `mfac check` says.
    let opened = codes(&out["opened"]);
    assert!(
        opened.contains(&"E002".into()) && opened.contains(&"E029".into()),
        "{opened:?}"
    );
    // The quick fix put `totp` in, and the finding went away.
    assert_eq!(
        out["code_action"]["result"][0]["title"],
        "Replace with `totp`"
    );
    assert!(out["after_fix"]["text"]
        .as_str()
        .unwrap()
        .contains("webauthn | totp }"));
    assert!(!codes(&out["after_fix"]["diagnostics"]).contains(&"E002".into()));
    // Hover: what a member of Admins alone gets.
    let hover = out["hover"]["result"]["contents"]["value"]
        .as_str()
        .unwrap();
    assert!(
        hover.contains("A member of `Admins` and of no other group")
            && hover.contains("`required`"),
        "{hover}"
    );
    // Definition: from `includes "Admins"` to the rule on line 3 (0-based 2).
    assert_eq!(out["definition"]["result"][0]["range"]["start"]["line"], 2);
    // Typing half a rule: diagnostics came (a syntax error), and completion
    // offered factor kinds and the file's strength.
    assert!(codes(&out["typed"]).contains(&"E001".into()));
    let labels: Vec<&str> = out["completion"]["result"]
        .as_array()
        .unwrap()
        .iter()
        .map(|i| i["label"].as_str().unwrap())
        .collect();
    assert!(
        labels.contains(&"totp") && labels.contains(&"strong"),
        "{labels:?}"
    );
    assert!(!codes(&out["untyped"]).contains(&"E001".into()));
    // The lens on the failing assertion, and its counterexample shown.
    assert_eq!(
        out["code_lens"]["result"][0]["command"]["title"],
        "✗ fails — 1 group: Staff"
    );
    let shown = out["shown"][0].as_str().unwrap();
    assert!(
        shown.contains("counterexample: a member of `Staff`")
            && shown.contains("replay: mfac eval"),
        "{shown}"
    );
    // Rename: every `Staff` is `Employees`.
    let renamed = out["after_rename"].as_str().unwrap();
    assert_eq!(renamed.matches("\"Employees\"").count(), 2, "{renamed}");
    assert!(!renamed.contains("Staff"));
    // Formatting is `mfac fmt`'s.
    let before = out["formatting"]["before"].as_str().unwrap();
    let want = mfac::fmt::format_policy(&mfac::SourceFile::new("acme.mfa", format!("{before}\n")))
        .unwrap();
    assert_eq!(out["formatting"]["after"].as_str().unwrap(), want);
    let _ = std::fs::remove_dir_all(&dir);
}
