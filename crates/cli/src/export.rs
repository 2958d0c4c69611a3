//! `carekpi export cases`: one row per case with every per-case fact — first reply, replies,
//! solves, resolution, reopens, waits, SLA outcomes, survey scores — as CSV or XLSX.
//!
//! The rows and columns are the engine's [`CaseSheet`]; this module loads the records and writes
//! the formats.

use std::collections::HashMap;
use std::io::Write;
use std::path::{Path, PathBuf};

use carekpi_domain::records::{Case, SurveyResponse};
use carekpi_domain::{Record, RecordKind};
use carekpi_engine::CaseSheet;
use carekpi_engine::export::{COLUMNS, Col, Value, local_time};
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
) -> Result<(CaseSheet, Vec<Case>), Failure> {
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
    let mut context = CaseSheet::new(account.config, args.now.unwrap_or_else(Timestamp::now))
        .map_err(|e| Failure::usage(format!("the stored account configuration: {e}")))?;
    context.teams = teams;
    context.agents = agents;
    context.customers = customers;
    context.surveys = surveys;
    Ok((context, cases))
}

fn write_csv(context: &CaseSheet, cases: &[Case], out: &Path) -> Result<u64, Failure> {
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
                Value::Time(t) => local_time(&context.tz, t),
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

fn write_xlsx(context: &CaseSheet, cases: &[Case], out: &Path) -> Result<u64, Failure> {
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
        assert_eq!(
            carekpi_engine::export::local_time(&tz, t),
            "2026-03-02T09:00:00+07:00"
        );
    }
}
