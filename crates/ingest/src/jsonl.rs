//! JSON Lines: one record per line, read in chunks and parsed in parallel.

use std::fs::File;
use std::io::{self, BufRead, BufReader};
use std::path::PathBuf;

use carekpi_domain::interchange::Position;
use carekpi_domain::{BatchGuard, RecordError, RecordKind, parse_record};
use rayon::prelude::*;

use crate::{Chunk, IngestError, Rejected, RejectedInput, absorb};

/// Lines per chunk.
pub(crate) const CHUNK_LINES: usize = 4096;
/// A chunk also ends once it holds this many bytes (very long lines).
const CHUNK_BYTES: usize = 32 << 20;
/// A longer line is rejected without being held in memory (a file that is one huge JSON array,
/// not JSON Lines).
pub(crate) const MAX_LINE_BYTES: usize = 64 << 20;

/// Append one line (with its `\n`) to `buf`, unless it is longer than `max` bytes: then nothing
/// is kept and `too_long` is true. Returns the bytes consumed (0 at the end of the file).
fn read_line_capped(
    reader: &mut impl BufRead,
    buf: &mut Vec<u8>,
    max: usize,
) -> io::Result<(usize, bool)> {
    let start = buf.len();
    let mut consumed = 0;
    let mut too_long = false;
    loop {
        let available = match reader.fill_buf() {
            Ok(b) => b,
            Err(e) if e.kind() == io::ErrorKind::Interrupted => continue,
            Err(e) => return Err(e),
        };
        if available.is_empty() {
            break;
        }
        let (used, end) = match memchr::memchr(b'\n', available) {
            Some(i) => (i + 1, true),
            None => (available.len(), false),
        };
        if !too_long {
            if buf.len() - start + used > max {
                too_long = true;
                buf.truncate(start);
            } else {
                buf.extend_from_slice(&available[..used]);
            }
        }
        reader.consume(used);
        consumed += used;
        if end {
            break;
        }
    }
    Ok((consumed, too_long))
}

pub(crate) struct JsonLinesSource {
    path: PathBuf,
    reader: BufReader<File>,
    default_kind: Option<RecordKind>,
    /// The lines of the current chunk, back to back (reused between chunks).
    buf: Vec<u8>,
    /// (start, end, line number) of each non-blank line in `buf`.
    lines: Vec<(usize, usize, usize)>,
    /// Lines of this chunk too long to read.
    too_long: Vec<usize>,
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
            too_long: Vec::new(),
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
        self.too_long.clear();
        let mut consumed = false;
        while self.lines.len() < CHUNK_LINES && self.buf.len() < CHUNK_BYTES {
            let start = self.buf.len();
            let n = match read_line_capped(&mut self.reader, &mut self.buf, MAX_LINE_BYTES) {
                Ok((n, too_long)) => {
                    if too_long {
                        self.line += 1;
                        self.bytes_done += n as u64;
                        self.too_long.push(self.line);
                        continue;
                    }
                    n
                }
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
            lines_read: (self.lines.len() + self.too_long.len()) as u64,
            bytes_done: self.bytes_done,
            ..Chunk::default()
        };
        let mut too_long = self.too_long.iter().copied().peekable();
        for (&(s, e, _), (line, result)) in self.lines.iter().zip(parsed) {
            while let Some(long) = too_long.next_if(|&l| l < line) {
                push_too_long(&mut chunk, long);
            }
            if let Some(reasons) = absorb(
                &mut chunk,
                &mut self.guard,
                Position::Line(line),
                std::iter::once(result),
            ) {
                chunk.rejected.push(Rejected {
                    line,
                    input: RejectedInput::Line(self.buf[s..e].to_vec()),
                    reasons,
                });
            }
        }
        for long in too_long {
            push_too_long(&mut chunk, long);
        }
        Some(Ok(chunk))
    }
}

fn push_too_long(chunk: &mut Chunk, line: usize) {
    let error = line_too_long(line);
    chunk.rejected.push(Rejected {
        line,
        input: RejectedInput::Line(Vec::new()),
        reasons: vec![error.to_string()],
    });
    chunk.errors.push(error);
}

fn line_too_long(line: usize) -> RecordError {
    RecordError::new(
        Position::Line(line),
        None,
        format!(
            "the line is longer than {} MiB; a JSON Lines file has one record per line",
            MAX_LINE_BYTES >> 20
        ),
    )
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn long_lines_are_skipped_not_kept() {
        let text = b"short\nthis line is too long\nok\nlast-no-newline";
        let mut reader = BufReader::with_capacity(4, &text[..]);
        let mut buf = Vec::new();
        let mut got = Vec::new();
        loop {
            let start = buf.len();
            let (n, long) = read_line_capped(&mut reader, &mut buf, 10).unwrap();
            if n == 0 {
                break;
            }
            got.push((n, long, String::from_utf8(buf[start..].to_vec()).unwrap()));
        }
        assert_eq!(
            got,
            [
                (6, false, "short\n".to_string()),
                (22, true, String::new()),
                (3, false, "ok\n".to_string()),
                (15, true, String::new()),
            ]
        );
    }
}
