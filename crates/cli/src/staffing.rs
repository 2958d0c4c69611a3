//! `carekpi staffing`: how a queue performs with a number of agents, or how many agents it needs
//! for a service-level target (Erlang C, or Erlang A with `--patience`) — for one interval given
//! on the command line, or for every interval of an average week derived from the stored calls
//! and chats (`--from-history`). The formulas are the domain's ([`carekpi_domain::staffing`]);
//! the weekly pattern is the engine's ([`carekpi_engine::staffing`]). docs/staffing.md describes
//! the command.

pub mod bench;

use std::path::PathBuf;
use std::str::FromStr;

use carekpi_domain::RecordKind;
use carekpi_domain::records::vocab::Channel;
use carekpi_domain::staffing::{
    Limit, Model, Prediction, StaffingError, Target, Workload, predict, required_agents,
};
use carekpi_engine::Engine;
use carekpi_engine::staffing::{PatternQuery, WeeklyPattern};
use clap::{Args, ValueEnum};
use jiff::civil::Date;
use jiff::{SignedDuration, Span};
use serde::Serialize;

use crate::failure::Failure;
use crate::output;
use crate::report::{duration, grouped};

/// The service-level threshold when neither `--answer-within` nor (with `--from-history`) the
/// account's configuration gives one.
const DEFAULT_ANSWER_WITHIN_S: f64 = 20.0;

#[derive(Args, Debug)]
pub struct StaffingArgs {
    /// Contacts expected in the interval (a forecast may be fractional).
    #[arg(long, conflicts_with = "from_history", allow_negative_numbers = true)]
    pub contacts: Option<f64>,
    /// The interval's length: `30m`, `15m`, `1h` … (with --from-history: 15m, 30m or 60m;
    /// default 30m).
    #[arg(long, value_parser = seconds)]
    pub interval: Option<f64>,
    /// Average handle time (talk + hold + wrap-up): `180s`, `3m`, `4m 30s` … With
    /// --from-history it replaces the handle times measured.
    #[arg(long, value_parser = seconds)]
    pub aht: Option<f64>,
    /// Agents on the queue: predicts the service level, ASA and occupancy they give.
    #[arg(long, conflicts_with = "target_sl")]
    pub agents: Option<u32>,
    /// Target service level, in percent (e.g. 80): finds the agents needed.
    #[arg(long, allow_negative_numbers = true)]
    pub target_sl: Option<f64>,
    /// The service-level threshold T (answered within T): `20s`, `1m` … Default 20 s; with
    /// --from-history, the account's threshold for the channels.
    #[arg(long, value_parser = seconds)]
    pub answer_within: Option<f64>,
    /// With --target-sl: the highest acceptable occupancy, in percent (e.g. 85).
    #[arg(long, allow_negative_numbers = true)]
    pub max_occupancy: Option<f64>,
    /// With --target-sl: shrinkage in percent (breaks, training, absence): the heads to schedule
    /// are agents / (1 − shrinkage).
    #[arg(long, allow_negative_numbers = true)]
    pub shrinkage: Option<f64>,
    /// Mean patience of waiting contacts (`90s`, `2m`): use Erlang A, with abandonment, instead
    /// of Erlang C.
    #[arg(long, value_parser = seconds)]
    pub patience: Option<f64>,
    /// Forecast every interval of an average week from the stored calls and chats.
    #[arg(long)]
    pub from_history: bool,
    /// With --from-history: the first day of the history (in the account's time zone).
    /// Default: --weeks before --to.
    #[arg(long, requires = "from_history")]
    pub from: Option<Date>,
    /// With --from-history: the day after the history. Default: the day after the last contact.
    #[arg(long, requires = "from_history")]
    pub to: Option<Date>,
    /// With --from-history: weeks of history when --from or --to is not given.
    #[arg(long, requires = "from_history", default_value_t = 8)]
    pub weeks: u32,
    /// With --from-history: only contacts of these channels (phone, chat, messaging …).
    #[arg(long, value_delimiter = ',', requires = "from_history")]
    pub channel: Vec<String>,
    /// table: for people; json; csv: raw numbers (seconds, percentages 0–100).
    #[arg(long, value_enum, default_value_t = StaffingFormat::Table)]
    pub format: StaffingFormat,
    /// Write to this file instead of stdout.
    #[arg(long)]
    pub out: Option<PathBuf>,
}

#[derive(Clone, Copy, Debug, PartialEq, Eq, ValueEnum)]
pub enum StaffingFormat {
    Table,
    Json,
    Csv,
}

/// A duration argument in seconds: `180s`, `3m`, `1h 30m`, `PT30M`, or a bare number of seconds.
fn seconds(text: &str) -> Result<f64, String> {
    let text = text.trim();
    if let Ok(s) = text.parse::<f64>() {
        return Ok(s);
    }
    let d: SignedDuration = text
        .parse::<SignedDuration>()
        .or_else(|_| text.parse::<Span>().and_then(SignedDuration::try_from))
        .map_err(|_| {
            format!("`{text}` is not a duration: write e.g. `20s`, `3m`, `4m 30s` or `1h`")
        })?;
    Ok(d.as_secs_f64())
}

/// What the command was asked: the model, and either a number of agents or a target.
struct Question {
    model: Model,
    answer_within_s: f64,
    ask: Ask,
}

enum Ask {
    Agents(u32),
    Target(Target),
}

impl Question {
    /// One interval's answer.
    fn answer(&self, w: &Workload) -> Result<Answer, StaffingError> {
        match &self.ask {
            Ask::Agents(n) => Ok(Answer {
                prediction: predict(w, *n, self.answer_within_s, self.model)?,
                scheduled: None,
                limited_by: None,
            }),
            Ask::Target(t) => {
                let r = required_agents(w, t, self.model)?;
                Ok(Answer {
                    prediction: r.prediction,
                    scheduled: Some(r.scheduled),
                    limited_by: Some(r.limited_by),
                })
            }
        }
    }

    fn target(&self) -> Option<&Target> {
        match &self.ask {
            Ask::Target(t) => Some(t),
            Ask::Agents(_) => None,
        }
    }

    /// The model and the question, as JSON fields (percentages 0–100).
    fn json(&self) -> QuestionJson {
        let t = self.target();
        QuestionJson {
            model: model_id(self.model),
            patience_s: patience(self.model),
            answer_within_s: self.answer_within_s,
            target_service_level: t.map(|t| t.service_level * 100.0),
            max_occupancy: t.and_then(|t| t.max_occupancy).map(|o| o * 100.0),
            shrinkage: t.map(|t| t.shrinkage * 100.0),
        }
    }

    /// "Erlang C, target 80.0 % within 20 s, max occupancy 85.0 %, shrinkage 30.0 %".
    fn describe(&self) -> String {
        let mut text = match self.model {
            Model::ErlangC => "Erlang C".to_string(),
            Model::ErlangA { patience_s } => {
                format!("Erlang A (mean patience {})", given(patience_s))
            }
        };
        let within = given(self.answer_within_s);
        match &self.ask {
            Ask::Agents(n) => text.push_str(&format!(", {n} agents, answered within {within}")),
            Ask::Target(t) => {
                text.push_str(&format!(
                    ", target {} within {within}",
                    percent(t.service_level)
                ));
                if let Some(o) = t.max_occupancy {
                    text.push_str(&format!(", max occupancy {}", percent(o)));
                }
                if t.shrinkage > 0.0 {
                    text.push_str(&format!(", shrinkage {}", percent(t.shrinkage)));
                }
            }
        }
        text
    }
}

struct Answer {
    prediction: Prediction,
    scheduled: Option<u32>,
    limited_by: Option<Limit>,
}

fn model_id(model: Model) -> &'static str {
    match model {
        Model::ErlangC => "erlang_c",
        Model::ErlangA { .. } => "erlang_a",
    }
}

fn patience(model: Model) -> Option<f64> {
    match model {
        Model::ErlangC => None,
        Model::ErlangA { patience_s } => Some(patience_s),
    }
}

/// 0.8 → "80.0 %".
fn percent(share: f64) -> String {
    format!("{:.1} %", share * 100.0)
}

/// A percentage argument as a share, within `(low, high)` — each end included when its flag
/// says so — or an invalid-input failure (exit 1) saying the range.
fn share(flag: &str, value: f64, low: (f64, bool), high: (f64, bool)) -> Result<f64, Failure> {
    let above = value > low.0 || (low.1 && value == low.0);
    let below = value < high.0 || (high.1 && value == high.0);
    if value.is_finite() && above && below {
        return Ok(value / 100.0);
    }
    let bound = |(v, included): (f64, bool), word: &str, strict: &str| {
        format!("{} {v}", if included { word } else { strict })
    };
    Err(Failure::invalid_input(format!(
        "{flag} {value}: must be a percentage {} and {}",
        bound(low, "at least", "above"),
        bound(high, "at most", "below")
    )))
}

/// The command-line flag of a domain field, for messages.
fn flag(field: &str) -> &str {
    match field {
        "contacts" => "--contacts",
        "interval_s" => "--interval",
        "aht_s" => "--aht",
        "answer_within_s" => "--answer-within",
        "patience_s" => "--patience",
        "agents" => "--agents",
        "service_level" => "--target-sl",
        "max_occupancy" => "--max-occupancy",
        "shrinkage" => "--shrinkage",
        "traffic" => "the traffic (contacts × AHT / interval)",
        other => other,
    }
}

/// A domain error as an invalid-input failure (exit 1) that names the flag.
fn invalid(e: StaffingError) -> Failure {
    match e {
        StaffingError::Invalid { field, reason } => {
            Failure::invalid_input(format!("{}: {reason}", flag(field)))
        }
        StaffingError::Unstable { .. } => Failure::invalid_input(format!(
            "{e}; give more --agents, or --patience for Erlang A (abandons keep the queue finite)"
        )),
        other => Failure::invalid_input(other),
    }
}

pub async fn run(db: &str, args: StaffingArgs) -> Result<(), Failure> {
    let model = match args.patience {
        Some(p) => Model::ErlangA { patience_s: p },
        None => Model::ErlangC,
    };
    if args.target_sl.is_none() && (args.max_occupancy.is_some() || args.shrinkage.is_some()) {
        return Err(Failure::usage(
            "--max-occupancy and --shrinkage shape the required agents: give them with --target-sl",
        ));
    }
    let ask = match (args.agents, args.target_sl) {
        (Some(n), None) => Ask::Agents(n),
        (None, Some(sl)) => Ask::Target(Target {
            service_level: share("--target-sl", sl, (0.0, false), (100.0, false))?,
            answer_within_s: 0.0, // set once the threshold is known
            max_occupancy: args
                .max_occupancy
                .map(|o| share("--max-occupancy", o, (0.0, false), (100.0, true)))
                .transpose()?,
            shrinkage: args
                .shrinkage
                .map(|s| share("--shrinkage", s, (0.0, true), (100.0, false)))
                .transpose()?
                .unwrap_or(0.0),
        }),
        _ => {
            return Err(Failure::usage(
                "give --agents N (how the queue performs with N agents) or --target-sl PERCENT \
                 (how many agents it needs)",
            ));
        }
    };
    if args.from_history {
        history(db, args, model, ask).await
    } else {
        one_interval(args, model, ask)
    }
}

fn with_threshold(model: Model, ask: Ask, answer_within_s: f64) -> Question {
    let ask = match ask {
        Ask::Target(t) => Ask::Target(Target {
            answer_within_s,
            ..t
        }),
        other => other,
    };
    Question {
        model,
        answer_within_s,
        ask,
    }
}

// ---------------------------------------------------------------- one interval

fn one_interval(args: StaffingArgs, model: Model, ask: Ask) -> Result<(), Failure> {
    let missing: Vec<&str> = [
        ("--contacts", args.contacts.is_none()),
        ("--interval", args.interval.is_none()),
        ("--aht", args.aht.is_none()),
    ]
    .iter()
    .filter_map(|(f, m)| m.then_some(*f))
    .collect();
    if !missing.is_empty() {
        return Err(Failure::usage(format!(
            "one interval needs {} (or --from-history for a week from the stored contacts)",
            missing.join(", ")
        )));
    }
    let (contacts, interval_s, aht_s) = (
        args.contacts.unwrap_or_default(),
        args.interval.unwrap_or_default(),
        args.aht.unwrap_or_default(),
    );
    let q = with_threshold(
        model,
        ask,
        args.answer_within.unwrap_or(DEFAULT_ANSWER_WITHIN_S),
    );
    let w = Workload::new(contacts, interval_s, aht_s).map_err(invalid)?;
    let answer = q.answer(&w).map_err(invalid)?;
    let out = args.out.as_deref();
    match args.format {
        StaffingFormat::Json => {
            let body = IntervalJson {
                contacts,
                interval_s,
                aht_s,
                question: q.json(),
                answer: AnswerJson::of(&Ok(answer)),
            };
            let text = serde_json::to_string_pretty(&body).unwrap_or_default();
            output::emit(out, &(text + "\n"))
        }
        StaffingFormat::Csv => {
            let mut header: Vec<&str> = vec!["contacts", "interval_s", "aht_s"];
            header.extend(ROW_COLUMNS);
            let mut row = vec![num(contacts), num(interval_s), num(aht_s)];
            row.extend(row_values(&Ok(answer)));
            output::emit(out, &csv_text(&header, &[row])?)
        }
        StaffingFormat::Table => {
            let title = format!(
                "{}: {} contacts in {}, AHT {} ({} Erlangs)",
                q.describe(),
                grouped_auto(contacts),
                given(interval_s),
                given(aht_s),
                grouped(w.traffic(), 2)
            );
            output::emit(out, &interval_table(&title, &q, &answer))
        }
    }
}

fn interval_table(title: &str, q: &Question, a: &Answer) -> String {
    let p = &a.prediction;
    let mut lines: Vec<(String, String)> = Vec::new();
    match (a.scheduled, a.limited_by) {
        (Some(scheduled), Some(limit)) => {
            let why = match limit {
                Limit::NoTraffic => "no contacts",
                Limit::ServiceLevel => "for the service level",
                Limit::Occupancy => "for the maximum occupancy",
            };
            lines.push(("required agents".into(), format!("{} ({why})", p.agents)));
            let shrinkage = q.target().map_or(0.0, |t| t.shrinkage);
            let note = if shrinkage > 0.0 {
                format!("with {} shrinkage", percent(shrinkage))
            } else {
                "no shrinkage given".to_string()
            };
            lines.push(("agents to schedule".into(), format!("{scheduled} ({note})")));
        }
        _ => lines.push(("agents".into(), p.agents.to_string())),
    }
    lines.push((
        "traffic".into(),
        format!("{} Erlangs", grouped(p.traffic, 2)),
    ));
    lines.push((
        "probability of waiting".into(),
        percent(p.probability_of_waiting),
    ));
    lines.push((
        "service level".into(),
        format!(
            "{} answered within {}",
            percent(p.service_level),
            given(p.answer_within_s)
        ),
    ));
    lines.push(("ASA".into(), asa_text(p.asa_s)));
    lines.push(("occupancy".into(), percent(p.occupancy)));
    if matches!(q.model, Model::ErlangA { .. }) {
        lines.push(("abandonment".into(), percent(p.abandonment)));
    }
    let width = lines
        .iter()
        .map(|(k, _)| k.chars().count())
        .max()
        .unwrap_or(0);
    let mut out = format!("{title}\n");
    for (k, v) in lines {
        out.push_str(&format!("{k:<width$}  {v}\n"));
    }
    out
}

/// A given duration, compactly: `30 min`, `1 h`, `20 s`, `4 min 30 s`.
fn given(seconds: f64) -> String {
    if seconds >= 3600.0 && seconds % 3600.0 == 0.0 {
        format!("{} h", seconds / 3600.0)
    } else if seconds >= 60.0 && seconds % 60.0 == 0.0 {
        format!("{} min", seconds / 60.0)
    } else if seconds > 60.0 && seconds.fract() == 0.0 {
        format!("{} min {} s", (seconds / 60.0).floor(), seconds % 60.0)
    } else {
        duration(seconds)
    }
}

fn asa_text(s: f64) -> String {
    if s.is_finite() {
        duration(s)
    } else {
        "—".into()
    }
}

/// A count that may be fractional: `100`, `12.5`.
fn grouped_auto(v: f64) -> String {
    if v.fract() == 0.0 {
        grouped(v, 0)
    } else {
        grouped(v, 2)
    }
}

/// The figures of one answer, in JSON and CSV (percentages 0–100, seconds).
const ROW_COLUMNS: [&str; 10] = [
    "traffic_erlangs",
    "agents",
    "scheduled_agents",
    "limited_by",
    "probability_of_waiting",
    "service_level",
    "asa_s",
    "occupancy",
    "abandonment",
    "error",
];

/// The question's fields in JSON.
#[derive(Serialize)]
struct QuestionJson {
    model: &'static str,
    patience_s: Option<f64>,
    answer_within_s: f64,
    target_service_level: Option<f64>,
    max_occupancy: Option<f64>,
    shrinkage: Option<f64>,
}

/// One answer in JSON (percentages 0–100, seconds; `error` when the interval has no answer).
#[derive(Serialize)]
struct AnswerJson {
    traffic_erlangs: Option<f64>,
    agents: Option<u32>,
    scheduled_agents: Option<u32>,
    limited_by: Option<&'static str>,
    probability_of_waiting: Option<f64>,
    service_level: Option<f64>,
    asa_s: Option<f64>,
    occupancy: Option<f64>,
    abandonment: Option<f64>,
    error: Option<String>,
}

impl AnswerJson {
    fn of(a: &Result<Answer, StaffingError>) -> Self {
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
            Err(e) => AnswerJson {
                traffic_erlangs: match e {
                    StaffingError::Unstable { traffic, .. } => Some(*traffic),
                    _ => None,
                },
                agents: match e {
                    StaffingError::Unstable { agents, .. } => Some(*agents),
                    _ => None,
                },
                scheduled_agents: None,
                limited_by: None,
                probability_of_waiting: None,
                service_level: None,
                asa_s: None,
                occupancy: None,
                abandonment: None,
                error: Some(e.to_string()),
            },
        }
    }
}

/// `carekpi staffing --format json` for one interval.
#[derive(Serialize)]
struct IntervalJson {
    contacts: f64,
    interval_s: f64,
    aht_s: f64,
    #[serde(flatten)]
    question: QuestionJson,
    #[serde(flatten)]
    answer: AnswerJson,
}

fn num(v: f64) -> String {
    if v.is_finite() {
        v.to_string()
    } else {
        String::new()
    }
}

fn row_values(a: &Result<Answer, StaffingError>) -> Vec<String> {
    match a {
        Ok(a) => {
            let p = &a.prediction;
            vec![
                num(p.traffic),
                p.agents.to_string(),
                a.scheduled.map_or(String::new(), |s| s.to_string()),
                a.limited_by.map_or("", Limit::as_str).to_string(),
                num(p.probability_of_waiting * 100.0),
                num(p.service_level * 100.0),
                num(p.asa_s),
                num(p.occupancy * 100.0),
                num(p.abandonment * 100.0),
                String::new(),
            ]
        }
        Err(e) => {
            let mut v = vec![String::new(); ROW_COLUMNS.len() - 1];
            v.push(e.to_string());
            v
        }
    }
}

fn csv_text(header: &[&str], rows: &[Vec<String>]) -> Result<String, Failure> {
    let mut w = csv::Writer::from_writer(Vec::new());
    let write_err = |e: csv::Error| Failure::usage(format!("cannot write CSV: {e}"));
    w.write_record(header).map_err(write_err)?;
    for row in rows {
        w.write_record(row).map_err(write_err)?;
    }
    let bytes = w
        .into_inner()
        .map_err(|e| Failure::usage(format!("cannot write CSV: {e}")))?;
    Ok(String::from_utf8(bytes).unwrap_or_default())
}

// ---------------------------------------------------------------- a week from history

async fn history(db: &str, args: StaffingArgs, model: Model, ask: Ask) -> Result<(), Failure> {
    if args.weeks == 0 {
        return Err(Failure::usage("--weeks must be at least 1"));
    }
    let interval_s = args.interval.unwrap_or(1800.0);
    let minutes = interval_s / 60.0;
    if ![15.0, 30.0, 60.0].contains(&minutes) {
        return Err(Failure::usage(format!(
            "--interval {}: a week from history is cut into 15m, 30m or 60m intervals",
            duration(interval_s)
        )));
    }
    let channels = args
        .channel
        .iter()
        .map(|c| Channel::from_str(c.trim()).map_err(|e| Failure::usage(format!("--channel: {e}"))))
        .collect::<Result<Vec<_>, _>>()?;

    let store = crate::open_store(db).await?;
    let loaded = load_contacts(&store).await;
    store.close().await;
    let (engine, zone_known) = loaded?;
    if !zone_known {
        eprintln!(
            "note: the account has no time zone; the week's days and hours are in UTC (set one with `carekpi config set`)"
        );
    }
    let which = if channels.is_empty() {
        "calls or chats".to_string()
    } else {
        format!("contacts on {}", join(&channels))
    };
    let (from, to) = period(&engine, &args, &channels, &which)?;
    let (from_ts, to_ts) = engine
        .local_period(from, to)
        .map_err(|e| Failure::usage(format!("the period {from} … {to}: {e}")))?;
    let pattern = engine
        .weekly_pattern(&PatternQuery {
            from: from_ts,
            to: to_ts,
            interval_minutes: minutes as u32,
            channels: channels.clone(),
        })
        .map_err(Failure::usage)?;
    if pattern.offered == 0 {
        return Err(Failure::usage(format!(
            "no answered or abandoned {which} arrived between {from} and {} (the account's time zone); choose another --from/--to",
            to.yesterday().unwrap_or(to)
        )));
    }
    let answer_within_s = match args.answer_within {
        Some(t) => t,
        None => account_threshold(&engine, &pattern)?,
    };
    let q = with_threshold(model, ask, answer_within_s);
    let workloads = pattern.workloads(args.aht);
    let answers: Vec<Result<Answer, StaffingError>> = workloads
        .into_iter()
        .map(|w| w.and_then(|w| q.answer(&w)))
        .collect();
    // A problem that every interval shares (an AHT that no contact has, an invalid input) is the
    // command's; an unstable queue in some intervals is shown in those rows.
    if let Some(Err(e)) = answers
        .iter()
        .find(|a| !matches!(a, Ok(_) | Err(StaffingError::Unstable { .. })))
    {
        return Err(invalid(e.clone()));
    }
    let week = Week {
        pattern: &pattern,
        question: &q,
        answers: &answers,
        from,
        to,
        time_zone: &engine.config().time_zone,
        aht_override: args.aht,
    };
    let out = args.out.as_deref();
    match args.format {
        StaffingFormat::Json => {
            let text = serde_json::to_string_pretty(&week.json()).unwrap_or_default();
            output::emit(out, &(text + "\n"))
        }
        StaffingFormat::Csv => output::emit(out, &week.csv()?),
        StaffingFormat::Table => output::emit(out, &week.table()),
    }
}

fn join(channels: &[Channel]) -> String {
    channels
        .iter()
        .map(|c| c.as_str())
        .collect::<Vec<_>>()
        .join(", ")
}

/// An engine holding the store's calls and chats, with the account's configuration; and whether
/// the account has a time zone.
async fn load_contacts(store: &carekpi_storage::Store) -> Result<(Engine, bool), Failure> {
    let account = crate::account::load(store).await?;
    let mut engine = Engine::new(account.config.clone()).map_err(|e| {
        Failure::usage(format!(
            "the stored account configuration is invalid: field `{}`: {}; fix it with `carekpi config set FILE`",
            e.field, e.reason
        ))
    })?;
    for kind in [RecordKind::Call, RecordKind::Chat] {
        let records = store.records(kind).await?;
        engine.load(records.iter());
    }
    Ok((engine, account.zone_known))
}

/// The history period: --from / --to, each defaulting to --weeks from the other; without either,
/// the --weeks ending the day after the last contact.
fn period(
    engine: &Engine,
    args: &StaffingArgs,
    channels: &[Channel],
    which: &str,
) -> Result<(Date, Date), Failure> {
    let weeks = Span::new().weeks(i64::from(args.weeks));
    let shift = |d: Date, forward: bool| {
        if forward {
            d.checked_add(weeks)
        } else {
            d.checked_sub(weeks)
        }
        .map_err(|e| Failure::usage(format!("--weeks {}: {e}", args.weeks)))
    };
    let (from, to) = match (args.from, args.to) {
        (Some(f), Some(t)) => (f, t),
        (Some(f), None) => (f, shift(f, true)?),
        (None, Some(t)) => (shift(t, false)?, t),
        (None, None) => {
            let Some((_, last)) = engine.contact_span(channels) else {
                return Err(Failure::usage(format!(
                    "the store holds no answered or abandoned {which}: import some first, or give --contacts, --interval and --aht for one interval"
                )));
            };
            let day = last.to_zoned_datetime(engine.time_zone().clone()).date();
            let to = day
                .tomorrow()
                .map_err(|e| Failure::usage(format!("the last contact's day {day}: {e}")))?;
            (shift(to, false)?, to)
        }
    };
    if from >= to {
        return Err(Failure::usage(format!(
            "the period is empty: --to {to} must be after --from {from}"
        )));
    }
    Ok((from, to))
}

/// The account's service-level threshold for the channels of the pattern, when they share one.
fn account_threshold(engine: &Engine, pattern: &WeeklyPattern) -> Result<f64, Failure> {
    let sl = &engine.config().service_level;
    let mut thresholds: Vec<(Channel, f64)> = pattern
        .channels
        .iter()
        .map(|c| (*c, sl.threshold_for(*c)))
        .collect();
    thresholds.dedup_by(|a, b| a.1 == b.1);
    match thresholds.as_slice() {
        [] => Ok(DEFAULT_ANSWER_WITHIN_S),
        [(_, t)] => Ok(*t),
        several => Err(Failure::usage(format!(
            "the account's service-level thresholds differ between the channels counted ({}): give --answer-within, or --channel to plan one queue",
            several
                .iter()
                .map(|(c, t)| format!("{c} {}", duration(*t)))
                .collect::<Vec<_>>()
                .join(", ")
        ))),
    }
}

/// A week's totals.
struct Totals {
    agent_hours: f64,
    /// With a target: the heads to schedule, in hours.
    scheduled_hours: Option<f64>,
    /// The most agents of an interval, and the first interval needing them.
    peak: Option<(u32, usize)>,
    peak_scheduled: Option<u32>,
}

/// A week of answers, for output.
struct Week<'a> {
    pattern: &'a WeeklyPattern,
    question: &'a Question,
    answers: &'a [Result<Answer, StaffingError>],
    from: Date,
    to: Date,
    time_zone: &'a str,
    aht_override: Option<f64>,
}

const SLOT_COLUMNS: [&str; 6] = [
    "weekday", "start", "contacts", "offered", "aht_s", "aht_from",
];

/// `carekpi staffing --from-history --format json`.
#[derive(Serialize)]
struct WeekJson {
    #[serde(flatten)]
    question: QuestionJson,
    /// `--agents`, when the question is how they perform.
    agents: Option<u32>,
    from: String,
    to: String,
    time_zone: String,
    interval_minutes: u32,
    channels: Vec<&'static str>,
    offered: u64,
    handled: u64,
    aht_s: Option<f64>,
    intervals: Vec<SlotJson>,
    totals: TotalsJson,
}

#[derive(Serialize)]
struct SlotJson {
    weekday: String,
    start: String,
    contacts: f64,
    offered: u64,
    aht_s: Option<f64>,
    aht_from: &'static str,
    #[serde(flatten)]
    answer: AnswerJson,
}

#[derive(Serialize)]
struct TotalsJson {
    agent_hours: f64,
    scheduled_agent_hours: Option<f64>,
    peak_agents: Option<u32>,
    peak_scheduled_agents: Option<u32>,
    unstable_intervals: usize,
}

impl Week<'_> {
    fn hours_per_interval(&self) -> f64 {
        f64::from(self.pattern.interval_minutes) / 60.0
    }

    fn aht_from(&self, i: usize) -> &'static str {
        if self.aht_override.is_some() {
            "given"
        } else {
            self.pattern.slots[i].aht_from.as_str()
        }
    }

    fn aht(&self, i: usize) -> Option<f64> {
        self.aht_override.or(self.pattern.slots[i].aht_s)
    }

    fn totals(&self) -> Totals {
        let h = self.hours_per_interval();
        let mut t = Totals {
            agent_hours: 0.0,
            scheduled_hours: None,
            peak: None,
            peak_scheduled: None,
        };
        for (i, a) in self.answers.iter().enumerate() {
            let Ok(a) = a else { continue };
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

    fn slot_label(&self, i: usize) -> (String, String) {
        let s = &self.pattern.slots[i];
        (
            weekday_name(s.weekday).to_string(),
            format!("{:02}:{:02}", s.start.hour(), s.start.minute()),
        )
    }

    fn json(&self) -> WeekJson {
        let p = self.pattern;
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
        WeekJson {
            question: self.question.json(),
            agents: self.question.ask_agents(),
            from: self.from.to_string(),
            to: self.to.to_string(),
            time_zone: self.time_zone.to_string(),
            interval_minutes: p.interval_minutes,
            channels: p.channels.iter().map(|c| c.as_str()).collect(),
            offered: p.offered,
            handled: p.handled,
            aht_s: self.aht_override.or(p.aht_s),
            intervals,
            totals: TotalsJson {
                agent_hours: totals.agent_hours,
                scheduled_agent_hours: totals.scheduled_hours,
                peak_agents: totals.peak.map(|(n, _)| n),
                peak_scheduled_agents: totals.peak_scheduled,
                unstable_intervals: self.answers.iter().filter(|a| a.is_err()).count(),
            },
        }
    }

    fn csv(&self) -> Result<String, Failure> {
        let mut header: Vec<&str> = SLOT_COLUMNS.to_vec();
        header.extend(ROW_COLUMNS);
        let rows: Vec<Vec<String>> = self
            .answers
            .iter()
            .enumerate()
            .map(|(i, a)| {
                let (day, start) = self.slot_label(i);
                let s = &self.pattern.slots[i];
                let mut row = vec![
                    day,
                    start,
                    num(s.contacts),
                    s.offered.to_string(),
                    self.aht(i).map_or(String::new(), num),
                    self.aht_from(i).to_string(),
                ];
                row.extend(row_values(a));
                row
            })
            .collect();
        csv_text(&header, &rows)
    }

    fn table(&self) -> String {
        let p = self.pattern;
        let target = self.question.target().is_some();
        let erlang_a = matches!(self.question.model, Model::ErlangA { .. });
        let mut headers: Vec<String> = ["day", "start", "contacts", "AHT", "Erlangs"]
            .map(String::from)
            .to_vec();
        headers.push(if target { "agents needed" } else { "agents" }.into());
        if target {
            headers.push("to schedule".into());
        }
        headers.extend(["P(wait)", "service level", "ASA", "occupancy"].map(String::from));
        if erlang_a {
            headers.push("abandoned".into());
        }
        let mut right = vec![false, false];
        right.extend(std::iter::repeat_n(true, headers.len() - 2));
        let rows: Vec<Vec<String>> = self
            .answers
            .iter()
            .enumerate()
            .map(|(i, a)| {
                let (day, start) = self.slot_label(i);
                let s = &p.slots[i];
                let mut row = vec![
                    day,
                    start,
                    grouped(s.contacts, 1),
                    self.aht(i).map_or("—".into(), duration),
                ];
                match a {
                    Ok(a) => {
                        let pr = &a.prediction;
                        row.push(grouped(pr.traffic, 2));
                        row.push(pr.agents.to_string());
                        if target {
                            row.push(a.scheduled.map_or(String::new(), |s| s.to_string()));
                        }
                        row.push(percent(pr.probability_of_waiting));
                        row.push(percent(pr.service_level));
                        row.push(asa_text(pr.asa_s));
                        row.push(percent(pr.occupancy));
                        if erlang_a {
                            row.push(percent(pr.abandonment));
                        }
                    }
                    Err(StaffingError::Unstable { traffic, .. }) => {
                        row.push(grouped(*traffic, 2));
                        row.push(
                            self.question
                                .ask_agents()
                                .map_or(String::new(), |n| n.to_string()),
                        );
                        row.push("unstable".into());
                    }
                    Err(e) => row.push(e.to_string()),
                }
                row
            })
            .collect();
        let aht = match (self.aht_override, p.aht_s) {
            (Some(a), _) => format!("AHT {} (given)", duration(a)),
            (None, Some(a)) => format!("AHT {}", duration(a)),
            (None, None) => "no handle times".into(),
        };
        let mut out = format!(
            "{}\nThe average week of {} … {} ({}): {} offered {}, {}; {}-minute intervals\n",
            self.question.describe(),
            self.from,
            self.to.yesterday().unwrap_or(self.to),
            self.time_zone,
            grouped(p.offered as f64, 0),
            if p.channels.is_empty() {
                "contacts".to_string()
            } else {
                format!("contacts ({})", join(&p.channels))
            },
            aht,
            p.interval_minutes
        );
        out.push_str(&output::table(&headers, &rows, &right));
        let Totals {
            agent_hours,
            scheduled_hours,
            peak,
            peak_scheduled,
        } = self.totals();
        if let Some((n, i)) = peak {
            let (day, start) = self.slot_label(i);
            out.push_str(&format!(
                "Peak: {n} {} ({day} {start}){}. A week: {} agent-hours{}.\n",
                if n == 1 { "agent" } else { "agents" },
                peak_scheduled.map_or(String::new(), |s| format!(", {s} to schedule")),
                grouped(agent_hours, 1),
                scheduled_hours.map_or(String::new(), |h| format!(", {} scheduled", grouped(h, 1)))
            ));
        }
        let unstable = self.answers.iter().filter(|a| a.is_err()).count();
        if unstable > 0 {
            out.push_str(&format!(
                "{unstable} intervals have more traffic than agents: Erlang C has no answer there (give --patience for Erlang A, or --target-sl).\n"
            ));
        }
        out
    }
}

impl Question {
    fn ask_agents(&self) -> Option<u32> {
        match self.ask {
            Ask::Agents(n) => Some(n),
            Ask::Target(_) => None,
        }
    }
}

fn weekday_name(d: jiff::civil::Weekday) -> &'static str {
    use jiff::civil::Weekday::*;
    match d {
        Monday => "monday",
        Tuesday => "tuesday",
        Wednesday => "wednesday",
        Thursday => "thursday",
        Friday => "friday",
        Saturday => "saturday",
        Sunday => "sunday",
    }
}

#[cfg(test)]
mod tests {
    use super::seconds;

    #[test]
    fn durations() {
        assert_eq!(seconds("180s"), Ok(180.0));
        assert_eq!(seconds("180"), Ok(180.0));
        assert_eq!(seconds("3m"), Ok(180.0));
        assert_eq!(seconds("30m"), Ok(1800.0));
        assert_eq!(seconds("1h"), Ok(3600.0));
        assert_eq!(seconds("4m 30s"), Ok(270.0));
        assert_eq!(seconds("PT30M"), Ok(1800.0));
        assert_eq!(seconds("2.5"), Ok(2.5));
        assert!(seconds("soon").unwrap_err().contains("not a duration"));
    }
}
