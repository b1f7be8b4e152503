//! One file per check. Each defines `INFO` (its registry entry) and, when it
//! looks at the resolved policy as a whole, `run`.

pub mod app_cannot_loosen;
pub mod assertion_fails;
pub mod bad_argument;
pub mod bad_assertion;
pub mod bad_compiled;
pub mod bad_config;
pub mod bad_directory;
pub mod bad_profile;
pub mod bad_suppression;
pub mod bad_test_file;
pub mod bad_work_hours;
pub mod blocked_users;
pub mod bypass_too_long;
pub mod confusable_name;
pub mod control_fails;
pub mod disjoint_factors;
pub mod duplicate_declaration;
pub mod duplicate_field;
pub mod duplicate_rule;
pub mod empty_factors;
pub mod exemption_incomplete;
pub mod exemption_too_long;
pub mod expired_exemption;
pub mod grace_without_start;
pub mod group_overlap;
pub mod includes_cycle;
pub mod incomplete_rule;
pub mod invalid_value;
pub mod locked_out_admin;
pub mod lookalike_group;
pub mod loosening_rule;
pub mod max_logins_range;
pub mod misplaced_field;
pub mod no_default;
pub mod no_rules;
pub mod not_proven;
pub mod phase_order;
pub mod privileged_below_required;
pub mod privileged_bypass;
pub mod privileged_exemption;
pub mod privileged_relies_on_others;
pub mod privileged_user_exception;
pub mod privileged_without_webauthn;
pub mod remember_privileged;
pub mod remember_range;
pub mod rollout_conflict;
pub mod rollout_lowers;
pub mod rule_never_applies;
pub mod shadowed_by_order;
pub mod shadowed_rule;
pub mod strength_cycle;
pub mod syntax;
pub mod unheld_group;
pub mod unknown_factor;
pub mod unknown_rule;
pub mod unknown_timezone;
pub mod unreadable_file;
pub mod unused_suppression;
pub mod user_without_factor;
pub mod weak_factor_privileged;

/// What a privileged-members check claims and how its finding reads.
pub(crate) struct MembersClaim {
    pub info: &'static crate::check::CheckInfo,
    pub always: bool,
    pub condition: mfac_prove::Condition,
    /// The field the finding points at (where it is set for the rule).
    pub field: crate::policy::Field,
    pub label: &'static str,
}

/// A property of every privileged group's members, by any route: proven
/// once for all of them, and only when that fails, once per privileged
/// group, each refuted group giving one finding ("a member of privileged
/// `group "G"` gets ...") at the field the claim is about, with the
/// counterexample.
pub(crate) fn privileged_members(
    cx: &super::Context<'_>,
    claim: &MembersClaim,
    out: &mut Vec<crate::diagnostic::Diagnostic>,
) {
    use mfac_prove::{Scope, Users};
    let (always, condition) = (claim.always, claim.condition);
    if cx
        .refute(Scope::Privileged, always, condition, Users::All)
        .is_none()
    {
        return;
    }
    for (id, rule) in cx.policy.rules.iter().enumerate() {
        let Some(g) = rule.scope.single_group() else {
            continue;
        };
        if rule.privileged.is_none() {
            continue;
        }
        let scope = Scope::MembersOf(g.to_string());
        if let Some(r) = cx.refute(scope, always, condition, Users::All) {
            let span = cx.span_of(id, r.counterexample.at, |f| f.span(claim.field));
            out.push(
                crate::diagnostic::Diagnostic::new(
                    claim.info,
                    span,
                    format!("a member of privileged {} gets {}", rule, r.what),
                )
                .label(claim.label)
                .counterexample(r.report),
            );
        }
    }
}
