//! Graceful shutdown: requests in flight finish; every acknowledged batch is stored; a batch that
//! was not acknowledged is stored whole or not at all.

use std::time::Duration;

use reqwest::StatusCode;
use serde_json::json;

use crate::support::*;

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn shutdown_loses_nothing_acknowledged() {
    let server = TestServer::start(Db::sqlite()).await;
    let admin = server.admin().await;
    let (http, base, csrf) = (
        admin.http.clone(),
        server.base.clone(),
        admin.csrf.clone().unwrap(),
    );
    // 40 batches of 500 survey responses, sent 8 at a time while the server is told to stop.
    let done = std::sync::Arc::new(std::sync::atomic::AtomicUsize::new(0));
    let mut tasks = Vec::new();
    for b in 0..40usize {
        let (http, base, csrf) = (http.clone(), base.clone(), csrf.clone());
        let done = done.clone();
        tasks.push(tokio::spawn(async move {
            tokio::time::sleep(Duration::from_millis((b as u64 / 8) * 15)).await;
            let records: Vec<_> = (0..500)
                .map(|i| json!({"kind":"survey","id":format!("S-{b}-{i}"),"survey":"csat","score":4,"at":"2026-03-02T12:00:00+07:00"}))
                .collect();
            let r = http
                .post(format!("{base}/api/records"))
                .header("x-csrf-token", csrf)
                .json(&json!({"records": records}))
                .send()
                .await;
            let ok = matches!(r, Ok(r) if r.status() == StatusCode::OK);
            if ok {
                done.fetch_add(1, std::sync::atomic::Ordering::SeqCst);
            }
            (b, ok)
        }));
    }
    // Stop as soon as the first batch is acknowledged (waiting up to 30 s on a slow machine),
    // with others in flight.
    for _ in 0..15_000 {
        if done.load(std::sync::atomic::Ordering::SeqCst) > 0 {
            break;
        }
        tokio::time::sleep(Duration::from_millis(2)).await;
    }
    let TestServer {
        server: running,
        db,
        ..
    } = server;
    running.unwrap().shutdown().await.expect("a clean shutdown");
    let mut acknowledged = Vec::new();
    for t in tasks {
        let (b, ok) = t.await.unwrap();
        if ok {
            acknowledged.push(b);
        }
    }
    let store = carekpi_storage::Store::open(&db.location()).await.unwrap();
    let surveys = store
        .records(carekpi_domain::RecordKind::Survey)
        .await
        .unwrap();
    let mut per_batch = [0usize; 40];
    for s in &surveys {
        let id = s.id();
        let b: usize = id.split('-').nth(1).unwrap().parse().unwrap();
        per_batch[b] += 1;
    }
    for (b, &n) in per_batch.iter().enumerate() {
        assert!(n == 0 || n == 500, "batch {b} is half stored: {n} of 500");
        if acknowledged.contains(&b) {
            assert_eq!(n, 500, "batch {b} was acknowledged but is not stored");
        }
    }
    assert!(!acknowledged.is_empty(), "the first batch was acknowledged");
    eprintln!(
        "{} of 40 batches acknowledged, {} stored",
        acknowledged.len(),
        per_batch.iter().filter(|&&n| n == 500).count()
    );
    store.close().await;
}
