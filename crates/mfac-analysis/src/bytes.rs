//! Finding a few ASCII bytes in text eight bytes at a time: the cells of
//! a CSV line and the items of a `;` list are a few bytes each, so a loop
//! over the bytes leaves its branch at a different place every time (a
//! mispredicted branch per item), and `memchr` is a call per item.

/// Where the first of `stops` is in `b`.
#[inline]
pub(crate) fn first_of(b: &[u8], stops: &[u8]) -> Option<usize> {
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
        let hits = stops.iter().fold(0, |h, &c| h | zero(x ^ spread(c)));
        if hits != 0 {
            return Some(at + hits.trailing_zeros() as usize / 8);
        }
        at += 8;
    }
    words
        .remainder()
        .iter()
        .position(|c| stops.contains(c))
        .map(|i| at + i)
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn the_first_stop_is_found_wherever_it_falls() {
        let stops = [b',', b'\n', b'\r'];
        for len in 0..20 {
            for at in 0..=len {
                let mut b = vec![b'x'; len];
                if let Some(c) = b.get_mut(at) {
                    *c = b',';
                }
                let want = (at < len).then_some(at);
                assert_eq!(first_of(&b, &stops), want, "{len} {at}");
                if let Some(c) = b.get_mut(at) {
                    *c = b'\r';
                    assert_eq!(first_of(&b, &stops), want);
                }
            }
        }
        assert_eq!(first_of(b"abc,def\ng", &stops), Some(3));
        assert_eq!(first_of(b"abcdefghij\r,", &stops), Some(10));
        assert_eq!(first_of(b"g1;g22;g333", b";"), Some(2));
        assert_eq!(first_of(b"g1", b";"), None);
        // Bytes one off a stop's value are not stops.
        assert_eq!(
            first_of(&[0x2d, 0x2b, b'x', b',', 0, 0, 0, 0], &stops),
            Some(3)
        );
        // Nor are non-ASCII bytes.
        assert_eq!(first_of("ää;".as_bytes(), b";"), Some(4));
    }
}
