//! Byte offsets (mfac's spans) to LSP positions (line, UTF-16 code unit)
//! and back. LSP counts characters in UTF-16 unless told otherwise, and a
//! character past a line's end means the line's end.

use lsp_types::{Position, Range};
use mfac_core::source::Span;

/// Where each line of a text starts.
pub struct Lines<'t> {
    text: &'t str,
    starts: Vec<usize>,
}

impl<'t> Lines<'t> {
    pub fn new(text: &'t str) -> Self {
        let starts = std::iter::once(0)
            .chain(text.match_indices('\n').map(|(i, _)| i + 1))
            .collect();
        Lines { text, starts }
    }

    /// The position of byte `offset` (clamped to the text, and back to the
    /// start of a character it falls inside).
    pub fn position(&self, offset: usize) -> Position {
        let mut offset = offset.min(self.text.len());
        while !self.text.is_char_boundary(offset) {
            offset -= 1;
        }
        let line = self
            .starts
            .partition_point(|&s| s <= offset)
            .saturating_sub(1);
        let start = self.starts.get(line).copied().unwrap_or(0);
        let character = self
            .text
            .get(start..offset)
            .map_or(0, |s| s.encode_utf16().count());
        Position::new(to_u32(line), to_u32(character))
    }

    pub fn range(&self, span: Span) -> Range {
        Range::new(self.position(span.start), self.position(span.end))
    }

    /// The byte offset of `p`: `None` for a line past the end; a character
    /// past the line's end is the line's end (before its line break).
    pub fn offset(&self, p: Position) -> Option<usize> {
        let start = *self.starts.get(p.line as usize)?;
        let end = self
            .starts
            .get(p.line as usize + 1)
            .map_or(self.text.len(), |&next| next - 1);
        let line = self.text.get(start..end).unwrap_or("");
        let line = line.strip_suffix('\r').unwrap_or(line);
        let mut units = 0u32;
        for (i, c) in line.char_indices() {
            if units >= p.character {
                return Some(start + i);
            }
            units += c.len_utf16() as u32;
        }
        Some(start + line.len())
    }

    /// The byte span of `r`, or `None` when it starts past the end.
    pub fn span(&self, r: Range) -> Option<Span> {
        let start = self.offset(r.start)?;
        let end = self.offset(r.end).unwrap_or(self.text.len()).max(start);
        Some(Span::new(start, end))
    }
}

fn to_u32(n: usize) -> u32 {
    u32::try_from(n).unwrap_or(u32::MAX)
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn utf16_columns_both_ways() {
        // `é` is one UTF-16 unit and two bytes; `𝄞` is two units and four bytes.
        let text = "ab\né𝄞x\r\nlast";
        let l = Lines::new(text);
        let x = text.find('x').unwrap();
        assert_eq!(l.position(x), Position::new(1, 3));
        assert_eq!(l.offset(Position::new(1, 3)), Some(x));
        assert_eq!(l.position(text.len()), Position::new(2, 4));
    }

    #[test]
    fn past_the_end_of_a_line_is_its_end_and_past_the_last_line_is_nothing() {
        let text = "ab\r\ncd";
        let l = Lines::new(text);
        assert_eq!(l.offset(Position::new(0, 99)), Some(2), "before the \\r\\n");
        assert_eq!(l.offset(Position::new(1, 99)), Some(6));
        assert_eq!(l.offset(Position::new(2, 0)), None);
    }

    #[test]
    fn an_offset_inside_a_character_moves_back_to_its_start() {
        let l = Lines::new("é");
        assert_eq!(l.position(1), Position::new(0, 0));
    }
}
