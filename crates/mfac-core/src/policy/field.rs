//! The rule fields, each declared once.
//!
//! [`rule_fields!`](crate::rule_fields) is the one list: each line gives a
//! field's name (as every struct spells it), its [`Field`] variant, the type
//! a checked rule holds, its keywords (the first is canonical), its name in
//! JSON outputs, and whether it decides anything on its own. The structs
//! that hold fields ([`Written`] here; the checked policy's spanned fields
//! and the counterexample's rules in the crates above) are generated from
//! it, and what each field does is its type's [`FieldType`] impl. So a new
//! field is a line here, its grammar rule, and (when its type is new) the
//! type. The evaluator's fold and the reference evaluator are written by
//! hand on purpose; a test holds each to this list.

use super::{Aal, Enrolment, FactorSet, Level, Remember};
use serde::{Deserialize, Serialize};

/// Call `$m!` with every rule field, in the order outputs list them:
/// `name: Variant(Type) { keywords [...] wire name decides bool example "..." }`.
/// Macros that only need the names and types match the braces as `{ $($_:tt)* }`.
#[macro_export]
macro_rules! rule_fields {
    ($m:path) => {
        $m! {
            enforcement: Enforcement(Level) {
                keywords ["enforcement"] wire enforcement decides true
                example "enforcement required"
            }
            factors: Factors(FactorSet) {
                keywords ["factors"] wire factors decides true
                example "factors webauthn | totp"
            }
            recovery: Recovery(Recovery) {
                keywords ["recovery"] wire recovery decides true
                example "recovery backup_code"
            }
            remember: Remember(Remember) {
                keywords ["remember"] wire remember decides true
                example "remember 8h same_ip"
            }
            enrolment: Enrolment(Enrolment) {
                keywords ["enrolment", "enrollment"] wire deadline decides false
                example "enrolment grace 14d"
            }
            assurance: Assurance(Aal) {
                keywords ["assurance"] wire assurance decides true
                example "assurance aal3"
            }
        }
    };
}

/// What a field's value does: how two values combine most restrictively
/// (commutative, associative and idempotent: neither rule order nor a rule
/// reached twice changes the result), and when a new value lets more logins
/// through than an old one.
pub trait FieldType: Copy + Eq + std::fmt::Debug + std::fmt::Display {
    fn strictest(self, other: Self) -> Self;
    fn looser(old: Self, new: Self) -> bool;
}

impl FieldType for Level {
    /// The higher level.
    fn strictest(self, other: Self) -> Self {
        self.max(other)
    }
    fn looser(old: Self, new: Self) -> bool {
        new < old
    }
}

impl FieldType for FactorSet {
    /// The factors both allow.
    fn strictest(self, other: Self) -> Self {
        self.intersect(other)
    }
    fn looser(old: Self, new: Self) -> bool {
        !new.is_subset(old)
    }
}

impl FieldType for Remember {
    /// `never`, else the shorter window with the union of conditions.
    fn strictest(self, other: Self) -> Self {
        Remember::strictest(self, other)
    }
    fn looser(old: Self, new: Self) -> bool {
        let (Remember::Window(o), Remember::Window(n)) = (old, new) else {
            return matches!((old, new), (Remember::Never, Remember::Window(_)));
        };
        let more_logins = match (o.max_logins, n.max_logins) {
            (Some(a), Some(b)) => b > a,
            (Some(_), None) => true,
            (None, _) => false,
        };
        n.seconds > o.seconds
            || (o.same_ip && !n.same_ip)
            || (o.same_context && !n.same_context)
            || more_logins
    }
}

impl FieldType for Enrolment {
    /// Immediate, else the shorter grace.
    fn strictest(self, other: Self) -> Self {
        match (self, other) {
            (Enrolment::Grace(a), Enrolment::Grace(b)) => Enrolment::Grace(a.min(b)),
            _ => Enrolment::Immediate,
        }
    }
    fn looser(old: Self, new: Self) -> bool {
        match (old, new) {
            (_, Enrolment::Immediate) => false,
            (Enrolment::Immediate, Enrolment::Grace(_)) => true,
            (Enrolment::Grace(a), Enrolment::Grace(b)) => b > a,
        }
    }
}

impl FieldType for Aal {
    /// The higher demand.
    fn strictest(self, other: Self) -> Self {
        self.max(other)
    }
    fn looser(old: Self, new: Self) -> bool {
        new < old
    }
}

/// `recovery backup_code`: a way back in for a user who lost their factor.
/// A grant, not a restriction: any rule that applies and grants it does.
#[derive(Clone, Copy, Debug, PartialEq, Eq, Hash, Serialize, Deserialize)]
#[serde(rename_all = "snake_case")]
pub enum Recovery {
    BackupCode,
}

impl std::fmt::Display for Recovery {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        f.write_str("backup_code")
    }
}

impl FieldType for Recovery {
    fn strictest(self, _: Self) -> Self {
        self
    }
    fn looser(_: Self, _: Self) -> bool {
        false
    }
}

impl std::fmt::Display for Enrolment {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        match self {
            Enrolment::Immediate => f.write_str("immediate"),
            Enrolment::Grace(s) => write!(f, "grace {}", super::format_duration(*s)),
        }
    }
}

/// Two optional values most restrictively: a field no rule sets takes the
/// other's value.
pub fn strictest<T: FieldType>(a: Option<T>, b: Option<T>) -> Option<T> {
    match (a, b) {
        (Some(a), Some(b)) => Some(a.strictest(b)),
        (a, b) => a.or(b),
    }
}

macro_rules! declare {
    ($( $name:ident : $variant:ident ( $ty:ty ) {
        keywords [ $kw0:literal $(, $kw:literal)* ] wire $wire:ident decides $decides:literal
        example $example:literal
    } )*) => {
        /// A rule field, as [`rule_fields!`](crate::rule_fields) lists it.
        #[derive(Clone, Copy, Debug, PartialEq, Eq, PartialOrd, Ord, Hash)]
        pub enum Field {
            $( $variant, )*
        }

        impl Field {
            /// Every field, in the order outputs list them.
            pub const ALL: &'static [Field] = &[ $( Field::$variant, )* ];

            /// The keyword that writes it.
            pub fn keyword(self) -> &'static str {
                self.keywords().first().copied().unwrap_or_default()
            }

            /// Every spelling the parser accepts, the canonical one first.
            pub fn keywords(self) -> &'static [&'static str] {
                match self {
                    $( Field::$variant => &[ $kw0 $(, $kw)* ], )*
                }
            }

            /// The keyword in backquotes, for messages.
            pub fn quoted(self) -> &'static str {
                match self {
                    $( Field::$variant => concat!("`", $kw0, "`"), )*
                }
            }

            /// The field a keyword writes.
            pub fn from_keyword(word: &str) -> Option<Field> {
                Field::ALL
                    .iter()
                    .copied()
                    .find(|f| f.keywords().contains(&word))
            }

            /// Its name in JSON outputs (the rules behind a counterexample).
            pub fn wire(self) -> &'static str {
                match self {
                    $( Field::$variant => stringify!($wire), )*
                }
            }

            /// A line that sets it, as the docs and tests show it.
            pub fn example(self) -> &'static str {
                match self {
                    $( Field::$variant => $example, )*
                }
            }

            /// Does it change a decision on its own? (An enrolment grace
            /// only matters where a rule requires MFA.)
            pub fn decides(self) -> bool {
                match self {
                    $( Field::$variant => $decides, )*
                }
            }
        }

        /// The fields one rule or rollout phase writes, or several rules
        /// combine to: each set or not.
        #[derive(Clone, Copy, Debug, Default, PartialEq, Eq, Hash, Serialize, Deserialize)]
        pub struct Written {
            $(
                #[serde(default, skip_serializing_if = "Option::is_none")]
                pub $name: Option<$ty>,
            )*
        }

        impl Written {
            /// Nothing set.
            pub const NONE: Written = Written { $( $name: None, )* };

            /// Is `field` set?
            pub fn is_set(&self, field: Field) -> bool {
                match field {
                    $( Field::$variant => self.$name.is_some(), )*
                }
            }

            /// `field`'s value as the language writes it (`required`), when
            /// it is set.
            pub fn value(&self, field: Field) -> Option<String> {
                match field {
                    $( Field::$variant => self.$name.map(|v| v.to_string()), )*
                }
            }

            /// `field` as the language writes it (`enforcement required`),
            /// when it is set.
            pub fn describe(&self, field: Field) -> Option<String> {
                self.value(field).map(|v| format!("{} {v}", field.keyword()))
            }

            /// Combine most restrictively, field by field.
            pub fn strictest(&self, o: &Written) -> Written {
                Written {
                    $( $name: strictest(self.$name, o.$name), )*
                }
            }

            /// `over` written on top: each field it sets replaces this one's
            /// (a rollout phase over its rule).
            pub fn overwrite(&mut self, over: &Written) {
                $(
                    if over.$name.is_some() {
                        self.$name = over.$name;
                    }
                )*
            }
        }
    };
}

rule_fields!(declare);

impl Written {
    /// Does it set anything that changes a decision on its own?
    pub fn decides_anything(&self) -> bool {
        Field::ALL.iter().any(|&f| f.decides() && self.is_set(f))
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::policy::Window;

    #[test]
    fn keywords_name_one_field_each() {
        let mut all: Vec<&str> = Field::ALL
            .iter()
            .flat_map(|f| f.keywords())
            .copied()
            .collect();
        let n = all.len();
        all.sort_unstable();
        all.dedup();
        assert_eq!(all.len(), n);
        for &f in Field::ALL {
            assert_eq!(Field::from_keyword(f.keyword()), Some(f));
        }
        assert_eq!(Field::from_keyword("enrollment"), Some(Field::Enrolment));
    }

    #[test]
    fn combining_is_most_restrictive_and_unset_is_its_identity() {
        let w = |h: i64| {
            Remember::Window(Window {
                seconds: h * 3600,
                same_ip: false,
                same_context: false,
                max_logins: None,
            })
        };
        let a = Written {
            enforcement: Some(Level::Optional),
            remember: Some(w(8)),
            enrolment: Some(Enrolment::Grace(86_400)),
            ..Written::default()
        };
        let b = Written {
            enforcement: Some(Level::Required),
            remember: Some(w(1)),
            recovery: Some(Recovery::BackupCode),
            ..Written::default()
        };
        let c = a.strictest(&b);
        assert_eq!(c.enforcement, Some(Level::Required));
        assert_eq!(c.remember, Some(w(1)));
        assert_eq!(c.recovery, Some(Recovery::BackupCode));
        assert_eq!(c.enrolment, Some(Enrolment::Grace(86_400)));
        assert_eq!(c, b.strictest(&a));
        assert_eq!(a.strictest(&Written::default()), a);
        // b to a loosens enforcement and the window, never the reverse.
        assert!(Level::looser(Level::Required, Level::Optional));
        assert!(!Level::looser(Level::Optional, Level::Required));
        assert!(Remember::looser(w(1), w(8)) && !Remember::looser(w(8), w(1)));
        assert_eq!(
            c.describe(Field::Enforcement).as_deref(),
            Some("enforcement required")
        );
        assert!(!Written {
            enrolment: Some(Enrolment::Immediate),
            ..Written::default()
        }
        .decides_anything());
    }
}
