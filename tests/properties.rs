//! Properties: no input makes the checker panic, and the evaluator only ever
//! allows for a reason the design gives.

#![allow(clippy::unwrap_used, clippy::expect_used)] // tests may panic on broken fixtures

use mfac::check::{check, CheckOptions};
use mfac::{Compile, FactorSet, LastMfa, Level, LoginContext, Outcome, Policy, SourceFile};
use proptest::prelude::*;

const EXAMPLES: [&str; 5] = ["acme", "genesys", "voiso", "cymmetri", "12port"];

fn example(name: &str) -> String {
    std::fs::read_to_string(format!(
        "{}/policies/{name}.mfa",
        env!("CARGO_MANIFEST_DIR")
    ))
    .expect("example policy")
}

proptest! {
    #![proptest_config(ProptestConfig::with_cases(256))]

    #[test]
    fn arbitrary_text_never_panics(text in "\\PC{0,400}") {
        let _ = check(&SourceFile::new("fuzz.mfa", text), &CheckOptions::default());
    }

    /// Damage a real policy: cut it, splice bytes in, and check it again.
    #[test]
    fn damaged_policies_never_panic(which in 0usize..5, cut in 0usize..2000, insert in "[ -~\\n]{0,12}") {
        let text = example(EXAMPLES[which]);
        let mut at = cut.min(text.len());
        while !text.is_char_boundary(at) { at -= 1; }
        let damaged = format!("{}{}{}", &text[..at], insert, &text[at..]);
        let truncated = &text[..at];
        for t in [damaged.as_str(), truncated] {
            let out = check(&SourceFile::new("d.mfa", t), &CheckOptions::default());
            for d in &out.diagnostics.items {
                prop_assert!(!d.message.is_empty() && !d.code.is_empty());
                prop_assert!(d.span.end <= t.len());
            }
        }
    }

    #[test]
    fn decisions_allow_only_for_a_reason(
        which in 0usize..5,
        groups in proptest::collection::vec(0usize..12, 0..5),
        enrolled in 0u8..64,
        secs in 1_760_000_000i64..1_830_000_000,
        last_ago in proptest::option::of(0i64..20_000),
        logins in proptest::option::of(0u32..30),
        user in 0usize..6,
    ) {
        const NAMES: [&str; 12] = ["Administrators", "Beta Testers", "Support Agents", "Master Admin",
            "Privileged", "Quality Manager", "Admin", "Agent", "Finance team", "Field Staff", "Vault Admins", "Auditors"];
        const USERS: [&str; 6] = ["bob@acme.test", "breakglass@acme.test", "agent.kim@voiso.example",
            "ravi@cymmetri.example", "svc-reporting@12port.example", "nobody@x"];
        let policy = Policy::compile("p.mfa", &example(EXAMPLES[which])).expect("examples compile");
        let names: Vec<&str> = groups.iter().map(|g| NAMES[*g]).collect();
        let at = jiff::Timestamp::from_second(secs).expect("in range");
        let ip = Some("10.0.0.1".parse().expect("ip"));
        let last = last_ago.map(|a| LastMfa { at: jiff::Timestamp::from_second(secs - a).expect("in range"), ip, logins_since: logins, aal: None });
        let ctx = LoginContext::new(USERS[user], at)
            .groups(&names)
            .enrolled_set(FactorSet::from_bits(enrolled).expect("6 bits"))
            .ip(ip)
            .last_mfa(last);
        let d = policy.decide(&ctx);
        prop_assert!(d.usable.is_subset(d.factors));
        match d.outcome {
            Outcome::Allow => prop_assert!(d.exempt.is_some() || d.enforcement == Level::Off || d.remembered),
            Outcome::Deny => prop_assert!(d.factors.is_empty()),
            Outcome::Challenge => prop_assert!(!d.usable.is_empty()),
            Outcome::EnrolOrSkip | Outcome::Enrol => prop_assert!(d.usable.is_empty()),
        }
        if d.remembered {
            prop_assert!(last.is_some() && !d.usable.is_empty());
        }
        // The compiled JSON decides the same.
        let back = Policy::from_json(&policy.to_json().expect("serialises")).expect("round trip");
        let e = back.decide(&ctx);
        prop_assert_eq!((d.outcome, d.enforcement, d.factors, d.deadline, d.remembered), (e.outcome, e.enforcement, e.factors, e.deadline, e.remembered));
        // A subject resolved once decides the same, with the same rules;
        // one resolved against another policy (the reloaded copy) too.
        let ids = |d: &mfac::Decision<'_>| d.rules.iter().map(|r| r.id).collect::<Vec<_>>();
        for subject in [policy.subject(USERS[user], &names), back.subject(USERS[user], &names)] {
            let s = policy.decide_subject(&subject, &ctx);
            prop_assert_eq!((d.outcome, d.enforcement, d.factors, d.deadline, d.remembered), (s.outcome, s.enforcement, s.factors, s.deadline, s.remembered));
            prop_assert_eq!(ids(&d), ids(&s));
        }
    }
}
