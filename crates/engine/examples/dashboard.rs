//! Times the whole dashboard query — every metric of the catalogue, 12 months, by month × team —
//! over the demo dataset (carekpi-demo: cases, calls, chats, surveys … at their natural ratio).
//!
//! ```text
//! cargo build --release -p carekpi-engine --example dashboard
//! /usr/bin/time -v target/release/examples/dashboard [CASES=1000000] [RUNS=15] [SEED=42]
//! ```
//! Prints the load time, the query's p50 / min / max over the runs, and a few rows.

use std::time::Instant;

use carekpi_demo::{DemoOptions, generate};
use carekpi_engine::{Dimension, Engine, EngineConfig, MetricQuery, MetricSpec};
use jiff::civil::date;

fn main() {
    let mut args = std::env::args().skip(1);
    let cases: u64 = args.next().map_or(1_000_000, |a| a.parse().expect("CASES"));
    let runs: usize = args.next().map_or(15, |a| a.parse().expect("RUNS"));
    let seed: u64 = args.next().map_or(42, |a| a.parse().expect("SEED"));

    let config = EngineConfig::from_json(include_str!("demo_config.json")).expect("config");
    let mut engine = Engine::new(config).expect("engine");
    let started = Instant::now();
    let summary = generate(&DemoOptions { cases, seed }, |record| {
        engine.upsert(&record);
        Ok::<_, ()>(())
    })
    .expect("generate");
    let load = started.elapsed();
    eprintln!(
        "loaded {} records ({} cases) in {:.1} s (generation included)",
        summary.total(),
        cases,
        load.as_secs_f64()
    );
    for (kind, n) in engine.counts() {
        eprintln!("  {:<20} {n}", kind.plural());
    }

    let (from, to) = engine
        .local_period(date(2025, 11, 1), date(2026, 11, 1))
        .expect("period");
    let query =
        MetricQuery::new(MetricSpec::all(), from, to).group_by([Dimension::Month, Dimension::Team]);
    let now = to;
    let mut times = Vec::with_capacity(runs);
    let mut result = None;
    for _ in 0..runs {
        let t = Instant::now();
        let r = engine.query(&query, now).expect("query");
        times.push(t.elapsed().as_secs_f64() * 1000.0);
        result = Some(r);
    }
    // The first query after loading also builds what is derived once per version of the data
    // (per-customer activities, flattened replies, presence per agent-day) and the query shape's
    // group and cell columns; later ones reuse them.
    eprintln!("first query after load: {:.1} ms", times[0]);
    times.sort_by(f64::total_cmp);
    let result = result.expect("at least one run");
    eprintln!(
        "dashboard query: {} metrics × {} rows; p50 {:.1} ms, min {:.1} ms, max {:.1} ms over {runs} runs (first included)",
        query.metrics.len(),
        result.rows.len(),
        times[(runs - 1) / 2],
        times[0],
        times[runs - 1]
    );
    // Another shape (its group and cell columns are new; the per-version lists are reused).
    let other =
        MetricQuery::new(MetricSpec::all(), from, to).group_by([Dimension::Week, Dimension::Agent]);
    let t = Instant::now();
    let r = engine.query(&other, now).expect("query");
    eprintln!(
        "new shape (week × agent, {} rows): {:.1} ms",
        r.rows.len(),
        t.elapsed().as_secs_f64() * 1000.0
    );
    if std::env::var_os("PER_METRIC").is_some() {
        for spec in MetricSpec::all() {
            let q = MetricQuery::new(vec![spec.clone()], from, to)
                .group_by([Dimension::Month, Dimension::Team]);
            let t = Instant::now();
            for _ in 0..3 {
                engine.query(&q, now).expect("query");
            }
            eprintln!(
                "  {:<32} {:>7.1} ms",
                spec.to_string(),
                t.elapsed().as_secs_f64() * 1000.0 / 3.0
            );
        }
    }
    // A few figures, to see the data is sensible.
    let total = engine
        .query(&MetricQuery::new(MetricSpec::all(), from, to), now)
        .expect("query");
    for (spec, v) in total.metrics.iter().zip(&total.rows[0].values) {
        eprintln!(
            "  {:<32} {:>14} n {:>9}{}",
            spec.to_string(),
            v.value.map_or("—".into(), |x| format!("{x:.2}")),
            v.n,
            match (v.median, v.p90) {
                (Some(m), Some(p)) => format!("  median {m:.0} p90 {p:.0}"),
                _ => String::new(),
            }
        );
    }
}
