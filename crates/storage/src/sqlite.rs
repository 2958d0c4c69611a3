//! The SQLite engine: one file in WAL mode, `synchronous=FULL`, a small pool for readers and one
//! connection per write transaction (`BEGIN IMMEDIATE`, so writers queue on the busy timeout
//! instead of failing on a lock upgrade).

use std::collections::{BTreeMap, HashMap};
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

use crate::accounts::{self, ApiKeyRow, SessionRow, UserRow};
use crate::changes::{self, ChangeRow};
use crate::database::{Database, WriteBatch};
use crate::rows::{self, COLUMN_COUNT, COLUMNS, ON_CONFLICT_UPDATE, Row, RowSink};
use crate::settings;
use crate::{
    ApiKey, Backend, DatabaseUrl, NewApiKey, NewUser, Session, SettingVersion, StorageError,
    UpsertCounts, User, UserUpdate,
};

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

    async fn setting_keys(&self, prefix: &str) -> Result<Vec<String>, StorageError> {
        // The prefix is matched with substr, not LIKE, so `_` and `%` in it are literal.
        sqlx::query_scalar(
            "SELECT key FROM settings WHERE substr(key, 1, length(?1)) = ?1 ORDER BY key",
        )
        .bind(prefix)
        .fetch_all(&self.pool)
        .await
        .map_err(self.error(format!("listing settings `{prefix}…`")))
    }

    async fn delete_setting(&self, key: &str) -> Result<bool, StorageError> {
        let done = sqlx::query("DELETE FROM settings WHERE key = ?")
            .bind(key)
            .execute(&self.pool)
            .await
            .map_err(self.error(format!("deleting setting `{key}`")))?;
        Ok(done.rows_affected() > 0)
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

    async fn changes_since(
        &self,
        after_seq: i64,
        limit: usize,
    ) -> Result<Vec<(i64, Record)>, StorageError> {
        let action = "reading changes";
        // One read transaction: the changes and the records they name from one snapshot.
        let mut tx = self.pool.begin().await.map_err(self.error(action))?;
        let rows: Vec<ChangeRow> = sqlx::query_as(changes::SELECT_CHANGES)
            .bind(after_seq)
            .bind(changes::limit(limit))
            .fetch_all(&mut *tx)
            .await
            .map_err(self.error(action))?;
        let wanted = changes::ids_by_kind(&rows)
            .map_err(|e| self.error(action)(sqlx::Error::Decode(e.into())))?;
        let mut records = HashMap::with_capacity(rows.len());
        for (kind, ids) in wanted {
            let sql = format!(
                "SELECT id, body FROM {} WHERE id IN (SELECT value FROM json_each($1))",
                kind.plural()
            );
            let ids = serde_json::to_string(&ids).expect("a list of text serialises");
            let stored: Vec<(String, String)> = sqlx::query_as(AssertSqlSafe(sql))
                .bind(ids)
                .fetch_all(&mut *tx)
                .await
                .map_err(self.error(action))?;
            for (i, (id, body)) in stored.into_iter().enumerate() {
                let record = rows::parse_body(kind, i, &id, &body, &self.location)?;
                records.insert((kind, id), record);
            }
        }
        tx.rollback().await.map_err(self.error(action))?;
        Ok(changes::in_order(rows, &records))
    }

    async fn last_change_seq(&self) -> Result<i64, StorageError> {
        sqlx::query_scalar(changes::LAST_SEQ)
            .fetch_one(&self.pool)
            .await
            .map_err(self.error("reading the last change"))
    }

    async fn set_setting_versioned(
        &self,
        key: &str,
        value: &str,
        actor: &str,
        now_ms: i64,
    ) -> Result<i64, StorageError> {
        let action = format!("writing setting `{key}`");
        let mut tx = self
            .pool
            .begin_with("BEGIN IMMEDIATE")
            .await
            .map_err(self.error(&action))?;
        sqlx::query(settings::UPSERT_SETTING)
            .bind(key)
            .bind(value)
            .execute(&mut *tx)
            .await
            .map_err(self.error(&action))?;
        let version: i64 = sqlx::query_scalar(settings::INSERT_VERSION)
            .bind(key)
            .bind(value)
            .bind(actor)
            .bind(now_ms)
            .fetch_one(&mut *tx)
            .await
            .map_err(self.error(&action))?;
        tx.commit().await.map_err(self.error(action))?;
        Ok(version)
    }

    async fn setting_version(&self, key: &str) -> Result<i64, StorageError> {
        let v: Option<i64> =
            sqlx::query_scalar("SELECT max(version) FROM setting_versions WHERE key = ?")
                .bind(key)
                .fetch_one(&self.pool)
                .await
                .map_err(self.error(format!("reading the version of setting `{key}`")))?;
        Ok(v.unwrap_or(0))
    }

    async fn setting_history(&self, key: &str) -> Result<Vec<SettingVersion>, StorageError> {
        let rows: Vec<(String, i64, String, String, i64)> =
            sqlx::query_as(settings::SELECT_HISTORY)
                .bind(key)
                .fetch_all(&self.pool)
                .await
                .map_err(self.error(format!("reading the history of setting `{key}`")))?;
        Ok(rows
            .into_iter()
            .map(|(key, version, value, actor, at_ms)| SettingVersion {
                key,
                version,
                value,
                actor,
                at_ms,
            })
            .collect())
    }

    async fn create_user(&self, user: &NewUser, now_ms: i64) -> Result<User, StorageError> {
        let (username, team_ids) = accounts::check_new_user(user)?;
        let action = "creating a user";
        let row: UserRow = sqlx::query_as(accounts::INSERT_USER)
            .bind(&username)
            .bind(user.display_name.as_deref())
            .bind(&user.role)
            .bind(&user.password_hash)
            .bind(user.agent_id.as_deref())
            .bind(&team_ids)
            .bind(&user.language)
            .bind(now_ms)
            .fetch_one(&self.pool)
            .await
            .map_err(|e| {
                accounts::conflict_or(
                    e,
                    || format!("a user named `{username}`"),
                    action,
                    &self.location,
                )
            })?;
        accounts::user_from_row(row).map_err(self.error(action))
    }

    async fn user(&self, id: i64) -> Result<Option<User>, StorageError> {
        let action = format!("reading user {id}");
        let sql = format!("{} WHERE id = $1", accounts::SELECT_USER);
        let row: Option<UserRow> = sqlx::query_as(AssertSqlSafe(sql))
            .bind(id)
            .fetch_optional(&self.pool)
            .await
            .map_err(self.error(&action))?;
        row.map(accounts::user_from_row)
            .transpose()
            .map_err(self.error(action))
    }

    async fn user_by_username(&self, username: &str) -> Result<Option<User>, StorageError> {
        let username = accounts::normalise_username(username);
        let action = format!("reading user `{username}`");
        let sql = format!("{} WHERE username = $1", accounts::SELECT_USER);
        let row: Option<UserRow> = sqlx::query_as(AssertSqlSafe(sql))
            .bind(&username)
            .fetch_optional(&self.pool)
            .await
            .map_err(self.error(&action))?;
        row.map(accounts::user_from_row)
            .transpose()
            .map_err(self.error(action))
    }

    async fn users(&self) -> Result<Vec<User>, StorageError> {
        let action = "reading users";
        let sql = format!("{} ORDER BY username", accounts::SELECT_USER);
        let rows: Vec<UserRow> = sqlx::query_as(AssertSqlSafe(sql))
            .fetch_all(&self.pool)
            .await
            .map_err(self.error(action))?;
        rows.into_iter()
            .map(accounts::user_from_row)
            .collect::<Result<_, _>>()
            .map_err(self.error(action))
    }

    async fn update_user(
        &self,
        id: i64,
        update: &UserUpdate,
        now_ms: i64,
    ) -> Result<Option<User>, StorageError> {
        let team_ids = accounts::check_user_update(update)?;
        let action = format!("updating user {id}");
        let row: Option<UserRow> = sqlx::query_as(accounts::UPDATE_USER)
            .bind(id)
            .bind(update.display_name.is_some())
            .bind(update.display_name.clone().flatten())
            .bind(update.role.as_deref())
            .bind(update.password_hash.as_deref())
            .bind(update.agent_id.is_some())
            .bind(update.agent_id.clone().flatten())
            .bind(team_ids)
            .bind(update.language.as_deref())
            .bind(update.disabled)
            .bind(now_ms)
            .fetch_optional(&self.pool)
            .await
            .map_err(self.error(&action))?;
        row.map(accounts::user_from_row)
            .transpose()
            .map_err(self.error(action))
    }

    async fn user_count(&self) -> Result<u64, StorageError> {
        let n: i64 = sqlx::query_scalar("SELECT COUNT(*) FROM users")
            .fetch_one(&self.pool)
            .await
            .map_err(self.error("counting users"))?;
        Ok(u64::try_from(n).unwrap_or(0))
    }

    async fn create_session(&self, session: &Session) -> Result<(), StorageError> {
        let action = format!("creating a session for user {}", session.user_id);
        sqlx::query(accounts::INSERT_SESSION)
            .bind(&session.token_hash)
            .bind(session.user_id)
            .bind(&session.csrf_token)
            .bind(session.created_at_ms)
            .bind(session.expires_at_ms)
            .bind(session.last_seen_ms)
            .execute(&self.pool)
            .await
            .map_err(|e| {
                accounts::conflict_or(
                    e,
                    || "a session with this token".to_string(),
                    &action,
                    &self.location,
                )
            })?;
        Ok(())
    }

    async fn session(
        &self,
        token_hash: &str,
        now_ms: i64,
    ) -> Result<Option<(Session, User)>, StorageError> {
        let action = "reading a session";
        let row: Option<SessionRow> = sqlx::query_as(accounts::SELECT_SESSION)
            .bind(token_hash)
            .bind(now_ms)
            .fetch_optional(&self.pool)
            .await
            .map_err(self.error(action))?;
        row.map(|row| accounts::session_from_row(token_hash, row))
            .transpose()
            .map_err(self.error(action))
    }

    async fn touch_session(
        &self,
        token_hash: &str,
        now_ms: i64,
        expires_at_ms: i64,
    ) -> Result<bool, StorageError> {
        let done = sqlx::query(accounts::TOUCH_SESSION)
            .bind(token_hash)
            .bind(now_ms)
            .bind(expires_at_ms)
            .execute(&self.pool)
            .await
            .map_err(self.error("touching a session"))?;
        Ok(done.rows_affected() > 0)
    }

    async fn delete_session(&self, token_hash: &str) -> Result<bool, StorageError> {
        let done = sqlx::query("DELETE FROM sessions WHERE token_hash = $1")
            .bind(token_hash)
            .execute(&self.pool)
            .await
            .map_err(self.error("deleting a session"))?;
        Ok(done.rows_affected() > 0)
    }

    async fn delete_user_sessions(&self, user_id: i64) -> Result<u64, StorageError> {
        let done = sqlx::query("DELETE FROM sessions WHERE user_id = $1")
            .bind(user_id)
            .execute(&self.pool)
            .await
            .map_err(self.error(format!("deleting the sessions of user {user_id}")))?;
        Ok(done.rows_affected())
    }

    async fn delete_expired_sessions(&self, now_ms: i64) -> Result<u64, StorageError> {
        let done = sqlx::query("DELETE FROM sessions WHERE expires_at_ms <= $1")
            .bind(now_ms)
            .execute(&self.pool)
            .await
            .map_err(self.error("deleting expired sessions"))?;
        Ok(done.rows_affected())
    }

    async fn create_api_key(&self, key: &NewApiKey, now_ms: i64) -> Result<ApiKey, StorageError> {
        let scopes = accounts::check_new_api_key(key)?;
        let action = "creating an API key";
        let row: ApiKeyRow = sqlx::query_as(accounts::INSERT_API_KEY)
            .bind(&key.name)
            .bind(&key.prefix)
            .bind(&key.key_hash)
            .bind(&scopes)
            .bind(key.created_by)
            .bind(now_ms)
            .fetch_one(&self.pool)
            .await
            .map_err(|e| {
                accounts::conflict_or(
                    e,
                    || format!("an API key with prefix `{}`", key.prefix),
                    action,
                    &self.location,
                )
            })?;
        accounts::api_key_from_row(row).map_err(self.error(action))
    }

    async fn api_key_by_prefix(&self, prefix: &str) -> Result<Option<ApiKey>, StorageError> {
        let action = format!("reading API key `{prefix}`");
        let sql = format!("{} WHERE prefix = $1", accounts::SELECT_API_KEY);
        let row: Option<ApiKeyRow> = sqlx::query_as(AssertSqlSafe(sql))
            .bind(prefix)
            .fetch_optional(&self.pool)
            .await
            .map_err(self.error(&action))?;
        row.map(accounts::api_key_from_row)
            .transpose()
            .map_err(self.error(action))
    }

    async fn api_keys(&self) -> Result<Vec<ApiKey>, StorageError> {
        let action = "reading API keys";
        let sql = format!("{} ORDER BY id", accounts::SELECT_API_KEY);
        let rows: Vec<ApiKeyRow> = sqlx::query_as(AssertSqlSafe(sql))
            .fetch_all(&self.pool)
            .await
            .map_err(self.error(action))?;
        rows.into_iter()
            .map(accounts::api_key_from_row)
            .collect::<Result<_, _>>()
            .map_err(self.error(action))
    }

    async fn revoke_api_key(&self, id: i64, now_ms: i64) -> Result<bool, StorageError> {
        let done = sqlx::query(
            "UPDATE api_keys SET revoked_at_ms = $2 WHERE id = $1 AND revoked_at_ms IS NULL",
        )
        .bind(id)
        .bind(now_ms)
        .execute(&self.pool)
        .await
        .map_err(self.error(format!("revoking API key {id}")))?;
        Ok(done.rows_affected() > 0)
    }

    async fn touch_api_key(&self, id: i64, now_ms: i64) -> Result<bool, StorageError> {
        let done = sqlx::query("UPDATE api_keys SET last_used_ms = $2 WHERE id = $1")
            .bind(id)
            .bind(now_ms)
            .execute(&self.pool)
            .await
            .map_err(self.error(format!("touching API key {id}")))?;
        Ok(done.rows_affected() > 0)
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
        let at_ms = changes::now_ms();
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
            // The change rows of the same records, numbered as written: SQLite has one writer
            // at a time (`BEGIN IMMEDIATE`), so numbering order is commit order.
            let sql = format!(
                "INSERT INTO changes (kind, record_id, at_ms) VALUES {}",
                change_placeholders(size)
            );
            let mut query = sqlx::query(AssertSqlSafe(sql))
                .bind(kind.as_str())
                .bind(at_ms);
            for row in statement {
                query = query.bind(Arc::clone(&row.id));
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

/// `n` change rows binding the kind (`?1`), the time (`?2`) and one id each:
/// `(?1,?3,?2),(?1,?4,?2)`.
fn change_placeholders(n: usize) -> String {
    (0..n)
        .map(|i| format!("(?1,?{},?2)", i + 3))
        .collect::<Vec<_>>()
        .join(",")
}
