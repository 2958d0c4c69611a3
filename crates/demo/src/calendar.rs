//! The fixed 12-month window, time zones, business-hour schedules, holidays and seasonality.
//!
//! Instants are whole seconds since the Unix epoch (UTC) inside the generator; "local" values are
//! the same count shifted by a zone's offset, so that `local.div_euclid(DAY)` is the local date
//! (days since 1970-01-01) and `local.rem_euclid(DAY)` the local time of day.

use carekpi_domain::Moment;
use jiff::Timestamp;
use jiff::tz::{Offset, TimeZone};

pub const DAY: i64 = 86_400;
pub const HOUR: i64 = 3_600;
pub const MINUTE: i64 = 60;

/// Days in the window: 2025-11-01 .. 2026-10-31 (2026 is not a leap year).
pub const WINDOW_DAYS: i64 = 365;

/// Days since 1970-01-01 of a proleptic Gregorian date (H. Hinnant's algorithm).
pub const fn days_from_civil(y: i64, m: i64, d: i64) -> i64 {
    let y = if m <= 2 { y - 1 } else { y };
    let era = if y >= 0 { y } else { y - 399 } / 400;
    let yoe = y - era * 400;
    let mp = (m + 9) % 12;
    let doy = (153 * mp + 2) / 5 + d - 1;
    let doe = yoe * 365 + yoe / 4 - yoe / 100 + doy;
    era * 146_097 + doe - 719_468
}

/// (year, month, day) of a day number.
#[cfg(test)]
pub const fn civil_from_days(z: i64) -> (i64, i64, i64) {
    let z = z + 719_468;
    let era = if z >= 0 { z } else { z - 146_096 } / 146_097;
    let doe = z - era * 146_097;
    let yoe = (doe - doe / 1460 + doe / 36_524 - doe / 146_096) / 365;
    let y = yoe + era * 400;
    let doy = doe - (365 * yoe + yoe / 4 - yoe / 100);
    let mp = (5 * doy + 2) / 153;
    let d = doy - (153 * mp + 2) / 5 + 1;
    let m = if mp < 10 { mp + 3 } else { mp - 9 };
    (if m <= 2 { y + 1 } else { y }, m, d)
}

/// Day of the week of a day number, Monday = 0 … Sunday = 6.
pub const fn weekday(day: i64) -> usize {
    (day + 3).rem_euclid(7) as usize
}

/// Local date (day number) of the first day of the window.
pub const FIRST_DAY: i64 = days_from_civil(2025, 11, 1);

/// The account's offset (Asia/Ho_Chi_Minh has been +07:00 without DST since 1975).
const ACCOUNT_OFFSET: i64 = 7 * HOUR;

/// The window's start and (exclusive) end, as instants: local midnight in the account zone.
pub const WINDOW_START: i64 = FIRST_DAY * DAY - ACCOUNT_OFFSET;
pub const WINDOW_END: i64 = (FIRST_DAY + WINDOW_DAYS) * DAY - ACCOUNT_OFFSET;

/// The instant the account's local day `day` (a day number) starts.
pub const fn account_day_start(day: i64) -> i64 {
    day * DAY - ACCOUNT_OFFSET
}

const ZONE_CACHE_FROM: i64 = WINDOW_START - 4000 * DAY;
const ZONE_CACHE_TO: i64 = WINDOW_END + 400 * DAY;

/// A time zone with its offsets around the window precomputed, so lookups are cheap.
pub struct Zone {
    tz: TimeZone,
    /// (instant from which, offset seconds), ascending; the first entry covers everything before.
    spans: Vec<(i64, i32)>,
}

impl Zone {
    pub fn new(name: &str) -> Zone {
        let tz = TimeZone::get(name).expect("bundled time zone database");
        let first = Timestamp::from_second(ZONE_CACHE_FROM).expect("in range");
        let mut spans = vec![(i64::MIN, tz.to_offset(first).seconds())];
        for tr in tz.following(first) {
            let at = tr.timestamp().as_second();
            if at > ZONE_CACHE_TO {
                break;
            }
            spans.push((at, tr.offset().seconds()));
        }
        Zone { tz, spans }
    }

    /// The UTC offset in force at instant `t`, in seconds.
    pub fn offset(&self, t: i64) -> i64 {
        if !(ZONE_CACHE_FROM..=ZONE_CACHE_TO).contains(&t) {
            let ts = Timestamp::from_second(t).expect("in range");
            return i64::from(self.tz.to_offset(ts).seconds());
        }
        let i = self.spans.partition_point(|(at, _)| *at <= t);
        i64::from(self.spans[i.saturating_sub(1)].1)
    }

    /// Local clock seconds of instant `t`.
    pub fn local(&self, t: i64) -> i64 {
        t + self.offset(t)
    }

    /// The instant a local clock reading stands for (the earlier offset in a fold, the offset
    /// before the change in a gap).
    pub fn utc(&self, local: i64) -> i64 {
        let guess = local - self.offset(local - 12 * HOUR);
        let off = self.offset(guess);
        local - off
    }

    /// The instant `t`, written with this zone's offset.
    pub fn moment(&self, t: i64) -> Moment {
        let offset = Offset::from_seconds(self.offset(t) as i32).expect("valid offset");
        Moment::new(Timestamp::from_second(t).expect("in range"), offset)
    }
}

/// Weekly opening hours (local seconds of the day, Monday = 0) and dated holidays.
pub struct Schedule {
    pub id: &'static str,
    week: [Vec<(i64, i64)>; 7],
    holidays: Vec<i64>,
}

impl Schedule {
    pub fn new(id: &'static str, week: [&[(i64, i64)]; 7], holidays: &[i64]) -> Schedule {
        Schedule {
            id,
            week: week.map(|day| day.iter().map(|(a, b)| (a * HOUR, b * HOUR)).collect()),
            holidays: holidays.to_vec(),
        }
    }

    /// The open intervals (seconds of the local day) of local date `day`.
    pub fn intervals(&self, day: i64) -> &[(i64, i64)] {
        if self.holidays.contains(&day) {
            &[]
        } else {
            &self.week[weekday(day)]
        }
    }

    pub fn is_open_local(&self, local: i64) -> bool {
        let s = local.rem_euclid(DAY);
        self.intervals(local.div_euclid(DAY))
            .iter()
            .any(|(a, b)| (*a..*b).contains(&s))
    }

    /// Whether hour `h` of local date `day` is entirely open.
    pub fn hour_open(&self, day: i64, h: i64) -> bool {
        self.intervals(day)
            .iter()
            .any(|(a, b)| *a <= h * HOUR && (h + 1) * HOUR <= *b)
    }

    /// The first open local second at or after `local` (itself if open), within 60 days.
    pub fn next_open_local(&self, local: i64) -> i64 {
        let first = local.div_euclid(DAY);
        let mut s = local.rem_euclid(DAY);
        for day in first..first + 60 {
            for (a, b) in self.intervals(day) {
                if s < *b {
                    return day * DAY + s.max(*a);
                }
            }
            s = 0;
        }
        local
    }

    /// `local` plus `secs` seconds of open time (starting at the next opening when closed).
    pub fn add_business_local(&self, local: i64, secs: i64) -> i64 {
        let mut left = secs.max(0);
        let mut day = local.div_euclid(DAY);
        let mut s = local.rem_euclid(DAY);
        for _ in 0..400 {
            for (a, b) in self.intervals(day) {
                if s >= *b {
                    continue;
                }
                let from = s.max(*a);
                if from + left <= *b {
                    return day * DAY + from + left;
                }
                left -= b - from;
                s = *b;
            }
            day += 1;
            s = 0;
        }
        local + secs
    }
}

/// Where a team and its customers are, for holidays and seasonality.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub enum Region {
    Vietnam,
    Germany,
}

const fn d(y: i64, m: i64, day: i64) -> i64 {
    days_from_civil(y, m, day)
}

/// Vietnamese public holidays in the window (Tết Bính Ngọ 2026: 14–22 February).
pub const VN_HOLIDAYS: [i64; 16] = [
    d(2026, 1, 1),
    d(2026, 2, 14),
    d(2026, 2, 15),
    d(2026, 2, 16),
    d(2026, 2, 17),
    d(2026, 2, 18),
    d(2026, 2, 19),
    d(2026, 2, 20),
    d(2026, 2, 21),
    d(2026, 2, 22),
    d(2026, 4, 27), // Hùng Kings (26 April, a Sunday, observed on Monday)
    d(2026, 4, 30),
    d(2026, 5, 1),
    d(2026, 8, 31),
    d(2026, 9, 1),
    d(2026, 9, 2),
];

/// The days the extended-hours VN team closes: the first days of Tết.
pub const VN_TET_CLOSED: [i64; 4] = [
    d(2026, 2, 16),
    d(2026, 2, 17),
    d(2026, 2, 18),
    d(2026, 2, 19),
];

/// Berlin public holidays in the window (plus 24 and 31 December, when the office is closed).
pub const BERLIN_HOLIDAYS: [i64; 11] = [
    d(2025, 12, 24),
    d(2025, 12, 25),
    d(2025, 12, 26),
    d(2025, 12, 31),
    d(2026, 1, 1),
    d(2026, 3, 8),
    d(2026, 4, 3),
    d(2026, 4, 6),
    d(2026, 5, 1),
    d(2026, 5, 14),
    d(2026, 5, 25),
];

/// Shopping days after which contacts surge (double-day sales in Vietnam, Black Friday in Europe).
const VN_SALES: [i64; 10] = [
    d(2025, 11, 11),
    d(2025, 11, 28),
    d(2025, 12, 12),
    d(2026, 1, 1),
    d(2026, 3, 3),
    d(2026, 6, 6),
    d(2026, 7, 7),
    d(2026, 8, 8),
    d(2026, 9, 9),
    d(2026, 10, 10),
];
const EU_SALES: [i64; 3] = [d(2025, 11, 28), d(2025, 12, 1), d(2026, 7, 14)];

/// The relative contact volume of local date `day` in `region` (1.0 = an ordinary Wednesday at
/// the start of the window): weekly pattern, holidays, sales surges and a growth trend.
pub fn day_factor(region: Region, day: i64) -> f64 {
    const WEEK: [f64; 7] = [1.18, 1.08, 1.0, 0.98, 0.94, 0.52, 0.38];
    let mut f = WEEK[weekday(day)];
    let (holidays, sales): (&[i64], &[i64]) = match region {
        Region::Vietnam => (&VN_HOLIDAYS, &VN_SALES),
        Region::Germany => (&BERLIN_HOLIDAYS, &EU_SALES),
    };
    if holidays.contains(&day) {
        f *= if region == Region::Vietnam && (d(2026, 2, 14)..=d(2026, 2, 22)).contains(&day) {
            0.3
        } else {
            0.55
        };
    }
    if region == Region::Vietnam && (d(2026, 1, 26)..d(2026, 2, 14)).contains(&day) {
        f *= 1.25; // pre-Tết shopping and delivery rush
    }
    if region == Region::Germany && (d(2025, 12, 22)..=d(2026, 1, 2)).contains(&day) {
        f *= 0.6; // Christmas holidays
    }
    for sale in sales {
        let after = day - sale;
        f *= match after {
            0 => 1.3,
            1 => 1.8,
            2 => 1.5,
            3 => 1.2,
            _ => 1.0,
        };
    }
    // Steady growth: +15 % over the year.
    f * (1.0 + 0.15 * (day - FIRST_DAY) as f64 / WINDOW_DAYS as f64)
}

/// The relative shopping and app activity of local date `day` (1.0 = an ordinary weekday at the
/// start of the window): weekends a little busier, sale days much busier, Tết quieter.
pub fn shopping_factor(region: Region, day: i64) -> f64 {
    const WEEK: [f64; 7] = [0.95, 0.95, 0.95, 1.0, 1.05, 1.15, 1.1];
    let mut f = WEEK[weekday(day)];
    let sales: &[i64] = match region {
        Region::Vietnam => &VN_SALES,
        Region::Germany => &EU_SALES,
    };
    if sales.contains(&day) {
        f *= 3.0;
    } else if sales.contains(&(day + 1)) || sales.contains(&(day - 1)) {
        f *= 1.4;
    }
    if region == Region::Vietnam {
        if (d(2026, 1, 26)..d(2026, 2, 14)).contains(&day) {
            f *= 1.3;
        } else if (d(2026, 2, 14)..=d(2026, 2, 22)).contains(&day) {
            f *= 0.5;
        }
    } else if (d(2025, 12, 1)..d(2025, 12, 24)).contains(&day) {
        f *= 1.3;
    }
    f * (1.0 + 0.15 * (day - FIRST_DAY) as f64 / WINDOW_DAYS as f64)
}

/// When customers write (hourly weights, local time): office-hour peaks, quiet nights.
pub const ARRIVALS_BY_HOUR: [f64; 24] = [
    0.25, 0.15, 0.1, 0.08, 0.08, 0.15, 0.4, 0.9, 1.8, 2.6, 2.9, 2.7, 2.1, 2.3, 2.6, 2.5, 2.3, 2.0,
    1.7, 1.7, 1.8, 1.6, 1.1, 0.6,
];

/// When customers shop and use the app (hourly weights, local time): evenings.
pub const SHOPPING_BY_HOUR: [f64; 24] = [
    0.6, 0.35, 0.2, 0.1, 0.1, 0.2, 0.5, 0.9, 1.1, 1.2, 1.3, 1.4, 1.6, 1.4, 1.3, 1.3, 1.4, 1.5, 1.7,
    2.0, 2.4, 2.6, 2.2, 1.3,
];

/// The busiest hour's arrival weight, for queue load.
pub const PEAK_ARRIVALS: f64 = 2.9;

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn civil_round_trip_and_weekdays() {
        assert_eq!(days_from_civil(1970, 1, 1), 0);
        assert_eq!(civil_from_days(FIRST_DAY), (2025, 11, 1));
        assert_eq!(civil_from_days(FIRST_DAY + 364), (2026, 10, 31));
        assert_eq!(weekday(FIRST_DAY), 5); // Saturday
        assert_eq!(weekday(days_from_civil(2026, 3, 2)), 0); // Monday
    }

    #[test]
    fn berlin_switches_offset_at_dst() {
        let z = Zone::new("Europe/Berlin");
        let winter = days_from_civil(2026, 1, 15) * DAY;
        let summer = days_from_civil(2026, 7, 15) * DAY;
        assert_eq!(z.offset(winter), 3600);
        assert_eq!(z.offset(summer), 7200);
        assert_eq!(z.moment(summer).to_string(), "2026-07-15T02:00:00+02:00");
        let local = days_from_civil(2026, 7, 15) * DAY + 9 * HOUR;
        assert_eq!(z.local(z.utc(local)), local);
        let vn = Zone::new("Asia/Ho_Chi_Minh");
        assert_eq!(
            vn.moment(WINDOW_START).to_string(),
            "2025-11-01T00:00:00+07:00"
        );
    }

    #[test]
    fn business_time_skips_closed_hours() {
        let s = Schedule::new(
            "t",
            [
                &[(8, 18)],
                &[(8, 18)],
                &[(8, 18)],
                &[(8, 18)],
                &[(8, 18)],
                &[],
                &[],
            ],
            &[],
        );
        let fri = days_from_civil(2026, 3, 6);
        // Friday 17:00 + 2 h of business time = Monday 09:00.
        let got = s.add_business_local(fri * DAY + 17 * HOUR, 2 * HOUR);
        assert_eq!(got, (fri + 3) * DAY + 9 * HOUR);
        assert_eq!(
            s.next_open_local(fri * DAY + 20 * HOUR),
            (fri + 3) * DAY + 8 * HOUR
        );
        assert!(s.is_open_local(fri * DAY + 8 * HOUR));
        assert!(!s.is_open_local(fri * DAY + 18 * HOUR));
    }
}
