//! The literal values of a policy, read while the tree is built: strings
//! (escapes resolved, names in NFC), durations, dates, instants, times of
//! day and weekdays. A value that cannot be one (an impossible date, an
//! absurd duration) is a value error with its span; the rest of the file
//! is still read.

use super::codes;
use super::parse::{parts, span, Builder, Rule};
use super::tree::*;
use crate::diagnostic::Diagnostic;
use jiff::civil;
use pest::iterators::Pair;

impl Builder {
    pub(super) fn string(&mut self, p: Pair<'_, Rule>) -> Spanned<String> {
        let sp = span(&p);
        let raw = p.into_inner().next().map(|i| i.as_str()).unwrap_or("");
        Spanned::new(unescape(raw), sp)
    }

    pub(super) fn duration(&mut self, p: Pair<'_, Rule>) -> Option<Spanned<Seconds>> {
        let sp = span(&p);
        let text = p.as_str();
        let (digits, unit) = text.split_at(text.len().saturating_sub(1));
        let per_unit: i64 = match unit {
            "m" => 60,
            "h" => 3_600,
            _ => 86_400,
        };
        // Bounded well below jiff's span limits so date arithmetic cannot fail later.
        const MAX_SECONDS: i64 = 100 * 365 * 86_400;
        match digits
            .parse::<i64>()
            .ok()
            .and_then(|n| n.checked_mul(per_unit))
        {
            Some(s) if s <= MAX_SECONDS => Some(Spanned::new(s, sp)),
            _ => {
                self.errors.push(
                    Diagnostic::new(
                        &codes::INVALID_VALUE,
                        sp,
                        format!("duration `{text}` is too large"),
                    )
                    .label("longer than 100 years"),
                );
                None
            }
        }
    }

    pub(super) fn date(&mut self, p: Pair<'_, Rule>) -> Option<Spanned<civil::Date>> {
        let sp = span(&p);
        match parse_civil_date(p.as_str()) {
            Some(d) => Some(Spanned::new(d, sp)),
            None => {
                self.errors.push(
                    Diagnostic::new(
                        &codes::INVALID_VALUE,
                        sp,
                        format!("`{}` is not a calendar date", p.as_str()),
                    )
                    .label("no such day")
                    .help("write a real date as YYYY-MM-DD, e.g. `2026-12-15`"),
                );
                None
            }
        }
    }

    pub(super) fn datetime(&mut self, p: Pair<'_, Rule>) -> Option<Spanned<DateLit>> {
        let sp = span(&p);
        match crate::time::parse_when(p.as_str()) {
            Ok(d) => Some(Spanned::new(d, sp)),
            Err(message) => {
                self.errors.push(
                    Diagnostic::new(&codes::INVALID_VALUE, sp, message)
                        .label("no such date or time")
                        .help("write a date as `2026-12-15`, a wall-clock time in the policy's timezone as `2026-12-15T09:00:00`, or an instant as RFC 3339, e.g. `2026-12-15T09:00:00Z`"),
                );
                None
            }
        }
    }

    pub(super) fn clock(&mut self, p: Pair<'_, Rule>) -> Option<Spanned<u16>> {
        let sp = span(&p);
        let text = p.as_str();
        let (h, m) = text.split_once(':')?;
        let (h, m) = (h.parse::<u16>().ok()?, m.parse::<u16>().ok()?);
        // 24:00 is allowed as the end of a working day.
        if m < 60 && (h < 24 || (h == 24 && m == 0)) {
            Some(Spanned::new(h * 60 + m, sp))
        } else {
            self.errors.push(
                Diagnostic::new(
                    &codes::INVALID_VALUE,
                    sp,
                    format!("`{text}` is not a time of day"),
                )
                .label("hours run 00-23, minutes 00-59")
                .help("write times as HH:MM on a 24-hour clock, e.g. `08:00-18:00`"),
            );
            None
        }
    }
}

fn parse_civil_date(text: &str) -> Option<civil::Date> {
    let mut it = text.split('-');
    let y = it.next()?.parse::<i16>().ok()?;
    let m = it.next()?.parse::<i8>().ok()?;
    let d = it.next()?.parse::<i8>().ok()?;
    civil::Date::new(y, m, d).ok()
}

pub(super) fn day_mask(p: Pair<'_, Rule>) -> u8 {
    let index = |d: &str| -> u8 {
        match d {
            "mon" => 0,
            "tue" => 1,
            "wed" => 2,
            "thu" => 3,
            "fri" => 4,
            "sat" => 5,
            _ => 6,
        }
    };
    let mut mask = 0u8;
    for range in parts(p) {
        let days: Vec<u8> = parts(range).map(|d| index(d.as_str())).collect();
        match days.as_slice() {
            [one] => mask |= 1 << one,
            [from, to] => {
                // A range wraps around the week: `fri-mon` is Friday to Monday.
                let mut d = *from;
                loop {
                    mask |= 1 << d;
                    if d == *to {
                        break;
                    }
                    d = (d + 1) % 7;
                }
            }
            _ => {}
        }
    }
    mask
}

/// A string literal's text: escapes resolved, and in Unicode NFC, so that
/// names written with composed or decomposed accents are one name.
pub(super) fn unescape(raw: &str) -> String {
    mfac_core::name::nfc_owned(unescape_only(raw))
}

fn unescape_only(raw: &str) -> String {
    let mut out = String::with_capacity(raw.len());
    let mut chars = raw.chars();
    while let Some(c) = chars.next() {
        if c == '\\' {
            match chars.next() {
                Some('n') => out.push('\n'),
                Some('t') => out.push('\t'),
                Some(other) => out.push(other),
                None => {}
            }
        } else {
            out.push(c);
        }
    }
    out
}
