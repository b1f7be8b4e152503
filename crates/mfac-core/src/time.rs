//! Reading and writing instants the way policy authors write them.
//!
//! Every time a person types, on any flag, in a test file or in a policy, is
//! read here and only here ([`parse_when`], then [`When::resolve`]), so one
//! form means one thing everywhere:
//!
//! - `2026-12-15`: midnight of that day in the policy's timezone;
//! - `2026-12-15T09:00:00` (or `T09:00`): that wall-clock time in the
//!   policy's timezone;
//! - `2026-12-15T09:00:00Z`, `...+01:00`: that RFC 3339 instant.
//!
//! Anything else is refused with the accepted forms: nothing is dropped or
//! rounded. Leap seconds (`:60`) are refused rather than folded into `:59`.

use jiff::{civil, tz::AmbiguousOffset, tz::Offset, tz::TimeZone, Timestamp};

/// The accepted forms, for error messages and help texts.
pub const FORMS: &str = "a date `2026-12-15` (midnight in the policy's timezone), a date and time `2026-12-15T09:00:00` (wall-clock time in the policy's timezone) or an RFC 3339 instant `2026-12-15T09:00:00Z` / `2026-12-15T09:00:00+01:00`";

/// A time as written, before the policy's timezone gives it an instant.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub enum When {
    /// Midnight of this day in the policy's timezone.
    Date(civil::Date),
    /// This wall-clock time in the policy's timezone.
    Local(civil::DateTime),
    /// An exact instant (an offset was written).
    Instant(Timestamp),
}

impl When {
    /// The instant in `tz`. A date whose midnight falls in a daylight-saving
    /// gap starts at the first instant of that day (the day still begins). A
    /// wall-clock time that does not exist (a gap) or happens twice (an
    /// overlap) is refused: mfac will not guess which instant was meant, and
    /// the message names the offsets to choose from.
    pub fn resolve(self, tz: &TimeZone) -> Result<Timestamp, Unresolved> {
        let range = |what: String| {
            Unresolved::OutOfRange(format!(
                "{what} is past the range of instants mfac supports (years -9999 to 9999, with the timezone's offset inside it)"
            ))
        };
        match self {
            When::Instant(t) => Ok(t),
            When::Date(d) => d
                .to_zoned_datetime(tz.clone())
                .map(|z| z.timestamp())
                .map_err(|_| range(format!("midnight of {d}"))),
            When::Local(dt) => {
                let zone = tz.iana_name().unwrap_or("the policy's timezone");
                match tz.to_ambiguous_timestamp(dt).offset() {
                    AmbiguousOffset::Unambiguous { offset } => {
                        offset.to_timestamp(dt).map_err(|_| range(show(dt)))
                    }
                    AmbiguousOffset::Gap { before, after } => Err(Unresolved::Skipped(format!(
                        "{} does not exist in {zone}: the clocks skip it (from {} to {}); write the instant with an offset",
                        show(dt), offset_text(before), offset_text(after)
                    ))),
                    AmbiguousOffset::Fold { before, after } => Err(Unresolved::Repeated(format!(
                        "{} happens twice in {zone} (at {} and at {}); write the instant with the offset you mean",
                        show(dt), offset_text(before), offset_text(after)
                    ))),
                }
            }
        }
    }
}

/// Why a time as written names no one instant.
#[derive(Clone, Debug, PartialEq, Eq)]
pub enum Unresolved {
    /// Past the range of instants (a year like 9999 with an offset beyond it).
    OutOfRange(String),
    /// A wall-clock time the timezone skips.
    Skipped(String),
    /// A wall-clock time the timezone repeats.
    Repeated(String),
}

impl std::fmt::Display for Unresolved {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        match self {
            Unresolved::OutOfRange(m) | Unresolved::Skipped(m) | Unresolved::Repeated(m) => {
                f.write_str(m)
            }
        }
    }
}

fn show(dt: civil::DateTime) -> String {
    dt.strftime("%Y-%m-%dT%H:%M:%S%.f").to_string()
}

fn offset_text(o: Offset) -> String {
    let s = o.seconds();
    let sign = if s < 0 { '-' } else { '+' };
    let a = s.unsigned_abs();
    format!("{sign}{:02}:{:02}", a / 3600, a / 60 % 60)
}

/// Read a time as a person writes it (see the module documentation). The
/// error is one line saying what is wrong; [`parse_instant`] adds the
/// accepted forms ([`FORMS`]), a policy's diagnostic shows them as help.
pub fn parse_when(text: &str) -> Result<When, String> {
    let bad = |why: &str| {
        let shown = shorten(text);
        Err(format!("`{shown}` is not a time: {why}"))
    };
    let b = text.as_bytes();
    let digits = |r: std::ops::Range<usize>| -> Option<i64> {
        let s = b.get(r)?;
        if s.is_empty() || !s.iter().all(u8::is_ascii_digit) {
            return None;
        }
        std::str::from_utf8(s).ok()?.parse().ok()
    };
    // YYYY-MM-DD
    let (Some(y), Some(mo), Some(d)) = (digits(0..4), digits(5..7), digits(8..10)) else {
        return bad("it does not start with a date YYYY-MM-DD");
    };
    if b.get(4) != Some(&b'-') || b.get(7) != Some(&b'-') {
        return bad("it does not start with a date YYYY-MM-DD");
    }
    let date = match civil::Date::new(y as i16, mo as i8, d as i8) {
        Ok(date) => date,
        Err(_) => return bad("there is no such day"),
    };
    if b.len() == 10 {
        return Ok(When::Date(date));
    }
    if !matches!(b.get(10), Some(b'T' | b't')) {
        return bad("a date is followed by `T` and a time, or by nothing");
    }
    // HH:MM[:SS[.fraction]]
    let (Some(h), Some(mi)) = (digits(11..13), digits(14..16)) else {
        return bad("the time is not HH:MM or HH:MM:SS");
    };
    if b.get(13) != Some(&b':') {
        return bad("the time is not HH:MM or HH:MM:SS");
    }
    let mut i = 16;
    let mut sec = 0;
    let mut nanos = 0;
    if b.get(i) == Some(&b':') {
        match digits(i + 1..i + 3) {
            Some(s) => sec = s,
            None => return bad("the seconds are not two digits"),
        }
        i += 3;
        if b.get(i) == Some(&b'.') {
            let start = i + 1;
            let mut end = start;
            while b.get(end).is_some_and(u8::is_ascii_digit) {
                end += 1;
            }
            let frac = text.get(start..end).unwrap_or_default();
            if frac.is_empty() || frac.len() > 9 {
                return bad("a fraction of a second has 1 to 9 digits");
            }
            nanos = format!("{frac:0<9}").parse().unwrap_or(0);
            i = end;
        }
    }
    if h > 23 || mi > 59 || sec > 59 {
        return bad("hours run 00-23, minutes and seconds 00-59");
    }
    let time = match civil::Time::new(h as i8, mi as i8, sec as i8, nanos) {
        Ok(t) => t,
        Err(_) => return bad("the time of day is out of range"),
    };
    let dt = date.to_datetime(time);
    let rest = b.get(i..).unwrap_or_default();
    let offset_seconds = match rest {
        [] => return Ok(When::Local(dt)),
        [b'Z' | b'z'] => 0,
        [sign @ (b'+' | b'-'), h1, h2, b':', m1, m2] => {
            let num = |a: &u8, c: &u8| -> Option<i32> {
                (a.is_ascii_digit() && c.is_ascii_digit())
                    .then(|| i32::from(a - b'0') * 10 + i32::from(c - b'0'))
            };
            match (num(h1, h2), num(m1, m2)) {
                (Some(oh), Some(om)) if oh <= 23 && om <= 59 => {
                    let s = oh * 3600 + om * 60;
                    if *sign == b'-' {
                        -s
                    } else {
                        s
                    }
                }
                _ => return bad("the offset is not +HH:MM or -HH:MM within a day"),
            }
        }
        _ => return bad("after the time comes `Z`, an offset `+HH:MM`, or nothing"),
    };
    let offset = Offset::from_seconds(offset_seconds).map_err(|e| e.to_string())?;
    offset
        .to_timestamp(dt)
        .map(When::Instant)
        .map_err(|e| format!("`{}` is out of range: {e}", shorten(text)))
}

/// A long input cut for an error message, so a pasted blob does not flood it.
fn shorten(text: &str) -> String {
    const MAX: usize = 60;
    if text.chars().count() <= MAX {
        return text.to_string();
    }
    let cut: String = text.chars().take(MAX).collect();
    format!("{cut}…")
}

/// A time given on the command line or in a test file, as an instant.
pub fn parse_instant(text: &str, tz: &TimeZone) -> Result<Timestamp, String> {
    parse_when(text)
        .map_err(|e| format!("{e}; write {FORMS}"))?
        .resolve(tz)
        .map_err(|e| e.to_string())
}

/// A date alone (`--today`): a time or an instant is refused, not cut to its day.
pub fn parse_date(text: &str) -> Result<civil::Date, String> {
    match parse_when(text).map_err(|e| format!("{e}; write a date such as `2026-12-15`"))? {
        When::Date(d) => Ok(d),
        _ => Err(format!(
            "`{}` is not a date: give the day alone, such as `2026-12-15`",
            shorten(text)
        )),
    }
}

/// RFC 3339 with the offset of the policy's timezone, e.g.
/// `2026-12-29T00:00:00+01:00`, with a fraction of a second when there is
/// one. Where the local offset has seconds (old local mean times) or the
/// local year has other than four digits, the instant is written in UTC, so
/// that whatever mfac prints reads back as the same instant.
pub fn format_instant(at: Timestamp, tz: &TimeZone) -> String {
    let z = at.to_zoned_datetime(tz.clone());
    let local_ok = z.offset().seconds() % 60 == 0 && (0..=9999).contains(&z.year());
    if local_ok {
        z.strftime("%Y-%m-%dT%H:%M:%S%.f%:z").to_string()
    } else {
        at.strftime("%Y-%m-%dT%H:%M:%S%.fZ").to_string()
    }
}

/// The date in the policy's timezone, e.g. `2026-12-15`.
pub fn format_date(at: Timestamp, tz: &TimeZone) -> String {
    tz.to_datetime(at).date().to_string()
}

#[cfg(test)]
mod tests {
    use super::*;
    use proptest::prelude::*;

    fn berlin() -> TimeZone {
        TimeZone::get("Europe/Berlin").expect("tz")
    }

    #[test]
    fn dates_are_midnight_in_the_zone() {
        let t = parse_instant("2026-12-15", &berlin()).expect("date");
        assert_eq!(t.to_string(), "2026-12-14T23:00:00Z");
        assert_eq!(format_instant(t, &berlin()), "2026-12-15T00:00:00+01:00");
        assert_eq!(format_date(t, &berlin()), "2026-12-15");
    }

    #[test]
    fn instants_keep_their_offset() {
        let t = parse_instant("2026-12-15T09:00:00+02:00", &TimeZone::UTC).expect("instant");
        assert_eq!(t.to_string(), "2026-12-15T07:00:00Z");
        let t = parse_instant("2026-12-15t09:00:00.25z", &berlin()).expect("instant");
        assert_eq!(t.to_string(), "2026-12-15T09:00:00.25Z");
    }

    #[test]
    fn a_time_without_offset_is_wall_clock_in_the_zone() {
        let t = parse_instant("2026-05-20T18:00:00", &berlin()).expect("local");
        assert_eq!(t.to_string(), "2026-05-20T16:00:00Z");
        let t = parse_instant("2026-05-20T18:00", &berlin()).expect("local");
        assert_eq!(t.to_string(), "2026-05-20T16:00:00Z");
        let t = parse_instant("2026-05-20T18:00:00.5", &TimeZone::UTC).expect("local");
        assert_eq!(t.to_string(), "2026-05-20T18:00:00.5Z");
    }

    #[test]
    fn nothing_is_truncated() {
        for bad in [
            "2026-05-20T18",
            "2026-05-20T18:0",
            "2026-05-20T18:00:6",
            "2026-05-20T18:00:60",
            "2026-05-20T24:00:00",
            "2026-05-20T18:00:00Zjunk",
            "2026-05-20T18:00:00+0100",
            "2026-05-20T18:00:00+01",
            "2026-05-20T18:00:00.",
            "2026-05-20T18:00:00.1234567891",
            "2026-05-20 18:00:00",
            "2026-05-20x",
            "2026-02-30",
            "2026-5-20",
            "yesterday",
            "",
        ] {
            let e = parse_instant(bad, &berlin()).expect_err(bad);
            assert!(e.contains("RFC 3339"), "{bad}: {e}");
        }
        assert!(parse_date("2026-12-02T10:00:00").is_err());
        assert!(parse_date("2026-12-02").is_ok());
    }

    #[test]
    fn daylight_saving_gaps_and_overlaps_are_refused() {
        // Berlin skips 02:00-03:00 on 2026-03-29 and repeats 02:00-03:00 on 2026-10-25.
        let gap = parse_instant("2026-03-29T02:30:00", &berlin()).expect_err("gap");
        assert!(
            gap.contains("does not exist") && gap.contains("+01:00") && gap.contains("+02:00"),
            "{gap}"
        );
        let fold = parse_instant("2026-10-25T02:30:00", &berlin()).expect_err("fold");
        assert!(fold.contains("happens twice"), "{fold}");
        // With the offset written, both are fine.
        let a = parse_instant("2026-10-25T02:30:00+02:00", &berlin()).expect("first");
        let b = parse_instant("2026-10-25T02:30:00+01:00", &berlin()).expect("second");
        assert_eq!((b - a).as_hours(), 1);
        // A date whose midnight is skipped (Santiago, 2026-09-06) starts at 01:00.
        let chile = TimeZone::get("America/Santiago").expect("tz");
        let t = parse_instant("2026-09-06", &chile).expect("date");
        assert_eq!(format_instant(t, &chile), "2026-09-06T01:00:00-03:00");
    }

    #[test]
    fn long_inputs_are_cut_in_messages() {
        let long = "9".repeat(5_000_000);
        let e = parse_instant(&long, &berlin()).expect_err("long");
        assert!(e.len() < 600, "{}", e.len());
    }

    proptest! {
        /// Whatever mfac prints reads back as the same instant, in any zone.
        #[test]
        fn printed_instants_read_back(
            secs in -62_135_596_800i64..253_402_300_799i64,
            nanos in prop_oneof![Just(0i32), 0i32..1_000_000_000],
            zone in prop::sample::select(vec!["UTC", "Europe/Berlin", "America/Santiago", "Australia/Lord_Howe", "Pacific/Chatham", "Asia/Kolkata", "America/St_Johns", "Africa/Monrovia"]),
        ) {
            let tz = TimeZone::get(zone).expect("tz");
            let t = Timestamp::new(secs, nanos).expect("in range");
            let shown = format_instant(t, &tz);
            prop_assert_eq!(parse_instant(&shown, &tz), Ok(t), "{}", shown);
        }
    }
}
