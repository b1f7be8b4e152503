//! Large synthetic inputs for `mfac simulate` at scale.
//!
//! ```sh
//! cargo run --release --example gen_directory -- policy 1000 > big.mfa
//! cargo run --release --example gen_directory -- users 1000000 1000 20 > big.users.csv
//! mfac simulate big.mfa --directory big.users.csv --at 2027-01-20
//! ```
//!
//! `policy GROUPS`: a policy with GROUPS groups, 100 apps and 10 rollouts
//! (the shape of `benches/decide.rs`). `users N GROUPS PER_USER`: a CSV
//! directory of N users, each in PER_USER of the GROUPS groups, with a mix of
//! enrolled factors. Output is deterministic (a fixed xorshift seed).
#![allow(clippy::panic)] // a generator for benchmarks: bad arguments may stop it

use mfac_testing::generate;
use std::io::BufWriter;

fn main() -> std::io::Result<()> {
    let args: Vec<String> = std::env::args().skip(1).collect();
    let num =
        |i: usize, default: usize| args.get(i).and_then(|a| a.parse().ok()).unwrap_or(default);
    let out = std::io::stdout();
    let mut out = BufWriter::new(out.lock());
    match args.first().map(String::as_str) {
        Some("policy") => generate::policy(&mut out, num(1, 1_000)),
        Some("users") => generate::users(&mut out, num(1, 1_000_000), num(2, 1_000), num(3, 20)),
        _ => {
            eprintln!("usage: gen_directory policy GROUPS | users N GROUPS PER_USER");
            std::process::exit(2);
        }
    }
}
