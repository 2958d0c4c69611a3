//! Customer-experience metrics: surveys (NPS, CSAT, CES), QA (IQS), SERVQUAL, feedback and
//! reviews, the customer base (engagement, churn, retention, referral, CLV, returning customers),
//! complaints per customer served, and the time between a customer's contacts.
//!
//! Distinct customers are counted customer by customer over [`Activities`] (each customer's
//! cases, calls, chats and orders in time order, built once per version of the data), so no
//! metric needs a global hash set.

use std::sync::Arc;

use carekpi_domain::records::vocab::{Dimension as Rater, Outcome, SurveyKind};
use rayon::prelude::*;

use super::cases::{rate_column, standalone};
use super::{Anchor, Cells, Column, Ctx, Opts, Table, count, duration_column, mean, parts, rate};
use crate::engine::{Engine, servqual_dimension};
use crate::query::MetricValue;
use crate::tables::CAL;
use crate::tables::QaReviews;
use crate::util::{NO_TIME, NONE};

/// What a customer did: a case created, a call or chat arrived, an order placed.
#[derive(Clone, Copy, Debug, PartialEq)]
pub(crate) struct Act {
    pub t: i64,
    /// The account schedule's business seconds since 2000 at `t`.
    pub bus: f64,
    pub row: u32,
    pub kind: u8,
    pub flags: u8,
}

pub(crate) const CASE: u8 = 0;
pub(crate) const CONTACT: u8 = 1;
pub(crate) const ORDER: u8 = 2;
/// A call or chat that is a contact of its own ([`standalone`]).
const STANDALONE: u8 = 1;
/// An answered call or chat.
const ANSWERED: u8 = 2;
/// An order in the CLV currency.
const IN_CURRENCY: u8 = 4;
/// Kind and flag bits as stored in [`Activities`].
const KIND: u8 = 3;
const STANDALONE_BIT: u8 = STANDALONE << 2;
const ANSWERED_BIT: u8 = ANSWERED << 2;
const IN_CURRENCY_BIT: u8 = IN_CURRENCY << 2;

/// Every customer's activities, in time order (compressed rows: `start[c]..start[c + 1]`), as
/// columns: the metrics that need only the kind read one byte per activity.
pub(crate) struct Activities {
    start: Vec<u32>,
    t: Vec<i64>,
    bus: Vec<f64>,
    row: Vec<u32>,
    /// The kind (low two bits) and flags.
    kind: Vec<u8>,
}

impl Activities {
    fn range(&self, customer: usize) -> std::ops::Range<usize> {
        self.start[customer] as usize..self.start[customer + 1] as usize
    }

    pub(super) fn customers(&self) -> usize {
        self.start.len() - 1
    }
}

impl Engine {
    /// The per-customer activities, built once per version of the data.
    pub(crate) fn activities(&self) -> Arc<Activities> {
        self.derived(|c| &mut c.activities, || self.build_activities())
    }

    fn build_activities(&self) -> Activities {
        let n = self.customers.exists.len();
        let c = &self.cases;
        let k = &self.contacts;
        let o = &self.orders;
        let currency = self
            .config
            .clv
            .currency
            .as_deref()
            .map(|c| self.currency_ids.get(c).unwrap_or(NONE));
        // Every activity once, visited by kind.
        let each = |f: &mut dyn FnMut(u32, Act)| {
            for r in 0..c.len() {
                if c.exists[r] && c.customer[r] != NONE {
                    let a = Act {
                        t: c.created[r],
                        bus: c.bus_epoch[r],
                        row: r as u32,
                        kind: CASE,
                        flags: 0,
                    };
                    f(c.customer[r], a);
                }
            }
            for r in 0..k.len() {
                if k.exists[r] && k.customer[r] != NONE && k.arrived[r] != NO_TIME {
                    let flags = if standalone(self, r) { STANDALONE } else { 0 }
                        | if k.outcome[r] == Outcome::Answered as u8 {
                            ANSWERED
                        } else {
                            0
                        };
                    let a = Act {
                        t: k.arrived[r],
                        bus: k.bus_epoch[r],
                        row: r as u32,
                        kind: CONTACT,
                        flags,
                    };
                    f(k.customer[r], a);
                }
            }
            for r in 0..o.at.len() {
                if o.customer[r] != NONE {
                    let flags = if currency.is_none_or(|c| c == o.currency[r]) {
                        IN_CURRENCY
                    } else {
                        0
                    };
                    let a = Act {
                        t: o.at[r],
                        bus: f64::NAN,
                        row: r as u32,
                        kind: ORDER,
                        flags,
                    };
                    f(o.customer[r], a);
                }
            }
        };
        // Counting sort by customer, then each customer's few activities by time.
        let mut start = vec![0u32; n + 1];
        each(&mut |customer, _| start[customer as usize + 1] += 1);
        for i in 0..n {
            start[i + 1] += start[i];
        }
        let total = start[n] as usize;
        let mut next = start.clone();
        let mut items = vec![
            Act {
                t: 0,
                bus: 0.0,
                row: 0,
                kind: 0,
                flags: 0
            };
            total
        ];
        each(&mut |customer, a| {
            let slot = &mut next[customer as usize];
            items[*slot as usize] = a;
            *slot += 1;
        });
        let mut rest: &mut [Act] = &mut items;
        let mut slices = Vec::with_capacity(n);
        for i in 0..n {
            let (head, tail) = rest.split_at_mut((start[i + 1] - start[i]) as usize);
            slices.push(head);
            rest = tail;
        }
        slices
            .par_iter_mut()
            .for_each(|s| s.sort_unstable_by_key(|a| (a.t, a.kind, a.row)));
        Activities {
            start,
            t: items.iter().map(|a| a.t).collect(),
            bus: items.iter().map(|a| a.bus).collect(),
            row: items.iter().map(|a| a.row).collect(),
            kind: items.iter().map(|a| a.kind | a.flags << 2).collect(),
        }
    }
}

/// The cell of every activity (in [`Activities`] order) for a query: its case's, call's or
/// order's cell; with `multi`, some rows are in several groups and [`act_cells_each`] also reads
/// the extra cells.
pub(crate) struct ActCells {
    pub main: Vec<u32>,
    pub multi: bool,
}

impl ActCells {
    pub(crate) fn new(acts: &Activities, cases: &Cells, contacts: &Cells, orders: &Cells) -> Self {
        let pick = |kind: u8| match kind & KIND {
            CASE => cases,
            CONTACT => contacts,
            _ => orders,
        };
        ActCells {
            main: acts
                .kind
                .par_iter()
                .zip(acts.row.par_iter())
                .map(|(&k, &row)| pick(k).main[row as usize])
                .collect(),
            multi: !(cases.extra.is_empty()
                && contacts.extra.is_empty()
                && orders.extra.is_empty()),
        }
    }
}

/// Calls `f(cell)` for every cell of activity `i`.
#[inline]
fn act_cells_each(ctx: &Ctx, acts: &Activities, i: usize, mut f: impl FnMut(usize)) {
    let ac = ctx.act_cells.as_ref().expect("activity cells prepared");
    if !ac.multi {
        let c = ac.main[i];
        if c != NONE {
            f(c as usize);
        }
        return;
    }
    let cells = match acts.kind[i] & KIND {
        CASE => ctx.cells(Anchor::CaseCreated),
        CONTACT => ctx.cells(Anchor::ContactArrived),
        _ => ctx.cells(Anchor::OrderAt),
    };
    cells_of(cells, acts.row[i] as usize, f);
}

/// Calls `f(cell)` for every cell of `row` in `cells`.
#[inline]
fn cells_of(cells: &Cells, row: usize, mut f: impl FnMut(usize)) {
    let c = cells.main[row];
    if c != NONE {
        f(c as usize);
    }
    if !cells.extra.is_empty() {
        let i = cells.extra.partition_point(|&(r, _)| (r as usize) < row);
        for &(r, cell) in &cells.extra[i..] {
            if r as usize != row {
                break;
            }
            f(cell as usize);
        }
    }
}

/// Runs `f(customer, acc)` over every customer in parallel chunks, each with its own
/// accumulator, and returns the accumulators.
fn per_customer<A: Send>(
    acts: &Activities,
    init: impl Fn() -> A + Sync,
    f: impl Fn(usize, &mut A) + Sync,
) -> Vec<A> {
    let n = acts.customers();
    let step = 16 * 1024;
    (0..n.div_ceil(step))
        .into_par_iter()
        .map(|i| {
            let mut acc = init();
            for c in i * step..((i + 1) * step).min(n) {
                f(c, &mut acc);
            }
            acc
        })
        .collect()
}

/// Distinct customers and gaps between contacts per cell, from one pass over every customer's
/// activities (shared by returning_customers, complaint_ratio, clv and
/// avg_time_between_interactions; computed before the metrics run).
pub(crate) struct CustomerPass {
    /// Customers active in the cell who were active before its bucket (returning_customers).
    pub returning: Vec<u64>,
    /// Customers with a case created or a call/chat answered in the cell (complaint_ratio).
    pub served: Vec<u64>,
    /// Customers with an order in the CLV currency in the cell (clv).
    pub buyers: Vec<u64>,
    /// Per cell, each customer's mean gap between contacts, calendar and business seconds.
    pub gaps: [Vec<Vec<f64>>; 2],
}

/// A customer's cells: returning, served, buying, and (cell, instant, business offset) contacts.
pub(super) type Scratch = (Vec<usize>, Vec<usize>, Vec<usize>, Vec<(usize, i64, f64)>);

struct PassChunk {
    returning: Vec<u64>,
    served: Vec<u64>,
    buyers: Vec<u64>,
    gaps: Vec<(u32, f64, f64)>,
    scratch: Scratch,
}

impl CustomerPass {
    pub(crate) fn new(ctx: &Ctx) -> CustomerPass {
        let acts = ctx.activities.as_ref().expect("activities prepared");
        let n = ctx.ncells();
        let chunks = per_customer(
            acts,
            || PassChunk {
                returning: vec![0; n],
                served: vec![0; n],
                buyers: vec![0; n],
                gaps: Vec::new(),
                scratch: Default::default(),
            },
            |c, p| {
                customer_cells(ctx, acts, c, &mut p.scratch);
                let (ret, served, buy, contacts) = &mut p.scratch;
                distinct(ret, &mut p.returning);
                distinct(served, &mut p.served);
                distinct(buy, &mut p.buyers);
                gap_runs(contacts, |cell, run| {
                    let k = run.len() as f64;
                    let (first, last) = (&run[0], &run[run.len() - 1]);
                    p.gaps.push((
                        cell as u32,
                        (last.1 - first.1) as f64 / 1000.0 / (k - 1.0),
                        (last.2 - first.2) / (k - 1.0),
                    ));
                });
            },
        );
        let mut pass = CustomerPass {
            returning: vec![0; n],
            served: vec![0; n],
            buyers: vec![0; n],
            gaps: [vec![Vec::new(); n], vec![Vec::new(); n]],
        };
        for chunk in chunks {
            for cell in 0..n {
                pass.returning[cell] += chunk.returning[cell];
                pass.served[cell] += chunk.served[cell];
                pass.buyers[cell] += chunk.buyers[cell];
            }
            for (cell, cal, bus) in chunk.gaps {
                pass.gaps[CAL][cell as usize].push(cal);
                pass.gaps[1 - CAL][cell as usize].push(bus);
            }
        }
        pass
    }
}

/// Customer `c`'s cells, into `scratch`: where the customer is returning (an order or a contact
/// in the cell, and one before its bucket), served (a case created or a call or chat answered),
/// buying (an order in the CLV currency), and the customer's contacts (cell, instant, business
/// offset) in time order. A cell may be listed more than once. The rules of
/// returning_customers, complaint_ratio, clv and avg_time_between_interactions.
pub(super) fn customer_cells(ctx: &Ctx, acts: &Activities, c: usize, scratch: &mut Scratch) {
    let nb = ctx.nb;
    let starts = &ctx.b.starts;
    let range = acts.range(c);
    let counted = |k: u8| k & KIND != CONTACT || k & STANDALONE_BIT != 0;
    let first = range
        .clone()
        .find(|&i| counted(acts.kind[i]))
        .map(|i| acts.t[i]);
    let (ret, served, buy, contacts) = scratch;
    ret.clear();
    served.clear();
    buy.clear();
    contacts.clear();
    for i in range {
        let k = acts.kind[i];
        let kind = k & KIND;
        let (t, bus) = (acts.t[i], acts.bus[i]);
        act_cells_each(ctx, acts, i, |cell| {
            if counted(k) && first.is_some_and(|f| f < starts[cell % nb]) {
                ret.push(cell);
            }
            if kind == CASE || (kind == CONTACT && k & ANSWERED_BIT != 0) {
                served.push(cell);
            }
            if k == ORDER | IN_CURRENCY_BIT {
                buy.push(cell);
            }
            if kind == CASE || (kind == CONTACT && k & STANDALONE_BIT != 0) {
                contacts.push((cell, t, bus));
            }
        });
    }
}

/// Calls `f(cell, contacts)` for each cell where a customer has two contacts or more (the
/// customers of avg_time_between_interactions), with those contacts in time order. Sorts
/// `contacts` (from [`customer_cells`]) by cell.
pub(super) fn gap_runs(
    contacts: &mut [(usize, i64, f64)],
    mut f: impl FnMut(usize, &[(usize, i64, f64)]),
) {
    if contacts.len() < 2 {
        return;
    }
    // Already in time order; a stable sort keeps it within each cell.
    contacts.sort_by_key(|x| x.0);
    let mut i = 0;
    while i < contacts.len() {
        let cell = contacts[i].0;
        let mut j = i;
        while j < contacts.len() && contacts[j].0 == cell {
            j += 1;
        }
        if j - i >= 2 {
            f(cell, &contacts[i..j]);
        }
        i = j;
    }
}

fn pass<'c>(ctx: &'c Ctx) -> &'c CustomerPass {
    ctx.customer_pass.as_ref().expect("customer pass prepared")
}

pub(super) fn survey_cells(ctx: &Ctx, kind: SurveyKind, mut f: impl FnMut(usize, usize)) {
    let s = &ctx.e.surveys;
    ctx.cells(Anchor::SurveyAt).each(|r, cell| {
        if s.kind[r] == kind as u8 {
            f(r, cell);
        }
    });
}

/// An NPS score's class: 0 promoter (9–10), 1 passive (7–8), 2 detractor (0–6).
#[inline]
pub(super) fn nps_class(score: f64) -> usize {
    match score {
        x if x >= 9.0 => 0,
        x if x >= 7.0 => 1,
        _ => 2,
    }
}

/// nps: % promoters (9–10) − % detractors (0–6) over the NPS responses answered in the bucket.
/// n = responses; parts: promoters, passives, detractors (% of responses).
pub(crate) fn nps(ctx: &Ctx) -> Column {
    let s = &ctx.e.surveys;
    let mut k = vec![[0u64; 3]; ctx.ncells()];
    survey_cells(ctx, SurveyKind::Nps, |r, cell| {
        k[cell][nps_class(s.score[r])] += 1;
    });
    let values = k
        .iter()
        .map(|&[p, m, d]| {
            let n = p + m + d;
            let mut v =
                MetricValue::of((n > 0).then(|| 100.0 * (p as f64 - d as f64) / n as f64), n);
            if n > 0 {
                v.parts = parts(
                    [("promoters", p), ("passives", m), ("detractors", d)]
                        .map(|(name, x)| (name.to_string(), Some(100.0 * x as f64 / n as f64), x)),
                );
            }
            v
        })
        .collect();
    Column {
        values,
        empty: MetricValue::none(),
    }
}

/// csat: responses at or above the satisfied threshold (4 of 5: a 3 is not satisfied) /
/// responses × 100; csat_mean (`mean_score`): the mean score on the configured scale.
/// n = responses.
pub(crate) fn csat(ctx: &Ctx, mean_score: bool) -> Column {
    survey_column(ctx, SurveyKind::Csat, mean_score)
}

/// ces: the mean score on 1–7; ces_easy_pct (`easy`): responses ≥ 5 / responses × 100.
/// n = responses.
pub(crate) fn ces(ctx: &Ctx, easy: bool) -> Column {
    survey_column(ctx, SurveyKind::Ces, !easy)
}

fn survey_column(ctx: &Ctx, kind: SurveyKind, mean_score: bool) -> Column {
    let s = &ctx.e.surveys;
    let n = ctx.ncells();
    let (mut sum, mut good, mut k) = (vec![0.0; n], vec![0u64; n], vec![0u64; n]);
    survey_cells(ctx, kind, |r, cell| {
        sum[cell] += s.score[r];
        good[cell] += u64::from(s.good[r]);
        k[cell] += 1;
    });
    if mean_score {
        Column {
            values: sum.iter().zip(&k).map(|(&s, &n)| mean(s, n)).collect(),
            empty: MetricValue::none(),
        }
    } else {
        rate_column(&good, &k)
    }
}

/// A QA review with criteria to score (iqs' records).
#[inline]
pub(super) fn scored(q: &QaReviews, r: usize) -> bool {
    !q.pct[r].is_nan()
}

/// iqs: mean over the QA reviews made in the bucket of (Σ score × weight) / (Σ max × weight) ×
/// 100. n = reviews.
pub(crate) fn iqs(ctx: &Ctx) -> Column {
    let q = &ctx.e.qa;
    let n = ctx.ncells();
    let (mut sum, mut k) = (vec![0.0; n], vec![0u64; n]);
    ctx.cells(Anchor::QaAt).each(|r, cell| {
        if scored(q, r) {
            sum[cell] += q.pct[r];
            k[cell] += 1;
        }
    });
    Column {
        values: sum.iter().zip(&k).map(|(&s, &n)| mean(s, n)).collect(),
        empty: MetricValue::none(),
    }
}

/// Adds 1 over the buckets `[from, to)` of group `gid` in a difference array.
#[inline]
fn range_add(diff: &mut [i64], nb: usize, gid: u32, from: usize, to: usize) {
    if from < to {
        let base = gid as usize * (nb + 1);
        diff[base + from] += 1;
        diff[base + to] -= 1;
    }
}

fn prefix(diff: &[i64], nb: usize) -> Vec<u64> {
    let ngroups = diff.len() / (nb + 1);
    let mut out = Vec::with_capacity(ngroups * nb);
    for g in 0..ngroups {
        let mut run = 0;
        for b in 0..nb {
            run += diff[g * (nb + 1) + b];
            out.push(run.max(0) as u64);
        }
    }
    out
}

/// Customer records per cell. Active at instant t: acquired at or before t (or without an
/// acquisition date) and not ended by t; "at the end" of `[s, e)` is just before e.
pub(crate) struct Base {
    at_start: Vec<u64>,
    at_end: Vec<u64>,
    /// Active at some time in the bucket: acquired before its end, not ended before its start.
    overlapping: Vec<u64>,
    acquired: Vec<u64>,
    referred: Vec<u64>,
    churned: Vec<u64>,
}

fn customer_base<'c>(ctx: &'c Ctx) -> &'c Base {
    ctx.base.get_or_init(|| count_base(ctx))
}

/// The buckets (index ranges) in which a customer acquired at `born` (NO_TIME: always) whose
/// relationship ended at `gone` (NEVER: still active) is active at the bucket's start, active at
/// its end, and active at some time in it. `starts`: the buckets' starts; `ends`: their ends.
#[inline]
pub(super) fn base_ranges(
    starts: &[i64],
    ends: &[i64],
    born: i64,
    gone: i64,
) -> [(usize, usize); 3] {
    let s_range = (
        starts.partition_point(|&x| x < born),
        starts.partition_point(|&x| x < gone),
    );
    let e_range = (
        ends.partition_point(|&x| x <= born),
        ends.partition_point(|&x| x <= gone),
    );
    // Active at some time in [s, e): born < e and gone > s.
    let o_range = (
        ends.partition_point(|&x| x <= born),
        starts.partition_point(|&x| x < gone),
    );
    [s_range, e_range, o_range]
}

fn count_base(ctx: &Ctx) -> Base {
    let g = ctx.table(Table::Customers);
    let c = &ctx.e.customers;
    let nb = ctx.nb;
    let n = ctx.ncells();
    let size = n / nb * (nb + 1);
    let (mut s, mut e, mut o) = (vec![0i64; size], vec![0i64; size], vec![0i64; size]);
    let starts = &ctx.b.starts[..nb];
    let ends = &ctx.b.starts[1..];
    for r in 0..g.first.len() {
        if g.first[r] == NONE {
            continue;
        }
        let [s_range, e_range, o_range] = base_ranges(starts, ends, c.created[r], c.ended[r]);
        g.each(r, |gid| {
            range_add(&mut s, nb, gid, s_range.0, s_range.1);
            range_add(&mut e, nb, gid, e_range.0, e_range.1);
            range_add(&mut o, nb, gid, o_range.0, o_range.1);
        });
    }
    let (mut acquired, mut referred, mut churned) = (vec![0u64; n], vec![0u64; n], vec![0u64; n]);
    ctx.cells(Anchor::CustomerCreated).each(|r, cell| {
        acquired[cell] += 1;
        referred[cell] += u64::from(c.referral[r]);
    });
    ctx.cells(Anchor::CustomerEnded)
        .each(|_, cell| churned[cell] += 1);
    Base {
        at_start: prefix(&s, nb),
        at_end: prefix(&e, nb),
        overlapping: prefix(&o, nb),
        acquired,
        referred,
        churned,
    }
}

/// churn_rate: customers whose relationship ended in the bucket / customers active at its start
/// × 100. n = customers active at the start.
pub(crate) fn churn_rate(ctx: &Ctx) -> Column {
    let b = customer_base(ctx);
    rate_column(&b.churned, &b.at_start)
}

/// retention_rate: (customers active at the bucket's end − customers acquired in it) / customers
/// active at its start × 100. n = customers active at the start.
pub(crate) fn retention_rate(ctx: &Ctx) -> Column {
    let b = customer_base(ctx);
    Column {
        values: (0..b.at_start.len())
            .map(|c| {
                let kept = b.at_end[c] as f64 - b.acquired[c] as f64;
                rate(kept, b.at_start[c] as f64, b.at_start[c])
            })
            .collect(),
        empty: MetricValue::none(),
    }
}

/// referral_rate: customers acquired in the bucket through a referral (acquisition_channel
/// `referral`) / customers acquired in it × 100. n = customers acquired.
pub(crate) fn referral_rate(ctx: &Ctx) -> Column {
    let b = customer_base(ctx);
    rate_column(&b.referred, &b.acquired)
}

/// The activity engagement counts (`activity` option; NONE for an unknown one), None: any.
pub(super) fn engagement_activity(ctx: &Ctx, o: &Opts) -> Option<u32> {
    o.get("activity")
        .map(|a| ctx.e.activity_ids.get(a.trim()).unwrap_or(NONE))
}

/// engagement: engagement events in the bucket (of the `activity` option, else all) / active
/// customers (customer records whose relationship overlaps the bucket: acquired before its end,
/// not ended before its start). n = events; parts: per activity, events per active customer.
pub(crate) fn engagement(ctx: &Ctx, o: &Opts) -> Column {
    let base = customer_base(ctx);
    let e = ctx.e;
    let t = &e.engagement;
    let only = engagement_activity(ctx, o);
    let n = ctx.ncells();
    let na = e.activity_ids.len();
    let mut by_activity = vec![0u64; n * na];
    ctx.cells(Anchor::EngagementAt).each(|r, cell| {
        if only.is_none_or(|a| a == t.activity[r]) {
            by_activity[cell * na + t.activity[r] as usize] += 1;
        }
    });
    let values = (0..n)
        .map(|cell| {
            let per_activity = &by_activity[cell * na..(cell + 1) * na];
            let events: u64 = per_activity.iter().sum();
            let active = base.overlapping[cell];
            let per = |k: u64| (active > 0).then(|| k as f64 / active as f64);
            let mut v = MetricValue::of(per(events), events);
            if events > 0 {
                v.parts = parts(
                    per_activity
                        .iter()
                        .enumerate()
                        .filter(|(_, k)| **k > 0)
                        .map(|(a, &k)| (e.activity_ids.name(a as u32).to_string(), per(k), k)),
                );
            }
            v
        })
        .collect();
    Column {
        values,
        empty: MetricValue::none(),
    }
}

/// Days in a (Gregorian) year: annualises per-period figures.
const YEAR_DAYS: f64 = 365.2425;

/// The CLV currency (NONE for one no order uses), None: every order counts.
pub(super) fn clv_currency(e: &Engine) -> Option<u32> {
    e.config
        .clv
        .currency
        .as_deref()
        .map(|c| e.currency_ids.get(c).unwrap_or(NONE))
}

/// clv: average order value × orders per customer per year × expected lifespan in years (1 /
/// annual churn rate) × gross margin (when configured), over the bucket: AOV = Σ amount / orders;
/// orders per customer per year = orders / ordering customers × (365.2425 / days in the bucket);
/// annual churn = churned / active at the start × (365.2425 / days). No data without orders or
/// without churn (an infinite lifespan). n = orders; parts: aov, orders_per_customer_year,
/// lifespan_years.
pub(crate) fn clv(ctx: &Ctx) -> Column {
    let base = customer_base(ctx);
    let e = ctx.e;
    let t = &e.orders;
    let currency = clv_currency(e);
    let counts = |r: usize| currency.is_none_or(|c| c == t.currency[r]);
    let n = ctx.ncells();
    let (mut sum, mut orders) = (vec![0.0; n], vec![0u64; n]);
    ctx.cells(Anchor::OrderAt).each(|r, cell| {
        if counts(r) {
            sum[cell] += t.amount[r];
            orders[cell] += 1;
        }
    });
    // Distinct ordering customers per cell.
    let customers = &pass(ctx).buyers;
    let nb = ctx.nb;
    let margin = e.config.clv.gross_margin.unwrap_or(1.0);
    let values = (0..n)
        .map(|cell| {
            let b = cell % nb;
            let days = (ctx.b.end(b) - ctx.b.starts[b]) as f64 / 86_400_000.0;
            let annual = YEAR_DAYS / days;
            let k = orders[cell];
            let churn = if base.at_start[cell] > 0 {
                base.churned[cell] as f64 / base.at_start[cell] as f64 * annual
            } else {
                0.0
            };
            if k == 0 || churn <= 0.0 {
                return MetricValue::of(None, k);
            }
            let aov = sum[cell] / k as f64;
            let frequency = k as f64 / customers[cell] as f64 * annual;
            let lifespan = 1.0 / churn;
            let mut v = MetricValue::of(Some(aov * frequency * lifespan * margin), k);
            v.parts = parts([
                ("aov".to_string(), Some(aov), k),
                ("orders_per_customer_year".to_string(), Some(frequency), k),
                (
                    "lifespan_years".to_string(),
                    Some(lifespan),
                    base.at_start[cell],
                ),
            ]);
            v
        })
        .collect();
    Column {
        values,
        empty: MetricValue::none(),
    }
}

/// returning_customers: distinct customers with an order or a contact (a case, or a call or chat
/// not part of a case and not blocked) in the bucket who also had one before the bucket's start.
/// n = the count.
pub(crate) fn returning_customers(ctx: &Ctx) -> Column {
    Column {
        values: pass(ctx).returning.iter().map(|&n| count(n)).collect(),
        empty: count(0),
    }
}

/// Adds 1 to `count` for each distinct cell of `local`.
#[inline]
fn distinct(local: &mut Vec<usize>, count: &mut [u64]) {
    match local.len() {
        0 => {}
        1 => count[local[0]] += 1,
        _ => {
            local.sort_unstable();
            local.dedup();
            for &cell in local.iter() {
                count[cell] += 1;
            }
        }
    }
}

/// The RATER dimension (its index) of servqual_gap's `dimension` option; None: overall.
pub(super) fn servqual_only(o: &Opts) -> Option<u8> {
    let name = o.get("dimension").filter(|d| *d != "overall")?;
    Some(
        (0..Rater::ALL.len() as u8)
            .find(|&i| servqual_dimension(i).as_str() == name)
            .expect("a RATER dimension (checked against the catalogue)"),
    )
}

/// servqual_gap: per RATER dimension, mean(perception − expectation) over the responses in the
/// bucket; overall (default) = Σ weight × gap / Σ weight over the dimensions with responses.
/// n = responses (of the dimension, or all); parts: each dimension's gap.
pub(crate) fn servqual_gap(ctx: &Ctx, o: &Opts) -> Column {
    let e = ctx.e;
    let s = &e.servqual;
    let mut acc = vec![[(0.0f64, 0u64); 5]; ctx.ncells()];
    ctx.cells(Anchor::ServqualAt).each(|r, cell| {
        let slot = &mut acc[cell][s.dimension[r] as usize];
        slot.0 += s.gap[r];
        slot.1 += 1;
    });
    let pick = servqual_only(o);
    let weights = e.config.servqual_weights;
    let values = acc
        .iter()
        .map(|dims| {
            let gaps: Vec<(Rater, Option<f64>, u64)> = dims
                .iter()
                .enumerate()
                .map(|(i, &(sum, n))| {
                    (
                        servqual_dimension(i as u8),
                        (n > 0).then(|| sum / n as f64),
                        n,
                    )
                })
                .collect();
            let mut v = match pick {
                Some(i) => {
                    let (_, gap, n) = gaps[usize::from(i)];
                    MetricValue::of(gap, n)
                }
                None => {
                    let (mut num, mut den, mut n, mut plain, mut dims) = (0.0, 0.0, 0, 0.0, 0);
                    for &(d, gap, k) in &gaps {
                        if let Some(gap) = gap {
                            num += weights.of(d) * gap;
                            den += weights.of(d);
                            n += k;
                            plain += gap;
                            dims += 1;
                        }
                    }
                    let value = if den > 0.0 {
                        Some(num / den)
                    } else {
                        // Every dimension with answers weighs 0: their plain mean.
                        (dims > 0).then(|| plain / f64::from(dims))
                    };
                    MetricValue::of(value, n)
                }
            };
            if gaps.iter().any(|g| g.2 > 0) {
                v.parts = parts(gaps.iter().map(|&(d, gap, n)| (d.to_string(), gap, n)));
            }
            v
        })
        .collect();
    Column {
        values,
        empty: MetricValue::none(),
    }
}

/// positive_feedback: feedback marked positive received in the bucket (a count; n = the same);
/// positive_feedback_rate (`as_rate`): positive / all feedback × 100 (n = feedback).
pub(crate) fn positive_feedback(ctx: &Ctx, as_rate: bool) -> Column {
    let f = &ctx.e.feedback;
    let n = ctx.ncells();
    let (mut pos, mut all) = (vec![0u64; n], vec![0u64; n]);
    ctx.cells(Anchor::FeedbackAt).each(|r, cell| {
        all[cell] += 1;
        pos[cell] += u64::from(f.positive[r]);
    });
    if as_rate {
        rate_column(&pos, &all)
    } else {
        Column {
            values: pos.into_iter().map(count).collect(),
            empty: count(0),
        }
    }
}

/// A platform review rated 4 of 5 or more.
#[inline]
pub(super) fn positive_review(rating: u8) -> bool {
    rating >= 4
}

/// positive_review_rate: platform reviews rated ≥ 4 of 5 / all reviews posted in the bucket ×
/// 100. n = reviews.
pub(crate) fn positive_review_rate(ctx: &Ctx) -> Column {
    let t = &ctx.e.reviews;
    let n = ctx.ncells();
    let (mut pos, mut all) = (vec![0u64; n], vec![0u64; n]);
    ctx.cells(Anchor::ReviewAt).each(|r, cell| {
        all[cell] += 1;
        pos[cell] += u64::from(positive_review(t.rating[r]));
    });
    rate_column(&pos, &all)
}

/// complaint_ratio: complaints received (cases of type complaint created in the bucket) /
/// customers served (distinct customers with a case created, or a call or chat answered, in the
/// bucket) × 100. n = customers served.
pub(crate) fn complaint_ratio(ctx: &Ctx) -> Column {
    let e = ctx.e;
    let c = &e.cases;
    let n = ctx.ncells();
    let mut complaints = vec![0u64; n];
    ctx.cells(Anchor::CaseCreated)
        .each(|r, cell| complaints[cell] += u64::from(super::cases::complaint(c, r)));
    let customers = &pass(ctx).served;
    rate_column(&complaints, customers)
}

/// avg_time_between_interactions: for each customer with ≥ 2 contacts (cases, and calls and
/// chats not part of a case and not blocked) in the bucket, the mean gap (last − first) /
/// (contacts − 1) — on the business clock, the account schedule's business time between the first
/// and the last (a difference of the offsets computed at upsert); averaged over those customers.
/// Mean, median, p90; n = customers.
pub(crate) fn avg_time_between_interactions(ctx: &Ctx, o: &Opts) -> Column {
    duration_column(pass(ctx).gaps[o.hours()].clone())
}
