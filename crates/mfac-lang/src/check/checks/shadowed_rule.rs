//! W002 `shadowed-rule`: a rule that can never change any decision.

use crate::check::{CheckInfo, Context};
use crate::diagnostic::{Diagnostic, Severity};
use crate::policy::{Effective, Level, Precedence, Rank};

pub const INFO: CheckInfo = CheckInfo {
    code: "W002",
    name: "shadowed-rule",
    severity: Severity::Warning,
    summary: "a rule can never change any decision: it sets nothing, or (in `most_restrictive`) nothing stricter than the default, or nothing that changes a login in any combination of groups (through `includes` too)",
    help: "delete the rule, or make it say something the default does not",
    doc: "Why: in `most_restrictive` mode the default always applies, so a rule that is no stricter than the default at every date is dead weight, and usually a sign that its author expected it to loosen something (which this mode never does). In either mode a group rule is dead weight when, in every combination of groups and every epoch, the logins of its members come out the same without it: in `specific` mode it repeats the default and every group that also sets the field is at least as strict; in either mode, every one of its members gets through `includes` a rule that already says more (every member of Ops is in Admins, Admins says `remember never`, and Ops only sets a window).\n\nExample:\n    precedence most_restrictive\n    default { enforcement required }\n    group \"Beta Testers\" { enforcement optional }\n\nFix: delete the group rule, or switch to `precedence specific` if the group is meant to be an exception.",
};

pub fn run(cx: &Context<'_>, out: &mut Vec<Diagnostic>) {
    let p = cx.policy;
    // A group rule can be dead weight in a way no single comparison shows:
    // in `specific` mode it sets what the default says and every other
    // group that sets the field is at least as strict; in either mode every
    // member gets, through `includes`, a rule that says more. The engine
    // searches every combination of groups for a login it changes.
    let candidates: Vec<usize> = p
        .rules
        .iter()
        .enumerate()
        .filter(|(_, r)| {
            r.scope.rank() == Rank::Group
                && r.privileged.is_none()
                && r.includes.is_empty()
                && r.report_only.is_none()
        })
        .map(|(id, _)| id)
        .collect();
    let inert = mfac_prove::inert_group_rules(cx.compiled(), &candidates);
    for (id, rule) in p.rules.iter().enumerate() {
        // A report-only rule never changes an enforced decision, by design:
        // what it would change is the decision's `report_only`.
        if (rule.scope.rank() == Rank::Default && rule.name.is_none())
            || rule.report_only.is_some()
            || rule.privileged.is_some()
            || rule.break_glass.is_some()
            || !rule.includes.is_empty()
        {
            continue;
        }
        let epochs = cx.epochs();
        let sets_nothing = epochs
            .iter()
            .all(|&at| !p.effective(id, at).sets_anything());
        let shadowed = sets_nothing
            || (p.precedence == Precedence::MostRestrictive
                && epochs
                    .iter()
                    .all(|&at| no_stricter(&p.effective(id, at), &cx.default_at(at))));
        let combined = !shadowed && inert.contains(&id);
        if shadowed || combined {
            let why = if sets_nothing {
                "sets no field".to_string()
            } else if combined {
                "changes nothing in any combination of groups (what it sets, the default or a stricter group already gives)".to_string()
            } else {
                "is never stricter than the default".to_string()
            };
            out.push(
                Diagnostic::new(
                    &INFO,
                    rule.span,
                    format!("{} {why}, so it never changes a decision", rule),
                )
                .label("never changes a decision"),
            );
        }
    }
}

/// True when combining `r` most-restrictively with the default `d` gives `d`.
fn no_stricter(r: &Effective, d: &Effective) -> bool {
    let d_level = d.enforcement.unwrap_or(Level::Off);
    let enforcement = r.enforcement.is_none_or(|l| l <= d_level);
    let factors = r
        .factors
        .is_none_or(|f| d.factors.unwrap_or_default().is_subset(f));
    let remember = match (r.remember, d.remember) {
        (None, _) => true,
        // A window where the default has none lets logins be remembered.
        (Some(_), None) => false,
        (Some(rr), Some(dr)) => dr.strictest(rr) == dr,
    };
    let recovery = r.recovery.is_none() || d.recovery.is_some();
    // A required rule shortens the deadline only with an earlier one.
    let deadline = r.enforcement != Some(Level::Required)
        || d_level != Level::Required
        || match (r.deadline(), d.deadline()) {
            (None, None) => true,
            (None, Some(_)) => false,
            (Some(_), None) => true,
            (Some(rd), Some(dd)) => rd >= dd,
        };
    enforcement && factors && remember && recovery && deadline
}
