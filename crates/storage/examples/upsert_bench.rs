//! SQLite upsert throughput: synthetic cases (5 events each) written with
//! `begin → upsert in chunks → commit` into a fresh temporary SQLite file, then the same cases
//! again (all unchanged).
//!
//! ```text
//! cargo run --release -p carekpi-storage --example upsert_bench -- [CASES] [CHUNK]
//! ```
//! (defaults: 100000 cases, chunks of 2000). Set `CAREKPI_BENCH_DB` to a location to write
//! somewhere else (e.g. a PostgreSQL URL; its `cases` should be empty).

use std::time::Instant;

use carekpi_domain::Record;
use carekpi_storage::{Store, UpsertCounts};

#[path = "../tests/storage/synthetic.rs"]
mod synthetic;

#[tokio::main]
async fn main() -> Result<(), Box<dyn std::error::Error>> {
    let mut args = std::env::args().skip(1);
    let cases: u64 = args.next().map_or(Ok(100_000), |a| a.parse())?;
    let chunk: usize = args.next().map_or(Ok(2_000), |a| a.parse())?;

    let started = Instant::now();
    let records: Vec<Record> = synthetic::cases(0, cases);
    let body_bytes: usize = records.iter().map(|r| r.to_json().len()).sum();
    println!(
        "built {cases} cases in {:.2}s (mean body {} bytes)",
        started.elapsed().as_secs_f64(),
        body_bytes / records.len().max(1)
    );

    let dir = tempfile::tempdir()?;
    let location = std::env::var("CAREKPI_BENCH_DB")
        .unwrap_or_else(|_| dir.path().join("bench.db").display().to_string());
    let store = Store::open(&location).await?;
    println!("store: {} ({})", location, store.backend());

    for pass in ["first import", "re-import (unchanged)"] {
        let started = Instant::now();
        let mut batch = store.begin().await?;
        let mut counts = UpsertCounts::default();
        for part in records.chunks(chunk) {
            counts += batch.upsert(part).await?;
        }
        let upserted = started.elapsed().as_secs_f64();
        batch.commit().await?;
        let seconds = started.elapsed().as_secs_f64();
        println!(
            "{pass}: {cases} cases in {seconds:.3}s (commit {:.3}s) = {:.0} cases/s, {:.1} MiB/s of bodies; {counts:?}",
            seconds - upserted,
            cases as f64 / seconds,
            body_bytes as f64 / seconds / (1024.0 * 1024.0),
        );
    }
    let url = carekpi_storage::DatabaseUrl::parse(&location)?;
    if let Some(file) = url.sqlite_path() {
        let size: u64 = ["", "-wal"]
            .iter()
            .filter_map(|suffix| std::fs::metadata(format!("{}{suffix}", file.display())).ok())
            .map(|m| m.len())
            .sum();
        println!("database + WAL: {:.1} MiB", size as f64 / (1024.0 * 1024.0));
    }
    store.close().await;
    Ok(())
}
