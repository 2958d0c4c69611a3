//! Test servers: a fresh SQLite file or PostgreSQL schema, an admin, HTTP clients.

use std::sync::atomic::{AtomicU64, Ordering};
use std::time::Duration;

use carekpi_server::{RunningServer, ServerOptions};
use carekpi_storage::{NewUser, Store};
use reqwest::{Method, StatusCode};
use serde_json::{Value, json};
use sqlx::Connection;

pub const POSTGRES_ENV: &str = "CAREKPI_TEST_POSTGRES_URL";
pub const ADMIN_PASSWORD: &str = "admin-password-1";

/// Where a test server keeps its records.
pub enum Db {
    Sqlite(tempfile::TempDir),
    Postgres { server: String, schema: String },
}

impl Db {
    pub fn sqlite() -> Db {
        Db::Sqlite(tempfile::tempdir().expect("a temporary folder"))
    }

    /// A fresh schema on the test PostgreSQL, or None (SKIPPED) without one.
    pub async fn postgres() -> Option<Db> {
        let Some(server) = std::env::var(POSTGRES_ENV).ok().filter(|s| !s.is_empty()) else {
            eprintln!("SKIPPED: {POSTGRES_ENV} is not set, so this PostgreSQL test did not run");
            return None;
        };
        static N: AtomicU64 = AtomicU64::new(0);
        let schema = format!(
            "api_{}_{}_{}",
            std::process::id(),
            N.fetch_add(1, Ordering::SeqCst),
            jiff::Timestamp::now().as_millisecond() % 1_000_000
        );
        let mut admin = sqlx::PgConnection::connect(&server)
            .await
            .unwrap_or_else(|e| panic!("{POSTGRES_ENV}: cannot connect: {e}"));
        sqlx::query(sqlx::AssertSqlSafe(format!("CREATE SCHEMA {schema}")))
            .execute(&mut admin)
            .await
            .expect("create the schema");
        admin.close().await.ok();
        Some(Db::Postgres { server, schema })
    }

    pub fn location(&self) -> String {
        match self {
            Db::Sqlite(dir) => dir.path().join("carekpi.db").display().to_string(),
            Db::Postgres { server, schema } => {
                let sep = if server.contains('?') { '&' } else { '?' };
                format!("{server}{sep}options=-c%20search_path%3D{schema}")
            }
        }
    }
}

impl Drop for Db {
    fn drop(&mut self) {
        if let Db::Postgres { server, schema } = self {
            let (server, schema) = (server.clone(), schema.clone());
            std::thread::spawn(move || {
                let rt = tokio::runtime::Builder::new_current_thread()
                    .enable_all()
                    .build()
                    .expect("runtime");
                rt.block_on(async {
                    if let Ok(mut c) = sqlx::PgConnection::connect(&server).await {
                        let _ = sqlx::query(sqlx::AssertSqlSafe(format!(
                            "DROP SCHEMA IF EXISTS {schema} CASCADE"
                        )))
                        .execute(&mut c)
                        .await;
                    }
                });
            })
            .join()
            .ok();
        }
    }
}

/// A running server with an admin user.
pub struct TestServer {
    pub server: Option<RunningServer>,
    pub base: String,
    pub db: Db,
}

impl TestServer {
    pub async fn start(db: Db) -> TestServer {
        Self::start_with(db, ServerOptions::default()).await
    }

    pub async fn start_with(db: Db, options: ServerOptions) -> TestServer {
        let location = db.location();
        let store = Store::open(&location).await.expect("open the store");
        if store
            .user_by_username("admin")
            .await
            .expect("users")
            .is_none()
        {
            add_user(&store, "admin", "admin", None, &[]).await;
        }
        store.close().await;
        let options = ServerOptions {
            addr: "127.0.0.1:0".parse().unwrap(),
            db: location,
            sync_interval: Duration::from_millis(100),
            ..options
        };
        let server = carekpi_server::start(options)
            .await
            .expect("start the server");
        let base = format!("http://{}", server.addr);
        TestServer {
            server: Some(server),
            base,
            db,
        }
    }

    /// A second server on the same database.
    pub async fn another(&self) -> RunningServer {
        let options = ServerOptions {
            addr: "127.0.0.1:0".parse().unwrap(),
            db: self.db.location(),
            sync_interval: Duration::from_millis(100),
            ..ServerOptions::default()
        };
        carekpi_server::start(options)
            .await
            .expect("start a second server")
    }

    pub async fn admin(&self) -> Client {
        Client::login(&self.base, "admin", ADMIN_PASSWORD).await
    }

    pub fn anonymous(&self) -> Client {
        Client::new(&self.base)
    }

    pub async fn store(&self) -> Store {
        Store::open(&self.db.location())
            .await
            .expect("open the store")
    }

    pub async fn stop(mut self) {
        if let Some(s) = self.server.take() {
            s.shutdown().await.expect("a clean shutdown");
        }
    }
}

/// Add a user straight to the store (password `<name>-password-1`).
pub async fn add_user(store: &Store, name: &str, role: &str, agent: Option<&str>, teams: &[&str]) {
    let password = format!("{name}-password-1");
    store
        .create_user(
            &NewUser {
                username: name.into(),
                display_name: None,
                role: role.into(),
                password_hash: carekpi_server::auth::hash_password(&password).unwrap(),
                agent_id: agent.map(String::from),
                team_ids: teams.iter().map(|t| t.to_string()).collect(),
                language: "en".into(),
            },
            0,
        )
        .await
        .expect("add a user");
}

/// An HTTP client with a cookie jar, the session's CSRF token, or an API key.
pub struct Client {
    pub http: reqwest::Client,
    pub base: String,
    pub csrf: Option<String>,
    pub bearer: Option<String>,
}

pub struct Answer {
    pub status: StatusCode,
    pub body: Value,
    pub headers: reqwest::header::HeaderMap,
}

impl Client {
    pub fn new(base: &str) -> Client {
        Client {
            http: reqwest::Client::builder()
                .cookie_store(true)
                .build()
                .expect("a client"),
            base: base.into(),
            csrf: None,
            bearer: None,
        }
    }

    pub async fn login(base: &str, name: &str, password: &str) -> Client {
        let mut c = Client::new(base);
        let a = c
            .send(
                Method::POST,
                "/api/login",
                Some(json!({"username": name, "password": password})),
            )
            .await;
        assert_eq!(a.status, StatusCode::OK, "login {name}: {}", a.body);
        c.csrf = a.body["csrf_token"].as_str().map(String::from);
        c
    }

    pub fn with_key(base: &str, token: &str) -> Client {
        let mut c = Client::new(base);
        c.bearer = Some(token.into());
        c
    }

    pub async fn send(&self, method: Method, path: &str, body: Option<Value>) -> Answer {
        let bytes = body.map(|b| serde_json::to_vec(&b).unwrap());
        self.send_bytes(method, path, bytes, "application/json")
            .await
    }

    pub async fn send_bytes(
        &self,
        method: Method,
        path: &str,
        body: Option<Vec<u8>>,
        content_type: &str,
    ) -> Answer {
        let mut r = self.http.request(method, format!("{}{path}", self.base));
        if let Some(t) = &self.csrf {
            r = r.header("x-csrf-token", t);
        }
        if let Some(t) = &self.bearer {
            r = r.bearer_auth(t);
        }
        if let Some(b) = body {
            r = r.header("content-type", content_type).body(b);
        }
        let response = r.send().await.expect("the server answers");
        let status = response.status();
        let headers = response.headers().clone();
        let text = response.text().await.expect("a body");
        let body = if text.is_empty() {
            Value::Null
        } else {
            serde_json::from_str(&text).unwrap_or(Value::String(text))
        };
        Answer {
            status,
            body,
            headers,
        }
    }

    pub async fn get(&self, path: &str) -> Answer {
        self.send(Method::GET, path, None).await
    }

    pub async fn post(&self, path: &str, body: Value) -> Answer {
        self.send(Method::POST, path, Some(body)).await
    }
}

/// A small account: two teams, three agents, cases, calls and surveys (March 2026, +07:00).
pub fn sample_records() -> Value {
    json!({"records": [
        {"kind":"team","id":"hcm","name":"Hồ Chí Minh"},
        {"kind":"team","id":"hn","name":"Hà Nội"},
        {"kind":"agent","id":"a-lan","name":"Lan","team_id":"hcm"},
        {"kind":"agent","id":"a-minh","name":"Minh","team_id":"hcm"},
        {"kind":"agent","id":"a-hoa","name":"Hoa","team_id":"hn"},
        {"kind":"case","id":"T-1","channel":"email","created_at":"2026-03-02T09:00:00+07:00","team_id":"hcm","assignee_id":"a-lan",
         "events":[{"at":"2026-03-02T09:00:00+07:00","kind":"message","author":"customer"},
                   {"at":"2026-03-02T09:30:00+07:00","kind":"message","author":"agent","agent_id":"a-lan"},
                   {"at":"2026-03-02T10:00:00+07:00","kind":"status","status":"solved"}]},
        {"kind":"case","id":"T-2","channel":"email","created_at":"2026-03-03T09:00:00+07:00","team_id":"hn","assignee_id":"a-hoa",
         "events":[{"at":"2026-03-03T09:00:00+07:00","kind":"message","author":"customer"},
                   {"at":"2026-03-03T11:00:00+07:00","kind":"message","author":"agent","agent_id":"a-hoa"}]},
        {"kind":"survey","id":"S-1","survey":"csat","score":5,"at":"2026-03-02T12:00:00+07:00","case_id":"T-1","agent_id":"a-lan"},
        {"kind":"survey","id":"S-2","survey":"csat","score":2,"at":"2026-03-03T12:00:00+07:00","case_id":"T-2","agent_id":"a-hoa"},
        {"kind":"survey","id":"S-3","survey":"csat","score":4,"at":"2026-03-04T12:00:00+07:00","agent_id":"a-minh"}
    ]})
}

/// The March 2026 query of `metrics`, grouped by `by` (comma-separated, may be empty).
pub fn march(metrics: &str, by: &str) -> String {
    let mut q = format!(
        "/api/query?metrics={metrics}&from=2026-03-01&to=2026-04-01&now=2026-04-01T00:00:00Z"
    );
    if !by.is_empty() {
        q.push_str(&format!("&by={by}"));
    }
    q
}

/// The records the server holds, by kind (from /ready).
pub async fn held(c: &Client) -> Value {
    let a = c.get("/ready").await;
    assert_eq!(a.status, StatusCode::OK, "{}", a.body);
    a.body["records"].clone()
}
