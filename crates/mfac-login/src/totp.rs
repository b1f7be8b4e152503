//! TOTP (RFC 6238) with totp-rs: SHA-1, 6 digits, a 30 s step and one step
//! of skew either way, 160-bit seeds from the OS generator.
//!
//! A code is accepted at most once: [`verify`] returns the time step it
//! matched, and the store accepts it only if that step is later than the
//! last one accepted for the factor, in one compare-and-set ([`accepts`] is
//! that comparison). The code that confirmed an enrolment records its step
//! the same way, so it cannot sign in again.

use jiff::Timestamp;
use totp_rs::{Algorithm, Builder, Totp};

/// RFC 6238 parameters mfac uses (what every authenticator app expects).
pub const STEP_SECONDS: u64 = 30;
pub const DIGITS: u8 = 6;
pub const SKEW_STEPS: u16 = 1;
/// 160 bits, as RFC 4226 §4 recommends.
pub const SEED_LEN: usize = 20;

/// A TOTP seed. Its `Debug` shows nothing of it; it leaves mfac only in
/// the enrolment URI, once, and is sealed at rest.
#[derive(Clone, PartialEq, Eq)]
pub struct Seed([u8; SEED_LEN]);

impl std::fmt::Debug for Seed {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        f.write_str("Seed(..)")
    }
}

/// Why a TOTP operation failed (never with the seed or the code in it).
#[derive(Debug, thiserror::Error, PartialEq, Eq)]
pub enum TotpError {
    #[error("a stored TOTP seed has the wrong length ({0} bytes)")]
    SeedLength(usize),
    #[error("cannot build the enrolment link: {0}")]
    Uri(String),
    #[error("{0}")]
    Random(String),
}

impl Seed {
    /// A new seed from the OS generator.
    pub fn generate() -> Result<Seed, TotpError> {
        crate::random_bytes::<SEED_LEN>()
            .map(Seed)
            .map_err(|e| TotpError::Random(e.to_string()))
    }

    /// A seed read back from the store (after opening its seal).
    pub fn from_bytes(bytes: &[u8]) -> Result<Seed, TotpError> {
        <[u8; SEED_LEN]>::try_from(bytes)
            .map(Seed)
            .map_err(|_| TotpError::SeedLength(bytes.len()))
    }

    pub fn as_bytes(&self) -> &[u8] {
        &self.0
    }

    fn totp(&self, issuer: Option<&str>, account: &str) -> Totp {
        // The parameters are fixed and RFC-compliant, and the seed is 160
        // bits, so `build` cannot reject them; labels with `:` are cleaned
        // by `enrolment_uri` before they get here.
        Builder::new()
            .with_algorithm(Algorithm::SHA1)
            .with_digits(DIGITS)
            .with_skew(SKEW_STEPS)
            .with_step_duration(STEP_SECONDS)
            .with_secret(self.0.to_vec())
            .with_account_name(account.to_string())
            .with_issuer(issuer.map(str::to_string))
            .build_noncompliant()
    }

    /// The `otpauth://totp/...` link an authenticator app scans, with the
    /// seed in it: shown once, at enrolment.
    pub fn enrolment_uri(&self, issuer: &str, account: &str) -> Result<String, TotpError> {
        // `:` separates issuer and account in the label; neither may hold one.
        let clean = |s: &str| s.replace(':', "-");
        self.totp(Some(&clean(issuer)), &clean(account))
            .to_url()
            .map_err(|e| TotpError::Uri(e.to_string()))
    }

    /// The seed in an `otpauth://totp/...` link, as an authenticator app
    /// reads it from the QR code: the inverse of [`Seed::enrolment_uri`].
    /// The error says nothing of the link, which holds the seed.
    pub fn from_enrolment_uri(uri: &str) -> Result<Seed, TotpError> {
        let totp = Totp::from_url_unchecked(uri)
            .map_err(|_| TotpError::Uri("not an otpauth link with a TOTP secret".into()))?;
        Seed::from_bytes(totp.secret().as_bytes())
    }

    /// The enrolment link as an SVG QR code (medium error correction, a
    /// four-module quiet zone), for a page to show once.
    pub fn enrolment_qr_svg(&self, issuer: &str, account: &str) -> Result<String, TotpError> {
        let uri = self.enrolment_uri(issuer, account)?;
        let qr = qrcodegen::QrCode::encode_text(&uri, qrcodegen::QrCodeEcc::Medium)
            .map_err(|e| TotpError::Uri(e.to_string()))?;
        let (size, border) = (qr.size(), 4);
        let mut path = String::new();
        for y in 0..size {
            for x in 0..size {
                if qr.get_module(x, y) {
                    path.push_str(&format!("M{},{}h1v1h-1z", x + border, y + border));
                }
            }
        }
        let full = size + 2 * border;
        Ok(format!(
            "<svg xmlns=\"http://www.w3.org/2000/svg\" viewBox=\"0 0 {full} {full}\" shape-rendering=\"crispEdges\"><rect width=\"100%\" height=\"100%\" fill=\"#fff\"/><path d=\"{path}\" fill=\"#000\"/></svg>"
        ))
    }

    /// The code an authenticator shows at `at` (for tests and the demo's
    /// self-check; never logged).
    pub fn code_at(&self, at: Timestamp) -> String {
        self.totp(None, "").generate(seconds(at)).to_string()
    }
}

fn seconds(at: Timestamp) -> u64 {
    u64::try_from(at.as_second()).unwrap_or(0)
}

/// The time step `code` matches at `at`, within one step of skew (the
/// oldest, when it matches two); `None` if it matches none (or is not six
/// digits).
pub fn verify(seed: &Seed, code: &str, at: Timestamp) -> Option<u64> {
    matching_steps(seed, code, at).into_iter().next()
}

/// Every time step within one step of skew whose code is `code`, oldest
/// first. Two steps share a code about once in a million: a verification
/// tries each, so a fresh code whose older twin was used is not taken for
/// a replay of it.
pub fn matching_steps(seed: &Seed, code: &str, at: Timestamp) -> Vec<u64> {
    let code = code.trim();
    if code.len() != usize::from(DIGITS) || !code.bytes().all(|b| b.is_ascii_digit()) {
        return Vec::new();
    }
    let totp = seed.totp(None, "");
    let now = seconds(at) / STEP_SECONDS;
    let skew = u64::from(SKEW_STEPS);
    (now.saturating_sub(skew)..=now.saturating_add(skew))
        .filter(|step| same(&totp.generate(step * STEP_SECONDS).to_string(), code))
        .collect()
}

/// Equal, in time that does not depend on where they differ.
fn same(a: &str, b: &str) -> bool {
    a.len() == b.len() && a.bytes().zip(b.bytes()).fold(0u8, |d, (x, y)| d | (x ^ y)) == 0
}

/// May a code of `step` be accepted, when `last` was the last step accepted
/// for the factor? Only a later step: each step at most once, and never an
/// older one after a newer (a code seen over someone's shoulder is dead once
/// the user has signed in with the next one).
pub fn accepts(last: Option<u64>, step: u64) -> bool {
    last.is_none_or(|l| step > l)
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn a_code_two_steps_share_matches_both_oldest_first() {
        // Look for a seed and step whose code equals the next step's: about
        // one in a million pairs, so search a few seeds' steps.
        let mut found = None;
        'seeds: for n in 0u8..=255 {
            let seed = Seed::from_bytes(&[n; 20]).unwrap();
            let totp = seed.totp(None, "");
            for step in 0..20_000u64 {
                let (a, b) = (totp.generate(step * 30), totp.generate((step + 1) * 30));
                if a == b {
                    found = Some((seed, step, a.to_string()));
                    break 'seeds;
                }
            }
        }
        let Some((seed, step, code)) = found else {
            panic!("no two steps share a code in 5 million: the search is wrong");
        };
        let at = Timestamp::from_second(i64::try_from((step + 1) * 30).unwrap()).unwrap();
        assert_eq!(matching_steps(&seed, &code, at), vec![step, step + 1]);
        assert_eq!(verify(&seed, &code, at), Some(step));
    }

    fn at(s: i64) -> Timestamp {
        Timestamp::from_second(s).unwrap()
    }

    /// RFC 6238 appendix B, SHA-1 seed "12345678901234567890", 8 digits there;
    /// the last 6 digits are the 6-digit code.
    #[test]
    fn matches_the_rfc_test_vectors() {
        let seed = Seed::from_bytes(b"12345678901234567890").unwrap();
        for (t, code) in [
            (59, "287082"),
            (1111111109, "081804"),
            (1234567890, "005924"),
            (2000000000, "279037"),
        ] {
            assert_eq!(seed.code_at(at(t)), code, "t={t}");
            assert_eq!(verify(&seed, code, at(t)), Some(t as u64 / 30));
        }
    }

    #[test]
    fn the_enrolment_link_gives_its_seed_back() {
        let seed = Seed::generate().unwrap();
        let uri = seed.enrolment_uri("mfac", "ann@acme.test").unwrap();
        assert_eq!(Seed::from_enrolment_uri(&uri).unwrap(), seed);
        let e = Seed::from_enrolment_uri("https://example.test/?secret=AAAA").unwrap_err();
        assert!(!e.to_string().contains("AAAA"), "{e}");
    }

    #[test]
    fn one_step_of_skew_either_way_and_no_more() {
        let seed = Seed::generate().unwrap();
        let t = 1_800_000_015; // mid-step
        let code = seed.code_at(at(t));
        let step = t as u64 / 30;
        assert_eq!(verify(&seed, &code, at(t)), Some(step));
        assert_eq!(
            verify(&seed, &code, at(t + 30)),
            Some(step),
            "one step late"
        );
        assert_eq!(
            verify(&seed, &code, at(t - 30)),
            Some(step),
            "one step early"
        );
        assert_eq!(verify(&seed, &code, at(t + 60)), None, "two steps late");
        assert_eq!(verify(&seed, &code, at(t - 60)), None, "two steps early");
        // The edges of the window, to the second.
        let start = (step as i64) * 30;
        assert_eq!(verify(&seed, &code, at(start + 59)), Some(step));
        assert_eq!(verify(&seed, &code, at(start + 60)), None);
        assert_eq!(verify(&seed, &code, at(start - 30)), Some(step));
        assert_eq!(verify(&seed, &code, at(start - 31)), None);
    }

    #[test]
    fn malformed_codes_match_nothing() {
        let seed = Seed::generate().unwrap();
        let code = seed.code_at(at(1_800_000_000));
        for bad in [
            "",
            "12345",
            "1234567",
            "12a456",
            "١٢٣٤٥٦",
            &format!("{code}0"),
        ] {
            assert_eq!(verify(&seed, bad, at(1_800_000_000)), None, "{bad}");
        }
        assert!(
            verify(&seed, &format!(" {code} "), at(1_800_000_000)).is_some(),
            "spaces around are fine"
        );
    }

    #[test]
    fn each_step_is_accepted_once_and_never_an_older_one() {
        assert!(accepts(None, 10));
        assert!(!accepts(Some(10), 10), "the same code twice");
        assert!(!accepts(Some(11), 10), "an older code after a newer one");
        assert!(accepts(Some(10), 11));
    }

    #[test]
    fn the_seed_never_shows_and_the_uri_carries_it_once() {
        let seed = Seed::from_bytes(b"12345678901234567890").unwrap();
        assert_eq!(format!("{seed:?}"), "Seed(..)");
        let uri = seed.enrolment_uri("Acme: SSO", "ann@acme.test").unwrap();
        assert!(uri.starts_with("otpauth://totp/"), "{uri}");
        assert!(
            uri.contains("secret=GEZDGNBVGY3TQOJQGEZDGNBVGY3TQOJQ"),
            "{uri}"
        );
        assert!(
            uri.contains("period=30") || !uri.contains("period="),
            "{uri}"
        );
        assert!(
            !uri.contains("Acme:%20SSO") && !uri.contains("Acme: SSO"),
            "no `:` in the issuer: {uri}"
        );
        assert_eq!(
            Seed::from_bytes(&[1; 19]).err(),
            Some(TotpError::SeedLength(19))
        );
    }
}
