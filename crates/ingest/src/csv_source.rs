//! CSV files read through a column mapping, in chunks of rows mapped in parallel.
//!
//! A grouped mapping (`[group]`) puts rows that share a key together: each row's part is added
//! to its group as the chunks go by (in file order), and the records come out at the end of the
//! file, in the order their groups first appeared, because a group's last row may be anywhere.

use std::collections::HashMap;
use std::fs::File;
use std::io::{BufRead, BufReader};
use std::path::PathBuf;

use carekpi_domain::BatchGuard;
use carekpi_domain::interchange::Position;
use jiff::tz::TimeZone;
use rayon::prelude::*;

use crate::mapping::{Dialect, GroupAcc, Mapping, RowOut};
use crate::rejects::row_cells;
use crate::{Chunk, IngestError, Rejected, RejectedInput, absorb};

/// Rows per chunk.
pub(crate) const CHUNK_ROWS: usize = 4096;

pub(crate) struct CsvSource {
    path: PathBuf,
    reader: csv::Reader<BufReader<File>>,
    mapping: Mapping,
    time_zone: Option<TimeZone>,
    columns: usize,
    /// Rows end in a lone `\r` (no `\n` anywhere): lines are counted by records.
    cr_only: bool,
    rows: Vec<csv::ByteRecord>,
    guard: BatchGuard,
    skip_reasons: Vec<String>,
    /// Grouped mappings: the groups in the order they first appeared, and their keys.
    groups: Vec<GroupAcc>,
    group_of: HashMap<String, usize>,
    /// The end of the file was reached.
    done: bool,
    /// The groups have been turned into records (or there are none).
    flushed: bool,
}

/// An open CSV reader, its header (trimmed names, a UTF-8 BOM dropped), and whether its lines
/// end in a lone `\r`.
pub(crate) type Opened = (csv::Reader<BufReader<File>>, Vec<String>, bool);

/// Open the CSV reader and read the header row.
///
/// Rows end at `\n`; a `\r` before it is whitespace at the end of the last cell, which is
/// trimmed like any other. (The csv crate's own CRLF handling dates a row from before the `\n`
/// that ends the previous one, so every line number of a CRLF file would be one too low.) A file
/// whose first MiB has a `\r` but no `\n` at all ends its rows in `\r`.
pub(crate) fn read_header(
    path: &std::path::Path,
    file: File,
    dialect: Dialect,
) -> Result<Opened, IngestError> {
    let mut file = BufReader::with_capacity(1 << 20, file);
    let start = file.fill_buf().map_err(|source| IngestError::Io {
        path: path.to_path_buf(),
        source,
    })?;
    let cr_only = memchr::memchr(b'\n', start).is_none() && memchr::memchr(b'\r', start).is_some();
    let mut builder = csv::ReaderBuilder::new();
    builder
        .delimiter(dialect.delimiter.unwrap_or(b','))
        .terminator(csv::Terminator::Any(if cr_only { b'\r' } else { b'\n' }))
        .has_headers(false)
        .flexible(true)
        .buffer_capacity(1 << 20);
    match dialect.quote {
        Some(q) => {
            builder.quote(q);
        }
        None => {
            builder.quoting(false);
        }
    }
    if let Some(e) = dialect.escape {
        builder.escape(Some(e)).double_quote(false);
    }
    let mut reader = builder.from_reader(file);
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
    Ok((reader, names, cr_only))
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
        cr_only: bool,
        mapping: Mapping,
        time_zone: Option<TimeZone>,
    ) -> Self {
        Self {
            path,
            reader,
            cr_only,
            skip_reasons: mapping.skip_reasons(),
            flushed: !mapping.is_grouped(),
            mapping,
            time_zone,
            columns,
            rows: Vec::new(),
            guard: BatchGuard::new(),
            groups: Vec::new(),
            group_of: HashMap::new(),
            done: false,
        }
    }

    pub(crate) fn next_chunk(&mut self) -> Option<Result<Chunk, IngestError>> {
        if self.done {
            if self.flushed {
                return None;
            }
            let mut chunk = Chunk {
                bytes_done: self.reader.position().byte(),
                ..Chunk::default()
            };
            self.flush_groups(&mut chunk);
            return Some(Ok(chunk));
        }
        let mut n = 0;
        while n < CHUNK_ROWS {
            if self.rows.len() == n {
                self.rows.push(csv::ByteRecord::new());
            }
            match self.reader.read_byte_record(&mut self.rows[n]) {
                Ok(true) => {
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
                    self.flushed = true;
                    return Some(Err(csv_error(&self.path, e)));
                }
            }
        }
        let mapping = &self.mapping;
        let tz = self.time_zone.as_ref();
        let columns = self.columns;
        let cr_only = self.cr_only;
        let mapped: Vec<_> = self.rows[..n]
            .par_iter()
            .with_min_len(32)
            .map(|row| {
                let line = row
                    .position()
                    .map_or(0, |p| if cr_only { p.record() + 1 } else { p.line() })
                    as usize;
                (line, map_row(mapping, row, columns, line, tz))
            })
            .collect();
        let mut chunk = Chunk {
            records: Vec::with_capacity(n),
            lines_read: n as u64,
            bytes_done: self.reader.position().byte(),
            ..Chunk::default()
        };
        let mut skipped = vec![0u64; self.skip_reasons.len()];
        for (i, (line, out)) in mapped.into_iter().enumerate() {
            match out {
                RowOut::Skipped(rule) => skipped[rule] += 1,
                RowOut::Records(results) => {
                    if let Some(reasons) =
                        absorb(&mut chunk, &mut self.guard, Position::Row(line), results)
                    {
                        chunk.rejected.push(Rejected {
                            line,
                            input: RejectedInput::Row(row_cells(&self.rows[i])),
                            reasons,
                        });
                    }
                }
                RowOut::Grouped(part) => {
                    let index = match self.group_of.get(&part.key) {
                        Some(&g) => g,
                        None => {
                            self.groups.push(self.mapping.start_group(line));
                            self.group_of
                                .insert(part.key.clone(), self.groups.len() - 1);
                            self.groups.len() - 1
                        }
                    };
                    let acc = &mut self.groups[index];
                    self.mapping.merge(acc, *part, line);
                    acc.rows.push((line, row_cells(&self.rows[i])));
                }
            }
        }
        chunk.skipped = self
            .skip_reasons
            .iter()
            .zip(skipped)
            .filter(|(_, count)| *count > 0)
            .map(|(reason, count)| (reason.clone(), count))
            .collect();
        if self.done {
            self.flush_groups(&mut chunk);
        }
        if n == 0 && chunk.records.is_empty() && chunk.errors.is_empty() && self.done {
            // Nothing was read at all (an empty body): no chunk.
            return None;
        }
        Some(Ok(chunk))
    }

    /// Turn every group into its record (in parallel), in the order the groups first appeared.
    fn flush_groups(&mut self, chunk: &mut Chunk) {
        if self.flushed {
            return;
        }
        self.flushed = true;
        let groups = std::mem::take(&mut self.groups);
        self.group_of = HashMap::new();
        let mapping = &self.mapping;
        let built: Vec<_> = groups
            .into_par_iter()
            .with_min_len(64)
            .map(|mut acc| {
                let rows = std::mem::take(&mut acc.rows);
                let line = acc.first_line;
                (line, rows, mapping.finish_group(acc))
            })
            .collect();
        chunk.records.reserve(built.len());
        for (line, rows, result) in built {
            if let Some(reasons) = absorb(
                chunk,
                &mut self.guard,
                Position::Row(line),
                std::iter::once(result),
            ) {
                chunk
                    .rejected
                    .extend(rows.into_iter().map(|(line, cells)| Rejected {
                        line,
                        input: RejectedInput::Row(cells),
                        reasons: reasons.clone(),
                    }));
            }
        }
    }
}

fn map_row(
    mapping: &Mapping,
    row: &csv::ByteRecord,
    columns: usize,
    line: usize,
    tz: Option<&TimeZone>,
) -> RowOut {
    let cells = mapping.cells(row);
    let extra = cells.iter().skip(columns).any(|c| {
        !matches!(
            c,
            crate::mapping::Cell::Empty | crate::mapping::Cell::Absent(_)
        )
    });
    if cells.len() < columns || extra {
        return mapping.bad_row(
            &cells,
            line,
            format!(
                "the row has {} cells but the header has {columns} columns (a missing or extra delimiter?)",
                cells.len()
            ),
        );
    }
    mapping.row(&cells, line, tz)
}
