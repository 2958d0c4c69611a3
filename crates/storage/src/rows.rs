//! What both engines share: how a record becomes a row, and how a batch of records is sorted
//! into new, changed and unchanged rows before anything is written.

use std::borrow::Cow;
use std::collections::{BTreeMap, HashMap};
use std::future::Future;
use std::sync::Arc;

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

/// One record as stored. The text is shared (`Arc<str>`) so that an engine can bind it without
/// a copy while the row stays owned, and freed, by the thread that made it.
#[derive(Clone, Debug, PartialEq, Eq)]
pub(crate) struct Row {
    pub id: Arc<str>,
    pub occurred_at_ms: Option<i64>,
    pub team_id: Option<Arc<str>>,
    pub agent_id: Option<Arc<str>>,
    pub customer_id: Option<Arc<str>>,
    pub case_id: Option<Arc<str>>,
    pub content_hash: i64,
    pub body: Arc<str>,
}

impl Row {
    /// The row of `record`, whose id, body and hash the caller has at hand.
    fn new(record: &Record, id: &str, body: &str, content_hash: i64) -> Row {
        let links = record.links();
        Row {
            id: id.into(),
            occurred_at_ms: record.occurred_at().map(|m| m.epoch_millis()),
            team_id: links.team_id.map(Arc::from),
            agent_id: links.agent_id.map(Arc::from),
            customer_id: links.customer_id.map(Arc::from),
            case_id: links.case_id.map(Arc::from),
            content_hash,
            body: body.into(),
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
    /// How many records are serialised, classified and handed to [`RowSink::write`] at a time;
    /// the next group is serialised while the engine writes the previous one.
    const ROWS_PER_WRITE: usize;

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
///
/// Per kind: one look-up of the stored hashes of all the ids (ids need no serialising), then the
/// records are serialised and classified a group at a time, and only new or changed rows are
/// written; a group is serialised while the engine writes the one before (the engine works on
/// its own thread, or on the server).
pub(crate) async fn upsert<S: RowSink>(
    sink: &mut S,
    records: &[Record],
    location: &str,
) -> Result<UpsertCounts, StorageError> {
    let mut by_kind: BTreeMap<RecordKind, Vec<&Record>> = BTreeMap::new();
    for record in records {
        by_kind.entry(record.kind()).or_default().push(record);
    }
    let mut counts = UpsertCounts::default();
    for (kind, records) in by_kind {
        let error = |e| StorageError::database(format!("upserting {}", kind.plural()), location, e);
        let ids: Vec<Cow<'_, str>> = records.iter().map(|r| r.id()).collect();
        let mut last: HashMap<&str, usize> = HashMap::with_capacity(ids.len());
        let mut distinct: Vec<&str> = Vec::with_capacity(ids.len());
        for (i, id) in ids.iter().enumerate() {
            if last.insert(id, i).is_none() {
                distinct.push(id);
            }
        }
        let stored: HashMap<String, i64> = sink
            .existing(kind, &distinct)
            .await
            .map_err(error)?
            .into_iter()
            .collect();
        let mut classifier = Classifier {
            records: &records,
            ids: &ids,
            stored: &stored,
            last: &last,
            seen: HashMap::new(),
            counts: UpsertCounts::default(),
        };
        let mut groups = (0..records.len())
            .step_by(S::ROWS_PER_WRITE)
            .map(|start| start..(start + S::ROWS_PER_WRITE).min(records.len()));
        let mut pending: Vec<Row> = Vec::new();
        loop {
            let group = groups.next();
            if pending.is_empty() {
                match group {
                    Some(group) => pending = classifier.take(group),
                    None => break,
                }
                continue;
            }
            let rows = std::mem::take(&mut pending);
            let next = async { group.map(|g| classifier.take(g)).unwrap_or_default() };
            // `join` polls the write first: the statement goes to the engine, then the next
            // group is serialised meanwhile.
            let (written, next) = futures_util::future::join(sink.write(kind, rows), next).await;
            written.map_err(error)?;
            pending = next;
        }
        counts += classifier.counts;
    }
    Ok(counts)
}

/// Counts each record of one kind against what is stored (and against earlier records with the
/// same id), and keeps the last record of each id whose body differs from the stored one.
struct Classifier<'a> {
    records: &'a [&'a Record],
    ids: &'a [Cow<'a, str>],
    /// id → hash, as stored before this upsert.
    stored: &'a HashMap<String, i64>,
    /// id → index of its last record.
    last: &'a HashMap<&'a str, usize>,
    /// id → hash of its latest record so far, for ids that come again later.
    seen: HashMap<&'a str, i64>,
    counts: UpsertCounts,
}

impl<'a> Classifier<'a> {
    /// Serialise and classify the records in `range`; the rows to write.
    fn take(&mut self, range: std::ops::Range<usize>) -> Vec<Row> {
        let mut rows = Vec::with_capacity(range.len());
        for i in range {
            let id: &'a str = &self.ids[i];
            let body = self.records[i].to_json();
            let hash = content_hash(&body);
            let stored = self.stored.get(id).copied();
            match self.seen.get(id).copied().or(stored) {
                None => self.counts.inserted += 1,
                Some(before) if before == hash => self.counts.unchanged += 1,
                Some(_) => self.counts.updated += 1,
            }
            if self.last[id] != i {
                self.seen.insert(id, hash);
            } else if stored != Some(hash) {
                rows.push(Row::new(self.records[i], id, &body, hash));
            }
        }
        rows
    }
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

    /// An engine in memory, writing at most two rows at a time, that remembers every write.
    #[derive(Default)]
    struct MemorySink {
        rows: HashMap<(RecordKind, String), Row>,
        writes: Vec<Vec<String>>,
    }

    impl RowSink for MemorySink {
        const ROWS_PER_WRITE: usize = 2;

        async fn existing(
            &mut self,
            kind: RecordKind,
            ids: &[&str],
        ) -> Result<Vec<(String, i64)>, sqlx::Error> {
            Ok(ids
                .iter()
                .filter_map(|id| self.rows.get(&(kind, id.to_string())))
                .map(|row| (row.id.to_string(), row.content_hash))
                .collect())
        }

        async fn write(&mut self, kind: RecordKind, rows: Vec<Row>) -> Result<(), sqlx::Error> {
            self.writes
                .push(rows.iter().map(|r| r.id.to_string()).collect());
            for row in rows {
                self.rows.insert((kind, row.id.to_string()), row);
            }
            Ok(())
        }
    }

    fn team(id: &str, name: &str) -> Record {
        let line = format!(r#"{{"kind":"team","id":"{id}","name":"{name}"}}"#);
        carekpi_domain::parse_record(line.as_bytes(), Position::Line(1), None).unwrap()
    }

    fn counts(inserted: u64, updated: u64, unchanged: u64) -> UpsertCounts {
        UpsertCounts {
            inserted,
            updated,
            unchanged,
        }
    }

    fn name_of(sink: &MemorySink, id: &str) -> String {
        let row = &sink.rows[&(RecordKind::Team, id.to_string())];
        assert_eq!(row.content_hash, content_hash(&row.body));
        let value: serde_json::Value = serde_json::from_str(&row.body).unwrap();
        value["name"].as_str().unwrap().to_string()
    }

    #[tokio::test]
    async fn classifies_like_one_upsert_after_another() {
        let mut sink = MemorySink::default();
        let first = [team("a", "1"), team("b", "2")];
        assert_eq!(
            upsert(&mut sink, &first, "mem").await.unwrap(),
            counts(2, 0, 0)
        );
        sink.writes.clear();

        let records = [
            team("a", "1"), // unchanged
            team("b", "3"), // updated
            team("c", "4"), // inserted
            team("c", "4"), // unchanged (same as the previous c)
            team("d", "5"), // inserted
            team("d", "6"), // updated (differs from the previous d)
            team("b", "2"), // updated (back to the stored body, which is then left as it is)
            team("e", "7"), // inserted
        ];
        let done = upsert(&mut sink, &records, "mem").await.unwrap();
        assert_eq!(done, counts(3, 3, 2));
        // Only the last version of each new or changed id is written, two at a time.
        assert_eq!(sink.writes, vec![vec!["c"], vec!["d"], vec!["e"]]);
        for (id, name) in [("a", "1"), ("b", "2"), ("c", "4"), ("d", "6"), ("e", "7")] {
            assert_eq!(name_of(&sink, id), name, "{id}");
        }

        // Everything again: unchanged, nothing written.
        sink.writes.clear();
        let again = [team("a", "1"), team("b", "2"), team("e", "7")];
        assert_eq!(
            upsert(&mut sink, &again, "mem").await.unwrap(),
            counts(0, 0, 3)
        );
        assert!(sink.writes.is_empty());
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
