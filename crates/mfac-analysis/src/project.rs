//! `mfac.toml`: a project's settings, read by `mfac check` and `mfac lsp`
//! alike.
//!
//! ```toml
//! [severity]
//! W002 = "error"    # raise: fail CI on it
//! W011 = "off"      # silence a warning the team accepts
//!
//! [directory]       # the users the directory checks judge (and the
//! file = "acme.users.yaml"   # editor's rule lenses count), relative to
//! format = "yaml"            # this file; format and columns optional
//! columns = "id=email,groups=member_of"
//! ```
//!
//! Found in the policy's folder or the nearest folder above it. Warnings
//! may be raised to errors or turned off; errors cannot be lowered: an
//! error means the policy cannot be trusted to evaluate.

use crate::directory::{Columns, Directory, Format};
use mfac_core::diagnostic::{Diagnostic, Diagnostics};
use mfac_core::source::{SourceFile, Span};
use mfac_lang::check::codes::{BAD_CONFIG, BAD_DIRECTORY};
use mfac_lang::check::config::{CheckConfig, ConfigError, Setting};
use std::collections::BTreeMap;
use std::path::{Path, PathBuf};

#[derive(serde::Deserialize)]
#[serde(deny_unknown_fields)]
struct File {
    #[serde(default)]
    severity: BTreeMap<toml::Spanned<String>, toml::Spanned<String>>,
    directory: Option<toml::Spanned<DirectoryTable>>,
}

#[derive(serde::Deserialize)]
#[serde(deny_unknown_fields)]
struct DirectoryTable {
    file: String,
    format: Option<String>,
    columns: Option<String>,
}

/// What an `mfac.toml` says.
#[derive(Clone, Debug, Default, PartialEq, Eq)]
pub struct Project {
    pub check: CheckConfig,
    pub directory: Option<DirectoryFile>,
}

/// `[directory]`: a directory file, its format and its columns.
#[derive(Clone, Debug, PartialEq, Eq)]
pub struct DirectoryFile {
    /// As written, relative to the `mfac.toml`'s folder.
    pub file: String,
    pub format: Option<Format>,
    pub columns: Columns,
}

impl DirectoryFile {
    /// The file, for an `mfac.toml` at `project`.
    pub fn path(&self, project: &Path) -> PathBuf {
        project.parent().unwrap_or(Path::new("")).join(&self.file)
    }

    /// Read it, for an `mfac.toml` at `project`: the directory, or what is
    /// wrong with it, at its place.
    pub fn read(&self, project: &Path) -> Result<Directory, Diagnostics> {
        let path = self.path(project);
        let shown = path.display().to_string();
        let text = std::fs::read_to_string(&path).map_err(|e| {
            let d = Diagnostic::new(
                &BAD_DIRECTORY,
                Span::default(),
                format!(
                    "cannot read directory `{shown}` named in `{}`: {e}",
                    project.display()
                ),
            );
            Diagnostics::new(SourceFile::new(shown.as_str(), ""), vec![d])
        })?;
        let source = SourceFile::new(shown.as_str(), text);
        let format = self.format.unwrap_or_else(|| Format::from_path(&shown));
        crate::directory::parse_with(&source, format, &self.columns)
    }
}

/// Read an `mfac.toml`, named by `source`. What is wrong with it is an
/// `E025` at its place in the file: a severity file that is silently
/// ignored would hide the checks the team relies on.
pub fn read(source: &SourceFile) -> Result<Project, Box<Diagnostic>> {
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
    let directory = match file.directory {
        None => None,
        Some(d) => {
            let at = d.span();
            let d = d.into_inner();
            let format = d
                .format
                .map(|f| f.parse::<Format>())
                .transpose()
                .map_err(|e| bad(at.clone(), format!("[directory] format: {e}")))?;
            let columns = d
                .columns
                .map(|c| c.parse::<Columns>())
                .transpose()
                .map_err(|e| bad(at.clone(), format!("[directory] columns: {e}")))?
                .unwrap_or_default();
            Some(DirectoryFile {
                file: d.file,
                format,
                columns,
            })
        }
    };
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
    Ok(Project {
        check: config,
        directory,
    })
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
        read(&SourceFile::new("mfac.toml", text)).map(|p| p.check)
    }

    #[test]
    fn a_warning_raised_and_one_turned_off() {
        let c = read_text("[severity]\nW002 = \"error\"\nW011 = \"off\"\n").unwrap();
        assert!(!c.enabled("W011") && c.enabled("W002"));
    }

    #[test]
    fn a_directory_file_relative_to_the_project() {
        let p = read(&SourceFile::new(
            "mfac.toml",
            "[directory]\nfile = \"users.csv\"\ncolumns = \"id=email\"\n",
        ))
        .unwrap();
        let d = p.directory.unwrap();
        assert_eq!(
            d.path(Path::new("policies/mfac.toml")),
            Path::new("policies/users.csv")
        );
        assert_eq!(d.columns.id, "email");
        let bad = read(&SourceFile::new(
            "mfac.toml",
            "[directory]\nfile = \"u\"\nformat = \"xml\"\n",
        ))
        .unwrap_err();
        assert!(
            bad.message.contains("[directory] format"),
            "{}",
            bad.message
        );
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
