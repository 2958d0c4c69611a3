//! `carekpi report` and `carekpi metrics` on a tiny dataset whose figures are worked out by hand
//! below: JSON and CSV must match exactly, the table must read well.

use super::*;

/// The account: Asia/Ho_Chi_Minh, no schedules (open 24/7, so business time is calendar time).
const ACCOUNT: &str = r#"{"time_zone": "Asia/Ho_Chi_Minh"}"#;

/// March 2026, all times +07:00.
///
/// Cases (team t-a: agent a1; team t-b: agent a2):
/// - C1 email t-a: customer 09:00, a1 replies 09:30, solved 10:00 → FRT 1800 s, resolution 3600 s,
///   1 touch, FCR.
/// - C2 email t-a: customer 09:00, a1 replies 11:00, customer 11:30, a1 replies 11:45, solved
///   12:00 → FRT 7200 s, exchanges 7200 and 900 s, resolution 10800 s, 2 touches, not FCR.
/// - C3 chat t-b: customer 09:00, a2 replies 09:10, never solved → FRT 600 s, open at the end.
/// - C4 email t-a, created 1 April: outside the period.
///
/// Calls (team t-b, agent a2), queued on 2 March:
/// - CL1 answered after 15 s, talk 300 + hold 0 + wrap 60 = 360 s handled.
/// - CL2 answered after 45 s, talk 200 + wrap 40 = 240 s handled.
/// - CL3 abandoned after 30 s (counts: ≥ the 5 s short-abandon threshold).
/// - CL4 abandoned after 3 s (a short abandon: left out of service level and abandonment).
///
/// CSAT: S1 = 5 on C1, S2 = 3 on C2 (a 3 is not satisfied), S3 = 4 on CL1 (team t-b).
pub const DATA: &str = r#"{"kind":"team","id":"t-a","name":"Team A"}
{"kind":"team","id":"t-b","name":"Team B"}
{"kind":"agent","id":"a1","name":"An","team_id":"t-a"}
{"kind":"agent","id":"a2","name":"Bình","team_id":"t-b"}
{"kind":"case","id":"C1","channel":"email","created_at":"2026-03-02T09:00:00+07:00","team_id":"t-a","assignee_id":"a1","events":[{"at":"2026-03-02T09:00:00+07:00","kind":"message","author":"customer"},{"at":"2026-03-02T09:30:00+07:00","kind":"message","author":"agent","agent_id":"a1"},{"at":"2026-03-02T10:00:00+07:00","kind":"status","status":"solved"}]}
{"kind":"case","id":"C2","channel":"email","created_at":"2026-03-03T09:00:00+07:00","team_id":"t-a","assignee_id":"a1","events":[{"at":"2026-03-03T09:00:00+07:00","kind":"message","author":"customer"},{"at":"2026-03-03T11:00:00+07:00","kind":"message","author":"agent","agent_id":"a1"},{"at":"2026-03-03T11:30:00+07:00","kind":"message","author":"customer"},{"at":"2026-03-03T11:45:00+07:00","kind":"message","author":"agent","agent_id":"a1"},{"at":"2026-03-03T12:00:00+07:00","kind":"status","status":"solved"}]}
{"kind":"case","id":"C3","channel":"chat","created_at":"2026-03-04T09:00:00+07:00","team_id":"t-b","assignee_id":"a2","events":[{"at":"2026-03-04T09:00:00+07:00","kind":"message","author":"customer"},{"at":"2026-03-04T09:10:00+07:00","kind":"message","author":"agent","agent_id":"a2"}]}
{"kind":"case","id":"C4","channel":"email","created_at":"2026-04-01T09:00:00+07:00","team_id":"t-a","assignee_id":"a1","events":[{"at":"2026-04-01T09:00:00+07:00","kind":"message","author":"customer"},{"at":"2026-04-01T09:05:00+07:00","kind":"message","author":"agent","agent_id":"a1"}]}
{"kind":"call","id":"CL1","queued_at":"2026-03-02T10:00:00+07:00","answered_at":"2026-03-02T10:00:15+07:00","ended_at":"2026-03-02T10:05:15+07:00","outcome":"answered","agent_id":"a2","team_id":"t-b","talk_s":300,"hold_s":0,"wrap_s":60}
{"kind":"call","id":"CL2","queued_at":"2026-03-02T10:05:00+07:00","answered_at":"2026-03-02T10:05:45+07:00","ended_at":"2026-03-02T10:09:05+07:00","outcome":"answered","agent_id":"a2","team_id":"t-b","talk_s":200,"wrap_s":40}
{"kind":"call","id":"CL3","queued_at":"2026-03-02T10:10:00+07:00","ended_at":"2026-03-02T10:10:30+07:00","outcome":"abandoned","team_id":"t-b"}
{"kind":"call","id":"CL4","queued_at":"2026-03-02T10:20:00+07:00","ended_at":"2026-03-02T10:20:03+07:00","outcome":"abandoned","team_id":"t-b"}
{"kind":"survey","id":"S1","survey":"csat","score":5,"at":"2026-03-02T11:00:00+07:00","case_id":"C1","agent_id":"a1"}
{"kind":"survey","id":"S2","survey":"csat","score":3,"at":"2026-03-03T13:00:00+07:00","case_id":"C2","agent_id":"a1"}
{"kind":"survey","id":"S3","survey":"csat","score":4,"at":"2026-03-02T10:06:00+07:00","call_id":"CL1","agent_id":"a2","team_id":"t-b"}
"#;

const PERIOD: [&str; 5] = ["--from", "2026-03-01", "--to", "2026-04-01", "--now"];
pub const NOW: &str = "2026-04-15T00:00:00Z";

fn loaded() -> Scratch {
    loaded_with(ACCOUNT)
}

/// A store with the account configuration `account` and the dataset above.
pub fn loaded_with(account: &str) -> Scratch {
    let s = Scratch::sqlite();
    let config = s.file("account.json", account);
    assert!(
        s.run(&["config", "set", config.to_str().unwrap()])
            .status
            .success()
    );
    let data = s.file("data.jsonl", DATA);
    let out = s.run(&["import", data.to_str().unwrap()]);
    assert!(out.status.success(), "{}", stderr(&out));
    s
}

fn report(s: &Scratch, extra: &[&str]) -> Output {
    let mut args = vec!["report"];
    args.extend_from_slice(&PERIOD);
    args.push(NOW);
    args.extend_from_slice(extra);
    s.run(&args)
}

fn report_json(s: &Scratch, extra: &[&str]) -> serde_json::Value {
    let mut args = extra.to_vec();
    args.extend_from_slice(&["--format", "json"]);
    let out = report(s, &args);
    assert!(out.status.success(), "{}", stderr(&out));
    serde_json::from_slice(&out.stdout).unwrap()
}

#[test]
fn json_gives_the_hand_computed_figures_in_the_data_model_shape() {
    let s = loaded();
    let json = report_json(
        &s,
        &[
            "--metrics",
            "request_volume,open_cases,frt,resolution_time,touches,fcr,csat,csat_mean,asa,service_level,abandonment_rate,aht,avg_response_time",
        ],
    );
    use serde_json::json;
    // One row: no group keys, then one object per metric.
    assert_eq!(
        json,
        json!([{
            // C1, C2, C3 created in March + the four calls (no case): 7 contacts.
            "request_volume": {"value": 7.0, "n": 7},
            // At the end of March only C3 is unsolved (C4 does not exist yet).
            "open_cases": {"value": 1.0, "n": 1},
            // [600, 1800, 7200]: mean 3200; nearest rank ⌈0.5·3⌉ = 2nd → 1800, ⌈0.9·3⌉ = 3rd → 7200.
            "frt": {"value": 3200.0, "n": 3, "median": 1800.0, "p90": 7200.0},
            // Solved C1 3600, C2 10800: mean 7200; ranks 1 and 2.
            "resolution_time": {"value": 7200.0, "n": 2, "median": 3600.0, "p90": 10800.0},
            // C1 one touch, C2 two: one-touch share 50 %.
            "touches": {"value": 50.0, "n": 2, "parts": {
                "zero_touch": {"value": 0.0, "n": 0},
                "one_touch": {"value": 50.0, "n": 1},
                "two_touch": {"value": 50.0, "n": 1},
                "multi_touch": {"value": 0.0, "n": 0}}},
            // C1 solved with one reply, never reopened; C2 needed two: 1 / 2.
            "fcr": {"value": 50.0, "n": 2, "parts": {
                "cases": {"value": 50.0, "n": 2},
                "contacts": {"value": null, "n": 0},
                "combined": {"value": 50.0, "n": 2}}},
            // 5 and 4 satisfied, 3 not: 2 / 3.
            "csat": {"value": 200.0 / 3.0, "n": 3},
            "csat_mean": {"value": 4.0, "n": 3},
            // Answered calls waited 15 and 45 s.
            "asa": {"value": 30.0, "n": 2, "median": 15.0, "p90": 45.0},
            // Within 20 s: CL1 of CL1, CL2, CL3 (CL4 is a short abandon).
            "service_level": {"value": 100.0 / 3.0, "n": 3},
            // CL3 of the same three.
            "abandonment_rate": {"value": 100.0 / 3.0, "n": 3},
            // 360 and 240 s handled.
            "aht": {"value": 300.0, "n": 2, "median": 240.0, "p90": 360.0},
            // Case exchanges 1800 (C1), 7200 and 900 (C2), 600 (C3), and the calls' waits 15 and
            // 45: mean 10560 / 6 = 1760; sorted [15, 45, 600, 900, 1800, 7200], ranks 3 and 6.
            "avg_response_time": {"value": 1760.0, "n": 6, "median": 600.0, "p90": 7200.0}
        }])
    );
}

#[test]
fn grouped_and_filtered_reports_in_json_and_csv() {
    let s = loaded();
    use serde_json::json;
    let json = report_json(
        &s,
        &["--metrics", "frt,csat,request_volume", "--by", "team"],
    );
    assert_eq!(
        json,
        json!([
            // t-a: FRT of C1 and C2 [1800, 7200]; CSAT S1 (5) and S2 (3) through their cases.
            {"team": "t-a",
             "frt": {"value": 4500.0, "n": 2, "median": 1800.0, "p90": 7200.0},
             "csat": {"value": 50.0, "n": 2},
             "request_volume": {"value": 2.0, "n": 2}},
            // t-b: C3 and the four calls; S3.
            {"team": "t-b",
             "frt": {"value": 600.0, "n": 1, "median": 600.0, "p90": 600.0},
             "csat": {"value": 100.0, "n": 1},
             "request_volume": {"value": 5.0, "n": 5}}
        ])
    );
    // Filters: email cases only (C1, C2); by day (local days of the account).
    let json = report_json(
        &s,
        &["--metrics", "frt", "--by", "day", "--channel", "email"],
    );
    let days: Vec<(String, serde_json::Value)> = json
        .as_array()
        .unwrap()
        .iter()
        .filter(|r| r["frt"]["n"] != 0)
        .map(|r| {
            (
                r["day"].as_str().unwrap().to_string(),
                r["frt"]["value"].clone(),
            )
        })
        .collect();
    assert_eq!(
        days,
        [
            ("2026-03-02".to_string(), json!(1800.0)),
            ("2026-03-03".to_string(), json!(7200.0))
        ]
    );

    // CSV: raw numbers, the same figures; an empty cell for no data.
    let out = report(
        &s,
        &[
            "--metrics",
            "frt,csat",
            "--by",
            "team",
            "--agent",
            "a1",
            "--format",
            "csv",
        ],
    );
    assert!(out.status.success(), "{}", stderr(&out));
    assert_eq!(
        stdout(&out),
        "team,frt,frt:n,frt:median,frt:p90,csat,csat:n\n\
         t-a,4500,2,1800,7200,50,2\n"
    );
    let out = report(
        &s,
        &[
            "--metrics",
            "csat,asa",
            "--format",
            "csv",
            "--type",
            "complaint",
        ],
    );
    assert!(out.status.success(), "{}", stderr(&out));
    assert_eq!(
        stdout(&out),
        "csat,csat:n,asa,asa:n,asa:median,asa:p90\n,0,,0,,\n",
        "no complaint: no data, not zero"
    );
}

#[test]
fn the_table_reads_well() {
    let s = loaded();
    let out = report(&s, &["--metrics", "frt,csat,asa,request_volume,open_cases"]);
    assert!(out.status.success(), "{}", stderr(&out));
    let text = stdout(&out);
    for expected in [
        "2026-03-01 … 2026-03-31 (Asia/Ho_Chi_Minh, the account's time zone)",
        "First response time (frt)",
        "53 min 20 s", // 3200 s
        "30 min 00 s", // median 1800 s
        "2 h 00 min",  // p90 7200 s
        "66.7 %",      // CSAT
        "30 s",        // ASA
    ] {
        assert!(text.contains(expected), "`{expected}` in:\n{text}");
    }
    let out = report(
        &s,
        &["--metrics", "frt,csat", "--by", "team", "--team", "t-a"],
    );
    let text = stdout(&out);
    assert!(text.contains("By team"), "{text}");
    assert!(
        text.contains("1 h 15 min (2)"),
        "4500 s over 2 cases: {text}"
    );
    assert!(text.contains("50.0 % (2)"), "{text}");
    assert!(!text.contains("t-b"), "filtered out: {text}");
    // No data is a dash.
    let out = report(&s, &["--metrics", "nps"]);
    assert!(stdout(&out).contains('—'), "{}", stdout(&out));
}

#[test]
fn xlsx_is_a_workbook_with_a_header_row() {
    let s = loaded();
    let file = s.dir.path().join("report.xlsx");
    let out = report(
        &s,
        &[
            "--metrics",
            "frt,csat",
            "--by",
            "team",
            "--format",
            "xlsx",
            "--out",
            file.to_str().unwrap(),
        ],
    );
    assert!(out.status.success(), "{}", stderr(&out));
    let bytes = std::fs::read(&file).unwrap();
    assert!(bytes.starts_with(b"PK"), "a zip container");
    let text = String::from_utf8_lossy(&bytes);
    assert!(text.contains("xl/worksheets/sheet1.xml"), "has a sheet");
    // Without --out, xlsx is refused (it is not for a terminal).
    let out = report(&s, &["--format", "xlsx"]);
    assert_eq!(out.status.code(), Some(2));
    assert!(stderr(&out).contains("--out"), "{}", stderr(&out));
}

#[test]
fn unknown_metrics_and_dimensions_exit_2_naming_them() {
    let s = loaded();
    let out = report(&s, &["--metrics", "csat,first_reply_time"]);
    assert_eq!(out.status.code(), Some(2));
    let err = stderr(&out);
    assert!(err.contains("unknown metric `first_reply_time`"), "{err}");
    assert!(
        err.contains("the metrics are: nps, csat"),
        "lists the valid ones: {err}"
    );
    let out = report(&s, &["--metrics", "csta"]);
    assert!(
        stderr(&out).contains("did you mean `csat`?"),
        "{}",
        stderr(&out)
    );
    let out = report(&s, &["--by", "team,year"]);
    assert_eq!(out.status.code(), Some(2));
    let err = stderr(&out);
    assert!(err.contains("unknown dimension `year`"), "{err}");
    assert!(err.contains("`month`"), "lists the valid ones: {err}");
    let out = report(&s, &["--metrics", "frt(hours=wall)"]);
    assert_eq!(out.status.code(), Some(2));
    assert!(
        stderr(&out).contains("business, calendar"),
        "{}",
        stderr(&out)
    );
    let out = report(&s, &["--priority", "critical"]);
    assert_eq!(out.status.code(), Some(2));
    assert!(stderr(&out).contains("`urgent`"), "{}", stderr(&out));
    // A reversed period.
    let out = s.run(&["report", "--from", "2026-04-01", "--to", "2026-03-01"]);
    assert_eq!(out.status.code(), Some(2), "{}", stderr(&out));
}

#[test]
fn the_default_and_all_metric_sets_run_on_the_demo() {
    let s = Scratch::sqlite();
    assert!(
        s.run(&["demo", "--cases", "500", "--json"])
            .status
            .success()
    );
    let out = s.run(&[
        "report",
        "--from",
        "2026-01-01",
        "--to",
        "2026-02-01",
        "--now",
        NOW,
        "--format",
        "json",
    ]);
    assert!(out.status.success(), "{}", stderr(&out));
    let json: serde_json::Value = serde_json::from_slice(&out.stdout).unwrap();
    for id in [
        "request_volume",
        "frt",
        "csat",
        "sla_compliance",
        "asa",
        "backlog",
    ] {
        assert!(json[0][id]["n"].as_u64().unwrap() > 0, "{id}: {json}");
    }
    let out = s.run(&[
        "report",
        "--from",
        "2026-01-01",
        "--to",
        "2026-02-01",
        "--now",
        NOW,
        "--metrics",
        "all",
        "--by",
        "team",
        "--format",
        "json",
    ]);
    assert!(out.status.success(), "{}", stderr(&out));
    let json: serde_json::Value = serde_json::from_slice(&out.stdout).unwrap();
    let teams: Vec<&serde_json::Value> = json
        .as_array()
        .unwrap()
        .iter()
        .map(|r| &r["team"])
        .collect();
    // The four service teams, then the records without a team (platform reviews, customers …).
    assert_eq!(
        teams,
        [
            &serde_json::json!("berlin-support"),
            &serde_json::json!("hcm-support"),
            &serde_json::json!("hn-support"),
            &serde_json::json!("vn-vip"),
            &serde_json::Value::Null
        ]
    );
    let ids = json[0].as_object().unwrap().len() - 1;
    assert_eq!(ids, 44, "every metric of the catalogue");
}

#[test]
fn metrics_lists_the_catalogue_and_the_committed_docs_are_its_markdown() {
    let out = carekpi("unused.db", &["metrics"]);
    assert!(out.status.success(), "{}", stderr(&out));
    let text = stdout(&out);
    assert!(text.contains("frt"), "{text}");
    assert!(text.contains("First response time"), "{text}");
    assert!(text.contains("44 metrics"), "{text}");
    let out = carekpi("unused.db", &["metrics", "--markdown"]);
    assert!(out.status.success(), "{}", stderr(&out));
    let generated = stdout(&out);
    let docs = Path::new(env!("CARGO_MANIFEST_DIR")).join("../../docs/metrics.md");
    let committed = std::fs::read_to_string(&docs).unwrap_or_default();
    assert!(
        committed == generated,
        "docs/metrics.md differs from `carekpi metrics --markdown`; regenerate it with \
         `cargo run -- metrics --markdown > docs/metrics.md`"
    );
}

#[test]
fn postgres_gives_the_same_report_as_sqlite() {
    let Some(db) = super::postgres::fresh_database("cli_report") else {
        return;
    };
    let dir = tempfile::tempdir().unwrap();
    let config = dir.path().join("account.json");
    std::fs::write(&config, ACCOUNT).unwrap();
    let data = dir.path().join("data.jsonl");
    std::fs::write(&data, DATA).unwrap();
    assert!(
        carekpi(&db.url, &["config", "set", config.to_str().unwrap()])
            .status
            .success()
    );
    let out = carekpi(&db.url, &["import", data.to_str().unwrap()]);
    assert!(out.status.success(), "{}", stderr(&out));
    let args = [
        "report",
        "--from",
        "2026-03-01",
        "--to",
        "2026-04-01",
        "--now",
        NOW,
        "--metrics",
        "all",
        "--by",
        "team,week",
        "--format",
        "json",
    ];
    let on_postgres = carekpi(&db.url, &args);
    assert!(on_postgres.status.success(), "{}", stderr(&on_postgres));
    let s = loaded();
    let on_sqlite = s.run(&args);
    assert_eq!(stdout(&on_postgres), stdout(&on_sqlite));
}
