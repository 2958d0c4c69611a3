//! Parse throughput of JSON Lines (ignored: run it in release mode):
//!
//! ```text
//! cargo test --release -p carekpi-ingest --test throughput -- --ignored --nocapture
//! ```
//!
//! 200,000 cases of 5 events (about 1 KB a line), read through `open` / `next_chunk` end to end
//! (file reading, parallel parsing and validation, duplicate check), compared with parsing the
//! same lines one after another on one thread.

use std::io::Write;
use std::time::Instant;

use carekpi_domain::interchange::Position;
use carekpi_domain::parse_record;
use carekpi_ingest::SourceOptions;

const CASES: usize = 200_000;

/// CPU seconds (user + system) this process has used so far (Linux; 0 elsewhere).
fn cpu_seconds() -> f64 {
    let Ok(stat) = std::fs::read_to_string("/proc/self/stat") else {
        return 0.0;
    };
    // Fields after the command name (which is in parentheses): utime is the 12th, stime the 13th.
    let rest = &stat[stat.rfind(')').map_or(0, |i| i + 2)..];
    let fields: Vec<&str> = rest.split_whitespace().collect();
    let ticks: f64 =
        fields[11].parse::<f64>().unwrap_or(0.0) + fields[12].parse::<f64>().unwrap_or(0.0);
    ticks / 100.0
}

fn case_line(i: usize) -> String {
    let day = 1 + i % 28;
    let hour = 8 + i % 9;
    format!(
        concat!(
            r#"{{"kind":"case","id":"T-{i:07}","channel":"email","created_at":"2026-03-{d:02}T{h:02}:15:00+07:00","#,
            r#""customer_id":"C-{c}","team_id":"hcm-{t}","assignee_id":"a-{a}","priority":"high","type":"question","#,
            r#""tags":["billing","vip"],"subject":"Refund for order {i} has not arrived yet; the customer wrote twice about it and asks when the money will be back on the card they paid with, and whether the voucher from last month can still be used for the replacement they ordered","events":["#,
            r#"{{"at":"2026-03-{d:02}T{h:02}:15:00+07:00","kind":"message","author":"customer","public":true}},"#,
            r#"{{"at":"2026-03-{d:02}T{h:02}:20:00+07:00","kind":"message","author":"system","public":true,"automatic":true}},"#,
            r#"{{"at":"2026-03-{d:02}T{h:02}:45:00+07:00","kind":"assign","agent_id":"a-{a}","team_id":"hcm-{t}"}},"#,
            r#"{{"at":"2026-03-{d:02}T{h2:02}:05:00+07:00","kind":"message","author":"agent","agent_id":"a-{a}","public":true}},"#,
            r#"{{"at":"2026-03-{d:02}T{h2:02}:06:00+07:00","kind":"status","status":"solved"}}]}}"#,
        ),
        i = i,
        d = day,
        h = hour,
        h2 = hour + 1,
        c = i % 5000,
        t = i % 7,
        a = i % 40,
    )
}

#[test]
#[ignore = "benchmark: run with --release -- --ignored --nocapture"]
fn jsonl_parse_throughput() {
    let dir = tempfile::tempdir().unwrap();
    let path = dir.path().join("cases.jsonl");
    let mut out = std::io::BufWriter::new(std::fs::File::create(&path).unwrap());
    let mut lines = Vec::with_capacity(CASES);
    for i in 0..CASES {
        let line = case_line(i);
        writeln!(out, "{line}").unwrap();
        lines.push(line);
    }
    drop(out);
    let bytes = std::fs::metadata(&path).unwrap().len();
    println!(
        "{CASES} cases, {:.1} MB, {:.0} bytes a line, {} threads",
        bytes as f64 / 1e6,
        bytes as f64 / CASES as f64,
        rayon::current_num_threads()
    );

    // One thread, no I/O: the cost of parse_record itself.
    let start = Instant::now();
    let cpu = cpu_seconds();
    let mut ok = 0;
    for (i, line) in lines.iter().enumerate() {
        ok += parse_record(line.as_bytes(), Position::Line(i + 1), None).is_ok() as usize;
    }
    let single = start.elapsed();
    let cpu = cpu_seconds() - cpu;
    assert_eq!(ok, CASES);
    println!(
        "parse_record, 1 thread:        {:>8.0} cases/s ({:.2} s, {:.2} CPU s)",
        CASES as f64 / single.as_secs_f64(),
        single.as_secs_f64(),
        cpu
    );

    for run in 1..=3 {
        let start = Instant::now();
        let cpu = cpu_seconds();
        let (mut records, mut errors) = (0, 0);
        let mut source = carekpi_ingest::open(&path, SourceOptions::default()).unwrap();
        while let Some(chunk) = source.next_chunk() {
            let chunk = chunk.unwrap();
            records += chunk.records.len();
            errors += chunk.errors.len();
        }
        let took = start.elapsed();
        let cpu = cpu_seconds() - cpu;
        assert_eq!((records, errors), (CASES, 0));
        println!(
            "open/next_chunk, run {run}:        {:>8.0} cases/s ({:.2} s, {:.0} MB/s, {:.2} CPU s)",
            CASES as f64 / took.as_secs_f64(),
            took.as_secs_f64(),
            bytes as f64 / 1e6 / took.as_secs_f64(),
            cpu
        );
    }

    // A consumer that works on each chunk on its own thread (as the CLI writes each chunk to the
    // database): the reader thread parses the next chunk meanwhile. The stand-in for the
    // database write serialises every record back to JSON.
    let write = |records: &[carekpi_domain::Record]| -> usize {
        records.iter().map(|r| r.to_json_line().len()).sum()
    };
    let mut chunks = Vec::new();
    let mut source = carekpi_ingest::open(&path, SourceOptions::default()).unwrap();
    while let Some(chunk) = source.next_chunk() {
        chunks.push(chunk.unwrap().records);
    }
    let start = Instant::now();
    let written: usize = chunks.iter().map(|c| write(c)).sum();
    let write_only = start.elapsed();
    drop(chunks);
    let start = Instant::now();
    let mut source = carekpi_ingest::open(&path, SourceOptions::default()).unwrap();
    let mut overlapped = 0;
    let mut n = 0;
    while let Some(chunk) = source.next_chunk() {
        let chunk = chunk.unwrap();
        n += chunk.records.len();
        overlapped += write(&chunk.records);
    }
    let both = start.elapsed();
    assert_eq!((n, overlapped), (CASES, written));
    println!(
        "stand-in write alone:          {:>8.0} cases/s ({:.2} s)",
        CASES as f64 / write_only.as_secs_f64(),
        write_only.as_secs_f64()
    );
    println!(
        "read + parse + write:          {:>8.0} cases/s ({:.2} s)",
        CASES as f64 / both.as_secs_f64(),
        both.as_secs_f64()
    );
}
