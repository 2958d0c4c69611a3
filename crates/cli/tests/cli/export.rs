//! `carekpi export cases`: one row per case with its facts, on the dataset of the report tests
//! (see `report::DATA` for the cases and their figures worked out by hand).

use std::process::Command;

use super::report::{NOW, loaded_with};
use super::*;

/// One SLA policy for every case, in calendar hours: first reply within 1 h, resolution within 2 h.
const ACCOUNT: &str = r#"{"time_zone": "Asia/Ho_Chi_Minh",
  "sla": {"policies": [{"name": "All", "targets": {
    "first_reply": {"within": "1h", "hours": "calendar"},
    "resolution": {"within": "2h", "hours": "calendar"}}}]}}"#;

const COLUMNS: &str = "case_id,created_at,channel,priority,type,tags,subject,team,agent,customer,segment,status,schedule,first_reply_at,first_reply_agent,frt_s,frt_business_s,replies,touches,solves,first_solved_at,last_solved_at,first_resolution_s,first_resolution_business_s,resolution_s,resolution_business_s,reopens,requester_wait_s,requester_wait_business_s,agent_wait_s,agent_wait_business_s,on_hold_s,on_hold_business_s,sla_policy,sla_first_reply_due_at,sla_first_reply,sla_next_reply_due_at,sla_next_reply,sla_next_reply_breaches,sla_resolution_due_at,sla_resolution,csat,nps,ces";

fn export(s: &Scratch, out: &Path, extra: &[&str]) -> Output {
    let mut args = vec![
        "export",
        "cases",
        "--out",
        out.to_str().unwrap(),
        "--now",
        NOW,
    ];
    args.extend_from_slice(extra);
    s.run(&args)
}

fn parse_rows(text: &str) -> Vec<std::collections::BTreeMap<String, String>> {
    let mut reader = csv::Reader::from_reader(text.as_bytes());
    let headers = reader.headers().unwrap().clone();
    reader
        .records()
        .map(|r| {
            let r = r.unwrap();
            headers
                .iter()
                .zip(r.iter())
                .map(|(h, v)| (h.to_string(), v.to_string()))
                .collect()
        })
        .collect()
}

#[test]
fn csv_has_one_row_per_case_with_every_fact() {
    let s = loaded_with(ACCOUNT);
    let file = s.dir.path().join("cases.csv");
    let out = export(&s, &file, &[]);
    assert!(out.status.success(), "{}", stderr(&out));
    assert!(
        stdout(&out).contains("Exported 4 cases"),
        "{}",
        stdout(&out)
    );
    let text = std::fs::read_to_string(&file).unwrap();
    assert_eq!(text.lines().next().unwrap(), COLUMNS);
    let rows = parse_rows(&text);
    assert_eq!(rows.len(), 4);
    let ids: Vec<&str> = rows.iter().map(|r| r["case_id"].as_str()).collect();
    assert_eq!(ids, ["C1", "C2", "C3", "C4"], "in creation order");

    let c1 = &rows[0];
    for (column, expected) in [
        ("created_at", "2026-03-02T09:00:00+07:00"),
        ("channel", "email"),
        ("team", "t-a"),
        ("agent", "a1"),
        ("status", "solved"),
        ("schedule", ""), // no schedules: 24/7
        ("first_reply_at", "2026-03-02T09:30:00+07:00"),
        ("first_reply_agent", "a1"),
        ("frt_s", "1800"),
        ("frt_business_s", "1800"),
        ("replies", "1"),
        ("touches", "1"),
        ("solves", "1"),
        ("last_solved_at", "2026-03-02T10:00:00+07:00"),
        ("resolution_s", "3600"),
        ("reopens", "0"),
        // new from 09:00 to the solve at 10:00: waiting for the team the whole hour.
        ("requester_wait_s", "3600"),
        ("agent_wait_s", "0"),
        ("sla_policy", "All"),
        ("sla_first_reply_due_at", "2026-03-02T10:00:00+07:00"),
        ("sla_first_reply", "met"),
        ("sla_resolution_due_at", "2026-03-02T11:00:00+07:00"),
        ("sla_resolution", "met"),
        ("sla_next_reply", ""),
        ("csat", "5"),
        ("nps", ""),
    ] {
        assert_eq!(c1[column], expected, "C1 {column}");
    }
    let c2 = &rows[1];
    for (column, expected) in [
        ("frt_s", "7200"),
        ("replies", "2"),
        ("touches", "2"),
        ("resolution_s", "10800"),
        ("sla_first_reply", "breached"),
        ("sla_resolution", "breached"),
        ("csat", "3"),
    ] {
        assert_eq!(c2[column], expected, "C2 {column}");
    }
    let c3 = &rows[2];
    for (column, expected) in [
        ("status", "new"),
        ("frt_s", "600"),
        ("touches", ""),
        ("solves", "0"),
        ("resolution_s", ""),
        ("sla_first_reply", "met"),
        // Unsolved at `now` (15 April), long past its 2 h resolution target.
        ("sla_resolution", "breached"),
    ] {
        assert_eq!(c3[column], expected, "C3 {column}");
    }

    // A period: cases created in March only.
    let out = export(&s, &file, &["--from", "2026-03-01", "--to", "2026-04-01"]);
    assert!(out.status.success(), "{}", stderr(&out));
    assert_eq!(
        parse_rows(&std::fs::read_to_string(&file).unwrap()).len(),
        3
    );
}

#[test]
fn xlsx_has_a_header_row_and_one_row_per_case() {
    let s = loaded_with(ACCOUNT);
    let file = s.dir.path().join("cases.xlsx");
    let out = export(&s, &file, &[]);
    assert!(out.status.success(), "{}", stderr(&out));
    assert!(
        stdout(&out).contains("Exported 4 cases"),
        "{}",
        stdout(&out)
    );
    // Read the sheet with Python's zipfile (the workbook is a zip of XML parts).
    let script = "import sys, zipfile; x = zipfile.ZipFile(sys.argv[1]).read('xl/worksheets/sheet1.xml').decode(); print(x.count('<row '), 'case_id' in x, 'sla_resolution' in x)";
    match Command::new("python3")
        .args(["-c", script, file.to_str().unwrap()])
        .output()
    {
        Ok(out) => {
            assert!(out.status.success(), "{}", stderr(&out));
            assert_eq!(
                stdout(&out).trim(),
                "5 True True",
                "a header row and four cases"
            );
        }
        Err(e) => eprintln!("SKIPPED (reading the sheet): python3 is not available: {e}"),
    }
}
