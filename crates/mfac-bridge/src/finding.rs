//! What an import could not carry over as it was, and what it did instead.
//! Nothing is dropped in silence: every construct that does not map is a
//! finding with a stable code, the source file and a JSON pointer into it.

/// A kind of finding: its stable code, a short name, and what to do.
#[derive(Debug, PartialEq, Eq)]
pub struct Code {
    pub code: &'static str,
    pub name: &'static str,
    /// One line: what the reader can do about it.
    pub help: &'static str,
}

/// One construct that did not map.
#[derive(Clone, Debug, PartialEq, Eq)]
pub struct Finding {
    pub code: &'static Code,
    /// The source file.
    pub file: String,
    /// Where in the file, as a JSON pointer.
    pub pointer: String,
    /// What was found and what was done with it, in one line.
    pub message: String,
}

macro_rules! codes {
    ($($id:ident = $code:literal $name:literal $help:literal;)*) => {
        $(pub static $id: Code = Code { code: $code, name: $name, help: $help };)*
        /// Every code, in order.
        pub static CODES: &[&Code] = &[$(&$id),*];
    };
}

codes! {
    DISABLED = "I001" "disabled-policy"
        "a disabled policy enforces nothing; enable it in the provider, or leave it out";
    UNMODELLED_CONDITION = "I002" "unmodelled-condition"
        "mfac cannot know when this condition holds, so the rule only reports: no proof may lean on MFA the provider asks for only sometimes";
    BLOCK = "I003" "block-grant"
        "mfac decides MFA, not access: keep blocking rules in the provider";
    OR_GRANT = "I004" "or-grant"
        "with `OR`, a sign-in may satisfy another control instead of MFA, so the rule only reports";
    UNMODELLED_FACTOR = "I005" "unmodelled-factor"
        "mfac models webauthn, totp, sms, email and push; other methods are left out of the allowed factors";
    NO_FACTOR = "I006" "no-modelled-factor"
        "no allowed method is one mfac models, so the rule only reports";
    DEFAULT_SESSION = "I007" "default-session"
        "without a sign-in frequency the provider keeps a session up to 90 days; set one to ask again sooner";
    UNNAMED_ID = "I008" "unnamed-id"
        "give the export of the groups or apps (--groups, --apps) so the policy names them";
    GUESTS = "I009" "guests"
        "guests and external users become one group; map it to your directory's guest accounts";
    NOT_TARGETED = "I010" "not-targeted"
        "user actions and authentication contexts are not sign-ins to an app; the part is left out";
    SESSION_NOTE = "I011" "session-note"
        "a session control mfac does not model is noted and left out";
    NOT_A_POLICY = "I012" "not-a-policy"
        "the object is not a policy of the kind imported; it is left out";
    OTHER_CONTROL = "I013" "other-control"
        "with `AND`, the MFA part is imported and the other controls are left to the provider";
    NO_SCOPE = "I014" "no-scope"
        "the policy names nobody or no app mfac can model, so it applies to nobody here";
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn codes_are_unique_and_in_order() {
        let codes: Vec<&str> = CODES.iter().map(|c| c.code).collect();
        let mut sorted = codes.clone();
        sorted.sort_unstable();
        sorted.dedup();
        assert_eq!(codes, sorted);
        let mut names: Vec<&str> = CODES.iter().map(|c| c.name).collect();
        names.sort_unstable();
        names.dedup();
        assert_eq!(names.len(), CODES.len());
    }
}
