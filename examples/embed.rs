//! How an identity service embeds mfac: compile once at start-up (from the
//! `.mfa` source or from `mfac compile` output), then decide at every login.
//!
//! Run: `cargo run --example embed`

use mfac::{Compile, Factor, LastMfa, LoginContext, Outcome, Policy};

fn main() -> Result<(), Box<dyn std::error::Error>> {
    let source =
        std::fs::read_to_string(concat!(env!("CARGO_MANIFEST_DIR"), "/policies/acme.mfa"))?;
    // Errors come back as diagnostics with file:line:column.
    let policy = Policy::compile("policies/acme.mfa", &source).map_err(|d| d.to_string())?;

    // The same evaluator from the compiled JSON artifact.
    let policy = Policy::from_json(&policy.to_json()?)?;

    let logins = [
        (
            "anita@acme.test",
            &["Beta Testers", "Administrators"][..],
            &[Factor::Totp][..],
            None,
        ),
        ("carl@acme.test", &[][..], &[][..], None),
        ("bob@acme.test", &[][..], &[][..], None),
        (
            "sam@acme.test",
            &["Support Agents"][..],
            &[Factor::Totp][..],
            Some("Finance"),
        ),
    ];
    let at = "2026-12-16T10:30:00+01:00".parse()?;
    let ip = Some("10.0.0.7".parse()?);
    let last = LastMfa {
        at: "2026-12-16T10:00:00+01:00".parse()?,
        ip,
        logins_since: Some(2),
        aal: None,
    };
    for (user, groups, enrolled, app) in logins {
        let ctx = LoginContext::new(user, at)
            .groups(groups)
            .app(app)
            .enrolled(enrolled)
            .ip(ip)
            .last_mfa(Some(last));
        // A service with sessions would keep the resolved subject and call
        // `decide_subject` on every later login of this user.
        let subject = policy.subject(user, groups);
        let d = policy.decide_subject(&subject, &ctx);
        assert_eq!(d.outcome, policy.decide(&ctx).outcome);
        let what = match d.outcome {
            Outcome::Allow if d.exempt.is_some() => "let in (exempt)".to_string(),
            Outcome::Allow => "let in".to_string(),
            Outcome::Challenge => format!("ask for one of: {}", d.usable),
            Outcome::EnrolOrSkip => format!("offer enrolment of {} (may skip)", d.factors),
            Outcome::Enrol => format!("must enrol one of: {}", d.factors),
            Outcome::Deny => "refuse: no factor can satisfy the policy".to_string(),
        };
        println!("{user:<18} {:<14} {what}", d.outcome.name());
        for r in &d.rules {
            println!("{:<18}   because of {}", "", policy.rule_location(r.id));
        }
    }
    Ok(())
}
