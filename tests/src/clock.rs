//! When a fixed-clock suite's script happens. Each suite writes its script relative to an
//! anchor; `TEST_CLOCK=past` or `TEST_CLOCK=future` moves that anchor about a year before or
//! after the wall clock, by whole weeks so that weekdays and times of day still hold.
//! `make test` runs the fixed-clock suites both ways: any code that reads the wall clock
//! where it should read the injected one then sees a time a year off, and fails.

use shared::clock::{Clock, FixedClock, SystemClock};
use std::sync::Arc;

const WEEK: i64 = 7 * 24 * 3600;
/// How far `past` and `future` move the script from the wall clock: 52 weeks.
const YEAR_OF_WEEKS: i64 = 52 * WEEK;

/// The variable that moves every fixed-clock script.
pub const VARIABLE: &str = "TEST_CLOCK";

/// `default_secs` (epoch seconds), moved by whole weeks to lie about a year before or after
/// the wall clock when `TEST_CLOCK` asks for it.
pub fn anchor(default_secs: i64) -> i64 {
    let now = SystemClock.now().unix_timestamp();
    let target = match std::env::var(VARIABLE).as_deref() {
        Err(_) | Ok("") => return default_secs,
        Ok("past") => now - YEAR_OF_WEEKS,
        Ok("future") => now + YEAR_OF_WEEKS,
        Ok(other) => panic!("{VARIABLE} must be 'past' or 'future', not '{other}'"),
    };
    default_secs + (target - default_secs).div_euclid(WEEK) * WEEK
}

/// A clock standing at `anchor(default_secs)`.
pub fn fixed_at(default_secs: i64) -> Arc<FixedClock> {
    Arc::new(FixedClock::at_ms(anchor(default_secs) * 1000))
}

/// A clock standing at the wall clock's current minute (moved as [`anchor`] moves it).
pub fn fixed_at_this_minute() -> Arc<FixedClock> {
    let now = SystemClock.now().unix_timestamp();
    fixed_at(now - now.rem_euclid(60))
}

/// The UTC date of `secs` as `2025-06-02`.
pub fn date(secs: i64) -> String {
    utc(
        secs,
        time::macros::format_description!("[year]-[month]-[day]"),
    )
}

/// The UTC time of `secs` as Rails prints it in reports: `2025-06-02 10:01:00 UTC`.
pub fn date_time(secs: i64) -> String {
    utc(
        secs,
        time::macros::format_description!("[year]-[month]-[day] [hour]:[minute]:[second] UTC"),
    )
}

fn utc(secs: i64, format: &[time::format_description::BorrowedFormatItem<'_>]) -> String {
    time::OffsetDateTime::from_unix_timestamp(secs)
        .expect("a time in range")
        .format(format)
        .expect("a formattable time")
}
