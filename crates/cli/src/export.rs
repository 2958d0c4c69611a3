//! `carekpi export cases`: one row per case with every per-case fact — first reply, replies,
//! solves, resolution, reopens, waits, SLA outcomes, survey scores — as CSV or XLSX.
//!
//! The facts are the domain's [`CaseFacts`] measured against the case's schedule exactly as the
//! engine picks it (the case's team's schedule, up the org tree; else its agent's team's; else the
//! account's; 24/7 when there is none), and SLA outcomes from the account's policies at `now`.

use std::collections::HashMap;
use std::io::Write;
use std::path::{Path, PathBuf};

use carekpi_domain::calendar::Schedule;
use carekpi_domain::case_facts::CaseFacts;
use carekpi_domain::records::{Agent, Case, Customer, SurveyResponse, Team};
use carekpi_domain::sla::{SlaOutcome, SlaStatus, SlaTargetKind};
use carekpi_domain::working_time::{AlwaysOpen, Elapsed, WorkingTime};
use carekpi_domain::{Record, RecordKind};
use carekpi_engine::EngineConfig;
use clap::{Args, Subcommand, ValueEnum};
use jiff::Timestamp;
use jiff::civil::Date;
use jiff::tz::TimeZone;

use crate::failure::Failure;

#[derive(Subcommand, Debug)]
pub enum ExportCommand {
    /// One row per case with every per-case fact (CSV or XLSX).
    Cases(ExportCasesArgs),
}

#[derive(Args, Debug)]
pub struct ExportCasesArgs {
    /// Only cases created on or after this date (in the account's time zone).
    #[arg(long)]
    pub from: Option<Date>,
    /// Only cases created before this date (excluded).
    #[arg(long)]
    pub to: Option<Date>,
    /// csv or xlsx; default: from the name of --out (.xlsx), else csv.
    #[arg(long, value_enum)]
    pub format: Option<ExportFormat>,
    /// The file to write.
    #[arg(long)]
    pub out: PathBuf,
    /// The instant SLA targets and waits of unsolved cases are measured at; default: now.
    #[arg(long, hide = true)]
    pub now: Option<Timestamp>,
}

#[derive(Clone, Copy, Debug, PartialEq, Eq, ValueEnum)]
pub enum ExportFormat {
    Csv,
    Xlsx,
}

pub async fn run(db: &str, command: ExportCommand) -> Result<(), Failure> {
    match command {
        ExportCommand::Cases(args) => cases(db, args).await,
    }
}

/// A cell of the export.
enum Value {
    Empty,
    Text(String),
    Number(f64),
    Time(Timestamp),
}

/// How a column is written in XLSX.
#[derive(Clone, Copy)]
enum Col {
    Text,
    Count,
    Seconds,
    Time,
    Score,
}

/// The columns, in order: (header, type). Durations are seconds (`_s`), calendar and business
/// (`_business_s`); times are in the account's time zone.
const COLUMNS: &[(&str, Col)] = &[
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
pub struct Context {
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

impl Context {
    /// A context for measuring cases against `config` (compiled: it must be valid).
    pub fn new(config: EngineConfig, now: Timestamp) -> Result<Context, Failure> {
        let tz = crate::time_zone(&config.time_zone)?;
        let mut schedules = HashMap::new();
        for (id, c) in &config.schedules {
            let schedule = Schedule::new(c.clone())
                .map_err(|e| Failure::usage(format!("schedule `{id}`: {e}")))?;
            schedules.insert(id.clone(), schedule);
        }
        Ok(Context {
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

    fn row(&self, case: &Case) -> Vec<Value> {
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

async fn cases(db: &str, args: ExportCasesArgs) -> Result<(), Failure> {
    let format = args.format.unwrap_or_else(|| {
        if args
            .out
            .extension()
            .is_some_and(|e| e.eq_ignore_ascii_case("xlsx"))
        {
            ExportFormat::Xlsx
        } else {
            ExportFormat::Csv
        }
    });
    let store = crate::open_store(db).await?;
    let loaded = load(&store, &args).await;
    store.close().await;
    let (context, mut cases) = loaded?;
    let period = match (args.from, args.to) {
        (None, None) => None,
        (from, to) => {
            let from = from.map_or(Ok(Timestamp::MIN), |d| {
                carekpi_engine::time::start_of_local_day(&context.tz, d)
            });
            let to = to.map_or(Ok(Timestamp::MAX), |d| {
                carekpi_engine::time::start_of_local_day(&context.tz, d)
            });
            let (from, to) = from
                .and_then(|f| to.map(|t| (f, t)))
                .map_err(|e| Failure::usage(format!("bad period: {e}")))?;
            Some((from, to))
        }
    };
    if let Some((from, to)) = period {
        cases.retain(|c| {
            let t = c.created_at.instant();
            from <= t && t < to
        });
    }
    cases.sort_by(|a, b| (a.created_at.instant(), &a.id).cmp(&(b.created_at.instant(), &b.id)));
    let written = match format {
        ExportFormat::Csv => write_csv(&context, &cases, &args.out)?,
        ExportFormat::Xlsx => write_xlsx(&context, &cases, &args.out)?,
    };
    println!(
        "Exported {} case{} to {} ({} columns).",
        crate::summary::group_digits(written),
        if written == 1 { "" } else { "s" },
        crate::shown(&args.out),
        COLUMNS.len()
    );
    Ok(())
}

async fn load(
    store: &carekpi_storage::Store,
    args: &ExportCasesArgs,
) -> Result<(Context, Vec<Case>), Failure> {
    let account = crate::account::load(store).await?;
    crate::account::validate(&account.config).map_err(|e| {
        Failure::usage(format!(
            "the stored account configuration is invalid: {e}; fix it with `carekpi config set FILE`"
        ))
    })?;
    let mut teams = HashMap::new();
    for r in store.records(RecordKind::Team).await? {
        if let Record::Team(t) = r {
            teams.insert(t.id.clone(), t);
        }
    }
    let mut agents = HashMap::new();
    for r in store.records(RecordKind::Agent).await? {
        if let Record::Agent(a) = r {
            agents.insert(a.id.clone(), a);
        }
    }
    let mut customers = HashMap::new();
    for r in store.records(RecordKind::Customer).await? {
        if let Record::Customer(c) = r {
            customers.insert(c.id.clone(), c);
        }
    }
    let mut surveys: HashMap<String, Vec<SurveyResponse>> = HashMap::new();
    for r in store.records(RecordKind::Survey).await? {
        if let Record::Survey(s) = r
            && let Some(case) = s.case_id.clone()
        {
            surveys.entry(case).or_default().push(s);
        }
    }
    for list in surveys.values_mut() {
        list.sort_by_key(|s| (s.at.instant(), s.id.clone()));
    }
    let cases = store
        .records(RecordKind::Case)
        .await?
        .into_iter()
        .filter_map(|r| match r {
            Record::Case(c) => Some(c),
            _ => None,
        })
        .collect();
    let mut context = Context::new(account.config, args.now.unwrap_or_else(Timestamp::now))?;
    context.teams = teams;
    context.agents = agents;
    context.customers = customers;
    context.surveys = surveys;
    Ok((context, cases))
}

/// RFC 3339 in the account's time zone, e.g. `2026-03-02T09:00:00+07:00`.
fn local(tz: &TimeZone, t: Timestamp) -> String {
    t.to_zoned_datetime(tz.clone())
        .strftime("%Y-%m-%dT%H:%M:%S%:z")
        .to_string()
}

fn write_csv(context: &Context, cases: &[Case], out: &Path) -> Result<u64, Failure> {
    let failed = |e: &dyn std::fmt::Display| {
        Failure::usage(format!("cannot write {}: {e}", crate::shown(out)))
    };
    let file = std::fs::File::create(out).map_err(|e| failed(&e))?;
    let mut w = csv::Writer::from_writer(std::io::BufWriter::with_capacity(1 << 20, file));
    w.write_record(COLUMNS.iter().map(|(h, _)| *h))
        .map_err(|e| failed(&e))?;
    let mut record: Vec<String> = Vec::with_capacity(COLUMNS.len());
    for case in cases {
        record.clear();
        for v in context.row(case) {
            record.push(match v {
                Value::Empty => String::new(),
                Value::Text(t) => t,
                Value::Number(n) => n.to_string(),
                Value::Time(t) => local(&context.tz, t),
            });
        }
        w.write_record(&record).map_err(|e| failed(&e))?;
    }
    let mut inner = w.into_inner().map_err(|e| failed(&e))?;
    inner.flush().map_err(|e| failed(&e))?;
    Ok(cases.len() as u64)
}

/// Excel's serial date of an instant's wall-clock time in `tz` (days since 1899-12-30).
fn excel_serial(tz: &TimeZone, t: Timestamp) -> f64 {
    let offset = tz.to_offset(t).seconds() as f64;
    let local = t.as_millisecond() as f64 / 1000.0 + offset;
    local / 86_400.0 + 25_569.0
}

fn write_xlsx(context: &Context, cases: &[Case], out: &Path) -> Result<u64, Failure> {
    use rust_xlsxwriter::{Format, Workbook};
    let failed = |e: rust_xlsxwriter::XlsxError| {
        Failure::usage(format!("cannot write {}: {e}", crate::shown(out)))
    };
    let mut book = Workbook::new();
    let header = Format::new().set_bold();
    let time_format = Format::new().set_num_format("yyyy-mm-dd hh:mm:ss");
    let count = Format::new().set_num_format("#,##0");
    let seconds = Format::new().set_num_format("#,##0");
    let score = Format::new().set_num_format("0");
    // Constant memory: each row goes to a temporary file as it is written, so a million cases do
    // not sit in memory as cells.
    let sheet = book.add_worksheet_with_constant_memory().map_err(failed)?;
    sheet.set_name("cases").map_err(failed)?;
    for (c, (name, col)) in COLUMNS.iter().enumerate() {
        let c = c as u16;
        let title = match col {
            Col::Time => format!("{name} ({})", context.config.time_zone),
            _ => (*name).to_string(),
        };
        let width = match col {
            Col::Time => 20.0,
            _ => (name.len() as f64 + 2.0).clamp(8.0, 30.0),
        };
        sheet.set_column_width(c, width).map_err(failed)?;
        sheet
            .write_string_with_format(0, c, title, &header)
            .map_err(failed)?;
    }
    sheet.set_freeze_panes(1, 1).map_err(failed)?;
    for (r, case) in cases.iter().enumerate() {
        let r = u32::try_from(r + 1)
            .ok()
            .filter(|r| *r < 1_048_576)
            .ok_or_else(|| {
                Failure::usage(
                    "more cases than an XLSX sheet holds (1,048,575 rows); narrow --from/--to or use --format csv",
                )
            })?;
        for (c, v) in context.row(case).into_iter().enumerate() {
            let col = COLUMNS[c].1;
            let c = c as u16;
            match v {
                Value::Empty => {}
                Value::Text(t) => {
                    sheet.write_string(r, c, t).map_err(failed)?;
                }
                Value::Number(n) => {
                    let format = match col {
                        Col::Seconds => &seconds,
                        Col::Score => &score,
                        _ => &count,
                    };
                    sheet
                        .write_number_with_format(r, c, n, format)
                        .map_err(failed)?;
                }
                Value::Time(t) => {
                    sheet
                        .write_number_with_format(r, c, excel_serial(&context.tz, t), &time_format)
                        .map_err(failed)?;
                }
            }
        }
    }
    book.save(out).map_err(failed)?;
    Ok(cases.len() as u64)
}

#[cfg(test)]
mod tests {
    #[test]
    fn excel_serial_dates_are_local_wall_clock_days() {
        let tz = jiff::tz::TimeZone::get("Asia/Ho_Chi_Minh").unwrap();
        let t: jiff::Timestamp = "2026-03-02T02:00:00Z".parse().unwrap();
        // 2026-03-02 09:00 local: serial 46083 (days from 1899-12-30) + 9/24.
        let serial = super::excel_serial(&tz, t);
        assert!((serial - (46_083.0 + 9.0 / 24.0)).abs() < 1e-9, "{serial}");
        assert_eq!(super::local(&tz, t), "2026-03-02T09:00:00+07:00");
    }
}
