//! `carekpi bench staffing`: the required agents of a whole week at 15-minute intervals (672
//! intervals) for a centre needing `--peak-agents` (default 2,000) at its busiest, timed over
//! several runs. Two weeks are solved: every interval at the peak (the worst case: each interval
//! needs the full 2,000 agents), and a weekly curve (quiet nights and weekends) peaking there.
//! The target is 80 % answered within 20 s with 30 % shrinkage, AHT 5 min (no occupancy limit,
//! so the service level decides every interval).

use std::hint::black_box;
use std::time::Instant;

use carekpi_domain::staffing::{Model, Target, Workload, required_agents};
use clap::Args;
use serde_json::json;

use crate::failure::Failure;
use crate::report::grouped;

const INTERVALS: usize = 7 * 96;
const INTERVAL_S: f64 = 900.0;
const AHT_S: f64 = 300.0;
const BUDGET_MS: f64 = 50.0;

#[derive(Args, Debug)]
pub struct BenchStaffingArgs {
    /// Agents the busiest interval needs.
    #[arg(long, default_value_t = 2000)]
    pub peak_agents: u32,
    /// Timed runs of each week.
    #[arg(long, default_value_t = 21)]
    pub runs: usize,
    /// Also time Erlang A with this mean patience (`90s`, `2m`).
    #[arg(long, value_parser = super::seconds)]
    pub patience: Option<f64>,
    /// Print the figures as JSON.
    #[arg(long)]
    pub json: bool,
}

fn target() -> Target {
    Target {
        service_level: 0.8,
        answer_within_s: 20.0,
        max_occupancy: None,
        shrinkage: 0.3,
    }
}

fn workload(traffic: f64) -> Workload {
    Workload::new(traffic * INTERVAL_S / AHT_S, INTERVAL_S, AHT_S).expect("valid by construction")
}

fn agents_for(traffic: f64, model: Model) -> Result<u32, Failure> {
    required_agents(&workload(traffic), &target(), model)
        .map(|r| r.agents)
        .map_err(|e| Failure::invalid_input(format!("the benchmark's own week: {e}")))
}

/// The largest traffic (to 0.01 Erlang) the target allows `peak` agents to carry (under Erlang
/// A it can exceed the agents: abandons keep the queue short).
fn peak_traffic(peak: u32, model: Model) -> Result<f64, Failure> {
    let (mut lo, mut hi) = (0.0, f64::from(peak));
    while agents_for(hi, model)? <= peak {
        (lo, hi) = (hi, hi * 2.0);
    }
    while hi - lo > 0.01 {
        let mid = (lo + hi) / 2.0;
        if agents_for(mid, model)? <= peak {
            lo = mid;
        } else {
            hi = mid;
        }
    }
    Ok(lo)
}

/// The share of the peak traffic in interval `i` of the week (Monday 00:00 first): a working-day
/// curve (quiet nights, busiest at 13:00) times a weekday factor, with a small ripple.
fn curve(i: usize) -> f64 {
    const DAY: [f64; 7] = [1.0, 0.95, 0.9, 0.9, 0.85, 0.5, 0.35];
    let hour = (i % 96) as f64 / 4.0;
    let open = if (7.0..19.0).contains(&hour) {
        (std::f64::consts::PI * (hour - 7.0) / 12.0).sin().powf(1.5)
    } else {
        0.0
    };
    let ripple = 1.0 - 0.02 * ((i % 4) as f64);
    DAY[i / 96] * (0.05 + 0.95 * open) * ripple
}

struct Timing {
    p50_ms: f64,
    min_ms: f64,
    max_ms: f64,
    agents: u64,
    peak: u32,
}

fn time_week(traffic: &[f64], model: Model, runs: usize) -> Result<Timing, Failure> {
    let workloads: Vec<Workload> = traffic.iter().map(|a| workload(*a)).collect();
    let t = target();
    let mut times = Vec::with_capacity(runs);
    let (mut agents, mut peak) = (0u64, 0u32);
    for _ in 0..runs.max(1) {
        let started = Instant::now();
        let (mut sum, mut most) = (0u64, 0u32);
        for w in &workloads {
            let r = required_agents(black_box(w), &t, model)
                .map_err(|e| Failure::invalid_input(format!("the benchmark's own week: {e}")))?;
            sum += u64::from(r.agents);
            most = most.max(r.agents);
        }
        times.push(started.elapsed().as_secs_f64() * 1000.0);
        (agents, peak) = black_box((sum, most));
    }
    times.sort_by(f64::total_cmp);
    Ok(Timing {
        p50_ms: times[times.len() / 2],
        min_ms: times[0],
        max_ms: times[times.len() - 1],
        agents,
        peak,
    })
}

pub fn run(args: BenchStaffingArgs) -> Result<(), Failure> {
    if args.peak_agents == 0 {
        return Err(Failure::usage("--peak-agents must be at least 1"));
    }
    let mut models = vec![Model::ErlangC];
    if let Some(p) = args.patience {
        models.push(Model::ErlangA { patience_s: p });
    }
    let mut results = Vec::new();
    for model in models {
        let peak = peak_traffic(args.peak_agents, model)?;
        let flat = vec![peak; INTERVALS];
        let weekly: Vec<f64> = (0..INTERVALS).map(|i| peak * curve(i)).collect();
        results.push((
            model,
            peak,
            time_week(&flat, model, args.runs)?,
            time_week(&weekly, model, args.runs)?,
        ));
    }
    if args.json {
        let figures: Vec<_> = results
            .iter()
            .map(|(model, peak, flat, weekly)| {
                let week = |t: &Timing| {
                    json!({"p50_ms": t.p50_ms, "min_ms": t.min_ms, "max_ms": t.max_ms,
                           "peak_agents": t.peak, "agent_intervals": t.agents})
                };
                json!({
                    "model": match model { Model::ErlangC => "erlang_c", Model::ErlangA { .. } => "erlang_a" },
                    "patience_s": match model { Model::ErlangA { patience_s } => Some(*patience_s), Model::ErlangC => None },
                    "intervals": INTERVALS,
                    "peak_traffic_erlangs": peak,
                    "flat": week(flat),
                    "weekly_curve": week(weekly),
                })
            })
            .collect();
        println!(
            "{}",
            json!({"runs": args.runs, "budget_ms": BUDGET_MS, "weeks": figures})
        );
        return Ok(());
    }
    println!(
        "bench staffing: required agents for a week at 15-minute intervals ({INTERVALS}), 80 % in 20 s, \
         shrinkage 30 %, AHT 5 min; {} runs each",
        args.runs.max(1)
    );
    for (model, peak, flat, weekly) in &results {
        let name = match model {
            Model::ErlangC => "Erlang C".to_string(),
            Model::ErlangA { patience_s } => format!("Erlang A (patience {patience_s} s)"),
        };
        let line = |label: &str, t: &Timing| {
            format!(
                "  {name}, {label}: p50 {:.2} ms (min {:.2}, max {:.2}){}",
                t.p50_ms,
                t.min_ms,
                t.max_ms,
                if matches!(model, Model::ErlangC) {
                    if t.p50_ms < BUDGET_MS {
                        " — under 50 ms"
                    } else {
                        " — OVER 50 ms"
                    }
                } else {
                    ""
                }
            )
        };
        println!(
            "{}",
            line(
                &format!(
                    "every interval at the peak ({} Erlangs → {} agents)",
                    grouped(*peak, 2),
                    grouped(f64::from(flat.peak), 0)
                ),
                flat
            )
        );
        println!(
            "{}",
            line(
                &format!(
                    "weekly curve (peak {} agents, {} agent-hours)",
                    grouped(f64::from(weekly.peak), 0),
                    grouped(weekly.agents as f64 / 4.0, 0)
                ),
                weekly
            )
        );
    }
    Ok(())
}
