//! What a support manager writes down: the time zone, the weekly hours of each version of the
//! schedule, and the holidays. These types (de)serialise to the JSON shape shown in the module
//! docs and are checked by [`Schedule::new`](super::Schedule::new), which names every field that
//! is wrong and why.

use std::collections::BTreeMap;
use std::fmt;
use std::str::FromStr;

use jiff::Timestamp;
use jiff::civil::Date;
use serde::{Deserialize, Serialize};

use crate::validation::Problem;

/// Seconds in a wall-clock day (`24:00`).
pub const DAY_SECONDS: u32 = 86_400;

/// The longest a single holiday may run (ten years): a team that is closed for longer than that
/// has a schedule version without hours, not a holiday.
pub const MAX_HOLIDAY_DAYS: i64 = 3_660;

/// Yearly holidays repeat up to and including this year (or their `until` date, if earlier).
pub const YEARLY_HOLIDAYS_THROUGH_YEAR: i16 = 2200;

/// A stretch of wall-clock time in one day, written `HH:MM-HH:MM` (seconds optional:
/// `HH:MM:SS`). The start is included, the end is not. `24:00` is allowed as an end.
///
/// An end earlier than (or equal to `00:00` after) the start means the range runs past midnight
/// into the next day: `22:00-06:00` is 22:00 to 24:00 on its day and 00:00 to 06:00 on the next.
/// A range whose end equals its start is an error: it would be either nothing or a whole day.
#[derive(Clone, Copy, Debug, PartialEq, Eq, Hash)]
pub struct ClockRange {
    start: u32,
    end: u32,
}

/// Why a text or a pair of seconds is not a [`ClockRange`].
#[derive(Debug, Clone, PartialEq, Eq, thiserror::Error)]
#[error("`{text}` is not a time range like 09:00-17:00: {reason}")]
pub struct ClockRangeError {
    pub text: String,
    pub reason: String,
}

impl ClockRange {
    /// A range from `start` to `end`, both in seconds after local midnight. `start` is below
    /// 86 400; `end` is at most 86 400 (`24:00`) and differs from `start`.
    pub fn new(start: u32, end: u32) -> Result<Self, ClockRangeError> {
        let err = |reason: &str| ClockRangeError {
            text: format!("{}-{}", clock(start), clock(end)),
            reason: reason.into(),
        };
        if start >= DAY_SECONDS {
            return Err(err("the start must be before 24:00"));
        }
        if end > DAY_SECONDS {
            return Err(err("the end must be at most 24:00"));
        }
        if end == start {
            return Err(err(
                "the end equals the start (for a whole day write 00:00-24:00)",
            ));
        }
        Ok(Self { start, end })
    }

    /// Seconds after local midnight at which the range starts.
    pub fn start_seconds(&self) -> u32 {
        self.start
    }

    /// Seconds after local midnight at which the range ends (on the next day if
    /// [`crosses_midnight`](Self::crosses_midnight)).
    pub fn end_seconds(&self) -> u32 {
        self.end
    }

    /// Whether the range runs past midnight into the next day.
    pub fn crosses_midnight(&self) -> bool {
        self.end < self.start
    }

    /// The part on its own day and, for a range that crosses midnight, the part on the next day,
    /// each as `[start, end)` seconds after that day's midnight.
    pub fn pieces(&self) -> ((u32, u32), Option<(u32, u32)>) {
        if self.end > self.start {
            ((self.start, self.end), None)
        } else {
            let next = (self.end > 0).then_some((0, self.end));
            ((self.start, DAY_SECONDS), next)
        }
    }
}

fn clock(seconds: u32) -> String {
    let (h, m, s) = (seconds / 3600, seconds / 60 % 60, seconds % 60);
    if s == 0 {
        format!("{h:02}:{m:02}")
    } else {
        format!("{h:02}:{m:02}:{s:02}")
    }
}

fn parse_clock(text: &str) -> Result<u32, String> {
    let parts: Vec<&str> = text.split(':').collect();
    if !(2..=3).contains(&parts.len())
        || parts
            .iter()
            .any(|p| p.is_empty() || p.len() > 2 || !p.bytes().all(|b| b.is_ascii_digit()))
    {
        return Err(format!("`{text}` is not a time of day HH:MM"));
    }
    let num = |i: usize| parts.get(i).map_or(0, |p| p.parse::<u32>().unwrap_or(0));
    let (h, m, s) = (num(0), num(1), num(2));
    if m >= 60 || s >= 60 {
        return Err(format!("`{text}` has minutes or seconds of 60 or more"));
    }
    if h > 24 || (h == 24 && (m, s) != (0, 0)) {
        return Err(format!("`{text}` is past 24:00"));
    }
    Ok(h * 3600 + m * 60 + s)
}

impl FromStr for ClockRange {
    type Err = ClockRangeError;

    fn from_str(text: &str) -> Result<Self, Self::Err> {
        let err = |reason: String| ClockRangeError {
            text: text.into(),
            reason,
        };
        let trimmed = text.trim();
        let Some((a, b)) = trimmed.split_once(['-', '–']) else {
            return Err(err("write a start and an end, e.g. 09:00-17:00".into()));
        };
        let start = parse_clock(a.trim()).map_err(err)?;
        let end = parse_clock(b.trim()).map_err(err)?;
        Self::new(start, end).map_err(|e| err(e.reason))
    }
}

impl fmt::Display for ClockRange {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        write!(f, "{}-{}", clock(self.start), clock(self.end))
    }
}

impl Serialize for ClockRange {
    fn serialize<S: serde::Serializer>(&self, serializer: S) -> Result<S::Ok, S::Error> {
        serializer.collect_str(self)
    }
}

impl<'de> Deserialize<'de> for ClockRange {
    fn deserialize<D: serde::Deserializer<'de>>(deserializer: D) -> Result<Self, D::Error> {
        let text = String::deserialize(deserializer)?;
        text.parse().map_err(serde::de::Error::custom)
    }
}

/// When a holiday closes the schedule.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub enum Closure {
    /// Whole local days `first..=last` (both included) in the schedule's time zone: every
    /// instant whose local date is one of them is closed, whatever the weekly hours say.
    Days { first: Date, last: Date },
    /// Part of one local day: closed during `closed` (which may run past midnight into the next
    /// day), e.g. the afternoon before Tết.
    Hours { date: Date, closed: ClockRange },
    /// Absolute instants `[start, end)`, whatever the local time: a timed calendar event
    /// written in another time zone or in UTC.
    Span { start: Timestamp, end: Timestamp },
}

/// Whether a holiday comes back.
#[derive(Clone, Copy, Debug, Default, PartialEq, Eq)]
pub enum Repeat {
    /// Only on its dates.
    #[default]
    Once,
    /// On the same month and day every year from its first date on, up to `until` (the last
    /// date an occurrence may start on) or the end of [`YEARLY_HOLIDAYS_THROUGH_YEAR`]. A
    /// 29 February holiday occurs in leap years only.
    Yearly { until: Option<Date> },
}

/// A named closure of the schedule: a public holiday, a company day off, an afternoon closed.
///
/// JSON shapes (one of): `{"name", "date"}` (one day), `{"name", "first_day", "last_day"}`
/// (several days, both included), `{"name", "date", "closed": "12:00-24:00"}` (part of a day),
/// `{"name", "start", "end"}` (RFC 3339 instants). Date shapes may add `"yearly": true` and an
/// optional `"until"` date.
#[derive(Clone, Debug, PartialEq, Eq, Serialize, Deserialize)]
#[serde(try_from = "HolidayConfig", into = "HolidayConfig")]
pub struct Holiday {
    pub name: String,
    pub closure: Closure,
    pub repeat: Repeat,
}

impl Holiday {
    /// A holiday on whole days `first..=last`.
    pub fn days(name: impl Into<String>, first: Date, last: Date) -> Self {
        Self {
            name: name.into(),
            closure: Closure::Days { first, last },
            repeat: Repeat::Once,
        }
    }

    /// The same holiday, repeated every year.
    pub fn yearly(mut self, until: Option<Date>) -> Self {
        self.repeat = Repeat::Yearly { until };
        self
    }

    /// The first local date the holiday touches (for a [`Closure::Span`], its start's UTC date).
    pub fn first_date(&self) -> Date {
        match self.closure {
            Closure::Days { first, .. } => first,
            Closure::Hours { date, .. } => date,
            Closure::Span { start, .. } => start.to_zoned_datetime(jiff::tz::TimeZone::UTC).date(),
        }
    }

    /// Everything wrong with this holiday, as (field, reason), the field named as in JSON.
    pub fn problems(&self) -> Vec<(&'static str, String)> {
        let mut out = Vec::new();
        match self.closure {
            Closure::Days { first, last } => {
                let days = epoch_day(last) - epoch_day(first) + 1;
                if days < 1 {
                    out.push(("last_day", format!("{last} is before first_day {first}")));
                } else if days > MAX_HOLIDAY_DAYS {
                    out.push((
                        "last_day",
                        format!(
                            "the holiday runs {days} days; at most {MAX_HOLIDAY_DAYS} (for a longer \
                             closure add a schedule version without hours)"
                        ),
                    ));
                } else if matches!(self.repeat, Repeat::Yearly { .. }) && days > 365 {
                    out.push((
                        "last_day",
                        format!("a yearly holiday must be shorter than a year; this one runs {days} days"),
                    ));
                }
            }
            Closure::Hours { .. } => {}
            Closure::Span { start, end } => {
                if end <= start {
                    out.push(("end", format!("{end} is not after start {start}")));
                } else if end.duration_since(start).as_hours() > MAX_HOLIDAY_DAYS * 24 {
                    out.push((
                        "end",
                        format!("the closure runs longer than {MAX_HOLIDAY_DAYS} days"),
                    ));
                }
                if matches!(self.repeat, Repeat::Yearly { .. }) {
                    out.push((
                        "yearly",
                        "only a holiday given by dates (`date` or `first_day`) can repeat yearly"
                            .into(),
                    ));
                }
            }
        }
        if let Repeat::Yearly { until: Some(until) } = self.repeat
            && until < self.first_date()
        {
            out.push((
                "until",
                format!(
                    "{until} is before the holiday's first date {}",
                    self.first_date()
                ),
            ));
        }
        out
    }
}

/// The flat JSON shape of a [`Holiday`].
#[derive(Clone, Debug, Default, Serialize, Deserialize)]
#[serde(deny_unknown_fields)]
struct HolidayConfig {
    #[serde(default)]
    name: String,
    #[serde(default, skip_serializing_if = "Option::is_none")]
    date: Option<Date>,
    #[serde(default, skip_serializing_if = "Option::is_none")]
    first_day: Option<Date>,
    #[serde(default, skip_serializing_if = "Option::is_none")]
    last_day: Option<Date>,
    #[serde(default, skip_serializing_if = "Option::is_none")]
    closed: Option<ClockRange>,
    #[serde(default, skip_serializing_if = "Option::is_none")]
    start: Option<Timestamp>,
    #[serde(default, skip_serializing_if = "Option::is_none")]
    end: Option<Timestamp>,
    #[serde(default, skip_serializing_if = "std::ops::Not::not")]
    yearly: bool,
    #[serde(default, skip_serializing_if = "Option::is_none")]
    until: Option<Date>,
}

impl TryFrom<HolidayConfig> for Holiday {
    type Error = String;

    fn try_from(c: HolidayConfig) -> Result<Self, String> {
        let closure = match c {
            HolidayConfig {
                date: Some(date),
                first_day: None,
                last_day: None,
                start: None,
                end: None,
                closed,
                ..
            } => match closed {
                Some(closed) => Closure::Hours { date, closed },
                None => Closure::Days {
                    first: date,
                    last: date,
                },
            },
            HolidayConfig {
                date: None,
                first_day: Some(first),
                last_day: Some(last),
                start: None,
                end: None,
                closed: None,
                ..
            } => Closure::Days { first, last },
            HolidayConfig {
                date: None,
                first_day: None,
                last_day: None,
                start: Some(start),
                end: Some(end),
                closed: None,
                ..
            } => Closure::Span { start, end },
            _ => {
                return Err(format!(
                    "holiday `{}`: write either `date` (with an optional `closed` range such as \
                     \"12:00-24:00\"), or `first_day` and `last_day` (both included), or `start` \
                     and `end` (RFC 3339 instants)",
                    c.name
                ));
            }
        };
        if c.until.is_some() && !c.yearly {
            return Err(format!(
                "holiday `{}`: `until` is only meaningful with \"yearly\": true",
                c.name
            ));
        }
        let repeat = if c.yearly {
            Repeat::Yearly { until: c.until }
        } else {
            Repeat::Once
        };
        let holiday = Holiday {
            name: c.name,
            closure,
            repeat,
        };
        let problems = holiday.problems();
        if let Some((field, reason)) = problems.first() {
            return Err(format!("holiday `{}`: {field}: {reason}", holiday.name));
        }
        Ok(holiday)
    }
}

impl From<Holiday> for HolidayConfig {
    fn from(h: Holiday) -> Self {
        let mut c = HolidayConfig {
            name: h.name,
            ..Default::default()
        };
        match h.closure {
            Closure::Days { first, last } if first == last => c.date = Some(first),
            Closure::Days { first, last } => {
                c.first_day = Some(first);
                c.last_day = Some(last);
            }
            Closure::Hours { date, closed } => {
                c.date = Some(date);
                c.closed = Some(closed);
            }
            Closure::Span { start, end } => {
                c.start = Some(start);
                c.end = Some(end);
            }
        }
        if let Repeat::Yearly { until } = h.repeat {
            c.yearly = true;
            c.until = until;
        }
        c
    }
}

/// A schedule as written: its time zone, its versions and its holidays.
///
/// ```json
/// {
///   "time_zone": "Asia/Ho_Chi_Minh",
///   "versions": [
///     {"hours": {"mon": ["08:00-12:00", "13:00-17:30"], "fri": ["08:00-12:00"]}},
///     {"effective_from": "2026-07-01", "hours": {"mon": ["08:00-17:00"], "fri": ["22:00-06:00"]}}
///   ],
///   "holidays": [
///     {"name": "Tết Nguyên Đán", "first_day": "2026-02-16", "last_day": "2026-02-20"},
///     {"name": "Quốc khánh", "date": "2026-09-02", "yearly": true},
///     {"name": "Tất niên", "date": "2026-02-13", "closed": "12:00-24:00"}
///   ]
/// }
/// ```
#[derive(Clone, Debug, PartialEq, Eq, Serialize, Deserialize)]
#[serde(deny_unknown_fields)]
pub struct ScheduleConfig {
    /// An IANA time zone name, e.g. `Asia/Ho_Chi_Minh`.
    pub time_zone: String,
    /// The versions of the weekly hours, each in force from its effective date.
    pub versions: Vec<VersionConfig>,
    #[serde(default, skip_serializing_if = "Vec::is_empty")]
    pub holidays: Vec<Holiday>,
}

impl ScheduleConfig {
    /// Add `holidays`, keeping those already listed as they are; returns the ones added and how
    /// many were already there.
    pub fn add_holidays(&mut self, holidays: Vec<Holiday>) -> (Vec<Holiday>, usize) {
        let mut added = Vec::new();
        let mut already = 0;
        for h in holidays {
            if self.holidays.contains(&h) || added.contains(&h) {
                already += 1;
            } else {
                added.push(h);
            }
        }
        self.holidays.extend(added.iter().cloned());
        (added, already)
    }
}

/// One version of the weekly hours.
#[derive(Clone, Debug, Default, PartialEq, Eq, Serialize, Deserialize)]
#[serde(deny_unknown_fields)]
pub struct VersionConfig {
    /// The local date from whose midnight this version is in force. At most one version may
    /// leave it out; that version (or else the earliest one) also covers every earlier date.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub effective_from: Option<Date>,
    /// Opening ranges per weekday (`mon` … `sun`, or the full English names). A range that
    /// crosses midnight belongs to the day it starts on. Days not listed are closed.
    #[serde(default)]
    pub hours: BTreeMap<String, Vec<ClockRange>>,
}

impl VersionConfig {
    /// A version from `(weekday, ranges)` pairs, e.g. `[("mon", "09:00-17:00")]`.
    ///
    /// # Panics
    /// If a range does not parse; meant for code and tests with literal ranges.
    pub fn from_pairs(effective_from: Option<Date>, pairs: &[(&str, &str)]) -> Self {
        let mut hours: BTreeMap<String, Vec<ClockRange>> = BTreeMap::new();
        for (day, range) in pairs {
            let range = range.parse().unwrap_or_else(|e| panic!("{e}"));
            hours.entry((*day).to_string()).or_default().push(range);
        }
        Self {
            effective_from,
            hours,
        }
    }
}

/// Why a schedule configuration cannot be used: every problem, each naming its field.
#[derive(Debug, Clone, PartialEq, Eq, thiserror::Error)]
#[error("{}", render(.problems))]
pub struct ScheduleError {
    pub problems: Vec<Problem>,
}

fn render(problems: &[Problem]) -> String {
    problems
        .iter()
        .map(|p| format!("{}: {}", p.field, p.reason))
        .collect::<Vec<_>>()
        .join("; ")
}

impl ScheduleError {
    pub(crate) fn one(field: impl Into<String>, reason: impl Into<String>) -> Self {
        Self {
            problems: vec![Problem {
                field: field.into(),
                reason: reason.into(),
            }],
        }
    }
}

/// Monday = 0 … Sunday = 6, from a weekday key of the configuration.
pub(crate) fn parse_weekday(key: &str) -> Option<usize> {
    const NAMES: [(&str, &str); 7] = [
        ("mon", "monday"),
        ("tue", "tuesday"),
        ("wed", "wednesday"),
        ("thu", "thursday"),
        ("fri", "friday"),
        ("sat", "saturday"),
        ("sun", "sunday"),
    ];
    let key = key.trim().to_ascii_lowercase();
    NAMES
        .iter()
        .position(|(short, long)| key == *short || key == *long)
}

/// Days since 1970-01-01 of a civil date (proleptic Gregorian; negative before 1970).
pub(crate) fn epoch_day(date: Date) -> i64 {
    let (y, m, d) = (
        i64::from(date.year()),
        i64::from(date.month()),
        i64::from(date.day()),
    );
    let y = if m <= 2 { y - 1 } else { y };
    let era = y.div_euclid(400);
    let yoe = y - era * 400;
    let mp = (m + 9) % 12;
    let doy = (153 * mp + 2) / 5 + d - 1;
    let doe = yoe * 365 + yoe / 4 - yoe / 100 + doy;
    era * 146_097 + doe - 719_468
}

/// Monday = 0 … Sunday = 6 of a day counted from 1970-01-01 (a Thursday).
pub(crate) fn weekday_of(day: i64) -> usize {
    (day + 3).rem_euclid(7) as usize
}

#[cfg(test)]
mod tests {
    use super::*;
    use jiff::civil::date;

    #[test]
    fn clock_ranges_parse_and_print() {
        let r: ClockRange = "09:00-17:00".parse().unwrap();
        assert_eq!((r.start_seconds(), r.end_seconds()), (9 * 3600, 17 * 3600));
        assert!(!r.crosses_midnight());
        assert_eq!(r.to_string(), "09:00-17:00");
        let r: ClockRange = " 22:00 – 06:00 ".parse().unwrap();
        assert!(r.crosses_midnight());
        assert_eq!(r.pieces(), ((22 * 3600, DAY_SECONDS), Some((0, 6 * 3600))));
        let r: ClockRange = "18:00-00:00".parse().unwrap();
        assert_eq!(r.pieces(), ((18 * 3600, DAY_SECONDS), None));
        let r: ClockRange = "00:00-24:00".parse().unwrap();
        assert_eq!(r.to_string(), "00:00-24:00");
        let r: ClockRange = "08:30:15-9:00".parse().unwrap();
        assert_eq!(r.to_string(), "08:30:15-09:00");
    }

    #[test]
    fn bad_clock_ranges_say_why() {
        for (text, why) in [
            ("09:00-09:00", "end equals the start"),
            ("09:00", "write a start and an end"),
            ("25:00-26:00", "past 24:00"),
            ("24:00-06:00", "start must be before 24:00"),
            ("09:60-10:00", "60 or more"),
            ("9h-17h", "not a time of day"),
        ] {
            let err = text.parse::<ClockRange>().unwrap_err().to_string();
            assert!(err.contains(why), "{text}: {err}");
            assert!(err.contains(text.trim()), "{text}: {err}");
        }
    }

    #[test]
    fn epoch_days_match_jiff() {
        let epoch = date(1970, 1, 1);
        let mut d = date(1600, 1, 1);
        while d < date(2400, 12, 31) {
            let want = (d - epoch).get_days() as i64;
            assert_eq!(epoch_day(d), want, "{d}");
            assert_eq!(
                weekday_of(epoch_day(d)),
                d.weekday().to_monday_zero_offset() as usize,
                "{d}"
            );
            d = d.checked_add(jiff::Span::new().days(17)).unwrap();
        }
    }

    #[test]
    fn holidays_round_trip_through_json() {
        for text in [
            r#"{"name":"Tết","first_day":"2026-02-16","last_day":"2026-02-20"}"#,
            r#"{"name":"Quốc khánh","date":"2026-09-02","yearly":true}"#,
            r#"{"name":"New year","date":"2026-01-01","yearly":true,"until":"2030-01-01"}"#,
            r#"{"name":"Tất niên","date":"2026-02-13","closed":"12:00-24:00"}"#,
            r#"{"name":"Outage","start":"2026-06-01T03:00:00Z","end":"2026-06-01T05:00:00Z"}"#,
        ] {
            let h: Holiday = serde_json::from_str(text).unwrap();
            assert_eq!(serde_json::to_string(&h).unwrap(), text);
        }
    }

    #[test]
    fn bad_holidays_name_the_field() {
        for (text, why) in [
            (
                r#"{"name":"x","first_day":"2026-02-16","last_day":"2026-02-10"}"#,
                "last_day: 2026-02-10 is before first_day 2026-02-16",
            ),
            (
                r#"{"name":"x","date":"2026-02-16","start":"2026-02-16T00:00:00Z"}"#,
                "write either",
            ),
            (
                r#"{"name":"x","date":"2026-02-16","until":"2027-01-01"}"#,
                "only meaningful",
            ),
            (
                r#"{"name":"x","start":"2026-06-01T05:00:00Z","end":"2026-06-01T03:00:00Z"}"#,
                "end: 2026-06-01T03:00:00Z is not after start",
            ),
            (
                r#"{"name":"x","date":"2026-02-16","colsed":"12:00-13:00"}"#,
                "unknown field",
            ),
            (
                r#"{"name":"x","date":"2026-02-16","yearly":true,"until":"2025-01-01"}"#,
                "until: 2025-01-01 is before",
            ),
        ] {
            let err = serde_json::from_str::<Holiday>(text)
                .unwrap_err()
                .to_string();
            assert!(err.contains(why), "{text}: {err}");
        }
    }
}
