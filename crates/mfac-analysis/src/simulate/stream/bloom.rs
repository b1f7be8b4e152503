//! The repeated-id check of a streamed simulation, in memory that stops
//! growing with the file.

use rustc_hash::FxHasher;
use std::hash::Hasher;

/// A blocked Bloom filter over user ids: each id sets sixteen bits in one
/// 512-bit block, a cache line of its own, so an insert touches one line.
/// Sized from the file, a bit per two bytes (some 60 bits per user of a
/// typical export: about one id in ten million flagged by chance), up to
/// 64 MiB; past that the memory stays the same and only the rate of
/// flagged ids grows.
pub(super) struct Bloom {
    lines: Vec<Line>,
}

/// One block, aligned to a cache line (a `Vec<u64>`'s blocks would
/// straddle two lines).
#[derive(Clone, Copy, Default)]
#[repr(align(64))]
struct Line([u64; 8]);

/// Ids inserted together by [`Bloom::insert_all`]: their lines are read
/// first, all at once.
const AHEAD: usize = 16;

impl Bloom {
    pub(super) fn new(size_hint: u64) -> Bloom {
        const MAX_LINES: u64 = 1 << 20; // 64 MiB
        let lines = (size_hint / 1024)
            .clamp(1 << 7, MAX_LINES)
            .next_power_of_two();
        Bloom {
            lines: vec![Line::default(); lines as usize],
        }
    }

    /// Add ids by their [`id_hash`], in order; `flagged` gets each whose
    /// bits were all set already (it may have been seen). The filter is
    /// far bigger than the caches, so nearly every insert waits for
    /// memory: the lines of a few ids are read together first, so that
    /// those waits overlap, and the inserts then find them in the cache.
    pub(super) fn insert_all(&mut self, hashes: &[u64], flagged: &mut dyn FnMut(u64)) {
        for ids in hashes.chunks(AHEAD) {
            let mut touched = 0;
            for &h in ids {
                touched ^= self.lines.get(self.line_of(h)).map_or(0, |l| l.0[0]);
            }
            std::hint::black_box(touched);
            for &h in ids {
                if self.insert(h) {
                    flagged(h);
                }
            }
        }
    }

    /// Add an id by its [`id_hash`]; `true` when every one of its bits
    /// was set already (it may have been seen).
    fn insert(&mut self, hash: u64) -> bool {
        let mut x = hash;
        let line = self.line(&mut x);
        let mut bits = [mix(&mut x), mix(&mut x), mix(&mut x)];
        let Some(Line(words)) = self.lines.get_mut(line) else {
            return true; // cannot happen (a mask); flagged, the exact pass decides
        };
        let mut seen = true;
        for k in 0..16 {
            // Nine bits pick one of 512; seven picks from each 64-bit word.
            let word = bits.get_mut(k / 7).map_or(0, |w| {
                let v = *w;
                *w >>= 9;
                v
            });
            let bit = (word & 511) as usize;
            if let Some(w) = words.get_mut(bit / 64) {
                let mask = 1u64 << (bit % 64);
                seen &= *w & mask != 0;
                *w |= mask;
            }
        }
        seen
    }

    /// The line of a hash, whose first mix picks it.
    fn line_of(&self, hash: u64) -> usize {
        self.line(&mut { hash })
    }

    fn line(&self, x: &mut u64) -> usize {
        // A power of two: a mask, not a division.
        (mix(x) & (self.lines.len() as u64 - 1)) as usize
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
