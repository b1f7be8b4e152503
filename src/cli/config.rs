//! `mfac.toml` for `mfac check`: the project's settings
//! ([`mfac::project`]), found above each policy or given with `--config`,
//! with its `[directory]` read; a file that cannot be used is an `E025`
//! (or, for its directory, an `E021`), exit 2.

use super::Failure;
use std::path::{Path, PathBuf};
use std::sync::Arc;

/// An `mfac.toml` as `check` uses it.
#[derive(Clone, Default)]
pub struct Config {
    /// The severities, as the checker takes them.
    pub check: mfac::check::config::CheckConfig,
    /// The users of its `[directory]`, read.
    pub directory: Option<Arc<mfac::directory::Directory>>,
}

/// Read an `mfac.toml`, and the directory it names.
pub fn load(path: &Path) -> Result<Config, Failure> {
    let source = super::read_source(&path.display().to_string())?;
    let project = mfac::project::read(&source).map_err(|d| {
        Failure::at(
            &mfac::check::codes::BAD_CONFIG,
            source.clone(),
            d.span,
            d.message,
        )
    })?;
    // Read as `--directory` is, within the same limits on size and content.
    let directory = match &project.directory {
        None => None,
        Some(d) => super::read_directory(&super::DirectoryArgs {
            directory: Some(d.path(path).display().to_string()),
            directory_format: d.format,
            columns: Some(d.columns.clone()),
        })?
        .map(Arc::new),
    };
    Ok(Config {
        check: project.check,
        directory,
    })
}

/// The nearest `mfac.toml` at or above the folder of `policy`.
pub fn find(policy: &str) -> Option<PathBuf> {
    mfac::project::find(Path::new(policy))
}
