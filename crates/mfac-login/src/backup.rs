//! Backup codes: ten random codes, shown once, stored only as argon2 hashes,
//! each usable once; a new set replaces the old. They answer a challenge only
//! where the policy's `recovery backup_code` puts `backup_code` among the
//! allowed factors (the decision says so; the store enforces "once").
//!
//! Each code is stored with a lookup key beside its hash: 12 bits of the
//! sha256 of the user and the code. A guess is hashed with Argon2 only
//! against the unused codes that share its lookup key, so a wrong guess
//! almost never costs a hash (10 codes in 4,096 keys) and never more than
//! the codes that share it. The key is not secret: it narrows the code's
//! 49 bits to 37 for whoever holds the database, which Argon2 still guards.

use argon2::password_hash::{PasswordHash, PasswordHasher, PasswordVerifier, SaltString};
use argon2::Argon2;

/// Codes in a set.
pub const COUNT: usize = 10;
/// The alphabet: no 0/O, 1/I/L, so a code read off paper is typed right.
const ALPHABET: &[u8] = b"23456789ABCDEFGHJKMNPQRSTUVWXYZ";
/// Characters per code (10 from a 31-letter alphabet: about 49 bits).
const LEN: usize = 10;

/// Why a set could not be made or a code checked.
#[derive(Debug, thiserror::Error, PartialEq, Eq)]
pub enum BackupError {
    #[error("cannot hash a backup code: {0}")]
    Hash(String),
    #[error("a stored backup code hash is malformed")]
    BadHash,
    #[error("{0}")]
    Random(String),
}

/// A new set: the codes to show the user once (`XXXXX-XXXXX`), and what
/// the store keeps of each. The `Debug` of the plain codes shows nothing.
pub struct NewCodes {
    pub shown: Vec<String>,
    pub stored: Vec<Stored>,
}

/// What the store keeps of a code: its lookup key and its Argon2 hash.
#[derive(Clone, Debug, PartialEq, Eq)]
pub struct Stored {
    pub lookup: String,
    pub hash: String,
}

impl std::fmt::Debug for NewCodes {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        write!(f, "NewCodes({} codes, ..)", self.shown.len())
    }
}

/// A code as typed: spaces and dashes dropped, case folded.
fn normal(code: &str) -> String {
    code.chars()
        .filter(|c| !c.is_whitespace() && *c != '-')
        .flat_map(char::to_uppercase)
        .collect()
}

/// A typed code in normal form, if it could be one at all.
fn well_formed(code: &str) -> Option<String> {
    let typed = normal(code);
    (typed.len() == LEN && typed.bytes().all(|b| ALPHABET.contains(&b))).then_some(typed)
}

/// The lookup key of `code` for `user` (three hex digits), or `None` when
/// the code is not even well formed, which needs no look-up.
pub fn lookup(user: &str, code: &str) -> Option<String> {
    use sha2::Digest;
    let typed = well_formed(code)?;
    let mut h = sha2::Sha256::new();
    h.update(b"mfac backup code lookup\0");
    h.update(user.as_bytes());
    h.update(b"\0");
    h.update(typed.as_bytes());
    let d = h.finalize();
    let (a, b) = (d.first().copied()?, d.get(1).copied()?);
    Some(format!("{a:02x}{:x}", b >> 4))
}

fn hash(code: &str) -> Result<String, BackupError> {
    let salt_bytes = crate::random_bytes::<16>().map_err(|e| BackupError::Random(e.to_string()))?;
    let salt = SaltString::encode_b64(&salt_bytes).map_err(|e| BackupError::Hash(e.to_string()))?;
    Argon2::default()
        .hash_password(normal(code).as_bytes(), &salt)
        .map(|h| h.to_string())
        .map_err(|e| BackupError::Hash(e.to_string()))
}

/// Ten new codes for `user`, and what to store of them.
pub fn new_codes(user: &str) -> Result<NewCodes, BackupError> {
    let mut shown = Vec::with_capacity(COUNT);
    let mut stored = Vec::with_capacity(COUNT);
    while shown.len() < COUNT {
        let raw = crate::random_bytes::<32>().map_err(|e| BackupError::Random(e.to_string()))?;
        // Rejection sampling: only bytes below the largest multiple of the
        // alphabet's size, so every letter is equally likely.
        let limit = (256 / ALPHABET.len() * ALPHABET.len()) as u8;
        let letters: Vec<u8> = raw
            .iter()
            .filter(|&&b| b < limit)
            .filter_map(|&b| ALPHABET.get(usize::from(b) % ALPHABET.len()).copied())
            .take(LEN)
            .collect();
        if letters.len() < LEN {
            continue;
        }
        let text = String::from_utf8_lossy(&letters).into_owned();
        let (a, b) = text.split_at(LEN / 2);
        let code = format!("{a}-{b}");
        if shown.contains(&code) {
            continue;
        }
        stored.push(Stored {
            lookup: lookup(user, &code).ok_or(BackupError::BadHash)?,
            hash: hash(&code)?,
        });
        shown.push(code);
    }
    Ok(NewCodes { shown, stored })
}

/// Which stored hash, if any, `code` matches (the store then marks it used,
/// in one compare-and-set).
pub fn find(code: &str, hashes: &[String]) -> Result<Option<usize>, BackupError> {
    let Some(typed) = well_formed(code) else {
        return Ok(None);
    };
    for (i, h) in hashes.iter().enumerate() {
        let parsed = PasswordHash::new(h).map_err(|_| BackupError::BadHash)?;
        if Argon2::default()
            .verify_password(typed.as_bytes(), &parsed)
            .is_ok()
        {
            return Ok(Some(i));
        }
    }
    Ok(None)
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn ten_distinct_codes_stored_only_as_hashes() {
        let set = new_codes("ann").unwrap();
        assert_eq!((set.shown.len(), set.stored.len()), (COUNT, COUNT));
        let hashes: Vec<String> = set.stored.iter().map(|s| s.hash.clone()).collect();
        let mut distinct = set.shown.clone();
        distinct.sort();
        distinct.dedup();
        assert_eq!(distinct.len(), COUNT);
        for (code, s) in set.shown.iter().zip(&set.stored) {
            let h = &s.hash;
            assert_eq!(Some(&s.lookup), lookup("ann", code).as_ref());
            assert_eq!(s.lookup.len(), 3);
            assert_eq!(code.len(), LEN + 1);
            assert!(h.starts_with("$argon2id$"), "{h}");
            assert!(
                !h.contains(&normal(code)),
                "the hash does not hold the code"
            );
        }
        assert!(!format!("{set:?}").contains(&set.shown[0]));
        // A typed code matches its own hash, however it is spaced or cased.
        let typed = set.shown[3].to_lowercase().replace('-', " ");
        assert_eq!(find(&typed, &hashes).unwrap(), Some(3));
        assert_eq!(lookup("ann", &typed), lookup("ann", &set.shown[3]));
        assert_eq!(find("AAAAA-AAAAA", &hashes).unwrap(), None);
        assert_eq!(find("short", &hashes).unwrap(), None);
        assert_eq!(lookup("ann", "short"), None);
        assert_eq!(
            find(&set.shown[0], &["not a hash".into()]),
            Err(BackupError::BadHash)
        );
    }
}
