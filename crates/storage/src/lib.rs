//! CareKPI storage: the records of every kind and the stored settings, in SQLite (the default:
//! one file) or PostgreSQL (several servers), behind one interface.
//!
//! The shape follows atuin: [`Database`] has one async method per use case and is implemented
//! once per engine ([`SqliteDatabase`], [`PostgresDatabase`], each with its own migrations);
//! [`Store`] picks the engine once, from the location, and dispatches to it. Both engines have
//! the same schema and the same behaviour, and one behaviour suite (`tests/`) runs against each.
//!
//! # Schema
//! One table per record kind, named [`RecordKind::plural`] (`cases`, `calls`, …), each with the
//! same columns: `id TEXT PRIMARY KEY` (byte-wise collation in both engines), `occurred_at_ms`
//! ([`Record::occurred_at`] as epoch milliseconds UTC), `team_id`, `agent_id`, `customer_id`,
//! `case_id` (from [`Record::links`]), `content_hash` (xxh3-64 of the body, as a signed integer)
//! and `body` ([`Record::to_json`]: the canonical interchange JSON without `kind`). Plus
//! `settings(key, value)`.
//!
//! # Writing
//! A [`Batch`] is one transaction. [`Batch::upsert`] groups the records by kind, looks up the
//! stored hashes of their ids with one query per kind (per 1,024 ids on SQLite, 5,000 on
//! PostgreSQL), serialises and classifies them, and writes only new or changed rows: on SQLite
//! with multi-row `INSERT … ON CONFLICT (id) DO UPDATE` statements of up to 512 rows (4,096 bound
//! values, under SQLite's 32,766), on PostgreSQL with `INSERT … SELECT * FROM UNNEST($1, …, $8)
//! ON CONFLICT …` (eight array parameters whatever the row count). The next group of records is
//! serialised while the engine writes the previous one.
//!
//! SQLite runs in WAL mode with `synchronous=FULL`: a commit appends to the WAL and syncs it
//! once. The store checkpoints the WAL itself, in the background after large commits, instead
//! of inside `COMMIT`; the last connection to close checkpoints what remains.

mod database;
mod error;
mod postgres;
mod rows;
mod sqlite;
mod url;

use std::collections::BTreeMap;
use std::fmt;
use std::ops::{Add, AddAssign};

use carekpi_domain::{Record, RecordKind};

pub use database::{Database, WriteBatch};
pub use error::StorageError;
pub use postgres::{PostgresBatch, PostgresDatabase};
pub use sqlite::{SqliteBatch, SqliteDatabase};
pub use url::DatabaseUrl;

/// The database engine behind a store.
#[derive(Clone, Copy, Debug, PartialEq, Eq, Hash)]
pub enum Backend {
    Sqlite,
    Postgres,
}

impl Backend {
    pub fn name(self) -> &'static str {
        match self {
            Backend::Sqlite => "SQLite",
            Backend::Postgres => "PostgreSQL",
        }
    }
}

impl fmt::Display for Backend {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.write_str(self.name())
    }
}

/// What an upsert did to each record it was given.
#[derive(Clone, Copy, Debug, Default, PartialEq, Eq, serde::Serialize)]
pub struct UpsertCounts {
    /// New ids.
    pub inserted: u64,
    /// Stored ids whose body changed.
    pub updated: u64,
    /// Stored ids sent again with the same body.
    pub unchanged: u64,
}

impl UpsertCounts {
    /// Every record counted.
    pub fn total(&self) -> u64 {
        self.inserted + self.updated + self.unchanged
    }
}

impl AddAssign for UpsertCounts {
    fn add_assign(&mut self, other: UpsertCounts) {
        self.inserted += other.inserted;
        self.updated += other.updated;
        self.unchanged += other.unchanged;
    }
}

impl Add for UpsertCounts {
    type Output = UpsertCounts;
    fn add(mut self, other: UpsertCounts) -> UpsertCounts {
        self += other;
        self
    }
}

/// A CareKPI store: SQLite or PostgreSQL, picked once from the location given to
/// [`Store::open`]. Cheap to clone (clones share the connection pool).
#[derive(Clone, Debug)]
pub struct Store {
    engine: Engine,
}

#[derive(Clone, Debug)]
enum Engine {
    Sqlite(SqliteDatabase),
    Postgres(PostgresDatabase),
}

/// A write transaction: everything upserted through it lands on [`Batch::commit`]; nothing does
/// if it is rolled back, dropped, or the process dies first.
#[derive(Debug)]
#[must_use = "a batch that is dropped without commit() is rolled back"]
pub struct Batch {
    engine: BatchEngine,
}

#[derive(Debug)]
enum BatchEngine {
    Sqlite(SqliteBatch),
    Postgres(PostgresBatch),
}

macro_rules! dispatch {
    ($self:expr, $db:ident => $call:expr) => {
        match $self {
            Engine::Sqlite($db) => $call,
            Engine::Postgres($db) => $call,
        }
    };
}

impl Store {
    /// Open the store at `location`: `postgres://…` or `postgresql://…` is PostgreSQL;
    /// `sqlite://PATH`, `sqlite:PATH` or a plain file path is SQLite (the file is created if
    /// missing; WAL journal, `synchronous=FULL`). Brings the schema up to date.
    pub async fn open(location: &str) -> Result<Store, StorageError> {
        let url = DatabaseUrl::parse(location)?;
        Store::open_url(&url).await
    }

    /// [`Store::open`] for a parsed location.
    pub async fn open_url(url: &DatabaseUrl) -> Result<Store, StorageError> {
        let engine = match url.backend() {
            Backend::Sqlite => Engine::Sqlite(SqliteDatabase::open(url).await?),
            Backend::Postgres => Engine::Postgres(PostgresDatabase::open(url).await?),
        };
        Ok(Store { engine })
    }

    pub fn backend(&self) -> Backend {
        dispatch!(&self.engine, db => db.backend())
    }

    /// Start a write transaction. On SQLite it takes the write lock at once (waiting up to 30 s
    /// for another writer); reads through the store go on meanwhile.
    pub async fn begin(&self) -> Result<Batch, StorageError> {
        let engine = match &self.engine {
            Engine::Sqlite(db) => BatchEngine::Sqlite(db.begin().await?),
            Engine::Postgres(db) => BatchEngine::Postgres(db.begin().await?),
        };
        Ok(Batch { engine })
    }

    /// How many records of each kind are stored: every kind, zeros included.
    pub async fn counts(&self) -> Result<BTreeMap<RecordKind, u64>, StorageError> {
        dispatch!(&self.engine, db => db.counts().await)
    }

    /// Every stored record of `kind`, ordered by id (byte-wise), read back from its stored JSON.
    pub async fn records(&self, kind: RecordKind) -> Result<Vec<Record>, StorageError> {
        dispatch!(&self.engine, db => db.records(kind).await)
    }

    /// A digest of every stored record (kind, id, body). Two stores with the same records have
    /// the same fingerprint, whatever their engine and whatever order the records came in.
    pub async fn fingerprint(&self) -> Result<String, StorageError> {
        dispatch!(&self.engine, db => db.fingerprint().await)
    }

    pub async fn setting(&self, key: &str) -> Result<Option<String>, StorageError> {
        dispatch!(&self.engine, db => db.setting(key).await)
    }

    pub async fn set_setting(&self, key: &str, value: &str) -> Result<(), StorageError> {
        dispatch!(&self.engine, db => db.set_setting(key, value).await)
    }

    /// Close every connection of this store (and of its clones).
    pub async fn close(self) {
        dispatch!(self.engine, db => db.close().await)
    }
}

impl Batch {
    /// Upsert by (kind, id): a new id is inserted; a stored id with a different body is updated;
    /// an identical one is left untouched. Records are taken in order, so when one kind and id
    /// comes twice the later record wins.
    pub async fn upsert(&mut self, records: &[Record]) -> Result<UpsertCounts, StorageError> {
        match &mut self.engine {
            BatchEngine::Sqlite(b) => b.upsert(records).await,
            BatchEngine::Postgres(b) => b.upsert(records).await,
        }
    }

    pub async fn commit(self) -> Result<(), StorageError> {
        match self.engine {
            BatchEngine::Sqlite(b) => b.commit().await,
            BatchEngine::Postgres(b) => b.commit().await,
        }
    }

    pub async fn rollback(self) -> Result<(), StorageError> {
        match self.engine {
            BatchEngine::Sqlite(b) => b.rollback().await,
            BatchEngine::Postgres(b) => b.rollback().await,
        }
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    fn send_sync<T: Send + Sync>(_: &T) {}
    fn send<T: Send>(_: T) {}

    /// The store can be shared across tasks and its futures spawned (a server needs both).
    #[allow(dead_code, clippy::let_underscore_future)]
    fn store_and_futures_are_send(store: &Store, batch: &mut Batch, records: &[Record]) {
        send_sync(store);
        send(store.begin());
        send(store.counts());
        send(store.records(RecordKind::Case));
        send(store.fingerprint());
        send(store.setting("k"));
        send(store.set_setting("k", "v"));
        send(store.clone().close());
        send(batch.upsert(records));
        send(Store::open("x.db"));
    }

    #[test]
    fn upsert_counts_add_up() {
        let mut total = UpsertCounts::default();
        total += UpsertCounts {
            inserted: 2,
            updated: 1,
            unchanged: 0,
        };
        let more = UpsertCounts {
            inserted: 1,
            updated: 0,
            unchanged: 4,
        };
        let total = total + more;
        assert_eq!(
            total,
            UpsertCounts {
                inserted: 3,
                updated: 1,
                unchanged: 4
            }
        );
        assert_eq!(total.total(), 8);
        assert_eq!(
            serde_json::to_string(&total).unwrap(),
            r#"{"inserted":3,"updated":1,"unchanged":4}"#
        );
    }
}
