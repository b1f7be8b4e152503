//! Per-project severities: raise a warning to an error, or turn it off.
//! Errors can never be lowered: an error means the policy cannot be trusted
//! to evaluate. A check that is off does not run at all (some, like W014,
//! decide every directory user at every date).

use super::find;
use crate::diagnostic::{Diagnostic, Severity};
use std::collections::BTreeMap;

/// What a project says about one check.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub enum Setting {
    Error,
    Warning,
    Off,
}

impl Setting {
    /// `error`, `warning` or `off`, as `mfac.toml` writes it.
    pub fn from_name(name: &str) -> Option<Setting> {
        match name {
            "error" => Some(Setting::Error),
            "warning" => Some(Setting::Warning),
            "off" => Some(Setting::Off),
            _ => None,
        }
    }
}

/// Why a setting was refused.
#[derive(Clone, Debug, PartialEq, Eq)]
pub enum ConfigError {
    /// No check has this code.
    UnknownCode(String),
    /// The check is an error, which cannot be lowered.
    CannotLower(&'static str),
}

impl std::fmt::Display for ConfigError {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        match self {
            ConfigError::UnknownCode(c) => write!(f, "`{c}` is not a check code"),
            ConfigError::CannotLower(c) => write!(f, "{c} is an error and cannot be lowered"),
        }
    }
}

impl std::error::Error for ConfigError {}

/// The checks' severities for one run of the checker.
#[derive(Clone, Debug, Default, PartialEq, Eq)]
pub struct CheckConfig {
    settings: BTreeMap<&'static str, Setting>,
}

impl CheckConfig {
    /// Set one check (by code, in any case); errors cannot be lowered.
    pub fn set(&mut self, code: &str, setting: Setting) -> Result<(), ConfigError> {
        let check = find(code).ok_or_else(|| ConfigError::UnknownCode(code.to_string()))?;
        if check.info.severity == Severity::Error && setting != Setting::Error {
            return Err(ConfigError::CannotLower(check.info.code));
        }
        self.settings.insert(check.info.code, setting);
        Ok(())
    }

    /// Does the check with this code run?
    pub fn enabled(&self, code: &str) -> bool {
        self.settings.get(code) != Some(&Setting::Off)
    }

    /// Raise findings as configured, and drop those of checks turned off
    /// (findings made while parsing, which no setting can stop, included).
    pub fn apply(&self, found: &mut Vec<Diagnostic>) {
        found.retain_mut(|d| match self.settings.get(d.code) {
            Some(Setting::Off) => false,
            Some(Setting::Error) => {
                d.severity = Severity::Error;
                true
            }
            Some(Setting::Warning) | None => true,
        });
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn warnings_can_be_raised_or_silenced_and_errors_never_lowered() {
        let mut c = CheckConfig::default();
        assert_eq!(c.set("w002", Setting::Off), Ok(()));
        assert!(!c.enabled("W002") && c.enabled("W003"));
        assert_eq!(
            c.set("E013", Setting::Warning),
            Err(ConfigError::CannotLower("E013"))
        );
        assert_eq!(c.set("E013", Setting::Error), Ok(()));
        assert_eq!(
            c.set("X1", Setting::Off),
            Err(ConfigError::UnknownCode("X1".into()))
        );
    }
}
