//! `carekpi report`: metrics over a period, filtered and grouped, as a readable table or in an
//! exact machine format (JSON in the data model's shape, CSV with raw numbers, XLSX).

use std::collections::{BTreeMap, BTreeSet};
use std::path::{Path, PathBuf};
use std::str::FromStr;

use carekpi_domain::RecordKind;
use carekpi_engine::catalogue::{Metric, Unit};
use carekpi_engine::{
    Dimension, Engine, Filters, MetricQuery, MetricSpec, MetricValue, QueryError, QueryResult,
};
use clap::{Args, ValueEnum};
use jiff::Timestamp;
use jiff::civil::Date;

use crate::account::{self, Account};
use crate::failure::Failure;
use crate::output;

/// The metrics shown when `--metrics` is not given: a support manager's dashboard.
pub const DASHBOARD: &[&str] = &[
    "request_volume",
    "open_cases",
    "backlog",
    "frt",
    "avg_response_time",
    "resolution_time",
    "fcr",
    "reopen_rate",
    "sla_compliance",
    "csat",
    "nps",
    "ces",
    "service_level",
    "asa",
    "abandonment_rate",
    "aht",
];

#[derive(Args, Debug)]
pub struct ReportArgs {
    /// Metrics, comma-separated catalogue ids with options (`csat,frt(hours=calendar)`); `all`
    /// for the whole catalogue. Default: a dashboard set (request_volume, frt, csat, asa …).
    /// `carekpi metrics` lists them.
    #[arg(long)]
    pub metrics: Option<String>,
    /// First day of the period (a date in the account's time zone), included.
    #[arg(long)]
    pub from: Date,
    /// The day after the period: `--from 2026-01-01 --to 2026-04-01` is the first quarter.
    #[arg(long)]
    pub to: Date,
    /// Group by, comma-separated: agent, team, channel, priority, type, tag, segment, day, week,
    /// month (days, weeks and months in the account's time zone).
    #[arg(long, value_delimiter = ',')]
    pub by: Vec<String>,
    /// Only these teams (and the teams below them); repeat or separate with commas.
    #[arg(long, value_delimiter = ',')]
    pub team: Vec<String>,
    /// Only these agents.
    #[arg(long, value_delimiter = ',')]
    pub agent: Vec<String>,
    /// Only these channels (email, phone, chat, social, web, messaging, sms, api).
    #[arg(long, value_delimiter = ',')]
    pub channel: Vec<String>,
    /// Only these priorities (low, normal, high, urgent).
    #[arg(long, value_delimiter = ',')]
    pub priority: Vec<String>,
    /// Only these case types (question, incident, problem, task, complaint).
    #[arg(long = "type", value_delimiter = ',')]
    pub case_type: Vec<String>,
    /// Only records with one of these tags.
    #[arg(long, value_delimiter = ',')]
    pub tag: Vec<String>,
    /// Only customers of these segments.
    #[arg(long, value_delimiter = ',')]
    pub segment: Vec<String>,
    /// table: for people (units, humanised durations); json: the data model's result rows;
    /// csv: raw numbers; xlsx: a spreadsheet (needs --out).
    #[arg(long, value_enum, default_value_t = ReportFormat::Table)]
    pub format: ReportFormat,
    /// Write to this file instead of stdout.
    #[arg(long)]
    pub out: Option<PathBuf>,
    /// The instant the report is made at (snapshots and running SLA targets); default: now.
    #[arg(long, hide = true)]
    pub now: Option<Timestamp>,
}

#[derive(Clone, Copy, Debug, PartialEq, Eq, ValueEnum)]
pub enum ReportFormat {
    Table,
    Json,
    Csv,
    Xlsx,
}

pub async fn run(db: &str, args: ReportArgs) -> Result<(), Failure> {
    if args.format == ReportFormat::Xlsx && args.out.is_none() {
        return Err(Failure::usage("--format xlsx needs --out FILE.xlsx"));
    }
    let metrics = parse_metrics(args.metrics.as_deref())?;
    let group_by = parse_dimensions(&args.by)?;
    let filters = parse_filters(&args)?;
    let store = crate::open_store(db).await?;
    let loaded = load_engine(&store).await;
    store.close().await;
    let (engine, account) = loaded?;
    if !account.zone_known {
        eprintln!(
            "note: the account has no time zone; the period and its days, weeks and months are in UTC (set one with `carekpi config set`)"
        );
    }
    let query = MetricQuery::for_local_dates(metrics, engine.time_zone(), args.from, args.to)
        .map_err(query_failure)?
        .group_by(group_by)
        .filters(filters);
    if query.from >= query.to {
        return Err(Failure::usage(format!(
            "the period is empty: --to {} must be after --from {}",
            args.to, args.from
        )));
    }
    let now = args.now.unwrap_or_else(Timestamp::now);
    let result = engine.query(&query, now).map_err(query_failure)?;
    let out = args.out.as_deref();
    match args.format {
        ReportFormat::Json => {
            let text = serde_json::to_string_pretty(&result.to_json()).unwrap_or_default();
            output::emit(out, &(text + "\n"))
        }
        ReportFormat::Csv => output::emit(out, &csv(&result)?),
        ReportFormat::Table => {
            let title = format!(
                "{} … {} ({}, {}){}",
                args.from,
                args.to
                    .yesterday()
                    .map_or(args.to.to_string(), |d| d.to_string()),
                engine.config().time_zone,
                if account.zone_known {
                    "the account's time zone"
                } else {
                    "no account time zone set"
                },
                filters_text(&query.filters)
            );
            output::emit(out, &table(&result, &title, &account))
        }
        ReportFormat::Xlsx => {
            let path = out.expect("checked above");
            xlsx(&result, path, &query, &account)
        }
    }
}

/// Read every record of the store into a new engine built with the account's configuration.
pub async fn load_engine(store: &carekpi_storage::Store) -> Result<(Engine, Account), Failure> {
    let account = account::load(store).await?;
    let mut engine = Engine::new(account.config.clone()).map_err(|e| {
        Failure::usage(format!(
            "the stored account configuration is invalid: field `{}`: {}; fix it with `carekpi config set FILE`",
            e.field, e.reason
        ))
    })?;
    // Teams, agents and customers come first in RecordKind::ALL, so cases are measured against
    // the right schedules at once.
    for kind in RecordKind::ALL {
        let records = store.records(*kind).await?;
        engine.load(records.iter());
    }
    Ok((engine, account))
}

fn query_failure(e: QueryError) -> Failure {
    match e {
        QueryError::UnknownMetric { .. } => {
            Failure::usage(format!("{e}; the metrics are: {}", metric_ids().join(", ")))
        }
        other => Failure::usage(other),
    }
}

fn metric_ids() -> Vec<&'static str> {
    carekpi_engine::catalogue().iter().map(|m| m.id).collect()
}

/// `--metrics`: the dashboard set when absent, the catalogue for `all`, else a checked list.
pub fn parse_metrics(text: Option<&str>) -> Result<Vec<MetricSpec>, Failure> {
    let specs = match text.map(str::trim) {
        None => DASHBOARD.iter().map(|id| MetricSpec::new(*id)).collect(),
        Some("all") => MetricSpec::all(),
        Some(text) => {
            MetricSpec::parse_list(text).map_err(|e| Failure::usage(format!("--metrics: {e}")))?
        }
    };
    if specs.is_empty() {
        return Err(Failure::usage("--metrics names no metric"));
    }
    for spec in &specs {
        if carekpi_engine::metric(&spec.id).is_none() {
            let hint =
                closest(&spec.id).map_or(String::new(), |id| format!(" (did you mean `{id}`?)"));
            return Err(Failure::usage(format!(
                "unknown metric `{}`{hint}; the metrics are: {}",
                spec.id,
                metric_ids().join(", ")
            )));
        }
    }
    Ok(specs)
}

/// The catalogue id closest to a misspelt one (edit distance ≤ 3, or one contains the other).
fn closest(id: &str) -> Option<&'static str> {
    /// Edits (insert, delete, substitute, swap two neighbours) from `a` to `b`.
    fn distance(a: &str, b: &str) -> usize {
        let a: Vec<char> = a.chars().collect();
        let b: Vec<char> = b.chars().collect();
        let mut d = vec![vec![0usize; b.len() + 1]; a.len() + 1];
        for (i, row) in d.iter_mut().enumerate() {
            row[0] = i;
        }
        for (j, cell) in d[0].iter_mut().enumerate() {
            *cell = j;
        }
        for i in 1..=a.len() {
            for j in 1..=b.len() {
                let cost = usize::from(a[i - 1] != b[j - 1]);
                let mut best = (d[i - 1][j] + 1)
                    .min(d[i][j - 1] + 1)
                    .min(d[i - 1][j - 1] + cost);
                if i > 1 && j > 1 && a[i - 1] == b[j - 2] && a[i - 2] == b[j - 1] {
                    best = best.min(d[i - 2][j - 2] + 1);
                }
                d[i][j] = best;
            }
        }
        d[a.len()][b.len()]
    }
    carekpi_engine::catalogue()
        .iter()
        .map(|m| {
            let d = if m.id.contains(id) || id.contains(m.id) {
                1
            } else {
                distance(id, m.id)
            };
            (d, m.id)
        })
        .filter(|(d, _)| *d <= 3)
        .min()
        .map(|(_, id)| id)
}

fn parse_dimensions(by: &[String]) -> Result<Vec<Dimension>, Failure> {
    by.iter()
        .filter(|d| !d.trim().is_empty())
        .map(|d| Dimension::from_str(d.trim()).map_err(|e| Failure::usage(format!("--by: {e}"))))
        .collect()
}

fn parse_filters(args: &ReportArgs) -> Result<Filters, Failure> {
    fn set<T: FromStr<Err = String> + Ord>(
        flag: &str,
        values: &[String],
    ) -> Result<BTreeSet<T>, Failure> {
        values
            .iter()
            .map(|v| v.trim())
            .filter(|v| !v.is_empty())
            .map(|v| T::from_str(v).map_err(|e| Failure::usage(format!("--{flag}: {e}"))))
            .collect()
    }
    let text = |values: &[String]| -> BTreeSet<String> {
        values
            .iter()
            .map(|v| v.trim().to_string())
            .filter(|v| !v.is_empty())
            .collect()
    };
    Ok(Filters {
        agent: text(&args.agent),
        team: text(&args.team),
        channel: set("channel", &args.channel)?,
        priority: set("priority", &args.priority)?,
        case_type: set("type", &args.case_type)?,
        tag: text(&args.tag),
        segment: text(&args.segment),
    })
}

fn filters_text(f: &Filters) -> String {
    let mut parts = Vec::new();
    let mut add = |name: &str, values: Vec<String>| {
        if !values.is_empty() {
            parts.push(format!("{name} {}", values.join(", ")));
        }
    };
    add("team", f.team.iter().cloned().collect());
    add("agent", f.agent.iter().cloned().collect());
    add(
        "channel",
        f.channel.iter().map(ToString::to_string).collect(),
    );
    add(
        "priority",
        f.priority.iter().map(ToString::to_string).collect(),
    );
    add(
        "type",
        f.case_type.iter().map(ToString::to_string).collect(),
    );
    add("tag", f.tag.iter().cloned().collect());
    add("segment", f.segment.iter().cloned().collect());
    if parts.is_empty() {
        String::new()
    } else {
        format!("; only {}", parts.join("; "))
    }
}

/// The catalogue entry of each metric of a result.
fn entries(result: &QueryResult) -> Vec<&'static Metric> {
    result
        .metrics
        .iter()
        .map(|s| carekpi_engine::metric(&s.id).expect("the engine answered only catalogue metrics"))
        .collect()
}

// ---------------------------------------------------------------- table

/// Groups shown side by side in one table; more groups continue in further tables.
const GROUPS_PER_TABLE: usize = 6;

fn group_label(keys: &[Option<String>]) -> String {
    keys.iter()
        .map(|k| k.as_deref().unwrap_or("(none)").to_string())
        .collect::<Vec<_>>()
        .join(" · ")
}

fn metric_label(spec: &MetricSpec, m: &Metric) -> String {
    format!("{} ({spec})", m.name_en)
}

/// The readable report: one group, a table of value, median, p90 and n per metric; several
/// groups, metrics down and groups across (six at a time).
pub fn table(result: &QueryResult, title: &str, account: &Account) -> String {
    let metrics = entries(result);
    let currency = account.config.clv.currency.as_deref();
    let mut out = format!("{title}\n\n");
    if result.rows.is_empty() {
        out.push_str("No records match.\n");
        return out;
    }
    if result.group_by.is_empty() {
        let row = &result.rows[0];
        let headers: Vec<String> = ["metric", "value", "median", "p90", "n"]
            .map(String::from)
            .to_vec();
        let mut rows = Vec::new();
        for ((spec, m), v) in result.metrics.iter().zip(&metrics).zip(&row.values) {
            let (median, p90) = if m.is_duration() {
                (human(v.median, m, currency), human(v.p90, m, currency))
            } else {
                (String::new(), String::new())
            };
            rows.push(vec![
                metric_label(spec, m),
                human(v.value, m, currency),
                median,
                p90,
                crate::summary::group_digits(v.n),
            ]);
            for (name, part) in v.parts.iter().flatten() {
                rows.push(vec![
                    format!("  · {name}"),
                    part.value.map_or("—".into(), plain),
                    String::new(),
                    String::new(),
                    crate::summary::group_digits(part.n),
                ]);
            }
        }
        out.push_str(&output::table(
            &headers,
            &rows,
            &[false, true, true, true, true],
        ));
        return out;
    }
    let dims: Vec<&str> = result.group_by.iter().map(|d| d.as_str()).collect();
    out.push_str(&format!(
        "By {}; each cell: value (n). Durations are means; `--format json` adds median and p90.\n",
        dims.join(" × ")
    ));
    for chunk in result.rows.chunks(GROUPS_PER_TABLE) {
        let mut headers = vec!["metric".to_string()];
        headers.extend(chunk.iter().map(|r| group_label(&r.keys)));
        let mut rows = Vec::new();
        for (i, (spec, m)) in result.metrics.iter().zip(&metrics).enumerate() {
            let mut cells = vec![metric_label(spec, m)];
            cells.extend(chunk.iter().map(|r| cell(&r.values[i], m, currency)));
            rows.push(cells);
        }
        let right: Vec<bool> = (0..headers.len()).map(|i| i > 0).collect();
        out.push('\n');
        out.push_str(&output::table(&headers, &rows, &right));
    }
    out
}

fn cell(v: &MetricValue, m: &Metric, currency: Option<&str>) -> String {
    match v.value {
        None if v.n == 0 => "—".into(),
        None => format!("— ({})", crate::summary::group_digits(v.n)),
        Some(_) => format!(
            "{} ({})",
            human(v.value, m, currency),
            crate::summary::group_digits(v.n)
        ),
    }
}

/// A figure for people: units, one decimal for percentages, humanised durations, `—` for no data.
pub fn human(value: Option<f64>, m: &Metric, currency: Option<&str>) -> String {
    let Some(v) = value else {
        return "—".into();
    };
    if !v.is_finite() {
        return "—".into();
    }
    match m.unit {
        Unit::Count => {
            if v.fract() == 0.0 {
                grouped(v, 0)
            } else {
                grouped(v, 1)
            }
        }
        Unit::Percent => format!("{v:.1} %"),
        Unit::NpsPoints => format!("{v:+.1}"),
        Unit::Score => format!("{v:.2}"),
        Unit::GapPoints => format!("{v:+.2}"),
        Unit::Seconds => duration(v),
        Unit::Money => match currency {
            Some(c) => format!("{} {c}", grouped(v, if v.abs() >= 1000.0 { 0 } else { 2 })),
            None => grouped(v, if v.abs() >= 1000.0 { 0 } else { 2 }),
        },
        Unit::EventsPerCustomer => format!("{v:.2} per customer"),
        Unit::PerAgentDay => format!("{v:.1} per agent-day"),
    }
}

/// A number of a breakdown (its unit varies): whole numbers grouped, others with two decimals.
fn plain(v: f64) -> String {
    if v.fract() == 0.0 {
        grouped(v, 0)
    } else {
        grouped(v, 2)
    }
}

/// `1234567.891` with 2 decimals → `1,234,567.89`.
pub fn grouped(v: f64, decimals: usize) -> String {
    let text = format!("{:.*}", decimals, v.abs());
    let (int, frac) = text.split_once('.').unwrap_or((&text, ""));
    let int = crate::summary::group_digits(int.parse().unwrap_or(0));
    let sign = if v < 0.0 && text.chars().any(|c| c.is_ascii_digit() && c != '0') {
        "−"
    } else {
        ""
    };
    if frac.is_empty() {
        format!("{sign}{int}")
    } else {
        format!("{sign}{int}.{frac}")
    }
}

/// Seconds for people: `42 s`, `3 min 05 s`, `1 h 05 min`, `2 d 04 h`.
pub fn duration(seconds: f64) -> String {
    let sign = if seconds < 0.0 { "−" } else { "" };
    let s = seconds.abs();
    if s < 10.0 && s.fract() != 0.0 {
        return format!("{sign}{s:.1} s");
    }
    let whole = s.round() as u64;
    if whole < 60 {
        return format!("{sign}{whole} s");
    }
    if whole < 3600 {
        return format!("{sign}{} min {:02} s", whole / 60, whole % 60);
    }
    let minutes = (s / 60.0).round() as u64;
    if minutes < 24 * 60 {
        return format!("{sign}{} h {:02} min", minutes / 60, minutes % 60);
    }
    let hours = (s / 3600.0).round() as u64;
    format!("{sign}{} d {:02} h", hours / 24, hours % 24)
}

// ---------------------------------------------------------------- CSV

/// The columns of a result in CSV and XLSX: the group keys, then per metric its value, n,
/// median and p90 (durations) and each part of its breakdown (`metric:part`, `metric:part:n`).
struct Columns {
    /// (header, metric index, what).
    cols: Vec<(String, usize, Field)>,
}

#[derive(Clone, Debug)]
enum Field {
    Key(usize),
    Value,
    N,
    Median,
    P90,
    Part(String),
    PartN(String),
}

impl Columns {
    fn of(result: &QueryResult) -> Columns {
        let mut cols = Vec::new();
        for (i, d) in result.group_by.iter().enumerate() {
            cols.push((d.as_str().to_string(), 0, Field::Key(i)));
        }
        for (i, (spec, duration)) in result.metrics.iter().zip(&result.durations).enumerate() {
            let name = spec.to_string();
            cols.push((name.clone(), i, Field::Value));
            cols.push((format!("{name}:n"), i, Field::N));
            if *duration {
                cols.push((format!("{name}:median"), i, Field::Median));
                cols.push((format!("{name}:p90"), i, Field::P90));
            }
            let parts: BTreeSet<&String> = result
                .rows
                .iter()
                .filter_map(|r| r.values[i].parts.as_ref())
                .flat_map(BTreeMap::keys)
                .collect();
            for p in parts {
                cols.push((format!("{name}:{p}"), i, Field::Part(p.clone())));
                cols.push((format!("{name}:{p}:n"), i, Field::PartN(p.clone())));
            }
        }
        Columns { cols }
    }
}

/// A cell: text (a group key) or a number; None is empty.
enum Cell<'a> {
    Text(Option<&'a str>),
    Number(Option<f64>),
}

fn cell_of<'a>(row: &'a carekpi_engine::Row, metric: usize, field: &Field) -> Cell<'a> {
    let v = &row.values.get(metric);
    match field {
        Field::Key(k) => Cell::Text(row.keys[*k].as_deref()),
        Field::Value => Cell::Number(v.and_then(|v| v.value)),
        Field::N => Cell::Number(v.map(|v| v.n as f64)),
        Field::Median => Cell::Number(v.and_then(|v| v.median)),
        Field::P90 => Cell::Number(v.and_then(|v| v.p90)),
        Field::Part(p) => Cell::Number(
            v.and_then(|v| v.parts.as_ref())
                .and_then(|parts| parts.get(p))
                .and_then(|part| part.value),
        ),
        Field::PartN(p) => Cell::Number(
            v.and_then(|v| v.parts.as_ref())
                .and_then(|parts| parts.get(p))
                .map(|part| part.n as f64),
        ),
    }
}

/// CSV with raw numbers (full precision; seconds for durations, 0..100 for percentages); an empty
/// cell is no data.
pub fn csv(result: &QueryResult) -> Result<String, Failure> {
    let columns = Columns::of(result);
    let mut w = csv::Writer::from_writer(Vec::new());
    let write_err = |e: csv::Error| Failure::usage(format!("cannot write CSV: {e}"));
    w.write_record(columns.cols.iter().map(|(h, _, _)| h.as_str()))
        .map_err(write_err)?;
    for row in &result.rows {
        let record: Vec<String> = columns
            .cols
            .iter()
            .map(|(_, m, f)| match cell_of(row, *m, f) {
                Cell::Text(t) => t.unwrap_or("").to_string(),
                Cell::Number(n) => n
                    .filter(|x| x.is_finite())
                    .map_or(String::new(), |x| x.to_string()),
            })
            .collect();
        w.write_record(&record).map_err(write_err)?;
    }
    let bytes = w
        .into_inner()
        .map_err(|e| Failure::usage(format!("cannot write CSV: {e}")))?;
    Ok(String::from_utf8(bytes).unwrap_or_default())
}

// ---------------------------------------------------------------- XLSX

fn xlsx(
    result: &QueryResult,
    path: &Path,
    query: &MetricQuery,
    account: &Account,
) -> Result<(), Failure> {
    use rust_xlsxwriter::{Format, Workbook};
    let failed = |e: rust_xlsxwriter::XlsxError| {
        Failure::usage(format!("cannot write {}: {e}", crate::shown(path)))
    };
    let metrics = entries(result);
    let columns = Columns::of(result);
    let mut book = Workbook::new();
    let header = Format::new().set_bold().set_text_wrap();
    let formats = XlsxFormats::new();
    let sheet = book.add_worksheet();
    sheet.set_name("report").map_err(failed)?;
    for (c, (name, m, field)) in columns.cols.iter().enumerate() {
        let c = c as u16;
        let unit = match field {
            Field::Value | Field::Median | Field::P90 => unit_suffix(metrics[*m].unit),
            _ => "",
        };
        sheet
            .write_string_with_format(0, c, format!("{name}{unit}"), &header)
            .map_err(failed)?;
        sheet
            .set_column_width(c, (name.len() + unit.len()).clamp(10, 40) as f64)
            .map_err(failed)?;
    }
    for (r, row) in result.rows.iter().enumerate() {
        let r = r as u32 + 1;
        for (c, (_, m, field)) in columns.cols.iter().enumerate() {
            let c = c as u16;
            match cell_of(row, *m, field) {
                Cell::Text(Some(t)) => {
                    sheet.write_string(r, c, t).map_err(failed)?;
                }
                Cell::Number(Some(x)) if x.is_finite() => {
                    let format = match field {
                        Field::N | Field::PartN(_) => &formats.count,
                        Field::Part(_) => &formats.decimal,
                        _ => formats.of(metrics[*m].unit),
                    };
                    sheet
                        .write_number_with_format(r, c, x, format)
                        .map_err(failed)?;
                }
                _ => {}
            }
        }
    }
    sheet.set_freeze_panes(1, 0).map_err(failed)?;
    // What the figures are: the query, for whoever opens the file later.
    let about = book.add_worksheet();
    about.set_name("query").map_err(failed)?;
    let filters = serde_json::to_string(&query.filters).unwrap_or_default();
    let lines = [
        ("from", query.from.to_string()),
        ("to (excluded)", query.to.to_string()),
        ("time zone", account.config.time_zone.clone()),
        (
            "group by",
            result
                .group_by
                .iter()
                .map(|d| d.as_str())
                .collect::<Vec<_>>()
                .join(", "),
        ),
        ("filters", filters),
        (
            "metrics",
            result
                .metrics
                .iter()
                .map(ToString::to_string)
                .collect::<Vec<_>>()
                .join(", "),
        ),
        (
            "units",
            "durations in seconds; percentages 0–100; an empty cell is no data".to_string(),
        ),
    ];
    for (i, (k, v)) in lines.iter().enumerate() {
        about
            .write_string_with_format(i as u32, 0, *k, &header)
            .map_err(failed)?;
        about.write_string(i as u32, 1, v).map_err(failed)?;
    }
    about.set_column_width(0, 16).map_err(failed)?;
    about.set_column_width(1, 80).map_err(failed)?;
    book.save(path).map_err(failed)
}

fn unit_suffix(unit: Unit) -> &'static str {
    match unit {
        Unit::Percent => " (%)",
        Unit::Seconds => " (s)",
        _ => "",
    }
}

/// Number formats per unit.
pub struct XlsxFormats {
    pub count: rust_xlsxwriter::Format,
    pub decimal: rust_xlsxwriter::Format,
    pub percent: rust_xlsxwriter::Format,
    pub seconds: rust_xlsxwriter::Format,
    pub money: rust_xlsxwriter::Format,
}

impl XlsxFormats {
    pub fn new() -> Self {
        use rust_xlsxwriter::Format;
        Self {
            count: Format::new().set_num_format("#,##0"),
            decimal: Format::new().set_num_format("#,##0.00"),
            percent: Format::new().set_num_format("0.0"),
            seconds: Format::new().set_num_format("#,##0"),
            money: Format::new().set_num_format("#,##0.00"),
        }
    }

    fn of(&self, unit: Unit) -> &rust_xlsxwriter::Format {
        match unit {
            Unit::Count => &self.count,
            Unit::Percent | Unit::NpsPoints => &self.percent,
            Unit::Seconds => &self.seconds,
            Unit::Money => &self.money,
            _ => &self.decimal,
        }
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn durations_read_like_people_write_them() {
        assert_eq!(duration(0.0), "0 s");
        assert_eq!(duration(4.26), "4.3 s");
        assert_eq!(duration(42.0), "42 s");
        assert_eq!(duration(59.6), "1 min 00 s");
        assert_eq!(duration(185.0), "3 min 05 s");
        assert_eq!(duration(3599.4), "59 min 59 s");
        assert_eq!(duration(3900.0), "1 h 05 min");
        assert_eq!(duration(86_399.0), "1 d 00 h");
        assert_eq!(duration(2.0 * 86_400.0 + 4.0 * 3600.0), "2 d 04 h");
        assert_eq!(duration(-90.0), "−1 min 30 s");
    }

    #[test]
    fn numbers_are_grouped() {
        assert_eq!(grouped(1_234_567.891, 2), "1,234,567.89");
        assert_eq!(grouped(999.0, 0), "999");
        assert_eq!(grouped(-1500.0, 0), "−1,500");
        assert_eq!(grouped(-0.001, 1), "0.0");
    }

    #[test]
    fn figures_carry_their_units() {
        let m = |id| carekpi_engine::metric(id).unwrap();
        assert_eq!(human(Some(87.345), m("csat"), None), "87.3 %");
        assert_eq!(human(None, m("csat"), None), "—");
        assert_eq!(human(Some(3900.0), m("frt"), None), "1 h 05 min");
        assert_eq!(human(Some(1234.0), m("request_volume"), None), "1,234");
        assert_eq!(human(Some(42.0), m("nps"), None), "+42.0");
        assert_eq!(human(Some(4.256), m("csat_mean"), None), "4.26");
    }

    #[test]
    fn unknown_metrics_are_named_with_the_valid_ones() {
        let e = parse_metrics(Some("csat,first_reply_time")).unwrap_err();
        assert!(
            e.message.contains("unknown metric `first_reply_time`"),
            "{e}"
        );
        assert!(e.message.contains("frt"), "{e}");
        let e = parse_metrics(Some("csta")).unwrap_err();
        assert!(e.message.contains("did you mean `csat`?"), "{e}");
        assert_eq!(parse_metrics(None).unwrap().len(), DASHBOARD.len());
        assert_eq!(
            parse_metrics(Some("all")).unwrap().len(),
            carekpi_engine::catalogue().len()
        );
        for id in DASHBOARD {
            assert!(carekpi_engine::metric(id).is_some(), "{id}");
        }
    }
}
