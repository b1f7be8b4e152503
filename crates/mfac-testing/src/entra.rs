//! A small model of how Microsoft Entra Conditional Access asks for MFA at
//! a sign-in, written from Microsoft's documentation of Conditional Access
//! (every policy that matches applies, and all their grants must be met;
//! exclusions win over inclusions; report-only and disabled policies are
//! not enforced) and sharing nothing with mfac's importer, so the two can
//! be compared on generated policies and sign-ins.
//!
//! Where Entra's answer depends on what mfac cannot know (a risk level, a
//! device, "MFA or a compliant device"), the model takes the weakest case:
//! the condition does not hold, the other control is met. An import must
//! never ask for more than Entra does in that case.

use mfac_core::{Factor, FactorSet};
use serde_json::Value;

/// One sign-in, by the ids Entra sees.
#[derive(Clone, Debug)]
pub struct SignIn<'a> {
    pub user: &'a str,
    pub groups: &'a [&'a str],
    /// Directory role template ids the user holds.
    pub roles: &'a [&'a str],
    pub app: &'a str,
    pub guest: bool,
}

/// What Entra asks of the sign-in.
#[derive(Clone, Debug, PartialEq, Eq)]
pub struct Asked {
    /// Some enforced policy that applies grants MFA.
    pub mfa: bool,
    /// The methods every such policy accepts (mfac's factors).
    pub factors: FactorSet,
    /// The shortest sign-in frequency among them, in seconds (0: every
    /// time); Entra's 90-day session where none sets one.
    pub frequency: Option<i64>,
}

fn strs(v: &Value, path: &[&str]) -> Vec<String> {
    path.iter()
        .try_fold(v, |v, k| v.get(k))
        .and_then(Value::as_array)
        .map(|a| {
            a.iter()
                .filter_map(Value::as_str)
                .map(str::to_string)
                .collect()
        })
        .unwrap_or_default()
}

fn has(list: &[String], x: &str) -> bool {
    list.iter().any(|l| l.eq_ignore_ascii_case(x))
}

/// Does the policy's user condition take this sign-in in?
fn users_match(p: &Value, s: &SignIn<'_>) -> bool {
    let u = |k: &str| strs(p, &["conditions", "users", k]);
    let guest = |k: &str| s.guest && (has(&u(k), "GuestsOrExternalUsers"));
    let included = has(&u("includeUsers"), "All")
        || has(&u("includeUsers"), s.user)
        || guest("includeUsers")
        || s.groups.iter().any(|g| has(&u("includeGroups"), g))
        || s.roles.iter().any(|r| has(&u("includeRoles"), r));
    let excluded = has(&u("excludeUsers"), s.user)
        || guest("excludeUsers")
        || s.groups.iter().any(|g| has(&u("excludeGroups"), g))
        || s.roles.iter().any(|r| has(&u("excludeRoles"), r));
    included && !excluded
}

fn app_matches(p: &Value, s: &SignIn<'_>) -> bool {
    let a = |k: &str| strs(p, &["conditions", "applications", k]);
    (has(&a("includeApplications"), "All") || has(&a("includeApplications"), s.app))
        && !has(&a("excludeApplications"), s.app)
}

/// Conditions that decide at sign-in whether the policy applies; the
/// weakest case is that they do not hold.
fn conditional(p: &Value) -> bool {
    !strs(p, &["conditions", "signInRiskLevels"]).is_empty()
        || !strs(p, &["conditions", "userRiskLevels"]).is_empty()
        || p.pointer("/conditions/platforms")
            .is_some_and(|v| !v.is_null())
        || p.pointer("/conditions/locations")
            .is_some_and(|v| !v.is_null())
        || p.pointer("/conditions/devices")
            .is_some_and(|v| !v.is_null())
}

/// The methods a grant accepts, when it asks for MFA at all in the weakest
/// case.
fn grant(p: &Value) -> Option<FactorSet> {
    let g = p.get("grantControls").filter(|g| !g.is_null())?;
    let controls = strs(g, &["builtInControls"]);
    let or = g.get("operator").and_then(Value::as_str) != Some("AND");
    let others = controls.iter().any(|c| !c.eq_ignore_ascii_case("mfa"));
    if has(&controls, "block") || (or && others) {
        return None;
    }
    let multifactor: FactorSet = [Factor::Webauthn, Factor::Totp, Factor::Sms, Factor::Push]
        .into_iter()
        .collect();
    let Some(strength) = g.get("authenticationStrength").filter(|s| !s.is_null()) else {
        return has(&controls, "mfa").then_some(multifactor);
    };
    let combos = strs(strength, &["allowedCombinations"]);
    if combos.is_empty() {
        return match strength.get("id").and_then(Value::as_str)? {
            "00000000-0000-0000-0000-000000000002" => Some(multifactor),
            "00000000-0000-0000-0000-000000000003" => {
                Some([Factor::Webauthn, Factor::Push].into_iter().collect())
            }
            "00000000-0000-0000-0000-000000000004" => {
                Some(FactorSet::from_iter([Factor::Webauthn]))
            }
            _ => None,
        };
    }
    let mut set = FactorSet::EMPTY;
    for combo in combos {
        let methods: Vec<&str> = combo.split(',').filter(|m| *m != "password").collect();
        let factors: Option<Vec<Factor>> = methods
            .iter()
            .map(|m| match *m {
                "fido2" | "windowsHelloForBusiness" => Some(Factor::Webauthn),
                "softwareOath" | "hardwareOath" => Some(Factor::Totp),
                "sms" => Some(Factor::Sms),
                "email" => Some(Factor::Email),
                "microsoftAuthenticatorPush" | "deviceBasedPush" => Some(Factor::Push),
                _ => None,
            })
            .collect();
        for f in factors.unwrap_or_default() {
            set = set.with(f);
        }
    }
    // A strength with no method mfac models asks for something mfac
    // cannot check: like a condition, its weakest case is not asking.
    (!set.is_empty()).then_some(set)
}

/// The policy's sign-in frequency in seconds, 0 for every time.
fn frequency(p: &Value) -> Option<i64> {
    let f = p
        .pointer("/sessionControls/signInFrequency")
        .filter(|f| !f.is_null())?;
    if f.get("isEnabled").and_then(Value::as_bool) == Some(false) {
        return None;
    }
    if f.get("frequencyInterval").and_then(Value::as_str) == Some("everyTime") {
        return Some(0);
    }
    let unit = if f.get("type").and_then(Value::as_str) == Some("days") {
        86_400
    } else {
        3_600
    };
    f.get("value").and_then(Value::as_i64).map(|v| v * unit)
}

/// What Entra asks of `s` under `policies`.
pub fn asked(policies: &[Value], s: &SignIn<'_>) -> Asked {
    let mut out = Asked {
        mfa: false,
        factors: FactorSet::NON_RECOVERY,
        frequency: None,
    };
    for p in policies {
        let enforced = p.get("state").and_then(Value::as_str) == Some("enabled");
        if !enforced || conditional(p) || !users_match(p, s) || !app_matches(p, s) {
            continue;
        }
        let Some(set) = grant(p) else {
            continue;
        };
        out.mfa = true;
        out.factors = out.factors.intersect(set);
        let f = frequency(p).unwrap_or(90 * 86_400);
        out.frequency = Some(out.frequency.map_or(f, |x| x.min(f)));
    }
    out
}
