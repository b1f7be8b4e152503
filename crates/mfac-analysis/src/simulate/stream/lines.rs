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
            .and_then(next_stop)
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

/// Where the first `,`, `\n` or `\r` of `b` is, looked for eight bytes at
/// a time (the cells are some tens of bytes: a group list is a hundred).
fn next_stop(b: &[u8]) -> Option<usize> {
    const ONES: u64 = u64::from_le_bytes([1; 8]);
    let spread = |c: u8| ONES * u64::from(c);
    // The lowest byte of `x` that is zero has its top bit set here (bytes
    // above it may be flagged falsely by the borrow; the lowest is exact).
    let zero = |x: u64| x.wrapping_sub(ONES) & !x & spread(0x80);
    let mut words = b.chunks_exact(8);
    let mut at = 0;
    for w in &mut words {
        let mut eight = [0u8; 8];
        eight.copy_from_slice(w);
        let x = u64::from_le_bytes(eight);
        let hits = zero(x ^ spread(b',')) | zero(x ^ spread(b'\n')) | zero(x ^ spread(b'\r'));
        if hits != 0 {
            return Some(at + hits.trailing_zeros() as usize / 8);
        }
        at += 8;
    }
    words
        .remainder()
        .iter()
        .position(|&c| matches!(c, b',' | b'\n' | b'\r'))
        .map(|i| at + i)
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

    #[test]
    fn the_first_stop_is_found_wherever_it_falls() {
        for len in 0..20 {
            for at in 0..=len {
                let mut b = vec![b'x'; len];
                if let Some(c) = b.get_mut(at) {
                    *c = b',';
                }
                let want = (at < len).then_some(at);
                assert_eq!(next_stop(&b), want, "{len} {at}");
                if let Some(c) = b.get_mut(at) {
                    *c = b'\r';
                    assert_eq!(next_stop(&b), want);
                }
            }
        }
        assert_eq!(next_stop(b"abc,def\ng"), Some(3));
        assert_eq!(next_stop(b"abcdefghij\r,"), Some(10));
        // Bytes one off a stop's value are not stops.
        assert_eq!(next_stop(&[0x2d, 0x2b, b'x', b',', 0, 0, 0, 0]), Some(3));
    }
}
