//! Time in the account's zone: local periods, day/week/month buckets (DST-correct: a bucket starts
//! at local midnight, so a day may be 23 or 25 hours long), and the clocks business durations are
//! measured with.

use carekpi_domain::calendar::Schedule;
use carekpi_domain::working_time::{AlwaysOpen, WorkingTime};
use jiff::civil::Date;
use jiff::tz::TimeZone;
use jiff::{Span, Timestamp};

use crate::query::{Dimension, QueryError};

/// The clock of a schedule index (None: 24/7).
pub(crate) fn clock_of(schedules: &[Schedule], index: Option<u16>) -> &dyn WorkingTime {
    match index {
        Some(i) => &schedules[i as usize],
        None => &AlwaysOpen,
    }
}

/// Epoch milliseconds of a timestamp.
#[inline]
pub(crate) fn ms(t: Timestamp) -> i64 {
    t.as_millisecond()
}

/// A timestamp from epoch milliseconds (clamped to jiff's range).
pub(crate) fn ts(ms: i64) -> Timestamp {
    Timestamp::from_millisecond(ms).unwrap_or(if ms < 0 {
        Timestamp::MIN
    } else {
        Timestamp::MAX
    })
}

/// The instant local midnight starts `date` in `tz` (after the gap when midnight does not exist).
pub fn start_of_local_day(tz: &TimeZone, date: Date) -> Result<Timestamp, jiff::Error> {
    Ok(date
        .to_zoned_datetime(tz.clone())?
        .start_of_day()?
        .timestamp())
}

/// The half-open period `[from 00:00, to 00:00)` of two local dates in `tz`: `to` is the first day
/// *not* included (March 2026 is `2026-03-01 .. 2026-04-01`).
pub fn local_period(
    tz: &TimeZone,
    from: Date,
    to_exclusive: Date,
) -> Result<(Timestamp, Timestamp), jiff::Error> {
    Ok((
        start_of_local_day(tz, from)?,
        start_of_local_day(tz, to_exclusive)?,
    ))
}

/// The local date of an instant.
pub(crate) fn local_date(tz: &TimeZone, t: i64) -> Date {
    ts(t).to_zoned_datetime(tz.clone()).date()
}

/// Days since 1970-01-01 of the local date of `t` (each instant read with its own UTC offset).
#[inline]
pub(crate) fn local_day_number(tz: &TimeZone, t: i64) -> i32 {
    let offset = i64::from(tz.to_offset(ts(t)).seconds()) * 1000;
    (t + offset).div_euclid(86_400_000) as i32
}

/// A calendar unit a query can group by.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub(crate) enum Unit {
    Day,
    Week,
    Month,
}

impl Unit {
    pub fn of(d: Dimension) -> Option<Unit> {
        match d {
            Dimension::Day => Some(Unit::Day),
            Dimension::Week => Some(Unit::Week),
            Dimension::Month => Some(Unit::Month),
            _ => None,
        }
    }

    /// The first day of the unit containing `d`.
    fn floor(self, d: Date) -> Date {
        match self {
            Unit::Day => d,
            Unit::Week => d
                .checked_sub(Span::new().days(i64::from(d.weekday().to_monday_zero_offset())))
                .expect("in range"),
            Unit::Month => d.first_of_month(),
        }
    }

    fn next(self, d: Date) -> Option<Date> {
        match self {
            Unit::Day => d.tomorrow().ok(),
            Unit::Week => d.checked_add(Span::new().days(7)).ok(),
            Unit::Month => d.last_of_month().tomorrow().ok(),
        }
    }

    /// The label of the unit containing `d`: `2026-03-02`, `2026-W10` (ISO week), `2026-03`.
    pub fn label(self, d: Date) -> String {
        match self {
            Unit::Day => d.to_string(),
            Unit::Week => {
                let w = d.iso_week_date();
                format!("{:04}-W{:02}", w.year(), w.week())
            }
            Unit::Month => format!("{:04}-{:02}", d.year(), d.month()),
        }
    }
}

/// At most this many buckets in one query (a year of days is 365).
pub(crate) const MAX_BUCKETS: usize = 100_000;

/// The time buckets of a query: `[from, to)` cut at every local midnight that starts a day, week
/// or month the query groups by (all of them together, when it groups by several). Without a
/// time dimension, one bucket: the whole period.
#[derive(Clone, Debug)]
pub(crate) struct Buckets {
    /// `starts[0] = from`, `starts[len] = to`.
    pub starts: Vec<i64>,
    /// Per time dimension of the query (in group-by order), the label of each bucket.
    pub labels: Vec<Vec<String>>,
}

impl Buckets {
    pub fn new(tz: &TimeZone, from: i64, to: i64, units: &[Unit]) -> Result<Buckets, QueryError> {
        let mut cuts: Vec<i64> = Vec::new();
        for &unit in units {
            let mut d = unit.floor(local_date(tz, from));
            while let Some(next) = unit.next(d) {
                let at = start_of_local_day(tz, next).map(ms).unwrap_or(i64::MAX);
                if at >= to {
                    break;
                }
                if at > from {
                    cuts.push(at);
                }
                if cuts.len() > MAX_BUCKETS * units.len() {
                    return Err(QueryError::TooManyBuckets { max: MAX_BUCKETS });
                }
                d = next;
            }
        }
        cuts.sort_unstable();
        cuts.dedup();
        let mut starts = Vec::with_capacity(cuts.len() + 2);
        starts.push(from);
        starts.extend(cuts);
        starts.push(to);
        if starts.len() - 1 > MAX_BUCKETS {
            return Err(QueryError::TooManyBuckets { max: MAX_BUCKETS });
        }
        let dates: Vec<Date> = starts[..starts.len() - 1]
            .iter()
            .map(|&s| local_date(tz, s))
            .collect();
        let labels = units
            .iter()
            .map(|&u| dates.iter().map(|&d| u.label(d)).collect())
            .collect();
        Ok(Buckets { starts, labels })
    }

    pub fn len(&self) -> usize {
        self.starts.len() - 1
    }

    pub fn from(&self) -> i64 {
        self.starts[0]
    }

    pub fn to(&self) -> i64 {
        self.starts[self.starts.len() - 1]
    }

    /// The end (exclusive) of bucket `b`.
    #[inline]
    pub fn end(&self, b: usize) -> i64 {
        self.starts[b + 1]
    }

    /// The bucket holding `t`, None outside `[from, to)`.
    #[inline]
    pub fn of(&self, t: i64) -> Option<usize> {
        let s = &self.starts;
        if t < s[0] || t >= s[s.len() - 1] {
            return None;
        }
        if s.len() == 2 {
            return Some(0);
        }
        Some(s.partition_point(|&x| x <= t) - 1)
    }
}

/// Local days of a stretch of time, for agent-day metrics: the start of every local day from the
/// one holding `from` to the one after `to`, searched by bisection.
#[derive(Clone, Debug)]
pub(crate) struct LocalDays {
    starts: Vec<i64>,
    first: i32,
}

impl LocalDays {
    pub fn new(tz: &TimeZone, from: i64, to: i64) -> LocalDays {
        let mut d = local_date(tz, from);
        let first = local_day_number(tz, from);
        let mut starts = Vec::new();
        loop {
            let at = start_of_local_day(tz, d).map(ms).unwrap_or(i64::MAX);
            starts.push(at);
            if at >= to || starts.len() > MAX_BUCKETS + 2 {
                break;
            }
            match d.tomorrow() {
                Ok(n) => d = n,
                Err(_) => break,
            }
        }
        LocalDays { starts, first }
    }

    /// How many local days the range touches.
    pub fn len(&self) -> usize {
        self.starts.len()
    }

    /// The index of local day `day` in the range.
    #[inline]
    pub fn index(&self, day: i32) -> Option<usize> {
        usize::try_from(day - self.first)
            .ok()
            .filter(|&i| i < self.starts.len())
    }

    /// When local day `day` starts (None outside the range).
    pub fn start_of(&self, day: i32) -> Option<i64> {
        usize::try_from(day - self.first)
            .ok()
            .and_then(|i| self.starts.get(i).copied())
    }

    /// The local day number (days since 1970-01-01) of `t`, for `t` in `[from, to)`.
    #[inline]
    pub fn day(&self, t: i64) -> i32 {
        // Days are 24 h ± 1 h: guess, then step to the day holding `t`.
        let s = &self.starts;
        let last = s.len() - 1;
        let mut i = (t.saturating_sub(s[0]) / 86_400_000).clamp(0, last as i64) as usize;
        while i < last && s[i + 1] <= t {
            i += 1;
        }
        while i > 0 && s[i] > t {
            i -= 1;
        }
        self.first + i as i32
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use jiff::civil::date;

    fn berlin() -> TimeZone {
        TimeZone::get("Europe/Berlin").unwrap()
    }

    #[test]
    fn days_across_the_spring_change_are_23_hours() {
        let tz = berlin();
        // 2026-03-29: clocks jump 02:00 → 03:00 in Berlin.
        let (from, to) = local_period(&tz, date(2026, 3, 28), date(2026, 3, 31)).unwrap();
        let b = Buckets::new(&tz, ms(from), ms(to), &[Unit::Day]).unwrap();
        assert_eq!(b.len(), 3);
        let hours: Vec<i64> = (0..3)
            .map(|i| (b.end(i) - b.starts[i]) / 3_600_000)
            .collect();
        assert_eq!(hours, vec![24, 23, 24]);
        assert_eq!(b.labels[0], vec!["2026-03-28", "2026-03-29", "2026-03-30"]);
    }

    #[test]
    fn weeks_are_iso_and_months_cut_weeks() {
        let tz = TimeZone::get("Asia/Ho_Chi_Minh").unwrap();
        let (from, to) = local_period(&tz, date(2026, 3, 1), date(2026, 4, 6)).unwrap();
        let b = Buckets::new(&tz, ms(from), ms(to), &[Unit::Week]).unwrap();
        // Sunday 1 March is in ISO week 9; the weeks of 2, 9, 16, 23 and 30 March follow.
        assert_eq!(
            b.labels[0],
            vec![
                "2026-W09", "2026-W10", "2026-W11", "2026-W12", "2026-W13", "2026-W14"
            ]
        );
        let b = Buckets::new(&tz, ms(from), ms(to), &[Unit::Month, Unit::Week]).unwrap();
        // The week of 30 March is cut at 1 April.
        assert_eq!(b.len(), 7);
        assert_eq!(b.labels[0][5], "2026-03");
        assert_eq!(b.labels[0][6], "2026-04");
        assert_eq!(b.labels[1][5], "2026-W14");
        assert_eq!(b.labels[1][6], "2026-W14");
    }

    #[test]
    fn bucket_lookup_is_half_open() {
        let b = Buckets {
            starts: vec![0, 10, 20],
            labels: vec![],
        };
        assert_eq!(b.of(-1), None);
        assert_eq!(b.of(0), Some(0));
        assert_eq!(b.of(9), Some(0));
        assert_eq!(b.of(10), Some(1));
        assert_eq!(b.of(20), None);
    }

    #[test]
    fn local_days_follow_the_zone() {
        let tz = berlin();
        let (from, to) = local_period(&tz, date(2026, 10, 24), date(2026, 10, 27)).unwrap();
        let days = LocalDays::new(&tz, ms(from), ms(to));
        let d0 = days.day(ms(from));
        // 25 October is 25 hours long; 24 h after its midnight is still 25 October.
        assert_eq!(days.day(ms(from) + 24 * 3_600_000), d0 + 1);
        assert_eq!(days.day(ms(from) + 48 * 3_600_000), d0 + 1);
        assert_eq!(days.day(ms(from) + 49 * 3_600_000), d0 + 2);
        assert_eq!(local_day_number(&tz, ms(from) + 48 * 3_600_000), d0 + 1);
    }
}
