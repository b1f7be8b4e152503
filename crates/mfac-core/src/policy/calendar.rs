//! Time contexts for `remember ... same_context`: which part of the week an
//! instant falls in, in the policy's timezone.

use jiff::{civil, tz::TimeZone, Timestamp};
use serde::{Deserialize, Serialize};

#[derive(Clone, Copy, Debug, PartialEq, Eq, Hash, Serialize, Deserialize)]
#[serde(rename_all = "snake_case")]
pub enum TimeContext {
    WorkHours,
    AfterHours,
    Weekend,
    Holiday,
}

impl TimeContext {
    pub fn name(self) -> &'static str {
        match self {
            TimeContext::WorkHours => "work_hours",
            TimeContext::AfterHours => "after_hours",
            TimeContext::Weekend => "weekend",
            TimeContext::Holiday => "holiday",
        }
    }
}

#[derive(Clone, Debug, PartialEq, Eq, Serialize, Deserialize)]
pub struct Calendar {
    /// Bit 0 = Monday ... bit 6 = Sunday.
    pub workdays: u8,
    /// Minutes after midnight; `start <= t < end` is work hours.
    pub start: u16,
    pub end: u16,
    /// Sorted, without repeats.
    pub holidays: Vec<civil::Date>,
}

impl Default for Calendar {
    /// Without a calendar, work hours are mon-fri 09:00-17:00.
    fn default() -> Self {
        Calendar {
            workdays: 0b001_1111,
            start: 9 * 60,
            end: 17 * 60,
            holidays: Vec::new(),
        }
    }
}

impl std::fmt::Display for Calendar {
    /// As the policy language writes it:
    /// `calendar { work_hours mon-fri 08:00-18:00 holiday 2026-12-25 }`.
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        const DAYS: [&str; 7] = ["mon", "tue", "wed", "thu", "fri", "sat", "sun"];
        let mut ranges = Vec::new();
        let mut d = 0;
        while d < 7 {
            if self.workdays & (1 << d) == 0 {
                d += 1;
                continue;
            }
            let start = d;
            while d + 1 < 7 && self.workdays & (1 << (d + 1)) != 0 {
                d += 1;
            }
            ranges.push(match (DAYS.get(start), DAYS.get(d)) {
                (Some(a), Some(_)) if start == d => (*a).to_string(),
                (Some(a), Some(b)) => format!("{a}-{b}"),
                _ => String::new(),
            });
            d += 1;
        }
        let clock = |m: u16| format!("{:02}:{:02}", m / 60, m % 60);
        write!(f, "calendar {{ ")?;
        if ranges.is_empty() {
            write!(f, "no work days ")?;
        } else {
            write!(
                f,
                "work_hours {} {}-{} ",
                ranges.join(", "),
                clock(self.start),
                clock(self.end)
            )?;
        }
        for h in &self.holidays {
            write!(f, "holiday {h} ")?;
        }
        write!(f, "}}")
    }
}

impl Calendar {
    pub fn context(&self, at: Timestamp, tz: &TimeZone) -> TimeContext {
        let local = tz.to_datetime(at);
        let date = local.date();
        if self.holidays.binary_search(&date).is_ok() {
            return TimeContext::Holiday;
        }
        let weekday = date.weekday().to_monday_zero_offset();
        if self.workdays & (1 << weekday) == 0 {
            return TimeContext::Weekend;
        }
        let minute = local.hour() as u16 * 60 + local.minute() as u16;
        if (self.start..self.end).contains(&minute) {
            TimeContext::WorkHours
        } else {
            TimeContext::AfterHours
        }
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    fn at(s: &str) -> Timestamp {
        s.parse().expect("valid timestamp")
    }

    #[test]
    fn displays_as_the_language_writes_it() {
        let c = Calendar {
            workdays: 0b101_0111,
            start: 8 * 60,
            end: 24 * 60,
            holidays: vec![civil::date(2026, 12, 25)],
        };
        assert_eq!(
            c.to_string(),
            "calendar { work_hours mon-wed, fri, sun 08:00-24:00 holiday 2026-12-25 }"
        );
        assert_eq!(
            Calendar::default().to_string(),
            "calendar { work_hours mon-fri 09:00-17:00 }"
        );
    }

    #[test]
    fn contexts_follow_the_policy_timezone() {
        let tz = TimeZone::get("Europe/Berlin").expect("bundled tz");
        let cal = Calendar {
            workdays: 0b001_1111,
            start: 8 * 60,
            end: 18 * 60,
            holidays: vec![civil::date(2026, 12, 25)],
        };
        // 07:30 UTC is 08:30 in Berlin (CET, +01:00) on a Tuesday.
        assert_eq!(
            cal.context(at("2026-12-01T07:30:00Z"), &tz),
            TimeContext::WorkHours
        );
        // 06:59 UTC is 07:59 Berlin: one minute before work starts.
        assert_eq!(
            cal.context(at("2026-12-01T06:59:00Z"), &tz),
            TimeContext::AfterHours
        );
        // 17:00 UTC is 18:00 Berlin: the end is exclusive.
        assert_eq!(
            cal.context(at("2026-12-01T17:00:00Z"), &tz),
            TimeContext::AfterHours
        );
        // Saturday.
        assert_eq!(
            cal.context(at("2026-12-05T12:00:00Z"), &tz),
            TimeContext::Weekend
        );
        // 23:30 UTC on the 24th is already the 25th in Berlin: a holiday.
        assert_eq!(
            cal.context(at("2026-12-24T23:30:00Z"), &tz),
            TimeContext::Holiday
        );
    }

    #[test]
    fn default_calendar_is_nine_to_five_weekdays() {
        let cal = Calendar::default();
        let utc = TimeZone::UTC;
        assert_eq!(
            cal.context(at("2026-12-01T09:00:00Z"), &utc),
            TimeContext::WorkHours
        );
        assert_eq!(
            cal.context(at("2026-12-01T17:00:00Z"), &utc),
            TimeContext::AfterHours
        );
    }
}
