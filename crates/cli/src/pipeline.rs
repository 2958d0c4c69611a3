//! Loading records into the store: a producer thread reads (or generates) chunks of records
//! while this task writes them, all in one transaction. With [`OnError::Abort`] (the default) it
//! commits only if every record of the input was valid; with [`OnError::Skip`] the valid records
//! are written and the invalid ones only counted (and listed).

use std::time::{Duration, Instant};

use carekpi_domain::Record;
use carekpi_domain::RecordError;
use carekpi_storage::{Store, UpsertCounts};
use indicatif::ProgressBar;
use serde::Serialize;
use tokio::sync::mpsc;

use crate::failure::Failure;

/// The most errors listed in full; the rest are counted.
pub const ERRORS_SHOWN: usize = 20;

/// What to do with the valid records of an input that has invalid ones.
#[derive(Clone, Copy, Debug, Default, PartialEq, Eq, Serialize, clap::ValueEnum)]
#[serde(rename_all = "lowercase")]
pub enum OnError {
    /// Write nothing (all or nothing).
    #[default]
    Abort,
    /// Write the valid records; the invalid ones are rejected (and listed).
    Skip,
}

/// What a producer hands over.
pub enum Produced {
    /// Generated records (a record with several problems counts once, by its position).
    Chunk {
        records: Vec<Record>,
        errors: Vec<RecordError>,
        lines_read: u64,
        progress: u64,
    },
    /// Rows of a file: its records and problems, the rows a mapping skipped (per reason) and the
    /// rows rejected (with an invalid record).
    Rows {
        records: Vec<Record>,
        errors: Vec<RecordError>,
        lines_read: u64,
        progress: u64,
        skipped: Vec<(String, u64)>,
        rejected: u64,
    },
    /// Reading cannot go on (I/O, a mapping that does not fit the file …).
    Fatal(Failure),
}

/// The sending half given to a producer.
pub struct Producer(mpsc::Sender<Produced>);

impl Producer {
    /// Hand over one item; `false` when the writer has stopped and producing should stop too.
    pub fn send(&self, item: Produced) -> bool {
        self.0.blocking_send(item).is_ok()
    }
}

/// Rows one `[[skip]]` reason of a mapping skipped.
#[derive(Debug, Default, Serialize)]
pub struct Skipped {
    pub reason: String,
    pub rows: u64,
}

/// The outcome of a load.
#[derive(Debug, Default, Serialize)]
pub struct LoadOutcome {
    /// Input lines or rows read (for generated data: records generated).
    pub read: u64,
    /// Records written: inserted + updated + unchanged.
    pub imported: u64,
    pub inserted: u64,
    pub updated: u64,
    pub unchanged: u64,
    /// Rows the mapping's skip rules left out (not errors).
    pub skipped: u64,
    /// The same, per reason, in the mapping's order.
    pub skipped_by_reason: Vec<Skipped>,
    /// Rows (lines) rejected: with an invalid record (a row with several problems counts once;
    /// an invalid grouped record, every row of its group).
    pub rejected: u64,
    /// Problems found, each naming the record, the field and the reason (at most 20 listed).
    pub errors: Vec<String>,
    /// All problems found, listed or not.
    pub error_count: u64,
    /// Whether the records were written (false when any record was invalid and `on_error` is
    /// abort).
    pub committed: bool,
    pub on_error: OnError,
    /// The reject file, when one was written.
    #[serde(skip_serializing_if = "Option::is_none")]
    pub rejects: Option<String>,
    pub seconds: f64,
}

impl LoadOutcome {
    fn add_errors(&mut self, errors: &[RecordError]) {
        self.error_count += errors.len() as u64;
        let room = ERRORS_SHOWN.saturating_sub(self.errors.len());
        self.errors
            .extend(errors.iter().take(room).map(ToString::to_string));
    }
}

/// Run `produce` on its own thread and write what it produces in one transaction, all or
/// nothing.
pub async fn load<F>(
    store: &Store,
    progress: &ProgressBar,
    produce: F,
) -> Result<LoadOutcome, Failure>
where
    F: FnOnce(Producer) + Send + 'static,
{
    load_with(store, progress, OnError::Abort, produce).await
}

/// Run `produce` on its own thread and write what it produces in one transaction: all or nothing
/// ([`OnError::Abort`]), or the valid records ([`OnError::Skip`]).
pub async fn load_with<F>(
    store: &Store,
    progress: &ProgressBar,
    on_error: OnError,
    produce: F,
) -> Result<LoadOutcome, Failure>
where
    F: FnOnce(Producer) + Send + 'static,
{
    let started = Instant::now();
    let (tx, mut rx) = mpsc::channel::<Produced>(1);
    let producer = std::thread::spawn(move || produce(Producer(tx)));
    let mut batch = store.begin().await?;
    let mut outcome = LoadOutcome {
        on_error,
        ..LoadOutcome::default()
    };
    let skip = on_error == OnError::Skip;
    let mut counts = UpsertCounts::default();
    let mut fatal = None;
    while let Some(item) = rx.recv().await {
        match item {
            Produced::Chunk {
                records,
                errors,
                lines_read,
                progress: done,
            } => {
                outcome.read += lines_read;
                if !errors.is_empty() {
                    let mut positions: Vec<_> = errors.iter().map(|e| e.position).collect();
                    positions.dedup();
                    outcome.rejected += positions.len() as u64;
                    outcome.add_errors(&errors);
                }
                // Once the input is known to be invalid nothing more is written: the batch will
                // be rolled back, but reading goes on to report every problem.
                if (skip || outcome.error_count == 0) && !records.is_empty() {
                    counts += batch.upsert(&records).await?;
                }
                progress.set_position(done);
            }
            Produced::Rows {
                records,
                errors,
                lines_read,
                progress: done,
                skipped,
                rejected,
            } => {
                outcome.read += lines_read;
                for (reason, rows) in skipped {
                    outcome.skipped += rows;
                    match outcome
                        .skipped_by_reason
                        .iter_mut()
                        .find(|s| s.reason == reason)
                    {
                        Some(s) => s.rows += rows,
                        None => outcome.skipped_by_reason.push(Skipped { reason, rows }),
                    }
                }
                outcome.rejected += rejected;
                outcome.add_errors(&errors);
                if (skip || outcome.error_count == 0) && !records.is_empty() {
                    counts += batch.upsert(&records).await?;
                }
                progress.set_position(done);
            }
            Produced::Fatal(failure) => {
                fatal = Some(failure);
                break;
            }
        }
    }
    drop(rx);
    if producer.join().is_err() {
        fatal.get_or_insert_with(|| Failure::usage("the reader stopped unexpectedly"));
    }
    if let Some(failure) = fatal {
        batch.rollback().await?;
        return Err(failure);
    }
    if skip || outcome.error_count == 0 {
        batch.commit().await?;
        outcome.committed = true;
        outcome.inserted = counts.inserted;
        outcome.updated = counts.updated;
        outcome.unchanged = counts.unchanged;
        outcome.imported = counts.inserted + counts.updated + counts.unchanged;
    } else {
        batch.rollback().await?;
    }
    outcome.seconds = started.elapsed().as_secs_f64();
    Ok(outcome)
}

/// A progress bar on stderr, shown only to people (a terminal, not `--json`).
pub fn progress_bar(total: u64, unit: &str, show: bool) -> ProgressBar {
    use std::io::IsTerminal;
    if !show || !std::io::stderr().is_terminal() {
        return ProgressBar::hidden();
    }
    let bar = ProgressBar::new(total);
    let template = match unit {
        "bytes" => {
            "{spinner} [{elapsed_precise}] {wide_bar} {bytes}/{total_bytes} ({bytes_per_sec}, {eta})"
        }
        _ => {
            "{spinner} [{elapsed_precise}] {wide_bar} {human_pos}/{human_len} {msg} ({per_sec}, {eta})"
        }
    };
    if let Ok(style) = indicatif::ProgressStyle::with_template(template) {
        bar.set_style(style);
    }
    bar.set_message(unit.to_string());
    bar.enable_steady_tick(Duration::from_millis(200));
    bar
}
