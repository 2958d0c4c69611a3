//! The PostgreSQL engine: a connection pool; a write transaction holds one connection. Rows are
//! written with `INSERT … SELECT * FROM UNNEST($1::text[], …)`: one statement shape per table
//! whatever the row count, eight array parameters instead of eight per row.

use std::collections::BTreeMap;
use std::str::FromStr;
use std::sync::Arc;

use carekpi_domain::{Record, RecordKind};
use futures_util::TryStreamExt;
use sqlx::migrate::Migrator;
use sqlx::postgres::{PgConnectOptions, PgPool, PgPoolOptions};
use sqlx::{AssertSqlSafe, ConnectOptions, Connection, Transaction};

use crate::database::{Database, WriteBatch};
use crate::rows::{self, COLUMNS, ON_CONFLICT_UPDATE, Row, RowSink};
use crate::{Backend, DatabaseUrl, StorageError, UpsertCounts};

static MIGRATOR: Migrator = sqlx::migrate!("./migrations/postgres");

/// Rows per `INSERT … UNNEST` statement.
const ROWS_PER_INSERT: usize = 1000;
/// Ids per `WHERE id = ANY($1)` look-up.
const IDS_PER_LOOKUP: usize = 5000;

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

    async fn close(self) {
        self.pool.close().await;
    }
}

impl WriteBatch for PostgresBatch {
    async fn upsert(&mut self, records: &[Record]) -> Result<UpsertCounts, StorageError> {
        let location = self.location.clone();
        rows::upsert(self, records, &location).await
    }

    async fn commit(self) -> Result<(), StorageError> {
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
