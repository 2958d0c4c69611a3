//! `carekpi import FILE`: JSON Lines or CSV into the store, all or nothing.

use std::path::PathBuf;

use carekpi_domain::RecordKind;
use carekpi_ingest::{Format, SourceOptions};
use clap::{Args, ValueEnum};

use crate::failure::Failure;
use crate::pipeline::{self, ERRORS_SHOWN, LoadOutcome, Produced};

#[derive(Args, Debug)]
pub struct ImportArgs {
    /// The file to import (.jsonl/.ndjson or .csv).
    pub file: PathBuf,
    /// Record kind of lines without a `kind` field, or of a CSV file.
    #[arg(long)]
    pub kind: Option<RecordKind>,
    /// A CSV column mapping: a built-in name (see `carekpi mappings`) or a TOML file.
    #[arg(long)]
    pub mapping: Option<String>,
    /// Time zone of CSV timestamps written without one (default: the account's).
    #[arg(long)]
    pub tz: Option<String>,
    /// File format, when the extension does not say.
    #[arg(long, value_enum)]
    pub format: Option<FileFormat>,
    /// Print the summary as JSON (for scripts).
    #[arg(long)]
    pub json: bool,
}

#[derive(Clone, Copy, Debug, ValueEnum)]
pub enum FileFormat {
    Jsonl,
    Csv,
}

pub async fn run(db: &str, args: ImportArgs) -> Result<(), Failure> {
    let store = crate::open_store(db).await?;
    let zone_name = match &args.tz {
        Some(name) => Some(name.clone()),
        None => crate::account::time_zone(&store).await?,
    };
    let time_zone = zone_name.as_deref().map(crate::time_zone).transpose()?;
    let options = SourceOptions {
        format: args.format.map(|f| match f {
            FileFormat::Jsonl => Format::JsonLines,
            FileFormat::Csv => Format::Csv,
        }),
        kind: args.kind,
        mapping: args.mapping.clone(),
        time_zone,
    };
    let outcome = load_file(&store, &args.file, options, !args.json).await;
    store.close().await;
    let outcome = outcome?;
    report(&crate::shown(&args.file), &outcome, args.json);
    if outcome.committed {
        Ok(())
    } else {
        Err(Failure::invalid_input(format!(
            "{} of {} records are invalid; nothing was imported",
            outcome.rejected, outcome.read
        )))
    }
}

/// Read `file` and write its records to `store` in one transaction.
pub async fn load_file(
    store: &carekpi_storage::Store,
    file: &std::path::Path,
    options: SourceOptions,
    show_progress: bool,
) -> Result<LoadOutcome, Failure> {
    let mut source = carekpi_ingest::open(file, options).map_err(Failure::usage)?;
    let progress = pipeline::progress_bar(source.total_bytes(), "bytes", show_progress);
    let outcome = pipeline::load(store, &progress, move |out| {
        while let Some(next) = source.next_chunk() {
            let item = match next {
                Ok(chunk) => Produced::Chunk {
                    records: chunk.records,
                    errors: chunk.errors,
                    lines_read: chunk.lines_read,
                    progress: chunk.bytes_done,
                },
                Err(e) => Produced::Fatal(Failure::usage(e)),
            };
            let fatal = matches!(item, Produced::Fatal(_));
            if !out.send(item) || fatal {
                return;
            }
        }
    })
    .await;
    progress.finish_and_clear();
    outcome
}

/// How the demo's load is named in its summary.
pub const DEMO_DATA: &str = "the demo data";

/// Print an import's summary: for people, or as one JSON object.
pub fn report(file: &str, outcome: &LoadOutcome, json: bool) {
    if json {
        let mut value = serde_json::to_value(outcome).unwrap_or_default();
        if let Some(map) = value.as_object_mut() {
            map.insert("file".into(), file.into());
        }
        println!("{value}");
        return;
    }
    if outcome.committed {
        let verb = if file == DEMO_DATA {
            "Loaded"
        } else {
            "Imported"
        };
        let read = if file == DEMO_DATA {
            "generated"
        } else {
            "read"
        };
        println!(
            "{verb} {file}: {} {read}, {} inserted, {} updated, {} unchanged, 0 rejected ({:.2} s).",
            outcome.read, outcome.inserted, outcome.updated, outcome.unchanged, outcome.seconds
        );
    } else {
        eprintln!(
            "{file}: {} problems in {} records:",
            outcome.error_count, outcome.rejected
        );
        for error in &outcome.errors {
            eprintln!("  {error}");
        }
        if outcome.error_count > ERRORS_SHOWN as u64 {
            eprintln!("  … and {} more", outcome.error_count - ERRORS_SHOWN as u64);
        }
    }
}

/// `carekpi mappings`
pub fn list_mappings() {
    for (name, description) in carekpi_ingest::builtin_mappings() {
        println!("{name:24} {description}");
    }
}
