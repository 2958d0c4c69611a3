//! The staffing forecast from history: the average week of contacts — arrivals per weekday ×
//! interval of the day (15, 30 or 60 minutes, in the account's time zone) and the average handle
//! time — from the calls and chats the engine holds; [`WeeklyPattern::workloads`] turns each slot
//! into the domain's [`Workload`] for Erlang C or Erlang A ([`carekpi_domain::staffing`]).
//!
//! - **Which contacts**: the contacts offered to the agents' queue that arrived (queued_at) in the
//!   period — answered, and abandoned, except short abandons (a known wait below the account's
//!   `service_level.short_abandon_s`, as the service-level metric leaves them out by default).
//!   Blocked calls and voicemail never reached the queue and are not counted. Optionally only
//!   some channels.
//! - **Contacts per slot**: the contacts that arrived in the slot over the period, divided by how
//!   many times the slot occurred in the period (its number of weeks, measured in real time: on
//!   the day clocks go forward the skipped slots did not occur; on the day they go back the
//!   repeated slots occurred twice). A slot is the local wall-clock interval, Monday 00:00 first.
//! - **AHT per slot**: talk + hold + wrap of the answered contacts with a handle time, averaged
//!   in the slot when it has at least [`MIN_AHT_SAMPLE`] of them, else the period's average
//!   (one long call in a quiet slot would otherwise decide its staffing).
//!
//! [`plan`] answers a staffing question for every slot of the pattern: [`Engine::staffing_plan`].

pub mod plan;

pub use plan::{PlanError, PlanRequest, StaffingPlan};

use carekpi_domain::records::vocab::{Channel, Outcome};
use carekpi_domain::staffing::{StaffingError, Workload};
use jiff::Timestamp;
use jiff::civil::{Time, Weekday};

use crate::engine::Engine;
use crate::time::{ms, ts};
use crate::util::NO_TIME;

/// A slot's own AHT is used when it has at least this many handled contacts.
pub const MIN_AHT_SAMPLE: u64 = 20;

const ANSWERED: u8 = Outcome::Answered as u8;
const ABANDONED: u8 = Outcome::Abandoned as u8;
const DAY_MS: i64 = 86_400_000;
const MINUTE_MS: i64 = 60_000;

/// What to build the pattern from.
#[derive(Clone, Debug, PartialEq)]
pub struct PatternQuery {
    /// The period, `[from, to)`; it should start at a local midnight (see
    /// [`Engine::local_period`]).
    pub from: Timestamp,
    pub to: Timestamp,
    /// 15, 30 or 60.
    pub interval_minutes: u32,
    /// Only contacts of these channels; empty: every channel.
    pub channels: Vec<Channel>,
}

/// Why a pattern cannot be built.
#[derive(Clone, Debug, PartialEq, Eq, thiserror::Error)]
pub enum PatternError {
    #[error("the interval must be 15, 30 or 60 minutes, not {0}")]
    Interval(u32),
    #[error("the period is empty: it must end after it starts")]
    EmptyPeriod,
}

/// Where a slot's planning AHT comes from.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub enum AhtSource {
    /// The slot's own handled contacts (at least [`MIN_AHT_SAMPLE`]).
    Slot,
    /// The period's average (the slot has too few handled contacts).
    Period,
    /// No contact of the period has a handle time.
    None,
}

impl AhtSource {
    /// `slot`, `period` or `none`.
    pub fn as_str(self) -> &'static str {
        match self {
            AhtSource::Slot => "slot",
            AhtSource::Period => "period",
            AhtSource::None => "none",
        }
    }
}

/// One weekday × interval of the average week.
#[derive(Clone, Debug, PartialEq)]
pub struct Slot {
    pub weekday: Weekday,
    /// Local wall-clock start.
    pub start: Time,
    /// How many times the slot occurred in the period.
    pub weeks: f64,
    /// Contacts offered in the slot over the whole period.
    pub offered: u64,
    /// The average per occurrence: `offered / weeks` (0 when the slot never occurred).
    pub contacts: f64,
    /// Answered contacts with a handle time, and their mean handle time.
    pub handled: u64,
    pub slot_aht_s: Option<f64>,
    /// The AHT to plan the slot with (see [`AhtSource`]).
    pub aht_s: Option<f64>,
    pub aht_from: AhtSource,
}

/// The average week of a period.
#[derive(Clone, Debug, PartialEq)]
pub struct WeeklyPattern {
    pub from: Timestamp,
    pub to: Timestamp,
    pub interval_minutes: u32,
    /// The channels of the contacts counted, in vocabulary order.
    pub channels: Vec<Channel>,
    /// Contacts offered in the period, and the answered ones with a handle time.
    pub offered: u64,
    pub handled: u64,
    /// The period's mean handle time.
    pub aht_s: Option<f64>,
    /// 7 × (1440 / interval) slots, Monday 00:00 first.
    pub slots: Vec<Slot>,
}

impl WeeklyPattern {
    /// Each slot's workload: its average contacts over the interval, at its planning AHT or at
    /// `aht_override_s` when given. A slot without any AHT (no contact in the period has a
    /// handle time, and no override) is an error naming `aht_s`.
    pub fn workloads(&self, aht_override_s: Option<f64>) -> Vec<Result<Workload, StaffingError>> {
        let interval_s = f64::from(self.interval_minutes) * 60.0;
        self.slots
            .iter()
            .map(|slot| {
                let aht = aht_override_s
                    .or(slot.aht_s)
                    .ok_or_else(|| StaffingError::Invalid {
                        field: "aht_s",
                        reason: "no contact of the period has a handle time (talk_s, hold_s, \
                             wrap_s): give the AHT"
                            .to_string(),
                    })?;
                Workload::new(slot.contacts, interval_s, aht)
            })
            .collect()
    }
}

/// Local wall-clock position of an instant: (weekday, Monday = 0; minute of the day).
fn local_position(tz: &jiff::tz::TimeZone, t: i64) -> (usize, i64) {
    let local = t + i64::from(tz.to_offset(ts(t)).seconds()) * 1000;
    let day = local.div_euclid(DAY_MS);
    // 1970-01-01 was a Thursday (Monday-based index 3).
    let weekday = (day + 3).rem_euclid(7) as usize;
    (weekday, local.rem_euclid(DAY_MS) / MINUTE_MS)
}

impl Engine {
    /// The first and last arrival of the contacts [`Engine::weekly_pattern`] would count (of
    /// `channels`, or of every channel when empty); None when there are none.
    pub fn contact_span(&self, channels: &[Channel]) -> Option<(Timestamp, Timestamp)> {
        let mut span: Option<(i64, i64)> = None;
        self.each_offered(channels, |r| {
            let t = self.contacts.arrived[r];
            span = Some(span.map_or((t, t), |(a, b)| (a.min(t), b.max(t))));
        });
        span.map(|(a, b)| (ts(a), ts(b)))
    }

    /// The average week of contacts and handle times over a period (see the module
    /// documentation for what is counted and how).
    pub fn weekly_pattern(&self, q: &PatternQuery) -> Result<WeeklyPattern, PatternError> {
        if ![15, 30, 60].contains(&q.interval_minutes) {
            return Err(PatternError::Interval(q.interval_minutes));
        }
        let (from, to) = (ms(q.from), ms(q.to));
        if from >= to {
            return Err(PatternError::EmptyPeriod);
        }
        let tz = self.time_zone();
        let step = i64::from(q.interval_minutes);
        let per_day = (1440 / step) as usize;
        let index = |(weekday, minute): (usize, i64)| weekday * per_day + (minute / step) as usize;
        let n = 7 * per_day;

        // How often each slot occurred: the period in real-time quarter hours, each placed by
        // the local time at its middle (UTC offsets are whole quarter hours in current zones).
        let mut weeks = vec![0.0f64; n];
        let quarter = 15 * MINUTE_MS;
        let mut at = from;
        while at < to {
            let end = (at + quarter).min(to);
            let slot = index(local_position(tz, at + (end - at) / 2));
            weeks[slot] += (end - at) as f64 / (step * MINUTE_MS) as f64;
            at = end;
        }

        let mut offered = vec![0u64; n];
        let mut handled = vec![0u64; n];
        let mut handle_sum = vec![0.0f64; n];
        let mut seen = [false; Channel::ALL.len()];
        let k = &self.contacts;
        self.each_offered(&q.channels, |r| {
            let t = k.arrived[r];
            if t < from || t >= to {
                return;
            }
            let slot = index(local_position(tz, t));
            offered[slot] += 1;
            seen[k.channel[r] as usize] = true;
            if k.outcome[r] == ANSWERED && !k.handle[r].is_nan() {
                handled[slot] += 1;
                handle_sum[slot] += k.handle[r];
            }
        });

        let total_handled: u64 = handled.iter().sum();
        let period_aht =
            (total_handled > 0).then(|| handle_sum.iter().sum::<f64>() / total_handled as f64);
        let slots = (0..n)
            .map(|i| {
                let minute = (i % per_day) as i64 * step;
                let slot_aht = (handled[i] > 0).then(|| handle_sum[i] / handled[i] as f64);
                let (aht_s, aht_from) = match (slot_aht, period_aht) {
                    (Some(a), _) if handled[i] >= MIN_AHT_SAMPLE => (Some(a), AhtSource::Slot),
                    (_, Some(p)) => (Some(p), AhtSource::Period),
                    _ => (None, AhtSource::None),
                };
                Slot {
                    weekday: WEEKDAYS[i / per_day],
                    start: Time::constant((minute / 60) as i8, (minute % 60) as i8, 0, 0),
                    weeks: weeks[i],
                    offered: offered[i],
                    contacts: if weeks[i] > 0.0 {
                        offered[i] as f64 / weeks[i]
                    } else {
                        0.0
                    },
                    handled: handled[i],
                    slot_aht_s: slot_aht,
                    aht_s,
                    aht_from,
                }
            })
            .collect();
        Ok(WeeklyPattern {
            from: q.from,
            to: q.to,
            interval_minutes: q.interval_minutes,
            channels: Channel::ALL
                .iter()
                .zip(seen)
                .filter_map(|(c, s)| s.then_some(*c))
                .collect(),
            offered: offered.iter().sum(),
            handled: total_handled,
            aht_s: period_aht,
            slots,
        })
    }

    /// Calls `f` with the row of every contact offered to the queue (answered, or abandoned
    /// and not a short abandon) of `channels` (every channel when empty).
    fn each_offered(&self, channels: &[Channel], mut f: impl FnMut(usize)) {
        let k = &self.contacts;
        let short = self.config.service_level.short_abandon_s;
        let wanted = |c: u8| channels.is_empty() || channels.iter().any(|w| *w as u8 == c);
        for r in 0..k.len() {
            if !k.exists[r] || k.arrived[r] == NO_TIME || !wanted(k.channel[r]) {
                continue;
            }
            let offered = match k.outcome[r] {
                ANSWERED => true,
                // An abandon with unknown wait is not short (as in the abandonment metrics).
                ABANDONED => k.abandon_wait[r].is_nan() || k.abandon_wait[r] >= short,
                _ => false,
            };
            if offered {
                f(r);
            }
        }
    }
}

const WEEKDAYS: [Weekday; 7] = [
    Weekday::Monday,
    Weekday::Tuesday,
    Weekday::Wednesday,
    Weekday::Thursday,
    Weekday::Friday,
    Weekday::Saturday,
    Weekday::Sunday,
];

#[cfg(test)]
mod tests {
    use carekpi_domain::Record;
    use carekpi_domain::interchange::Position;
    use jiff::civil::date;

    use super::*;
    use crate::EngineConfig;

    fn engine(zone: &str, records: &[Record]) -> Engine {
        let config = EngineConfig {
            time_zone: zone.to_string(),
            ..EngineConfig::default()
        };
        let mut e = Engine::new(config).unwrap();
        e.load(records.iter());
        e
    }

    /// A call queued at `queued` (RFC 3339 with an offset) that waited `wait_s` seconds.
    fn call(id: &str, queued: &str, outcome: &str, wait_s: i64, talk: Option<f64>) -> Record {
        let at: Timestamp = queued.parse().unwrap();
        let end = (at + jiff::SignedDuration::from_secs(wait_s)).to_string();
        let mut json = serde_json::json!({"kind": "call", "id": id, "outcome": outcome});
        json[if outcome == "blocked" {
            "attempted_at"
        } else {
            "queued_at"
        }] = queued.into();
        match outcome {
            "answered" => {
                json["answered_at"] = end.into();
                if let Some(t) = talk {
                    json["talk_s"] = t.into();
                }
            }
            "abandoned" => json["ended_at"] = end.into(),
            _ => {}
        }
        carekpi_domain::parse_record_value(&json, Position::Line(1), None)
            .unwrap_or_else(|e| panic!("{json}: {e:?}"))
    }

    fn query(
        e: &Engine,
        from: jiff::civil::Date,
        to: jiff::civil::Date,
        minutes: u32,
    ) -> PatternQuery {
        let (from, to) = e.local_period(from, to).unwrap();
        PatternQuery {
            from,
            to,
            interval_minutes: minutes,
            channels: Vec::new(),
        }
    }

    #[test]
    fn averages_per_weekday_and_interval_in_the_account_zone() {
        // Two Mondays (2026-03-02 and 03-09) in Ho Chi Minh City (UTC+7), two weeks of data.
        let records = vec![
            call(
                "a",
                "2026-03-02T09:05:00+07:00",
                "answered",
                10,
                Some(200.0),
            ),
            call(
                "b",
                "2026-03-02T09:25:00+07:00",
                "answered",
                30,
                Some(100.0),
            ),
            call("c", "2026-03-09T09:10:00+07:00", "abandoned", 60, None),
            // A short abandon (2 s < 5 s), a blocked call: not offered.
            call("d", "2026-03-09T09:11:00+07:00", "abandoned", 2, None),
            call("e", "2026-03-09T09:12:00+07:00", "blocked", 0, None),
            // Sunday 23:59 local is Sunday 16:59 UTC: the last slot of Sunday.
            call("f", "2026-03-08T23:59:00+07:00", "answered", 0, Some(60.0)),
            // Outside the period.
            call("g", "2026-03-16T09:00:00+07:00", "answered", 0, Some(60.0)),
        ];
        let e = engine("Asia/Ho_Chi_Minh", &records);
        let p = e
            .weekly_pattern(&query(&e, date(2026, 3, 2), date(2026, 3, 16), 30))
            .unwrap();
        assert_eq!(p.slots.len(), 7 * 48);
        assert_eq!((p.offered, p.handled), (4, 3));
        assert_eq!(p.channels, vec![Channel::Phone]);
        assert_eq!(p.aht_s, Some(120.0));
        let monday_9 = &p.slots[18];
        assert_eq!(
            (monday_9.weekday, monday_9.start),
            (Weekday::Monday, Time::constant(9, 0, 0, 0))
        );
        assert_eq!(
            (monday_9.weeks, monday_9.offered, monday_9.contacts),
            (2.0, 3, 1.5)
        );
        assert_eq!(monday_9.slot_aht_s, Some(150.0));
        // Two handled contacts are too few for the slot's own AHT.
        assert_eq!(
            (monday_9.aht_s, monday_9.aht_from),
            (Some(120.0), AhtSource::Period)
        );
        let sunday_last = p.slots.last().unwrap();
        assert_eq!(
            (sunday_last.weekday, sunday_last.offered),
            (Weekday::Sunday, 1)
        );
        assert!(p.slots.iter().all(|s| s.weeks == 2.0));
        let workloads = p.workloads(None);
        let w = workloads[18].as_ref().unwrap();
        assert_eq!(
            (w.contacts(), w.interval_s(), w.aht_s()),
            (1.5, 1800.0, 120.0)
        );
        assert_eq!(
            p.workloads(Some(300.0))[18].as_ref().unwrap().aht_s(),
            300.0
        );
        assert_eq!(
            e.contact_span(&[]).map(|s| s.1),
            Some(call_time(&records[6]))
        );
        assert_eq!(e.contact_span(&[Channel::Chat]), None);
    }

    fn call_time(r: &Record) -> Timestamp {
        r.occurred_at().expect("a call has an arrival").instant()
    }

    #[test]
    fn a_slot_with_enough_handled_contacts_uses_its_own_aht() {
        let records: Vec<Record> = (0..MIN_AHT_SAMPLE)
            .map(|i| {
                call(
                    &format!("c{i}"),
                    &format!("2026-03-03T10:{:02}:00+00:00", i),
                    "answered",
                    5,
                    Some(300.0),
                )
            })
            .chain([call(
                "x",
                "2026-03-03T11:00:00+00:00",
                "answered",
                5,
                Some(60.0),
            )])
            .collect();
        let e = engine("UTC", &records);
        let p = e
            .weekly_pattern(&query(&e, date(2026, 3, 2), date(2026, 3, 9), 60))
            .unwrap();
        let (ten, eleven) = (&p.slots[24 + 10], &p.slots[24 + 11]);
        assert_eq!((ten.aht_s, ten.aht_from), (Some(300.0), AhtSource::Slot));
        let period = (300.0 * MIN_AHT_SAMPLE as f64 + 60.0) / (MIN_AHT_SAMPLE + 1) as f64;
        assert_eq!(
            (eleven.aht_s, eleven.aht_from),
            (Some(period), AhtSource::Period)
        );
        assert_eq!(ten.contacts, MIN_AHT_SAMPLE as f64);
    }

    #[test]
    fn clock_changes_count_the_slots_that_really_occurred() {
        // Europe/Berlin: clocks went forward on 2026-03-29 02:00 → 03:00 (a Sunday) and back on
        // 2026-10-25 03:00 → 02:00 (a Sunday).
        let e = engine("Europe/Berlin", &[]);
        let spring = e
            .weekly_pattern(&query(&e, date(2026, 3, 23), date(2026, 3, 30), 60))
            .unwrap();
        let sunday = |p: &WeeklyPattern, h: usize| p.slots[6 * 24 + h].weeks;
        assert_eq!(
            (sunday(&spring, 1), sunday(&spring, 2), sunday(&spring, 3)),
            (1.0, 0.0, 1.0)
        );
        let autumn = e
            .weekly_pattern(&query(&e, date(2026, 10, 19), date(2026, 10, 26), 60))
            .unwrap();
        assert_eq!(
            (sunday(&autumn, 1), sunday(&autumn, 2), sunday(&autumn, 3)),
            (1.0, 2.0, 1.0)
        );
        let total: f64 = autumn.slots.iter().map(|s| s.weeks).sum();
        assert_eq!(total, 169.0);
    }

    #[test]
    fn no_handle_times_and_bad_queries() {
        let e = engine(
            "UTC",
            &[call(
                "a",
                "2026-03-03T10:00:00+00:00",
                "abandoned",
                30,
                None,
            )],
        );
        let p = e
            .weekly_pattern(&query(&e, date(2026, 3, 2), date(2026, 3, 9), 15))
            .unwrap();
        assert_eq!((p.offered, p.aht_s), (1, None));
        assert!(p.slots.iter().all(|s| s.aht_from == AhtSource::None));
        assert!(matches!(
            p.workloads(None)[0],
            Err(StaffingError::Invalid { field: "aht_s", .. })
        ));
        assert!(p.workloads(Some(180.0)).iter().all(Result::is_ok));
        let mut q = query(&e, date(2026, 3, 2), date(2026, 3, 9), 20);
        assert_eq!(e.weekly_pattern(&q), Err(PatternError::Interval(20)));
        q.interval_minutes = 30;
        q.to = q.from;
        assert_eq!(e.weekly_pattern(&q), Err(PatternError::EmptyPeriod));
        let only_chat = PatternQuery {
            channels: vec![Channel::Chat],
            ..query(&e, date(2026, 3, 2), date(2026, 3, 9), 60)
        };
        assert_eq!(e.weekly_pattern(&only_chat).unwrap().offered, 0);
    }
}
