//! `mfac audit --db URL`: the login store's audit trail, filtered, as a
//! table, JSON or CSV; `--privileged-without-mfa` lists the logins of
//! privileged users that completed without a verified factor (exempt,
//! remembered or MFA off), with the rule or exemption that let them in;
//! `--report-only` the logins the policy's report-only rules would have
//! decided otherwise.

use super::{Failure, Outcome};
use mfac_login::events::EventKind;
use std::fmt::Write;
use std::process::ExitCode;

#[derive(clap::Args)]
#[command(
    about = "Show the login store's audit trail",
    after_help = "Examples:\n  mfac audit --db mfac.db --user ann@acme.test\n  mfac audit --db postgres://mfac@db/mfac --since 2026-12-01 --format json\n  mfac audit --db mfac.db --privileged-without-mfa --format csv\n  mfac audit --db mfac.db --report-only --since 2026-12-01"
)]
pub struct Args {
    /// The store: a SQLite file, or a `postgres://` URL
    #[arg(long, value_name = "URL")]
    db: String,
    /// Only events at or after this time: `2026-12-15` or `2026-12-15T09:00:00` (UTC), or RFC 3339
    #[arg(long, value_name = "TIME")]
    since: Option<String>,
    /// Only this user's events
    #[arg(long, value_name = "ID")]
    user: Option<String>,
    /// Only events of this kind (decision, verified, verify_failed, locked_out, ...)
    #[arg(long = "type", value_name = "KIND", value_parser = event_kind)]
    kind: Option<EventKind>,
    /// Only the newest N events (of those older than --before)
    #[arg(long, value_name = "N", value_parser = clap::value_parser!(u64).range(1..))]
    limit: Option<u64>,
    /// Only events older than the one with this id: the cursor a limited
    /// page ends with
    #[arg(long, value_name = "ID")]
    before: Option<i64>,
    /// Logins of privileged users let in without a verified factor
    #[arg(long, conflicts_with = "kind")]
    privileged_without_mfa: bool,
    /// Logins whose decision would have differed with the policy's
    /// report-only rules enforced: who would have been challenged
    #[arg(long)]
    report_only: bool,
    #[arg(long, value_enum, default_value_t = Format::Table)]
    pub(super) format: Format,
}

#[derive(Clone, Copy, clap::ValueEnum)]
pub(super) enum Format {
    Table,
    Json,
    Csv,
}

fn event_kind(name: &str) -> Result<EventKind, String> {
    EventKind::from_name(name).ok_or_else(|| format!("the kinds are {}", EventKind::names()))
}

pub fn run(a: Args) -> Outcome {
    let since = a
        .since
        .as_deref()
        .map(|t| mfac::time::parse_instant(t, &jiff::tz::TimeZone::UTC))
        .transpose()
        .map_err(|e| Failure::input(format!("--since: {e}")))?;
    let kind = if a.privileged_without_mfa {
        Some(EventKind::PrivilegedWithoutMfa)
    } else {
        a.kind
    };
    let query = mfac_login::store::AuditQuery {
        user: a.user.as_deref(),
        kind,
        since,
        before: a.before,
        limit: a.limit.map(|n| usize::try_from(n).unwrap_or(usize::MAX)),
        report_only: a.report_only,
    };
    let page = super::on_store(&a.db, async |store| store.audit_page(&query).await)?;
    let events = &page.events;
    let mut o = String::new();
    match a.format {
        Format::Json => {
            o = format!(
                "{}\n",
                super::render::pretty(
                    &serde_json::json!({ "events": events, "next_before": page.next_before })
                )
            );
        }
        Format::Csv => {
            let cell = crate::cli::render::csv_cell;
            let _ = writeln!(o, "{}", mfac_login::store::AuditEvent::COLUMNS.join(","));
            for e in events {
                let row: Vec<String> = e.cells().iter().map(|c| cell(c)).collect();
                let _ = writeln!(o, "{}", row.join(","));
            }
        }
        Format::Table => {
            for e in events {
                let _ = writeln!(
                    o,
                    "{:<28} {:<24} {:<24} {}",
                    e.at.to_string(),
                    e.user,
                    e.kind,
                    e.detail
                );
            }
            let _ = writeln!(o, "{} events", events.len());
            if let Some(id) = page.next_before {
                let _ = writeln!(o, "older events: --before {id}");
            }
        }
    }
    out!("{o}");
    Ok(ExitCode::SUCCESS)
}
