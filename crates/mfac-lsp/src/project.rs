//! The `mfac.toml` above a document, as `mfac check` reads it: its
//! severities, and the users of its `[directory]`, kept while the file is
//! unchanged (a directory can be large; a keystroke should not re-read it).

use mfac_analysis::directory::Directory;
use mfac_analysis::project;
use mfac_core::source::SourceFile;
use mfac_lang::check::config::CheckConfig;
use std::collections::HashMap;
use std::path::{Path, PathBuf};
use std::sync::Arc;
use std::time::SystemTime;

/// What applies to one document.
#[derive(Clone, Default)]
pub struct Settings {
    pub check: CheckConfig,
    pub directory: Option<Arc<Directory>>,
}

/// Directories read, by file, with the time they were modified.
#[derive(Default)]
pub struct Directories(HashMap<PathBuf, (Option<SystemTime>, Arc<Directory>)>);

/// The settings for the document at `path`. An `mfac.toml` (or directory)
/// that cannot be used counts as none: `mfac check` reports it, with its
/// place.
pub fn settings(path: &Path, read: &mut Directories) -> Settings {
    let Some(found) = project::find(path) else {
        return Settings::default();
    };
    let Some(p) = std::fs::read_to_string(&found)
        .ok()
        .and_then(|text| project::read(&SourceFile::new(found.display().to_string(), text)).ok())
    else {
        return Settings::default();
    };
    let directory = p.directory.and_then(|d| {
        let file = d.path(&found);
        let modified = std::fs::metadata(&file).and_then(|m| m.modified()).ok();
        match read.0.get(&file) {
            Some((when, dir)) if *when == modified => Some(dir.clone()),
            _ => {
                let dir = Arc::new(d.read(&found).ok()?);
                read.0.insert(file, (modified, dir.clone()));
                Some(dir)
            }
        }
    });
    Settings {
        check: p.check,
        directory,
    }
}
