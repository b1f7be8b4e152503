//! mfac-login: the half of mfac that runs at sign-in (the service's
//! contract is `docs/api.md`), above `mfac-core` and beside the language.
//!
//! This first part is the verification logic itself, pure and with an
//! injectable clock: TOTP ([`totp`]), backup codes ([`backup`]), the failure
//! throttle ([`throttle`]) and secrets sealed at rest ([`secret`]). The
//! store that keeps their state (SQLite and PostgreSQL), the login API over
//! it, WebAuthn and the audit trail build on these.

#![forbid(unsafe_code)]

pub mod api;
pub mod backup;
pub mod clock;
pub mod events;
pub mod helpdesk;
mod ids;
pub mod kinds;
pub mod login;
pub mod reason;
pub mod request;
pub mod secret;
pub mod status;
pub mod store;
pub mod throttle;
pub mod totp;
pub mod verify;
/// Passkeys: the relying party and the ceremonies (the passkey kind).
pub use kinds::passkey as webauthn;

/// Random bytes from the operating system. A failure of the OS generator is
/// an error, never a weak fallback.
pub fn random_bytes<const N: usize>() -> Result<[u8; N], RandomError> {
    let mut buf = [0u8; N];
    getrandom::fill(&mut buf).map_err(|e| RandomError(e.to_string()))?;
    Ok(buf)
}

/// An id nobody can guess (logins, ceremonies, decisions): 128 bits of a
/// CSPRNG keyed from the OS ([`ids`]), in hex.
pub fn random_id() -> Result<String, RandomError> {
    Ok(hex(&ids::id_bytes()?))
}

/// Lower-case hex of the sha256 of `bytes`: how a policy file is named in
/// answers, logs and the audit.
pub fn sha256_hex(bytes: &[u8]) -> String {
    use sha2::Digest;
    hex(&sha2::Sha256::digest(bytes))
}

/// Lower-case hex of `bytes`, two digits a byte, in one allocation (ids
/// are made on every decision).
pub fn hex(bytes: &[u8]) -> String {
    let digit = |n: u8| char::from_digit(u32::from(n), 16).unwrap_or('0');
    let mut s = String::with_capacity(bytes.len() * 2);
    for b in bytes {
        s.push(digit(b >> 4));
        s.push(digit(b & 15));
    }
    s
}

/// The operating system could not supply random bytes.
#[derive(Debug, thiserror::Error)]
#[error("the operating system's random number generator failed: {0}")]
pub struct RandomError(String);

#[cfg(test)]
mod tests {
    #[test]
    fn hex_is_two_lower_case_digits_a_byte() {
        assert_eq!(super::hex(&[0x00, 0x0f, 0xa5, 0xff]), "000fa5ff");
        assert_eq!(super::hex(&[]), "");
        let id = super::random_id().unwrap();
        assert_eq!(id.len(), 32);
        assert!(id
            .bytes()
            .all(|b| b.is_ascii_hexdigit() && !b.is_ascii_uppercase()));
    }
}
