//! Loading records into the store: a producer thread reads (or generates) chunks of records
//! while this task writes them, all in one transaction that commits only if every record of the
//! input was valid.

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

/// What a producer hands over.
pub enum Produced {
    Chunk {
        records: Vec<Record>,
        errors: Vec<RecordError>,
        lines_read: u64,
        progress: u64,
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

/// The outcome of a load.
#[derive(Debug, Default, Serialize)]
pub struct LoadOutcome {
    /// Input lines or rows read (for generated data: records generated).
    pub read: u64,
    pub inserted: u64,
    pub updated: u64,
    pub unchanged: u64,
    /// Records rejected (a record with several problems counts once).
    pub rejected: u64,
    /// Problems found, each naming the record, the field and the reason (at most 20 listed).
    pub errors: Vec<String>,
    /// All problems found, listed or not.
    pub error_count: u64,
    /// Whether the records were written (false when any record was invalid).
    pub committed: bool,
    pub seconds: f64,
}

/// Run `produce` on its own thread and write what it produces in one transaction.
pub async fn load<F>(
    store: &Store,
    progress: &ProgressBar,
    produce: F,
) -> Result<LoadOutcome, Failure>
where
    F: FnOnce(Producer) + Send + 'static,
{
    let started = Instant::now();
    let (tx, mut rx) = mpsc::channel::<Produced>(1);
    let producer = std::thread::spawn(move || produce(Producer(tx)));
    let mut batch = store.begin().await?;
    let mut outcome = LoadOutcome::default();
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
                    outcome.error_count += errors.len() as u64;
                    let room = ERRORS_SHOWN.saturating_sub(outcome.errors.len());
                    outcome
                        .errors
                        .extend(errors.iter().take(room).map(ToString::to_string));
                }
                // Once the input is known to be invalid nothing more is written: the batch will
                // be rolled back, but reading goes on to report every problem.
                if outcome.error_count == 0 && !records.is_empty() {
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
    if outcome.error_count == 0 {
        batch.commit().await?;
        outcome.committed = true;
        outcome.inserted = counts.inserted;
        outcome.updated = counts.updated;
        outcome.unchanged = counts.unchanged;
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
