//! `mfac check PATH...`

use super::{read_directory, read_source, render, DirectoryArgs, Failure, Outcome};
use mfac::check::{check, CheckOptions};
use std::path::Path;
use std::process::ExitCode;

#[derive(clap::Args)]
#[command(
    about = "Check policy files for errors and risky settings",
    after_help = "Examples:\n  mfac check policies/\n  mfac check policies/acme.mfa --today 2026-12-01 --directory policies/acme.users.yaml\n  mfac check policies/ --format json --deny-warnings"
)]
pub struct Args {
    /// Policy files, or folders searched for `*.mfa` files
    #[arg(required = true, value_name = "PATH")]
    paths: Vec<String>,
    #[arg(long, value_enum, default_value_t = Format::Human)]
    pub(super) format: Format,
    /// The date exemption checks measure from, as `2026-12-15` (default: today in each policy's timezone)
    #[arg(long, value_name = "DATE")]
    today: Option<String>,
    /// Fail (exit 1) on warnings as well as errors
    #[arg(long)]
    deny_warnings: bool,
    /// A directory of users, for the checks that need real users
    #[command(flatten)]
    directory: DirectoryArgs,
    /// Severities per check (default: the nearest `mfac.toml` at or above each policy)
    #[arg(long, value_name = "FILE")]
    config: Option<String>,
    /// Apply a compliance profile, as a `comply` line would: `cisa-scuba-aad`,
    /// `maester`, `nist-800-63b { aal3 for privileged }`, `pci-dss-4.0 { cde app "Payments" }`
    #[arg(long = "profile", value_name = "PROFILE")]
    profiles: Vec<String>,
    /// The most distinct combinations of groups one proof keeps before it
    /// gives up, and the property is reported not proven (E029, E033, E035)
    #[arg(long, value_name = "N", default_value_t = mfac::prove::PROOF_LIMIT as u64,
          value_parser = clap::value_parser!(u64).range(1..))]
    proof_limit: u64,
}

#[derive(Clone, Copy, clap::ValueEnum)]
pub(super) enum Format {
    Human,
    Json,
    /// GitHub Actions annotations (`::error file=...::message`)
    Github,
    /// SARIF 2.1.0, for code-scanning dashboards
    Sarif,
}

/// The `.mfa` files under the given paths, sorted, each folder's in order.
/// A folder that cannot be read or holds no policy is an `E023` among the
/// rest, so that one bad path does not hide every other file's findings.
pub fn policy_files(paths: &[String]) -> (Vec<String>, Vec<Failure>) {
    let mut out = Vec::new();
    let mut bad = Vec::new();
    let folder_failure = |p: &str, message: String| {
        Failure::at(
            &mfac::check::codes::UNREADABLE_FILE,
            mfac::SourceFile::new(p, ""),
            Default::default(),
            message,
        )
    };
    for p in paths {
        let path = Path::new(p);
        if path.is_dir() {
            match super::files_under(path, ".mfa") {
                Err(e) => bad.push(folder_failure(p, format!("cannot read folder `{p}`: {e}"))),
                Ok(found) if found.is_empty() => {
                    bad.push(folder_failure(p, format!("no `.mfa` files under `{p}`")));
                }
                Ok(found) => {
                    let mut names: Vec<String> = found
                        .iter()
                        .map(|f| f.to_string_lossy().into_owned())
                        .collect();
                    names.sort(); // as text, as check has always listed them
                    out.extend(names);
                }
            }
        } else {
            out.push(p.clone());
        }
    }
    (out, bad)
}

pub fn run(a: Args) -> Outcome {
    let today = a
        .today
        .as_deref()
        .map(mfac::time::parse_date)
        .transpose()
        .map_err(|e| Failure::input(format!("--today: {e}")))?;
    let profiles = a
        .profiles
        .iter()
        .map(|p| {
            mfac::check::profile_arg(p).map_err(|e| Failure::input(format!("--profile {p:?}: {e}")))
        })
        .collect::<Result<Vec<_>, _>>()?;
    // Every input problem becomes diagnostics among the rest: the other
    // files are still checked, and the exit code is 2.
    let mut results: Vec<mfac::Diagnostics> = Vec::new();
    let mut unreadable = 0usize;
    let mut note = |f: Failure, results: &mut Vec<mfac::Diagnostics>| {
        unreadable += 1;
        // On stderr too, one line each, for a script that only reads why
        // the exit code is 2.
        for d in &f.found {
            eprint!("{d}");
        }
        results.extend(f.found);
    };
    let directory = match read_directory(&a.directory) {
        Ok(d) => d,
        Err(f) => {
            note(f, &mut results);
            None
        }
    };
    let directory = directory.map(std::sync::Arc::new);

    let (files, bad_paths) = policy_files(&a.paths);
    for f in bad_paths {
        note(f, &mut results);
    }
    let given = match a
        .config
        .as_deref()
        .map(|c| super::config::load(Path::new(c)))
    {
        Some(Err(f)) => {
            note(f, &mut results);
            None
        }
        Some(Ok(c)) => Some(c),
        None => None,
    };
    let mut found: std::collections::BTreeMap<std::path::PathBuf, Option<super::config::Config>> =
        Default::default();
    let mut controls = Vec::new();
    for f in &files {
        let source = match read_source(f) {
            Ok(s) => s,
            Err(fail) => {
                note(fail, &mut results);
                continue;
            }
        };
        // The severities go into the checker, so a check turned off does not run.
        let config = match (&given, super::config::find(f)) {
            (Some(c), _) => Some(c.clone()),
            (None, Some(path)) => match found.get(&path) {
                Some(c) => c.clone(),
                None => {
                    let c = match super::config::load(&path) {
                        Ok(c) => Some(c),
                        Err(fail) => {
                            note(fail, &mut results);
                            None
                        }
                    };
                    found.insert(path, c.clone());
                    c
                }
            },
            (None, None) => None,
        };
        let config = config.unwrap_or_default();
        let options = CheckOptions {
            today,
            // `--directory` wins over the project's `[directory]`.
            directory: directory.clone().or(config.directory),
            config: config.check,
            profiles: profiles.clone(),
            proof_limit: Some(usize::try_from(a.proof_limit).unwrap_or(usize::MAX)),
            memo: None,
        };
        let outcome = check(&source, &options);
        controls.extend(
            outcome
                .controls
                .iter()
                .map(|c| mfac::diagnostic::ControlRow {
                    control: c.control.to_string(),
                    file: source.name().to_string(),
                    profile: c.profile.to_string(),
                    result: c.result.name().to_string(),
                    title: c.title.to_string(),
                }),
        );
        results.push(outcome.diagnostics);
    }
    let errors: usize = results.iter().map(|d| d.errors()).sum();
    let warnings: usize = results.iter().map(|d| d.warnings()).sum();

    match a.format {
        Format::Json => {
            let rows: Vec<_> = results.iter().flat_map(|d| d.json_rows()).collect();
            let mut report = mfac::diagnostic::CheckReport::new(rows);
            report.controls = controls;
            let doc = serde_json::to_value(report)
                .map_err(|e| Failure::input(format!("cannot write the report: {e}")))?;
            outln!("{}", super::render::pretty(&doc));
        }
        Format::Sarif => {
            outln!("{}", super::render::pretty(&render::sarif(&results)));
        }
        Format::Github => {
            for d in &results {
                out!("{}", render::github(d));
            }
            outln!(
                "checked {}: {}, {}",
                render::plural(files.len(), "file"),
                render::plural(errors, "error"),
                render::plural(warnings, "warning")
            );
        }
        Format::Human => {
            let mut stdout = std::io::stdout();
            for d in &results {
                render::human(d, &mut stdout);
            }
            outln!(
                "checked {}: {}, {}",
                render::plural(files.len(), "file"),
                render::plural(errors, "error"),
                render::plural(warnings, "warning")
            );
        }
    }
    let failed = errors > 0 || (a.deny_warnings && warnings > 0);
    Ok(if unreadable > 0 {
        ExitCode::from(2)
    } else if failed {
        ExitCode::from(1)
    } else {
        ExitCode::SUCCESS
    })
}
