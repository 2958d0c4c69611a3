//! Errors that stop an import as a whole (as opposed to [`RecordError`]s, which reject one record).
//!
//! [`RecordError`]: carekpi_domain::RecordError

use std::path::PathBuf;

use carekpi_domain::RecordKind;

/// A problem with the file, its format, its header or the mapping: nothing of the file can be
/// imported until it is fixed. Every message names the file, the mapping or the columns at fault.
#[derive(Debug, thiserror::Error)]
#[non_exhaustive]
pub enum IngestError {
    /// The file (or a mapping file) cannot be opened or read.
    #[error("cannot read {}: {source}", path.display())]
    Io {
        path: PathBuf,
        #[source]
        source: std::io::Error,
    },

    /// Neither `--format` nor the file's extension says whether it is JSON Lines or CSV.
    #[error(
        "cannot tell the format of {}: name it .jsonl/.ndjson/.json (JSON Lines) or .csv/.tsv (CSV), or say --format jsonl|csv",
        path.display()
    )]
    UnknownFormat { path: PathBuf },

    /// `--mapping NAME` is neither a built-in mapping nor a path to a mapping file.
    #[error(
        "unknown mapping `{name}`: the built-in mappings are {}; or give the path of a TOML mapping file",
        list(available)
    )]
    UnknownMapping {
        name: String,
        available: Vec<String>,
    },

    /// The CSV header lacks columns the mapping reads. `lines` holds, for each column, the line
    /// of the mapping file that reads it (none for the generic mapping).
    #[error(
        "the CSV header lacks {} that mapping `{mapping}` reads: {}",
        if columns.len() == 1 { "a column" } else { "columns" },
        list_at(columns, lines)
    )]
    MissingColumns {
        mapping: String,
        columns: Vec<String>,
        lines: Vec<Option<usize>>,
    },

    /// The mapping itself is wrong (TOML syntax, unknown keys or fields, contradicting options,
    /// a format string that cannot work). `line`: the line of the mapping file at fault.
    #[error(
        "mapping `{source_name}` is not valid: {}{reason}",
        line.map_or(String::new(), |l| format!("line {l}: "))
    )]
    BadMapping {
        source_name: String,
        line: Option<usize>,
        reason: String,
    },

    /// The mapping builds timestamps from local dates and times, and no time zone was given.
    #[error(
        "mapping `{mapping}` builds timestamps from local dates and times ({fields}); say which time zone they were written in with --tz (e.g. --tz Europe/London)"
    )]
    NoTimeZone { mapping: String, fields: String },

    /// A CSV file with neither `--mapping` nor `--kind`.
    #[error(
        "{}: say how to read this CSV: --kind KIND (the header names are the record's fields) or --mapping NAME|FILE.toml",
        path.display()
    )]
    NoKind { path: PathBuf },

    /// `--kind` and the mapping's `kind` disagree.
    #[error(
        "mapping `{mapping}` produces {mapping_kind} records, but --kind {requested} was given"
    )]
    KindMismatch {
        mapping: String,
        mapping_kind: RecordKind,
        requested: RecordKind,
    },

    /// A generic CSV (`--kind` without `--mapping`) whose header names fields the kind lacks.
    #[error(
        "{}: the header names {} that {} does not have: {}; the fields of {} are {}",
        path.display(),
        if columns.len() == 1 { "a column" } else { "columns" },
        a_kind(*kind),
        list(columns),
        a_kind(*kind),
        list_static(valid)
    )]
    UnknownHeader {
        path: PathBuf,
        kind: RecordKind,
        columns: Vec<String>,
        valid: Vec<&'static str>,
    },

    /// A header names the same column twice, and the mapping reads it.
    #[error("{}: the header has the column {} more than once", path.display(), list(columns))]
    DuplicateColumns { path: PathBuf, columns: Vec<String> },

    /// A CSV file without even a header row.
    #[error("{}: the file is empty; a CSV file starts with a header row", path.display())]
    EmptyCsv { path: PathBuf },

    /// `--mapping` was given for a JSON Lines file.
    #[error(
        "{}: mappings apply to CSV files only; a JSON Lines file is already in the interchange format",
        path.display()
    )]
    MappingNeedsCsv { path: PathBuf },

    /// The CSV reader failed (an I/O error while reading a row).
    #[error("{} line {line}: {reason}", path.display())]
    Csv {
        path: PathBuf,
        line: u64,
        reason: String,
    },
}

fn list(items: &[String]) -> String {
    items
        .iter()
        .map(|c| format!("`{c}`"))
        .collect::<Vec<_>>()
        .join(", ")
}

/// "`Status` (line 7), `Wait`".
fn list_at(items: &[String], lines: &[Option<usize>]) -> String {
    items
        .iter()
        .enumerate()
        .map(|(i, c)| match lines.get(i).copied().flatten() {
            Some(l) => format!("`{c}` (line {l})"),
            None => format!("`{c}`"),
        })
        .collect::<Vec<_>>()
        .join(", ")
}

fn list_static(items: &[&str]) -> String {
    items
        .iter()
        .map(|c| format!("`{c}`"))
        .collect::<Vec<_>>()
        .join(", ")
}

/// "a call", "an agent".
pub(crate) fn a_kind(kind: RecordKind) -> String {
    let name = kind.as_str();
    if name.starts_with(['a', 'e', 'i', 'o', 'u']) {
        format!("an {name}")
    } else {
        format!("a {name}")
    }
}
