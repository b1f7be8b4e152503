//! Policy unit tests: `*.test.yaml` files beside a policy, each case a
//! login and the decision fields it expects (fields left out are not
//! compared), with the rules and rollout phases the cases exercised.
//!
//! ```yaml
//! policy: acme.mfa              # default: the test file's name without .test.yaml
//! cases:
//!   - name: an admin with only totp must enrol a passkey
//!     login: {user: anita@acme.test, groups: [Administrators], enrolled: [totp], at: 2026-12-16}
//!     expect: {decision: enrol, factors: [webauthn]}
//! ```
//!
//! What cannot run (malformed YAML, an unknown field, a value no decision
//! can have, no cases) is an `E027` at its line: a test that cannot run is
//! not a passing test.

use mfac_core::diagnostic::{Diagnostic, Diagnostics};
use mfac_core::eval::{Decision, LastMfa, LoginContext, Outcome, Policy};
use mfac_core::source::SourceFile;
use mfac_core::time::{format_instant, parse_instant};
use mfac_core::{Factor, FactorSet};
use mfac_lang::check::codes::BAD_TEST_FILE;
use serde::Deserialize;

#[derive(Deserialize)]
#[serde(deny_unknown_fields)]
struct TestFile {
    policy: Option<String>,
    cases: Vec<serde_saphyr::Spanned<Case>>,
}

#[derive(Deserialize)]
#[serde(deny_unknown_fields)]
struct Case {
    name: String,
    login: Login,
    expect: Expect,
}

#[derive(Deserialize)]
#[serde(deny_unknown_fields)]
struct Login {
    user: String,
    #[serde(default)]
    groups: Vec<String>,
    app: Option<String>,
    at: String,
    ip: Option<std::net::IpAddr>,
    #[serde(default)]
    enrolled: Vec<String>,
    last_mfa: Option<LastMfaSpec>,
}

#[derive(Deserialize)]
#[serde(deny_unknown_fields)]
struct LastMfaSpec {
    at: String,
    ip: Option<std::net::IpAddr>,
    logins_since: Option<u32>,
}

/// Expected fields; the ones left out are not compared.
#[derive(Deserialize, Default)]
#[serde(deny_unknown_fields)]
struct Expect {
    decision: Option<String>,
    enforcement: Option<String>,
    factors: Option<Vec<String>>,
    usable: Option<Vec<String>>,
    /// A date or instant; `none` for no deadline.
    deadline: Option<String>,
    remembered: Option<bool>,
    exempt: Option<bool>,
    /// The decision the report-only rules would make; `none` when they
    /// change nothing.
    report_only: Option<String>,
}

impl Expect {
    /// Whether the case compares nothing (`expect: {}`).
    fn is_empty(&self) -> bool {
        self.decision.is_none()
            && self.enforcement.is_none()
            && self.factors.is_none()
            && self.usable.is_none()
            && self.deadline.is_none()
            && self.remembered.is_none()
            && self.exempt.is_none()
            && self.report_only.is_none()
    }
}

/// A parsed test file.
pub struct Suite {
    /// The policy it tests, relative to the file (`None`: the file's own name).
    pub policy: Option<String>,
    /// Each case with its 1-based line.
    cases: Vec<(usize, Case)>,
}

/// A field that came out other than expected.
#[derive(Clone, Debug, PartialEq, Eq)]
pub struct Mismatch {
    pub field: String,
    pub expected: String,
    pub actual: String,
}

/// One case run.
#[derive(Clone, Debug, PartialEq, Eq)]
pub struct CaseResult {
    pub name: String,
    /// Empty when the case passed.
    pub failures: Vec<Mismatch>,
    /// The rules and rollout phases that decided, `file:line: ...`.
    pub rules: Vec<String>,
}

fn bad(source: &SourceFile, line: usize, message: String) -> Diagnostics {
    let d =
        Diagnostic::new(&BAD_TEST_FILE, source.line_span(line), message).label("cannot use this");
    Diagnostics::new(source.clone(), vec![d])
}

/// Read a test file.
pub fn parse(source: &SourceFile) -> Result<Suite, Diagnostics> {
    let file: TestFile = serde_saphyr::from_str(source.text()).map_err(|e| {
        let (line, first) = crate::directory::yaml_error(&e);
        bad(source, line, first)
    })?;
    if file.cases.is_empty() {
        return Err(bad(
            source,
            1,
            "the file has no cases, so it tests nothing".into(),
        ));
    }
    let cases: Vec<(usize, Case)> = file
        .cases
        .into_iter()
        .map(|c| ((c.referenced.line() as usize).max(1), c.value))
        .collect();
    // A case that expects nothing passes whatever the policy says: it would
    // count toward coverage without testing anything.
    if let Some((line, case)) = cases.iter().find(|(_, c)| c.expect.is_empty()) {
        return Err(bad(
            source,
            *line,
            format!(
                "case {:?} expects nothing (`expect: {{}}`), so it tests nothing: name at least one field",
                case.name
            ),
        ));
    }
    Ok(Suite {
        policy: file.policy,
        cases,
    })
}

/// Every rule and rollout phase of a policy, as `file:line: ...`: what
/// coverage is measured against. A rule that sets no field at any time
/// (`group "G" { privileged }`, there for its marker or its `includes`)
/// can shape no decision, so no case can exercise it.
pub fn rules_and_phases(policy: &Policy) -> Vec<String> {
    let t = policy.tables();
    let sets_something = |i: usize| {
        (0..=t.epochs.len()).any(|e| {
            policy
                .rule_settings(e, i)
                .is_some_and(|s| s.sets_anything())
        })
    };
    (0..t.rules.len())
        .filter(|&i| t.rules.get(i).is_some_and(|r| !r.implicit) && sets_something(i))
        .map(|i| policy.rule_location(i))
        .chain(t.phases.iter().map(|p| policy.phase_location(p)))
        .collect()
}

/// Run every case of `suite` (read from `source`) against `policy`.
pub fn run(
    suite: &Suite,
    source: &SourceFile,
    policy: &Policy,
) -> Result<Vec<CaseResult>, Diagnostics> {
    let tz = policy.timezone().clone();
    let mut results = Vec::new();
    for (line, case) in &suite.cases {
        let bad = |m: String| bad(source, *line, format!("case {:?}: {m}", case.name));
        let l = &case.login;
        let at = parse_instant(&l.at, &tz).map_err(|m| bad(format!("login.at: {m}")))?;
        let enrolled = factors(&l.enrolled, "login.enrolled").map_err(bad)?;
        let last = match &l.last_mfa {
            Some(m) => Some(LastMfa {
                at: parse_instant(&m.at, &tz)
                    .map_err(|e| bad(format!("login.last_mfa.at: {e}")))?,
                ip: m.ip,
                logins_since: m.logins_since,
                aal: None,
            }),
            None => None,
        };
        let groups: Vec<&str> = l.groups.iter().map(String::as_str).collect();
        let ctx = LoginContext::new(&l.user, at)
            .groups(&groups)
            .app(l.app.as_deref())
            .ip(l.ip)
            .enrolled_set(enrolled)
            .last_mfa(last);
        let d = policy.decide(&ctx);
        let failures = compare(policy, &case.expect, &d).map_err(bad)?;
        let mut rules: Vec<String> = d.rules.iter().map(|r| policy.rule_location(r.id)).collect();
        for r in &d.rules {
            if let Some(p) = r.phase {
                rules.push(policy.phase_location(p));
            }
        }
        // A report-only rule is exercised by a case that shows what it
        // would decide.
        if let Some(r) = &d.report_only {
            rules.extend(r.rules.iter().map(|x| policy.rule_location(x.id)));
        }
        results.push(CaseResult {
            name: case.name.clone(),
            failures,
            rules,
        });
    }
    Ok(results)
}

fn factors(names: &[String], what: &str) -> Result<FactorSet, String> {
    names
        .iter()
        .map(|n| Factor::from_name(n).ok_or_else(|| format!("{what}: unknown factor kind `{n}`")))
        .collect()
}

fn list(s: FactorSet) -> String {
    format!("[{}]", s.names().join(", "))
}

/// Compare one decision with what the case expects.
fn compare(policy: &Policy, e: &Expect, d: &Decision<'_>) -> Result<Vec<Mismatch>, String> {
    let tz = policy.timezone();
    let mut out = Vec::new();
    let mut field = |name: &str, want: String, got: String| {
        if want != got {
            out.push(Mismatch {
                field: name.to_string(),
                expected: want,
                actual: got,
            });
        }
    };
    let one_of = |what: &str, x: &str, allowed: &[&str]| {
        if allowed.contains(&x) {
            Ok(())
        } else {
            Err(format!(
                "expect.{what}: `{x}` is not one of {}",
                allowed.join(", ")
            ))
        }
    };
    if let Some(x) = &e.decision {
        let names = Outcome::ALL.map(Outcome::name);
        one_of("decision", x, &names)?;
        field("decision", x.clone(), d.outcome.name().into());
    }
    if let Some(x) = &e.enforcement {
        one_of("enforcement", x, &["off", "optional", "required"])?;
        field("enforcement", x.clone(), d.enforcement.name().into());
    }
    if let Some(x) = &e.factors {
        field(
            "factors",
            list(factors(x, "expect.factors")?),
            list(d.factors),
        );
    }
    if let Some(x) = &e.usable {
        field("usable", list(factors(x, "expect.usable")?), list(d.usable));
    }
    if let Some(x) = &e.deadline {
        let want = match x.as_str() {
            "none" | "null" => "none".to_string(),
            t => format_instant(
                parse_instant(t, tz).map_err(|m| format!("expect.deadline: {m}"))?,
                tz,
            ),
        };
        let got = d.deadline.map_or("none".into(), |t| format_instant(t, tz));
        field("deadline", want, got);
    }
    if let Some(x) = e.remembered {
        field("remembered", x.to_string(), d.remembered.to_string());
    }
    if let Some(x) = e.exempt {
        field("exempt", x.to_string(), d.exempt.is_some().to_string());
    }
    if let Some(x) = &e.report_only {
        let mut names: Vec<&str> = Outcome::ALL.map(Outcome::name).to_vec();
        names.push("none");
        one_of("report_only", x, &names)?;
        let got = d.report_only.as_ref().map_or("none", |r| r.outcome.name());
        field("report_only", x.clone(), got.to_string());
    }
    Ok(out)
}

/// `mfac test --format json`, as serde types (fields in name order).
pub mod wire {
    use serde::{Deserialize, Serialize};

    #[derive(Clone, Debug, PartialEq, Serialize, Deserialize)]
    pub struct TestReport {
        pub cases: Vec<CaseRecord>,
        pub coverage: CoverageRecord,
        pub failed: usize,
        pub passed: usize,
    }

    #[derive(Clone, Debug, PartialEq, Eq, Serialize, Deserialize)]
    pub struct CaseRecord {
        pub failures: Vec<MismatchRecord>,
        pub file: String,
        pub name: String,
        pub ok: bool,
        pub rules: Vec<String>,
    }

    #[derive(Clone, Debug, PartialEq, Eq, Serialize, Deserialize)]
    pub struct MismatchRecord {
        pub actual: String,
        pub expected: String,
        pub field: String,
    }

    #[derive(Clone, Debug, PartialEq, Serialize, Deserialize)]
    pub struct CoverageRecord {
        pub covered: usize,
        pub not_exercised: Vec<String>,
        /// To one decimal place.
        pub percent: f64,
        pub total: usize,
    }
}
