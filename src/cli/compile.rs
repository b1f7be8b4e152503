//! `mfac compile POLICY [-o OUT.json]`

use super::{read_source, render, Failure, Outcome};
use mfac::check::{check, CheckOptions};
use mfac::Policy;
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
    let outcome = check(&source, &CheckOptions::default());
    let Some(checked) = outcome.policy else {
        render::human(&outcome.diagnostics, &mut std::io::stderr());
        return Err(Failure {
            code: 1,
            message: format!(
                "`{}` has {}; nothing compiled",
                a.policy,
                render::plural(outcome.diagnostics.errors(), "error")
            ),
        });
    };
    let json = Policy::from_checked(&checked).to_json();
    match &a.output {
        Some(path) => {
            std::fs::write(path, json + "\n")
                .map_err(|e| Failure::input(format!("cannot write `{path}`: {e}")))?;
            eprintln!(
                "compiled {} -> {path} ({} rules, {} rollout phases)",
                a.policy,
                checked.rules.len(),
                checked.phase_dates().len()
            );
        }
        None => println!("{json}"),
    }
    Ok(ExitCode::SUCCESS)
}
