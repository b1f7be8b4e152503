//! The open documents: their text as the editor has it, unsaved, and the
//! file each one is.

use crate::position::Lines;
use lsp_types::{TextDocumentContentChangeEvent, Uri};
use std::collections::HashMap;
use std::path::PathBuf;

#[derive(Clone)]
pub struct Document {
    pub version: i32,
    pub text: String,
    /// The file, for `file:` URIs: where `mfac.toml` is looked for, and
    /// the name in findings and replay lines.
    pub path: Option<PathBuf>,
}

impl Document {
    /// The name findings and replay lines use: the file's path (relative
    /// to the folder the editor started the server in, when it is under it,
    /// as `mfac check` run there names it), else the URI.
    pub fn name(&self, uri: &Uri) -> String {
        let Some(path) = &self.path else {
            return uri.as_str().to_string();
        };
        let here = std::env::current_dir().ok();
        let shown = here
            .as_deref()
            .and_then(|h| path.strip_prefix(h).ok())
            .unwrap_or(path);
        shown.display().to_string()
    }

    /// Apply the editor's changes, in order. A change whose range starts
    /// past the end of the text is applied at the end.
    pub fn apply(&mut self, changes: Vec<TextDocumentContentChangeEvent>) {
        for change in changes {
            match change.range {
                None => self.text = change.text,
                Some(range) => {
                    let lines = Lines::new(&self.text);
                    let span = lines.span(range);
                    let (start, end) =
                        span.map_or((self.text.len(), self.text.len()), |s| (s.start, s.end));
                    if self.text.is_char_boundary(start) && self.text.is_char_boundary(end) {
                        self.text.replace_range(start..end, &change.text);
                    }
                }
            }
        }
    }
}

/// The file a `file:` URI names, its path percent-decoded by the URI's
/// own parser.
pub fn path_of(uri: &Uri) -> Option<PathBuf> {
    if !uri
        .scheme()
        .is_some_and(|s| s.as_str().eq_ignore_ascii_case("file"))
    {
        return None;
    }
    let path = uri.path().as_estr().decode().into_string().ok()?;
    Some(PathBuf::from(path.into_owned()))
}

/// The open documents by URI, as text (`Uri` caches its parse inside,
/// which makes it a poor key).
pub type Documents = HashMap<String, Document>;

#[cfg(test)]
mod tests {
    use super::*;
    use lsp_types::{Position, Range};

    fn change(
        range: Option<((u32, u32), (u32, u32))>,
        text: &str,
    ) -> TextDocumentContentChangeEvent {
        TextDocumentContentChangeEvent {
            range: range
                .map(|((a, b), (c, d))| Range::new(Position::new(a, b), Position::new(c, d))),
            range_length: None,
            text: text.to_string(),
        }
    }

    #[test]
    fn ranged_changes_apply_in_order() {
        let mut d = Document {
            version: 1,
            text: "group \"A\" {}\n".into(),
            path: None,
        };
        d.apply(vec![
            change(Some(((0, 11), (0, 11))), " enforcement required "),
            change(Some(((0, 7), (0, 8))), "Admins"),
        ]);
        assert_eq!(d.text, "group \"Admins\" { enforcement required }\n");
        d.apply(vec![change(Some(((9, 0), (9, 0))), "# end\n")]);
        assert!(d.text.ends_with("# end\n"), "past the end: appended");
        d.apply(vec![change(None, "default {}")]);
        assert_eq!(d.text, "default {}");
    }

    #[test]
    fn file_uris_become_paths() {
        let uri: Uri = "file:///work/my%20policies/acme.mfa".parse().unwrap();
        assert_eq!(
            path_of(&uri),
            Some(PathBuf::from("/work/my policies/acme.mfa"))
        );
        let untitled: Uri = "untitled:Untitled-1".parse().unwrap();
        assert_eq!(path_of(&untitled), None);
    }
}
