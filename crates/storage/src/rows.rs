//! What both engines share: how a record becomes a row, and how a batch of records is sorted
//! into new, changed and unchanged rows before anything is written.

use std::collections::{BTreeMap, HashMap};
use std::future::Future;

use carekpi_domain::interchange::Position;
use carekpi_domain::{Record, RecordKind, parse_record_value};
use xxhash_rust::xxh3::{Xxh3Default, xxh3_64};

use crate::{StorageError, UpsertCounts};

/// The columns of every record table, in the order rows are written.
pub(crate) const COLUMNS: &str =
    "id, occurred_at_ms, team_id, agent_id, customer_id, case_id, content_hash, body";

/// How many values one row binds.
pub(crate) const COLUMN_COUNT: usize = 8;

/// The `ON CONFLICT` clause that replaces a stored row with the new version (same syntax in
/// SQLite and PostgreSQL).
pub(crate) const ON_CONFLICT_UPDATE: &str = " ON CONFLICT (id) DO UPDATE SET \
    occurred_at_ms = excluded.occurred_at_ms, team_id = excluded.team_id, \
    agent_id = excluded.agent_id, customer_id = excluded.customer_id, \
    case_id = excluded.case_id, content_hash = excluded.content_hash, body = excluded.body";

/// One record as stored.
#[derive(Clone, Debug, PartialEq, Eq)]
pub(crate) struct Row {
    pub id: String,
    pub occurred_at_ms: Option<i64>,
    pub team_id: Option<String>,
    pub agent_id: Option<String>,
    pub customer_id: Option<String>,
    pub case_id: Option<String>,
    pub content_hash: i64,
    pub body: String,
}

impl Row {
    pub(crate) fn from_record(record: &Record) -> Row {
        let body = record.to_json();
        let links = record.links();
        Row {
            id: record.id().into_owned(),
            occurred_at_ms: record.occurred_at().map(|m| m.epoch_millis()),
            team_id: links.team_id.map(str::to_string),
            agent_id: links.agent_id.map(str::to_string),
            customer_id: links.customer_id.map(str::to_string),
            case_id: links.case_id.map(str::to_string),
            content_hash: content_hash(&body),
            body,
        }
    }
}

/// The xxh3 of a stored body, as the signed 64-bit integer both engines store.
pub(crate) fn content_hash(body: &str) -> i64 {
    xxh3_64(body.as_bytes()).cast_signed()
}

/// The engine side of an upsert: look up stored hashes, write rows. Both run inside the batch's
/// transaction.
pub(crate) trait RowSink: Send {
    /// `(id, content_hash)` of the stored rows of `kind` among `ids` (distinct ids, any number).
    fn existing(
        &mut self,
        kind: RecordKind,
        ids: &[&str],
    ) -> impl Future<Output = Result<Vec<(String, i64)>, sqlx::Error>> + Send;

    /// Insert or replace `rows` (distinct ids, any number) in the table of `kind`.
    fn write(
        &mut self,
        kind: RecordKind,
        rows: Vec<Row>,
    ) -> impl Future<Output = Result<(), sqlx::Error>> + Send;
}

/// Upsert `records` through `sink`, as if they were upserted one by one in order: a new id is
/// inserted, a stored id with a different body is updated, an identical one is left untouched.
/// Records of one kind are classified with one look-up of their ids, and only new or changed rows
/// are written.
pub(crate) async fn upsert<S: RowSink>(
    sink: &mut S,
    records: &[Record],
    location: &str,
) -> Result<UpsertCounts, StorageError> {
    let mut by_kind: BTreeMap<RecordKind, Vec<Row>> = BTreeMap::new();
    for record in records {
        by_kind
            .entry(record.kind())
            .or_default()
            .push(Row::from_record(record));
    }
    let mut counts = UpsertCounts::default();
    for (kind, rows) in by_kind {
        let action = || format!("upserting {}", kind.plural());
        let ids = distinct_ids(&rows);
        let stored: HashMap<String, i64> = sink
            .existing(kind, &ids)
            .await
            .map_err(|e| StorageError::database(action(), location, e))?
            .into_iter()
            .collect();
        let (kind_counts, to_write) = classify(rows, &stored);
        counts += kind_counts;
        if !to_write.is_empty() {
            sink.write(kind, to_write)
                .await
                .map_err(|e| StorageError::database(action(), location, e))?;
        }
    }
    Ok(counts)
}

fn distinct_ids(rows: &[Row]) -> Vec<&str> {
    let mut seen = std::collections::HashSet::with_capacity(rows.len());
    rows.iter()
        .map(|r| r.id.as_str())
        .filter(|id| seen.insert(*id))
        .collect()
}

/// Count each row against what is stored (and against earlier rows of the same id), and keep
/// the last version of each id whose body differs from the stored one.
fn classify(rows: Vec<Row>, stored: &HashMap<String, i64>) -> (UpsertCounts, Vec<Row>) {
    let mut counts = UpsertCounts::default();
    // id → (hash as of the previous row with this id, index of the last row with this id)
    let mut current: HashMap<&str, (Option<i64>, usize)> = HashMap::with_capacity(rows.len());
    for (i, row) in rows.iter().enumerate() {
        let entry = current
            .entry(row.id.as_str())
            .or_insert_with(|| (stored.get(&row.id).copied(), i));
        match entry.0 {
            None => counts.inserted += 1,
            Some(h) if h == row.content_hash => counts.unchanged += 1,
            Some(_) => counts.updated += 1,
        }
        *entry = (Some(row.content_hash), i);
    }
    let last: Vec<usize> = {
        let mut last: Vec<usize> = current.values().map(|&(_, i)| i).collect();
        last.sort_unstable();
        last
    };
    drop(current);
    let mut keep = last.into_iter().peekable();
    let mut out = Vec::new();
    for (i, row) in rows.into_iter().enumerate() {
        if keep.peek() == Some(&i) {
            keep.next();
            if stored.get(&row.id) != Some(&row.content_hash) {
                out.push(row);
            }
        }
    }
    (counts, out)
}

/// Read a stored body back into a record of `kind`.
pub(crate) fn parse_body(
    kind: RecordKind,
    index: usize,
    id: &str,
    body: &str,
    location: &str,
) -> Result<Record, StorageError> {
    let corrupt = |reason: String| StorageError::Corrupt {
        table: kind.plural(),
        kind,
        id: id.to_string(),
        location: location.to_string(),
        reason,
    };
    let value: serde_json::Value =
        serde_json::from_str(body).map_err(|e| corrupt(format!("not JSON: {e}")))?;
    parse_record_value(&value, Position::Index(index), Some(kind)).map_err(|errors| {
        corrupt(
            errors
                .iter()
                .map(ToString::to_string)
                .collect::<Vec<_>>()
                .join("; "),
        )
    })
}

/// The running digest behind [`crate::Store::fingerprint`]: every record's kind, id and body,
/// length-prefixed, in kind order then id order (byte-wise, identical in both engines).
pub(crate) struct Fingerprint(Xxh3Default);

impl Fingerprint {
    pub(crate) fn new() -> Self {
        Fingerprint(Xxh3Default::new())
    }

    pub(crate) fn add(&mut self, kind: RecordKind, id: &str, body: &str) {
        for part in [kind.as_str(), id, body] {
            self.0.update(&(part.len() as u64).to_le_bytes());
            self.0.update(part.as_bytes());
        }
    }

    pub(crate) fn finish(self) -> String {
        format!("xxh3-128:{:032x}", self.0.digest128())
    }
}

/// `SELECT CAST(i AS BIGINT), COUNT(*) FROM table UNION ALL …` over every kind, `i` the kind's
/// index in [`RecordKind::ALL`].
pub(crate) fn counts_sql() -> String {
    RecordKind::ALL
        .iter()
        .enumerate()
        .map(|(i, kind)| {
            format!(
                "SELECT CAST({i} AS BIGINT), COUNT(*) FROM {}",
                kind.plural()
            )
        })
        .collect::<Vec<_>>()
        .join(" UNION ALL ")
}

/// The result of [`counts_sql`] as a count for every kind (zeros included).
pub(crate) fn counts_from(rows: Vec<(i64, i64)>) -> BTreeMap<RecordKind, u64> {
    let mut counts: BTreeMap<RecordKind, u64> = RecordKind::ALL.iter().map(|&k| (k, 0)).collect();
    for (index, n) in rows {
        if let Some(&kind) = usize::try_from(index)
            .ok()
            .and_then(|i| RecordKind::ALL.get(i))
        {
            counts.insert(kind, u64::try_from(n).unwrap_or(0));
        }
    }
    counts
}

/// Split `n` rows into statement sizes: as many `max` as fit, then the remainder in powers of
/// two, so that an engine's statement cache sees only a handful of distinct statements.
pub(crate) fn statement_sizes(mut n: usize, max: usize) -> Vec<usize> {
    let mut sizes = Vec::new();
    while n >= max {
        sizes.push(max);
        n -= max;
    }
    let mut size = max.next_power_of_two();
    while n > 0 {
        while size > n {
            size /= 2;
        }
        sizes.push(size);
        n -= size;
    }
    sizes
}

#[cfg(test)]
mod tests {
    use super::*;

    fn row(id: &str, hash: i64) -> Row {
        Row {
            id: id.into(),
            occurred_at_ms: None,
            team_id: None,
            agent_id: None,
            customer_id: None,
            case_id: None,
            content_hash: hash,
            body: format!("{{\"v\":{hash}}}"),
        }
    }

    #[test]
    fn classifies_like_one_upsert_after_another() {
        let stored: HashMap<String, i64> = [("a".to_string(), 1), ("b".to_string(), 2)].into();
        let rows = vec![
            row("a", 1), // unchanged
            row("b", 3), // updated
            row("c", 4), // inserted
            row("c", 4), // unchanged (same as the previous c)
            row("d", 5), // inserted
            row("d", 6), // updated (differs from the previous d)
            row("b", 2), // updated (back to the stored body, which is then left as it is)
        ];
        let (counts, write) = classify(rows, &stored);
        assert_eq!(
            counts,
            UpsertCounts {
                inserted: 2,
                updated: 3,
                unchanged: 2
            }
        );
        let written: Vec<(&str, i64)> = write
            .iter()
            .map(|r| (r.id.as_str(), r.content_hash))
            .collect();
        assert_eq!(written, vec![("c", 4), ("d", 6)]);
    }

    #[test]
    fn statement_sizes_cover_every_row_with_few_shapes() {
        assert_eq!(statement_sizes(0, 256), Vec::<usize>::new());
        assert_eq!(statement_sizes(256, 256), vec![256]);
        assert_eq!(statement_sizes(600, 256), vec![256, 256, 64, 16, 8]);
        assert_eq!(statement_sizes(7, 500), vec![4, 2, 1]);
        for n in 0..2000 {
            assert_eq!(statement_sizes(n, 300).iter().sum::<usize>(), n);
        }
    }

    #[test]
    fn hashes_are_stable() {
        // The stored hash must never change between releases: it decides "unchanged".
        assert_eq!(content_hash("{}"), xxh3_64(b"{}").cast_signed());
        assert_eq!(content_hash(""), 0x2d06_8005_38d3_94c2_u64.cast_signed());
    }
}
