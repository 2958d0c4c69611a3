//! CSV files read through a column mapping, in chunks of rows mapped in parallel.

use std::fs::File;
use std::io::BufReader;
use std::path::PathBuf;

use carekpi_domain::interchange::Position;
use carekpi_domain::{BatchGuard, RecordError};
use jiff::tz::TimeZone;
use rayon::prelude::*;

use crate::mapping::{Cell, Mapping};
use crate::{Chunk, IngestError, absorb};

/// Rows per chunk.
pub(crate) const CHUNK_ROWS: usize = 4096;

pub(crate) struct CsvSource {
    path: PathBuf,
    reader: csv::Reader<BufReader<File>>,
    mapping: Mapping,
    time_zone: Option<TimeZone>,
    columns: usize,
    rows: Vec<csv::ByteRecord>,
    guard: BatchGuard,
    done: bool,
}

/// Open the CSV reader and read the header row (trimmed names, a UTF-8 BOM dropped).
pub(crate) fn read_header(
    path: &std::path::Path,
    file: File,
    delimiter: u8,
) -> Result<(csv::Reader<BufReader<File>>, Vec<String>), IngestError> {
    let mut reader = csv::ReaderBuilder::new()
        .delimiter(delimiter)
        .has_headers(false)
        .flexible(true)
        .buffer_capacity(1 << 20)
        .from_reader(BufReader::with_capacity(1 << 20, file));
    let mut header = csv::ByteRecord::new();
    match reader.read_byte_record(&mut header) {
        Ok(true) => {}
        Ok(false) => {
            return Err(IngestError::EmptyCsv {
                path: path.to_path_buf(),
            });
        }
        Err(e) => return Err(csv_error(path, e)),
    }
    let names = header
        .iter()
        .enumerate()
        .map(|(i, h)| {
            let h = if i == 0 {
                h.strip_prefix(b"\xEF\xBB\xBF").unwrap_or(h)
            } else {
                h
            };
            String::from_utf8_lossy(h).trim().to_string()
        })
        .collect();
    Ok((reader, names))
}

pub(crate) fn csv_error(path: &std::path::Path, e: csv::Error) -> IngestError {
    let line = e.position().map_or(0, |p| p.line());
    let reason = e.to_string();
    match e.into_kind() {
        csv::ErrorKind::Io(source) => IngestError::Io {
            path: path.to_path_buf(),
            source,
        },
        _ => IngestError::Csv {
            path: path.to_path_buf(),
            line,
            reason,
        },
    }
}

impl CsvSource {
    pub(crate) fn new(
        path: PathBuf,
        reader: csv::Reader<BufReader<File>>,
        columns: usize,
        mapping: Mapping,
        time_zone: Option<TimeZone>,
    ) -> Self {
        Self {
            path,
            reader,
            mapping,
            time_zone,
            columns,
            rows: Vec::new(),
            guard: BatchGuard::new(),
            done: false,
        }
    }

    pub(crate) fn next_chunk(&mut self) -> Option<Result<Chunk, IngestError>> {
        if self.done {
            return None;
        }
        let mut n = 0;
        let mut consumed = false;
        while n < CHUNK_ROWS {
            if self.rows.len() == n {
                self.rows.push(csv::ByteRecord::new());
            }
            match self.reader.read_byte_record(&mut self.rows[n]) {
                Ok(true) => {
                    consumed = true;
                    // A row of empty cells counts as a blank line.
                    if self.rows[n].iter().all(|c| c.trim_ascii().is_empty()) {
                        continue;
                    }
                    n += 1;
                }
                Ok(false) => {
                    self.done = true;
                    break;
                }
                Err(e) => {
                    self.done = true;
                    return Some(Err(csv_error(&self.path, e)));
                }
            }
        }
        if !consumed {
            return None;
        }
        let mapping = &self.mapping;
        let tz = self.time_zone.as_ref();
        let columns = self.columns;
        let mapped: Vec<_> = self.rows[..n]
            .par_iter()
            .with_min_len(32)
            .map(|row| {
                let line = row.position().map_or(0, |p| p.line()) as usize;
                (line, map_row(mapping, row, columns, line, tz))
            })
            .collect();
        let mut chunk = Chunk {
            records: Vec::with_capacity(n),
            errors: Vec::new(),
            lines_read: n as u64,
            bytes_done: self.reader.position().byte(),
        };
        for (line, results) in mapped {
            absorb(&mut chunk, &mut self.guard, Position::Row(line), results);
        }
        Some(Ok(chunk))
    }
}

fn map_row(
    mapping: &Mapping,
    row: &csv::ByteRecord,
    columns: usize,
    line: usize,
    tz: Option<&TimeZone>,
) -> Vec<Result<carekpi_domain::Record, Vec<RecordError>>> {
    let cells: Vec<Cell<'_>> = row.iter().map(Cell::read).collect();
    let extra = cells
        .iter()
        .skip(columns)
        .any(|c| !matches!(c, Cell::Empty));
    if cells.len() < columns || extra {
        return vec![Err(vec![RecordError {
            position: Position::Row(line),
            kind: Some(mapping.kind),
            id: None,
            field: None,
            reason: format!(
                "the row has {} cells but the header has {columns} columns (a missing or extra delimiter?)",
                cells.len()
            ),
        }])];
    }
    mapping.row(&cells, line, tz)
}
