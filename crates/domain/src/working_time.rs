//! Opening hours against which durations are measured, and the pair of durations (calendar and
//! business) that every duration fact carries.
//!
//! Every duration metric has a calendar variant and a business-hours variant (metrics.md,
//! "Conventions"). The per-case facts ([`crate::case_facts`]) and the SLA clocks ([`crate::sla`])
//! measure business time through the [`WorkingTime`] trait only, so they do not depend on how a
//! schedule is stored: [`AlwaysOpen`] is 24/7, and a team's schedule (time zone, weekly intervals,
//! holidays) implements the same trait.

use jiff::{SignedDuration, Timestamp};
use serde::{Deserialize, Serialize};

/// Opening hours against which durations are measured.
pub trait WorkingTime {
    /// Business time in [from, to) (zero when to <= from).
    fn business_duration(&self, from: Timestamp, to: Timestamp) -> SignedDuration;
    /// The instant when `d` of business time has elapsed after `from`; None if never.
    fn add_business(&self, from: Timestamp, d: SignedDuration) -> Option<Timestamp>;
}

/// 24/7: business time is calendar time.
#[derive(Clone, Copy, Debug, Default, PartialEq, Eq)]
pub struct AlwaysOpen;

impl WorkingTime for AlwaysOpen {
    /// `max(to − from, 0)`.
    fn business_duration(&self, from: Timestamp, to: Timestamp) -> SignedDuration {
        calendar_duration(from, to)
    }

    /// `from + d` (`from` itself when `d ≤ 0`); None past the end of representable time.
    fn add_business(&self, from: Timestamp, d: SignedDuration) -> Option<Timestamp> {
        if d <= SignedDuration::ZERO {
            return Some(from);
        }
        from.checked_add(d).ok()
    }
}

/// Calendar time in [from, to): `to − from`, or zero when `to ≤ from`.
pub fn calendar_duration(from: Timestamp, to: Timestamp) -> SignedDuration {
    if to <= from {
        SignedDuration::ZERO
    } else {
        to.duration_since(from)
    }
}

/// Which clock a duration or an SLA target is measured on.
#[derive(Clone, Copy, Debug, Default, PartialEq, Eq, Hash, Serialize, Deserialize)]
#[serde(rename_all = "snake_case")]
pub enum TimeBasis {
    /// Wall-clock time, 24/7.
    Calendar,
    /// Time inside the opening hours of the schedule ([`WorkingTime`]); the catalogue's default.
    #[default]
    Business,
}

impl TimeBasis {
    /// The length of [from, to) on this clock (zero when `to ≤ from`).
    pub fn measure(
        self,
        clock: &dyn WorkingTime,
        from: Timestamp,
        to: Timestamp,
    ) -> SignedDuration {
        match self {
            TimeBasis::Calendar => calendar_duration(from, to),
            TimeBasis::Business => clock.business_duration(from, to),
        }
    }

    /// The instant when `d` has elapsed on this clock after `from`; None if never.
    pub fn add(
        self,
        clock: &dyn WorkingTime,
        from: Timestamp,
        d: SignedDuration,
    ) -> Option<Timestamp> {
        match self {
            TimeBasis::Calendar => AlwaysOpen.add_business(from, d),
            TimeBasis::Business => clock.add_business(from, d),
        }
    }
}

/// One duration measured on both clocks: calendar time and business time.
///
/// `Elapsed::between(from, to, clock)` = (`max(to − from, 0)`, `clock.business_duration(from, to)`).
/// For any schedule, `business ≤ calendar`.
#[derive(Clone, Copy, Debug, Default, PartialEq, Eq, Serialize, Deserialize)]
pub struct Elapsed {
    pub calendar: SignedDuration,
    pub business: SignedDuration,
}

impl Elapsed {
    pub const ZERO: Elapsed = Elapsed {
        calendar: SignedDuration::ZERO,
        business: SignedDuration::ZERO,
    };

    /// The length of [from, to) on both clocks (zero when `to ≤ from`).
    pub fn between(from: Timestamp, to: Timestamp, clock: &dyn WorkingTime) -> Elapsed {
        Elapsed {
            calendar: calendar_duration(from, to),
            business: clock.business_duration(from, to),
        }
    }

    /// The duration on the given clock.
    pub fn on(&self, basis: TimeBasis) -> SignedDuration {
        match basis {
            TimeBasis::Calendar => self.calendar,
            TimeBasis::Business => self.business,
        }
    }

    /// Calendar seconds (fractions kept), as the API reports durations.
    pub fn calendar_secs(&self) -> f64 {
        self.calendar.as_secs_f64()
    }

    /// Business seconds (fractions kept).
    pub fn business_secs(&self) -> f64 {
        self.business.as_secs_f64()
    }
}

impl std::ops::Add for Elapsed {
    type Output = Elapsed;
    fn add(self, other: Elapsed) -> Elapsed {
        Elapsed {
            calendar: self.calendar.saturating_add(other.calendar),
            business: self.business.saturating_add(other.business),
        }
    }
}

impl std::ops::AddAssign for Elapsed {
    fn add_assign(&mut self, other: Elapsed) {
        *self = *self + other;
    }
}

/// Test-only opening hours: Monday to Friday, 09:00–17:00 at a fixed UTC offset, no holidays.
/// Small enough to check by hand, so the business variants of the facts can be tested without the
/// real schedules.
#[cfg(test)]
pub(crate) mod office_hours {
    use super::*;

    const NS_PER_S: i128 = 1_000_000_000;
    const DAY: i128 = 86_400 * NS_PER_S;
    const OPEN: i128 = 9 * 3_600 * NS_PER_S;
    const CLOSE: i128 = 17 * 3_600 * NS_PER_S;

    /// Mon–Fri 09:00–17:00 in local time `UTC + offset_hours`.
    #[derive(Clone, Copy, Debug)]
    pub(crate) struct OfficeHours {
        pub offset_hours: i32,
    }

    impl OfficeHours {
        fn local_ns(&self, t: Timestamp) -> i128 {
            t.as_nanosecond() + i128::from(self.offset_hours) * 3_600 * NS_PER_S
        }

        fn utc(&self, local_ns: i128) -> Timestamp {
            Timestamp::from_nanosecond(local_ns - i128::from(self.offset_hours) * 3_600 * NS_PER_S)
                .expect("in range")
        }

        /// Monday–Friday? (1970-01-01, day 0, was a Thursday.)
        fn weekday(day: i128) -> bool {
            (day + 3).rem_euclid(7) < 5
        }
    }

    impl WorkingTime for OfficeHours {
        fn business_duration(&self, from: Timestamp, to: Timestamp) -> SignedDuration {
            if to <= from {
                return SignedDuration::ZERO;
            }
            let (a, b) = (self.local_ns(from), self.local_ns(to));
            let mut total = 0i128;
            for day in a.div_euclid(DAY)..=b.div_euclid(DAY) {
                if !Self::weekday(day) {
                    continue;
                }
                let open = (day * DAY + OPEN).max(a);
                let close = (day * DAY + CLOSE).min(b);
                total += (close - open).max(0);
            }
            SignedDuration::from_nanos_i128(total)
        }

        fn add_business(&self, from: Timestamp, d: SignedDuration) -> Option<Timestamp> {
            if d <= SignedDuration::ZERO {
                return Some(from);
            }
            let a = self.local_ns(from);
            let mut left = d.as_nanos();
            let mut day = a.div_euclid(DAY);
            loop {
                if Self::weekday(day) {
                    let open = (day * DAY + OPEN).max(a);
                    let close = day * DAY + CLOSE;
                    if close > open {
                        if close - open >= left {
                            return Some(self.utc(open + left));
                        }
                        left -= close - open;
                    }
                }
                day += 1;
            }
        }
    }

    #[test]
    fn office_hours_by_hand() {
        let clock = OfficeHours { offset_hours: 7 };
        let t = |s: &str| s.parse::<Timestamp>().unwrap();
        // Fri 2026-03-06 16:00+07 → Mon 2026-03-09 10:00+07: 1 h Friday + 1 h Monday.
        let d = clock.business_duration(t("2026-03-06T09:00:00Z"), t("2026-03-09T03:00:00Z"));
        assert_eq!(d, SignedDuration::from_hours(2));
        // 2 h from Fri 16:00+07 is Mon 10:00+07.
        assert_eq!(
            clock.add_business(t("2026-03-06T09:00:00Z"), SignedDuration::from_hours(2)),
            Some(t("2026-03-09T03:00:00Z"))
        );
        // Saturday to Sunday: nothing.
        let d = clock.business_duration(t("2026-03-07T03:00:00Z"), t("2026-03-08T09:00:00Z"));
        assert_eq!(d, SignedDuration::ZERO);
        // From Saturday, 1 h lands on Monday 10:00+07.
        assert_eq!(
            clock.add_business(t("2026-03-07T03:00:00Z"), SignedDuration::from_hours(1)),
            Some(t("2026-03-09T03:00:00Z"))
        );
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn always_open_is_calendar_time() {
        let a: Timestamp = "2026-03-02T02:00:00Z".parse().unwrap();
        let b: Timestamp = "2026-03-02T05:30:00Z".parse().unwrap();
        assert_eq!(
            AlwaysOpen.business_duration(a, b),
            SignedDuration::from_mins(210)
        );
        assert_eq!(AlwaysOpen.business_duration(b, a), SignedDuration::ZERO);
        assert_eq!(
            AlwaysOpen.add_business(a, SignedDuration::from_mins(210)),
            Some(b)
        );
        assert_eq!(
            AlwaysOpen.add_business(a, -SignedDuration::from_mins(1)),
            Some(a)
        );
        let e = Elapsed::between(a, b, &AlwaysOpen);
        assert_eq!(e.calendar, e.business);
        assert_eq!(e.calendar_secs(), 12_600.0);
        assert_eq!(
            e + e,
            Elapsed::between(
                a,
                b.checked_add(SignedDuration::from_mins(210)).unwrap(),
                &AlwaysOpen
            )
        );
    }

    #[test]
    fn time_basis_serde() {
        assert_eq!(
            serde_json::to_string(&TimeBasis::Business).unwrap(),
            "\"business\""
        );
        let b: TimeBasis = serde_json::from_str("\"calendar\"").unwrap();
        assert_eq!(b, TimeBasis::Calendar);
    }
}
