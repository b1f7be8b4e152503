//! `mfac diff OLD NEW`: what a policy change means, without a directory.

use super::{git_show, load_policy_for_eval, policy_for_eval, Failure, Outcome};
use mfac::diff::wire::LooseningRecord;
use mfac::diff::{diff, Change, Diff, Fields};
use mfac::time::format_instant;
use std::fmt::Write;
use std::process::ExitCode;

#[derive(clap::Args)]
#[command(
    about = "Show what changes in effect between two versions of a policy, per subject and date range",
    after_help = "Examples:\n  mfac diff old/acme.mfa policies/acme.mfa\n  mfac diff acme-v1.json policies/acme.mfa --format markdown\n  mfac diff old.mfa new.mfa --exit-code || [ $? -eq 3 ] && echo changed\n  mfac diff policies/acme.mfa --base-rev origin/main --deny-loosening\n\nReordered rules, renamed strengths and comments are not changes: the two\npolicies are compared as compiled, field by field, over time.\n\n--deny-loosening proves that NEW loosens no login compared with OLD (lower\nenforcement, an extra factor, a new or longer remember window, a longer\ngrace, a new exemption) for every user, set of groups, app and instant, and\nexits 1 with a counterexample for each kind of loosening otherwise."
)]
pub struct Args {
    /// OLD NEW: the old policy and the new one (`.mfa` or `mfac compile`
    /// JSON); with --base-rev, NEW only
    #[arg(value_name = "POLICY", num_args = 1..=2, required = true)]
    policies: Vec<String>,
    /// Take OLD from NEW's file at this git revision of its repository
    #[arg(long, value_name = "REV")]
    base_rev: Option<String>,
    /// Prove that NEW loosens no login compared with OLD; exit 1 with a
    /// counterexample for each loosening otherwise
    #[arg(long)]
    deny_loosening: bool,
    /// With --deny-loosening: the most distinct combinations of groups one
    /// search keeps before it gives up, and that kind of loosening is
    /// reported not proven (and denied)
    #[arg(long, value_name = "N", default_value_t = mfac::prove::PROOF_LIMIT as u64,
          value_parser = clap::value_parser!(u64).range(1..))]
    proof_limit: u64,
    /// Compare the two policies at this one instant only (RFC 3339, or a
    /// date in NEW's timezone): the changes in force then, and with
    /// --deny-loosening the logins of that instant
    #[arg(long, value_name = "TIME")]
    at: Option<String>,
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

/// The two sides by name, as the output shows them.
struct Names {
    old: String,
    new: String,
}

pub fn run(a: Args) -> Outcome {
    let (old, new, names) = match (a.policies.as_slice(), &a.base_rev) {
        ([old, new], None) => (
            load_policy_for_eval(old)?,
            load_policy_for_eval(new)?,
            Names {
                old: old.clone(),
                new: new.clone(),
            },
        ),
        ([new], Some(rev)) => {
            let source = git_show(new, rev)?;
            let names = Names {
                old: source.name().to_string(),
                new: new.clone(),
            };
            (policy_for_eval(&source)?, load_policy_for_eval(new)?, names)
        }
        (_, None) => {
            return Err(Failure::input(
                "give OLD and NEW, or NEW with --base-rev REV",
            ))
        }
        (_, Some(_)) => {
            return Err(Failure::input(
                "with --base-rev, give only NEW: OLD is NEW's file at that revision",
            ))
        }
    };
    let at =
        a.at.as_deref()
            .map(|t| {
                mfac::time::parse_instant(t, new.timezone())
                    .map_err(|e| Failure::input(format!("--at {t}: {e}")))
            })
            .transpose()?;
    let d = diff(&old, &new);
    let d = match at {
        Some(t) => d.at(t),
        None => d,
    };
    let limit = usize::try_from(a.proof_limit).unwrap_or(usize::MAX);
    let review = a.deny_loosening.then(|| Review::of(&old, &new, limit, at));
    let tz = new.timezone().clone();
    let text = match a.format {
        Format::Json => json_text(&d, review.as_ref(), &tz)?,
        Format::Human => lines(&names, &d, review.as_ref(), &tz, false),
        Format::Markdown => lines(&names, &d, review.as_ref(), &tz, true),
    };
    out!("{text}");
    // Fail closed: a kind of loosening not proven absent denies as one found.
    let loosened = review
        .as_ref()
        .is_some_and(|r| !r.loosenings.is_empty() || !r.not_proven.is_empty());
    Ok::<_, Failure>(if loosened {
        ExitCode::from(1)
    } else if a.exit_code && !d.is_empty() {
        ExitCode::from(CHANGED)
    } else {
        ExitCode::SUCCESS
    })
}

/// `--deny-loosening`'s findings, as the outputs show them.
struct Review {
    loosenings: Vec<LooseningRecord>,
    /// The kinds whose search gave up, by name.
    not_proven: Vec<&'static str>,
    limit: usize,
    /// `--at`: the one instant compared, as NEW's timezone writes it.
    at: Option<String>,
}

impl Review {
    fn of(
        old: &mfac::Policy,
        new: &mfac::Policy,
        limit: usize,
        at: Option<jiff::Timestamp>,
    ) -> Review {
        let r = mfac::prove::loosen::review(old, new, limit, at);
        Review {
            loosenings: r
                .loosenings
                .iter()
                .map(|l| LooseningRecord::new(l, old, new))
                .collect(),
            not_proven: r.not_proven.iter().map(|k| k.name()).collect(),
            limit,
            at: at.map(|t| format_instant(t, new.timezone())),
        }
    }
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
    for &name in mfac::policy::Field::ALL {
        field(name.keyword(), &|f| match name {
            // Lowered to the deadline a required rule gives.
            mfac::policy::Field::Enrolment => f.deadline.map_or("immediate".into(), |d| {
                format!("grace until {}", format_instant(d, tz))
            }),
            mfac::policy::Field::Recovery => f.value(name).unwrap_or_else(|| "none".into()),
            _ => f.value(name).unwrap_or_else(|| "unset".into()),
        });
    }
    out
}

fn lines(
    a: &Names,
    d: &Diff,
    review: Option<&Review>,
    tz: &jiff::tz::TimeZone,
    md: bool,
) -> String {
    let mut o = String::new();
    if md {
        let _ = writeln!(o, "### mfac diff: `{}` → `{}`\n", a.old, a.new);
    } else {
        let _ = writeln!(o, "diff {} -> {}", a.old, a.new);
    }
    if d.is_empty() {
        let _ = writeln!(o, "no effective change");
    } else {
        changes(&mut o, d, tz, md);
    }
    if let Some(r) = review {
        loosening_lines(&mut o, r, md);
    }
    o
}

/// `--deny-loosening`'s verdict: each kind of loosening with the login
/// that shows it, or the proof that there is none.
fn loosening_lines(o: &mut String, review: &Review, md: bool) {
    let list = &review.loosenings;
    for kind in &review.not_proven {
        let _ = writeln!(
            o,
            "{}not proven: whether NEW loosens `{kind}` (the search met more than {} combinations of groups; --proof-limit raises it); denied until proven",
            if md { "\n" } else { "" },
            review.limit
        );
    }
    if list.is_empty() && !review.not_proven.is_empty() {
        return;
    }
    if list.is_empty() {
        let over = match &review.at {
            Some(t) => format!("at {t}, for every user, set of groups and app"),
            None => "for every user, set of groups, app and instant".to_string(),
        };
        let _ = writeln!(
            o,
            "{}no loosening: NEW is at least as strict as OLD {over}",
            if md { "\n" } else { "" }
        );
        return;
    }
    let title = format!(
        "loosenings: NEW is looser than OLD in {}",
        super::render::plural(list.len(), "way")
    );
    if md {
        let _ = writeln!(o, "\n**{title}**\n");
    } else {
        let _ = writeln!(o, "{title}");
    }
    for l in list {
        let c = &l.counterexample;
        let app = c
            .app
            .as_ref()
            .map_or("any app without an app rule".to_string(), |a| {
                format!("app `{a}`")
            });
        let when = match (&c.from, &c.until) {
            (None, None) => "at any time".to_string(),
            (Some(f), None) => format!("from {f}"),
            (None, Some(u)) => format!("before {u}"),
            (Some(f), Some(u)) => format!("from {f} until {u}"),
        };
        if md {
            let _ = writeln!(
                o,
                "- **{}**: {}, for {} signing in to {app}, {when}\n  replay: `{}`",
                l.kind, l.change, l.reaches, c.eval
            );
        } else {
            let _ = writeln!(
                o,
                "  {}: {}, for {} signing in to {app}, {when}\n    replay: {}",
                l.kind, l.change, l.reaches, c.eval
            );
        }
    }
}

/// The effective changes, subject by subject.
fn changes(o: &mut String, d: &Diff, tz: &jiff::tz::TimeZone, md: bool) {
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
}

fn json_text(
    d: &Diff,
    review: Option<&Review>,
    tz: &jiff::tz::TimeZone,
) -> Result<String, Failure> {
    let mut record = mfac::diff::wire::DiffRecord::new(d, tz);
    record.loosenings = review.map(|r| r.loosenings.clone());
    // Only when a search gave up: a proven review's JSON is as it was.
    record.not_proven = review
        .filter(|r| !r.not_proven.is_empty())
        .map(|r| r.not_proven.iter().map(|k| k.to_string()).collect());
    let v = serde_json::to_value(record)
        .map_err(|e| Failure::input(format!("cannot write the diff: {e}")))?;
    Ok(format!("{}\n", super::render::pretty(&v)))
}
