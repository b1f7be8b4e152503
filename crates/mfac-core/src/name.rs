//! How names (users, groups, apps) compare: after Unicode NFC
//! normalisation, so that `é` typed as one code point and as `e` plus a
//! combining accent are the same name wherever it is written (a policy, a
//! directory export, a sign-in request). And which characters no name may
//! hold: invisible and direction-changing ones, which make a name look
//! like another it does not match.

use std::borrow::Cow;
use unicode_normalization::{is_nfc_quick, IsNormalized, UnicodeNormalization};

/// `name` in NFC. Borrowed (no work beyond a scan) when it already is,
/// which every ASCII name is.
pub fn nfc(name: &str) -> Cow<'_, str> {
    if name.is_ascii() || is_nfc_quick(name.chars()) == IsNormalized::Yes {
        return Cow::Borrowed(name);
    }
    let composed: String = name.nfc().collect();
    if composed == name {
        Cow::Borrowed(name)
    } else {
        Cow::Owned(composed)
    }
}

/// Whether `name` is already in NFC (every ASCII name is).
pub fn is_nfc(name: &str) -> bool {
    matches!(nfc(name), Cow::Borrowed(_))
}

/// `name` in NFC, owned.
pub fn nfc_owned(name: String) -> String {
    match nfc(&name) {
        Cow::Borrowed(_) => name,
        Cow::Owned(n) => n,
    }
}

/// An invisible or direction-changing character: no-break and zero-width
/// spaces, joiners, soft hyphen, bidi embeddings, overrides and isolates,
/// the byte-order mark.
pub fn invisible(c: char) -> bool {
    matches!(
        u32::from(c),
        0x00A0 | 0x00AD | 0x180E | 0x200B..=0x200F | 0x202A..=0x202E | 0x2060..=0x2064
            | 0x2066..=0x2069 | 0xFEFF
    )
}

/// The first invisible character of `name`, if it holds one.
pub fn find_invisible(name: &str) -> Option<char> {
    name.chars().find(|&c| invisible(c))
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn composed_and_decomposed_accents_are_one_name() {
        let composed = "\u{e9}mile";
        let decomposed = "e\u{301}mile";
        assert_ne!(composed, decomposed);
        assert_eq!(nfc(decomposed), composed);
        assert!(is_nfc(composed) && is_nfc("Admins") && !is_nfc(decomposed));
        assert_eq!(nfc_owned(decomposed.to_string()), composed);
    }

    #[test]
    fn direction_overrides_and_zero_width_characters_are_found() {
        assert_eq!(find_invisible("erin\u{202e}@acme.test"), Some('\u{202e}'));
        assert_eq!(find_invisible("Adm\u{200b}ins"), Some('\u{200b}'));
        assert_eq!(find_invisible("\u{e9}mile@acme.test"), None);
    }
}
