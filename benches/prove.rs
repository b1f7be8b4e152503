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

const FACTORS: [&str; 4] = [
    "webauthn",
    "webauthn | totp",
    "webauthn | totp | sms",
    "totp | sms",
];

/// A policy of `groups` groups (a tenth privileged, some with remember
/// windows, some including others), 100 apps, 50 users, `rollouts`
/// rollouts of two phases each and 20 exemptions.
fn policy_text(groups: usize, rollouts: usize) -> String {
    let mut s = String::from("precedence most_restrictive\ntimezone \"Europe/Berlin\"\n");
    s.push_str("default { enforcement optional factors webauthn | totp | sms }\n");
    for g in 0..groups {
        if g % 10 == 0 {
            writeln!(s, "group \"g{g}\" {{ privileged enforcement required factors webauthn remember never }}").unwrap();
            continue;
        }
        let level = ["optional", "required", "off"][g % 3];
        let factors = FACTORS[g % FACTORS.len()];
        let remember = if g % 5 == 1 {
            " remember 8h same_ip"
        } else {
            ""
        };
        let includes = if g % 17 == 3 {
            format!(" includes \"g{}\"", g - 3)
        } else {
            String::new()
        };
        writeln!(
            s,
            "group \"g{g}\" {{{includes} enforcement {level} factors {factors}{remember} }}"
        )
        .unwrap();
    }
    for a in 0..100 {
        writeln!(
            s,
            "app \"app{a}\" {{ enforcement required factors {} }}",
            FACTORS[a % 3]
        )
        .unwrap();
    }
    for u in 0..50 {
        writeln!(
            s,
            "user \"u{u}@acme.test\" {{ enforcement {} }}",
            ["required", "optional"][u % 2]
        )
        .unwrap();
    }
    for r in 0..rollouts {
        // Nine groups each, never a privileged one, no group in two rollouts.
        let subjects: Vec<String> = (0..9)
            .map(|i| format!("group \"g{}\"", r * 10 + i + 1))
            .collect();
        let (month, day) = (1 + (r / 28) % 12, 1 + r % 28);
        writeln!(
            s,
            "rollout \"r{r}\" {{ applies {}\n  on 2027-{month:02}-{day:02} enforcement optional\n  on 2028-{month:02}-{day:02} enforcement required enrolment grace 14d\n}}",
            subjects.join(", ")
        )
        .unwrap();
    }
    for e in 0..20 {
        writeln!(s, "exempt user \"u{e}@acme.test\" until 2026-12-{:02} reason \"lost device\" ticket \"SEC-{e}\"", 5 + e).unwrap();
    }
    s
}

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
    let text = policy_text(groups, rollouts);
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

fn main() {
    if !std::env::args().any(|a| a == "--bench") {
        return;
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
