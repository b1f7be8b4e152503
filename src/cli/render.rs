//! Rendering diagnostics for people (miette) and for tools (JSON).

use mfac::Diagnostics;
use std::io::{IsTerminal, Write};

#[derive(Clone, Copy, Debug, PartialEq, Eq, clap::ValueEnum)]
pub enum ColorChoice {
    Auto,
    Always,
    Never,
}

static COLOR: std::sync::OnceLock<ColorChoice> = std::sync::OnceLock::new();

pub fn set_color(c: ColorChoice) {
    let _ = COLOR.set(c);
}

/// `--color always` wins over NO_COLOR (an explicit flag beats the
/// environment); `auto` colours only a terminal, and only without NO_COLOR.
fn use_color() -> bool {
    match COLOR.get().copied().unwrap_or(ColorChoice::Auto) {
        ColorChoice::Always => true,
        ColorChoice::Never => false,
        ColorChoice::Auto => {
            std::io::stdout().is_terminal()
                && std::env::var_os("NO_COLOR").is_none_or(|v| v.is_empty())
        }
    }
}

fn handler() -> miette::GraphicalReportHandler {
    let color = use_color();
    let theme = if color {
        miette::GraphicalTheme::unicode()
    } else {
        miette::GraphicalTheme::unicode_nocolor()
    };
    miette::GraphicalReportHandler::new_themed(theme).with_width(100)
}

/// Every diagnostic of a file, rendered with the offending text underlined.
/// A counterexample's replay command follows its report on a line of its
/// own, never wrapped (the renderer wraps at 100 columns, mid-token).
pub fn human(diags: &Diagnostics, out: &mut dyn Write) {
    let h = handler();
    for (report, d) in super::report::reports(diags).zip(&diags.items) {
        let mut s = String::new();
        if h.render_report(&mut s, &report).is_ok() {
            match &d.counterexample {
                Some(c) => {
                    let _ = writeln!(out, "{}\n  {}\n", s.trim_end(), c.replay());
                }
                None => {
                    let _ = writeln!(out, "{s}");
                }
            }
        }
    }
}

pub fn plural(n: usize, word: &str) -> String {
    if n == 1 {
        format!("{n} {word}")
    } else {
        format!("{n} {word}s")
    }
}

/// GitHub Actions workflow commands: each diagnostic becomes an annotation
/// on the pull request's diff, at its file, line and column.
pub fn github(diags: &Diagnostics) -> String {
    let mut out = String::new();
    for d in &diags.items {
        let (line, col) = diags.source.line_col(d.span.start);
        let (end_line, end_col) = diags.source.line_col(d.span.end);
        let mut help = if d.help.is_empty() {
            String::new()
        } else {
            format!("\n{}", d.help)
        };
        if let Some(c) = &d.counterexample {
            help.push('\n');
            help.push_str(&c.text());
        }
        let place = (diags.source.name(), [line, col, end_line, end_col]);
        let control = d.control.map(|c| c.rule_id());
        out.push_str(&github_annotation(
            d.severity.name(),
            Some(place),
            d.code,
            control.as_deref(),
            &format!("{}{help}", d.message),
        ));
    }
    out
}

/// Workflow-command escaping of a message: %, CR and LF.
pub fn github_data(s: &str) -> String {
    s.replace('%', "%25")
        .replace('\r', "%0D")
        .replace('\n', "%0A")
}

/// Workflow-command escaping of a property: a message's, and : and ,.
pub fn github_property(s: &str) -> String {
    github_data(s).replace(':', "%3A").replace(',', "%2C")
}

/// One workflow command, `::error file=F,line=L,...,title=CODE name::text`
/// (with a failing control's `PROFILE/CONTROL` after the name); without a
/// place (a bad flag), the annotation has none.
pub fn github_annotation(
    level: &str,
    place: Option<(&str, [usize; 4])>,
    code: &str,
    control: Option<&str>,
    text: &str,
) -> String {
    let (data, prop) = (github_data, github_property);
    let name = mfac::check::find(code).map_or("", |c| c.info.name);
    let at = place.map_or(String::new(), |(file, [l, c, el, ec])| {
        format!(
            "file={},line={l},col={c},endLine={el},endColumn={ec},",
            prop(file)
        )
    });
    let title = match control {
        Some(c) => format!("{code} {name} {c}"),
        None => format!("{code} {name}"),
    };
    format!("::{level} {at}title={}::{}\n", prop(&title), data(text))
}

/// A check's SARIF default: its level, and `enabled: false` for the checks
/// outside the stable group, which run only when `mfac.toml` asks.
fn default_configuration(c: &mfac::check::Check) -> serde_json::Value {
    let level = mfac::Severity::name(c.info.severity);
    if c.group.on_by_default() {
        serde_json::json!({ "level": level })
    } else {
        serde_json::json!({ "level": level, "enabled": false })
    }
}

/// SARIF 2.1.0, for code-scanning dashboards: one run, every check listed
/// as a rule (from the registry), every diagnostic a result with its region.
pub fn sarif(results: &[Diagnostics]) -> serde_json::Value {
    use serde_json::json;
    let rules: Vec<_> = mfac::check::REGISTRY
        .iter()
        .map(|c| {
            let i = c.info;
            json!({
                "id": i.code,
                "name": i.name,
                "shortDescription": {"text": i.summary},
                "fullDescription": {"text": i.doc},
                "help": {"text": i.help},
                "defaultConfiguration": default_configuration(c),
            })
        })
        .collect();
    // Each control of every compliance profile is a rule of its own,
    // `PROFILE/CONTROL`, after the checks.
    let mut rules = rules;
    for p in mfac::profiles::PROFILES {
        for c in p.controls {
            rules.push(json!({
                "id": format!("{}/{}", p.name, c.id),
                "name": format!("{} {}", p.name, c.id),
                "shortDescription": {"text": c.title},
                "fullDescription": {"text": format!("{}: {}. mfac proves {}.", p.title, c.title, c.proves)},
                "help": {"text": p.source},
                "defaultConfiguration": {"level": "error"},
            }));
        }
    }
    let index = |id: &str| {
        rules
            .iter()
            .position(|r| r.get("id").and_then(|v| v.as_str()) == Some(id))
    };
    let region = |src: &mfac::SourceFile, span: mfac::source::Span| {
        let (sl, sc) = src.line_col(span.start);
        let (el, ec) = src.line_col(span.end);
        json!({"startLine": sl, "startColumn": sc, "endLine": el, "endColumn": ec})
    };
    let mut out = Vec::new();
    for diags in results {
        for d in &diags.items {
            let location = |span| {
                json!({"physicalLocation": {
                    "artifactLocation": {"uri": diags.source.name()},
                    "region": region(&diags.source, span),
                }})
            };
            let text = match &d.counterexample {
                Some(c) => format!("{}\n{}", d.message, c.text()),
                None => d.message.clone(),
            };
            let rule_id = d
                .control
                .map_or_else(|| d.code.to_string(), |c| c.rule_id());
            let mut r = json!({
                "ruleId": rule_id,
                "level": mfac::Severity::name(d.severity),
                "message": {"text": text},
                "locations": [location(d.span)],
            });
            if let Some(c) = &d.counterexample {
                put(&mut r, "properties", json!({"counterexample": c}));
            }
            if let Some(i) = index(&rule_id) {
                put(&mut r, "ruleIndex", json!(i));
            }
            if !d.related.is_empty() {
                put(
                    &mut r,
                    "relatedLocations",
                    json!(d
                        .related
                        .iter()
                        .enumerate()
                        .map(|(k, rel)| {
                            let mut l = location(rel.span);
                            put(&mut l, "id", json!(k));
                            put(&mut l, "message", json!({"text": rel.label}));
                            l
                        })
                        .collect::<Vec<_>>()),
                );
            }
            out.push(r);
        }
    }
    sarif_log(rules, out)
}

/// A SARIF 2.1.0 log of one run of mfac: its rules and its results.
pub fn sarif_log(
    rules: Vec<serde_json::Value>,
    results: Vec<serde_json::Value>,
) -> serde_json::Value {
    serde_json::json!({
        "$schema": "https://json.schemastore.org/sarif-2.1.0.json",
        "version": "2.1.0",
        "runs": [{
            "tool": {"driver": {
                "name": "mfac",
                "version": env!("CARGO_PKG_VERSION"),
                "rules": rules,
            }},
            "results": results,
        }],
    })
}

/// Text for XML and SVG content and attribute values (the chart, JUnit).
pub fn xml_escape(s: &str) -> String {
    s.replace('&', "&amp;")
        .replace('<', "&lt;")
        .replace('>', "&gt;")
        .replace('"', "&quot;")
}

/// Pretty JSON. Serialising a `Value` cannot fail; if it ever did, the
/// compact form is printed rather than nothing.
pub fn pretty(v: &serde_json::Value) -> String {
    serde_json::to_string_pretty(v).unwrap_or_else(|_| v.to_string())
}

/// Set `key` of a JSON object (a no-op on anything else): indexing a
/// `Value` to assign would panic on a non-object.
pub fn put(v: &mut serde_json::Value, key: &str, value: serde_json::Value) {
    if let Some(o) = v.as_object_mut() {
        o.insert(key.to_string(), value);
    }
}

/// A CSV cell: quoted, with quotes doubled, where it holds a comma, a quote
/// or a newline.
pub fn csv_cell(s: &str) -> String {
    if s.contains([',', '"', '\n']) {
        format!("\"{}\"", s.replace('"', "\"\""))
    } else {
        s.to_string()
    }
}
