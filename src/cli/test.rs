//! `mfac test`: policy unit tests in `*.test.yaml` files beside the policy
//! (`mfac::policy_tests` reads and runs them; this finds the files, loads
//! the policies and renders the results).

use super::{load_policy, Failure, Outcome};
use mfac::policy_tests;
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
    pub(super) format: Format,
    /// Fail when fewer than this percentage of rules and rollout phases are exercised
    #[arg(long, value_name = "PERCENT")]
    coverage_threshold: Option<f64>,
}

#[derive(Clone, Copy, clap::ValueEnum)]
pub(super) enum Format {
    Human,
    Json,
    Junit,
}

/// One case run, with the file it came from.
struct Result_ {
    file: String,
    case: policy_tests::CaseResult,
}

/// `field: expected X, got Y`.
fn mismatch(m: &policy_tests::Mismatch) -> String {
    format!("{}: expected {}, got {}", m.field, m.expected, m.actual)
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

pub fn run(a: Args) -> Outcome {
    let files = test_files(&a.paths)?;
    let mut results: Vec<Result_> = Vec::new();
    // Coverage: per policy file, (rules and phases, those exercised).
    let mut coverage: Vec<(String, Vec<String>, BTreeSet<String>)> = Vec::new();
    for f in &files {
        let shown = f.display().to_string();
        let source = super::read_source(&shown)?;
        // What cannot run is an input error (exit 2), said as the finding says it.
        let cannot_run = |d: mfac::Diagnostics| {
            let message = d
                .items
                .first()
                .map_or_else(String::new, |x| x.message.clone());
            Failure::located(2, message, d)
        };
        let suite = policy_tests::parse(&source).map_err(cannot_run)?;
        let name = shown.trim_end_matches(".test.yaml");
        let policy_path = match &suite.policy {
            Some(p) => f.parent().unwrap_or(Path::new(".")).join(p),
            None => PathBuf::from(format!("{name}.mfa")),
        };
        let policy = load_policy(&policy_path.to_string_lossy())?;
        let all = policy_tests::rules_and_phases(&policy);
        let mut hit = BTreeSet::new();
        let ran = policy_tests::run(&suite, &source, &policy).map_err(cannot_run)?;
        for r in ran {
            hit.extend(r.rules.iter().cloned());
            results.push(Result_ {
                file: shown.clone(),
                case: r,
            });
        }
        coverage.push((policy_path.to_string_lossy().into_owned(), all, hit));
    }

    let failed = results
        .iter()
        .filter(|r| !r.case.failures.is_empty())
        .count();
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
                if r.case.failures.is_empty() {
                    let _ = writeln!(o, "ok    {}: {}", r.file, r.case.name);
                } else {
                    let _ = writeln!(o, "FAIL  {}: {}", r.file, r.case.name);
                    for m in &r.case.failures {
                        let _ = writeln!(o, "        {}", mismatch(m));
                    }
                    for rule in &r.case.rules {
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
            use policy_tests::wire::{CaseRecord, CoverageRecord, MismatchRecord, TestReport};
            let report = TestReport {
                cases: results
                    .iter()
                    .map(|r| CaseRecord {
                        failures: r
                            .case
                            .failures
                            .iter()
                            .map(|m| MismatchRecord {
                                actual: m.actual.clone(),
                                expected: m.expected.clone(),
                                field: m.field.clone(),
                            })
                            .collect(),
                        file: r.file.clone(),
                        name: r.case.name.clone(),
                        ok: r.case.failures.is_empty(),
                        rules: r.case.rules.clone(),
                    })
                    .collect(),
                coverage: CoverageRecord {
                    covered,
                    not_exercised: coverage
                        .iter()
                        .flat_map(|(_, all, hit)| all.iter().filter(|x| !hit.contains(*x)).cloned())
                        .collect(),
                    percent: (percent * 10.0).round() / 10.0,
                    total,
                },
                failed,
                passed,
            };
            let v = serde_json::to_value(report)
                .map_err(|e| Failure::input(format!("cannot write the report: {e}")))?;
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
                let fails = mine.iter().filter(|r| !r.case.failures.is_empty()).count();
                let _ = writeln!(
                    o,
                    r#"  <testsuite name="{}" tests="{}" failures="{fails}">"#,
                    esc(&shown),
                    mine.len()
                );
                for r in mine {
                    if r.case.failures.is_empty() {
                        let _ = writeln!(
                            o,
                            r#"    <testcase classname="{}" name="{}"/>"#,
                            esc(&shown),
                            esc(&r.case.name)
                        );
                    } else {
                        let msg: Vec<String> = r.case.failures.iter().map(mismatch).collect();
                        let _ = writeln!(
                            o,
                            r#"    <testcase classname="{}" name="{}">"#,
                            esc(&shown),
                            esc(&r.case.name)
                        );
                        let _ = writeln!(
                            o,
                            r#"      <failure message="{}">{}</failure>"#,
                            esc(&msg.join("; ")),
                            esc(&r.case.rules.join("\n"))
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
