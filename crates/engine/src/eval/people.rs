//! Agent metrics: daily completion, transactions per day, occupancy, turnover. Agent-days are
//! local days of the account's time zone; work counts for the agent who did it, in the agent's
//! team (else the record's team).

use super::{Anchor, Cells, Column, Ctx, Table, mean, parts, rate};
use crate::query::MetricValue;
use crate::time::LocalDays;
use crate::util::{FxMap, NONE};

/// Distinct (cell, agent, day) triples: a dense slot per agent-day remembers the first cell it
/// was seen in (the usual case: an agent-day falls in one group and one bucket); other cells go
/// to a map.
struct AgentDays<'d, T: Default> {
    days: &'d LocalDays,
    ndays: usize,
    first_cell: Vec<u32>,
    first: Vec<T>,
    more: FxMap<(u32, u32, i32), T>,
}

impl<'d, T: Default + Clone> AgentDays<'d, T> {
    fn new(days: &'d LocalDays, agents: usize) -> Self {
        let ndays = days.len();
        AgentDays {
            days,
            ndays,
            first_cell: vec![NONE; agents * ndays],
            first: vec![T::default(); agents * ndays],
            more: FxMap::default(),
        }
    }

    /// The slot of (cell, agent, day), and whether it is new.
    #[inline]
    fn slot(&mut self, cell: u32, agent: u32, day: i32) -> (&mut T, bool) {
        let Some(d) = self.days.index(day) else {
            let new = !self.more.contains_key(&(cell, agent, day));
            return (self.more.entry((cell, agent, day)).or_default(), new);
        };
        let i = agent as usize * self.ndays + d;
        if self.first_cell[i] == NONE {
            self.first_cell[i] = cell;
            return (&mut self.first[i], true);
        }
        if self.first_cell[i] == cell {
            return (&mut self.first[i], false);
        }
        let new = !self.more.contains_key(&(cell, agent, day));
        (self.more.entry((cell, agent, day)).or_default(), new)
    }

    /// Every (cell, value).
    fn drain(self) -> impl Iterator<Item = (u32, T)> {
        self.first_cell
            .into_iter()
            .zip(self.first)
            .filter(|(c, _)| *c != NONE)
            .chain(self.more.into_iter().map(|((c, _, _), v)| (c, v)))
    }
}

/// Calls `f(index, cell)` for every cell of the flattened rows of `cells`.
fn each_flat(cells: &Cells, mut f: impl FnMut(usize, u32)) {
    cells.each(|i, cell| f(i, cell as u32));
}

/// daily_completion_rate: for each agent-day (local day), cases assigned to the agent that day
/// and solved by the end of that day while still assigned to them / cases assigned that day ×
/// 100; the value is the mean over the agent-days in the bucket. n = agent-days.
pub(crate) fn daily_completion_rate(ctx: &Ctx) -> Column {
    let e = ctx.e;
    let days = ctx.days.as_ref().expect("local days prepared");
    let f = ctx.work.as_ref().expect("work");
    let mut ad: AgentDays<(u32, u32)> = AgentDays::new(days, e.agent_ids.len());
    each_flat(ctx.cells(Anchor::AssignDay), |i, cell| {
        let (agent, day, done) = (f.assign_agent[i], f.assign_day[i], f.assign_done[i]);
        let (slot, _) = ad.slot(cell, agent, day);
        slot.0 += 1;
        slot.1 += u32::from(done);
    });
    let n = ctx.ncells();
    let (mut sum, mut k) = (vec![0.0; n], vec![0u64; n]);
    for (cell, (assigned, done)) in ad.drain() {
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
pub(crate) fn transactions_per_day(ctx: &Ctx) -> Column {
    let e = ctx.e;
    let days = ctx.days.as_ref().expect("local days prepared");
    let n = ctx.ncells();
    let mut tx = vec![0u64; n];
    let mut agent_days = vec![0u64; n];
    let mut ad: AgentDays<()> = AgentDays::new(days, e.agent_ids.len());
    let mut work = |cell: u32, agent: u32, day: i32, counts: bool| {
        if counts {
            tx[cell as usize] += 1;
        }
        if ad.slot(cell, agent, day).1 {
            agent_days[cell as usize] += 1;
        }
    };
    let f = ctx.work.as_ref().expect("work");
    each_flat(ctx.cells(Anchor::ReplyAt), |i, cell| {
        work(cell, f.reply_agent[i], f.reply_day[i], true);
    });
    let k = &e.contacts;
    each_flat(ctx.cells(Anchor::WorkAt), |r, cell| {
        work(cell, k.agent[r], days.day(super::work_time(k, r)), true);
    });
    if let Some(p) = &ctx.presence_days {
        each_flat(ctx.cells(Anchor::PresenceDay), |i, cell| {
            work(cell, p.agent[i], p.day[i], false);
        });
    } else {
        let p = &e.presence;
        let g = ctx.table(Table::Presence);
        let nb = ctx.nb;
        for r in 0..g.first.len() {
            if g.first[r] == NONE {
                continue;
            }
            let (from, to) = (p.from[r].max(ctx.b.from()), p.to[r].min(ctx.b.to()));
            if from >= to {
                continue;
            }
            for day in days.day(from)..=days.day(to - 1) {
                let t = days.start_of(day).map_or(from, |s| s.max(from));
                if let Some(b) = ctx.b.of(t) {
                    g.each(r, |gid| {
                        work((gid as usize * nb + b) as u32, p.agent[r], day, false)
                    });
                }
            }
        }
    }
    let values = (0..n)
        .map(|cell| {
            let (t, d) = (tx[cell], agent_days[cell]);
            let mut v = MetricValue::of((d > 0).then(|| t as f64 / d as f64), t);
            v.parts = parts([("agent_days".to_string(), Some(d as f64), d)]);
            v
        })
        .collect();
    Column {
        values,
        empty: MetricValue::none(),
    }
}

/// Per (cell, agent) sums: a dense grid when it is small enough, else a map.
pub(super) enum Grid {
    Dense {
        cells: Vec<(f64, f64)>,
        agents: usize,
    },
    Sparse(FxMap<(u32, u32), (f64, f64)>),
}

impl Grid {
    fn new(ncells: usize, agents: usize) -> Grid {
        if ncells.saturating_mul(agents) <= 1 << 24 {
            Grid::Dense {
                cells: vec![(0.0, 0.0); ncells * agents],
                agents,
            }
        } else {
            Grid::Sparse(FxMap::default())
        }
    }

    #[inline]
    fn at(&mut self, cell: usize, agent: u32) -> &mut (f64, f64) {
        match self {
            Grid::Dense { cells, agents } => &mut cells[cell * *agents + agent as usize],
            Grid::Sparse(map) => map.entry((cell as u32, agent)).or_default(),
        }
    }

    /// Calls `f(cell, agent, sums)` for every entry (of the sparse map, in no fixed order).
    pub(super) fn each(&self, mut f: impl FnMut(usize, u32, (f64, f64))) {
        match self {
            Grid::Dense { cells, agents } => {
                for (i, &v) in cells.iter().enumerate() {
                    f(i / agents, (i % agents) as u32, v);
                }
            }
            Grid::Sparse(map) => {
                for (&(cell, agent), &v) in map {
                    f(cell as usize, agent, v);
                }
            }
        }
    }
}

/// occupancy: handle time (talk + hold + wrap of answered calls and chats, at the answer — a
/// chat at its end) of the agents with presence data in the bucket / their logged-in time
/// (presence intervals available or busy, cut to the bucket) × 100. n = agents with presence
/// data.
pub(crate) fn occupancy(ctx: &Ctx) -> Column {
    let n = ctx.ncells();
    let (mut logged, mut handle, mut count) = (vec![0.0; n], vec![0.0; n], vec![0u64; n]);
    occupancy_grid(ctx).each(|cell, _, (l, h)| {
        if occupied(l) {
            logged[cell] += l;
            handle[cell] += h;
            count[cell] += 1;
        }
    });
    Column {
        values: (0..n)
            .map(|c| rate(handle[c], logged[c], count[c]))
            .collect(),
        empty: MetricValue::none(),
    }
}

/// An agent counts in occupancy's cell with logged-in time in it.
#[inline]
pub(super) fn occupied(logged_s: f64) -> bool {
    logged_s > 0.0
}

/// Per (cell, agent): (logged-in seconds, handle seconds) for occupancy.
pub(super) fn occupancy_grid(ctx: &Ctx) -> Grid {
    let e = ctx.e;
    let nb = ctx.nb;
    let n = ctx.ncells();
    let agents = e.agent_ids.len();
    // (cell, agent) → (logged-in seconds, handle seconds): dense when small enough.
    let mut grid = Grid::new(n, agents);
    if let Some(p) = &ctx.presence_days {
        ctx.cells(Anchor::PresenceDay).each(|i, cell| {
            grid.at(cell, p.agent[i]).0 += p.seconds[i];
        });
    } else {
        let p = &e.presence;
        let g = ctx.table(Table::Presence);
        for r in 0..g.first.len() {
            if g.first[r] == NONE {
                continue;
            }
            let (from, to) = (p.from[r].max(ctx.b.from()), p.to[r].min(ctx.b.to()));
            if from >= to {
                continue;
            }
            let mut b = ctx.b.of(from).expect("inside the period");
            while b < nb && ctx.b.starts[b] < to {
                let (s, t) = (from.max(ctx.b.starts[b]), to.min(ctx.b.end(b)));
                if s < t {
                    g.each(r, |gid| {
                        grid.at(gid as usize * nb + b, p.agent[r]).0 += (t - s) as f64 / 1000.0;
                    });
                }
                b += 1;
            }
        }
    }
    let k = &e.contacts;
    ctx.cells(Anchor::WorkAt).each(|r, cell| {
        if !k.handle[r].is_nan() {
            grid.at(cell, k.agent[r]).1 += k.handle[r];
        }
    });
    grid
}

/// agent_turnover: agents who left in the bucket / average headcount ((headcount at the bucket's
/// start + headcount at its end) / 2) × 100. An agent counts in the headcount at instant t when
/// hired at or before t (or with no hire date) and not yet left. n = agents who left.
pub(crate) fn agent_turnover(ctx: &Ctx) -> Column {
    let g = ctx.table(Table::Agents);
    let a = &ctx.e.agents;
    let nb = ctx.nb;
    let n = ctx.ncells();
    let ngroups = n / nb;
    let mut left = vec![0u64; n];
    ctx.cells(Anchor::AgentLeft).each(|_, cell| left[cell] += 1);
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
