//! Factor kinds and enforcement levels, the words every stage shares.

use serde::{Deserialize, Serialize};
use std::fmt;

/// A factor kind. Declared in name order so that bit order is name order and
/// every listing of a [`FactorSet`] comes out sorted by name.
#[derive(Clone, Copy, Debug, PartialEq, Eq, Hash, PartialOrd, Ord, Serialize, Deserialize)]
#[cfg_attr(feature = "openapi", derive(utoipa::ToSchema))]
#[serde(rename_all = "snake_case")]
pub enum Factor {
    BackupCode,
    Email,
    Push,
    Sms,
    Totp,
    Webauthn,
}

impl Factor {
    pub const ALL: [Factor; 6] = [
        Factor::BackupCode,
        Factor::Email,
        Factor::Push,
        Factor::Sms,
        Factor::Totp,
        Factor::Webauthn,
    ];

    pub fn name(self) -> &'static str {
        match self {
            Factor::BackupCode => "backup_code",
            Factor::Email => "email",
            Factor::Push => "push",
            Factor::Sms => "sms",
            Factor::Totp => "totp",
            Factor::Webauthn => "webauthn",
        }
    }

    pub fn from_name(name: &str) -> Option<Factor> {
        Factor::ALL.into_iter().find(|f| f.name() == name)
    }

    /// Delivered and checked by the caller's own provider (sms, email,
    /// push), not by mfac.
    pub fn is_external(self) -> bool {
        matches!(self, Factor::Email | Factor::Push | Factor::Sms)
    }

    fn bit(self) -> u8 {
        1 << (self as u8)
    }
}

impl fmt::Display for Factor {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.write_str(self.name())
    }
}

/// A set of factor kinds as a bitset: intersection and membership are one
/// instruction each, which is what the login-time evaluator needs.
#[derive(Clone, Copy, Debug, Default, PartialEq, Eq, Hash, PartialOrd, Ord)]
pub struct FactorSet(u8);

impl FactorSet {
    pub const EMPTY: FactorSet = FactorSet(0);
    /// Every factor that can answer a challenge without a recovery rule.
    pub const NON_RECOVERY: FactorSet = FactorSet(0b11_1110);
    pub const ALL: FactorSet = FactorSet(0b11_1111);

    pub fn bits(self) -> u8 {
        self.0
    }

    /// `None` when a bit outside the known factors is set (a corrupted table).
    pub fn from_bits(bits: u8) -> Option<FactorSet> {
        (bits & !Self::ALL.0 == 0).then_some(FactorSet(bits))
    }

    pub fn single(f: Factor) -> FactorSet {
        FactorSet(f.bit())
    }

    pub fn with(self, f: Factor) -> FactorSet {
        FactorSet(self.0 | f.bit())
    }

    pub fn without(self, f: Factor) -> FactorSet {
        FactorSet(self.0 & !f.bit())
    }

    pub fn contains(self, f: Factor) -> bool {
        self.0 & f.bit() != 0
    }

    pub fn union(self, o: FactorSet) -> FactorSet {
        FactorSet(self.0 | o.0)
    }

    pub fn intersect(self, o: FactorSet) -> FactorSet {
        FactorSet(self.0 & o.0)
    }

    pub fn is_subset(self, o: FactorSet) -> bool {
        self.0 & !o.0 == 0
    }

    pub fn is_empty(self) -> bool {
        self.0 == 0
    }

    pub fn iter(self) -> impl Iterator<Item = Factor> {
        Factor::ALL.into_iter().filter(move |f| self.contains(*f))
    }

    pub fn names(self) -> Vec<&'static str> {
        self.iter().map(Factor::name).collect()
    }
}

impl FromIterator<Factor> for FactorSet {
    fn from_iter<I: IntoIterator<Item = Factor>>(iter: I) -> Self {
        iter.into_iter().fold(FactorSet::EMPTY, FactorSet::with)
    }
}

impl fmt::Display for FactorSet {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        if self.is_empty() {
            return f.write_str("(none)");
        }
        f.write_str(&self.names().join(" | "))
    }
}

/// On the wire a set is the list of its factor kinds' names, sorted.
#[cfg(feature = "openapi")]
impl utoipa::PartialSchema for FactorSet {
    fn schema() -> utoipa::openapi::RefOr<utoipa::openapi::schema::Schema> {
        utoipa::openapi::schema::ArrayBuilder::new()
            .items(utoipa::openapi::Ref::from_schema_name("Factor"))
            .unique_items(true)
            .into()
    }
}

#[cfg(feature = "openapi")]
impl utoipa::ToSchema for FactorSet {
    fn schemas(
        schemas: &mut Vec<(
            String,
            utoipa::openapi::RefOr<utoipa::openapi::schema::Schema>,
        )>,
    ) {
        schemas.push((
            "Factor".to_string(),
            <Factor as utoipa::PartialSchema>::schema(),
        ));
    }
}

impl Serialize for FactorSet {
    fn serialize<S: serde::Serializer>(&self, s: S) -> Result<S::Ok, S::Error> {
        s.collect_seq(self.iter())
    }
}

impl<'de> Deserialize<'de> for FactorSet {
    fn deserialize<D: serde::Deserializer<'de>>(d: D) -> Result<Self, D::Error> {
        Ok(Vec::<Factor>::deserialize(d)?.into_iter().collect())
    }
}

/// Enforcement levels, ordered `off < optional < required`.
#[derive(Clone, Copy, Debug, PartialEq, Eq, Hash, PartialOrd, Ord, Serialize, Deserialize)]
#[cfg_attr(feature = "openapi", derive(utoipa::ToSchema))]
#[serde(rename_all = "snake_case")]
pub enum Level {
    Off,
    Optional,
    Required,
}

impl Level {
    pub fn name(self) -> &'static str {
        match self {
            Level::Off => "off",
            Level::Optional => "optional",
            Level::Required => "required",
        }
    }

    pub fn from_name(s: &str) -> Option<Level> {
        match s {
            "off" => Some(Level::Off),
            "optional" => Some(Level::Optional),
            "required" => Some(Level::Required),
            _ => None,
        }
    }
}

impl fmt::Display for Level {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.write_str(self.name())
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn sets_list_factors_in_name_order() {
        let s: FactorSet = [Factor::Webauthn, Factor::Sms, Factor::Totp]
            .into_iter()
            .collect();
        assert_eq!(s.names(), vec!["sms", "totp", "webauthn"]);
        assert_eq!(s.to_string(), "sms | totp | webauthn");
    }

    #[test]
    fn non_recovery_excludes_backup_codes_only() {
        assert!(!FactorSet::NON_RECOVERY.contains(Factor::BackupCode));
        assert_eq!(FactorSet::NON_RECOVERY.iter().count(), 5);
    }

    #[test]
    fn set_algebra() {
        let a = FactorSet::single(Factor::Totp).with(Factor::Webauthn);
        let b = FactorSet::single(Factor::Webauthn);
        assert_eq!(a.intersect(b), b);
        assert!(b.is_subset(a));
        assert!(!a.is_subset(b));
        assert!(a.intersect(FactorSet::single(Factor::Sms)).is_empty());
        assert_eq!(FactorSet::from_bits(0b1000_0000), None);
    }

    #[test]
    fn levels_are_ordered() {
        assert!(Level::Off < Level::Optional && Level::Optional < Level::Required);
    }
}
