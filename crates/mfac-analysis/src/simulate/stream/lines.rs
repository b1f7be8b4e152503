//! A block of CSV that is all ASCII and quotes nothing, read without the
//! CSV reader: there, a record is a run of bytes between line ends and
//! its cells are split at commas, so the cells can be borrowed from the
//! block as they stand. The CSV reader copies every cell into its record
//! first, and each cell is then checked as UTF-8 again; here the block was
//! checked once, and its names need no NFC check (ASCII is NFC).
//!
//! The CSV reader's rules, for such text, are these: `\n` and `\r` each end
//! a record (so `\r\n` does, and a lone `\r`), and a line end where a record
//! would start is skipped, so blank lines are no records.

use super::csv::user_of;
use super::Rec;
use crate::bytes::first_of;
use crate::directory::Field;

/// Each record of `text` (ASCII, no `"`) as a user, as
/// [`super::parallel`]'s CSV reader would read it; `false` where a record
/// does not read as a user or `each` said stop.
pub(super) fn each_user(
    text: &str,
    roles: &[Option<Field>],
    each: &mut dyn FnMut(Rec<'_>) -> bool,
) -> bool {
    let bytes = text.as_bytes();
    let mut cells: Vec<&str> = Vec::with_capacity(roles.len());
    let (mut start, mut at) = (0, 0);
    loop {
        let end = bytes
            .get(at..)
            .and_then(|rest| first_of(rest, b",\n\r"))
            .map_or(bytes.len(), |i| at + i);
        let stop = bytes.get(end).copied();
        let Some(cell) = text.get(start..end) else {
            return false;
        };
        cells.push(cell);
        (start, at) = (end + 1, end + 1);
        if stop == Some(b',') {
            continue;
        }
        // A line end or the block's end: a record, unless the line was
        // blank (one empty cell where a record would have started).
        let blank = matches!(cells.as_slice(), [""]);
        if !blank {
            let user = user_of(cells.drain(..).map(Some), roles, true);
            if !user.is_some_and(&mut *each) {
                return false;
            }
        }
        cells.clear();
        if stop.is_none() {
            return true;
        }
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::simulate::stream::CellRef;

    /// Records as (id, groups) pairs; `None`: refused.
    type Read = Option<Vec<(String, String)>>;

    /// The records read both ways: by hand, and by the CSV reader the
    /// parallel path used before.
    fn both(text: &str) -> (Read, Read) {
        let roles = [Some(Field::Id), Some(Field::Groups)];
        let read = |rec: Rec<'_>, out: &mut Vec<(String, String)>| {
            let CellRef::Text(g) = rec.groups else {
                return false;
            };
            out.push((rec.id.to_string(), g.to_string()));
            true
        };
        let mut ours = Vec::new();
        let ours = each_user(text, &roles, &mut |r| read(r, &mut ours)).then_some(ours);
        let mut reader = ::csv::ReaderBuilder::new()
            .has_headers(false)
            .flexible(true)
            .from_reader(text.as_bytes());
        let mut theirs = Vec::new();
        let mut ok = true;
        for rec in reader.byte_records() {
            let Ok(rec) = rec else {
                ok = false;
                break;
            };
            match crate::simulate::stream::csv::user(&rec, &roles) {
                Some(u) if read(u, &mut theirs) => {}
                _ => {
                    ok = false;
                    break;
                }
            }
        }
        (ours, ok.then_some(theirs))
    }

    #[test]
    fn records_are_read_as_the_csv_reader_reads_them() {
        for text in [
            "",
            "a,g",
            "a,g\n",
            "a,g\r\nb,h\r\n",
            "a,g\rb,h\r",
            "\n\n a , g;h \n\r\n\rb,\n",
            "a,g\n\nb,h",
            "a,g,x\n",
            "a\n",
            "a,g\n,\n",
            " ,\n",
            "abcdefghijklmnop,qrstuvwxyz0123456789;abcdefgh\nb,c",
            "abcdefg,\nabcdefgh,\r\nabcdefghi,j",
        ] {
            let (ours, theirs) = both(text);
            assert_eq!(ours, theirs, "{text:?}");
        }
    }
}
