//! CareKPI metric engine: every metric of the catalogue (`../shared/product/metrics.md`) over
//! columnar data in memory.
//!
//! - [`Engine`] holds the records as columns (a struct of arrays per record kind; interned ids;
//!   enums as bytes; instants as epoch milliseconds) and the per-case facts computed once per case
//!   version ([`Engine::upsert`], [`Engine::load`]).
//! - [`MetricQuery`] asks for metrics ([`MetricSpec`]: a catalogue id and options) over a
//!   half-open period, with filters and group-by dimensions; [`Engine::query`] answers with a
//!   [`QueryResult`]: one [`Row`] per group, a [`MetricValue`] per metric (`value`, `n`, and
//!   `median`/`p90` for durations; `value: None` is "no data").
//! - [`Engine::drill_down`] lists the records behind one figure ([`DrillDown`]: the query, one
//!   metric, the row's keys, optionally a subset such as `breached`, and a page); their count is
//!   always the figure's `n` ([`drill`]).
//! - [`catalogue`] describes every metric (names in English and Vietnamese, unit, direction,
//!   formula, options, what a drill-down lists): the one source for documentation and UI.
//! - [`export::CaseSheet`] gives one row per case with every per-case fact (the cases export and
//!   the drill-down), measured by the domain's case facts and SLA evaluation.
//! - [`EngineConfig`] is the account's configuration: time zone, schedules, SLA policies and
//!   thresholds.
//!
//! Pure: no I/O, no clock (`now` is a parameter of every query).

pub mod catalogue;
pub mod config;
pub mod drill;
mod engine;
mod eval;
pub mod export;
pub mod query;
pub mod staffing;
mod tables;
pub mod time;
mod util;

pub use catalogue::{Metric, MetricOption, catalogue, metric};
pub use config::{ConfigError, EngineConfig};
pub use drill::{DrillDown, DrillRecord, DrillResult, SubsetTotal};
pub use engine::Engine;
pub use export::CaseSheet;
pub use query::{
    Dimension, Filters, MetricQuery, MetricSpec, MetricValue, Part, QueryError, QueryResult, Row,
};

/// The engine can be shared between threads (a server holds it behind a lock).
#[allow(dead_code)]
const fn assert_send_sync<T: Send + Sync>() {}
const _: () = assert_send_sync::<Engine>();
