//! `mfac simulate`: who is affected by a policy change, and how.

// Simulate reads a policy as `mfac eval` does: one whose only errors are
// refuted properties is still simulated (and says so).
use super::{
    git_show, load_policy_for_eval, policy_for_eval, read_directory, unreadable, DirectoryArgs,
    Failure, Outcome,
};
use indicatif::{ProgressBar, ProgressDrawTarget, ProgressStyle};
use mfac::directory::Directory;
use mfac::simulate::wire::WarningRecord;
use mfac::simulate::{simulate_with_progress, stream, Before, Keep, Listed, Snapshot, Summary};
use mfac::time::{format_instant, parse_instant};
use std::collections::BTreeMap;
use std::fmt::Write;
use std::process::ExitCode;

mod timeline;
mod view;

use timeline::run_timeline;
use view::{in_order, md, View};

#[derive(clap::Args)]
#[command(
    about = "Decide every user of a directory under a policy change and show who is affected",
    after_help = "Examples:\n  mfac simulate policies/acme.mfa --directory policies/acme.users.yaml --at 2026-12-16\n  mfac simulate policies/acme.mfa --directory policies/acme.users.yaml --timeline --chart rollout.svg\n  mfac simulate policies/acme.mfa --directory users.csv --base old/acme.mfa --format markdown\n  mfac simulate policies/acme.mfa --directory users.yaml --base-rev origin/main --app Finance\n\nWithout --base or --base-rev, \"before\" is the same policy just before its latest rollout\nphase at or before --at."
)]
pub struct Args {
    /// The `.mfa` policy (or `mfac compile` JSON) to simulate
    policy: String,
    #[command(flatten)]
    directory: DirectoryArgs,
    /// Compare with this older policy instead
    #[arg(long, value_name = "OLD_POLICY", conflicts_with = "base_rev")]
    base: Option<String>,
    /// Compare with the same policy file at this git revision of its repository
    #[arg(long, value_name = "REV")]
    base_rev: Option<String>,
    /// When the users sign in: `2026-12-15` (midnight) or `2026-12-15T09:00:00` (wall-clock), both in the policy's timezone, or RFC 3339 `2026-12-15T09:00:00Z`; default: now
    #[arg(long, value_name = "TIME")]
    at: Option<String>,
    /// The app they sign into (default: no particular app)
    #[arg(long, value_name = "A")]
    app: Option<String>,
    #[arg(long, value_enum, default_value_t = Format::Table)]
    pub(super) format: Format,
    /// List every changed user (the table shows the first 20)
    #[arg(long)]
    all: bool,
    /// No progress bar (there is none anyway when standard error is not a terminal)
    #[arg(long, short)]
    quiet: bool,
    /// Take each user's enrolled factors from this login store (a SQLite
    /// file or a `postgres://` URL) instead of the directory's `factors`
    #[arg(long, value_name = "URL")]
    db: Option<String>,
    /// Add the lock-out analysis: who is blocked and from when, privileged
    /// users without webauthn, users who lose every factor, groups with none
    #[arg(long)]
    risks: bool,
    /// Decide at every rollout phase, grace deadline and exemption end instead
    #[arg(long, conflicts_with_all = ["base", "base_rev"])]
    timeline: bool,
    /// Timeline start: `2026-12-15` (midnight) or `2026-12-15T09:00:00` (wall-clock), both in the policy's timezone, or RFC 3339 `2026-12-15T09:00:00Z`; default: --at, else a day before the first event
    #[arg(long, value_name = "DATE", requires = "timeline")]
    from: Option<String>,
    /// Timeline end: `2026-12-15` (midnight) or `2026-12-15T09:00:00` (wall-clock), both in the policy's timezone, or RFC 3339 `2026-12-15T09:00:00Z`; default: the last event
    #[arg(long, value_name = "DATE", requires = "timeline")]
    to: Option<String>,
    /// Also draw the timeline as an SVG chart of users by decision
    #[arg(long, value_name = "OUT.svg", requires = "timeline")]
    chart: Option<String>,
}

#[derive(Clone, Copy, clap::ValueEnum)]
pub(super) enum Format {
    Table,
    Json,
    Csv,
    Markdown,
}

/// Changed users (and groups) the table shows before "... and N more".
const SHOWN: usize = 20;
/// Changed users the markdown shows before "… and N more".
const MARKDOWN_SHOWN: usize = 50;

pub fn run(a: Args) -> Outcome {
    let policy = load_policy_for_eval(&a.policy)?;
    if a.timeline {
        let dir = read_whole_directory(&a)?;
        warn_unknown_app(&policy, a.app.as_deref());
        let held: Vec<&str> = dir.groups.iter().map(|g| &**g).collect();
        let warnings = group_warnings(&policy, &held);
        return run_timeline(&a, &policy, &dir, &warnings);
    }
    let base = match (&a.base, &a.base_rev) {
        (Some(path), _) => Some((load_policy_for_eval(path)?, path.clone())),
        (None, Some(rev)) => {
            let source = git_show(&a.policy, rev)?;
            let name = source.name().to_string();
            Some((policy_for_eval(&source)?, name))
        }
        (None, None) => None,
    };
    let tz = policy.timezone().clone();
    let at = match &a.at {
        Some(t) => parse_instant(t, &tz).map_err(|e| Failure::input(format!("--at: {e}")))?,
        None => jiff::Timestamp::now(),
    };
    let base_policy = base.as_ref().map(|(p, _)| p);
    let streamed = match streamable(&a) {
        Some((path, format)) => stream(&a, path, format, &policy, base_policy, at)?,
        None => None,
    };
    // The reference path: the whole directory in memory, then decided. For
    // standard input, `--risks`, and any file the streamed reader stops at
    // (whose diagnostics this path gives).
    let whole;
    let (summary, risks) = match streamed {
        Some(summary) => (summary, None),
        None => {
            whole = read_whole_directory(&a)?;
            let dir = &whole;
            let bar = progress_bar(a.quiet, dir.users.len() as u64, "users");
            let sim = simulate_with_progress(
                &policy,
                base_policy,
                dir,
                at,
                a.app.as_deref(),
                &mut |done| bar.set_position(done as u64),
            );
            bar.finish_and_clear();
            if a.risks && matches!(a.format, Format::Csv) {
                return Err(Failure::input(
                    "--risks has no CSV form: use --format table, json or markdown",
                ));
            }
            let risks = a
                .risks
                .then(|| (mfac::simulate::risks(&policy, &sim, dir), dir));
            (Summary::of(&sim, dir, keep(&a)), risks)
        }
    };
    warn_unknown_app(&policy, a.app.as_deref());
    // Every group some user holds has a row (the streamed path keeps no
    // directory, and needs none for this).
    let held: Vec<&str> = summary
        .groups
        .iter()
        .map(|r| r.group.as_str())
        .filter(|g| *g != mfac::simulate::NO_GROUP)
        .collect();
    let warnings = group_warnings(&policy, &held);
    let view = View {
        warnings: &warnings,
        risks: risks.as_ref().map(|(r, d)| (r, *d)),
        sim: &summary,
        policy: &a.policy,
        base: base.as_ref().map(|(_, n)| n.as_str()),
        tz: &tz,
        all: a.all,
    };
    let text = match a.format {
        Format::Json => view.json()?,
        Format::Table => view.table(),
        Format::Csv => view.csv(),
        Format::Markdown => view.markdown(),
    };
    let text = with_warnings(a.format, text, &warnings);
    out!("{text}");
    Ok(ExitCode::SUCCESS)
}

fn read_whole_directory(a: &Args) -> Result<Directory, Failure> {
    let reading = spinner(a.quiet, "reading the directory");
    let mut dir = read_directory(&a.directory)?.ok_or_else(|| {
        Failure::input("simulate needs --directory FILE (`-` for standard input)")
    })?;
    if let Some(db) = &a.db {
        super::status::with_store_factors(&mut dir, &super::status::store_enrolment(db)?);
    }
    reading.finish_and_clear();
    Ok(dir)
}

/// Which users the report lists: the table shows the first [`SHOWN`]
/// changed users and markdown the first [`MARKDOWN_SHOWN`] (all with
/// `--all`), JSON every changed user, CSV every user.
fn keep(a: &Args) -> Keep {
    match a.format {
        Format::Table if !a.all => Keep::Changed(Some(SHOWN)),
        Format::Markdown if !a.all => Keep::Changed(Some(MARKDOWN_SHOWN)),
        Format::Table | Format::Markdown | Format::Json => Keep::Changed(None),
        Format::Csv => Keep::Every,
    }
}

/// The directory file to stream, and its format, when this run can: a
/// file (not standard input, which cannot be read twice) and no `--risks`,
/// whose analysis goes back to each user.
fn streamable(a: &Args) -> Option<(&str, mfac::directory::Format)> {
    // The store's factors replace the file's: read whole, then joined.
    if a.db.is_some() {
        return None;
    }
    let path = a.directory.directory.as_deref().filter(|p| *p != "-")?;
    let format = a
        .directory
        .directory_format
        .unwrap_or_else(|| mfac::directory::Format::from_path(path));
    (!a.risks).then_some((path, format))
}

/// Simulate straight from the file; `None` when the reference path must
/// read it (it holds something that path reports).
fn stream(
    a: &Args,
    path: &str,
    format: mfac::directory::Format,
    policy: &mfac::Policy,
    base: Option<&mfac::Policy>,
    at: jiff::Timestamp,
) -> Result<Option<Summary>, Failure> {
    let name = format!("`{path}`");
    let kind = super::limits::Input::Directory;
    let unreadable = |e: std::io::Error| {
        // The cap's own refusal, worded as the whole-file reader words it.
        let message = match mfac::read::cause(&e) {
            Some(r) => super::limits::refused(&name, kind, r),
            None => format!("cannot read {name}: {e}"),
        };
        unreadable(path, message)
    };
    let size = std::fs::metadata(path).map_err(unreadable)?.len();
    let bar = progress_bar(a.quiet, size, "bytes");
    let columns = a.directory.columns.clone().unwrap_or_default();
    let req = stream::Request {
        policy,
        base,
        at,
        app: a.app.as_deref(),
        columns: &columns,
        keep: keep(a),
    };
    let open = || std::fs::File::open(path).map(|f| mfac::read::Capped::new(f, kind.limit()));
    let done = stream::simulate_file(format, &open, size, req, &mut |b| bar.set_position(b))
        .map_err(unreadable)?;
    bar.finish_and_clear();
    Ok(done.map(|d| d.summary))
}

/// A typo in `--app`, on stderr (it is a flag, not the input).
fn warn_unknown_app(policy: &mfac::Policy, app: Option<&str>) {
    for w in crate::cli::names::unknown_names(policy, app, &[]) {
        eprintln!("warning: {w}");
    }
}

/// The directory's group names against the policy's, as `mfac check
/// --directory` reports them (W020, W021). `held`: every group some user
/// holds.
fn group_warnings(policy: &mfac::Policy, held: &[&str]) -> Vec<WarningRecord> {
    use mfac::check::checks::{lookalike_group, unheld_group};
    use mfac::names::GroupMismatch;
    let named: Vec<&str> = policy.group_names().collect();
    mfac::names::compare_groups(policy, &named, held)
        .iter()
        .map(|m| WarningRecord {
            code: match m {
                GroupMismatch::LookAlike { .. } => lookalike_group::INFO.code,
                GroupMismatch::Unheld { .. } => unheld_group::INFO.code,
            }
            .to_string(),
            message: m.message(),
        })
        .collect()
}

/// The report with its warnings: after the table, as a list in markdown,
/// inside the JSON (put there by the view), and on stderr beside CSV,
/// whose rows are data.
pub(super) fn with_warnings(
    format: Format,
    mut text: String,
    warnings: &[WarningRecord],
) -> String {
    if matches!(format, Format::Table) && !warnings.is_empty() {
        text.push('\n');
    }
    for w in warnings {
        match format {
            Format::Table => {
                let _ = writeln!(text, "warning[{}]: {}", w.code, w.message);
            }
            Format::Markdown => {
                let _ = writeln!(text, "\n> **warning {}**: {}", w.code, view::md(&w.message));
            }
            Format::Csv => eprintln!("warning[{}]: {}", w.code, w.message),
            Format::Json => {}
        }
    }
    text
}

/// A bar on standard error; hidden with `--quiet` or when standard error is
/// not a terminal (indicatif checks), so pipes and CI logs stay clean.
fn progress_bar(quiet: bool, len: u64, unit: &str) -> ProgressBar {
    if quiet {
        return ProgressBar::hidden();
    }
    let bar = ProgressBar::with_draw_target(Some(len), ProgressDrawTarget::stderr());
    if let Ok(style) = ProgressStyle::with_template(&format!(
        "{{msg}} {{wide_bar}} {{pos}}/{{len}} {unit} ({{eta}})"
    )) {
        bar.set_style(style);
    }
    bar.set_message("deciding");
    bar
}

fn spinner(quiet: bool, msg: &'static str) -> ProgressBar {
    if quiet {
        return ProgressBar::hidden();
    }
    let s = ProgressBar::with_draw_target(None, ProgressDrawTarget::stderr());
    if let Ok(style) = ProgressStyle::with_template("{spinner} {msg} ({elapsed})") {
        s.set_style(style);
    }
    s.set_message(msg);
    s.enable_steady_tick(std::time::Duration::from_millis(120));
    s
}
