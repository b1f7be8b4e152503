//! `mfac check PATH...`

use super::{read_directory, read_source, render, DirectoryArgs, Failure, Outcome};
use mfac::check::{check, CheckOptions};
use serde_json::json;
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
    format: Format,
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
}

#[derive(Clone, Copy, clap::ValueEnum)]
enum Format {
    Human,
    Json,
    /// GitHub Actions annotations (`::error file=...::message`)
    Github,
    /// SARIF 2.1.0, for code-scanning dashboards
    Sarif,
}

/// The `.mfa` files under the given paths, sorted, each folder's in order.
pub fn policy_files(paths: &[String]) -> Result<Vec<String>, Failure> {
    let mut out = Vec::new();
    for p in paths {
        let path = Path::new(p);
        if path.is_dir() {
            let found = super::files_under(path, ".mfa")
                .map_err(|e| Failure::input(format!("cannot read folder `{p}`: {e}")))?;
            if found.is_empty() {
                return Err(Failure::input(format!("no `.mfa` files under `{p}`")));
            }
            let mut names: Vec<String> = found
                .iter()
                .map(|f| f.to_string_lossy().into_owned())
                .collect();
            names.sort(); // as text, as check has always listed them
            out.extend(names);
        } else {
            out.push(p.clone());
        }
    }
    Ok(out)
}

pub fn run(a: Args) -> Outcome {
    let today = a
        .today
        .as_deref()
        .map(mfac::time::parse_date)
        .transpose()
        .map_err(|e| Failure::input(format!("--today: {e}")))?;
    let directory = read_directory(&a.directory)?;
    let options = CheckOptions { today, directory };

    let files = policy_files(&a.paths)?;
    let mut results = Vec::new();
    let given = a
        .config
        .as_deref()
        .map(|c| super::config::load(Path::new(c)))
        .transpose()?;
    let mut found: std::collections::BTreeMap<std::path::PathBuf, super::config::Config> =
        Default::default();
    for f in &files {
        let source = read_source(f)?;
        let mut diags = check(&source, &options).diagnostics;
        let config = match (&given, super::config::find(f)) {
            (Some(c), _) => Some(c.clone()),
            (None, Some(path)) => Some(match found.get(&path) {
                Some(c) => c.clone(),
                None => {
                    let c = super::config::load(&path)?;
                    found.insert(path, c.clone());
                    c
                }
            }),
            (None, None) => None,
        };
        if let Some(c) = config {
            c.apply(&mut diags);
        }
        results.push(diags);
    }
    let errors: usize = results.iter().map(|d| d.errors()).sum();
    let warnings: usize = results.iter().map(|d| d.warnings()).sum();

    match a.format {
        Format::Json => {
            let rows: Vec<_> = results.iter().flat_map(|d| d.json_rows()).collect();
            let doc = json!({ "diagnostics": rows, "errors": errors, "warnings": warnings });
            outln!("{}", serde_json::to_string_pretty(&doc).unwrap_or_default());
        }
        Format::Sarif => {
            outln!(
                "{}",
                serde_json::to_string_pretty(&render::sarif(&results)).unwrap_or_default()
            );
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
    Ok(if failed {
        ExitCode::from(1)
    } else {
        ExitCode::SUCCESS
    })
}
