//! Rendering diagnostics for people (miette) and for tools (JSON).

use mfac::Diagnostics;
use std::io::{IsTerminal, Write};

fn handler() -> miette::GraphicalReportHandler {
    let color = std::io::stdout().is_terminal() && std::env::var_os("NO_COLOR").is_none();
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
