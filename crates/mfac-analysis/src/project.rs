//! `mfac.toml`: a project's settings, read by `mfac check` and `mfac lsp`
//! alike.
//!
//! ```toml
//! [severity]
//! W002 = "error"    # raise: fail CI on it
//! W011 = "off"      # silence a warning the team accepts
//! ```
//!
//! Found in the policy's folder or the nearest folder above it. Warnings
//! may be raised to errors or turned off; errors cannot be lowered: an
//! error means the policy cannot be trusted to evaluate.

use mfac_core::diagnostic::Diagnostic;
use mfac_core::source::{SourceFile, Span};
use mfac_lang::check::codes::BAD_CONFIG;
use mfac_lang::check::config::{CheckConfig, ConfigError, Setting};
use std::collections::BTreeMap;
use std::path::{Path, PathBuf};

#[derive(serde::Deserialize)]
#[serde(deny_unknown_fields)]
struct File {
    #[serde(default)]
    severity: BTreeMap<toml::Spanned<String>, toml::Spanned<String>>,
}

/// Read an `mfac.toml`, named by `source`. What is wrong with it is an
/// `E025` at its place in the file: a severity file that is silently
/// ignored would hide the checks the team relies on.
pub fn read(source: &SourceFile) -> Result<CheckConfig, Box<Diagnostic>> {
    let shown = source.name();
    let bad = |span: std::ops::Range<usize>, message: String| {
        Box::new(Diagnostic::new(
            &BAD_CONFIG,
            Span::new(span.start, span.end),
            format!("`{shown}`: {message}"),
        ))
    };
    let file: File = toml::from_str(source.text())
        .map_err(|e| bad(e.span().unwrap_or(0..0), e.message().to_string()))?;
    let mut config = CheckConfig::default();
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

/// The nearest `mfac.toml` at or above the folder of `policy`, named
/// relative to the working folder where it is under it, as the policies
/// are, so that messages do not depend on where the checkout is.
pub fn find(policy: &Path) -> Option<PathBuf> {
    let start = std::path::absolute(policy).ok()?;
    let found = start
        .ancestors()
        .skip(1)
        .map(|d| d.join("mfac.toml"))
        .find(|p| p.is_file())?;
    let here = std::env::current_dir().ok();
    Some(
        here.and_then(|h| found.strip_prefix(h).ok().map(Path::to_path_buf))
            .unwrap_or(found),
    )
}

#[cfg(test)]
mod tests {
    use super::*;

    fn read_text(text: &str) -> Result<CheckConfig, Box<Diagnostic>> {
        read(&SourceFile::new("mfac.toml", text))
    }

    #[test]
    fn a_warning_raised_and_one_turned_off() {
        let c = read_text("[severity]\nW002 = \"error\"\nW011 = \"off\"\n").unwrap();
        assert!(!c.enabled("W011") && c.enabled("W002"));
    }

    #[test]
    fn each_mistake_points_at_its_place() {
        let cases = [
            ("[severity]\nW002 = \"loud\"\n", "\"loud\""),
            ("[severity]\nW999 = \"off\"\n", "W999"),
            ("[severity]\nE003 = \"off\"\n", "\"off\""),
            ("[seververity]\n", "seververity"),
        ];
        for (text, at) in cases {
            let d = read_text(text).unwrap_err();
            assert_eq!(d.code, BAD_CONFIG.code);
            assert_eq!(&text[d.span.start..d.span.end], at, "{text}: {}", d.message);
        }
    }
}
