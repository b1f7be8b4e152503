//! Reading and writing instants the way policy authors write them.

use jiff::{civil, tz::TimeZone, Timestamp};

/// RFC 3339 with the offset of the policy's timezone, e.g. `2026-12-29T00:00:00+01:00`.
pub fn format_instant(at: Timestamp, tz: &TimeZone) -> String {
    at.to_zoned_datetime(tz.clone())
        .strftime("%Y-%m-%dT%H:%M:%S%:z")
        .to_string()
}

/// The date in the policy's timezone, e.g. `2026-12-15`.
pub fn format_date(at: Timestamp, tz: &TimeZone) -> String {
    tz.to_datetime(at).date().to_string()
}

/// An instant given on the command line: RFC 3339, or a date meaning
/// midnight in the policy's timezone.
pub fn parse_instant(text: &str, tz: &TimeZone) -> Result<Timestamp, String> {
    let text = text.trim();
    if let Ok(t) = text.parse::<Timestamp>() {
        return Ok(t);
    }
    if let Ok(d) = text.parse::<civil::Date>() {
        return d
            .to_zoned_datetime(tz.clone())
            .map(|z| z.timestamp())
            .map_err(|e| format!("`{text}`: {e}"));
    }
    Err(format!(
        "`{text}` is not a date (`2026-12-15`) or an RFC 3339 instant (`2026-12-15T09:00:00Z`)"
    ))
}

pub fn parse_date(text: &str) -> Result<civil::Date, String> {
    text.trim()
        .parse::<civil::Date>()
        .map_err(|_| format!("`{text}` is not a date such as `2026-12-15`"))
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn dates_are_midnight_in_the_zone() {
        let tz = TimeZone::get("Europe/Berlin").expect("tz");
        let t = parse_instant("2026-12-15", &tz).expect("date");
        assert_eq!(t.to_string(), "2026-12-14T23:00:00Z");
        assert_eq!(format_instant(t, &tz), "2026-12-15T00:00:00+01:00");
        assert_eq!(format_date(t, &tz), "2026-12-15");
    }

    #[test]
    fn instants_keep_their_offset() {
        let t = parse_instant("2026-12-15T09:00:00+02:00", &TimeZone::UTC).expect("instant");
        assert_eq!(t.to_string(), "2026-12-15T07:00:00Z");
        assert!(parse_instant("2026-02-30", &TimeZone::UTC).is_err());
        assert!(parse_instant("yesterday", &TimeZone::UTC).is_err());
    }
}
