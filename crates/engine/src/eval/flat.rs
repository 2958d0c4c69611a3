//! Lists flattened out of the per-case and per-contact columns, built once per version of the
//! data (not per query): every reply and agent-day assignment, every measured wait, and the
//! logged-in time of every agent-day.

use std::sync::Arc;

use crate::engine::Engine;
use crate::time::LocalDays;
use crate::util::NONE;

/// The replies and agent-day assignments of every existing case, in case order (the rows of
/// [`super::Table::Replies`] and [`super::Table::Assigns`]).
#[derive(Default)]
pub(crate) struct Work {
    pub reply_case: Vec<u32>,
    pub reply_agent: Vec<u32>,
    pub reply_at: Vec<i64>,
    /// The reply's local day (account zone), days since 1970-01-01.
    pub reply_day: Vec<i32>,
    pub assign_case: Vec<u32>,
    pub assign_agent: Vec<u32>,
    pub assign_day: Vec<i32>,
    pub assign_done: Vec<bool>,
}

/// Every measured wait for avg_response_time: case exchanges (by case row), chat exchanges (by
/// contact row), each at its reply.
#[derive(Default)]
pub(crate) struct Waits {
    pub case_row: Vec<u32>,
    pub case_at: Vec<i64>,
    pub case_wait: [Vec<f64>; 2],
    pub chat_row: Vec<u32>,
    pub chat_at: Vec<i64>,
    pub chat_wait: [Vec<f64>; 2],
}

/// Logged-in seconds per agent and local day (account zone), from the presence intervals that
/// are available or busy; an interval over midnight is split there.
#[derive(Default)]
pub(crate) struct PresenceDays {
    pub agent: Vec<u32>,
    pub day: Vec<i32>,
    /// When the local day starts.
    pub start: Vec<i64>,
    pub seconds: Vec<f64>,
}

impl Engine {
    pub(crate) fn work(&self) -> Arc<Work> {
        self.derived(
            |c| &mut c.work,
            || {
                let c = &self.cases;
                let (mut replies, mut assigns) = (0, 0);
                for r in 0..c.len() {
                    if c.exists[r] {
                        replies += c.replies.get(r).len();
                        assigns += c.assigns.get(r).len();
                    }
                }
                let mut f = Work {
                    reply_case: Vec::with_capacity(replies),
                    reply_agent: Vec::with_capacity(replies),
                    reply_at: Vec::with_capacity(replies),
                    reply_day: Vec::with_capacity(replies),
                    assign_case: Vec::with_capacity(assigns),
                    assign_agent: Vec::with_capacity(assigns),
                    assign_day: Vec::with_capacity(assigns),
                    assign_done: Vec::with_capacity(assigns),
                };
                for r in 0..c.len() {
                    if !c.exists[r] {
                        continue;
                    }
                    for x in c.replies.get(r) {
                        f.reply_case.push(r as u32);
                        f.reply_agent.push(x.agent);
                        f.reply_at.push(x.at);
                        f.reply_day.push(x.day);
                    }
                    for x in c.assigns.get(r) {
                        f.assign_case.push(r as u32);
                        f.assign_agent.push(x.agent);
                        f.assign_day.push(x.day);
                        f.assign_done.push(x.done);
                    }
                }
                f
            },
        )
    }

    pub(crate) fn waits(&self) -> Arc<Waits> {
        self.derived(
            |c| &mut c.waits,
            || {
                let mut w = Waits::default();
                let c = &self.cases;
                for r in 0..c.len() {
                    if c.exists[r] {
                        for x in c.exchanges.get(r) {
                            w.case_row.push(r as u32);
                            w.case_at.push(x.at);
                            w.case_wait[0].push(x.wait[0]);
                            w.case_wait[1].push(x.wait[1]);
                        }
                    }
                }
                let k = &self.contacts;
                for r in 0..k.len() {
                    if k.exists[r] {
                        for x in k.exchanges.get(r) {
                            w.chat_row.push(r as u32);
                            w.chat_at.push(x.at);
                            w.chat_wait[0].push(x.wait[0]);
                            w.chat_wait[1].push(x.wait[1]);
                        }
                    }
                }
                w
            },
        )
    }

    pub(crate) fn presence_days(&self) -> Arc<PresenceDays> {
        self.derived(
            |c| &mut c.presence_days,
            || {
                let p = &self.presence;
                let tz = &self.compiled.tz;
                // Local days over the span of the intervals, found by arithmetic and bisection
                // instead of one time-zone conversion per interval.
                let (mut lo, mut hi) = (i64::MAX, i64::MIN);
                for r in 0..p.from.len() {
                    if p.logged_in[r] && p.from[r] < p.to[r] {
                        lo = lo.min(p.from[r]);
                        hi = hi.max(p.to[r]);
                    }
                }
                let mut pieces: Vec<(u32, i32, i64, f64)> = Vec::new();
                if lo < hi {
                    let days = LocalDays::new(tz, lo, hi);
                    for r in 0..p.from.len() {
                        if !p.logged_in[r] || p.agent[r] == NONE || p.from[r] >= p.to[r] {
                            continue;
                        }
                        let (mut from, to) = (p.from[r], p.to[r]);
                        while from < to {
                            let day = days.day(from);
                            let start = days.start_of(day).unwrap_or(from);
                            let next = days.start_of(day + 1).unwrap_or(i64::MAX);
                            let end = to.min(next);
                            pieces.push((p.agent[r], day, start, (end - from) as f64 / 1000.0));
                            from = end;
                        }
                    }
                }
                pieces.sort_unstable_by_key(|x| (x.0, x.1));
                let mut d = PresenceDays::default();
                for (agent, day, start, secs) in pieces {
                    if d.agent.last() == Some(&agent) && d.day.last() == Some(&day) {
                        *d.seconds.last_mut().expect("a day") += secs;
                    } else {
                        d.agent.push(agent);
                        d.day.push(day);
                        d.start.push(start);
                        d.seconds.push(secs);
                    }
                }
                d
            },
        )
    }
}
