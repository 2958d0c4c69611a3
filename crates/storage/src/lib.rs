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
//! `settings(key, value)`, and `setting_versions(key, version, value, actor, at_ms)`: the history
//! of every value given through [`Store::set_setting_versioned`].
//!
//! # Accounts
//! `users`, `sessions` and `api_keys` say who may use CareKPI ([`Store::create_user`],
//! [`Store::session`], [`Store::api_key_by_prefix`] …). The store never sees a password, a
//! session token or an API key secret: the caller hashes them (argon2 for passwords, SHA-256
//! for tokens and secrets) and the store keeps the hashes. Usernames are stored trimmed and
//! lower-cased, so they are unique whatever their case. A unique key taken already is
//! [`StorageError::Conflict`]; a value the store refuses (an unknown role) is
//! [`StorageError::Invalid`], checked before anything is written.
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
//! Each record written (new or changed, not unchanged ones) also gets a row in `changes(seq,
//! kind, record_id, at_ms)`, in the same transaction, so that several servers on one PostgreSQL
//! database see each other's ingests ([`Store::changes_since`]). Seqs follow commit order: on
//! SQLite, where one writer holds the write lock from `BEGIN IMMEDIATE` to `COMMIT`, the change
//! rows are written with the records (multi-row `INSERT`s of the same sizes, overlapping the
//! serialisation of the next group); on PostgreSQL, where batches write concurrently, a batch
//! writes its change rows right before `COMMIT` (one `INSERT … UNNEST`), holding a
//! transaction-level advisory lock that PostgreSQL releases once the commit is visible. Only
//! that insert and the commit are serialised between writers.
//!
//! SQLite runs in WAL mode with `synchronous=FULL`: a commit appends to the WAL and syncs it
//! once. The store checkpoints the WAL itself, in the background after large commits, instead
//! of inside `COMMIT`; the last connection to close checkpoints what remains.

mod accounts;
mod changes;
mod database;
mod error;
mod postgres;
mod rows;
mod settings;
mod sqlite;
mod url;

use std::collections::BTreeMap;
use std::fmt;
use std::ops::{Add, AddAssign};

use carekpi_domain::{Record, RecordKind};

pub use accounts::{
    API_KEY_SCOPES, ApiKey, LANGUAGES, NewApiKey, NewUser, ROLES, Session, User, UserUpdate,
    normalise_username,
};
pub use database::{Database, WriteBatch};
pub use error::StorageError;
pub use postgres::{PostgresBatch, PostgresDatabase};
pub use settings::SettingVersion;
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

    /// The keys of the settings that start with `prefix` (taken literally), in order.
    pub async fn setting_keys(&self, prefix: &str) -> Result<Vec<String>, StorageError> {
        dispatch!(&self.engine, db => db.setting_keys(prefix).await)
    }

    /// Remove a setting (its version history, if any, stays); whether it was there.
    pub async fn delete_setting(&self, key: &str) -> Result<bool, StorageError> {
        dispatch!(&self.engine, db => db.delete_setting(key).await)
    }

    pub async fn set_setting(&self, key: &str, value: &str) -> Result<(), StorageError> {
        dispatch!(&self.engine, db => db.set_setting(key, value).await)
    }

    /// The change feed: the changes after `after_seq`, at most `limit` of them, ordered by seq,
    /// each with the record as stored now.
    ///
    /// Every record a committed batch inserted or updated is one change (unchanged records are
    /// none), and seqs grow in commit order: a reader that remembers the last seq it saw and
    /// asks for the changes after it never skips one, even one committed by another server on
    /// the same PostgreSQL database after the reader looked. A record changed twice appears
    /// twice, at each of its seqs, both times with its current body (a reader applying changes
    /// in order ends up with the current record either way). A change whose record is no longer
    /// stored is left out (records are never deleted today; a future deletion must delete their
    /// change rows in the same transaction, or a page could come back empty too early).
    ///
    /// To follow a store: read [`Store::last_change_seq`] first, then load what is stored, then
    /// poll `changes_since(last, n)` (records loaded and changed meanwhile come again; applying
    /// them twice does no harm), continuing after the last seq returned, until a page comes
    /// back shorter than `limit`.
    pub async fn changes_since(
        &self,
        after_seq: i64,
        limit: usize,
    ) -> Result<Vec<(i64, Record)>, StorageError> {
        dispatch!(&self.engine, db => db.changes_since(after_seq, limit).await)
    }

    /// The seq of the newest change, 0 when there is none.
    pub async fn last_change_seq(&self) -> Result<i64, StorageError> {
        dispatch!(&self.engine, db => db.last_change_seq().await)
    }

    /// Set a setting and record the change: in one transaction, `value` becomes the current
    /// value (what [`Store::setting`] reads) and is appended to the key's history as the next
    /// version (1 for the first versioned write, then one more than the last), with who
    /// (`actor`, as the caller names them) and when. The new version number. Concurrent writers
    /// of one key get distinct, consecutive versions; the current value is the highest
    /// version's. Values written with [`Store::set_setting`] have no version.
    pub async fn set_setting_versioned(
        &self,
        key: &str,
        value: &str,
        actor: &str,
        now_ms: i64,
    ) -> Result<i64, StorageError> {
        dispatch!(&self.engine, db => db.set_setting_versioned(key, value, actor, now_ms).await)
    }

    /// Every version of a setting, newest first (empty when it was never written versioned).
    pub async fn setting_history(&self, key: &str) -> Result<Vec<SettingVersion>, StorageError> {
        dispatch!(&self.engine, db => db.setting_history(key).await)
    }

    /// The newest version number of a setting (0 when it was never written versioned): one
    /// indexed read, for pollers.
    pub async fn setting_version(&self, key: &str) -> Result<i64, StorageError> {
        dispatch!(&self.engine, db => db.setting_version(key).await)
    }

    // ---- users ----

    /// Create a user. The username is stored trimmed and lower-cased; one that is taken
    /// already, whatever its case, is [`StorageError::Conflict`]. A role not in [`ROLES`], a
    /// language not in [`LANGUAGES`], an empty username or password hash is
    /// [`StorageError::Invalid`] (nothing is written). `now_ms` becomes both timestamps.
    pub async fn create_user(&self, user: &NewUser, now_ms: i64) -> Result<User, StorageError> {
        dispatch!(&self.engine, db => db.create_user(user, now_ms).await)
    }

    /// The user with this id.
    pub async fn user(&self, id: i64) -> Result<Option<User>, StorageError> {
        dispatch!(&self.engine, db => db.user(id).await)
    }

    /// The user with this username, whatever its case and surrounding spaces (disabled users
    /// too: the caller decides what a disabled user may do).
    pub async fn user_by_username(&self, username: &str) -> Result<Option<User>, StorageError> {
        dispatch!(&self.engine, db => db.user_by_username(username).await)
    }

    /// Every user, ordered by username (byte-wise).
    pub async fn users(&self) -> Result<Vec<User>, StorageError> {
        dispatch!(&self.engine, db => db.users().await)
    }

    /// Change the fields of `update` that are `Some` (in one statement) and set
    /// `updated_at_ms` to `now_ms`; the user as stored afterwards, or `None` for an unknown id.
    /// The same checks as [`Store::create_user`] apply. Disabling a user ends their sessions in
    /// effect ([`Store::session`] no longer finds them) without deleting them.
    pub async fn update_user(
        &self,
        id: i64,
        update: &UserUpdate,
        now_ms: i64,
    ) -> Result<Option<User>, StorageError> {
        dispatch!(&self.engine, db => db.update_user(id, update, now_ms).await)
    }

    /// How many users there are (disabled ones included): 0 means the first admin is yet to
    /// be created.
    pub async fn user_count(&self) -> Result<u64, StorageError> {
        dispatch!(&self.engine, db => db.user_count().await)
    }

    // ---- sessions ----

    /// Store a new session. Its `token_hash` is the hex SHA-256 of the cookie token (the token
    /// itself is never stored); a hash stored already is [`StorageError::Conflict`], an unknown
    /// user a [`StorageError::Database`] error (foreign key).
    pub async fn create_session(&self, session: &Session) -> Result<(), StorageError> {
        dispatch!(&self.engine, db => db.create_session(session).await)
    }

    /// The session with this token hash and its user, when it is still valid at `now_ms`
    /// (`now_ms < expires_at_ms`) and the user is not disabled; `None` otherwise.
    pub async fn session(
        &self,
        token_hash: &str,
        now_ms: i64,
    ) -> Result<Option<(Session, User)>, StorageError> {
        dispatch!(&self.engine, db => db.session(token_hash, now_ms).await)
    }

    /// Record activity on a valid session: `last_seen_ms = now_ms`, `expires_at_ms =
    /// expires_at_ms` (sliding expiry). Whether the session was touched: an unknown or already
    /// expired session is not extended.
    pub async fn touch_session(
        &self,
        token_hash: &str,
        now_ms: i64,
        expires_at_ms: i64,
    ) -> Result<bool, StorageError> {
        dispatch!(&self.engine, db => db.touch_session(token_hash, now_ms, expires_at_ms).await)
    }

    /// End one session (log out); whether it existed.
    pub async fn delete_session(&self, token_hash: &str) -> Result<bool, StorageError> {
        dispatch!(&self.engine, db => db.delete_session(token_hash).await)
    }

    /// End every session of a user (after a password change, on disabling); how many ended.
    pub async fn delete_user_sessions(&self, user_id: i64) -> Result<u64, StorageError> {
        dispatch!(&self.engine, db => db.delete_user_sessions(user_id).await)
    }

    /// Remove the sessions expired at `now_ms` (`expires_at_ms <= now_ms`); how many.
    pub async fn delete_expired_sessions(&self, now_ms: i64) -> Result<u64, StorageError> {
        dispatch!(&self.engine, db => db.delete_expired_sessions(now_ms).await)
    }

    // ---- API keys ----

    /// Store a new API key: its public `prefix` (unique: a prefix stored already is
    /// [`StorageError::Conflict`]) and the hex SHA-256 of its secret, both made by the caller.
    /// Scopes must be in [`API_KEY_SCOPES`] (else [`StorageError::Invalid`]); each is kept
    /// once, in the order given.
    pub async fn create_api_key(
        &self,
        key: &NewApiKey,
        now_ms: i64,
    ) -> Result<ApiKey, StorageError> {
        dispatch!(&self.engine, db => db.create_api_key(key, now_ms).await)
    }

    /// The API key with this prefix, with its `key_hash` for the caller to compare, revoked
    /// ones included (see [`ApiKey::is_revoked`]) so the caller can say why a key is refused.
    pub async fn api_key_by_prefix(&self, prefix: &str) -> Result<Option<ApiKey>, StorageError> {
        dispatch!(&self.engine, db => db.api_key_by_prefix(prefix).await)
    }

    /// Every API key, revoked ones included, ordered by id (creation).
    pub async fn api_keys(&self) -> Result<Vec<ApiKey>, StorageError> {
        dispatch!(&self.engine, db => db.api_keys().await)
    }

    /// Revoke an API key at `now_ms`; whether it was revoked now (false for an unknown id or
    /// a key revoked before, whose revocation time stays as it was).
    pub async fn revoke_api_key(&self, id: i64, now_ms: i64) -> Result<bool, StorageError> {
        dispatch!(&self.engine, db => db.revoke_api_key(id, now_ms).await)
    }

    /// Record that an API key was used at `now_ms`; whether the key exists. Each call is a
    /// write: a busy server may do it at most once a minute per key.
    pub async fn touch_api_key(&self, id: i64, now_ms: i64) -> Result<bool, StorageError> {
        dispatch!(&self.engine, db => db.touch_api_key(id, now_ms).await)
    }

    /// Close every connection of this store (and of its clones).
    pub async fn close(self) {
        dispatch!(self.engine, db => db.close().await)
    }
}

impl Batch {
    /// Upsert by (kind, id): a new id is inserted; a stored id with a different body is updated;
    /// an identical one is left untouched. Records are taken in order, so when one kind and id
    /// comes twice the later record wins. Every record inserted or updated becomes a change in
    /// the feed ([`Store::changes_since`]) when the batch commits.
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
    fn store_and_futures_are_send(
        store: &Store,
        batch: &mut Batch,
        records: &[Record],
        session: Session,
        key: NewApiKey,
    ) {
        send_sync(store);
        send(store.begin());
        send(store.counts());
        send(store.records(RecordKind::Case));
        send(store.fingerprint());
        send(store.setting("k"));
        send(store.set_setting("k", "v"));
        send(store.changes_since(0, 10));
        send(store.last_change_seq());
        send(store.set_setting_versioned("k", "v", "a", 0));
        send(store.setting_history("k"));
        send(store.create_user(&NewUser::new("a", "admin", "h"), 0));
        send(store.user(1));
        send(store.user_by_username("a"));
        send(store.users());
        send(store.update_user(1, &UserUpdate::default(), 0));
        send(store.user_count());
        send(store.create_session(&session));
        send(store.session("h", 0));
        send(store.touch_session("h", 0, 1));
        send(store.delete_session("h"));
        send(store.delete_user_sessions(1));
        send(store.delete_expired_sessions(0));
        send(store.create_api_key(&key, 0));
        send(store.api_key_by_prefix("p"));
        send(store.api_keys());
        send(store.revoke_api_key(1, 0));
        send(store.touch_api_key(1, 0));
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
