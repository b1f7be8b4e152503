//! Ids nobody can guess (logins, passkey ceremonies, bypasses, decisions),
//! from a ChaCha20 keystream per thread, keyed from the operating system
//! and keyed again every [`REKEY`] ids.
//!
//! A `getrandom` call per id cost 460 ns on this project's machine (a
//! system call), an eighth of what `/v1/decide` costs over `/healthz` in
//! process; a keystream's 16 bytes cost a few. The keystream is a CSPRNG
//! (`rand`'s `ThreadRng` is built the same way), so an id is as
//! unguessable as one read from the OS. Keys and secrets themselves
//! (TOTP seeds, backup codes, nonces) still come from the OS each time
//! ([`crate::random_bytes`]).

use crate::RandomError;
use chacha20::cipher::{KeyIvInit, StreamCipher};
use chacha20::ChaCha20;
use std::cell::RefCell;

/// Ids drawn from one key before the thread's generator is keyed again
/// from the OS: what a thread's memory, read once, could predict.
const REKEY: u32 = 1 << 16;

struct Stream {
    cipher: ChaCha20,
    left: u32,
}

thread_local! {
    static STREAM: RefCell<Option<Stream>> = const { RefCell::new(None) };
}

/// 16 bytes of this thread's keystream; a failure of the OS generator when
/// a key is due is an error, never a weak fallback.
pub(crate) fn id_bytes() -> Result<[u8; 16], RandomError> {
    STREAM.with(|cell| {
        let mut slot = cell
            .try_borrow_mut()
            .map_err(|_| RandomError("the id generator was re-entered".into()))?;
        if slot.as_ref().is_none_or(|s| s.left == 0) {
            *slot = Some(keyed()?);
        }
        let Some(stream) = slot.as_mut() else {
            return Err(RandomError("the id generator has no key".into()));
        };
        let mut out = [0u8; 16];
        stream.cipher.apply_keystream(&mut out);
        stream.left -= 1;
        Ok(out)
    })
}

/// A stream under a fresh key from the OS (the nonce can stay zero: no
/// key is used twice).
fn keyed() -> Result<Stream, RandomError> {
    let key = crate::random_bytes::<32>()?;
    Ok(Stream {
        cipher: ChaCha20::new(&key.into(), &[0u8; 12].into()),
        left: REKEY,
    })
}

#[cfg(test)]
mod tests {
    use super::*;
    use std::collections::HashSet;

    #[test]
    fn ids_differ_across_a_rekey_and_across_threads() {
        let mut seen = HashSet::new();
        for _ in 0..(REKEY as usize + 1000) {
            assert!(seen.insert(id_bytes().unwrap()), "an id came twice");
        }
        let other: Vec<[u8; 16]> =
            std::thread::spawn(|| (0..1000).map(|_| id_bytes().unwrap()).collect())
                .join()
                .unwrap();
        assert!(other.iter().all(|id| !seen.contains(id)));
    }

    #[test]
    fn a_thread_starts_its_own_stream_under_its_own_key() {
        // Two fresh threads: had they one key (say, a constant), their
        // first ids would be equal.
        let first = || std::thread::spawn(|| id_bytes().unwrap()).join().unwrap();
        assert_ne!(first(), first());
    }
}
