//! E027 `bad-test-file`: a `*.test.yaml` file cannot be run.

use crate::check::CheckInfo;
use crate::diagnostic::Severity;

pub const INFO: CheckInfo = CheckInfo {
    code: "E027",
    name: "bad-test-file",
    severity: Severity::Error,
    summary: "a policy test file is malformed: an unknown field, a value no decision can have, no cases, or a case that expects nothing",
    help: "a test file lists `cases`, each with `name`, `login` and `expect`; see `mfac test --help`",
    doc: "Why: a test that expects a value no decision can have (`decision: alow`) can never pass, and a file with no cases, or a case with `expect: {}`, passes without testing anything (and would count toward coverage). All are input errors (exit 2), not passing tests.\n\nExample:\n    cases:\n      - name: admins must enrol\n        login: {user: anita@acme.test, at: 2026-12-16}\n        expect: {decision: enrole}\n\nFix: `decision: enrol`.",
};
