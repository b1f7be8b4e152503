//! Bearer tokens: read from `--token-file` (one per line; blank lines and
//! `#` comments skipped), kept only as sha256 hashes, and compared in
//! constant time against every one of them, so neither a match's position
//! nor a near miss shows in the time taken.

use sha2::{Digest, Sha256};
use subtle::ConstantTimeEq;

/// The accepted tokens, hashed.
pub struct Tokens(Vec<[u8; 32]>);

impl std::fmt::Debug for Tokens {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        write!(f, "Tokens({} hashed)", self.0.len())
    }
}

/// The shortest token accepted: 128 bits as hex.
pub const MIN_LEN: usize = 32;

fn hash(token: &[u8]) -> [u8; 32] {
    Sha256::digest(token).into()
}

impl Tokens {
    /// Read a token file's text. An empty file, or a token shorter than
    /// [`MIN_LEN`], is refused (with the line, never the token).
    pub fn parse(text: &str) -> Result<Tokens, String> {
        let mut out = Vec::new();
        for (n, line) in text.lines().enumerate() {
            let t = line.trim();
            if t.is_empty() || t.starts_with('#') {
                continue;
            }
            if t.len() < MIN_LEN || t.chars().any(|c| c.is_whitespace() || c.is_control()) {
                return Err(format!(
                    "line {}: a token is at least {MIN_LEN} characters, without spaces",
                    n + 1
                ));
            }
            out.push(hash(t.as_bytes()));
        }
        if out.is_empty() {
            return Err("no token in the file".into());
        }
        Ok(Tokens(out))
    }

    /// Whether `presented` is one of the tokens; every hash is compared.
    pub fn accepts(&self, presented: &str) -> bool {
        let h = hash(presented.as_bytes());
        let mut ok = subtle::Choice::from(0);
        for t in &self.0 {
            ok |= t.ct_eq(&h);
        }
        ok.into()
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn tokens_are_hashed_and_checked() {
        let a = "a".repeat(32);
        let t = Tokens::parse(&format!("# ops\n\n{a}\n{}\n", "b".repeat(40))).unwrap();
        assert!(t.accepts(&a));
        assert!(t.accepts(&"b".repeat(40)));
        assert!(!t.accepts(&"a".repeat(31)));
        assert!(!t.accepts(""));
        assert!(!format!("{t:?}").contains(&a));
        assert!(Tokens::parse("short\n").unwrap_err().contains("line 1"));
        assert!(Tokens::parse("# nothing\n").is_err());
    }
}
