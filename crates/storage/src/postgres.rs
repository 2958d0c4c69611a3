//! The PostgreSQL engine: a connection pool; a write transaction holds one connection. Rows are
//! written with `INSERT … SELECT * FROM UNNEST($1::text[], …)`: one statement shape per table
//! whatever the row count, eight array parameters instead of eight per row.

use std::collections::{BTreeMap, HashMap};
use std::str::FromStr;
use std::sync::Arc;

use carekpi_domain::{Record, RecordKind};
use futures_util::TryStreamExt;
use sqlx::migrate::Migrator;
use sqlx::postgres::{PgConnectOptions, PgPool, PgPoolOptions};
use sqlx::{AssertSqlSafe, ConnectOptions, Connection, Transaction};

use crate::accounts::{self, ApiKeyRow, SessionRow, UserRow};
use crate::changes::{self, ChangeRow};
use crate::database::{Database, WriteBatch};
use crate::rows::{self, COLUMNS, ON_CONFLICT_UPDATE, Row, RowSink};
use crate::settings;
use crate::{
    ApiKey, Backend, DatabaseUrl, NewApiKey, NewUser, Session, SettingVersion, StorageError,
    UpsertCounts, User, UserUpdate,
};

static MIGRATOR: Migrator = sqlx::migrate!("./migrations/postgres");

/// Rows per `INSERT … UNNEST` statement.
const ROWS_PER_INSERT: usize = 1000;
/// Ids per `WHERE id = ANY($1)` look-up.
const IDS_PER_LOOKUP: usize = 5000;
/// Change rows per `INSERT … UNNEST` statement at commit.
const CHANGES_PER_INSERT: usize = 50_000;

/// A CareKPI store in a PostgreSQL database (the schema is the connection's `search_path`; add
/// `?options=-c%20search_path%3Dmyschema` to the URL to use another schema).
#[derive(Clone, Debug)]
pub struct PostgresDatabase {
    pool: PgPool,
    location: Arc<str>,
}

/// A write transaction on PostgreSQL.
#[derive(Debug)]
pub struct PostgresBatch {
    tx: Transaction<'static, sqlx::Postgres>,
    location: Arc<str>,
    /// The records written so far (inserted or updated), for the change feed: their change
    /// rows are written at commit time (see `record_changes`).
    changed: Vec<(RecordKind, Arc<str>)>,
}

impl PostgresDatabase {
    fn error(&self, action: impl Into<String>) -> impl FnOnce(sqlx::Error) -> StorageError + '_ {
        let action = action.into();
        move |e| StorageError::database(action, &self.location, e)
    }
}

impl Database for PostgresDatabase {
    type Batch = PostgresBatch;

    async fn open(url: &DatabaseUrl) -> Result<Self, StorageError> {
        let location: Arc<str> = url.redacted().into();
        let open_error = |e: sqlx::Error| StorageError::Open {
            backend: "PostgreSQL",
            location: location.to_string(),
            reason: url.scrub(&e.to_string()),
        };
        let options = PgConnectOptions::from_str(url.expose())
            .map_err(open_error)?
            .application_name("carekpi");
        // One direct connection first: the pool retries a refused connection until its
        // acquire timeout and then reports only that it timed out; this says why at once.
        options
            .connect()
            .await
            .map_err(open_error)?
            .close()
            .await
            .map_err(open_error)?;
        let pool = PgPoolOptions::new()
            .max_connections(8)
            .connect_with(options)
            .await
            .map_err(open_error)?;
        MIGRATOR
            .run(&pool)
            .await
            .map_err(|e| StorageError::Migrate {
                backend: "PostgreSQL",
                location: location.to_string(),
                reason: url.scrub(&e.to_string()),
            })?;
        Ok(PostgresDatabase { pool, location })
    }

    fn backend(&self) -> Backend {
        Backend::Postgres
    }

    async fn begin(&self) -> Result<PostgresBatch, StorageError> {
        let tx = self
            .pool
            .begin()
            .await
            .map_err(self.error("starting a write transaction"))?;
        Ok(PostgresBatch {
            tx,
            location: self.location.clone(),
            changed: Vec::new(),
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
        // One snapshot across tables.
        let mut tx = self
            .pool
            .begin_with("BEGIN ISOLATION LEVEL REPEATABLE READ READ ONLY")
            .await
            .map_err(self.error(action))?;
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
            "SELECT key FROM settings WHERE substr(key, 1, length($1)) = $1 ORDER BY key",
        )
        .bind(prefix)
        .fetch_all(&self.pool)
        .await
        .map_err(self.error(format!("listing settings `{prefix}…`")))
    }

    async fn delete_setting(&self, key: &str) -> Result<bool, StorageError> {
        let done = sqlx::query("DELETE FROM settings WHERE key = $1")
            .bind(key)
            .execute(&self.pool)
            .await
            .map_err(self.error(format!("deleting setting `{key}`")))?;
        Ok(done.rows_affected() > 0)
    }

    async fn setting(&self, key: &str) -> Result<Option<String>, StorageError> {
        sqlx::query_scalar("SELECT value FROM settings WHERE key = $1")
            .bind(key)
            .fetch_optional(&self.pool)
            .await
            .map_err(self.error(format!("reading setting `{key}`")))
    }

    async fn set_setting(&self, key: &str, value: &str) -> Result<(), StorageError> {
        sqlx::query(
            "INSERT INTO settings (key, value) VALUES ($1, $2) \
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
        // One snapshot: the changes and the records they name as of the same moment.
        let mut tx = self
            .pool
            .begin_with("BEGIN ISOLATION LEVEL REPEATABLE READ READ ONLY")
            .await
            .map_err(self.error(action))?;
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
            let sql = format!("SELECT id, body FROM {} WHERE id = ANY($1)", kind.plural());
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
        let mut tx = self.pool.begin().await.map_err(self.error(&action))?;
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
            sqlx::query_scalar("SELECT max(version) FROM setting_versions WHERE key = $1")
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

impl WriteBatch for PostgresBatch {
    async fn upsert(&mut self, records: &[Record]) -> Result<UpsertCounts, StorageError> {
        let location = self.location.clone();
        rows::upsert(self, records, &location).await
    }

    async fn commit(mut self) -> Result<(), StorageError> {
        if !self.changed.is_empty() {
            record_changes(&mut self.tx, &self.changed)
                .await
                .map_err(|e| StorageError::database("recording changes", &self.location, e))?;
        }
        self.tx
            .commit()
            .await
            .map_err(|e| StorageError::database("committing a batch", &self.location, e))
    }

    async fn rollback(self) -> Result<(), StorageError> {
        self.tx
            .rollback()
            .await
            .map_err(|e| StorageError::database("rolling back a batch", &self.location, e))
    }
}

impl RowSink for PostgresBatch {
    const ROWS_PER_WRITE: usize = ROWS_PER_INSERT;

    async fn existing(
        &mut self,
        kind: RecordKind,
        ids: &[&str],
    ) -> Result<Vec<(String, i64)>, sqlx::Error> {
        let sql = format!(
            "SELECT id, content_hash FROM {} WHERE id = ANY($1)",
            kind.plural()
        );
        let mut found = Vec::new();
        for chunk in ids.chunks(IDS_PER_LOOKUP) {
            let rows: Vec<(String, i64)> = sqlx::query_as(AssertSqlSafe(sql.clone()))
                .bind(chunk)
                .fetch_all(&mut *self.tx)
                .await?;
            found.extend(rows);
        }
        Ok(found)
    }

    async fn write(&mut self, kind: RecordKind, rows: Vec<Row>) -> Result<(), sqlx::Error> {
        let sql = format!(
            "INSERT INTO {} ({COLUMNS}) SELECT * FROM UNNEST(\
             $1::text[], $2::bigint[], $3::text[], $4::text[], $5::text[], $6::text[], \
             $7::bigint[], $8::text[]){ON_CONFLICT_UPDATE}",
            kind.plural()
        );
        self.changed
            .extend(rows.iter().map(|row| (kind, Arc::clone(&row.id))));
        for chunk in rows.chunks(ROWS_PER_INSERT) {
            let columns = Columns::of(chunk);
            sqlx::query(AssertSqlSafe(sql.clone()))
                .bind(columns.id)
                .bind(columns.occurred_at_ms)
                .bind(columns.team_id)
                .bind(columns.agent_id)
                .bind(columns.customer_id)
                .bind(columns.case_id)
                .bind(columns.content_hash)
                .bind(columns.body)
                .execute(&mut *self.tx)
                .await?;
        }
        Ok(())
    }
}

/// Write the change rows of a batch, right before its `COMMIT`: take the change feed's advisory
/// lock, which PostgreSQL releases only once the commit is visible, then draw the seqs. Batches
/// thus draw seqs in commit order, and a reader that saw seq `n` committed has seen every seq
/// below it committed too. The lock is held only for this insert and the commit.
async fn record_changes(
    tx: &mut Transaction<'static, sqlx::Postgres>,
    changed: &[(RecordKind, Arc<str>)],
) -> Result<(), sqlx::Error> {
    sqlx::query("SELECT pg_advisory_xact_lock($1)")
        .bind(changes::LOCK_KEY)
        .execute(&mut **tx)
        .await?;
    let at_ms = changes::now_ms();
    for chunk in changed.chunks(CHANGES_PER_INSERT) {
        let kinds: Vec<&str> = chunk.iter().map(|(kind, _)| kind.as_str()).collect();
        let ids: Vec<&str> = chunk.iter().map(|(_, id)| &**id).collect();
        sqlx::query(
            "INSERT INTO changes (kind, record_id, at_ms) \
             SELECT kind, record_id, $3 FROM UNNEST($1::text[], $2::text[]) AS c(kind, record_id)",
        )
        .bind(kinds)
        .bind(ids)
        .bind(at_ms)
        .execute(&mut **tx)
        .await?;
    }
    Ok(())
}

/// Rows turned into one array per column, for `UNNEST`.
struct Columns<'a> {
    id: Vec<&'a str>,
    occurred_at_ms: Vec<Option<i64>>,
    team_id: Vec<Option<&'a str>>,
    agent_id: Vec<Option<&'a str>>,
    customer_id: Vec<Option<&'a str>>,
    case_id: Vec<Option<&'a str>>,
    content_hash: Vec<i64>,
    body: Vec<&'a str>,
}

impl<'a> Columns<'a> {
    fn of(rows: &'a [Row]) -> Columns<'a> {
        Columns {
            id: rows.iter().map(|r| &*r.id).collect(),
            occurred_at_ms: rows.iter().map(|r| r.occurred_at_ms).collect(),
            team_id: rows.iter().map(|r| r.team_id.as_deref()).collect(),
            agent_id: rows.iter().map(|r| r.agent_id.as_deref()).collect(),
            customer_id: rows.iter().map(|r| r.customer_id.as_deref()).collect(),
            case_id: rows.iter().map(|r| r.case_id.as_deref()).collect(),
            content_hash: rows.iter().map(|r| r.content_hash).collect(),
            body: rows.iter().map(|r| &*r.body).collect(),
        }
    }
}
