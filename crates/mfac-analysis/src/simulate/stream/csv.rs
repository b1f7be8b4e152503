//! CSV directory files as a stream: records as bytes into one reused
//! `ByteRecord`, each cell checked as UTF-8 and trimmed as it is read.

use super::{CellRef, Rec, Unbom};
use crate::directory::{Columns, Field};
use std::io::Read;

/// Read every user, calling `each` with it and the bytes read so far;
/// `Ok(false)` where the reference reader refuses the file, or `each` said
/// stop.
pub(super) fn read_users(
    input: impl Read,
    columns: &Columns,
    each: &mut dyn FnMut(Rec<'_>, u64) -> bool,
) -> std::io::Result<bool> {
    let Some((mut reader, roles)) = open_csv(input, columns)? else {
        return Ok(false);
    };
    let mut rec = csv::ByteRecord::new();
    loop {
        match reader.read_byte_record(&mut rec) {
            Ok(true) => {}
            Ok(false) => return Ok(true),
            Err(e) if e.is_io_error() => return Err(io_error(e)),
            Err(_) => return Ok(false),
        }
        let Some(user) = user(&rec, &roles) else {
            return Ok(false);
        };
        if !each(user, rec.position().map_or(0, csv::Position::byte)) {
            return Ok(false);
        }
    }
}

/// A CSV reader past its header, and the field each column holds (`None`:
/// a column that is none of them).
pub(super) type Opened<R> = (csv::Reader<Unbom<R>>, Vec<Option<Field>>);

/// The reader past the header, and each column's role; `None` when the
/// reference reader refuses the header.
pub(super) fn open_csv<R: Read>(input: R, columns: &Columns) -> std::io::Result<Option<Opened<R>>> {
    // No `Trim`: csv trims by building a new record for every row. Each
    // cell is trimmed as it is read instead (the Unicode trim the
    // reference reader's `StringRecord` uses, as `directory::trim` does
    // it: no scan for a cell that starts and ends with visible ASCII).
    let mut reader = csv::ReaderBuilder::new()
        .buffer_capacity(1 << 16)
        .from_reader(Unbom::new(input));
    let headers = match reader.byte_headers() {
        Ok(h) => h.clone(),
        Err(e) if e.is_io_error() => return Err(io_error(e)),
        Err(_) => return Ok(None),
    };
    let mut roles = Vec::with_capacity(headers.len());
    for h in &headers {
        let Ok(h) = std::str::from_utf8(h) else {
            return Ok(None);
        };
        roles.push(columns.field(h.trim()));
    }
    if !roles.contains(&Some(Field::Id)) {
        return Ok(None);
    }
    Ok(Some((reader, roles)))
}

/// One record as a user (a later column of the same field wins, as in the
/// reference reader); `None` for a cell that is not UTF-8 or a column that
/// is none of the fields.
pub(super) fn user<'r>(rec: &'r csv::ByteRecord, roles: &[Option<Field>]) -> Option<Rec<'r>> {
    user_of(
        rec.iter().map(|c| std::str::from_utf8(c).ok()),
        roles,
        false,
    )
}

/// A record's cells (`None`: not UTF-8) as a user, as [`user`] reads them;
/// `None` too for a record not as wide as the header. `ascii`: every cell
/// is known to be ASCII.
pub(super) fn user_of<'r>(
    mut cells: impl Iterator<Item = Option<&'r str>>,
    roles: &[Option<Field>],
    ascii: bool,
) -> Option<Rec<'r>> {
    let mut u = Rec {
        id: "",
        groups: CellRef::Text(""),
        factors: CellRef::Text(""),
        ascii,
    };
    for role in roles {
        let cell = crate::directory::trim(cells.next()??);
        match (*role)? {
            Field::Id => u.id = cell,
            Field::Groups => u.groups = CellRef::Text(cell),
            Field::Factors => u.factors = CellRef::Text(cell),
        }
    }
    cells.next().is_none().then_some(u)
}

/// The reader's own I/O error (a size cap's refusal, say), unwrapped from
/// the CSV error that carries it.
fn io_error(e: csv::Error) -> std::io::Error {
    match e.into_kind() {
        csv::ErrorKind::Io(io) => io,
        other => std::io::Error::other(format!("{other:?}")),
    }
}
