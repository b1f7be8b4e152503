//! W004 `weak-factor-privileged`: `sms` or `email` allowed for a privileged group.

use crate::check::{CheckInfo, Context};
use crate::diagnostic::{Diagnostic, Severity};
use crate::policy::Factor;

pub const INFO: CheckInfo = CheckInfo {
    code: "W004",
    name: "weak-factor-privileged",
    severity: Severity::Warning,
    summary: "a privileged group's members may answer MFA with `sms` or `email`",
    help: "restrict privileged groups to phishing-resistant factors, e.g. `factors webauthn`",
    doc: "Why: SMS codes can be stolen by SIM swapping and e-mail codes by mailbox takeover; both can be phished in real time. Accounts with admin rights deserve a phishing-resistant factor.\n\nExample:\n    group \"Administrators\" { privileged enforcement required factors totp | sms }\n\nFix: `factors webauthn` (or `webauthn | totp` while keys are rolled out).",
};

pub fn run(cx: &Context<'_>, out: &mut Vec<Diagnostic>) {
    let p = cx.policy;
    for (id, rule) in p.rules.iter().enumerate() {
        if rule.privileged.is_none() {
            continue;
        }
        for at in cx.epochs() {
            let own = p.effective(id, at).factors;
            let allowed = cx.member_alone_allowed(id, at);
            let weak: Vec<&str> = [Factor::Sms, Factor::Email]
                .into_iter()
                .filter(|f| allowed.contains(*f))
                .map(Factor::name)
                .collect();
            if !weak.is_empty() {
                let span = cx.span_of(id, at, |f| f.factors.map(|x| x.span));
                out.push(
                    Diagnostic::new(
                        &INFO,
                        span,
                        format!(
                            "privileged {} allows `{}`",
                            rule.subject,
                            weak.join("` and `")
                        ),
                    )
                    .label(if own.is_some() {
                        "allows weak factors"
                    } else {
                        "inherits weak factors from the default"
                    }),
                );
                break;
            }
        }
    }
}
