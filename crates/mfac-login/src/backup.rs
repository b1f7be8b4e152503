//! Backup codes: ten random codes, shown once, stored only as argon2 hashes,
//! each usable once; a new set replaces the old. They answer a challenge only
//! where the policy's `recovery backup_code` puts `backup_code` among the
//! allowed factors (the decision says so; the store enforces "once").

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

/// A new set: the codes to show the user once (`XXXXX-XXXXX`), and the
/// hashes to store. The `Debug` of the plain codes shows nothing.
pub struct NewCodes {
    pub shown: Vec<String>,
    pub hashes: Vec<String>,
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

fn hash(code: &str) -> Result<String, BackupError> {
    let salt_bytes = crate::random_bytes::<16>().map_err(|e| BackupError::Random(e.to_string()))?;
    let salt = SaltString::encode_b64(&salt_bytes).map_err(|e| BackupError::Hash(e.to_string()))?;
    Argon2::default()
        .hash_password(normal(code).as_bytes(), &salt)
        .map(|h| h.to_string())
        .map_err(|e| BackupError::Hash(e.to_string()))
}

/// Ten new codes and their hashes.
pub fn new_codes() -> Result<NewCodes, BackupError> {
    let mut shown = Vec::with_capacity(COUNT);
    let mut hashes = Vec::with_capacity(COUNT);
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
        hashes.push(hash(&code)?);
        shown.push(code);
    }
    Ok(NewCodes { shown, hashes })
}

/// Which stored hash, if any, `code` matches (the store then marks it used,
/// in one compare-and-set).
pub fn find(code: &str, hashes: &[String]) -> Result<Option<usize>, BackupError> {
    let typed = normal(code);
    if typed.len() != LEN || !typed.bytes().all(|b| ALPHABET.contains(&b)) {
        return Ok(None);
    }
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
        let set = new_codes().unwrap();
        assert_eq!((set.shown.len(), set.hashes.len()), (COUNT, COUNT));
        let mut distinct = set.shown.clone();
        distinct.sort();
        distinct.dedup();
        assert_eq!(distinct.len(), COUNT);
        for (code, h) in set.shown.iter().zip(&set.hashes) {
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
        assert_eq!(find(&typed, &set.hashes).unwrap(), Some(3));
        assert_eq!(find("AAAAA-AAAAA", &set.hashes).unwrap(), None);
        assert_eq!(find("short", &set.hashes).unwrap(), None);
        assert_eq!(
            find(&set.shown[0], &["not a hash".into()]),
            Err(BackupError::BadHash)
        );
    }
}
