//! Sized policies for the benchmarks: a policy of many groups, apps, users,
//! rollouts and exemptions, the same text every run, so that one size can
//! be compared across commits and across benchmarks (the prover's, the
//! editor's).

use std::fmt::Write as _;

const FACTORS: [&str; 4] = [
    "webauthn",
    "webauthn | totp",
    "webauthn | totp | sms",
    "totp | sms",
];

/// A policy of `groups` groups (a tenth privileged, some with remember
/// windows, some including others), 100 apps, 50 users, `rollouts`
/// rollouts of two phases each and 20 exemptions.
pub fn policy(groups: usize, rollouts: usize) -> String {
    let mut s = String::from("precedence most_restrictive\ntimezone \"Europe/Berlin\"\n");
    s.push_str("default { enforcement optional factors webauthn | totp | sms }\n");
    for g in 0..groups {
        if g % 10 == 0 {
            let _ = writeln!(s, "group \"g{g}\" {{ privileged enforcement required factors webauthn remember never }}");
            continue;
        }
        let level = pick(&["optional", "required", "off"], g);
        let factors = pick(&FACTORS, g);
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
        let _ = writeln!(
            s,
            "group \"g{g}\" {{{includes} enforcement {level} factors {factors}{remember} }}"
        );
    }
    for a in 0..100 {
        let _ = writeln!(
            s,
            "app \"app{a}\" {{ enforcement required factors {} }}",
            pick(&FACTORS, a % 3)
        );
    }
    for u in 0..50 {
        let _ = writeln!(
            s,
            "user \"u{u}@acme.test\" {{ enforcement {} }}",
            pick(&["required", "optional"], u)
        );
    }
    for r in 0..rollouts {
        // Nine groups each, never a privileged one, no group in two rollouts.
        let subjects: Vec<String> = (0..9)
            .map(|i| format!("group \"g{}\"", r * 10 + i + 1))
            .collect();
        let (month, day) = (1 + (r / 28) % 12, 1 + r % 28);
        let _ = writeln!(
            s,
            "rollout \"r{r}\" {{ applies {}\n  on 2027-{month:02}-{day:02} enforcement optional\n  on 2028-{month:02}-{day:02} enforcement required enrolment grace 14d\n}}",
            subjects.join(", ")
        )
        ;
    }
    for e in 0..20 {
        let _ = writeln!(s, "exempt user \"u{e}@acme.test\" until 2026-12-{:02} reason \"lost device\" ticket \"SEC-{e}\"", 5 + e);
    }
    s
}

/// The `i`th of `list`, round and round.
fn pick<'a>(list: &[&'a str], i: usize) -> &'a str {
    list.get(i % list.len().max(1)).copied().unwrap_or_default()
}
