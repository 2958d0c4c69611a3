//! Staffing (docs/staffing.md): how a queue performs with a number of agents, or how many agents
//! it needs for a service-level target — Erlang C, or Erlang A with a mean `patience` — for one
//! interval given in the URL (`GET /api/staffing`, the domain's [`Question`]), or for every
//! interval of the average week of the stored calls and chats (`GET /api/staffing/week`, the
//! engine's [`carekpi_engine::Engine::staffing_plan`]). The answers are the JSON of
//! `carekpi staffing --format json`. Any reader may ask.
//!
//! Errors name the parameter in `details.field`: a value that does not parse or is out of its
//! range is `400`; an unstable queue (Erlang C with no more agents than traffic), a target no
//! staffing reaches, or no contacts in the period is `422`.

use std::str::FromStr;
use std::sync::Arc;

use axum::Json;
use axum::extract::rejection::QueryRejection;
use axum::extract::{Query, State};
use carekpi_domain::records::vocab::Channel;
use carekpi_domain::staffing::{
    Ask, Model, PercentRange, Question, StaffingError, Target, Workload, parse_seconds,
};
use carekpi_engine::staffing::plan::{
    self, DEFAULT_ANSWER_WITHIN_S, DEFAULT_INTERVAL_MINUTES, DEFAULT_WEEKS,
};
use carekpi_engine::staffing::{PlanError, PlanRequest};
use jiff::civil::Date;
use serde::Deserialize;
use serde_json::{Value, json};

use crate::auth::Caller;
use crate::error::{ApiError, ApiResult};
use crate::state::AppState;

/// One interval: its workload and the question.
#[derive(Deserialize, utoipa::IntoParams)]
#[into_params(parameter_in = Query)]
#[serde(deny_unknown_fields)]
pub struct IntervalParams {
    /// Contacts expected in the interval (a forecast may be fractional), e.g. `100`.
    pub contacts: Option<String>,
    /// The interval's length: `30m`, `15m`, `1h`, `PT30M`, or a number of seconds.
    pub interval: Option<String>,
    /// Average handle time (talk + hold + wrap-up): `180s`, `3m`, `4m 30s`, or seconds.
    pub aht: Option<String>,
    /// Agents on the queue: predicts how they perform. Give this or `target_sl`.
    pub agents: Option<String>,
    /// Target service level in percent (e.g. `80`): finds the agents needed.
    pub target_sl: Option<String>,
    /// The service-level threshold T (answered within T): `20s`, `1m` … Default 20 s.
    pub answer_within: Option<String>,
    /// With `target_sl`: the highest acceptable occupancy, in percent (e.g. `85`).
    pub max_occupancy: Option<String>,
    /// With `target_sl`: shrinkage in percent; the heads to schedule are agents / (1 − shrinkage).
    pub shrinkage: Option<String>,
    /// Mean patience of waiting contacts (`90s`, `2m`): Erlang A, with abandonment.
    pub patience: Option<String>,
}

/// A week from the stored contacts: the history and the question.
#[derive(Deserialize, utoipa::IntoParams)]
#[into_params(parameter_in = Query)]
#[serde(deny_unknown_fields)]
pub struct WeekParams {
    /// The interval of the day: `15`, `30` or `60` minutes (or `30m`, `1h`). Default 30.
    pub interval: Option<String>,
    /// Agents in every interval: predicts how they perform. Give this or `target_sl`.
    pub agents: Option<String>,
    /// Target service level in percent (e.g. `80`): the agents each interval needs.
    pub target_sl: Option<String>,
    /// T: `20s`, `1m` … Default: the account's service-level threshold for the channels counted.
    pub answer_within: Option<String>,
    /// With `target_sl`: the highest acceptable occupancy, in percent.
    pub max_occupancy: Option<String>,
    /// With `target_sl`: shrinkage in percent.
    pub shrinkage: Option<String>,
    /// Mean patience (`90s`, `2m`): Erlang A.
    pub patience: Option<String>,
    /// An AHT replacing the handle times measured: `180s`, `3m` …
    pub aht: Option<String>,
    /// The first day of the history, `YYYY-MM-DD` in the account's time zone. Default: `weeks`
    /// before `to`.
    pub from: Option<String>,
    /// The day after the history (excluded). Default: `weeks` after `from`, or the day after the
    /// last contact.
    pub to: Option<String>,
    /// Weeks of history when `from` or `to` is missing. Default 8.
    pub weeks: Option<String>,
    /// Comma-separated channels (`phone,chat`); default every channel. Plan one queue at a time.
    pub channel: Option<String>,
}

/// How the queue performs with `agents`, or the agents needed for `target_sl`, in one interval.
#[utoipa::path(get, path = "/api/staffing", tag = "staffing", params(IntervalParams),
    responses(
        (status = 200, description = "As `carekpi staffing --format json`: contacts, interval_s, aht_s, model, patience_s, answer_within_s, target_service_level, max_occupancy, shrinkage, traffic_erlangs, agents, scheduled_agents, limited_by, probability_of_waiting, service_level, asa_s, occupancy, abandonment (percentages 0–100, seconds)", body = Object),
        (status = 400, description = "A parameter missing, unparsable or out of range: `details.field` names it", body = crate::error::ErrorBody),
        (status = 401, description = "Not authenticated", body = crate::error::ErrorBody),
        (status = 422, description = "`unstable`: Erlang C with no more agents than traffic (`details.field` is `agents`, `details.minimum_agents` the fewest that keep up); `unreachable`: no staffing meets the target", body = crate::error::ErrorBody)),
    security(("session" = []), ("api_key" = [])))]
pub async fn interval(
    caller: Caller,
    params: Result<Query<IntervalParams>, QueryRejection>,
) -> ApiResult<Json<Value>> {
    caller.require_read()?;
    let Query(p) = params?;
    let (model, ask) = question(&Common {
        agents: &p.agents,
        target_sl: &p.target_sl,
        max_occupancy: &p.max_occupancy,
        shrinkage: &p.shrinkage,
        patience: &p.patience,
    })?;
    let contacts = number("contacts", required("contacts", &p.contacts)?)?;
    let interval_s = seconds("interval", required("interval", &p.interval)?)?;
    let aht_s = seconds("aht", required("aht", &p.aht)?)?;
    let answer_within_s = match &p.answer_within {
        Some(t) => seconds("answer_within", t)?,
        None => DEFAULT_ANSWER_WITHIN_S,
    };
    let body = tokio::task::spawn_blocking(move || {
        let w = Workload::new(contacts, interval_s, aht_s).map_err(staffing_error)?;
        let q = Question::new(model, answer_within_s, ask);
        let answer = q.answer(&w).map_err(staffing_error)?;
        serde_json::to_value(plan::interval_json(&w, &q, &Ok(answer)))
            .map_err(|e| ApiError::internal(e.to_string()))
    })
    .await
    .map_err(|e| ApiError::internal(e.to_string()))??;
    Ok(Json(body))
}

/// Every weekday × interval of the average week of the stored calls and chats.
#[utoipa::path(get, path = "/api/staffing/week", tag = "staffing", params(WeekParams),
    responses(
        (status = 200, description = "As `carekpi staffing --from-history --format json`: the question, from, to, time_zone, interval_minutes, channels, offered, handled, aht_s, intervals (weekday, start, contacts, offered, aht_s, aht_from and one interval's figures; `error` for an unstable queue) and totals", body = Object),
        (status = 400, description = "A parameter unparsable or out of range, an empty period, or thresholds that differ between the channels (give `answer_within`): `details.field` names it", body = crate::error::ErrorBody),
        (status = 401, description = "Not authenticated", body = crate::error::ErrorBody),
        (status = 422, description = "`no_contacts`: no answered or abandoned contacts in the store or the period; `unreachable`: no staffing meets the target", body = crate::error::ErrorBody)),
    security(("session" = []), ("api_key" = [])))]
pub async fn week(
    State(state): State<Arc<AppState>>,
    caller: Caller,
    params: Result<Query<WeekParams>, QueryRejection>,
) -> ApiResult<Json<Value>> {
    caller.require_read()?;
    let Query(p) = params?;
    let (model, ask) = question(&Common {
        agents: &p.agents,
        target_sl: &p.target_sl,
        max_occupancy: &p.max_occupancy,
        shrinkage: &p.shrinkage,
        patience: &p.patience,
    })?;
    let request = PlanRequest {
        model,
        ask,
        answer_within_s: p
            .answer_within
            .as_deref()
            .map(|t| seconds("answer_within", t))
            .transpose()?,
        from: p.from.as_deref().map(|d| date("from", d)).transpose()?,
        to: p.to.as_deref().map(|d| date("to", d)).transpose()?,
        weeks: match &p.weeks {
            Some(w) => w.trim().parse::<u32>().map_err(|_| {
                field_error("weeks", format!("`{w}` is not a whole number of weeks"))
            })?,
            None => DEFAULT_WEEKS,
        },
        interval_minutes: match &p.interval {
            Some(i) => interval_minutes(i)?,
            None => DEFAULT_INTERVAL_MINUTES,
        },
        channels: channels(p.channel.as_deref().unwrap_or(""))?,
        aht_s: p.aht.as_deref().map(|a| seconds("aht", a)).transpose()?,
    };
    let body = tokio::task::spawn_blocking(move || {
        let engine = state.engine();
        let plan = engine.staffing_plan(&request).map_err(plan_error)?;
        serde_json::to_value(plan.json()).map_err(|e| ApiError::internal(e.to_string()))
    })
    .await
    .map_err(|e| ApiError::internal(e.to_string()))??;
    Ok(Json(body))
}

/// The question's parameters, shared by both routes.
struct Common<'a> {
    agents: &'a Option<String>,
    target_sl: &'a Option<String>,
    max_occupancy: &'a Option<String>,
    shrinkage: &'a Option<String>,
    patience: &'a Option<String>,
}

/// The model and what is asked (a target's threshold is set by the question).
fn question(c: &Common) -> ApiResult<(Model, Ask)> {
    let model = match c.patience {
        Some(p) => Model::ErlangA {
            patience_s: seconds("patience", p)?,
        },
        None => Model::ErlangC,
    };
    if c.target_sl.is_none() {
        for (field, given) in [
            ("max_occupancy", c.max_occupancy),
            ("shrinkage", c.shrinkage),
        ] {
            if given.is_some() {
                return Err(field_error(
                    field,
                    "shapes the required agents: give it with `target_sl`",
                ));
            }
        }
    }
    let ask = match (c.agents, c.target_sl) {
        (Some(n), None) => Ask::Agents(n.trim().parse::<u32>().map_err(|_| {
            field_error("agents", format!("`{n}` is not a whole number of agents"))
        })?),
        (None, Some(sl)) => Ask::Target(Target {
            service_level: percent("target_sl", sl, PercentRange::SERVICE_LEVEL)?,
            answer_within_s: DEFAULT_ANSWER_WITHIN_S, // replaced by the question's T
            max_occupancy: c
                .max_occupancy
                .as_deref()
                .map(|o| percent("max_occupancy", o, PercentRange::MAX_OCCUPANCY))
                .transpose()?,
            shrinkage: c
                .shrinkage
                .as_deref()
                .map(|s| percent("shrinkage", s, PercentRange::SHRINKAGE))
                .transpose()?
                .unwrap_or(0.0),
        }),
        (Some(_), Some(_)) => {
            return Err(field_error(
                "target_sl",
                "give `agents` (how the queue performs with them) or `target_sl` (how many agents it needs), not both",
            ));
        }
        (None, None) => {
            return Err(field_error(
                "target_sl",
                "give `agents` (how the queue performs with them) or `target_sl` (how many agents it needs)",
            ));
        }
    };
    Ok((model, ask))
}

fn field_error(field: &str, message: impl std::fmt::Display) -> ApiError {
    ApiError::bad_request(format!("`{field}`: {message}")).with_details(json!({"field": field}))
}

fn required<'a>(field: &str, value: &'a Option<String>) -> ApiResult<&'a str> {
    value.as_deref().ok_or_else(|| {
        field_error(
            field,
            "missing: one interval needs contacts, interval and aht",
        )
    })
}

fn number(field: &str, text: &str) -> ApiResult<f64> {
    text.trim()
        .parse::<f64>()
        .map_err(|_| field_error(field, format!("`{text}` is not a number")))
}

fn seconds(field: &str, text: &str) -> ApiResult<f64> {
    parse_seconds(text).map_err(|e| field_error(field, e))
}

/// A percentage as a share, within its range.
fn percent(field: &str, text: &str, range: PercentRange) -> ApiResult<f64> {
    let value = number(field, text)?;
    range
        .share(value)
        .map_err(|why| field_error(field, format!("{value} {why}")))
}

fn date(field: &str, text: &str) -> ApiResult<Date> {
    text.trim().parse::<Date>().map_err(|_| {
        field_error(
            field,
            format!("`{text}` is not a date: write YYYY-MM-DD (in the account's time zone)"),
        )
    })
}

/// The week's interval: a bare number is minutes (`30`), else a duration (`30m`, `1h`).
fn interval_minutes(text: &str) -> ApiResult<u32> {
    let minutes = match text.trim().parse::<f64>() {
        Ok(m) => m,
        Err(_) => seconds("interval", text)? / 60.0,
    };
    if [15.0, 30.0, 60.0].contains(&minutes) {
        Ok(minutes as u32)
    } else {
        Err(field_error(
            "interval",
            format!("`{text}`: a week is cut into 15, 30 or 60-minute intervals"),
        ))
    }
}

fn channels(text: &str) -> ApiResult<Vec<Channel>> {
    text.split(',')
        .map(str::trim)
        .filter(|c| !c.is_empty())
        .map(|c| Channel::from_str(c).map_err(|e| field_error("channel", e)))
        .collect()
}

/// The URL parameter of a domain field.
fn parameter(field: &str) -> &str {
    match field {
        "interval_s" => "interval",
        "aht_s" => "aht",
        "answer_within_s" => "answer_within",
        "patience_s" => "patience",
        "service_level" => "target_sl",
        other => other,
    }
}

/// A staffing error: 400 for a value out of range (naming the parameter), 422 for a queue that
/// cannot keep up or a target no staffing reaches.
fn staffing_error(e: StaffingError) -> ApiError {
    match e {
        StaffingError::Invalid { field, reason } => {
            let what = if field == "traffic" {
                "`traffic` (contacts × aht / interval)".to_string()
            } else {
                format!("`{}`", parameter(field))
            };
            ApiError::bad_request(format!("{what}: {reason}"))
                .with_details(json!({"field": parameter(field)}))
        }
        StaffingError::Unstable {
            agents,
            traffic,
            minimum,
        } => ApiError::unprocessable(
            "unstable",
            format!(
                "{e}; give more `agents`, or `patience` for Erlang A (abandons keep the queue finite)"
            ),
        )
        .with_details(json!({
            "field": "agents",
            "agents": agents,
            "traffic_erlangs": traffic,
            "minimum_agents": minimum,
        })),
        StaffingError::Unreachable { .. } => ApiError::unprocessable("unreachable", e.to_string())
            .with_details(json!({"field": "target_sl"})),
    }
}

/// Why the week cannot be planned, with the parameter to change.
fn plan_error(e: PlanError) -> ApiError {
    match e {
        PlanError::NoWeeks => field_error("weeks", "must be at least 1"),
        PlanError::Weeks { .. } => field_error("weeks", e),
        PlanError::Interval(_) => field_error("interval", e),
        PlanError::EmptyPeriod { from, to } => field_error(
            "to",
            format!("the period is empty: `to` {to} must be after `from` {from}"),
        ),
        PlanError::BadPeriod { .. } => field_error("from", e),
        PlanError::ThresholdsDiffer { ref thresholds } => {
            let by_channel: serde_json::Map<String, Value> = thresholds
                .iter()
                .map(|(c, t)| (c.as_str().to_string(), json!(t)))
                .collect();
            ApiError::bad_request(format!(
                "`answer_within`: {e}: give `answer_within`, or `channel` to plan one queue"
            ))
            .with_details(json!({"field": "answer_within", "thresholds_s": by_channel}))
        }
        PlanError::NoContacts { ref channels } => {
            let names: Vec<&str> = channels.iter().map(|c| c.as_str()).collect();
            if names.is_empty() {
                ApiError::unprocessable("no_contacts", format!("{e}: send some first"))
                    .with_details(json!({"field": null, "channels": names}))
            } else {
                ApiError::unprocessable(
                    "no_contacts",
                    format!("{e}: send some first, or ask for another `channel`"),
                )
                .with_details(json!({"field": "channel", "channels": names}))
            }
        }
        PlanError::LastDay { .. } => ApiError::unprocessable("no_contacts", e.to_string())
            .with_details(json!({"field": "to"})),
        PlanError::NoContactsInPeriod { from, to, .. } => {
            ApiError::unprocessable("no_contacts", format!("{e}; choose another `from`/`to`"))
                .with_details(
                    json!({"field": "from", "from": from.to_string(), "to": to.to_string()}),
                )
        }
        PlanError::Staffing(e) => staffing_error(e),
    }
}
