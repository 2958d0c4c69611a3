//! Business hours end to end: a schedule whose holidays come from the Vietnamese public-holiday
//! iCalendar fixture, and a measurement of `business_duration` calls per second.
//!
//! The measurement is an ignored test, never a timed assertion; run it with
//! `cargo test -p carekpi-domain --release --test calendar -- --ignored --nocapture`.

use std::time::Instant;

use carekpi_domain::calendar::{Schedule, ScheduleConfig, VersionConfig, parse_ics_holidays};
use jiff::{SignedDuration, Timestamp};

const FIXTURE: &str = include_str!("fixtures/vn-holidays-2026.ics");

fn ts(text: &str) -> Timestamp {
    text.parse().unwrap()
}

fn hours(h: f64) -> SignedDuration {
    SignedDuration::from_secs_f64(h * 3600.0)
}

/// Mon–Fri 08:00–12:00 and 13:00–17:00 in Asia/Ho_Chi_Minh, holidays from the fixture.
fn vietnam_office() -> Schedule {
    let day = ["08:00-12:00", "13:00-17:00"];
    let pairs: Vec<(&str, &str)> = ["mon", "tue", "wed", "thu", "fri"]
        .into_iter()
        .flat_map(|d| day.map(|r| (d, r)))
        .collect();
    Schedule::new(ScheduleConfig {
        time_zone: "Asia/Ho_Chi_Minh".into(),
        versions: vec![VersionConfig::from_pairs(None, &pairs)],
        holidays: parse_ics_holidays(FIXTURE).unwrap(),
    })
    .unwrap()
}

#[test]
fn a_case_across_tet() {
    let s = vietnam_office();
    // Created Fri 13 Feb 10:00, solved Mon 23 Feb 09:00. Fri 10:00–12:00 = 2 h, 13:00–14:00 =
    // 1 h (the year-end party closes from 14:00); Tết closes Mon 16 – Fri 20; Mon 23 08:00–09:00
    // = 1 h. Total 4 h.
    let (created, solved) = (
        ts("2026-02-13T10:00:00+07:00"),
        ts("2026-02-23T09:00:00+07:00"),
    );
    assert_eq!(s.business_duration(created, solved), hours(4.0));
    // An 8-business-hour resolution target is due Mon 23 Feb 14:00: 3 h on Friday, then
    // Mon 08:00–12:00 (7 h in all), lunch, 13:00 + 1 h.
    assert_eq!(
        s.add_business(created, hours(8.0)),
        Some(ts("2026-02-23T14:00:00+07:00"))
    );
}

#[test]
fn a_reply_on_a_holiday() {
    let s = vietnam_office();
    // Created Wed 29 Apr 16:00, replied Sat 2 May 10:00 (an agent working on the holiday
    // weekend). Wed 16:00–17:00 = 1 h; 30/4 and 1/5 are holidays, Saturday is closed: 1 h.
    // (The cancelled 2 May event changes nothing: Saturday is closed anyway.)
    let created = ts("2026-04-29T16:00:00+07:00");
    assert_eq!(
        s.business_duration(created, ts("2026-05-02T10:00:00+07:00")),
        hours(1.0)
    );
    // The same reply on Monday 4 May 08:30: 1 h + 0.5 h.
    assert_eq!(
        s.business_duration(created, ts("2026-05-04T08:30:00+07:00")),
        hours(1.5)
    );
    // 30 April repeats every year (Friday in 2027); Hùng Kings' day does not (lunar date).
    assert!(!s.is_open(ts("2027-04-30T10:00:00+07:00")));
    assert!(!s.is_open(ts("2026-04-27T10:00:00+07:00")));
    assert!(s.is_open(ts("2027-04-27T10:00:00+07:00")));
    // The maintenance window (01:00–03:00Z = 08:00–10:00 local) on Mon 15 June: 2 h of the
    // morning's 4 remain.
    assert_eq!(
        s.business_duration(
            ts("2026-06-15T08:00:00+07:00"),
            ts("2026-06-15T12:00:00+07:00")
        ),
        hours(2.0)
    );
    assert_eq!(
        s.next_open(ts("2026-06-15T08:00:00+07:00")),
        Some(ts("2026-06-15T10:00:00+07:00"))
    );
}

/// splitmix64: a deterministic stream of random numbers without a dependency.
struct Random(u64);

impl Random {
    fn next(&mut self) -> u64 {
        self.0 = self.0.wrapping_add(0x9E37_79B9_7F4A_7C15);
        let mut z = self.0;
        z = (z ^ (z >> 30)).wrapping_mul(0xBF58_476D_1CE4_E5B9);
        z = (z ^ (z >> 27)).wrapping_mul(0x94D0_49BB_1331_11EB);
        z ^ (z >> 31)
    }

    fn below(&mut self, n: u64) -> u64 {
        self.next() % n
    }
}

#[test]
#[ignore = "a measurement, not a check: run with --release --ignored --nocapture"]
fn calendar_speed() {
    let berlin = Schedule::from_json(
        r#"{"time_zone": "Europe/Berlin", "versions": [
            {"hours": {"mon": ["08:00-18:00"], "tue": ["08:00-18:00"], "wed": ["08:00-18:00"],
                       "thu": ["08:00-18:00"], "fri": ["08:00-18:00", "22:00-06:00"]}},
            {"effective_from": "2026-07-01", "hours": {"mon": ["07:00-19:00"], "sat": ["10:00-14:00"]}}],
           "holidays": [{"name": "Neujahr", "date": "2026-01-01", "yearly": true},
                        {"name": "Weihnachten", "first_day": "2026-12-24", "last_day": "2026-12-26", "yearly": true}]}"#,
    )
    .unwrap();
    let start = ts("2026-01-01T00:00:00Z").as_second();
    let year = 365 * 86_400;
    for (name, s) in [
        ("Asia/Ho_Chi_Minh + .ics holidays", vietnam_office()),
        ("Europe/Berlin, 2 versions", berlin),
    ] {
        let mut rng = Random(42);
        let n = 1_000_000;
        let pairs: Vec<(Timestamp, Timestamp)> = (0..n)
            .map(|_| {
                let from = start + rng.below(year) as i64;
                let len = 86_400 + rng.below(29 * 86_400) as i64;
                (
                    Timestamp::from_second(from).unwrap(),
                    Timestamp::from_second(from + len).unwrap(),
                )
            })
            .collect();
        let clock = Instant::now();
        let mut total = SignedDuration::ZERO;
        for &(a, b) in &pairs {
            total += s.business_duration(a, b);
        }
        let elapsed = clock.elapsed();
        println!(
            "{name}: business_duration on 1–30-day spans: {:.2} M calls/s ({:.0} ns/call; checksum {}s)",
            n as f64 / elapsed.as_secs_f64() / 1e6,
            elapsed.as_nanos() as f64 / n as f64,
            total.as_secs()
        );
        let clock = Instant::now();
        let mut count = 0usize;
        for &(a, _) in &pairs {
            let d = SignedDuration::from_secs(3600 * (1 + (a.as_second() % 40)));
            count += usize::from(s.add_business(a, d).is_some());
        }
        let elapsed = clock.elapsed();
        println!(
            "{name}: add_business of 1–40 business hours: {:.2} M calls/s ({:.0} ns/call; {count} due)",
            n as f64 / elapsed.as_secs_f64() / 1e6,
            elapsed.as_nanos() as f64 / n as f64,
        );
        // A two-year span costs about the same as a two-day one: whole weeks are multiplied.
        let clock = Instant::now();
        for &(a, _) in pairs.iter().take(100_000) {
            total += s.business_duration(a, a + SignedDuration::from_hours(2 * 365 * 24));
        }
        let elapsed = clock.elapsed();
        println!(
            "{name}: business_duration on 2-year spans: {:.2} M calls/s",
            100_000.0 / elapsed.as_secs_f64() / 1e6,
        );
    }
}
