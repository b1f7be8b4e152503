//! The decision at login time, branch by branch, through the public API.

#![allow(
    clippy::unwrap_used,
    clippy::expect_used,
    clippy::panic,
    clippy::indexing_slicing
)] // tests may panic on broken fixtures

use mfac::{Compile, Factor, LastMfa, LoginContext, Outcome, Policy};
use mfac::{FactorSet, Level};

fn policy(text: &str) -> Policy {
    Policy::compile("t.mfa", text).unwrap_or_else(|d| panic!("policy has errors:\n{d}"))
}

fn t(s: &str) -> jiff::Timestamp {
    s.parse().expect("RFC 3339 instant")
}

fn set(f: &[Factor]) -> FactorSet {
    f.iter().copied().collect()
}

/// The design's example, as shipped in `policies/acme.mfa`.
fn acme() -> Policy {
    let text = std::fs::read_to_string(concat!(env!("CARGO_MANIFEST_DIR"), "/policies/acme.mfa"))
        .expect("acme policy");
    policy(&text)
}

#[test]
fn exemption_allows_until_the_second_it_ends() {
    let p = acme();
    // until 2026-12-10 is midnight in Berlin: 2026-12-09T23:00:00Z.
    let before = p.decide(&LoginContext::new(
        "bob@acme.test",
        t("2026-12-09T22:59:59Z"),
    ));
    assert_eq!(before.outcome, Outcome::Allow);
    let e = before.exempt.expect("exempt");
    assert_eq!(
        (e.reason.as_str(), e.ticket.as_deref()),
        ("lost device", Some("SEC-123"))
    );
    let at_end = p.decide(&LoginContext::new(
        "bob@acme.test",
        t("2026-12-09T23:00:00Z"),
    ));
    assert!(
        at_end.exempt.is_none(),
        "an exemption never applies at `until`"
    );
    assert_eq!(at_end.outcome, Outcome::EnrolOrSkip);
}

#[test]
fn enforcement_off_allows() {
    let p = policy("default { enforcement off factors totp }");
    let d = p.decide(&LoginContext::new("a", t("2026-12-01T00:00:00Z")));
    assert_eq!((d.outcome, d.enforcement), (Outcome::Allow, Level::Off));
    assert_eq!(
        d.factors,
        set(&[Factor::Totp]),
        "factors are always the allowed set"
    );
}

#[test]
fn no_default_means_off_with_every_non_recovery_factor() {
    let p = policy("group \"G\" { enforcement required }");
    let d = p.decide(&LoginContext::new("a", t("2026-12-01T00:00:00Z")));
    assert_eq!(
        (d.outcome, d.factors),
        (Outcome::Allow, FactorSet::NON_RECOVERY)
    );
}

#[test]
fn empty_allowed_set_denies() {
    // Each rule alone is fine; together (most_restrictive) nothing is left.
    let p = policy("default { enforcement optional }\ngroup \"A\" { factors sms }\ngroup \"B\" { factors webauthn }");
    let groups = ["A", "B"];
    let d = p.decide(
        &LoginContext::new("a", t("2026-12-01T00:00:00Z"))
            .groups(&groups)
            .enrolled(&[Factor::Sms]),
    );
    assert_eq!(d.outcome, Outcome::Deny);
    assert!(d.factors.is_empty());
}

#[test]
fn enrolled_factor_is_challenged_with_usable_factors() {
    let p = acme();
    let d = p.decide(
        &LoginContext::new("c", t("2026-12-16T10:00:00Z")).enrolled(&[Factor::Totp, Factor::Sms]),
    );
    assert_eq!(d.outcome, Outcome::Challenge);
    assert_eq!(
        d.usable,
        set(&[Factor::Totp]),
        "sms is enrolled but not allowed"
    );
}

#[test]
fn optional_without_factor_is_enrol_or_skip_without_deadline() {
    let p = acme();
    let d = p.decide(&LoginContext::new("c", t("2026-12-05T10:00:00Z")).enrolled(&[Factor::Sms]));
    assert_eq!((d.outcome, d.deadline), (Outcome::EnrolOrSkip, None));
}

#[test]
fn grace_deadline_runs_from_the_phase_date_in_the_policy_timezone() {
    let p = acme();
    // Phase 2026-12-15 Berlin midnight = 2026-12-14T23:00Z; +14d = 2026-12-28T23:00Z.
    let just_before = p.decide(&LoginContext::new("c", t("2026-12-28T22:59:59Z")));
    assert_eq!(just_before.outcome, Outcome::EnrolOrSkip);
    assert_eq!(just_before.deadline, Some(t("2026-12-28T23:00:00Z")));
    let at_deadline = p.decide(&LoginContext::new("c", t("2026-12-28T23:00:00Z")));
    assert_eq!(
        (at_deadline.outcome, at_deadline.deadline),
        (Outcome::Enrol, None)
    );
}

#[test]
fn rollout_phase_starts_at_midnight_in_a_non_utc_timezone() {
    let p = acme();
    // 2026-12-14T22:59:59Z is still the 14th in Berlin: optional.
    let before = p.decide(&LoginContext::new("c", t("2026-12-14T22:59:59Z")));
    assert_eq!(before.enforcement, Level::Optional);
    // One second later it is midnight on the 15th in Berlin: required.
    let after = p.decide(&LoginContext::new("c", t("2026-12-14T23:00:00Z")));
    assert_eq!(after.enforcement, Level::Required);
    // In UTC the 15th began an hour later, which must not matter.
    assert!(after.rules.iter().any(|r| r.phase.is_some()));
}

#[test]
fn immediate_rule_beats_a_grace_across_rules() {
    let p = acme();
    // Administrators: required, immediate. Default: required with grace. Earliest wins.
    let groups = ["Administrators"];
    let d = p.decide(
        &LoginContext::new("a", t("2026-12-16T10:00:00Z"))
            .groups(&groups)
            .enrolled(&[Factor::Totp]),
    );
    assert_eq!((d.outcome, d.deadline), (Outcome::Enrol, None));
    assert_eq!(d.factors, set(&[Factor::Webauthn]));
}

#[test]
fn a_rule_below_required_never_shortens_a_grace() {
    let p = policy(
        "default { enforcement optional }\ngroup \"G\" { enforcement optional enrolment immediate }\n\
         rollout \"r\" { applies default on 2026-12-01 enforcement required enrolment grace 10d }",
    );
    let groups = ["G"];
    let d = p.decide(&LoginContext::new("a", t("2026-12-05T00:00:00Z")).groups(&groups));
    assert_eq!(d.outcome, Outcome::EnrolOrSkip);
    assert_eq!(d.deadline, Some(t("2026-12-11T00:00:00Z")));
}

#[test]
fn two_graces_take_the_earliest_deadline() {
    let p = policy(
        "default { enforcement optional }\n\
         rollout \"everyone\" { applies default on 2026-12-01 enforcement required enrolment grace 20d }\n\
         rollout \"team\" { applies group \"T\" on 2026-12-01 enforcement required enrolment grace 5d }",
    );
    let groups = ["T"];
    let d = p.decide(&LoginContext::new("a", t("2026-12-02T00:00:00Z")).groups(&groups));
    assert_eq!(d.deadline, Some(t("2026-12-06T00:00:00Z")));
}

#[test]
fn user_in_several_groups_most_restrictive() {
    let p = acme();
    // Anita is in Beta Testers (optional) and Administrators (required): required.
    let groups = ["Beta Testers", "Administrators"];
    let d = p.decide(
        &LoginContext::new("anita@acme.test", t("2026-12-05T10:00:00Z"))
            .groups(&groups)
            .enrolled(&[Factor::Webauthn]),
    );
    assert_eq!(
        (d.enforcement, d.outcome),
        (Level::Required, Outcome::Challenge)
    );
    let lines: Vec<u32> = d.rules.iter().map(|r| r.info.line).collect();
    assert_eq!(
        lines,
        vec![14, 19, 27],
        "default, Administrators, Beta Testers, with their lines"
    );
}

#[test]
fn includes_make_members_of_the_included_group_members_here() {
    let p = acme();
    let groups = ["Master Admin"];
    let d = p.decide(
        &LoginContext::new("root", t("2026-12-05T10:00:00Z"))
            .groups(&groups)
            .enrolled(&[Factor::Totp]),
    );
    assert_eq!(
        (d.enforcement, d.factors),
        (Level::Required, set(&[Factor::Webauthn]))
    );
}

#[test]
fn an_app_tightens() {
    let p = acme();
    let plain = p.decide(&LoginContext::new("c", t("2026-12-05T10:00:00Z")));
    assert_eq!(plain.outcome, Outcome::EnrolOrSkip);
    let finance = p.decide(&LoginContext::new("c", t("2026-12-05T10:00:00Z")).app(Some("Finance")));
    assert_eq!(
        (finance.enforcement, finance.outcome),
        (Level::Required, Outcome::Enrol)
    );
}

#[test]
fn recovery_lets_backup_codes_answer() {
    let p = acme();
    let d = p.decide(
        &LoginContext::new("breakglass@acme.test", t("2026-12-05T10:00:00Z"))
            .enrolled(&[Factor::BackupCode]),
    );
    assert_eq!(d.outcome, Outcome::Challenge);
    assert_eq!(d.factors, set(&[Factor::BackupCode, Factor::Webauthn]));
    // Without a recovery rule a backup code does not count.
    let other = p
        .decide(&LoginContext::new("c", t("2026-12-16T10:00:00Z")).enrolled(&[Factor::BackupCode]));
    assert_eq!(other.outcome, Outcome::EnrolOrSkip);
}

#[test]
fn specific_mode_user_beats_group_beats_default_and_app_only_tightens() {
    let p = policy(
        "precedence specific\n\
         default { enforcement required factors totp | webauthn }\n\
         group \"Kiosk\" { enforcement optional factors totp | sms }\n\
         group \"Ops\" { enforcement required }\n\
         user \"svc@x\" { enforcement off }\n\
         app \"Pay\" { enforcement required factors webauthn | totp }",
    );
    let at = t("2026-12-05T10:00:00Z");
    let kiosk = ["Kiosk"];
    let d = p.decide(
        &LoginContext::new("k", at)
            .groups(&kiosk)
            .enrolled(&[Factor::Sms]),
    );
    assert_eq!(
        (d.enforcement, d.outcome),
        (Level::Optional, Outcome::Challenge),
        "group loosens the default"
    );
    let both = ["Kiosk", "Ops"];
    let d = p.decide(&LoginContext::new("k", at).groups(&both));
    assert_eq!(
        d.enforcement,
        Level::Required,
        "groups combine most-restrictively"
    );
    let d = p.decide(&LoginContext::new("svc@x", at).groups(&both));
    assert_eq!(
        (d.enforcement, d.outcome),
        (Level::Off, Outcome::Allow),
        "the user rule wins"
    );
    let d = p.decide(
        &LoginContext::new("svc@x", at)
            .groups(&kiosk)
            .app(Some("Pay"))
            .enrolled(&[Factor::Sms]),
    );
    assert_eq!(d.enforcement, Level::Required, "an app tightens");
    assert_eq!(
        d.factors,
        set(&[Factor::Totp]),
        "kiosk factors intersected with the app's"
    );
    assert_eq!(d.outcome, Outcome::Enrol);
}

#[test]
fn specific_mode_deadline_comes_from_the_winning_level() {
    let p = policy(
        "precedence specific\n\
         default { enforcement optional }\n\
         group \"G\" { enforcement optional }\n\
         app \"A\" { enforcement optional }\n\
         rollout \"r\" { applies group \"G\", app \"A\"\n on 2026-12-01 enforcement required enrolment grace 3d }",
    );
    let groups = ["G"];
    let d = p.decide(&LoginContext::new("u", t("2026-12-02T00:00:00Z")).groups(&groups));
    assert_eq!(d.deadline, Some(t("2026-12-04T00:00:00Z")));
    let d = p.decide(&LoginContext::new("u", t("2026-12-02T00:00:00Z")).app(Some("A")));
    assert_eq!(
        d.deadline,
        Some(t("2026-12-04T00:00:00Z")),
        "a required app rule brings its own grace"
    );
}

fn support() -> (Policy, [&'static str; 1]) {
    (acme(), ["Support Agents"])
}

fn remembered(ctx: LoginContext<'_>, p: &Policy) -> (Outcome, bool) {
    let d = p.decide(&ctx);
    (d.outcome, d.remembered)
}

#[test]
fn remember_window_edges() {
    let (p, groups) = support();
    let ip = Some("10.0.0.7".parse().expect("ip"));
    let other_ip = Some("10.0.0.8".parse().expect("ip"));
    // Tuesday 2026-12-15 10:00 Berlin (09:00Z), work hours.
    let mfa_at = t("2026-12-15T09:00:00Z");
    let last = LastMfa {
        at: mfa_at,
        ip,
        logins_since: Some(3),
        aal: None,
    };
    let base = |at: &str| {
        LoginContext::new("sam", t(at))
            .groups(&groups)
            .enrolled(&[Factor::Totp])
            .ip(ip)
            .last_mfa(Some(last))
    };
    assert_eq!(
        remembered(base("2026-12-15T09:30:00Z"), &p),
        (Outcome::Allow, true)
    );
    // The window is 1h: at exactly +1h it has ended.
    assert_eq!(
        remembered(base("2026-12-15T09:59:59Z"), &p),
        (Outcome::Allow, true)
    );
    assert_eq!(
        remembered(base("2026-12-15T10:00:00Z"), &p),
        (Outcome::Challenge, false)
    );
    // Another IP.
    assert_eq!(
        remembered(base("2026-12-15T09:30:00Z").ip(other_ip), &p),
        (Outcome::Challenge, false)
    );
    // Unknown IP: cannot decide, so no remembering.
    assert_eq!(
        remembered(base("2026-12-15T09:30:00Z").ip(None), &p),
        (Outcome::Challenge, false)
    );
    // Login count: 9 since is fine, 10 uses the window up (max_logins 10).
    let with = |n| {
        base("2026-12-15T09:30:00Z").last_mfa(Some(LastMfa {
            logins_since: n,
            aal: None,
            ..last
        }))
    };
    assert_eq!(remembered(with(Some(9)), &p), (Outcome::Allow, true));
    assert_eq!(remembered(with(Some(10)), &p), (Outcome::Challenge, false));
    assert_eq!(remembered(with(None), &p), (Outcome::Challenge, false));
    // No last MFA, or one in the future.
    assert_eq!(
        remembered(base("2026-12-15T09:30:00Z").last_mfa(None), &p),
        (Outcome::Challenge, false)
    );
    assert_eq!(
        remembered(base("2026-12-15T08:30:00Z"), &p),
        (Outcome::Challenge, false)
    );
}

#[test]
fn remember_needs_the_same_time_context() {
    let (p, groups) = support();
    let ip = Some("10.0.0.7".parse().expect("ip"));
    // 17:40 Berlin (16:40Z) is work hours; work ends 18:00 Berlin (17:00Z).
    let last = LastMfa {
        at: t("2026-12-15T16:40:00Z"),
        ip,
        logins_since: Some(1),
        aal: None,
    };
    let at = |s: &str| {
        LoginContext::new("sam", t(s))
            .groups(&groups)
            .enrolled(&[Factor::Totp])
            .ip(ip)
            .last_mfa(Some(last))
    };
    assert_eq!(
        remembered(at("2026-12-15T16:59:59Z"), &p),
        (Outcome::Allow, true)
    );
    let d = p.decide(&at("2026-12-15T17:00:00Z"));
    assert_eq!(
        d.outcome,
        Outcome::Challenge,
        "after hours is another context"
    );
    assert!(matches!(
        d.remember_miss,
        Some(mfac::eval::RememberMiss::ContextChanged { .. })
    ));
}

#[test]
fn privileged_remember_never_wins_over_a_window() {
    let p = acme();
    let groups = ["Support Agents", "Administrators"];
    let ip = Some("10.0.0.7".parse().expect("ip"));
    let last = LastMfa {
        at: t("2026-12-15T09:00:00Z"),
        ip,
        logins_since: Some(1),
        aal: None,
    };
    let d = p.decide(
        &LoginContext::new("x", t("2026-12-15T09:10:00Z"))
            .groups(&groups)
            .enrolled(&[Factor::Webauthn])
            .ip(ip)
            .last_mfa(Some(last)),
    );
    assert_eq!((d.outcome, d.remembered), (Outcome::Challenge, false));
}

#[test]
fn rollout_phases_apply_cumulatively_and_a_rule_gets_created() {
    let p = policy(
        "default { enforcement optional }\n\
         rollout \"keys\" { applies group \"Eng\"\n\
           on 2026-12-01 factors webauthn | totp\n\
           on 2026-12-10 enforcement required enrolment grace 2d }",
    );
    let groups = ["Eng"];
    let at = |s: &str| {
        p.decide(
            &LoginContext::new("e", t(s))
                .groups(&groups)
                .enrolled(&[Factor::Sms]),
        )
    };
    let before = at("2026-11-30T23:59:59Z");
    assert_eq!(
        (before.enforcement, before.factors),
        (Level::Optional, FactorSet::NON_RECOVERY)
    );
    let first = at("2026-12-01T00:00:00Z");
    assert_eq!(first.factors, set(&[Factor::Totp, Factor::Webauthn]));
    let second = at("2026-12-10T00:00:00Z");
    assert_eq!(
        second.factors,
        set(&[Factor::Totp, Factor::Webauthn]),
        "the first phase's factors stay"
    );
    assert_eq!(
        (second.outcome, second.deadline),
        (Outcome::EnrolOrSkip, Some(t("2026-12-12T00:00:00Z")))
    );
}

#[test]
fn grace_on_a_plain_rule_fails_closed_to_immediate() {
    let p = Policy::compile(
        "t.mfa",
        "default { enforcement required enrolment grace 14d }",
    )
    .expect("only a warning");
    let d = p.decide(&LoginContext::new("a", t("2026-12-01T00:00:00Z")));
    assert_eq!((d.outcome, d.deadline), (Outcome::Enrol, None));
}

#[test]
fn compiled_json_round_trip_decides_the_same() {
    let p = acme();
    let back = Policy::from_json(&p.to_json().expect("serialises")).expect("round trip");
    let groups = ["Beta Testers", "Administrators"];
    for at in [
        "2026-11-01T00:00:00Z",
        "2026-12-05T10:00:00Z",
        "2026-12-16T10:00:00Z",
        "2027-02-01T00:00:00Z",
    ] {
        for user in ["anita@acme.test", "bob@acme.test", "breakglass@acme.test"] {
            let ctx = LoginContext::new(user, t(at))
                .groups(&groups)
                .enrolled(&[Factor::Totp]);
            let (a, b) = (p.decide(&ctx), back.decide(&ctx));
            assert_eq!(
                (a.outcome, a.enforcement, a.factors, a.deadline),
                (b.outcome, b.enforcement, b.factors, b.deadline)
            );
        }
    }
}

#[test]
fn a_subject_resolved_against_an_old_policy_is_resolved_again() {
    let old = policy(r#"default { enforcement optional } group "ops" { enforcement off }"#);
    let new = policy(
        r#"default { enforcement optional } group "ops" { enforcement required factors totp }"#,
    );
    let subject = old.subject("kim", &["ops"]);
    let ctx = LoginContext::new("kim", t("2026-12-01T10:00:00Z"));
    assert_eq!(
        old.decide_subject(&subject, &ctx).outcome,
        Outcome::EnrolOrSkip
    );
    // After a reload the old ids mean nothing: the new policy decides by name.
    let d = new.decide_subject(&subject, &ctx);
    assert_eq!(
        (d.outcome, d.enforcement),
        (Outcome::Enrol, Level::Required)
    );
    assert_eq!(d.rules.len(), 2);
}
