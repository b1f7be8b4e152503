//! Secrets at rest (TOTP seeds, and later WebAuthn credentials and ceremony
//! state): sealed with XChaCha20-Poly1305 under a key that is never in the
//! database. Each value gets a fresh random 24-byte nonce, and is bound to
//! what it belongs to (`aad`: say, the user and factor id), so a sealed value
//! moved to another row does not open. A wrong key is a clear error, never
//! garbage.

use chacha20poly1305::aead::{Aead, KeyInit, Payload};
use chacha20poly1305::{XChaCha20Poly1305, XNonce};

const NONCE: usize = 24;
/// The length of a key file's key, in bytes.
pub const KEY_LEN: usize = 32;

/// Why a secret could not be sealed or opened.
#[derive(Debug, thiserror::Error, PartialEq, Eq)]
pub enum SecretError {
    #[error("the key must be {KEY_LEN} bytes, not {0}")]
    KeyLength(usize),
    #[error("the sealed value does not open with this key: a wrong key, or the value was changed or moved")]
    WrongKey,
    #[error("the sealed value is too short to hold a nonce")]
    Truncated,
    #[error("{0}")]
    Random(String),
}

/// The key secrets are sealed under. Its `Debug` shows nothing of it.
pub struct SecretKey(XChaCha20Poly1305);

impl std::fmt::Debug for SecretKey {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        f.write_str("SecretKey(..)")
    }
}

impl SecretKey {
    /// A key from its bytes (a key file holds exactly 32).
    pub fn from_bytes(bytes: &[u8]) -> Result<SecretKey, SecretError> {
        XChaCha20Poly1305::new_from_slice(bytes)
            .map(SecretKey)
            .map_err(|_| SecretError::KeyLength(bytes.len()))
    }

    /// A new random key, for `--demo` and for tests.
    pub fn generate() -> Result<([u8; KEY_LEN], SecretKey), SecretError> {
        let bytes =
            crate::random_bytes::<KEY_LEN>().map_err(|e| SecretError::Random(e.to_string()))?;
        Ok((bytes, SecretKey::from_bytes(&bytes)?))
    }

    /// `nonce || ciphertext`, bound to `aad`.
    pub fn seal(&self, plaintext: &[u8], aad: &[u8]) -> Result<Vec<u8>, SecretError> {
        let nonce =
            crate::random_bytes::<NONCE>().map_err(|e| SecretError::Random(e.to_string()))?;
        let sealed = self
            .0
            .encrypt(
                XNonce::from_slice(&nonce),
                Payload {
                    msg: plaintext,
                    aad,
                },
            )
            .map_err(|_| SecretError::WrongKey)?;
        Ok(nonce.iter().copied().chain(sealed).collect())
    }

    /// The plaintext of a value sealed with this key and this `aad`.
    pub fn open(&self, sealed: &[u8], aad: &[u8]) -> Result<Vec<u8>, SecretError> {
        let (nonce, body) = (sealed.get(..NONCE), sealed.get(NONCE..));
        let (Some(nonce), Some(body)) = (nonce, body) else {
            return Err(SecretError::Truncated);
        };
        self.0
            .decrypt(XNonce::from_slice(nonce), Payload { msg: body, aad })
            .map_err(|_| SecretError::WrongKey)
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn sealed_values_open_only_with_their_key_and_owner() {
        let (_, key) = SecretKey::generate().unwrap();
        let (_, other) = SecretKey::generate().unwrap();
        let sealed = key.seal(b"JBSWY3DPEHPK3PXP", b"user:ann/totp:1").unwrap();
        assert!(
            !sealed.windows(16).any(|w| w == b"JBSWY3DPEHPK3PXP"),
            "not in the clear"
        );
        assert_eq!(
            key.open(&sealed, b"user:ann/totp:1").unwrap(),
            b"JBSWY3DPEHPK3PXP"
        );
        assert_eq!(
            other.open(&sealed, b"user:ann/totp:1"),
            Err(SecretError::WrongKey)
        );
        assert_eq!(
            key.open(&sealed, b"user:bob/totp:1"),
            Err(SecretError::WrongKey),
            "moved to another row"
        );
        let mut flipped = sealed.clone();
        if let Some(b) = flipped.last_mut() {
            *b ^= 1;
        }
        assert_eq!(
            key.open(&flipped, b"user:ann/totp:1"),
            Err(SecretError::WrongKey)
        );
        assert_eq!(key.open(&sealed[..10], b""), Err(SecretError::Truncated));
        // Two seals of one value differ (a fresh nonce each time).
        assert_ne!(key.seal(b"x", b"").unwrap(), key.seal(b"x", b"").unwrap());
    }

    #[test]
    fn keys_must_be_32_bytes_and_never_show() {
        assert_eq!(
            SecretKey::from_bytes(&[0; 16]).err(),
            Some(SecretError::KeyLength(16))
        );
        let (bytes, key) = SecretKey::generate().unwrap();
        let shown = format!("{key:?}");
        assert_eq!(shown, "SecretKey(..)");
        assert!(!shown.contains(&format!("{:?}", &bytes[..4])));
    }
}
