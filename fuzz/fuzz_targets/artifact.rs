//! The compiled-artifact loader on arbitrary text: it loads or refuses,
//! and a loaded policy decides without panicking. The checksum stops almost
//! every mutated file at the door, so the bare tables are also fed to the
//! validation behind it (`Policy::from_tables`), as a file with a forged
//! checksum would be.
#![no_main]

use libfuzzer_sys::fuzz_target;
use mfac::{LoginContext, Policy};

fuzz_target!(|data: &[u8]| {
    let Ok(text) = std::str::from_utf8(data) else {
        return;
    };
    if let Ok(tables) = serde_json::from_str::<mfac::compile::Tables>(text) {
        if let Ok(policy) = Policy::from_tables(tables) {
            decide_some(&policy);
        }
    }
    let Ok(policy) = Policy::from_json(text) else {
        return;
    };
    decide_some(&policy);
});

fn decide_some(policy: &Policy) {
    let groups = ["Administrators", "g0"];
    for at in ["1970-01-01T00:00:00Z", "2026-12-15T08:00:00Z", "9999-01-01T00:00:00Z"] {
        let at = at.parse().expect("instant");
        let ctx = LoginContext::new("u0@x.test", at).groups(&groups).app(Some("Finance"));
        let _ = policy.decide(&ctx);
    }
    let _ = policy.to_json();
}
