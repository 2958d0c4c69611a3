//! Query evaluation: filters and groups resolved once per table, then one scan of the columns per
//! metric into per-cell accumulators (a cell is a group × a time bucket).

mod cases;
mod contacts;
mod customers;
mod drill;
mod flat;
mod people;
#[cfg(test)]
pub(crate) mod testkit;
#[cfg(test)]
mod tests;
#[cfg(test)]
mod tests_cases;
#[cfg(test)]
mod tests_contacts;
#[cfg(test)]
mod tests_customers;
#[cfg(test)]
mod tests_drill;
#[cfg(test)]
mod tests_edge;
#[cfg(test)]
mod tests_people;

pub(crate) use customers::{ActCells, Activities, CustomerPass};
pub(crate) use flat::{PresenceDays, Waits, Work};

use std::collections::BTreeMap;
use std::sync::Arc;

use carekpi_domain::records::vocab::{CaseType, Channel, Outcome, Priority};
use jiff::Timestamp;
use rayon::prelude::*;

use crate::catalogue::{self, Kind, Metric};
use crate::engine::Engine;
use crate::query::{Dimension, MetricQuery, MetricSpec, MetricValue, QueryError, QueryResult, Row};
use crate::tables::{BUS, CAL};
use crate::time::{Buckets, LocalDays, Unit, ms, ts};
use crate::util::{FxMap, NEVER, NO_TIME, NO_U8, NONE};

/// A metric's values per cell (cells beyond `values` hold `empty`).
pub(crate) struct Column {
    pub values: Vec<MetricValue>,
    pub empty: MetricValue,
}

impl Column {
    fn get(&self, cell: usize) -> &MetricValue {
        self.values.get(cell).unwrap_or(&self.empty)
    }
}

/// A metric's options, checked against the catalogue.
pub(crate) struct Opts<'a> {
    pub metric: &'static Metric,
    pub spec: &'a MetricSpec,
}

impl Opts<'_> {
    pub fn get(&self, key: &str) -> Option<&str> {
        self.spec.options.get(key).map(String::as_str)
    }

    /// `hours`: the business (default) or calendar variant, as a column index.
    pub fn hours(&self) -> usize {
        match self.get("hours") {
            Some("calendar") => CAL,
            _ => BUS,
        }
    }

    /// A numeric option (checked ≥ 0 when the query was validated).
    pub fn number(&self, key: &str) -> Option<f64> {
        self.get(key).and_then(|v| v.parse().ok())
    }
}

/// The values a record has for each dimension (NONE / NO_U8 when it has none).
#[derive(Clone, Copy, Debug)]
pub(crate) struct Dims<'a> {
    pub agent: u32,
    pub team: u32,
    pub channel: u8,
    pub priority: u8,
    pub ctype: u8,
    pub segment: u32,
    pub tags: &'a [u32],
    /// An agent-level record (an agent, a presence interval): the case-level filters (channel,
    /// priority, type, tag, segment) do not apply to it.
    pub agent_level: bool,
}

impl Dims<'_> {
    pub const EMPTY: Dims<'static> = Dims {
        agent: NONE,
        team: NONE,
        channel: NO_U8,
        priority: NO_U8,
        ctype: NO_U8,
        segment: NONE,
        tags: &[],
        agent_level: false,
    };
}

/// The filters of a query as lookups on interned ids.
#[derive(Default)]
struct Filt {
    agent: Option<Vec<bool>>,
    /// Teams selected, or below a selected team.
    team: Option<Vec<bool>>,
    channel: Option<u32>,
    priority: Option<u32>,
    ctype: Option<u32>,
    tag: Option<Vec<bool>>,
    segment: Option<Vec<bool>>,
}

fn select(
    set: &std::collections::BTreeSet<String>,
    lookup: impl Fn(&str) -> Option<u32>,
    n: usize,
) -> Option<Vec<bool>> {
    if set.is_empty() {
        return None;
    }
    let mut v = vec![false; n];
    for s in set {
        if let Some(i) = lookup(s) {
            v[i as usize] = true;
        }
    }
    Some(v)
}

fn mask<T: Copy>(set: &std::collections::BTreeSet<T>, index: impl Fn(T) -> u8) -> Option<u32> {
    (!set.is_empty()).then(|| set.iter().fold(0u32, |m, &x| m | 1 << index(x)))
}

impl Filt {
    fn new(e: &Engine, q: &MetricQuery) -> Filt {
        let f = &q.filters;
        let team = select(&f.team, |s| e.team_ids.get(s), e.team_ids.len()).map(|direct| {
            // A team is selected when it or one of its parents is.
            (0..direct.len())
                .map(|t| {
                    let mut cur = t as u32;
                    for _ in 0..64 {
                        if cur == NONE {
                            return false;
                        }
                        if direct[cur as usize] {
                            return true;
                        }
                        cur = e.teams.parent[cur as usize];
                    }
                    false
                })
                .collect()
        });
        Filt {
            agent: select(&f.agent, |s| e.agent_ids.get(s), e.agent_ids.len()),
            team,
            channel: mask(&f.channel, |c: Channel| c as u8),
            priority: mask(&f.priority, |c: Priority| c as u8),
            ctype: mask(&f.case_type, |c: CaseType| c as u8),
            tag: select(&f.tag, |s| e.tag_ids.get(s), e.tag_ids.len()),
            segment: select(&f.segment, |s| e.segment_ids.get(s), e.segment_ids.len()),
        }
    }

    #[inline]
    fn pass(&self, d: &Dims) -> bool {
        fn ids(sel: &Option<Vec<bool>>, v: u32) -> bool {
            match sel {
                None => true,
                Some(s) => v != NONE && s[v as usize],
            }
        }
        fn bits(sel: Option<u32>, v: u8) -> bool {
            match sel {
                None => true,
                Some(m) => v != NO_U8 && m & (1 << v) != 0,
            }
        }
        if !(ids(&self.agent, d.agent) && ids(&self.team, d.team)) {
            return false;
        }
        if d.agent_level {
            return true;
        }
        bits(self.channel, d.channel)
            && bits(self.priority, d.priority)
            && bits(self.ctype, d.ctype)
            && ids(&self.segment, d.segment)
            && match &self.tag {
                None => true,
                Some(s) => d.tags.iter().any(|&t| s[t as usize]),
            }
    }
}

/// Group ids of the rows of one table (NONE: filtered out). A row with several tags, grouped by
/// tag, is in several groups: the first in `first`, the others in `extra`.
pub(crate) struct RowGroups {
    pub first: Vec<u32>,
    extra: FxMap<u32, Vec<u32>>,
}

impl RowGroups {
    #[inline]
    pub fn each(&self, row: usize, mut f: impl FnMut(u32)) {
        let g = self.first[row];
        if g == NONE {
            return;
        }
        f(g);
        if !self.extra.is_empty()
            && let Some(more) = self.extra.get(&(row as u32))
        {
            for &g in more {
                f(g);
            }
        }
    }
}

/// Dense ids for group keys (a key is a mixed-radix number over the static dimensions).
#[derive(Clone)]
struct GroupMap {
    dense: Vec<u32>,
    sparse: FxMap<u64, u32>,
    keys: Vec<u64>,
}

impl GroupMap {
    #[inline]
    fn id(&mut self, key: u64) -> u32 {
        if !self.dense.is_empty() {
            let slot = &mut self.dense[key as usize];
            if *slot == NONE {
                *slot = self.keys.len() as u32;
                self.keys.push(key);
            }
            return *slot;
        }
        let next = self.keys.len() as u32;
        let id = *self.sparse.entry(key).or_insert(next);
        if id == next {
            self.keys.push(key);
        }
        id
    }
}

/// Record tables that have group columns. `Replies`, `Assigns`, `Work` and `Presence` are work
/// done by an agent, grouped by that agent (and the agent's team): the replies and agent-day
/// assignments of every case (in case order, see [`flat_replies`] and [`flat_assigns`]), the
/// answered calls and chats by their agent, and presence intervals.
#[derive(Clone, Copy, Debug, PartialEq, Eq, Hash)]
pub(crate) enum Table {
    Cases,
    Contacts,
    Surveys,
    Qa,
    Feedback,
    Servqual,
    Reviews,
    Engagement,
    Orders,
    Customers,
    Agents,
    Replies,
    Assigns,
    Work,
    Presence,
    /// Logged-in seconds per agent-day ([`PresenceDays`]).
    PresenceDays,
}

/// The instant a record counts at, for one use: each gives a cell column
/// ([`Ctx::cells`]).
#[derive(Clone, Copy, Debug, PartialEq, Eq, Hash)]
pub(crate) enum Anchor {
    CaseCreated,
    /// The last solve, when the case is still solved at the end of that bucket.
    CaseSolved,
    CaseAssigned,
    CaseSlaDue,
    ContactArrived,
    SurveyAt,
    QaAt,
    FeedbackAt,
    ReviewAt,
    EngagementAt,
    OrderAt,
    ServqualAt,
    CustomerCreated,
    CustomerEnded,
    AgentLeft,
    ReplyAt,
    /// The start of the agent-day.
    AssignDay,
    /// A call's answer, a chat's end (else its answer).
    WorkAt,
    /// A case exchange's reply ([`Waits`]).
    CaseExchange,
    /// A chat exchange's reply ([`Waits`]).
    ChatExchange,
    /// The answer of a call or chat whose wait is its response time (no chat exchanges).
    ContactAnswered,
    /// The start of an agent-day with logged-in time.
    PresenceDay,
}

impl Anchor {
    fn table(self) -> Table {
        match self {
            Anchor::CaseCreated
            | Anchor::CaseSolved
            | Anchor::CaseAssigned
            | Anchor::CaseSlaDue => Table::Cases,
            Anchor::ContactArrived => Table::Contacts,
            Anchor::SurveyAt => Table::Surveys,
            Anchor::QaAt => Table::Qa,
            Anchor::FeedbackAt => Table::Feedback,
            Anchor::ReviewAt => Table::Reviews,
            Anchor::EngagementAt => Table::Engagement,
            Anchor::OrderAt => Table::Orders,
            Anchor::ServqualAt => Table::Servqual,
            Anchor::CustomerCreated | Anchor::CustomerEnded => Table::Customers,
            Anchor::AgentLeft => Table::Agents,
            Anchor::ReplyAt => Table::Replies,
            Anchor::AssignDay => Table::Assigns,
            Anchor::WorkAt => Table::Work,
            Anchor::CaseExchange => Table::Cases,
            Anchor::ChatExchange | Anchor::ContactAnswered => Table::Contacts,
            Anchor::PresenceDay => Table::PresenceDays,
        }
    }
}

/// What a metric reads: group columns of tables, cell columns of anchors.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
enum Need {
    T(Table),
    A(Anchor),
    /// Per-customer activities ([`Activities`]).
    Acts,
    /// FCR's repeat flags.
    Repeats,
    /// Logged-in time: per agent-day when the period starts and ends at local midnights, else
    /// the presence intervals themselves.
    Presence,
}

/// The columns each metric reads (prepared before any metric runs, so metrics run in parallel
/// on a fixed set of cells).
fn needs(id: &str) -> &'static [Need] {
    use Anchor::*;
    use Need::{A, T};
    const BASE: &[Need] = &[T(Table::Customers), A(CustomerCreated), A(CustomerEnded)];
    match id {
        "nps" | "csat" | "csat_mean" | "ces" | "ces_easy_pct" => &[A(SurveyAt)],
        "iqs" => &[A(QaAt)],
        "engagement" => &[
            A(EngagementAt),
            T(Table::Customers),
            A(CustomerCreated),
            A(CustomerEnded),
        ],
        "churn_rate" | "retention_rate" | "referral_rate" => BASE,
        "clv" => &[
            A(CaseCreated),
            A(ContactArrived),
            A(OrderAt),
            T(Table::Customers),
            A(CustomerCreated),
            A(CustomerEnded),
            Need::Acts,
        ],
        "returning_customers" => &[A(CaseCreated), A(ContactArrived), A(OrderAt), Need::Acts],
        "servqual_gap" => &[A(ServqualAt)],
        "positive_feedback" | "positive_feedback_rate" => &[A(FeedbackAt)],
        "positive_review_rate" => &[A(ReviewAt)],
        "complaint_ratio" | "avg_time_between_interactions" => {
            &[A(CaseCreated), A(ContactArrived), A(OrderAt), Need::Acts]
        }
        "request_volume" | "contact_volume_by_channel" => &[A(CaseCreated), A(ContactArrived)],
        "open_cases" | "backlog" => &[T(Table::Cases)],
        "resolution_rate" => &[A(CaseAssigned)],
        "frt" => &[A(CaseCreated)],
        "avg_response_time" => &[A(CaseExchange), A(ChatExchange), A(ContactAnswered)],
        "resolution_time"
        | "first_resolution_time"
        | "requester_wait_time"
        | "agent_wait_time"
        | "on_hold_time"
        | "reopen_rate"
        | "touches" => &[A(CaseSolved)],
        "fcr" => &[A(CaseSolved), A(ContactArrived), Need::Repeats],
        "complaint_resolution_rate" => &[A(CaseCreated), A(CaseSolved)],
        "sla_compliance" => &[A(CaseSlaDue)],
        "service_level" | "abandonment_rate" | "asa" | "aht" | "blockage" => &[A(ContactArrived)],
        "daily_completion_rate" => &[A(AssignDay)],
        "transactions_per_day" => &[A(ReplyAt), A(WorkAt), Need::Presence],
        "occupancy" => &[A(WorkAt), Need::Presence],
        "agent_turnover" => &[A(AgentLeft)],
        _ => &[],
    }
}

/// The cell of each row for one anchor (NONE: outside the period or filtered out), plus
/// `(row, cell)` pairs for rows in more than one group (grouped by tag).
pub(crate) struct Cells {
    pub main: Vec<u32>,
    pub extra: Vec<(u32, u32)>,
}

impl Cells {
    #[inline]
    pub fn each(&self, mut f: impl FnMut(usize, usize)) {
        for (row, &cell) in self.main.iter().enumerate() {
            if cell != NONE {
                f(row, cell as usize);
            }
        }
        for &(row, cell) in &self.extra {
            f(row as usize, cell as usize);
        }
    }
}

/// The shape of a query that its group and cell columns depend on (with the data's version).
#[derive(Clone, Debug, PartialEq)]
pub(crate) struct ShapeKey {
    generation: u64,
    dims: Vec<Dimension>,
    filters: crate::query::Filters,
    starts: Vec<i64>,
}

/// Group and cell columns prepared for a query shape, kept for the next query of that shape.
#[derive(Clone)]
pub(crate) struct Prepared {
    groups: GroupMap,
    tables: FxMap<Table, Arc<RowGroups>>,
    cells: FxMap<Anchor, Arc<Cells>>,
    act_cells: Option<Arc<ActCells>>,
    /// The customer pass over `act_cells` (and the buckets; nothing in it depends on `now`).
    customer_pass: Option<Arc<CustomerPass>>,
}

/// Query shapes kept.
const SHAPES: usize = 4;

/// Group keys of a table's rows, and (row, key) pairs for rows in more than one group.
type Keys = (Vec<u64>, Vec<(u32, u64)>);

/// No group key: the record is filtered out.
const NO_KEY: u64 = u64::MAX;

/// One query being evaluated.
pub(crate) struct Ctx<'e> {
    pub e: &'e Engine,
    pub now: i64,
    pub b: Buckets,
    pub nb: usize,
    /// Local days of the period (for agent-day metrics).
    pub days: Option<LocalDays>,
    static_dims: Vec<Dimension>,
    cards: Vec<u64>,
    strides: Vec<u64>,
    groups: GroupMap,
    filt: Filt,
    tables: FxMap<Table, Arc<RowGroups>>,
    cells: FxMap<Anchor, Arc<Cells>>,
    shape: ShapeKey,
    pub work: Option<Arc<Work>>,
    pub waits: Option<Arc<Waits>>,
    pub presence_days: Option<Arc<PresenceDays>>,
    /// The period starts and ends at local midnights (whole local days).
    pub aligned: bool,
    pub activities: Option<Arc<Activities>>,
    pub act_cells: Option<Arc<ActCells>>,
    pub customer_pass: Option<Arc<CustomerPass>>,
    pub repeat_flags: Option<Arc<Vec<bool>>>,
    /// Customer-base counts, shared by the metrics that read them.
    pub base: std::sync::OnceLock<customers::Base>,
}

impl<'e> Ctx<'e> {
    fn new(e: &'e Engine, q: &MetricQuery, now: Timestamp) -> Result<Ctx<'e>, QueryError> {
        let (from, to) = (ms(q.from), ms(q.to));
        if from >= to {
            return Err(QueryError::EmptyPeriod {
                from: q.from.to_string(),
                to: q.to.to_string(),
            });
        }
        let mut seen = Vec::new();
        for d in &q.group_by {
            if seen.contains(d) {
                return Err(QueryError::RepeatedDimension(*d));
            }
            seen.push(*d);
        }
        let units: Vec<Unit> = q.group_by.iter().filter_map(|d| Unit::of(*d)).collect();
        let b = Buckets::new(&e.compiled.tz, from, to, &units)?;
        let static_dims: Vec<Dimension> = q
            .group_by
            .iter()
            .copied()
            .filter(|d| !d.is_time())
            .collect();
        let cards: Vec<u64> = static_dims
            .iter()
            .map(|d| {
                1 + match d {
                    Dimension::Agent => e.agent_ids.len(),
                    Dimension::Team => e.team_ids.len(),
                    Dimension::Channel => Channel::ALL.len(),
                    Dimension::Priority => Priority::ALL.len(),
                    Dimension::Type => CaseType::ALL.len(),
                    Dimension::Tag => e.tag_ids.len(),
                    Dimension::Segment => e.segment_ids.len(),
                    _ => 0,
                } as u64
            })
            .collect();
        let mut strides = Vec::with_capacity(cards.len());
        let mut total: u64 = 1;
        for &c in &cards {
            strides.push(total);
            total = total
                .checked_mul(c)
                .filter(|t| *t < 1 << 62)
                .ok_or(QueryError::TooManyGroups)?;
        }
        let mut groups = GroupMap {
            dense: if total <= 1 << 20 {
                vec![NONE; total as usize]
            } else {
                Vec::new()
            },
            sparse: FxMap::default(),
            keys: Vec::new(),
        };
        if static_dims.is_empty() {
            groups.id(0);
        }
        let shape = ShapeKey {
            generation: e.generation,
            dims: static_dims.clone(),
            filters: q.filters.clone(),
            starts: b.starts.clone(),
        };
        Ok(Ctx {
            e,
            now: ms(now),
            nb: b.len(),
            b,
            days: None,
            static_dims,
            cards,
            strides,
            groups,
            filt: Filt::new(e, q),
            tables: FxMap::default(),
            cells: FxMap::default(),
            shape,
            work: None,
            waits: None,
            presence_days: None,
            aligned: [from, to].iter().all(|&t| {
                crate::time::start_of_local_day(
                    &e.compiled.tz,
                    crate::time::local_date(&e.compiled.tz, t),
                )
                .is_ok_and(|s| ms(s) == t)
            }),
            activities: None,
            act_cells: None,
            customer_pass: None,
            repeat_flags: None,
            base: std::sync::OnceLock::new(),
        })
    }

    /// Cells (groups × buckets); fixed once the columns are prepared.
    pub fn ncells(&self) -> usize {
        self.groups.keys.len() * self.nb
    }

    /// The group keys of a record (none when a filter leaves it out), into `out`.
    fn keys_of(&self, d: &Dims, out: &mut Vec<u64>) {
        out.clear();
        if !self.filt.pass(d) {
            return;
        }
        let mut key = 0u64;
        let mut tag_stride = None;
        for (i, dim) in self.static_dims.iter().enumerate() {
            let level = d.agent_level && !matches!(dim, Dimension::Agent | Dimension::Team);
            let v: u64 = match dim {
                _ if level => 0,
                Dimension::Agent => u64::from(d.agent.wrapping_add(1)),
                Dimension::Team => u64::from(d.team.wrapping_add(1)),
                Dimension::Channel => u64::from(d.channel.wrapping_add(1)),
                Dimension::Priority => u64::from(d.priority.wrapping_add(1)),
                Dimension::Type => u64::from(d.ctype.wrapping_add(1)),
                Dimension::Segment => u64::from(d.segment.wrapping_add(1)),
                Dimension::Tag => {
                    tag_stride = Some(self.strides[i]);
                    0
                }
                _ => 0,
            };
            debug_assert!(v < self.cards[i]);
            key += v * self.strides[i];
        }
        match tag_stride {
            None => out.push(key),
            Some(stride) => {
                for &t in d.tags {
                    if self.filt.tag.as_ref().is_none_or(|s| s[t as usize]) {
                        out.push(key + u64::from(t + 1) * stride);
                    }
                }
                if out.is_empty() {
                    out.push(key);
                }
            }
        }
    }

    /// Rows of a table.
    fn rows(&self, table: Table) -> usize {
        let e = self.e;
        match table {
            Table::Cases => e.cases.len(),
            Table::Contacts | Table::Work => e.contacts.len(),
            Table::Surveys => e.surveys.at.len(),
            Table::Qa => e.qa.at.len(),
            Table::Feedback => e.feedback.at.len(),
            Table::Servqual => e.servqual.at.len(),
            Table::Reviews => e.reviews.at.len(),
            Table::Engagement => e.engagement.at.len(),
            Table::Orders => e.orders.at.len(),
            Table::Customers => e.customers.exists.len(),
            Table::Agents => e.agents.exists.len(),
            Table::Presence => e.presence.from.len(),
            Table::Replies => self.work.as_ref().map_or(0, |f| f.reply_case.len()),
            Table::Assigns => self.work.as_ref().map_or(0, |f| f.assign_case.len()),
            Table::PresenceDays => self.presence_days.as_ref().map_or(0, |p| p.agent.len()),
        }
    }

    /// The group keys of every row of a table (NO_KEY: filtered out), computed in parallel,
    /// with (row, key) pairs for rows in more than one group.
    fn table_keys(&self, table: Table) -> Keys {
        let e = self.e;
        let chunk = |range: std::ops::Range<usize>,
                     dims: &(dyn Fn(usize) -> Option<Dims<'e>> + Sync)| {
            let mut keys = Vec::with_capacity(range.len());
            let mut extra = Vec::new();
            let mut out = Vec::new();
            for row in range {
                match dims(row) {
                    None => keys.push(NO_KEY),
                    Some(d) => {
                        self.keys_of(&d, &mut out);
                        keys.push(out.first().copied().unwrap_or(NO_KEY));
                        for &k in out.iter().skip(1) {
                            extra.push((row as u32, k));
                        }
                    }
                }
            }
            (keys, extra)
        };
        let parallel = |n: usize, dims: &(dyn Fn(usize) -> Option<Dims<'e>> + Sync)| {
            let step = 64 * 1024;
            let parts: Vec<Keys> = (0..n.div_ceil(step))
                .into_par_iter()
                .map(|i| chunk(i * step..((i + 1) * step).min(n), dims))
                .collect();
            let mut keys = Vec::with_capacity(n);
            let mut extra = Vec::new();
            for (k, x) in parts {
                keys.extend(k);
                extra.extend(x);
            }
            (keys, extra)
        };
        match table {
            Table::Replies | Table::Assigns => {
                let f = self.work.as_ref().expect("flattened work prepared");
                let (cases, agents) = if table == Table::Replies {
                    (&f.reply_case, &f.reply_agent)
                } else {
                    (&f.assign_case, &f.assign_agent)
                };
                parallel(cases.len(), &|i| {
                    let agent = agents[i];
                    (agent != NONE).then(|| by_agent(e, case_dims(e, cases[i]), agent))
                })
            }
            Table::Work => parallel(self.rows(table), &|r| {
                let k = &e.contacts;
                (k.exists[r] && k.outcome[r] == Outcome::Answered as u8 && k.agent[r] != NONE)
                    .then(|| by_agent(e, contact_dims(e, r as u32), k.agent[r]))
            }),
            Table::Presence => parallel(self.rows(table), &|r| {
                let p = &e.presence;
                (p.logged_in[r] && p.agent[r] != NONE).then(|| agent_dims(e, p.agent[r]))
            }),
            Table::PresenceDays => {
                let p = self.presence_days.as_ref().expect("presence days prepared");
                parallel(p.agent.len(), &|i| Some(agent_dims(e, p.agent[i])))
            }
            // Tables whose only dimension is the customer's segment, when the query neither
            // groups nor filters by segment: every row has the same key.
            Table::Servqual
            | Table::Engagement
            | Table::Orders
            | Table::Customers
            | Table::Reviews
                if !self.static_dims.contains(&Dimension::Segment)
                    && self.filt.segment.is_none() =>
            {
                let mut out = Vec::new();
                self.keys_of(&Dims::EMPTY, &mut out);
                let key = out.first().copied().unwrap_or(NO_KEY);
                let n = self.rows(table);
                let keys = if table == Table::Customers {
                    e.customers
                        .exists
                        .iter()
                        .map(|&x| if x { key } else { NO_KEY })
                        .collect()
                } else {
                    vec![key; n]
                };
                (keys, Vec::new())
            }
            _ => parallel(self.rows(table), &|r| dims(e, table, r)),
        }
    }

    /// Computes every column the metrics need: group columns (keys in parallel, ids in one
    /// pass), then cell columns (in parallel).
    fn prepare(&mut self, metrics: &[&'static Metric]) {
        self.prepare_columns(metrics);
        if self.activities.is_some() {
            // Reuse the pass of an earlier query of this shape when it covers every cell.
            let n = self.ncells();
            let reuse = self.customer_pass.take().filter(|p| p.returning.len() == n);
            let pass = match reuse {
                Some(p) => p,
                None => {
                    let p = Arc::new(CustomerPass::new(self));
                    let mut caches = self.e.caches.lock().expect("cache lock");
                    if let Some((_, prepared)) =
                        caches.shapes.iter_mut().find(|(k, _)| *k == self.shape)
                        && let (Some(a), Some(b)) = (&prepared.act_cells, &self.act_cells)
                        && Arc::ptr_eq(a, b)
                    {
                        prepared.customer_pass = Some(p.clone());
                    }
                    p
                }
            };
            self.customer_pass = Some(pass);
        }
    }

    fn prepare_columns(&mut self, metrics: &[&'static Metric]) {
        let e = self.e;
        let mut tables: Vec<Table> = Vec::new();
        let mut anchors: Vec<Anchor> = Vec::new();
        for m in metrics {
            for need in needs(m.id) {
                let (t, a) = match *need {
                    Need::T(t) => (t, None),
                    Need::A(a) => (a.table(), Some(a)),
                    Need::Acts => {
                        if self.activities.is_none() {
                            self.activities = Some(e.activities());
                        }
                        continue;
                    }
                    Need::Repeats => {
                        if self.repeat_flags.is_none() {
                            self.repeat_flags = Some(e.repeat_flags());
                        }
                        continue;
                    }
                    Need::Presence if self.aligned => {
                        (Table::PresenceDays, Some(Anchor::PresenceDay))
                    }
                    Need::Presence => (Table::Presence, None),
                };
                if !tables.contains(&t) {
                    tables.push(t);
                }
                if let Some(a) = a
                    && !anchors.contains(&a)
                {
                    anchors.push(a);
                }
            }
        }
        if tables
            .iter()
            .any(|t| matches!(t, Table::Assigns | Table::Replies | Table::Presence))
        {
            self.days = Some(LocalDays::new(&e.compiled.tz, self.b.from(), self.b.to()));
        }
        if tables
            .iter()
            .any(|t| matches!(t, Table::Assigns | Table::Replies))
        {
            self.work = Some(e.work());
        }
        if anchors
            .iter()
            .any(|a| matches!(a, Anchor::CaseExchange | Anchor::ChatExchange))
        {
            self.waits = Some(e.waits());
        }
        if tables.contains(&Table::PresenceDays) {
            self.presence_days = Some(e.presence_days());
        }
        // Columns of an earlier query of the same shape.
        let cached = {
            let caches = e.caches.lock().expect("cache lock");
            caches
                .shapes
                .iter()
                .find(|(k, _)| *k == self.shape)
                .map(|(_, p)| p.clone())
        };
        if let Some(p) = cached {
            self.groups = p.groups;
            self.tables = p.tables;
            self.cells = p.cells;
            self.act_cells = p.act_cells;
            self.customer_pass = p.customer_pass;
        }
        tables.retain(|t| !self.tables.contains_key(t));
        anchors.retain(|a| !self.cells.contains_key(a));
        let want_act_cells = self.activities.is_some() && self.act_cells.is_none();
        if tables.is_empty() && anchors.is_empty() && !want_act_cells {
            return;
        }
        let keyed: Vec<(Table, Keys)> = {
            let this = &*self;
            tables
                .par_iter()
                .map(|&t| (t, this.table_keys(t)))
                .collect()
        };
        for (t, (keys, extra)) in keyed {
            let mut first = Vec::with_capacity(keys.len());
            for k in keys {
                first.push(if k == NO_KEY { NONE } else { self.groups.id(k) });
            }
            let mut more: FxMap<u32, Vec<u32>> = FxMap::default();
            for (row, k) in extra {
                let g = self.groups.id(k);
                more.entry(row).or_default().push(g);
            }
            self.tables
                .insert(t, Arc::new(RowGroups { first, extra: more }));
        }
        let built: Vec<(Anchor, Cells)> = {
            let this = &*self;
            anchors
                .par_iter()
                .map(|&a| (a, this.build_cells(a)))
                .collect()
        };
        for (a, c) in built {
            self.cells.insert(a, Arc::new(c));
        }
        if want_act_cells && let Some(acts) = &self.activities {
            self.act_cells = Some(Arc::new(ActCells::new(
                acts,
                self.cells(Anchor::CaseCreated),
                self.cells(Anchor::ContactArrived),
                self.cells(Anchor::OrderAt),
            )));
        }
        let prepared = Prepared {
            groups: self.groups.clone(),
            tables: self.tables.clone(),
            cells: self.cells.clone(),
            act_cells: self.act_cells.clone(),
            customer_pass: None,
        };
        let mut caches = e.caches.lock().expect("cache lock");
        let generation = e.generation;
        caches
            .shapes
            .retain(|(k, _)| k.generation == generation && *k != self.shape);
        caches.shapes.insert(0, (self.shape.clone(), prepared));
        caches.shapes.truncate(SHAPES);
    }

    /// The cell column of an anchor.
    fn build_cells(&self, a: Anchor) -> Cells {
        let e = self.e;
        let g = &self.tables[&a.table()];
        let nb = self.nb;
        let b = &self.b;
        let c = &e.cases;
        let k = &e.contacts;
        // Rows of a flattened list map to the rows of the table whose groups they take.
        let mut rowmap: Option<&[u32]> = None;
        let times: Vec<i64> = match a {
            Anchor::CaseCreated => c.created.clone(),
            Anchor::CaseSolved => c.last_solve.clone(),
            Anchor::CaseAssigned => c.assigned_at.clone(),
            Anchor::CaseSlaDue => c
                .sla
                .iter()
                .map(|s| if s.has_any { s.due } else { NO_TIME })
                .collect(),
            Anchor::ContactArrived => k.arrived.clone(),
            Anchor::SurveyAt => e.surveys.at.clone(),
            Anchor::QaAt => e.qa.at.clone(),
            Anchor::FeedbackAt => e.feedback.at.clone(),
            Anchor::ReviewAt => e.reviews.at.clone(),
            Anchor::EngagementAt => e.engagement.at.clone(),
            Anchor::OrderAt => e.orders.at.clone(),
            Anchor::ServqualAt => e.servqual.at.clone(),
            Anchor::CustomerCreated => e.customers.created.clone(),
            Anchor::CustomerEnded => e
                .customers
                .ended
                .iter()
                .map(|&t| if t == NEVER { NO_TIME } else { t })
                .collect(),
            Anchor::AgentLeft => e
                .agents
                .left
                .iter()
                .map(|&t| if t == NEVER { NO_TIME } else { t })
                .collect(),
            Anchor::ReplyAt => self.work.as_ref().expect("work").reply_at.clone(),
            Anchor::AssignDay => {
                let f = self.work.as_ref().expect("work");
                f.assign_day.iter().map(|&d| self.day_start(d)).collect()
            }
            Anchor::WorkAt => (0..k.len()).map(|r| work_time(k, r)).collect(),
            Anchor::CaseExchange => {
                let w = self.waits.as_ref().expect("waits");
                rowmap = Some(&w.case_row);
                w.case_at.clone()
            }
            Anchor::ChatExchange => {
                let w = self.waits.as_ref().expect("waits");
                rowmap = Some(&w.chat_row);
                w.chat_at.clone()
            }
            Anchor::ContactAnswered => (0..k.len())
                .map(|r| {
                    if k.exchanges.get(r).is_empty() && !k.wait[0][r].is_nan() {
                        k.answered[r]
                    } else {
                        NO_TIME
                    }
                })
                .collect(),
            Anchor::PresenceDay => {
                let p = self.presence_days.as_ref().expect("presence days");
                p.start.clone()
            }
        };
        let solved = a == Anchor::CaseSolved;
        let group_row = |i: usize| rowmap.map_or(i, |m| m[i] as usize);
        let cell_of = |i: usize| -> Option<usize> {
            let bucket = b.of(times[i])?;
            if solved && c.reopen_after[i] < b.end(bucket) {
                return None;
            }
            Some(bucket)
        };
        let main = (0..times.len())
            .into_par_iter()
            .map(|i| {
                let gid = g.first[group_row(i)];
                if gid == NONE {
                    return NONE;
                }
                cell_of(i).map_or(NONE, |bucket| (gid as usize * nb + bucket) as u32)
            })
            .collect();
        let mut extra = Vec::new();
        if !g.extra.is_empty() {
            for i in 0..times.len() {
                if let Some(gids) = g.extra.get(&(group_row(i) as u32))
                    && let Some(bucket) = cell_of(i)
                {
                    for &gid in gids {
                        extra.push((i as u32, (gid as usize * nb + bucket) as u32));
                    }
                }
            }
        }
        Cells { main, extra }
    }

    /// The instant an agent-day counts at: the start of local day `day`, or of the period when
    /// that is later.
    pub fn day_start(&self, day: i32) -> i64 {
        let days = self.days.as_ref().expect("local days prepared");
        days.start_of(day).map_or(NO_TIME, |s| s.max(self.b.from()))
    }

    /// The group column of a table (prepared).
    pub fn table(&self, table: Table) -> &RowGroups {
        self.tables
            .get(&table)
            .unwrap_or_else(|| panic!("table {table:?} not prepared: add it to `needs`"))
    }

    /// The cell column of an anchor (prepared).
    pub fn cells(&self, a: Anchor) -> &Cells {
        self.cells
            .get(&a)
            .unwrap_or_else(|| panic!("anchor {a:?} not prepared: add it to `needs`"))
    }

    /// The label of group `g` for static dimension `i`.
    fn label(&self, g: u32, i: usize) -> Option<String> {
        let key = self.groups.keys[g as usize];
        let v = (key / self.strides[i]) % self.cards[i];
        if v == 0 {
            return None;
        }
        let id = (v - 1) as u32;
        let e = self.e;
        Some(match self.static_dims[i] {
            Dimension::Agent => e.agent_ids.name(id).to_string(),
            Dimension::Team => e.team_ids.name(id).to_string(),
            Dimension::Channel => Channel::ALL[id as usize].to_string(),
            Dimension::Priority => Priority::ALL[id as usize].to_string(),
            Dimension::Type => CaseType::ALL[id as usize].to_string(),
            Dimension::Tag => e.tag_ids.name(id).to_string(),
            Dimension::Segment => e.segment_ids.name(id).to_string(),
            _ => return None,
        })
    }
}

/// When an answered call or chat counts as work done: a chat at its end (else its answer), a
/// call at its answer.
#[inline]
pub(crate) fn work_time(k: &crate::tables::Contacts, r: usize) -> i64 {
    if k.is_chat[r] && k.ended[r] != NO_TIME {
        k.ended[r]
    } else {
        k.answered[r]
    }
}

/// The dims of work done by `agent` on a record with dims `base`: the agent's team (else the
/// record's).
pub(crate) fn by_agent<'a>(e: &Engine, base: Dims<'a>, agent: u32) -> Dims<'a> {
    let team = agent_team(e, agent);
    Dims {
        agent,
        team: if team == NONE { base.team } else { team },
        ..base
    }
}

/// The dimension values of one row of a table (None: the row holds no record).
pub(crate) fn dims(e: &Engine, table: Table, row: usize) -> Option<Dims<'_>> {
    match table {
        Table::Cases => e.cases.exists[row].then(|| case_dims(e, row as u32)),
        Table::Contacts => e.contacts.exists[row].then(|| contact_dims(e, row as u32)),
        Table::Surveys => {
            let s = &e.surveys;
            Some(linked_dims(
                e,
                s.agent[row],
                s.team[row],
                s.customer[row],
                s.case[row],
                s.contact[row],
            ))
        }
        Table::Qa => {
            let q = &e.qa;
            Some(linked_dims(
                e,
                q.agent[row],
                NONE,
                NONE,
                q.case[row],
                q.contact[row],
            ))
        }
        Table::Feedback => {
            let f = &e.feedback;
            Some(linked_dims(
                e,
                f.agent[row],
                NONE,
                f.customer[row],
                f.case[row],
                NONE,
            ))
        }
        Table::Servqual => Some(customer_dims(e, e.servqual.customer[row])),
        Table::Reviews => Some(Dims::EMPTY),
        Table::Engagement => Some(customer_dims(e, e.engagement.customer[row])),
        Table::Orders => Some(customer_dims(e, e.orders.customer[row])),
        Table::Customers => e.customers.exists[row].then(|| customer_dims(e, row as u32)),
        Table::Agents => e.agents.exists[row].then(|| agent_dims(e, row as u32)),
        Table::Replies | Table::Assigns | Table::Work | Table::Presence | Table::PresenceDays => {
            unreachable!("work tables have their own dims")
        }
    }
}

fn segment_of(e: &Engine, customer: u32) -> u32 {
    if customer == NONE {
        NONE
    } else {
        e.customers.segment[customer as usize]
    }
}

pub(crate) fn agent_team(e: &Engine, agent: u32) -> u32 {
    if agent == NONE {
        NONE
    } else {
        e.agents.team[agent as usize]
    }
}

/// A case: its assignee, its team (else the assignee's), channel, priority, type, tags, and its
/// customer's segment.
pub(crate) fn case_dims(e: &Engine, row: u32) -> Dims<'_> {
    let c = &e.cases;
    let r = row as usize;
    let team = if c.team[r] == NONE {
        agent_team(e, c.agent[r])
    } else {
        c.team[r]
    };
    Dims {
        agent: c.agent[r],
        team,
        channel: c.channel[r],
        priority: c.priority[r],
        ctype: c.ctype[r],
        segment: segment_of(e, c.customer[r]),
        tags: c.tags.get(r),
        agent_level: false,
    }
}

/// A call or chat: its agent, team (else the agent's, else its case's), channel; priority, type
/// and tags of its case; its customer's (else its case's customer's) segment.
pub(crate) fn contact_dims(e: &Engine, row: u32) -> Dims<'_> {
    let c = &e.contacts;
    let r = row as usize;
    let case = c.case[r];
    let case = (case != NONE && e.cases.exists[case as usize]).then(|| case_dims(e, case));
    let mut team = c.team[r];
    if team == NONE {
        team = agent_team(e, c.agent[r]);
    }
    if team == NONE
        && let Some(k) = &case
    {
        team = k.team;
    }
    let customer = c.customer[r];
    Dims {
        agent: c.agent[r],
        team,
        channel: c.channel[r],
        priority: case.as_ref().map_or(NO_U8, |k| k.priority),
        ctype: case.as_ref().map_or(NO_U8, |k| k.ctype),
        segment: if customer != NONE {
            segment_of(e, customer)
        } else {
            case.as_ref().map_or(NONE, |k| k.segment)
        },
        tags: case.map_or(&[], |k| k.tags),
        agent_level: false,
    }
}

/// A record that points at an agent, a team, a customer, a case or a call (a survey, a QA
/// review, feedback): its own values first, then its case's, then its call's.
fn linked_dims(
    e: &Engine,
    agent: u32,
    team: u32,
    customer: u32,
    case: u32,
    contact: u32,
) -> Dims<'_> {
    let case = (case != NONE && e.cases.exists[case as usize]).then(|| case_dims(e, case));
    let contact =
        (contact != NONE && e.contacts.exists[contact as usize]).then(|| contact_dims(e, contact));
    let via = case.or(contact);
    let agent = if agent != NONE {
        agent
    } else {
        via.map_or(NONE, |d| d.agent)
    };
    let mut team = team;
    if team == NONE {
        team = via.map_or(NONE, |d| d.team);
    }
    if team == NONE {
        team = agent_team(e, agent);
    }
    Dims {
        agent,
        team,
        channel: via.map_or(NO_U8, |d| d.channel),
        priority: via.map_or(NO_U8, |d| d.priority),
        ctype: via.map_or(NO_U8, |d| d.ctype),
        segment: if customer != NONE {
            segment_of(e, customer)
        } else {
            via.map_or(NONE, |d| d.segment)
        },
        tags: via.map_or(&[], |d| d.tags),
        agent_level: false,
    }
}

fn customer_dims(e: &Engine, customer: u32) -> Dims<'_> {
    Dims {
        segment: segment_of(e, customer),
        ..Dims::EMPTY
    }
}

/// An agent-level record: the agent and the agent's team.
pub(crate) fn agent_dims(e: &Engine, agent: u32) -> Dims<'_> {
    Dims {
        agent,
        team: agent_team(e, agent),
        agent_level: true,
        ..Dims::EMPTY
    }
}

// ------------------------------------------------------------------ finishing helpers

/// `100 × num / den`; no data when `den` is 0. `n` = den.
pub(crate) fn rate(num: f64, den: f64, n: u64) -> MetricValue {
    MetricValue::of((den > 0.0).then(|| 100.0 * num / den), n)
}

/// A count: its value is the count (0 is a figure, not "no data").
pub(crate) fn count(n: u64) -> MetricValue {
    MetricValue::of(Some(n as f64), n)
}

/// A mean; no data without values.
pub(crate) fn mean(sum: f64, n: u64) -> MetricValue {
    MetricValue::of((n > 0).then(|| sum / n as f64), n)
}

/// The 1-based nearest rank of percentile `p` (0 < p ≤ 100) among `n` values: ⌈p/100 × n⌉.
/// Computed as ⌈p × n / 100⌉: for a whole `p`, p × n is exact, and so is its quotient by 100 when
/// that is a whole number (`p / 100.0` first is not: 0.07 × 100 = 7.000000000000001 → rank 8).
fn rank(p: f64, n: usize) -> usize {
    (p * n as f64 / 100.0).ceil().clamp(1.0, n as f64) as usize
}

/// The nearest-rank percentile `p` (0 < p ≤ 100) of `v`: the value at rank ⌈p/100 × N⌉ of the
/// sorted values (1-based). Reorders `v`. (The reference [`select_ranks`] is tested against.)
#[cfg(test)]
pub(crate) fn percentile(v: &mut [f64], p: f64) -> Option<f64> {
    if v.is_empty() {
        return None;
    }
    let (_, x, _) = v.select_nth_unstable_by(rank(p, v.len()) - 1, f64::total_cmp);
    Some(*x)
}

/// A u64 that orders like `f64::total_cmp`.
#[inline]
fn order_key(x: f64) -> u64 {
    let b = x.to_bits();
    if b >> 63 == 1 { !b } else { b | 1 << 63 }
}

/// The values at 1-based ranks `ranks` of `v` (exact). Large inputs are first cut by a
/// histogram of the top 16 bits of each value's order key (two passes), then only the values in
/// the buckets holding the ranks are selected among; small inputs use `select_nth_unstable`.
pub(crate) fn select_ranks(v: &mut [f64], ranks: &[usize]) -> Vec<f64> {
    if v.len() < 1 << 15 {
        return ranks
            .iter()
            .map(|&r| *v.select_nth_unstable_by(r - 1, f64::total_cmp).1)
            .collect();
    }
    let mut hist = vec![0u32; 1 << 16];
    for &x in v.iter() {
        hist[(order_key(x) >> 48) as usize] += 1;
    }
    // The bucket of each rank and the rank inside it.
    let mut want: Vec<(usize, usize)> = Vec::with_capacity(ranks.len());
    for &r in ranks {
        let mut seen = 0usize;
        for (bucket, &h) in hist.iter().enumerate() {
            if seen + h as usize >= r {
                want.push((bucket, r - seen));
                break;
            }
            seen += h as usize;
        }
    }
    let mut buckets: Vec<usize> = want.iter().map(|w| w.0).collect();
    buckets.dedup();
    let mut members: Vec<Vec<f64>> = buckets
        .iter()
        .map(|&b| Vec::with_capacity(hist[b] as usize))
        .collect();
    for &x in v.iter() {
        let b = (order_key(x) >> 48) as usize;
        if let Some(i) = buckets.iter().position(|&w| w == b) {
            members[i].push(x);
        }
    }
    want.iter()
        .map(|&(bucket, r)| {
            let m = &mut members[buckets.iter().position(|&w| w == bucket).expect("kept")];
            *m.select_nth_unstable_by(r - 1, f64::total_cmp).1
        })
        .collect()
}

/// Mean, median and p90 of durations; no data without values.
pub(crate) fn durations(v: &mut [f64]) -> MetricValue {
    let n = v.len();
    if n == 0 {
        return MetricValue::of(None, 0);
    }
    let sum: f64 = v.iter().sum();
    let q = select_ranks(v, &[rank(50.0, n), rank(90.0, n)]);
    MetricValue {
        value: Some(sum / n as f64),
        n: n as u64,
        median: Some(q[0]),
        p90: Some(q[1]),
        parts: None,
    }
}

/// A column of durations from per-cell samples.
pub(crate) fn duration_column(mut cells: Vec<Vec<f64>>) -> Column {
    Column {
        values: cells.par_iter_mut().map(|v| durations(v)).collect(),
        empty: MetricValue::of(None, 0),
    }
}

/// Parts from (name, value, n).
pub(crate) fn parts(
    items: impl IntoIterator<Item = (String, Option<f64>, u64)>,
) -> Option<BTreeMap<String, crate::query::Part>> {
    Some(
        items
            .into_iter()
            .map(|(k, value, n)| (k, crate::query::Part { value, n }))
            .collect(),
    )
}

// ------------------------------------------------------------------ the query

/// Checks a metric spec against the catalogue.
fn check(spec: &MetricSpec) -> Result<&'static Metric, QueryError> {
    let metric = catalogue::metric(&spec.id).ok_or_else(|| QueryError::UnknownMetric {
        id: spec.id.clone(),
        suggestion: catalogue::suggest(&spec.id).map(str::to_string),
    })?;
    for (key, value) in &spec.options {
        let option = metric
            .option(key)
            .ok_or_else(|| QueryError::UnknownOption {
                metric: spec.id.clone(),
                option: key.clone(),
                allowed: metric.options.iter().map(|o| o.key.to_string()).collect(),
            })?;
        let ok = if !option.values.is_empty() {
            option.values.contains(&value.as_str())
        } else if option.text {
            !value.trim().is_empty()
        } else {
            value
                .parse::<f64>()
                .is_ok_and(|x| x.is_finite() && x >= 0.0)
        };
        if !ok {
            return Err(QueryError::BadOptionValue {
                metric: spec.id.clone(),
                option: key.clone(),
                value: value.clone(),
                expected: if !option.values.is_empty() {
                    format!("one of {}", option.values.join(", "))
                } else if option.text {
                    "a non-empty name".into()
                } else {
                    "a number ≥ 0".into()
                },
            });
        }
    }
    Ok(metric)
}

/// One metric's column.
fn evaluate(ctx: &Ctx, o: &Opts) -> Column {
    match o.metric.id {
        "nps" => customers::nps(ctx),
        "csat" => customers::csat(ctx, false),
        "csat_mean" => customers::csat(ctx, true),
        "ces" => customers::ces(ctx, false),
        "ces_easy_pct" => customers::ces(ctx, true),
        "iqs" => customers::iqs(ctx),
        "engagement" => customers::engagement(ctx, o),
        "churn_rate" => customers::churn_rate(ctx),
        "retention_rate" => customers::retention_rate(ctx),
        "referral_rate" => customers::referral_rate(ctx),
        "clv" => customers::clv(ctx),
        "returning_customers" => customers::returning_customers(ctx),
        "servqual_gap" => customers::servqual_gap(ctx, o),
        "positive_feedback" => customers::positive_feedback(ctx, false),
        "positive_feedback_rate" => customers::positive_feedback(ctx, true),
        "positive_review_rate" => customers::positive_review_rate(ctx),
        "complaint_ratio" => customers::complaint_ratio(ctx),
        "avg_time_between_interactions" => customers::avg_time_between_interactions(ctx, o),
        "open_cases" => cases::open_cases(ctx),
        "backlog" => cases::backlog(ctx, o),
        "request_volume" => cases::request_volume(ctx, false),
        "contact_volume_by_channel" => cases::request_volume(ctx, true),
        "resolution_rate" => cases::resolution_rate(ctx),
        "frt" => cases::frt(ctx, o),
        "avg_response_time" => cases::avg_response_time(ctx, o),
        "resolution_time" => cases::solved_duration(ctx, o, cases::SolvedDuration::Resolution),
        "first_resolution_time" => {
            cases::solved_duration(ctx, o, cases::SolvedDuration::FirstResolution)
        }
        "requester_wait_time" => {
            cases::solved_duration(ctx, o, cases::SolvedDuration::RequesterWait)
        }
        "agent_wait_time" => cases::solved_duration(ctx, o, cases::SolvedDuration::AgentWait),
        "on_hold_time" => cases::solved_duration(ctx, o, cases::SolvedDuration::OnHold),
        "fcr" => cases::fcr(ctx, o),
        "complaint_resolution_rate" => cases::complaint_resolution_rate(ctx),
        "reopen_rate" => cases::reopen_rate(ctx),
        "touches" => cases::touches(ctx, o),
        "sla_compliance" => cases::sla_compliance(ctx),
        "service_level" => contacts::service_level(ctx, o),
        "abandonment_rate" => contacts::abandonment_rate(ctx, o),
        "asa" => contacts::asa(ctx, o),
        "blockage" => contacts::blockage(ctx),
        "aht" => contacts::aht(ctx),
        "daily_completion_rate" => people::daily_completion_rate(ctx),
        "transactions_per_day" => people::transactions_per_day(ctx),
        "occupancy" => people::occupancy(ctx),
        "agent_turnover" => people::agent_turnover(ctx),
        other => unreachable!("catalogue metric `{other}` has no implementation"),
    }
}

impl Engine {
    /// Answers a query at `now` (snapshots of the current bucket are taken at `now`; SLA targets
    /// still running at `now` are not decided yet).
    pub fn query(&self, q: &MetricQuery, now: Timestamp) -> Result<QueryResult, QueryError> {
        let metrics: Vec<&'static Metric> =
            q.metrics.iter().map(check).collect::<Result<_, _>>()?;
        let mut ctx = Ctx::new(self, q, now)?;
        ctx.prepare(&metrics);
        let ctx = ctx;
        let columns: Vec<Column> = metrics
            .par_iter()
            .zip(&q.metrics)
            .map(|(metric, spec)| evaluate(&ctx, &Opts { metric, spec }))
            .collect();
        let nb = ctx.nb;
        let ngroups = ctx.groups.keys.len();
        // Keep a group when any metric has a record behind it in any bucket (without static
        // dimensions, the one group is always kept).
        let mut kept: Vec<u32> = (0..ngroups as u32)
            .filter(|&g| {
                ctx.static_dims.is_empty()
                    || (0..nb).any(|b| columns.iter().any(|c| c.get(g as usize * nb + b).n > 0))
            })
            .collect();
        let labels: Vec<Vec<Option<String>>> = (0..ngroups as u32)
            .map(|g| {
                (0..ctx.static_dims.len())
                    .map(|i| ctx.label(g, i))
                    .collect()
            })
            .collect();
        kept.sort_by(|&a, &b| {
            let (la, lb) = (&labels[a as usize], &labels[b as usize]);
            la.iter()
                .zip(lb)
                .map(|(x, y)| cmp_label(x, y))
                .find(|o| o.is_ne())
                .unwrap_or(std::cmp::Ordering::Equal)
        });
        // Rows in group-by order: time dimensions vary where they stand in `group_by`.
        let mut cells: Vec<(u32, usize)> = kept
            .iter()
            .flat_map(|&g| (0..nb).map(move |b| (g, b)))
            .collect();
        let order: Vec<Dimension> = q.group_by.clone();
        cells.sort_by(|&(ga, ba), &(gb, bb)| {
            let mut si = 0;
            for d in &order {
                let o = if d.is_time() {
                    ba.cmp(&bb)
                } else {
                    let o = cmp_label(&labels[ga as usize][si], &labels[gb as usize][si]);
                    si += 1;
                    o
                };
                if o.is_ne() {
                    return o;
                }
            }
            (ga, ba).cmp(&(gb, bb))
        });
        let rows = cells
            .into_iter()
            .map(|(g, b)| {
                let mut si = 0;
                let mut ti = 0;
                let keys = q
                    .group_by
                    .iter()
                    .map(|d| {
                        if d.is_time() {
                            ti += 1;
                            Some(ctx.b.labels[ti - 1][b].clone())
                        } else {
                            si += 1;
                            labels[g as usize][si - 1].clone()
                        }
                    })
                    .collect();
                Row {
                    keys,
                    start: ts(ctx.b.starts[b]),
                    end: ts(ctx.b.end(b)),
                    values: columns
                        .iter()
                        .map(|c| c.get(g as usize * nb + b).clone())
                        .collect(),
                }
            })
            .collect();
        Ok(QueryResult {
            group_by: q.group_by.clone(),
            metrics: q.metrics.clone(),
            durations: metrics.iter().map(|m| m.kind == Kind::Duration).collect(),
            rows,
        })
    }
}

/// Labels sort as text, a missing value last.
fn cmp_label(a: &Option<String>, b: &Option<String>) -> std::cmp::Ordering {
    match (a, b) {
        (Some(a), Some(b)) => a.cmp(b),
        (None, None) => std::cmp::Ordering::Equal,
        (None, _) => std::cmp::Ordering::Greater,
        (_, None) => std::cmp::Ordering::Less,
    }
}
