//! One file per check. Each defines `INFO` (its registry entry) and, when it
//! looks at the resolved policy as a whole, `run`.

pub mod bad_directory;
pub mod bad_work_hours;
pub mod confusable_name;
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
pub mod invalid_value;
pub mod locked_out_admin;
pub mod loosening_rule;
pub mod max_logins_range;
pub mod misplaced_field;
pub mod no_default;
pub mod phase_order;
pub mod privileged_below_required;
pub mod privileged_exemption;
pub mod privileged_without_webauthn;
pub mod remember_privileged;
pub mod remember_range;
pub mod rollout_conflict;
pub mod rollout_lowers;
pub mod shadowed_rule;
pub mod strength_cycle;
pub mod syntax;
pub mod unknown_factor;
pub mod unknown_timezone;
pub mod user_without_factor;
pub mod weak_factor_privileged;
