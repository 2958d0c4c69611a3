//! Helpers shared by the integration tests.
#![allow(dead_code)]

use std::io::Write;
use std::path::{Path, PathBuf};

use carekpi_domain::{Record, RecordError};
use carekpi_ingest::{Chunk, IngestError, Rejected, SourceOptions, open};

/// A temporary directory holding one file.
pub struct TempFile {
    _dir: tempfile::TempDir,
    pub path: PathBuf,
}

pub fn write(name: &str, bytes: &[u8]) -> TempFile {
    let dir = tempfile::tempdir().unwrap();
    let path = dir.path().join(name);
    std::fs::File::create(&path)
        .unwrap()
        .write_all(bytes)
        .unwrap();
    TempFile { _dir: dir, path }
}

/// Everything a source yields.
#[derive(Debug, Default)]
pub struct All {
    pub records: Vec<Record>,
    pub errors: Vec<RecordError>,
    pub chunks: Vec<(usize, usize, u64, u64)>,
    pub lines_read: u64,
    pub bytes_done: u64,
    pub total_bytes: u64,
    /// Skipped rows per reason, added up over the chunks (in order of first appearance).
    pub skipped: Vec<(String, u64)>,
    pub rejected: Vec<Rejected>,
}

pub fn read(path: &Path, options: SourceOptions) -> Result<All, IngestError> {
    let mut source = open(path, options)?;
    let mut all = All {
        total_bytes: source.total_bytes(),
        ..All::default()
    };
    while let Some(chunk) = source.next_chunk() {
        let Chunk {
            records,
            errors,
            lines_read,
            bytes_done,
            skipped,
            rejected,
        } = chunk?;
        for (reason, n) in skipped {
            match all.skipped.iter_mut().find(|(r, _)| *r == reason) {
                Some((_, total)) => *total += n,
                None => all.skipped.push((reason, n)),
            }
        }
        all.rejected.extend(rejected);
        all.chunks
            .push((records.len(), errors.len(), lines_read, bytes_done));
        assert!(bytes_done >= all.bytes_done, "bytes_done goes back");
        all.bytes_done = bytes_done;
        all.lines_read += lines_read;
        all.records.extend(records);
        all.errors.extend(errors);
    }
    assert!(source.next_chunk().is_none(), "None stays None");
    Ok(all)
}

pub fn read_str(name: &str, text: &str, options: SourceOptions) -> Result<All, IngestError> {
    let file = write(name, text.as_bytes());
    read(&file.path, options)
}

/// The one error of a result that must have exactly one.
pub fn only_error(all: &All) -> &RecordError {
    assert_eq!(
        all.errors.len(),
        1,
        "expected one error, got {:#?}",
        all.errors
    );
    &all.errors[0]
}
