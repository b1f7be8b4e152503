//! The proof engine (`mfac_analysis::prove`) against a brute-force oracle:
//! on generated policies, every subset of the directory groups, every named
//! user and "anyone else", every app and none, and every instant around the
//! policy's edges, decided one by one by the compiled evaluator. The two
//! must agree on every property: whether it holds, and the fewest groups
//! that break it. Every counterexample the engine gives is replayed through
//! the evaluator and must break the property.
//!
//! CI runs a few hundred policies; `MFAC_PROVE_CASES=100000 cargo test
//! --release --test prove` is the long run.

#![allow(
    clippy::unwrap_used,
    clippy::expect_used,
    clippy::panic,
    clippy::indexing_slicing
)]

mod gen;

use jiff::Timestamp;
use mfac::check::{check, CheckOptions};
use mfac::eval::space::Effective;
use mfac::eval::LoginContext;
use mfac::policy::CheckedPolicy;
use mfac::prove::{prove, Condition, Property, Scope};
use mfac::{Compile, Factor, FactorSet, Level, Policy, SourceFile};
use mfac_testing::reference;
use proptest::prelude::*;
use proptest::test_runner::{Config, FileFailurePersistence};
use std::sync::atomic::{AtomicU64, Ordering};

static POLICIES: AtomicU64 = AtomicU64::new(0);
static PROPERTIES: AtomicU64 = AtomicU64::new(0);
static REFUTED: AtomicU64 = AtomicU64::new(0);
/// Time spent (ns) in the brute force's decisions and in the engine.
static ORACLE_NS: AtomicU64 = AtomicU64::new(0);
static ENGINE_NS: AtomicU64 = AtomicU64::new(0);

fn timed<T>(clock: &AtomicU64, f: impl FnOnce() -> T) -> T {
    let t = std::time::Instant::now();
    let v = f();
    clock.fetch_add(t.elapsed().as_nanos() as u64, Ordering::Relaxed);
    v
}

fn cases() -> u32 {
    std::env::var("MFAC_PROVE_CASES")
        .ok()
        .and_then(|v| v.parse().ok())
        .unwrap_or(300)
}

fn checked(text: &str) -> CheckedPolicy {
    let out = check(
        &SourceFile::new("gen.mfa", text),
        &CheckOptions {
            today: Some(gen::TODAY),
            ..CheckOptions::default()
        },
    );
    out.policy.unwrap_or_else(|| {
        panic!(
            "the generator made a policy with errors:\n{text}\n{}",
            out.diagnostics
        )
    })
}

/// Properties checked per policy.
const SAMPLE: usize = 40;

/// A user no rule names.
const ANYONE: &str = "anyone@oracle.test";

/// One login of the brute force, and what the evaluator made of it.
struct Point {
    groups: u32,
    user: Option<String>,
    app: Option<String>,
    at: Timestamp,
    effective: Effective,
    exempt: bool,
    /// Rules that applied: for the scopes.
    privileged: bool,
    break_glass: bool,
    member_of: Vec<String>,
    /// The policy's `bypass` line lets the helpdesk exempt this login too.
    bypassable: bool,
}

fn effective_of(
    policy: &Policy,
    user: &str,
    groups: &[&str],
    app: Option<&str>,
    at: Timestamp,
) -> (Effective, bool) {
    let ctx = LoginContext::new(user, at)
        .groups(groups)
        .app(app)
        .enrolled_set(FactorSet::ALL);
    let d = policy.decide(&ctx);
    (
        Effective {
            enforcement: d.enforcement,
            factors: d.factors,
            recovery: d.factors.contains(Factor::BackupCode),
            remember: d.remember,
            grace_deadline: d.grace_deadline,
        },
        d.exempt.is_some(),
    )
}

/// The brute force's space for some policies: their groups (sorted), user
/// classes (each named user, then anyone else), the generator's apps and
/// none, and every instant one second around each edge of theirs.
struct BruteSpace {
    groups: Vec<String>,
    users: Vec<Option<String>>,
    apps: Vec<Option<String>>,
    instants: Vec<Timestamp>,
}

fn brute_space(ps: &[(&CheckedPolicy, &Policy)]) -> BruteSpace {
    let mut groups: Vec<String> = ps
        .iter()
        .flat_map(|(_, p)| p.group_names())
        .map(str::to_string)
        .collect();
    groups.sort();
    groups.dedup();
    assert!(
        groups.len() <= 10,
        "the oracle enumerates subsets of at most 10 groups"
    );
    let mut users: Vec<Option<String>> = ps
        .iter()
        .flat_map(|(_, p)| p.user_names().chain(p.exempted_users()))
        .map(|u| Some(u.to_string()))
        .collect();
    users.sort();
    users.dedup();
    users.push(None);
    // The generator's app names, with a rule or not (a property may name
    // one without), and no app.
    let mut apps: Vec<Option<String>> = gen::APPS.iter().map(|a| Some(a.to_string())).collect();
    apps.push(None);
    let second = jiff::SignedDuration::from_secs(1);
    let mut instants: Vec<Timestamp> = ps
        .iter()
        .flat_map(|(c, _)| gen::edges(c))
        .flat_map(|e| {
            [
                e.checked_sub(second).unwrap(),
                e,
                e.checked_add(second).unwrap(),
            ]
        })
        .collect();
    instants.push(Timestamp::UNIX_EPOCH);
    instants.sort();
    instants.dedup();
    BruteSpace {
        groups,
        users,
        apps,
        instants,
    }
}

/// Every login of a brute space, in order: the groups chosen (as a mask and
/// by name), the user class, the app and the instant.
fn each_login(
    s: &BruteSpace,
    mut f: impl FnMut(u32, &[&str], &Option<String>, Option<&str>, Timestamp),
) {
    for mask in 0u32..(1 << s.groups.len()) {
        let chosen: Vec<&str> = (0..s.groups.len())
            .filter(|i| mask & (1 << i) != 0)
            .map(|i| s.groups[i].as_str())
            .collect();
        for user in &s.users {
            for app in &s.apps {
                for &at in &s.instants {
                    f(mask, &chosen, user, app.as_deref(), at);
                }
            }
        }
    }
}

/// Every login of the policy's brute space, decided. Who is in which scope
/// comes from the reference's own reading of the text, not from the
/// evaluator's rule lists.
fn points(text: &str, p: &CheckedPolicy, policy: &Policy) -> (Vec<String>, Vec<Point>) {
    let reading = reference::read(text).unwrap();
    let mut space = brute_space(&[(p, policy)]);
    // The groups a `bypass` line names are groups a login may hold, rule
    // or not.
    space
        .groups
        .extend(reading.bypass_groups().into_iter().map(str::to_string));
    space.groups.sort();
    space.groups.dedup();
    let mut out = Vec::new();
    each_login(&space, |mask, chosen, user, app, at| {
        let name = user.as_deref().unwrap_or(ANYONE);
        let (effective, exempt) = effective_of(policy, name, chosen, app, at);
        out.push(Point {
            groups: mask,
            user: user.clone(),
            app: app.map(str::to_string),
            at,
            effective,
            exempt,
            privileged: reading.privileged(chosen),
            break_glass: reading.break_glass(name),
            member_of: reading
                .member_of(chosen)
                .into_iter()
                .map(str::to_string)
                .collect(),
            bypassable: reading.may_be_bypassed(name, chosen),
        });
    });
    (space.groups, out)
}

fn in_scope(pt: &Point, prop: &Property) -> bool {
    let scope = match &prop.scope {
        Scope::Everyone => true,
        Scope::Privileged => pt.privileged,
        Scope::BreakGlass => pt.break_glass,
        Scope::MembersOf(g) => pt.member_of.contains(g),
        Scope::User(u) => pt.user.as_deref() == Some(u),
    };
    scope
        && prop.app.as_ref().is_none_or(|a| pt.app.as_ref() == Some(a))
        && prop.from.is_none_or(|f| pt.at >= f)
        && prop.until.is_none_or(|u| pt.at < u)
}

/// Does `condition` hold of a login's settings? Written from the README's
/// "Proving properties", not taken from the engine.
fn holds(condition: Condition, e: &Effective, exempt: bool) -> bool {
    // The factors a login may use, but a recovery backup code.
    let ordinary = if e.recovery {
        e.factors.without(Factor::BackupCode)
    } else {
        e.factors
    };
    match condition {
        Condition::Enforcement(level) => e.enforcement >= level,
        Condition::FactorsWithin(set) => ordinary.iter().all(|f| set.contains(f)),
        Condition::FactorsInclude(set) => e.factors.iter().any(|f| set.contains(f)),
        Condition::FactorsNone => e.enforcement != Level::Off && e.factors.iter().next().is_none(),
        Condition::RememberNever => !matches!(e.remember, Some(mfac::policy::Remember::Window(_))),
        Condition::RememberWithin(limit) => match e.remember {
            Some(mfac::policy::Remember::Window(w)) => w.seconds <= limit,
            _ => true,
        },
        Condition::Recovery => e.recovery,
        Condition::Exempt => exempt,
        // NIST SP 800-63B: without a second factor 1; a passkey (with user
        // verification) 3; any other second factor 2. A login may use any
        // allowed factor, so the weakest one counts.
        Condition::Assurance(want) => {
            let passkeys_only = e.factors.iter().next().is_some()
                && e.factors.iter().all(|f| f == Factor::Webauthn);
            let level = if exempt || e.enforcement != Level::Required || e.factors.is_empty() {
                1
            } else if passkeys_only {
                3
            } else {
                2
            };
            level >= want.number()
        }
    }
}

/// Does NEW give more than OLD of `kind`, for one login? Written from the
/// README's `--deny-loosening`: a lower enforcement; a factor allowed that
/// was not (where MFA is asked for); a new, longer or less conditioned
/// remember window; a later enrolment deadline (required under both); a
/// new exemption.
fn looser(
    kind: mfac::prove::loosen::Kind,
    old: (&Effective, bool),
    new: (&Effective, bool),
) -> bool {
    use mfac::policy::Remember;
    use mfac::prove::loosen::Kind;
    let ((o, old_exempt), (n, new_exempt)) = (old, new);
    match kind {
        Kind::Enforcement => n.enforcement < o.enforcement,
        Kind::Factors => {
            n.enforcement != Level::Off && n.factors.iter().any(|f| !o.factors.contains(f))
        }
        Kind::Remember => match (o.remember, n.remember) {
            (_, None | Some(Remember::Never)) => false,
            (None | Some(Remember::Never), Some(Remember::Window(_))) => true,
            (Some(Remember::Window(a)), Some(Remember::Window(b))) => {
                let fewer_logins = match (a.max_logins, b.max_logins) {
                    (Some(x), Some(y)) => y > x,
                    (Some(_), None) => true,
                    (None, _) => false,
                };
                b.seconds > a.seconds
                    || (a.same_ip && !b.same_ip)
                    || (a.same_context && !b.same_context)
                    || fewer_logins
            }
        },
        Kind::Grace => {
            let required = o.enforcement == Level::Required && n.enforcement == Level::Required;
            // No deadline is immediate: earlier than any date.
            let later = match (o.grace_deadline, n.grace_deadline) {
                (_, None) => false,
                (None, Some(_)) => true,
                (Some(a), Some(b)) => b > a,
            };
            required && later
        }
        Kind::Exemption => new_exempt && !old_exempt,
    }
}

/// The fewest groups of a point that breaks `prop`, by brute force.
fn oracle(points: &[Point], prop: &Property) -> Option<u32> {
    points
        .iter()
        .filter(|pt| in_scope(pt, prop))
        .filter(|pt| {
            holds(prop.condition, &pt.effective, pt.exempt) != prop.always
                || (pt.bypassable && holds(prop.condition, &pt.effective, true) != prop.always)
        })
        .map(|pt| pt.groups.count_ones())
        .min()
}

fn properties(policy: &Policy, from: Timestamp) -> Vec<Property> {
    let mut scopes = vec![Scope::Everyone, Scope::Privileged, Scope::BreakGlass];
    scopes.extend(gen::GROUPS.iter().map(|g| Scope::MembersOf(g.to_string())));
    scopes.extend(policy.user_names().map(|u| Scope::User(u.to_string())));
    let set = |fs: &[Factor]| fs.iter().copied().collect::<FactorSet>();
    let conditions = [
        Condition::Enforcement(Level::Optional),
        Condition::Enforcement(Level::Required),
        Condition::FactorsWithin(set(&[Factor::Webauthn])),
        Condition::FactorsWithin(set(&[Factor::Webauthn, Factor::Totp])),
        Condition::FactorsInclude(set(&[Factor::Sms, Factor::Email])),
        Condition::FactorsInclude(set(&[Factor::BackupCode])),
        Condition::FactorsNone,
        Condition::RememberNever,
        Condition::RememberWithin(3_600),
        Condition::Recovery,
        Condition::Exempt,
        Condition::Assurance(mfac::policy::Aal::Aal2),
        Condition::Assurance(mfac::policy::Aal::Aal3),
    ];
    let mut out = Vec::new();
    for scope in &scopes {
        for condition in conditions {
            for always in [true, false] {
                for (app, bounded) in [(None, false), (Some("a0".to_string()), false), (None, true)]
                {
                    out.push(Property {
                        scope: scope.clone(),
                        app,
                        from: bounded.then_some(from),
                        until: None,
                        always,
                        condition,
                    });
                }
            }
        }
    }
    out
}

proptest! {
    #![proptest_config(Config {
        cases: cases(),
        failure_persistence: Some(Box::new(FileFailurePersistence::Off)),
        ..Config::default()
    })]

    #[test]
    fn the_engine_agrees_with_brute_force(spec in gen::spec(), pick in any::<u64>()) {
        let text = spec.render() + &spec.bypass_line();
        let p = checked(&text);
        let policy = Policy::from_checked(&p);
        let (_, pts) = timed(&ORACLE_NS, || points(&text, &p, &policy));
        let from = p.midnight(gen::TODAY);
        // A sample of the properties per policy (all of them on every
        // policy would cost the brute force 20 times as much): over a few
        // hundred policies every scope, condition and bound comes up.
        let all = properties(&policy, from);
        let sample = (0..SAMPLE).map(|i| &all[(pick as usize).wrapping_add(i * 7919) % all.len()]);
        for prop in sample {
            let want = timed(&ORACLE_NS, || oracle(&pts, prop));
            let got = match timed(&ENGINE_NS, || prove(&policy, prop)) {
                Ok(got) => got,
                // A group the generator left out: nobody to judge, and the
                // brute force finds nobody either.
                Err(mfac::prove::Unjudgeable::UnknownGroup(_)) => {
                    prop_assert!(!pts.iter().any(|pt| in_scope(pt, prop)), "{:?}", prop);
                    continue;
                }
                Err(e) => panic!("{e:?} for {prop:?}"),
            };
            match (&got, want) {
                (Ok(()), None) => {}
                (Err(c), Some(n)) => {
                    prop_assert_eq!(c.groups.len() as u32, n, "fewest groups for {:?}\n{}\n{:?}", prop, text, c);
                    // The replay: the evaluator must show the violation.
                    let groups: Vec<&str> = c.groups.iter().map(String::as_str).collect();
                    let user = c.user.as_deref().unwrap_or(ANYONE);
                    let (e, mut exempt) = effective_of(&policy, user, &groups, c.app.as_deref(), c.at);
                    if c.bypass {
                        // The service would honour a bypass for this login.
                        prop_assert!(policy.bypass_refusal(user, &groups).is_none(), "{:?}\n{}", c, text);
                        exempt = true;
                    }
                    prop_assert!(holds(prop.condition, &e, exempt) != prop.always, "replay of {:?} holds\n{}", c, text);
                    prop_assert_eq!(e, c.effective, "the reported settings, for {:?}\n{}", prop, text);
                    REFUTED.fetch_add(1, Ordering::Relaxed);
                }
                _ => prop_assert!(false, "engine {:?}, oracle {:?}, for {:?}\n{}", got, want, prop, text),
            }
            PROPERTIES.fetch_add(1, Ordering::Relaxed);
        }
        let n = POLICIES.fetch_add(1, Ordering::Relaxed) + 1;
        // A long run says how far it has got, so that one stopped by a time
        // limit still reports what it covered.
        if cases() >= 10_000 && n % 5_000 == 0 {
            eprintln!(
                "prove: {n} of {} policies, {} properties so far, brute force {:.0} s, engine {:.1} s",
                cases(),
                PROPERTIES.load(Ordering::Relaxed),
                ORACLE_NS.load(Ordering::Relaxed) as f64 / 1e9,
                ENGINE_NS.load(Ordering::Relaxed) as f64 / 1e9,
            );
        }
        if n == u64::from(cases()) {
            // Both outcomes came up: a generator that only made holding
            // (or only refuted) properties would test half the engine.
            let (judged, refuted) = (PROPERTIES.load(Ordering::Relaxed), REFUTED.load(Ordering::Relaxed));
            prop_assert!(refuted > 0 && judged > refuted, "{} judged, {} refuted", judged, refuted);
            println!(
                "prove: {n} policies, {} properties ({} refuted), engine = brute force; brute force {:.1} s, engine {:.1} s",
                PROPERTIES.load(Ordering::Relaxed),
                REFUTED.load(Ordering::Relaxed),
                ORACLE_NS.load(Ordering::Relaxed) as f64 / 1e9,
                ENGINE_NS.load(Ordering::Relaxed) as f64 / 1e9,
            );
        }
    }
}

/// Policies from a fixed seed: the same every run.
fn seeded(seed: u8) -> proptest::test_runner::TestRunner {
    use proptest::test_runner::{RngAlgorithm, TestRng, TestRunner};
    TestRunner::new_with_rng(
        Config::default(),
        TestRng::from_seed(RngAlgorithm::ChaCha, &[seed; 32]),
    )
}

/// One policy from the generator.
fn generated(runner: &mut proptest::test_runner::TestRunner) -> gen::Spec {
    use proptest::strategy::{Strategy, ValueTree};
    gen::spec().new_tree(runner).unwrap().current()
}

/// The mutation check: each deliberately broken engine must disagree with
/// the brute force on some generated policy. Policies come from a fixed
/// seed, so the run is the same every time; each mutant is caught within a
/// few dozen of them.
#[test]
fn the_oracle_catches_every_broken_engine() {
    use mfac::prove::mutants::Mutant;
    use mfac::prove::{prove_in, Space};
    let mut runner = seeded(7);
    let mut missed: Vec<Mutant> = Mutant::ALL.to_vec();
    let mut tried = 0;
    while !missed.is_empty() && tried < 400 {
        tried += 1;
        let spec = generated(&mut runner);
        let text = spec.render();
        let p = checked(&text);
        let policy = Policy::from_checked(&p);
        let (_, pts) = points(&text, &p, &policy);
        let props = properties(&policy, p.midnight(gen::TODAY));
        missed.retain(|&m| {
            let space = Space {
                mutant: Some(m),
                ..Space::default()
            };
            let caught = props.iter().any(|prop| {
                let want = oracle(&pts, prop);
                match prove_in(&policy, prop, &space) {
                    Ok(Ok(())) => want.is_some(),
                    Ok(Err(c)) => want != Some(c.groups.len() as u32),
                    Err(_) => false,
                }
            });
            if caught {
                println!("mutant {m:?} caught on generated policy {tried}");
            }
            !caught
        });
    }
    assert!(
        missed.is_empty(),
        "the oracle did not catch {missed:?} in {tried} policies"
    );
}

/// `mfac diff --deny-loosening`'s engine against brute force: on pairs of
/// generated policies, every subset of both policies' groups, every user
/// class, app and instant; the fewest groups of each kind of loosening must
/// agree, and each counterexample must replay as a loosening.
#[test]
fn loosenings_agree_with_brute_force() {
    use mfac::prove::loosen::{loosening, Kind, Side};
    let mut runner = seeded(11);
    let pairs = (cases() / 4).max(20);
    let mut found = 0;
    for _ in 0..pairs {
        let a = generated(&mut runner);
        let b = generated(&mut runner);
        let (ta, tb) = (a.render(), b.render());
        let (ca, cb) = (checked(&ta), checked(&tb));
        let (old, new) = (Policy::from_checked(&ca), Policy::from_checked(&cb));
        let space = brute_space(&[(&ca, &old), (&cb, &new)]);
        let side = |p: &Policy, user: &str, chosen: &[&str], app: Option<&str>, at| {
            let (effective, exempt) = effective_of(p, user, chosen, app, at);
            Side { effective, exempt }
        };
        let mut want = [None::<u32>; 5];
        each_login(&space, |mask, chosen, user, app, at| {
            let name = user.as_deref().unwrap_or(ANYONE);
            let o = side(&old, name, chosen, app, at);
            let n = side(&new, name, chosen, app, at);
            for (k, kind) in Kind::ALL.iter().enumerate() {
                if looser(*kind, (&o.effective, o.exempt), (&n.effective, n.exempt)) {
                    let w = &mut want[k];
                    *w = Some(w.map_or(mask.count_ones(), |x| x.min(mask.count_ones())));
                }
            }
        });
        for (k, kind) in Kind::ALL.iter().enumerate() {
            let got = loosening(&old, &new, *kind, mfac::prove::PROOF_LIMIT, None)
                .expect("generated pairs stay far below the proof limit");
            assert_eq!(
                got.as_ref().map(|l| l.groups.len() as u32),
                want[k],
                "{kind:?}\nOLD:\n{ta}\nNEW:\n{tb}\n{got:?}"
            );
            if let Some(l) = got {
                found += 1;
                let chosen: Vec<&str> = l.groups.iter().map(String::as_str).collect();
                let user = l.user.as_deref().unwrap_or(ANYONE);
                let o = side(&old, user, &chosen, l.app.as_deref(), l.at);
                let n = side(&new, user, &chosen, l.app.as_deref(), l.at);
                assert!(
                    looser(*kind, (&o.effective, o.exempt), (&n.effective, n.exempt)),
                    "replay of {l:?}\nOLD:\n{ta}\nNEW:\n{tb}"
                );
                assert_eq!((o, n), (l.old, l.new), "the reported sides of {l:?}");
            }
        }
    }
    println!("loosen: {pairs} policy pairs, {found} loosenings, engine = brute force");
    assert!(
        found > 0,
        "no generated pair loosened anything: nothing was compared"
    );
}

/// W002 against brute force: a plain group rule (not privileged, including
/// no other group) is reported as never changing a decision exactly when
/// the same policy without it decides every login of the brute space the
/// same: every set of groups, user, app and instant around the edges.
#[test]
fn shadowed_group_rules_agree_with_brute_force() {
    let mut runner = seeded(23);
    let policies = (cases() / 5).max(40);
    let (mut inert, mut live) = (0, 0);
    for _ in 0..policies {
        let spec = generated(&mut runner);
        let text = spec.render();
        let out = check(
            &SourceFile::new("gen.mfa", text.as_str()),
            &CheckOptions {
                today: Some(gen::TODAY),
                ..CheckOptions::default()
            },
        );
        let flagged: Vec<&str> = out
            .diagnostics
            .items
            .iter()
            .filter(|d| d.code == "W002")
            .map(|d| d.message.as_str())
            .collect();
        let p = out
            .policy
            .expect("the generator makes policies without errors");
        let policy = Policy::from_checked(&p);
        for g in spec.plain_groups() {
            let name = gen::GROUPS[g];
            let without_text = spec.without_group(g).render();
            let q = checked(&without_text);
            let without = Policy::from_checked(&q);
            let space = brute_space(&[(&p, &policy), (&q, &without)]);
            let mut same = true;
            each_login(&space, |_, chosen, user, app, at| {
                let user = user.as_deref().unwrap_or(ANYONE);
                same &= effective_of(&policy, user, chosen, app, at)
                    == effective_of(&without, user, chosen, app, at);
            });
            let reported = flagged
                .iter()
                .any(|m| m.starts_with(&format!("group {name:?} ")));
            assert_eq!(
                reported, same,
                "W002 on group {name:?}: reported {reported}, brute force says it changes {}\n{text}\nWITHOUT:\n{without_text}",
                if same { "nothing" } else { "something" }
            );
            if same {
                inert += 1;
            } else {
                live += 1;
            }
        }
    }
    println!("W002: {policies} policies, {inert} shadowed and {live} live group rules, check = brute force");
    assert!(
        inert > 0 && live > 0,
        "{inert} shadowed, {live} live: nothing was compared"
    );
}
