//! `carekpi staffing`: how a queue performs with a number of agents, or how many agents it needs
//! for a service-level target (Erlang C, or Erlang A with `--patience`) — for one interval given
//! on the command line, or for every interval of an average week derived from the stored calls
//! and chats (`--from-history`). The formulas and the question are the domain's
//! ([`carekpi_domain::staffing`]); the week's plan — pattern, answers, totals and JSON — is the
//! engine's ([`carekpi_engine::staffing::plan`], which the API serves too). This module parses the
//! arguments and formats the answers (table, CSV, JSON). docs/staffing.md describes the command.

pub mod bench;

use std::path::PathBuf;
use std::str::FromStr;

use carekpi_domain::RecordKind;
use carekpi_domain::records::vocab::Channel;
use carekpi_domain::staffing::{
    Answer, Ask, Limit, Model, PercentRange, Question, StaffingError, Target, Workload,
};
use carekpi_engine::Engine;
use carekpi_engine::staffing::plan::{self, DEFAULT_ANSWER_WITHIN_S, PlanTotals};
use carekpi_engine::staffing::{PlanError, PlanRequest, StaffingPlan};
use clap::{Args, ValueEnum};
use jiff::civil::Date;

use crate::failure::Failure;
use crate::output;
use crate::report::{duration, grouped};

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
    carekpi_domain::staffing::parse_seconds(text)
}

/// "Erlang C, target 80.0 % within 20 s, max occupancy 85.0 %, shrinkage 30.0 %".
fn describe(q: &Question) -> String {
    let mut text = match q.model() {
        Model::ErlangC => "Erlang C".to_string(),
        Model::ErlangA { patience_s } => {
            format!("Erlang A (mean patience {})", given(patience_s))
        }
    };
    let within = given(q.answer_within_s());
    match q.ask() {
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

/// 0.8 → "80.0 %".
fn percent(share: f64) -> String {
    format!("{:.1} %", share * 100.0)
}

/// A percentage argument as a share, within its range, or an invalid-input failure (exit 1)
/// saying the range.
fn share(flag: &str, value: f64, range: PercentRange) -> Result<f64, Failure> {
    range
        .share(value)
        .map_err(|why| Failure::invalid_input(format!("{flag} {value}: {why}")))
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
            service_level: share("--target-sl", sl, PercentRange::SERVICE_LEVEL)?,
            answer_within_s: 0.0, // the question's, once known
            max_occupancy: args
                .max_occupancy
                .map(|o| share("--max-occupancy", o, PercentRange::MAX_OCCUPANCY))
                .transpose()?,
            shrinkage: args
                .shrinkage
                .map(|s| share("--shrinkage", s, PercentRange::SHRINKAGE))
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
    let q = Question::new(
        model,
        args.answer_within.unwrap_or(DEFAULT_ANSWER_WITHIN_S),
        ask,
    );
    let w = Workload::new(contacts, interval_s, aht_s).map_err(invalid)?;
    let answer = q.answer(&w).map_err(invalid)?;
    let out = args.out.as_deref();
    match args.format {
        StaffingFormat::Json => {
            let body = plan::interval_json(&w, &q, &Ok(answer));
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
                describe(&q),
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
    if matches!(q.model(), Model::ErlangA { .. }) {
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
        return Err(interval_failure(interval_s));
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
    let request = PlanRequest {
        model,
        ask,
        answer_within_s: args.answer_within,
        from: args.from,
        to: args.to,
        weeks: args.weeks,
        interval_minutes: minutes as u32,
        channels,
        aht_s: args.aht,
    };
    let plan = engine.staffing_plan(&request).map_err(plan_failure)?;
    let out = args.out.as_deref();
    match args.format {
        StaffingFormat::Json => {
            let text = serde_json::to_string_pretty(&plan.json()).unwrap_or_default();
            output::emit(out, &(text + "\n"))
        }
        StaffingFormat::Csv => output::emit(out, &week_csv(&plan)?),
        StaffingFormat::Table => output::emit(out, &week_table(&plan)),
    }
}

fn interval_failure(interval_s: f64) -> Failure {
    Failure::usage(format!(
        "--interval {}: a week from history is cut into 15m, 30m or 60m intervals",
        duration(interval_s)
    ))
}

/// Why the week cannot be planned, in the command's words: a usage failure (exit 2), or an
/// invalid value (exit 1) naming the flag.
fn plan_failure(e: PlanError) -> Failure {
    match e {
        PlanError::NoWeeks => Failure::usage("--weeks must be at least 1"),
        PlanError::Interval(m) => interval_failure(f64::from(m) * 60.0),
        PlanError::Weeks { weeks, reason } => Failure::usage(format!("--weeks {weeks}: {reason}")),
        PlanError::NoContacts { .. } => Failure::usage(format!(
            "{e}: import some first, or give --contacts, --interval and --aht for one interval"
        )),
        PlanError::EmptyPeriod { from, to } => Failure::usage(format!(
            "the period is empty: --to {to} must be after --from {from}"
        )),
        PlanError::NoContactsInPeriod { .. } => {
            Failure::usage(format!("{e}; choose another --from/--to"))
        }
        PlanError::ThresholdsDiffer { thresholds } => Failure::usage(format!(
            "the account's service-level thresholds differ between the channels counted ({}): give --answer-within, or --channel to plan one queue",
            thresholds
                .iter()
                .map(|(c, t)| format!("{c} {}", duration(*t)))
                .collect::<Vec<_>>()
                .join(", ")
        )),
        PlanError::LastDay { .. } | PlanError::BadPeriod { .. } => Failure::usage(e.to_string()),
        PlanError::Staffing(e) => invalid(e),
    }
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

const SLOT_COLUMNS: [&str; 6] = [
    "weekday", "start", "contacts", "offered", "aht_s", "aht_from",
];

fn week_csv(plan: &StaffingPlan) -> Result<String, Failure> {
    let mut header: Vec<&str> = SLOT_COLUMNS.to_vec();
    header.extend(ROW_COLUMNS);
    let rows: Vec<Vec<String>> = plan
        .answers
        .iter()
        .enumerate()
        .map(|(i, a)| {
            let (day, start) = plan.slot_label(i);
            let s = &plan.pattern.slots[i];
            let mut row = vec![
                day.to_string(),
                start,
                num(s.contacts),
                s.offered.to_string(),
                plan.aht(i).map_or(String::new(), num),
                plan.aht_from(i).to_string(),
            ];
            row.extend(row_values(a));
            row
        })
        .collect();
    csv_text(&header, &rows)
}

fn week_table(plan: &StaffingPlan) -> String {
    let p = &plan.pattern;
    let q = &plan.question;
    let target = q.target().is_some();
    let erlang_a = matches!(q.model(), Model::ErlangA { .. });
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
    let rows: Vec<Vec<String>> = plan
        .answers
        .iter()
        .enumerate()
        .map(|(i, a)| {
            let (day, start) = plan.slot_label(i);
            let s = &p.slots[i];
            let mut row = vec![
                day.to_string(),
                start,
                grouped(s.contacts, 1),
                plan.aht(i).map_or("—".into(), duration),
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
                    row.push(q.agents().map_or(String::new(), |n| n.to_string()));
                    row.push("unstable".into());
                }
                Err(e) => row.push(e.to_string()),
            }
            row
        })
        .collect();
    let aht = match (plan.aht_override_s, p.aht_s) {
        (Some(a), _) => format!("AHT {} (given)", duration(a)),
        (None, Some(a)) => format!("AHT {}", duration(a)),
        (None, None) => "no handle times".into(),
    };
    let mut out = format!(
        "{}\nThe average week of {} … {} ({}): {} offered {}, {}; {}-minute intervals\n",
        describe(q),
        plan.from,
        plan.to.yesterday().unwrap_or(plan.to),
        plan.time_zone,
        grouped(p.offered as f64, 0),
        if p.channels.is_empty() {
            "contacts".to_string()
        } else {
            format!("contacts ({})", plan::channel_list(&p.channels))
        },
        aht,
        p.interval_minutes
    );
    out.push_str(&output::table(&headers, &rows, &right));
    let PlanTotals {
        agent_hours,
        scheduled_hours,
        peak,
        peak_scheduled,
        unstable,
    } = plan.totals();
    if let Some((n, i)) = peak {
        let (day, start) = plan.slot_label(i);
        out.push_str(&format!(
            "Peak: {n} {} ({day} {start}){}. A week: {} agent-hours{}.\n",
            if n == 1 { "agent" } else { "agents" },
            peak_scheduled.map_or(String::new(), |s| format!(", {s} to schedule")),
            grouped(agent_hours, 1),
            scheduled_hours.map_or(String::new(), |h| format!(", {} scheduled", grouped(h, 1)))
        ));
    }
    if unstable > 0 {
        out.push_str(&format!(
            "{unstable} intervals have more traffic than agents: Erlang C has no answer there (give --patience for Erlang A, or --target-sl).\n"
        ));
    }
    out
}
