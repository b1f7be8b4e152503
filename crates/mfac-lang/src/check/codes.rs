//! Registry entries by name, for the stages that report findings while
//! parsing and resolving.

pub use super::checks::bad_argument::INFO as BAD_ARGUMENT;
pub use super::checks::bad_compiled::INFO as BAD_COMPILED;
pub use super::checks::bad_config::INFO as BAD_CONFIG;
pub use super::checks::bad_directory::INFO as BAD_DIRECTORY;
pub use super::checks::bad_profile::INFO as BAD_PROFILE;
pub use super::checks::bad_test_file::INFO as BAD_TEST_FILE;
pub use super::checks::bad_work_hours::INFO as BAD_WORK_HOURS;
pub use super::checks::duplicate_declaration::INFO as DUPLICATE_DECLARATION;
pub use super::checks::duplicate_field::INFO as DUPLICATE_FIELD;
pub use super::checks::duplicate_rule::INFO as DUPLICATE_RULE;
pub use super::checks::incomplete_rule::INFO as INCOMPLETE_RULE;
pub use super::checks::invalid_value::INFO as INVALID_VALUE;
pub use super::checks::misplaced_field::INFO as MISPLACED_FIELD;
pub use super::checks::rollout_conflict::INFO as ROLLOUT_CONFLICT;
pub use super::checks::strength_cycle::INFO as STRENGTH_CYCLE;
pub use super::checks::syntax::INFO as SYNTAX;
pub use super::checks::unknown_factor::INFO as UNKNOWN_FACTOR;
pub use super::checks::unknown_rule::INFO as UNKNOWN_RULE;
pub use super::checks::unknown_timezone::INFO as UNKNOWN_TIMEZONE;
pub use super::checks::unreadable_file::INFO as UNREADABLE_FILE;
