//! The role matrix: each kind of caller × each route family, allowed or refused; and the
//! figures a manager and an agent see.

use reqwest::{Method, StatusCode};
use serde_json::{Value, json};

use crate::support::*;

/// (family, method, path, body)
fn families() -> Vec<(&'static str, Method, String, Option<Value>)> {
    vec![
        (
            "ingest",
            Method::POST,
            "/api/records".into(),
            Some(json!({"kind":"team","id":"new","name":"New"})),
        ),
        ("query", Method::GET, march("csat", ""), None),
        (
            "query another agent",
            Method::GET,
            format!("{}&agent=a-hoa", march("csat", "")),
            None,
        ),
        (
            "query another team",
            Method::GET,
            format!("{}&team=hn", march("csat", "")),
            None,
        ),
        ("catalogue", Method::GET, "/api/metrics".into(), None),
        ("config read", Method::GET, "/api/config".into(), None),
        (
            "config write",
            Method::PATCH,
            "/api/config".into(),
            Some(json!({})),
        ),
        (
            "config history",
            Method::GET,
            "/api/config/history".into(),
            None,
        ),
        ("users", Method::GET, "/api/users".into(), None),
        ("api keys", Method::GET, "/api/keys".into(), None),
        ("me", Method::GET, "/api/me".into(), None),
    ]
}

/// Allowed (true) or refused with 403 (false), per caller, in the order of `families()`.
fn expected(caller: &str) -> Vec<bool> {
    //              ingest query q.agent q.team catal c.read c.write c.hist users keys  me
    match caller {
        "admin" => vec![
            true, true, true, true, true, true, true, true, true, true, true,
        ],
        "manager" => vec![
            false, true, true, false, true, true, false, false, false, false, true,
        ],
        "agent" => vec![
            false, true, false, true, true, true, false, false, false, false, true,
        ],
        "viewer" => vec![
            false, true, true, true, true, true, false, false, false, false, true,
        ],
        "ingest key" => vec![
            true, false, false, false, false, false, false, false, false, false, true,
        ],
        "read key" => vec![
            false, true, true, true, true, true, false, false, false, false, true,
        ],
        _ => unreachable!(),
    }
}

async fn key(admin: &Client, base: &str, scopes: Value) -> Client {
    let a = admin
        .post("/api/keys", json!({"name": "test", "scopes": scopes}))
        .await;
    assert_eq!(a.status, StatusCode::CREATED, "{}", a.body);
    Client::with_key(base, a.body["token"].as_str().unwrap())
}

/// The agents of a CSAT-by-agent query, as the client sees it.
async fn agents(c: &Client) -> Vec<String> {
    let a = c.get(&march("csat", "agent")).await;
    assert_eq!(a.status, StatusCode::OK, "{}", a.body);
    a.body["rows"]
        .as_array()
        .unwrap()
        .iter()
        .map(|r| r["agent"].as_str().unwrap().to_string())
        .collect()
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn role_matrix() {
    let server = TestServer::start(Db::sqlite()).await;
    let admin = server.admin().await;
    assert_eq!(
        admin.post("/api/records", sample_records()).await.status,
        StatusCode::OK
    );
    {
        let store = server.store().await;
        add_user(&store, "mai", "manager", None, &["hcm"]).await;
        add_user(&store, "lan", "agent", Some("a-lan"), &[]).await;
        add_user(&store, "vy", "viewer", None, &[]).await;
        store.close().await;
    }
    let callers = vec![
        ("admin", server.admin().await),
        (
            "manager",
            Client::login(&server.base, "mai", "mai-password-1").await,
        ),
        (
            "agent",
            Client::login(&server.base, "lan", "lan-password-1").await,
        ),
        (
            "viewer",
            Client::login(&server.base, "vy", "vy-password-1").await,
        ),
        (
            "ingest key",
            key(&admin, &server.base, json!(["ingest"])).await,
        ),
        ("read key", key(&admin, &server.base, json!(["read"])).await),
    ];
    let mut failures = Vec::new();
    for (who, client) in &callers {
        for ((family, method, path, body), allowed) in families().into_iter().zip(expected(who)) {
            let a = client.send(method.clone(), &path, body).await;
            let ok = a.status.is_success();
            let refused = a.status == StatusCode::FORBIDDEN;
            if (allowed && !ok) || (!allowed && !refused) {
                failures.push(format!("{who} × {family}: {} {}", a.status, a.body));
            }
        }
    }
    // Nobody unauthenticated gets past any of them.
    let anonymous = server.anonymous();
    for (family, method, path, body) in families() {
        let a = anonymous.send(method, &path, body).await;
        if a.status != StatusCode::UNAUTHORIZED {
            failures.push(format!("anonymous × {family}: {}", a.status));
        }
    }
    assert!(failures.is_empty(), "{}", failures.join("\n"));

    // What each sees: the agent only their own figures, the manager only their team's agents.
    assert_eq!(agents(&callers[2].1).await, ["a-lan"]);
    assert_eq!(agents(&callers[1].1).await, ["a-lan", "a-minh"]);
    assert_eq!(agents(&callers[3].1).await, ["a-hoa", "a-lan", "a-minh"]);
    server.stop().await;
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn sessions_csrf_keys_and_login_limits() {
    let server = TestServer::start(Db::sqlite()).await;
    let mut admin = server.admin().await;
    // A change through the cookie without the CSRF token is refused.
    let token = admin.csrf.take();
    let a = admin
        .post("/api/records", json!({"kind":"team","id":"x","name":"X"}))
        .await;
    assert_eq!(a.status, StatusCode::FORBIDDEN, "{}", a.body);
    assert_eq!(a.body["error"], "csrf");
    admin.csrf = token;
    let a = admin.get("/api/me").await;
    assert_eq!(a.body["role"], "admin");
    assert_eq!(a.body["user"].get("password_hash"), None, "never sent");
    // A key is shown once, works, and stops working when revoked.
    let a = admin
        .post("/api/keys", json!({"name": "sync", "scopes": ["read"]}))
        .await;
    let token = a.body["token"].as_str().unwrap().to_string();
    let id = a.body["key"]["id"].as_i64().unwrap();
    let listed = admin.get("/api/keys").await;
    assert!(
        !listed.body.to_string().contains(&token),
        "the token is never listed"
    );
    let machine = Client::with_key(&server.base, &token);
    assert_eq!(machine.get("/api/metrics").await.status, StatusCode::OK);
    let a = admin
        .send(Method::DELETE, &format!("/api/keys/{id}"), None)
        .await;
    assert_eq!(a.status, StatusCode::NO_CONTENT);
    let a = machine.get("/api/metrics").await;
    assert_eq!(a.status, StatusCode::UNAUTHORIZED);
    assert!(a.body["message"].as_str().unwrap().contains("revoked"));
    let forged = Client::with_key(&server.base, &format!("{}0", &token[..token.len() - 1]));
    assert_eq!(
        forged.get("/api/metrics").await.status,
        StatusCode::UNAUTHORIZED
    );
    // Logout ends the session.
    let a = admin.send(Method::POST, "/api/logout", None).await;
    assert_eq!(a.status, StatusCode::NO_CONTENT);
    assert_eq!(admin.get("/api/me").await.status, StatusCode::UNAUTHORIZED);
    // Five wrong passwords, then 429 with Retry-After, even with the right one.
    let anonymous = server.anonymous();
    for _ in 0..5 {
        let a = anonymous
            .post(
                "/api/login",
                json!({"username": "admin", "password": "wrong-password"}),
            )
            .await;
        assert_eq!(a.status, StatusCode::UNAUTHORIZED);
    }
    let a = anonymous
        .post(
            "/api/login",
            json!({"username": "admin", "password": ADMIN_PASSWORD}),
        )
        .await;
    assert_eq!(a.status, StatusCode::TOO_MANY_REQUESTS, "{}", a.body);
    assert!(a.headers.contains_key("retry-after"));
    server.stop().await;
}
