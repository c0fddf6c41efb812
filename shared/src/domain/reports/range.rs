//! A report's period and buckets: `since`/`until` (epoch seconds, half-open), `group_by`
//! (hour, day, week from Sunday, month, year; anything else is day) and `timezone_offset`
//! (hours; buckets start at local midnights of that fixed offset).
//!
//! Aggregates count by quarter hour, so bounds and offsets are taken to the quarter hour:
//! `since` and `until` down to one, an offset to the nearest (every offset in use is whole
//! quarter hours).

use super::aggregates::{DAY_MS, QUARTER_MS};
use crate::error::{AppError, AppResult};
use serde_json::json;
use time::{Date, Duration, Month};

const HOUR_MS: i64 = 3_600_000;

/// `[since_ms, until_ms)`.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub struct Range {
    pub since_ms: i64,
    pub until_ms: i64,
}

impl Range {
    /// The period just before, of the same length (summaries' `previous`).
    pub fn previous(&self) -> Range {
        Range {
            since_ms: self.since_ms - (self.until_ms - self.since_ms),
            until_ms: self.since_ms,
        }
    }

    pub fn length_ms(&self) -> i64 {
        self.until_ms - self.since_ms
    }
}

/// Parses `since`/`until`: both present → a range; either missing → `None` (Chatwoot's nil
/// range: counts are 0, timeseries empty). A value that is no number is refused with 422
/// (Chatwoot fails with a 500 there).
pub fn parse_range(since: Option<&str>, until: Option<&str>) -> AppResult<Option<Range>> {
    let (Some(since), Some(until)) = (since, until) else {
        return Ok(None);
    };
    let seconds = |text: &str| -> AppResult<i64> {
        text.trim()
            .parse::<i64>()
            .ok()
            .filter(|s| s.unsigned_abs() < 1 << 40)
            .ok_or_else(|| AppError::Unprocessable(json!("Invalid date range")))
    };
    let floor = |seconds: i64| (seconds * 1000).div_euclid(QUARTER_MS) * QUARTER_MS;
    Ok(Some(Range {
        since_ms: floor(seconds(since)?),
        until_ms: floor(seconds(until)?),
    }))
}

/// A `timezone_offset` in hours as milliseconds, to the nearest quarter hour; unreadable or
/// beyond ±14 h is UTC.
pub fn parse_offset(text: Option<&str>) -> i64 {
    let hours = text
        .and_then(|t| t.trim().parse::<f64>().ok())
        .filter(|h| h.is_finite() && h.abs() <= 14.0)
        .unwrap_or(0.0);
    ((hours * 4.0).round() as i64) * QUARTER_MS
}

#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum GroupBy {
    Hour,
    Day,
    Week,
    Month,
    Year,
}

impl GroupBy {
    pub fn parse(text: Option<&str>) -> GroupBy {
        match text {
            Some("hour") => GroupBy::Hour,
            Some("week") => GroupBy::Week,
            Some("month") => GroupBy::Month,
            Some("year") => GroupBy::Year,
            _ => GroupBy::Day,
        }
    }
}

/// One bucket of a timeseries: `[start_ms, end_ms)` in UTC.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub struct Bucket {
    pub start_ms: i64,
    pub end_ms: i64,
}

/// The buckets covering `range`, in order: the first is the period holding `since` (it may
/// begin before it), the last the one holding the range's last instant. Empty buckets are
/// included.
pub fn buckets(range: Range, group_by: GroupBy, offset_ms: i64) -> Vec<Bucket> {
    let mut buckets = Vec::new();
    if range.until_ms <= range.since_ms {
        return buckets;
    }
    let local_end = range.until_ms + offset_ms;
    let mut start = period_start(range.since_ms + offset_ms, group_by);
    while start < local_end {
        let end = next_period(start, group_by);
        buckets.push(Bucket {
            start_ms: start - offset_ms,
            end_ms: end - offset_ms,
        });
        start = end;
    }
    buckets
}

fn day_number(local_ms: i64) -> i64 {
    local_ms.div_euclid(DAY_MS)
}

fn date_of_day(day: i64) -> Date {
    Date::from_julian_day((day + 2_440_588) as i32).unwrap_or(Date::MIN)
}

fn day_of_date(date: Date) -> i64 {
    i64::from(date.to_julian_day()) - 2_440_588
}

/// The start (local milliseconds) of the period holding `local_ms`.
fn period_start(local_ms: i64, group_by: GroupBy) -> i64 {
    let day = day_number(local_ms);
    let date = date_of_day(day);
    let start_day = match group_by {
        GroupBy::Hour => return local_ms.div_euclid(HOUR_MS) * HOUR_MS,
        GroupBy::Day => day,
        // 1970-01-01 was a Thursday: day + 4 counts from a Sunday.
        GroupBy::Week => day - (day + 4).rem_euclid(7),
        GroupBy::Month => day_of_date(date.replace_day(1).unwrap_or(date)),
        GroupBy::Year => {
            day_of_date(Date::from_calendar_date(date.year(), Month::January, 1).unwrap_or(date))
        }
    };
    start_day * DAY_MS
}

fn next_period(local_start: i64, group_by: GroupBy) -> i64 {
    let date = date_of_day(day_number(local_start));
    match group_by {
        GroupBy::Hour => local_start + HOUR_MS,
        GroupBy::Day => local_start + DAY_MS,
        GroupBy::Week => local_start + 7 * DAY_MS,
        GroupBy::Month => {
            let next = date
                .replace_day(28)
                .map(|d| d.saturating_add(Duration::days(4)))
                .and_then(|d| d.replace_day(1))
                .unwrap_or(date);
            day_of_date(next) * DAY_MS
        }
        GroupBy::Year => {
            let next = Date::from_calendar_date(date.year() + 1, Month::January, 1).unwrap_or(date);
            day_of_date(next) * DAY_MS
        }
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    /// 2026-11-16 00:00 UTC, a Monday.
    const MONDAY: i64 = 1_794_787_200_000;

    #[test]
    fn days_in_a_shifted_zone_start_at_local_midnight() {
        let offset = parse_offset(Some("5.5"));
        assert_eq!(offset, 5 * HOUR_MS + HOUR_MS / 2);
        let range = Range {
            since_ms: MONDAY - offset,
            until_ms: MONDAY + 2 * DAY_MS - offset,
        };
        let days = buckets(range, GroupBy::Day, offset);
        assert_eq!(days.len(), 2);
        assert_eq!(days[0].start_ms, MONDAY - offset);
        assert_eq!(days[1].end_ms, MONDAY + 2 * DAY_MS - offset);
    }

    #[test]
    fn weeks_start_on_sunday_and_months_on_the_first() {
        let range = Range {
            since_ms: MONDAY,
            until_ms: MONDAY + DAY_MS,
        };
        let weeks = buckets(range, GroupBy::Week, 0);
        assert_eq!(weeks.len(), 1);
        assert_eq!(weeks[0].start_ms, MONDAY - DAY_MS);
        let months = buckets(range, GroupBy::Month, 0);
        // 2026-11-01 → 2026-12-01.
        assert_eq!(months[0].start_ms, 1_793_491_200_000);
        assert_eq!(months[0].end_ms, 1_796_083_200_000);
        let hours = buckets(range, GroupBy::Hour, 0);
        assert_eq!(hours.len(), 24);
    }

    #[test]
    fn ranges_need_both_bounds_and_numbers() {
        assert_eq!(parse_range(Some("10"), None).unwrap(), None);
        assert!(parse_range(Some("x"), Some("20")).is_err());
        let range = parse_range(Some("1800"), Some("3700")).unwrap().unwrap();
        assert_eq!((range.since_ms, range.until_ms), (1_800_000, 3_600_000));
        assert_eq!(GroupBy::parse(Some("quarter")), GroupBy::Day);
        assert_eq!(parse_offset(Some("-8")), -8 * HOUR_MS);
        assert_eq!(parse_offset(Some("nonsense")), 0);
    }
}
