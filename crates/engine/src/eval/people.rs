//! Agent metrics: daily completion, transactions per day, occupancy, turnover. Agent-days are
//! local days of the account's time zone; a record counts for the agent who did the work, in the
//! agent's team (else the record's team).

use carekpi_domain::records::vocab::Outcome;

use super::cases::scan;
use super::{
    Column, Ctx, Dims, Table, agent_dims, agent_team, case_dims, contact_dims, mean, parts, rate,
};
use crate::query::MetricValue;
use crate::time::LocalDays;
use crate::util::{FxMap, FxSet, NONE};

/// The dims of work done by `agent` on a record with dims `base`.
fn by_agent<'a>(ctx: &Ctx, base: Dims<'a>, agent: u32) -> Dims<'a> {
    let team = agent_team(ctx.e, agent);
    Dims {
        agent,
        team: if team == NONE { base.team } else { team },
        ..base
    }
}

/// daily_completion_rate: for each agent-day (local day), cases assigned to the agent that day
/// and solved by the end of that day while still assigned to them / cases assigned that day ×
/// 100; the value is the mean over the agent-days in the bucket. n = agent-days.
pub(crate) fn daily_completion_rate(ctx: &mut Ctx) -> Column {
    let e = ctx.e;
    let c = &e.cases;
    let days = LocalDays::new(&e.compiled.tz, ctx.b.from(), ctx.b.to());
    let mut agent_days: FxMap<(u32, u32, i32), (u32, u32)> = FxMap::default();
    let mut out = Vec::new();
    for r in 0..c.len() {
        if !c.exists[r] {
            continue;
        }
        let assigns = c.assigns.get(r);
        if assigns.is_empty() {
            continue;
        }
        let base = case_dims(e, r as u32);
        for a in assigns {
            if a.agent == NONE {
                continue;
            }
            let Some(start) = days.start_of(a.day) else {
                continue;
            };
            let Some(b) = ctx.b.of(start.max(ctx.b.from())) else {
                continue;
            };
            let d = by_agent(ctx, base, a.agent);
            ctx.groups_of(&d, &mut out);
            for &gid in &out {
                let cell = (gid as usize * ctx.nb + b) as u32;
                let slot = agent_days.entry((cell, a.agent, a.day)).or_default();
                slot.0 += 1;
                slot.1 += u32::from(a.done);
            }
        }
    }
    let n = ctx.ncells();
    let (mut sum, mut k) = (vec![0.0; n], vec![0u64; n]);
    for ((cell, _, _), (assigned, done)) in agent_days {
        sum[cell as usize] += 100.0 * f64::from(done) / f64::from(assigned);
        k[cell as usize] += 1;
    }
    Column {
        values: sum.iter().zip(&k).map(|(&s, &n)| mean(s, n)).collect(),
        empty: MetricValue::none(),
    }
}

/// transactions_per_day: handled contacts (public agent replies sent, calls answered, chats
/// answered — at the reply, the answer, the chat's end) / agent working days (local days on
/// which the agent handled a contact or was logged in, by presence data) in the bucket.
/// n = handled contacts; parts: `agent_days`.
pub(crate) fn transactions_per_day(ctx: &mut Ctx) -> Column {
    let e = ctx.e;
    let days = LocalDays::new(&e.compiled.tz, ctx.b.from(), ctx.b.to());
    let mut count: FxMap<u32, u64> = FxMap::default();
    let mut worked: FxSet<(u32, u32, i32)> = FxSet::default();
    let mut out = Vec::new();
    let mut add = |ctx: &mut Ctx, d: &Dims, agent: u32, t: i64, tx: bool, out: &mut Vec<u32>| {
        let Some(b) = ctx.b.of(t) else { return };
        ctx.groups_of(d, out);
        let day = days.day(t);
        for &gid in out.iter() {
            let cell = (gid as usize * ctx.nb + b) as u32;
            if tx {
                *count.entry(cell).or_default() += 1;
            }
            worked.insert((cell, agent, day));
        }
    };
    let c = &e.cases;
    for r in 0..c.len() {
        if !c.exists[r] {
            continue;
        }
        let replies = c.replies.get(r);
        if replies.is_empty() {
            continue;
        }
        let base = case_dims(e, r as u32);
        for reply in replies {
            if reply.agent != NONE {
                let d = by_agent(ctx, base, reply.agent);
                add(ctx, &d, reply.agent, reply.at, true, &mut out);
            }
        }
    }
    let k = &e.contacts;
    for r in 0..k.len() {
        if !k.exists[r] || k.outcome[r] != Outcome::Answered as u8 || k.agent[r] == NONE {
            continue;
        }
        let t = if k.is_chat[r] && k.ended[r] != crate::util::NO_TIME {
            k.ended[r]
        } else {
            k.answered[r]
        };
        let d = by_agent(ctx, contact_dims(e, r as u32), k.agent[r]);
        add(ctx, &d, k.agent[r], t, true, &mut out);
    }
    let p = &e.presence;
    for r in 0..p.from.len() {
        if !p.logged_in[r] || p.agent[r] == NONE {
            continue;
        }
        let (from, to) = (p.from[r].max(ctx.b.from()), p.to[r].min(ctx.b.to()));
        if from >= to {
            continue;
        }
        let d = agent_dims(e, p.agent[r]);
        let (first, last) = (days.day(from), days.day(to - 1));
        for day in first..=last {
            let t = days.start_of(day).map_or(from, |s| s.max(from));
            add(ctx, &d, p.agent[r], t, false, &mut out);
        }
    }
    let n = ctx.ncells();
    let mut agent_days = vec![0u64; n];
    for (cell, _, _) in worked {
        agent_days[cell as usize] += 1;
    }
    let values = (0..n)
        .map(|cell| {
            let tx = count.get(&(cell as u32)).copied().unwrap_or(0);
            let ad = agent_days[cell];
            let mut v = MetricValue::of((ad > 0).then(|| tx as f64 / ad as f64), tx);
            v.parts = parts([("agent_days".to_string(), Some(ad as f64), ad)]);
            v
        })
        .collect();
    Column {
        values,
        empty: MetricValue::none(),
    }
}

/// occupancy: handle time (talk + hold + wrap of answered calls and chats, at the answer) of the
/// agents with presence data in the bucket / their logged-in time (presence intervals available
/// or busy, cut to the bucket) × 100. n = agents with presence data.
pub(crate) fn occupancy(ctx: &mut Ctx) -> Column {
    let e = ctx.e;
    let nb = ctx.nb;
    // (cell, agent) → (logged-in seconds, handle seconds)
    let mut per: FxMap<(u32, u32), (f64, f64)> = FxMap::default();
    let mut out = Vec::new();
    let p = &e.presence;
    for r in 0..p.from.len() {
        if !p.logged_in[r] || p.agent[r] == NONE {
            continue;
        }
        let (from, to) = (p.from[r].max(ctx.b.from()), p.to[r].min(ctx.b.to()));
        if from >= to {
            continue;
        }
        ctx.groups_of(&agent_dims(e, p.agent[r]), &mut out);
        let mut b = ctx.b.of(from).expect("inside the period");
        loop {
            let (s, t) = (from.max(ctx.b.starts[b]), to.min(ctx.b.end(b)));
            if s < t {
                for &gid in &out {
                    let cell = (gid as usize * nb + b) as u32;
                    per.entry((cell, p.agent[r])).or_default().0 += (t - s) as f64 / 1000.0;
                }
            }
            b += 1;
            if b >= nb || ctx.b.starts[b] >= to {
                break;
            }
        }
    }
    let k = &e.contacts;
    for r in 0..k.len() {
        if !k.exists[r]
            || k.outcome[r] != Outcome::Answered as u8
            || k.agent[r] == NONE
            || k.handle[r].is_nan()
        {
            continue;
        }
        let Some(b) = ctx.b.of(k.answered[r]) else {
            continue;
        };
        let d = by_agent(ctx, contact_dims(e, r as u32), k.agent[r]);
        ctx.groups_of(&d, &mut out);
        for &gid in &out {
            let cell = (gid as usize * nb + b) as u32;
            if let Some(slot) = per.get_mut(&(cell, k.agent[r])) {
                slot.1 += k.handle[r];
            }
        }
    }
    let n = ctx.ncells();
    let (mut logged, mut handle, mut agents) = (vec![0.0; n], vec![0.0; n], vec![0u64; n]);
    for ((cell, _), (l, h)) in per {
        if l > 0.0 {
            logged[cell as usize] += l;
            handle[cell as usize] += h;
            agents[cell as usize] += 1;
        }
    }
    Column {
        values: (0..n)
            .map(|c| rate(handle[c], logged[c], agents[c]))
            .collect(),
        empty: MetricValue::none(),
    }
}

/// agent_turnover: agents who left in the bucket / average headcount ((headcount at the bucket's
/// start + headcount at its end) / 2) × 100. An agent counts in the headcount at instant t when
/// hired at or before t (or with no hire date) and not yet left. n = agents who left.
pub(crate) fn agent_turnover(ctx: &mut Ctx) -> Column {
    let g = ctx.table(Table::Agents);
    let a = &ctx.e.agents;
    let nb = ctx.nb;
    let n = ctx.ncells();
    let ngroups = n / nb;
    let mut left = vec![0u64; n];
    scan(ctx, &g, |r| a.left[r], |_, cell, _| left[cell] += 1);
    let starts = &ctx.b.starts[..nb];
    let ends = &ctx.b.starts[1..];
    let mut at_start = vec![0i64; ngroups * (nb + 1)];
    let mut at_end = vec![0i64; ngroups * (nb + 1)];
    for r in 0..g.first.len() {
        if g.first[r] == NONE {
            continue;
        }
        let (hired, gone) = (a.hired[r], a.left[r]);
        // Active at the start instant s: hired ≤ s < left.
        let (s0, s1) = (
            starts.partition_point(|&s| s < hired),
            starts.partition_point(|&s| s < gone),
        );
        // Active at the end of [.., e): hired < e ≤ left.
        let (e0, e1) = (
            ends.partition_point(|&e| e <= hired),
            ends.partition_point(|&e| e <= gone),
        );
        g.each(r, |gid| {
            let base = gid as usize * (nb + 1);
            if s0 < s1 {
                at_start[base + s0] += 1;
                at_start[base + s1] -= 1;
            }
            if e0 < e1 {
                at_end[base + e0] += 1;
                at_end[base + e1] -= 1;
            }
        });
    }
    let mut values = Vec::with_capacity(n);
    for gid in 0..ngroups {
        let (mut hs, mut he) = (0i64, 0i64);
        for b in 0..nb {
            hs += at_start[gid * (nb + 1) + b];
            he += at_end[gid * (nb + 1) + b];
            let avg = (hs + he) as f64 / 2.0;
            let l = left[gid * nb + b];
            values.push(MetricValue::of(
                (avg > 0.0).then(|| 100.0 * l as f64 / avg),
                l,
            ));
        }
    }
    Column {
        values,
        empty: MetricValue::none(),
    }
}
