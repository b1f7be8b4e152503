//! `mfac explain CODE`: a check's documentation, from the check registry;
//! `mfac explain PROFILE`: a compliance profile's controls.

use super::{Failure, Outcome};
use std::process::ExitCode;

#[derive(clap::Args)]
#[command(
    about = "Explain a check (what it catches, why it matters, an example and the fix) or a compliance profile (its controls, and what a policy cannot show)",
    after_help = "Examples:\n  mfac explain E013\n  mfac explain disjoint-factors\n  mfac explain pci-dss-4.0\n  mfac explain --markdown > docs/rules.md"
)]
pub struct Args {
    /// A check's code (`E013`) or name (`empty-factors`), an import
    /// finding's (`I002`), or a profile (`pci-dss-4.0`)
    #[arg(required_unless_present = "markdown")]
    code: Option<String>,
    /// Print every check as the markdown page `docs/rules.md`
    #[arg(long, conflicts_with = "code")]
    markdown: bool,
}

pub fn run(a: Args) -> Outcome {
    if a.markdown {
        out!(
            "{}\n{}",
            mfac::check::rules_markdown().trim_end(),
            mfac::bridge::finding::markdown()
        );
        return Ok(ExitCode::SUCCESS);
    }
    let want = a.code.unwrap_or_default();
    if let Some(p) = mfac::profiles::find(&want) {
        out!("{}", mfac::profiles::explain(p));
        return Ok(ExitCode::SUCCESS);
    }
    if let Some(c) = mfac::bridge::finding::find(&want) {
        out!("{}", mfac::bridge::finding::explain(c));
        return Ok(ExitCode::SUCCESS);
    }
    let check = mfac::check::REGISTRY
        .iter()
        .find(|c| c.info.code.eq_ignore_ascii_case(&want) || c.info.name == want)
        .ok_or_else(|| {
            let codes: Vec<&str> = mfac::check::REGISTRY.iter().map(|c| c.info.code).collect();
            Failure::input(format!(
                "no check or profile `{want}`; the codes are {}; the profiles are {}",
                codes.join(", "),
                mfac::profiles::names()
            ))
        })?;
    out!("{}", mfac::check::explain_text(check));
    Ok(ExitCode::SUCCESS)
}
