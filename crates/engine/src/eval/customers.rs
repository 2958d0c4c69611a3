//! Customer-experience metrics: surveys (NPS, CSAT, CES), QA (IQS), SERVQUAL, feedback and
//! reviews, the customer base (engagement, churn, retention, referral, CLV, returning customers),
//! complaints per customer served, and the time between a customer's contacts.

use carekpi_domain::records::vocab::{CaseType, Dimension as Rater, Outcome, SurveyKind};

use super::cases::{rate_column, scan, standalone};
use super::{Column, Ctx, Opts, Table, count, duration_column, mean, parts, rate};
use crate::engine::servqual_dimension;
use crate::query::MetricValue;
use crate::tables::{BUS, CAL, NO_CLOCK};
use crate::time::{clock_of, ts};
use crate::util::{FxMap, FxSet, NEVER, NO_TIME, NONE};

fn survey_anchor<'e>(ctx: &Ctx<'e>, kind: SurveyKind) -> impl Fn(usize) -> i64 + 'e {
    let s = &ctx.e.surveys;
    move |r| {
        if s.kind[r] == kind as u8 {
            s.at[r]
        } else {
            NO_TIME
        }
    }
}

/// nps: % promoters (9–10) − % detractors (0–6) over the NPS responses answered in the bucket.
/// n = responses; parts: promoters, passives, detractors (% of responses).
pub(crate) fn nps(ctx: &mut Ctx) -> Column {
    let g = ctx.table(Table::Surveys);
    let s = &ctx.e.surveys;
    let mut k = vec![[0u64; 3]; ctx.ncells()];
    scan(
        ctx,
        &g,
        survey_anchor(ctx, SurveyKind::Nps),
        |r, cell, _| {
            let i = match s.score[r] {
                x if x >= 9.0 => 0,
                x if x >= 7.0 => 1,
                _ => 2,
            };
            k[cell][i] += 1;
        },
    );
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
/// responses × 100; csat_mean (`mean`): the mean score on the configured scale. n = responses.
pub(crate) fn csat(ctx: &mut Ctx, mean_score: bool) -> Column {
    survey_column(ctx, SurveyKind::Csat, mean_score)
}

/// ces: the mean score on 1–7; ces_easy_pct (`easy`): responses ≥ 5 / responses × 100.
/// n = responses.
pub(crate) fn ces(ctx: &mut Ctx, easy: bool) -> Column {
    survey_column(ctx, SurveyKind::Ces, !easy)
}

fn survey_column(ctx: &mut Ctx, kind: SurveyKind, mean_score: bool) -> Column {
    let g = ctx.table(Table::Surveys);
    let s = &ctx.e.surveys;
    let n = ctx.ncells();
    let (mut sum, mut good, mut k) = (vec![0.0; n], vec![0u64; n], vec![0u64; n]);
    scan(ctx, &g, survey_anchor(ctx, kind), |r, cell, _| {
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

/// iqs: mean over the QA reviews made in the bucket of (Σ score × weight) / (Σ max × weight) ×
/// 100. n = reviews.
pub(crate) fn iqs(ctx: &mut Ctx) -> Column {
    let g = ctx.table(Table::Qa);
    let q = &ctx.e.qa;
    let n = ctx.ncells();
    let (mut sum, mut k) = (vec![0.0; n], vec![0u64; n]);
    scan(
        ctx,
        &g,
        |r| q.at[r],
        |r, cell, _| {
            if !q.pct[r].is_nan() {
                sum[cell] += q.pct[r];
                k[cell] += 1;
            }
        },
    );
    Column {
        values: sum.iter().zip(&k).map(|(&s, &n)| mean(s, n)).collect(),
        empty: MetricValue::none(),
    }
}

/// Adds 1 to `diff` over the buckets `[from, to)` of each group of `row`.
fn range_add(
    diff: &mut [i64],
    nb: usize,
    gids: impl IntoIterator<Item = u32>,
    from: usize,
    to: usize,
) {
    if from >= to {
        return;
    }
    for gid in gids {
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

/// Customers (records) per cell: (active at the bucket's start, active at its end, acquired in
/// it, churned in it, active at any time in it). Active at instant t: acquired at or before t
/// (or no acquisition date) and not ended by t; "at the end" of `[s, e)` is just before e.
struct Base {
    at_start: Vec<u64>,
    at_end: Vec<u64>,
    overlapping: Vec<u64>,
    acquired: Vec<u64>,
    referred: Vec<u64>,
    churned: Vec<u64>,
}

fn customer_base(ctx: &mut Ctx) -> Base {
    let g = ctx.table(Table::Customers);
    let c = &ctx.e.customers;
    let nb = ctx.nb;
    let n = ctx.ncells();
    let size = n / nb * (nb + 1);
    let (mut s, mut e, mut o) = (vec![0i64; size], vec![0i64; size], vec![0i64; size]);
    let starts = &ctx.b.starts[..nb];
    let ends = &ctx.b.starts[1..];
    let mut gids = Vec::new();
    for r in 0..g.first.len() {
        if g.first[r] == NONE {
            continue;
        }
        gids.clear();
        g.each(r, |gid| gids.push(gid));
        let (born, gone) = (c.created[r], c.ended[r]);
        // start s: born ≤ s < gone
        range_add(
            &mut s,
            nb,
            gids.iter().copied(),
            starts.partition_point(|&x| x < born),
            starts.partition_point(|&x| x < gone),
        );
        // end e: born < e ≤ gone
        range_add(
            &mut e,
            nb,
            gids.iter().copied(),
            ends.partition_point(|&x| x <= born),
            ends.partition_point(|&x| x <= gone),
        );
        // overlapping [s, e): born < e and gone ≥ s
        range_add(
            &mut o,
            nb,
            gids.iter().copied(),
            ends.partition_point(|&x| x <= born),
            starts.partition_point(|&x| x <= gone),
        );
    }
    let (mut acquired, mut referred, mut churned) = (vec![0u64; n], vec![0u64; n], vec![0u64; n]);
    scan(
        ctx,
        &g,
        |r| c.created[r],
        |r, cell, _| {
            acquired[cell] += 1;
            referred[cell] += u64::from(c.referral[r]);
        },
    );
    scan(
        ctx,
        &g,
        |r| {
            if c.ended[r] == NEVER {
                NO_TIME
            } else {
                c.ended[r]
            }
        },
        |_, cell, _| churned[cell] += 1,
    );
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
pub(crate) fn churn_rate(ctx: &mut Ctx) -> Column {
    let b = customer_base(ctx);
    rate_column(&b.churned, &b.at_start)
}

/// retention_rate: (customers active at the bucket's end − customers acquired in it) / customers
/// active at its start × 100. n = customers active at the start.
pub(crate) fn retention_rate(ctx: &mut Ctx) -> Column {
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
pub(crate) fn referral_rate(ctx: &mut Ctx) -> Column {
    let b = customer_base(ctx);
    rate_column(&b.referred, &b.acquired)
}

/// engagement: engagement events in the bucket (of the `activity` option, else all) / active
/// customers (customer records whose relationship overlaps the bucket: acquired before its end,
/// not ended before its start). n = events; parts: per activity, events per active customer.
pub(crate) fn engagement(ctx: &mut Ctx, o: &Opts) -> Column {
    let g = ctx.table(Table::Engagement);
    let base = customer_base(ctx);
    let e = ctx.e;
    let t = &e.engagement;
    let only = o
        .get("activity")
        .map(|a| e.activity_ids.get(a.trim()).unwrap_or(NONE));
    let n = ctx.ncells();
    let mut events = vec![0u64; n];
    let mut by_activity: FxMap<(u32, u32), u64> = FxMap::default();
    scan(
        ctx,
        &g,
        |r| {
            if only.is_none_or(|a| a == t.activity[r]) {
                t.at[r]
            } else {
                NO_TIME
            }
        },
        |r, cell, _| {
            events[cell] += 1;
            *by_activity.entry((cell as u32, t.activity[r])).or_default() += 1;
        },
    );
    let mut per_cell: Vec<Vec<(u32, u64)>> = vec![Vec::new(); n];
    for ((cell, a), k) in by_activity {
        per_cell[cell as usize].push((a, k));
    }
    let values = (0..n)
        .map(|cell| {
            let active = base.overlapping.get(cell).copied().unwrap_or(0);
            let per = |k: u64| (active > 0).then(|| k as f64 / active as f64);
            let mut v = MetricValue::of(per(events[cell]), events[cell]);
            if !per_cell[cell].is_empty() {
                v.parts = parts(
                    per_cell[cell]
                        .iter()
                        .map(|&(a, k)| (e.activity_ids.name(a).to_string(), per(k), k)),
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

/// clv: average order value × orders per customer per year × expected lifespan in years (1 /
/// annual churn rate) × gross margin (when configured), over the bucket: AOV = Σ amount / orders;
/// orders per customer per year = orders / ordering customers × (365.2425 / days in the bucket);
/// annual churn = churned / active at the start × (365.2425 / days). No data without orders or
/// without churn (an infinite lifespan). n = orders; parts: aov, orders_per_customer_year,
/// lifespan_years.
pub(crate) fn clv(ctx: &mut Ctx) -> Column {
    let g = ctx.table(Table::Orders);
    let base = customer_base(ctx);
    let e = ctx.e;
    let t = &e.orders;
    let currency = e
        .config
        .clv
        .currency
        .as_deref()
        .map(|c| e.currency_ids.get(c).unwrap_or(NONE));
    let n = ctx.ncells();
    let (mut sum, mut orders) = (vec![0.0; n], vec![0u64; n]);
    let mut buyers: FxSet<(u32, u32)> = FxSet::default();
    scan(
        ctx,
        &g,
        |r| {
            if currency.is_none_or(|c| c == t.currency[r]) {
                t.at[r]
            } else {
                NO_TIME
            }
        },
        |r, cell, _| {
            sum[cell] += t.amount[r];
            orders[cell] += 1;
            buyers.insert((cell as u32, t.customer[r]));
        },
    );
    let mut customers = vec![0u64; n];
    for (cell, _) in buyers {
        customers[cell as usize] += 1;
    }
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
pub(crate) fn returning_customers(ctx: &mut Ctx) -> Column {
    let gc = ctx.table(Table::Cases);
    let gk = ctx.table(Table::Contacts);
    let go = ctx.table(Table::Orders);
    let e = ctx.e;
    let mut first = vec![i64::MAX; e.customers.exists.len()];
    let c = &e.cases;
    let k = &e.contacts;
    let o = &e.orders;
    let mut note = |customer: u32, t: i64| {
        if customer != NONE && t != NO_TIME {
            let f = &mut first[customer as usize];
            *f = (*f).min(t);
        }
    };
    for r in 0..c.len() {
        if c.exists[r] {
            note(c.customer[r], c.created[r]);
        }
    }
    for r in 0..k.len() {
        if standalone(e, r) {
            note(k.customer[r], k.arrived[r]);
        }
    }
    for r in 0..o.at.len() {
        note(o.customer[r], o.at[r]);
    }
    let mut seen: FxSet<(u32, u32)> = FxSet::default();
    let starts = &ctx.b.starts;
    let mut visit = |customer: u32, cell: usize, b: usize| {
        if customer != NONE && first[customer as usize] < starts[b] {
            seen.insert((cell as u32, customer));
        }
    };
    scan(
        ctx,
        &gc,
        |r| c.created[r],
        |r, cell, b| visit(c.customer[r], cell, b),
    );
    scan(
        ctx,
        &gk,
        |r| {
            if standalone(e, r) {
                k.arrived[r]
            } else {
                NO_TIME
            }
        },
        |r, cell, b| visit(k.customer[r], cell, b),
    );
    scan(
        ctx,
        &go,
        |r| o.at[r],
        |r, cell, b| visit(o.customer[r], cell, b),
    );
    let mut n = vec![0u64; ctx.ncells()];
    for (cell, _) in seen {
        n[cell as usize] += 1;
    }
    Column {
        values: n.into_iter().map(count).collect(),
        empty: count(0),
    }
}

/// servqual_gap: per RATER dimension, mean(perception − expectation) over the responses in the
/// bucket; overall (default) = Σ weight × gap / Σ weight over the dimensions with responses.
/// n = responses (of the dimension, or all); parts: each dimension's gap.
pub(crate) fn servqual_gap(ctx: &mut Ctx, o: &Opts) -> Column {
    let g = ctx.table(Table::Servqual);
    let e = ctx.e;
    let s = &e.servqual;
    let mut acc = vec![[(0.0f64, 0u64); 5]; ctx.ncells()];
    scan(
        ctx,
        &g,
        |r| s.at[r],
        |r, cell, _| {
            let slot = &mut acc[cell][s.dimension[r] as usize];
            slot.0 += s.gap[r];
            slot.1 += 1;
        },
    );
    let pick = o.get("dimension").filter(|d| *d != "overall");
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
                Some(name) => {
                    let (_, gap, n) = gaps
                        .iter()
                        .find(|(d, _, _)| d.as_str() == name)
                        .copied()
                        .expect("a dimension");
                    MetricValue::of(gap, n)
                }
                None => {
                    let (mut num, mut den, mut n) = (0.0, 0.0, 0);
                    for &(d, gap, k) in &gaps {
                        if let Some(gap) = gap {
                            num += weights.of(d) * gap;
                            den += weights.of(d);
                            n += k;
                        }
                    }
                    let value = if den > 0.0 {
                        Some(num / den)
                    } else if n > 0 {
                        // Every dimension with answers has weight 0: the plain mean.
                        Some(
                            gaps.iter().filter_map(|g| g.1).sum::<f64>()
                                / gaps.iter().filter(|g| g.1.is_some()).count() as f64,
                        )
                    } else {
                        None
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
pub(crate) fn positive_feedback(ctx: &mut Ctx, as_rate: bool) -> Column {
    let g = ctx.table(Table::Feedback);
    let f = &ctx.e.feedback;
    let n = ctx.ncells();
    let (mut pos, mut all) = (vec![0u64; n], vec![0u64; n]);
    scan(
        ctx,
        &g,
        |r| f.at[r],
        |r, cell, _| {
            all[cell] += 1;
            pos[cell] += u64::from(f.positive[r]);
        },
    );
    if as_rate {
        rate_column(&pos, &all)
    } else {
        Column {
            values: pos.into_iter().map(count).collect(),
            empty: count(0),
        }
    }
}

/// positive_review_rate: platform reviews rated ≥ 4 of 5 / all reviews posted in the bucket ×
/// 100. n = reviews.
pub(crate) fn positive_review_rate(ctx: &mut Ctx) -> Column {
    let g = ctx.table(Table::Reviews);
    let t = &ctx.e.reviews;
    let n = ctx.ncells();
    let (mut pos, mut all) = (vec![0u64; n], vec![0u64; n]);
    scan(
        ctx,
        &g,
        |r| t.at[r],
        |r, cell, _| {
            all[cell] += 1;
            pos[cell] += u64::from(t.rating[r] >= 4);
        },
    );
    rate_column(&pos, &all)
}

/// complaint_ratio: complaints received (cases of type complaint created in the bucket) /
/// customers served (distinct customers with a case created, or a call or chat answered, in the
/// bucket) × 100. n = customers served.
pub(crate) fn complaint_ratio(ctx: &mut Ctx) -> Column {
    let gc = ctx.table(Table::Cases);
    let gk = ctx.table(Table::Contacts);
    let e = ctx.e;
    let c = &e.cases;
    let k = &e.contacts;
    let n = ctx.ncells();
    let mut complaints = vec![0u64; n];
    let mut served: FxSet<(u32, u32)> = FxSet::default();
    scan(
        ctx,
        &gc,
        |r| c.created[r],
        |r, cell, _| {
            complaints[cell] += u64::from(c.ctype[r] == CaseType::Complaint as u8);
            if c.customer[r] != NONE {
                served.insert((cell as u32, c.customer[r]));
            }
        },
    );
    scan(
        ctx,
        &gk,
        |r| {
            if k.outcome[r] == Outcome::Answered as u8 {
                k.arrived[r]
            } else {
                NO_TIME
            }
        },
        |r, cell, _| {
            if k.customer[r] != NONE {
                served.insert((cell as u32, k.customer[r]));
            }
        },
    );
    let mut customers = vec![0u64; n];
    for (cell, _) in served {
        customers[cell as usize] += 1;
    }
    rate_column(&complaints, &customers)
}

/// avg_time_between_interactions: for each customer with ≥ 2 contacts (cases, and calls and
/// chats not part of a case and not blocked) in the bucket, the mean gap (last − first) /
/// (contacts − 1) — on the business clock, the account schedule's business time between the first
/// and the last; averaged over those customers. Mean, median, p90; n = customers.
pub(crate) fn avg_time_between_interactions(ctx: &mut Ctx, o: &Opts) -> Column {
    let gc = ctx.table(Table::Cases);
    let gk = ctx.table(Table::Contacts);
    let e = ctx.e;
    let c = &e.cases;
    let k = &e.contacts;
    // (cell, customer) → (first, last, contacts)
    let mut per: FxMap<(u32, u32), (i64, i64, u32)> = FxMap::default();
    let mut visit = |customer: u32, cell: usize, t: i64| {
        if customer == NONE {
            return;
        }
        let slot = per.entry((cell as u32, customer)).or_insert((t, t, 0));
        slot.0 = slot.0.min(t);
        slot.1 = slot.1.max(t);
        slot.2 += 1;
    };
    scan(
        ctx,
        &gc,
        |r| c.created[r],
        |r, cell, _| visit(c.customer[r], cell, c.created[r]),
    );
    scan(
        ctx,
        &gk,
        |r| {
            if standalone(e, r) {
                k.arrived[r]
            } else {
                NO_TIME
            }
        },
        |r, cell, _| visit(k.customer[r], cell, k.arrived[r]),
    );
    let h = o.hours();
    let account = e.compiled.account_schedule.unwrap_or(NO_CLOCK);
    let clock = clock_of(
        &e.compiled.schedules,
        (account != NO_CLOCK).then_some(account),
    );
    let mut cells = vec![Vec::new(); ctx.ncells()];
    for ((cell, _), (first, last, n)) in per {
        if n < 2 {
            continue;
        }
        let span = if h == CAL {
            (last - first) as f64 / 1000.0
        } else {
            debug_assert_eq!(h, BUS);
            clock.business_duration(ts(first), ts(last)).as_secs_f64()
        };
        cells[cell as usize].push(span / f64::from(n - 1));
    }
    duration_column(cells)
}
