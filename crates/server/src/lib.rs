//! CareKPI's HTTP API (`carekpi serve`): ingestion, metric queries and drill-down, the account's
//! configuration, users, roles and API keys, an OpenAPI 3 document at `/api/openapi.json` and
//! browsable docs at `/api/docs`.
//!
//! [`start`] opens the store, loads every record into the engine, binds the address and serves
//! until [`RunningServer::shutdown`] (or the future given to [`serve`] completes): in-flight
//! requests finish, and nothing acknowledged is lost (an ingest answers 2xx only once its
//! transaction is committed).
//!
//! Every route is authenticated (session cookie or API key, see [`auth`]) except
//! `/health`, `/ready`, `POST /api/login`, `/api/openapi.json` and `/api/docs`. Errors are JSON
//! `{error, message, details}` ([`error::ApiError`]).

pub mod auth;
pub mod error;
mod openapi;
mod routes;
pub mod state;

pub use routes::users::{NewUserRequest, add_api_key, add_user};

use std::future::Future;
use std::net::SocketAddr;
use std::sync::Arc;
use std::sync::atomic::{AtomicBool, AtomicI64, Ordering};
use std::time::Duration;

use carekpi_storage::Store;
use tokio::net::TcpListener;
use tokio::sync::oneshot;
use tokio::task::JoinHandle;

use crate::state::AppState;

/// How the server runs.
#[derive(Clone, Debug)]
pub struct ServerOptions {
    /// The address to listen on (default 127.0.0.1:8080; port 0 picks a free one).
    pub addr: SocketAddr,
    /// The database: a SQLite file path or a postgres:// URL.
    pub db: String,
    /// The largest JSON request body, in bytes (default 16 MiB).
    pub max_body_bytes: usize,
    /// The largest file upload, in bytes (default 256 MiB).
    pub max_upload_bytes: usize,
    /// The most records in one batch (default 10,000).
    pub max_batch_records: usize,
    /// How often the change feed is polled for other writers' records (default 250 ms).
    pub sync_interval: Duration,
    /// Mark the session cookie `Secure` (set when the server is reached over HTTPS).
    pub secure_cookies: bool,
}

impl Default for ServerOptions {
    fn default() -> Self {
        Self {
            addr: SocketAddr::from(([127, 0, 0, 1], 8080)),
            db: "./carekpi.db".into(),
            max_body_bytes: 16 << 20,
            max_upload_bytes: 256 << 20,
            max_batch_records: 10_000,
            sync_interval: Duration::from_millis(250),
            secure_cookies: false,
        }
    }
}

/// Why the server could not start or stopped.
#[derive(Debug, thiserror::Error)]
pub enum ServerError {
    #[error("the database: {0}")]
    Storage(#[from] carekpi_storage::StorageError),
    #[error("cannot listen on {addr}: {source}")]
    Bind {
        addr: SocketAddr,
        source: std::io::Error,
    },
    #[error("loading the records into the engine: {0}")]
    Load(String),
    #[error("the server failed: {0}")]
    Serve(std::io::Error),
}

/// A server running in the background.
pub struct RunningServer {
    /// The address it listens on (the real port when 0 was asked).
    pub addr: SocketAddr,
    pub state: Arc<AppState>,
    stop: Option<oneshot::Sender<()>>,
    task: JoinHandle<Result<(), ServerError>>,
}

impl RunningServer {
    /// Stop accepting connections, let in-flight requests finish, close the store.
    pub async fn shutdown(mut self) -> Result<(), ServerError> {
        if let Some(stop) = self.stop.take() {
            let _ = stop.send(());
        }
        self.wait().await
    }

    /// Wait until the server stops.
    pub async fn wait(self) -> Result<(), ServerError> {
        match self.task.await {
            Ok(result) => result,
            Err(e) => Err(ServerError::Serve(std::io::Error::other(e.to_string()))),
        }
    }
}

/// Open the store, load the engine, bind, and serve in the background.
pub async fn start(options: ServerOptions) -> Result<RunningServer, ServerError> {
    let store = Store::open(&options.db).await?;
    let state = Arc::new(load_state(store, options.clone()).await?);
    let listener = TcpListener::bind(options.addr)
        .await
        .map_err(|source| ServerError::Bind {
            addr: options.addr,
            source,
        })?;
    let addr = listener.local_addr().map_err(ServerError::Serve)?;
    let (stop, stopped) = oneshot::channel::<()>();
    let task = tokio::spawn(serve(listener, state.clone(), async {
        let _ = stopped.await;
    }));
    Ok(RunningServer {
        addr,
        state,
        stop: Some(stop),
        task,
    })
}

/// The state with every stored record loaded into the engine.
pub async fn load_state(store: Store, options: ServerOptions) -> Result<AppState, ServerError> {
    let load = async {
        let seq = store.last_change_seq().await?;
        let version = state::config_version(&store).await?;
        let config = state::load_config(&store).await?;
        let engine = state::build_engine(&store, config).await?;
        Ok::<_, error::ApiError>((seq, version, engine))
    };
    let (seq, version, engine) = load.await.map_err(|e| ServerError::Load(e.message))?;
    let (jobs, jobs_rx) = tokio::sync::mpsc::channel(1024);
    Ok(AppState {
        jobs,
        jobs_rx: std::sync::Mutex::new(Some(jobs_rx)),
        store,
        engine: std::sync::RwLock::new(engine),
        options,
        logins: Default::default(),
        writer: tokio::sync::Mutex::new(()),
        applied_seq: AtomicI64::new(seq),
        config_version: AtomicI64::new(version),
        ready: AtomicBool::new(true),
    })
}

/// Serve on `listener` until `shutdown` completes; then finish in-flight requests, stop the
/// change-feed poller and close the store.
pub async fn serve(
    listener: TcpListener,
    state: Arc<AppState>,
    shutdown: impl Future<Output = ()> + Send + 'static,
) -> Result<(), ServerError> {
    let poller = tokio::spawn(poll_changes(state.clone()));
    let jobs = state
        .jobs_rx
        .lock()
        .unwrap_or_else(|p| p.into_inner())
        .take()
        .ok_or_else(|| {
            ServerError::Serve(std::io::Error::other("the server state is already serving"))
        })?;
    let writer = tokio::spawn(state.clone().run_writer(jobs));
    let app = routes::router(state.clone());
    let result = axum::serve(
        listener,
        app.into_make_service_with_connect_info::<SocketAddr>(),
    )
    .with_graceful_shutdown(shutdown)
    .await
    .map_err(ServerError::Serve);
    poller.abort();
    // Every request has had its answer, so the writer has nothing left to do.
    writer.abort();
    state.ready.store(false, Ordering::SeqCst);
    // Wait for a write in progress (if a handler was cancelled mid-way its transaction rolled
    // back with it), then close.
    let _writer = state.writer.lock().await;
    state.store.clone().close().await;
    result
}

/// Apply other writers' records every `sync_interval`; remove expired sessions every 10 minutes.
async fn poll_changes(state: Arc<AppState>) {
    let mut tick = tokio::time::interval(state.options.sync_interval);
    tick.set_missed_tick_behavior(tokio::time::MissedTickBehavior::Delay);
    let mut last_sweep = std::time::Instant::now();
    loop {
        tick.tick().await;
        if let Err(e) = state.sync().await {
            eprintln!(
                "carekpi serve: syncing from the store failed: {}",
                e.message
            );
        }
        if last_sweep.elapsed() >= Duration::from_secs(600) {
            last_sweep = std::time::Instant::now();
            if let Err(e) = state.store.delete_expired_sessions(auth::now_ms()).await {
                eprintln!("carekpi serve: removing expired sessions failed: {e}");
            }
        }
    }
}
