//! Prints the headline figures of a demo dataset, to check it looks like a real operation:
//! `cargo run --release -p carekpi-demo --example stats -- [CASES] [SEED]`.

use std::collections::{BTreeMap, HashMap, HashSet};

use carekpi_demo::{DemoOptions, generate};
use carekpi_domain::Record;
use carekpi_domain::records::vocab::{Outcome, SurveyKind};

fn pct(a: usize, b: usize) -> String {
    if b == 0 {
        "n/a".into()
    } else {
        format!("{:.1} %", 100.0 * a as f64 / b as f64)
    }
}

fn main() {
    let mut args = std::env::args().skip(1);
    let cases = args.next().map_or(20_000, |a| a.parse().expect("CASES"));
    let seed = args.next().map_or(42, |a| a.parse().expect("SEED"));
    let mut n_cases = 0;
    let mut events = 0;
    let mut solved = 0;
    let mut reopened = 0;
    let mut one_touch = 0;
    let mut frt: Vec<i64> = Vec::new();
    let mut resolution: Vec<i64> = Vec::new();
    let mut contacts: BTreeMap<(&str, Outcome), usize> = BTreeMap::new();
    let (mut answered, mut within_20, mut wait_sum) = (0, 0, 0i64);
    let mut surveyed = HashSet::new();
    let mut csat = (0, 0);
    let mut nps = [0usize; 3];
    let mut agent_csat: HashMap<String, (usize, usize)> = HashMap::new();
    let summary = generate(&DemoOptions { cases, seed }, |r| {
        match &r {
            Record::Case(c) => {
                n_cases += 1;
                events += c.events.len();
                if let Some(first) = c.events.iter().find(|e| e.is_agent_reply()) {
                    frt.push(first.at.since(&c.created_at).as_secs());
                }
                if c.current_status().is_solved() {
                    solved += 1;
                    let mut was = false;
                    let re = c.events.iter().filter_map(|e| e.status).any(|s| {
                        let r = was && !s.is_solved();
                        was |= s.is_solved();
                        r
                    });
                    reopened += usize::from(re);
                    let replies = c.events.iter().filter(|e| e.is_agent_reply()).count();
                    one_touch += usize::from(replies == 1 && !re);
                    let last = c
                        .events
                        .iter()
                        .rev()
                        .find(|e| e.status.is_some_and(|s| s.is_solved()))
                        .unwrap();
                    resolution.push(last.at.since(&c.created_at).as_secs());
                }
            }
            Record::Call(c) => {
                *contacts.entry(("call", c.outcome)).or_default() += 1;
                if let (Some(q), Some(a)) = (c.queued_at, c.answered_at) {
                    answered += 1;
                    let w = a.since(&q).as_secs();
                    wait_sum += w;
                    within_20 += usize::from(w <= 20);
                }
            }
            Record::Chat(c) => {
                *contacts.entry(("chat", c.outcome)).or_default() += 1;
            }
            Record::Survey(s) => {
                if let Some(c) = &s.case_id {
                    surveyed.insert(c.clone());
                }
                match s.survey {
                    SurveyKind::Csat => {
                        csat.1 += 1;
                        csat.0 += usize::from(s.score >= 4);
                        let e = agent_csat
                            .entry(s.agent_id.clone().unwrap_or_default())
                            .or_default();
                        e.1 += 1;
                        e.0 += usize::from(s.score >= 4);
                    }
                    SurveyKind::Nps => {
                        nps[match s.score {
                            9.. => 0,
                            7..=8 => 1,
                            _ => 2,
                        }] += 1
                    }
                    SurveyKind::Ces => {}
                }
            }
            _ => {}
        }
        Ok::<(), ()>(())
    })
    .unwrap();
    for (kind, n) in &summary.counts {
        println!("{:<18} {n:>9}", kind.plural());
    }
    println!("{:<18} {:>9}", "total", summary.total());
    frt.sort_unstable();
    resolution.sort_unstable();
    let q = |v: &[i64], p: f64| v[((v.len() as f64 * p) as usize).min(v.len() - 1)] as f64 / 3600.0;
    println!("events per case    {:.2}", events as f64 / n_cases as f64);
    println!("solved             {}", pct(solved, n_cases));
    println!("reopen rate        {}", pct(reopened, solved));
    println!("one-touch          {}", pct(one_touch, solved));
    println!(
        "FRT h  median {:.2} mean {:.2} p90 {:.2}",
        q(&frt, 0.5),
        frt.iter().sum::<i64>() as f64 / frt.len() as f64 / 3600.0,
        q(&frt, 0.9)
    );
    println!(
        "resolution h  median {:.1} p90 {:.1}",
        q(&resolution, 0.5),
        q(&resolution, 0.9)
    );
    println!("contacts           {contacts:?}");
    println!(
        "calls SL 20 s      {}  ASA {:.1} s",
        pct(within_20, answered),
        wait_sum as f64 / answered as f64
    );
    println!("survey rate        {}", pct(surveyed.len(), solved));
    println!("CSAT               {}", pct(csat.0, csat.1));
    let n = (nps[0] + nps[1] + nps[2]) as f64;
    println!(
        "NPS                {:.1}",
        100.0 * (nps[0] as f64 - nps[2] as f64) / n
    );
    let mut per_agent: Vec<(String, f64, usize)> = agent_csat
        .into_iter()
        .filter(|(_, (_, n))| *n >= 20)
        .map(|(a, (ok, n))| (a, ok as f64 / n as f64, n))
        .collect();
    per_agent.sort_by(|a, b| a.1.total_cmp(&b.1));
    if let (Some(w), Some(b)) = (per_agent.first(), per_agent.last()) {
        println!(
            "agent CSAT         worst {} {:.0} % (n {}), best {} {:.0} % (n {})",
            w.0,
            w.1 * 100.0,
            w.2,
            b.0,
            b.1 * 100.0,
            b.2
        );
    }
}
