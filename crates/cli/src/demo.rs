//! `carekpi demo`: a realistic synthetic dataset, loaded into the store or written as JSON Lines.

use std::io::Write;
use std::path::PathBuf;

use carekpi_demo::{ACCOUNT_TIME_ZONE as DEMO_ZONE, DemoOptions};
use clap::Args;

use crate::failure::Failure;
use crate::import::ACCOUNT_TIME_ZONE;
use crate::pipeline::{self, Produced};

/// Records handed to the store at a time.
const CHUNK: usize = 2_000;

#[derive(Args, Debug)]
pub struct DemoArgs {
    /// How many cases to generate (calls, chats, surveys … scale with it).
    #[arg(long, default_value_t = DemoOptions::default().cases)]
    pub cases: u64,
    /// Seed of the generator: the same seed gives the same data.
    #[arg(long, default_value_t = DemoOptions::default().seed)]
    pub seed: u64,
    /// Write the dataset to this JSON Lines file instead of the store.
    #[arg(long)]
    pub out: Option<PathBuf>,
    /// Only case records (with --out; what `carekpi bench import` measures).
    #[arg(long, requires = "out")]
    pub cases_only: bool,
    /// Print the outcome as JSON.
    #[arg(long)]
    pub json: bool,
}

pub async fn run(db: &str, args: DemoArgs) -> Result<(), Failure> {
    let options = DemoOptions {
        cases: args.cases,
        seed: args.seed,
    };
    if let Some(out) = &args.out {
        let written = write_jsonl(&options, out, args.cases_only)?;
        if args.json {
            println!(
                "{}",
                serde_json::json!({"file": crate::shown(out), "records": written})
            );
        } else {
            println!("Wrote {written} records to {}.", crate::shown(out));
        }
        return Ok(());
    }
    let store = crate::open_store(db).await?;
    match store.setting(ACCOUNT_TIME_ZONE).await? {
        None => store.set_setting(ACCOUNT_TIME_ZONE, DEMO_ZONE).await?,
        Some(zone) if zone != DEMO_ZONE => eprintln!(
            "note: the account's time zone is {zone}; the demo data is written for {DEMO_ZONE}"
        ),
        Some(_) => {}
    }
    let progress = pipeline::progress_bar(args.cases, "cases", !args.json);
    let bar = progress.clone();
    let outcome = pipeline::load(&store, &progress, move |out| {
        let mut chunk = Vec::with_capacity(CHUNK);
        let mut cases = 0u64;
        let result = carekpi_demo::generate(&options, |record| {
            if matches!(record, carekpi_domain::Record::Case(_)) {
                cases += 1;
                bar.set_position(cases);
            }
            chunk.push(record);
            if chunk.len() == CHUNK {
                let records = std::mem::replace(&mut chunk, Vec::with_capacity(CHUNK));
                let lines_read = records.len() as u64;
                if !out.send(Produced::Chunk {
                    records,
                    errors: Vec::new(),
                    lines_read,
                    progress: cases,
                }) {
                    return Err(());
                }
            }
            Ok(())
        });
        if result.is_ok() && !chunk.is_empty() {
            let lines_read = chunk.len() as u64;
            out.send(Produced::Chunk {
                records: chunk,
                errors: Vec::new(),
                lines_read,
                progress: cases,
            });
        }
    })
    .await;
    progress.finish_and_clear();
    let outcome = outcome?;
    crate::import::report(crate::import::DEMO_DATA, &outcome, args.json);
    if !args.json {
        crate::summary::print(&store, db).await?;
    }
    store.close().await;
    Ok(())
}

/// Write the dataset as JSON Lines; returns the number of records written.
pub fn write_jsonl(options: &DemoOptions, out: &PathBuf, cases_only: bool) -> Result<u64, Failure> {
    let file = std::fs::File::create(out)
        .map_err(|e| Failure::usage(format!("cannot create {}: {e}", crate::shown(out))))?;
    let mut writer = std::io::BufWriter::with_capacity(1 << 20, file);
    let mut written = 0u64;
    carekpi_demo::generate(options, |record| {
        if cases_only && !matches!(record, carekpi_domain::Record::Case(_)) {
            return Ok(());
        }
        written += 1;
        writer.write_all(record.to_json_line().as_bytes())?;
        writer.write_all(b"\n")
    })
    .and_then(|_| writer.flush())
    .map_err(|e| Failure::usage(format!("cannot write {}: {e}", crate::shown(out))))?;
    Ok(written)
}
