//! The compiled policy: flat tables, as the evaluator reads them and
//! `mfac compile` writes them. (Lowering a checked policy into them is
//! `mfac_lang::compile`.)
//!
//! Rollouts are unrolled into epochs: between two phase dates every rule is
//! constant, so a rule's settings in each epoch are computed once here and
//! the evaluator reads them with one index, `table[epoch * rules + rule]`.
//! Identical settings share one slot of the `settings` pool. Group names map
//! straight to the rules their members get and the rules that leave them
//! out, `includes` already closed.

pub mod artifact;

use crate::policy::{Calendar, Field, Level, Precedence, Rank, Scope, Written};
use jiff::Timestamp;
use serde::{Deserialize, Serialize};

/// A rule's fields in one epoch, as the evaluator combines them: what the
/// rule and its rollout phases write ([`Written`], read through `Deref`:
/// `s.enforcement`), with the enrolment grace lowered to a deadline.
#[derive(Clone, Copy, Debug, Default, PartialEq, Eq, Hash, Serialize, Deserialize)]
pub struct Settings {
    #[serde(flatten)]
    pub written: Written,
    /// When this rule makes enforcement required: its enrolment deadline,
    /// `None` for immediate.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub deadline: Option<Timestamp>,
    /// The rollout phase in force for this rule (index into `phases`).
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub phase: Option<u32>,
}

impl std::ops::Deref for Settings {
    type Target = Written;
    fn deref(&self) -> &Written {
        &self.written
    }
}

impl std::ops::DerefMut for Settings {
    fn deref_mut(&mut self) -> &mut Written {
        &mut self.written
    }
}

impl Settings {
    /// No field set, no deadline, no phase.
    pub const NONE: Settings = Settings {
        written: Written::NONE,
        deadline: None,
        phase: None,
    };

    /// Settings with these fields and no deadline or phase.
    pub fn of(written: Written) -> Settings {
        Settings {
            written,
            ..Settings::default()
        }
    }

    /// Does this rule change any decision? The one definition: an
    /// enrolment deadline alone does not, since it is only read where the
    /// rule requires MFA.
    pub fn sets_anything(&self) -> bool {
        self.written.decides_anything()
    }

    /// Does this rule set `field`, as decisions read it? The enrolment
    /// field counts where it gives a deadline.
    pub fn sets(&self, field: Field) -> bool {
        match field {
            Field::Enrolment => self.deadline.is_some(),
            f => self.written.is_set(f),
        }
    }

    /// The fields as a decision reads them, without the phase they came from.
    pub fn fields(&self) -> Settings {
        Settings {
            phase: None,
            ..*self
        }
    }

    /// Combine most-restrictively: each field by its type's
    /// [`FieldType::strictest`](crate::policy::FieldType), and the earliest
    /// enrolment deadline among the rules that require MFA (immediate beats
    /// any grace). Commutative, associative, idempotent. The evaluator's
    /// fold (`eval::fold::Acc`) is this in a faster form, and a test holds
    /// the two to each other.
    pub fn add(&mut self, o: &Settings) {
        let required = |s: &Settings| s.enforcement == Some(Level::Required);
        self.deadline = match (required(self), required(o)) {
            (true, true) => match (self.deadline, o.deadline) {
                (Some(a), Some(b)) => Some(a.min(b)),
                _ => None,
            },
            (true, false) => self.deadline,
            (false, true) => o.deadline,
            (false, false) => None,
        };
        self.written = self.written.strictest(&o.written);
        self.phase = None;
    }
}

/// A rule: its scope (the one shape every rule has), where it came from,
/// and its markers; its fields are in the tables, per epoch.
#[derive(Clone, Debug, PartialEq, Eq, Serialize, Deserialize)]
pub struct RuleInfo {
    pub scope: Scope,
    /// A scoped rule's name (`rule "NAME"`); `None` for `default`,
    /// `group`, `user` and `app` rules, which their scope names.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub name: Option<String>,
    /// Evaluated but not enforced: never in a decision's fold.
    #[serde(default, skip_serializing_if = "std::ops::Not::not")]
    pub report_only: bool,
    pub line: u32,
    /// True for a rule only a rollout creates.
    #[serde(default, skip_serializing_if = "std::ops::Not::not")]
    pub implicit: bool,
    #[serde(default, skip_serializing_if = "std::ops::Not::not")]
    pub privileged: bool,
    #[serde(default, skip_serializing_if = "std::ops::Not::not")]
    pub break_glass: bool,
    /// A `group` rule's `includes`: the members of these groups are
    /// members of its group.
    #[serde(default, skip_serializing_if = "Vec::is_empty")]
    pub includes: Vec<String>,
}

impl RuleInfo {
    pub fn rank(&self) -> Rank {
        self.scope.rank()
    }

    /// The rule as the language writes its head: `default`, `group "G"`,
    /// ..., or `rule "NAME"`.
    pub fn subject(&self) -> String {
        match &self.name {
            Some(n) => format!("rule {n:?}"),
            None => self.scope.to_string(),
        }
    }
}

#[derive(Clone, Debug, PartialEq, Eq, Serialize, Deserialize)]
pub struct PhaseInfo {
    pub rollout: String,
    pub at: Timestamp,
    pub line: u32,
}

/// `bypass max 24h [for group "A"] [privileged]`: the bypass the login
/// service may grant at run time.
#[derive(Clone, Debug, PartialEq, Eq, Serialize, Deserialize)]
pub struct BypassInfo {
    /// The longest bypass, in seconds.
    pub max: i64,
    /// The groups as written; empty: anyone.
    #[serde(default, skip_serializing_if = "Vec::is_empty")]
    pub groups: Vec<String>,
    /// Every directory group whose members are members of one of `groups`
    /// (`includes` closed), sorted.
    #[serde(default, skip_serializing_if = "Vec::is_empty")]
    pub members: Vec<String>,
    /// Privileged and break-glass users may get one too.
    #[serde(default, skip_serializing_if = "std::ops::Not::not")]
    pub privileged: bool,
    pub line: u32,
}

#[derive(Clone, Debug, PartialEq, Eq, Serialize, Deserialize)]
pub struct ExemptionInfo {
    pub user: String,
    pub until: Timestamp,
    pub reason: String,
    #[serde(default)]
    pub ticket: Option<String>,
    pub line: u32,
}

/// The compiled policy as data: what `mfac compile` writes.
#[derive(Clone, Debug, PartialEq, Eq, Serialize, Deserialize)]
pub struct Tables {
    /// The policy file it was compiled from, for `file:line` in decisions.
    pub source: String,
    pub precedence: Precedence,
    pub timezone: String,
    pub calendar: Calendar,
    /// Sorted phase dates; epoch 0 is before the first, epoch k starts at `epochs[k-1]`.
    pub epochs: Vec<Timestamp>,
    pub rules: Vec<RuleInfo>,
    pub phases: Vec<PhaseInfo>,
    pub settings: Vec<Settings>,
    /// `(epochs.len() + 1) * rules.len()` indexes into `settings`.
    pub table: Vec<u32>,
    /// Directory group name -> the rules whose `for` names it or a group
    /// it is a member of through `includes`.
    pub groups: Vec<(String, Vec<u32>)>,
    /// Directory group name -> the rules whose `except` names it or a group
    /// it is a member of through `includes`. (Users and apps need no
    /// closure: the evaluator reads them off the rules' scopes.)
    #[serde(default, skip_serializing_if = "Vec::is_empty")]
    pub except_groups: Vec<(String, Vec<u32>)>,
    pub exemptions: Vec<ExemptionInfo>,
    /// The helpdesk bypass the policy allows; `None`: none at run time.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub bypass: Option<BypassInfo>,
}

impl Tables {
    /// The tables without where things are written (the source's name and
    /// every line number): two versions of a policy that mean the same
    /// give equal tables.
    pub fn meaning(&self) -> Tables {
        let mut t = self.clone();
        t.source.clear();
        t.rules.iter_mut().for_each(|r| r.line = 0);
        t.phases.iter_mut().for_each(|p| p.line = 0);
        t.exemptions.iter_mut().for_each(|e| e.line = 0);
        t.bypass.iter_mut().for_each(|b| b.line = 0);
        t
    }
}
