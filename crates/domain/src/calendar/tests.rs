//! Worked examples (computed by hand in the comments), anchors against a public business-time
//! library's test suite, validation messages, and property tests against an independent,
//! minute-by-minute oracle.

use jiff::tz::TimeZone;
use jiff::{SignedDuration, Timestamp};
use proptest::prelude::*;

use super::*;
use crate::calendar::config::parse_weekday;

fn ts(text: &str) -> Timestamp {
    text.parse()
        .unwrap_or_else(|e| panic!("{text} is not a timestamp: {e}"))
}

fn hours(h: f64) -> SignedDuration {
    SignedDuration::from_secs_f64(h * 3600.0)
}

fn schedule(json: &str) -> Schedule {
    Schedule::from_json(json).unwrap_or_else(|e| panic!("{e}"))
}

/// Mon–Fri 09:00–17:00 in Asia/Ho_Chi_Minh (UTC+7 all year), plus `holidays` (a JSON array).
fn office_vn(holidays: &str) -> Schedule {
    schedule(&format!(
        r#"{{"time_zone": "Asia/Ho_Chi_Minh",
            "versions": [{{"hours": {{"mon": ["09:00-17:00"], "tue": ["09:00-17:00"],
              "wed": ["09:00-17:00"], "thu": ["09:00-17:00"], "fri": ["09:00-17:00"]}}}}],
            "holidays": {holidays}}}"#
    ))
}

/// Every night 22:00–06:00 in `zone`.
fn nights(zone: &str) -> Schedule {
    let all = ["mon", "tue", "wed", "thu", "fri", "sat", "sun"]
        .map(|d| format!(r#""{d}": ["22:00-06:00"]"#))
        .join(",");
    schedule(&format!(
        r#"{{"time_zone": "{zone}", "versions": [{{"hours": {{{all}}}}}]}}"#
    ))
}

// ---- worked examples ----------------------------------------------------------------------

#[test]
fn friday_afternoon_to_monday_morning() {
    let s = office_vn("[]");
    // 2026-03-06 is a Friday. Fri 16:00–17:00 = 1 h; Saturday, Sunday closed; Mon 09:00–10:00
    // = 1 h. Total 2 h (calendar: 66 h).
    let (from, to) = (
        ts("2026-03-06T16:00:00+07:00"),
        ts("2026-03-09T10:00:00+07:00"),
    );
    assert_eq!(s.business_duration(from, to), hours(2.0));
    assert_eq!(s.add_business(from, hours(2.0)), Some(to));
    // Empty and reversed ranges are zero.
    assert_eq!(s.business_duration(to, from), SignedDuration::ZERO);
    assert_eq!(s.business_duration(from, from), SignedDuration::ZERO);
    // Entirely inside the weekend: zero.
    let sat = ts("2026-03-07T10:00:00+07:00");
    assert_eq!(
        s.business_duration(sat, ts("2026-03-08T23:00:00+07:00")),
        SignedDuration::ZERO
    );
    // One full week Mon 00:00 → next Mon 00:00: 5 × 8 h = 40 h.
    assert_eq!(
        s.business_duration(
            ts("2026-03-02T00:00:00+07:00"),
            ts("2026-03-09T00:00:00+07:00")
        ),
        hours(40.0)
    );
}

#[test]
fn a_holiday_in_between() {
    // Monday 2026-03-09 is a holiday: Fri 16:00–17:00 = 1 h, Mon 0 h, Tue 09:00–10:00 = 1 h.
    // Zendesk: holidays "will be treated as outside of business hours and not count toward any
    // metrics you measure in business hours" (Zendesk help, Setting your schedule with business
    // hours and holidays).
    let s = office_vn(r#"[{"name": "Day off", "date": "2026-03-09"}]"#);
    let fri = ts("2026-03-06T16:00:00+07:00");
    assert_eq!(
        s.business_duration(fri, ts("2026-03-10T10:00:00+07:00")),
        hours(2.0)
    );
    assert_eq!(
        s.business_duration(fri, ts("2026-03-09T10:00:00+07:00")),
        hours(1.0)
    );
    assert_eq!(
        s.add_business(fri, hours(2.0)),
        Some(ts("2026-03-10T10:00:00+07:00"))
    );
    // A reply on the holiday itself is measured up to the holiday: nothing of Monday counts.
    assert_eq!(
        s.business_duration(
            ts("2026-03-09T08:00:00+07:00"),
            ts("2026-03-09T15:00:00+07:00")
        ),
        SignedDuration::ZERO
    );
    assert!(!s.is_open(ts("2026-03-09T10:00:00+07:00")));
    assert_eq!(
        s.next_open(ts("2026-03-06T17:00:00+07:00")),
        Some(ts("2026-03-10T09:00:00+07:00"))
    );
}

#[test]
fn several_day_part_day_and_absolute_closures() {
    let s = office_vn(
        r#"[{"name": "Tết", "first_day": "2026-02-16", "last_day": "2026-02-20"},
            {"name": "Tất niên", "date": "2026-02-13", "closed": "14:00-24:00"},
            {"name": "Maintenance", "start": "2026-03-02T02:00:00Z", "end": "2026-03-02T03:30:00Z"}]"#,
    );
    // Fri 13 Feb 10:00 → Mon 23 Feb 10:00: Fri 10:00–14:00 = 4 h (closed from 14:00); the Tết
    // week 16–20 closed; Mon 23 09:00–10:00 = 1 h. Total 5 h.
    assert_eq!(
        s.business_duration(
            ts("2026-02-13T10:00:00+07:00"),
            ts("2026-02-23T10:00:00+07:00")
        ),
        hours(5.0)
    );
    // Mon 2 Mar: closed 09:00–10:30 local (02:00–03:30Z), open 10:30–17:00 = 6.5 h.
    assert_eq!(
        s.business_duration(
            ts("2026-03-02T00:00:00+07:00"),
            ts("2026-03-03T00:00:00+07:00")
        ),
        hours(6.5)
    );
    assert_eq!(
        s.next_open(ts("2026-03-02T09:15:00+07:00")),
        Some(ts("2026-03-02T10:30:00+07:00"))
    );
    assert_eq!(
        s.add_business(ts("2026-02-27T16:30:00+07:00"), hours(1.0)),
        Some(ts("2026-03-02T11:00:00+07:00"))
    );
}

#[test]
fn overnight_interval_across_midnight() {
    let s = schedule(
        r#"{"time_zone": "Asia/Ho_Chi_Minh", "versions": [{"hours": {"fri": ["22:00-06:00"]}}]}"#,
    );
    // Friday 2026-03-06 22:00 → Saturday 06:00 is open.
    // Fri 23:00 → Sat 05:00: 6 h.
    assert_eq!(
        s.business_duration(
            ts("2026-03-06T23:00:00+07:00"),
            ts("2026-03-07T05:00:00+07:00")
        ),
        hours(6.0)
    );
    // Fri 20:00 → Sat 12:00: 22:00–24:00 (2 h) + 00:00–06:00 (6 h) = 8 h.
    let (from, to) = (
        ts("2026-03-06T20:00:00+07:00"),
        ts("2026-03-07T12:00:00+07:00"),
    );
    assert_eq!(s.business_duration(from, to), hours(8.0));
    // 3 h after Fri 20:00: 22:00 + 3 h = Sat 01:00.
    assert_eq!(
        s.add_business(from, hours(3.0)),
        Some(ts("2026-03-07T01:00:00+07:00"))
    );
    assert!(s.is_open(ts("2026-03-07T00:00:00+07:00")));
    assert!(!s.is_open(ts("2026-03-07T06:00:00+07:00")));

    // A holiday closes its own local day only: with Friday a holiday only Saturday's 00:00–06:00
    // remains (6 h); with Saturday a holiday only Friday's 22:00–24:00 (2 h).
    for (day, want) in [("2026-03-06", 6.0), ("2026-03-07", 2.0)] {
        let s = schedule(&format!(
            r#"{{"time_zone": "Asia/Ho_Chi_Minh", "versions": [{{"hours": {{"fri": ["22:00-06:00"]}}}}],
                "holidays": [{{"name": "h", "date": "{day}"}}]}}"#
        ));
        assert_eq!(s.business_duration(from, to), hours(want), "holiday {day}");
    }
}

#[test]
fn berlin_overnight_across_daylight_saving_changes() {
    let s = nights("Europe/Berlin");
    // Night of 28→29 March 2026: clocks jump from 02:00 (+01:00) to 03:00 (+02:00).
    // 22:00+01:00 = 21:00Z, 06:00+02:00 = 04:00Z: 7 h.
    let (from, to) = (
        ts("2026-03-28T12:00:00+01:00"),
        ts("2026-03-29T12:00:00+02:00"),
    );
    assert_eq!(s.business_duration(from, to), hours(7.0));
    assert_eq!(to.duration_since(from), hours(23.0));
    assert_eq!(
        s.add_business(from, hours(7.0)),
        Some(ts("2026-03-29T06:00:00+02:00"))
    );
    // 5 h after 22:00: 22:00–02:00 on the +01:00 clock is 4 h, then 03:00+02:00 + 1 h = 04:00.
    assert_eq!(
        s.add_business(ts("2026-03-28T22:00:00+01:00"), hours(5.0)),
        Some(ts("2026-03-29T04:00:00+02:00"))
    );
    // Night of 24→25 October 2026: clocks go back from 03:00 (+02:00) to 02:00 (+01:00).
    // 22:00+02:00 = 20:00Z, 06:00+01:00 = 05:00Z: 9 h.
    let (from, to) = (
        ts("2026-10-24T12:00:00+02:00"),
        ts("2026-10-25T12:00:00+01:00"),
    );
    assert_eq!(s.business_duration(from, to), hours(9.0));
    assert_eq!(
        s.add_business(from, hours(9.0)),
        Some(ts("2026-10-25T06:00:00+01:00"))
    );
    // 5 h after 22:00+02:00 (20:00Z) is 01:00Z, the instant the clocks go back.
    assert_eq!(
        s.add_business(ts("2026-10-24T22:00:00+02:00"), hours(5.0)),
        Some(ts("2026-10-25T01:00:00Z"))
    );
    // An ordinary night: 8 h.
    assert_eq!(
        s.business_duration(
            ts("2026-03-21T12:00:00+01:00"),
            ts("2026-03-22T12:00:00+01:00")
        ),
        hours(8.0)
    );
}

#[test]
fn new_york_overnight_across_daylight_saving_changes() {
    let s = nights("America/New_York");
    // 7→8 March 2026: 02:00 EST → 03:00 EDT. 22:00−05:00 = 03:00Z, 06:00−04:00 = 10:00Z: 7 h.
    assert_eq!(
        s.business_duration(
            ts("2026-03-07T12:00:00-05:00"),
            ts("2026-03-08T12:00:00-04:00")
        ),
        hours(7.0)
    );
    // 31 Oct → 1 Nov 2026: 02:00 EDT → 01:00 EST. 22:00−04:00 = 02:00Z, 06:00−05:00 = 11:00Z: 9 h.
    let (from, to) = (
        ts("2026-10-31T12:00:00-04:00"),
        ts("2026-11-01T12:00:00-05:00"),
    );
    assert_eq!(s.business_duration(from, to), hours(9.0));
    assert_eq!(
        s.add_business(from, hours(9.0)),
        Some(ts("2026-11-01T06:00:00-05:00"))
    );
    assert_eq!(
        s.add_business(from, hours(8.5)),
        Some(ts("2026-11-01T05:30:00-05:00"))
    );
}

#[test]
fn twenty_four_seven_in_a_daylight_saving_zone_is_calendar_time() {
    let all = ["mon", "tue", "wed", "thu", "fri", "sat", "sun"]
        .map(|d| format!(r#""{d}": ["00:00-24:00"]"#))
        .join(",");
    let s = schedule(&format!(
        r#"{{"time_zone": "Europe/Berlin", "versions": [{{"hours": {{{all}}}}}]}}"#
    ))
    .without_shortcut();
    // 29 March 2026 lasts 23 h in Berlin, 25 October 25 h.
    for (a, b, h) in [
        (
            "2026-03-29T00:00:00+01:00",
            "2026-03-30T00:00:00+02:00",
            23.0,
        ),
        (
            "2026-10-25T00:00:00+02:00",
            "2026-10-26T00:00:00+01:00",
            25.0,
        ),
    ] {
        assert_eq!(s.business_duration(ts(a), ts(b)), hours(h));
        assert_eq!(s.add_business(ts(a), hours(h)), Some(ts(b)));
    }
}

#[test]
fn an_opening_hour_that_the_clock_skips() {
    // Anchor: zendesk/biz spec/periods/after_spec.rb, "when an empty interval is generated":
    // hours sun 02:30–03:15 in America/Los_Angeles, and 2 April 2006 is the spring-forward day
    // (02:00 → 03:00). biz drops the whole interval (it reads the non-existent 02:30 as 03:30,
    // after 03:15). We differ on purpose: "open" is read off the wall clock, and the clock does
    // show 03:00–03:15 that night, so 15 minutes are open.
    let s = schedule(
        r#"{"time_zone": "America/Los_Angeles",
            "versions": [{"hours": {"sun": ["02:30-03:15"], "mon": ["09:00-17:00"]}}]}"#,
    );
    let day = (
        ts("2006-04-02T00:00:00-08:00"),
        ts("2006-04-03T00:00:00-07:00"),
    );
    assert_eq!(
        s.business_duration(day.0, day.1),
        SignedDuration::from_mins(15)
    );
    assert_eq!(s.next_open(day.0), Some(ts("2006-04-02T03:00:00-07:00")));
    // On an ordinary Sunday it is 45 minutes.
    assert_eq!(
        s.business_duration(
            ts("2006-04-09T00:00:00-07:00"),
            ts("2006-04-10T00:00:00-07:00")
        ),
        SignedDuration::from_mins(45)
    );
}

#[test]
fn a_version_change_mid_range() {
    // Mon–Fri 09–17 until Tuesday 3 March 2026; from Wednesday 4 March Mon–Fri 08–12.
    let s = schedule(
        r#"{"time_zone": "Asia/Ho_Chi_Minh", "versions": [
            {"hours": {"mon": ["09:00-17:00"], "tue": ["09:00-17:00"], "wed": ["09:00-17:00"],
                       "thu": ["09:00-17:00"], "fri": ["09:00-17:00"]}},
            {"effective_from": "2026-03-04",
             "hours": {"mon": ["08:00-12:00"], "tue": ["08:00-12:00"], "wed": ["08:00-12:00"],
                       "thu": ["08:00-12:00"], "fri": ["08:00-12:00"]}}]}"#,
    );
    // Mon 2 Mar 00:00 → Sat 7 Mar 00:00: Mon 8 + Tue 8 (old hours) + Wed 4 + Thu 4 + Fri 4
    // (new hours) = 28 h. Never retroactive: Monday and Tuesday keep their 8 h.
    let mon = ts("2026-03-02T00:00:00+07:00");
    assert_eq!(
        s.business_duration(mon, ts("2026-03-07T00:00:00+07:00")),
        hours(28.0)
    );
    // 20 h after Mon 09:00: Mon 8 + Tue 8 = 16, then Wed 08:00 + 4 h = Wed 12:00.
    let due = s.add_business(ts("2026-03-02T09:00:00+07:00"), hours(20.0));
    assert_eq!(due, Some(ts("2026-03-04T12:00:00+07:00")));
    // Before every effective date the undated version applies: a week in 2025 is 40 h.
    assert_eq!(
        s.business_duration(
            ts("2025-03-03T00:00:00+07:00"),
            ts("2025-03-10T00:00:00+07:00")
        ),
        hours(40.0)
    );
    // The order versions are written in does not matter.
    let mut config = s.config().clone();
    config.versions.reverse();
    let reversed = Schedule::new(config).unwrap();
    assert_eq!(
        reversed.business_duration(mon, ts("2026-03-07T00:00:00+07:00")),
        hours(28.0)
    );
}

#[test]
fn an_overnight_range_at_a_version_change() {
    // Fri 22:00–06:00 until Friday 6 March; from Saturday 7 March no hours at all. At Saturday
    // 03:00 the new version is in force and it is closed: Fri 20:00 → Sat 12:00 = 2 h.
    let s = schedule(
        r#"{"time_zone": "Asia/Ho_Chi_Minh", "versions": [
            {"hours": {"fri": ["22:00-06:00"]}},
            {"effective_from": "2026-03-07", "hours": {}}]}"#,
    );
    let from = ts("2026-03-06T20:00:00+07:00");
    assert_eq!(
        s.business_duration(from, ts("2026-03-07T12:00:00+07:00")),
        hours(2.0)
    );
    // And it never opens again.
    assert_eq!(s.add_business(from, hours(3.0)), None);
    assert_eq!(s.next_open(ts("2026-03-07T00:00:00+07:00")), None);
}

#[test]
fn due_times_round_trip_with_durations() {
    let s = office_vn(r#"[{"name": "Day off", "date": "2026-03-09"}]"#);
    let fri = ts("2026-03-06T16:00:00+07:00");
    // 1 h after Fri 16:00 is Fri 17:00 (closing time), not Mon 09:00.
    assert_eq!(
        s.add_business(fri, hours(1.0)),
        Some(ts("2026-03-06T17:00:00+07:00"))
    );
    // Zero (or negative) business time: the start itself.
    assert_eq!(s.add_business(fri, SignedDuration::ZERO), Some(fri));
    assert_eq!(s.add_business(fri, hours(-1.0)), Some(fri));
    // From a closed instant the clock starts at the next opening: Sat 10:00 + 1 h = Tue 10:00
    // (Monday is the holiday).
    assert_eq!(
        s.add_business(ts("2026-03-07T10:00:00+07:00"), hours(1.0)),
        Some(ts("2026-03-10T10:00:00+07:00"))
    );
    // 40 h after Fri 16:00: Fri 1, Tue–Fri 32 → 33, next Mon 7 h → Mon 16 March 16:00.
    let due = s.add_business(fri, hours(40.0)).unwrap();
    assert_eq!(due, ts("2026-03-16T16:00:00+07:00"));
    assert_eq!(s.business_duration(fri, due), hours(40.0));
    // Sub-second durations are exact.
    let d = SignedDuration::new(3 * 3600 + 17, 123_456_789);
    let due = s.add_business(fri, d).unwrap();
    assert_eq!(s.business_duration(fri, due), d);
}

#[test]
fn long_closures_are_jumped_and_the_horizon_is_two_years() {
    // Closed from Monday 5 Jan 2026 to Friday 31 Dec 2027 (a 726-day holiday).
    let s =
        office_vn(r#"[{"name": "Closed", "first_day": "2026-01-05", "last_day": "2027-12-31"}]"#);
    // Mon 2028-01-03 is the first day open again: 09:00 + 1 h = 10:00.
    let from = ts("2026-01-05T00:00:00+07:00");
    assert_eq!(
        s.add_business(from, hours(1.0)),
        Some(ts("2028-01-03T10:00:00+07:00"))
    );
    assert_eq!(s.next_open(from), Some(ts("2028-01-03T09:00:00+07:00")));
    // From Thu 1 Jan 2026 to 1 Jan 2028: Thu 1 + Fri 2 Jan 2026 = 16 h.
    assert_eq!(
        s.business_duration(
            ts("2026-01-01T00:00:00+07:00"),
            ts("2028-01-01T00:00:00+07:00")
        ),
        hours(16.0)
    );
    // From Fri 2 Jan 2026 17:00 the next opening, Mon 3 Jan 2028 09:00, is 730 days 16 h away:
    // within the horizon of 731 days.
    assert_eq!(
        s.next_open(ts("2026-01-02T17:00:00+07:00")),
        Some(ts("2028-01-03T09:00:00+07:00"))
    );
    // Closed one more week (to Fri 7 Jan 2028): the next opening, Mon 10 Jan 2028 09:00, is
    // 737 days 16 h away: past the horizon. From Mon 12 Jan 2026 it is 728 days 9 h away.
    let s =
        office_vn(r#"[{"name": "Closed", "first_day": "2026-01-05", "last_day": "2028-01-07"}]"#);
    assert_eq!(s.next_open(ts("2026-01-02T17:00:00+07:00")), None);
    assert_eq!(
        s.add_business(ts("2026-01-02T17:00:00+07:00"), hours(1.0)),
        None
    );
    assert_eq!(
        s.next_open(ts("2026-01-12T00:00:00+07:00")),
        Some(ts("2028-01-10T09:00:00+07:00"))
    );
}

#[test]
fn yearly_holidays() {
    let s = office_vn(
        r#"[{"name": "Giải phóng miền Nam", "date": "2026-04-30", "yearly": true},
            {"name": "Leap day", "date": "2024-02-29", "yearly": true, "until": "2032-12-31"}]"#,
    );
    // 30 April: Thursday in 2026, Friday in 2027, Monday in 2029; never before 2026.
    for (at, open) in [
        ("2025-04-30T10:00:00+07:00", true),
        ("2026-04-30T10:00:00+07:00", false),
        ("2027-04-30T10:00:00+07:00", false),
        ("2029-04-30T10:00:00+07:00", false),
        ("2029-05-01T10:00:00+07:00", true),
        // 29 February: a Thursday in 2024, Tuesday in 2028; 1 March 2027 (Monday) is open;
        // 29 February 2036 is after `until`.
        ("2024-02-29T10:00:00+07:00", false),
        ("2028-02-29T10:00:00+07:00", false),
        ("2027-03-01T10:00:00+07:00", true),
        ("2036-02-29T10:00:00+07:00", true),
    ] {
        assert_eq!(s.is_open(ts(at)), open, "{at}");
    }
}

#[test]
fn always_open_is_calendar_time() {
    let s = Schedule::always_open();
    let (a, b) = (ts("2026-03-29T00:00:00Z"), ts("2026-04-29T13:14:15.5Z"));
    assert_eq!(s.business_duration(a, b), b.duration_since(a));
    assert_eq!(s.add_business(a, b.duration_since(a)), Some(b));
    assert!(s.is_open(a));
    assert_eq!(s.next_open(a), Some(a));
    assert!(s.is_always_open());
    // A schedule without any hours is never open.
    let closed = schedule(r#"{"time_zone": "UTC", "versions": [{"hours": {}}]}"#);
    assert_eq!(closed.business_duration(a, b), SignedDuration::ZERO);
    assert_eq!(closed.add_business(a, hours(1.0)), None);
    assert_eq!(closed.next_open(a), None);
}

#[test]
fn serves_as_the_working_time_of_facts_and_slas() {
    use crate::working_time::{TimeBasis, WorkingTime};
    let s = office_vn("[]");
    let clock: &dyn WorkingTime = &s;
    let (from, to) = (
        ts("2026-03-06T16:00:00+07:00"),
        ts("2026-03-09T10:00:00+07:00"),
    );
    assert_eq!(TimeBasis::Business.measure(clock, from, to), hours(2.0));
    assert_eq!(TimeBasis::Business.add(clock, from, hours(2.0)), Some(to));
}

// ---- anchors: zendesk/biz's spec suite (Etc/UTC, the suite's default schedule) ------------

/// biz's spec default: mon 09–17, tue 10–16, wed 09–17, thu 10–16, fri 09–17, sat 11–14:30
/// (spec/support/time.rb), 39.5 h a week.
fn biz_default(holidays: &str) -> Schedule {
    schedule(&format!(
        r#"{{"time_zone": "Etc/UTC", "versions": [{{"hours": {{
            "mon": ["09:00-17:00"], "tue": ["10:00-16:00"], "wed": ["09:00-17:00"],
            "thu": ["10:00-16:00"], "fri": ["09:00-17:00"], "sat": ["11:00-14:30"]}}}}],
            "holidays": {holidays}}}"#
    ))
}

#[test]
fn biz_duration_within_and_for_duration() {
    let s = biz_default("[]");
    // spec/calculation/duration_within_spec.rb: 2006-01-01 → 2006-01-08 is 39.5 h; reversed
    // and empty ranges are zero.
    let (a, b) = (ts("2006-01-01T00:00:00Z"), ts("2006-01-08T00:00:00Z"));
    assert_eq!(s.business_duration(a, b), hours(39.5));
    assert_eq!(s.business_duration(b, a), SignedDuration::ZERO);
    assert_eq!(s.business_duration(a, a), SignedDuration::ZERO);
    // spec/calculation/for_duration_spec.rb: 19 h after 2006-01-02 11:00 is 2006-01-04 16:00
    // (Mon 11–17 = 6, Tue 10–16 = 6, Wed 09–16 = 7).
    assert_eq!(
        s.add_business(ts("2006-01-02T11:00:00Z"), hours(19.0)),
        Some(ts("2006-01-04T16:00:00Z"))
    );
}

#[test]
fn biz_periods_skip_holidays() {
    // spec/periods/after_spec.rb with holidays 2006-01-16 (Mon) and 2006-01-18 (Wed): after
    // 2006-01-14 the periods are Sat 14 11:00–14:30, Tue 17 10:00–16:00, Thu 19 10:00–16:00.
    let s = biz_default(r#"[{"date": "2006-01-16"}, {"date": "2006-01-18"}]"#);
    assert_eq!(
        s.next_open(ts("2006-01-14T00:00:00Z")),
        Some(ts("2006-01-14T11:00:00Z"))
    );
    assert_eq!(
        s.next_open(ts("2006-01-14T14:30:00Z")),
        Some(ts("2006-01-17T10:00:00Z"))
    );
    assert_eq!(
        s.next_open(ts("2006-01-17T16:00:00Z")),
        Some(ts("2006-01-19T10:00:00Z"))
    );
    // So 2006-01-14 → 2006-01-20 holds 3.5 + 6 + 6 = 15.5 h.
    assert_eq!(
        s.business_duration(ts("2006-01-14T00:00:00Z"), ts("2006-01-20T00:00:00Z")),
        hours(15.5)
    );
    // "when the origin is inside a period": from 2006-01-02 12:00 the first period is 12–17.
    assert!(s.is_open(ts("2006-01-02T12:00:00Z")));
    assert_eq!(
        s.business_duration(ts("2006-01-02T12:00:00Z"), ts("2006-01-03T00:00:00Z")),
        hours(5.0)
    );
}

#[test]
fn biz_top_level_examples() {
    // spec/biz_spec.rb: hours sun 11:00–12:00, time zone Africa/Abidjan, holiday 2015-12-25.
    let s = schedule(
        r#"{"time_zone": "Africa/Abidjan", "versions": [{"hours": {"sun": ["11:00-12:00"]}}],
            "holidays": [{"name": "Christmas", "date": "2015-12-25"}]}"#,
    );
    // periods.after(2006-01-01).first == 2006-01-01 11:00–12:00
    assert_eq!(
        s.next_open(ts("2006-01-01T00:00:00Z")),
        Some(ts("2006-01-01T11:00:00Z"))
    );
    // time(2, :hours).after(2006-01-01) == 2006-01-08 12:00
    assert_eq!(
        s.add_business(ts("2006-01-01T00:00:00Z"), hours(2.0)),
        Some(ts("2006-01-08T12:00:00Z"))
    );
    // within(2006-01-01 11:30, 2006-01-08 11:30) == 1 h
    assert_eq!(
        s.business_duration(ts("2006-01-01T11:30:00Z"), ts("2006-01-08T11:30:00Z")),
        hours(1.0)
    );
    // in_hours?(2006-01-01 11:00) is true
    assert!(s.is_open(ts("2006-01-01T11:00:00Z")));
}

#[test]
fn biz_origin_near_the_beginning_of_the_week() {
    // spec/periods/after_spec.rb: hours sat 06:00–18:00 in America/Los_Angeles; from Saturday
    // 2006-01-07 17:00 local the first period is 17:00–18:00.
    let s = schedule(
        r#"{"time_zone": "America/Los_Angeles", "versions": [{"hours": {"sat": ["06:00-18:00"]}}]}"#,
    );
    let origin = ts("2006-01-07T17:00:00-08:00");
    assert_eq!(s.next_open(origin), Some(origin));
    assert_eq!(
        s.business_duration(origin, ts("2006-01-08T00:00:00-08:00")),
        hours(1.0)
    );
}

// ---- validation --------------------------------------------------------------------------

fn problems(json: &str) -> String {
    Schedule::from_json(json).unwrap_err().to_string()
}

#[test]
fn validation_names_the_field_and_the_reason() {
    let e = problems(r#"{"time_zone": "Asia/Saigon_City", "versions": [{"hours": {}}]}"#);
    assert!(
        e.starts_with("time_zone: `Asia/Saigon_City` is not an IANA time zone"),
        "{e}"
    );

    let e = problems(r#"{"time_zone": "UTC", "versions": [{"hours": {"mnd": ["09:00-17:00"]}}]}"#);
    assert!(
        e.starts_with("versions[0].hours.mnd: `mnd` is not a weekday"),
        "{e}"
    );

    let e = problems(
        r#"{"time_zone": "UTC", "versions": [{"hours": {"mon": ["09:00-12:00", "11:00-13:00"]}}]}"#,
    );
    assert_eq!(
        e,
        "versions[0].hours.mon[1]: (11:00-13:00) overlaps versions[0].hours.mon[0] (09:00-12:00) \
         on Monday (09:00-12:00 and 11:00-13:00)"
    );

    // An overnight Thursday range overlapping Friday morning.
    let e = problems(
        r#"{"time_zone": "UTC", "versions": [{"hours": {"thu": ["22:00-06:00"], "fri": ["05:00-07:00"]}}]}"#,
    );
    assert_eq!(
        e,
        "versions[0].hours.thu[0]: (22:00-06:00) overlaps versions[0].hours.fri[0] (05:00-07:00) \
         on Friday (00:00-06:00 and 05:00-07:00)"
    );

    let e = problems(r#"{"time_zone": "UTC", "versions": [{"hours": {"mon": ["09:00-09:00"]}}]}"#);
    assert!(
        e.starts_with("versions[0].hours.mon[0]: `09:00-09:00`"),
        "{e}"
    );
    assert!(e.contains("end equals the start"), "{e}");

    let e = problems(r#"{"time_zone": "UTC", "versions": []}"#);
    assert!(
        e.starts_with("versions: a schedule needs at least one version"),
        "{e}"
    );

    let e = problems(
        r#"{"time_zone": "UTC", "versions": [{"effective_from": "2026-01-01"},
            {"effective_from": "2026-01-01"}, {}, {}]}"#,
    );
    assert!(
        e.contains(
            "versions[1].effective_from: 2026-01-01 is also the effective date of versions[0]"
        ),
        "{e}"
    );
    assert!(
        e.contains("versions[3].effective_from: missing; only one version may leave it out"),
        "{e}"
    );

    let e = problems(
        r#"{"time_zone": "UTC", "versions": [{}],
            "holidays": [{"name": "x", "first_day": "2026-02-16", "last_day": "2026-02-10"}]}"#,
    );
    assert!(
        e.starts_with("holidays[0]: holiday `x`: last_day: 2026-02-10 is before"),
        "{e}"
    );

    let e = problems(r#"{"time_zone": "UTC", "versions": [{"hours": {"mon": ["9-17"]}}]}"#);
    assert!(
        e.starts_with("versions[0].hours.mon[0]: `9-17` is not a time range"),
        "{e}"
    );

    let e = problems(r#"{"time_zone": "UTC", "versions": [{}], "timezone": "UTC"}"#);
    assert!(e.contains("unknown field `timezone`"), "{e}");

    // Several problems at once, each with its field.
    let e = Schedule::from_json(
        r#"{"time_zone": "Mars/Olympus", "versions": [{"hours": {"xyz": []}}]}"#,
    )
    .unwrap_err();
    assert_eq!(e.problems.len(), 2, "{e}");
}

#[test]
fn the_configuration_round_trips() {
    let text = r#"{"time_zone":"Asia/Ho_Chi_Minh","versions":[{"hours":{"fri":["22:00-06:00"],"mon":["08:00-12:00","13:00-17:00"]}},{"effective_from":"2026-07-01","hours":{"mon":["08:00-17:00"]}}],"holidays":[{"name":"Tết","first_day":"2026-02-16","last_day":"2026-02-20"},{"name":"Quốc khánh","date":"2026-09-02","yearly":true}]}"#;
    let s = schedule(text);
    assert_eq!(serde_json::to_string(&s).unwrap(), text);
    let back: Schedule = serde_json::from_str(text).unwrap();
    assert_eq!(back, s);
    // Touching ranges join and full English weekday names work.
    let s = schedule(
        r#"{"time_zone": "UTC", "versions": [{"hours": {"Monday": ["09:00-12:00", "12:00-17:00"]}}]}"#,
    );
    assert_eq!(
        s.business_duration(ts("2026-03-02T00:00:00Z"), ts("2026-03-03T00:00:00Z")),
        hours(8.0)
    );
}

// ---- property tests ----------------------------------------------------------------------

/// The schedules the properties run on: holidays of every kind, version changes, overnight
/// ranges, ranges touching midnight and inside a DST gap, three kinds of zone.
fn property_schedules() -> Vec<Schedule> {
    vec![
        schedule(
            r#"{"time_zone": "Asia/Ho_Chi_Minh", "versions": [
                {"hours": {"mon": ["08:00-12:00", "13:00-17:30"], "tue": ["08:00-12:00", "13:00-17:30"],
                           "wed": ["08:00-12:00", "13:00-17:30"], "thu": ["08:00-12:00", "13:00-17:30"],
                           "fri": ["08:00-12:00", "13:00-17:30", "22:00-06:00"]}},
                {"effective_from": "2026-07-01", "hours": {"mon": ["09:00-18:00"], "wed": ["00:00-24:00"],
                           "sat": ["20:00-02:00"]}}],
              "holidays": [
                {"name": "Tết", "first_day": "2026-02-16", "last_day": "2026-02-20"},
                {"name": "30/4", "date": "2026-04-30", "yearly": true},
                {"name": "Tất niên", "date": "2026-02-13", "closed": "14:00-02:00"},
                {"name": "Maintenance", "start": "2026-06-15T01:00:00Z", "end": "2026-06-16T03:00:00Z"},
                {"name": "Outage", "start": "2026-06-16T02:00:00Z", "end": "2026-06-16T05:00:00Z"}]}"#,
        ),
        schedule(
            r#"{"time_zone": "Europe/Berlin", "versions": [
                {"hours": {"mon": ["22:00-06:00"], "tue": ["22:00-06:00"], "wed": ["09:00-17:00"],
                           "sat": ["01:00-03:30"], "sun": ["02:30-03:15", "22:00-06:00"]}},
                {"effective_from": "2026-10-24", "hours": {"sat": ["22:00-06:00"], "sun": ["06:00-24:00"]}},
                {"effective_from": "2027-03-27", "hours": {"sat": ["01:30-02:45"], "sun": ["01:00-04:00"],
                           "thu": ["08:00-20:00"]}}],
              "holidays": [{"name": "Weihnachten", "first_day": "2026-12-24", "last_day": "2026-12-26", "yearly": true},
                           {"name": "Nachmittag", "date": "2027-03-28", "closed": "02:00-02:45"}]}"#,
        ),
        schedule(
            r#"{"time_zone": "America/New_York", "versions": [
                {"hours": {"mon": ["00:00-02:00", "23:00-24:00"], "tue": ["00:00-02:00"],
                           "sat": ["22:00-06:00"], "sun": ["06:00-06:30", "09:00-09:01"]}}],
              "holidays": [{"name": "Thanksgiving", "date": "2026-11-26"},
                           {"name": "Power", "start": "2026-11-01T05:30:00Z", "end": "2026-11-01T06:30:00Z"}]}"#,
        ),
        schedule(
            r#"{"time_zone": "Australia/Lord_Howe", "versions": [
                {"hours": {"sat": ["20:00-01:45"], "sun": ["01:50-02:40"], "mon": ["09:00-17:00"]}}]}"#,
        ),
    ]
}

/// Is `t` open, by the definition in the module docs, computed independently of the compiled
/// schedule: convert to local time with jiff and look at the configuration.
fn naive_open(s: &Schedule, t: Timestamp) -> bool {
    let config = s.config();
    let tz: TimeZone = s.time_zone().clone();
    let local = t.to_zoned_datetime(tz);
    let date = local.date();
    let secs = u32::try_from(
        local.time().hour() as i32 * 3600
            + local.time().minute() as i32 * 60
            + local.time().second() as i32,
    )
    .unwrap();
    let weekday = date.weekday().to_monday_zero_offset() as usize;
    let in_range = |(a, b): (u32, u32)| a <= secs && secs < b;

    let version = config
        .versions
        .iter()
        .filter(|v| v.effective_from.is_some_and(|d| d <= date))
        .max_by_key(|v| v.effective_from)
        .or_else(|| config.versions.iter().find(|v| v.effective_from.is_none()))
        .or_else(|| config.versions.iter().min_by_key(|v| v.effective_from))
        .unwrap();
    let mut open = false;
    for (key, ranges) in &version.hours {
        let day = parse_weekday(key).unwrap();
        for r in ranges {
            let (own, next) = r.pieces();
            if day == weekday && in_range(own) {
                open = true;
            }
            if (day + 1) % 7 == weekday && next.is_some_and(in_range) {
                open = true;
            }
        }
    }
    for h in &config.holidays {
        // The occurrences that could touch `date`: this year's and last year's.
        let years: Vec<i16> = match h.repeat {
            Repeat::Once => vec![0],
            Repeat::Yearly { .. } => vec![
                date.year() - 1 - h.first_date().year(),
                date.year() - h.first_date().year(),
            ],
        };
        for k in years.into_iter().filter(|k| *k >= 0) {
            let shift = |d: jiff::civil::Date| {
                let shifted = jiff::civil::Date::new(d.year() + k, d.month(), d.day()).ok()?;
                match h.repeat {
                    Repeat::Yearly { until: Some(u) } if shifted > u => None,
                    _ => Some(shifted),
                }
            };
            match h.closure {
                Closure::Days { first, last } => {
                    if let Some(start) = shift(first) {
                        let end = start.checked_add(last - first).unwrap();
                        if start <= date && date <= end {
                            open = false;
                        }
                    }
                }
                Closure::Hours { date: d, closed } => {
                    if let Some(d) = shift(d) {
                        let (own, next) = closed.pieces();
                        if (d == date && in_range(own))
                            || (d.tomorrow().unwrap() == date && next.is_some_and(in_range))
                        {
                            open = false;
                        }
                    }
                }
                Closure::Span { start, end } => {
                    if start <= t && t < end {
                        open = false;
                    }
                }
            }
        }
    }
    open
}

/// Instants between 2026-01-01 and 2028-01-01, half of them within a day of a DST change, a
/// holiday or a version change of the schedules above.
fn instant() -> impl Strategy<Value = Timestamp> {
    const INTERESTING: [&str; 15] = [
        "2026-03-29T01:00:00Z", // Europe/Berlin spring forward
        "2026-10-25T01:00:00Z", // Europe/Berlin fall back
        "2026-03-08T07:00:00Z", // America/New_York spring forward
        "2026-11-01T06:00:00Z", // America/New_York fall back
        "2026-04-04T15:00:00Z", // Australia/Lord_Howe back 30 minutes
        "2026-10-03T15:30:00Z", // Australia/Lord_Howe forward 30 minutes
        "2027-03-28T01:00:00Z", // Europe/Berlin spring forward
        "2026-02-13T07:00:00Z", // Asia/Ho_Chi_Minh: the afternoon closure before Tết
        "2026-02-15T17:00:00Z", // Asia/Ho_Chi_Minh: Tết starts
        "2026-02-20T17:00:00Z", // Asia/Ho_Chi_Minh: Tết ends
        "2026-06-15T12:00:00Z", // Asia/Ho_Chi_Minh: maintenance and outage spans
        "2026-06-30T17:00:00Z", // Asia/Ho_Chi_Minh: version change
        "2026-12-24T12:00:00Z", // Europe/Berlin: Christmas
        "2027-03-27T23:00:00Z", // Europe/Berlin: version change on a DST night
        "2026-11-26T12:00:00Z", // America/New_York: Thanksgiving
    ];
    let start = ts("2026-01-01T00:00:00Z").as_second();
    let end = ts("2028-01-01T00:00:00Z").as_second();
    prop_oneof![
        (start..end, 0i32..1_000_000_000).prop_map(|(s, n)| Timestamp::new(s, n).unwrap()),
        (
            0..INTERESTING.len(),
            -86_400i64..86_400,
            0i32..1_000_000_000
        )
            .prop_map(|(i, d, n)| {
                Timestamp::new(ts(INTERESTING[i]).as_second() + d, n).unwrap()
            }),
    ]
}

fn span_up_to(max_secs: i64) -> impl Strategy<Value = SignedDuration> {
    (0..max_secs, 0i32..1_000_000_000).prop_map(|(s, n)| SignedDuration::new(s, n))
}

proptest! {
    #![proptest_config(ProptestConfig { cases: 64, failure_persistence: None, ..ProptestConfig::default() })]

    #[test]
    fn business_time_never_exceeds_calendar_time(a in instant(), len in span_up_to(40 * 86_400)) {
        let b = a.checked_add(len).unwrap();
        for s in property_schedules() {
            let d = s.business_duration(a, b);
            prop_assert!(d >= SignedDuration::ZERO && d <= len, "{d} of {len}");
        }
    }

    #[test]
    fn durations_add_up_over_split_intervals(a in instant(), x in span_up_to(20 * 86_400), y in span_up_to(20 * 86_400)) {
        let b = a.checked_add(x).unwrap();
        let c = b.checked_add(y).unwrap();
        for s in property_schedules() {
            prop_assert_eq!(
                s.business_duration(a, c),
                s.business_duration(a, b) + s.business_duration(b, c)
            );
        }
    }

    #[test]
    fn due_times_round_trip(a in instant(), len in span_up_to(20 * 86_400), d in span_up_to(100 * 3600)) {
        let b = a.checked_add(len).unwrap();
        for s in property_schedules() {
            // add_business(from, business_duration(from, to)) ≤ to
            let elapsed = s.business_duration(a, b);
            let t = s.add_business(a, elapsed).unwrap();
            prop_assert!(t <= b, "{t} after {b}");
            prop_assert_eq!(s.business_duration(a, t), elapsed);
            // business_duration(from, add_business(from, d)) == d, and it is the earliest such
            // instant.
            let due = s.add_business(a, d).unwrap();
            prop_assert_eq!(s.business_duration(a, due), d);
            if d > SignedDuration::ZERO {
                let before = due.checked_sub(SignedDuration::from_nanos(1)).unwrap();
                prop_assert!(s.business_duration(a, before) < d);
            }
        }
    }

    #[test]
    fn always_open_equals_calendar_time(a in instant(), len in span_up_to(400 * 86_400)) {
        let b = a.checked_add(len).unwrap();
        let s = Schedule::always_open();
        prop_assert_eq!(s.business_duration(a, b), len);
        prop_assert_eq!(s.add_business(a, len), Some(b));
        // The same with the 24/7 shortcut off, in a zone with daylight saving.
        let all = ["mon", "tue", "wed", "thu", "fri", "sat", "sun"].map(|d| (d, "00:00-24:00"));
        let berlin = Schedule::new(ScheduleConfig {
            time_zone: "Europe/Berlin".into(),
            versions: vec![VersionConfig::from_pairs(None, &all)],
            holidays: vec![],
        })
        .unwrap()
        .without_shortcut();
        prop_assert_eq!(berlin.business_duration(a, b), len);
        prop_assert_eq!(berlin.add_business(a, len), Some(b));
    }

    #[test]
    fn open_and_next_open_agree_with_the_definition(t in instant()) {
        for s in property_schedules() {
            prop_assert_eq!(s.is_open(t), naive_open(&s, t), "{} at {}", s.time_zone().iana_name().unwrap_or("?"), t);
            let next = s.next_open(t).unwrap();
            prop_assert!(next >= t);
            prop_assert!(s.is_open(next));
            prop_assert_eq!(s.business_duration(t, next), SignedDuration::ZERO);
        }
    }
}

proptest! {
    #![proptest_config(ProptestConfig { cases: 24, failure_persistence: None, ..ProptestConfig::default() })]

    /// Business duration equals the minute-by-minute count of open minutes (every boundary in
    /// these schedules, holidays and zones is on a whole minute).
    #[test]
    fn business_duration_matches_a_minute_by_minute_count(a in instant(), minutes in 0i64..2 * 1440) {
        let a = Timestamp::from_second(a.as_second() - a.as_second().rem_euclid(60)).unwrap();
        let b = a.checked_add(SignedDuration::from_mins(minutes)).unwrap();
        for s in property_schedules() {
            let mut open = 0i64;
            for m in 0..minutes {
                if naive_open(&s, a.checked_add(SignedDuration::from_mins(m)).unwrap()) {
                    open += 1;
                }
            }
            prop_assert_eq!(
                s.business_duration(a, b),
                SignedDuration::from_mins(open),
                "{} from {}", s.time_zone().iana_name().unwrap_or("?"), a
            );
        }
    }
}
