//! `mfac.toml` for `mfac check`: the project's settings
//! ([`mfac::project`]), found above each policy or given with `--config`,
//! and a file that cannot be used as an `E025` (exit 2).

use super::Failure;
use std::path::{Path, PathBuf};

/// A project's severities, as the checker takes them.
pub type Config = mfac::check::config::CheckConfig;

/// Read an `mfac.toml`.
pub fn load(path: &Path) -> Result<Config, Failure> {
    let source = super::read_source(&path.display().to_string())?;
    mfac::project::read(&source).map_err(|d| {
        Failure::at(
            &mfac::check::codes::BAD_CONFIG,
            source.clone(),
            d.span,
            d.message,
        )
    })
}

/// The nearest `mfac.toml` at or above the folder of `policy`.
pub fn find(policy: &str) -> Option<PathBuf> {
    mfac::project::find(Path::new(policy))
}
