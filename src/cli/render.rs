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
pub fn human(diags: &Diagnostics, out: &mut dyn Write) {
    let h = handler();
    for report in diags.reports() {
        let mut s = String::new();
        if h.render_report(&mut s, &report).is_ok() {
            let _ = writeln!(out, "{s}");
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
    // Workflow-command escaping: data escapes %, CR, LF; properties also : and ,.
    let data = |s: &str| {
        s.replace('%', "%25")
            .replace('\r', "%0D")
            .replace('\n', "%0A")
    };
    let prop = |s: &str| data(s).replace(':', "%3A").replace(',', "%2C");
    let mut out = String::new();
    for d in &diags.items {
        let (line, col) = diags.source.line_col(d.span.start);
        let (end_line, end_col) = diags.source.line_col(d.span.end);
        let level = match d.severity {
            mfac::Severity::Error => "error",
            mfac::Severity::Warning => "warning",
        };
        let name = mfac::check::find(d.code).map_or("", |c| c.info.name);
        let help = if d.help.is_empty() {
            String::new()
        } else {
            format!("\n{}", d.help)
        };
        out.push_str(&format!(
            "::{level} file={},line={line},col={col},endLine={end_line},endColumn={end_col},title={}::{}\n",
            prop(diags.source.name()),
            prop(&format!("{} {name}", d.code)),
            data(&format!("{}{help}", d.message))
        ));
    }
    out
}
