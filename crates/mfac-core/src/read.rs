//! Reading policy and directory text within a size: a file larger than
//! its cap, or one that holds a NUL byte (no policy or directory does;
//! `/dev/zero` and binaries do), is refused as soon as that shows, so no
//! input can grow memory without bound.

use std::io::Read;

/// The largest policy file read unless a flag says otherwise (16 MiB; the
/// largest real policy we know of is under 1 MiB).
pub const MAX_POLICY_BYTES: u64 = 16 << 20;
/// The largest directory file read unless a flag says otherwise (4 GiB:
/// some 40 million users as CSV).
pub const MAX_DIRECTORY_BYTES: u64 = 4 << 30;

/// Why [`Capped`] stopped: the input is not text within its cap.
#[derive(Clone, Copy, Debug, PartialEq, Eq, thiserror::Error)]
pub enum Refusal {
    #[error("is larger than {limit} bytes")]
    TooLarge { limit: u64 },
    #[error("holds a NUL byte at offset {at}, so it is not text")]
    NotText { at: u64 },
}

/// Why text could not be read.
#[derive(Debug, thiserror::Error)]
pub enum ReadError {
    #[error(transparent)]
    Refused(Refusal),
    #[error("{0}")]
    Io(std::io::Error),
}

/// A reader that stops with an error past `limit` bytes or at a NUL byte.
#[derive(Debug)]
pub struct Capped<R> {
    inner: R,
    read: u64,
    limit: u64,
}

impl<R> Capped<R> {
    pub fn new(inner: R, limit: u64) -> Capped<R> {
        Capped {
            inner,
            read: 0,
            limit,
        }
    }
}

impl<R: Read> Read for Capped<R> {
    fn read(&mut self, buf: &mut [u8]) -> std::io::Result<usize> {
        let n = self.inner.read(buf)?;
        let got = buf.get(..n).unwrap_or_default();
        // `contains` looks for the byte a word at a time; a byte loop here
        // was a twentieth of `mfac simulate`'s time, on its reading thread.
        if got.contains(&0) {
            let at = self.read + got.iter().position(|&b| b == 0).unwrap_or(0) as u64;
            return Err(std::io::Error::other(Refusal::NotText { at }));
        }
        self.read += n as u64;
        if self.read > self.limit {
            let limit = self.limit;
            return Err(std::io::Error::other(Refusal::TooLarge { limit }));
        }
        Ok(n)
    }
}

/// The cap's refusal behind an I/O error, however deep the readers above
/// [`Capped`] wrapped it (a CSV reader wraps it in its own error).
pub fn cause(e: &std::io::Error) -> Option<Refusal> {
    fn find(e: &(dyn std::error::Error + 'static)) -> Option<Refusal> {
        if let Some(r) = e.downcast_ref::<Refusal>() {
            return Some(*r);
        }
        e.downcast_ref::<std::io::Error>()
            .and_then(|io| io.get_ref())
            .and_then(|inner| find(inner))
            .or_else(|| e.source().and_then(find))
    }
    e.get_ref().and_then(|inner| find(inner))
}

/// All of `r`, at most `limit` bytes of text.
pub fn read_capped(r: impl Read, limit: u64) -> Result<Vec<u8>, ReadError> {
    let mut out = Vec::new();
    match Capped::new(r, limit).read_to_end(&mut out) {
        Ok(_) => Ok(out),
        Err(e) => Err(cause(&e).map_or(ReadError::Io(e), ReadError::Refused)),
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn text_within_the_cap_is_read_and_anything_else_is_refused() {
        assert_eq!(read_capped(&b"default {}"[..], 10).unwrap(), b"default {}");
        assert!(matches!(
            read_capped(&b"default {}!"[..], 10),
            Err(ReadError::Refused(Refusal::TooLarge { limit: 10 }))
        ));
        assert!(matches!(
            read_capped(&b"ab\0cd"[..], 10),
            Err(ReadError::Refused(Refusal::NotText { at: 2 }))
        ));
        // An endless stream of zeros stops at its first read.
        assert!(matches!(
            read_capped(std::io::repeat(0), u64::MAX),
            Err(ReadError::Refused(Refusal::NotText { at: 0 }))
        ));
        assert!(matches!(
            read_capped(std::io::repeat(b'a'), 1 << 20),
            Err(ReadError::Refused(Refusal::TooLarge { .. }))
        ));
    }
}
