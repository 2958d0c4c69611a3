//! Business hours: when a support team is open, and how much of a stretch of time was open.
//!
//! Every duration metric has a business-hours variant (`../shared/product/metrics.md`,
//! "Business hours"), and SLA targets in business time need due times. This module is the one
//! definition both use. It is pure: no clock ("now" is always a parameter), no I/O.
//!
//! # The schedule
//!
//! A [`Schedule`] is
//! - an **IANA time zone** (`Asia/Ho_Chi_Minh`, `Europe/Berlin`); all hours and dates below are
//!   wall-clock hours and local dates in that zone;
//! - one or more **versions** of the weekly hours. Each weekday has any number of opening
//!   ranges `HH:MM-HH:MM` (start included, end excluded, `24:00` allowed as an end). A range may
//!   run past midnight — `fri: ["22:00-06:00"]` is Friday 22:00 to Saturday 06:00 — and then
//!   counts as two pieces, Friday 22:00–24:00 and Saturday 00:00–06:00 (Zendesk asks its users to
//!   enter such hours as exactly those two pieces; "A schedule interval can't overlap a date
//!   boundary", Zendesk help, *Setting your schedule with business hours and holidays*). Ranges
//!   of one version may not overlap; touching ranges (`09:00-12:00`, `12:00-17:00`) join;
//! - **holidays**: whole local days (one day, or `first_day..=last_day`), part of a local day
//!   (`"date": "2026-12-31", "closed": "12:00-24:00"`), or an absolute stretch of instants
//!   (`start`/`end` RFC 3339, e.g. a timed calendar event in another zone). Date holidays may
//!   repeat yearly (fixed month and day). [`parse_ics_holidays`] reads them from an iCalendar
//!   file.
//!
//! # Definitions
//!
//! **Open.** An instant `t` is open when, with `L(t)` its local wall-clock date and time in the
//! schedule's zone,
//! 1. `L(t)`'s time of day falls in an opening range of `L(t)`'s weekday (or in the
//!    after-midnight piece of the previous weekday's overnight range) **of the version in force
//!    on `L(t)`'s date** — the version with the latest `effective_from` on or before that date; a
//!    version without `effective_from` (or else the earliest) is in force before all dated ones;
//! 2. `L(t)`'s date is not a whole-day holiday, and `L(t)` is not inside a part-day holiday;
//! 3. `t` is not inside an absolute (`start`/`end`) closure.
//!
//! So a version change applies from local midnight of its effective date and never
//! retroactively: a case open across the change is measured against the old hours before it
//! and the new hours after it. A holiday closes its own local day only: on a holiday Friday the
//! overnight range Friday 22:00–Saturday 06:00 is closed until midnight and open after it.
//!
//! **Business duration.** `business_duration(from, to)` is the measure (length) of the set of
//! open instants in `[from, to)`; zero when `to <= from`. Because it is a measure it is additive
//! (`d(a, c) = d(a, b) + d(b, c)` for `a ≤ b ≤ c`) and never exceeds the calendar duration.
//!
//! **Daylight saving.** "Open" is read off the wall clock, so a change of UTC offset changes how
//! long an opening lasts in real time. With daily hours 22:00–06:00 in Europe/Berlin:
//! the night of 28→29 March 2026 (clocks jump 02:00→03:00) is open 7 h; the night of
//! 24→25 October 2026 (clocks go back 03:00→02:00) is open 9 h, the repeated hour counted
//! twice because it really happened twice. An opening hour that does not exist on the wall
//! clock (02:30 on a spring-forward night) is simply not there: `02:30-03:15` on that day is
//! open 15 minutes (03:00–03:15). A 24/7 schedule in any zone is open exactly the calendar time
//! (23 h and 25 h days included).
//!
//! **Due time.** `add_business(from, d)` is the earliest instant `t` with
//! `business_duration(from, t) = d`: 2 business hours after Friday 16:00 with Mon–Fri 09–17 is
//! Monday 10:00; 1 business hour after Friday 16:00 is Friday 17:00 (closing time), not Monday
//! 09:00. So `business_duration(from, add_business(from, d)) = d` exactly and
//! `add_business(from, business_duration(from, to)) ≤ to`. A zero or negative `d` gives `from`.
//! It is `None` when the schedule does not open for `d` within [`HORIZON`] (two years, 731 days)
//! after `from`, e.g. a schedule without hours or a closure longer than that; a 24/7 schedule has
//! no horizon.
//!
//! **Open now / next opening.** `is_open(t)` is the definition above; `next_open(t)` is `t` when
//! open, else the start of the next opening (within the horizon).
//!
//! # How it is computed (and what it costs)
//!
//! Between two changes of the zone's UTC offset `o` (read from jiff's time-zone database, once,
//! into a table of transitions for 1900–2200; jiff is asked directly outside those years), local
//! time is `instant + o`. So for each such piece `[a, b)` of `[from, to)`:
//!
//! ```text
//! business = Σ_pieces G(b + o) − G(a + o)   −   (the same over absolute closures inside)
//! G(y) − G(x) = open(first day, from x's time) + W(whole days between) + open(last day, to y's time)
//! W(days n1..n2) = Σ_versions [ ⌊k/7⌋ · weekly_total + prefix(weekday, k mod 7) ]  −  lost(holiday days in n1..n2)
//! ```
//!
//! where `k` is the number of days of that version inside the range, `prefix` the running total
//! of the version's weekday hours, and `lost` a prefix sum over the (sorted) holiday days of
//! the hours each takes away. Nothing walks day by day: a 30-day range and a 2-year range
//! both cost `O(T · (log V + log H) + S)` — `T` offset changes in the range (about two a year
//! for zones with daylight saving, none for Asia/Ho_Chi_Minh), `V` versions, `H` holiday days, `S`
//! absolute closures overlapping the range. `add_business` walks the same pieces and, inside
//! one, finds the day by doubling and bisecting over `W`: `O(log days · (V + log H))` more.
//! Measured (release build, 2-core machine, `calendar_speed` in `tests/calendar.rs`): about 11
//! million `business_duration` calls a second on random 1–30-day spans (≈ 90 ns each) in both
//! Asia/Ho_Chi_Minh with the Vietnamese holidays and Europe/Berlin with two versions; 3 million a
//! second on 2-year spans in Berlin; about 4 million `add_business` calls a second.
//!
//! [`Schedule`] implements [`WorkingTime`](crate::working_time::WorkingTime), the clock that the
//! per-case facts and SLA policies measure business time with.
//!
//! # Configuration (JSON)
//!
//! ```json
//! {
//!   "time_zone": "Asia/Ho_Chi_Minh",
//!   "versions": [
//!     {"hours": {"mon": ["08:00-12:00", "13:00-17:00"], "tue": ["08:00-12:00", "13:00-17:00"],
//!                "wed": ["08:00-12:00", "13:00-17:00"], "thu": ["08:00-12:00", "13:00-17:00"],
//!                "fri": ["08:00-12:00", "13:00-17:00"]}},
//!     {"effective_from": "2026-07-01",
//!      "hours": {"mon": ["08:00-17:00"], "fri": ["08:00-17:00", "22:00-06:00"]}}
//!   ],
//!   "holidays": [
//!     {"name": "Tết Nguyên Đán", "first_day": "2026-02-16", "last_day": "2026-02-20"},
//!     {"name": "Quốc khánh", "date": "2026-09-02", "yearly": true},
//!     {"name": "Tất niên", "date": "2026-02-13", "closed": "14:00-24:00"},
//!     {"name": "Bảo trì tổng đài", "start": "2026-06-15T08:00:00+07:00", "end": "2026-06-15T10:00:00+07:00"}
//!   ]
//! }
//! ```
//!
//! [`Schedule::from_json`] reports every problem with its field: an unknown time zone
//! (`time_zone`), an unknown weekday (`versions[0].hours.mnd`), overlapping ranges
//! (`versions[0].hours.thu[0]: (22:00-06:00) overlaps versions[0].hours.fri[0] (05:00-07:00) on
//! Friday …`), a range whose end equals
//! its start, two versions with the same effective date, a holiday ending before it starts.

mod config;
mod ics;
mod offsets;
mod schedule;

pub use config::{
    ClockRange, ClockRangeError, Closure, DAY_SECONDS, Holiday, MAX_HOLIDAY_DAYS, Repeat,
    ScheduleConfig, ScheduleError, VersionConfig, YEARLY_HOLIDAYS_THROUGH_YEAR,
};
pub use ics::{IcsError, parse_ics_holidays};
pub use schedule::{HORIZON, Schedule};

#[cfg(test)]
mod tests;
