//! E032 `unknown-rule`: a rollout names a scoped rule the policy does not have

use crate::check::CheckInfo;
use crate::diagnostic::Severity;

pub const INFO: CheckInfo = CheckInfo {
    code: "E032",
    name: "unknown-rule",
    severity: Severity::Error,
    summary: "`applies rule \"NAME\"` names a scoped rule the policy does not have",
    help: "name a `rule \"NAME\" { .. }` of this policy, spelt as its head spells it",
    doc: "Why: a rollout of a group, user or app with no rule creates one, but a scoped rule's scope is written in its body, so a rollout cannot create it: the phases would change nobody's MFA.\n\nExample:\n    rollout \"pilot\" {\n      applies rule \"CA200 everyone\"\n      on 2026-12-01 enforcement required\n    }\n\nFix: write the scoped rule, or correct its name in `applies`.",
};
