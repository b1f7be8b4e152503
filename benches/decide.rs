//! Decisions per second of the compiled evaluator on a generated policy with
//! 1,000 groups, 100 apps and 10 rollouts, for users in 20 groups each.
//!
//! Run: `cargo bench --bench decide`. Compare the evaluator with the naive
//! baseline in the same run (a ratio), not with absolute numbers from
//! another day on this noisy machine.

#![allow(
    clippy::unwrap_used,
    clippy::expect_used,
    clippy::panic,
    clippy::indexing_slicing
)] // a broken generator should stop the bench

use mfac::{Compile, Factor, LastMfa, Level, LoginContext, Policy};
use std::collections::HashMap;
use std::fmt::Write;
use std::hint::black_box;

const GROUPS: usize = 1_000;
const APPS: usize = 100;
const ROLLOUTS: usize = 10;
const PER_USER: usize = 20;
const USERS: usize = 1_024;

fn main() {
    // One decision is well under a microsecond: time 1,000 per sample, or
    // the timer's own cost and the first, cold call dominate.
    divan::Divan::from_args()
        .sample_size(1_000)
        .sample_count(200)
        .main();
}

/// A deterministic pseudo-random sequence (xorshift), so every run measures the same inputs.
struct Rng(u64);
impl Rng {
    fn next(&mut self) -> usize {
        self.0 ^= self.0 << 13;
        self.0 ^= self.0 >> 7;
        self.0 ^= self.0 << 17;
        self.0 as usize
    }
}

fn policy_text(precedence: &str) -> String {
    let mut s = String::new();
    writeln!(s, "precedence {precedence}\ntimezone \"Europe/Berlin\"").unwrap();
    writeln!(
        s,
        "calendar {{ work_hours mon-fri 08:00-18:00 holiday 2026-12-25 }}"
    )
    .unwrap();
    writeln!(
        s,
        "default {{ enforcement optional factors webauthn | totp | sms remember 8h same_ip }}"
    )
    .unwrap();
    for g in 0..GROUPS {
        let level = if g % 3 == 0 { "required" } else { "optional" };
        let factors = if g % 7 == 0 {
            "webauthn"
        } else {
            "webauthn | totp | sms"
        };
        write!(s, "group \"g{g}\" {{ enforcement {level} factors {factors}").unwrap();
        if g % 5 == 0 {
            write!(s, " remember 1h same_ip same_context max_logins 10").unwrap();
        }
        if g % 10 == 0 {
            write!(s, " includes \"team{g}\"").unwrap();
        }
        writeln!(s, " }}").unwrap();
    }
    for a in 0..APPS {
        writeln!(
            s,
            "app \"app{a}\" {{ enforcement required factors webauthn | totp }}"
        )
        .unwrap();
    }
    for r in 0..ROLLOUTS {
        let subjects: Vec<String> = (0..10)
            .map(|i| format!("group \"g{}\"", r * 100 + i * 10 + 1))
            .collect();
        writeln!(
            s,
            "rollout \"r{r}\" {{ applies {}\n on 2026-12-{:02} enforcement optional\n on 2027-01-{:02} enforcement required enrolment grace 14d }}",
            subjects.join(", "),
            r + 1,
            r + 1
        )
        .unwrap();
    }
    s
}

struct Fixture {
    policy: Policy,
    users: Vec<(String, Vec<String>)>,
    /// Group -> (level, allowed factors as bits): the naive baseline's table.
    naive: HashMap<String, (Level, u8)>,
}

/// `precedence` of the policy above, or `scoped`: the `most_restrictive`
/// policy with 200 scoped rules added, each for two groups, half of them in
/// an app, a third with an exclusion (the shape the scoped-rule design asks
/// to stay within 1.5x of today's decisions).
fn fixture(precedence: &str) -> Fixture {
    let text = match precedence {
        "scoped" => {
            let mut s = policy_text("most_restrictive");
            let mut rng = Rng(0x2545_f491_4f6c_dd1d);
            for k in 0..200 {
                let (a, b) = (rng.next() % GROUPS, rng.next() % GROUPS);
                write!(
                    s,
                    "rule \"s{k}\" {{ for members of group \"g{a}\", group \"g{b}\""
                )
                .unwrap();
                if k % 2 == 0 {
                    write!(s, " in app \"app{}\"", rng.next() % APPS).unwrap();
                }
                if k % 3 == 0 {
                    // As tenants exclude: the emergency-access, service
                    // account or guest group.
                    let excluded =
                        ["Emergency Access", "Service Accounts", "Guests"][rng.next() % 3];
                    write!(s, " except members of group \"{excluded}\"").unwrap();
                }
                writeln!(s, " enforcement required factors webauthn | totp }}").unwrap();
            }
            s
        }
        p => policy_text(p),
    };
    let policy = Policy::compile("bench.mfa", &text).unwrap_or_else(|d| panic!("{d}"));
    let mut rng = Rng(0x9e37_79b9_7f4a_7c15);
    let users = (0..USERS)
        .map(|u| {
            let groups = (0..PER_USER)
                .map(|_| format!("g{}", rng.next() % GROUPS))
                .collect();
            (format!("user{u}@example.test"), groups)
        })
        .collect();
    // webauthn | totp | sms as bits 1 | 2 | 4, as the policy text says.
    let naive = (0..GROUPS)
        .map(|g| {
            let level = if g % 3 == 0 {
                Level::Required
            } else {
                Level::Optional
            };
            let factors = if g % 7 == 0 { 1 } else { 7 };
            (format!("g{g}"), (level, factors))
        })
        .collect();
    Fixture {
        policy,
        users,
        naive,
    }
}

fn contexts(f: &Fixture) -> Vec<(Vec<&str>, String)> {
    f.users
        .iter()
        .enumerate()
        .map(|(i, (_, g))| {
            (
                g.iter().map(String::as_str).collect(),
                format!("app{}", i % APPS),
            )
        })
        .collect()
}

/// Every benchmarked login: a Wednesday morning in Berlin, 30 minutes after
/// an MFA from the same IP.
fn login_time() -> (jiff::Timestamp, Option<std::net::IpAddr>, LastMfa) {
    let ip = Some("10.1.2.3".parse().unwrap());
    let last = LastMfa {
        at: "2026-12-16T10:00:00+01:00".parse().unwrap(),
        ip,
        logins_since: Some(2),
        aal: None,
    };
    ("2026-12-16T10:30:00+01:00".parse().unwrap(), ip, last)
}

fn run_decisions(bencher: divan::Bencher, precedence: &str, with_last_mfa: bool) {
    run_decisions_with(bencher, precedence, with_last_mfa, Policy::decide, USERS);
}

/// Decisions for the fixture's users in turn; `ids` user ids (the
/// fixture's own when `USERS`, else as many new ones, each in the groups of
/// a fixture user).
fn run_decisions_with(
    bencher: divan::Bencher,
    precedence: &str,
    with_last_mfa: bool,
    decide: for<'p> fn(&'p Policy, &LoginContext<'_>) -> mfac::Decision<'p>,
    ids: usize,
) {
    let f = fixture(precedence);
    let ctxs = contexts(&f);
    let ids: Vec<String> = if ids == USERS {
        f.users.iter().map(|(u, _)| u.clone()).collect()
    } else {
        (0..ids).map(|i| format!("new{i}@example.test")).collect()
    };
    let (at, ip, last) = login_time();
    let mut i = 0;
    bencher.bench_local(|| {
        i = (i + 1) % ids.len();
        let (groups, app) = &ctxs[i % USERS];
        let ctx = LoginContext::new(&ids[i], at)
            .groups(groups)
            .app(Some(app))
            .ip(ip)
            .enrolled(&[Factor::Totp])
            .last_mfa(with_last_mfa.then_some(last));
        let d = decide(&f.policy, black_box(&ctx));
        black_box((d.outcome, d.factors, d.rules.len()))
    });
}

/// A full decision from names, as `decide_most_restrictive`, with the
/// per-thread cache of resolved users out of the way: every call looks up
/// the 20 names and sorts the rules (a user never seen before).
#[divan::bench]
fn decide_most_restrictive_uncached(bencher: divan::Bencher) {
    run_decisions_with(
        bencher,
        "most_restrictive",
        true,
        Policy::decide_uncached,
        USERS,
    );
}

/// `decide` where every call is a user the cache has not seen (262,144
/// distinct ids, far more than it holds): the cost of a miss, which
/// resolves, decides and keeps the entry.
#[divan::bench]
fn decide_most_restrictive_every_user_new(bencher: divan::Bencher) {
    run_decisions_with(bencher, "most_restrictive", true, Policy::decide, NEW_USERS);
}

/// The same 262,144 users with `decide_uncached`: what the miss costs over
/// no cache at all, with the same cold ids.
#[divan::bench]
fn decide_most_restrictive_every_user_new_uncached(bencher: divan::Bencher) {
    run_decisions_with(
        bencher,
        "most_restrictive",
        true,
        Policy::decide_uncached,
        NEW_USERS,
    );
}

/// Users never decided before, far more than the cache holds.
const NEW_USERS: usize = 1 << 18;

/// A full decision: exemption, epoch, 20 group look-ups, user and app rules,
/// combination, factors, deadline, remember window, rule list.
#[divan::bench]
fn decide_most_restrictive(bencher: divan::Bencher) {
    run_decisions(bencher, "most_restrictive", true);
}

#[divan::bench]
fn decide_specific(bencher: divan::Bencher) {
    run_decisions(bencher, "specific", true);
}

/// `decide_most_restrictive` with 200 scoped rules (app-bound and with
/// exclusions) on top.
#[divan::bench]
fn decide_scoped_200_rules(bencher: divan::Bencher) {
    run_decisions(bencher, "scoped", true);
}

/// The same without a last MFA: no remember window or time context to compute.
#[divan::bench]
fn decide_most_restrictive_no_last_mfa(bencher: divan::Bencher) {
    run_decisions(bencher, "most_restrictive", false);
}

/// The same decisions for subjects resolved once ([`Policy::subject`]), as
/// an identity service that keeps a session per user would call it.
#[divan::bench]
fn decide_resolved_subject(bencher: divan::Bencher) {
    let f = fixture("most_restrictive");
    let ctxs = contexts(&f);
    let subjects: Vec<mfac::Subject> = f
        .users
        .iter()
        .zip(&ctxs)
        .map(|((user, _), (groups, _))| f.policy.subject(user, groups))
        .collect();
    let (at, ip, last) = login_time();
    let mut i = 0;
    bencher.bench_local(|| {
        i = (i + 1) % USERS;
        let ctx = LoginContext::new(&f.users[i].0, at)
            .app(Some(&ctxs[i].1))
            .ip(ip)
            .enrolled(&[Factor::Totp])
            .last_mfa(Some(last));
        let d = f.policy.decide_subject(&subjects[i], black_box(&ctx));
        black_box((d.outcome, d.factors, d.rules.len()))
    });
}

/// The baseline from the issue: a `HashMap<String, _>` look-up per group,
/// computing only the level and the allowed factors' bits.
#[divan::bench]
fn naive_hashmap_level_and_factors(bencher: divan::Bencher) {
    let f = fixture("most_restrictive");
    let mut i = 0;
    bencher.bench_local(|| {
        i = (i + 1) % USERS;
        let (level, factors) = f.users[i]
            .1
            .iter()
            .filter_map(|g| f.naive.get(black_box(g.as_str())))
            .fold((Level::Off, 7u8), |(l, b), (gl, gb)| ((l).max(*gl), b & gb));
        black_box((level, factors))
    });
}

/// An identity service's day: 10,000 users, each in 20 of the 1,000
/// groups, decided in random order, so that no per-thread cache holds the
/// population. The next three benches share it: `decide`, `decide` with
/// no cache at all, and the naive table.
const POPULATION: usize = 10_000;

/// The policy, the population's users (name, groups) and the random order
/// they sign in.
struct Population {
    f: Fixture,
    users: Vec<(String, Vec<String>)>,
    order: Vec<usize>,
}

fn population() -> Population {
    let f = fixture("most_restrictive");
    let mut rng = Rng(0x6a09_e667_f3bc_c908);
    let users: Vec<(String, Vec<String>)> = (0..POPULATION)
        .map(|u| {
            let groups = (0..PER_USER)
                .map(|_| format!("g{}", rng.next() % GROUPS))
                .collect();
            (format!("person{u}@example.test"), groups)
        })
        .collect();
    let order = (0..1 << 16).map(|_| rng.next() % POPULATION).collect();
    Population { f, users, order }
}

/// What a bench keeps of a decision: the outcome, the factors and how
/// many rules it lists.
type Kept = (mfac::Outcome, mfac::FactorSet, usize);

fn run_population(bencher: divan::Bencher, decide: fn(&Policy, &LoginContext<'_>) -> Kept) {
    let Population { f, users, order } = population();
    let groups: Vec<Vec<&str>> = users
        .iter()
        .map(|(_, g)| g.iter().map(String::as_str).collect())
        .collect();
    let (at, ip, last) = login_time();
    let mut i = 0;
    bencher.bench_local(|| {
        i = (i + 1) % order.len();
        let u = order[i];
        let ctx = LoginContext::new(&users[u].0, at)
            .groups(&groups[u])
            .ip(ip)
            .enrolled(&[Factor::Totp])
            .last_mfa(Some(last));
        black_box(decide(&f.policy, black_box(&ctx)))
    });
}

/// `decide` over the 10,000-user population in random order.
#[divan::bench]
fn population_decide(bencher: divan::Bencher) {
    run_population(bencher, |p, ctx| {
        let d = p.decide(ctx);
        (d.outcome, d.factors, d.rules.len())
    });
}

/// The same with no per-thread cache at all.
#[divan::bench]
fn population_decide_uncached(bencher: divan::Bencher) {
    run_population(bencher, |p, ctx| {
        let d = p.decide_uncached(ctx);
        (d.outcome, d.factors, d.rules.len())
    });
}

/// The same decisions without the list of rules that shaped them
/// (`verdict`): what the naive table computes, and more.
#[divan::bench]
fn population_verdict(bencher: divan::Bencher) {
    run_population(bencher, |p, ctx| {
        let v = p.verdict(ctx);
        (v.outcome, v.factors, 0)
    });
}

/// The naive table over the same population and order.
#[divan::bench]
fn population_naive_hashmap(bencher: divan::Bencher) {
    let Population { f, users, order } = population();
    let mut i = 0;
    bencher.bench_local(|| {
        i = (i + 1) % order.len();
        let (level, factors) = users[order[i]]
            .1
            .iter()
            .filter_map(|g| f.naive.get(black_box(g.as_str())))
            .fold((Level::Off, 7u8), |(l, b), (gl, gb)| ((l).max(*gl), b & gb));
        black_box((level, factors))
    });
}

/// Only the 20 group-name look-ups of a decision: the policy's own index.
#[divan::bench]
fn lookups_policy_index(bencher: divan::Bencher) {
    run_lookups(bencher, |f, g| f.policy.group_id(g));
}

/// The same 20 look-ups in a `HashMap<String, _>`.
#[divan::bench]
fn lookups_naive_hashmap(bencher: divan::Bencher) {
    run_lookups(bencher, |f, g| f.naive.get(g).map(|(_, b)| u32::from(*b)));
}

/// A user's 20 group names looked up with `look`, for the fixture's users
/// in turn.
fn run_lookups(bencher: divan::Bencher, look: fn(&Fixture, &str) -> Option<u32>) {
    let f = fixture("most_restrictive");
    let mut i = 0;
    bencher.bench_local(|| {
        i = (i + 1) % USERS;
        let n: u32 = f.users[i]
            .1
            .iter()
            .filter_map(|g| look(&f, black_box(g.as_str())))
            .sum();
        black_box(n)
    });
}
