//! `mfac simulate` at scale, beside its floor: one run prints the time to
//! merely read the directory file's bytes, to parse its records without
//! deciding anything, the whole streamed simulation, and the reference path
//! (the whole directory read into memory, then decided) it replaced.
//!
//! The directory is the project's generator's (`mfac_testing::generate`,
//! as `examples/gen_directory.rs` writes it): 1,000,000 users in 20 of
//! 1,000 groups each, about 129 MB of CSV, against the generator's
//! 1,000-group policy at 2027-01-20 (two decisions per user: the policy
//! and just before its latest phase). The file is written once to the
//! temporary folder and read from the page cache.
//!
//! Run: `cargo bench --bench simulate`. Compare the rows of one run with
//! each other (ratios), not with another day's figures on this noisy
//! 2-core machine. Peak memory comes from `/usr/bin/time`; see the README.

#![allow(
    clippy::unwrap_used,
    clippy::expect_used,
    clippy::panic,
    clippy::indexing_slicing
)] // a broken fixture should stop the bench

use mfac::directory::{parse, Columns, Format};
use mfac::simulate::stream::{parse_only, simulate_file, Request};
use mfac::simulate::Keep;
use mfac::{Compile, Policy, SourceFile};
use std::io::Read;
use std::path::PathBuf;
use std::sync::OnceLock;

const USERS: usize = 1_000_000;

fn main() {
    divan::Divan::from_args().sample_count(5).main();
}

struct Fixture {
    policy: Policy,
    csv: PathBuf,
}

fn fixture() -> &'static Fixture {
    static F: OnceLock<Fixture> = OnceLock::new();
    F.get_or_init(|| {
        let mut text = Vec::new();
        mfac_testing::generate::policy(&mut text, 1_000).unwrap();
        let policy = Policy::compile("big.mfa", &String::from_utf8(text).unwrap())
            .unwrap_or_else(|d| panic!("{d}"));
        let csv = std::env::temp_dir().join(format!("mfac-bench-{USERS}.users.csv"));
        let mut out = std::io::BufWriter::new(std::fs::File::create(&csv).unwrap());
        mfac_testing::generate::users(&mut out, USERS, 1_000, 20).unwrap();
        drop(out);
        Fixture { policy, csv }
    })
}

fn at() -> jiff::Timestamp {
    "2027-01-20T00:00:00+01:00".parse().unwrap()
}

/// The floor: the file's bytes into a reused buffer, nothing else.
#[divan::bench]
fn a_read_bytes_only() -> usize {
    let f = fixture();
    let mut file = std::fs::File::open(&f.csv).unwrap();
    let mut buf = vec![0u8; 1 << 16];
    let mut n = 0;
    loop {
        match file.read(&mut buf).unwrap() {
            0 => return n,
            k => n += k,
        }
    }
}

/// Records parsed as the streamed simulation parses them (UTF-8, trimmed
/// cells, group lists split, factors), nothing decided.
#[divan::bench]
fn b_parse_records_only() -> (usize, usize) {
    let f = fixture();
    let file = std::fs::File::open(&f.csv).unwrap();
    parse_only(Format::Csv, file, &Columns::default())
        .unwrap()
        .unwrap()
}

/// `mfac simulate` as it runs now: streamed, two threads, counts and the
/// first 20 changed users kept (the table report).
#[divan::bench]
fn c_simulate_streamed() -> usize {
    let f = fixture();
    let columns = Columns::default();
    let req = Request {
        policy: &f.policy,
        base: None,
        at: at(),
        app: None,
        columns: &columns,
        keep: Keep::Changed(Some(20)),
    };
    let size = std::fs::metadata(&f.csv).unwrap().len();
    let open = || std::fs::File::open(&f.csv);
    let done = simulate_file(Format::Csv, &open, size, req, &mut |_| {})
        .unwrap()
        .unwrap();
    done.summary.users
}

/// The path it replaced: the whole file read and parsed into a directory
/// of users, then every user decided.
#[divan::bench]
fn d_simulate_reference() -> usize {
    let f = fixture();
    let text = std::fs::read_to_string(&f.csv).unwrap();
    let dir = parse(&SourceFile::new("big.users.csv", text), Format::Csv).unwrap();
    let sim = mfac::simulate::simulate(&f.policy, None, &dir, at(), None);
    mfac::simulate::Summary::of(&sim, &dir, Keep::Changed(Some(20))).users
}
