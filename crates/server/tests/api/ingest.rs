//! Ingest → query round trips, and every class of bad input refused with the field named and the
//! store left unchanged.

use reqwest::{Method, StatusCode};
use serde_json::{Value, json};

use crate::support::*;

async fn round_trip(db: Db) {
    let server = TestServer::start(db).await;
    let admin = server.admin().await;
    let a = admin.post("/api/records", sample_records()).await;
    assert_eq!(a.status, StatusCode::OK, "{}", a.body);
    assert_eq!(a.body["received"], 10);
    assert_eq!(a.body["inserted"], 10);
    // CSAT: scores 5, 2, 4 on 1–5; satisfied = 4 or 5: 2 of 3 = 66.67 %.
    let q = admin.get(&march("csat,request_volume", "")).await;
    assert_eq!(q.status, StatusCode::OK, "{}", q.body);
    let row = &q.body["rows"][0];
    assert!(
        (row["csat"]["value"].as_f64().unwrap() - 200.0 / 3.0).abs() < 1e-9,
        "{row}"
    );
    assert_eq!(row["csat"]["n"], 3);
    assert_eq!(row["request_volume"]["value"], 2.0);
    // By agent: Hoa 0 % (a 2), Lan 100 % (a 5), Minh 100 % (a 4).
    let q = admin.get(&march("csat", "agent")).await;
    let by_agent: Vec<(String, f64)> = q.body["rows"]
        .as_array()
        .unwrap()
        .iter()
        .map(|r| {
            (
                r["agent"].as_str().unwrap().to_string(),
                r["csat"]["value"].as_f64().unwrap(),
            )
        })
        .collect();
    assert_eq!(
        by_agent,
        vec![
            ("a-hoa".into(), 0.0),
            ("a-lan".into(), 100.0),
            ("a-minh".into(), 100.0)
        ]
    );
    // Sending the same batch again changes nothing; a changed record is an update.
    let a = admin.post("/api/records", sample_records()).await;
    assert_eq!(
        (a.body["inserted"].clone(), a.body["unchanged"].clone()),
        (json!(0), json!(10))
    );
    let a = admin
        .post(
            "/api/records",
            json!({"kind":"survey","id":"S-2","survey":"csat","score":5,"at":"2026-03-03T12:00:00+07:00","case_id":"T-2","agent_id":"a-hoa"}),
        )
        .await;
    assert_eq!(a.body["updated"], 1, "{}", a.body);
    let q = admin.get(&march("csat", "")).await;
    assert_eq!(q.body["rows"][0]["csat"]["value"], 100.0);
    // The figures survive a restart (the engine is rebuilt from the store).
    let db = {
        let TestServer { server, db, .. } = server;
        server.unwrap().shutdown().await.unwrap();
        db
    };
    let server = TestServer::start(db).await;
    let admin = server.admin().await;
    let q = admin.get(&march("csat", "")).await;
    assert_eq!(q.body["rows"][0]["csat"]["value"], 100.0);
    assert_eq!(q.body["rows"][0]["csat"]["n"], 3);
    server.stop().await;
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn ingest_then_query_on_sqlite() {
    round_trip(Db::sqlite()).await;
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn ingest_then_query_on_postgres() {
    if let Some(db) = Db::postgres().await {
        round_trip(db).await;
    }
}

const CASE: &str = r#"{"kind":"case","id":"T-9","channel":"email","created_at":"2026-03-02T09:15:00+07:00","priority":"high","events":[{"at":"2026-03-02T09:15:00+07:00","kind":"message","author":"customer"},{"at":"2026-03-02T10:05:00+07:00","kind":"message","author":"agent","agent_id":"a-lan"}]}"#;
const CALL: &str = r#"{"kind":"call","id":"CL-1","queued_at":"2026-03-02T09:00:05+07:00","answered_at":"2026-03-02T09:00:15+07:00","outcome":"answered","talk_s":30}"#;

/// Each class of bad input of data-model.md: (what, the record, the field the error names).
fn bad_records() -> Vec<(&'static str, String, &'static str)> {
    vec![
        ("missing field", CALL.replace(r#","outcome":"answered""#, ""), "outcome"),
        ("wrong type", CALL.replace(r#""talk_s":30"#, r#""talk_s":"long""#), "talk_s"),
        ("unknown enum value", CASE.replace(r#""priority":"high""#, r#""priority":"critical""#), "priority"),
        ("unknown field", CASE.replace(r#""priority":"high""#, r#""priorty":"high""#), "priorty"),
        ("unknown kind", r#"{"kind":"ticket","id":"X"}"#.to_string(), "kind"),
        (
            "timestamp without offset",
            CASE.replace(r#""created_at":"2026-03-02T09:15:00+07:00""#, r#""created_at":"2026-03-02T09:15:00""#),
            "created_at",
        ),
        ("negative duration", CALL.replace(r#""talk_s":30"#, r#""talk_s":-3"#), "talk_s"),
        (
            "answered before queued",
            CALL.replace(r#""answered_at":"2026-03-02T09:00:15+07:00""#, r#""answered_at":"2026-03-02T08:59:00+07:00""#),
            "answered_at",
        ),
        (
            "reply before creation",
            CASE.replace(r#""at":"2026-03-02T10:05:00+07:00""#, r#""at":"2026-03-02T08:05:00+07:00""#),
            "events[1].at",
        ),
        (
            "score outside its scale",
            r#"{"kind":"survey","id":"S-9","survey":"nps","score":11,"at":"2026-03-04T12:00:00+07:00"}"#.to_string(),
            "score",
        ),
    ]
}

async fn bad_input(db: Db) {
    let server = TestServer::start(db).await;
    let admin = server.admin().await;
    admin.post("/api/records", sample_records()).await;
    let before = held(&admin).await;
    let fingerprint = server.store().await.fingerprint().await.unwrap();
    for (what, record, field) in bad_records() {
        // The bad record second in a batch with a valid one: the whole batch is refused.
        let batch = format!("[{CALL}, {record}]");
        let a = admin
            .send_bytes(
                Method::POST,
                "/api/records",
                Some(batch.into_bytes()),
                "application/json",
            )
            .await;
        assert_eq!(
            a.status,
            StatusCode::UNPROCESSABLE_ENTITY,
            "{what}: {}",
            a.body
        );
        assert_eq!(a.body["error"], "invalid_records", "{what}");
        let rejected = &a.body["details"]["rejected"][0];
        assert_eq!(rejected["index"], 1, "{what}: {rejected}");
        let named = rejected["field"].as_str().unwrap_or("");
        assert!(
            named.starts_with(field),
            "{what}: field {named}, expected {field}: {rejected}"
        );
        assert!(
            !rejected["reason"].as_str().unwrap_or("").is_empty(),
            "{what}"
        );
    }
    // A duplicate id in one batch.
    let a = admin
        .send_bytes(
            Method::POST,
            "/api/records",
            Some(format!("[{CALL},{CALL}]").into_bytes()),
            "application/json",
        )
        .await;
    assert_eq!(a.status, StatusCode::UNPROCESSABLE_ENTITY);
    assert_eq!(a.body["details"]["rejected"][0]["field"], "id");
    // Bytes that are not UTF-8, and not JSON.
    let a = admin
        .send_bytes(
            Method::POST,
            "/api/records",
            Some(vec![b'[', 0xff, b']']),
            "application/json",
        )
        .await;
    assert_eq!(a.status, StatusCode::BAD_REQUEST, "{}", a.body);
    let a = admin
        .send_bytes(
            Method::POST,
            "/api/records",
            Some(b"{not json".to_vec()),
            "application/json",
        )
        .await;
    assert_eq!(a.status, StatusCode::BAD_REQUEST, "{}", a.body);
    assert_eq!(a.body["error"], "bad_request");
    // Nothing changed: the engine's counts and the store's fingerprint.
    assert_eq!(held(&admin).await, before);
    assert_eq!(
        server.store().await.fingerprint().await.unwrap(),
        fingerprint
    );

    // atomic=false: the valid records land, the rejected come back.
    let (_, bad, _) = &bad_records()[0];
    let batch = format!(r#"{{"records":[{}, {bad}]}}"#, CALL.replace("CL-1", "CL-2"));
    let a = admin
        .send_bytes(
            Method::POST,
            "/api/records?atomic=false",
            Some(batch.into_bytes()),
            "application/json",
        )
        .await;
    assert_eq!(a.status, StatusCode::OK, "{}", a.body);
    assert_eq!(a.body["inserted"], 1);
    assert_eq!(a.body["rejected"][0]["field"], "outcome");
    assert_eq!(held(&admin).await["calls"], 1);
    server.stop().await;
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn bad_input_is_refused_on_sqlite() {
    bad_input(Db::sqlite()).await;
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn bad_input_is_refused_on_postgres() {
    if let Some(db) = Db::postgres().await {
        bad_input(db).await;
    }
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn limits_and_errors_are_json() {
    let server = TestServer::start_with(
        Db::sqlite(),
        carekpi_server::ServerOptions {
            max_body_bytes: 64 << 10,
            ..Default::default()
        },
    )
    .await;
    let admin = server.admin().await;
    // More than 10,000 records in a batch: 413 (small records, under the body limit? no: over
    // it here; so check the count rule on a bigger limit below).
    let big: Vec<Value> = (0..3000)
        .map(|i| json!({"kind":"team","id":format!("t{i}"),"name":"x"}))
        .collect();
    let a = admin.post("/api/records", json!({"records": big})).await;
    assert_eq!(a.status, StatusCode::PAYLOAD_TOO_LARGE, "{}", a.body);
    assert_eq!(a.body["error"], "too_large");
    let a = admin.get("/api/nothing-here").await;
    assert_eq!(a.status, StatusCode::NOT_FOUND);
    assert_eq!(a.body["error"], "not_found");
    let a = admin.send(Method::DELETE, "/api/metrics", None).await;
    assert_eq!(a.status, StatusCode::METHOD_NOT_ALLOWED);
    let a = admin
        .get("/api/query?metrics=csta&from=2026-03-01&to=2026-04-01")
        .await;
    assert_eq!(a.status, StatusCode::BAD_REQUEST);
    assert!(
        a.body["message"]
            .as_str()
            .unwrap()
            .contains("did you mean `csat`"),
        "{}",
        a.body
    );
    assert_eq!(a.body["details"]["field"], "metrics");
    assert_eq!(a.headers["x-content-type-options"], "nosniff");
    server.stop().await;

    let server = TestServer::start(Db::sqlite()).await;
    let admin = server.admin().await;
    let many: Vec<Value> = (0..10_001)
        .map(|i| json!({"kind":"team","id":format!("t{i}"),"name":"x"}))
        .collect();
    let a = admin.post("/api/records", json!({"records": many})).await;
    assert_eq!(a.status, StatusCode::PAYLOAD_TOO_LARGE, "{}", a.body);
    assert!(
        a.body["message"].as_str().unwrap().contains("10000"),
        "{}",
        a.body
    );
    assert_eq!(held(&admin).await["teams"], 0);
    server.stop().await;
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn uploads_and_the_case_webhook() {
    let server = TestServer::start(Db::sqlite()).await;
    let admin = server.admin().await;
    let file = format!("{CALL}\n{}\n", CALL.replace("CL-1", "CL-2"));
    let a = admin
        .send_bytes(
            Method::POST,
            "/api/import?format=jsonl",
            Some(file.into_bytes()),
            "application/octet-stream",
        )
        .await;
    assert_eq!(a.status, StatusCode::OK, "{}", a.body);
    assert_eq!(a.body["inserted"], 2);
    let a = admin
        .send_bytes(
            Method::POST,
            "/api/import?format=csv&mapping=../../etc/passwd",
            Some(b"a,b\n".to_vec()),
            "text/csv",
        )
        .await;
    assert_eq!(a.status, StatusCode::BAD_REQUEST, "{}", a.body);
    assert!(
        a.body["message"]
            .as_str()
            .unwrap()
            .contains("unknown mapping")
    );
    let case: Value = serde_json::from_str(CASE).unwrap();
    let mut body = case.clone();
    body.as_object_mut().unwrap().remove("kind");
    let a = admin
        .post("/api/webhooks/cases", json!({"case": body}))
        .await;
    assert_eq!(a.status, StatusCode::OK, "{}", a.body);
    assert_eq!(a.body["inserted"], 1);
    let a = admin
        .post("/api/webhooks/cases", json!({"case": {"id": "T-10"}}))
        .await;
    assert_eq!(a.status, StatusCode::UNPROCESSABLE_ENTITY, "{}", a.body);
    assert_eq!(held(&admin).await["cases"], 1);
    server.stop().await;
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn stored_mappings_read_uploads() {
    let server = TestServer::start(Db::sqlite()).await;
    let admin = server.admin().await;
    // A helpdesk's call export: `;`-separated, its own column names.
    let mapping = r#"name = "my-pbx"
description = "Our PBX's call export"
kind = "call"
delimiter = ";"

[fields]
id = { column = "Call" }
queued_at = { column = "Queued" }
answered_at = { column = "Answered" }
outcome = { value = "answered" }
"#;
    let a = admin
        .send_bytes(
            Method::PUT,
            "/api/mappings/my-pbx",
            Some(mapping.as_bytes().to_vec()),
            "application/toml",
        )
        .await;
    assert_eq!(a.status, StatusCode::OK, "{}", a.body);
    assert_eq!(a.body["version"], 1);
    let listed = admin.get("/api/mappings").await;
    assert_eq!(
        listed.body["stored"][0]["name"], "my-pbx",
        "{}",
        listed.body
    );
    assert!(
        listed.body["builtin"]
            .as_array()
            .unwrap()
            .iter()
            .any(|m| m["name"] == "anonymous-bank")
    );
    let csv = "Call;Queued;Answered\nC-1;2026-03-02T09:00:00+07:00;2026-03-02T09:00:20+07:00\nC-2;2026-03-02T09:01:00+07:00;2026-03-02T09:01:05+07:00\n";
    let a = admin
        .send_bytes(
            Method::POST,
            "/api/import?format=csv&mapping=my-pbx",
            Some(csv.as_bytes().to_vec()),
            "text/csv",
        )
        .await;
    assert_eq!(a.status, StatusCode::OK, "{}", a.body);
    assert_eq!(a.body["inserted"], 2);
    // A broken mapping is refused with its line; a built-in name cannot be taken.
    let a = admin
        .send_bytes(Method::PUT, "/api/mappings/broken", Some(b"name = \"broken\"\ndescription = \"x\"\nkind = \"call\"\n[fields]\nid = { colum = \"x\" }\n".to_vec()), "application/toml")
        .await;
    assert_eq!(a.status, StatusCode::BAD_REQUEST, "{}", a.body);
    assert!(
        a.body["message"].as_str().unwrap().contains("line 5"),
        "{}",
        a.body
    );
    let a = admin
        .send_bytes(
            Method::PUT,
            "/api/mappings/anonymous-bank",
            Some(mapping.as_bytes().to_vec()),
            "application/toml",
        )
        .await;
    assert_eq!(a.status, StatusCode::CONFLICT, "{}", a.body);
    // Removed: no longer usable.
    assert_eq!(
        admin
            .send(Method::DELETE, "/api/mappings/my-pbx", None)
            .await
            .status,
        StatusCode::NO_CONTENT
    );
    let a = admin
        .send_bytes(
            Method::POST,
            "/api/import?format=csv&mapping=my-pbx",
            Some(csv.as_bytes().to_vec()),
            "text/csv",
        )
        .await;
    assert_eq!(a.status, StatusCode::BAD_REQUEST, "{}", a.body);
    server.stop().await;
}
