//! Two servers on one PostgreSQL: what one ingests, the other's queries show within a second.

use std::time::{Duration, Instant};

use reqwest::StatusCode;
use serde_json::json;

use crate::support::*;

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn two_servers_on_one_postgres() {
    let Some(db) = Db::postgres().await else {
        return;
    };
    let first = TestServer::start(db).await;
    let second = first.another().await;
    let second_base = format!("http://{}", second.addr);
    let on_first = first.admin().await;
    let on_second = Client::login(&second_base, "admin", ADMIN_PASSWORD).await;
    for round in 0..3 {
        let id = format!("S-{round}");
        let a = on_first
            .post(
                "/api/records",
                json!({"kind":"survey","id":id,"survey":"csat","score":5,"at":"2026-03-02T12:00:00+07:00"}),
            )
            .await;
        assert_eq!(a.status, StatusCode::OK, "{}", a.body);
        let sent = Instant::now();
        loop {
            let q = on_second.get(&march("csat", "")).await;
            if q.body["rows"][0]["csat"]["n"] == round + 1 {
                break;
            }
            assert!(
                sent.elapsed() < Duration::from_secs(1),
                "round {round}: not visible on the second server after 1 s: {}",
                q.body
            );
            tokio::time::sleep(Duration::from_millis(20)).await;
        }
        eprintln!(
            "round {round}: visible on the second server after {:?}",
            sent.elapsed()
        );
    }
    // And the other way round.
    on_second
        .post(
            "/api/records",
            json!({"kind":"team","id":"t-2","name":"Two"}),
        )
        .await;
    let sent = Instant::now();
    while held(&on_first).await["teams"] != 1 {
        assert!(sent.elapsed() < Duration::from_secs(1));
        tokio::time::sleep(Duration::from_millis(20)).await;
    }
    second.shutdown().await.unwrap();
    first.stop().await;
}
