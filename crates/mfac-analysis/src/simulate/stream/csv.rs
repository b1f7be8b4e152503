//! CSV directory files as a stream: records as bytes into one reused
//! `ByteRecord`, each cell checked as UTF-8 and trimmed as it is read.

use super::{CellRef, Rec, Unbom};
use crate::directory::Columns;
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
            Err(e) if e.is_io_error() => return Err(std::io::Error::other(e)),
            Err(_) => return Ok(false),
        }
        let Some(f) = fields(&rec, &roles) else {
            return Ok(false);
        };
        let user = Rec {
            id: f.id,
            groups: CellRef::Text(f.groups),
            factors: CellRef::Text(f.factors),
        };
        if !each(user, rec.position().map_or(0, csv::Position::byte)) {
            return Ok(false);
        }
    }
}

/// What each CSV column is.
#[derive(Clone, Copy, PartialEq, Eq)]
enum Role {
    Id,
    Groups,
    Factors,
    Other,
}

/// A CSV reader past its header, and each column's role.
type Opened<R> = (csv::Reader<Unbom<R>>, Vec<Role>);

/// The reader past the header, and each column's role; `None` when the
/// reference reader refuses the header.
fn open_csv<R: Read>(input: R, columns: &Columns) -> std::io::Result<Option<Opened<R>>> {
    // No `Trim`: csv trims by building a new record for every row. Each
    // cell is trimmed as it is read instead (`str::trim`, the Unicode
    // trim the reference reader's `StringRecord` uses).
    let mut reader = csv::ReaderBuilder::new()
        .buffer_capacity(1 << 16)
        .from_reader(Unbom::new(input));
    let headers = match reader.byte_headers() {
        Ok(h) => h.clone(),
        Err(e) if e.is_io_error() => return Err(std::io::Error::other(e)),
        Err(_) => return Ok(None),
    };
    let mut roles = Vec::with_capacity(headers.len());
    for h in &headers {
        let Ok(h) = std::str::from_utf8(h) else {
            return Ok(None);
        };
        let h = h.trim();
        roles.push(if h == columns.id {
            Role::Id
        } else if h == columns.groups {
            Role::Groups
        } else if h == columns.factors {
            Role::Factors
        } else {
            Role::Other
        });
    }
    if !roles.contains(&Role::Id) {
        return Ok(None);
    }
    Ok(Some((reader, roles)))
}

/// One record's cells, by role (a later column of the same role wins, as
/// in the reference reader).
struct Fields<'r> {
    id: &'r str,
    groups: &'r str,
    factors: &'r str,
}

fn fields<'r>(rec: &'r csv::ByteRecord, roles: &[Role]) -> Option<Fields<'r>> {
    let mut f = Fields {
        id: "",
        groups: "",
        factors: "",
    };
    for (role, cell) in roles.iter().zip(rec.iter()) {
        let cell = std::str::from_utf8(cell).ok()?.trim();
        match role {
            Role::Id => f.id = cell,
            Role::Groups => f.groups = cell,
            Role::Factors => f.factors = cell,
            Role::Other => return None,
        }
    }
    Some(f)
}
