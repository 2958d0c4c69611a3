//! `carekpi import FILE`: JSON Lines or CSV into the store, all or nothing by default; with
//! `--on-error skip` the valid records land and the invalid rows go to a reject file.

use std::path::{Path, PathBuf};

use carekpi_domain::RecordKind;
use carekpi_ingest::{Format, SourceOptions};
use clap::{Args, ValueEnum};

use crate::failure::Failure;
use crate::pipeline::{self, ERRORS_SHOWN, LoadOutcome, OnError, Produced};

#[derive(Args, Debug)]
pub struct ImportArgs {
    /// The file to import (.jsonl/.ndjson, or .csv/.tsv; a file read with --mapping is CSV).
    pub file: PathBuf,
    /// Record kind of lines without a `kind` field, or of a CSV file.
    #[arg(long)]
    pub kind: Option<RecordKind>,
    /// A CSV column mapping: a built-in name (see `carekpi mappings`) or a TOML file.
    #[arg(long)]
    pub mapping: Option<String>,
    /// Time zone of CSV timestamps written without one (default: the mapping's `time_zone`,
    /// else the account's).
    #[arg(long)]
    pub tz: Option<String>,
    /// File format, when the extension does not say.
    #[arg(long, value_enum)]
    pub format: Option<FileFormat>,
    /// What to do when some records are invalid: abort (import nothing; the default) or skip
    /// (import the valid ones, reject the others).
    #[arg(long, value_enum, default_value_t = OnError::Abort)]
    pub on_error: OnError,
    /// Write every rejected row (or line) to this file, with its line number and the reasons:
    /// CSV like the input, or JSON Lines for JSON Lines.
    #[arg(long, value_name = "FILE")]
    pub rejects: Option<PathBuf>,
    /// Print the summary as JSON (for scripts).
    #[arg(long)]
    pub json: bool,
}

#[derive(Clone, Copy, Debug, ValueEnum)]
pub enum FileFormat {
    Jsonl,
    Csv,
}

/// How invalid records are handled, and where rejected rows go.
#[derive(Clone, Debug, Default)]
pub struct OnInvalid {
    pub on_error: OnError,
    pub rejects: Option<PathBuf>,
}

pub async fn run(db: &str, args: ImportArgs) -> Result<(), Failure> {
    if let Some(rejects) = &args.rejects
        && same_file(rejects, &args.file)
    {
        return Err(Failure::usage(format!(
            "--rejects {} is the file being imported; name another file",
            rejects.display()
        )));
    }
    let store = crate::open_store(db).await?;
    // Which zone local times are in: --tz, else the mapping's own, else the account's.
    let zone_name = match &args.tz {
        Some(name) => Some(name.clone()),
        None => {
            let mapping_zone = match &args.mapping {
                Some(m) => carekpi_ingest::mapping_time_zone(m)
                    .map_err(Failure::usage)?
                    .is_some(),
                None => false,
            };
            if mapping_zone {
                None
            } else {
                crate::account::time_zone(&store).await?
            }
        }
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
    let on_invalid = OnInvalid {
        on_error: args.on_error,
        rejects: args.rejects.clone(),
    };
    let outcome = load_file_with(&store, &args.file, options, !args.json, on_invalid).await;
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

/// Whether two paths name the same existing file.
fn same_file(a: &Path, b: &Path) -> bool {
    match (a.canonicalize(), b.canonicalize()) {
        (Ok(a), Ok(b)) => a == b,
        _ => false,
    }
}

/// Read `file` and write its records to `store` in one transaction, all or nothing.
pub async fn load_file(
    store: &carekpi_storage::Store,
    file: &std::path::Path,
    options: SourceOptions,
    show_progress: bool,
) -> Result<LoadOutcome, Failure> {
    load_file_with(store, file, options, show_progress, OnInvalid::default()).await
}

/// Read `file` and write its records to `store` in one transaction; invalid records abort the
/// import or are skipped, as `on_invalid` says, and their rows go to its reject file if any.
pub async fn load_file_with(
    store: &carekpi_storage::Store,
    file: &std::path::Path,
    options: SourceOptions,
    show_progress: bool,
    on_invalid: OnInvalid,
) -> Result<LoadOutcome, Failure> {
    let mut source = carekpi_ingest::open(file, options).map_err(Failure::usage)?;
    let mut rejects = match &on_invalid.rejects {
        Some(path) => Some(source.reject_writer(path).map_err(Failure::usage)?),
        None => None,
    };
    let progress = pipeline::progress_bar(source.total_bytes(), "bytes", show_progress);
    let outcome = pipeline::load_with(store, &progress, on_invalid.on_error, move |out| {
        while let Some(next) = source.next_chunk() {
            let item = match next {
                Ok(chunk) => match rejects.as_mut().map(|w| w.write(&chunk.rejected)) {
                    Some(Err(e)) => Produced::Fatal(Failure::usage(e)),
                    _ => Produced::Rows {
                        rejected: chunk.rejected.len() as u64,
                        records: chunk.records,
                        errors: chunk.errors,
                        lines_read: chunk.lines_read,
                        progress: chunk.bytes_done,
                        skipped: chunk.skipped,
                    },
                },
                Err(e) => Produced::Fatal(Failure::usage(e)),
            };
            let fatal = matches!(item, Produced::Fatal(_));
            if !out.send(item) || fatal {
                return;
            }
        }
        if let Some(Err(e)) = rejects.map(|w| w.finish()) {
            out.send(Produced::Fatal(Failure::usage(e)));
        }
    })
    .await;
    progress.finish_and_clear();
    let mut outcome = outcome?;
    outcome.rejects = on_invalid.rejects.as_deref().map(crate::shown);
    Ok(outcome)
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
    if file == DEMO_DATA {
        println!(
            "Loaded {file}: {} generated, {} inserted, {} updated, {} unchanged, 0 rejected ({:.2} s).",
            outcome.read, outcome.inserted, outcome.updated, outcome.unchanged, outcome.seconds
        );
        return;
    }
    if outcome.error_count > 0 {
        eprintln!(
            "{file}: {} {}, {} {} rejected:",
            outcome.error_count,
            if outcome.error_count == 1 {
                "problem"
            } else {
                "problems"
            },
            outcome.rejected,
            if outcome.rejected == 1 { "row" } else { "rows" }
        );
        for error in &outcome.errors {
            eprintln!("  {error}");
        }
        if outcome.error_count > ERRORS_SHOWN as u64 {
            eprintln!("  … and {} more", outcome.error_count - ERRORS_SHOWN as u64);
        }
    }
    if let Some(rejects) = &outcome.rejects {
        eprintln!(
            "{} rejected {} written to {rejects}",
            outcome.rejected,
            if outcome.rejected == 1 { "row" } else { "rows" }
        );
    }
    if outcome.committed {
        println!(
            "Imported {file}: {} read, {} inserted, {} updated, {} unchanged, {} skipped, {} rejected ({:.2} s).",
            outcome.read,
            outcome.inserted,
            outcome.updated,
            outcome.unchanged,
            outcome.skipped,
            outcome.rejected,
            outcome.seconds
        );
        for s in &outcome.skipped_by_reason {
            println!("  skipped {}: {}", s.rows, s.reason);
        }
    }
}

/// `carekpi mappings`
pub fn list_mappings() {
    for (name, description) in carekpi_ingest::builtin_mappings() {
        println!("{name:24} {description}");
    }
}
