//! Synthetic, valid records for the behaviour suite and the upsert benchmark, built from
//! interchange JSON through `carekpi_domain::parse_record` (so they are exactly what an import
//! would hand the store).

#![allow(dead_code)]

use carekpi_domain::interchange::Position;
use carekpi_domain::{Moment, Record, RecordKind, parse_record};

/// 2026-03-02T00:00:00Z.
const BASE_MS: i64 = 1_772_409_600_000;

/// An instant written as the source systems in Viet Nam write it: RFC 3339 at +07:00.
fn at(ms: i64) -> String {
    let instant = jiff::Timestamp::from_millisecond(ms).expect("a valid instant");
    Moment::new(instant, jiff::tz::Offset::constant(7)).to_string()
}

/// Parse one line of interchange JSON (with its `kind`), panicking with the reasons if invalid.
pub fn record(json: &str) -> Record {
    parse_record(json.as_bytes(), Position::Line(1), None).unwrap_or_else(|errors| {
        panic!(
            "invalid synthetic record {json}: {}",
            errors
                .iter()
                .map(ToString::to_string)
                .collect::<Vec<_>>()
                .join("; ")
        )
    })
}

const CHANNELS: [&str; 4] = ["email", "chat", "phone", "web"];
const PRIORITIES: [&str; 4] = ["low", "normal", "high", "urgent"];
const TYPES: [&str; 5] = ["question", "incident", "problem", "task", "complaint"];

/// Case number `n` with `events` events (1 to 7): created, then customer message, agent
/// reply, pending, customer message, solved, a late customer message, closed …
pub fn case_json(n: u64, events: usize) -> String {
    let created = BASE_MS + (n as i64) * 37_000;
    let agent = format!("agent-{:03}", n % 120);
    let team = format!("team-{:02}", n % 12);
    let mut list = Vec::new();
    let steps: [(i64, String); 7] = [
        (
            0,
            r#""kind":"message","author":"customer","public":true"#.to_string(),
        ),
        (
            1_800_000 + (n as i64 % 600) * 1000,
            format!(r#""kind":"message","author":"agent","agent_id":"{agent}","public":true"#),
        ),
        (
            1_860_000,
            r#""kind":"status","status":"pending""#.to_string(),
        ),
        (
            86_400_000,
            r#""kind":"message","author":"customer","public":true"#.to_string(),
        ),
        (
            90_000_000,
            r#""kind":"status","status":"solved""#.to_string(),
        ),
        (
            172_800_000,
            r#""kind":"message","author":"customer","public":true"#.to_string(),
        ),
        (
            176_400_000,
            r#""kind":"status","status":"closed""#.to_string(),
        ),
    ];
    for (offset, rest) in steps.iter().take(events) {
        list.push(format!(r#"{{"at":"{}",{rest}}}"#, at(created + offset)));
    }
    format!(
        concat!(
            r#"{{"kind":"case","id":"T-{n:08}","channel":"{channel}","created_at":"{created}","#,
            r#""customer_id":"C-{customer:06}","team_id":"{team}","assignee_id":"{agent}","#,
            r#""priority":"{priority}","type":"{ty}","tags":["billing","order-{tag}","vip","damaged-goods"],"#,
            r#""subject":"Order {n} arrived damaged; the customer asks for a replacement or a refund before the weekend sale ends and wants to know whether the courier will collect the broken parcel from the shop","#,
            r#""events":[{events}]}}"#
        ),
        n = n,
        channel = CHANNELS[(n % 4) as usize],
        created = at(created),
        customer = n % 50_000,
        team = team,
        agent = agent,
        priority = PRIORITIES[(n % 4) as usize],
        ty = TYPES[(n % 5) as usize],
        tag = n % 97,
        events = list.join(","),
    )
}

/// Case number `n` with `events` events, as a record.
pub fn case(n: u64, events: usize) -> Record {
    record(&case_json(n, events))
}

/// `count` cases numbered from `first`, 5 events each.
pub fn cases(first: u64, count: u64) -> Vec<Record> {
    (first..first + count).map(|n| case(n, 5)).collect()
}

/// One record of every kind, with ids suffixed by `n` (its case is case number 900,000 + n).
pub fn one_of_each_kind(n: u64) -> Vec<Record> {
    let case_n = 900_000 + n;
    let t = |offset_min: i64| at(BASE_MS + offset_min * 60_000 + n as i64 * 1000);
    let lines = [
        format!(
            r#"{{"kind":"team","id":"team-{n}","name":"Hồ Chí Minh {n}","parent_id":"support"}}"#
        ),
        format!(
            r#"{{"kind":"agent","id":"a-{n}","name":"Nguyễn Thị Lan","team_id":"team-{n}","email":"lan{n}@example.com","hired_at":"{}"}}"#,
            t(-500_000)
        ),
        format!(
            r#"{{"kind":"customer","id":"C-{n}","created_at":"{}","acquisition_channel":"referral","segment":"smb"}}"#,
            t(-100_000)
        ),
        case_json(case_n, 3),
        format!(
            r#"{{"kind":"call","id":"CL-{n}","queued_at":"{}","answered_at":"{}","ended_at":"{}","outcome":"answered","queue":"support","agent_id":"a-{n}","team_id":"team-{n}","customer_id":"C-{n}","talk_s":301,"hold_s":20.5,"wrap_s":45,"resolved_first_contact":true}}"#,
            t(0),
            t(1),
            t(7)
        ),
        format!(
            r#"{{"kind":"chat","id":"CH-{n}","channel":"messaging","queued_at":"{}","answered_at":"{}","ended_at":"{}","outcome":"answered","agent_id":"a-{n}","messages":[{{"at":"{}","author":"customer"}},{{"at":"{}","author":"agent","agent_id":"a-{n}"}}]}}"#,
            t(0),
            t(1),
            t(9),
            t(0),
            t(2)
        ),
        format!(
            r#"{{"kind":"survey","id":"S-{n}","survey":"csat","score":4,"at":"{}","customer_id":"C-{n}","case_id":"T-{case_n:08}","agent_id":"a-{n}","comment":"nhanh, cảm ơn"}}"#,
            t(60)
        ),
        format!(
            r#"{{"kind":"servqual","id":"SQ-{n}","at":"{}","dimension":"reliability","expectation":6,"perception":5,"customer_id":"C-{n}"}}"#,
            t(61)
        ),
        format!(
            r#"{{"kind":"qa_review","id":"QA-{n}","at":"{}","case_id":"T-{case_n:08}","agent_id":"a-{n}","reviewer":"a-boss","criteria":[{{"name":"greeting","score":4,"max":5,"weight":1}},{{"name":"accuracy","score":9,"max":10,"weight":2}}]}}"#,
            t(62)
        ),
        format!(
            r#"{{"kind":"feedback","id":"F-{n}","at":"{}","polarity":"positive","source":"email","customer_id":"C-{n}","agent_id":"a-{n}"}}"#,
            t(63)
        ),
        format!(
            r#"{{"kind":"platform_review","id":"PR-{n}","at":"{}","platform":"Google","rating":5}}"#,
            t(64)
        ),
        format!(
            r#"{{"kind":"engagement","id":"E-{n}","at":"{}","customer_id":"C-{n}","activity":"login"}}"#,
            t(65)
        ),
        format!(
            r#"{{"kind":"order","id":"O-{n}","at":"{}","customer_id":"C-{n}","amount":"1250000.50","currency":"VND"}}"#,
            t(66)
        ),
        format!(
            r#"{{"kind":"presence","agent_id":"a-{n}","from":"{}","to":"{}","state":"available"}}"#,
            t(0),
            t(240)
        ),
        format!(
            r#"{{"kind":"staffing_forecast","interval_start":"{}","interval_minutes":30,"contacts":42.5,"aht_s":310,"channel":"phone"}}"#,
            t(n as i64 * 30)
        ),
    ];
    let records: Vec<Record> = lines.iter().map(|l| record(l)).collect();
    assert_eq!(
        records.iter().map(Record::kind).collect::<Vec<_>>(),
        RecordKind::ALL,
        "one record of every kind, in the data model's order"
    );
    records
}
