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
#![allow(clippy::panic, clippy::indexing_slicing)] // a generator for benchmarks: bad arguments may stop it

use std::io::{BufWriter, Write};

fn main() -> std::io::Result<()> {
    let args: Vec<String> = std::env::args().skip(1).collect();
    let num =
        |i: usize, default: usize| args.get(i).and_then(|a| a.parse().ok()).unwrap_or(default);
    let out = std::io::stdout();
    let mut out = BufWriter::new(out.lock());
    match args.first().map(String::as_str) {
        Some("policy") => policy(&mut out, num(1, 1_000)),
        Some("users") => users(&mut out, num(1, 1_000_000), num(2, 1_000), num(3, 20)),
        _ => {
            eprintln!("usage: gen_directory policy GROUPS | users N GROUPS PER_USER");
            std::process::exit(2);
        }
    }
}

fn policy(out: &mut impl Write, groups: usize) -> std::io::Result<()> {
    writeln!(
        out,
        "precedence most_restrictive\ntimezone \"Europe/Berlin\""
    )?;
    writeln!(
        out,
        "default {{ enforcement optional factors webauthn | totp | sms }}"
    )?;
    for g in 0..groups {
        let level = if g % 3 == 0 { "required" } else { "optional" };
        let factors = if g % 7 == 0 {
            "webauthn | totp"
        } else {
            "webauthn | totp | sms"
        };
        writeln!(
            out,
            "group \"g{g}\" {{ enforcement {level} factors {factors} }}"
        )?;
    }
    for a in 0..100 {
        writeln!(
            out,
            "app \"app{a}\" {{ enforcement required factors webauthn | totp }}"
        )?;
    }
    for r in 0..10 {
        let subjects: Vec<String> = (0..10)
            .map(|i| format!("group \"g{}\"", (r * 100 + i * 10 + 1) % groups.max(1)))
            .collect();
        writeln!(
            out,
            "rollout \"r{r}\" {{ applies {}\n  on 2026-12-{:02} enforcement optional\n  on 2027-01-{:02} enforcement required enrolment grace 14d\n}}",
            subjects.join(", "),
            r + 1,
            r + 1
        )?;
    }
    Ok(())
}

fn users(out: &mut impl Write, n: usize, groups: usize, per_user: usize) -> std::io::Result<()> {
    let mut state: u64 = 0x9e37_79b9_7f4a_7c15;
    let mut next = move || {
        state ^= state << 13;
        state ^= state >> 7;
        state ^= state << 17;
        state as usize
    };
    const FACTORS: [&str; 6] = ["", "totp", "sms", "webauthn", "totp;webauthn", "sms;totp"];
    writeln!(out, "id,groups,factors")?;
    for u in 0..n {
        let gs: Vec<String> = (0..per_user)
            .map(|_| format!("g{}", next() % groups.max(1)))
            .collect();
        writeln!(
            out,
            "user{u}@example.test,{},{}",
            gs.join(";"),
            FACTORS[next() % FACTORS.len()]
        )?;
    }
    Ok(())
}
