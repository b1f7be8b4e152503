//! E033 `control-fails`: a control of a compliance profile the policy
//! applies (`comply`, or `mfac check --profile`) does not hold.

use crate::check::{CheckInfo, Context};
use crate::diagnostic::{ControlRef, Diagnostic, Severity};
use crate::profiles::{Applied, Test, Verdict};
use crate::source::Span;

pub const INFO: CheckInfo = CheckInfo {
    code: "E033",
    name: "control-fails",
    severity: Severity::Error,
    summary: "a control of a compliance profile the policy applies does not hold",
    help: "change the policy so that the control holds; `mfac explain PROFILE` says what each control proves",
    doc: "Why: `comply \"PROFILE\"` (or `mfac check --profile`) applies a built-in, versioned pack of assertions, one or more per control of the framework (CISA SCuBA, PCI DSS, NIST SP 800-63B, Maester). Each is proven over every user, set of groups, app and instant, like an assertion; a control that fails is reported with its id and the login that breaks it. `mfac check --format json` lists every control in `controls` with `pass`, `fail` or `not_covered`.\n\nExample:\n    default { enforcement optional factors webauthn | totp }\n    comply \"maester\"\n\nMT.1007 (every user signs in with MFA) fails: anyone gets enforcement `optional`.\n\nFix: `default { enforcement required factors webauthn | totp }`.",
};

/// One control's result, as `mfac check --format json` lists it.
#[derive(Clone, Debug, PartialEq, Eq)]
pub struct ControlResult {
    pub profile: &'static str,
    pub control: &'static str,
    pub title: &'static str,
    pub result: Verdict,
}

/// Judge every control of `applied`, reporting each failing one at `span`
/// (the `comply` line, or the policy's first line for `--profile`).
pub fn judge(
    cx: &Context<'_>,
    applied: &Applied,
    span: Span,
    out: &mut Vec<Diagnostic>,
) -> Vec<ControlResult> {
    let p = applied.profile;
    p.controls
        .iter()
        .map(|c| {
            let tests = (c.tests)(&applied.params);
            let control = ControlRef {
                profile: p.name,
                control: c.id,
            };
            let failure = tests.iter().find_map(|t| failure(cx, t));
            let result = match (&failure, tests.is_empty()) {
                (_, true) => Verdict::NotCovered,
                (None, false) => Verdict::Pass,
                (Some(_), false) => Verdict::Fail,
            };
            if let Some((what, counterexample)) = failure {
                let mut d = Diagnostic::new(
                    &INFO,
                    span,
                    format!("{} {} ({}) fails: {what}", p.name, c.id, c.title),
                )
                .label(format!("{} {} fails", p.name, c.id))
                .help(format!("{} {} proves {}", p.name, c.id, c.proves))
                .control(control);
                if let Some(ce) = counterexample {
                    d = d.counterexample(ce);
                }
                out.push(d);
            }
            ControlResult {
                profile: p.name,
                control: c.id,
                title: c.title,
                result,
            }
        })
        .collect()
}

/// What breaks a test, and the login that shows it where there is one.
fn failure(
    cx: &Context<'_>,
    t: &Test,
) -> Option<(String, Option<crate::diagnostic::Counterexample>)> {
    let policy = cx.policy;
    match t {
        Test::Holds(property) => {
            let compiled = cx.compiled();
            let c = match cx.prove(property, mfac_prove::Users::All) {
                Ok(Err(c)) => c,
                // Not proven is not passing.
                Err(mfac_prove::Unjudgeable::TooLarge) => {
                    return Some((cx.not_proven(), None))
                }
                _ => return None,
            };
            let report = mfac_prove::report(compiled, &c, property.condition);
            let app = property
                .app
                .as_deref()
                .map(|a| format!(" signing in to `{a}`"))
                .unwrap_or_default();
            let what = format!(
                "{}{app} gets {}",
                report.who(),
                property.violation_of(&c)
            );
            Some((what, Some(report)))
        }
        Test::ExemptionsDocumented => policy
            .exemptions
            .iter()
            .find(|e| e.ticket.is_none() || e.reason.is_none() || e.until.is_none())
            .map(|e| {
                (
                    format!(
                        "the exemption of user {:?} carries no ticket: it is not a documented exception",
                        e.user
                    ),
                    None,
                )
            }),
        Test::BreakGlassExists => (!policy.rules.iter().any(|r| r.break_glass.is_some()))
            .then(|| {
                (
                    "no user is marked `break_glass`: there is no emergency account".to_string(),
                    None,
                )
            }),
    }
}
