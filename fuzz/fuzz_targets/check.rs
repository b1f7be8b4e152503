//! Parser and checker on arbitrary text. A policy that checks is compiled,
//! round-tripped through JSON and asked for a decision, which must match the
//! reference evaluator's.
#![no_main]

use libfuzzer_sys::fuzz_target;
use mfac::check::{check, CheckOptions};
use mfac::{Compile, LoginContext, Policy, SourceFile};
use mfac_testing::reference;

fuzz_target!(|data: &[u8]| {
    let Ok(text) = std::str::from_utf8(data) else {
        return;
    };
    let source = SourceFile::new("fuzz.mfa", text);
    let options = CheckOptions {
        today: Some(jiff::civil::date(2026, 11, 24)),
        ..CheckOptions::default()
    };
    let out = check(&source, &options);
    for d in &out.diagnostics.items {
        assert!(d.span.end <= text.len(), "span past the end of the text");
    }
    let Some(p) = out.policy else {
        return;
    };
    let policy = Policy::from_checked(&p);
    let json = policy.to_json().expect("own tables serialise");
    let reloaded = Policy::from_json(&json).expect("own artifact loads");
    let groups = ["Administrators", "g0", "g1"];
    let at = "2026-12-15T08:00:00Z".parse().expect("instant");
    let ctx = LoginContext::new("u0@x.test", at).groups(&groups);
    let d = policy.decide(&ctx);
    let Ok(reference) = reference::read(text) else {
        panic!("the reference cannot read a policy the checker accepted");
    };
    let r = reference::decide(&reference, &ctx);
    assert_eq!(
        (d.outcome, d.enforcement, d.factors, d.deadline, d.remember, d.grace_deadline),
        (r.outcome, r.enforcement, r.factors, r.deadline, r.remember, r.grace_deadline)
    );
    assert_eq!(reloaded.decide(&ctx).outcome, d.outcome);
});
