//! Case metrics: volume, snapshots (open cases, backlog), first response, response and
//! resolution times, waits, touches, reopens, FCR, complaints, resolution rate, SLA compliance.
//!
//! Which period a case counts in (metrics.md, "Definitions that peers disagree on"): volume and
//! first response time by creation; resolution time, waits, reopen rate, FCR, touches and
//! complaint resolution in the bucket of the case's last solve, and only when the case is still
//! solved or closed at that bucket's end (no reopen before it).

use std::sync::Arc;

use carekpi_domain::records::vocab::{CaseType, Channel, Outcome, Status};
use carekpi_domain::working_time::TimeBasis;
use jiff::SignedDuration;

use super::{Anchor, Column, Ctx, Opts, Table, contacts, count, duration_column, parts, rate};
use crate::engine::Engine;
use crate::query::MetricValue;
use crate::tables::{BUS, CAL, Cases, NO_CLOCK};
use crate::time::{clock_of, ms, ts};
use crate::util::{NEVER, NO_TIME, NONE};
use rayon::prelude::*;

#[inline]
fn is_solved(status: u8) -> bool {
    status == Status::Solved as u8 || status == Status::Closed as u8
}

/// The statuses open_cases counts: `new` or `open` (waiting for the team; pending and on_hold
/// wait for someone else).
#[inline]
pub(super) fn open_status(s: u8) -> bool {
    s == Status::New as u8 || s == Status::Open as u8
}

/// The statuses the backlog counts: unsolved (new, open, pending, on_hold).
#[inline]
pub(super) fn unsolved(s: u8) -> bool {
    !is_solved(s)
}

/// open_cases: snapshot at the end of each bucket (or at `now` when earlier): cases created
/// before it whose status then is `new` or `open`. n = the count.
pub(crate) fn open_cases(ctx: &Ctx) -> Column {
    snapshot(ctx, open_status, None)
}

/// backlog: snapshot at the end of each bucket (or at `now`): unsolved cases (new, open, pending,
/// on_hold) at least the backlog age old (default 24 business hours of the case's schedule: the
/// snapshot is at or after the instant the case's business age reached 24 h). n = the count.
pub(crate) fn backlog(ctx: &Ctx, o: &Opts) -> Column {
    snapshot(ctx, unsolved, Some(backlog_age(ctx, o)))
}

/// The backlog's age rule: (clock, the age in hours when an option overrides the configured one).
pub(super) fn backlog_age(ctx: &Ctx, o: &Opts) -> (usize, Option<f64>) {
    let cfg = &ctx.e.config.backlog;
    let basis = match o.get("hours") {
        Some("calendar") => TimeBasis::Calendar,
        Some("business") => TimeBasis::Business,
        _ => cfg.hours,
    };
    let age = o.number("age_hours");
    let overridden = age.is_some_and(|a| a != cfg.age_hours);
    let age = age.unwrap_or(cfg.age_hours);
    let k = if basis == TimeBasis::Calendar {
        CAL
    } else {
        BUS
    };
    (k, overridden.then_some(age))
}

/// The backlog-age instant of a case for an age other than the configured one.
fn backlog_from(e: &Engine, row: usize, k: usize, age_hours: f64) -> i64 {
    let c = &e.cases;
    let age = SignedDuration::try_from_secs_f64(age_hours * 3600.0).unwrap_or(SignedDuration::MAX);
    let created = ts(c.created[row]);
    if k == CAL {
        return created.checked_add(age).map_or(NEVER, ms);
    }
    let clock = c.clock[row];
    let clock = clock_of(&e.compiled.schedules, (clock != NO_CLOCK).then_some(clock));
    clock.add_business(created, age).map_or(NEVER, ms)
}

/// The snapshot instants of the buckets (bucket k's end, or `now` when earlier); buckets
/// starting after `now` have none (the instants are a prefix of the buckets).
pub(super) fn snapshots(ctx: &Ctx) -> Vec<i64> {
    (0..ctx.nb)
        .filter(|&b| ctx.b.starts[b] <= ctx.now)
        .map(|b| ctx.b.end(b).min(ctx.now))
        .collect()
}

/// The snapshots at which case `r` counts: `each(k)` for the ones read from its status history,
/// and the returned index from which it counts at every later snapshot (`snaps.len()`: none).
/// A case counts when its status just before the snapshot satisfies `want` and (for the backlog)
/// it is old enough: `age` = (clock, overridden age).
#[inline]
pub(super) fn snapshot_row(
    e: &Engine,
    r: usize,
    snaps: &[i64],
    want: impl Fn(u8) -> bool,
    age: Option<(usize, Option<f64>)>,
    mut each: impl FnMut(usize),
) -> usize {
    let c = &e.cases;
    let nv = snaps.len();
    let created = c.created[r];
    let k0 = snaps.partition_point(|&s| s <= created);
    if k0 >= nv {
        return nv;
    }
    let last = c.last_change[r];
    let final_ok = want(c.final_status[r]);
    // Solved for good before the first snapshot: nothing to count (the common case).
    if !final_ok && last != NO_TIME && last < snaps[k0] {
        return nv;
    }
    let k1 = if last == NO_TIME {
        0
    } else {
        snaps.partition_point(|&s| s <= last)
    };
    let ka = match age {
        None => 0,
        Some((k, None)) => {
            let from = c.backlog_from[k][r];
            snaps.partition_point(|&s| s < from)
        }
        Some((k, Some(hours))) => {
            let from = backlog_from(e, r, k, hours);
            snaps.partition_point(|&s| s < from)
        }
    };
    let start = k0.max(ka);
    for (k, &s) in snaps.iter().enumerate().take(k1.min(nv)).skip(start) {
        if want(c.status_before(r, s)) {
            each(k);
        }
    }
    let from = start.max(k1);
    if final_ok && from < nv { from } else { nv }
}

/// Counts, per bucket, the cases of [`snapshot_row`].
fn snapshot(ctx: &Ctx, want: impl Fn(u8) -> bool, age: Option<(usize, Option<f64>)>) -> Column {
    let g = ctx.table(Table::Cases);
    let e = ctx.e;
    let nb = ctx.nb;
    let snaps = snapshots(ctx);
    let nv = snaps.len();
    let ncells = ctx.ncells();
    let ngroups = ncells / nb;
    let mut explicit = vec![0u64; ncells];
    let mut diff = vec![0i64; ngroups * (nb + 1)];
    for r in 0..g.first.len() {
        if g.first[r] == NONE || nv == 0 {
            continue;
        }
        let from = snapshot_row(e, r, &snaps, &want, age, |k| {
            g.each(r, |gid| explicit[gid as usize * nb + k] += 1);
        });
        if from < nv {
            g.each(r, |gid| {
                let base = gid as usize * (nb + 1);
                diff[base + from] += 1;
                diff[base + nv] -= 1;
            });
        }
    }
    let mut values = Vec::with_capacity(ncells);
    for gid in 0..ngroups {
        let mut run = 0i64;
        for k in 0..nb {
            run += diff[gid * (nb + 1) + k];
            if k < nv {
                values.push(count(explicit[gid * nb + k] + run as u64));
            } else {
                values.push(MetricValue::none());
            }
        }
    }
    Column {
        values,
        empty: count(0),
    }
}

/// A call or chat that is a contact of its own (not part of a case) and was admitted (not
/// blocked): what request_volume counts beside cases.
#[inline]
pub(crate) fn standalone(e: &Engine, row: usize) -> bool {
    let k = &e.contacts;
    let case = k.case[row];
    k.exists[row]
        && k.outcome[row] != Outcome::Blocked as u8
        && (case == NONE || !e.cases.exists[case as usize])
}

/// request_volume: cases created in the bucket + calls and chats arrived in it that are not part
/// of a case and not blocked. contact_volume_by_channel (`by_channel`): the same, value = total,
/// parts = per channel share % (value) and count (n).
pub(crate) fn request_volume(ctx: &Ctx, by_channel: bool) -> Column {
    let e = ctx.e;
    let nch = Channel::ALL.len();
    let ncells = ctx.ncells();
    let mut n = vec![0u64; ncells * nch];
    ctx.cells(Anchor::CaseCreated).each(|r, cell| {
        n[cell * nch + e.cases.channel[r] as usize] += 1;
    });
    ctx.cells(Anchor::ContactArrived).each(|r, cell| {
        if standalone(e, r) {
            n[cell * nch + e.contacts.channel[r] as usize] += 1;
        }
    });
    let values =
        (0..ncells)
            .map(|cell| {
                let per = &n[cell * nch..(cell + 1) * nch];
                let total: u64 = per.iter().sum();
                let mut v = count(total);
                if by_channel {
                    v.parts = parts(Channel::ALL.iter().zip(per).filter(|(_, k)| **k > 0).map(
                        |(ch, &k)| (ch.to_string(), Some(100.0 * k as f64 / total as f64), k),
                    ));
                }
                v
            })
            .collect();
    Column {
        values,
        empty: count(0),
    }
}

/// frt: per case created in the bucket, creation (outbound: the first customer message) → the
/// first public non-automatic agent reply, on the chosen clock; cases without a reply yet are
/// not in it. Mean, median, p90; n = cases replied to.
pub(crate) fn frt(ctx: &Ctx, o: &Opts) -> Column {
    let c = &ctx.e.cases;
    let h = o.hours();
    let mut cells = vec![Vec::new(); ctx.ncells()];
    ctx.cells(Anchor::CaseCreated).each(|r, cell| {
        let v = c.frt[h][r];
        if !v.is_nan() {
            cells[cell].push(v);
        }
    });
    duration_column(cells)
}

/// avg_response_time: every answered exchange (the first unanswered customer message → the next
/// public agent reply) in the bucket of the reply; with `contacts=include` (default) also calls
/// (queue wait, i.e. the ASA) and chats (their message exchanges, else their queue wait), in the
/// bucket of the answer. Mean, median, p90; n = exchanges.
pub(crate) fn avg_response_time(ctx: &Ctx, o: &Opts) -> Column {
    let h = o.hours();
    let w = ctx.waits.as_ref().expect("waits prepared");
    let mut cells = vec![Vec::new(); ctx.ncells()];
    ctx.cells(Anchor::CaseExchange)
        .each(|i, cell| cells[cell].push(w.case_wait[h][i]));
    if o.get("contacts") != Some("exclude") {
        ctx.cells(Anchor::ChatExchange)
            .each(|i, cell| cells[cell].push(w.chat_wait[h][i]));
        let k = &ctx.e.contacts;
        ctx.cells(Anchor::ContactAnswered)
            .each(|r, cell| cells[cell].push(k.wait[h][r]));
    }
    duration_column(cells)
}

/// The per-solved-case durations.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub(crate) enum SolvedDuration {
    /// resolution_time: creation → last solve.
    Resolution,
    /// first_resolution_time: creation → first solve.
    FirstResolution,
    /// requester_wait_time: new + open + on_hold up to the last solve.
    RequesterWait,
    /// agent_wait_time: pending up to the last solve.
    AgentWait,
    /// on_hold_time: on_hold up to the last solve.
    OnHold,
}

/// resolution_time, first_resolution_time, requester_wait_time, agent_wait_time, on_hold_time:
/// one value per solved case (bucket of its last solve, still solved at the bucket's end; a case
/// reopened and solved again counts once, with its last solve). Mean, median, p90; n = cases.
pub(crate) fn solved_duration(ctx: &Ctx, o: &Opts, which: SolvedDuration) -> Column {
    let c = &ctx.e.cases;
    let h = o.hours();
    let col = match which {
        SolvedDuration::Resolution => &c.resolution[h],
        SolvedDuration::FirstResolution => &c.first_resolution[h],
        SolvedDuration::RequesterWait => &c.requester_wait[h],
        SolvedDuration::AgentWait => &c.agent_wait[h],
        SolvedDuration::OnHold => &c.on_hold[h],
    };
    let mut cells = vec![Vec::new(); ctx.ncells()];
    ctx.cells(Anchor::CaseSolved)
        .each(|r, cell| cells[cell].push(col[r]));
    duration_column(cells)
}

/// reopen_rate: solved cases (bucket of the last solve, solved at its end) reopened at least
/// once / solved cases × 100. n = solved cases.
pub(crate) fn reopen_rate(ctx: &Ctx) -> Column {
    let c = &ctx.e.cases;
    let n = ctx.ncells();
    let (mut num, mut den) = (vec![0u64; n], vec![0u64; n]);
    ctx.cells(Anchor::CaseSolved).each(|r, cell| {
        den[cell] += 1;
        num[cell] += u64::from(c.reopened[r]);
    });
    rate_column(&num, &den)
}

/// touches' bucket of a solved case: zero, one, two, multi (3+).
#[inline]
pub(super) fn touch_bucket(touches: u16) -> usize {
    usize::from(touches).min(3)
}

pub(crate) fn rate_column(num: &[u64], den: &[u64]) -> Column {
    Column {
        values: num
            .iter()
            .zip(den)
            .map(|(&a, &b)| rate(a as f64, b as f64, b))
            .collect(),
        empty: MetricValue::none(),
    }
}

/// touches: public agent replies up to the last solve per solved case. Value: the share of the
/// chosen bucket (default one-touch); parts: zero/one/two/multi-touch shares. n = solved cases.
pub(crate) fn touches(ctx: &Ctx, o: &Opts) -> Column {
    let c = &ctx.e.cases;
    let mut n = vec![[0u64; 4]; ctx.ncells()];
    ctx.cells(Anchor::CaseSolved).each(|r, cell| {
        n[cell][touch_bucket(c.touches[r])] += 1;
    });
    let pick = match o.get("bucket") {
        Some("zero") => 0,
        Some("two") => 2,
        Some("multi") => 3,
        _ => 1,
    };
    let names = ["zero_touch", "one_touch", "two_touch", "multi_touch"];
    let values = n
        .iter()
        .map(|k| {
            let total: u64 = k.iter().sum();
            let mut v = rate(k[pick] as f64, total as f64, total);
            if total > 0 {
                v.parts = parts(names.iter().zip(k).map(|(name, &x)| {
                    (name.to_string(), Some(100.0 * x as f64 / total as f64), x)
                }));
            }
            v
        })
        .collect();
    Column {
        values,
        empty: MetricValue::none(),
    }
}

impl Engine {
    /// FCR's repeat rule for every case: a case from the same customer with the same type and
    /// tags was created within the FCR window after the case's last solve.
    pub(crate) fn repeat_flags(&self) -> Arc<Vec<bool>> {
        self.derived(
            |c| &mut c.repeat_flags,
            || {
                let c = &self.cases;
                // (key, created) of every case with a customer, sorted: the cases created after a
                // solve with the same key follow the solve's position.
                let mut created: Vec<(u64, i64)> = (0..c.len())
                    .filter(|&r| c.exists[r] && c.repeat_key[r] != 0)
                    .map(|r| (c.repeat_key[r], c.created[r]))
                    .collect();
                created.par_sort_unstable();
                let window = (self.config.fcr_window_days * 86_400_000.0) as i64;
                (0..c.len())
                    .into_par_iter()
                    .map(|r| {
                        let (key, solve) = (c.repeat_key[r], c.last_solve[r]);
                        if !c.exists[r] || key == 0 || solve == NO_TIME {
                            return false;
                        }
                        let i = created.partition_point(|&x| x <= (key, solve));
                        i < created.len()
                            && created[i].0 == key
                            && created[i].1 <= solve.saturating_add(window)
                    })
                    .collect()
            },
        )
    }
}

/// FCR's case rule for a solved case: exactly one public agent reply, never reopened, no repeat.
#[inline]
pub(super) fn fcr_case(c: &Cases, repeated: &[bool], r: usize) -> bool {
    c.touches[r] == 1 && !c.reopened[r] && !repeated[r]
}

/// The cases part of FCR, per cell: (FCR cases, solved cases).
fn fcr_cases(ctx: &Ctx) -> (Vec<u64>, Vec<u64>) {
    let c = &ctx.e.cases;
    let repeated = ctx.repeat_flags.as_ref().expect("repeat flags prepared");
    let n = ctx.ncells();
    let (mut num, mut den) = (vec![0u64; n], vec![0u64; n]);
    ctx.cells(Anchor::CaseSolved).each(|r, cell| {
        den[cell] += 1;
        num[cell] += u64::from(fcr_case(c, repeated, r));
    });
    (num, den)
}

/// fcr: cases — solved cases with exactly one public agent reply up to the last solve, never
/// reopened, and no new case from the same customer with the same type and tags created within
/// the FCR window (7 days) after the last solve / solved cases; contacts — answered calls and
/// chats with resolved_first_contact true / those with the flag set; combined — both numerators
/// over both denominators. × 100. Value and n: the chosen scope (default cases); parts: all three.
pub(crate) fn fcr(ctx: &Ctx, o: &Opts) -> Column {
    let (cn, cd) = fcr_cases(ctx);
    let (kn, kd) = contacts::fcr_contacts(ctx);
    let ncells = ctx.ncells();
    let scope = o.get("scope").unwrap_or("cases");
    let values = (0..ncells)
        .map(|cell| {
            let scopes = [
                ("cases", cn[cell], cd[cell]),
                ("contacts", kn[cell], kd[cell]),
                ("combined", cn[cell] + kn[cell], cd[cell] + kd[cell]),
            ];
            let (_, a, b) = scopes
                .iter()
                .find(|s| s.0 == scope)
                .copied()
                .unwrap_or(scopes[0]);
            let mut v = rate(a as f64, b as f64, b);
            v.parts = parts(scopes.iter().map(|&(name, a, b)| {
                (
                    name.to_string(),
                    (b > 0).then(|| 100.0 * a as f64 / b as f64),
                    b,
                )
            }));
            v
        })
        .collect();
    Column {
        values,
        empty: MetricValue::none(),
    }
}

/// complaint_resolution_rate: complaints solved and never reopened, counted in the bucket of
/// their last solve when solved at its end / complaints received (created) in the bucket × 100.
/// n = complaints received.
pub(crate) fn complaint_resolution_rate(ctx: &Ctx) -> Column {
    let c = &ctx.e.cases;
    let n = ctx.ncells();
    let (mut num, mut den) = (vec![0u64; n], vec![0u64; n]);
    ctx.cells(Anchor::CaseCreated).each(|r, cell| {
        den[cell] += u64::from(complaint(c, r));
    });
    ctx.cells(Anchor::CaseSolved).each(|r, cell| {
        num[cell] += u64::from(complaint_resolved(c, r));
    });
    rate_column(&num, &den)
}

/// A case of type complaint.
#[inline]
pub(super) fn complaint(c: &Cases, r: usize) -> bool {
    c.ctype[r] == CaseType::Complaint as u8
}

/// A solved complaint counted as resolved: never reopened.
#[inline]
pub(super) fn complaint_resolved(c: &Cases, r: usize) -> bool {
    complaint(c, r) && !c.reopened[r]
}

/// Whether case `r` is solved at `end` (just before it) with its last solve before `end` at or
/// after `since`.
pub(super) fn solved_since(e: &Engine, r: usize, since: i64, end: i64) -> bool {
    let c = &e.cases;
    let last = c.last_solve[r];
    if last == NO_TIME || c.first_solve[r] >= end {
        return false;
    }
    if last < end {
        return c.reopen_after[r] >= end && last >= since;
    }
    // Solved again after `end`: read the status history.
    let list = c.statuses.get(r);
    let i = list.partition_point(|s| s.at < end);
    if i == 0 || !is_solved(list[i - 1].status) {
        return false;
    }
    let mut j = i - 1;
    while j > 0 && is_solved(list[j - 1].status) {
        j -= 1;
    }
    list[j].at >= since
}

/// resolution_rate: cases assigned in the bucket (first assigned to their current agent, else
/// team, else created) that were solved in the same bucket after the assignment and are solved at
/// its end / cases assigned in the bucket × 100. n = cases assigned.
pub(crate) fn resolution_rate(ctx: &Ctx) -> Column {
    let e = ctx.e;
    let c = &e.cases;
    let nb = ctx.nb;
    let n = ctx.ncells();
    let (mut num, mut den) = (vec![0u64; n], vec![0u64; n]);
    ctx.cells(Anchor::CaseAssigned).each(|r, cell| {
        den[cell] += 1;
        num[cell] += u64::from(solved_since(e, r, c.assigned_at[r], ctx.b.end(cell % nb)));
    });
    rate_column(&num, &den)
}

/// sla_compliance: cases with a first-reply or resolution target whose outcome is decided at
/// `now` (every such target met, or one breached) and whose due time (their latest target due
/// time) is in the bucket: all met / decided × 100. Parts: breached targets by kind (first_reply,
/// next_reply, resolution) of the cases with any SLA target due in the bucket. n = decided cases.
pub(crate) fn sla_compliance(ctx: &Ctx) -> Column {
    let c = &ctx.e.cases;
    let now = ctx.now;
    let n = ctx.ncells();
    let (mut num, mut den) = (vec![0u64; n], vec![0u64; n]);
    let mut breaches = vec![[0u64; 3]; n];
    ctx.cells(Anchor::CaseSlaDue).each(|r, cell| {
        let s = &c.sla[r];
        if let Some(met) = s.met_at(now) {
            den[cell] += 1;
            num[cell] += u64::from(met);
        }
        for (k, x) in s.breaches_at(now).iter().enumerate() {
            breaches[cell][k] += u64::from(*x);
        }
    });
    let names = ["first_reply", "next_reply", "resolution"];
    let values = (0..n)
        .map(|cell| {
            let mut v = rate(num[cell] as f64, den[cell] as f64, den[cell]);
            v.parts = parts(
                names
                    .iter()
                    .zip(breaches[cell])
                    .map(|(name, x)| (name.to_string(), Some(x as f64), x)),
            );
            v
        })
        .collect();
    Column {
        values,
        empty: MetricValue::none(),
    }
}
