//! `mfac fmt`: rewrite policies in the canonical layout.

use super::{read_source, render, Failure, Outcome};
use mfac::fmt::{format_policy, FmtError};
use std::process::ExitCode;

#[derive(clap::Args)]
#[command(
    about = "Rewrite policies in one canonical layout (comments kept, meaning proven unchanged)",
    after_help = "Examples:\n  mfac fmt policies/\n  mfac fmt --check policies/          # in CI: exit 1 and list files that would change\n  mfac fmt --diff policies/acme.mfa"
)]
pub struct Args {
    /// `.mfa` files or folders
    #[arg(required = true)]
    paths: Vec<String>,
    /// Change nothing: list the files that would change and exit 1 if any
    #[arg(long)]
    check: bool,
    /// Change nothing: print what would change as a unified diff
    #[arg(long)]
    diff: bool,
}

pub fn run(a: Args) -> Outcome {
    let (files, bad) = super::check::policy_files(&a.paths);
    if let Some(f) = bad.into_iter().next() {
        return Err(f);
    }
    let mut changed = Vec::new();
    let mut failed = false;
    for f in &files {
        let source = read_source(f)?;
        let text = match format_policy(&source) {
            Ok(t) => t,
            Err(FmtError::Syntax(d)) => {
                render::human(&d, &mut std::io::stderr());
                eprintln!("{f}: not formatted: it does not parse");
                failed = true;
                continue;
            }
            Err(FmtError::Unsupported) => {
                eprintln!(
                    "{f}: not formatted: the formatter cannot lay out this file (please report it)"
                );
                failed = true;
                continue;
            }
            Err(FmtError::MeaningChanged) => {
                eprintln!("{f}: not formatted: formatting would change its meaning (a formatter bug; please report it)");
                failed = true;
                continue;
            }
        };
        if text == source.text() {
            continue;
        }
        changed.push(f.clone());
        if a.diff {
            let diff = similar::TextDiff::from_lines(source.text(), &text);
            out!(
                "{}",
                diff.unified_diff()
                    .context_radius(2)
                    .header(f, &format!("{f} (formatted)"))
            );
        } else if a.check {
            outln!("{f}");
        } else {
            std::fs::write(f, &text)
                .map_err(|e| Failure::input(format!("cannot write `{f}`: {e}")))?;
            eprintln!("formatted {f}");
        }
    }
    let would_change = (a.check || a.diff) && !changed.is_empty();
    Ok(if failed || would_change {
        ExitCode::from(1)
    } else {
        ExitCode::SUCCESS
    })
}
