//! The PostgreSQL half of the store tests is built `#[ignore]`d unless
//! `MFAC_TEST_POSTGRES_URL` is set, so a run without a server says `ignored`
//! for it instead of a silent `ok`. (`.ci/run` sets it; there a server that
//! cannot be reached fails the run.)

fn main() {
    println!("cargo::rerun-if-env-changed=MFAC_TEST_POSTGRES_URL");
    println!("cargo::rustc-check-cfg=cfg(mfac_postgres)");
    if std::env::var_os("MFAC_TEST_POSTGRES_URL").is_some_and(|v| !v.is_empty()) {
        println!("cargo::rustc-cfg=mfac_postgres");
    }
}
