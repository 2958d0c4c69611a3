//! One row per case with every per-case fact (`carekpi export cases`): first reply, resolution,
//! waits, touches, reopens, SLA outcome, CSAT score, agent, team, channel, tags. Durations in
//! seconds, calendar and business (the case's schedule); instants as [`Timestamp`]s.

use carekpi_domain::records::vocab::{CaseType, Channel, Priority, Status, SurveyKind};
use jiff::Timestamp;
use serde::Serialize;

use crate::engine::Engine;
use crate::tables::{BUS, CAL, FIRST_REPLY, NEXT_REPLY, RESOLUTION};
use crate::time::ts;
use crate::util::{NEVER, NO_TIME, NO_U8, NONE};

/// A duration on both clocks, in seconds.
#[derive(Clone, Copy, Debug, PartialEq, Serialize)]
pub struct Seconds {
    pub calendar: f64,
    pub business: f64,
}

/// The SLA outcome of a case at `now`.
#[derive(Clone, Copy, Debug, PartialEq, Eq, Serialize)]
#[serde(rename_all = "snake_case")]
pub enum SlaState {
    /// Every first-reply and resolution target met.
    Met,
    /// A first-reply or resolution target breached.
    Breached,
    /// A target still running.
    Running,
}

/// Every fact of one case.
#[derive(Clone, Debug, PartialEq, Serialize)]
pub struct CaseRow {
    pub id: String,
    pub channel: Channel,
    pub created_at: Timestamp,
    pub customer_id: Option<String>,
    pub team_id: Option<String>,
    pub assignee_id: Option<String>,
    pub priority: Option<Priority>,
    #[serde(rename = "type")]
    pub case_type: Option<CaseType>,
    pub tags: Vec<String>,
    /// The current status.
    pub status: Status,
    pub first_reply_at: Option<Timestamp>,
    pub first_response_time: Option<Seconds>,
    pub first_solved_at: Option<Timestamp>,
    pub last_solved_at: Option<Timestamp>,
    /// Creation → last solve (while solved).
    pub resolution_time: Option<Seconds>,
    /// Creation → first solve.
    pub first_resolution_time: Option<Seconds>,
    pub reopens: u32,
    /// Public agent replies up to the last solve (while solved).
    pub touches: Option<u32>,
    /// Up to the last solve (while solved).
    pub requester_wait_time: Option<Seconds>,
    pub agent_wait_time: Option<Seconds>,
    pub on_hold_time: Option<Seconds>,
    /// None: no SLA policy with a first-reply or resolution target applies.
    pub sla: Option<SlaState>,
    pub sla_breaches_first_reply: u32,
    pub sla_breaches_next_reply: u32,
    pub sla_breaches_resolution: u32,
    /// The score of the case's latest CSAT answer (on the configured scale).
    pub csat: Option<f64>,
}

impl Engine {
    /// One row per case, in the order cases arrived; SLA targets still running are judged at
    /// `now`.
    pub fn case_rows(&self, now: Timestamp) -> Vec<CaseRow> {
        let now = now.as_millisecond();
        let c = &self.cases;
        // The latest CSAT answer per case.
        let mut csat: Vec<(i64, f64)> = vec![(NO_TIME, f64::NAN); c.len()];
        let s = &self.surveys;
        for r in 0..s.at.len() {
            let case = s.case[r];
            if s.kind[r] == SurveyKind::Csat as u8
                && case != NONE
                && s.at[r] >= csat[case as usize].0
            {
                csat[case as usize] = (s.at[r], s.score[r]);
            }
        }
        let name =
            |i: &crate::util::Interner, id: u32| (id != NONE).then(|| i.name(id).to_string());
        let time = |t: i64| (t != NO_TIME && t != NEVER).then(|| ts(t));
        let secs = |v: &[Vec<f64>; 2], r: usize| {
            (!v[CAL][r].is_nan()).then(|| Seconds {
                calendar: v[CAL][r],
                business: v[BUS][r],
            })
        };
        (0..c.len())
            .filter(|&r| c.exists[r])
            .map(|r| {
                let solved = c.reopen_after[r] == NEVER && c.last_solve[r] != NO_TIME;
                let while_solved = |x: Option<Seconds>| if solved { x } else { None };
                let statuses = c.statuses.get(r);
                let reopens = statuses
                    .windows(2)
                    .filter(|w| is_solved(w[0].status) && !is_solved(w[1].status))
                    .count() as u32;
                let sla = &c.sla[r];
                let breaches = sla.breaches_at(now);
                CaseRow {
                    id: self.case_ids.name(r as u32).to_string(),
                    channel: Channel::ALL[c.channel[r] as usize],
                    created_at: ts(c.created[r]),
                    customer_id: name(&self.customer_ids, c.customer[r]),
                    team_id: name(&self.team_ids, c.team[r]),
                    assignee_id: name(&self.agent_ids, c.agent[r]),
                    priority: (c.priority[r] != NO_U8)
                        .then(|| Priority::ALL[c.priority[r] as usize]),
                    case_type: (c.ctype[r] != NO_U8).then(|| CaseType::ALL[c.ctype[r] as usize]),
                    tags: c
                        .tags
                        .get(r)
                        .iter()
                        .map(|&t| self.tag_ids.name(t).to_string())
                        .collect(),
                    status: Status::ALL[c.final_status[r] as usize],
                    first_reply_at: time(c.first_reply[r]),
                    first_response_time: secs(&c.frt, r),
                    first_solved_at: time(c.first_solve[r]),
                    last_solved_at: time(c.last_solve[r]),
                    resolution_time: while_solved(secs(&c.resolution, r)),
                    first_resolution_time: secs(&c.first_resolution, r),
                    reopens,
                    touches: solved.then_some(u32::from(c.touches[r])),
                    requester_wait_time: while_solved(secs(&c.requester_wait, r)),
                    agent_wait_time: while_solved(secs(&c.agent_wait, r)),
                    on_hold_time: while_solved(secs(&c.on_hold, r)),
                    sla: sla.has_main.then(|| match sla.met_at(now) {
                        Some(true) => SlaState::Met,
                        Some(false) => SlaState::Breached,
                        None => SlaState::Running,
                    }),
                    sla_breaches_first_reply: breaches[FIRST_REPLY],
                    sla_breaches_next_reply: breaches[NEXT_REPLY],
                    sla_breaches_resolution: breaches[RESOLUTION],
                    csat: (!csat[r].1.is_nan()).then_some(csat[r].1),
                }
            })
            .collect()
    }
}

fn is_solved(status: u8) -> bool {
    status == Status::Solved as u8 || status == Status::Closed as u8
}

#[cfg(test)]
mod tests {
    use carekpi_domain::records::vocab::Status;

    use crate::eval::testkit::*;

    #[test]
    fn one_row_per_case_with_its_facts() {
        let e = engine(&[
            case(
                "A",
                "2026-03-02 09:00",
                vec![
                    customer("2026-03-02 09:00"),
                    reply("2026-03-02 09:30", "a1"),
                    status("2026-03-02 10:00", Status::Solved),
                    status("2026-03-02 11:00", Status::Open),
                    status("2026-03-02 12:00", Status::Solved),
                ],
            )
            .into(),
            case("B", "2026-03-02 09:00", vec![customer("2026-03-02 09:00")]).into(),
            rec(
                r#"{"kind":"survey","id":"S1","survey":"csat","score":4,"at":"2026-03-02T13:00:00+07:00","case_id":"A"}"#,
            ),
        ]);
        let rows = e.case_rows(t("2026-03-03 00:00"));
        assert_eq!(rows.len(), 2);
        let a = &rows[0];
        assert_eq!(a.id, "A");
        assert_eq!(a.first_response_time.unwrap().calendar, 1800.0);
        // Resolution to the last solve: 3 h; reopened once; one reply.
        assert_eq!(a.resolution_time.unwrap().calendar, 10_800.0);
        assert_eq!(a.first_resolution_time.unwrap().calendar, 3600.0);
        assert_eq!(a.reopens, 1);
        assert_eq!(a.touches, Some(1));
        assert_eq!(a.csat, Some(4.0));
        assert_eq!(a.sla, None);
        let b = &rows[1];
        assert_eq!(
            (b.status, b.first_reply_at, b.resolution_time),
            (Status::New, None, None)
        );
        let json = serde_json::to_value(a).unwrap();
        assert_eq!(json["type"], serde_json::Value::Null);
        assert_eq!(json["first_response_time"]["business"], 1800.0);
    }
}
