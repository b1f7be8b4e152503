//! `mfac test`: policy unit tests in `*.test.yaml` files beside the policy.
//!
//! ```yaml
//! policy: acme.mfa              # default: the test file's name without .test.yaml
//! cases:
//!   - name: an admin with only totp must enrol a passkey
//!     login: {user: anita@acme.test, groups: [Administrators], enrolled: [totp], at: 2026-12-16}
//!     expect: {decision: enrol, factors: [webauthn]}
//! ```

use super::{load_policy, Failure, Outcome};
use mfac::eval::{Decision, LastMfa, LoginContext};
use mfac::time::{format_instant, parse_instant};
use mfac::{Factor, FactorSet, Policy};
use serde::Deserialize;
use serde_json::json;
use std::collections::BTreeSet;
use std::fmt::Write;
use std::path::{Path, PathBuf};
use std::process::ExitCode;

#[derive(clap::Args)]
#[command(
    about = "Run policy unit tests (*.test.yaml beside the policy) and report rule coverage",
    after_help = "Examples:\n  mfac test policies/\n  mfac test policies/acme.test.yaml --format junit > report.xml\n  mfac test --coverage-threshold 80"
)]
pub struct Args {
    /// Test files, or folders searched for `*.test.yaml` (default: the current folder)
    paths: Vec<String>,
    #[arg(long, value_enum, default_value_t = Format::Human)]
    format: Format,
    /// Fail when fewer than this percentage of rules and rollout phases are exercised
    #[arg(long, value_name = "PERCENT")]
    coverage_threshold: Option<f64>,
}

impl Args {
    /// The `--format` value as written, for failures printed in it.
    pub fn format_name(&self) -> String {
        use clap::ValueEnum as _;
        self.format
            .to_possible_value()
            .map_or_else(String::new, |v| v.get_name().to_string())
    }
}

#[derive(Clone, Copy, clap::ValueEnum)]
enum Format {
    Human,
    Json,
    Junit,
}

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
}

struct Result_ {
    file: String,
    name: String,
    /// (field, expected, actual) for each mismatch.
    failures: Vec<(String, String, String)>,
    rules: Vec<String>,
}

fn test_files(paths: &[String]) -> Result<Vec<PathBuf>, Failure> {
    let roots: Vec<String> = if paths.is_empty() {
        vec![".".into()]
    } else {
        paths.to_vec()
    };
    let mut out = Vec::new();
    for r in &roots {
        let p = Path::new(r);
        if p.is_dir() {
            let found = super::files_under(p, ".test.yaml")
                .map_err(|e| Failure::input(format!("cannot read `{r}`: {e}")))?;
            out.extend(found);
        } else {
            out.push(p.to_path_buf());
        }
    }
    if out.is_empty() {
        return Err(Failure::input("no `*.test.yaml` files found"));
    }
    Ok(out)
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
fn compare(
    policy: &Policy,
    e: &Expect,
    d: &Decision<'_>,
) -> Result<Vec<(String, String, String)>, String> {
    let tz = policy.timezone();
    let mut out = Vec::new();
    let mut field = |name: &str, want: String, got: String| {
        if want != got {
            out.push((name.to_string(), want, got));
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
        let names = mfac::Outcome::ALL.map(mfac::Outcome::name);
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
    Ok(out)
}

pub fn run(a: Args) -> Outcome {
    let files = test_files(&a.paths)?;
    let mut results: Vec<Result_> = Vec::new();
    // Coverage: per policy file, (rules and phases, those exercised).
    let mut coverage: Vec<(String, Vec<String>, BTreeSet<String>)> = Vec::new();
    for f in &files {
        let shown = f.display().to_string();
        let source = super::read_source(&shown)?;
        // What is wrong with a test file is an E027 at its line (exit 2):
        // a test that cannot run is not a passing test.
        let bad_at = |line: usize, m: String| {
            Failure::at(
                &mfac::check::codes::BAD_TEST_FILE,
                source.clone(),
                source.line_span(line),
                m,
            )
        };
        let file: TestFile = serde_saphyr::from_str(source.text()).map_err(|e| {
            let (line, first) = mfac::directory::yaml_error(&e);
            bad_at(line, first)
        })?;
        if file.cases.is_empty() {
            return Err(bad_at(
                1,
                "the file has no cases, so it tests nothing".into(),
            ));
        }
        let name = shown.trim_end_matches(".test.yaml");
        let policy_path = match &file.policy {
            Some(p) => f.parent().unwrap_or(Path::new(".")).join(p),
            None => PathBuf::from(format!("{name}.mfa")),
        };
        let policy = load_policy(&policy_path.to_string_lossy())?;
        let tz = policy.timezone().clone();
        let t = policy.tables();
        let all: Vec<String> = (0..t.rules.len())
            .filter(|&i| t.rules.get(i).is_some_and(|r| !r.implicit))
            .map(|i| policy.rule_location(i))
            .chain(t.phases.iter().map(|p| policy.phase_location(p)))
            .collect();
        let mut hit = BTreeSet::new();
        for spanned in &file.cases {
            let case = &spanned.value;
            let line = (spanned.referenced.line() as usize).max(1);
            let bad = |m: String| bad_at(line, format!("case {:?}: {m}", case.name));
            let l = &case.login;
            let at = parse_instant(&l.at, &tz).map_err(|m| bad(format!("login.at: {m}")))?;
            let enrolled = factors(&l.enrolled, "login.enrolled").map_err(bad)?;
            let last = match &l.last_mfa {
                Some(m) => Some(LastMfa {
                    at: parse_instant(&m.at, &tz)
                        .map_err(|e| bad(format!("login.last_mfa.at: {e}")))?,
                    ip: m.ip,
                    logins_since: m.logins_since,
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
            let failures = compare(&policy, &case.expect, &d).map_err(bad)?;
            let mut rules: Vec<String> =
                d.rules.iter().map(|r| policy.rule_location(r.id)).collect();
            for r in &d.rules {
                if let Some(p) = r.phase {
                    rules.push(policy.phase_location(p));
                }
            }
            hit.extend(rules.iter().cloned());
            results.push(Result_ {
                file: shown.clone(),
                name: case.name.clone(),
                failures,
                rules,
            });
        }
        coverage.push((policy_path.to_string_lossy().into_owned(), all, hit));
    }

    let failed = results.iter().filter(|r| !r.failures.is_empty()).count();
    let passed = results.len() - failed;
    let total: usize = coverage.iter().map(|c| c.1.len()).sum();
    let covered: usize = coverage
        .iter()
        .map(|(_, all, hit)| all.iter().filter(|x| hit.contains(*x)).count())
        .sum();
    let percent = if total == 0 {
        100.0
    } else {
        covered as f64 * 100.0 / total as f64
    };
    let below = a.coverage_threshold.is_some_and(|t| percent < t);

    let mut o = String::new();
    match a.format {
        Format::Human => {
            for r in &results {
                if r.failures.is_empty() {
                    let _ = writeln!(o, "ok    {}: {}", r.file, r.name);
                } else {
                    let _ = writeln!(o, "FAIL  {}: {}", r.file, r.name);
                    for (f, want, got) in &r.failures {
                        let _ = writeln!(o, "        {f}: expected {want}, got {got}");
                    }
                    for rule in &r.rules {
                        let _ = writeln!(o, "        decided by {rule}");
                    }
                }
            }
            let _ = writeln!(o, "\ncoverage: {covered} of {total} rules and rollout phases exercised ({percent:.0}%)");
            for (_, all, hit) in &coverage {
                for x in all.iter().filter(|x| !hit.contains(*x)) {
                    let _ = writeln!(o, "  not exercised: {x}");
                }
            }
            if below {
                let _ = writeln!(
                    o,
                    "coverage {percent:.0}% is below the threshold of {}%",
                    a.coverage_threshold.unwrap_or(0.0)
                );
            }
            let _ = writeln!(o, "{passed} passed, {failed} failed");
        }
        Format::Json => {
            let v = json!({
                "passed": passed,
                "failed": failed,
                "cases": results.iter().map(|r| json!({
                    "file": r.file,
                    "name": r.name,
                    "ok": r.failures.is_empty(),
                    "failures": r.failures.iter().map(|(f, w, g)| json!({"field": f, "expected": w, "actual": g})).collect::<Vec<_>>(),
                    "rules": r.rules,
                })).collect::<Vec<_>>(),
                "coverage": {
                    "covered": covered,
                    "total": total,
                    "percent": (percent * 10.0).round() / 10.0,
                    "not_exercised": coverage.iter().flat_map(|(_, all, hit)| all.iter().filter(|x| !hit.contains(*x)).cloned().collect::<Vec<_>>()).collect::<Vec<_>>(),
                },
            });
            o = format!("{}\n", super::render::pretty(&v));
        }
        Format::Junit => {
            let esc = super::render::xml_escape;
            let _ = writeln!(o, r#"<?xml version="1.0" encoding="UTF-8"?>"#);
            let _ = writeln!(
                o,
                r#"<testsuites name="mfac" tests="{}" failures="{failed}">"#,
                results.len()
            );
            for f in &files {
                let shown = f.display().to_string();
                let mine: Vec<&Result_> = results.iter().filter(|r| r.file == shown).collect();
                let fails = mine.iter().filter(|r| !r.failures.is_empty()).count();
                let _ = writeln!(
                    o,
                    r#"  <testsuite name="{}" tests="{}" failures="{fails}">"#,
                    esc(&shown),
                    mine.len()
                );
                for r in mine {
                    if r.failures.is_empty() {
                        let _ = writeln!(
                            o,
                            r#"    <testcase classname="{}" name="{}"/>"#,
                            esc(&shown),
                            esc(&r.name)
                        );
                    } else {
                        let msg: Vec<String> = r
                            .failures
                            .iter()
                            .map(|(f, w, g)| format!("{f}: expected {w}, got {g}"))
                            .collect();
                        let _ = writeln!(
                            o,
                            r#"    <testcase classname="{}" name="{}">"#,
                            esc(&shown),
                            esc(&r.name)
                        );
                        let _ = writeln!(
                            o,
                            r#"      <failure message="{}">{}</failure>"#,
                            esc(&msg.join("; ")),
                            esc(&r.rules.join("\n"))
                        );
                        let _ = writeln!(o, "    </testcase>");
                    }
                }
                let _ = writeln!(o, "  </testsuite>");
            }
            let _ = writeln!(o, "</testsuites>");
        }
    }
    out!("{o}");
    Ok(if failed > 0 || below {
        ExitCode::from(1)
    } else {
        ExitCode::SUCCESS
    })
}
