//! The JSON contracts, as serde types, so that every front end (the CLI
//! today, the login service next) answers with the same bytes and a test
//! can pin each shape. Fields are declared in name order: that is the order
//! the contract has always printed them in.

use crate::eval::{Decision, LoginContext, Outcome, Policy};
use crate::policy::{Aal, FactorSet, Level};
use crate::time::format_instant;
use serde::{Deserialize, Serialize};

/// `mfac eval --format json`: one login's decision (the README's `mfac eval`).
// Serialized by hand (`DecisionRecord::write_fields`) so that an answer
// that adds a field of its own (`POST /v1/decide`'s `decision_id`) still
// lists every field in name order, without going through a JSON value.
#[derive(Clone, Debug, PartialEq, Eq, Deserialize)]
#[cfg_attr(feature = "openapi", derive(utoipa::ToSchema), schema(as = Decision))]
pub struct DecisionRecord {
    /// The assurance level the login reaches once it completes as decided:
    /// 1 without a second factor, 2 with any, 3 with a user-verifying
    /// passkey only (NIST SP 800-63B).
    pub aal: Aal,
    /// The login's instant, RFC 3339 in the policy's timezone.
    pub at: String,
    /// The enrolment deadline of an `enrol_or_skip` inside a grace.
    pub deadline: Option<String>,
    pub decision: Outcome,
    pub enforcement: Level,
    pub exempt: Option<ExemptRecord>,
    /// The allowed factor kinds, sorted by name.
    pub factors: FactorSet,
    pub remembered: bool,
    /// What the decision would be with the policy's report-only rules
    /// enforced too, when that differs in outcome, enforcement or allowed
    /// factors; `null` otherwise (always present).
    pub report_only: Option<ReportOnlyRecord>,
    /// The rules that shaped the result, each `file:line: subject`, then
    /// the rollout phases in force for them, then the exemption.
    pub rules: Vec<String>,
    /// The enrolled factor kinds inside the allowed set, sorted by name.
    pub usable: FactorSet,
    pub user: String,
}

impl DecisionRecord {
    /// How many fields [`DecisionRecord::write_fields`] writes.
    const FIELDS: usize = 12;

    /// Write the fields into `m` in name order, with `extra` (a field of
    /// the answer that carries the record) in its place among them.
    pub fn write_fields<M: serde::ser::SerializeMap>(
        &self,
        m: &mut M,
        extra: Option<(&'static str, &str)>,
    ) -> Result<(), M::Error> {
        let mut extra = extra;
        // Each field, after `extra` if that sorts first.
        macro_rules! field {
            ($name:literal, $v:expr) => {
                if let Some((k, x)) = extra.filter(|(k, _)| *k < $name) {
                    m.serialize_entry(k, x)?;
                    extra = None;
                }
                m.serialize_entry($name, $v)?;
            };
        }
        field!("aal", &self.aal);
        field!("at", &self.at);
        field!("deadline", &self.deadline);
        field!("decision", &self.decision);
        field!("enforcement", &self.enforcement);
        field!("exempt", &self.exempt);
        field!("factors", &self.factors);
        field!("remembered", &self.remembered);
        field!("report_only", &self.report_only);
        field!("rules", &self.rules);
        field!("usable", &self.usable);
        field!("user", &self.user);
        if let Some((k, x)) = extra {
            m.serialize_entry(k, x)?;
        }
        Ok(())
    }

    /// The record with one more field, for [`DecisionRecord::write_fields`].
    pub fn serialize_with<S: serde::Serializer>(
        &self,
        s: S,
        extra: Option<(&'static str, &str)>,
    ) -> Result<S::Ok, S::Error> {
        use serde::ser::SerializeMap;
        let mut m = s.serialize_map(Some(Self::FIELDS + usize::from(extra.is_some())))?;
        self.write_fields(&mut m, extra)?;
        m.end()
    }
}

impl Serialize for DecisionRecord {
    fn serialize<S: serde::Serializer>(&self, s: S) -> Result<S::Ok, S::Error> {
        self.serialize_with(s, None)
    }
}

/// A decision as the report-only rules would make it: who would have been
/// challenged.
#[derive(Clone, Debug, PartialEq, Eq, Serialize, Deserialize)]
#[cfg_attr(feature = "openapi", derive(utoipa::ToSchema), schema(as = ReportOnly))]
pub struct ReportOnlyRecord {
    pub decision: Outcome,
    pub enforcement: Level,
    /// The allowed factor kinds, sorted by name.
    pub factors: FactorSet,
    /// The report-only rules that made the difference, each
    /// `file:line: rule "NAME"`.
    pub rules: Vec<String>,
}

impl ReportOnlyRecord {
    pub fn new(policy: &Policy, d: &Decision<'_>) -> Option<ReportOnlyRecord> {
        let r = d.report_only.as_ref()?;
        Some(ReportOnlyRecord {
            decision: r.outcome,
            enforcement: r.enforcement,
            factors: r.factors,
            rules: r.rules.iter().map(|x| policy.rule_location(x.id)).collect(),
        })
    }
}

/// An exemption in force, for the audit trail.
#[derive(Clone, Debug, PartialEq, Eq, Serialize, Deserialize)]
#[cfg_attr(feature = "openapi", derive(utoipa::ToSchema), schema(as = Exempt))]
pub struct ExemptRecord {
    pub reason: String,
    /// Where it comes from: an `exempt` line of the policy, or a helpdesk
    /// bypass granted at run time.
    pub source: ExemptSource,
    pub ticket: Option<String>,
    pub until: String,
}

/// Where an exemption in force comes from.
#[derive(Clone, Copy, Debug, PartialEq, Eq, Serialize, Deserialize)]
#[cfg_attr(feature = "openapi", derive(utoipa::ToSchema))]
#[serde(rename_all = "snake_case")]
pub enum ExemptSource {
    /// An `exempt user` line of the policy.
    Policy,
    /// `POST /v1/users/{user}/bypass` (or `mfac bypass grant`), within the
    /// policy's `bypass max`.
    Bypass,
}

impl DecisionRecord {
    pub fn new(policy: &Policy, ctx: &LoginContext<'_>, d: &Decision<'_>) -> DecisionRecord {
        let tz = policy.timezone();
        DecisionRecord {
            aal: d.aal,
            at: format_instant(ctx.at, tz),
            deadline: d.deadline.map(|t| format_instant(t, tz)),
            decision: d.outcome,
            enforcement: d.enforcement,
            exempt: match (&d.bypass, d.exempt) {
                (Some(b), _) => Some(ExemptRecord {
                    reason: b.reason.clone(),
                    source: ExemptSource::Bypass,
                    ticket: Some(b.ticket.clone()),
                    until: format_instant(b.until, tz),
                }),
                (None, Some(e)) => Some(ExemptRecord {
                    reason: e.reason.clone(),
                    source: ExemptSource::Policy,
                    ticket: e.ticket.clone(),
                    until: format_instant(e.until, tz),
                }),
                (None, None) => None,
            },
            factors: d.factors,
            remembered: d.remembered,
            report_only: ReportOnlyRecord::new(policy, d),
            rules: rule_lines(policy, d),
            usable: d.usable,
            user: ctx.user.to_string(),
        }
    }
}

/// `file:line: subject` for each rule that shaped the decision, then the
/// rollout phases in force for them, then the exemption.
fn rule_lines(policy: &Policy, d: &Decision<'_>) -> Vec<String> {
    let mut lines: Vec<String> = d.rules.iter().map(|r| policy.rule_location(r.id)).collect();
    for r in &d.rules {
        if let Some(p) = r.phase {
            let l = policy.phase_location(p);
            if !lines.contains(&l) {
                lines.push(l);
            }
        }
    }
    if let Some(b) = &d.bypass {
        lines.extend(policy.bypass_location());
        lines.push(format!("bypass {}", b.id));
    } else if let Some(e) = d.exempt {
        lines.push(format!(
            "{}:{}: exempt user {:?}",
            policy.source_name(),
            e.line,
            e.user
        ));
    }
    lines
}

/// One user's enrolment status (`mfac status`, the demo's panel): what
/// the policy asks of them at `at`, and what the store holds.
#[derive(Clone, Debug, PartialEq, Eq, Serialize, Deserialize)]
#[cfg_attr(feature = "openapi", derive(utoipa::ToSchema), schema(as = UserStatus))]
pub struct UserStatusRecord {
    /// The factors the policy allows the user, sorted by name.
    pub allowed: FactorSet,
    /// The enrolment deadline of a required policy with a grace (RFC 3339,
    /// the policy's timezone).
    pub deadline: Option<String>,
    /// The factor kinds active in the store, sorted by name.
    pub enrolled: FactorSet,
    pub enforcement: Level,
    pub status: crate::eval::EnrolmentStatus,
    pub user: String,
}

impl UserStatusRecord {
    /// The status of the user of `ctx` (its `enrolled`: the store's
    /// active factors), decided at `ctx.at`.
    pub fn new(policy: &Policy, ctx: &LoginContext<'_>) -> UserStatusRecord {
        let d = policy.decide_uncached(ctx);
        UserStatusRecord {
            allowed: d.factors,
            deadline: d
                .grace_deadline
                .map(|t| format_instant(t, policy.timezone())),
            enrolled: ctx.enrolled,
            enforcement: d.enforcement,
            status: crate::eval::EnrolmentStatus::of(&d, ctx.at),
            user: ctx.user.to_string(),
        }
    }
}

/// An error in a command's JSON format: `{"error": {"code", "message",
/// "file", "line", "column"}}`, with `null` where it has no place, and the
/// diagnostics behind it when there are any.
#[derive(Clone, Debug, PartialEq, Eq, Serialize, Deserialize)]
#[cfg_attr(feature = "openapi", derive(utoipa::ToSchema), schema(as = Error))]
pub struct ErrorReport {
    /// The CLI's diagnostics behind the error (never over HTTP).
    #[serde(default, skip_serializing_if = "Vec::is_empty")]
    #[cfg_attr(feature = "openapi", schema(value_type = Vec<Object>))]
    pub diagnostics: Vec<crate::diagnostic::JsonDiagnostic>,
    pub error: ErrorRecord,
}

/// An error: a stable `code` for programs and a plain sentence for people;
/// `file`, `line` and `column` where it has a place (never over HTTP).
#[derive(Clone, Debug, PartialEq, Eq, Serialize, Deserialize)]
#[cfg_attr(feature = "openapi", derive(utoipa::ToSchema))]
pub struct ErrorRecord {
    pub code: String,
    pub column: Option<usize>,
    pub file: Option<String>,
    pub line: Option<usize>,
    pub message: String,
}

#[cfg(test)]
mod tests {
    use super::*;

    /// The length a serializer is told a record's map has is the number of
    /// fields written (a format that writes the length first needs it).
    #[test]
    fn a_record_says_how_many_fields_it_writes() {
        let text = r#"{"aal":1,"at":"2026-12-06T10:00:00Z","deadline":null,"decision":"allow","enforcement":"off","exempt":null,"factors":[],"remembered":false,"report_only":null,"rules":[],"usable":[],"user":"u"}"#;
        let record: DecisionRecord = serde_json::from_str(text).unwrap();
        let written = serde_json::to_value(&record).unwrap();
        assert_eq!(
            written.as_object().map(|o| o.len()),
            Some(DecisionRecord::FIELDS)
        );
        assert_eq!(serde_json::to_string(&record).unwrap(), text);
    }
}
