//! The demo dataset: deterministic, valid, and shaped like a real support operation.

use std::collections::{BTreeMap, HashMap, HashSet};
use std::sync::OnceLock;

use carekpi_demo::{ACCOUNT_TIME_ZONE, DemoOptions, generate};
use carekpi_domain::interchange::Position;
use carekpi_domain::records::vocab::{Author, EventKind, Outcome, Status, SurveyKind};
use carekpi_domain::validation::Problems;
use carekpi_domain::{Record, RecordKind, parse_record};
use jiff::Timestamp;
use jiff::tz::TimeZone;

fn run(cases: u64, seed: u64) -> Vec<Record> {
    let mut out = Vec::new();
    let summary = generate(&DemoOptions { cases, seed }, |r| {
        out.push(r);
        Ok::<(), ()>(())
    })
    .unwrap();
    assert_eq!(summary.total(), out.len() as u64);
    out
}

/// The 2,000-case dataset most tests look at (generated once).
fn sample() -> &'static [Record] {
    static SAMPLE: OnceLock<Vec<Record>> = OnceLock::new();
    SAMPLE.get_or_init(|| run(2_000, 42))
}

fn lines(records: &[Record]) -> Vec<String> {
    records.iter().map(Record::to_json_line).collect()
}

#[test]
fn same_seed_same_bytes_other_seed_other_data() {
    let a = lines(&run(300, 7));
    let b = lines(&run(300, 7));
    assert_eq!(a.len(), b.len());
    assert!(a == b, "two runs with the same seed differ");
    let c = lines(&run(300, 8));
    assert_ne!(a, c);
}

#[test]
fn defaults_are_20k_cases_seed_42() {
    assert_eq!(
        DemoOptions::default(),
        DemoOptions {
            cases: 20_000,
            seed: 42
        }
    );
    assert_eq!(ACCOUNT_TIME_ZONE, "Asia/Ho_Chi_Minh");
}

#[test]
fn every_record_validates_and_round_trips_and_ids_are_unique() {
    let mut seen = HashSet::new();
    for (i, r) in sample().iter().enumerate() {
        let mut p = Problems::new();
        r.validate(&mut p);
        assert!(
            p.is_empty(),
            "record {i} invalid: {:?}\n{r:?}",
            p.into_vec()
        );
        let line = r.to_json_line();
        let back = parse_record(line.as_bytes(), Position::Line(1), None)
            .unwrap_or_else(|e| panic!("record {i} does not parse back: {e:?}\n{line}"));
        assert_eq!(&back, r, "round trip changed record {i}: {line}");
        assert!(
            seen.insert((r.kind(), r.id().into_owned())),
            "duplicate {} {}",
            r.kind(),
            r.id()
        );
    }
}

#[test]
fn every_kind_is_present_and_references_come_first() {
    let records = sample();
    let kinds: HashSet<RecordKind> = records.iter().map(Record::kind).collect();
    for kind in RecordKind::ALL {
        assert!(kinds.contains(kind), "no {kind} records");
    }
    // Teams, agents and customers come before anything that refers to them, and referenced
    // cases and calls before what refers to them.
    let mut known: HashMap<RecordKind, HashSet<String>> = HashMap::new();
    for r in records {
        let links = r.links();
        let check = |kind: RecordKind, id: Option<&str>| {
            if let Some(id) = id {
                assert!(
                    known.get(&kind).is_some_and(|s| s.contains(id)),
                    "{} {} refers to {kind} {id} before it was emitted",
                    r.kind(),
                    r.id()
                );
            }
        };
        check(RecordKind::Team, links.team_id);
        check(RecordKind::Agent, links.agent_id);
        check(RecordKind::Customer, links.customer_id);
        check(RecordKind::Case, links.case_id);
        match r {
            Record::Team(t) => check(RecordKind::Team, t.parent_id.as_deref()),
            Record::Customer(c) => check(RecordKind::Customer, c.referred_by.as_deref()),
            Record::Case(c) => {
                for e in &c.events {
                    check(RecordKind::Agent, e.agent_id.as_deref());
                    check(RecordKind::Team, e.team_id.as_deref());
                }
            }
            Record::Survey(s) => check(RecordKind::Call, s.call_id.as_deref()),
            Record::QaReview(q) => {
                check(RecordKind::Call, q.call_id.as_deref());
                check(RecordKind::Agent, q.reviewer.as_deref());
            }
            _ => {}
        }
        known
            .entry(r.kind())
            .or_default()
            .insert(r.id().into_owned());
    }
    // After the cast, records come in time order.
    let times: Vec<i64> = records
        .iter()
        .filter(|r| {
            !matches!(
                r.kind(),
                RecordKind::Team | RecordKind::Agent | RecordKind::Customer
            )
        })
        .map(|r| r.occurred_at().unwrap().epoch_millis())
        .collect();
    assert!(times.windows(2).all(|w| w[0] <= w[1]), "not in time order");
}

#[test]
fn the_number_of_cases_is_honoured() {
    for n in [0, 1, 7, 2_000] {
        let records = if n == 2_000 {
            sample().to_vec()
        } else {
            run(n, 3)
        };
        let cases = records
            .iter()
            .filter(|r| r.kind() == RecordKind::Case)
            .count();
        assert_eq!(cases as u64, n);
    }
}

fn cases(records: &[Record]) -> impl Iterator<Item = &carekpi_domain::records::Case> {
    records.iter().filter_map(|r| match r {
        Record::Case(c) => Some(c),
        _ => None,
    })
}

#[test]
fn cases_have_realistic_conversations() {
    let all: Vec<_> = cases(sample()).collect();
    let events: usize = all.iter().map(|c| c.events.len()).sum();
    let per_case = events as f64 / all.len() as f64;
    assert!(
        (4.0..=6.0).contains(&per_case),
        "{per_case} events per case"
    );

    let solved = all
        .iter()
        .filter(|c| c.current_status().is_solved())
        .count();
    let open = all.len() - solved;
    assert!(
        open > 0,
        "some cases are still open at the end of the window"
    );
    assert!(solved as f64 > 0.9 * all.len() as f64);

    let reopened = all
        .iter()
        .filter(|c| {
            let mut was_solved = false;
            c.events.iter().filter_map(|e| e.status).any(|s| {
                let reopen = was_solved && !s.is_solved();
                was_solved |= s.is_solved();
                reopen
            })
        })
        .count();
    let rate = reopened as f64 / solved as f64;
    assert!((0.01..0.15).contains(&rate), "reopen rate {rate}");

    let has = |pred: &dyn Fn(&carekpi_domain::records::CaseEvent) -> bool| {
        all.iter().filter(|c| c.events.iter().any(pred)).count()
    };
    assert!(has(&|e| e.status == Some(Status::Pending)) > all.len() / 10);
    assert!(has(&|e| e.status == Some(Status::OnHold)) > 0);
    assert!(has(&|e| e.kind == EventKind::Assign) > all.len() / 4);
    assert!(has(&|e| e.public == Some(false)) > 0, "internal notes");
    assert!(has(&|e| e.automatic == Some(true)) > all.len() / 10);
    let reassigned = all
        .iter()
        .filter(|c| {
            let agents: HashSet<_> = c
                .events
                .iter()
                .filter(|e| e.kind == EventKind::Assign)
                .filter_map(|e| e.agent_id.as_deref())
                .collect();
            agents.len() > 1
                || c.events
                    .iter()
                    .filter(|e| e.author == Some(Author::Agent))
                    .filter_map(|e| e.agent_id.as_deref())
                    .collect::<HashSet<_>>()
                    .len()
                    > 1
        })
        .count();
    assert!(reassigned > 0, "no reassignments");

    // First reply times are long-tailed: the mean is well above the median.
    let mut frt: Vec<i64> = all
        .iter()
        .filter_map(|c| {
            let first = c.events.iter().find(|e| e.is_agent_reply())?;
            Some(first.at.since(&c.created_at).as_secs())
        })
        .collect();
    frt.sort_unstable();
    let median = frt[frt.len() / 2] as f64;
    let mean = frt.iter().sum::<i64>() as f64 / frt.len() as f64;
    assert!(mean > 1.5 * median, "FRT mean {mean} vs median {median}");

    let kinds: HashSet<_> = all.iter().filter_map(|c| c.case_type).collect();
    assert_eq!(kinds.len(), 5, "every case type");
    let channels: HashSet<_> = all.iter().map(|c| c.channel).collect();
    assert!(channels.len() >= 6, "{channels:?}");
}

#[test]
fn weekdays_are_busier_than_weekends() {
    let tz = TimeZone::get(ACCOUNT_TIME_ZONE).unwrap();
    let (mut weekday, mut weekend) = (0usize, 0usize);
    let mut hours = [0usize; 24];
    for c in cases(sample()) {
        let z = c.created_at.instant().to_zoned_datetime(tz.clone());
        if z.weekday().to_monday_zero_offset() >= 5 {
            weekend += 1;
        } else {
            weekday += 1;
        }
        if c.team_id.as_deref() != Some("berlin-support") {
            hours[z.hour() as usize] += 1;
        }
    }
    // Per day: 261 weekdays and 104 weekend days in the window.
    let (per_weekday, per_weekend) = (weekday as f64 / 261.0, weekend as f64 / 104.0);
    assert!(
        per_weekday > 1.5 * per_weekend,
        "{per_weekday} vs {per_weekend}"
    );
    // Office hours are busier than the night.
    assert!(hours[10] > 3 * hours[3], "{hours:?}");
}

#[test]
fn calls_and_chats_queue_abandon_and_block() {
    let mut outcomes: BTreeMap<(RecordKind, Outcome), usize> = BTreeMap::new();
    let (mut short_abandon, mut long_abandon) = (0, 0);
    let mut within_20 = 0;
    let mut answered = 0;
    for r in sample() {
        let (queued, answered_at, ended, outcome, attempted) = match r {
            Record::Call(c) => (
                c.queued_at,
                c.answered_at,
                c.ended_at,
                c.outcome,
                c.attempted_at,
            ),
            Record::Chat(c) => (
                c.queued_at,
                c.answered_at,
                c.ended_at,
                c.outcome,
                c.attempted_at,
            ),
            _ => continue,
        };
        *outcomes.entry((r.kind(), outcome)).or_default() += 1;
        match outcome {
            Outcome::Blocked => {
                assert!(queued.is_none() && attempted.is_some());
            }
            Outcome::Abandoned => {
                let wait = ended.unwrap().since(&queued.unwrap()).as_secs();
                if wait <= 5 {
                    short_abandon += 1;
                } else {
                    long_abandon += 1;
                }
            }
            Outcome::Answered => {
                answered += 1;
                if answered_at.unwrap().since(&queued.unwrap()).as_secs() <= 20 {
                    within_20 += 1;
                }
            }
            Outcome::Voicemail => {}
        }
    }
    for key in [
        (RecordKind::Call, Outcome::Answered),
        (RecordKind::Call, Outcome::Abandoned),
        (RecordKind::Call, Outcome::Blocked),
        (RecordKind::Call, Outcome::Voicemail),
        (RecordKind::Chat, Outcome::Answered),
        (RecordKind::Chat, Outcome::Abandoned),
    ] {
        assert!(outcomes.get(&key).copied().unwrap_or(0) > 0, "no {key:?}");
    }
    assert!(short_abandon > 0 && long_abandon > short_abandon);
    let service_level = within_20 as f64 / answered as f64;
    assert!((0.5..0.95).contains(&service_level), "{service_level}");
}

#[test]
fn surveys_answer_at_a_realistic_rate_and_scores_differ_by_agent() {
    let records = sample();
    let solved: HashSet<&str> = cases(records)
        .filter(|c| c.current_status().is_solved())
        .map(|c| c.id.as_str())
        .collect();
    let mut answered_cases = HashSet::new();
    let mut csat_by_agent: HashMap<&str, (u32, u32)> = HashMap::new();
    let mut nps = (0, 0, 0);
    for r in records {
        let Record::Survey(s) = r else { continue };
        if let Some(case) = &s.case_id {
            answered_cases.insert(case.as_str());
        }
        match s.survey {
            SurveyKind::Csat => {
                assert!((1..=5).contains(&s.score));
                let e = csat_by_agent
                    .entry(s.agent_id.as_deref().unwrap())
                    .or_default();
                e.0 += u32::from(s.score >= 4);
                e.1 += 1;
            }
            SurveyKind::Nps => match s.score {
                9..=10 => nps.0 += 1,
                7..=8 => nps.1 += 1,
                _ => nps.2 += 1,
            },
            SurveyKind::Ces => assert!((1..=7).contains(&s.score)),
        }
    }
    let rate = answered_cases.len() as f64 / solved.len() as f64;
    assert!((0.10..=0.25).contains(&rate), "survey response rate {rate}");
    let total = (nps.0 + nps.1 + nps.2) as f64;
    let score = 100.0 * (nps.0 - nps.2) as f64 / total;
    assert!((0.0..70.0).contains(&score), "NPS {score}");
    let rates: Vec<f64> = csat_by_agent
        .values()
        .filter(|(_, n)| *n >= 15)
        .map(|(ok, n)| f64::from(*ok) / f64::from(*n))
        .collect();
    let best = rates.iter().cloned().fold(f64::MIN, f64::max);
    let worst = rates.iter().cloned().fold(f64::MAX, f64::min);
    assert!(rates.len() >= 5 && best - worst > 0.1, "{rates:?}");
}

#[test]
fn customers_churn_and_refer_and_agents_leave() {
    let records = sample();
    let mut referrals = 0;
    let mut churned = 0;
    let mut customers = 0;
    let mut left = 0;
    let mut hired_in_window = 0;
    let window_start: Timestamp = "2025-11-01T00:00:00+07:00".parse().unwrap();
    for r in records {
        match r {
            Record::Customer(c) => {
                customers += 1;
                if c.acquisition_channel.as_deref() == Some("referral") {
                    assert!(c.referred_by.is_some());
                    referrals += 1;
                }
                churned += usize::from(c.ended_at.is_some());
            }
            Record::Agent(a) => {
                left += usize::from(a.left_at.is_some());
                if a.hired_at.unwrap().instant() >= window_start {
                    hired_in_window += 1;
                }
            }
            _ => {}
        }
    }
    assert!(referrals > customers / 20 && churned > customers / 20);
    assert!(left >= 1, "at least one agent left");
    assert!(hired_in_window >= 1, "at least one agent was hired");
}

#[test]
fn berlin_timestamps_follow_daylight_saving_time() {
    let mut offsets = HashSet::new();
    for c in cases(sample()) {
        if c.team_id.as_deref() == Some("berlin-support") {
            offsets.insert(c.created_at.offset().seconds());
        } else {
            assert_eq!(c.created_at.offset().seconds(), 7 * 3600);
        }
    }
    assert_eq!(offsets, HashSet::from([3600, 7200]));
    let line = cases(sample())
        .find(|c| c.team_id.as_deref() == Some("berlin-support"))
        .map(|c| c.created_at.to_string())
        .unwrap();
    assert!(
        line.ends_with("+01:00") || line.ends_with("+02:00"),
        "{line}"
    );
}

#[test]
fn workforce_and_voice_records_look_right() {
    let records = sample();
    let mut forecast_slots = HashSet::new();
    let mut servqual = (0, 0);
    let mut reviews = [0usize; 6];
    for r in records {
        match r {
            Record::StaffingForecast(f) => {
                assert_eq!(f.interval_minutes, 30);
                forecast_slots.insert(f.interval_start.instant());
            }
            Record::Servqual(s) => {
                servqual.0 += 1;
                servqual.1 += usize::from(s.expectation >= s.perception);
            }
            Record::PlatformReview(p) => reviews[p.rating as usize] += 1,
            _ => {}
        }
    }
    assert_eq!(
        forecast_slots.len(),
        7 * 48,
        "a week of 30-minute intervals"
    );
    assert!(servqual.1 as f64 > 0.6 * servqual.0 as f64, "{servqual:?}");
    assert!(reviews[5] > reviews[1] && reviews[1] > 0);
}

/// FNV-1a over the JSON Lines of a small dataset. The generator uses only portable arithmetic (no
/// platform libm, no hash-map order, no clock), so this fingerprint is the same on every machine;
/// it changes only when the generator is changed on purpose (then update the constant).
#[test]
fn fingerprint_is_stable_across_machines() {
    let mut hash: u64 = 0xcbf2_9ce4_8422_2325;
    for line in lines(&run(50, 1)) {
        for b in line.bytes().chain([b'\n']) {
            hash ^= u64::from(b);
            hash = hash.wrapping_mul(0x0100_0000_01b3);
        }
    }
    assert_eq!(hash, 0xbafb_b594_e33c_617a, "fingerprint {hash:#018x}");
}
