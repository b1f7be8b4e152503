//! W017 `app-cannot-loosen`: in `specific` mode, an app rule that says
//! something an app rule cannot do there.

use crate::check::{CheckInfo, Context};
use crate::diagnostic::{Diagnostic, Severity};
use crate::policy::{Fields, Precedence, Rank, Remember};

pub const INFO: CheckInfo = CheckInfo {
    code: "W017",
    name: "app-cannot-loosen",
    severity: Severity::Warning,
    summary: "in `specific` mode, an app rule grants recovery, or sets a remember window where no other rule remembers logins: an app rule only tightens, so it has no effect",
    help: "in `specific` mode an app rule can raise enforcement, narrow factors, shorten a window or say `remember never`; grant recovery or remember windows on the user, group or default rule",
    doc: "Why: in `specific` mode an app rule is combined most-restrictively on top of the user's rules: it can tighten, never loosen. So `recovery backup_code` on an app grants nothing, and a remember window on an app only shortens a window the user's other rules already give; where none does, it is never in effect. A rule that reads as a grant but grants nothing misleads the next reviewer.\n\nExample:\n    precedence specific\n    default { enforcement required factors totp }\n    app \"Wiki\" { remember 8h recovery backup_code }\n\nFix: delete the fields, or move them to the rule that should grant them.",
};

pub fn run(cx: &Context<'_>, out: &mut Vec<Diagnostic>) {
    let p = cx.policy;
    if p.precedence != Precedence::Specific {
        return;
    }
    let windowed = |f: &Fields| {
        f.remember
            .is_some_and(|r| matches!(r.value, Remember::Window(_)))
    };
    // Does any user, group or default rule (or a phase of one) ever give a window?
    let others_remember = p.rules.iter().enumerate().any(|(id, r)| {
        r.scope.rank() != Rank::App
            && (windowed(&r.fields)
                || p.rollouts.iter().any(|ro| {
                    ro.rules.contains(&id) && ro.phases.iter().any(|ph| windowed(&ph.fields))
                }))
    });
    for (id, rule) in p.rules.iter().enumerate() {
        if rule.scope.rank() != Rank::App {
            continue;
        }
        let phases = p
            .rollouts
            .iter()
            .filter(|r| r.rules.contains(&id))
            .flat_map(|r| r.phases.iter().map(|ph| &ph.fields));
        for fields in std::iter::once(&rule.fields).chain(phases) {
            if let Some(span) = fields.span(crate::policy::Field::Recovery) {
                out.push(
                    Diagnostic::new(
                        &INFO,
                        span,
                        format!(
                            "{} grants recovery, which an app rule cannot do in `specific` mode",
                            rule
                        ),
                    )
                    .label("no effect: an app rule only tightens"),
                );
            }
            if let Some(r) = fields
                .remember
                .filter(|_| !others_remember && windowed(fields))
            {
                out.push(
                    Diagnostic::new(
                        &INFO,
                        r.span,
                        format!(
                            "{} remembers logins for `{}`, but no other rule remembers any, and an app rule cannot start to in `specific` mode",
                            rule, r.value
                        ),
                    )
                    .label("never in effect"),
                );
            }
        }
    }
}
