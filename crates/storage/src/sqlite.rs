//! The SQLite engine: one file in WAL mode, `synchronous=FULL`, a small pool for readers and one
//! connection per write transaction (`BEGIN IMMEDIATE`, so writers queue on the busy timeout
//! instead of failing on a lock upgrade).

use std::collections::BTreeMap;
use std::sync::Arc;
use std::sync::atomic::{AtomicBool, AtomicU64, Ordering};
use std::time::Duration;

use carekpi_domain::{Record, RecordKind};
use futures_util::TryStreamExt;
use sqlx::migrate::Migrator;
use sqlx::sqlite::{
    SqliteConnectOptions, SqliteJournalMode, SqlitePool, SqlitePoolOptions, SqliteSynchronous,
};
use sqlx::{AssertSqlSafe, Transaction};

use crate::database::{Database, WriteBatch};
use crate::rows::{self, COLUMN_COUNT, COLUMNS, ON_CONFLICT_UPDATE, Row, RowSink};
use crate::{Backend, DatabaseUrl, StorageError, UpsertCounts};

static MIGRATOR: Migrator = sqlx::migrate!("./migrations/sqlite");

/// Rows per multi-row `INSERT` (8 values each; SQLite allows 32,766 bound values).
const ROWS_PER_INSERT: usize = 512;
/// Checkpoint the WAL in the background once this many bytes of bodies were committed since
/// the last checkpoint.
const CHECKPOINT_AFTER_BYTES: u64 = 16 << 20;
/// Ids per `WHERE id IN (…)` look-up.
const IDS_PER_LOOKUP: usize = 1024;
/// How long a writer waits for another writer before failing with "database is locked".
const BUSY_TIMEOUT: Duration = Duration::from_secs(30);

/// A CareKPI store in an SQLite file.
#[derive(Clone, Debug)]
pub struct SqliteDatabase {
    pool: SqlitePool,
    location: Arc<str>,
    checkpointer: Arc<Checkpointer>,
}

/// A write transaction on SQLite.
#[derive(Debug)]
pub struct SqliteBatch {
    tx: Transaction<'static, sqlx::Sqlite>,
    location: Arc<str>,
    checkpointer: Arc<Checkpointer>,
    /// Bytes of bodies written so far.
    written: u64,
    /// The rows of the last write, kept until the next (see `write`).
    retired: Vec<Row>,
}

/// Copies committed WAL frames into the database file on a pool connection in the background,
/// once enough was committed, so that neither a commit nor the next batch waits for it (SQLite's
/// own automatic checkpoint would run inside `COMMIT`).
#[derive(Debug)]
struct Checkpointer {
    pool: SqlitePool,
    enabled: bool,
    pending: AtomicU64,
    running: AtomicBool,
}

impl Checkpointer {
    fn committed(self: &Arc<Self>, bytes: u64) {
        if !self.enabled
            || self.pending.fetch_add(bytes, Ordering::Relaxed) + bytes < CHECKPOINT_AFTER_BYTES
            || self.running.swap(true, Ordering::AcqRel)
        {
            return;
        }
        self.pending.store(0, Ordering::Relaxed);
        let this = Arc::clone(self);
        tokio::spawn(async move {
            // Best effort: a failed or interrupted checkpoint leaves the WAL as it was, and the
            // last connection to close checkpoints what remains.
            let _ = sqlx::query("PRAGMA wal_checkpoint(PASSIVE)")
                .execute(&this.pool)
                .await;
            this.running.store(false, Ordering::Release);
        });
    }
}

impl SqliteDatabase {
    fn error(&self, action: impl Into<String>) -> impl FnOnce(sqlx::Error) -> StorageError + '_ {
        let action = action.into();
        move |e| StorageError::database(action, &self.location, e)
    }
}

impl Database for SqliteDatabase {
    type Batch = SqliteBatch;

    async fn open(url: &DatabaseUrl) -> Result<Self, StorageError> {
        let location: Arc<str> = url.redacted().into();
        let memory = url.is_sqlite_memory();
        let options = match url.sqlite_path() {
            Some(path) => SqliteConnectOptions::new()
                .filename(path)
                .create_if_missing(true)
                .journal_mode(SqliteJournalMode::Wal),
            None => SqliteConnectOptions::new()
                .in_memory(true)
                .journal_mode(SqliteJournalMode::Memory),
        }
        .synchronous(SqliteSynchronous::Full)
        .busy_timeout(BUSY_TIMEOUT)
        .pragma("temp_store", "memory")
        // The store checkpoints the WAL itself, in the background after large commits (see
        // `Checkpointer`), so a commit costs one WAL append and one fsync.
        .pragma("wal_autocheckpoint", "0")
        // After a checkpoint resets the WAL, truncate the file to at most 64 MiB.
        .pragma("journal_size_limit", "67108864")
        // 64 MiB of page cache per connection (negative: KiB).
        .pragma("cache_size", "-65536")
        // Bodies are about a kilobyte: 8 KiB pages hold several per page (new files only).
        .page_size(8192)
        .statement_cache_capacity(512);
        // An in-memory database lives as long as its one connection.
        let pool = if memory {
            SqlitePoolOptions::new()
                .max_connections(1)
                .min_connections(1)
                .idle_timeout(None)
                .max_lifetime(None)
        } else {
            SqlitePoolOptions::new().max_connections(4)
        }
        .connect_with(options)
        .await
        .map_err(|e| StorageError::Open {
            backend: "SQLite",
            location: location.to_string(),
            reason: url.scrub(&e.to_string()),
        })?;
        MIGRATOR
            .run(&pool)
            .await
            .map_err(|e| StorageError::Migrate {
                backend: "SQLite",
                location: location.to_string(),
                reason: url.scrub(&e.to_string()),
            })?;
        let checkpointer = Arc::new(Checkpointer {
            pool: pool.clone(),
            enabled: !memory,
            pending: AtomicU64::new(0),
            running: AtomicBool::new(false),
        });
        Ok(SqliteDatabase {
            pool,
            location,
            checkpointer,
        })
    }

    fn backend(&self) -> Backend {
        Backend::Sqlite
    }

    async fn begin(&self) -> Result<SqliteBatch, StorageError> {
        let tx = self
            .pool
            .begin_with("BEGIN IMMEDIATE")
            .await
            .map_err(self.error("starting a write transaction"))?;
        Ok(SqliteBatch {
            tx,
            location: self.location.clone(),
            checkpointer: Arc::clone(&self.checkpointer),
            written: 0,
            retired: Vec::new(),
        })
    }

    async fn counts(&self) -> Result<BTreeMap<RecordKind, u64>, StorageError> {
        let rows: Vec<(i64, i64)> = sqlx::query_as(AssertSqlSafe(rows::counts_sql()))
            .fetch_all(&self.pool)
            .await
            .map_err(self.error("counting records"))?;
        Ok(rows::counts_from(rows))
    }

    async fn records(&self, kind: RecordKind) -> Result<Vec<Record>, StorageError> {
        let sql = format!("SELECT id, body FROM {} ORDER BY id", kind.plural());
        let stored: Vec<(String, String)> = sqlx::query_as(AssertSqlSafe(sql))
            .fetch_all(&self.pool)
            .await
            .map_err(self.error(format!("reading {}", kind.plural())))?;
        stored
            .iter()
            .enumerate()
            .map(|(i, (id, body))| rows::parse_body(kind, i, id, body, &self.location))
            .collect()
    }

    async fn fingerprint(&self) -> Result<String, StorageError> {
        let action = "computing the fingerprint";
        // One read transaction: a consistent snapshot across tables.
        let mut tx = self.pool.begin().await.map_err(self.error(action))?;
        let mut digest = rows::Fingerprint::new();
        for &kind in RecordKind::ALL {
            let sql = format!("SELECT id, body FROM {} ORDER BY id", kind.plural());
            let mut stream =
                sqlx::query_as::<_, (String, String)>(AssertSqlSafe(sql)).fetch(&mut *tx);
            while let Some((id, body)) = stream.try_next().await.map_err(self.error(action))? {
                digest.add(kind, &id, &body);
            }
        }
        tx.rollback().await.map_err(self.error(action))?;
        Ok(digest.finish())
    }

    async fn setting(&self, key: &str) -> Result<Option<String>, StorageError> {
        sqlx::query_scalar("SELECT value FROM settings WHERE key = ?")
            .bind(key)
            .fetch_optional(&self.pool)
            .await
            .map_err(self.error(format!("reading setting `{key}`")))
    }

    async fn set_setting(&self, key: &str, value: &str) -> Result<(), StorageError> {
        sqlx::query(
            "INSERT INTO settings (key, value) VALUES (?, ?) \
             ON CONFLICT (key) DO UPDATE SET value = excluded.value",
        )
        .bind(key)
        .bind(value)
        .execute(&self.pool)
        .await
        .map_err(self.error(format!("writing setting `{key}`")))?;
        Ok(())
    }

    async fn close(self) {
        self.pool.close().await;
    }
}

impl WriteBatch for SqliteBatch {
    async fn upsert(&mut self, records: &[Record]) -> Result<UpsertCounts, StorageError> {
        let location = self.location.clone();
        rows::upsert(self, records, &location).await
    }

    async fn commit(self) -> Result<(), StorageError> {
        self.tx
            .commit()
            .await
            .map_err(|e| StorageError::database("committing a batch", &self.location, e))?;
        self.checkpointer.committed(self.written);
        Ok(())
    }

    async fn rollback(self) -> Result<(), StorageError> {
        self.tx
            .rollback()
            .await
            .map_err(|e| StorageError::database("rolling back a batch", &self.location, e))
    }
}

impl RowSink for SqliteBatch {
    const ROWS_PER_WRITE: usize = ROWS_PER_INSERT;

    async fn existing(
        &mut self,
        kind: RecordKind,
        ids: &[&str],
    ) -> Result<Vec<(String, i64)>, sqlx::Error> {
        let mut found = Vec::new();
        for chunk in ids.chunks(IDS_PER_LOOKUP) {
            // Pad the list to a power of two (repeating the last id) so the statement is one of
            // a few cached shapes. The matches come back as one JSON array in one row: sqlx
            // hands rows over from its SQLite thread one by one, which costs more than the
            // look-up itself.
            let n = chunk.len().next_power_of_two().max(8);
            let sql = format!(
                "SELECT json_group_array(json_array(id, content_hash)) FROM {} WHERE id IN ({})",
                kind.plural(),
                placeholders(n, 1)
            );
            let mut query = sqlx::query_scalar::<_, String>(AssertSqlSafe(sql));
            for i in 0..n {
                query = query.bind(chunk[i.min(chunk.len() - 1)]);
            }
            let json = query.fetch_one(&mut *self.tx).await?;
            let pairs: Vec<(String, i64)> =
                serde_json::from_str(&json).map_err(|e| sqlx::Error::Decode(Box::new(e)))?;
            found.extend(pairs);
        }
        Ok(found)
    }

    async fn write(&mut self, kind: RecordKind, rows: Vec<Row>) -> Result<(), sqlx::Error> {
        let mut rest: &[Row] = &rows;
        for size in rows::statement_sizes(rows.len(), ROWS_PER_INSERT) {
            let (statement, after) = rest.split_at(size);
            rest = after;
            let sql = format!(
                "INSERT INTO {} ({COLUMNS}) VALUES {}{ON_CONFLICT_UPDATE}",
                kind.plural(),
                placeholders(size, COLUMN_COUNT)
            );
            let mut query = sqlx::query(AssertSqlSafe(sql));
            for row in statement {
                self.written += row.body.len() as u64;
                query = query
                    .bind(Arc::clone(&row.id))
                    .bind(row.occurred_at_ms)
                    .bind(row.team_id.clone())
                    .bind(row.agent_id.clone())
                    .bind(row.customer_id.clone())
                    .bind(row.case_id.clone())
                    .bind(row.content_hash)
                    .bind(Arc::clone(&row.body));
            }
            query.execute(&mut *self.tx).await?;
        }
        // Binding shares the text with SQLite's worker thread; the rows are dropped on the next
        // write or at the end of the batch, by then certainly after the worker dropped its
        // references, so the memory is freed by the thread that allocated it (freed on the
        // worker, it would contend for the allocator's lock with the thread serialising records).
        self.retired = rows;
        Ok(())
    }
}

/// `n` tuples of `width` `?` placeholders: `(?,?),(?,?)`; with width 1, `?,?,?`.
fn placeholders(n: usize, width: usize) -> String {
    let tuple = if width == 1 {
        "?".to_string()
    } else {
        format!("({})", vec!["?"; width].join(","))
    };
    vec![tuple; n].join(",")
}
