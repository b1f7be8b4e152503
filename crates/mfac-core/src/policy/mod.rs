//! The policy model every layer shares: factor kinds and sets, levels,
//! precedence, remember windows, enrolment, calendars. Plain data, no
//! syntax: the checked policy (with its spans) lives in `mfac-lang`.

mod aal;
mod calendar;
mod factor;
pub mod field;
pub mod scope;

pub use aal::{Aal, Lowered};
pub use calendar::{Calendar, TimeContext};
pub use factor::{Factor, FactorSet, Level};
pub use field::{Field, FieldType, Recovery, Written};
pub use scope::{Except, Rank, Scope};

use serde::{Deserialize, Serialize};

#[derive(Clone, Copy, Debug, PartialEq, Eq, Serialize, Deserialize)]
#[serde(rename_all = "snake_case")]
pub enum Precedence {
    MostRestrictive,
    Specific,
    /// First match, field by field, in file order.
    Ordered,
}

impl Precedence {
    pub fn name(self) -> &'static str {
        match self {
            Precedence::MostRestrictive => "most_restrictive",
            Precedence::Specific => "specific",
            Precedence::Ordered => "ordered",
        }
    }
}

#[derive(Clone, Copy, Debug, PartialEq, Eq, Hash, Serialize, Deserialize)]
#[serde(rename_all = "snake_case")]
pub enum Enrolment {
    Immediate,
    /// Grace in seconds, measured from the date of the rollout phase that set it.
    Grace(i64),
}

#[derive(Clone, Copy, Debug, PartialEq, Eq, Hash, Serialize, Deserialize)]
pub struct Window {
    pub seconds: i64,
    pub same_ip: bool,
    pub same_context: bool,
    /// `None`: no limit on logins inside the window.
    pub max_logins: Option<u32>,
}

#[derive(Clone, Copy, Debug, PartialEq, Eq, Hash, Serialize, Deserialize)]
#[serde(rename_all = "snake_case")]
pub enum Remember {
    Never,
    Window(Window),
}

impl Remember {
    /// The most restrictive of two remember settings: `never` wins, else the
    /// shorter window with the union of conditions and the smaller login limit.
    pub fn strictest(self, other: Remember) -> Remember {
        match (self, other) {
            (Remember::Window(a), Remember::Window(b)) => Remember::Window(Window {
                seconds: a.seconds.min(b.seconds),
                same_ip: a.same_ip || b.same_ip,
                same_context: a.same_context || b.same_context,
                max_logins: match (a.max_logins, b.max_logins) {
                    (Some(x), Some(y)) => Some(x.min(y)),
                    (x, y) => x.or(y),
                },
            }),
            _ => Remember::Never,
        }
    }
}

impl std::fmt::Display for Remember {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        match self {
            Remember::Never => f.write_str("never"),
            Remember::Window(w) => {
                write!(f, "{}", crate::policy::format_duration(w.seconds))?;
                if w.same_ip {
                    f.write_str(" same_ip")?;
                }
                if w.same_context {
                    f.write_str(" same_context")?;
                }
                if let Some(n) = w.max_logins {
                    write!(f, " max_logins {n}")?;
                }
                Ok(())
            }
        }
    }
}

/// `90m` -> "90m", `86400` -> "1d": the shortest exact unit.
pub fn format_duration(seconds: i64) -> String {
    if seconds % 86_400 == 0 {
        format!("{}d", seconds / 86_400)
    } else if seconds % 3_600 == 0 {
        format!("{}h", seconds / 3_600)
    } else {
        format!("{}m", seconds / 60)
    }
}
