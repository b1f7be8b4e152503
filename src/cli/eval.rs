//! `mfac eval POLICY --user ID ...`

use super::{load_policy_for_eval, read_directory, DirectoryArgs, Failure, Outcome};
use mfac::eval::explain;
use mfac::time::format_instant;
use mfac::{Decision, Factor, FactorSet, LoginContext, Policy};
use mfac_login::api::DecideRequest;
use mfac_login::request::BadValue;
use std::net::IpAddr;
use std::process::ExitCode;

#[derive(clap::Args)]
#[command(
    about = "Decide one login: allow, challenge, enrol_or_skip, enrol or deny",
    after_help = "Examples:\n  mfac eval policies/acme.mfa --user anita@acme.test --group Administrators --enrolled totp --at 2026-12-16\n  mfac eval acme.json --user bob@acme.test --directory policies/acme.users.yaml --format json\n  mfac eval policies/acme.mfa --user sam@acme.test --group \"Support Agents\" --enrolled totp \\\n      --ip 10.0.0.7 --last-mfa 2026-12-16T09:00:00+01:00 --last-mfa-ip 10.0.0.7 --logins-since-mfa 3"
)]
pub struct Args {
    /// A `.mfa` policy, or a compiled `.json` from `mfac compile`
    policy: String,
    /// The user signing in
    #[arg(long, value_name = "ID")]
    user: String,
    /// A group of the user (repeat for several); default: the directory's
    #[arg(long = "group", value_name = "G")]
    groups: Vec<String>,
    /// The app being signed into
    #[arg(long, value_name = "A")]
    app: Option<String>,
    /// An enrolled factor kind (repeat for several); default: the directory's
    #[arg(long = "enrolled", value_name = "F")]
    enrolled: Vec<String>,
    /// When the login happens: `2026-12-15` (midnight) or `2026-12-15T09:00:00` (wall-clock), both in the policy's timezone, or RFC 3339 `2026-12-15T09:00:00Z`; default: now
    #[arg(long, value_name = "TIME")]
    at: Option<String>,
    /// The client's IP address
    #[arg(long, value_name = "IP")]
    ip: Option<IpAddr>,
    /// When the user last completed MFA: `2026-12-15` (midnight) or `2026-12-15T09:00:00` (wall-clock), both in the policy's timezone, or RFC 3339 `2026-12-15T09:00:00Z`
    #[arg(long, value_name = "TIME")]
    last_mfa: Option<String>,
    /// The IP address of that MFA
    #[arg(long, value_name = "IP")]
    last_mfa_ip: Option<IpAddr>,
    /// Logins since that MFA
    #[arg(long, value_name = "N")]
    logins_since_mfa: Option<u32>,
    /// The assurance level the last MFA reached (2, or 3 for a passkey
    /// that verified its user); with --last-mfa
    #[arg(long, value_name = "N", value_parser = clap::value_parser!(u8).range(1..=3))]
    last_mfa_aal: Option<u8>,
    /// A step-up inside a session: no remember window; challenged unless
    /// the last MFA reached the level needed within the window's length
    #[arg(long)]
    step_up: bool,
    /// A directory of users, for the user's groups and enrolled factors
    #[command(flatten)]
    directory: DirectoryArgs,
    #[arg(long, value_enum, default_value_t = Format::Human)]
    pub(super) format: Format,
}

#[derive(Clone, Copy, clap::ValueEnum)]
pub(super) enum Format {
    Human,
    Json,
}

pub fn run(a: Args) -> Outcome {
    let policy = load_policy_for_eval(&a.policy)?;
    let tz = policy.timezone().clone();
    let mut groups = a.groups.clone();
    let mut enrolled = Vec::new();
    for f in &a.enrolled {
        let k = Factor::from_name(f)
            .ok_or_else(|| Failure::input(format!("--enrolled: unknown factor kind `{f}` (webauthn, totp, sms, email, push, backup_code)")))?;
        enrolled.push(k);
    }
    if let Some(dir) = read_directory(&a.directory)? {
        let user = dir.user(&a.user).ok_or_else(|| {
            Failure::input(format!(
                "user `{}` is not in the directory `{}`",
                a.user, dir.name
            ))
        })?;
        if a.groups.is_empty() {
            groups = user.groups.iter().map(|g| g.to_string()).collect();
        }
        if a.enrolled.is_empty() {
            enrolled = user.factors.iter().collect();
        }
    }
    if a.last_mfa.is_none()
        && (a.last_mfa_ip.is_some() || a.logins_since_mfa.is_some() || a.last_mfa_aal.is_some())
    {
        return Err(Failure::input(
            "--last-mfa-ip, --logins-since-mfa and --last-mfa-aal need --last-mfa",
        ));
    }
    // The login, as `POST /v1/decide` reads the same request.
    let request = DecideRequest {
        user: a.user.clone(),
        groups,
        app: a.app.clone(),
        ip: a.ip.map(|i| i.to_string()),
        at: a.at.clone(),
        enrolled,
        last_mfa: a.last_mfa.as_ref().map(|t| mfac_login::api::LastMfa {
            at: t.clone(),
            ip: a.last_mfa_ip.map(|i| i.to_string()),
            logins_since: a.logins_since_mfa,
            aal: a.last_mfa_aal,
        }),
        step_up: a.step_up,
    };
    let flag = |field: &str| match field {
        "last_mfa.at" => "--last-mfa".to_string(),
        "last_mfa.ip" => "--last-mfa-ip".to_string(),
        "groups" => "--group".to_string(),
        other => format!("--{other}"),
    };
    let refused = |e: BadValue| Failure::input(format!("{}: {}", flag(e.field), e.why));
    let group_refs = mfac_login::request::groups(&request.groups).map_err(refused)?;
    for w in super::names::unknown_names(&policy, a.app.as_deref(), &group_refs) {
        eprintln!("warning: {w}");
    }
    let ctx = request
        .login(&group_refs, &tz, jiff::Timestamp::now())
        .map_err(refused)?;
    let d = policy.decide(&ctx);
    match a.format {
        Format::Json => outln!(
            "{}",
            super::render::pretty(
                &serde_json::to_value(mfac::wire::DecisionRecord::new(&policy, &ctx, &d))
                    .map_err(|e| Failure::input(format!("cannot write the decision: {e}")))?
            )
        ),
        Format::Human => print_human(&policy, &ctx, &d),
    }
    Ok(ExitCode::SUCCESS)
}

fn print_human(policy: &Policy, ctx: &LoginContext<'_>, d: &Decision<'_>) {
    let tz = policy.timezone();
    let list = |s: FactorSet| {
        if s.is_empty() {
            "(none)".to_string()
        } else {
            s.names().join(", ")
        }
    };
    outln!("decision: {}", d.outcome.name());
    outln!(
        "  user         {} at {}",
        ctx.user,
        format_instant(ctx.at, tz)
    );
    outln!("  enforcement  {}", d.enforcement);
    outln!("  factors      {}", list(d.factors));
    outln!("  usable       {}", list(d.usable));
    outln!("  assurance    AAL{}", d.aal.number());
    if let Some(dl) = d.deadline {
        outln!("  deadline     {}", format_instant(dl, tz));
    }
    if d.remembered {
        outln!("  remembered   yes");
    }
    for line in explain(policy, ctx, d) {
        outln!("{line}");
    }
}
