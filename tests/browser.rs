//! The `/demo` page in a real browser: headless Chromium with a CDP
//! virtual authenticator, driven by Playwright (tests/browser/demo.mjs)
//! against the real `mfac serve --demo`.
//!
//! It needs Debian's `chromium` and `npm ci` in tests/browser, which
//! `.ci/run` installs; it is built when `MFAC_TEST_BROWSER` is set (CI sets
//! it, and then a missing browser fails the run) and is `ignored` otherwise
//! (build.rs), so the plain `cargo test` passes on a machine without one
//! and says what it did not run.

#![allow(clippy::unwrap_used, clippy::expect_used, clippy::panic)]

mod common;
use common::server::start;

const POLICY: &str = r#"precedence specific
default { enforcement required factors webauthn | totp remember 1h }
group "Kiosk" { enforcement off }
"#;

/// The link `mfac serve --demo` printed on standard output, with its token.
fn demo_link(s: &common::server::Server) -> String {
    common::server::wait_for(|| {
        let out = s.stdout.lock().unwrap().clone();
        out.lines()
            .find_map(|l| l.strip_prefix("mfac serve: the demo page is at "))
            .map(str::to_string)
    })
}

#[test]
#[cfg_attr(
    not(mfac_browser),
    ignore = "set MFAC_TEST_BROWSER=1 (with chromium and `npm ci` in tests/browser) to run"
)]
fn a_passkey_and_an_authenticator_app_sign_in_on_the_demo_page_in_chromium() {
    let s = start("browser", POLICY, &["--demo"]);
    let screenshot = std::env::var("MFAC_DEMO_SCREENSHOT")
        .unwrap_or_else(|_| s.dir.join("demo.png").display().to_string());
    let out = std::process::Command::new("node")
        .arg("tests/browser/demo.mjs")
        .env("MFAC_DEMO_URL", demo_link(&s))
        .env("MFAC_CLOCK_FILE", &s.clock_file)
        .env("MFAC_SCREENSHOT", &screenshot)
        .output()
        .expect("node runs (apt-get install nodejs npm)");
    let text = format!(
        "{}{}",
        String::from_utf8_lossy(&out.stdout),
        String::from_utf8_lossy(&out.stderr)
    );
    eprintln!("{text}");
    assert!(
        out.status.success(),
        "the browser test failed:\n{text}\nserver log:\n{}",
        s.log()
    );
    assert!(std::fs::metadata(&screenshot).unwrap().len() > 10_000);
    // The page's token is the demo's own; nothing secret reached the log.
    assert!(!s.log().contains("otpauth"), "{}", s.log());
}
