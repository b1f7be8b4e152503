//! A key written twice in one JSON object. serde_json keeps the last value
//! without a word, so a directory with `"id"` twice would silently be read
//! as whichever came last; the YAML reader refuses the same mistake, and
//! so does this check, run before the JSON is read.

use serde::de::{self, Deserializer as _, MapAccess, SeqAccess, Visitor};
use std::collections::BTreeSet;

/// The first key repeated in one object of `text`, with its 1-based line;
/// `None` when there is none, or when `text` is not JSON (the reader
/// proper says what is wrong with it then).
pub(crate) fn repeated_key(text: &str) -> Option<(usize, String)> {
    let mut de = serde_json::Deserializer::from_str(text);
    let e = (&mut de).deserialize_any(Unique).err()?;
    let message = e.to_string();
    let key = message
        .rsplit_once(" at line ")
        .map_or(message.as_str(), |(m, _)| m)
        .strip_prefix(REPEATED)?
        .to_string();
    Some((e.line(), key))
}

const REPEATED: &str = "repeated key: ";

/// Any JSON value, every object's keys checked distinct.
struct Unique;

impl<'de> de::Deserialize<'de> for Unique {
    fn deserialize<D: de::Deserializer<'de>>(d: D) -> Result<Unique, D::Error> {
        d.deserialize_any(Unique)
    }
}

impl<'de> Visitor<'de> for Unique {
    type Value = Unique;
    fn expecting(&self, f: &mut std::fmt::Formatter) -> std::fmt::Result {
        f.write_str("a JSON value")
    }
    fn visit_map<A: MapAccess<'de>>(self, mut map: A) -> Result<Unique, A::Error> {
        let mut keys = BTreeSet::new();
        while let Some(k) = map.next_key::<String>()? {
            if !keys.insert(k.clone()) {
                return Err(de::Error::custom(format!("{REPEATED}{k}")));
            }
            map.next_value::<Unique>()?;
        }
        Ok(Unique)
    }
    fn visit_seq<A: SeqAccess<'de>>(self, mut seq: A) -> Result<Unique, A::Error> {
        while seq.next_element::<Unique>()?.is_some() {}
        Ok(Unique)
    }
    fn visit_bool<E>(self, _: bool) -> Result<Unique, E> {
        Ok(Unique)
    }
    fn visit_i64<E>(self, _: i64) -> Result<Unique, E> {
        Ok(Unique)
    }
    fn visit_u64<E>(self, _: u64) -> Result<Unique, E> {
        Ok(Unique)
    }
    fn visit_f64<E>(self, _: f64) -> Result<Unique, E> {
        Ok(Unique)
    }
    fn visit_str<E>(self, _: &str) -> Result<Unique, E> {
        Ok(Unique)
    }
    fn visit_unit<E>(self) -> Result<Unique, E> {
        Ok(Unique)
    }
}

#[cfg(test)]
mod tests {
    use super::repeated_key;

    #[test]
    fn a_key_twice_in_any_object_is_found_with_its_line() {
        let users_twice = "{\"users\": [],\n \"users\": [{\"id\": \"a\"}]}";
        assert_eq!(repeated_key(users_twice), Some((2, "users".into())));
        let id_twice = "{\"users\": [\n{\"id\": \"a\",\n \"id\": \"b\"}]}";
        assert_eq!(repeated_key(id_twice), Some((3, "id".into())));
        assert_eq!(
            repeated_key("{\"users\": [{\"id\": \"a\"}, {\"id\": \"b\"}]}"),
            None
        );
        assert_eq!(repeated_key("{not json"), None);
    }
}
