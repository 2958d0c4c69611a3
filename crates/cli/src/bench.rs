//! `carekpi bench`: performance measured on generated data of a stated size.

use std::path::PathBuf;
use std::time::Instant;

use carekpi_demo::DemoOptions;
use carekpi_ingest::{Format, SourceOptions};
use clap::{Args, Subcommand};
use serde::Serialize;

use crate::failure::Failure;

#[derive(Subcommand, Debug)]
pub enum BenchCommand {
    /// Import throughput: demo cases (about 5 events each) from JSON Lines into a fresh SQLite file.
    Import(BenchImportArgs),
    /// The whole dashboard query (every metric, 12 months, by month × team) on generated data
    /// held by the engine: load time, p50/p90 over several runs, peak memory.
    Query(crate::bench_query::BenchQueryArgs),
    /// Required agents for a week at 15-minute intervals (672) of a 2,000-agent centre.
    Staffing(crate::staffing::bench::BenchStaffingArgs),
}

#[derive(Args, Debug)]
pub struct BenchImportArgs {
    /// Cases in the generated file.
    #[arg(long, default_value_t = 200_000)]
    pub cases: u64,
    #[arg(long, default_value_t = 42)]
    pub seed: u64,
    /// Where to put the generated file and database (default: a temporary folder, removed after).
    #[arg(long)]
    pub dir: Option<PathBuf>,
    /// Print the figures as JSON.
    #[arg(long)]
    pub json: bool,
}

#[derive(Serialize)]
struct ImportFigures {
    cases: u64,
    events: u64,
    file_bytes: u64,
    generate_seconds: f64,
    first_import_seconds: f64,
    first_import_cases_per_second: f64,
    first_import_mib_per_second: f64,
    reimport_seconds: f64,
    reimport_cases_per_second: f64,
    database_bytes: u64,
    peak_rss_mib: Option<f64>,
}

pub async fn run(command: BenchCommand) -> Result<(), Failure> {
    match command {
        BenchCommand::Import(args) => import(args).await,
        BenchCommand::Query(args) => crate::bench_query::run(args),
        BenchCommand::Staffing(args) => crate::staffing::bench::run(args),
    }
}

async fn import(args: BenchImportArgs) -> Result<(), Failure> {
    let temp;
    let dir = match &args.dir {
        Some(dir) => {
            std::fs::create_dir_all(dir)
                .map_err(|e| Failure::usage(format!("cannot create {}: {e}", crate::shown(dir))))?;
            dir.clone()
        }
        None => {
            temp = tempfile::tempdir()
                .map_err(|e| Failure::usage(format!("cannot create a temporary folder: {e}")))?;
            temp.path().to_path_buf()
        }
    };
    let file = dir.join("bench-cases.jsonl");
    let db = dir.join("bench.db");
    for stale in ["bench.db", "bench.db-wal", "bench.db-shm"] {
        let _ = std::fs::remove_file(dir.join(stale));
    }
    let options = DemoOptions {
        cases: args.cases,
        seed: args.seed,
    };
    let started = Instant::now();
    let cases = crate::demo::write_jsonl(&options, &file, true)?;
    let generate_seconds = started.elapsed().as_secs_f64();
    let file_bytes = std::fs::metadata(&file).map(|m| m.len()).unwrap_or(0);
    let events = count_events(&file)?;

    let store = crate::open_store(&db.display().to_string()).await?;
    let source = || SourceOptions {
        format: Some(Format::JsonLines),
        kind: None,
        mapping: None,
        time_zone: None,
    };
    let first = crate::import::load_file(&store, &file, source(), false).await?;
    let again = crate::import::load_file(&store, &file, source(), false).await?;
    store.close().await;
    if !first.committed || first.inserted != cases || again.unchanged != cases {
        return Err(Failure::invalid_input(format!(
            "the benchmark's import did not land as expected: {} inserted, {} unchanged on re-import, of {cases} cases; errors: {:?}",
            first.inserted, again.unchanged, first.errors
        )));
    }
    let database_bytes = ["bench.db", "bench.db-wal"]
        .iter()
        .filter_map(|f| std::fs::metadata(dir.join(f)).ok())
        .map(|m| m.len())
        .sum();
    let figures = ImportFigures {
        cases,
        events,
        file_bytes,
        generate_seconds,
        first_import_seconds: first.seconds,
        first_import_cases_per_second: cases as f64 / first.seconds,
        first_import_mib_per_second: file_bytes as f64 / (1 << 20) as f64 / first.seconds,
        reimport_seconds: again.seconds,
        reimport_cases_per_second: cases as f64 / again.seconds,
        database_bytes,
        peak_rss_mib: peak_rss_mib(),
    };
    if args.json {
        println!("{}", serde_json::to_string(&figures).unwrap_or_default());
    } else {
        println!(
            "bench import: {} cases, {} events ({:.1} per case), {:.1} MiB of JSON Lines",
            crate::summary::group_digits(cases),
            crate::summary::group_digits(events),
            events as f64 / cases.max(1) as f64,
            file_bytes as f64 / (1 << 20) as f64
        );
        println!(
            "  first import (all inserted): {:.2} s, {:.0} cases/s, {:.1} MiB/s",
            figures.first_import_seconds,
            figures.first_import_cases_per_second,
            figures.first_import_mib_per_second
        );
        println!(
            "  re-import (all unchanged):   {:.2} s, {:.0} cases/s",
            figures.reimport_seconds, figures.reimport_cases_per_second
        );
        println!(
            "  database {:.1} MiB; peak memory {}",
            database_bytes as f64 / (1 << 20) as f64,
            figures
                .peak_rss_mib
                .map_or("unknown".to_string(), |m| format!("{m:.0} MiB"))
        );
    }
    Ok(())
}

/// Count case events in the generated file (it is the benchmark's own output, so it is valid).
fn count_events(file: &PathBuf) -> Result<u64, Failure> {
    use std::io::BufRead;
    let reader = std::io::BufReader::new(
        std::fs::File::open(file)
            .map_err(|e| Failure::usage(format!("cannot read {}: {e}", crate::shown(file))))?,
    );
    let mut events = 0u64;
    for line in reader.lines() {
        let line =
            line.map_err(|e| Failure::usage(format!("cannot read {}: {e}", crate::shown(file))))?;
        events += line.matches("\"kind\":\"").count().saturating_sub(1) as u64;
    }
    Ok(events)
}

/// The process's peak resident memory (VmHWM), on Linux.
pub fn peak_rss_mib() -> Option<f64> {
    let status = std::fs::read_to_string("/proc/self/status").ok()?;
    let line = status.lines().find(|l| l.starts_with("VmHWM:"))?;
    let kib: f64 = line.split_whitespace().nth(1)?.parse().ok()?;
    Some(kib / 1024.0)
}
