//! Builders for the worked examples: records written in local time +07:00 on Monday 2026-03-02
//! and the days after, an engine, and a one-line query.

use carekpi_domain::Record;
use carekpi_domain::records::vocab::{Author, EventKind, Status};
use carekpi_domain::records::{Case, CaseEvent};
use jiff::Timestamp;

use crate::{Engine, EngineConfig, MetricQuery, MetricSpec, MetricValue};

/// "2026-03-02 09:15" in +07:00.
pub fn at(local: &str) -> carekpi_domain::Moment {
    format!("{}:00+07:00", local.replace(' ', "T"))
        .parse()
        .unwrap()
}

pub fn t(local: &str) -> Timestamp {
    at(local).instant()
}

pub fn rec(json: &str) -> Record {
    carekpi_domain::parse_record(
        json.as_bytes(),
        carekpi_domain::interchange::Position::Line(1),
        None,
    )
    .unwrap_or_else(|e| panic!("{json}: {e:?}"))
}

fn event(local: &str, kind: EventKind) -> CaseEvent {
    CaseEvent {
        at: at(local),
        kind,
        author: None,
        public: None,
        automatic: None,
        agent_id: None,
        team_id: None,
        status: None,
    }
}

pub fn customer(local: &str) -> CaseEvent {
    CaseEvent {
        author: Some(Author::Customer),
        ..event(local, EventKind::Message)
    }
}

/// An automatic acknowledgement by the system (never a reply).
pub fn bot(local: &str) -> CaseEvent {
    CaseEvent {
        author: Some(Author::System),
        automatic: Some(true),
        ..event(local, EventKind::Message)
    }
}

pub fn reply(local: &str, agent: &str) -> CaseEvent {
    CaseEvent {
        author: Some(Author::Agent),
        agent_id: Some(agent.into()),
        ..event(local, EventKind::Message)
    }
}

pub fn status(local: &str, s: Status) -> CaseEvent {
    CaseEvent {
        status: Some(s),
        ..event(local, EventKind::Status)
    }
}

pub fn assign(local: &str, agent: &str) -> CaseEvent {
    CaseEvent {
        agent_id: Some(agent.into()),
        ..event(local, EventKind::Assign)
    }
}

/// A case by email, created at `created`, with its events.
pub fn case(id: &str, created: &str, events: Vec<CaseEvent>) -> Case {
    Case {
        id: id.into(),
        channel: carekpi_domain::records::vocab::Channel::Email,
        created_at: at(created),
        customer_id: None,
        team_id: None,
        assignee_id: None,
        priority: None,
        case_type: None,
        tags: Vec::new(),
        subject: None,
        events,
    }
}

/// An engine in +07:00 (Asia/Ho_Chi_Minh) with the default configuration.
pub fn engine(records: &[Record]) -> Engine {
    engine_with(
        EngineConfig {
            time_zone: "Asia/Ho_Chi_Minh".into(),
            ..EngineConfig::default()
        },
        records,
    )
}

pub fn engine_with(config: EngineConfig, records: &[Record]) -> Engine {
    let mut e = Engine::new(config).unwrap();
    e.load(records);
    e
}

/// One metric over [from, to) (local), no grouping, at `now` = to.
pub fn one(e: &Engine, metric: &str, from: &str, to: &str) -> MetricValue {
    one_at(e, metric, from, to, to)
}

pub fn one_at(e: &Engine, metric: &str, from: &str, to: &str, now: &str) -> MetricValue {
    let spec: MetricSpec = metric.parse().unwrap();
    let q = MetricQuery::new(vec![spec], t(from), t(to));
    let r = e.query(&q, t(now)).unwrap();
    assert_eq!(r.rows.len(), 1);
    r.rows[0].values[0].clone()
}

/// Asserts a value to 1e-9.
pub fn close(actual: Option<f64>, expected: f64) {
    let a = actual.unwrap_or_else(|| panic!("no data, expected {expected}"));
    assert!((a - expected).abs() < 1e-9, "got {a}, expected {expected}");
}
