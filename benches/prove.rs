//! How long proofs take, over a generated policy with GROUPS groups, 100
//! apps, 50 users, 10 rollouts and 20 exemptions, at 1,000 to 10,000
//! groups and with more rollouts, to show how the cost grows with groups
//! and with epochs:
//!
//! - `mfac check` of the policy as written: every built-in check (the
//!   engine-based ones included) and, in the second column, with ten
//!   assertions (the §5 kinds) added to the text;
//! - the engine alone on the same ten properties.
//!
//! Then Entra-shaped policies: scoped rules over many groups (a third with
//! an exclusion, half of them bound to apps, a tenth report-only), 100
//! apps, in each precedence mode, checked with ten assertions, at 100 to
//! 1,000 groups and 40 to 400 rules (`ordered` to 300 groups);
//! `MFAC_BENCH_ENTRA=500,200,ordered` runs one size alone, and
//! `MFAC_BENCH_ENTRA=none` only the sizes without scoped rules.
//!
//! `cargo bench --bench prove`. One run, release, wall time per size.

#![allow(
    clippy::unwrap_used,
    clippy::expect_used,
    clippy::panic,
    clippy::indexing_slicing
)]

use mfac::check::{check, CheckOptions};
use mfac::prove::{prove, Condition, Property, Scope};
use mfac::{Compile, Factor, FactorSet, Level, Policy, SourceFile};
use std::fmt::Write;
use std::time::Instant;

/// The ten properties of [`properties`], as `assert` blocks.
const ASSERTIONS: &str = r#"
assert "admins" {
  for privileged
  always enforcement required
  always factors within webauthn
  always remember never
  never exempt
}
assert "nobody locked out" { for everyone never factors none }
assert "everyone asked" { for everyone always enforcement optional }
assert "app1 never sms" { for everyone in app "app1" never factors include sms }
assert "g1 not remembered" { for members of group "g1" always remember never }
assert "u3 required" { for user "u3@acme.test" always enforcement required }
assert "no recovery" { for everyone never recovery }
"#;

fn properties() -> Vec<Property> {
    let set = |fs: &[Factor]| fs.iter().copied().collect::<FactorSet>();
    let p = |scope: Scope, always: bool, condition: Condition| Property {
        scope,
        app: None,
        from: None,
        until: None,
        always,
        condition,
    };
    vec![
        p(
            Scope::Privileged,
            true,
            Condition::Enforcement(Level::Required),
        ),
        p(
            Scope::Privileged,
            true,
            Condition::FactorsWithin(set(&[Factor::Webauthn])),
        ),
        p(Scope::Privileged, true, Condition::RememberNever),
        p(Scope::Privileged, false, Condition::Exempt),
        p(Scope::Everyone, false, Condition::FactorsNone),
        p(
            Scope::Everyone,
            true,
            Condition::Enforcement(Level::Optional),
        ),
        Property {
            app: Some("app1".into()),
            ..p(
                Scope::Everyone,
                false,
                Condition::FactorsInclude(set(&[Factor::Sms])),
            )
        },
        p(
            Scope::MembersOf("g1".into()),
            true,
            Condition::RememberNever,
        ),
        p(
            Scope::User("u3@acme.test".into()),
            true,
            Condition::Enforcement(Level::Required),
        ),
        p(Scope::Everyone, false, Condition::Recovery),
    ]
}

fn run(groups: usize, rollouts: usize) {
    let text = mfac_testing::sized::policy(groups, rollouts);
    let options = CheckOptions {
        today: Some(jiff::civil::date(2026, 12, 1)),
        ..CheckOptions::default()
    };
    let t = Instant::now();
    let out = check(&SourceFile::new("big.mfa", &text), &options);
    let checked = out
        .policy
        .unwrap_or_else(|| panic!("the generated policy has errors:\n{}", out.diagnostics));
    let load = t.elapsed();
    let findings = out.diagnostics.items.len();
    let with_assertions = format!("{text}{ASSERTIONS}");
    let t = Instant::now();
    let out = check(&SourceFile::new("big.mfa", &with_assertions), &options);
    let asserted = t.elapsed();
    let failing = out
        .diagnostics
        .items
        .iter()
        .filter(|d| d.code == "E029")
        .count();
    assert!(out.refuted.is_some(), "only failing assertions are errors");
    let policy = Policy::from_checked(&checked);
    let t = Instant::now();
    let mut refuted = 0;
    for prop in properties() {
        if prove(&policy, &prop).expect("judgeable").is_err() {
            refuted += 1;
        }
    }
    let proofs = t.elapsed();
    println!(
        "{groups:>6} groups, {rollouts:>3} rollouts ({:>2} epochs): check {:>7.1} ms ({findings} findings); check + 10 assertions {:>7.1} ms ({failing} fail); engine alone, 10 properties {:>7.1} ms ({refuted} refuted)",
        policy.epoch_spans().len(),
        load.as_secs_f64() * 1e3,
        asserted.as_secs_f64() * 1e3,
        proofs.as_secs_f64() * 1e3,
    );
}

/// An Entra-shaped policy: `groups` groups (every tenth privileged),
/// `rules` scoped rules, each for two groups, half of them in one or two of
/// 100 apps, a third with an exclusion (the emergency-access, service-account
/// or guest group, as tenants exclude them, or a service account by name),
/// a tenth report-only; 100 app rules; five break-glass users.
/// Deterministic (a fixed xorshift seed).
fn entra_text(groups: usize, rules: usize, mode: &str) -> String {
    let mut state: u64 = 0x2545_f491_4f6c_dd1d;
    let mut next = move |n: usize| {
        state ^= state << 13;
        state ^= state >> 7;
        state ^= state << 17;
        (state as usize) % n.max(1)
    };
    let mut s = format!("precedence {mode}\ntimezone \"UTC\"\nmax_remember 14d\n");
    s.push_str("default { enforcement optional factors webauthn | totp | sms remember 12h }\n");
    // Privileged groups first: in `ordered`, their rules win enforcement.
    for g in (0..groups).filter(|g| g % 10 == 0) {
        writeln!(
            s,
            "group \"g{g}\" {{ privileged enforcement required factors webauthn remember never }}"
        )
        .unwrap();
    }
    for k in 0..rules {
        let (a, b) = (next(groups), next(groups));
        writeln!(
            s,
            "rule \"CA{k:03}\" {{\n  for members of group \"g{a}\", group \"g{b}\""
        )
        .unwrap();
        if k % 2 == 0 {
            let (x, y) = (next(100), next(100));
            writeln!(s, "  in app \"app{x}\", app \"app{y}\"").unwrap();
        }
        if k % 3 == 0 {
            if k % 9 == 0 {
                writeln!(s, "  except user \"svc{}@acme.test\"", next(20)).unwrap();
            } else {
                let excluded = ["Emergency Access", "Service Accounts", "Guests"][next(3)];
                writeln!(s, "  except members of group \"{excluded}\"").unwrap();
            }
        }
        if k % 10 == 7 {
            s.push_str("  report_only\n");
        }
        let fields = [
            "enforcement required\n  factors webauthn | totp",
            "enforcement required\n  remember 1h same_ip",
            "factors webauthn",
            "enforcement optional\n  remember 8h",
        ][k % 4];
        writeln!(s, "  {fields}\n}}").unwrap();
    }
    for a in 0..100 {
        writeln!(
            s,
            "app \"app{a}\" {{ enforcement required remember {} }}",
            ["1h", "never", "8h"][a % 3]
        )
        .unwrap();
    }
    for u in 0..5 {
        writeln!(s, "user \"bg{u}@acme.test\" {{ break_glass enforcement required factors webauthn recovery backup_code }}").unwrap();
    }
    s
}

/// Ten assertions over an Entra-shaped policy.
const ENTRA_ASSERTIONS: &str = r#"
assert "admins" {
  for privileged
  always enforcement required
  always factors within webauthn
  always remember never
}
assert "nobody locked out" { for everyone never factors none }
assert "everyone asked" { for everyone always enforcement optional }
assert "app1 never sms" { for everyone in app "app1" never factors include sms }
assert "g10 not remembered" { for members of group "g10" always remember never }
assert "break-glass" { for break_glass always enforcement required }
assert "no recovery" { for everyone never recovery }
assert "g20 required" { for members of group "g20" always enforcement required }
"#;

fn run_entra(groups: usize, rules: usize, mode: &str) {
    let text = format!("{}{ENTRA_ASSERTIONS}", entra_text(groups, rules, mode));
    let options = CheckOptions {
        today: Some(jiff::civil::date(2026, 12, 1)),
        ..CheckOptions::default()
    };
    let t = Instant::now();
    let out = check(&SourceFile::new("entra.mfa", &text), &options);
    let took = t.elapsed();
    let errors: Vec<&str> = out
        .diagnostics
        .items
        .iter()
        .filter(|d| d.is_error())
        .map(|d| d.code)
        .collect();
    assert!(
        out.policy.is_some() || out.refuted.is_some(),
        "the generated policy has errors: {errors:?}"
    );
    println!(
        "{groups:>6} groups, {rules:>4} scoped rules, {mode:<16}: check + 10 assertions {:>8.1} ms ({} findings, {} refuted)",
        took.as_secs_f64() * 1e3,
        out.diagnostics.items.len(),
        errors.len()
    );
}

fn main() {
    if !std::env::args().any(|a| a == "--bench") {
        return;
    }
    println!(
        "prove, Entra-shaped (scoped rules, exclusions, report-only, 100 apps); one run, release"
    );
    // `MFAC_BENCH_ENTRA=GROUPS,RULES,MODE`: that one size alone;
    // `MFAC_BENCH_ENTRA=none`: the classic sizes below only.
    match std::env::var("MFAC_BENCH_ENTRA").ok().as_deref() {
        Some("none") => {}
        Some(one) => {
            let v: Vec<&str> = one.split(',').collect();
            run_entra(v[0].parse().unwrap(), v[1].parse().unwrap(), v[2]);
            return;
        }
        None => {
            for (groups, rules) in [(100, 40), (200, 80), (300, 120), (500, 200), (1_000, 400)] {
                for mode in ["most_restrictive", "specific"] {
                    run_entra(groups, rules, mode);
                }
            }
            // `ordered` keeps which rule wins each field, so its searches
            // meet many more distinct states: the smaller sizes only (see
            // the README).
            for (groups, rules) in [(100, 40), (200, 80), (300, 120)] {
                run_entra(groups, rules, "ordered");
            }
        }
    }
    println!("prove: 100 apps, 50 users, 20 exemptions; one run, release");
    for (groups, rollouts) in [
        (1_000, 10),
        (2_000, 10),
        (5_000, 10),
        (10_000, 10),
        (1_000, 20),
        (1_000, 40),
    ] {
        run(groups, rollouts);
    }
}
