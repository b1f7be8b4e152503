//! One version of a document, parsed once (past its syntax errors), for
//! every request about that version.

use crate::names::{self, Occurrence};
use crate::position::Lines;
use mfac_core::source::SourceFile;
use mfac_lang::syntax::Read;

pub struct View {
    pub version: i32,
    pub name: String,
    pub text: String,
    /// The syntax tree of the items that parse, and the tokens.
    pub read: Option<Read>,
    pub names: Vec<Occurrence>,
}

impl View {
    pub fn new(version: i32, name: String, text: String) -> View {
        let recovered =
            mfac_lang::syntax::read_recovering(&SourceFile::new(name.as_str(), text.as_str()));
        let names = recovered
            .read
            .as_ref()
            .map(|r| names::occurrences(&r.file, &text))
            .unwrap_or_default();
        View {
            version,
            name,
            text,
            read: recovered.read,
            names,
        }
    }

    pub fn lines(&self) -> Lines<'_> {
        Lines::new(&self.text)
    }

    /// The name written at `offset`.
    pub fn name_at(&self, offset: usize) -> Option<&Occurrence> {
        names::at(&self.names, offset)
    }
}
