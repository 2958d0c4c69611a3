//! CareKPI domain: the records a support team sends, how they are read from the interchange
//! format, and how they are validated. Pure: no I/O, no clock, no database.
//!
//! Every record kind of the data model (`../shared/product/data-model.md`) is a typed struct in
//! [`records`]; [`records::Record`] is one of them, tagged by its [`records::RecordKind`].
//! [`interchange`] reads one JSON object (a line of a JSON Lines file, or an element of an API
//! batch) into a validated record, with errors that name the field and the reason.

pub mod calendar;
pub mod case_facts;
pub mod interchange;
pub mod moment;
pub mod records;
pub mod sla;
pub mod staffing;
pub mod validation;
pub mod working_time;

pub use interchange::{BatchGuard, RecordError, parse_record, parse_record_value};
pub use moment::Moment;
pub use records::{Record, RecordKind};
