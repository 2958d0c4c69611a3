//! Staffing over HTTP: one interval gives the domain's figures (and published ones), a week from
//! ingested calls is the engine's plan (what `carekpi staffing --from-history --format json`
//! prints), bad parameters are named, and only authenticated readers may ask.

use carekpi_domain::interchange::Position;
use carekpi_domain::records::vocab::Channel;
use carekpi_domain::staffing::{Ask, Model, Question, Target, Workload, predict, required_agents};
use carekpi_engine::staffing::{PlanRequest, plan};
use carekpi_engine::{Engine, EngineConfig};
use reqwest::{Method, StatusCode};
use serde_json::{Value, json};

use crate::support::*;

fn close(v: &Value, expected: f64, tolerance: f64) {
    let actual = v.as_f64().unwrap_or_else(|| panic!("{v} is not a number"));
    assert!(
        (actual - expected).abs() <= tolerance,
        "{actual} is not within {tolerance} of {expected}"
    );
}

/// `x` as a client reads it: written as JSON text and parsed again (serde_json's default float
/// parsing may land an ulp away from the value written, the same way on both sides).
fn as_received<T: serde::Serialize>(x: &T) -> Value {
    serde_json::from_str(&serde_json::to_string(x).unwrap()).unwrap()
}

/// The JSON the CLI prints for one interval, computed here with the domain.
fn interval_json(w: &Workload, q: &Question) -> Value {
    as_received(&plan::interval_json(w, q, &q.answer(w)))
}

/// The Call Centre Helper worked example ("Erlang C Formula – Made Simple With an Easy Worked
/// Example", callcentrehelper.com): 100 calls per 30 minutes, AHT 180 s, 14 agents → 10 Erlangs,
/// probability of waiting 17.41 %, 88.8 % answered within 20 s, ASA 7.8 s, occupancy 71.4 %; for
/// 80 % in 20 s with a maximum occupancy of 85 % and 30 % shrinkage: 14 agents, 20 to schedule.
#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn one_interval_gives_the_domains_and_the_published_figures() {
    let server = TestServer::start(Db::sqlite()).await;
    let admin = server.admin().await;
    let w = Workload::new(100.0, 1800.0, 180.0).unwrap();

    let a = admin
        .get("/api/staffing?contacts=100&interval=30m&aht=180s&agents=14&answer_within=20s")
        .await;
    assert_eq!(a.status, StatusCode::OK, "{}", a.body);
    let p = predict(&w, 14, 20.0, Model::ErlangC).unwrap();
    let v = &a.body;
    assert_eq!(v["model"], "erlang_c");
    assert_eq!(v["traffic_erlangs"], as_received(&p.traffic));
    assert_eq!(v["agents"], 14);
    assert_eq!(
        v["probability_of_waiting"],
        as_received(&(p.probability_of_waiting * 100.0))
    );
    assert_eq!(v["service_level"], as_received(&(p.service_level * 100.0)));
    assert_eq!(v["asa_s"], as_received(&p.asa_s));
    assert_eq!(v["occupancy"], as_received(&(p.occupancy * 100.0)));
    close(&v["traffic_erlangs"], 10.0, 1e-12);
    close(&v["probability_of_waiting"], 17.41, 0.005);
    close(&v["service_level"], 88.8, 0.05);
    close(&v["asa_s"], 7.8, 0.05);
    close(&v["occupancy"], 71.4, 0.05);
    assert_eq!(
        a.body,
        interval_json(&w, &Question::new(Model::ErlangC, 20.0, Ask::Agents(14)))
    );

    // The agents needed (durations also as bare seconds and ISO 8601).
    let a = admin
        .get("/api/staffing?contacts=100&interval=PT30M&aht=180&target_sl=80&max_occupancy=85&shrinkage=30")
        .await;
    assert_eq!(a.status, StatusCode::OK, "{}", a.body);
    let target = Target {
        service_level: 0.8,
        answer_within_s: 20.0,
        max_occupancy: Some(0.85),
        shrinkage: 0.3,
    };
    let r = required_agents(&w, &target, Model::ErlangC).unwrap();
    assert_eq!((r.agents, r.scheduled), (14, 20));
    assert_eq!(
        (&a.body["agents"], &a.body["scheduled_agents"]),
        (&json!(14), &json!(20))
    );
    assert_eq!(a.body["limited_by"], "service_level");
    assert_eq!(
        a.body["service_level"],
        as_received(&(r.prediction.service_level * 100.0))
    );
    assert_eq!(
        (
            &a.body["target_service_level"],
            &a.body["max_occupancy"],
            &a.body["shrinkage"]
        ),
        (&json!(80.0), &json!(85.0), &json!(30.0))
    );
    assert_eq!(
        a.body,
        interval_json(
            &w,
            &Question::new(Model::ErlangC, 20.0, Ask::Target(target))
        )
    );

    // Erlang A with a patience: rodrigo-arenas/pyworkforce's `test_erlanga_regression_metrics`
    // (100 per 30 min, AHT 3 min, patience 5 min, 14 positions, 20 s): waiting 0.14526,
    // abandonment 0.013984, occupancy 0.704297, service level 0.916792.
    let a = admin
        .get("/api/staffing?contacts=100&interval=30m&aht=3m&agents=14&patience=5m")
        .await;
    assert_eq!(a.status, StatusCode::OK, "{}", a.body);
    assert_eq!(
        (&a.body["model"], &a.body["patience_s"]),
        (&json!("erlang_a"), &json!(300.0))
    );
    close(&a.body["probability_of_waiting"], 14.526, 0.0005);
    close(&a.body["abandonment"], 1.3984, 0.00005);
    close(&a.body["occupancy"], 70.4297, 0.00005);
    close(&a.body["service_level"], 91.6792, 0.00005);
    let erlang_a = Question::new(Model::ErlangA { patience_s: 300.0 }, 20.0, Ask::Agents(14));
    assert_eq!(a.body, interval_json(&w, &erlang_a));
    server.stop().await;
}

/// Ho Chi Minh City (UTC+7) calls and a chat (the CLI's staffing test history): Monday 2 and 9
/// March 2026 09:00–09:30, three calls handled in 200, 120 and 280 s (1.5 a week); 09:30, an
/// abandon after 60 s (0.5 a week), a short abandon and a blocked call (not offered);
/// Wednesday 4 March 14:00, a chat of 600 s; Monday 16 March, one more call of 100 s.
const HISTORY: &str = r#"{"kind":"call","id":"CL1","queued_at":"2026-03-02T09:05:00+07:00","answered_at":"2026-03-02T09:05:10+07:00","outcome":"answered","talk_s":200}
{"kind":"call","id":"CL2","queued_at":"2026-03-02T09:20:00+07:00","answered_at":"2026-03-02T09:20:30+07:00","outcome":"answered","talk_s":100,"wrap_s":20}
{"kind":"call","id":"CL3","queued_at":"2026-03-09T09:10:00+07:00","answered_at":"2026-03-09T09:10:05+07:00","outcome":"answered","talk_s":250,"hold_s":30}
{"kind":"call","id":"CL4","queued_at":"2026-03-09T09:40:00+07:00","ended_at":"2026-03-09T09:41:00+07:00","outcome":"abandoned"}
{"kind":"call","id":"CL5","queued_at":"2026-03-09T09:41:00+07:00","ended_at":"2026-03-09T09:41:02+07:00","outcome":"abandoned"}
{"kind":"call","id":"CL6","attempted_at":"2026-03-03T09:00:00+07:00","outcome":"blocked"}
{"kind":"chat","id":"CH1","queued_at":"2026-03-04T14:00:00+07:00","answered_at":"2026-03-04T14:00:20+07:00","outcome":"answered","talk_s":600}
{"kind":"call","id":"CL7","queued_at":"2026-03-16T09:00:00+07:00","answered_at":"2026-03-16T09:00:05+07:00","outcome":"answered","talk_s":100}"#;

fn history() -> Vec<Value> {
    HISTORY
        .lines()
        .map(|l| serde_json::from_str(l).unwrap())
        .collect()
}

/// A server holding the history, in Ho Chi Minh City's time zone.
async fn history_server(db: Db) -> (TestServer, Client) {
    let server = TestServer::start(db).await;
    let admin = server.admin().await;
    let a = admin
        .send(
            Method::PATCH,
            "/api/config",
            Some(json!({"time_zone": "Asia/Ho_Chi_Minh"})),
        )
        .await;
    assert_eq!(a.status, StatusCode::OK, "{}", a.body);
    let a = admin
        .post("/api/records", json!({ "records": history() }))
        .await;
    assert_eq!(a.status, StatusCode::OK, "{}", a.body);
    assert_eq!(a.body["inserted"], 8);
    (server, admin)
}

/// The engine's plan of the same records under the server's configuration: what
/// `carekpi staffing --from-history --format json` prints for them.
async fn engine_plan(admin: &Client, request: &PlanRequest) -> Value {
    let config = admin.get("/api/config").await.body["config"].to_string();
    let mut engine = Engine::new(EngineConfig::from_json(&config).unwrap()).unwrap();
    let records: Vec<_> = history()
        .iter()
        .enumerate()
        .map(|(i, v)| carekpi_domain::parse_record_value(v, Position::Index(i), None).unwrap())
        .collect();
    engine.load(records.iter());
    as_received(&engine.staffing_plan(request).unwrap().json())
}

fn slot<'a>(v: &'a Value, weekday: &str, start: &str) -> &'a Value {
    v["intervals"]
        .as_array()
        .unwrap()
        .iter()
        .find(|r| r["weekday"] == weekday && r["start"] == start)
        .unwrap_or_else(|| panic!("no {weekday} {start} in {v}"))
}

async fn week_from_ingested_calls(db: Db) {
    let (server, admin) = history_server(db).await;
    let a = admin
        .get("/api/staffing/week?interval=30&target_sl=80&answer_within=20s&from=2026-03-02&to=2026-03-16&channel=phone")
        .await;
    assert_eq!(a.status, StatusCode::OK, "{}", a.body);
    let request = PlanRequest {
        answer_within_s: Some(20.0),
        from: Some(jiff::civil::date(2026, 3, 2)),
        to: Some(jiff::civil::date(2026, 3, 16)),
        channels: vec![Channel::Phone],
        ..PlanRequest::new(Model::ErlangC, Ask::Target(Target::new(0.8, 20.0)))
    };
    assert_eq!(a.body, engine_plan(&admin, &request).await);
    // By hand: 4 offered calls, 3 handled, AHT (200 + 120 + 280) / 3 = 200 s; Monday 09:00 has
    // 1.5 calls a week: 1/6 Erlang, one agent (M/M/1: 1 − 1/6 · e^(−(5/6)·0.1) = 84.67 %).
    let v = &a.body;
    assert_eq!(
        (&v["from"], &v["to"], &v["time_zone"]),
        (
            &json!("2026-03-02"),
            &json!("2026-03-16"),
            &json!("Asia/Ho_Chi_Minh")
        )
    );
    assert_eq!(
        (&v["offered"], &v["handled"], &v["aht_s"]),
        (&json!(4), &json!(3), &json!(200.0))
    );
    assert_eq!(v["intervals"].as_array().unwrap().len(), 7 * 48);
    let nine = slot(v, "monday", "09:00");
    assert_eq!(
        (&nine["contacts"], &nine["agents"]),
        (&json!(1.5), &json!(1))
    );
    close(&nine["service_level"], 84.666, 0.001);
    assert_eq!(v["totals"]["agent_hours"], 1.0);

    // Every channel with two agents, 60-minute intervals (`1h`), the account's threshold: the
    // chat counts in local time.
    let a = admin
        .get("/api/staffing/week?interval=1h&agents=2&from=2026-03-02&to=2026-03-16")
        .await;
    assert_eq!(a.status, StatusCode::OK, "{}", a.body);
    let request = PlanRequest {
        from: Some(jiff::civil::date(2026, 3, 2)),
        to: Some(jiff::civil::date(2026, 3, 16)),
        interval_minutes: 60,
        ..PlanRequest::new(Model::ErlangC, Ask::Agents(2))
    };
    assert_eq!(a.body, engine_plan(&admin, &request).await);
    assert_eq!(a.body["channels"], json!(["phone", "chat"]));
    assert_eq!(slot(&a.body, "wednesday", "14:00")["contacts"], 0.5);

    // Without a period: the 8 weeks up to the day after the last call (16 March).
    let a = admin
        .get("/api/staffing/week?target_sl=80&channel=phone&patience=90s&shrinkage=25")
        .await;
    assert_eq!(a.status, StatusCode::OK, "{}", a.body);
    assert_eq!(
        (&a.body["from"], &a.body["to"]),
        (&json!("2026-01-20"), &json!("2026-03-17"))
    );
    assert_eq!(a.body["model"], "erlang_a");
    let request = PlanRequest {
        channels: vec![Channel::Phone],
        ..PlanRequest::new(
            Model::ErlangA { patience_s: 90.0 },
            Ask::Target(Target {
                shrinkage: 0.25,
                ..Target::new(0.8, 20.0)
            }),
        )
    };
    assert_eq!(a.body, engine_plan(&admin, &request).await);

    // Too few agents: the unstable intervals say so, the week is still answered.
    let a = admin
        .get("/api/staffing/week?agents=0&channel=phone&from=2026-03-02&to=2026-03-16")
        .await;
    assert_eq!(a.status, StatusCode::OK, "{}", a.body);
    assert_eq!(a.body["totals"]["unstable_intervals"], 2);
    assert!(
        slot(&a.body, "monday", "09:00")["error"]
            .as_str()
            .unwrap()
            .contains("cannot keep up")
    );
    server.stop().await;
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn a_week_from_ingested_calls_is_the_engines_plan_on_sqlite() {
    week_from_ingested_calls(Db::sqlite()).await;
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn a_week_from_ingested_calls_is_the_engines_plan_on_postgres() {
    if let Some(db) = Db::postgres().await {
        week_from_ingested_calls(db).await;
    }
}

/// Asks `path` and checks the status, the error code and the parameter named.
async fn refused(c: &Client, path: &str, status: StatusCode, code: &str, field: &str) -> Value {
    let a = c.get(path).await;
    assert_eq!(a.status, status, "{path}: {}", a.body);
    assert_eq!(a.body["error"], code, "{path}: {}", a.body);
    assert_eq!(a.body["details"]["field"], field, "{path}: {}", a.body);
    assert!(
        a.body["message"].as_str().unwrap().contains(field),
        "{path}: the message names `{field}`: {}",
        a.body
    );
    a.body
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn errors_name_the_parameter() {
    let (server, admin) = history_server(Db::sqlite()).await;
    let bad = StatusCode::BAD_REQUEST;
    let one = "/api/staffing?contacts=100&interval=30m&aht=180s";
    for (extra, field, says) in [
        ("&agents=ten", "agents", "not a whole number"),
        ("&agents=-1", "agents", "not a whole number"),
        (
            "&target_sl=120",
            "target_sl",
            "120 must be a percentage above 0 and below 100",
        ),
        (
            "&target_sl=80&shrinkage=100",
            "shrinkage",
            "at least 0 and below 100",
        ),
        (
            "&target_sl=80&max_occupancy=0",
            "max_occupancy",
            "above 0 and at most 100",
        ),
        (
            "&agents=12&shrinkage=30",
            "shrinkage",
            "give it with `target_sl`",
        ),
        ("&agents=12&target_sl=80", "target_sl", "not both"),
        ("", "target_sl", "give `agents`"),
        (
            "&agents=12&patience=0s",
            "patience",
            "0 must be a number of seconds above 0",
        ),
        (
            "&agents=12&patience=soon",
            "patience",
            "`soon` is not a duration",
        ),
        ("&agents=12&answer_within=-5", "answer_within", "≥ 0"),
    ] {
        let body = refused(&admin, &format!("{one}{extra}"), bad, "bad_request", field).await;
        assert!(
            body["message"].as_str().unwrap().contains(says),
            "{extra}: {body}"
        );
    }
    for (path, field) in [
        ("/api/staffing?interval=30m&aht=3m&agents=12", "contacts"),
        (
            "/api/staffing?contacts=-5&interval=30m&aht=3m&agents=12",
            "contacts",
        ),
        (
            "/api/staffing?contacts=many&interval=30m&aht=3m&agents=12",
            "contacts",
        ),
        (
            "/api/staffing?contacts=100&interval=0&aht=3m&agents=12",
            "interval",
        ),
        ("/api/staffing?contacts=100&interval=30m&agents=12", "aht"),
        (
            "/api/staffing?contacts=100&interval=30m&aht=later&agents=12",
            "aht",
        ),
    ] {
        refused(&admin, path, bad, "bad_request", field).await;
    }
    // An unknown parameter is refused too.
    let a = admin.get(&format!("{one}&agents=12&agent=12")).await;
    assert_eq!(a.status, bad, "{}", a.body);
    // Erlang C with no more agents than traffic: 422, the fewest agents that keep up.
    let body = refused(
        &admin,
        &format!("{one}&agents=10"),
        StatusCode::UNPROCESSABLE_ENTITY,
        "unstable",
        "agents",
    )
    .await;
    assert_eq!(body["details"]["minimum_agents"], 11);
    assert!(
        body["message"]
            .as_str()
            .unwrap()
            .contains("10 agents cannot keep up with 10.00 Erlangs"),
        "{body}"
    );
    // …which Erlang A answers.
    let a = admin.get(&format!("{one}&agents=10&patience=90s")).await;
    assert_eq!(a.status, StatusCode::OK, "{}", a.body);

    let week = "/api/staffing/week?target_sl=80&answer_within=20s";
    for (extra, field) in [
        ("&interval=20", "interval"),
        ("&interval=30s", "interval"),
        ("&from=March", "from"),
        ("&to=2026-02-30", "to"),
        ("&from=2026-03-16&to=2026-03-02", "to"),
        ("&weeks=0", "weeks"),
        ("&weeks=many", "weeks"),
        ("&weeks=100000000&to=2026-03-16", "weeks"),
        ("&channel=phone,fax", "channel"),
        ("&aht=0s", "aht"),
        ("&patience=0", "patience"),
    ] {
        refused(&admin, &format!("{week}{extra}"), bad, "bad_request", field).await;
    }
    refused(
        &admin,
        &format!("{week}&from=2026-04-01&to=2026-04-08"),
        StatusCode::UNPROCESSABLE_ENTITY,
        "no_contacts",
        "from",
    )
    .await;
    refused(
        &admin,
        &format!("{week}&channel=email"),
        StatusCode::UNPROCESSABLE_ENTITY,
        "no_contacts",
        "channel",
    )
    .await;
    // Chats within 60 s and calls within 20 s: a week of both needs `answer_within`.
    let a = admin
        .send(
            Method::PATCH,
            "/api/config",
            Some(json!({"service_level": {"by_channel": {"chat": 60}}})),
        )
        .await;
    assert_eq!(a.status, StatusCode::OK, "{}", a.body);
    let body = refused(
        &admin,
        "/api/staffing/week?target_sl=80&from=2026-03-02&to=2026-03-16",
        bad,
        "bad_request",
        "answer_within",
    )
    .await;
    assert_eq!(
        body["details"]["thresholds_s"],
        json!({"phone": 20.0, "chat": 60.0})
    );
    let a = admin
        .get("/api/staffing/week?target_sl=80&from=2026-03-02&to=2026-03-16&channel=chat")
        .await;
    assert_eq!(a.status, StatusCode::OK, "{}", a.body);
    assert_eq!(a.body["answer_within_s"], 60.0);
    server.stop().await;
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn any_authenticated_reader_may_ask_and_nobody_else() {
    let (server, admin) = history_server(Db::sqlite()).await;
    let one = "/api/staffing?contacts=100&interval=30m&aht=180s&agents=14";
    let week = "/api/staffing/week?target_sl=80&channel=phone";
    for path in [one, week] {
        let a = server.anonymous().get(path).await;
        assert_eq!(a.status, StatusCode::UNAUTHORIZED, "{path}: {}", a.body);
        assert_eq!(a.body["error"], "unauthenticated");
    }
    {
        let store = server.store().await;
        add_user(&store, "lan", "agent", Some("a-lan"), &[]).await;
        add_user(&store, "vy", "viewer", None, &[]).await;
        store.close().await;
    }
    let key = |scopes: Value| {
        let admin = &admin;
        async move {
            let a = admin
                .post("/api/keys", json!({"name": "staffing", "scopes": scopes}))
                .await;
            assert_eq!(a.status, StatusCode::CREATED, "{}", a.body);
            a.body["token"].as_str().unwrap().to_string()
        }
    };
    let readers = [
        Client::login(&server.base, "lan", "lan-password-1").await,
        Client::login(&server.base, "vy", "vy-password-1").await,
        Client::with_key(&server.base, &key(json!(["read"])).await),
    ];
    for c in &readers {
        for path in [one, week] {
            let a = c.get(path).await;
            assert_eq!(a.status, StatusCode::OK, "{path}: {}", a.body);
        }
    }
    let ingest_only = Client::with_key(&server.base, &key(json!(["ingest"])).await);
    for path in [one, week] {
        let a = ingest_only.get(path).await;
        assert_eq!(a.status, StatusCode::FORBIDDEN, "{path}: {}", a.body);
    }
    // The routes are in the OpenAPI document.
    let doc = server.anonymous().get("/api/openapi.json").await.body;
    for (path, parameter) in [
        ("/api/staffing", "contacts"),
        ("/api/staffing/week", "from"),
    ] {
        let parameters = doc["paths"][path]["get"]["parameters"].as_array().unwrap();
        assert!(
            parameters
                .iter()
                .any(|p| p["name"] == parameter && p["in"] == "query" && p["required"] != true),
            "{path}: {parameters:?}"
        );
    }
    server.stop().await;
}
