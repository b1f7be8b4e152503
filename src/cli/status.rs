//! `mfac status POLICY --db URL --directory FILE`: each directory user's
//! enrolment status, from the store where enrolment really happens joined
//! with the directory: what the policy asks of them at `--at` (enforcement,
//! deadline, allowed factors), the factors active in the store, and
//! `disabled`, `pending`, `activated` or `overdue`. Counts per status, and
//! the users past their deadline first.

use super::{read_directory, DirectoryArgs, Failure, Outcome};
use mfac::eval::{EnrolmentStatus, LoginContext};
use mfac::wire::UserStatusRecord;
use std::collections::BTreeMap;
use std::fmt::Write;
use std::process::ExitCode;

#[derive(clap::Args)]
#[command(
    about = "Show each directory user's enrolment status from the login store",
    after_help = "Examples:\n  mfac status policies/voiso.mfa --db mfac.db --directory policies/voiso.users.csv\n  mfac status policies/voiso.mfa --db postgres://mfac@db/mfac --directory users.csv --at 2026-12-20 --format json"
)]
pub struct Args {
    /// The `.mfa` policy (or `mfac compile` JSON) the service runs
    policy: String,
    /// The store: a SQLite file, or a `postgres://` URL
    #[arg(long, value_name = "URL")]
    db: String,
    #[command(flatten)]
    directory: DirectoryArgs,
    /// When: `2026-12-15` (midnight) or `2026-12-15T09:00:00` (wall-clock), both in the policy's timezone, or RFC 3339; default: now
    #[arg(long, value_name = "TIME")]
    at: Option<String>,
    #[arg(long, value_enum, default_value_t = super::audit::Format::Table)]
    pub(super) format: super::audit::Format,
}

/// Every user's active factors in the store (an existing one: reading
/// never creates a store).
pub(super) fn store_enrolment(
    db: &str,
) -> Result<std::collections::HashMap<String, mfac::FactorSet>, Failure> {
    super::on_store(db, async |store| store.enrolled_all().await)
}

/// The directory's users with their factors taken from the store (a user
/// the store does not know has none), in the directory's order.
pub(super) fn with_store_factors(
    dir: &mut mfac::directory::Directory,
    enrolled: &std::collections::HashMap<String, mfac::FactorSet>,
) {
    for u in &mut dir.users {
        u.factors = enrolled
            .get(&*mfac_core::name::nfc(&u.id))
            .copied()
            .unwrap_or_default();
    }
}

pub fn run(a: Args) -> Outcome {
    let policy = super::load_policy_for_eval(&a.policy)?;
    let tz = policy.timezone().clone();
    let at = match &a.at {
        Some(t) => {
            mfac::time::parse_instant(t, &tz).map_err(|e| Failure::input(format!("--at: {e}")))?
        }
        None => jiff::Timestamp::now(),
    };
    let mut dir = read_directory(&a.directory)?
        .ok_or_else(|| Failure::input("status needs --directory FILE (`-` for standard input)"))?;
    with_store_factors(&mut dir, &store_enrolment(&a.db)?);
    let mut users: Vec<UserStatusRecord> = dir
        .users
        .iter()
        .map(|u| {
            let groups: Vec<&str> = u.groups.iter().map(|g| &**g).collect();
            let ctx = LoginContext::new(&u.id, at)
                .groups(&groups)
                .enrolled_set(u.factors);
            UserStatusRecord::new(&policy, &ctx)
        })
        .collect();
    // Overdue first (those due at once before those whose grace ran
    // out), then pending by the nearest deadline (those with none last),
    // then activated and disabled; by name within each.
    let key = |u: &UserStatusRecord| {
        let deadline = u
            .deadline
            .as_deref()
            .and_then(|d| mfac::time::parse_instant(d, &tz).ok());
        let none_first = u.status == EnrolmentStatus::Overdue;
        (
            u.status,
            deadline.is_some() == none_first,
            deadline,
            u.user.clone(),
        )
    };
    users.sort_by_key(key);
    let counts: BTreeMap<&str, usize> = EnrolmentStatus::ALL
        .iter()
        .map(|s| (s.name(), users.iter().filter(|u| u.status == *s).count()))
        .collect();
    let at_text = mfac::time::format_instant(at, &tz);
    out!("{}", render(&users, &counts, &at_text, a.format));
    Ok(ExitCode::SUCCESS)
}

fn render(
    users: &[UserStatusRecord],
    counts: &BTreeMap<&str, usize>,
    at: &str,
    format: super::audit::Format,
) -> String {
    let list = |s: mfac::FactorSet| {
        if s.is_empty() {
            "-".to_string()
        } else {
            s.names().join(" | ")
        }
    };
    let mut o = String::new();
    match format {
        super::audit::Format::Json => {
            o = format!(
                "{}\n",
                super::render::pretty(
                    &serde_json::json!({"at": at, "counts": counts, "users": users})
                )
            );
        }
        super::audit::Format::Csv => {
            let cell = crate::cli::render::csv_cell;
            let _ = writeln!(o, "user,status,enforcement,deadline,enrolled,allowed");
            for u in users {
                let cells = [
                    u.user.clone(),
                    u.status.name().to_string(),
                    u.enforcement.to_string(),
                    u.deadline.clone().unwrap_or_default(),
                    u.enrolled.names().join(";"),
                    u.allowed.names().join(";"),
                ];
                let row: Vec<String> = cells.iter().map(|c| cell(c)).collect();
                let _ = writeln!(o, "{}", row.join(","));
            }
        }
        super::audit::Format::Table => {
            let _ = writeln!(o, "enrolment status at {at}, {} users:", users.len());
            for s in EnrolmentStatus::ALL {
                let _ = writeln!(
                    o,
                    "  {:<10} {}",
                    s.name(),
                    counts.get(s.name()).unwrap_or(&0)
                );
            }
            let width = users
                .iter()
                .map(|u| u.user.chars().count())
                .max()
                .unwrap_or(4)
                .max(4);
            let _ = writeln!(o);
            let _ = writeln!(
                o,
                "{:<width$}  {:<10} {:<12} {:<27} {:<22} allowed",
                "user", "status", "enforcement", "deadline", "enrolled"
            );
            for u in users {
                let _ = writeln!(
                    o,
                    "{:<width$}  {:<10} {:<12} {:<27} {:<22} {}",
                    u.user,
                    u.status.name(),
                    u.enforcement.to_string(),
                    u.deadline.as_deref().unwrap_or("-"),
                    list(u.enrolled),
                    list(u.allowed)
                );
            }
        }
    }
    o
}
