//! E013 `empty-factors`: a rule whose allowed factors are empty, alone or
//! (in `most_restrictive`) together with the default's.

use crate::check::{CheckInfo, Context};
use crate::diagnostic::{Diagnostic, Severity};
use crate::policy::{Precedence, Rank};

pub const INFO: CheckInfo = CheckInfo {
    code: "E013",
    name: "empty-factors",
    severity: Severity::Error,
    summary: "a rule allows no factor at all, alone or together with the default rule",
    help: "allow at least one factor that the default also allows, or widen the default's factors",
    doc: "Why: when no factor can satisfy the policy, every login that needs MFA is denied: the rule locks its users out. In `most_restrictive` mode the default always applies too, so a rule's factors must meet the default's.\n\nExample:\n    default { factors totp }\n    group \"Admins\" { factors webauthn }\n\nFix: `default { factors webauthn | totp }`.",
};

pub fn run(cx: &Context<'_>, out: &mut Vec<Diagnostic>) {
    let p = cx.policy;
    for (id, rule) in p.rules.iter().enumerate() {
        for at in cx.epochs() {
            let e = p.effective(id, at);
            let Some(own) = e.factors else { continue };
            let span = cx.span_of(id, at, |f| f.factors.map(|x| x.span));
            if e.allowed().is_some_and(|a| a.is_empty()) {
                out.push(
                    Diagnostic::new(&INFO, span, format!("{} allows no factor", rule))
                        .label("empty factor set"),
                );
                break;
            }
            if p.precedence != Precedence::MostRestrictive || rule.scope.rank() == Rank::Default {
                continue;
            }
            let d = cx.default_at(at);
            let together = own.intersect(d.factors.unwrap_or_default());
            if together.is_empty() && e.recovery.is_none() && d.recovery.is_none() {
                let mut diag = Diagnostic::new(
                    &INFO,
                    span,
                    format!("{} allows no factor that the default also allows", rule),
                )
                .label(format!("allows {own}"))
                .help(format!(
                    "in `most_restrictive` mode the default's factors ({}) always apply too; allow a factor from both",
                    d.factors.unwrap_or_default()
                ));
                if let Some(def) = p.default_rule() {
                    diag = diag.related(
                        cx.span_of(def, at, |f| f.factors.map(|x| x.span)),
                        "the default's factors",
                    );
                }
                out.push(diag);
                break;
            }
        }
    }
}
