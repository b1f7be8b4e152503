//! W003 `loosening-rule`: in `specific` mode, a user or group rule that
//! loosens what a group or the default demands.

use crate::check::{CheckInfo, Context};
use crate::compile::Settings;
use crate::diagnostic::{Diagnostic, Severity};
use crate::policy::{Factor, Level, Precedence, Rank, Remember, RuleId};
use crate::source::Span;

pub const INFO: CheckInfo = CheckInfo {
    code: "W003",
    name: "loosening-rule",
    severity: Severity::Warning,
    summary: "in `specific` mode, a user or group rule lowers enforcement, adds factors other than `webauthn`, lengthens or adds a remember window, adds recovery or gives a longer enrolment grace compared with the default (or, with --directory, the user's groups)",
    help: "if this exception is intended, keep it and give it an exemption-style comment; otherwise align it with the rule it overrides",
    doc: "Why: in `specific` mode a more specific rule replaces the less specific one field by field, so a user or group rule can switch MFA off for someone the default protects. Sometimes that is the point (a service account); often it is an accident.\n\nExample:\n    precedence specific\n    default { enforcement required }\n    user \"kiosk@acme.test\" { enforcement off }\n\nFix: if the exception is deliberate, prefer an audited `exempt` with an end date.",
};

pub fn run(cx: &Context<'_>, out: &mut Vec<Diagnostic>) {
    let p = cx.policy;
    if p.precedence != Precedence::Specific {
        return;
    }
    for (id, rule) in p.rules.iter().enumerate() {
        let baselines: Vec<(Vec<RuleId>, &str)> = match rule.scope.rank() {
            Rank::Group => vec![(vec![], "the default")],
            Rank::User => {
                let mut b = vec![(vec![], "the default")];
                if let Some(user) = cx.directory.and_then(|d| {
                    d.users
                        .iter()
                        .find(|x| rule.scope.users.iter().any(|u| **u == *x.id))
                }) {
                    let mut groups: Vec<RuleId> = user
                        .groups
                        .iter()
                        .flat_map(|g| cx.groups.rules_for(g))
                        .collect();
                    groups.sort_unstable();
                    groups.dedup();
                    if !groups.is_empty() {
                        b.push((groups, "the user's groups"));
                    }
                }
                b
            }
            _ => continue,
        };
        'rule: for at in cx.epochs() {
            let r = p.effective(id, at);
            for (groups, what) in &baselines {
                // What the user would get without this rule: the default (its
                // implicit fields filled in), or their groups combined.
                let base = if groups.is_empty() {
                    cx.default_at(at).settings
                } else {
                    groups.iter().fold(Settings::default(), |mut acc, &g| {
                        acc.add(&cx.policy.effective(g, at).settings);
                        acc
                    })
                };
                if let Some((field, span)) = loosened(cx, id, at, &r.settings, &base) {
                    out.push(
                        Diagnostic::new(
                            &INFO,
                            span,
                            format!("{} loosens {field} compared with {what}", rule),
                        )
                        .label(format!("looser {field}")),
                    );
                    break 'rule;
                }
            }
        }
    }
}

/// `Some(deadline)` when the settings hold enforcement at `required`:
/// `None` inside is immediate enrolment, else the grace's end.
fn required_deadline(s: &Settings) -> Option<Option<jiff::Timestamp>> {
    (s.enforcement == Some(Level::Required)).then_some(s.deadline)
}

fn loosened(
    cx: &Context<'_>,
    id: RuleId,
    at: jiff::Timestamp,
    r: &Settings,
    base: &Settings,
) -> Option<(&'static str, Span)> {
    if let (Some(mine), Some(theirs)) = (r.enforcement, base.enforcement) {
        if mine < theirs && theirs > Level::Off {
            return Some((
                "enforcement",
                cx.span_of(id, at, |f| f.enforcement.map(|x| x.span)),
            ));
        }
    }
    if let (Some(mine), Some(theirs)) = (r.factors, base.factors) {
        // Allowing a phishing-resistant key where the base does not is a
        // tightening in practice, never a loosening.
        if !mine.without(Factor::Webauthn).is_subset(theirs) {
            return Some(("factors", cx.span_of(id, at, |f| f.factors.map(|x| x.span))));
        }
    }
    // No remember window in the base means every login is challenged, as
    // `never` does: a window where there was none loosens as much as a
    // longer one.
    if let Some(mine @ Remember::Window(_)) = r.remember {
        let demands = base.remember.is_some() || base.enforcement > Some(Level::Off);
        let theirs = base.remember.unwrap_or(Remember::Never);
        if demands && mine.strictest(theirs) != mine {
            return Some((
                "remember",
                cx.span_of(id, at, |f| f.remember.map(|x| x.span)),
            ));
        }
    }
    // Backup codes are part of the break-glass protocol.
    let break_glass = cx
        .policy
        .rules
        .get(id)
        .is_some_and(|r| r.break_glass.is_some());
    if r.recovery.is_some() && base.recovery.is_none() && !break_glass {
        return Some((
            "recovery",
            cx.span_of(id, at, |f| f.recovery.map(|r| r.span)),
        ));
    }
    // The rule that decides the level decides the enrolment deadline: a
    // grace where the base demands enrolment sooner lets members sign in
    // without MFA for longer.
    if let (Some(Some(mine)), Some(theirs)) = (required_deadline(r), required_deadline(base)) {
        if theirs.is_none_or(|t| mine > t) {
            return Some((
                "enrolment",
                cx.span_of(id, at, |f| f.enrolment.map(|x| x.span)),
            ));
        }
    }
    None
}
