//! `mfac simulate --timeline`: every user at each date a decision can
//! change, in four formats and as an SVG chart.

use super::*;

pub(super) fn run_timeline(
    a: &Args,
    policy: &mfac::Policy,
    dir: &Directory,
    warnings: &[mfac::simulate::wire::WarningRecord],
) -> Outcome {
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
        // The view renders only the risks here: no user needs listing.
        (Summary::of(&sim, dir, Keep::Changed(Some(0))), risks)
    });
    let view = analysed.as_ref().map(|(sim, risks)| View {
        warnings,
        risks: Some((risks, dir)),
        sim,
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
            let mut record = mfac::simulate::wire::TimelineRecord::new(
                &points,
                dir,
                &tz,
                a.app.as_deref(),
                analysed.as_ref().map(|(_, r)| r),
            );
            record.warnings = warnings.to_vec();
            let v = serde_json::to_value(record)
                .map_err(|e| Failure::input(format!("cannot write the timeline: {e}")))?;
            o = format!("{}\n", crate::cli::render::pretty(&v));
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
    let o = super::with_warnings(a.format, o, warnings);
    out!("{o}");
    if let Some(path) = &a.chart {
        let title = format!("{}: {} users", a.policy, dir.users.len());
        std::fs::write(path, crate::cli::chart::svg(&title, &points, &tz))
            .map_err(|e| Failure::input(format!("cannot write `{path}`: {e}")))?;
        eprintln!("chart written to {path}");
    }
    Ok(ExitCode::SUCCESS)
}
