//! The per-case facts sheet (`carekpi export cases`, the API's drill-down): one row per case
//! with every per-case fact — first reply, replies, solves, resolution, reopens, waits, SLA
//! outcomes, survey scores — as typed cells in a fixed column order.
//!
//! The facts are the domain's [`CaseFacts`] measured against the case's schedule exactly as the
//! engine picks it (the case's team's schedule, up the org tree; else its agent's team's; else the
//! account's; 24/7 when there is none), and SLA outcomes from the account's policies at `now`.
//! One implementation for every export format: CSV and XLSX writers and JSON read [`COLUMNS`] and
//! [`CaseSheet::row`].

use std::collections::HashMap;

use carekpi_domain::calendar::Schedule;
use carekpi_domain::case_facts::CaseFacts;
use carekpi_domain::records::{Agent, Case, Customer, SurveyResponse, Team};
use carekpi_domain::sla::{SlaOutcome, SlaStatus, SlaTargetKind};
use carekpi_domain::working_time::{AlwaysOpen, Elapsed, WorkingTime};
use jiff::Timestamp;
use jiff::tz::TimeZone;

use crate::config::{ConfigError, EngineConfig};

/// A cell of the sheet.
#[derive(Clone, Debug, PartialEq)]
pub enum Value {
    Empty,
    Text(String),
    Number(f64),
    Time(Timestamp),
}

/// What a column holds (how a spreadsheet formats it).
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub enum Col {
    Text,
    Count,
    Seconds,
    Time,
    Score,
}

/// The columns, in order: (header, type). Durations are seconds (`_s`), calendar and business
/// (`_business_s`); times are in the account's time zone.
pub const COLUMNS: &[(&str, Col)] = &[
    ("case_id", Col::Text),
    ("created_at", Col::Time),
    ("channel", Col::Text),
    ("priority", Col::Text),
    ("type", Col::Text),
    ("tags", Col::Text),
    ("subject", Col::Text),
    ("team", Col::Text),
    ("agent", Col::Text),
    ("customer", Col::Text),
    ("segment", Col::Text),
    ("status", Col::Text),
    ("schedule", Col::Text),
    ("first_reply_at", Col::Time),
    ("first_reply_agent", Col::Text),
    ("frt_s", Col::Seconds),
    ("frt_business_s", Col::Seconds),
    ("replies", Col::Count),
    ("touches", Col::Count),
    ("solves", Col::Count),
    ("first_solved_at", Col::Time),
    ("last_solved_at", Col::Time),
    ("first_resolution_s", Col::Seconds),
    ("first_resolution_business_s", Col::Seconds),
    ("resolution_s", Col::Seconds),
    ("resolution_business_s", Col::Seconds),
    ("reopens", Col::Count),
    ("requester_wait_s", Col::Seconds),
    ("requester_wait_business_s", Col::Seconds),
    ("agent_wait_s", Col::Seconds),
    ("agent_wait_business_s", Col::Seconds),
    ("on_hold_s", Col::Seconds),
    ("on_hold_business_s", Col::Seconds),
    ("sla_policy", Col::Text),
    ("sla_first_reply_due_at", Col::Time),
    ("sla_first_reply", Col::Text),
    ("sla_next_reply_due_at", Col::Time),
    ("sla_next_reply", Col::Text),
    ("sla_next_reply_breaches", Col::Count),
    ("sla_resolution_due_at", Col::Time),
    ("sla_resolution", Col::Text),
    ("csat", Col::Score),
    ("nps", Col::Score),
    ("ces", Col::Score),
];

/// Everything the rows need besides the cases.
pub struct CaseSheet {
    pub tz: TimeZone,
    pub config: EngineConfig,
    pub schedules: HashMap<String, Schedule>,
    pub teams: HashMap<String, Team>,
    pub agents: HashMap<String, Agent>,
    pub customers: HashMap<String, Customer>,
    /// Survey responses by case id, in time order.
    pub surveys: HashMap<String, Vec<SurveyResponse>>,
    /// Each case's team (filled by `carekpi bench query --export` only).
    pub case_teams: HashMap<String, Option<String>>,
    pub now: Timestamp,
}

/// A case's facts as the engine measures them.
pub struct Measured<'c> {
    /// The id of the schedule the case is measured against (None: 24/7).
    pub schedule: Option<&'c str>,
    pub facts: CaseFacts,
    pub sla: Option<SlaOutcome>,
    pub segment: Option<String>,
    /// Time in each unsolved status until the last solve (unsolved: until `now`).
    pub waits: carekpi_domain::case_facts::StatusTimes,
}

impl CaseSheet {
    /// A sheet measuring cases against `config` (refused when the engine would refuse it).
    pub fn new(config: EngineConfig, now: Timestamp) -> Result<CaseSheet, ConfigError> {
        let compiled = config.compile()?;
        let schedules = compiled
            .schedule_ids
            .iter()
            .map(|(id, &i)| (id.clone(), compiled.schedules[i as usize].clone()))
            .collect();
        let tz = compiled.tz;
        Ok(CaseSheet {
            tz,
            config,
            schedules,
            teams: HashMap::new(),
            agents: HashMap::new(),
            customers: HashMap::new(),
            surveys: HashMap::new(),
            case_teams: HashMap::new(),
            now,
        })
    }

    /// Measure a case: its facts against its schedule, its SLA outcome at `now`, its waits.
    pub fn measure(&self, case: &Case) -> Measured<'_> {
        let schedule = self.schedule_of(case);
        let clock: &dyn WorkingTime = match schedule {
            Some((_, s)) => s,
            None => &AlwaysOpen,
        };
        let facts = CaseFacts::compute(case, clock);
        let segment = case
            .customer_id
            .as_deref()
            .and_then(|c| self.customers.get(c))
            .and_then(|c| c.segment.clone());
        let sla = self
            .config
            .sla
            .evaluate(&facts, segment.as_deref(), clock, self.now);
        let waits = facts.time_in_status(self.now, clock);
        Measured {
            schedule: schedule.map(|(id, _)| id),
            facts,
            sla,
            segment,
            waits,
        }
    }

    /// The schedule a case is measured against (the engine's rule), and its id.
    fn schedule_of(&self, case: &Case) -> Option<(&str, &Schedule)> {
        let team = case.team_id.clone().or_else(|| {
            case.assignee_id
                .as_deref()
                .and_then(|a| self.agents.get(a))
                .and_then(|a| a.team_id.clone())
        });
        let mut current = team;
        for _ in 0..64 {
            let Some(id) = current else { break };
            let Some(t) = self.teams.get(&id) else { break };
            if let Some(s) = &t.schedule_id
                && let Some((k, v)) = self.schedules.get_key_value(s)
            {
                return Some((k.as_str(), v));
            }
            current = t.parent_id.clone();
        }
        let id = self.config.account_schedule.as_deref()?;
        self.schedules
            .get_key_value(id)
            .map(|(k, v)| (k.as_str(), v))
    }

    /// The cells of `case`, one per [`COLUMNS`] entry.
    pub fn row(&self, case: &Case) -> Vec<Value> {
        let Measured {
            schedule,
            facts: f,
            sla,
            segment,
            waits,
        } = self.measure(case);
        let text = |s: Option<&str>| s.map_or(Value::Empty, |s| Value::Text(s.to_string()));
        let time = |t: Option<Timestamp>| t.map_or(Value::Empty, Value::Time);
        let count = |n: usize| Value::Number(n as f64);
        let both = |e: Option<Elapsed>| match e {
            Some(e) => [
                Value::Number(e.calendar_secs()),
                Value::Number(e.business_secs()),
            ],
            None => [Value::Empty, Value::Empty],
        };
        let [frt, frt_b] = both(f.frt);
        let [first_res, first_res_b] = both(f.first_resolution_time);
        let [res, res_b] = both(f.resolution_time);
        let [req, req_b] = both(Some(waits.requester_wait()));
        let [agw, agw_b] = both(Some(waits.agent_wait()));
        let [hold, hold_b] = both(Some(waits.on_hold()));
        let (first_due, first_status) = target(&sla, SlaTargetKind::FirstReply);
        let (next_due, next_status) = target(&sla, SlaTargetKind::NextReply);
        let next_breaches = sla.as_ref().map_or(Value::Empty, |o| {
            Value::Number(o.breaches().next_reply as f64)
        });
        let (res_due, res_status) = target(&sla, SlaTargetKind::Resolution);
        let scores = |kind: &str| {
            let list: Vec<i64> = self
                .surveys
                .get(&case.id)
                .into_iter()
                .flatten()
                .filter(|s| s.survey.as_str() == kind)
                .map(|s| s.score)
                .collect();
            match list.as_slice() {
                [] => Value::Empty,
                [one] => Value::Number(*one as f64),
                many => Value::Text(
                    many.iter()
                        .map(ToString::to_string)
                        .collect::<Vec<_>>()
                        .join("; "),
                ),
            }
        };
        vec![
            Value::Text(case.id.clone()),
            Value::Time(case.created_at.instant()),
            Value::Text(case.channel.to_string()),
            text(case.priority.map(|p| p.as_str())),
            text(case.case_type.map(|t| t.as_str())),
            if case.tags.is_empty() {
                Value::Empty
            } else {
                Value::Text(case.tags.join("; "))
            },
            text(case.subject.as_deref()),
            text(case.team_id.as_deref()),
            text(case.assignee_id.as_deref()),
            text(case.customer_id.as_deref()),
            text(segment.as_deref()),
            Value::Text(f.status().to_string()),
            text(schedule),
            time(f.first_reply_at),
            text(f.first_reply_agent.as_deref()),
            frt,
            frt_b,
            count(f.replies.len()),
            f.touches.map_or(Value::Empty, |t| Value::Number(t as f64)),
            count(f.solves.len()),
            time(f.first_solve_at()),
            time(f.last_solve_at()),
            first_res,
            first_res_b,
            res,
            res_b,
            count(f.reopen_count()),
            req,
            req_b,
            agw,
            agw_b,
            hold,
            hold_b,
            text(sla.as_ref().map(|o| o.policy.as_str())),
            first_due,
            first_status,
            next_due,
            next_status,
            next_breaches,
            res_due,
            res_status,
            scores("csat"),
            scores("nps"),
            scores("ces"),
        ]
    }
}

/// A target kind's due time and outcome. Several next-reply targets: the due time of the one
/// still running (else the last), and the worst outcome (breached, else running, else met).
fn target(sla: &Option<SlaOutcome>, kind: SlaTargetKind) -> (Value, Value) {
    let Some(outcome) = sla else {
        return (Value::Empty, Value::Empty);
    };
    let targets: Vec<_> = outcome.of(kind).collect();
    if targets.is_empty() {
        return (Value::Empty, Value::Empty);
    }
    let shown = targets
        .iter()
        .find(|t| t.status == SlaStatus::Running)
        .or(targets.last())
        .expect("not empty");
    let status = if targets.iter().any(|t| t.status == SlaStatus::Breached) {
        "breached"
    } else if targets.iter().any(|t| t.status == SlaStatus::Running) {
        "running"
    } else {
        "met"
    };
    (
        shown.due_at.map_or(Value::Empty, Value::Time),
        Value::Text(status.to_string()),
    )
}

/// RFC 3339 in `tz`, e.g. `2026-03-02T09:00:00+07:00`.
pub fn local_time(tz: &TimeZone, t: Timestamp) -> String {
    t.to_zoned_datetime(tz.clone())
        .strftime("%Y-%m-%dT%H:%M:%S%:z")
        .to_string()
}

impl CaseSheet {
    /// The row of `case` as a JSON object, keys in [`COLUMNS`] order (instants in the account's
    /// time zone, absent values null).
    pub fn row_json(&self, case: &Case) -> serde_json::Map<String, serde_json::Value> {
        use serde_json::Value as J;
        COLUMNS
            .iter()
            .zip(self.row(case))
            .map(|((name, _), v)| {
                let v = match v {
                    Value::Empty => J::Null,
                    Value::Text(t) => J::String(t),
                    Value::Number(n) => serde_json::Number::from_f64(n).map_or(J::Null, J::Number),
                    Value::Time(t) => J::String(local_time(&self.tz, t)),
                };
                ((*name).to_string(), v)
            })
            .collect()
    }
}

#[cfg(test)]
mod tests {
    use carekpi_domain::Record;

    use super::*;
    use crate::eval::testkit::*;

    #[test]
    fn one_row_per_case_with_its_facts() {
        // Case A: created 09:00, replied 09:30, solved 10:00, reopened 11:00, solved 12:00; a
        // CSAT 4 at 13:00. 24/7 (no schedule): FRT 30 min = 1,800 s; first resolution 1 h =
        // 3,600 s; resolution to the last solve 3 h = 10,800 s; one reopen, one touch.
        let a = case(
            "A",
            "2026-03-02 09:00",
            vec![
                customer("2026-03-02 09:00"),
                reply("2026-03-02 09:30", "a1"),
                status(
                    "2026-03-02 10:00",
                    carekpi_domain::records::vocab::Status::Solved,
                ),
                status(
                    "2026-03-02 11:00",
                    carekpi_domain::records::vocab::Status::Open,
                ),
                status(
                    "2026-03-02 12:00",
                    carekpi_domain::records::vocab::Status::Solved,
                ),
            ],
        );
        let Record::Survey(survey) = rec(
            r#"{"kind":"survey","id":"S1","survey":"csat","score":4,"at":"2026-03-02T13:00:00+07:00","case_id":"A"}"#,
        ) else {
            unreachable!()
        };
        let config = EngineConfig {
            time_zone: "Asia/Ho_Chi_Minh".into(),
            ..EngineConfig::default()
        };
        let mut sheet = CaseSheet::new(config, t("2026-03-03 00:00")).unwrap();
        sheet.surveys.insert("A".into(), vec![survey]);
        let row = sheet.row_json(&a);
        let keys: Vec<&str> = row.keys().map(String::as_str).collect();
        let names: Vec<&str> = COLUMNS.iter().map(|(n, _)| *n).collect();
        assert_eq!(keys, names, "JSON keys follow the column order");
        assert_eq!(row["case_id"], "A");
        assert_eq!(row["frt_s"], 1800.0);
        assert_eq!(row["frt_business_s"], 1800.0);
        assert_eq!(row["first_resolution_s"], 3600.0);
        assert_eq!(row["resolution_s"], 10_800.0);
        assert_eq!(row["reopens"], 1.0);
        assert_eq!(row["touches"], 1.0);
        assert_eq!(row["csat"], 4.0);
        assert_eq!(row["sla_policy"], serde_json::Value::Null);
        assert_eq!(row["created_at"], "2026-03-02T09:00:00+07:00");
        let b = case("B", "2026-03-02 09:00", vec![customer("2026-03-02 09:00")]);
        let row = sheet.row_json(&b);
        assert_eq!(row["status"], "new");
        assert_eq!(row["first_reply_at"], serde_json::Value::Null);
        assert_eq!(row["resolution_s"], serde_json::Value::Null);
    }
}
