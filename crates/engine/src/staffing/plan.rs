//! A staffing plan for the average week: [`Engine::staffing_plan`] builds the
//! [`WeeklyPattern`] of a period of stored contacts and answers a [`Question`] for each of its
//! intervals — how the queue performs with a number of agents, or the agents each interval needs
//! for a service-level target — with the week's totals. The command line
//! (`carekpi staffing --from-history`) and the API (`GET /api/staffing/week`) both call it, and
//! both print [`StaffingPlan::json`]; [`interval_json`] is the JSON of one interval.
//!
//! - **The period**: `from` / `to` (local dates, `to` excluded); a missing end is `weeks` from
//!   the other; with neither, the `weeks` weeks ending the day after the last contact.
//! - **T**: the one asked, else the account's service-level threshold for the channels of the
//!   contacts counted; when those differ the plan needs T ([`PlanError::ThresholdsDiffer`]).
//! - **The answers**: a problem every interval shares (an input out of range, no handle time to
//!   plan with) fails the plan ([`PlanError::Staffing`]); an interval whose queue is unstable
//!   (Erlang C with no more agents than traffic) keeps its error in its row.

use carekpi_domain::records::vocab::Channel;
use carekpi_domain::staffing::{Answer, Ask, Limit, Model, Question, StaffingError, Workload};
use jiff::Span;
use jiff::civil::{Date, Weekday};
use serde::Serialize;

use super::{PatternError, PatternQuery, WeeklyPattern};
use crate::engine::Engine;

/// T when neither the question nor the account gives one.
pub const DEFAULT_ANSWER_WITHIN_S: f64 = 20.0;

/// Weeks of history when the period is not given whole.
pub const DEFAULT_WEEKS: u32 = 8;

/// The interval of the day when none is asked.
pub const DEFAULT_INTERVAL_MINUTES: u32 = 30;

/// What to plan.
#[derive(Clone, Debug, PartialEq)]
pub struct PlanRequest {
    pub model: Model,
    /// Agents for every interval, or a target (its `answer_within_s` is replaced by T).
    pub ask: Ask,
    /// T; None: the account's threshold for the channels counted.
    pub answer_within_s: Option<f64>,
    /// The first day (local), and the day after the last.
    pub from: Option<Date>,
    pub to: Option<Date>,
    /// Weeks of history when `from` or `to` is missing (at least 1).
    pub weeks: u32,
    /// 15, 30 or 60.
    pub interval_minutes: u32,
    /// Only contacts of these channels; empty: every channel.
    pub channels: Vec<Channel>,
    /// An AHT replacing the one measured, in seconds.
    pub aht_s: Option<f64>,
}

impl PlanRequest {
    /// `ask` under `model`, with the defaults: the account's threshold, the [`DEFAULT_WEEKS`]
    /// before the day after the last contact, [`DEFAULT_INTERVAL_MINUTES`], every channel, the
    /// measured AHT.
    pub fn new(model: Model, ask: Ask) -> Self {
        PlanRequest {
            model,
            ask,
            answer_within_s: None,
            from: None,
            to: None,
            weeks: DEFAULT_WEEKS,
            interval_minutes: DEFAULT_INTERVAL_MINUTES,
            channels: Vec::new(),
            aht_s: None,
        }
    }
}

/// Why a week cannot be planned.
#[derive(Clone, Debug, PartialEq, thiserror::Error)]
pub enum PlanError {
    #[error("the weeks of history must be at least 1")]
    NoWeeks,
    #[error("a week is cut into 15, 30 or 60-minute intervals, not {0} minutes")]
    Interval(u32),
    /// Counting `weeks` from a day leaves the calendar.
    #[error("{weeks} weeks: {reason}")]
    Weeks { weeks: u32, reason: String },
    /// Nothing of the channels is stored, so there is no last contact to end the period at.
    #[error("the store holds no answered or abandoned {}", contacts_text(.channels))]
    NoContacts { channels: Vec<Channel> },
    #[error("the last contact's day {day}: {reason}")]
    LastDay { day: Date, reason: String },
    #[error("the period is empty: it must end after it starts (from {from}, to {to})")]
    EmptyPeriod { from: Date, to: Date },
    #[error("the period {from} … {to}: {reason}")]
    BadPeriod {
        from: Date,
        to: Date,
        reason: String,
    },
    #[error(
        "no answered or abandoned {} arrived between {from} and {} (the account's time zone)",
        contacts_text(.channels),
        last_day(*.to)
    )]
    NoContactsInPeriod {
        channels: Vec<Channel>,
        from: Date,
        to: Date,
    },
    /// T was not asked, and the account's thresholds of the channels counted differ.
    #[error(
        "the account's service-level thresholds differ between the channels counted ({})",
        .thresholds.iter().map(|(c, t)| format!("{c} {t} s")).collect::<Vec<_>>().join(", ")
    )]
    ThresholdsDiffer { thresholds: Vec<(Channel, f64)> },
    /// A problem every interval shares: an input out of range, no handle time to plan with.
    #[error(transparent)]
    Staffing(StaffingError),
}

/// "calls or chats", or "contacts on phone, chat".
pub fn contacts_text(channels: &[Channel]) -> String {
    if channels.is_empty() {
        "calls or chats".to_string()
    } else {
        format!("contacts on {}", channel_list(channels))
    }
}

/// "phone, chat".
pub fn channel_list(channels: &[Channel]) -> String {
    channels
        .iter()
        .map(|c| c.as_str())
        .collect::<Vec<_>>()
        .join(", ")
}

/// The last day of a period ending (excluded) on `to`.
fn last_day(to: Date) -> Date {
    to.yesterday().unwrap_or(to)
}

/// A week of answers: the pattern, the question with its T, and each interval's answer.
#[derive(Clone, Debug, PartialEq)]
pub struct StaffingPlan {
    pub question: Question,
    /// The period: local dates, `to` excluded.
    pub from: Date,
    pub to: Date,
    /// The account's time zone (IANA name, as configured).
    pub time_zone: String,
    pub pattern: WeeklyPattern,
    /// The AHT given in place of the measured one.
    pub aht_override_s: Option<f64>,
    /// One per slot of the pattern; an error only for an unstable queue.
    pub answers: Vec<Result<Answer, StaffingError>>,
}

/// A week's totals.
#[derive(Clone, Copy, Debug, PartialEq)]
pub struct PlanTotals {
    /// Agents × interval length, summed over the week, in hours.
    pub agent_hours: f64,
    /// With a target: the heads to schedule, in hours.
    pub scheduled_hours: Option<f64>,
    /// The most agents of an interval, and the first interval needing them.
    pub peak: Option<(u32, usize)>,
    /// With a target: the most heads to schedule in an interval.
    pub peak_scheduled: Option<u32>,
    /// Intervals without an answer (Erlang C with no more agents than traffic).
    pub unstable: usize,
}

impl StaffingPlan {
    /// The AHT slot `i` is planned with.
    pub fn aht(&self, i: usize) -> Option<f64> {
        self.aht_override_s.or(self.pattern.slots[i].aht_s)
    }

    /// Where slot `i`'s AHT comes from: `given`, `slot`, `period` or `none`.
    pub fn aht_from(&self, i: usize) -> &'static str {
        if self.aht_override_s.is_some() {
            "given"
        } else {
            self.pattern.slots[i].aht_from.as_str()
        }
    }

    /// The week's AHT: the one given, else the period's mean.
    pub fn period_aht(&self) -> Option<f64> {
        self.aht_override_s.or(self.pattern.aht_s)
    }

    /// Slot `i` as (weekday, start): ("monday", "09:30").
    pub fn slot_label(&self, i: usize) -> (&'static str, String) {
        let s = &self.pattern.slots[i];
        (
            weekday_name(s.weekday),
            format!("{:02}:{:02}", s.start.hour(), s.start.minute()),
        )
    }

    pub fn totals(&self) -> PlanTotals {
        let h = f64::from(self.pattern.interval_minutes) / 60.0;
        let mut t = PlanTotals {
            agent_hours: 0.0,
            scheduled_hours: None,
            peak: None,
            peak_scheduled: None,
            unstable: 0,
        };
        for (i, a) in self.answers.iter().enumerate() {
            let Ok(a) = a else {
                t.unstable += 1;
                continue;
            };
            t.agent_hours += f64::from(a.prediction.agents) * h;
            if let Some(s) = a.scheduled {
                *t.scheduled_hours.get_or_insert(0.0) += f64::from(s) * h;
                t.peak_scheduled = Some(t.peak_scheduled.map_or(s, |p| p.max(s)));
            }
            if t.peak.is_none_or(|(p, _)| a.prediction.agents > p) {
                t.peak = Some((a.prediction.agents, i));
            }
        }
        t
    }

    /// The plan as JSON (`carekpi staffing --from-history --format json`,
    /// `GET /api/staffing/week`): percentages 0–100, times in seconds.
    pub fn json(&self) -> PlanJson {
        let p = &self.pattern;
        let intervals = self
            .answers
            .iter()
            .enumerate()
            .map(|(i, a)| {
                let (weekday, start) = self.slot_label(i);
                let s = &p.slots[i];
                SlotJson {
                    weekday,
                    start,
                    contacts: s.contacts,
                    offered: s.offered,
                    aht_s: self.aht(i),
                    aht_from: self.aht_from(i),
                    answer: AnswerJson::of(a),
                }
            })
            .collect();
        let totals = self.totals();
        PlanJson {
            question: QuestionJson::of(&self.question),
            agents: self.question.agents(),
            from: self.from.to_string(),
            to: self.to.to_string(),
            time_zone: self.time_zone.clone(),
            interval_minutes: p.interval_minutes,
            channels: p.channels.iter().map(|c| c.as_str()).collect(),
            offered: p.offered,
            handled: p.handled,
            aht_s: self.period_aht(),
            intervals,
            totals: TotalsJson {
                agent_hours: totals.agent_hours,
                scheduled_agent_hours: totals.scheduled_hours,
                peak_agents: totals.peak.map(|(n, _)| n),
                peak_scheduled_agents: totals.peak_scheduled,
                unstable_intervals: totals.unstable,
            },
        }
    }
}

impl Engine {
    /// The staffing of the average week of the stored contacts (see the module documentation).
    pub fn staffing_plan(&self, r: &PlanRequest) -> Result<StaffingPlan, PlanError> {
        if r.weeks == 0 {
            return Err(PlanError::NoWeeks);
        }
        if ![15, 30, 60].contains(&r.interval_minutes) {
            return Err(PlanError::Interval(r.interval_minutes));
        }
        let (from, to) = self.plan_period(r)?;
        let (from_ts, to_ts) = self
            .local_period(from, to)
            .map_err(|e| PlanError::BadPeriod {
                from,
                to,
                reason: e.to_string(),
            })?;
        let pattern = self
            .weekly_pattern(&PatternQuery {
                from: from_ts,
                to: to_ts,
                interval_minutes: r.interval_minutes,
                channels: r.channels.clone(),
            })
            .map_err(|e| match e {
                PatternError::Interval(m) => PlanError::Interval(m),
                PatternError::EmptyPeriod => PlanError::EmptyPeriod { from, to },
            })?;
        if pattern.offered == 0 {
            return Err(PlanError::NoContactsInPeriod {
                channels: r.channels.clone(),
                from,
                to,
            });
        }
        let answer_within_s = match r.answer_within_s {
            Some(t) => t,
            None => self.account_threshold(&pattern.channels)?,
        };
        let question = Question::new(r.model, answer_within_s, r.ask);
        let answers: Vec<Result<Answer, StaffingError>> = pattern
            .workloads(r.aht_s)
            .into_iter()
            .map(|w| w.and_then(|w| question.answer(&w)))
            .collect();
        if let Some(Err(e)) = answers
            .iter()
            .find(|a| !matches!(a, Ok(_) | Err(StaffingError::Unstable { .. })))
        {
            return Err(PlanError::Staffing(e.clone()));
        }
        Ok(StaffingPlan {
            question,
            from,
            to,
            time_zone: self.config().time_zone.clone(),
            pattern,
            aht_override_s: r.aht_s,
            answers,
        })
    }

    /// The period of a plan: `from` / `to`, each defaulting to `weeks` from the other; without
    /// either, the `weeks` ending the day after the last contact.
    fn plan_period(&self, r: &PlanRequest) -> Result<(Date, Date), PlanError> {
        let too_many = |e: jiff::Error| PlanError::Weeks {
            weeks: r.weeks,
            reason: e.to_string(),
        };
        let shift = |d: Date, forward: bool| {
            let weeks = Span::new().try_weeks(r.weeks).map_err(too_many)?;
            if forward {
                d.checked_add(weeks)
            } else {
                d.checked_sub(weeks)
            }
            .map_err(too_many)
        };
        let (from, to) = match (r.from, r.to) {
            (Some(f), Some(t)) => (f, t),
            (Some(f), None) => (f, shift(f, true)?),
            (None, Some(t)) => (shift(t, false)?, t),
            (None, None) => {
                let Some((_, last)) = self.contact_span(&r.channels) else {
                    return Err(PlanError::NoContacts {
                        channels: r.channels.clone(),
                    });
                };
                let day = last.to_zoned_datetime(self.time_zone().clone()).date();
                let to = day.tomorrow().map_err(|e| PlanError::LastDay {
                    day,
                    reason: e.to_string(),
                })?;
                (shift(to, false)?, to)
            }
        };
        if from >= to {
            return Err(PlanError::EmptyPeriod { from, to });
        }
        Ok((from, to))
    }

    /// The account's service-level threshold for `channels`, when they share one
    /// ([`DEFAULT_ANSWER_WITHIN_S`] for none).
    pub fn account_threshold(&self, channels: &[Channel]) -> Result<f64, PlanError> {
        let sl = &self.config().service_level;
        let mut thresholds: Vec<(Channel, f64)> = channels
            .iter()
            .map(|c| (*c, sl.threshold_for(*c)))
            .collect();
        thresholds.dedup_by(|a, b| a.1 == b.1);
        match thresholds.as_slice() {
            [] => Ok(DEFAULT_ANSWER_WITHIN_S),
            [(_, t)] => Ok(*t),
            _ => Err(PlanError::ThresholdsDiffer { thresholds }),
        }
    }
}

/// "monday" … "sunday".
pub fn weekday_name(d: Weekday) -> &'static str {
    match d {
        Weekday::Monday => "monday",
        Weekday::Tuesday => "tuesday",
        Weekday::Wednesday => "wednesday",
        Weekday::Thursday => "thursday",
        Weekday::Friday => "friday",
        Weekday::Saturday => "saturday",
        Weekday::Sunday => "sunday",
    }
}

/// The question's fields in JSON (percentages 0–100, seconds; null when they do not apply).
#[derive(Clone, Debug, PartialEq, Serialize)]
pub struct QuestionJson {
    /// `erlang_c` or `erlang_a`.
    pub model: &'static str,
    pub patience_s: Option<f64>,
    pub answer_within_s: f64,
    pub target_service_level: Option<f64>,
    pub max_occupancy: Option<f64>,
    pub shrinkage: Option<f64>,
}

impl QuestionJson {
    pub fn of(q: &Question) -> Self {
        let t = q.target();
        QuestionJson {
            model: q.model().as_str(),
            patience_s: q.patience_s(),
            answer_within_s: q.answer_within_s(),
            target_service_level: t.map(|t| t.service_level * 100.0),
            max_occupancy: t.and_then(|t| t.max_occupancy).map(|o| o * 100.0),
            shrinkage: t.map(|t| t.shrinkage * 100.0),
        }
    }
}

/// One interval's answer in JSON (percentages 0–100, seconds); `error` when it has none.
#[derive(Clone, Debug, PartialEq, Serialize)]
pub struct AnswerJson {
    pub traffic_erlangs: Option<f64>,
    pub agents: Option<u32>,
    pub scheduled_agents: Option<u32>,
    /// `service_level`, `occupancy` or `no_traffic`, with a target.
    pub limited_by: Option<&'static str>,
    pub probability_of_waiting: Option<f64>,
    pub service_level: Option<f64>,
    /// Null when infinite.
    pub asa_s: Option<f64>,
    pub occupancy: Option<f64>,
    pub abandonment: Option<f64>,
    pub error: Option<String>,
}

impl AnswerJson {
    pub fn of(a: &Result<Answer, StaffingError>) -> Self {
        match a {
            Ok(a) => {
                let p = &a.prediction;
                AnswerJson {
                    traffic_erlangs: Some(p.traffic),
                    agents: Some(p.agents),
                    scheduled_agents: a.scheduled,
                    limited_by: a.limited_by.map(Limit::as_str),
                    probability_of_waiting: Some(p.probability_of_waiting * 100.0),
                    service_level: Some(p.service_level * 100.0),
                    asa_s: Some(p.asa_s).filter(|s| s.is_finite()),
                    occupancy: Some(p.occupancy * 100.0),
                    abandonment: Some(p.abandonment * 100.0),
                    error: None,
                }
            }
            Err(e) => {
                let (traffic, agents) = match e {
                    StaffingError::Unstable {
                        traffic, agents, ..
                    } => (Some(*traffic), Some(*agents)),
                    _ => (None, None),
                };
                AnswerJson {
                    traffic_erlangs: traffic,
                    agents,
                    scheduled_agents: None,
                    limited_by: None,
                    probability_of_waiting: None,
                    service_level: None,
                    asa_s: None,
                    occupancy: None,
                    abandonment: None,
                    error: Some(e.to_string()),
                }
            }
        }
    }
}

/// One interval asked on its own, in JSON (`carekpi staffing --format json`,
/// `GET /api/staffing`).
#[derive(Clone, Debug, PartialEq, Serialize)]
pub struct IntervalJson {
    pub contacts: f64,
    pub interval_s: f64,
    pub aht_s: f64,
    #[serde(flatten)]
    pub question: QuestionJson,
    #[serde(flatten)]
    pub answer: AnswerJson,
}

/// The JSON of one interval's answer to `question`.
pub fn interval_json(
    workload: &Workload,
    question: &Question,
    answer: &Result<Answer, StaffingError>,
) -> IntervalJson {
    IntervalJson {
        contacts: workload.contacts(),
        interval_s: workload.interval_s(),
        aht_s: workload.aht_s(),
        question: QuestionJson::of(question),
        answer: AnswerJson::of(answer),
    }
}

/// A week's plan in JSON.
#[derive(Clone, Debug, PartialEq, Serialize)]
pub struct PlanJson {
    #[serde(flatten)]
    pub question: QuestionJson,
    /// The agents asked about, when the question is how they perform.
    pub agents: Option<u32>,
    pub from: String,
    pub to: String,
    pub time_zone: String,
    pub interval_minutes: u32,
    pub channels: Vec<&'static str>,
    pub offered: u64,
    pub handled: u64,
    pub aht_s: Option<f64>,
    pub intervals: Vec<SlotJson>,
    pub totals: TotalsJson,
}

/// One weekday × interval of the plan in JSON.
#[derive(Clone, Debug, PartialEq, Serialize)]
pub struct SlotJson {
    pub weekday: &'static str,
    /// Local start, `HH:MM`.
    pub start: String,
    /// The average contacts per occurrence.
    pub contacts: f64,
    /// Contacts offered over the period.
    pub offered: u64,
    pub aht_s: Option<f64>,
    /// `slot`, `period`, `given` or `none`.
    pub aht_from: &'static str,
    #[serde(flatten)]
    pub answer: AnswerJson,
}

/// The totals of a plan in JSON.
#[derive(Clone, Debug, PartialEq, Serialize)]
pub struct TotalsJson {
    pub agent_hours: f64,
    pub scheduled_agent_hours: Option<f64>,
    pub peak_agents: Option<u32>,
    pub peak_scheduled_agents: Option<u32>,
    pub unstable_intervals: usize,
}

#[cfg(test)]
mod tests {
    use carekpi_domain::interchange::Position;
    use carekpi_domain::staffing::Target;
    use jiff::civil::date;

    use super::*;
    use crate::EngineConfig;

    /// Ho Chi Minh City (UTC+7), Monday 2 and 9 March 2026 (the CLI's test history):
    /// - Monday 09:00–09:30: CL1 (handled 200 s), CL2 (120 s) on 2 March, CL3 (280 s) on 9
    ///   March: 1.5 a week over two weeks; too few handled for the slot's own AHT.
    /// - Monday 09:30: CL4 abandoned after 60 s (0.5 a week); CL5 a short abandon (2 s) and CL6
    ///   blocked are not offered.
    /// - Wednesday 14:00 local: chat CH1, handled 600 s.
    /// - Monday 16 March 09:00: CL7 (100 s), after the two weeks.
    ///
    /// Phone AHT over the two weeks: (200 + 120 + 280) / 3 = 200 s.
    const HISTORY: &str = r#"{"kind":"call","id":"CL1","queued_at":"2026-03-02T09:05:00+07:00","answered_at":"2026-03-02T09:05:10+07:00","outcome":"answered","talk_s":200}
{"kind":"call","id":"CL2","queued_at":"2026-03-02T09:20:00+07:00","answered_at":"2026-03-02T09:20:30+07:00","outcome":"answered","talk_s":100,"wrap_s":20}
{"kind":"call","id":"CL3","queued_at":"2026-03-09T09:10:00+07:00","answered_at":"2026-03-09T09:10:05+07:00","outcome":"answered","talk_s":250,"hold_s":30}
{"kind":"call","id":"CL4","queued_at":"2026-03-09T09:40:00+07:00","ended_at":"2026-03-09T09:41:00+07:00","outcome":"abandoned"}
{"kind":"call","id":"CL5","queued_at":"2026-03-09T09:41:00+07:00","ended_at":"2026-03-09T09:41:02+07:00","outcome":"abandoned"}
{"kind":"call","id":"CL6","attempted_at":"2026-03-03T09:00:00+07:00","outcome":"blocked"}
{"kind":"chat","id":"CH1","queued_at":"2026-03-04T14:00:00+07:00","answered_at":"2026-03-04T14:00:20+07:00","outcome":"answered","talk_s":600}
{"kind":"call","id":"CL7","queued_at":"2026-03-16T09:00:00+07:00","answered_at":"2026-03-16T09:00:05+07:00","outcome":"answered","talk_s":100}"#;

    fn engine(config: &str, lines: &str) -> Engine {
        let mut e = Engine::new(EngineConfig::from_json(config).unwrap()).unwrap();
        let records: Vec<_> = lines
            .lines()
            .enumerate()
            .map(|(i, l)| {
                let v: serde_json::Value = serde_json::from_str(l).unwrap();
                carekpi_domain::parse_record_value(&v, Position::Line(i + 1), None).unwrap()
            })
            .collect();
        e.load(records.iter());
        e
    }

    fn hcm() -> Engine {
        engine(r#"{"time_zone": "Asia/Ho_Chi_Minh"}"#, HISTORY)
    }

    fn target(sl: f64) -> Ask {
        Ask::Target(Target::new(sl, 0.0))
    }

    /// Two weeks of phone calls, `ask`ed.
    fn two_weeks(ask: Ask) -> PlanRequest {
        PlanRequest {
            from: Some(date(2026, 3, 2)),
            to: Some(date(2026, 3, 16)),
            channels: vec![Channel::Phone],
            ..PlanRequest::new(Model::ErlangC, ask)
        }
    }

    fn slot(p: &StaffingPlan, weekday: &str, start: &str) -> usize {
        (0..p.answers.len())
            .find(|i| p.slot_label(*i) == (weekday, start.to_string()))
            .unwrap()
    }

    #[test]
    fn a_week_of_required_agents_from_the_calls() {
        let e = hcm();
        let p = e.staffing_plan(&two_weeks(target(0.8))).unwrap();
        assert_eq!((p.from, p.to), (date(2026, 3, 2), date(2026, 3, 16)));
        assert_eq!(p.time_zone, "Asia/Ho_Chi_Minh");
        assert_eq!((p.pattern.offered, p.pattern.handled), (4, 3));
        assert_eq!(p.period_aht(), Some(200.0));
        // The account's default threshold for phone; the target takes it.
        assert_eq!(p.question.answer_within_s(), 20.0);
        assert_eq!(p.question.target().unwrap().answer_within_s, 20.0);
        assert_eq!(p.answers.len(), 7 * 48);

        let nine = slot(&p, "monday", "09:00");
        assert_eq!((p.aht(nine), p.aht_from(nine)), (Some(200.0), "period"));
        // 1.5 calls × 200 s / 1800 s = 1/6 Erlang. On one agent (M/M/1): P(wait) = 1/6 and
        // SL = 1 − 1/6 · e^(−(1 − 1/6)·20/200) = 84.67 %, above 80 %: one agent.
        let a = p.answers[nine].as_ref().unwrap();
        assert_eq!(a.prediction.agents, 1);
        assert!((a.prediction.traffic - 1.0 / 6.0).abs() < 1e-12);
        let sl = 1.0 - (1.0 / 6.0) * (-(5.0 / 6.0) * 0.1f64).exp();
        assert!((a.prediction.service_level - sl).abs() < 1e-12);
        assert_eq!(a.limited_by, Some(Limit::ServiceLevel));
        // Each interval's answer is the question's answer for its workload.
        let w = Workload::new(1.5, 1800.0, 200.0).unwrap();
        assert_eq!(p.question.answer(&w).unwrap(), *a);
        let quiet = p.answers[slot(&p, "tuesday", "09:00")].as_ref().unwrap();
        assert_eq!(
            (quiet.prediction.agents, quiet.limited_by),
            (0, Some(Limit::NoTraffic))
        );

        let t = p.totals();
        assert_eq!(t.agent_hours, 1.0); // two half hours with one agent
        assert_eq!(t.peak, Some((1, nine)));
        assert_eq!((t.scheduled_hours, t.peak_scheduled), (Some(1.0), Some(1)));
        assert_eq!(t.unstable, 0);

        // The JSON of the CLI and the API.
        let json = serde_json::to_value(p.json()).unwrap();
        let keys: Vec<&str> = json
            .as_object()
            .unwrap()
            .keys()
            .map(String::as_str)
            .collect();
        assert_eq!(
            keys,
            [
                "model",
                "patience_s",
                "answer_within_s",
                "target_service_level",
                "max_occupancy",
                "shrinkage",
                "agents",
                "from",
                "to",
                "time_zone",
                "interval_minutes",
                "channels",
                "offered",
                "handled",
                "aht_s",
                "intervals",
                "totals"
            ]
        );
        assert_eq!(json["target_service_level"], 80.0);
        assert_eq!(json["channels"], serde_json::json!(["phone"]));
        let row = &json["intervals"][nine];
        assert_eq!(
            (
                &row["weekday"],
                &row["start"],
                &row["contacts"],
                &row["offered"]
            ),
            (
                &serde_json::json!("monday"),
                &serde_json::json!("09:00"),
                &serde_json::json!(1.5),
                &serde_json::json!(3)
            )
        );
        assert_eq!(row["agents"], 1);
        assert_eq!(row["scheduled_agents"], 1);
        assert_eq!(row["limited_by"], "service_level");
        assert_eq!(row["error"], serde_json::Value::Null);
        assert_eq!(json["totals"]["peak_agents"], 1);
        assert_eq!(json["totals"]["agent_hours"], 1.0);
    }

    #[test]
    fn the_period_defaults_to_the_weeks_before_the_last_contact() {
        let e = hcm();
        let mut r = PlanRequest {
            channels: vec![Channel::Phone],
            ..PlanRequest::new(Model::ErlangC, target(0.8))
        };
        // The last call is on Monday 16 March: 8 weeks up to the 17th.
        let p = e.staffing_plan(&r).unwrap();
        assert_eq!((p.from, p.to), (date(2026, 1, 20), date(2026, 3, 17)));
        let nine = slot(&p, "monday", "09:00");
        assert_eq!(p.pattern.slots[nine].contacts, 0.5);
        r.weeks = 2;
        r.to = Some(date(2026, 3, 16));
        assert_eq!(e.staffing_plan(&r).unwrap().from, date(2026, 3, 2));
        r.to = None;
        r.from = Some(date(2026, 3, 2));
        assert_eq!(e.staffing_plan(&r).unwrap().to, date(2026, 3, 16));
    }

    #[test]
    fn the_threshold_is_the_accounts_for_the_channels_counted() {
        // Chats are answered within 60 s, calls within the default 20 s.
        let e = engine(
            r#"{"time_zone": "Asia/Ho_Chi_Minh", "service_level": {"by_channel": {"chat": 60}}}"#,
            HISTORY,
        );
        let mut r = two_weeks(target(0.8));
        r.channels = vec![Channel::Chat];
        assert_eq!(
            e.staffing_plan(&r).unwrap().question.answer_within_s(),
            60.0
        );
        r.channels.clear();
        assert_eq!(
            e.staffing_plan(&r),
            Err(PlanError::ThresholdsDiffer {
                thresholds: vec![(Channel::Phone, 20.0), (Channel::Chat, 60.0)]
            })
        );
        r.answer_within_s = Some(30.0);
        let p = e.staffing_plan(&r).unwrap();
        assert_eq!(p.question.answer_within_s(), 30.0);
        assert_eq!(p.pattern.channels, vec![Channel::Phone, Channel::Chat]);
        assert_eq!(e.account_threshold(&[]), Ok(DEFAULT_ANSWER_WITHIN_S));
    }

    #[test]
    fn with_too_few_agents_the_unstable_intervals_keep_their_error() {
        let e = hcm();
        let p = e.staffing_plan(&two_weeks(Ask::Agents(0))).unwrap();
        let t = p.totals();
        assert_eq!(t.unstable, 2);
        assert_eq!((t.scheduled_hours, t.peak_scheduled), (None, None));
        let nine = slot(&p, "monday", "09:00");
        assert!(matches!(
            p.answers[nine],
            Err(StaffingError::Unstable { minimum: 1, .. })
        ));
        let json = serde_json::to_value(p.json()).unwrap();
        assert_eq!(json["agents"], 0);
        assert_eq!(json["totals"]["unstable_intervals"], 2);
        let row = &json["intervals"][nine];
        assert!(row["error"].as_str().unwrap().contains("cannot keep up"));
        assert_eq!(row["service_level"], serde_json::Value::Null);
        assert_eq!(row["agents"], 0);
        // Erlang A answers every interval.
        let r = PlanRequest {
            model: Model::ErlangA { patience_s: 90.0 },
            ..two_weeks(Ask::Agents(1))
        };
        assert_eq!(e.staffing_plan(&r).unwrap().totals().unstable, 0);
    }

    #[test]
    fn what_cannot_be_planned() {
        let e = hcm();
        let ask = target(0.8);
        let with = |f: &dyn Fn(&mut PlanRequest)| {
            let mut r = two_weeks(ask);
            f(&mut r);
            e.staffing_plan(&r).unwrap_err()
        };
        assert_eq!(with(&|r| r.weeks = 0), PlanError::NoWeeks);
        assert_eq!(with(&|r| r.interval_minutes = 20), PlanError::Interval(20));
        // Counting weeks past the calendar's end is an error, not a panic.
        for (from, weeks) in [(Some(date(2026, 3, 2)), 100_000_000), (None, 2_000_000)] {
            let e = with(&|r| {
                r.from = from;
                r.to = None;
                r.weeks = weeks;
            });
            assert!(
                matches!(e, PlanError::Weeks { weeks: w, .. } if w == weeks),
                "{e:?}"
            );
        }
        let empty = with(&|r| r.to = Some(date(2026, 3, 2)));
        assert_eq!(
            empty,
            PlanError::EmptyPeriod {
                from: date(2026, 3, 2),
                to: date(2026, 3, 2)
            }
        );
        let none = with(&|r| {
            r.from = Some(date(2026, 4, 1));
            r.to = Some(date(2026, 4, 8));
            r.channels.clear();
        });
        assert_eq!(
            none.to_string(),
            "no answered or abandoned calls or chats arrived between 2026-04-01 and 2026-04-07 (the account's time zone)"
        );
        assert!(matches!(
            with(&|r| r.model = Model::ErlangA { patience_s: 0.0 }),
            PlanError::Staffing(StaffingError::Invalid {
                field: "patience_s",
                ..
            })
        ));
        assert!(matches!(
            with(&|r| r.aht_s = Some(-1.0)),
            PlanError::Staffing(StaffingError::Invalid { field: "aht_s", .. })
        ));
        let nothing = engine(r#"{"time_zone": "UTC"}"#, "");
        let r = PlanRequest {
            channels: vec![Channel::Chat, Channel::Messaging],
            ..PlanRequest::new(Model::ErlangC, ask)
        };
        let e = nothing.staffing_plan(&r).unwrap_err();
        assert_eq!(
            e.to_string(),
            "the store holds no answered or abandoned contacts on chat, messaging"
        );
        // Abandoned calls only: no handle time to plan with, unless one is given.
        let abandons = engine(
            r#"{"time_zone": "UTC"}"#,
            r#"{"kind":"call","id":"A","queued_at":"2026-03-03T10:00:00Z","ended_at":"2026-03-03T10:01:00Z","outcome":"abandoned"}"#,
        );
        let mut r = PlanRequest::new(Model::ErlangC, ask);
        assert!(matches!(
            abandons.staffing_plan(&r),
            Err(PlanError::Staffing(StaffingError::Invalid {
                field: "aht_s",
                ..
            }))
        ));
        r.aht_s = Some(180.0);
        let p = abandons.staffing_plan(&r).unwrap();
        assert_eq!((p.aht(0), p.aht_from(0)), (Some(180.0), "given"));
    }

    /// The Call Centre Helper worked example (100 calls per 30 minutes, AHT 180 s, 14 agents:
    /// 17.41 % waiting, 88.8 % within 20 s, ASA 7.8 s, occupancy 71.4 %) as one interval's JSON.
    #[test]
    fn one_interval_as_json() {
        let w = Workload::new(100.0, 1800.0, 180.0).unwrap();
        let q = Question::new(Model::ErlangC, 20.0, Ask::Agents(14));
        let json = serde_json::to_value(interval_json(&w, &q, &q.answer(&w))).unwrap();
        assert_eq!(json["contacts"], 100.0);
        assert_eq!(json["interval_s"], 1800.0);
        assert_eq!(json["model"], "erlang_c");
        assert_eq!(json["target_service_level"], serde_json::Value::Null);
        assert_eq!(json["traffic_erlangs"], 10.0);
        assert_eq!(json["agents"], 14);
        let near = |k: &str, v: f64, tol: f64| {
            assert!((json[k].as_f64().unwrap() - v).abs() <= tol, "{k}: {json}")
        };
        near("probability_of_waiting", 17.41, 0.005);
        near("service_level", 88.8, 0.05);
        near("asa_s", 7.8, 0.05);
        near("occupancy", 71.4, 0.05);
        assert_eq!(json["abandonment"], 0.0);
        assert_eq!(json["error"], serde_json::Value::Null);
        let unstable = Question::new(Model::ErlangC, 20.0, Ask::Agents(10));
        let json = serde_json::to_value(interval_json(&w, &unstable, &unstable.answer(&w)));
        let json = json.unwrap();
        assert_eq!(
            (json["agents"].as_u64(), json["traffic_erlangs"].as_f64()),
            (Some(10), Some(10.0))
        );
        assert!(json["error"].as_str().unwrap().contains("at least 11"));
    }
}
