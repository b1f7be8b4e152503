//! Grant controls: what a Conditional Access policy asks of a sign-in, as
//! `enforcement` and `factors`.

use super::Cx;
use crate::finding;
use crate::source::strings;
use crate::write::Rule;
use mfac_core::{Factor, FactorSet, Level};
use serde_json::Value;

/// The factors of Entra's built-in "Multifactor authentication" strength
/// that mfac models (its e-mail one-time passcode is not MFA for members).
fn mfa() -> FactorSet {
    [Factor::Webauthn, Factor::Totp, Factor::Sms, Factor::Push]
        .into_iter()
        .collect()
}

/// The built-in strengths by id, as the factors mfac models of them.
fn built_in(id: &str) -> Option<FactorSet> {
    let tail = id.strip_prefix("00000000-0000-0000-0000-00000000000")?;
    Some(match tail {
        // Multifactor authentication.
        "2" => mfa(),
        // Passwordless: Windows Hello, FIDO2, Authenticator phone sign-in
        // (and certificates, not modelled).
        "3" => [Factor::Webauthn, Factor::Push].into_iter().collect(),
        // Phishing-resistant: Windows Hello, FIDO2 (and certificates).
        "4" => FactorSet::from_iter([Factor::Webauthn]),
        _ => return None,
    })
}

/// One authentication method of a strength's combination, as a factor;
/// `Ok(None)` for the password, which is not a second factor.
fn method(m: &str) -> Result<Option<Factor>, ()> {
    Ok(Some(match m {
        "password" => return Ok(None),
        "fido2" | "windowsHelloForBusiness" => Factor::Webauthn,
        "softwareOath" | "hardwareOath" => Factor::Totp,
        "sms" => Factor::Sms,
        "email" => Factor::Email,
        "microsoftAuthenticatorPush" | "deviceBasedPush" => Factor::Push,
        _ => return Err(()),
    }))
}

/// The grant controls into `rule`; `false` when the policy is left out
/// (it blocks).
pub(super) fn controls(cx: &mut Cx<'_>, rule: &mut Rule, display: &str) -> bool {
    let Some(g) = cx.get(&["grantControls"]).filter(|g| !g.is_null()) else {
        return true;
    };
    let controls = strings(g.get("builtInControls"));
    if controls.iter().any(|c| c.eq_ignore_ascii_case("block")) {
        cx.note(
            &finding::BLOCK,
            &["grantControls", "builtInControls"],
            format!("`{display}` blocks access; left out"),
        );
        return false;
    }
    let strength = g.get("authenticationStrength").filter(|s| !s.is_null());
    let factors = match strength {
        Some(s) => Some(strength_factors(cx, s)),
        None if controls.iter().any(|c| c.eq_ignore_ascii_case("mfa")) => Some(mfa()),
        None => None,
    };
    let others: Vec<&str> = controls
        .iter()
        .copied()
        .filter(|c| !c.eq_ignore_ascii_case("mfa"))
        .collect();
    let Some(factors) = factors else {
        if !others.is_empty() {
            cx.note(
                &finding::OTHER_CONTROL,
                &["grantControls", "builtInControls"],
                format!("`{display}` asks for {} but not MFA", others.join(", ")),
            );
        }
        return true;
    };
    if !others.is_empty() {
        let or = g
            .get("operator")
            .and_then(Value::as_str)
            .is_none_or(|o| o.eq_ignore_ascii_case("OR"));
        if or {
            rule.report_only = true;
            cx.note(
                &finding::OR_GRANT,
                &["grantControls", "operator"],
                format!(
                    "MFA or {}: a sign-in may skip MFA, so the rule only reports",
                    others.join(", ")
                ),
            );
        } else {
            cx.note(
                &finding::OTHER_CONTROL,
                &["grantControls", "builtInControls"],
                format!("MFA and {}: the MFA part is imported", others.join(", ")),
            );
        }
    }
    rule.enforcement = Some(Level::Required);
    if factors.is_empty() {
        rule.report_only = true;
        cx.note(
            &finding::NO_FACTOR,
            &["grantControls", "authenticationStrength"],
            format!("`{display}`'s strength allows no method mfac models; the rule only reports"),
        );
    } else {
        rule.factors = Some(factors);
    }
    true
}

/// The factors a strength allows: its combinations, or a built-in's.
fn strength_factors(cx: &mut Cx<'_>, s: &Value) -> FactorSet {
    // A strength named only by id: the strength policy of that id in the
    // input, if there is one (`mfac-strength:NAME` from an export).
    let id = s.get("id").and_then(Value::as_str).unwrap_or("");
    let s = match cx.strengths.get(id) {
        Some(full) if s.get("allowedCombinations").is_none() => *full,
        _ => s,
    };
    let combos = strings(s.get("allowedCombinations"));
    if combos.is_empty() {
        return built_in(id).unwrap_or_else(|| {
            cx.note(
                &finding::NO_FACTOR,
                &["grantControls", "authenticationStrength", "id"],
                format!("strength `{id}` is not a built-in one and lists no combinations"),
            );
            FactorSet::EMPTY
        });
    }
    let mut set = FactorSet::EMPTY;
    let mut dropped: Vec<&str> = Vec::new();
    for combo in combos {
        let methods: Result<Vec<Option<Factor>>, ()> =
            combo.split(',').map(|m| method(m.trim())).collect();
        match methods {
            Ok(fs) => {
                for f in fs.into_iter().flatten() {
                    set = set.with(f);
                }
            }
            Err(()) => dropped.push(combo),
        }
    }
    if !dropped.is_empty() {
        cx.note(
            &finding::UNMODELLED_FACTOR,
            &[
                "grantControls",
                "authenticationStrength",
                "allowedCombinations",
            ],
            format!("left out of the allowed factors: {}", dropped.join(", ")),
        );
    }
    set
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn methods_map_as_the_bridge_says() {
        assert_eq!(method("fido2"), Ok(Some(Factor::Webauthn)));
        assert_eq!(
            method("windowsHelloForBusiness"),
            Ok(Some(Factor::Webauthn))
        );
        assert_eq!(method("hardwareOath"), Ok(Some(Factor::Totp)));
        assert_eq!(method("deviceBasedPush"), Ok(Some(Factor::Push)));
        assert_eq!(method("password"), Ok(None));
        assert_eq!(method("x509CertificateMultiFactor"), Err(()));
        assert_eq!(method("voice"), Err(()));
        assert_eq!(
            built_in("00000000-0000-0000-0000-000000000004").map(|s| s.names()),
            Some(vec!["webauthn"])
        );
        assert_eq!(
            built_in("00000000-0000-0000-0000-000000000002"),
            Some(mfa())
        );
        assert!(built_in("00000000-0000-0000-0000-000000000009").is_none());
    }
}
