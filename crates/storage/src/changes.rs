//! The change feed: what both engines share.
//!
//! Every record that a batch inserts or updates gets one row in `changes`, written in the
//! batch's transaction; unchanged records get none. Rows are numbered (`seq`) in commit order,
//! so a reader that polls `seq > last` never misses a change that commits after it looked:
//! SQLite has one writer at a time, so its batches number rows as they write them; PostgreSQL
//! batches write theirs at commit time, holding an advisory lock ([`LOCK_KEY`]) until the commit
//! is visible.

use std::collections::{BTreeMap, HashMap};
use std::time::{SystemTime, UNIX_EPOCH};

use carekpi_domain::{Record, RecordKind};

/// The key of the PostgreSQL transaction-level advisory lock that orders commits with changes
/// (`pg_advisory_xact_lock`): the bytes of "CKchange".
pub(crate) const LOCK_KEY: i64 = i64::from_be_bytes(*b"CKchange");

/// `$1` after this seq, `$2` at most this many.
pub(crate) const SELECT_CHANGES: &str =
    "SELECT seq, kind, record_id FROM changes WHERE seq > $1 ORDER BY seq LIMIT $2";

pub(crate) const LAST_SEQ: &str = "SELECT COALESCE(MAX(seq), 0) FROM changes";

/// A change row: (seq, kind, record id).
pub(crate) type ChangeRow = (i64, String, String);

/// Now, in epoch milliseconds UTC (the `at_ms` of change rows).
pub(crate) fn now_ms() -> i64 {
    SystemTime::now()
        .duration_since(UNIX_EPOCH)
        .map_or(0, |d| i64::try_from(d.as_millis()).unwrap_or(i64::MAX))
}

/// A page size as a bound value.
pub(crate) fn limit(limit: usize) -> i64 {
    i64::try_from(limit).unwrap_or(i64::MAX)
}

/// The distinct ids of each kind that `rows` name.
pub(crate) fn ids_by_kind(rows: &[ChangeRow]) -> Result<BTreeMap<RecordKind, Vec<&str>>, String> {
    let mut wanted: BTreeMap<RecordKind, Vec<&str>> = BTreeMap::new();
    for (seq, kind, id) in rows {
        let kind: RecordKind = kind
            .parse()
            .map_err(|e| format!("change {seq} names no record kind: {e}"))?;
        wanted.entry(kind).or_default().push(id);
    }
    for ids in wanted.values_mut() {
        ids.sort_unstable();
        ids.dedup();
    }
    Ok(wanted)
}

/// The changes in seq order, each with its record as read (`records`, by kind and id); a change
/// whose record is not stored is left out.
pub(crate) fn in_order(
    rows: Vec<ChangeRow>,
    records: &HashMap<(RecordKind, String), Record>,
) -> Vec<(i64, Record)> {
    rows.into_iter()
        .filter_map(|(seq, kind, id)| {
            let kind: RecordKind = kind.parse().ok()?;
            records.get(&(kind, id)).map(|record| (seq, record.clone()))
        })
        .collect()
}
