//! `mfac compile POLICY [-o OUT.json]`

use super::{check_source, read_source, Failure, Outcome};
use mfac::{Compile as _, Policy};
use std::process::ExitCode;

#[derive(clap::Args)]
#[command(
    about = "Compile a policy into the evaluator's tables (versioned JSON)",
    after_help = "Examples:\n  mfac compile policies/acme.mfa -o acme.json\n  mfac eval acme.json --user anita@acme.test --group Administrators"
)]
pub struct Args {
    /// The `.mfa` policy file
    policy: String,
    /// Write the compiled policy here instead of standard output
    #[arg(short, long, value_name = "OUT.json")]
    output: Option<String>,
}

pub fn run(a: Args) -> Outcome {
    let source = read_source(&a.policy)?;
    let checked = check_source(&source)?;
    // Never write an empty or partial file: a serialisation failure is an error.
    let json = Policy::from_checked(&checked)
        .to_json()
        .map_err(|e| Failure::input(format!("cannot serialise `{}`: {e}", a.policy)))?;
    match &a.output {
        Some(path) => {
            std::fs::write(path, json + "\n")
                .map_err(|e| Failure::input(format!("cannot write `{path}`: {e}")))?;
            let plural = |n: usize, one: &str, many: &str| {
                format!("{n} {}", if n == 1 { one } else { many })
            };
            eprintln!(
                "compiled {} -> {path} ({}, {})",
                a.policy,
                plural(checked.rules.len(), "rule", "rules"),
                plural(checked.phase_dates().len(), "rollout date", "rollout dates")
            );
        }
        None => outln!("{json}"),
    }
    Ok(ExitCode::SUCCESS)
}
