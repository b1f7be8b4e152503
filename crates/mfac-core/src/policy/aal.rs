//! Authenticator assurance levels (NIST SP 800-63B): what a login reaches,
//! and what a rule's `assurance` demands.

use super::{Factor, FactorSet, Level};
use serde::{Deserialize, Serialize};
use std::fmt;

/// An assurance level. A login without a second factor reaches AAL1; with
/// any allowed second factor, AAL2; with a passkey that verified its user
/// (webauthn with UV) only, AAL3. Serialized as the number (`"aal": 2`).
#[derive(Clone, Copy, Debug, PartialEq, Eq, Hash, PartialOrd, Ord)]
pub enum Aal {
    Aal1 = 1,
    Aal2 = 2,
    Aal3 = 3,
}

impl Aal {
    /// The number NIST gives it.
    pub fn number(self) -> u8 {
        self as u8
    }

    pub fn from_number(n: u8) -> Option<Aal> {
        match n {
            1 => Some(Aal::Aal1),
            2 => Some(Aal::Aal2),
            3 => Some(Aal::Aal3),
            _ => None,
        }
    }

    /// `aal2` or `aal3`, as `assurance` writes it (AAL1 demands nothing,
    /// so the language has no word for it).
    pub fn from_name(s: &str) -> Option<Aal> {
        match s {
            "aal2" => Some(Aal::Aal2),
            "aal3" => Some(Aal::Aal3),
            _ => None,
        }
    }

    /// What verifying one factor of this kind reaches: a passkey, AAL3
    /// when it verified its user; any other second factor, AAL2.
    pub fn of_factor(f: Factor, user_verified: bool) -> Aal {
        if f == Factor::Webauthn && user_verified {
            Aal::Aal3
        } else {
            Aal::Aal2
        }
    }

    /// The least a login completed with any one of `factors` reaches (a
    /// passkey counted as verifying its user, as an AAL3 challenge asks):
    /// AAL1 for no factor.
    pub fn least_of(factors: FactorSet) -> Aal {
        factors
            .iter()
            .map(|f| Aal::of_factor(f, true))
            .min()
            .unwrap_or(Aal::Aal1)
    }

    /// The factors that can reach this level: a demand for AAL3 narrows a
    /// rule's factors to these.
    pub fn factors(self) -> FactorSet {
        match self {
            Aal::Aal3 => FactorSet::single(Factor::Webauthn),
            Aal::Aal1 | Aal::Aal2 => FactorSet::ALL,
        }
    }

    /// What `assurance` writes for one rule, lowered to the fields the
    /// evaluator reads: MFA required, and the factors narrowed to those
    /// that reach the level (all of them when the rule lists none).
    pub fn lower(self, enforcement: Option<Level>, factors: Option<FactorSet>) -> Lowered {
        let narrowed = match (self, factors) {
            (Aal::Aal3, f) => Some(f.unwrap_or(FactorSet::ALL).intersect(self.factors())),
            (_, f) => f,
        };
        Lowered {
            enforcement: Some(Level::Required.max(enforcement.unwrap_or(Level::Off))),
            factors: narrowed,
        }
    }
}

/// A rule's enforcement and factors once its `assurance` is applied.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub struct Lowered {
    pub enforcement: Option<Level>,
    pub factors: Option<FactorSet>,
}

impl fmt::Display for Aal {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        write!(f, "aal{}", self.number())
    }
}

/// On the wire a level is its number: 1, 2 or 3.
#[cfg(feature = "openapi")]
impl utoipa::PartialSchema for Aal {
    fn schema() -> utoipa::openapi::RefOr<utoipa::openapi::schema::Schema> {
        utoipa::openapi::schema::ObjectBuilder::new()
            .schema_type(utoipa::openapi::schema::Type::Integer)
            .enum_values(Some([1, 2, 3]))
            .description(Some(
                "NIST SP 800-63B assurance level: 1 without a second factor, 2 with any, 3 with a user-verifying passkey only",
            ))
            .into()
    }
}

#[cfg(feature = "openapi")]
impl utoipa::ToSchema for Aal {}

impl Serialize for Aal {
    fn serialize<S: serde::Serializer>(&self, s: S) -> Result<S::Ok, S::Error> {
        s.serialize_u8(self.number())
    }
}

impl<'de> Deserialize<'de> for Aal {
    fn deserialize<D: serde::Deserializer<'de>>(d: D) -> Result<Self, D::Error> {
        let n = u8::deserialize(d)?;
        Aal::from_number(n)
            .ok_or_else(|| serde::de::Error::custom(format!("no assurance level {n}: 1, 2 or 3")))
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn levels_from_factors() {
        let set = |fs: &[Factor]| fs.iter().copied().collect::<FactorSet>();
        assert_eq!(Aal::least_of(FactorSet::EMPTY), Aal::Aal1);
        assert_eq!(Aal::least_of(set(&[Factor::Webauthn])), Aal::Aal3);
        assert_eq!(
            Aal::least_of(set(&[Factor::Webauthn, Factor::Totp])),
            Aal::Aal2
        );
        assert_eq!(Aal::of_factor(Factor::Webauthn, false), Aal::Aal2);
        assert_eq!(Aal::of_factor(Factor::Sms, true), Aal::Aal2);
    }

    #[test]
    fn a_demand_requires_mfa_and_narrows_for_aal3_only() {
        let totp = Some(FactorSet::single(Factor::Totp));
        let l = Aal::Aal2.lower(Some(Level::Optional), totp);
        assert_eq!((l.enforcement, l.factors), (Some(Level::Required), totp));
        let l = Aal::Aal3.lower(None, None);
        assert_eq!(
            (l.enforcement, l.factors),
            (
                Some(Level::Required),
                Some(FactorSet::single(Factor::Webauthn))
            )
        );
        assert_eq!(Aal::Aal3.lower(None, totp).factors, Some(FactorSet::EMPTY));
    }

    #[test]
    fn serialized_as_its_number() {
        assert_eq!(serde_json::to_string(&Aal::Aal3).ok().as_deref(), Some("3"));
        assert!(serde_json::from_str::<Aal>("4").is_err());
        assert_eq!(serde_json::from_str::<Aal>("2").ok(), Some(Aal::Aal2));
    }
}
