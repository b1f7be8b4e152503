//! A field's value from its syntax: one impl per field type, and the one
//! setter the catalogue generates. A new field of a type that exists needs
//! nothing here.

use super::{codes, unknown_factor, Resolver};
use crate::diagnostic::Diagnostic;
use crate::policy::*;
use crate::source::Span;
use crate::syntax::{EnrolmentSyntax, RememberSyntax, ValueSyntax};

/// A field type read from a value as written; `None` after reporting why
/// it cannot be (or for a shape the grammar never gives this field).
pub(super) trait FromSyntax: Sized {
    fn from_syntax(v: &ValueSyntax, r: &mut Resolver) -> Option<Self>;
}

impl FromSyntax for Level {
    fn from_syntax(v: &ValueSyntax, _: &mut Resolver) -> Option<Self> {
        match v {
            ValueSyntax::Level(l) => Some(*l),
            _ => None,
        }
    }
}

impl FromSyntax for Aal {
    fn from_syntax(v: &ValueSyntax, _: &mut Resolver) -> Option<Self> {
        match v {
            ValueSyntax::Assurance(a) => Some(*a),
            _ => None,
        }
    }
}

impl FromSyntax for FactorSet {
    fn from_syntax(v: &ValueSyntax, r: &mut Resolver) -> Option<Self> {
        match v {
            ValueSyntax::Factors(expr) => r.factor_set(expr),
            _ => None,
        }
    }
}

impl FromSyntax for Enrolment {
    fn from_syntax(v: &ValueSyntax, _: &mut Resolver) -> Option<Self> {
        match v {
            ValueSyntax::Enrolment(EnrolmentSyntax::Immediate) => Some(Enrolment::Immediate),
            ValueSyntax::Enrolment(EnrolmentSyntax::Grace(d)) => Some(Enrolment::Grace(d.value)),
            _ => None,
        }
    }
}

impl FromSyntax for Remember {
    fn from_syntax(v: &ValueSyntax, _: &mut Resolver) -> Option<Self> {
        match v {
            ValueSyntax::Remember(RememberSyntax::Never) => Some(Remember::Never),
            ValueSyntax::Remember(RememberSyntax::Window {
                duration,
                same_ip,
                same_context,
                max_logins,
            }) => Some(Remember::Window(Window {
                seconds: duration.value,
                same_ip: same_ip.is_some(),
                same_context: same_context.is_some(),
                // Out of range saturates; the range check reports it.
                max_logins: max_logins
                    .as_ref()
                    .map(|m| u32::try_from(m.value).unwrap_or(u32::MAX)),
            })),
            _ => None,
        }
    }
}

impl FromSyntax for Recovery {
    fn from_syntax(v: &ValueSyntax, r: &mut Resolver) -> Option<Self> {
        let ValueSyntax::Word(name) = v else {
            return None;
        };
        match Factor::from_name(&name.value) {
            Some(Factor::BackupCode) => Some(Recovery::BackupCode),
            Some(other) => {
                r.errors.push(
                    Diagnostic::new(
                        &codes::MISPLACED_FIELD,
                        name.span,
                        format!("`{other}` cannot be a recovery factor"),
                    )
                    .label("only `backup_code` is a recovery factor")
                    .help(
                        "write `recovery backup_code`, and list everyday factors under `factors`",
                    ),
                );
                None
            }
            None => {
                r.errors.push(unknown_factor(name, std::iter::empty()));
                None
            }
        }
    }
}

macro_rules! setter {
    ($( $name:ident : $variant:ident ( $ty:ty ) { $($_attrs:tt)* } )*) => {
        impl Fields {
            /// Set `field` from its value as written at `span`, reporting
            /// what cannot be read.
            pub(super) fn set(&mut self, field: Field, v: &ValueSyntax, span: Span, r: &mut Resolver) {
                match field {
                    $(
                        Field::$variant => {
                            if let Some(value) = <$ty as FromSyntax>::from_syntax(v, r) {
                                self.$name = Some(At { value, span });
                            }
                        }
                    )*
                }
            }
        }
    };
}

mfac_core::rule_fields!(setter);
