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
    /// Why it is a finding, with an example of the input that causes it.
    pub doc: &'static str,
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

/// `I002 unmodelled-condition policies.json#/value/2/conditions: message`.
impl std::fmt::Display for Finding {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        write!(
            f,
            "{} {} {}#{}: {}",
            self.code.code, self.code.name, self.file, self.pointer, self.message
        )
    }
}

macro_rules! codes {
    ($($id:ident = $code:literal $name:literal $help:literal $doc:literal;)*) => {
        $(pub static $id: Code = Code { code: $code, name: $name, help: $help, doc: $doc };)*
        /// Every code, in order.
        pub static CODES: &[&Code] = &[$(&$id),*];
    };
}

codes! {
    DISABLED = "I001" "disabled-policy"
        "a disabled policy enforces nothing; enable it in the provider, or leave it out"
        "Why: a disabled Conditional Access policy asks nothing of anyone, so importing it as a rule would claim MFA the tenant does not ask for.\n\nExample: `\"state\": \"disabled\"`.";
    UNMODELLED_CONDITION = "I002" "unmodelled-condition"
        "mfac cannot know when this condition holds, so the rule only reports: no proof may lean on MFA the provider asks for only sometimes"
        "Why: risk levels, device platforms, network locations, device filters, authentication flows and client app types decide at sign-in whether a policy applies; mfac cannot know them ahead, so a proof that counted on that MFA could pass while real sign-ins skip it. The rule is imported `report_only`: `simulate` and the audit see it, and no proof counts on it.\n\nExample: `\"signInRiskLevels\": [\"high\", \"medium\"]`.";
    BLOCK = "I003" "block-grant"
        "mfac decides MFA, not access: keep blocking rules in the provider"
        "Why: a blocking policy denies access outright; mfac decides which second factor a sign-in needs, not whether it may happen at all.\n\nExample: `\"builtInControls\": [\"block\"]`.";
    OR_GRANT = "I004" "or-grant"
        "with `OR`, a sign-in may satisfy another control instead of MFA, so the rule only reports"
        "Why: with the `OR` operator a sign-in satisfies the policy with any one control, so a compliant or joined device, or an approved app, lets it through without MFA.\n\nExample: `\"operator\": \"OR\", \"builtInControls\": [\"mfa\", \"compliantDevice\"]`.";
    UNMODELLED_FACTOR = "I005" "unmodelled-factor"
        "mfac models webauthn, totp, sms, email and push; other methods are left out of the allowed factors"
        "Why: certificates, voice calls, temporary access passes and federated factors are not factors mfac verifies or reasons about; they are left out of the rule's `factors`, so the rule allows less than Entra does, never more.\n\nExample: `\"allowedCombinations\": [\"x509CertificateMultiFactor\"]`.";
    NO_FACTOR = "I006" "no-modelled-factor"
        "no allowed method is one mfac models, so the rule only reports"
        "Why: an authentication strength whose every combination is left out would allow no factor: imported as enforced, it would lock everyone out in mfac's eyes. It is imported `report_only` instead.\n\nExample: a custom strength of certificates only.";
    DEFAULT_SESSION = "I007" "default-session"
        "the provider does not ask for MFA again while its session lasts; shorten the session (in Entra, set a sign-in frequency) to ask sooner"
        "Why: a provider does not ask for MFA again while a session lasts: Entra without a sign-in frequency keeps it up to its 90-day rolling default, Okta for the factor or session lifetime, Keycloak while its SSO cookie lives. Importing the rule as MFA at every sign-in would prove more than the provider does, so the rule gets `remember` for that long.\n\nExample: a policy with `\"sessionControls\": null`.";
    UNNAMED_ID = "I008" "unnamed-id"
        "give the export of the groups or apps (--groups, --apps) so the policy names them"
        "Why: the export holds ids; without the group, app or user objects beside it the policy names them by id, which works, but reads poorly and will not match a directory file by name.\n\nExample: `\"includeGroups\": [\"a0000000-...\"]` without `--groups`.";
    GUESTS = "I009" "guests"
        "guests and external users become one group; map it to your directory's guest accounts"
        "Why: Entra's guest and external user types are not groups; mfac names them as one group, `Guests or external users`, which a directory file must then give those accounts.\n\nExample: `\"excludeUsers\": [\"GuestsOrExternalUsers\"]`.";
    NOT_TARGETED = "I010" "not-targeted"
        "user actions and authentication contexts are not sign-ins to an app; the part is left out"
        "Why: user actions (registering security information, joining devices) and authentication contexts are not sign-ins to an app, which is what mfac decides.\n\nExample: `\"includeUserActions\": [\"urn:user:registersecurityinfo\"]`.";
    SESSION_NOTE = "I011" "session-note"
        "a session control mfac does not model is noted and left out"
        "Why: persistent browser sessions, app-enforced restrictions and Defender for Cloud Apps controls change a session, not which factor a sign-in needs.\n\nExample: `\"persistentBrowser\": {\"mode\": \"never\", \"isEnabled\": true}`.";
    NOT_A_POLICY = "I012" "not-a-policy"
        "the object is not a policy of the kind imported; it is left out"
        "Why: the object has no `conditions`, so it is not a Conditional Access policy (a group, an app or a named location exported beside them, say).\n\nExample: a `namedLocation` object among the policies.";
    OTHER_CONTROL = "I013" "other-control"
        "with `AND`, the MFA part is imported and the other controls are left to the provider"
        "Why: with the `AND` operator every control is needed, so the MFA part holds and is imported; the other controls (a compliant device, terms of use) stay Entra's. A policy that asks for no MFA at all and sets no sign-in frequency has nothing for mfac and is left out.\n\nExample: `\"operator\": \"AND\", \"builtInControls\": [\"mfa\", \"compliantDevice\"]`.";
    NO_SCOPE = "I014" "no-scope"
        "the policy names nobody or no app mfac can model, so it applies to nobody here"
        "Why: a policy that includes no user or no app (`None`, or only user actions) applies to no sign-in.\n\nExample: `\"includeUsers\": [\"None\"]`.";
    UNREACHED = "I015" "unreached-rule"
        "an earlier rule matches everyone this rule could match first; reorder the rules in the provider if this one should apply"
        "Why: Okta applies the first matching rule (policies by priority, then their rules by priority). A rule after one that takes everyone never applies, so it is left out rather than imported as if it did.\n\nExample: a rule at priority 2 after a priority-1 rule with no people condition.";
    FIRST_MATCH = "I016" "first-match-approximation"
        "the earlier rule's own exclusions are not carried into this rule's `except`; simplify the earlier rule's people condition to import it exactly"
        "Why: first match is written with `except`: each rule leaves out the people of every earlier rule. When an earlier rule itself leaves someone out, that person reaches this rule in the provider but is left out here, so mfac asks for less than the provider does (the safe direction for proofs, but not exact).\n\nExample: a priority-1 rule for group Staff except user bob, before a priority-2 rule for everyone.";
    NOT_IMPORTED = "I017" "not-imported-yet"
        "this kind of policy is not imported yet; it is left out"
        "Why: the importer reads the kinds of policy whose mapping is built (Okta's global session and enrolment policies, `OKTA_SIGN_ON` and `MFA_ENROLL`); app sign-on policies (`ACCESS_POLICY`) are left out with this finding rather than guessed at.\n\nExample: `\"type\": \"ACCESS_POLICY\"`.";
    UNMATCHED_PEOPLE = "I018" "people-in-both"
        "mfac's `for` is a union: a policy limited to some groups with a rule limited to others means members of both, which it cannot say; the rule only reports"
        "Why: an Okta rule applies to people its policy includes and the rule includes: the intersection of two group lists. A scope in mfac names whom it is for as a union, so the rule is imported `report_only` rather than for too many people.\n\nExample: a policy for group Staff with a rule for group Finance.";
}

/// The code named `want` (its code or its name), if it is one.
pub fn find(want: &str) -> Option<&'static Code> {
    CODES
        .iter()
        .copied()
        .find(|c| c.code.eq_ignore_ascii_case(want) || c.name == want)
}

/// `mfac explain`'s text for a code.
pub fn explain(c: &Code) -> String {
    format!(
        "{} {}: an import finding\n\n{}\n\nHelp shown with each finding: {}\n",
        c.code, c.name, c.doc, c.help
    )
}

/// Every import finding as markdown, for the rules page.
pub fn markdown() -> String {
    let mut o = String::from("## Import findings (`mfac import`)\n\n");
    for c in CODES {
        o.push_str(&format!(
            "### {} `{}`\n\n{}\n\nHelp shown with each finding: {}\n\n",
            c.code, c.name, c.doc, c.help
        ));
    }
    o
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
