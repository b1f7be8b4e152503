//! The policy the service's benchmarks run (`cargo bench --bench serve`
//! over HTTP, `cargo bench -p mfac-serve --bench router` in process): one
//! text, so that their decide figures are of the same decision.

/// Privileged admins on passkeys, support agents remembered, a kiosk
/// without MFA, an app of its own, one user rule and backup codes.
pub const POLICY: &str = r#"precedence specific
timezone "Europe/Berlin"
strength standard = webauthn | totp
default { enforcement required factors standard }
group "Administrators" { privileged enforcement required factors webauthn remember never }
group "Support Agents" { remember 1h same_ip max_logins 10 }
group "Kiosk" { enforcement off }
app "Finance" { factors totp }
user "bob@acme.test" { enforcement optional }
group "Recovery" { recovery backup_code }
"#;
