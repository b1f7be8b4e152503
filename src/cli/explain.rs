//! `mfac explain CODE`: a check's documentation, from the check registry.

use super::{Failure, Outcome};
use std::process::ExitCode;

#[derive(clap::Args)]
#[command(
    about = "Explain a check: what it catches, why it matters, an example and the fix",
    after_help = "Examples:\n  mfac explain E013\n  mfac explain disjoint-factors\n  mfac explain --markdown > docs/rules.md"
)]
pub struct Args {
    /// A check's code (`E013`) or name (`empty-factors`)
    #[arg(required_unless_present = "markdown")]
    code: Option<String>,
    /// Print every check as the markdown page `docs/rules.md`
    #[arg(long, conflicts_with = "code")]
    markdown: bool,
}

pub fn run(a: Args) -> Outcome {
    if a.markdown {
        out!("{}", mfac::check::rules_markdown());
        return Ok(ExitCode::SUCCESS);
    }
    let want = a.code.unwrap_or_default();
    let check = mfac::check::REGISTRY
        .iter()
        .find(|c| c.info.code.eq_ignore_ascii_case(&want) || c.info.name == want)
        .ok_or_else(|| {
            let codes: Vec<&str> = mfac::check::REGISTRY.iter().map(|c| c.info.code).collect();
            Failure::input(format!(
                "no check `{want}`; the codes are {}",
                codes.join(", ")
            ))
        })?;
    out!("{}", mfac::check::explain_text(check));
    Ok(ExitCode::SUCCESS)
}
