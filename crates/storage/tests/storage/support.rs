//! Test stores: a fresh SQLite file, or a fresh PostgreSQL schema.

use std::hash::{BuildHasher, Hasher};
use std::sync::atomic::{AtomicU64, Ordering};

use carekpi_storage::Store;
use sqlx::Connection;

/// The variable that names the PostgreSQL server for the tests.
pub const POSTGRES_ENV: &str = "CAREKPI_TEST_POSTGRES_URL";

/// A store for one test, removed when dropped.
pub struct TestStore {
    pub store: Store,
    /// The location [`Store::open`] was given, to open the same store again.
    pub location: String,
    cleanup: Cleanup,
}

enum Cleanup {
    /// Kept for its `Drop`, which removes the folder.
    Sqlite(#[allow(dead_code)] tempfile::TempDir),
    Postgres {
        server: String,
        schema: String,
    },
}

impl TestStore {
    pub async fn sqlite() -> TestStore {
        let dir = tempfile::tempdir().expect("a temporary folder");
        let location = dir.path().join("carekpi.db").display().to_string();
        let store = Store::open(&location).await.expect("open SQLite store");
        TestStore {
            store,
            location,
            cleanup: Cleanup::Sqlite(dir),
        }
    }

    pub async fn postgres() -> Option<TestStore> {
        let Some(server) = std::env::var(POSTGRES_ENV).ok().filter(|s| !s.is_empty()) else {
            eprintln!(
                "SKIPPED: {POSTGRES_ENV} is not set, so this PostgreSQL test did not run \
                 (set it to e.g. postgres://postgres@127.0.0.1:5432/test)"
            );
            return None;
        };
        let schema = unique_schema();
        let mut admin = sqlx::PgConnection::connect(&server)
            .await
            .unwrap_or_else(|e| panic!("{POSTGRES_ENV}: cannot connect: {e}"));
        sqlx::query(sqlx::AssertSqlSafe(format!("CREATE SCHEMA {schema}")))
            .execute(&mut admin)
            .await
            .expect("create the test schema");
        admin.close().await.ok();
        let separator = if server.contains('?') { '&' } else { '?' };
        let location = format!("{server}{separator}options=-c%20search_path%3D{schema}");
        let store = Store::open(&location).await.expect("open PostgreSQL store");
        Some(TestStore {
            store,
            location,
            cleanup: Cleanup::Postgres { server, schema },
        })
    }

    /// Open the same store once more (a second process, a restart).
    pub async fn reopen(&self) -> Store {
        Store::open(&self.location)
            .await
            .expect("open the store again")
    }
}

impl Drop for TestStore {
    fn drop(&mut self) {
        if let Cleanup::Postgres { server, schema } = &self.cleanup {
            let (server, name) = (server.clone(), schema.clone());
            // Drop may run inside the test's runtime: drop the schema on a thread of its own.
            let dropped = std::thread::spawn(move || {
                let runtime = tokio::runtime::Builder::new_current_thread()
                    .enable_all()
                    .build()
                    .expect("a runtime");
                runtime.block_on(async {
                    let mut admin = sqlx::PgConnection::connect(&server).await?;
                    // A test that panicked mid-batch may still hold locks in its schema (its
                    // rollback needs the runtime this drop is blocking): give up rather than
                    // wait forever, leaving that schema behind.
                    sqlx::query("SET lock_timeout = '10s'")
                        .execute(&mut admin)
                        .await?;
                    sqlx::query(sqlx::AssertSqlSafe(format!(
                        "DROP SCHEMA IF EXISTS {name} CASCADE"
                    )))
                    .execute(&mut admin)
                    .await?;
                    admin.close().await
                })
            })
            .join();
            if !matches!(dropped, Ok(Ok(()))) {
                eprintln!("warning: could not drop the test schema {schema}");
            }
        }
    }
}

/// `carekpi_test_<random hex>`: unique across parallel tests and test processes.
fn unique_schema() -> String {
    static COUNTER: AtomicU64 = AtomicU64::new(0);
    let mut hasher = std::collections::hash_map::RandomState::new().build_hasher();
    hasher.write_u32(std::process::id());
    hasher.write_u64(COUNTER.fetch_add(1, Ordering::Relaxed));
    hasher.write_u128(
        std::time::SystemTime::now()
            .duration_since(std::time::UNIX_EPOCH)
            .map_or(0, |d| d.as_nanos()),
    );
    format!("carekpi_test_{:016x}", hasher.finish())
}

/// Run one behaviour against both engines: `engines!(name, name, …)` makes
/// `sqlite::name` and `postgres::name` tests calling `name(&TestStore)`.
#[macro_export]
macro_rules! engines {
    ($($name:ident),+ $(,)?) => {
        mod sqlite {
            $(
                #[tokio::test]
                async fn $name() {
                    let t = $crate::support::TestStore::sqlite().await;
                    super::$name(&t).await;
                }
            )+
        }
        mod postgres {
            $(
                #[tokio::test]
                async fn $name() {
                    let Some(t) = $crate::support::TestStore::postgres().await else {
                        return;
                    };
                    super::$name(&t).await;
                }
            )+
        }
    };
}
