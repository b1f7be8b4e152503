//! The users of a JSON or YAML directory (`users:` and a list of users),
//! read as a stream: one user at a time into reused buffers, through the
//! same serde visitors for both, so memory does not grow with the file. At
//! anything the reference reader might refuse (a field other than the
//! mapped three, a value that is neither a string, a list of strings nor
//! null, a key beside `users`, malformed text) it stops and says so, and the
//! reference reader reads the file and reports it. Stopping is always safe;
//! reading on where the reference would refuse is what the tests rule out.

use super::{CellRef, Rec, Unbom};
use crate::directory::{Columns, Field};
use serde::de::{self, DeserializeSeed, Deserializer as _, MapAccess, SeqAccess, Visitor};
use std::io::Read;

/// Read every user of a JSON directory, calling `each` with it and the
/// bytes read so far; `Ok(false)` where the reference reader refuses the
/// file, or `each` said stop.
pub(super) fn read_json(
    input: impl Read,
    columns: &Columns,
    each: &mut dyn FnMut(Rec<'_>, u64) -> bool,
) -> std::io::Result<bool> {
    let (counted, mut state) = start(input, columns, each);
    let mut de =
        serde_json::Deserializer::from_reader(std::io::BufReader::with_capacity(1 << 16, counted));
    match (&mut de).deserialize_map(Top(&mut state)) {
        Ok(()) => {}
        Err(e) if e.is_io() => return Err(std::io::Error::other(e)),
        Err(_) => return Ok(false),
    }
    Ok(state.seen_users && de.end().is_ok())
}

/// [`read_json`] for a YAML directory (one document). Any error stops the
/// stream, an unreadable file included: the reference reader then reads
/// the file again and says what is wrong with it.
pub(super) fn read_yaml(
    input: impl Read,
    columns: &Columns,
    each: &mut dyn FnMut(Rec<'_>, u64) -> bool,
) -> std::io::Result<bool> {
    let (counted, mut state) = start(input, columns, each);
    let done = serde_saphyr::with_deserializer_from_reader(counted, |de| {
        de.deserialize_map(Top(&mut state))
    });
    Ok(done.is_ok() && state.seen_users)
}

/// The input, counted as it is read, and the visitors' state that reads
/// the count.
fn start<'a, 'e, R: Read>(
    input: R,
    columns: &'a Columns,
    each: &'e mut dyn FnMut(Rec<'_>, u64) -> bool,
) -> (Counted<Unbom<R>>, State<'a, 'e>) {
    let read = std::rc::Rc::new(std::cell::Cell::new(0u64));
    let counted = Counted {
        inner: Unbom::new(input),
        read: read.clone(),
    };
    let state = State {
        columns,
        each,
        read,
        user: User::default(),
        key: String::new(),
        seen_users: false,
    };
    (counted, state)
}

/// A reader that counts the bytes it hands on, for the progress bar.
struct Counted<R> {
    inner: R,
    read: std::rc::Rc<std::cell::Cell<u64>>,
}

impl<R: Read> Read for Counted<R> {
    fn read(&mut self, buf: &mut [u8]) -> std::io::Result<usize> {
        let n = self.inner.read(buf)?;
        self.read.set(self.read.get() + n as u64);
        Ok(n)
    }
}

struct State<'a, 'e> {
    columns: &'a Columns,
    each: &'e mut dyn FnMut(Rec<'_>, u64) -> bool,
    read: std::rc::Rc<std::cell::Cell<u64>>,
    user: User,
    /// The key being read, reused.
    key: String,
    seen_users: bool,
}

/// One user's three cells, reused from user to user.
#[derive(Default)]
struct User {
    cells: [Slot; 3],
}

/// A cell as read: text, a list (its first `len` strings), or nothing.
#[derive(Default)]
struct Slot {
    kind: Kind,
    text: String,
    list: Vec<String>,
    len: usize,
}

#[derive(Default, Clone, Copy, PartialEq, Eq)]
enum Kind {
    #[default]
    Empty,
    Text,
    List,
}

impl Slot {
    fn cell(&self) -> CellRef<'_> {
        match self.kind {
            Kind::Empty => CellRef::Text(""),
            Kind::Text => CellRef::Text(&self.text),
            Kind::List => CellRef::List(self.list.get(..self.len).unwrap_or_default()),
        }
    }
}

/// Stop reading: the reference reader reports whatever comes next.
fn stop<E: de::Error>() -> E {
    E::custom("handed to the reference reader")
}

/// The top-level object: only `users`, once.
struct Top<'s, 'a, 'e>(&'s mut State<'a, 'e>);

impl<'de> Visitor<'de> for Top<'_, '_, '_> {
    type Value = ();
    fn expecting(&self, f: &mut std::fmt::Formatter) -> std::fmt::Result {
        f.write_str("an object with a `users` list")
    }
    fn visit_map<A: MapAccess<'de>>(self, mut map: A) -> Result<(), A::Error> {
        while map.next_key_seed(Text(&mut self.0.key))?.is_some() {
            if self.0.key != "users" || self.0.seen_users {
                return Err(stop());
            }
            self.0.seen_users = true;
            map.next_value_seed(Users(&mut *self.0))?;
        }
        Ok(())
    }
}

/// The `users` list.
struct Users<'s, 'a, 'e>(&'s mut State<'a, 'e>);

impl<'de> DeserializeSeed<'de> for Users<'_, '_, '_> {
    type Value = ();
    fn deserialize<D: de::Deserializer<'de>>(self, d: D) -> Result<(), D::Error> {
        d.deserialize_seq(self)
    }
}

impl<'de> Visitor<'de> for Users<'_, '_, '_> {
    type Value = ();
    fn expecting(&self, f: &mut std::fmt::Formatter) -> std::fmt::Result {
        f.write_str("a list of users")
    }
    fn visit_seq<A: SeqAccess<'de>>(self, mut seq: A) -> Result<(), A::Error> {
        while seq.next_element_seed(OneUser(&mut *self.0))?.is_some() {}
        Ok(())
    }
}

/// One user: an object of the mapped fields.
struct OneUser<'s, 'a, 'e>(&'s mut State<'a, 'e>);

impl<'de> DeserializeSeed<'de> for OneUser<'_, '_, '_> {
    type Value = ();
    fn deserialize<D: de::Deserializer<'de>>(self, d: D) -> Result<(), D::Error> {
        d.deserialize_map(self)
    }
}

impl<'de> Visitor<'de> for OneUser<'_, '_, '_> {
    type Value = ();
    fn expecting(&self, f: &mut std::fmt::Formatter) -> std::fmt::Result {
        f.write_str("a user object")
    }
    fn visit_map<A: MapAccess<'de>>(self, mut map: A) -> Result<(), A::Error> {
        let s = self.0;
        for c in &mut s.user.cells {
            c.kind = Kind::Empty;
        }
        // A repeated key stops the stream: the reference reader refuses it.
        let mut seen = [false; 3];
        while map.next_key_seed(Text(&mut s.key))?.is_some() {
            let i = match s.columns.field(&s.key).ok_or_else(stop)? {
                Field::Id => 0,
                Field::Groups => 1,
                Field::Factors => 2,
            };
            if std::mem::replace(seen.get_mut(i).ok_or_else(stop)?, true) {
                return Err(stop());
            }
            let slot = s.user.cells.get_mut(i).ok_or_else(stop)?;
            map.next_value_seed(AnyCell(slot))?;
        }
        let [id, groups, factors] = &s.user.cells;
        let id = match id.cell() {
            CellRef::Text(t) => t,
            CellRef::List(_) => "",
        };
        let rec = Rec {
            id,
            groups: groups.cell(),
            factors: factors.cell(),
            ascii: false,
        };
        if (s.each)(rec, s.read.get()) {
            Ok(())
        } else {
            Err(stop())
        }
    }
}

/// A string, copied into a reused buffer.
struct Text<'b>(&'b mut String);

impl<'de> DeserializeSeed<'de> for Text<'_> {
    type Value = ();
    fn deserialize<D: de::Deserializer<'de>>(self, d: D) -> Result<(), D::Error> {
        d.deserialize_str(self)
    }
}

impl<'de> Visitor<'de> for Text<'_> {
    type Value = ();
    fn expecting(&self, f: &mut std::fmt::Formatter) -> std::fmt::Result {
        f.write_str("a string")
    }
    fn visit_str<E: de::Error>(self, v: &str) -> Result<(), E> {
        self.0.clear();
        self.0.push_str(v);
        Ok(())
    }
}

/// A list item: a string and nothing else. Read with `deserialize_any`, not
/// as a string: a YAML reader turns `1` into "1" when asked for a string,
/// where the reference reader (which asks for any value) sees a number and
/// refuses it.
struct Item<'b>(&'b mut String);

impl<'de> DeserializeSeed<'de> for Item<'_> {
    type Value = ();
    fn deserialize<D: de::Deserializer<'de>>(self, d: D) -> Result<(), D::Error> {
        d.deserialize_any(Text(self.0))
    }
}

/// A field's value: a string, a list of strings, or null.
struct AnyCell<'b>(&'b mut Slot);

impl<'de> DeserializeSeed<'de> for AnyCell<'_> {
    type Value = ();
    fn deserialize<D: de::Deserializer<'de>>(self, d: D) -> Result<(), D::Error> {
        d.deserialize_any(self)
    }
}

impl<'de> Visitor<'de> for AnyCell<'_> {
    type Value = ();
    fn expecting(&self, f: &mut std::fmt::Formatter) -> std::fmt::Result {
        f.write_str("a string, a list of strings, or null")
    }
    fn visit_str<E: de::Error>(self, v: &str) -> Result<(), E> {
        self.0.kind = Kind::Text;
        self.0.text.clear();
        self.0.text.push_str(v);
        Ok(())
    }
    fn visit_unit<E: de::Error>(self) -> Result<(), E> {
        self.0.kind = Kind::Empty;
        Ok(())
    }
    fn visit_seq<A: SeqAccess<'de>>(self, mut seq: A) -> Result<(), A::Error> {
        let slot = self.0;
        slot.kind = Kind::List;
        slot.len = 0;
        loop {
            if slot.list.len() == slot.len {
                slot.list.push(String::new());
            }
            let Some(buf) = slot.list.get_mut(slot.len) else {
                return Err(stop());
            };
            if seq.next_element_seed(Item(buf))?.is_none() {
                return Ok(());
            }
            slot.len += 1;
        }
    }
}
