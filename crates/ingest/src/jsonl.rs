//! JSON Lines: one record per line, read in chunks and parsed in parallel.

use std::fs::File;
use std::io::{BufRead, BufReader};
use std::path::PathBuf;

use carekpi_domain::interchange::Position;
use carekpi_domain::{BatchGuard, RecordKind, parse_record};
use rayon::prelude::*;

use crate::{Chunk, IngestError, absorb};

/// Lines per chunk.
pub(crate) const CHUNK_LINES: usize = 4096;
/// A chunk also ends once it holds this many bytes (very long lines).
const CHUNK_BYTES: usize = 32 << 20;

pub(crate) struct JsonLinesSource {
    path: PathBuf,
    reader: BufReader<File>,
    default_kind: Option<RecordKind>,
    /// The lines of the current chunk, back to back (reused between chunks).
    buf: Vec<u8>,
    /// (start, end, line number) of each non-blank line in `buf`.
    lines: Vec<(usize, usize, usize)>,
    line: usize,
    bytes_done: u64,
    guard: BatchGuard,
    done: bool,
}

impl JsonLinesSource {
    pub(crate) fn new(path: PathBuf, file: File, default_kind: Option<RecordKind>) -> Self {
        Self {
            path,
            reader: BufReader::with_capacity(1 << 20, file),
            default_kind,
            buf: Vec::new(),
            lines: Vec::with_capacity(CHUNK_LINES),
            line: 0,
            bytes_done: 0,
            guard: BatchGuard::new(),
            done: false,
        }
    }

    pub(crate) fn next_chunk(&mut self) -> Option<Result<Chunk, IngestError>> {
        if self.done {
            return None;
        }
        self.buf.clear();
        self.lines.clear();
        let mut consumed = false;
        while self.lines.len() < CHUNK_LINES && self.buf.len() < CHUNK_BYTES {
            let start = self.buf.len();
            let n = match self.reader.read_until(b'\n', &mut self.buf) {
                Ok(n) => n,
                Err(source) => {
                    self.done = true;
                    return Some(Err(IngestError::Io {
                        path: self.path.clone(),
                        source,
                    }));
                }
            };
            if n == 0 {
                self.done = true;
                break;
            }
            consumed = true;
            self.line += 1;
            self.bytes_done += n as u64;
            let mut s = start;
            let mut e = self.buf.len();
            if self.line == 1 && self.buf[s..e].starts_with(b"\xEF\xBB\xBF") {
                s += 3;
            }
            while e > s && matches!(self.buf[e - 1], b'\n' | b'\r') {
                e -= 1;
            }
            if self.buf[s..e].iter().all(u8::is_ascii_whitespace) {
                self.buf.truncate(start);
                continue;
            }
            self.lines.push((s, e, self.line));
        }
        if !consumed {
            return None;
        }
        let buf = &self.buf;
        let kind = self.default_kind;
        let parsed: Vec<_> = self
            .lines
            .par_iter()
            .with_min_len(64)
            .map(|&(s, e, line)| (line, parse_record(&buf[s..e], Position::Line(line), kind)))
            .collect();
        let mut chunk = Chunk {
            records: Vec::with_capacity(parsed.len()),
            errors: Vec::new(),
            lines_read: self.lines.len() as u64,
            bytes_done: self.bytes_done,
        };
        for (line, result) in parsed {
            absorb(
                &mut chunk,
                &mut self.guard,
                Position::Line(line),
                std::iter::once(result),
            );
        }
        Some(Ok(chunk))
    }
}
