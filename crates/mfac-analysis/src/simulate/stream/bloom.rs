//! The repeated-id check of a streamed simulation, in memory that stops
//! growing with the file.

use rustc_hash::FxHasher;
use std::hash::Hasher;

/// A blocked Bloom filter over user ids: each id sets sixteen bits in one
/// 512-bit block, a cache line of its own, so an insert touches one line.
/// Sized from the file, a bit per two bytes (some 60 bits per user of a
/// typical export: about one id in ten million flagged by chance), up to
/// 128 MiB; past that the memory stays the same and only the rate of
/// flagged ids grows. At 64 MiB a 20M-user file (2.6 GB) put some twenty
/// ids in a line and 50 were flagged by chance, so the exact pass read the
/// whole file again; at 128 MiB, ten to a line, none were.
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
        const MAX_LINES: u64 = 1 << 21; // 128 MiB
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
            // Each id's line, and the mixing state its bits are drawn from.
            let mut placed = [(0, 0); AHEAD];
            let mut touched = 0;
            for (p, &h) in placed.iter_mut().zip(ids) {
                let mut x = h;
                let line = self.line(&mut x);
                touched ^= self.lines.get(line).map_or(0, |l| l.0[0]);
                *p = (line, x);
            }
            std::hint::black_box(touched);
            for (&h, &(line, x)) in ids.iter().zip(&placed) {
                if self.set(line, x) {
                    flagged(h);
                }
            }
        }
    }

    /// Set an id's bits in its line; `true` when every one was set
    /// already (it may have been seen). `x`: the mixing state after the
    /// line was picked.
    fn set(&mut self, line: usize, mut x: u64) -> bool {
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

    /// The line of a hash: its first mix, masked (the count is a power of
    /// two, so a mask and not a division).
    fn line(&self, x: &mut u64) -> usize {
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
        let hashes: Vec<u64> = (0..5000)
            .map(|i| id_hash(format!("user{i}@x").as_bytes()))
            .collect();
        let mut flagged = 0;
        f.insert_all(&hashes, &mut |_| flagged += 1);
        let fresh = hashes.len() - flagged;
        assert!(fresh > 4900, "few false alarms on a small filter: {fresh}");
        let mut again = 0;
        f.insert_all(&hashes, &mut |_| again += 1);
        assert_eq!(again, hashes.len(), "no repeat missed");
        // A repeat within one group of ids read ahead together.
        let mut f = Bloom::new(0);
        let twice = [id_hash(b"a"), id_hash(b"b"), id_hash(b"a")];
        let mut seen = Vec::new();
        f.insert_all(&twice, &mut |h| seen.push(h));
        assert_eq!(seen, [id_hash(b"a")]);
    }
}
