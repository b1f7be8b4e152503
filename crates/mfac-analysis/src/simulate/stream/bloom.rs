//! The repeated-id check of a streamed simulation, in memory that stops
//! growing with the file.

use rustc_hash::FxHasher;
use std::hash::Hasher;

/// A blocked Bloom filter over user ids: each id sets sixteen bits in one
/// 512-bit block, so an insert touches one cache line. Sized from the
/// file, a bit per two bytes (some 60 bits per user of a typical export:
/// about one id in ten million flagged by chance), up to 64 MiB; past
/// that the memory stays the same and only the rate of flagged ids grows.
pub(super) struct Bloom {
    words: Vec<u64>,
    blocks: u64,
}

impl Bloom {
    pub(super) fn new(size_hint: u64) -> Bloom {
        const MAX_WORDS: u64 = 1 << 23; // 64 MiB
        let words = (size_hint / 128)
            .clamp(1 << 10, MAX_WORDS)
            .next_power_of_two();
        Bloom {
            words: vec![0; words as usize],
            blocks: words / 8,
        }
    }

    /// Add an id by its [`id_hash`]; `true` when every one of its bits
    /// was set already (it may have been seen).
    pub(super) fn insert(&mut self, hash: u64) -> bool {
        let mut x = hash;
        // `blocks` is a power of two: a mask, not a division.
        let block = (mix(&mut x) & (self.blocks - 1)) as usize * 8;
        let mut bits = [mix(&mut x), mix(&mut x), mix(&mut x)];
        let mut seen = true;
        for k in 0..16 {
            // Nine bits pick one of 512; seven picks from each 64-bit word.
            let word = bits.get_mut(k / 7).map_or(0, |w| {
                let v = *w;
                *w >>= 9;
                v
            });
            let bit = (word & 511) as usize;
            if let Some(w) = self.words.get_mut(block + bit / 64) {
                let mask = 1u64 << (bit % 64);
                seen &= *w & mask != 0;
                *w |= mask;
            }
        }
        seen
    }
}

/// An id's hash, what the filter (and the exact pass after it) keys on:
/// worked out where the id is read, so the filter's thread sees only words.
pub(super) fn id_hash(id: &[u8]) -> u64 {
    let mut h = FxHasher::default();
    h.write(id);
    h.finish()
}

/// splitmix64: the next well-mixed word from a running state.
fn mix(x: &mut u64) -> u64 {
    *x = x.wrapping_add(0x9e37_79b9_7f4a_7c15);
    let mut z = *x;
    z = (z ^ (z >> 30)).wrapping_mul(0xbf58_476d_1ce4_e5b9);
    z = (z ^ (z >> 27)).wrapping_mul(0x94d0_49bb_1331_11eb);
    z ^ (z >> 31)
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn the_filter_flags_every_repeat() {
        let mut f = Bloom::new(0);
        let ids: Vec<String> = (0..5000).map(|i| format!("user{i}@x")).collect();
        let fresh = ids
            .iter()
            .filter(|i| !f.insert(id_hash(i.as_bytes())))
            .count();
        assert!(fresh > 4900, "few false alarms on a small filter: {fresh}");
        assert!(
            ids.iter().all(|i| f.insert(id_hash(i.as_bytes()))),
            "no repeat missed"
        );
    }
}
