//! `mfac diff OLD NEW`: what a policy change means, without a directory.

use super::{load_policy, Failure, Outcome};
use mfac::diff::{diff, Change, Diff, Fields};
use mfac::time::format_instant;
use std::fmt::Write;
use std::process::ExitCode;

#[derive(clap::Args)]
#[command(
    about = "Show what changes in effect between two versions of a policy, per subject and date range",
    after_help = "Examples:\n  mfac diff old/acme.mfa policies/acme.mfa\n  mfac diff acme-v1.json policies/acme.mfa --format markdown\n  mfac diff old.mfa new.mfa --exit-code || [ $? -eq 3 ] && echo changed\n\nReordered rules, renamed strengths and comments are not changes: the two\npolicies are compared as compiled, field by field, over time."
)]
pub struct Args {
    /// The old policy (`.mfa` or `mfac compile` JSON)
    old: String,
    /// The new policy
    new: String,
    #[arg(long, value_enum, default_value_t = Format::Human)]
    pub(super) format: Format,
    /// Exit 3 when the policies differ in effect, 0 when they do not (1 and 2
    /// keep their meaning: policy errors, bad input), for scripts
    #[arg(long)]
    exit_code: bool,
}

/// `--exit-code`: the policies differ in effect. Not 1 or 2, which already
/// mean policy errors and bad input.
pub const CHANGED: u8 = 3;

#[derive(Clone, Copy, clap::ValueEnum)]
pub(super) enum Format {
    Human,
    Json,
    Markdown,
}

pub fn run(a: Args) -> Outcome {
    let old = load_policy(&a.old)?;
    let new = load_policy(&a.new)?;
    let d = diff(&old, &new);
    let tz = new.timezone().clone();
    let text = match a.format {
        Format::Json => json_text(&d, &tz)?,
        Format::Human => lines(&a, &d, &tz, false),
        Format::Markdown => lines(&a, &d, &tz, true),
    };
    out!("{text}");
    Ok::<_, Failure>(if a.exit_code && !d.is_empty() {
        ExitCode::from(CHANGED)
    } else {
        ExitCode::SUCCESS
    })
}

fn when(c: &Change, tz: &jiff::tz::TimeZone) -> String {
    match (c.from, c.until) {
        (None, None) => "always".into(),
        (None, Some(u)) => format!("before {}", format_instant(u, tz)),
        (Some(f), None) => format!("from {}", format_instant(f, tz)),
        (Some(f), Some(u)) => format!(
            "from {} until {}",
            format_instant(f, tz),
            format_instant(u, tz)
        ),
    }
}

/// The fields that differ, as `name: old -> new`.
fn field_changes(c: &Change, tz: &jiff::tz::TimeZone) -> Vec<String> {
    let (o, n) = (c.old, c.new);
    let get = |f: Option<Fields>, pick: &dyn Fn(&Fields) -> String| {
        f.as_ref().map_or_else(|| "(no rule)".to_string(), pick)
    };
    let mut out = Vec::new();
    let mut field = |name: &str, pick: &dyn Fn(&Fields) -> String| {
        let (x, y) = (get(o, pick), get(n, pick));
        if x != y {
            out.push(format!("{name}: {x} -> {y}"));
        }
    };
    field("enforcement", &|f| {
        f.enforcement
            .map_or("unset".into(), |l| l.name().to_string())
    });
    field("factors", &|f| {
        f.factors.map_or("unset".into(), |s| s.to_string())
    });
    field("recovery", &|f| {
        if f.recovery { "backup_code" } else { "none" }.to_string()
    });
    field("enrolment", &|f| {
        f.deadline.map_or("immediate".into(), |d| {
            format!("grace until {}", format_instant(d, tz))
        })
    });
    field("remember", &|f| {
        f.remember.map_or("unset".into(), |r| r.to_string())
    });
    out
}

fn lines(a: &Args, d: &Diff, tz: &jiff::tz::TimeZone, md: bool) -> String {
    let mut o = String::new();
    if md {
        let _ = writeln!(o, "### mfac diff: `{}` → `{}`\n", a.old, a.new);
    } else {
        let _ = writeln!(o, "diff {} -> {}", a.old, a.new);
    }
    if d.is_empty() {
        let _ = writeln!(o, "no effective change");
        return o;
    }
    let bullet = if md { "- " } else { "  " };
    for (name, x, y) in &d.settings {
        let _ = writeln!(o, "{name}: {x} -> {y}");
    }
    let mut last = "";
    for c in &d.changes {
        if c.subject != last {
            if md {
                let _ = writeln!(o, "\n**{}**\n", c.subject.replace('"', "`"));
            } else {
                let _ = writeln!(o, "{}", c.subject);
            }
            last = &c.subject;
        }
        let _ = writeln!(
            o,
            "{bullet}{}: {}",
            when(c, tz),
            field_changes(c, tz).join("; ")
        );
    }
    if !d.includes.is_empty() {
        let _ = writeln!(
            o,
            "{}",
            if md {
                "\n**group membership**\n"
            } else {
                "group membership"
            }
        );
        for (g, gained, lost) in &d.includes {
            let mut parts = Vec::new();
            if !gained.is_empty() {
                parts.push(format!("now also gets {}", gained.join(", ")));
            }
            if !lost.is_empty() {
                parts.push(format!("no longer gets {}", lost.join(", ")));
            }
            let _ = writeln!(o, "{bullet}members of {g:?} {}", parts.join("; "));
        }
    }
    for (title, list) in [
        ("exemptions removed", &d.exemptions_removed),
        ("exemptions added", &d.exemptions_added),
        ("exemptions changed", &d.exemptions_changed),
    ] {
        if !list.is_empty() {
            let _ = writeln!(
                o,
                "{}",
                if md {
                    format!("\n**{title}**\n")
                } else {
                    title.to_string()
                }
            );
            for e in list.iter() {
                let _ = writeln!(o, "{bullet}{e}");
            }
        }
    }
    o
}

fn json_text(d: &Diff, tz: &jiff::tz::TimeZone) -> Result<String, Failure> {
    let v = serde_json::to_value(mfac::diff::wire::DiffRecord::new(d, tz))
        .map_err(|e| Failure::input(format!("cannot write the diff: {e}")))?;
    Ok(format!("{}\n", super::render::pretty(&v)))
}
