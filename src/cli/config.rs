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
use mfac::{Diagnostics, Severity};
use std::collections::BTreeMap;
use std::path::{Path, PathBuf};

#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub enum Level {
    Error,
    Warning,
    Off,
}

#[derive(Clone, Debug, Default)]
pub struct Config {
    severity: BTreeMap<String, Level>,
}

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
    let mut severity = BTreeMap::new();
    for (code, level) in file.severity {
        let check = mfac::check::find(code.get_ref()).ok_or_else(|| {
            bad(
                code.span(),
                format!("`{}` is not a check code", code.get_ref()),
            )
        })?;
        let written = level.span();
        let level = match level.get_ref().as_str() {
            "error" => Level::Error,
            "warning" => Level::Warning,
            "off" => Level::Off,
            other => {
                return Err(bad(
                    level.span(),
                    format!(
                        "`{} = \"{other}\"`: use \"error\", \"warning\" or \"off\"",
                        code.get_ref()
                    ),
                ))
            }
        };
        if check.info.severity == Severity::Error && level != Level::Error {
            return Err(bad(
                written,
                format!("{} is an error and cannot be lowered", check.info.code),
            ));
        }
        severity.insert(check.info.code.to_string(), level);
    }
    Ok(Config { severity })
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

impl Config {
    /// Raise or silence findings as configured.
    pub fn apply(&self, d: &mut Diagnostics) {
        d.items
            .retain_mut(|item| match self.severity.get(item.code) {
                Some(Level::Off) => false,
                Some(Level::Error) => {
                    item.severity = Severity::Error;
                    true
                }
                Some(Level::Warning) | None => true,
            });
    }
}
