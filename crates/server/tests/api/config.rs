//! The configuration API: versioned changes that the figures follow.

use reqwest::{Method, StatusCode};
use serde_json::json;

use crate::support::*;

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn configuration_changes_are_versioned_and_apply() {
    let server = TestServer::start(Db::sqlite()).await;
    let admin = server.admin().await;
    admin.post("/api/records", sample_records()).await;
    // CSAT counts 4 and 5 as satisfied by default (66.67 %); with only 5 it is 1 of 3.
    let a = admin.get("/api/config").await;
    assert_eq!(a.body["version"], 0);
    let a = admin
        .send(
            Method::PATCH,
            "/api/config",
            Some(json!({"csat": {"satisfied_from": 5}})),
        )
        .await;
    assert_eq!(a.status, StatusCode::OK, "{}", a.body);
    assert_eq!(a.body["version"], 1);
    let q = admin.get(&march("csat", "")).await;
    assert!(
        (q.body["rows"][0]["csat"]["value"].as_f64().unwrap() - 100.0 / 3.0).abs() < 1e-9,
        "{}",
        q.body
    );
    // An invalid change names the field and changes nothing.
    let a = admin
        .send(
            Method::PATCH,
            "/api/config",
            Some(json!({"time_zone": "Mars/Olympus"})),
        )
        .await;
    assert_eq!(a.status, StatusCode::BAD_REQUEST, "{}", a.body);
    assert_eq!(a.body["details"]["field"], "time_zone");
    // A schedule, then holidays from an iCalendar file.
    let a = admin
        .send(
            Method::PUT,
            "/api/config/schedules/vn-office",
            Some(json!({"time_zone": "Asia/Ho_Chi_Minh", "versions": [{"hours": {"mon": ["08:00-17:00"], "tue": ["08:00-17:00"]}}]})),
        )
        .await;
    assert_eq!(a.status, StatusCode::OK, "{}", a.body);
    let ics = "BEGIN:VCALENDAR\r\nVERSION:2.0\r\nPRODID:-//test//EN\r\nBEGIN:VEVENT\r\nUID:1\r\nDTSTART;VALUE=DATE:20260430\r\nDTEND;VALUE=DATE:20260502\r\nSUMMARY:Reunification Day\r\nEND:VEVENT\r\nEND:VCALENDAR\r\n";
    let a = admin
        .send_bytes(
            Method::POST,
            "/api/config/schedules/vn-office/holidays",
            Some(ics.as_bytes().to_vec()),
            "text/calendar",
        )
        .await;
    assert_eq!(a.status, StatusCode::OK, "{}", a.body);
    assert_eq!(a.body["added"], 1);
    assert_eq!(a.body["version"], 3);
    let a = admin.get("/api/config/history").await;
    let history = a.body.as_array().unwrap();
    assert_eq!(history.len(), 3);
    assert_eq!(history[0]["version"], 3);
    assert_eq!(history[2]["actor"], "user:admin");
    assert_eq!(history[2]["config"]["csat"]["satisfied_from"], 5.0);
    assert_eq!(
        admin.get("/api/config").await.body["config"]["schedules"]["vn-office"]["holidays"][0]["name"],
        "Reunification Day"
    );
    server.stop().await;
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn openapi_and_health_are_public() {
    let server = TestServer::start(Db::sqlite()).await;
    let anonymous = server.anonymous();
    let a = anonymous.get("/api/openapi.json").await;
    assert_eq!(a.status, StatusCode::OK);
    assert!(a.body["openapi"].as_str().unwrap().starts_with("3."));
    for path in [
        "/api/records",
        "/api/query",
        "/api/config",
        "/api/users",
        "/api/keys/{id}",
    ] {
        assert!(a.body["paths"].get(path).is_some(), "{path} is documented");
    }
    let a = anonymous.get("/api/docs").await;
    assert_eq!(a.status, StatusCode::OK);
    assert!(a.body.as_str().unwrap().contains("/api/records"));
    assert_eq!(anonymous.get("/health").await.body["status"], "ok");
    assert_eq!(anonymous.get("/ready").await.body["status"], "ready");
    server.stop().await;
}
