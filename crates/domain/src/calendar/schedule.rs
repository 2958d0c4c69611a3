//! A validated schedule and its arithmetic: business durations, due times, open/closed.
//!
//! Internally every instant is an `i128` of nanoseconds since the Unix epoch and every local
//! ("wall-clock", "civil") time is an `i128` of nanoseconds since local 1970-01-01T00:00. Within
//! a stretch where the zone's UTC offset `o` does not change, `civil = instant + o` is a
//! translation, so the business time of an instant range equals the open measure `G` of the
//! matching civil range; the instant range is cut at the zone's transitions (from jiff's time
//! zone database) and the pieces are added up. `G` over a civil range is computed in closed form:
//! the partial first and last days interval by interval, the whole days in between as
//! `weeks × weekly_total + (prefix sum of the remaining weekdays)` per schedule version, minus
//! the time each holiday day in the range takes away (a binary search in a prefix-summed list).

use std::collections::BTreeMap;
use std::fmt;

use jiff::tz::TimeZone;
use jiff::{SignedDuration, Timestamp};

use super::config::{
    Closure, DAY_SECONDS, Repeat, ScheduleConfig, ScheduleError, VersionConfig,
    YEARLY_HOLIDAYS_THROUGH_YEAR, epoch_day, parse_weekday, weekday_of,
};
use super::offsets::{Offsets, timestamp};
use crate::validation::Problem;

/// Nanoseconds in a wall-clock day.
const DAY_NS: i64 = DAY_SECONDS as i64 * 1_000_000_000;

/// How far [`Schedule::add_business`] and [`Schedule::next_open`] look ahead: 731 days of 24
/// hours (two years). A due time further away than that is `None`.
pub const HORIZON: SignedDuration = SignedDuration::from_hours(731 * 24);

/// One version of the weekly hours, compiled.
#[derive(Clone, Debug)]
struct Version {
    /// Epoch day from which the version is in force (`i64::MIN` for the first one).
    first_day: i64,
    /// Open `[start, end)` ns after local midnight, per weekday (Monday = 0), sorted, disjoint,
    /// not touching; a range crossing midnight is split into its two days.
    week: [Vec<(i64, i64)>; 7],
    /// `prefix[j]` = open ns on weekdays `0..j` (mod 7), `j` in `0..=14`.
    prefix: [i64; 15],
    /// Open ns in a whole week.
    weekly: i64,
}

impl Version {
    /// Open ns on the whole days `[a, b)` if this version were in force on all of them.
    #[inline]
    fn periodic_sum(&self, a: i64, b: i64) -> i128 {
        if b <= a {
            return 0;
        }
        let k = b - a;
        let w = weekday_of(a);
        let rem = (k % 7) as usize;
        i128::from(k / 7) * i128::from(self.weekly)
            + i128::from(self.prefix[w + rem] - self.prefix[w])
    }
}

/// A team's opening hours: a time zone, versions of weekly hours with their effective dates,
/// and holidays. Build one with [`Schedule::new`] (or deserialise it: it reads and writes the
/// [`ScheduleConfig`] shape). See the [module docs](super) for the definitions.
#[derive(Clone)]
pub struct Schedule {
    config: ScheduleConfig,
    tz: TimeZone,
    offsets: Offsets,
    versions: Vec<Version>,
    /// Epoch days on which a holiday changes the hours, sorted.
    special_days: Vec<i64>,
    /// The open ranges left on each of `special_days` (same layout as `Version::week`).
    special_open: Vec<Vec<(i64, i64)>>,
    /// `lost_prefix[i]` = ns of opening hours taken away by `special_days[..i]`.
    lost_prefix: Vec<i128>,
    /// Absolute closures `[start, end)` in ns, sorted, merged.
    spans: Vec<(i128, i128)>,
    /// Open at every instant (24/7 without holidays): business time is calendar time.
    always: bool,
}

impl fmt::Debug for Schedule {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.debug_struct("Schedule")
            .field("config", &self.config)
            .finish_non_exhaustive()
    }
}

impl PartialEq for Schedule {
    fn eq(&self, other: &Self) -> bool {
        self.config == other.config
    }
}

impl Eq for Schedule {}

fn sum(ranges: &[(i64, i64)]) -> i64 {
    ranges.iter().map(|(s, e)| e - s).sum()
}

/// `ranges` (sorted, disjoint) minus `closed` (any order, may overlap).
fn subtract(ranges: &[(i64, i64)], closed: &[(i64, i64)]) -> Vec<(i64, i64)> {
    let mut out = ranges.to_vec();
    for &(cs, ce) in closed {
        out = out
            .into_iter()
            .flat_map(|(s, e)| {
                let left = (s, e.min(cs));
                let right = (s.max(ce), e);
                [left, right].into_iter().filter(|(a, b)| a < b)
            })
            .collect();
    }
    out
}

/// Compile one version's weekly hours, reporting unknown weekdays and overlaps.
fn compile_week(
    index: usize,
    version: &VersionConfig,
    problems: &mut Vec<Problem>,
) -> [Vec<(i64, i64)>; 7] {
    // Pieces per weekday: (start s, end s, label of the range it comes from).
    let mut pieces: [Vec<(u32, u32, String)>; 7] = Default::default();
    let mut seen: [Option<&str>; 7] = [None; 7];
    for (key, ranges) in &version.hours {
        let field = format!("versions[{index}].hours.{key}");
        let Some(day) = parse_weekday(key) else {
            problems.push(Problem {
                field,
                reason: format!(
                    "`{key}` is not a weekday; use mon, tue, wed, thu, fri, sat, sun (or the full \
                     English names)"
                ),
            });
            continue;
        };
        if let Some(other) = seen[day] {
            problems.push(Problem {
                field,
                reason: format!("the same weekday as `{other}`; list its ranges once"),
            });
            continue;
        }
        seen[day] = Some(key);
        for (j, range) in ranges.iter().enumerate() {
            let label = format!("{field}[{j}] ({range})");
            let (own, next) = range.pieces();
            pieces[day].push((own.0, own.1, label.clone()));
            if let Some(next) = next {
                pieces[(day + 1) % 7].push((next.0, next.1, label));
            }
        }
    }
    let mut week: [Vec<(i64, i64)>; 7] = Default::default();
    for (day, list) in pieces.iter_mut().enumerate() {
        list.sort_by_key(|p| (p.0, p.1));
        let mut merged: Vec<(i64, i64)> = Vec::new();
        let mut last: Option<&(u32, u32, String)> = None;
        for piece in list.iter() {
            if let Some(prev) = last
                && piece.0 < prev.1
            {
                // Name the range listed later; the reason names the other one and the day.
                let (a, b) = if prev.2 <= piece.2 {
                    (&piece.2, &prev.2)
                } else {
                    (&prev.2, &piece.2)
                };
                let (field, range) = a.split_once(' ').unwrap_or((a, ""));
                const DAYS: [&str; 7] = [
                    "Monday",
                    "Tuesday",
                    "Wednesday",
                    "Thursday",
                    "Friday",
                    "Saturday",
                    "Sunday",
                ];
                problems.push(Problem {
                    field: field.to_string(),
                    reason: format!(
                        "{range} overlaps {b} on {} ({} and {})",
                        DAYS[day],
                        clock_range(prev.0, prev.1),
                        clock_range(piece.0, piece.1),
                    ),
                });
            }
            if last.is_none_or(|prev| piece.1 > prev.1) {
                last = Some(piece);
            }
            let (s, e) = (
                i64::from(piece.0) * 1_000_000_000,
                i64::from(piece.1) * 1_000_000_000,
            );
            match merged.last_mut() {
                Some(m) if s <= m.1 => m.1 = m.1.max(e),
                _ => merged.push((s, e)),
            }
        }
        week[day] = merged;
    }
    week
}

fn clock_range(s: u32, e: u32) -> String {
    let c = |x: u32| format!("{:02}:{:02}", x / 3600, x / 60 % 60);
    format!("{}-{}", c(s), c(e))
}

impl Schedule {
    /// Validate `config` and compile it. Every problem is reported, each naming its field
    /// (`time_zone`, `versions[1].effective_from`, `versions[0].hours.fri[1]`, `holidays[3].end`).
    pub fn new(config: ScheduleConfig) -> Result<Self, ScheduleError> {
        let mut problems = Vec::new();
        let mut push = |field: String, reason: String| problems.push(Problem { field, reason });

        let tz = match TimeZone::get(config.time_zone.trim()) {
            Ok(tz) => Some(tz),
            Err(e) => {
                push(
                    "time_zone".into(),
                    format!(
                        "`{}` is not an IANA time zone name such as Asia/Ho_Chi_Minh or \
                         Europe/Berlin ({e})",
                        config.time_zone
                    ),
                );
                None
            }
        };
        if config.versions.is_empty() {
            push(
                "versions".into(),
                "a schedule needs at least one version of weekly hours (for 24/7 give every day \
                 00:00-24:00)"
                    .into(),
            );
        }
        let mut undated: Option<usize> = None;
        let mut dated: BTreeMap<jiff::civil::Date, usize> = BTreeMap::new();
        for (i, v) in config.versions.iter().enumerate() {
            match v.effective_from {
                None => match undated {
                    Some(first) => push(
                        format!("versions[{i}].effective_from"),
                        format!(
                            "missing; only one version may leave it out (versions[{first}] \
                             already does: it is the one in force before every dated version)"
                        ),
                    ),
                    None => undated = Some(i),
                },
                Some(date) => {
                    if let Some(other) = dated.insert(date, i) {
                        push(
                            format!("versions[{i}].effective_from"),
                            format!("{date} is also the effective date of versions[{other}]"),
                        );
                    }
                }
            }
        }
        for (i, h) in config.holidays.iter().enumerate() {
            for (field, reason) in h.problems() {
                push(format!("holidays[{i}].{field}"), reason);
            }
        }
        let weeks: Vec<_> = config
            .versions
            .iter()
            .enumerate()
            .map(|(i, v)| compile_week(i, v, &mut problems))
            .collect();
        if !problems.is_empty() {
            return Err(ScheduleError { problems });
        }
        let tz = tz.expect("checked above");

        // Versions in effective order; the undated one (or else the earliest) from −∞.
        let mut order: Vec<(i64, usize)> = config
            .versions
            .iter()
            .enumerate()
            .map(|(i, v)| (v.effective_from.map_or(i64::MIN, epoch_day), i))
            .collect();
        order.sort();
        let versions: Vec<Version> = order
            .iter()
            .enumerate()
            .map(|(k, &(day, i))| {
                let week = weeks[i].clone();
                let totals: Vec<i64> = week.iter().map(|r| sum(r)).collect();
                let mut prefix = [0i64; 15];
                for j in 1..15 {
                    prefix[j] = prefix[j - 1] + totals[(j - 1) % 7];
                }
                Version {
                    first_day: if k == 0 { i64::MIN } else { day },
                    week,
                    prefix,
                    weekly: prefix[7],
                }
            })
            .collect();

        // Holidays: closed ns ranges per local day, and absolute spans.
        let mut closed: BTreeMap<i64, Vec<(i64, i64)>> = BTreeMap::new();
        let mut spans: Vec<(i128, i128)> = Vec::new();
        for h in &config.holidays {
            let years = match h.repeat {
                Repeat::Once => 0..=0,
                Repeat::Yearly { until } => {
                    let last = until.map_or(YEARLY_HOLIDAYS_THROUGH_YEAR, |u| {
                        u.year().min(YEARLY_HOLIDAYS_THROUGH_YEAR)
                    });
                    0..=(last - h.first_date().year()).max(0)
                }
            };
            for k in years {
                let shift = |d: jiff::civil::Date| -> Option<jiff::civil::Date> {
                    if k == 0 {
                        return Some(d);
                    }
                    // The same month and day k years later; a 29 February exists in leap
                    // years only (RFC 5545 skips such occurrences too).
                    let shifted = jiff::civil::Date::new(d.year() + k, d.month(), d.day()).ok()?;
                    match h.repeat {
                        Repeat::Yearly { until: Some(u) } if shifted > u => None,
                        _ => Some(shifted),
                    }
                };
                match h.closure {
                    Closure::Days { first, last } => {
                        let Some(start) = shift(first) else { continue };
                        let start = epoch_day(start);
                        let len = epoch_day(last) - epoch_day(first);
                        for d in start..=start + len {
                            closed.entry(d).or_default().push((0, DAY_NS));
                        }
                    }
                    Closure::Hours {
                        date,
                        closed: range,
                    } => {
                        let Some(date) = shift(date) else { continue };
                        let day = epoch_day(date);
                        let (own, next) = range.pieces();
                        let ns = |x: u32| i64::from(x) * 1_000_000_000;
                        closed.entry(day).or_default().push((ns(own.0), ns(own.1)));
                        if let Some(next) = next {
                            closed
                                .entry(day + 1)
                                .or_default()
                                .push((ns(next.0), ns(next.1)));
                        }
                    }
                    Closure::Span { start, end } => {
                        spans.push((start.as_nanosecond(), end.as_nanosecond()));
                    }
                }
            }
        }
        spans.sort();
        let mut merged: Vec<(i128, i128)> = Vec::new();
        for (s, e) in spans {
            match merged.last_mut() {
                Some(m) if s <= m.1 => m.1 = m.1.max(e),
                _ => merged.push((s, e)),
            }
        }

        let mut schedule = Schedule {
            offsets: Offsets::new(&tz),
            tz,
            versions,
            special_days: Vec::new(),
            special_open: Vec::new(),
            lost_prefix: vec![0],
            spans: merged,
            always: false,
            config,
        };
        let mut lost_total: i128 = 0;
        for (day, closures) in closed {
            let base = &schedule.version_for(day).week[weekday_of(day)];
            let open = subtract(base, &closures);
            let lost = sum(base) - sum(&open);
            if lost > 0 {
                lost_total += i128::from(lost);
                schedule.special_days.push(day);
                schedule.special_open.push(open);
                schedule.lost_prefix.push(lost_total);
            }
        }
        schedule.always = schedule.versions.iter().all(|v| v.weekly == 7 * DAY_NS)
            && schedule.special_days.is_empty()
            && schedule.spans.is_empty();
        Ok(schedule)
    }

    /// Read a schedule from its JSON configuration; errors name the JSON path and the reason.
    pub fn from_json(text: &str) -> Result<Self, ScheduleError> {
        let de = &mut serde_json::Deserializer::from_str(text);
        let config: ScheduleConfig = serde_path_to_error::deserialize(de).map_err(|e| {
            let path = e.path().to_string();
            let field = if path == "." { "schedule".into() } else { path };
            ScheduleError::one(field, e.into_inner().to_string())
        })?;
        Self::new(config)
    }

    /// Open at every instant, in UTC, without holidays: business time is calendar time.
    pub fn always_open() -> Self {
        let all: Vec<(&str, &str)> = ["mon", "tue", "wed", "thu", "fri", "sat", "sun"]
            .into_iter()
            .map(|d| (d, "00:00-24:00"))
            .collect();
        Self::new(ScheduleConfig {
            time_zone: "UTC".into(),
            versions: vec![VersionConfig::from_pairs(None, &all)],
            holidays: Vec::new(),
        })
        .expect("the 24/7 schedule is valid")
    }

    /// The configuration this schedule was built from (what it serialises to).
    pub fn config(&self) -> &ScheduleConfig {
        &self.config
    }

    /// The schedule's time zone.
    pub fn time_zone(&self) -> &TimeZone {
        &self.tz
    }

    /// Whether the schedule is open at every instant (business time is calendar time).
    pub fn is_always_open(&self) -> bool {
        self.always
    }

    /// Business time between `from` and `to`: the length of the overlap of `[from, to)` with
    /// the open set (see the module docs), zero when `to <= from`.
    ///
    /// Formula: `Σ over the pieces [a, b) of [from, to) with one UTC offset o of
    /// G(b + o) − G(a + o)`, minus the same for the parts of absolute closures inside
    /// `[from, to)`, where `G(c)` is the open wall-clock time before local time `c`.
    ///
    /// Cost: O(T · (log V + log H) + S) — T offset changes (daylight-saving transitions) inside
    /// the range, V schedule versions, H holiday days, S absolute closures overlapping the range
    /// — whatever the length of the range: whole weeks are multiplied, not walked.
    pub fn business_duration(&self, from: Timestamp, to: Timestamp) -> SignedDuration {
        if to <= from {
            return SignedDuration::ZERO;
        }
        if self.always {
            return to.duration_since(from);
        }
        SignedDuration::from_nanos_i128(self.measure(from.as_nanosecond(), to.as_nanosecond()))
    }

    /// The instant at which `duration` of business time has elapsed after `from`: the earliest
    /// `t` with `business_duration(from, t) == duration` (so a due time that falls exactly at
    /// closing time is the closing instant, not the next opening). `from` itself for a zero or
    /// negative duration. `None` when the schedule does not open for that long within
    /// [`HORIZON`] (two years) after `from`; a 24/7 schedule has no horizon (`None` only past
    /// the end of representable time).
    ///
    /// Cost: like [`business_duration`](Self::business_duration) over `[from, result)`, plus a
    /// binary search over whole days, O(log days · (V + log H)).
    pub fn add_business(&self, from: Timestamp, duration: SignedDuration) -> Option<Timestamp> {
        let r = duration.as_nanos();
        if r <= 0 {
            return Some(from);
        }
        if self.always {
            return from.checked_add(duration).ok();
        }
        let a = from.as_nanosecond();
        let limit = (a + HORIZON.as_nanos()).min(Timestamp::MAX.as_nanosecond());
        self.advance(a, r, limit).map(timestamp)
    }

    /// Whether the schedule is open at `at` (openings include their start, exclude their end).
    pub fn is_open(&self, at: Timestamp) -> bool {
        if self.always {
            return true;
        }
        let a = at.as_nanosecond();
        self.measure(a, a + 1) == 1
    }

    /// The first instant at or after `at` at which the schedule is open: `at` itself when it is
    /// open, else the next opening. `None` if it does not open within [`HORIZON`].
    pub fn next_open(&self, at: Timestamp) -> Option<Timestamp> {
        if self.always {
            return Some(at);
        }
        let a = at.as_nanosecond();
        let limit = (a + HORIZON.as_nanos()).min(Timestamp::MAX.as_nanosecond());
        // The earliest t with one nanosecond of business time in [at, t) is one nanosecond after
        // the first open instant: all boundaries are whole nanoseconds.
        self.advance(a, 1, limit).map(|t| timestamp(t - 1))
    }

    /// The same schedule with the 24/7 shortcut off, so tests exercise the general path.
    #[cfg(test)]
    pub(crate) fn without_shortcut(mut self) -> Self {
        self.always = false;
        self
    }

    // ---- internals -------------------------------------------------------------------------

    #[inline]
    fn version_index(&self, day: i64) -> usize {
        self.versions.partition_point(|v| v.first_day <= day) - 1
    }

    #[inline]
    fn version_for(&self, day: i64) -> &Version {
        &self.versions[self.version_index(day)]
    }

    /// The open ranges (ns after local midnight) on local day `day`.
    #[inline]
    fn day_ranges(&self, day: i64) -> &[(i64, i64)] {
        match self.special_days.binary_search(&day) {
            Ok(i) => &self.special_open[i],
            Err(_) => &self.version_for(day).week[weekday_of(day)],
        }
    }

    /// Open ns on local day `day` within `[lo, hi)` ns after its midnight.
    #[inline]
    fn open_in_day(&self, day: i64, lo: i64, hi: i64) -> i64 {
        let mut total = 0;
        for &(s, e) in self.day_ranges(day) {
            if s >= hi {
                break;
            }
            let (s, e) = (s.max(lo), e.min(hi));
            if e > s {
                total += e - s;
            }
        }
        total
    }

    /// Open ns on the whole local days `[n1, n2)`.
    fn days_total(&self, n1: i64, n2: i64) -> i128 {
        if n2 <= n1 {
            return 0;
        }
        let mut total = 0i128;
        let mut i = self.version_index(n1);
        loop {
            let v = &self.versions[i];
            let next = self.versions.get(i + 1).map_or(i64::MAX, |v| v.first_day);
            let (a, b) = (n1.max(v.first_day), n2.min(next));
            total += v.periodic_sum(a, b);
            if next >= n2 {
                break;
            }
            i += 1;
        }
        let lo = self.special_days.partition_point(|&d| d < n1);
        let hi = self.special_days.partition_point(|&d| d < n2);
        total - (self.lost_prefix[hi] - self.lost_prefix[lo])
    }

    /// `G(c2) − G(c1)`: open wall-clock ns in the civil range `[c1, c2)`.
    fn civil_measure(&self, c1: i128, c2: i128) -> i128 {
        if c2 <= c1 {
            return 0;
        }
        let (d1, r1) = split(c1);
        let (d2, r2) = split(c2);
        if d1 == d2 {
            return i128::from(self.open_in_day(d1, r1, r2));
        }
        i128::from(self.open_in_day(d1, r1, DAY_NS))
            + self.days_total(d1 + 1, d2)
            + i128::from(self.open_in_day(d2, 0, r2))
    }

    /// The earliest civil `c` with `civil_measure(c1, c) == r`, given `0 < r` and that such a `c`
    /// exists at a finite distance.
    fn civil_advance(&self, c1: i128, r: i128) -> i128 {
        let (d, lo) = split(c1);
        let first = i128::from(self.open_in_day(d, lo, DAY_NS));
        if first >= r {
            return civil(d, self.solve_in_day(d, lo, r));
        }
        let r = r - first;
        let n = d + 1;
        // Smallest k ≥ 1 with days_total(n, n + k) ≥ r: double, then bisect.
        let mut hi = 1i64;
        while self.days_total(n, n + hi) < r {
            hi *= 2;
        }
        let mut lo_k = hi / 2; // days_total(n, n + lo_k) < r (or lo_k == 0)
        while hi - lo_k > 1 {
            let mid = lo_k + (hi - lo_k) / 2;
            if self.days_total(n, n + mid) >= r {
                hi = mid;
            } else {
                lo_k = mid;
            }
        }
        let m = n + hi - 1;
        let r = r - self.days_total(n, m);
        civil(m, self.solve_in_day(m, 0, r))
    }

    /// Within local day `day`, the earliest offset after `lo` at which `r` ns of open time
    /// have elapsed (`r` no more than what is open there).
    fn solve_in_day(&self, day: i64, lo: i64, r: i128) -> i64 {
        let mut r = r;
        for &(s, e) in self.day_ranges(day) {
            let s = s.max(lo);
            if e <= s {
                continue;
            }
            let len = i128::from(e - s);
            if len >= r {
                return s + r as i64;
            }
            r -= len;
        }
        unreachable!("solve_in_day asked for more than the day holds")
    }

    /// Open ns in the instant range `[a, b)`, ignoring absolute closures.
    fn wall_measure(&self, a: i128, b: i128) -> i128 {
        let mut total = 0;
        let mut t = a;
        while t < b {
            let (offset, until) = self.offsets.at(t);
            let end = b.min(until);
            total += self.civil_measure(t + offset, end + offset);
            t = end;
        }
        total
    }

    /// Business ns in the instant range `[a, b)`.
    fn measure(&self, a: i128, b: i128) -> i128 {
        let mut total = self.wall_measure(a, b);
        let first = self.spans.partition_point(|&(_, e)| e <= a);
        for &(s, e) in &self.spans[first..] {
            if s >= b {
                break;
            }
            total -= self.wall_measure(s.max(a), e.min(b));
        }
        total
    }

    /// The earliest instant `t ≤ limit` with `measure(a, t) == r` (`r > 0`), if any.
    fn advance(&self, a: i128, r: i128, limit: i128) -> Option<i128> {
        let mut r = r;
        let mut t = a;
        let mut si = self.spans.partition_point(|&(_, e)| e <= t);
        while t < limit {
            if let Some(&(s, e)) = self.spans.get(si)
                && s <= t
            {
                t = e.min(limit);
                si += 1;
                continue;
            }
            let (offset, until) = self.offsets.at(t);
            let mut end = until.min(limit);
            if let Some(&(s, _)) = self.spans.get(si) {
                end = end.min(s);
            }
            let m = self.civil_measure(t + offset, end + offset);
            if m >= r {
                return Some(self.civil_advance(t + offset, r) - offset);
            }
            r -= m;
            t = end;
        }
        None
    }
}

/// Local day and ns after its midnight of a civil instant.
#[inline]
fn split(c: i128) -> (i64, i64) {
    let day = c.div_euclid(i128::from(DAY_NS));
    (day as i64, (c - day * i128::from(DAY_NS)) as i64)
}

#[inline]
fn civil(day: i64, ns: i64) -> i128 {
    i128::from(day) * i128::from(DAY_NS) + i128::from(ns)
}

/// The schedule as the clock of the per-case facts and SLA policies.
impl crate::working_time::WorkingTime for Schedule {
    fn business_duration(&self, from: Timestamp, to: Timestamp) -> SignedDuration {
        Schedule::business_duration(self, from, to)
    }

    fn add_business(&self, from: Timestamp, d: SignedDuration) -> Option<Timestamp> {
        Schedule::add_business(self, from, d)
    }
}

impl serde::Serialize for Schedule {
    fn serialize<S: serde::Serializer>(&self, serializer: S) -> Result<S::Ok, S::Error> {
        self.config.serialize(serializer)
    }
}

impl<'de> serde::Deserialize<'de> for Schedule {
    fn deserialize<D: serde::Deserializer<'de>>(deserializer: D) -> Result<Self, D::Error> {
        let config = ScheduleConfig::deserialize(deserializer)?;
        Schedule::new(config).map_err(serde::de::Error::custom)
    }
}
