//! A simulation rendered: table, JSON, CSV and markdown, and the lock-out
//! analysis in each.

use super::*;

pub(super) struct View<'a> {
    /// W020 and W021 about the directory's groups.
    pub(super) warnings: &'a [mfac::simulate::wire::WarningRecord],
    /// The lock-out analysis, and the directory its indexes point into.
    pub(super) risks: Option<(&'a mfac::simulate::Risks, &'a Directory)>,
    pub(super) sim: &'a Summary,
    pub(super) policy: &'a str,
    pub(super) base: Option<&'a str>,
    pub(super) tz: &'a jiff::tz::TimeZone,
    pub(super) all: bool,
}

/// Counts per decision in the design's order: allow, challenge,
/// enrol_or_skip, enrol, deny.
pub(super) fn in_order(counts: &BTreeMap<&'static str, usize>) -> [usize; 5] {
    mfac::eval::Outcome::ALL.map(|o| counts.get(o.name()).copied().unwrap_or(0))
}

/// Each decision in the design's order, with its before and after counts
/// and the signed change (blank when none).
pub(super) fn rows(b: [usize; 5], a: [usize; 5]) -> Vec<(&'static str, usize, usize, String)> {
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
pub(super) fn md(s: &str) -> String {
    s.replace('|', "\\|")
}

/// `enrol (required: webauthn)`, `enrol_or_skip (required: totp, enrol by
/// 2026-12-29T00:00:00+01:00)`.
pub(super) fn snap_text(s: &Snapshot, tz: &jiff::tz::TimeZone) -> String {
    let by = s.deadline.map_or(String::new(), |t| {
        format!(", enrol by {}", format_instant(t, tz))
    });
    format!(
        "{} ({}: {}{by})",
        s.outcome.name(),
        s.enforcement.name(),
        s.factors
    )
}

impl View<'_> {
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

    pub(super) fn json(&self) -> Result<String, Failure> {
        let risks = self
            .risks
            .map(|(r, dir)| mfac::simulate::wire::RisksRecord::new(r, dir, self.tz));
        let mut record =
            mfac::simulate::wire::SimulationRecord::new(self.sim, self.tz, self.base, risks);
        record.warnings = self.warnings.to_vec();
        let v = serde_json::to_value(record)
            .map_err(|e| Failure::input(format!("cannot write the simulation: {e}")))?;
        Ok(format!("{}\n", crate::cli::render::pretty(&v)))
    }

    pub(super) fn table(&self) -> String {
        let s = self.sim;
        let changed: Vec<&Listed> = s.changed_listed().collect();
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
            s.users
        );
        let _ = writeln!(o, "before: {}", self.before_text());
        let _ = writeln!(o, "changed: {} of {} users\n", s.changed, s.users);
        let _ = writeln!(
            o,
            "{:<15} {:>8} {:>8} {:>8}",
            "decision", "before", "after", "change"
        );
        for (name, b, n, delta) in rows(s.before_counts, s.after_counts) {
            let _ = writeln!(o, "{name:<15} {b:>8} {n:>8} {delta:>8}");
        }
        if let Some((would, users)) = &s.report_only {
            let per: Vec<String> = mfac::Outcome::ALL
                .iter()
                .zip(would)
                .map(|(d, n)| format!("{} {n}", d.name()))
                .collect();
            let _ = writeln!(
                o,
                "\nwith the report-only rules enforced: {}",
                per.join(", ")
            );
            for u in users
                .iter()
                .take(if self.all { users.len() } else { SHOWN })
            {
                let shown = |s: &mfac::eval::Shown| {
                    format!("{} ({}, {})", s.outcome.name(), s.enforcement, s.factors)
                };
                let _ = writeln!(
                    o,
                    "  {}: {} -> {}",
                    u.id,
                    shown(&u.decision),
                    shown(&u.report_only)
                );
            }
        }
        let transitions = s.transitions();
        if !transitions.is_empty() {
            let _ = writeln!(o, "\ntransitions");
            for ((from, to), n) in &transitions {
                let _ = writeln!(o, "  {} -> {}: {n}", from.name(), to.name());
            }
        }
        let groups = &s.groups;
        let _ = writeln!(o, "\ngroups (changed first)");
        let _ = writeln!(
            o,
            "  {:<24} {:>6} {:>8}   after: allow/challenge/enrol_or_skip/enrol/deny",
            "group", "users", "changed"
        );
        let limit = if self.all { groups.len() } else { SHOWN };
        for g in groups.iter().take(limit) {
            let per: Vec<String> = g.after.map(|n| n.to_string()).to_vec();
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
        if s.changed > 0 {
            let _ = writeln!(o, "\nchanged users");
            let limit = if self.all { s.changed } else { SHOWN };
            for u in changed.iter().take(limit) {
                let _ = writeln!(
                    o,
                    "  {:<28} {} -> {}",
                    u.id,
                    snap_text(&u.before, self.tz),
                    snap_text(&u.after, self.tz)
                );
            }
            if s.changed > limit {
                let _ = writeln!(o, "  ... and {} more (--all lists them)", s.changed - limit);
            }
        }
        o.push_str(&self.risks_table());
        o
    }

    pub(super) fn risks_table(&self) -> String {
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
        let Some((r, dir)) = self.risks else {
            return Vec::new();
        };
        let id = |i: &usize| dir.id(*i);
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

    pub(super) fn csv(&self) -> String {
        let mut o = String::from(
            "user,changed,before_decision,before_enforcement,before_factors,after_decision,after_enforcement,after_factors,before_deadline,after_deadline\n",
        );
        let cell = crate::cli::render::csv_cell;
        for u in &self.sim.listed {
            let snap = |s: &Snapshot| {
                format!(
                    "{},{},{}",
                    s.outcome.name(),
                    s.enforcement.name(),
                    s.factors.names().join(";")
                )
            };
            let deadline = |s: &Snapshot| {
                s.deadline
                    .map_or(String::new(), |t| format_instant(t, self.tz))
            };
            let _ = writeln!(
                o,
                "{},{},{},{},{},{}",
                cell(&u.id),
                u.changed(),
                snap(&u.before),
                snap(&u.after),
                deadline(&u.before),
                deadline(&u.after)
            );
        }
        o
    }

    /// Shaped for a pull-request comment: the summary table first, details folded.
    pub(super) fn markdown(&self) -> String {
        let s = self.sim;
        let changed: Vec<&Listed> = s.changed_listed().collect();
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
            s.users,
            self.before_text(),
            s.changed
        );
        let _ = writeln!(
            o,
            "| decision | before | after | change |\n|---|---:|---:|---:|"
        );
        for (name, b, n, delta) in rows(s.before_counts, s.after_counts) {
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
        let groups = &s.groups;
        let _ = writeln!(
            o,
            "\n<details><summary>Groups ({})</summary>\n",
            groups.len()
        );
        let _ = writeln!(o, "| group | users | changed | allow | challenge | enrol_or_skip | enrol | deny |\n|---|---:|---:|---:|---:|---:|---:|---:|");
        for g in groups {
            let per: Vec<String> = g.after.map(|n| n.to_string()).to_vec();
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
        if s.changed > 0 {
            let limit = if self.all { s.changed } else { MARKDOWN_SHOWN };
            let _ = writeln!(
                o,
                "\n<details><summary>Changed users ({})</summary>\n",
                s.changed
            );
            let _ = writeln!(o, "| user | before | after |\n|---|---|---|");
            for u in changed.iter().take(limit) {
                let _ = writeln!(
                    o,
                    "| `{}` | {} | {} |",
                    md(&u.id),
                    md(&snap_text(&u.before, self.tz)),
                    md(&snap_text(&u.after, self.tz))
                );
            }
            if s.changed > limit {
                let _ = writeln!(o, "\n… and {} more.", s.changed - limit);
            }
            let _ = writeln!(o, "\n</details>");
        }
        o.push_str(&self.risks_markdown());
        o
    }

    pub(super) fn risks_markdown(&self) -> String {
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
