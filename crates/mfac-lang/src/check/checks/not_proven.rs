//! E035 `not-proven`: a property a built-in check proves (privileged users
//! held at `required`, nobody locked out, ...) could not be judged: its
//! search met more distinct combinations of groups than the proof limit,
//! and gave up. A check that could not judge must not pass in silence.

use crate::check::{policy_start, CheckInfo, Context};
use crate::diagnostic::{Diagnostic, Severity};

pub const INFO: CheckInfo = CheckInfo {
    code: "E035",
    name: "not-proven",
    severity: Severity::Error,
    summary: "a built-in check could not prove its property: the groups combine in more distinct ways than the proof limit allows, so the check gave up",
    help: "exclusions that each reach different rules multiply the combinations: exclude fewer distinct groups, or split the policy; or raise the limit with `mfac check --proof-limit N` (more memory and time)",
    doc: "Why: checks such as E012 (privileged members below `required`) and W008 (nobody locked out) are proofs over every combination of directory groups. A search keeps at most `--proof-limit` distinct combinations (100,000 unless told otherwise) so that a hostile or huge policy cannot exhaust memory. When a search reaches the limit the property is neither proven nor refuted, and mfac fails closed: the policy does not check, compile or serve until the property is judged. Each property not proven is named in the check's own words.\n\nExample:\n    mfac check --proof-limit 2 policies/contoso.mfa\n\nFix: simplify the exclusions, or give the proof more room: `mfac check --proof-limit 1000000 tenant.mfa`.",
};

pub fn run(cx: &Context<'_>, out: &mut Vec<Diagnostic>) {
    let start = policy_start(cx.policy.source.text());
    for property in cx.gave_up() {
        out.push(
            Diagnostic::new(&INFO, start, format!("`{property}` {}", cx.not_proven()))
                .label("not proven"),
        );
    }
}
