//! The policy's own group names, indexed once at load time for the look-up
//! every decision from names makes (twenty of them for a user in twenty
//! groups, so this is the hot path of `decide` and of `mfac simulate`).
//!
//! A general hash map hashes with a seeded or generic hasher, probes by
//! control bytes and compares through a pointer to each boxed key. Here the
//! set of names is fixed when the policy loads, so the table is built for
//! it: open addressing at most a quarter full, each slot holding the name's
//! first eight bytes and length, and a hash that reads the name eight bytes
//! at a time. A look-up is one hash and usually one slot; a name of up to
//! eight bytes is compared within the slot, a longer one also against its
//! rest in one arena of all the names.

/// Group name -> dense id (`0..len`), for a fixed set of names.
#[derive(Clone, Debug, Default)]
pub(crate) struct NameIndex {
    /// Every name, back to back; entry `i` is `arena[starts[i]..starts[i + 1]]`.
    arena: Box<str>,
    starts: Box<[u32]>,
    /// Open addressing, a power of two at least four times the names, so a
    /// probe rarely goes past its first slot, even for a name not there.
    slots: Box<[Slot]>,
}

/// A name's first eight bytes (see [`word`]) and length, and its id + 1
/// (0: empty). A name of up to eight bytes is found or refused from the
/// slot alone.
#[derive(Clone, Copy, Debug, Default)]
struct Slot {
    word: u64,
    len: u32,
    id1: u32,
}

impl NameIndex {
    /// Index `names` (distinct) in their order: the i-th gets id `i`.
    pub(crate) fn new<'a>(names: impl IntoIterator<Item = &'a str>) -> NameIndex {
        let mut arena = String::new();
        let mut starts = vec![0u32];
        for n in names {
            arena.push_str(n);
            starts.push(arena.len() as u32);
        }
        let count = starts.len() - 1;
        let size = (count * 4).next_power_of_two().max(4);
        let mut index = NameIndex {
            arena: arena.into_boxed_str(),
            starts: starts.into_boxed_slice(),
            slots: vec![Slot::default(); size].into_boxed_slice(),
        };
        let mask = size - 1;
        for id in 0..count {
            let name = index.name(id as u32).as_bytes();
            let slot = Slot {
                word: word(name),
                len: name.len() as u32,
                id1: id as u32 + 1,
            };
            let mut i = hash(name) as usize & mask;
            while index.slots.get(i).is_some_and(|s| s.id1 != 0) {
                i = (i + 1) & mask;
            }
            if let Some(s) = index.slots.get_mut(i) {
                *s = slot;
            }
        }
        index
    }

    pub(crate) fn len(&self) -> usize {
        self.starts.len().saturating_sub(1)
    }

    /// The name with this id (empty past the end).
    pub(crate) fn name(&self, id: u32) -> &str {
        let i = id as usize;
        match (self.starts.get(i), self.starts.get(i + 1)) {
            (Some(&a), Some(&b)) => self.arena.get(a as usize..b as usize).unwrap_or(""),
            _ => "",
        }
    }

    #[inline(always)]
    pub(crate) fn get(&self, name: &str) -> Option<u32> {
        let bytes = name.as_bytes();
        let (w, len) = (word(bytes), bytes.len() as u32);
        let mask = self.slots.len().wrapping_sub(1);
        let mut i = hash(bytes) as usize & mask;
        // At most a quarter full, so an empty slot ends every probe.
        loop {
            let s = *self.slots.get(i)?;
            if s.id1 == 0 {
                return None;
            }
            if s.word == w
                && s.len == len
                && (len <= 8 || self.name(s.id1 - 1).as_bytes().get(8..) == bytes.get(8..))
            {
                return Some(s.id1 - 1);
            }
            i = (i + 1) & mask;
        }
    }
}

/// Eight bytes read as a little-endian word.
#[inline]
fn load(b: &[u8]) -> u64 {
    let mut w = [0u8; 8];
    if let Some(src) = b.get(..8) {
        w.copy_from_slice(src);
    }
    u64::from_le_bytes(w)
}

/// Four bytes read as a little-endian word.
#[inline]
fn load4(b: &[u8]) -> u64 {
    let mut w = [0u8; 4];
    if let Some(src) = b.get(..4) {
        w.copy_from_slice(src);
    }
    u64::from(u32::from_le_bytes(w))
}

/// The first eight bytes of a name as one word, read without a loop over
/// the bytes: together with the length it tells two names of up to eight
/// bytes apart exactly (a shorter name's bytes each appear at a fixed place).
#[inline]
fn word(b: &[u8]) -> u64 {
    let n = b.len();
    if n >= 8 {
        load(b)
    } else if n >= 4 {
        // Two overlapping four-byte reads: the first, then the bytes past it.
        let hi = load4(b.get(n - 4..).unwrap_or_default()) >> (8 * (8 - n));
        load4(b) | hi << 32
    } else if n > 0 {
        let at = |i: usize| u64::from(b.get(i).copied().unwrap_or(0));
        at(0) | at(n / 2) << 8 | at(n - 1) << 16
    } else {
        0
    }
}

/// A fast hash of a name: its first word and length, then eight bytes per
/// multiply (the last eight overlapping), and a final mix so the low bits
/// (the slot) depend on every byte.
#[inline]
fn hash(b: &[u8]) -> u64 {
    const K: u64 = 0x9e37_79b9_7f4a_7c15;
    let n = b.len();
    let mut h = (word(b) ^ (n as u64).wrapping_mul(K)).wrapping_mul(K);
    if n > 8 {
        let mut at = 8;
        while at + 8 <= n {
            h = (h.rotate_left(29) ^ load(b.get(at..).unwrap_or_default())).wrapping_mul(K);
            at += 8;
        }
        if at < n {
            h = (h.rotate_left(29) ^ load(b.get(n - 8..).unwrap_or_default())).wrapping_mul(K);
        }
    }
    h ^= h >> 32;
    h = h.wrapping_mul(0xd6e8_feb8_6659_fd93);
    h ^ (h >> 32)
}

#[cfg(test)]
mod tests {
    use super::*;
    use proptest::prelude::*;

    #[test]
    fn finds_every_name_and_nothing_else() {
        let names: Vec<String> = (0..1000).map(|g| format!("g{g}")).collect();
        let index = NameIndex::new(names.iter().map(String::as_str));
        assert_eq!(index.len(), 1000);
        for (i, n) in names.iter().enumerate() {
            assert_eq!(index.get(n), Some(i as u32), "{n}");
            assert_eq!(index.name(i as u32), n);
        }
        for miss in ["", "g1000", "G1", "g1 ", "g", "g00"] {
            assert_eq!(index.get(miss), None, "{miss:?}");
        }
        assert_eq!(NameIndex::new([]).get("x"), None);
        assert_eq!(index.name(5000), "");
    }

    proptest! {
        /// The index agrees with a hash set on names sharing long prefixes,
        /// non-ASCII text and names that differ only past eight bytes.
        #[test]
        fn agrees_with_a_hash_map(
            names in proptest::collection::btree_set("[a-cé ]{0,20}", 0..60),
            probes in proptest::collection::vec("[a-cé ]{0,20}", 0..40),
        ) {
            let names: Vec<&str> = names.iter().map(String::as_str).collect();
            let index = NameIndex::new(names.iter().copied());
            for (i, n) in names.iter().enumerate() {
                prop_assert_eq!(index.get(n), Some(i as u32));
            }
            for p in &probes {
                prop_assert_eq!(index.get(p), names.iter().position(|n| n == p).map(|i| i as u32));
            }
        }
    }
}
