//! `mfac simulate`: who is affected by a policy change, and how.

use super::{load_policy, policy_from_source, read_directory, DirectoryArgs, Failure, Outcome};
use indicatif::{ProgressBar, ProgressDrawTarget, ProgressStyle};
use mfac::directory::Directory;
use mfac::simulate::{simulate_with_progress, Before, Simulation, Snapshot, UserResult};
use mfac::time::{format_instant, parse_instant};
use mfac::SourceFile;
use serde_json::json;
use std::collections::BTreeMap;
use std::fmt::Write;
use std::process::ExitCode;

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
    format: Format,
    /// List every changed user (the table shows the first 20)
    #[arg(long)]
    all: bool,
    /// No progress bar (there is none anyway when standard error is not a terminal)
    #[arg(long, short)]
    quiet: bool,
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

impl Args {
    /// The `--format` value as written, for failures printed in it.
    pub fn format_name(&self) -> String {
        use clap::ValueEnum as _;
        self.format
            .to_possible_value()
            .map_or_else(String::new, |v| v.get_name().to_string())
    }
}

#[derive(Clone, Copy, clap::ValueEnum)]
enum Format {
    Table,
    Json,
    Csv,
    Markdown,
}

/// Changed users shown before "... and N more".
const SHOWN: usize = 20;

pub fn run(a: Args) -> Outcome {
    let policy = load_policy(&a.policy)?;
    let reading = spinner(a.quiet, "reading the directory");
    let dir = read_directory(&a.directory)?.ok_or_else(|| {
        Failure::input("simulate needs --directory FILE (`-` for standard input)")
    })?;
    reading.finish_and_clear();
    warn_unknown_names(&policy, a.app.as_deref(), &dir);
    if a.timeline {
        return run_timeline(&a, &policy, &dir);
    }
    let base = match (&a.base, &a.base_rev) {
        (Some(path), _) => Some((load_policy(path)?, path.clone())),
        (None, Some(rev)) => {
            let source = git_show(&a.policy, rev)?;
            let name = source.name().to_string();
            Some((policy_from_source(&source)?, name))
        }
        (None, None) => None,
    };
    let tz = policy.timezone().clone();
    let at = match &a.at {
        Some(t) => parse_instant(t, &tz).map_err(|e| Failure::input(format!("--at: {e}")))?,
        None => jiff::Timestamp::now(),
    };
    let bar = progress_bar(a.quiet, dir.users.len() as u64);
    let sim = simulate_with_progress(
        &policy,
        base.as_ref().map(|(p, _)| p),
        &dir,
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
    let risks = a.risks.then(|| mfac::simulate::risks(&policy, &sim, &dir));
    let view = View {
        risks: risks.as_ref(),
        sim: &sim,
        dir: &dir,
        policy: &a.policy,
        base: base.as_ref().map(|(_, n)| n.as_str()),
        tz: &tz,
        all: a.all,
    };
    let text = match a.format {
        Format::Json => view.json(),
        Format::Table => view.table(),
        Format::Csv => view.csv(),
        Format::Markdown => view.markdown(),
    };
    out!("{text}");
    Ok(ExitCode::SUCCESS)
}

fn run_timeline(a: &Args, policy: &mfac::Policy, dir: &Directory) -> Outcome {
    let tz = policy.timezone().clone();
    let parse = |flag: &str, v: &Option<String>| {
        v.as_deref()
            .map(|t| parse_instant(t, &tz).map_err(|e| Failure::input(format!("{flag}: {e}"))))
            .transpose()
    };
    let events = mfac::simulate::events(policy);
    let first = events.keys().next().copied();
    let last = events.keys().next_back().copied();
    let day = jiff::SignedDuration::from_hours(24);
    let from = match (parse("--from", &a.from)?, parse("--at", &a.at)?) {
        (Some(f), _) | (None, Some(f)) => f,
        (None, None) => first
            .and_then(|f| f.checked_sub(day).ok())
            .unwrap_or_else(jiff::Timestamp::now),
    };
    let to = parse("--to", &a.to)?.or(last).unwrap_or(from).max(from);
    if let Some(t) = parse("--to", &a.to)?.filter(|t| *t < from) {
        return Err(Failure::input(format!(
            "--to: {} is before the timeline start {}",
            mfac::time::format_instant(t, &tz),
            mfac::time::format_instant(from, &tz)
        )));
    }
    let points = mfac::simulate::timeline(policy, dir, a.app.as_deref(), from, to);
    // With --risks, the lock-out analysis at the timeline's start as well.
    if a.risks && matches!(a.format, Format::Csv) {
        return Err(Failure::input(
            "--risks has no CSV form: use --format table, json or markdown",
        ));
    }
    let analysed = a.risks.then(|| {
        let sim = mfac::simulate::simulate(policy, None, dir, from, a.app.as_deref());
        let risks = mfac::simulate::risks(policy, &sim, dir);
        (sim, risks)
    });
    let view = analysed.as_ref().map(|(sim, risks)| View {
        risks: Some(risks),
        sim,
        dir,
        policy: &a.policy,
        base: None,
        tz: &tz,
        all: a.all,
    });
    let id = |i: &usize| dir.id(*i);
    let names = |p: &mfac::simulate::Point| p.newly_blocked.iter().map(id).collect::<Vec<_>>();
    let events_text =
        |p: &mfac::simulate::Point| p.events.iter().map(ToString::to_string).collect::<Vec<_>>();
    let mut o = String::new();
    match a.format {
        Format::Json => {
            let v = json!({
                "users": dir.users.len(),
                "app": a.app,
                "timeline": points.iter().map(|p| json!({
                    "at": format_instant(p.at, &tz),
                    "events": events_text(p),
                    "counts": p.counts(),
                    "newly_blocked": names(p),
                })).collect::<Vec<_>>(),
            });
            let mut v = v;
            if let Some(r) = view.as_ref().and_then(View::risks_json) {
                super::render::put(&mut v, "risks", r);
            }
            o = format!("{}\n", super::render::pretty(&v));
        }
        Format::Csv => {
            o.push_str("at,allow,challenge,enrol_or_skip,enrol,deny,newly_blocked,events\n");
            for p in &points {
                let [allow, challenge, skip, enrol, deny] = in_order(&p.counts());
                let _ = writeln!(
                    o,
                    "{},{allow},{challenge},{skip},{enrol},{deny},{},\"{}\"",
                    format_instant(p.at, &tz),
                    names(p).join(";"),
                    events_text(p).join("; ").replace('"', "\"\"")
                );
            }
        }
        Format::Table | Format::Markdown => {
            let markdown = matches!(a.format, Format::Markdown);
            let app = a
                .app
                .as_deref()
                .map_or("no particular app".to_string(), |x| format!("app {x:?}"));
            if markdown {
                let _ = writeln!(
                    o,
                    "### mfac timeline: `{}`\n\n{} users signing into {app}.\n",
                    a.policy,
                    dir.users.len()
                );
                let _ = writeln!(o, "| date | allow | challenge | enrol_or_skip | enrol | deny | newly blocked | what happens |\n|---|---:|---:|---:|---:|---:|---|---|");
            } else {
                let _ = writeln!(
                    o,
                    "timeline of {} for {} users signing into {app}\n",
                    a.policy,
                    dir.users.len()
                );
                let _ = writeln!(
                    o,
                    "{:<26} {:>6} {:>9} {:>13} {:>6} {:>5}  what happens",
                    "date", "allow", "challenge", "enrol_or_skip", "enrol", "deny"
                );
            }
            for (k, p) in points.iter().enumerate() {
                let [allow, challenge, skip, enrol, deny] = in_order(&p.counts());
                let blocked = names(p);
                let shown: Vec<&str> = blocked
                    .iter()
                    .take(if a.all { usize::MAX } else { 5 })
                    .copied()
                    .collect();
                let more = blocked.len() - shown.len();
                let mut who = shown.join(", ");
                if more > 0 {
                    let _ = write!(who, " and {more} more");
                }
                let what = if p.events.is_empty() {
                    "(start)".to_string()
                } else {
                    events_text(p).join("; ")
                };
                if markdown {
                    let _ = writeln!(
                        o,
                        "| {} | {allow} | {challenge} | {skip} | {enrol} | {deny} | {} | {} |",
                        format_instant(p.at, &tz),
                        md(&who),
                        md(&what)
                    );
                } else {
                    let _ = writeln!(
                        o,
                        "{:<26} {allow:>6} {challenge:>9} {skip:>13} {enrol:>6} {deny:>5}  {what}",
                        format_instant(p.at, &tz),
                    );
                    if !blocked.is_empty() {
                        // The first row names everyone blocked at the start,
                        // the others who becomes blocked on their date.
                        let said = if k == 0 {
                            "blocked at the start"
                        } else {
                            "blocked from this date"
                        };
                        let _ = writeln!(o, "{:<26} {said}: {who}", "");
                    }
                }
            }
            if let Some(v) = &view {
                o.push_str(&if markdown {
                    v.risks_markdown()
                } else {
                    v.risks_table()
                });
            }
        }
    }
    out!("{o}");
    if let Some(path) = &a.chart {
        let title = format!("{}: {} users", a.policy, dir.users.len());
        std::fs::write(path, super::chart::svg(&title, &points, &tz))
            .map_err(|e| Failure::input(format!("cannot write `{path}`: {e}")))?;
        eprintln!("chart written to {path}");
    }
    Ok(ExitCode::SUCCESS)
}

/// A bar on standard error; hidden with `--quiet` or when standard error is
/// not a terminal (indicatif checks), so pipes and CI logs stay clean.
/// Typos in `--app` and in the directory's group names, on stderr. Only the
/// first distinct unknown group names are compared (a large directory holds
/// many groups no rule names, and that is normal), and at most five warned.
fn warn_unknown_names(policy: &mfac::Policy, app: Option<&str>, dir: &Directory) {
    const LOOKED_AT: usize = 500;
    const SHOWN: usize = 5;
    let known: std::collections::BTreeSet<&str> = policy
        .tables()
        .groups
        .iter()
        .map(|(g, _)| g.as_str())
        .collect();
    let mut unknown: Vec<&str> = Vec::new();
    let mut seen = std::collections::BTreeSet::new();
    'users: for u in &dir.users {
        for g in &u.groups {
            let g: &str = g;
            if !known.contains(g) && seen.insert(g) {
                unknown.push(g);
                if unknown.len() == LOOKED_AT {
                    break 'users;
                }
            }
        }
    }
    let warnings = super::names::unknown_names(policy, app, &unknown);
    for w in warnings.iter().take(SHOWN) {
        eprintln!("warning: {w}");
    }
    if warnings.len() > SHOWN {
        eprintln!(
            "warning: and {} more names like these",
            warnings.len() - SHOWN
        );
    }
}

fn progress_bar(quiet: bool, len: u64) -> ProgressBar {
    if quiet {
        return ProgressBar::hidden();
    }
    let bar = ProgressBar::with_draw_target(Some(len), ProgressDrawTarget::stderr());
    if let Ok(style) = ProgressStyle::with_template("{msg} {wide_bar} {pos}/{len} users ({eta})") {
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

/// The policy file as it was at `rev`, read with `git show` from the
/// repository the file lives in.
fn git_show(policy: &str, rev: &str) -> Result<SourceFile, Failure> {
    let path = std::path::Path::new(policy);
    let dir = path
        .parent()
        .filter(|p| !p.as_os_str().is_empty())
        .unwrap_or(std::path::Path::new("."));
    let file = path
        .file_name()
        .and_then(|f| f.to_str())
        .ok_or_else(|| Failure::input(format!("`{policy}` is not a file name")))?;
    let git = |args: &[&str]| -> Result<Vec<u8>, Failure> {
        let out = std::process::Command::new("git")
            .arg("-C")
            .arg(dir)
            .args(args)
            .output()
            .map_err(|e| Failure::input(format!("--base-rev needs git: {e}")))?;
        if out.status.success() {
            Ok(out.stdout)
        } else {
            Err(Failure::input(format!(
                "--base-rev {rev}: {}",
                String::from_utf8_lossy(&out.stderr).trim()
            )))
        }
    };
    // `REV:./FILE` is the file relative to `dir`, wherever the repository root is.
    let spec = format!("{rev}:./{file}");
    let bytes = git(&["show", &spec])?;
    let text = String::from_utf8(bytes)
        .map_err(|_| Failure::input(format!("`{spec}` is not UTF-8 text")))?;
    Ok(SourceFile::new(format!("{policy}@{rev}"), text))
}

struct View<'a> {
    risks: Option<&'a mfac::simulate::Risks>,
    sim: &'a Simulation,
    dir: &'a Directory,
    policy: &'a str,
    base: Option<&'a str>,
    tz: &'a jiff::tz::TimeZone,
    all: bool,
}

fn snap_json(s: &Snapshot) -> serde_json::Value {
    json!({
        "decision": s.outcome.name(),
        "enforcement": s.enforcement.name(),
        "factors": s.factors.names(),
    })
}

/// Counts per decision in the design's order: allow, challenge,
/// enrol_or_skip, enrol, deny.
fn in_order(counts: &BTreeMap<&'static str, usize>) -> [usize; 5] {
    mfac::eval::Outcome::ALL.map(|o| counts.get(o.name()).copied().unwrap_or(0))
}

/// Each decision in the design's order, with its before and after counts
/// and the signed change (blank when none).
fn rows(
    before: &BTreeMap<&'static str, usize>,
    after: &BTreeMap<&'static str, usize>,
) -> Vec<(&'static str, usize, usize, String)> {
    let (b, a) = (in_order(before), in_order(after));
    mfac::eval::Outcome::ALL
        .iter()
        .zip(b.into_iter().zip(a))
        .map(|(o, (b, n))| {
            let delta = n as i64 - b as i64;
            let delta = if delta == 0 {
                String::new()
            } else {
                format!("{delta:+}")
            };
            (o.name(), b, n, delta)
        })
        .collect()
}

/// A markdown table cell: `|` would end the cell.
fn md(s: &str) -> String {
    s.replace('|', "\\|")
}

/// `enrol (required: webauthn)`.
fn snap_text(s: &Snapshot) -> String {
    format!(
        "{} ({}: {})",
        s.outcome.name(),
        s.enforcement.name(),
        s.factors
    )
}

impl View<'_> {
    fn user_id(&self, u: &UserResult) -> &str {
        self.dir.id(u.user)
    }

    fn at(&self) -> String {
        format_instant(self.sim.at, self.tz)
    }

    /// What "before" was, in words.
    fn before_text(&self) -> String {
        match (self.sim.before, self.base) {
            (Before::Base, Some(b)) => format!("`{b}`"),
            (Before::Phase(t), _) => format!(
                "the same policy just before its rollout phase of {}",
                format_instant(t, self.tz)
            ),
            _ => "the same policy (no rollout phase yet at this time: nothing changes)".into(),
        }
    }

    fn json(&self) -> String {
        let s = self.sim;
        let mut v = json!({
            "at": self.at(),
            "app": s.app,
            "users": s.users.len(),
            "counts": s.after_counts(),
            "before": match s.before {
                Before::Base => json!({"kind": "base", "policy": self.base}),
                Before::Phase(t) => json!({"kind": "phase", "phase": format_instant(t, self.tz)}),
                Before::Unchanged => json!({"kind": "unchanged"}),
            },
            "before_counts": s.before_counts(),
            "transitions": s.transitions().iter().map(|((from, to), n)| json!({
                "from": from.name(), "to": to.name(), "users": n,
            })).collect::<Vec<_>>(),
            "changed": s.changed().map(|u| json!({
                "user": self.user_id(u),
                "before": snap_json(&u.before),
                "after": snap_json(&u.after),
            })).collect::<Vec<_>>(),
        });
        if s.before == Before::Base {
            super::render::put(&mut v, "base_counts", json!(s.before_counts()));
        }
        if let Some(r) = self.risks_json() {
            super::render::put(&mut v, "risks", r);
        }
        format!("{}\n", super::render::pretty(&v))
    }

    /// The lock-out analysis as JSON; a block `from` is `null` when it holds
    /// before any dated change of the policy.
    fn risks_json(&self) -> Option<serde_json::Value> {
        let r = self.risks?;
        let id = |i: &usize| self.dir.id(*i);
        Some(json!({
            "blocked": r.blocked.iter().map(|(u, t)| json!({"user": id(u), "from": t.map(|t| format_instant(t, self.tz))})).collect::<Vec<_>>(),
            "privileged_without_webauthn": r.privileged_without_webauthn.iter().map(id).collect::<Vec<_>>(),
            "lost_every_factor": r.lost_every_factor.iter().map(|(u, f)| json!({"user": id(u), "factors": f.names()})).collect::<Vec<_>>(),
            "no_allowed_factor": r.no_allowed_factor.iter().map(|(g, us)| json!({"group": g, "users": us.iter().map(id).collect::<Vec<_>>()})).collect::<Vec<_>>(),
        }))
    }

    fn table(&self) -> String {
        let s = self.sim;
        let (before, after) = (s.before_counts(), s.after_counts());
        let changed: Vec<&UserResult> = s.changed().collect();
        let mut o = String::new();
        let app = s
            .app
            .as_deref()
            .map_or("no particular app".to_string(), |a| format!("app {a:?}"));
        let _ = writeln!(
            o,
            "{} at {}: {} users signing into {app}",
            self.policy,
            self.at(),
            s.users.len()
        );
        let _ = writeln!(o, "before: {}", self.before_text());
        let _ = writeln!(o, "changed: {} of {} users\n", changed.len(), s.users.len());
        let _ = writeln!(
            o,
            "{:<15} {:>8} {:>8} {:>8}",
            "decision", "before", "after", "change"
        );
        for (name, b, n, delta) in rows(&before, &after) {
            let _ = writeln!(o, "{name:<15} {b:>8} {n:>8} {delta:>8}");
        }
        let transitions = s.transitions();
        if !transitions.is_empty() {
            let _ = writeln!(o, "\ntransitions");
            for ((from, to), n) in &transitions {
                let _ = writeln!(o, "  {} -> {}: {n}", from.name(), to.name());
            }
        }
        let groups = s.by_group(self.dir);
        let _ = writeln!(o, "\ngroups (changed first)");
        let _ = writeln!(
            o,
            "  {:<24} {:>6} {:>8}   after: allow/challenge/enrol_or_skip/enrol/deny",
            "group", "users", "changed"
        );
        let limit = if self.all { groups.len() } else { SHOWN };
        for g in groups.iter().take(limit) {
            let per: Vec<String> = in_order(&g.after).map(|n| n.to_string()).to_vec();
            let _ = writeln!(
                o,
                "  {:<24} {:>6} {:>8}   {}",
                g.group,
                g.users,
                g.changed,
                per.join("/")
            );
        }
        if groups.len() > limit {
            let _ = writeln!(
                o,
                "  ... and {} more groups (--all lists them)",
                groups.len() - limit
            );
        }
        if !changed.is_empty() {
            let _ = writeln!(o, "\nchanged users");
            let limit = if self.all { changed.len() } else { SHOWN };
            for u in changed.iter().take(limit) {
                let _ = writeln!(
                    o,
                    "  {:<28} {} -> {}",
                    self.user_id(u),
                    snap_text(&u.before),
                    snap_text(&u.after)
                );
            }
            if changed.len() > limit {
                let _ = writeln!(
                    o,
                    "  ... and {} more (--all lists them)",
                    changed.len() - limit
                );
            }
        }
        o.push_str(&self.risks_table());
        o
    }

    fn risks_table(&self) -> String {
        let mut o = String::new();
        for (title, lines) in self.risk_lines() {
            let _ = writeln!(o, "\nrisk: {title} ({})", lines.len());
            let limit = if self.all { lines.len() } else { SHOWN };
            for l in lines.iter().take(limit) {
                let _ = writeln!(o, "  {l}");
            }
            if lines.len() > limit {
                let _ = writeln!(
                    o,
                    "  ... and {} more (--all lists them)",
                    lines.len() - limit
                );
            }
        }
        o
    }

    /// The lock-out analysis as titled lists of lines; empty lists left out.
    fn risk_lines(&self) -> Vec<(&'static str, Vec<String>)> {
        let Some(r) = self.risks else {
            return Vec::new();
        };
        let id = |i: &usize| self.dir.id(*i);
        let lists = vec![
            (
                "blocked (must enrol before sign-in completes)",
                r.blocked
                    .iter()
                    .map(|(u, t)| match t {
                        Some(t) => format!("{} from {}", id(u), format_instant(*t, self.tz)),
                        None => format!("{} already before the policy's first dated change", id(u)),
                    })
                    .collect::<Vec<_>>(),
            ),
            (
                "privileged or break-glass without webauthn enrolled",
                r.privileged_without_webauthn
                    .iter()
                    .map(|u| id(u).to_string())
                    .collect(),
            ),
            (
                "the change disallows every factor they have",
                r.lost_every_factor
                    .iter()
                    .map(|(u, f)| format!("{} loses {f}", id(u)))
                    .collect(),
            ),
            (
                "groups whose rules leave members no allowed factor",
                r.no_allowed_factor
                    .iter()
                    .map(|(g, us)| {
                        format!("{g}: {}", us.iter().map(id).collect::<Vec<_>>().join(", "))
                    })
                    .collect(),
            ),
        ];
        lists.into_iter().filter(|(_, l)| !l.is_empty()).collect()
    }

    fn csv(&self) -> String {
        let mut o = String::from(
            "user,changed,before_decision,before_enforcement,before_factors,after_decision,after_enforcement,after_factors\n",
        );
        let cell = |s: &str| {
            if s.contains([',', '"', '\n']) {
                format!("\"{}\"", s.replace('"', "\"\""))
            } else {
                s.to_string()
            }
        };
        for u in &self.sim.users {
            let snap = |s: &Snapshot| {
                format!(
                    "{},{},{}",
                    s.outcome.name(),
                    s.enforcement.name(),
                    s.factors.names().join(";")
                )
            };
            let _ = writeln!(
                o,
                "{},{},{},{}",
                cell(self.user_id(u)),
                u.changed(),
                snap(&u.before),
                snap(&u.after)
            );
        }
        o
    }

    /// Shaped for a pull-request comment: the summary table first, details folded.
    fn markdown(&self) -> String {
        let s = self.sim;
        let (before, after) = (s.before_counts(), s.after_counts());
        let changed: Vec<&UserResult> = s.changed().collect();
        let mut o = String::new();
        let _ = writeln!(o, "### mfac simulate: `{}`\n", self.policy);
        let app = s
            .app
            .as_deref()
            .map_or(String::new(), |a| format!(" signing into `{a}`"));
        let _ = writeln!(
            o,
            "At {}, {} users{app}, compared with {}: **{} changed**.\n",
            self.at(),
            s.users.len(),
            self.before_text(),
            changed.len()
        );
        let _ = writeln!(
            o,
            "| decision | before | after | change |\n|---|---:|---:|---:|"
        );
        for (name, b, n, delta) in rows(&before, &after) {
            let _ = writeln!(o, "| `{name}` | {b} | {n} | {delta} |");
        }
        let transitions = s.transitions();
        if !transitions.is_empty() {
            let list: Vec<String> = transitions
                .iter()
                .map(|((f, t), n)| format!("`{}` → `{}`: {n}", f.name(), t.name()))
                .collect();
            let _ = writeln!(o, "\n**Transitions:** {}", list.join(", "));
        }
        let groups = s.by_group(self.dir);
        let _ = writeln!(
            o,
            "\n<details><summary>Groups ({})</summary>\n",
            groups.len()
        );
        let _ = writeln!(o, "| group | users | changed | allow | challenge | enrol_or_skip | enrol | deny |\n|---|---:|---:|---:|---:|---:|---:|---:|");
        for g in &groups {
            let per: Vec<String> = in_order(&g.after).map(|n| n.to_string()).to_vec();
            let _ = writeln!(
                o,
                "| {} | {} | {} | {} |",
                md(&g.group),
                g.users,
                g.changed,
                per.join(" | ")
            );
        }
        let _ = writeln!(o, "\n</details>");
        if !changed.is_empty() {
            let limit = if self.all { changed.len() } else { 50 };
            let _ = writeln!(
                o,
                "\n<details><summary>Changed users ({})</summary>\n",
                changed.len()
            );
            let _ = writeln!(o, "| user | before | after |\n|---|---|---|");
            for u in changed.iter().take(limit) {
                let _ = writeln!(
                    o,
                    "| `{}` | {} | {} |",
                    md(self.user_id(u)),
                    md(&snap_text(&u.before)),
                    md(&snap_text(&u.after))
                );
            }
            if changed.len() > limit {
                let _ = writeln!(o, "\n… and {} more.", changed.len() - limit);
            }
            let _ = writeln!(o, "\n</details>");
        }
        o.push_str(&self.risks_markdown());
        o
    }

    fn risks_markdown(&self) -> String {
        let mut o = String::new();
        let risks = self.risk_lines();
        if !risks.is_empty() {
            let _ = writeln!(o, "\n#### Lock-out risks\n");
            for (title, lines) in risks {
                let _ = writeln!(
                    o,
                    "- **{title}** ({}): {}",
                    lines.len(),
                    md(&lines
                        .iter()
                        .take(10)
                        .cloned()
                        .collect::<Vec<_>>()
                        .join("; "))
                );
            }
        }
        o
    }
}
