//! Large synthetic policies and directories, the same on every run (a
//! fixed xorshift seed): for `examples/gen_directory.rs`, the simulate
//! benchmarks, and the test that the streamed simulation prints what the
//! reference did.

use std::io::Write;

/// A policy with `groups` groups, 100 apps and 10 rollouts (the shape of
/// `benches/decide.rs`).
pub fn policy(out: &mut impl Write, groups: usize) -> std::io::Result<()> {
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
            // Spread over the groups, each group in one rollout at most
            // (for 100 groups or more; at 1,000, g1, g11, ... g991).
            .map(|i| {
                format!(
                    "group \"g{}\"",
                    ((r * 10 + i) * groups / 100 + 1) % groups.max(1)
                )
            })
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

/// A CSV directory of `n` users, each in `per_user` of the `groups` groups,
/// with a mix of enrolled factors.
pub fn users(
    out: &mut impl Write,
    n: usize,
    groups: usize,
    per_user: usize,
) -> std::io::Result<()> {
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
            FACTORS.get(next() % FACTORS.len()).unwrap_or(&"")
        )?;
    }
    Ok(())
}
