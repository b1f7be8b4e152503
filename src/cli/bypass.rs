//! `mfac bypass grant|end|list`: the helpdesk bypass from the command line,
//! on the store the service runs on, bounded by the policy the service
//! runs (`bypass max ...`) exactly as `POST /v1/users/{user}/bypass` is.
//! Every grant, refusal and early end is audited. The store must exist.

use super::{Failure, Outcome};
use std::fmt::Write;
use std::process::ExitCode;

#[derive(clap::Args)]
#[command(
    about = "Grant, end or list helpdesk bypasses (within the policy's `bypass max`, audited)",
    after_help = "Examples:\n  mfac bypass grant ann@acme.test --policy policies/cymmetri.mfa --db mfac.db --until 2026-12-16T18:00 --reason \"lost phone, identity checked by video call\" --ticket HD-4711 --group \"Helpdesk Approved\"\n  mfac bypass end ann@acme.test --db mfac.db --reason \"found the phone\"\n  mfac bypass list --db mfac.db --format json"
)]
pub struct Args {
    #[command(subcommand)]
    action: Action,
}

#[derive(clap::Subcommand)]
enum Action {
    /// Grant a bypass: the user's logins are let in without MFA until --until
    Grant {
        /// The user
        #[arg(value_name = "USER")]
        user: String,
        /// The policy the service runs: it bounds the bypass
        #[arg(long, value_name = "POLICY")]
        policy: String,
        /// The store: a SQLite file, or a `postgres://` URL
        #[arg(long, value_name = "URL")]
        db: String,
        /// When it ends: RFC 3339, or a date or wall-clock time in the policy's timezone
        #[arg(long, value_name = "TIME")]
        until: String,
        /// Why, for the audit trail
        #[arg(long, value_name = "TEXT")]
        reason: String,
        /// The helpdesk ticket
        #[arg(long, value_name = "ID")]
        ticket: String,
        /// A directory group of the user (repeat for several): what the
        /// policy's `bypass ... for group` and privileged groups are judged by
        #[arg(long = "group", value_name = "G")]
        groups: Vec<String>,
    },
    /// End a user's bypasses in force now (or only --id)
    End {
        #[arg(value_name = "USER")]
        user: String,
        #[arg(long, value_name = "URL")]
        db: String,
        /// Why, for the audit trail
        #[arg(long, value_name = "TEXT")]
        reason: String,
        /// Only this bypass
        #[arg(long, value_name = "ID")]
        id: Option<String>,
    },
    /// List the bypasses, latest first
    List {
        #[arg(long, value_name = "URL")]
        db: String,
        /// Only this user's
        #[arg(long, value_name = "ID")]
        user: Option<String>,
        #[arg(long, value_enum, default_value_t = super::audit::Format::Table)]
        format: super::audit::Format,
    },
}

impl Args {
    /// The output format asked for (only `list` has one).
    pub(super) fn format(&self) -> Option<&super::audit::Format> {
        match &self.action {
            Action::List { format, .. } => Some(format),
            _ => None,
        }
    }
}

fn checked<'a>(flag: &str, field: &'static str, v: &'a str) -> Result<&'a str, Failure> {
    mfac_login::request::name(field, v).map_err(|e| Failure::input(format!("{flag} {}", e.why)))
}

fn user(v: &str) -> Result<String, Failure> {
    mfac_login::request::user("user", v)
        .map(|u| u.into_owned())
        .map_err(|e| Failure::input(format!("USER {}", e.why)))
}

pub fn run(a: Args) -> Outcome {
    match a.action {
        Action::Grant {
            user: who,
            policy,
            db,
            until,
            reason,
            ticket,
            groups,
        } => {
            let who = user(&who)?;
            let reason = checked("--reason", "reason", reason.trim())?;
            let ticket = checked("--ticket", "ticket", ticket.trim())?;
            let group_refs = mfac_login::request::groups(&groups)
                .map_err(|e| Failure::input(format!("--group {}", e.why)))?;
            let source = super::read_source(&policy)?;
            let compiled = super::policy_from_source(&source)?;
            let now = jiff::Timestamp::now();
            let until = mfac::time::parse_instant(&until, compiled.timezone())
                .map_err(|e| Failure::input(format!("--until: {e}")))?;
            let running =
                mfac_login::login::Running::new(compiled, &policy, source.text().as_bytes(), now);
            let request = mfac_login::helpdesk::BypassRequest {
                user: &who,
                groups: &group_refs,
                until,
                reason,
                ticket,
            };
            let row = super::on_store(&db, async |store| {
                mfac_login::helpdesk::grant(store, &running, &request, now)
                    .await
                    .map_err(|e| match e {
                        // The policy's refusal: the request is out of bounds.
                        mfac_login::helpdesk::BypassError::Refused(r) => {
                            format!("refused: {}", r.message())
                        }
                        other => other.to_string(),
                    })
            })?;
            let tz = running.policy.timezone();
            outln!(
                "bypass {} granted to {who} until {}",
                row.id,
                mfac::time::format_instant(row.until, tz)
            );
            Ok(ExitCode::SUCCESS)
        }
        Action::End {
            user: who,
            db,
            reason,
            id,
        } => {
            let who = user(&who)?;
            let reason = checked("--reason", "reason", reason.trim())?;
            let now = jiff::Timestamp::now();
            let ended = super::on_store(&db, async |store| {
                mfac_login::helpdesk::end(store, &who, id.as_deref(), reason, now).await
            })?;
            if ended.is_empty() {
                return Err(Failure::input(format!("no bypass of {who} is in force")));
            }
            for b in &ended {
                outln!("bypass {} of {who} ended", b.id);
            }
            Ok(ExitCode::SUCCESS)
        }
        Action::List {
            db,
            user: who,
            format,
        } => {
            let who = who.as_deref().map(user).transpose()?;
            let rows = super::on_store(&db, async |store| store.bypasses(who.as_deref()).await)?;
            out!("{}", render(&rows, format, jiff::Timestamp::now()));
            Ok(ExitCode::SUCCESS)
        }
    }
}

/// One bypass as listed: never a secret (a bypass holds none).
#[derive(serde::Serialize)]
struct Listed<'a> {
    bypass_id: &'a str,
    ended_at: Option<String>,
    granted_at: String,
    in_force: bool,
    reason: &'a str,
    ticket: &'a str,
    until: String,
    user: &'a str,
}

fn render(
    rows: &[mfac_login::store::BypassRow],
    format: super::audit::Format,
    now: jiff::Timestamp,
) -> String {
    let listed: Vec<Listed<'_>> = rows
        .iter()
        .map(|b| Listed {
            bypass_id: &b.id,
            ended_at: b.ended_at.map(|t| t.to_string()),
            granted_at: b.granted_at.to_string(),
            in_force: b.in_force(now),
            reason: &b.reason,
            ticket: &b.ticket,
            until: b.until.to_string(),
            user: &b.user,
        })
        .collect();
    let mut o = String::new();
    match format {
        super::audit::Format::Json => {
            o = format!(
                "{}\n",
                super::render::pretty(&serde_json::json!({ "bypasses": listed }))
            );
        }
        super::audit::Format::Csv => {
            let cell = crate::cli::render::csv_cell;
            let _ = writeln!(
                o,
                "bypass_id,user,granted_at,until,ended_at,in_force,reason,ticket"
            );
            for l in &listed {
                let cells = [
                    l.bypass_id.to_string(),
                    l.user.to_string(),
                    l.granted_at.clone(),
                    l.until.clone(),
                    l.ended_at.clone().unwrap_or_default(),
                    l.in_force.to_string(),
                    l.reason.to_string(),
                    l.ticket.to_string(),
                ];
                let row: Vec<String> = cells.iter().map(|c| cell(c)).collect();
                let _ = writeln!(o, "{}", row.join(","));
            }
        }
        super::audit::Format::Table => {
            for l in &listed {
                let state = match (&l.ended_at, l.in_force) {
                    (Some(t), _) => format!("ended {t}"),
                    (None, true) => "in force".to_string(),
                    (None, false) => "over".to_string(),
                };
                let _ = writeln!(
                    o,
                    "{}  {:<24} until {}  {:<32} {} (ticket {})",
                    l.bypass_id, l.user, l.until, state, l.reason, l.ticket
                );
            }
            let _ = writeln!(o, "{} bypasses", listed.len());
        }
    }
    o
}
