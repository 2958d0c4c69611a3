//! CareKPI ingest: reading records from JSON Lines and CSV files.
//!
//! [`open`] a file and pull [`Chunk`]s from the [`RecordSource`]: each chunk holds the valid
//! records of a few thousand lines in file order, and a [`RecordError`] for every rejected record
//! (naming its line, kind, id, field and reason). Problems that stop the whole import (an
//! unreadable file, an unknown format or mapping, a header that lacks a mapped column) are
//! [`IngestError`]s.
//!
//! - JSON Lines: each non-blank line is one record of the interchange format, read by
//!   [`carekpi_domain::parse_record`]; lines are parsed in parallel, results kept in file order.
//! - CSV: a column mapping (a built-in one, a TOML file, or the generic mapping of `--kind`
//!   whose header names are the field names) turns each row into one or more JSON objects of the
//!   interchange format, read by [`carekpi_domain::parse_record_value`]: CSV gets the same
//!   validation and messages as JSON. The mapping language is documented in `docs/import.md`.
//!
//! A mapping may also skip rows by rule (each [`Chunk`] counts them by reason), and group rows
//! that share a key into one record (an event log: one row per event, one case per id).
//!
//! A record whose kind and id already appeared earlier in the same file is rejected as a
//! duplicate (first one wins). Every rejected record's input row (or line) comes back in
//! [`Chunk::rejected`], for a reject file ([`RecordSource::reject_writer`]). The crate only
//! reads: storing records is the storage crate's job.

mod convert;
mod csv_source;
mod error;
mod jsonl;
mod mapping;
mod rejects;

use std::fs::File;
use std::path::{Path, PathBuf};
use std::str::FromStr;

use carekpi_domain::interchange::Position;
use carekpi_domain::{BatchGuard, Record, RecordError, RecordKind};

pub use error::IngestError;
pub use rejects::{RejectWriter, Rejected, RejectedInput};

/// The format of an input file.
#[derive(Clone, Copy, Debug, PartialEq, Eq, Hash)]
pub enum Format {
    /// One JSON object of the interchange format per line.
    JsonLines,
    /// Comma- (or otherwise) separated values with a header row, read through a mapping.
    Csv,
}

impl Format {
    /// The format a file's extension implies: `.jsonl`, `.ndjson`, `.json` → JSON Lines;
    /// `.csv`, `.tsv` → CSV (case-insensitive).
    pub fn from_path(path: &Path) -> Option<Format> {
        let ext = path.extension()?.to_str()?.to_ascii_lowercase();
        match ext.as_str() {
            "jsonl" | "ndjson" | "json" => Some(Format::JsonLines),
            "csv" | "tsv" => Some(Format::Csv),
            _ => None,
        }
    }

    pub fn as_str(self) -> &'static str {
        match self {
            Format::JsonLines => "jsonl",
            Format::Csv => "csv",
        }
    }
}

impl std::fmt::Display for Format {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        f.write_str(self.as_str())
    }
}

impl FromStr for Format {
    type Err = String;

    /// `jsonl` (also `ndjson`, `json`, `json-lines`) or `csv` (also `tsv`).
    fn from_str(s: &str) -> Result<Self, String> {
        match s.to_ascii_lowercase().as_str() {
            "jsonl" | "ndjson" | "json" | "json-lines" | "jsonlines" => Ok(Format::JsonLines),
            "csv" | "tsv" => Ok(Format::Csv),
            _ => Err(format!("unknown format `{s}`, expected `jsonl` or `csv`")),
        }
    }
}

/// How to read a file; every option may be left out.
#[derive(Clone, Debug, Default)]
pub struct SourceOptions {
    /// The format; by default the file's extension decides.
    pub format: Option<Format>,
    /// JSON Lines: the kind of lines without `kind`. CSV: the kind of the generic mapping (when
    /// no mapping is given), or the kind a given mapping must produce.
    pub kind: Option<RecordKind>,
    /// CSV: a built-in mapping name (see [`builtin_mappings`]) or the path of a TOML mapping file.
    pub mapping: Option<String>,
    /// CSV: the time zone of local (offset-less) dates and times in the rows.
    pub time_zone: Option<jiff::tz::TimeZone>,
}

/// The built-in CSV mappings: (name, one-line description).
pub fn builtin_mappings() -> Vec<(&'static str, &'static str)> {
    mapping::BUILTIN
        .iter()
        .map(|(name, description, _)| (*name, *description))
        .collect()
}

/// The TOML text of a built-in mapping (a starting point for a mapping file of one's own).
pub fn builtin_mapping_source(name: &str) -> Option<&'static str> {
    mapping::BUILTIN
        .iter()
        .find(|(n, _, _)| *n == name)
        .map(|(_, _, text)| *text)
}

/// The time zone a mapping (a built-in name or a TOML file) says its local times are written in
/// (`time_zone`), if it says. The CLI uses it to rank the zones: `--tz`, then the mapping's, then
/// the account's.
pub fn mapping_time_zone(name_or_path: &str) -> Result<Option<jiff::tz::TimeZone>, IngestError> {
    mapping::declared_time_zone(name_or_path)
}

/// Check the TOML text of a mapping (`name` is how errors refer to it) exactly as an import would
/// read it; returns the time zone it declares, if any. Errors name the mapping's line.
pub fn check_mapping(name: &str, text: &str) -> Result<Option<jiff::tz::TimeZone>, IngestError> {
    Ok(mapping::Mapping::parse(name, text)?.time_zone)
}

/// What one call of [`RecordSource::next_chunk`] read.
#[derive(Debug, Default)]
pub struct Chunk {
    /// The valid records, in file order.
    pub records: Vec<Record>,
    /// Every problem of every rejected record, in file order.
    pub errors: Vec<RecordError>,
    /// Input lines (JSON Lines) or rows (CSV) this chunk consumed, blank ones and the CSV header
    /// not counted.
    pub lines_read: u64,
    /// Bytes of the file consumed so far, in total.
    pub bytes_done: u64,
    /// Rows the mapping's `[[skip]]` rules skipped, per reason (in the mapping's order; only
    /// reasons that occurred). Skipped rows count in `lines_read` and are not errors.
    pub skipped: Vec<(String, u64)>,
    /// Every input row (or line) with a rejected record, as read, with its problems. For a
    /// grouped mapping, a rejected record brings every row of its group.
    pub rejected: Vec<Rejected>,
}

// One per open file, moved once into the reader thread: its size does not matter.
#[allow(clippy::large_enum_variant)]
enum Inner {
    JsonLines(jsonl::JsonLinesSource),
    Csv(csv_source::CsvSource),
}

impl Inner {
    fn next_chunk(&mut self) -> Option<Result<Chunk, IngestError>> {
        match self {
            Inner::JsonLines(s) => s.next_chunk(),
            Inner::Csv(s) => s.next_chunk(),
        }
    }
}

/// An open input file, read chunk by chunk.
///
/// A reader thread reads and parses ahead of the caller (up to [`CHUNKS_AHEAD`] chunks, each
/// parsed on the rayon pool), so parsing the next chunk overlaps with whatever the caller does
/// with the current one (writing it to the database). Chunks still come in file order, and the
/// results are the same as reading without the thread.
pub struct RecordSource {
    path: PathBuf,
    format: Format,
    mapping_name: Option<String>,
    total_bytes: u64,
    layout: rejects::Layout,
    chunks: std::sync::mpsc::Receiver<Result<Chunk, IngestError>>,
    reader: Option<std::thread::JoinHandle<()>>,
}

/// How many parsed chunks the reader thread may hold before the caller takes them.
pub const CHUNKS_AHEAD: usize = 1;

impl std::fmt::Debug for RecordSource {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        f.debug_struct("RecordSource")
            .field("path", &self.path)
            .field("format", &self.format)
            .field("mapping", &self.mapping_name)
            .field("total_bytes", &self.total_bytes)
            .finish_non_exhaustive()
    }
}

impl RecordSource {
    /// The file's size in bytes (for a progress bar; compare with [`Chunk::bytes_done`]).
    pub fn total_bytes(&self) -> u64 {
        self.total_bytes
    }

    /// The next chunk of records; `None` at the end of the file. An `Err` (an I/O error) ends the
    /// import: later calls return `None`.
    pub fn next_chunk(&mut self) -> Option<Result<Chunk, IngestError>> {
        match self.chunks.recv() {
            Ok(chunk) => Some(chunk),
            Err(_) => {
                // The reader thread is done; pass on its panic, if it had one.
                if let Some(reader) = self.reader.take()
                    && let Err(panic) = reader.join()
                {
                    std::panic::resume_unwind(panic);
                }
                None
            }
        }
    }

    /// Create a reject file for this input at `path`: CSV like the input (same header and
    /// delimiter, plus `rejected_line` and `rejected_reason`), or JSON Lines for JSON Lines.
    /// Write each chunk's [`Chunk::rejected`] to it.
    pub fn reject_writer(&self, path: &Path) -> Result<RejectWriter, IngestError> {
        RejectWriter::create(path, &self.layout)
    }

    /// Start the reader thread.
    fn start(
        path: &Path,
        format: Format,
        mapping_name: Option<String>,
        total_bytes: u64,
        layout: rejects::Layout,
        mut inner: Inner,
    ) -> Result<RecordSource, IngestError> {
        let (tx, rx) = std::sync::mpsc::sync_channel(CHUNKS_AHEAD);
        let reader = std::thread::Builder::new()
            .name("carekpi-ingest-reader".into())
            .spawn(move || {
                while let Some(chunk) = inner.next_chunk() {
                    let stop = chunk.is_err();
                    // A send fails when the RecordSource was dropped: stop reading.
                    if tx.send(chunk).is_err() || stop {
                        break;
                    }
                }
            })
            .map_err(|source| IngestError::Io {
                path: path.to_path_buf(),
                source,
            })?;
        Ok(RecordSource {
            path: path.to_path_buf(),
            format,
            mapping_name,
            total_bytes,
            layout,
            chunks: rx,
            reader: Some(reader),
        })
    }

    pub fn path(&self) -> &Path {
        &self.path
    }

    pub fn format(&self) -> Format {
        self.format
    }

    /// The mapping a CSV file is read with (a built-in name, a mapping file's path, or
    /// `generic <kind> …`); `None` for JSON Lines.
    pub fn mapping_name(&self) -> Option<&str> {
        self.mapping_name.as_deref()
    }
}

impl Iterator for RecordSource {
    type Item = Result<Chunk, IngestError>;

    fn next(&mut self) -> Option<Self::Item> {
        self.next_chunk()
    }
}

/// Open `path` for reading. Everything that would stop the import is checked here, before any
/// record is read: the format, the mapping (its TOML, its fields, the time zone it needs), and
/// that the CSV header has every column the mapping reads.
pub fn open(path: &Path, options: SourceOptions) -> Result<RecordSource, IngestError> {
    // A mapping is for CSV: a file read with one is CSV whatever its extension (`.txt`).
    let format = options
        .format
        .or_else(|| Format::from_path(path))
        .or(options.mapping.as_ref().map(|_| Format::Csv))
        .ok_or_else(|| IngestError::UnknownFormat {
            path: path.to_path_buf(),
        })?;
    let io = |source| IngestError::Io {
        path: path.to_path_buf(),
        source,
    };
    match format {
        Format::JsonLines => {
            if options.mapping.is_some() {
                return Err(IngestError::MappingNeedsCsv {
                    path: path.to_path_buf(),
                });
            }
            let file = File::open(path).map_err(io)?;
            let total_bytes = file.metadata().map_err(io)?.len();
            let inner = Inner::JsonLines(jsonl::JsonLinesSource::new(
                path.to_path_buf(),
                file,
                options.kind,
            ));
            RecordSource::start(
                path,
                format,
                None,
                total_bytes,
                rejects::Layout::JsonLines,
                inner,
            )
        }
        Format::Csv => {
            let mapping = match &options.mapping {
                Some(name) => {
                    let m = mapping::load(name)?;
                    if let Some(requested) = options.kind
                        && requested != m.kind
                    {
                        return Err(IngestError::KindMismatch {
                            mapping: m.name.clone(),
                            mapping_kind: m.kind,
                            requested,
                        });
                    }
                    Some(m)
                }
                None if options.kind.is_none() => {
                    return Err(IngestError::NoKind {
                        path: path.to_path_buf(),
                    });
                }
                None => None,
            };
            let time_zone = options
                .time_zone
                .clone()
                .or_else(|| mapping.as_ref().and_then(|m| m.time_zone.clone()));
            if let Some(m) = &mapping {
                let local = m.local_time_fields();
                if time_zone.is_none() && !local.is_empty() {
                    return Err(IngestError::NoTimeZone {
                        mapping: m.name.clone(),
                        fields: local.join(", "),
                    });
                }
            }
            let tsv = path
                .extension()
                .is_some_and(|e| e.eq_ignore_ascii_case("tsv"));
            let mut dialect = mapping.as_ref().map(|m| m.dialect).unwrap_or_default();
            let delimiter = dialect.delimiter.unwrap_or(if tsv { b'\t' } else { b',' });
            dialect.delimiter = Some(delimiter);
            let file = File::open(path).map_err(io)?;
            let total_bytes = file.metadata().map_err(io)?.len();
            let (reader, header, cr_only) = csv_source::read_header(path, file, dialect)?;
            let layout = rejects::Layout::Csv {
                header: header.clone(),
                delimiter,
                quote: dialect.quote,
            };
            let mapping = match mapping {
                Some(mut m) => {
                    m.bind(&header, path)?;
                    m
                }
                None => {
                    let kind = options.kind.expect("checked above");
                    mapping::Mapping::generic(kind, &header, path)?
                }
            };
            let mapping_name = Some(mapping.name.clone());
            let inner = Inner::Csv(csv_source::CsvSource::new(
                path.to_path_buf(),
                reader,
                header.len(),
                cr_only,
                mapping,
                time_zone,
            ));
            RecordSource::start(path, format, mapping_name, total_bytes, layout, inner)
        }
    }
}

/// Add the records read at one line (or row) to `chunk`: the valid ones after the duplicate
/// check, the problems of the others. Returns the problems added (printed), if any: the row is
/// then rejected.
fn absorb(
    chunk: &mut Chunk,
    guard: &mut BatchGuard,
    position: Position,
    results: impl IntoIterator<Item = Result<Record, Vec<RecordError>>>,
) -> Option<Vec<String>> {
    let start = chunk.errors.len();
    for result in results {
        match result {
            Ok(record) => match guard.check(&record, position) {
                Ok(()) => chunk.records.push(record),
                Err(e) => chunk.errors.push(e),
            },
            Err(errors) => chunk.errors.extend(errors),
        }
    }
    (chunk.errors.len() > start).then(|| rejects::reasons(&chunk.errors[start..]))
}
