//! Drill-down: the items of one cell of one metric ([`crate::drill`]).
//!
//! A drill-down prepares the query's group and cell columns exactly as [`Engine::query`] does
//! (the same [`Ctx`], the same cached columns for the query's shape), finds the cell of the keys,
//! and lists the records each metric counts in that cell with the rules its evaluation uses (the
//! shared per-record functions of `cases`, `contacts`, `customers` and `people`). Nothing here
//! filters or groups records on its own.

use carekpi_domain::RecordKind;
use carekpi_domain::records::vocab::SurveyKind;
use jiff::Timestamp;
use rayon::prelude::*;

use super::customers::{Scratch, customer_cells, gap_runs};
use super::{
    Anchor, Cells, Ctx, Opts, Table, cases, check, contacts, customers, people, work_time,
};
use crate::drill::{DrillDown, DrillRecord, DrillResult, MAX_LIMIT, SubsetTotal};
use crate::engine::Engine;
use crate::query::{Dimension, QueryError};
use crate::time::ts;
use crate::util::{FxMap, NO_TIME, NONE};

/// One item: a record (its kind and the row of its table), the instant it counts at (NO_TIME:
/// none), and the sets it is in: [`ALL`] (behind the figure) and `sub(i)` (the metric's subset i).
#[derive(Clone, Copy, Debug)]
struct Item {
    kind: RecordKind,
    row: u32,
    at: i64,
    sets: u32,
}

/// The items behind the figure.
const ALL: u32 = 1;

/// Subset `i` of the metric's catalogue entry.
const fn sub(i: usize) -> u32 {
    2 << i
}

/// Behind the figure, and in subset `i`.
const fn all_and(i: usize) -> u32 {
    ALL | sub(i)
}

/// Subset 0 when `yes`, else subset 1 (met / breached, satisfied / unsatisfied …), and
/// behind the figure.
fn split(yes: bool) -> u32 {
    all_and(usize::from(!yes))
}

/// `set` when `yes`, else no set.
fn when(yes: bool, set: u32) -> u32 {
    if yes { set } else { 0 }
}

/// Calls `f(row)` for the rows of `cells` in cell `target`.
#[inline]
fn rows_in(cells: &Cells, target: usize, mut f: impl FnMut(usize)) {
    cells.each(|r, cell| {
        if cell == target {
            f(r);
        }
    });
}

/// The items of metric `o` in cell `target`.
fn collect(ctx: &Ctx, o: &Opts, target: usize) -> Vec<Item> {
    use RecordKind as K;
    let e = ctx.e;
    let (c, k) = (&e.cases, &e.contacts);
    let nb = ctx.nb;
    let (gid, bucket) = ((target / nb) as u32, target % nb);
    let contact = |r: usize| if k.is_chat[r] { K::Chat } else { K::Call };
    let mut out: Vec<Item> = Vec::new();
    let mut push = |kind: RecordKind, row: usize, at: i64, sets: u32| {
        out.push(Item {
            kind,
            row: row as u32,
            at,
            sets,
        });
    };
    let on = |a: Anchor, f: &mut dyn FnMut(usize)| rows_in(ctx.cells(a), target, f);
    // Whether row `r` of a table is in the target's group.
    let in_group = |t: Table, r: usize| {
        let mut here = false;
        ctx.table(t).each(r, |g| here |= g == gid);
        here
    };
    let id = o.metric.id;
    match id {
        // ---------------------------------------------------------------- surveys and voice
        "nps" => {
            let s = &e.surveys;
            customers::survey_cells(ctx, SurveyKind::Nps, |r, cell| {
                if cell == target {
                    push(
                        K::Survey,
                        r,
                        s.at[r],
                        all_and(customers::nps_class(s.score[r])),
                    );
                }
            });
        }
        "csat" | "csat_mean" | "ces" | "ces_easy_pct" => {
            let s = &e.surveys;
            let kind = if id.starts_with("csat") {
                SurveyKind::Csat
            } else {
                SurveyKind::Ces
            };
            customers::survey_cells(ctx, kind, |r, cell| {
                if cell == target {
                    push(K::Survey, r, s.at[r], split(s.good[r]));
                }
            });
        }
        "iqs" => {
            let q = &e.qa;
            on(Anchor::QaAt, &mut |r| {
                if customers::scored(q, r) {
                    push(K::QaReview, r, q.at[r], ALL);
                }
            });
        }
        "servqual_gap" => {
            let s = &e.servqual;
            let only = customers::servqual_only(o);
            on(Anchor::ServqualAt, &mut |r| {
                if only.is_none_or(|d| d == s.dimension[r]) {
                    push(K::Servqual, r, s.at[r], ALL);
                }
            });
        }
        "positive_feedback" | "positive_feedback_rate" => {
            let f = &e.feedback;
            let rate = id == "positive_feedback_rate";
            on(Anchor::FeedbackAt, &mut |r| {
                if rate {
                    push(K::Feedback, r, f.at[r], split(f.positive[r]));
                } else if f.positive[r] {
                    push(K::Feedback, r, f.at[r], ALL);
                }
            });
        }
        "positive_review_rate" => {
            let t = &e.reviews;
            on(Anchor::ReviewAt, &mut |r| {
                let positive = customers::positive_review(t.rating[r]);
                push(K::PlatformReview, r, t.at[r], split(positive));
            });
        }
        "engagement" => {
            let t = &e.engagement;
            let only = customers::engagement_activity(ctx, o);
            on(Anchor::EngagementAt, &mut |r| {
                if only.is_none_or(|a| a == t.activity[r]) {
                    push(K::Engagement, r, t.at[r], ALL);
                }
            });
        }
        // ---------------------------------------------------------------- the customer base
        "churn_rate" | "retention_rate" => {
            let cu = &e.customers;
            let (starts, ends) = (&ctx.b.starts[..nb], &ctx.b.starts[1..]);
            let holds = |(a, b): (usize, usize)| a <= bucket && bucket < b;
            let churn = id == "churn_rate";
            for r in 0..ctx.table(Table::Customers).first.len() {
                if !in_group(Table::Customers, r) {
                    continue;
                }
                let [at_start, at_end, _] =
                    customers::base_ranges(starts, ends, cu.created[r], cu.ended[r]);
                let (at_start, at_end) = (holds(at_start), holds(at_end));
                let sets = if churn {
                    when(at_start, ALL)
                } else {
                    when(at_start, ALL) | when(at_end, sub(0)) | when(at_start && !at_end, sub(2))
                };
                if sets != 0 {
                    push(K::Customer, r, NO_TIME, sets);
                }
            }
            if churn {
                on(Anchor::CustomerEnded, &mut |r| {
                    push(K::Customer, r, cu.ended[r], sub(0))
                });
            } else {
                on(Anchor::CustomerCreated, &mut |r| {
                    push(K::Customer, r, cu.created[r], sub(1))
                });
            }
        }
        "referral_rate" => {
            let cu = &e.customers;
            on(Anchor::CustomerCreated, &mut |r| {
                let sets = ALL | when(cu.referral[r], sub(0));
                push(K::Customer, r, cu.created[r], sets);
            });
        }
        "clv" => {
            let t = &e.orders;
            let currency = customers::clv_currency(e);
            on(Anchor::OrderAt, &mut |r| {
                if currency.is_none_or(|x| x == t.currency[r]) {
                    push(K::Order, r, t.at[r], ALL);
                }
            });
        }
        "returning_customers" | "complaint_ratio" | "avg_time_between_interactions" => {
            let acts = ctx.activities.as_ref().expect("activities prepared");
            let found: Vec<u32> = (0..acts.customers())
                .into_par_iter()
                .map_init(Scratch::default, |scratch, cu| {
                    customer_cells(ctx, acts, cu, scratch);
                    let (returning, served, _, contacts) = scratch;
                    let hit = match id {
                        "returning_customers" => returning.contains(&target),
                        "complaint_ratio" => served.contains(&target),
                        _ => {
                            let mut hit = false;
                            gap_runs(contacts, |cell, _| hit |= cell == target);
                            hit
                        }
                    };
                    hit.then_some(cu as u32)
                })
                .flatten()
                .collect();
            for cu in found {
                push(K::Customer, cu as usize, NO_TIME, ALL);
            }
            if id == "complaint_ratio" {
                on(Anchor::CaseCreated, &mut |r| {
                    if cases::complaint(c, r) {
                        push(K::Case, r, c.created[r], sub(0));
                    }
                });
            }
        }
        // ---------------------------------------------------------------- cases
        "open_cases" | "backlog" => {
            let snaps = cases::snapshots(ctx);
            let g = ctx.table(Table::Cases);
            let age = (id == "backlog").then(|| cases::backlog_age(ctx, o));
            let want = if age.is_some() {
                cases::unsolved
            } else {
                cases::open_status
            };
            if bucket < snaps.len() {
                for r in 0..g.first.len() {
                    if g.first[r] == NONE || !in_group(Table::Cases, r) {
                        continue;
                    }
                    let mut hit = false;
                    let from = cases::snapshot_row(e, r, &snaps, want, age, |s| {
                        hit |= s == bucket;
                    });
                    if hit || bucket >= from {
                        push(K::Case, r, c.created[r], ALL);
                    }
                }
            }
        }
        "request_volume" | "contact_volume_by_channel" => {
            let by_channel = id == "contact_volume_by_channel";
            let sets = |channel: u8| {
                if by_channel {
                    all_and(usize::from(channel))
                } else {
                    ALL
                }
            };
            on(Anchor::CaseCreated, &mut |r| {
                push(K::Case, r, c.created[r], sets(c.channel[r]));
            });
            on(Anchor::ContactArrived, &mut |r| {
                if cases::standalone(e, r) {
                    push(contact(r), r, k.arrived[r], sets(k.channel[r]));
                }
            });
        }
        "resolution_rate" => {
            let end = ctx.b.end(bucket);
            on(Anchor::CaseAssigned, &mut |r| {
                let solved = cases::solved_since(e, r, c.assigned_at[r], end);
                push(K::Case, r, c.assigned_at[r], split(solved));
            });
        }
        "frt" => {
            let h = o.hours();
            on(Anchor::CaseCreated, &mut |r| {
                if !c.frt[h][r].is_nan() {
                    push(K::Case, r, c.created[r], ALL);
                }
            });
        }
        "avg_response_time" => {
            let w = ctx.waits.as_ref().expect("waits prepared");
            on(Anchor::CaseExchange, &mut |i| {
                push(K::Case, w.case_row[i] as usize, w.case_at[i], ALL);
            });
            if o.get("contacts") != Some("exclude") {
                on(Anchor::ChatExchange, &mut |i| {
                    let r = w.chat_row[i] as usize;
                    push(contact(r), r, w.chat_at[i], ALL);
                });
                on(Anchor::ContactAnswered, &mut |r| {
                    push(contact(r), r, k.answered[r], ALL);
                });
            }
        }
        "resolution_time"
        | "first_resolution_time"
        | "requester_wait_time"
        | "agent_wait_time"
        | "on_hold_time" => {
            on(Anchor::CaseSolved, &mut |r| {
                push(K::Case, r, c.last_solve[r], ALL);
            });
        }
        "reopen_rate" => {
            on(Anchor::CaseSolved, &mut |r| {
                push(K::Case, r, c.last_solve[r], split(c.reopened[r]));
            });
        }
        "touches" => {
            on(Anchor::CaseSolved, &mut |r| {
                let bucket = cases::touch_bucket(c.touches[r]);
                push(K::Case, r, c.last_solve[r], all_and(bucket));
            });
        }
        "fcr" => {
            let scope = o.get("scope").unwrap_or("cases");
            if scope != "contacts" {
                let repeated = ctx.repeat_flags.as_ref().expect("repeat flags prepared");
                on(Anchor::CaseSolved, &mut |r| {
                    let fcr = cases::fcr_case(c, repeated, r);
                    push(K::Case, r, c.last_solve[r], split(fcr));
                });
            }
            if scope != "cases" {
                on(Anchor::ContactArrived, &mut |r| {
                    if let Some(fcr) = contacts::fcr_contact(k, r) {
                        push(contact(r), r, k.arrived[r], split(fcr));
                    }
                });
            }
        }
        "complaint_resolution_rate" => {
            on(Anchor::CaseCreated, &mut |r| {
                if cases::complaint(c, r) {
                    push(K::Case, r, c.created[r], ALL);
                }
            });
            on(Anchor::CaseSolved, &mut |r| {
                if cases::complaint_resolved(c, r) {
                    push(K::Case, r, c.last_solve[r], sub(0));
                }
            });
        }
        "sla_compliance" => {
            on(Anchor::CaseSlaDue, &mut |r| {
                let s = &c.sla[r];
                if let Some(met) = s.met_at(ctx.now) {
                    push(K::Case, r, s.due, split(met));
                }
            });
        }
        // ---------------------------------------------------------------- calls and chats
        "service_level" => {
            let rule = contacts::ServiceLevel::new(ctx, o);
            on(Anchor::ContactArrived, &mut |r| {
                if let Some(within) = rule.class(k, r) {
                    push(contact(r), r, k.arrived[r], split(within));
                }
            });
        }
        "abandonment_rate" => {
            let rule = contacts::Abandonment::new(ctx, o);
            on(Anchor::ContactArrived, &mut |r| {
                if let Some(abandoned) = rule.class(k, r) {
                    push(contact(r), r, k.arrived[r], split(abandoned));
                }
            });
        }
        "asa" => {
            let h = o.hours();
            on(Anchor::ContactArrived, &mut |r| {
                if contacts::answered_wait(k, h, r).is_some() {
                    push(contact(r), r, k.arrived[r], ALL);
                }
            });
        }
        "blockage" => {
            on(Anchor::ContactArrived, &mut |r| {
                if let Some(blocked) = contacts::blockage_class(k, r) {
                    push(K::Call, r, k.arrived[r], split(blocked));
                }
            });
        }
        "aht" => {
            on(Anchor::ContactArrived, &mut |r| {
                if contacts::handled(k, r) {
                    push(contact(r), r, k.arrived[r], ALL);
                }
            });
        }
        // ---------------------------------------------------------------- agents
        "daily_completion_rate" => {
            let f = ctx.work.as_ref().expect("work");
            let mut seen: FxMap<(u32, i32), ()> = FxMap::default();
            on(Anchor::AssignDay, &mut |i| {
                let (agent, day) = (f.assign_agent[i], f.assign_day[i]);
                if seen.insert((agent, day), ()).is_none() {
                    push(K::Agent, agent as usize, ctx.day_start(day), ALL);
                }
            });
        }
        "transactions_per_day" => {
            let f = ctx.work.as_ref().expect("work");
            on(Anchor::ReplyAt, &mut |i| {
                push(K::Case, f.reply_case[i] as usize, f.reply_at[i], ALL);
            });
            on(Anchor::WorkAt, &mut |r| {
                push(contact(r), r, work_time(k, r), ALL);
            });
        }
        "occupancy" => {
            people::occupancy_grid(ctx).each(|cell, agent, (logged, _)| {
                if cell == target && people::occupied(logged) {
                    push(K::Agent, agent as usize, NO_TIME, ALL);
                }
            });
        }
        "agent_turnover" => {
            let a = &e.agents;
            on(Anchor::AgentLeft, &mut |r| {
                push(K::Agent, r, a.left[r], ALL)
            });
        }
        other => unreachable!("catalogue metric `{other}` has no drill-down"),
    }
    out
}

impl Ctx<'_> {
    /// The bucket of the time keys (`keys` are in `group_by` order).
    fn bucket_of(
        &self,
        group_by: &[Dimension],
        keys: &[Option<String>],
    ) -> Result<usize, QueryError> {
        let wanted: Vec<(Dimension, &str)> = group_by
            .iter()
            .zip(keys)
            .filter(|(d, _)| d.is_time())
            .map(|(d, k)| {
                k.as_deref()
                    .map(|k| (*d, k))
                    .ok_or_else(|| QueryError::BadCell(format!("the `{d}` key cannot be null")))
            })
            .collect::<Result<_, _>>()?;
        (0..self.nb)
            .find(|&b| {
                wanted
                    .iter()
                    .enumerate()
                    .all(|(ti, (_, k))| self.b.labels[ti][b] == *k)
            })
            .ok_or_else(|| {
                let named: Vec<String> = wanted.iter().map(|(d, k)| format!("{d} `{k}`")).collect();
                QueryError::BadCell(format!(
                    "no bucket of the period is {}",
                    named.join(" and ")
                ))
            })
    }

    /// The group of the static keys, if any record has it.
    fn group_of(&self, group_by: &[Dimension], keys: &[Option<String>]) -> Option<u32> {
        let wanted: Vec<&Option<String>> = group_by
            .iter()
            .zip(keys)
            .filter(|(d, _)| !d.is_time())
            .map(|(_, k)| k)
            .collect();
        (0..self.groups.keys.len() as u32).find(|&g| {
            wanted
                .iter()
                .enumerate()
                .all(|(i, k)| self.label(g, i) == **k)
        })
    }
}

/// Record ids by row.
struct Ids<'e> {
    e: &'e Engine,
    /// Contact row → (is a chat, index of its call or chat id).
    contacts: Vec<(bool, u32)>,
}

impl<'e> Ids<'e> {
    fn new(e: &'e Engine, items: &[Item]) -> Ids<'e> {
        let mut contacts = Vec::new();
        if items
            .iter()
            .any(|i| matches!(i.kind, RecordKind::Call | RecordKind::Chat))
        {
            contacts = vec![(false, NONE); e.contacts.len()];
            for (i, &row) in e.call_rows.iter().enumerate() {
                contacts[row as usize] = (false, i as u32);
            }
            for (i, &row) in e.chat_rows.iter().enumerate() {
                contacts[row as usize] = (true, i as u32);
            }
        }
        Ids { e, contacts }
    }

    fn of(&self, kind: RecordKind, row: u32) -> &'e str {
        let e = self.e;
        match kind {
            RecordKind::Case => e.case_ids.name(row),
            RecordKind::Customer => e.customer_ids.name(row),
            RecordKind::Agent => e.agent_ids.name(row),
            RecordKind::Team => e.team_ids.name(row),
            RecordKind::Call | RecordKind::Chat => {
                let (chat, i) = self.contacts[row as usize];
                if chat {
                    e.chat_ids.name(i)
                } else {
                    e.call_ids.name(i)
                }
            }
            other => e.row_ids[&other].name(row),
        }
    }
}

impl Engine {
    /// The records behind one figure: the items the metric counts in the cell of
    /// `request.keys` (exactly the figure's `n` of them), each subset's size, and one page in the
    /// order of [`crate::drill`] (by instant, then record kind, then id). `now` is the query's.
    ///
    /// ```
    /// # use carekpi_engine::{DrillDown, Dimension, Engine, EngineConfig, MetricQuery, MetricSpec};
    /// # let engine = Engine::new(EngineConfig::default()).unwrap();
    /// let (from, to) = engine
    ///     .local_period(jiff::civil::date(2026, 1, 1), jiff::civil::date(2026, 4, 1))
    ///     .unwrap();
    /// let query = MetricQuery::new(vec![MetricSpec::new("sla_compliance")], from, to)
    ///     .group_by([Dimension::Team, Dimension::Week]);
    /// let keys = vec![Some("hcm-support".to_string()), Some("2026-W12".to_string())];
    /// let breached = engine
    ///     .drill_down(
    ///         &DrillDown::new(&query, MetricSpec::new("sla_compliance"), keys)
    ///             .subset("breached")
    ///             .page(0, 50),
    ///         to,
    ///     )
    ///     .unwrap();
    /// // No such team here: nothing behind the figure.
    /// assert_eq!((breached.n, breached.total, breached.records.len()), (0, 0, 0));
    /// ```
    pub fn drill_down(
        &self,
        request: &DrillDown,
        now: Timestamp,
    ) -> Result<DrillResult, QueryError> {
        let spec = &request.metric;
        let metric = check(spec)?;
        let subset = request
            .subset
            .as_deref()
            .map(|name| {
                metric
                    .subset(name)
                    .ok_or_else(|| QueryError::UnknownSubset {
                        metric: spec.id.clone(),
                        subset: name.to_string(),
                        allowed: metric
                            .drill
                            .subsets
                            .iter()
                            .map(|s| s.name.to_string())
                            .collect(),
                    })
            })
            .transpose()?;
        if request.limit > MAX_LIMIT {
            return Err(QueryError::PageTooLarge {
                limit: request.limit,
                max: MAX_LIMIT,
            });
        }
        if request.keys.len() != request.group_by.len() {
            return Err(QueryError::BadCell(format!(
                "{} key(s) for {} group-by dimension(s); give one key per dimension, as in the \
                 result's rows",
                request.keys.len(),
                request.group_by.len()
            )));
        }
        let query = request.query();
        let mut ctx = Ctx::new(self, &query, now)?;
        ctx.prepare_columns(&[metric]);
        let bucket = ctx.bucket_of(&request.group_by, &request.keys)?;
        let items = match ctx.group_of(&request.group_by, &request.keys) {
            Some(g) => collect(&ctx, &Opts { metric, spec }, g as usize * ctx.nb + bucket),
            None => Vec::new(),
        };
        let count = |bit: u32| items.iter().filter(|i| i.sets & bit != 0).count() as u64;
        let subsets = metric
            .drill
            .subsets
            .iter()
            .enumerate()
            .map(|(i, s)| SubsetTotal {
                name: s.name,
                total: count(sub(i)),
            })
            .collect();
        let bit = subset.map_or(ALL, sub);
        let mut listed: Vec<Item> = items
            .iter()
            .copied()
            .filter(|i| i.sets & bit != 0)
            .collect();
        let total = listed.len();
        let ids = Ids::new(self, &listed);
        let key = |i: &Item| (i.at == NO_TIME, i.at, i.kind);
        let order = |a: &Item, b: &Item| {
            key(a)
                .cmp(&key(b))
                .then_with(|| ids.of(a.kind, a.row).cmp(ids.of(b.kind, b.row)))
        };
        // Only the page is sorted: the items before its end are selected, then those after its
        // start.
        let (start, end) = (
            request.offset.min(total),
            request.offset.saturating_add(request.limit).min(total),
        );
        if end < listed.len() && end > start {
            listed.select_nth_unstable_by(end, order);
        }
        listed.truncate(end);
        if start > 0 && start < end {
            listed.select_nth_unstable_by(start, order);
        }
        let mut page = listed.split_off(start);
        page.sort_by(order);
        let records = page
            .iter()
            .map(|i| DrillRecord {
                kind: i.kind,
                id: ids.of(i.kind, i.row).to_string(),
                at: (i.at != NO_TIME).then(|| ts(i.at)),
            })
            .collect();
        Ok(DrillResult {
            metric: spec.clone(),
            keys: request.keys.clone(),
            start: ts(ctx.b.starts[bucket]),
            end: ts(ctx.b.end(bucket)),
            subset: request.subset.clone(),
            n: count(ALL),
            subsets,
            total: total as u64,
            offset: request.offset,
            limit: request.limit,
            records,
        })
    }
}
