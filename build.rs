//! Tests that need a service the machine may lack are built `#[ignore]`d
//! unless the variable that points them at it is set, so that a run without
//! PostgreSQL, Chromium, neovim or the VS Code extension's npm packages says `ignored` for them instead of a silent `ok`.
//! (`.ci/run` sets them all, and there a missing service fails the run.)

fn main() {
    for (var, cfg) in [
        ("MFAC_TEST_POSTGRES_URL", "mfac_postgres"),
        ("MFAC_TEST_BROWSER", "mfac_browser"),
        ("MFAC_TEST_NEOVIM", "mfac_neovim"),
        ("MFAC_TEST_VSCODE", "mfac_vscode"),
    ] {
        println!("cargo::rerun-if-env-changed={var}");
        println!("cargo::rustc-check-cfg=cfg({cfg})");
        if std::env::var_os(var).is_some_and(|v| !v.is_empty()) {
            println!("cargo::rustc-cfg={cfg}");
        }
    }
}
