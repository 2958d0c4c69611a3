//! Reject files: the input rows (or lines) whose records were rejected, each with its line
//! number and the reasons, so they can be looked at, fixed and imported again.
//!
//! - For a CSV file the reject file is CSV with the same header and delimiter, the rejected rows
//!   as read, and two more columns: `rejected_line` (where the row starts in the input) and
//!   `rejected_reason` (every problem, separated by ` | `). A mapping ignores columns it does not
//!   read and the generic mapping ignores these two, so the fixed file imports as the original
//!   would.
//! - For a JSON Lines file it is JSON Lines: `{"line": 12, "reasons": ["…"], "text": "…"}` per
//!   rejected line, `text` being the line as read.

use std::fs::File;
use std::io::{BufWriter, Write};
use std::path::{Path, PathBuf};

use carekpi_domain::RecordError;

use crate::IngestError;

/// The columns a CSV reject file adds after the input's own.
pub(crate) const REJECT_COLUMNS: [&str; 2] = ["rejected_line", "rejected_reason"];

/// An input row (or line) with a rejected record, as read, for a reject file.
#[derive(Clone, Debug, PartialEq, Eq)]
pub struct Rejected {
    /// The line where the row starts (1-based; a CSV header is line 1).
    pub line: usize,
    pub input: RejectedInput,
    /// Every problem, as printed (`line 5 (call X): field `y`: …`).
    pub reasons: Vec<String>,
}

/// What was read where a rejected record was.
#[derive(Clone, Debug, PartialEq, Eq)]
pub enum RejectedInput {
    /// A JSON Lines line, without its line end (empty when it was too long to keep).
    Line(Vec<u8>),
    /// A CSV row: its cells as read.
    Row(Vec<Vec<u8>>),
}

pub(crate) fn reasons(errors: &[RecordError]) -> Vec<String> {
    errors.iter().map(ToString::to_string).collect()
}

/// A row's cells as read, without the `\r` of a CRLF line end.
pub(crate) fn row_cells(row: &csv::ByteRecord) -> Vec<Vec<u8>> {
    let mut cells: Vec<Vec<u8>> = row.iter().map(<[u8]>::to_vec).collect();
    if let Some(last) = cells.last_mut()
        && last.last() == Some(&b'\r')
    {
        last.pop();
    }
    cells
}

/// How the input was written, so that its reject file can be written the same way.
#[derive(Clone, Debug)]
pub(crate) enum Layout {
    JsonLines,
    Csv {
        header: Vec<String>,
        delimiter: u8,
        quote: Option<u8>,
    },
}

enum Out {
    JsonLines(BufWriter<File>),
    Csv {
        writer: Box<csv::Writer<BufWriter<File>>>,
        columns: usize,
    },
}

/// A reject file being written (see the module documentation for its format).
pub struct RejectWriter {
    path: PathBuf,
    out: Out,
    rows: u64,
}

impl std::fmt::Debug for RejectWriter {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        f.debug_struct("RejectWriter")
            .field("path", &self.path)
            .field("rows", &self.rows)
            .finish_non_exhaustive()
    }
}

impl RejectWriter {
    pub(crate) fn create(path: &Path, layout: &Layout) -> Result<RejectWriter, IngestError> {
        let io = |source| IngestError::Io {
            path: path.to_path_buf(),
            source,
        };
        let file = BufWriter::new(File::create(path).map_err(io)?);
        let out = match layout {
            Layout::JsonLines => Out::JsonLines(file),
            Layout::Csv {
                header,
                delimiter,
                quote,
            } => {
                let mut writer = csv::WriterBuilder::new()
                    .delimiter(*delimiter)
                    .quote(quote.unwrap_or(b'"'))
                    .flexible(true)
                    .from_writer(file);
                let mut names: Vec<&str> = header.iter().map(String::as_str).collect();
                names.extend(REJECT_COLUMNS);
                writer.write_record(&names).map_err(|e| csv_io(path, e))?;
                Out::Csv {
                    writer: Box::new(writer),
                    columns: header.len(),
                }
            }
        };
        Ok(RejectWriter {
            path: path.to_path_buf(),
            out,
            rows: 0,
        })
    }

    /// Append rejected rows.
    pub fn write(&mut self, rejected: &[Rejected]) -> Result<(), IngestError> {
        let path = self.path.clone();
        for r in rejected {
            match &mut self.out {
                Out::JsonLines(file) => {
                    let text = match &r.input {
                        RejectedInput::Line(bytes) => String::from_utf8_lossy(bytes).into_owned(),
                        RejectedInput::Row(cells) => cells
                            .iter()
                            .map(|c| String::from_utf8_lossy(c))
                            .collect::<Vec<_>>()
                            .join(","),
                    };
                    let line = serde_json::json!({
                        "line": r.line,
                        "reasons": r.reasons,
                        "text": text,
                    });
                    writeln!(file, "{line}").map_err(|source| IngestError::Io {
                        path: path.clone(),
                        source,
                    })?;
                }
                Out::Csv { writer, columns } => {
                    let mut cells: Vec<Vec<u8>> = match &r.input {
                        RejectedInput::Row(cells) => cells.clone(),
                        RejectedInput::Line(bytes) => vec![bytes.clone()],
                    };
                    if cells.len() < *columns {
                        cells.resize(*columns, Vec::new());
                    }
                    cells.push(r.line.to_string().into_bytes());
                    cells.push(r.reasons.join(" | ").into_bytes());
                    writer.write_record(&cells).map_err(|e| csv_io(&path, e))?;
                }
            }
            self.rows += 1;
        }
        Ok(())
    }

    /// Rows written so far.
    pub fn rows(&self) -> u64 {
        self.rows
    }

    pub fn path(&self) -> &Path {
        &self.path
    }

    /// Flush the file.
    pub fn finish(self) -> Result<(), IngestError> {
        let path = self.path;
        let result = match self.out {
            Out::JsonLines(mut file) => file.flush(),
            Out::Csv { mut writer, .. } => writer.flush(),
        };
        result.map_err(|source| IngestError::Io { path, source })
    }
}

fn csv_io(path: &Path, e: csv::Error) -> IngestError {
    let source = match e.into_kind() {
        csv::ErrorKind::Io(source) => source,
        other => std::io::Error::other(format!("{other:?}")),
    };
    IngestError::Io {
        path: path.to_path_buf(),
        source,
    }
}
