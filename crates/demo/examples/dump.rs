//! Writes a demo dataset as JSON Lines to stdout:
//! `cargo run --release -p carekpi-demo --example dump -- [CASES] [SEED] > demo.jsonl`.

use std::io::Write;

use carekpi_demo::{DemoOptions, generate};

fn main() -> std::io::Result<()> {
    let mut args = std::env::args().skip(1);
    let defaults = DemoOptions::default();
    let options = DemoOptions {
        cases: args
            .next()
            .map_or(defaults.cases, |a| a.parse().expect("CASES")),
        seed: args
            .next()
            .map_or(defaults.seed, |a| a.parse().expect("SEED")),
    };
    let mut out = std::io::BufWriter::new(std::io::stdout().lock());
    generate(&options, |record| {
        writeln!(out, "{}", record.to_json_line())
    })?;
    out.flush()
}
