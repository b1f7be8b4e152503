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
    severity: BTreeMap<String, String>,
}

pub fn load(path: &Path) -> Result<Config, Failure> {
    let shown = path.display();
    let text = std::fs::read_to_string(path)
        .map_err(|e| Failure::input(format!("cannot read `{shown}`: {e}")))?;
    let file: File =
        toml::from_str(&text).map_err(|e| Failure::input(format!("`{shown}`: {}", e.message())))?;
    let mut severity = BTreeMap::new();
    for (code, level) in file.severity {
        let check = mfac::check::find(&code)
            .ok_or_else(|| Failure::input(format!("`{shown}`: `{code}` is not a check code")))?;
        let level = match level.as_str() {
            "error" => Level::Error,
            "warning" => Level::Warning,
            "off" => Level::Off,
            other => {
                return Err(Failure::input(format!(
                    "`{shown}`: `{code} = \"{other}\"`: use \"error\", \"warning\" or \"off\""
                )))
            }
        };
        if check.info.severity == Severity::Error && level != Level::Error {
            return Err(Failure::input(format!(
                "`{shown}`: {code} is an error and cannot be lowered"
            )));
        }
        severity.insert(check.info.code.to_string(), level);
    }
    Ok(Config { severity })
}

/// The nearest `mfac.toml` at or above the folder of `policy`.
pub fn find(policy: &str) -> Option<PathBuf> {
    let start = std::path::absolute(policy).ok()?;
    start
        .ancestors()
        .skip(1)
        .map(|d| d.join("mfac.toml"))
        .find(|p| p.is_file())
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
