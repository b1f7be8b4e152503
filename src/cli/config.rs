//! `mfac.toml`: per-project severities for `mfac check`.
//!
//! ```toml
//! [severity]
//! W002 = "error"    # raise: fail CI on it
//! W011 = "off"      # silence a warning the team accepts
//! ```
//!
//! Found in the policy's folder or the nearest folder above it, or given with
//! `--config`. Warnings may be raised to errors or turned off; errors cannot
//! be lowered: an error means the policy cannot be trusted to evaluate.

use super::Failure;
use mfac::check::config::{ConfigError, Setting};
use std::collections::BTreeMap;
use std::path::{Path, PathBuf};

/// A project's severities, as the checker takes them.
pub type Config = mfac::check::config::CheckConfig;

#[derive(serde::Deserialize)]
#[serde(deny_unknown_fields)]
struct File {
    #[serde(default)]
    severity: BTreeMap<toml::Spanned<String>, toml::Spanned<String>>,
}

/// Read an `mfac.toml`. What is wrong with it is an `E025` at its place in
/// the file (exit 2): a severity file that is silently ignored would hide
/// the checks the team relies on.
pub fn load(path: &Path) -> Result<Config, Failure> {
    let shown = path.display().to_string();
    let source = super::read_source(&shown)?;
    let bad = |span: std::ops::Range<usize>, message: String| {
        Failure::at(
            &mfac::check::codes::BAD_CONFIG,
            source.clone(),
            mfac::source::Span::new(span.start, span.end),
            format!("`{shown}`: {message}"),
        )
    };
    let file: File = toml::from_str(source.text())
        .map_err(|e| bad(e.span().unwrap_or(0..0), e.message().to_string()))?;
    let mut config = Config::default();
    for (code, level) in file.severity {
        let written = level.span();
        let setting = Setting::from_name(level.get_ref()).ok_or_else(|| {
            bad(
                written.clone(),
                format!(
                    "`{} = \"{}\"`: use \"error\", \"warning\" or \"off\"",
                    code.get_ref(),
                    level.get_ref()
                ),
            )
        })?;
        config.set(code.get_ref(), setting).map_err(|e| {
            let span = match e {
                ConfigError::UnknownCode(_) => code.span(),
                ConfigError::CannotLower(_) => written,
            };
            bad(span, e.to_string())
        })?;
    }
    Ok(config)
}

/// The nearest `mfac.toml` at or above the folder of `policy`.
pub fn find(policy: &str) -> Option<PathBuf> {
    let start = std::path::absolute(policy).ok()?;
    let found = start
        .ancestors()
        .skip(1)
        .map(|d| d.join("mfac.toml"))
        .find(|p| p.is_file())?;
    // Named relative to the working folder where it is under it, as the
    // policies are, so that messages do not depend on where the checkout is.
    let here = std::env::current_dir().ok();
    Some(
        here.and_then(|h| found.strip_prefix(h).ok().map(Path::to_path_buf))
            .unwrap_or(found),
    )
}
