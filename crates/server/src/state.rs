//! The server's shared state: the store (the durable truth), the engine (its columnar copy in
//! memory), and how the two are kept in step.
//!
//! - An ingest request writes its records in one store transaction; once committed, the same
//!   records are applied to the engine under its write lock, so a query sees a batch whole or not
//!   at all. Only then does the request answer 2xx: an acknowledged record is stored.
//! - Other writers (a second server on the same PostgreSQL, `carekpi import` into the same
//!   database) are picked up from the store's change feed, polled every
//!   [`ServerOptions::sync_interval`](crate::ServerOptions): each change since the last one applied
//!   is applied to the engine. A server skips the changes it made itself when no other writer
//!   came between.
//! - The account's configuration (setting `account.config`) is read at start; a change through
//!   the API (or seen on the store by the poller) rebuilds the engine from the store.

use std::sync::atomic::{AtomicBool, AtomicI64, Ordering};
use std::sync::{Mutex, RwLock};

use carekpi_domain::{Record, RecordKind};
use carekpi_engine::{Engine, EngineConfig};
use carekpi_storage::{Store, UpsertCounts};
use tokio::sync::{mpsc, oneshot};

use crate::ServerOptions;
use crate::auth::LoginLimiter;
use crate::error::{ApiError, ApiResult};

/// The setting that holds the account's configuration (JSON), as `carekpi config set` writes it.
pub const ACCOUNT_CONFIG: &str = "account.config";

/// The most records committed in one transaction by the writer.
pub const GROUP_RECORDS: usize = 50_000;

/// A request's records waiting for the writer.
pub struct WriteJob {
    pub records: Vec<Record>,
    pub reply: oneshot::Sender<ApiResult<UpsertCounts>>,
}

pub struct AppState {
    pub store: Store,
    /// Queries hold the read lock while they run; writers apply whole batches under the write lock.
    pub engine: RwLock<Engine>,
    pub options: ServerOptions,
    pub logins: Mutex<LoginLimiter>,
    /// One writer at a time in this server: store commit, then engine apply, in order.
    pub writer: tokio::sync::Mutex<()>,
    /// Requests to the writer task ([`AppState::run_writer`]).
    pub jobs: mpsc::Sender<WriteJob>,
    /// The writer's end, until the server starts it.
    pub jobs_rx: Mutex<Option<mpsc::Receiver<WriteJob>>>,
    /// The last change of the store's feed that the engine holds.
    pub applied_seq: AtomicI64,
    /// The configuration version the engine was built with.
    pub config_version: AtomicI64,
    /// Set once the engine is loaded (readiness).
    pub ready: AtomicBool,
}

/// Read the account's configuration: the stored one, else the defaults.
pub async fn load_config(store: &Store) -> ApiResult<EngineConfig> {
    match store.setting(ACCOUNT_CONFIG).await? {
        Some(text) => EngineConfig::from_json(&text).map_err(|e| {
            ApiError::internal(format!(
                "the stored account configuration ({ACCOUNT_CONFIG}) is unreadable: {e}"
            ))
        }),
        None => Ok(EngineConfig::default()),
    }
}

/// Every stored record, loaded into a new engine with `config`.
pub async fn build_engine(store: &Store, config: EngineConfig) -> ApiResult<Engine> {
    let mut engine = Engine::new(config)
        .map_err(|e| ApiError::internal(format!("the account configuration is invalid: {e}")))?;
    // Kinds that others refer to first (teams, agents, customers), then the rest.
    for kind in RecordKind::ALL {
        let records = store.records(*kind).await?;
        engine.load(&records);
    }
    Ok(engine)
}

impl AppState {
    /// Read the engine (a query holds this while it runs).
    pub fn engine(&self) -> std::sync::RwLockReadGuard<'_, Engine> {
        self.engine
            .read()
            .unwrap_or_else(|poisoned| poisoned.into_inner())
    }

    fn engine_mut(&self) -> std::sync::RwLockWriteGuard<'_, Engine> {
        self.engine
            .write()
            .unwrap_or_else(|poisoned| poisoned.into_inner())
    }

    /// Store `records` in one transaction and apply them to the engine; answers once they are
    /// committed. Requests arriving while a commit is running are committed together in the next
    /// transaction (group commit: one disk sync for many small requests); each request's
    /// records still land whole or not at all.
    pub async fn write(&self, records: Vec<Record>) -> ApiResult<UpsertCounts> {
        let (reply, answer) = oneshot::channel();
        let stopping = || ApiError::unavailable("the server is stopping");
        self.jobs
            .send(WriteJob { records, reply })
            .await
            .map_err(|_| stopping())?;
        answer.await.map_err(|_| stopping())?
    }

    /// The writer: takes the waiting requests (up to [`GROUP_RECORDS`] records), commits them in
    /// one transaction, applies them to the engine, answers each.
    pub async fn run_writer(self: std::sync::Arc<Self>, mut jobs: mpsc::Receiver<WriteJob>) {
        while let Some(first) = jobs.recv().await {
            let mut n = first.records.len();
            let mut group = vec![first];
            while n < GROUP_RECORDS {
                match jobs.try_recv() {
                    Ok(job) => {
                        n += job.records.len();
                        group.push(job);
                    }
                    Err(_) => break,
                }
            }
            let result = {
                let _writer = self.writer.lock().await;
                self.commit_group(&group).await
            };
            match result {
                Ok(counts) => {
                    for (job, c) in group.into_iter().zip(counts) {
                        let _ = job.reply.send(Ok(c));
                    }
                }
                Err(e) => {
                    for job in group {
                        let _ = job.reply.send(Err(e.clone()));
                    }
                }
            }
        }
    }

    async fn commit_group(&self, group: &[WriteJob]) -> ApiResult<Vec<UpsertCounts>> {
        let mut batch = self.store.begin().await?;
        let mut counts = Vec::with_capacity(group.len());
        for job in group {
            match batch.upsert(&job.records).await {
                Ok(c) => counts.push(c),
                Err(e) => {
                    let _ = batch.rollback().await;
                    return Err(e.into());
                }
            }
        }
        batch.commit().await?;
        {
            let mut engine = self.engine_mut();
            for job in group {
                for r in &job.records {
                    engine.upsert(r);
                }
            }
        }
        // Our own changes are in the feed now: when the feed holds nothing but them past what the
        // engine holds, skip them (otherwise the poller applies them again with the others').
        let ours: u64 = counts.iter().map(|c| c.inserted + c.updated).sum();
        if ours > 0 {
            let after = self.store.last_change_seq().await?;
            let applied = self.applied_seq.load(Ordering::SeqCst);
            if after == applied + ours as i64 {
                self.applied_seq.store(after, Ordering::SeqCst);
            }
        }
        Ok(counts)
    }

    /// Apply records to the engine, all under one write lock.
    pub fn apply(&self, records: &[Record]) {
        if records.is_empty() {
            return;
        }
        let mut engine = self.engine_mut();
        for r in records {
            engine.upsert(r);
        }
    }

    /// Apply what other writers stored since the last sync; rebuild on a configuration change.
    pub async fn sync(&self) -> ApiResult<()> {
        let _writer = self.writer.lock().await;
        let version = config_version(&self.store).await?;
        if version != self.config_version.load(Ordering::SeqCst) {
            self.rebuild(version).await?;
            return Ok(());
        }
        loop {
            let after = self.applied_seq.load(Ordering::SeqCst);
            let changes = self.store.changes_since(after, 10_000).await?;
            let Some(&(last, _)) = changes.last() else {
                return Ok(());
            };
            let records: Vec<Record> = changes.into_iter().map(|(_, r)| r).collect();
            self.apply(&records);
            self.applied_seq.store(last, Ordering::SeqCst);
            if records.len() < 10_000 {
                return Ok(());
            }
        }
    }

    /// Build a new engine from the store with the stored configuration and swap it in. Must be
    /// called with `writer` held.
    pub async fn rebuild(&self, version: i64) -> ApiResult<()> {
        let seq = self.store.last_change_seq().await?;
        let config = load_config(&self.store).await?;
        let engine = build_engine(&self.store, config).await?;
        *self.engine_mut() = engine;
        self.applied_seq.store(seq, Ordering::SeqCst);
        self.config_version.store(version, Ordering::SeqCst);
        Ok(())
    }
}

/// The version of the stored account configuration (0: never set through the API).
pub async fn config_version(store: &Store) -> ApiResult<i64> {
    Ok(store.setting_version(ACCOUNT_CONFIG).await?)
}
