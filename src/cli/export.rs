//! `mfac export entra`: the rules in force at one instant as Entra
//! Conditional Access policies, refused where Entra cannot say them, and
//! checked by importing them back.

use super::{load_policy, Failure, Outcome};
use std::path::PathBuf;
use std::process::ExitCode;

#[derive(clap::Args)]
#[command(about = "Export a .mfa policy to an identity provider's format")]
pub struct Args {
    #[command(subcommand)]
    pub provider: Provider,
}

#[derive(clap::Subcommand)]
pub enum Provider {
    Entra(EntraArgs),
}

#[derive(Clone, Copy, clap::ValueEnum)]
pub enum Format {
    Human,
    Json,
}

/// `mfac export entra`
#[derive(clap::Args)]
#[command(
    about = "Export as Microsoft Entra Conditional Access policies (Graph v1.0 JSON)",
    after_help = "Examples:\n  mfac export entra tenant.mfa --at 2026-12-15 --groups ./Groups -o ./ConditionalAccess\n\nOne conditionalAccessPolicy JSON per rule in force at TIME, and an\nauthenticationStrengthPolicy JSON (id `mfac-strength:NAME`, which the\ndeploy step replaces with the id Graph assigns) per factor set that is not a\nbuilt-in strength. What Entra cannot express is refused (exit 1), never\napproximated; before writing anything the export imports its own output and\nproves it means the same at TIME, both ways."
)]
pub struct EntraArgs {
    /// The policy (`.mfa`)
    #[arg(value_name = "POLICY")]
    policy: String,
    /// The instant whose rules are exported (rollout phases resolved);
    /// now by default
    #[arg(long, value_name = "TIME")]
    at: Option<String>,
    /// Graph `group` (and `user`) objects, to turn names into ids
    #[arg(long, value_name = "PATH")]
    groups: Vec<PathBuf>,
    /// Graph `servicePrincipal` or `application` objects, for app ids
    #[arg(long, value_name = "PATH")]
    apps: Vec<PathBuf>,
    /// The directory to write the JSON files into
    #[arg(short = 'o', long = "output", value_name = "DIR")]
    output: PathBuf,
    #[arg(long, value_enum, default_value_t = Format::Human)]
    format: Format,
}

pub fn run(a: Args) -> Outcome {
    match a.provider {
        Provider::Entra(a) => entra(a),
    }
}

fn entra(a: EntraArgs) -> Outcome {
    use mfac::bridge::entra::export;
    let policy = load_policy(&a.policy)?;
    let at = match &a.at {
        Some(t) => mfac::time::parse_instant(t, policy.timezone())
            .map_err(|e| Failure::input(format!("--at {t}: {e}")))?,
        None => jiff::Timestamp::now(),
    };
    let read = super::import::read;
    let ids = mfac::bridge::entra::Names::from(&read(&a.groups)?, &read(&a.apps)?);
    let refused = |reasons: Vec<String>| -> Outcome {
        match a.format {
            Format::Human => {
                for r in &reasons {
                    outln!("refused: {r}");
                }
                outln!("nothing written: Entra cannot say what the policy says");
            }
            Format::Json => out!(
                "{}\n",
                super::render::pretty(
                    &serde_json::json!({"files": [], "refused": reasons, "warnings": []})
                )
            ),
        }
        Ok(ExitCode::from(1))
    };
    let out = match export::export(&policy, at, &ids) {
        Ok(out) => out,
        Err(export::Refused(reasons)) => return refused(reasons),
    };
    if let Err(why) = export::self_check(&policy, &out.files, &ids, at) {
        return refused(vec![format!(
            "the export does not mean what the policy means: {why}"
        )]);
    }
    std::fs::create_dir_all(&a.output)
        .map_err(|e| Failure::input(format!("cannot create `{}`: {e}", a.output.display())))?;
    let mut written = Vec::new();
    for (name, value) in &out.files {
        let path = a.output.join(name);
        let text = format!("{}\n", super::render::pretty(value));
        std::fs::write(&path, text)
            .map_err(|e| Failure::input(format!("cannot write `{}`: {e}", path.display())))?;
        written.push(path.display().to_string());
    }
    match a.format {
        Format::Human => {
            for w in &out.warnings {
                outln!("warning: {w}");
            }
            outln!(
                "wrote {} to {} (proven to mean the same at {})",
                super::render::plural(written.len(), "file"),
                a.output.display(),
                mfac::time::format_instant(at, policy.timezone())
            );
        }
        Format::Json => out!(
            "{}\n",
            super::render::pretty(
                &serde_json::json!({"files": written, "refused": [], "warnings": out.warnings})
            )
        ),
    }
    Ok(ExitCode::SUCCESS)
}
