//! The size caps of `--max-policy-size` and `--max-directory-size`, set
//! once from the command line and read by every reader of a file.

use std::sync::OnceLock;

static LIMITS: OnceLock<(u64, u64)> = OnceLock::new();

/// The flags' defaults as `--help` shows them: the library's caps
/// ([`mfac::read::MAX_POLICY_BYTES`], [`mfac::read::MAX_DIRECTORY_BYTES`]),
/// which a test holds them to.
pub const POLICY_DEFAULT: &str = "16MiB";
pub const DIRECTORY_DEFAULT: &str = "4GiB";

pub fn set(policy: u64, directory: u64) {
    let _ = LIMITS.set((policy, directory));
}

/// What a file is read as, for its cap.
#[derive(Clone, Copy, Debug)]
pub enum Input {
    Policy,
    Directory,
}

impl Input {
    pub fn limit(self) -> u64 {
        let (policy, directory) = LIMITS.get().copied().unwrap_or((
            mfac::read::MAX_POLICY_BYTES,
            mfac::read::MAX_DIRECTORY_BYTES,
        ));
        match self {
            Input::Policy => policy,
            Input::Directory => directory,
        }
    }

    fn flag(self) -> &'static str {
        match self {
            Input::Policy => "--max-policy-size",
            Input::Directory => "--max-directory-size",
        }
    }
}

/// The one-line refusal of `name` (a quoted path, or standard input).
pub fn refusal(name: &str, kind: Input, e: &mfac::read::ReadError) -> String {
    match e {
        mfac::read::ReadError::Refused(r) => refused(name, kind, *r),
        mfac::read::ReadError::Io(e) => format!("cannot read {name}: {e}"),
    }
}

/// [`refusal`] of input the cap stopped.
pub fn refused(name: &str, kind: Input, r: mfac::read::Refusal) -> String {
    match r {
        mfac::read::Refusal::TooLarge { limit } => format!(
            "{name} is larger than {}; raise the cap with {} SIZE to read it",
            shown(limit),
            kind.flag()
        ),
        mfac::read::Refusal::NotText { at } => {
            format!("{name} is not text: it holds a NUL byte at offset {at}")
        }
    }
}

/// A size for people: `16 MiB`, `4 GiB`, or bytes.
fn shown(bytes: u64) -> String {
    for (unit, shift) in [("GiB", 30), ("MiB", 20), ("KiB", 10)] {
        if bytes >= 1 << shift && bytes % (1 << shift) == 0 {
            return format!("{} {unit}", bytes >> shift);
        }
    }
    format!("{bytes} bytes")
}

/// `16MiB`, `512KiB`, `2GiB` or a plain count of bytes.
pub fn size(s: &str) -> Result<u64, String> {
    let t = s.trim();
    let (digits, shift) = [("GiB", 30), ("MiB", 20), ("KiB", 10)]
        .iter()
        .find_map(|(unit, shift)| t.strip_suffix(unit).map(|d| (d.trim(), *shift)))
        .unwrap_or((t, 0));
    let n: u64 = digits.parse().map_err(|_| {
        format!("`{s}` is not a size: write bytes, or a number with KiB, MiB or GiB")
    })?;
    n.checked_mul(1 << shift)
        .filter(|v| *v > 0)
        .ok_or_else(|| format!("`{s}` is out of range"))
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn sizes_read_with_and_without_a_unit() {
        assert_eq!(size("16MiB"), Ok(16 << 20));
        assert_eq!(size("512 KiB"), Ok(512 << 10));
        assert_eq!(size("1000"), Ok(1000));
        assert!(size("16MB").is_err());
        assert!(size("0").is_err());
        assert!(size("99999999999GiB").is_err());
        assert_eq!(shown(16 << 20), "16 MiB");
        assert_eq!(shown(1000), "1000 bytes");
        assert_eq!(size(POLICY_DEFAULT), Ok(mfac::read::MAX_POLICY_BYTES));
        assert_eq!(size(DIRECTORY_DEFAULT), Ok(mfac::read::MAX_DIRECTORY_BYTES));
    }
}
