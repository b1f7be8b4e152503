//! The compiled evaluator against the reference evaluator, on generated
//! policies and logins clustered around the instants where decisions change.
//!
//! CI runs a few hundred policies. The long run is
//! `MFAC_DIFF_CASES=1000000 cargo test --release --test differential -- --test-threads 1`
//! (one case is one generated policy with its logins); it prints how many
//! policies and decisions it compared.

#![allow(
    clippy::unwrap_used,
    clippy::expect_used,
    clippy::panic,
    clippy::indexing_slicing
)]

mod gen;

use mfac::check::{check, CheckOptions};
use mfac::eval::{AtInstant, Decision, LoginContext, Scratch};
use mfac::policy::CheckedPolicy;
use mfac::{Compile, Factor, Level, Outcome, Policy, SourceFile};
use mfac_testing::reference::{self, Verdict};
use proptest::prelude::*;
use proptest::test_runner::{Config, FileFailurePersistence, TestCaseError};
use std::sync::atomic::{AtomicU64, Ordering};

static POLICIES: AtomicU64 = AtomicU64::new(0);
/// Specific-mode app cases: logins into an app whose rule sets a remember
/// window, and whose rule grants recovery (the two ways an app could loosen).
static APP_CASES: [AtomicU64; 2] = [const { AtomicU64::new(0) }; 2];
static APP_POLICIES: AtomicU64 = AtomicU64::new(0);
/// Cases of the exemption property, and logins of an exempted user in them.
static EXEMPTION_CASES: AtomicU64 = AtomicU64::new(0);
static EXEMPTED_LOGINS: AtomicU64 = AtomicU64::new(0);
static DECISIONS: AtomicU64 = AtomicU64::new(0);
/// How many decisions ended in each branch of the design's decision: allow
/// (exempt, off, remembered), deny, challenge, enrol_or_skip (optional,
/// grace), enrol. A branch the generator never reaches is a gap in the test.
static BRANCHES: [AtomicU64; 9] = [const { AtomicU64::new(0) }; 9];
const BRANCH_NAMES: [&str; 9] = [
    "allow/exempt",
    "allow/off",
    "allow/remembered",
    "deny",
    "challenge",
    "enrol_or_skip/optional",
    "enrol_or_skip/grace",
    "enrol",
    "other",
];

fn branch(v: &Verdict) -> usize {
    match v.outcome {
        Outcome::Allow if v.exempt_until.is_some() => 0,
        Outcome::Allow if v.enforcement == Level::Off => 1,
        Outcome::Allow if v.remembered => 2,
        Outcome::Deny => 3,
        Outcome::Challenge => 4,
        Outcome::EnrolOrSkip if v.deadline.is_none() => 5,
        Outcome::EnrolOrSkip => 6,
        Outcome::Enrol => 7,
        Outcome::Allow => 8,
    }
}

fn cases() -> u32 {
    std::env::var("MFAC_DIFF_CASES")
        .ok()
        .and_then(|v| v.parse().ok())
        .unwrap_or(300)
}

fn config() -> Config {
    Config {
        cases: cases(),
        failure_persistence: Some(Box::new(FileFailurePersistence::Off)),
        ..Config::default()
    }
}

/// Check generated text; the generator promises a policy without errors.
fn checked(text: &str) -> CheckedPolicy {
    let out = check(
        &SourceFile::new("gen.mfa", text),
        &CheckOptions {
            today: Some(gen::TODAY),
            ..CheckOptions::default()
        },
    );
    match out.policy {
        Some(p) => p,
        None => panic!(
            "the generator made a policy with errors:\n{text}\n{}",
            out.diagnostics
        ),
    }
}

/// The fields both evaluators decide, side by side.
fn compiled_view(d: &Decision<'_>) -> Verdict {
    Verdict {
        outcome: d.outcome,
        enforcement: d.enforcement,
        factors: d.factors,
        usable: d.usable,
        deadline: d.deadline,
        remembered: d.remembered,
        exempt_until: d.exempt.map(|e| e.until),
        remember: d.remember,
        grace_deadline: d.grace_deadline,
        report_only: d
            .report_only
            .as_ref()
            .map(|r| (r.outcome, r.enforcement, r.factors)),
        aal: d.aal.number(),
    }
}

/// The reference's own reading of generated text (it shares no resolution
/// with the checker).
fn reference_of(text: &str) -> reference::Reference {
    reference::read(text).unwrap_or_else(|e| panic!("the reference cannot read:\n{text}\n{e}"))
}

proptest! {
    #![proptest_config(config())]

    #[test]
    fn compiled_agrees_with_reference(
        spec in gen::spec(),
        seeds in prop::collection::vec(gen::login_seed(), 16),
    ) {
        let text = spec.render();
        let p = checked(&text);
        let r = reference_of(&text);
        let compiled = Policy::from_checked(&p);
        let reloaded = Policy::from_json(&compiled.to_json().expect("serialises")).expect("round trip");
        for seed in &seeds {
            let login = gen::login(&p, seed);
            let ctx = login.context();
            let want = reference::decide(&r, &ctx);
            let got = compiled_view(&compiled.decide(&ctx));
            prop_assert_eq!(got, want, "\n{}\nlogin: {:?}", text, ctx);
            let again = compiled_view(&reloaded.decide(&ctx));
            prop_assert_eq!(again, want, "after the JSON round trip\n{}", text);
            let subject = compiled.subject(ctx.user, ctx.groups);
            let general = compiled.decide_subject(&subject, &ctx);
            prop_assert_eq!(compiled_view(&general), want);
            // A user met cold takes the per-group joins where they hold:
            // the same decision as the general fold, down to the rules,
            // and without the list, the same verdict.
            let cold = compiled.decide_uncached(&ctx);
            prop_assert_eq!(format!("{cold:?}"), format!("{general:?}"), "\n{}\nlogin: {:?}", text, ctx);
            prop_assert_eq!(compiled.verdict(&ctx), mfac::eval::Verdict::of(&general));
            // Never allow where the reference does not (implied by equality;
            // stated for the failure message).
            prop_assert!(got.outcome != Outcome::Allow || want.outcome == Outcome::Allow);
            DECISIONS.fetch_add(1, Ordering::Relaxed);
            BRANCHES[branch(&want)].fetch_add(1, Ordering::Relaxed);
        }
        // Again, backwards and twice: `decide` now meets users it resolved
        // and folded before (its per-thread cache), at other instants, apps
        // and groups, and must answer exactly as a decision from scratch,
        // down to the list of rules.
        for seed in seeds.iter().rev().chain(seeds.iter()) {
            let login = gen::login(&p, seed);
            let ctx = login.context();
            let cached = compiled.decide(&ctx);
            let fresh = compiled.decide_uncached(&ctx);
            prop_assert_eq!(format!("{cached:?}"), format!("{fresh:?}"), "\n{}\nlogin: {:?}", text, ctx);
            prop_assert_eq!(compiled_view(&cached), reference::decide(&r, &ctx));
        }
        let n = POLICIES.fetch_add(1, Ordering::Relaxed) + 1;
        if n == u64::from(cases()) {
            println!(
                "differential: {n} policies, {} decisions, compiled = JSON = subject = reference",
                DECISIONS.load(Ordering::Relaxed)
            );
            let counts: Vec<String> = BRANCH_NAMES
                .iter()
                .zip(&BRANCHES)
                .map(|(name, c)| format!("{name} {}", c.load(Ordering::Relaxed)))
                .collect();
            println!("differential: branches: {}", counts.join(", "));
            // Every branch but "other" must be reached, or the generator has a gap.
            for (name, c) in BRANCH_NAMES.iter().zip(&BRANCHES).take(8) {
                prop_assert!(c.load(Ordering::Relaxed) > 0, "no generated login reached {}", name);
            }
        }
    }

    /// `mfac simulate` decides a population at one instant in one app
    /// through `AtInstant`, which works a verdict out once per joins met and
    /// factors held and looks it up after: every answer, worked out or
    /// looked up, is the verdict of a decision from scratch.
    #[test]
    fn verdicts_at_one_instant_are_the_verdicts_from_scratch(
        spec in gen::spec(),
        first in gen::login_seed(),
        seeds in prop::collection::vec(gen::login_seed(), 24),
    ) {
        let text = spec.render();
        let p = checked(&text);
        let compiled = Policy::from_checked(&p);
        let instant = gen::login(&p, &first);
        let mut at_once = AtInstant::new(&compiled, instant.at, instant.app);
        for seed in seeds.iter().chain(seeds.iter().rev()) {
            let login = gen::login(&p, seed);
            let ids: Vec<u32> = login.groups.iter().filter_map(|g| compiled.group_id(g)).collect();
            let ctx = LoginContext::new(login.user, instant.at)
                .groups(&login.groups)
                .app(instant.app)
                .enrolled_set(login.enrolled);
            let want = compiled.verdict(&ctx);
            prop_assert_eq!(compiled.verdict_group_ids(&ids, &ctx, &mut Scratch::default()), want);
            prop_assert_eq!(at_once.verdict(login.user, &ids, login.enrolled), want, "\n{}\nlogin: {:?}", text, ctx);
        }
    }

    /// Under `most_restrictive`, one more group never lowers enforcement and
    /// never widens the allowed factors. The one widening allowed is by
    /// design: `backup_code` joins when the added group's rules grant
    /// `recovery backup_code` (recovery is a grant, not a restriction).
    #[test]
    fn another_group_never_loosens(
        spec in gen::spec_in(false),
        seed in gen::login_seed(),
        extra in 0usize..6,
    ) {
        let text = spec.render();
        let p = checked(&text);
        prop_assert_eq!(p.precedence, mfac::policy::Precedence::MostRestrictive);
        let compiled = Policy::from_checked(&p);
        let login = gen::login(&p, &seed);
        let before = compiled.decide(&login.context());
        let mut more = login.groups.clone();
        more.push(gen::GROUPS[extra]);
        let ctx = login.context().groups(&more);
        let after = compiled.decide(&ctx);
        prop_assert!(after.enforcement >= before.enforcement, "{}", text);
        let widened = after.factors.without(Factor::BackupCode);
        prop_assert!(widened.is_subset(before.factors.without(Factor::BackupCode)), "{}", text);
        if after.factors.contains(Factor::BackupCode) && !before.factors.contains(Factor::BackupCode) {
            let grants = after.rules.iter().any(|r| {
                r.info.rank() == mfac::policy::Rank::Group
                    && !before.rules.iter().any(|b| b.id == r.id)
                    && p.effective(r.id, login.at).recovery.is_some()
            });
            prop_assert!(grants, "backup_code appeared without a group granting it\n{}", text);
        }
        // Fewer ways in: what was refused stays refused.
        if before.enforcement == Level::Required && before.outcome != Outcome::Allow {
            prop_assert!(after.outcome != Outcome::Allow || after.exempt.is_some() || after.remembered);
        }
    }

    /// Under `specific`, an app rule tightens and never loosens: signing into
    /// an app (rather than into no particular app) never lowers enforcement,
    /// never allows another factor (not even `backup_code`: an app adds no
    /// recovery), never lets a refused login through and never remembers a
    /// login the user's other rules would challenge. Both evaluators.
    #[test]
    fn an_app_never_loosens_in_specific_mode(
        spec in gen::spec_in(true),
        seed in gen::login_seed(),
        app in 0usize..2,
    ) {
        let text = spec.render();
        let p = checked(&text);
        let r = reference_of(&text);
        prop_assert_eq!(p.precedence, mfac::policy::Precedence::Specific);
        let compiled = Policy::from_checked(&p);
        let login = gen::login(&p, &seed);
        let plain = login.context().app(None);
        let inside = login.context().app(Some(gen::APPS[app]));
        let app_rule = p.rules.iter().position(|r| r.scope.to_string() == format!("app {:?}", gen::APPS[app]));
        if let Some(id) = app_rule {
            let e = p.effective(id, login.at);
            if matches!(e.remember, Some(mfac::policy::Remember::Window(_))) {
                APP_CASES[0].fetch_add(1, Ordering::Relaxed);
            }
            if e.recovery.is_some() {
                APP_CASES[1].fetch_add(1, Ordering::Relaxed);
            }
        }
        let pairs = [
            (compiled_view(&compiled.decide(&plain)), compiled_view(&compiled.decide(&inside))),
            (reference::decide(&r, &plain), reference::decide(&r, &inside)),
        ];
        for (before, after) in pairs {
            prop_assert!(after.enforcement >= before.enforcement, "{}", text);
            prop_assert!(after.factors.is_subset(before.factors), "factors widened\n{}\n{:?}\n{:?}", text, before, after);
            if before.outcome != Outcome::Allow {
                prop_assert!(after.outcome != Outcome::Allow, "let through\n{}\n{:?}", text, plain);
            }
            if after.remembered {
                prop_assert!(before.remembered || before.outcome == Outcome::Allow, "remembered\n{}", text);
            }
            if before.outcome == Outcome::Enrol {
                prop_assert!(matches!(after.outcome, Outcome::Enrol | Outcome::Deny), "{}", text);
            }
        }
        let n = APP_POLICIES.fetch_add(1, Ordering::Relaxed) + 1;
        if n == u64::from(cases()) {
            let [windows, recovery] = APP_CASES.each_ref().map(|c| c.load(Ordering::Relaxed));
            println!("specific apps: {n} policies, {windows} with an app window, {recovery} with app recovery");
            prop_assert!(windows > 0 && recovery > 0, "the generator reached both loosening cases");
        }
    }

    /// An exemption never applies at or after its `until`.
    #[test]
    fn exemptions_end_at_until(spec in gen::spec(), seed in gen::login_seed(), after_secs in 0i64..200_000) {
        let text = spec.render();
        let p = checked(&text);
        let r = reference_of(&text);
        let compiled = Policy::from_checked(&p);
        let mut login = gen::login(&p, &seed);
        for e in &p.exemptions {
            if e.user != login.user { continue; }
            let until = e.until.expect("checked exemptions have until").value;
            for at in [until, until.checked_add(jiff::SignedDuration::from_secs(after_secs)).unwrap_or(until)] {
                login.at = at;
                let d = compiled.decide(&login.context());
                prop_assert!(d.exempt.is_none_or(|x| at < x.until), "{}", text);
                let v = reference::decide(&r, &login.context());
                prop_assert!(v.exempt_until.is_none_or(|u| at < u));
                EXEMPTED_LOGINS.fetch_add(1, Ordering::Relaxed);
            }
        }
        let n = EXEMPTION_CASES.fetch_add(1, Ordering::Relaxed) + 1;
        if n == u64::from(cases()) {
            let logins = EXEMPTED_LOGINS.load(Ordering::Relaxed);
            println!("exemptions: {n} policies, {logins} logins of an exempted user at or after `until`");
            prop_assert!(logins > 0, "no generated login was of an exempted user");
        }
    }
}

/// Re-space a rendered policy: every space becomes one of several kinds of
/// whitespace, a newline, or a comment running to the end of a line.
fn mess_up(text: &str, choices: &[u8]) -> String {
    let mut out = String::new();
    let mut k = 0;
    for c in text.chars() {
        if c == ' ' {
            let pick = choices.get(k % choices.len().max(1)).copied().unwrap_or(0);
            k += 1;
            out.push_str(match pick % 6 {
                0 => " ",
                1 => "   ",
                2 => "\n",
                3 => " \t",
                4 => "\n\n\n",
                _ => " # a note\n",
            });
        } else {
            out.push(c);
        }
    }
    out
}

proptest! {
    #![proptest_config(Config {
        cases: std::env::var("MFAC_FMT_CASES").ok().and_then(|v| v.parse().ok()).unwrap_or(200),
        ..config()
    })]

    /// `mfac fmt` never changes a decision, keeps every comment, and is
    /// idempotent.
    #[test]
    fn formatting_never_changes_a_decision(
        spec in gen::spec(),
        choices in prop::collection::vec(any::<u8>(), 1..64),
        seeds in prop::collection::vec(gen::login_seed(), 8),
    ) {
        let text = mess_up(&spec.render(), &choices);
        let formatted = match mfac::fmt::format_policy(&SourceFile::new("gen.mfa", text.as_str())) {
            Ok(t) => t,
            Err(e) => return Err(TestCaseError::fail(format!("{e:?}\n{text}"))),
        };
        let again = mfac::fmt::format(&formatted);
        prop_assert_eq!(again.as_deref(), Some(formatted.as_str()), "idempotent");
        prop_assert_eq!(text.matches("# a note").count(), formatted.matches("# a note").count(), "comments kept");
        let (a, b) = (checked(&text), checked(&formatted));
        let (pa, pb) = (Policy::from_checked(&a), Policy::from_checked(&b));
        for seed in &seeds {
            let login = gen::login(&a, seed);
            let ctx = login.context();
            prop_assert_eq!(compiled_view(&pa.decide(&ctx)), compiled_view(&pb.decide(&ctx)));
        }
    }
}

/// Strengths built from strengths, three deep, by hand: the checker, the
/// compiled evaluator and the reference each expand them to what the text
/// says, and a strength named before it is declared counts too.
#[test]
fn nested_strengths_expand_alike_everywhere() {
    let text = r#"strength any = sms | app_based
strength app_based = totp | phishing_resistant
strength phishing_resistant = webauthn
default { enforcement required factors any }
group "admins" { factors app_based }
group "root" { factors phishing_resistant | email }
"#;
    let p = checked(text);
    let compiled = Policy::from_checked(&p);
    let r = reference_of(text);
    let at = "2026-12-01T00:00:00Z".parse().unwrap();
    let set = |fs: &[Factor]| fs.iter().copied().collect::<mfac::FactorSet>();
    for (groups, want) in [
        (&[][..], set(&[Factor::Sms, Factor::Totp, Factor::Webauthn])),
        (&["admins"][..], set(&[Factor::Totp, Factor::Webauthn])),
        (&["root"][..], set(&[Factor::Webauthn])),
    ] {
        let ctx = mfac::LoginContext::new("u@x.test", at).groups(groups);
        assert_eq!(compiled.decide(&ctx).factors, want, "{groups:?}");
        assert_eq!(reference::decide(&r, &ctx).factors, want, "{groups:?}");
    }
}
