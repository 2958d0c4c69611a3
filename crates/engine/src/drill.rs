//! Drill-down: the records behind one figure of a query result.
//!
//! A [`DrillDown`] names a figure the way a [`QueryResult`](crate::QueryResult) shows it: the
//! query's period, filters and group-by, one metric (a [`MetricSpec`], options included), and the
//! cell — the row's `keys` exactly as the result gives them (`["hcm-support", "2026-W12"]`, a
//! `None` key for records without a value). [`crate::Engine::drill_down`] answers with a
//! [`DrillResult`]: how many items are behind the figure (`n`, always equal to the figure's `n`),
//! the size of each of the metric's named subsets (`met` / `breached`, `promoters` / `passives` /
//! `detractors` …), and one page of the records, in a fixed order.
//!
//! The drill-down runs the evaluation's own steps — the same filters, the same group and cell of
//! every record, the same per-record rules — so the records listed are exactly those counted.
//!
//! **Items.** Each metric's catalogue entry ([`crate::catalogue::Drill`]) says which record kinds
//! it lists and what one item is: a response, a case, a call or chat, a customer, an agent …
//! Where a figure counts events of a record (avg_response_time counts exchanges,
//! transactions_per_day counts replies), the record is listed once per event, each with the
//! event's instant; daily_completion_rate lists agent-days (an agent at the start of each day).
//!
//! **Subsets.** A subset lists one part of the figure; its size is that part's count, so
//! `|met| / (|met| + |breached|) × 100` is sla_compliance's value. Most subsets are parts of
//! the items; a few are the figure's numerator where that is not (complaint_resolution_rate's
//! `resolved`, churn_rate's `churned`, complaint_ratio's `complaints`, retention_rate's
//! `active_at_end` and `acquired`) — the catalogue says which.
//!
//! **Order.** By `at` — the instant the item counts at (creation, arrival, answer, last solve,
//! due time …, as the catalogue's item says) — then record kind (in the data model's order), then
//! id (byte order); items without an instant (customers and agents of a population) come last, by
//! kind and id. The order does not depend on the order the records arrived in, so pages are
//! stable while the data does not change.
//!
//! **Cells and errors.** Keys that name no group with records (an unknown team, a channel without
//! contacts) give `n = 0` and no records, as the figure's `n` is 0 (such rows are not in the
//! result). A wrong number of keys, or a time key that is not one of the period's days, weeks or
//! months, is [`QueryError::BadCell`](crate::QueryError::BadCell); an unknown metric or option is
//! the query's error; an unknown subset is [`QueryError::UnknownSubset`](crate::QueryError),
//! which names the metric's subsets; a page larger than [`MAX_LIMIT`] is
//! [`QueryError::PageTooLarge`](crate::QueryError).

use carekpi_domain::RecordKind;
use jiff::Timestamp;
use serde::{Deserialize, Serialize};

use crate::query::{Dimension, Filters, MetricQuery, MetricSpec, Row};

/// The most records one page may hold.
pub const MAX_LIMIT: usize = 10_000;

/// Records per page when the request does not say.
pub const DEFAULT_LIMIT: usize = 100;

fn default_limit() -> usize {
    DEFAULT_LIMIT
}

/// Which records to list: a figure (the query's period, filters and group-by, one metric, the
/// cell's keys), optionally one subset, and a page.
#[derive(Clone, Debug, PartialEq, Serialize, Deserialize)]
#[serde(deny_unknown_fields)]
pub struct DrillDown {
    pub metric: MetricSpec,
    /// Start of the query's period (included).
    pub from: Timestamp,
    /// End of the query's period (excluded).
    pub to: Timestamp,
    #[serde(default, skip_serializing_if = "Filters::is_empty")]
    pub filters: Filters,
    #[serde(default, skip_serializing_if = "Vec::is_empty")]
    pub group_by: Vec<Dimension>,
    /// The cell: one key per `group_by` dimension, as in [`Row::keys`].
    #[serde(default, skip_serializing_if = "Vec::is_empty")]
    pub keys: Vec<Option<String>>,
    /// One of the metric's subsets (its catalogue entry lists them); None: every item.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub subset: Option<String>,
    /// Items to skip.
    #[serde(default)]
    pub offset: usize,
    /// Items to list (at most [`MAX_LIMIT`]; 0 gives only the counts).
    #[serde(default = "default_limit")]
    pub limit: usize,
}

impl DrillDown {
    /// The items behind `metric` in the cell `keys` of `query`'s result (the first page).
    pub fn new(query: &MetricQuery, metric: MetricSpec, keys: Vec<Option<String>>) -> Self {
        DrillDown {
            metric,
            from: query.from,
            to: query.to,
            filters: query.filters.clone(),
            group_by: query.group_by.clone(),
            keys,
            subset: None,
            offset: 0,
            limit: DEFAULT_LIMIT,
        }
    }

    /// The items behind `metric` in a row of `query`'s result.
    pub fn of_row(query: &MetricQuery, metric: MetricSpec, row: &Row) -> Self {
        Self::new(query, metric, row.keys.clone())
    }

    /// Only the items of a subset.
    pub fn subset(mut self, name: impl Into<String>) -> Self {
        self.subset = Some(name.into());
        self
    }

    /// The page `[offset, offset + limit)`.
    pub fn page(mut self, offset: usize, limit: usize) -> Self {
        self.offset = offset;
        self.limit = limit;
        self
    }

    /// The query whose figure this drills into.
    pub fn query(&self) -> MetricQuery {
        MetricQuery {
            metrics: vec![self.metric.clone()],
            from: self.from,
            to: self.to,
            filters: self.filters.clone(),
            group_by: self.group_by.clone(),
        }
    }
}

/// One listed item: a record, and the instant it counts at in the figure (None for customers
/// and agents of a population, which count without one).
#[derive(Clone, Debug, PartialEq, Eq, Serialize)]
pub struct DrillRecord {
    pub kind: RecordKind,
    pub id: String,
    pub at: Option<Timestamp>,
}

/// A subset's size in the cell.
#[derive(Clone, Debug, PartialEq, Eq, Serialize)]
pub struct SubsetTotal {
    pub name: &'static str,
    pub total: u64,
}

/// The answer to a [`DrillDown`].
#[derive(Clone, Debug, PartialEq, Serialize)]
pub struct DrillResult {
    /// The metric as asked.
    pub metric: MetricSpec,
    pub keys: Vec<Option<String>>,
    /// The cell's stretch of time (as [`Row::start`] and [`Row::end`]).
    pub start: Timestamp,
    pub end: Timestamp,
    pub subset: Option<String>,
    /// The items behind the figure: its `n`.
    pub n: u64,
    /// Each of the metric's subsets with its size, in catalogue order.
    pub subsets: Vec<SubsetTotal>,
    /// The items of the listed set (the subset asked, else all `n`): what the pages go through.
    pub total: u64,
    pub offset: usize,
    pub limit: usize,
    /// The page: items `offset .. offset + limit` of the listed set, in the documented order.
    pub records: Vec<DrillRecord>,
}
