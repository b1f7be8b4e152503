//! E029 `assertion-fails`: an `assert` block's claim does not hold for some
//! login: some user, set of groups, app and instant.

use crate::check::{CheckInfo, Context};
use crate::diagnostic::{Diagnostic, Severity};

pub const INFO: CheckInfo = CheckInfo {
    code: "E029",
    name: "assertion-fails",
    severity: Severity::Error,
    summary: "an assertion does not hold: some login (a user, a set of groups, an app, an instant) gets settings it rules out",
    help: "change the policy so that the property holds, or, if the property is wrong, the assertion; replay the counterexample with the `mfac eval` line below",
    doc: "Why: an assertion states what must always hold, for every user (named or not yet created), every combination of directory groups, every app and every instant. `mfac check` proves it over that whole space, or shows the login with the fewest groups that breaks it, with the rules that produced each setting and an `mfac eval` command line that reproduces it. `mfac eval` still evaluates such a policy, so the replay works; `compile` and `serve` refuse it.\n\nExample:\n    default { enforcement optional factors webauthn | totp | sms }\n    group \"Administrators\" { privileged enforcement required }\n    assert \"admins are phishing-resistant\" { for privileged always factors within webauthn }\n\nFix: `group \"Administrators\" { privileged enforcement required factors webauthn }`.",
};

pub fn run(cx: &Context<'_>, out: &mut Vec<Diagnostic>) {
    if cx.policy.assertions.is_empty() {
        return;
    }
    let policy = cx.compiled();
    for a in &cx.policy.assertions {
        for claim in &a.claims {
            let p = &claim.value;
            // An unjudgeable property is E030's; one the search gave up on
            // is not proven, and says so (fail closed).
            let c = match cx.prove(p, mfac_prove::Users::All) {
                Ok(Err(c)) => c,
                Err(mfac_prove::Unjudgeable::TooLarge) => {
                    out.push(
                        Diagnostic::new(
                            &INFO,
                            claim.span,
                            format!("assertion `{}` {}", a.name, cx.not_proven()),
                        )
                        .label("not proven")
                        .help("exclusions that each reach different rules multiply the combinations; exclude fewer distinct groups, split the policy, or raise `--proof-limit`"),
                    );
                    continue;
                }
                _ => continue,
            };
            let report = mfac_prove::report(policy, &c, p.condition);
            out.push(
                Diagnostic::new(
                    &INFO,
                    claim.span,
                    format!(
                        "assertion `{}` fails: {} gets {}",
                        a.name,
                        report.who(),
                        p.violation_of(&c)
                    ),
                )
                .label("does not hold")
                .related(a.scope_span, "for these logins")
                .counterexample(report),
            );
        }
    }
}
