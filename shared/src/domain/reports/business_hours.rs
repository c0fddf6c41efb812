//! `value_in_business_hours`: how much of a span falls inside an inbox's weekly working
//! windows, in the inbox's time zone (daylight saving included). An inbox without working
//! hours counts nothing (Chatwoot writes 0, not the whole value).

use crate::model::inbox::{Inbox, WorkingHour};
use jiff::civil::{Date, Time};
use jiff::tz::TimeZone;
use jiff::Timestamp;

const DAY_MINUTES: i64 = 24 * 60;

/// An inbox's working week: its daily windows, read in its time zone.
pub struct WorkingWeek<'a> {
    rows: &'a [WorkingHour],
    zone: TimeZone,
}

impl<'a> WorkingWeek<'a> {
    /// The inbox's week, or `None` when working hours are off.
    pub fn of(inbox: &'a Inbox) -> Option<Self> {
        inbox
            .working_hours_enabled
            .then(|| WorkingWeek::new(&inbox.working_hours, &inbox.timezone))
    }

    /// An unknown zone name reads as UTC.
    pub fn new(rows: &'a [WorkingHour], timezone: &str) -> Self {
        WorkingWeek {
            rows,
            zone: TimeZone::get(timezone).unwrap_or(TimeZone::UTC),
        }
    }

    /// Milliseconds of `[start_ms, end_ms)` inside the windows.
    pub fn within(&self, start_ms: i64, end_ms: i64) -> i64 {
        let (Ok(start), Ok(end)) = (
            Timestamp::from_millisecond(start_ms),
            Timestamp::from_millisecond(end_ms),
        ) else {
            return 0;
        };
        if end <= start {
            return 0;
        }
        let last = end.to_zoned(self.zone.clone()).date();
        let mut day = start.to_zoned(self.zone.clone()).date();
        let mut total = 0;
        while day <= last {
            let weekday = i64::from(day.weekday().to_sunday_zero_offset());
            let row = self.rows.iter().find(|row| row.day_of_week == weekday);
            if let Some((open, close)) = row.and_then(window_minutes) {
                let at = |minutes: i64| instant_ms(&self.zone, day, minutes);
                if let (Some(open), Some(close)) = (at(open), at(close)) {
                    total += (close.min(end_ms) - open.max(start_ms)).max(0);
                }
            }
            match day.tomorrow() {
                Ok(next) => day = next,
                Err(_) => break,
            }
        }
        total
    }
}

/// The day's window in minutes after local midnight: none when closed, the whole day when
/// open all day (the exact bounds Chatwoot uses there are not confirmed).
fn window_minutes(row: &WorkingHour) -> Option<(i64, i64)> {
    if row.closed_all_day {
        return None;
    }
    if row.open_all_day {
        return Some((0, DAY_MINUTES));
    }
    let minutes = |hour: Option<i64>, minute: Option<i64>| Some(hour? * 60 + minute.unwrap_or(0));
    let open = minutes(row.open_hour, row.open_minutes)?;
    let close = minutes(row.close_hour, row.close_minutes)?;
    (open < close).then_some((open.clamp(0, DAY_MINUTES), close.clamp(0, DAY_MINUTES)))
}

/// The instant `minutes` after local midnight of `day` (24:00 is the next midnight).
fn instant_ms(zone: &TimeZone, day: Date, minutes: i64) -> Option<i64> {
    let (day, minutes) = if minutes >= DAY_MINUTES {
        (day.tomorrow().ok()?, minutes - DAY_MINUTES)
    } else {
        (day, minutes)
    };
    let time = Time::new((minutes / 60) as i8, (minutes % 60) as i8, 0, 0).ok()?;
    let zoned = day.to_datetime(time).to_zoned(zone.clone()).ok()?;
    Some(zoned.timestamp().as_millisecond())
}

#[cfg(test)]
mod tests {
    use super::*;

    const HOUR: i64 = 3_600_000;
    /// Monday 2026-11-16 00:00 UTC.
    const MONDAY: i64 = 1_794_787_200_000;

    #[test]
    fn counts_only_the_weekday_windows_in_the_zone() {
        let rows = WorkingHour::default_week();
        let utc = WorkingWeek::new(&rows, "UTC");
        // Monday 08:00 → 10:00: one hour inside 09:00–17:00.
        assert_eq!(utc.within(MONDAY + 8 * HOUR, MONDAY + 10 * HOUR), HOUR);
        // Monday 16:00 → Tuesday 10:00: 1 h + 1 h.
        assert_eq!(utc.within(MONDAY + 16 * HOUR, MONDAY + 34 * HOUR), 2 * HOUR);
        // Saturday and Sunday are closed in the default week.
        let saturday = MONDAY + 5 * 24 * HOUR;
        assert_eq!(utc.within(saturday, saturday + 48 * HOUR), 0);
        // In Kolkata (+05:30) the window is 03:30–11:30 UTC.
        let kolkata = WorkingWeek::new(&rows, "Asia/Kolkata");
        assert_eq!(
            kolkata.within(MONDAY + 3 * HOUR, MONDAY + 4 * HOUR),
            HOUR / 2
        );
        // New York in November is UTC−5: its 09:00 is 14:00 UTC.
        let new_york = WorkingWeek::new(&rows, "America/New_York");
        assert_eq!(
            new_york.within(MONDAY + 13 * HOUR, MONDAY + 15 * HOUR),
            HOUR
        );
    }

    #[test]
    fn an_inverted_span_counts_nothing() {
        let rows = WorkingHour::default_week();
        let week = WorkingWeek::new(&rows, "UTC");
        assert_eq!(week.within(MONDAY + 10 * HOUR, MONDAY + 9 * HOUR), 0);
    }
}
