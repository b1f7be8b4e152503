//! `simulate` throughput: users decided (before and after) per second on a
//! 1,000-group policy, users in 20 groups each; and the directory loader.
//!
//! Run: `cargo bench --bench simulate`. The 1M-user end-to-end figure (time,
//! peak memory) comes from `examples/gen_directory.rs` and `/usr/bin/time`;
//! see the README.

#![allow(
    clippy::unwrap_used,
    clippy::expect_used,
    clippy::panic,
    clippy::indexing_slicing
)] // a broken generator should stop the bench

use mfac::directory::{parse, Format};
use mfac::{Compile, Policy, SourceFile};
use std::fmt::Write;

const USERS: usize = 100_000;

fn main() {
    divan::Divan::from_args().sample_count(10).main();
}

fn policy() -> Policy {
    let mut s = String::from("default { enforcement optional factors webauthn | totp | sms }\n");
    for g in 0..1000 {
        let level = if g % 3 == 0 { "required" } else { "optional" };
        writeln!(s, "group \"g{g}\" {{ enforcement {level} }}").unwrap();
    }
    for r in 0..10 {
        writeln!(
            s,
            "rollout \"r{r}\" {{ applies group \"g{}\" on 2027-01-{:02} enforcement required enrolment grace 14d }}",
            r * 100 + 1,
            r + 1
        )
        .unwrap();
    }
    Policy::compile("bench.mfa", &s).unwrap_or_else(|d| panic!("{d}"))
}

fn csv() -> String {
    let mut state: u64 = 0x9e37_79b9_7f4a_7c15;
    let mut next = move || {
        state ^= state << 13;
        state ^= state >> 7;
        state ^= state << 17;
        state as usize
    };
    let mut s = String::from("id,groups,factors\n");
    for u in 0..USERS {
        let groups: Vec<String> = (0..20).map(|_| format!("g{}", next() % 1000)).collect();
        writeln!(s, "user{u}@example.test,{},totp", groups.join(";")).unwrap();
    }
    s
}

/// Decide 100,000 users twice (the policy and just before its latest phase).
#[divan::bench]
fn simulate_100k_users(bencher: divan::Bencher) {
    let p = policy();
    let dir = parse(&SourceFile::new("u.csv", csv()), Format::Csv).unwrap();
    let at = "2027-01-20T00:00:00Z".parse().unwrap();
    bencher.bench_local(|| {
        mfac::simulate::simulate(&p, None, &dir, at, None)
            .users
            .len()
    });
}

/// Read a 100,000-user CSV directory.
#[divan::bench]
fn load_100k_users_csv(bencher: divan::Bencher) {
    let text = csv();
    bencher.bench_local(|| {
        parse(&SourceFile::new("u.csv", text.as_str()), Format::Csv)
            .unwrap()
            .users
            .len()
    });
}
