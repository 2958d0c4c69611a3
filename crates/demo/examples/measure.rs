//! Measures generation speed: `cargo run --release -p carekpi-demo --example measure -- [CASES] [--json]`
//! (default 1,000,000 cases). With `--json` every record is also serialised to a JSON line (into a
//! sink), as `carekpi demo` does when writing a file.

use std::io::Write;
use std::time::Instant;

use carekpi_demo::{DemoOptions, generate};

fn main() {
    let mut cases = 1_000_000;
    let mut json = false;
    for arg in std::env::args().skip(1) {
        if arg == "--json" {
            json = true;
        } else {
            cases = arg.parse().expect("CASES must be a number");
        }
    }
    let options = DemoOptions {
        cases,
        ..DemoOptions::default()
    };
    let mut sink = std::io::BufWriter::new(std::io::sink());
    let mut bytes: u64 = 0;
    let started = Instant::now();
    let summary = generate(&options, |record| {
        if json {
            let line = record.to_json_line();
            bytes += line.len() as u64 + 1;
            sink.write_all(line.as_bytes())?;
            sink.write_all(b"\n")?;
        }
        Ok::<(), std::io::Error>(())
    })
    .expect("the sink never fails");
    let secs = started.elapsed().as_secs_f64();
    for (kind, n) in &summary.counts {
        println!("{:<18} {n:>10}", kind.plural());
    }
    let total = summary.total();
    println!("{:<18} {total:>10}", "total");
    println!(
        "{cases} cases: {total} records in {secs:.2} s = {:.0} records/s{}",
        total as f64 / secs,
        if json {
            format!(", {:.1} MB of JSON Lines", bytes as f64 / 1e6)
        } else {
            String::new()
        }
    );
}
