//! `carekpi`: the command line of CareKPI.

mod account;
mod bench;
mod bench_query;
mod configure;
mod demo;
mod export;
mod failure;
mod import;
mod metrics;
mod output;
mod pipeline;
mod report;
mod serve;
mod staffing;
mod summary;

use std::path::PathBuf;
use std::process::ExitCode;

use clap::{Parser, Subcommand};

use crate::failure::Failure;

/// mimalloc instead of the system allocator: the import's reader threads and SQLite's writer
/// thread allocate and free records concurrently, and glibc's malloc makes them wait on each
/// other (measured: `carekpi bench import`, see the README).
#[global_allocator]
static ALLOCATOR: mimalloc::MiMalloc = mimalloc::MiMalloc;

/// CareKPI: customer-service metrics, KPI scorecards and goals, self-hosted.
#[derive(Parser, Debug)]
#[command(name = "carekpi", version, about, long_about = None)]
struct Cli {
    /// The database: a SQLite file path (created if missing) or a postgres:// URL.
    #[arg(
        long,
        global = true,
        env = "CAREKPI_DATABASE_URL",
        default_value = "./carekpi.db",
        hide_env_values = true
    )]
    db: String,

    #[command(subcommand)]
    command: Command,
}

#[derive(Subcommand, Debug)]
enum Command {
    /// Import a JSON Lines or CSV file (all of it lands, or none of it).
    Import(import::ImportArgs),
    /// List the built-in CSV mappings.
    Mappings,
    /// Load a realistic synthetic dataset (or write it as JSON Lines with --out).
    Demo(demo::DemoArgs),
    /// What the store holds: records per kind and the account's settings.
    Summary(summary::SummaryArgs),
    /// Metrics over a period, filtered and grouped: a table, JSON, CSV or XLSX.
    Report(report::ReportArgs),
    /// Export records with their computed facts (`export cases`: one row per case).
    #[command(subcommand)]
    Export(export::ExportCommand),
    /// The metric catalogue (`--markdown`: the user documentation, docs/metrics.md).
    Metrics(metrics::MetricsArgs),
    /// The account's configuration: time zone, schedules and holidays, SLA policies, thresholds.
    #[command(subcommand)]
    Config(configure::ConfigCommand),
    /// Serve the HTTP API (and, later, the web UI).
    Serve(serve::ServeArgs),
    /// Users of the web UI and API.
    #[command(subcommand)]
    User(serve::UserCommand),
    /// Measure performance on generated data.
    #[command(subcommand)]
    Bench(bench::BenchCommand),
    /// Erlang C / Erlang A staffing: service level with N agents, or the agents a target needs.
    Staffing(staffing::StaffingArgs),
}

fn main() -> ExitCode {
    let cli = Cli::parse();
    let runtime = match tokio::runtime::Builder::new_multi_thread()
        .enable_all()
        .build()
    {
        Ok(rt) => rt,
        Err(e) => {
            eprintln!("error: cannot start the async runtime: {e}");
            return ExitCode::from(failure::Exit::Database as u8);
        }
    };
    let result = runtime.block_on(run(cli));
    match result {
        Ok(()) => ExitCode::SUCCESS,
        Err(failure) => {
            eprintln!("error: {failure}");
            ExitCode::from(failure.exit as u8)
        }
    }
}

async fn run(cli: Cli) -> Result<(), Failure> {
    match cli.command {
        Command::Import(args) => import::run(&cli.db, args).await,
        Command::Mappings => {
            import::list_mappings();
            Ok(())
        }
        Command::Demo(args) => demo::run(&cli.db, args).await,
        Command::Summary(args) => summary::run(&cli.db, args).await,
        Command::Report(args) => report::run(&cli.db, args).await,
        Command::Metrics(args) => metrics::run(args),
        Command::Export(command) => export::run(&cli.db, command).await,
        Command::Config(command) => configure::run(&cli.db, command).await,
        Command::Serve(args) => serve::run(&cli.db, args).await,
        Command::User(command) => serve::user(&cli.db, command).await,
        Command::Bench(command) => bench::run(command).await,
        Command::Staffing(args) => staffing::run(&cli.db, args).await,
    }
}

/// Open the store named by `--db`, with a message that says which one failed.
pub async fn open_store(db: &str) -> Result<carekpi_storage::Store, Failure> {
    carekpi_storage::Store::open(db)
        .await
        .map_err(Failure::database)
}

/// Parse an IANA time zone name.
pub fn time_zone(name: &str) -> Result<jiff::tz::TimeZone, Failure> {
    jiff::tz::TimeZone::get(name).map_err(|e| {
        Failure::usage(format!(
            "unknown time zone `{name}` (use an IANA name such as Asia/Ho_Chi_Minh): {e}"
        ))
    })
}

/// A path argument as text for messages.
pub fn shown(path: &std::path::Path) -> String {
    PathBuf::from(path).display().to_string()
}
