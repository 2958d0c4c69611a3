//! Times drill-downs over the demo dataset: after the dashboard query (month × team, every
//! metric), the records behind a few of its figures — one page each, and a deep page.
//!
//! ```text
//! cargo build --release -p carekpi-engine --example drill_down
//! target/release/examples/drill_down [CASES=1000000] [RUNS=5] [SEED=42]
//! ```

use std::time::Instant;

use carekpi_demo::{DemoOptions, generate};
use carekpi_engine::{Dimension, DrillDown, Engine, EngineConfig, MetricQuery, MetricSpec};
use jiff::civil::date;

fn main() {
    let mut args = std::env::args().skip(1);
    let cases: u64 = args.next().map_or(1_000_000, |a| a.parse().expect("CASES"));
    let runs: usize = args.next().map_or(5, |a| a.parse().expect("RUNS"));
    let seed: u64 = args.next().map_or(42, |a| a.parse().expect("SEED"));

    let config = EngineConfig::from_json(include_str!("demo_config.json")).expect("config");
    let mut engine = Engine::new(config).expect("engine");
    generate(&DemoOptions { cases, seed }, |record| {
        engine.upsert(&record);
        Ok::<_, ()>(())
    })
    .expect("generate");
    let (from, to) = engine
        .local_period(date(2025, 11, 1), date(2026, 11, 1))
        .expect("period");
    let query =
        MetricQuery::new(MetricSpec::all(), from, to).group_by([Dimension::Month, Dimension::Team]);
    let now = to;
    let result = engine.query(&query, now).expect("query");
    // The busiest row of March 2026.
    let row = result
        .rows
        .iter()
        .filter(|r| r.keys[0].as_deref() == Some("2026-03"))
        .max_by_key(|r| r.values.iter().map(|v| v.n).sum::<u64>())
        .expect("a row for March");
    eprintln!("cell {:?}", row.keys);
    let asks: [(&str, Option<&str>, usize); 7] = [
        ("sla_compliance", Some("breached"), 0),
        ("request_volume", None, 0),
        ("request_volume", None, 20_000),
        ("nps", Some("detractors"), 0),
        ("returning_customers", None, 0),
        ("avg_response_time", None, 0),
        ("occupancy", None, 0),
    ];
    for (metric, subset, offset) in asks {
        let spec = MetricSpec::new(metric);
        let mut d = DrillDown::of_row(&query, spec, row).page(offset, 100);
        if let Some(s) = subset {
            d = d.subset(s);
        }
        let mut times = Vec::with_capacity(runs);
        let mut last = None;
        for _ in 0..runs {
            let t = Instant::now();
            last = Some(engine.drill_down(&d, now).expect("drill-down"));
            times.push(t.elapsed().as_secs_f64() * 1000.0);
        }
        times.sort_by(f64::total_cmp);
        let r = last.expect("a run");
        eprintln!(
            "{metric:<20} {:<11} offset {offset:>6}: n {:>7}, listed {:>7}, page {:>3}; p50 {:>7.1} ms, min {:>7.1} ms",
            subset.unwrap_or("-"),
            r.n,
            r.total,
            r.records.len(),
            times[times.len() / 2],
            times[0]
        );
    }
}
