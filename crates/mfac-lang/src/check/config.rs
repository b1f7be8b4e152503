//! Per-project severities: raise a warning to an error, or turn it off.
//! Errors can never be lowered: an error means the policy cannot be trusted
//! to evaluate. A check that is off does not run at all (some, like W014,
//! decide every directory user at every date). Checks outside the `stable`
//! group are off until a project turns them on, by code or by group; a
//! setting by code wins over one by group.

use super::{find, Group, REGISTRY};
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
    /// No check has this code, and no group this name.
    UnknownCode(String),
    /// The check is an error, which cannot be lowered.
    CannotLower(&'static str),
}

impl std::fmt::Display for ConfigError {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        match self {
            ConfigError::UnknownCode(c) => write!(
                f,
                "`{c}` is not a check code or a group (stable, pedantic, preview)"
            ),
            ConfigError::CannotLower(c) => write!(f, "{c} is an error and cannot be lowered"),
        }
    }
}

impl std::error::Error for ConfigError {}

/// The checks' severities for one run of the checker.
#[derive(Clone, Debug, Default, PartialEq, Eq)]
pub struct CheckConfig {
    settings: BTreeMap<&'static str, Setting>,
    groups: BTreeMap<Group, Setting>,
}

impl CheckConfig {
    /// Set one check (by code, in any case) or a whole group (by name);
    /// errors cannot be lowered, so a group with errors in it can only be
    /// raised.
    pub fn set(&mut self, code: &str, setting: Setting) -> Result<(), ConfigError> {
        if let Some(group) = Group::from_name(code) {
            let error = REGISTRY
                .iter()
                .find(|c| c.group == group && c.info.severity == Severity::Error);
            if let (Some(c), false) = (error, setting == Setting::Error) {
                return Err(ConfigError::CannotLower(c.info.code));
            }
            self.groups.insert(group, setting);
            return Ok(());
        }
        let check = find(code).ok_or_else(|| ConfigError::UnknownCode(code.to_string()))?;
        if check.info.severity == Severity::Error && setting != Setting::Error {
            return Err(ConfigError::CannotLower(check.info.code));
        }
        self.settings.insert(check.info.code, setting);
        Ok(())
    }

    /// What applies to the check with this code: its own setting, else its
    /// group's, else as registered (off outside the stable group).
    fn setting(&self, code: &str) -> Setting {
        if let Some(s) = self.settings.get(code) {
            return *s;
        }
        let Some(check) = find(code) else {
            return Setting::Warning;
        };
        match self.groups.get(&check.group) {
            Some(s) => *s,
            None if check.group.on_by_default() => Setting::Warning,
            None => Setting::Off,
        }
    }

    /// Only the checks that can refuse a policy, the errors: for commands
    /// that evaluate a policy and show no warnings unless it is refused
    /// (`eval`, `simulate`, `diff`). Some warnings prove things (W012's
    /// shadowed rules) and cost more than a large policy's parse.
    pub fn errors_only() -> CheckConfig {
        let mut c = CheckConfig::default();
        for check in REGISTRY {
            if check.info.severity != Severity::Error {
                c.settings.insert(check.info.code, Setting::Off);
            }
        }
        c
    }

    /// Does the check with this code run?
    pub fn enabled(&self, code: &str) -> bool {
        self.setting(code) != Setting::Off
    }

    /// Raise findings as configured, and drop those of checks turned off
    /// (findings made while parsing, which no setting can stop, included).
    pub fn apply(&self, found: &mut Vec<Diagnostic>) {
        found.retain_mut(|d| match self.setting(d.code) {
            Setting::Off => false,
            Setting::Error => {
                d.severity = Severity::Error;
                true
            }
            Setting::Warning => true,
        });
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn errors_only_runs_every_error_and_no_warning() {
        let c = CheckConfig::errors_only();
        assert!(REGISTRY
            .iter()
            .any(|k| k.info.severity == Severity::Warning));
        for k in REGISTRY {
            assert_eq!(
                c.enabled(k.info.code),
                k.info.severity == Severity::Error,
                "{}",
                k.info.code
            );
        }
    }

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

    #[test]
    fn pedantic_checks_run_only_when_turned_on_by_code_or_group() {
        let mut c = CheckConfig::default();
        assert!(!c.enabled("W018") && c.enabled("W002"));
        assert_eq!(c.set("pedantic", Setting::Warning), Ok(()));
        assert!(c.enabled("W018"));
        // By code wins over by group, whatever the order.
        assert_eq!(c.set("W018", Setting::Off), Ok(()));
        assert_eq!(c.set("Pedantic", Setting::Error), Ok(()));
        assert!(!c.enabled("W018"));
        // The stable group holds errors: it can be raised, never lowered.
        assert_eq!(
            c.set("stable", Setting::Off),
            Err(ConfigError::CannotLower("E001"))
        );
        assert_eq!(c.set("stable", Setting::Error), Ok(()));
        let mut found = vec![Diagnostic::new(
            &crate::check::checks::shadowed_rule::INFO,
            crate::source::Span::default(),
            "m",
        )];
        c.apply(&mut found);
        assert_eq!(found.first().map(|d| d.severity), Some(Severity::Error));
    }
}
