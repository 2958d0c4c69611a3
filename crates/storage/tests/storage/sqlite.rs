//! What only the SQLite engine does: files, paths, in-memory stores.

use carekpi_domain::RecordKind;
use carekpi_storage::{Backend, Store};

use crate::synthetic;

async fn case_count(store: &Store) -> u64 {
    store.counts().await.unwrap()[&RecordKind::Case]
}

#[tokio::test]
async fn every_spelling_of_a_path_opens_the_same_file() {
    let dir = tempfile::tempdir().unwrap();
    let path = dir.path().join("nested").join("kpi.db");
    std::fs::create_dir_all(path.parent().unwrap()).unwrap();
    let plain = Store::open(&path.display().to_string()).await.unwrap();
    assert_eq!(plain.backend(), Backend::Sqlite);
    assert!(path.exists(), "the file is created");
    let mut batch = plain.begin().await.unwrap();
    batch.upsert(&synthetic::cases(1, 3)).await.unwrap();
    batch.commit().await.unwrap();
    plain.close().await;

    for location in [
        format!("sqlite://{}", path.display()),
        format!("sqlite:{}", path.display()),
    ] {
        let store = Store::open(&location).await.unwrap();
        assert_eq!(case_count(&store).await, 3, "{location}");
        store.close().await;
    }
}

#[tokio::test]
async fn committed_data_survives_closing_and_reopening() {
    let dir = tempfile::tempdir().unwrap();
    let path = dir.path().join("durable.db").display().to_string();
    let store = Store::open(&path).await.unwrap();
    let mut batch = store.begin().await.unwrap();
    batch.upsert(&synthetic::cases(1, 5_000)).await.unwrap();
    batch.commit().await.unwrap();
    let fingerprint = store.fingerprint().await.unwrap();
    store.close().await;

    let again = Store::open(&path).await.unwrap();
    assert_eq!(case_count(&again).await, 5_000);
    assert_eq!(again.fingerprint().await.unwrap(), fingerprint);
    again.close().await;
}

#[tokio::test]
async fn readers_go_on_while_a_batch_is_open() {
    let dir = tempfile::tempdir().unwrap();
    let path = dir.path().join("busy.db").display().to_string();
    let store = Store::open(&path).await.unwrap();
    let mut batch = store.begin().await.unwrap();
    batch.upsert(&synthetic::cases(1, 10)).await.unwrap();
    // Another connection of the same store, and another store on the same file, read the
    // last committed state meanwhile.
    assert_eq!(case_count(&store).await, 0);
    let other = Store::open(&path).await.unwrap();
    assert_eq!(case_count(&other).await, 0);
    batch.commit().await.unwrap();
    assert_eq!(case_count(&other).await, 10);
    other.close().await;
    store.close().await;
}

#[tokio::test]
async fn an_in_memory_store_works_for_its_lifetime() {
    let store = Store::open("sqlite::memory:").await.unwrap();
    let mut batch = store.begin().await.unwrap();
    batch.upsert(&synthetic::cases(1, 4)).await.unwrap();
    batch.commit().await.unwrap();
    assert_eq!(case_count(&store).await, 4);
    store.set_setting("k", "v").await.unwrap();
    assert_eq!(store.setting("k").await.unwrap().as_deref(), Some("v"));
    store.close().await;
}

#[tokio::test]
async fn an_unopenable_location_says_what_and_where() {
    let dir = tempfile::tempdir().unwrap();
    let missing = dir.path().join("no such folder").join("kpi.db");
    let err = Store::open(&missing.display().to_string())
        .await
        .unwrap_err()
        .to_string();
    assert!(err.starts_with("while opening SQLite database"), "{err}");
    assert!(err.contains("no such folder"), "{err}");

    let err = Store::open("mysql://root:hunter22@db/kpi")
        .await
        .unwrap_err()
        .to_string();
    assert!(err.contains("unsupported database scheme"), "{err}");
    assert!(!err.contains("hunter22"), "{err}");
}

/// Not SQLite, but needs no server: a PostgreSQL URL that cannot be reached fails with the
/// location shown, its password hidden.
#[tokio::test]
async fn an_unreachable_postgres_server_never_shows_the_password() {
    let err = Store::open("postgres://carekpi:s3cret-pw@127.0.0.1:1/kpi")
        .await
        .unwrap_err();
    let text = err.to_string();
    assert!(
        text.starts_with(
            "while opening PostgreSQL database `postgres://carekpi:***@127.0.0.1:1/kpi`"
        ),
        "{text}"
    );
    assert!(!text.contains("s3cret-pw"), "{text}");
    assert!(!format!("{err:?}").contains("s3cret-pw"), "{err:?}");
}
