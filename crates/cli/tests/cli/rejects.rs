//! `carekpi import --on-error skip --rejects FILE`: the valid records land, the invalid rows go
//! to the reject file with their line and reason, the summary counts read / imported / skipped
//! (by reason) / rejected; the default stays all or nothing. Also: which time zone local times
//! are read in (`--tz`, else the mapping's, else the account's).

use super::*;

const MAPPING: &str = r#"
kind = "call"
time_zone = "Europe/Paris"
date_format = "%d.%m.%Y"

[absent]
answered = "-"

[[skip]]
reason = "test call"
when = { column = "line", equals = "TEST" }

[fields]
id = "id"
outcome = { column = "result", map = { ok = "answered", lost = "abandoned" } }
queued_at = { date = "day", time = "queued" }
answered_at = { date = "day", time = "answered" }
"#;

const CALLS: &str = "id,line,day,queued,answered,result\n\
    c1,A,02.03.2026,09:00:00,09:00:20,ok\n\
    c2,TEST,02.03.2026,09:01:00,-,lost\n\
    c3,A,02.03.2026,09:02:00,09:01:00,ok\n\
    c4,B,02.03.2026,09:03:00,-,lost\n\
    c5,B,02.03.2026,09:04:00,-,busy\n";

fn calls_file(s: &Scratch) -> (PathBuf, PathBuf) {
    (s.file("map.toml", MAPPING), s.file("calls.csv", CALLS))
}

#[test]
fn by_default_nothing_lands_and_the_reject_file_still_lists_the_rows() {
    let s = Scratch::sqlite();
    let (mapping, calls) = calls_file(&s);
    let rejects = s.dir.path().join("rejects.csv");
    let before = s.fingerprint();
    let (out, json) = import_json(
        &s.db,
        &calls,
        &[
            "--mapping",
            mapping.to_str().unwrap(),
            "--rejects",
            rejects.to_str().unwrap(),
        ],
    );
    assert_eq!(out.status.code(), Some(1), "{}", stderr(&out));
    assert_eq!(json["committed"], false);
    assert_eq!(json["on_error"], "abort");
    assert_eq!(
        (json["read"].as_u64(), json["rejected"].as_u64()),
        (Some(5), Some(2))
    );
    assert_eq!(json["imported"], 0);
    assert_eq!(s.fingerprint(), before, "nothing was written");
    let text = std::fs::read_to_string(&rejects).unwrap();
    assert_eq!(text.lines().count(), 3, "{text}");
}

#[test]
fn skip_imports_the_valid_rows_and_rejects_the_others_with_line_and_reason() {
    let s = Scratch::sqlite();
    let (mapping, calls) = calls_file(&s);
    let rejects = s.dir.path().join("rejects.csv");
    let out = s.run(&[
        "import",
        calls.to_str().unwrap(),
        "--mapping",
        mapping.to_str().unwrap(),
        "--on-error",
        "skip",
        "--rejects",
        rejects.to_str().unwrap(),
    ]);
    assert!(out.status.success(), "{}", stderr(&out));
    let text = stdout(&out);
    assert!(
        text.contains("5 read, 2 inserted, 0 updated, 0 unchanged, 1 skipped, 2 rejected"),
        "{text}"
    );
    assert!(text.contains("  skipped 1: test call"), "{text}");
    let err = stderr(&out);
    assert!(err.contains("2 problems, 2 rows rejected:"), "{err}");
    assert!(
        err.contains("line 4 (call c3): field `answered_at`"),
        "{err}"
    );
    assert!(
        err.contains(&format!("2 rejected rows written to {}", rejects.display())),
        "{err}"
    );
    assert_eq!(summary(&s.db)["records"]["call"], 2);

    let text = std::fs::read_to_string(&rejects).unwrap();
    let lines: Vec<&str> = text.lines().collect();
    assert_eq!(lines.len(), 3, "{text}");
    assert_eq!(
        lines[0],
        "id,line,day,queued,answered,result,rejected_line,rejected_reason"
    );
    assert_eq!(
        lines[1],
        "c3,A,02.03.2026,09:02:00,09:01:00,ok,4,line 4 (call c3): field `answered_at`: 2026-03-02T09:01:00+01:00 is before queued_at (2026-03-02T09:02:00+01:00): impossible timeline"
    );
    assert!(
        lines[2].starts_with("c5,B,02.03.2026,09:04:00,-,busy,6,\"line 6 (call c5): field `outcome`: column `result`: `busy` is not one of the values the mapping knows (`lost`, `ok`) (`map` at line 15 of the mapping)\""),
        "{}",
        lines[2]
    );

    // Fixed, the reject file imports with the same mapping (the two extra columns are not read).
    let fixed = text
        .replace("09:02:00,09:01:00", "09:02:00,09:02:30")
        .replace(",busy,", ",lost,");
    std::fs::write(&rejects, fixed).unwrap();
    let (out, json) = import_json(&s.db, &rejects, &["--mapping", mapping.to_str().unwrap()]);
    assert!(out.status.success(), "{}", stderr(&out));
    assert_eq!(json["inserted"], 2);
    assert_eq!(summary(&s.db)["records"]["call"], 4);
}

#[test]
fn skip_works_for_json_lines_too() {
    let s = Scratch::sqlite();
    let file = s.file(
        "mixed.jsonl",
        format!("{CALL_1}\n{{\"kind\":\"call\",\"id\":\"CL-2\"}}\n{AGENT_1}\n"),
    );
    let rejects = s.dir.path().join("rejects.jsonl");
    let (out, json) = import_json(
        &s.db,
        &file,
        &["--on-error", "skip", "--rejects", rejects.to_str().unwrap()],
    );
    assert!(out.status.success(), "{}", stderr(&out));
    assert_eq!(json["on_error"], "skip");
    assert_eq!(
        (json["imported"].as_u64(), json["rejected"].as_u64()),
        (Some(2), Some(1))
    );
    assert_eq!(json["skipped"], 0);
    assert_eq!(json["rejects"], rejects.display().to_string());
    let line: serde_json::Value =
        serde_json::from_str(std::fs::read_to_string(&rejects).unwrap().trim()).unwrap();
    assert_eq!(line["line"], 2);
    assert_eq!(line["text"], "{\"kind\":\"call\",\"id\":\"CL-2\"}");
    assert!(
        line["reasons"][0]
            .as_str()
            .unwrap()
            .contains("field `outcome`: missing")
    );
}

#[test]
fn a_reject_file_never_replaces_the_input() {
    let s = Scratch::sqlite();
    let (mapping, calls) = calls_file(&s);
    let out = s.run(&[
        "import",
        calls.to_str().unwrap(),
        "--mapping",
        mapping.to_str().unwrap(),
        "--on-error",
        "skip",
        "--rejects",
        calls.to_str().unwrap(),
    ]);
    assert_eq!(out.status.code(), Some(2));
    assert!(
        stderr(&out).contains("is the file being imported"),
        "{}",
        stderr(&out)
    );
    assert_eq!(std::fs::read_to_string(&calls).unwrap(), CALLS);
}

#[test]
fn a_grouped_case_with_a_bad_row_goes_to_the_reject_file_whole() {
    let s = Scratch::sqlite();
    let mapping = s.file(
        "log.toml",
        r#"
kind = "case"
time_zone = "UTC"
[group]
by = "ticket"
[fields]
id = "ticket"
channel = { value = "email" }
created_at = "at"
[[events]]
[events.fields]
at = "at"
kind = { value = "status" }
status = "status"
"#,
    );
    let log = s.file(
        "log.csv",
        "ticket,at,status\n\
         T1,2026-03-02T09:00:00Z,new\n\
         T2,2026-03-02T09:05:00Z,new\n\
         T1,2026-03-02T10:00:00Z,solved\n\
         T2,2026-03-02T11:00:00Z,done\n\
         T2,2026-03-02T12:00:00Z,closed\n",
    );
    let rejects = s.dir.path().join("rejects.csv");
    let (out, json) = import_json(
        &s.db,
        &log,
        &[
            "--mapping",
            mapping.to_str().unwrap(),
            "--on-error",
            "skip",
            "--rejects",
            rejects.to_str().unwrap(),
        ],
    );
    assert!(out.status.success(), "{}", stderr(&out));
    assert_eq!(json["read"], 5);
    assert_eq!(json["imported"], 1);
    assert_eq!(json["rejected"], 3, "every row of T2");
    assert!(
        json["errors"][0]
            .as_str()
            .unwrap()
            .starts_with("line 5 (case T2): field `events[1].status`: unknown variant `done`"),
        "{json}"
    );
    let text = std::fs::read_to_string(&rejects).unwrap();
    let lines: Vec<u32> = text
        .lines()
        .skip(1)
        .map(|l| l.split(',').nth(3).unwrap().parse().unwrap())
        .collect();
    assert_eq!(lines, [3, 5, 6]);
}

#[test]
fn local_times_are_read_in_tz_else_the_mappings_zone_else_the_accounts() {
    let s = Scratch::sqlite();
    let config = s.file("account.json", r#"{"time_zone": "Asia/Ho_Chi_Minh"}"#);
    let with_zone = s.file(
        "paris.toml",
        "kind = \"case\"\ntime_zone = \"Europe/Paris\"\n[fields]\nid = \"id\"\nchannel = { value = \"email\" }\ncreated_at = { date = \"day\", time = \"time\" }\n[[events]]\n[events.fields]\nat = { from = \"created_at\" }\nkind = { value = \"message\" }\nauthor = { value = \"customer\" }\n",
    );
    let without_zone = s.file(
        "nozone.toml",
        std::fs::read_to_string(&with_zone)
            .unwrap()
            .replace("time_zone = \"Europe/Paris\"\n", ""),
    );
    let cases = s.file("cases.csv", "id,day,time\nT-1,2026-03-02,09:00:00\n");
    // The creation time, as `export cases` writes it (in the account's zone).
    let created = |extra: &[&str]| {
        let db = s
            .dir
            .path()
            .join(format!("tz-{}.db", extra.join("-").replace('/', "_")));
        let db = db.to_str().unwrap();
        assert!(
            carekpi(db, &["config", "set", config.to_str().unwrap()])
                .status
                .success()
        );
        let mut args = vec!["import", cases.to_str().unwrap()];
        args.extend_from_slice(extra);
        let out = carekpi(db, &args);
        assert!(out.status.success(), "{}", stderr(&out));
        let export = s.dir.path().join("export.csv");
        let out = carekpi(
            db,
            &[
                "export",
                "cases",
                "--from",
                "2026-03-01",
                "--to",
                "2026-04-01",
                "--out",
                export.to_str().unwrap(),
            ],
        );
        assert!(out.status.success(), "{}", stderr(&out));
        let text = std::fs::read_to_string(&export).unwrap();
        text.lines()
            .nth(1)
            .unwrap()
            .split(',')
            .nth(1)
            .unwrap()
            .to_string()
    };
    let paris = with_zone.to_str().unwrap();
    let none = without_zone.to_str().unwrap();
    // The mapping's zone (09:00 in Paris is 15:00 in Ho Chi Minh City) wins over the account's …
    assert_eq!(created(&["--mapping", paris]), "2026-03-02T15:00:00+07:00");
    // … a mapping without one takes the account's …
    assert_eq!(created(&["--mapping", none]), "2026-03-02T09:00:00+07:00");
    // … and --tz wins over both.
    assert_eq!(
        created(&["--mapping", paris, "--tz", "UTC"]),
        "2026-03-02T16:00:00+07:00"
    );
}
