//! `carekpi import` and `carekpi demo`: all or nothing, idempotent, every bad input named.

use std::path::{Path, PathBuf};
use std::process::Command;

use super::*;

/// Import a valid file, then import it again: the second import changes nothing.
fn idempotent_import(db: &str, dir: &Path) {
    let file = dir.join("mixed.jsonl");
    std::fs::write(&file, format!("{AGENT_1}\n{CASE_1}\n\n{CALL_1}\n")).unwrap();
    let (out, first) = import_json(db, &file, &[]);
    assert!(out.status.success(), "{}", stderr(&out));
    assert_eq!(first["read"], 3, "blank lines are not records: {first}");
    assert_eq!(first["inserted"], 3);
    assert_eq!(first["committed"], true);
    let before = fingerprint(db);

    let (out, second) = import_json(db, &file, &[]);
    assert!(out.status.success(), "{}", stderr(&out));
    assert_eq!(second["inserted"], 0);
    assert_eq!(second["updated"], 0);
    assert_eq!(second["unchanged"], 3);
    assert_eq!(
        fingerprint(db),
        before,
        "re-importing the same file changes nothing"
    );

    // The case sent again with one more event is an update.
    let more = CASE_1.replace(
        r#"{"at":"2026-03-02T10:06:00+07:00","kind":"status","status":"solved"}]"#,
        r#"{"at":"2026-03-02T10:06:00+07:00","kind":"status","status":"solved"},{"at":"2026-03-03T08:00:00+07:00","kind":"status","status":"open"}]"#,
    );
    let update = dir.join("update.jsonl");
    std::fs::write(&update, format!("{more}\n")).unwrap();
    let (out, third) = import_json(db, &update, &[]);
    assert!(out.status.success(), "{}", stderr(&out));
    assert_eq!(third["updated"], 1, "{third}");
    assert_ne!(fingerprint(db), before);
    let counts = &summary(db)["records"];
    assert_eq!(counts["case"], 1);
    assert_eq!(counts["call"], 1);
    assert_eq!(counts["agent"], 1);
}

#[test]
fn importing_the_same_file_twice_changes_nothing_on_sqlite() {
    let s = Scratch::sqlite();
    idempotent_import(&s.db, s.dir.path());
}

#[test]
fn importing_the_same_file_twice_changes_nothing_on_postgres() {
    let Some(db) = postgres::fresh_database("cli_idempotent") else {
        return;
    };
    let dir = tempfile::tempdir().unwrap();
    idempotent_import(&db.url, dir.path());
}

/// Every class of bad input: exit code 1, a message naming line, record, field and reason, and
/// a store exactly as it was.
fn rejects_bad_input(db: &str, dir: &Path) {
    let seed = dir.join("seed.jsonl");
    std::fs::write(&seed, format!("{AGENT_1}\n{CASE_1}\n")).unwrap();
    assert!(
        carekpi(db, &["import", seed.to_str().unwrap()])
            .status
            .success()
    );
    let before = fingerprint(db);

    let good = CALL_1.replace("CL-9", "CL-100");
    let cases: Vec<(&str, String, &str)> = vec![
        (
            "missing required field",
            CASE_1.replace(r#""channel":"email","#, ""),
            "line 2 (case T-1): field `channel`: missing: this field is required",
        ),
        (
            "wrong type",
            CALL_1.replace(r#""talk_s":301"#, r#""talk_s":"long""#),
            "line 2 (call CL-9): field `talk_s`: invalid type: string \"long\", expected f64",
        ),
        (
            "unknown enum value",
            CALL_1.replace(r#""outcome":"answered""#, r#""outcome":"hung_up""#),
            "line 2 (call CL-9): field `outcome`: unknown variant `hung_up`",
        ),
        (
            "timestamp without offset",
            CALL_1.replace("2026-03-02T09:00:05+07:00", "2026-03-02T09:00:05"),
            "line 2 (call CL-9): field `queued_at`: timestamp `2026-03-02T09:00:05` has no UTC offset",
        ),
        (
            "negative duration",
            CALL_1.replace(r#""talk_s":301"#, r#""talk_s":-301"#),
            "line 2 (call CL-9): field `talk_s`: is a negative duration (-301 s)",
        ),
        (
            "answered before queued",
            CALL_1.replace("09:00:31", "08:59:31"),
            "line 2 (call CL-9): field `answered_at`: 2026-03-02T08:59:31+07:00 is before queued_at (2026-03-02T09:00:05+07:00): impossible timeline",
        ),
        (
            "agent reply before the case was created",
            CASE_1.replace("2026-03-02T10:05:00+07:00", "2026-03-02T08:05:00+07:00"),
            "line 2 (case T-1): field `events[1].at`: an agent reply at 2026-03-02T08:05:00+07:00 is before the case was created",
        ),
        (
            "solve before creation",
            CASE_1.replace("2026-03-02T10:06:00+07:00", "2026-03-01T10:06:00+07:00"),
            "line 2 (case T-1): field `events[2].at`: a solve at 2026-03-01T10:06:00+07:00 is before the case was created",
        ),
        (
            "score outside its scale",
            r#"{"kind":"survey","id":"S-1","survey":"nps","score":11,"at":"2026-03-04T12:00:00+07:00"}"#.to_string(),
            "line 2 (survey S-1): field `score`: 11 is outside the nps scale 0–10",
        ),
        (
            "duplicate id in one batch",
            good.clone(),
            "line 2 (call CL-100): field `id`: duplicate id: line 1 already has a call with this id in the same batch",
        ),
        (
            "unknown field",
            CALL_1.replace(r#""talk_s""#, r#""talk_secs""#),
            "line 2 (call CL-9): field `talk_secs`: unknown field",
        ),
    ];
    for (class, bad_line, expected) in cases {
        let file = dir.join("bad.jsonl");
        std::fs::write(&file, format!("{good}\n{bad_line}\n")).unwrap();
        let out = carekpi(db, &["import", file.to_str().unwrap()]);
        assert_eq!(
            out.status.code(),
            Some(1),
            "{class}: exit code; {}",
            stderr(&out)
        );
        let err = stderr(&out);
        assert!(
            err.contains(expected),
            "{class}: expected `{expected}` in:\n{err}"
        );
        assert!(err.contains("nothing was imported"), "{class}: {err}");
        assert_eq!(fingerprint(db), before, "{class}: the store is unchanged");
    }

    // Bytes that are not UTF-8.
    let mut bytes = format!("{good}\n").into_bytes();
    bytes.extend_from_slice(b"{\"kind\":\"agent\",\"id\":\"a-x\",\"name\":\"L\xe0n\"}\n");
    let file = dir.join("latin1.jsonl");
    std::fs::write(&file, bytes).unwrap();
    let out = carekpi(db, &["import", file.to_str().unwrap()]);
    assert_eq!(out.status.code(), Some(1));
    assert!(
        stderr(&out).contains("line 2: not valid UTF-8: invalid byte at offset 36"),
        "{}",
        stderr(&out)
    );
    assert_eq!(fingerprint(db), before);
}

#[test]
fn every_bad_input_class_is_rejected_and_nothing_lands_on_sqlite() {
    let s = Scratch::sqlite();
    rejects_bad_input(&s.db, s.dir.path());
}

#[test]
fn every_bad_input_class_is_rejected_and_nothing_lands_on_postgres() {
    let Some(db) = postgres::fresh_database("cli_bad_input") else {
        return;
    };
    let dir = tempfile::tempdir().unwrap();
    rejects_bad_input(&db.url, dir.path());
}

#[test]
fn lists_twenty_errors_then_counts_the_rest() {
    let s = Scratch::sqlite();
    let lines: String = (0..25)
        .map(|i| {
            format!(
                "{}\n",
                CALL_1
                    .replace("CL-9", &format!("CL-{i}"))
                    .replace(r#""talk_s":301"#, r#""talk_s":-1"#)
            )
        })
        .collect();
    let file = s.file("many.jsonl", lines);
    let out = s.run(&["import", file.to_str().unwrap()]);
    assert_eq!(out.status.code(), Some(1));
    let err = stderr(&out);
    assert_eq!(err.matches("negative duration").count(), 20, "{err}");
    assert!(err.contains("… and 5 more"), "{err}");
    assert!(
        err.contains("25 of 25 records are invalid; nothing was imported"),
        "{err}"
    );
    let (_, json) = import_json(&s.db, &file, &[]);
    assert_eq!(json["error_count"], 25);
    assert_eq!(json["rejected"], 25);
    assert_eq!(json["errors"].as_array().unwrap().len(), 20);
    assert_eq!(json["committed"], false);
    assert_eq!(summary(&s.db)["records"]["call"], 0);
}

#[test]
fn imports_the_call_centre_trends_dataset_with_one_command() {
    let Some(file) = pwc_file() else { return };
    let s = Scratch::sqlite();
    let out = s.run(&[
        "import",
        file.to_str().unwrap(),
        "--mapping",
        "call-centre-trends",
        "--tz",
        "Europe/Zurich",
    ]);
    assert!(out.status.success(), "{}", stderr(&out));
    assert!(
        stdout(&out).contains("5000 read, 9054 inserted"),
        "{}",
        stdout(&out)
    );
    let counts = &summary(&s.db)["records"];
    assert_eq!(counts["call"], 5000);
    assert_eq!(counts["survey"], 4054);
    // Without --tz and without an account time zone, the zone-less rows are an error, not a guess.
    let s = Scratch::sqlite();
    let out = s.run(&[
        "import",
        file.to_str().unwrap(),
        "--mapping",
        "call-centre-trends",
    ]);
    assert_eq!(out.status.code(), Some(2), "{}", stderr(&out));
    assert!(stderr(&out).contains("--tz"), "{}", stderr(&out));
    assert_eq!(summary(&s.db)["records"]["call"], 0);
}

#[test]
fn unknown_mappings_and_missing_columns_are_named() {
    let s = Scratch::sqlite();
    let csv = s.file("calls.csv", "Call Id,Agent,Date\nID1,Dan,2021-01-01\n");
    let out = s.run(&[
        "import",
        csv.to_str().unwrap(),
        "--mapping",
        "zendesk-2019",
        "--tz",
        "UTC",
    ]);
    assert_eq!(out.status.code(), Some(2));
    let err = stderr(&out);
    assert!(err.contains("zendesk-2019"), "{err}");
    assert!(
        err.contains("call-centre-trends"),
        "lists the built-in mappings: {err}"
    );

    let out = s.run(&[
        "import",
        csv.to_str().unwrap(),
        "--mapping",
        "call-centre-trends",
        "--tz",
        "UTC",
    ]);
    assert_eq!(out.status.code(), Some(2));
    let err = stderr(&out);
    for column in ["Time", "Answered (Y/N)", "Topic"] {
        assert!(
            err.contains(column),
            "names the missing column {column}: {err}"
        );
    }
    assert_eq!(summary(&s.db)["records"]["call"], 0);
}

#[test]
fn a_generic_csv_uses_field_names_as_headers() {
    let s = Scratch::sqlite();
    let csv = s.file(
        "agents.csv",
        "id,name,team_id,hired_at\na-1,Trần Minh,hcm-1,2025-01-06T00:00:00+07:00\na-2,Lê Hoa,,\n",
    );
    let out = s.run(&["import", csv.to_str().unwrap(), "--kind", "agent"]);
    assert!(out.status.success(), "{}", stderr(&out));
    assert_eq!(summary(&s.db)["records"]["agent"], 2);
}

#[test]
fn a_killed_import_leaves_the_store_as_it_was() {
    let s = Scratch::sqlite();
    let seed = s.file("seed.jsonl", format!("{AGENT_1}\n{CASE_1}\n"));
    assert!(s.run(&["import", seed.to_str().unwrap()]).status.success());
    let before = s.fingerprint();

    let big = s.dir.path().join("big.jsonl");
    let out = s.run(&[
        "demo",
        "--cases",
        "60000",
        "--cases-only",
        "--out",
        big.to_str().unwrap(),
    ]);
    assert!(out.status.success(), "{}", stderr(&out));
    let wal = PathBuf::from(format!("{}-wal", s.db));
    let base = std::fs::metadata(&wal).map(|m| m.len()).unwrap_or(0);
    let mut child = Command::new(BIN)
        .args(["import", big.to_str().unwrap()])
        .env("CAREKPI_DATABASE_URL", &s.db)
        .stdout(std::process::Stdio::null())
        .stderr(std::process::Stdio::null())
        .spawn()
        .unwrap();
    // Wait until the import is writing (its transaction grows the WAL), then kill it hard.
    let mut writing = false;
    for _ in 0..2_000 {
        if std::fs::metadata(&wal).map(|m| m.len()).unwrap_or(0) > base + 512 * 1024 {
            writing = true;
            break;
        }
        if child.try_wait().unwrap().is_some() {
            break;
        }
        std::thread::sleep(std::time::Duration::from_millis(5));
    }
    child.kill().unwrap(); // SIGKILL
    let status = child.wait().unwrap();
    assert!(
        writing,
        "the import was killed while writing (exit: {status:?})"
    );
    assert!(
        !status.success(),
        "the import did not finish before the kill"
    );
    assert_eq!(
        s.fingerprint(),
        before,
        "nothing of the killed import is visible"
    );
    assert_eq!(summary(&s.db)["records"]["case"], 1);
}

#[test]
fn demo_data_is_deterministic_and_lands_whole() {
    let a = Scratch::sqlite();
    let out = a.run(&["demo", "--cases", "400", "--seed", "7"]);
    assert!(out.status.success(), "{}", stderr(&out));
    assert!(
        stdout(&out).contains("Account time zone: Asia/Ho_Chi_Minh"),
        "{}",
        stdout(&out)
    );
    let b = Scratch::sqlite();
    assert!(
        b.run(&["demo", "--cases", "400", "--seed", "7", "--json"])
            .status
            .success()
    );
    assert_eq!(a.fingerprint(), b.fingerprint());
    let counts = summary(&a.db)["records"].clone();
    assert_eq!(counts["case"], 400);
    for kind in [
        "team",
        "agent",
        "customer",
        "call",
        "chat",
        "survey",
        "servqual",
        "qa_review",
        "order",
    ] {
        assert!(
            counts[kind].as_u64().unwrap() > 0,
            "the demo has {kind} records: {counts}"
        );
    }
    // Loading the same demo again changes nothing.
    let out = a.run(&["demo", "--cases", "400", "--seed", "7", "--json"]);
    let json: serde_json::Value = serde_json::from_slice(&out.stdout).unwrap();
    assert_eq!(json["inserted"], 0, "{json}");
    assert_eq!(json["updated"], 0, "{json}");
}

#[test]
fn a_database_that_cannot_be_opened_is_a_database_error() {
    let s = Scratch::sqlite();
    let blocker = s.file("not-a-dir", "x");
    let db = blocker.join("carekpi.db").display().to_string();
    let file = s.file("one.jsonl", format!("{AGENT_1}\n"));
    let out = carekpi(&db, &["import", file.to_str().unwrap()]);
    assert_eq!(out.status.code(), Some(3), "{}", stderr(&out));
    assert!(stderr(&out).starts_with("error: "), "{}", stderr(&out));
}
