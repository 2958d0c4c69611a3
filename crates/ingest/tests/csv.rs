//! CSV files: the generic mapping of `--kind`, mapping files, and the errors of both.

mod common;

use std::path::PathBuf;

use carekpi_domain::interchange::Position;
use carekpi_domain::{Record, RecordKind};
use carekpi_ingest::{IngestError, SourceOptions};
use common::{All, only_error, read, read_str, write};
use jiff::tz::TimeZone;

fn generic(kind: RecordKind) -> SourceOptions {
    SourceOptions {
        kind: Some(kind),
        ..SourceOptions::default()
    }
}

/// A mapping file and a CSV file side by side.
struct Files {
    _dir: tempfile::TempDir,
    mapping: PathBuf,
    csv: PathBuf,
}

fn files(mapping: &str, csv: &str) -> Files {
    let dir = tempfile::tempdir().unwrap();
    let m = dir.path().join("map.toml");
    let c = dir.path().join("in.csv");
    std::fs::write(&m, mapping).unwrap();
    std::fs::write(&c, csv).unwrap();
    Files {
        _dir: dir,
        mapping: m,
        csv: c,
    }
}

fn with_mapping(mapping: &str, csv: &str, tz: Option<&str>) -> Result<All, IngestError> {
    let f = files(mapping, csv);
    read(
        &f.csv,
        SourceOptions {
            mapping: Some(f.mapping.display().to_string()),
            time_zone: tz.map(|z| TimeZone::get(z).unwrap()),
            ..SourceOptions::default()
        },
    )
}

fn call(r: &Record) -> &carekpi_domain::records::Call {
    match r {
        Record::Call(c) => c,
        other => panic!("not a call: {other:?}"),
    }
}

// --- the generic mapping -------------------------------------------------------------------------

#[test]
fn generic_mapping_types_cells_by_field() {
    let csv = "\u{feff}id,queued_at,outcome,answered_at,talk_s,resolved_first_contact,queue\n\
               CL-1,2026-03-02T09:00:05+07:00,answered,2026-03-02T09:00:31+07:00,301.5,yes,support\n\
               CL-2,2026-03-02T09:01:00Z,abandoned,,,,\n\
               \n\
               CL-3 , 2026-03-02T09:02:00+07:00 ,answered,2026-03-02T09:03:00+07:00,60,N,\"sales, east\"\n";
    let all = read_str("calls.csv", csv, generic(RecordKind::Call)).unwrap();
    assert!(all.errors.is_empty(), "{:#?}", all.errors);
    assert_eq!(all.records.len(), 3);
    assert_eq!(all.lines_read, 3, "header and blank line not counted");
    let c1 = call(&all.records[0]);
    assert_eq!(c1.talk_s, Some(301.5));
    assert_eq!(c1.resolved_first_contact, Some(true));
    let c2 = call(&all.records[1]);
    assert_eq!(c2.answered_at, None, "an empty cell is absent");
    assert_eq!(c2.queue, None);
    let c3 = call(&all.records[2]);
    assert_eq!(c3.id, "CL-3", "cells are trimmed");
    assert_eq!(c3.resolved_first_contact, Some(false));
    assert_eq!(c3.queue.as_deref(), Some("sales, east"));
    assert_eq!(all.bytes_done, csv.len() as u64);
}

#[test]
fn generic_mapping_lists_and_json_cells() {
    let csv = "id,channel,created_at,tags,events\n\
        T-1,email,2026-03-02T09:15:00+07:00,billing; vip,\"[{\"\"at\"\":\"\"2026-03-02T09:15:00+07:00\"\",\"\"kind\"\":\"\"message\"\",\"\"author\"\":\"\"customer\"\"}]\"\n";
    let all = read_str("cases.csv", csv, generic(RecordKind::Case)).unwrap();
    assert!(all.errors.is_empty(), "{:#?}", all.errors);
    let Record::Case(case) = &all.records[0] else {
        panic!()
    };
    assert_eq!(case.tags, ["billing", "vip"]);
    assert_eq!(case.events.len(), 1);

    let bad = "id,channel,created_at,events\nT-1,email,2026-03-02T09:15:00+07:00,[{oops\n";
    let all = read_str("cases.csv", bad, generic(RecordKind::Case)).unwrap();
    let e = only_error(&all);
    assert_eq!(e.position, Position::Row(2));
    assert_eq!(e.field.as_deref(), Some("events"));
    assert_eq!(e.id.as_deref(), Some("T-1"));
    assert!(
        e.reason.starts_with("column `events`: not valid JSON"),
        "{e}"
    );
}

#[test]
fn generic_mapping_validates_like_json() {
    let csv = "id,survey,score,at\n\
               S-1,csat,6,2026-03-04T12:00:00+07:00\n\
               S-2,nps,9,2026-03-04T12:00:00\n\
               S-3,stars,4,2026-03-04T12:00:00Z\n\
               S-1,csat,4,2026-03-04T12:00:00Z\n";
    let all = read_str("surveys.csv", csv, generic(RecordKind::Survey)).unwrap();
    let got: Vec<_> = all
        .errors
        .iter()
        .map(|e| {
            (
                e.position,
                e.id.as_deref().unwrap(),
                e.field.as_deref().unwrap(),
            )
        })
        .collect();
    assert_eq!(
        got,
        [
            (Position::Row(2), "S-1", "score"),
            (Position::Row(3), "S-2", "at"),
            (Position::Row(4), "S-3", "survey"),
        ],
        "{:#?}",
        all.errors
    );
    assert!(all.errors[0].reason.contains("outside the csat scale 1–5"));
    assert!(all.errors[1].reason.contains("has no UTC offset"));
    assert!(all.errors[2].reason.contains("unknown variant `stars`"));
    // S-1 on row 2 was rejected, so row 5's S-1 is the first valid one.
    assert_eq!(all.records.len(), 1);
}

#[test]
fn duplicate_id_across_rows() {
    let csv = "id,name\na-1,Lan\na-2,Minh\na-1,Lan again\n";
    let all = read_str("agents.csv", csv, generic(RecordKind::Agent)).unwrap();
    assert_eq!(all.records.len(), 2);
    let e = only_error(&all);
    assert_eq!(e.position, Position::Row(4));
    assert_eq!(e.field.as_deref(), Some("id"));
    assert!(
        e.reason
            .contains("duplicate id: line 2 already has an agent")
            || e.reason
                .contains("duplicate id: line 2 already has a agent"),
        "{e}"
    );
}

#[test]
fn generic_mapping_reads_zone_less_timestamps_with_tz() {
    let csv = "id,at,survey,score\nS-1,2026-03-04 12:00:00,csat,4\nS-2,2026-03-04T12:00:00-03:00,csat,5\n";
    let options = SourceOptions {
        time_zone: Some(TimeZone::get("Asia/Ho_Chi_Minh").unwrap()),
        ..generic(RecordKind::Survey)
    };
    let all = read_str("s.csv", csv, options).unwrap();
    assert!(all.errors.is_empty(), "{:#?}", all.errors);
    let ats: Vec<String> = all
        .records
        .iter()
        .map(|r| r.occurred_at().unwrap().to_string())
        .collect();
    assert_eq!(
        ats,
        ["2026-03-04T12:00:00+07:00", "2026-03-04T12:00:00-03:00"]
    );
}

#[test]
fn generic_mapping_unknown_header() {
    let err = read_str(
        "agents.csv",
        "id,name,nickname,Team\na-1,Lan,L,x\n",
        generic(RecordKind::Agent),
    )
    .unwrap_err();
    let IngestError::UnknownHeader { columns, valid, .. } = &err else {
        panic!("{err}")
    };
    assert_eq!(columns, &["nickname", "Team"]);
    assert!(valid.contains(&"team_id"));
    let text = err.to_string();
    assert!(text.contains("agents.csv"), "{text}");
    assert!(text.contains("`nickname`, `Team`"), "{text}");
    assert!(text.contains("`team_id`"), "{text}");
}

#[test]
fn generic_mapping_missing_required_column() {
    let err = read_str("calls.csv", "id,queue\nCL-1,x\n", generic(RecordKind::Call)).unwrap_err();
    let IngestError::MissingColumns { columns, .. } = &err else {
        panic!("{err}")
    };
    assert_eq!(columns, &["outcome"]);
    assert!(err.to_string().contains("`outcome`"), "{err}");
}

#[test]
fn tsv_files_split_on_tabs() {
    let all = read_str(
        "agents.tsv",
        "id\tname\na-1\tNguyễn, Lan\n",
        generic(RecordKind::Agent),
    )
    .unwrap();
    assert!(all.errors.is_empty(), "{:#?}", all.errors);
    let Record::Agent(a) = &all.records[0] else {
        panic!()
    };
    assert_eq!(a.name, "Nguyễn, Lan");
}

#[test]
fn a_csv_needs_a_kind_or_a_mapping() {
    let err = read_str("x.csv", "id\n1\n", SourceOptions::default()).unwrap_err();
    assert!(matches!(err, IngestError::NoKind { .. }), "{err}");
    assert!(err.to_string().contains("--kind"), "{err}");
    let err = read_str("x.csv", "", generic(RecordKind::Agent)).unwrap_err();
    assert!(matches!(err, IngestError::EmptyCsv { .. }), "{err}");
}

#[test]
fn rows_with_the_wrong_number_of_cells() {
    let csv = "id,name\na-1,Lan\na-2\na-3,Minh,extra\na-4,Tam,,\n";
    let all = read_str("agents.csv", csv, generic(RecordKind::Agent)).unwrap();
    let rows: Vec<_> = all.errors.iter().map(|e| e.position).collect();
    assert_eq!(
        rows,
        [Position::Row(3), Position::Row(4)],
        "{:#?}",
        all.errors
    );
    assert!(
        all.errors[0]
            .reason
            .contains("the row has 1 cells but the header has 2 columns")
    );
    assert_eq!(all.records.len(), 2, "trailing empty cells are fine");
}

#[test]
fn non_utf8_cell() {
    let mut bytes = b"id,name\na-1,L".to_vec();
    bytes.push(0xE0);
    bytes.extend_from_slice(b"n\na-2,Minh\n");
    let file = write("agents.csv", &bytes);
    let all = read(&file.path, generic(RecordKind::Agent)).unwrap();
    assert_eq!(all.records.len(), 1);
    let e = only_error(&all);
    assert_eq!(e.position, Position::Row(2));
    assert_eq!(e.id.as_deref(), Some("a-1"));
    assert_eq!(e.field.as_deref(), Some("name"));
    assert!(
        e.reason
            .contains("column `name`: not valid UTF-8 (invalid byte at offset 1 of the cell)"),
        "{e}"
    );
}

#[test]
fn quoted_newlines_keep_line_numbers() {
    let csv = "id,name\na-1,\"Lan\nsecond line\"\na-2,\n";
    let all = read_str("agents.csv", csv, generic(RecordKind::Agent)).unwrap();
    let e = only_error(&all);
    assert_eq!(
        e.position,
        Position::Row(4),
        "row a-2 starts on line 4: {e}"
    );
    assert_eq!(e.field.as_deref(), Some("name"));
}

// --- mapping files -------------------------------------------------------------------------------

const CALLS_MAPPING: &str = r#"
kind = "call"
delimiter = ";"

[fields]
id = { template = "CALL-{Ref}" }
queue = { value = "support" }
agent_id = { column = "Who", map = { "-" = "unassigned", Lan = "a-lan" } }
queued_at = { column = "Start", format = "%d/%m/%Y %H:%M" }
outcome = { column = "Status", map = { ok = "answered", lost = "abandoned", busy = "blocked" } }
answered_at = { from = "queued_at", plus_seconds = "Wait", when = { column = "Status", equals = ["ok"] } }
talk_s = { column = "Talk", duration = "m:ss" }
hold_s = { column = "Hold", duration = "minutes" }
resolved_first_contact = "FCR"

[[also]]
kind = "feedback"
when = ["Compliment", "Ref"]
[also.fields]
id = { template = "{Ref}-fb" }
at = { from = ["answered_at", "queued_at"] }
polarity = { value = "positive" }
source = { value = "call" }
agent_id = { from = "agent_id" }
"#;

const CALLS_HEADER: &str = "Ref;Who;Start;Status;Wait;Talk;Hold;FCR;Compliment\n";

#[test]
fn a_mapping_file_with_every_feature() {
    let csv = format!(
        "{CALLS_HEADER}\
         1;Lan;02/03/2026 09:00;ok;26;5:39;0.5;y;great\n\
         2;-;02/03/2026 09:01;lost;;;;;\n"
    );
    let all = with_mapping(CALLS_MAPPING, &csv, Some("Asia/Ho_Chi_Minh")).unwrap();
    assert!(all.errors.is_empty(), "{:#?}", all.errors);
    assert_eq!(all.records.len(), 3);
    let c = call(&all.records[0]);
    assert_eq!(c.id, "CALL-1");
    assert_eq!(c.queue.as_deref(), Some("support"));
    assert_eq!(c.agent_id.as_deref(), Some("a-lan"));
    assert_eq!(
        c.queued_at.unwrap().to_string(),
        "2026-03-02T09:00:00+07:00"
    );
    assert_eq!(
        c.answered_at.unwrap().to_string(),
        "2026-03-02T09:00:26+07:00"
    );
    assert_eq!(c.talk_s, Some(339.0));
    assert_eq!(c.hold_s, Some(30.0));
    assert_eq!(c.resolved_first_contact, Some(true));
    let Record::Feedback(fb) = &all.records[1] else {
        panic!("{:?}", all.records[1])
    };
    assert_eq!(fb.id, "1-fb");
    assert_eq!(fb.at, c.answered_at.unwrap());
    assert_eq!(fb.agent_id.as_deref(), Some("a-lan"));
    let c2 = call(&all.records[2]);
    assert_eq!(c2.agent_id.as_deref(), Some("unassigned"));
    assert_eq!(c2.answered_at, None);
}

#[test]
fn unconvertible_cells_name_row_field_and_column() {
    let csv = format!(
        "{CALLS_HEADER}\
         1;Lan;02/03/2026 09:00;ok;soon;5:39;;y;\n\
         2;Lan;02/03/2026 09:00;maybe;;;;;\n\
         3;Lan;2026-03-02;lost;;;;;\n\
         4;Lan;02/03/2026 09:00;ok;10;5:39:00;;perhaps;\n\
         5;Bob;02/03/2026 09:00;lost;;;;;\n"
    );
    let all = with_mapping(CALLS_MAPPING, &csv, Some("UTC")).unwrap();
    assert!(all.records.is_empty(), "{:#?}", all.records);
    let got: Vec<_> = all
        .errors
        .iter()
        .map(|e| {
            (
                e.position,
                e.kind,
                e.id.as_deref(),
                e.field.as_deref().unwrap(),
                e.reason.as_str(),
            )
        })
        .collect();
    let call = Some(RecordKind::Call);
    assert_eq!(
        got,
        [
            (
                Position::Row(2),
                call,
                Some("CALL-1"),
                "answered_at",
                "column `Wait`: `soon` is not a number of seconds"
            ),
            (
                Position::Row(3),
                call,
                Some("CALL-2"),
                "outcome",
                "column `Status`: `maybe` is not one of the values the mapping knows (`busy`, `lost`, `ok`) (`map` at line 10 of the mapping)"
            ),
            (
                Position::Row(4),
                call,
                Some("CALL-3"),
                "queued_at",
                "column `Start`: `2026-03-02` does not match the format `%d/%m/%Y %H:%M`: strptime parsing failed: expected to match literal byte `/` from format string, but found byte `2` in input"
            ),
            (
                Position::Row(5),
                call,
                Some("CALL-4"),
                "talk_s",
                "column `Talk`: `5:39:00` is not a duration written as M:SS (e.g. 2:23)"
            ),
            (
                Position::Row(5),
                call,
                Some("CALL-4"),
                "resolved_first_contact",
                "column `FCR`: `perhaps` is not a yes/no value (true/false, yes/no, y/n or 1/0)"
            ),
            (
                Position::Row(6),
                call,
                Some("CALL-5"),
                "agent_id",
                "column `Who`: `Bob` is not one of the values the mapping knows (`-`, `Lan`) (`map` at line 8 of the mapping)"
            ),
        ],
        "{:#?}",
        all.errors
    );
    assert_eq!(
        all.errors[0].to_string(),
        "line 2 (call CALL-1): field `answered_at`: column `Wait`: `soon` is not a number of seconds"
    );
}

#[test]
fn a_derived_record_of_a_failed_field_says_so() {
    let csv = format!("{CALLS_HEADER}1;Lan;02/03/2026 09:00;ok;soon;5:39;;y;great\n");
    let all = with_mapping(CALLS_MAPPING, &csv, Some("UTC")).unwrap();
    let got: Vec<_> = all
        .errors
        .iter()
        .map(|e| {
            (
                e.kind.unwrap(),
                e.id.as_deref().unwrap(),
                e.field.as_deref().unwrap(),
            )
        })
        .collect();
    assert_eq!(
        got,
        [
            (RecordKind::Call, "CALL-1", "answered_at"),
            (RecordKind::Feedback, "1-fb", "at")
        ]
    );
    assert!(
        all.errors[1]
            .reason
            .contains("comes from `answered_at` of the call on this row, which could not be built")
    );
}

#[test]
fn missing_columns_are_named_before_any_row() {
    let csv = "Ref;Who;Start;Talk\n1;Lan;02/03/2026 09:00;1:00\n";
    let err = with_mapping(CALLS_MAPPING, csv, Some("UTC")).unwrap_err();
    let IngestError::MissingColumns {
        mapping,
        columns,
        lines,
    } = &err
    else {
        panic!("{err}")
    };
    assert!(mapping.ends_with("map.toml"), "{mapping}");
    assert_eq!(columns, &["Status", "Wait", "Hold", "FCR", "Compliment"]);
    // Each column with the line of the mapping that reads it first.
    assert_eq!(lines, &[Some(10), Some(11), Some(13), Some(14), Some(18)]);
    assert!(
        err.to_string().contains(
            "`Status` (line 10), `Wait` (line 11), `Hold` (line 13), `FCR` (line 14), `Compliment` (line 18)"
        ),
        "{err}"
    );
}

#[test]
fn unknown_mapping_lists_the_built_in_ones() {
    let err = read_str(
        "x.csv",
        "a\n1\n",
        SourceOptions {
            mapping: Some("call-center".into()),
            ..SourceOptions::default()
        },
    )
    .unwrap_err();
    let IngestError::UnknownMapping { name, available } = &err else {
        panic!("{err}")
    };
    assert_eq!(name, "call-center");
    assert_eq!(
        available,
        &["call-centre-trends", "anonymous-bank", "italian-helpdesk"]
    );
    assert!(err.to_string().contains("`call-centre-trends`"), "{err}");

    // A path that does not exist is an I/O error naming it.
    let err = read_str(
        "x.csv",
        "a\n1\n",
        SourceOptions {
            mapping: Some("/nowhere/mine.toml".into()),
            ..SourceOptions::default()
        },
    )
    .unwrap_err();
    assert!(matches!(err, IngestError::Io { .. }), "{err}");
    assert!(err.to_string().contains("/nowhere/mine.toml"), "{err}");
}

#[test]
fn kind_must_agree_with_the_mapping() {
    let f = files(CALLS_MAPPING, CALLS_HEADER);
    let err = read(
        &f.csv,
        SourceOptions {
            mapping: Some(f.mapping.display().to_string()),
            kind: Some(RecordKind::Chat),
            time_zone: Some(TimeZone::UTC),
            ..SourceOptions::default()
        },
    )
    .unwrap_err();
    assert!(matches!(err, IngestError::KindMismatch { .. }), "{err}");
    assert!(err.to_string().contains("--kind chat"), "{err}");
}

fn bad_mapping(mapping: &str) -> (Option<usize>, String) {
    let err = with_mapping(mapping, "a,b\n", Some("UTC")).unwrap_err();
    let IngestError::BadMapping {
        source_name,
        line,
        reason,
    } = &err
    else {
        panic!("{err}")
    };
    assert!(source_name.ends_with("map.toml"));
    if let Some(l) = line {
        assert!(
            err.to_string()
                .contains(&format!("is not valid: line {l}: ")),
            "{err}"
        );
    }
    (*line, reason.clone())
}

#[test]
fn bad_mappings_say_what_is_wrong_and_where() {
    let cases: &[(&str, usize, &str)] = &[
        (
            "kind = \"call\"\n[fields]\nid = \"a\"\n",
            2,
            "fields sets no `outcome`, which every call needs",
        ),
        (
            "kind = \"ticket\"\n[fields]\n",
            1,
            "kind: unknown record kind `ticket`",
        ),
        (
            "kind = \"agent\"\n[fields]\nid = \"a\"\nname = \"b\"\nnick = \"b\"\n",
            5,
            "fields.nick: an agent has no field `nick`; its fields are `id`, `name`",
        ),
        (
            "kind = \"agent\"\n[fields]\nid = { colum = \"a\" }\nname = \"b\"\n",
            3,
            "fields.id: unknown field `colum`, expected one of",
        ),
        (
            "kind = \"agent\"\n[fields]\nid = { column = \"a\", value = \"x\" }\nname = \"b\"\n",
            3,
            "fields.id: give only one of `column`, `value`",
        ),
        (
            "kind = \"agent\"\n[fields]\nid = \"a\"\nname = { column = \"b\", duration = \"h:mm:ss\" }\n",
            4,
            "`duration` applies to number fields only",
        ),
        (
            "kind = \"call\"\n[fields]\nid = \"a\"\noutcome = \"b\"\ntalk_s = { column = \"b\", duration = \"fortnights\" }\n",
            5,
            "unknown duration `fortnights`",
        ),
        (
            "kind = \"call\"\n[fields]\nid = \"a\"\noutcome = \"b\"\nqueued_at = { from = \"answered_at\" }\nanswered_at = { from = \"queued_at\" }\n",
            2,
            "take their values from each other (`from`) in a cycle",
        ),
        (
            "kind = \"call\"\n[fields]\nid = \"a\"\noutcome = \"b\"\nqueued_at = { from = \"ended_at\" }\n",
            5,
            "the mapping sets no field `ended_at`",
        ),
        (
            "kind = \"agent\"\n[fields]\nid = { template = \"{a\" }\nname = \"b\"\n",
            3,
            "has an unclosed `{`",
        ),
        (
            "kind = \"agent\"\ndelimiter = \";;\"\n[fields]\nid = \"a\"\nname = \"b\"\n",
            2,
            "delimiter: `;;` must be one ASCII character",
        ),
        (
            "kind = \"agent\"\n[fields]\nid = \"a\"\nname = \"b\"\n[[also]]\nkind = \"survey\"\n[also.fields]\nid = \"a\"\nsurvey = { value = \"csat\" }\nscore = \"b\"\nat = { from = \"hired_at\" }\n",
            11,
            "also[0].fields.at: `from = \"hired_at\"`: the primary agent sets no field `hired_at`",
        ),
        (
            "kind = \"survey\"\n[fields]\nid = \"a\"\nsurvey = { value = \"csat\" }\nscore = { value = \"high\" }\nat = \"b\"\n",
            5,
            "fields.score: `value`: `high` is not a number",
        ),
        ("kind = \"agent\"\n[fields\n", 2, "TOML parse error"),
        (
            "kind = \"agent\"\ntime_zone = \"Mars/Olympus\"\n[fields]\nid = \"a\"\nname = \"b\"\n",
            2,
            "time_zone: `Mars/Olympus`",
        ),
        (
            "kind = \"agent\"\n[fields]\nid = \"a\"\nname = { column = \"b\", when = 3 }\n",
            4,
            "a condition is a column name",
        ),
    ];
    for (mapping, line, expected) in cases {
        let (got_line, reason) = bad_mapping(mapping);
        assert!(
            reason.contains(expected),
            "mapping:\n{mapping}\nreason `{reason}` lacks `{expected}`"
        );
        assert_eq!(got_line, Some(*line), "mapping:\n{mapping}\n{reason}");
    }
}

// --- time zones and DST --------------------------------------------------------------------------

const LOCAL_MAPPING: &str = r#"
kind = "survey"
[fields]
id = "id"
survey = { value = "csat" }
score = "score"
at = { date = "day", time = "time", date_format = "%d.%m.%Y", time_format = "%H:%M" }
"#;

#[test]
fn dst_gap_and_fold_in_europe_berlin() {
    let csv = "id,day,time,score\n\
               before,29.03.2026,01:30,4\n\
               gap,29.03.2026,02:30,4\n\
               after,29.03.2026,03:30,4\n\
               fold,25.10.2026,02:30,4\n\
               winter,25.10.2026,03:30,4\n";
    let all = with_mapping(LOCAL_MAPPING, csv, Some("Europe/Berlin")).unwrap();
    assert!(all.errors.is_empty(), "{:#?}", all.errors);
    let at: Vec<(String, String)> = all
        .records
        .iter()
        .map(|r| {
            let m = r.occurred_at().unwrap();
            (m.to_string(), m.instant().to_string())
        })
        .collect();
    let pairs: Vec<(&str, &str)> = at.iter().map(|(a, b)| (a.as_str(), b.as_str())).collect();
    assert_eq!(
        pairs,
        [
            ("2026-03-29T01:30:00+01:00", "2026-03-29T00:30:00Z"),
            // 02:30 does not exist that night (clocks jump from 02:00 to 03:00): "compatible"
            // moves it forward by the gap, to 03:30 CEST, the same instant as the next row.
            ("2026-03-29T03:30:00+02:00", "2026-03-29T01:30:00Z"),
            ("2026-03-29T03:30:00+02:00", "2026-03-29T01:30:00Z"),
            // 02:30 happens twice on 25 October: the first (summer time, +02:00) is taken.
            ("2026-10-25T02:30:00+02:00", "2026-10-25T00:30:00Z"),
            ("2026-10-25T03:30:00+01:00", "2026-10-25T02:30:00Z"),
        ]
    );
}

#[test]
fn local_dates_need_a_zone_unless_the_mapping_names_one() {
    let err = with_mapping(LOCAL_MAPPING, "id,day,time,score\n", None).unwrap_err();
    let IngestError::NoTimeZone { fields, .. } = &err else {
        panic!("{err}")
    };
    assert_eq!(fields, "at");
    let mapping = LOCAL_MAPPING.replace(
        "kind = \"survey\"",
        "kind = \"survey\"\ntime_zone = \"Asia/Tokyo\"",
    );
    let all = with_mapping(&mapping, "id,day,time,score\ns,01.01.2026,09:00,5\n", None).unwrap();
    assert_eq!(
        all.records[0].occurred_at().unwrap().to_string(),
        "2026-01-01T09:00:00+09:00"
    );
    // --tz wins over the mapping's zone.
    let all = with_mapping(
        &mapping,
        "id,day,time,score\ns,01.01.2026,09:00,5\n",
        Some("UTC"),
    )
    .unwrap();
    assert_eq!(
        all.records[0].occurred_at().unwrap().to_string(),
        "2026-01-01T09:00:00Z"
    );
    // A format with an offset needs no zone.
    let with_offset = "kind = \"survey\"\n[fields]\nid = \"id\"\nsurvey = { value = \"nps\" }\nscore = \"score\"\nat = { column = \"at\", format = \"%Y-%m-%d %H:%M %z\" }\n";
    let all = with_mapping(
        with_offset,
        "id,at,score\ns,2026-01-01 09:00 +0530,10\n",
        None,
    )
    .unwrap();
    assert!(all.errors.is_empty(), "{:#?}", all.errors);
    assert_eq!(
        all.records[0].occurred_at().unwrap().to_string(),
        "2026-01-01T09:00:00+05:30"
    );
}

#[test]
fn a_bad_local_time_names_its_column() {
    let csv = "id,day,time,score\ns,29.02.2026,09:00,4\nt,01.03.2026,9h,4\n";
    let all = with_mapping(LOCAL_MAPPING, csv, Some("UTC")).unwrap();
    let got: Vec<_> = all
        .errors
        .iter()
        .map(|e| {
            (
                e.position,
                e.field.as_deref().unwrap(),
                e.reason.split(':').next().unwrap(),
            )
        })
        .collect();
    assert_eq!(
        got,
        [
            (Position::Row(2), "at", "column `day`"),
            (Position::Row(3), "at", "column `time`"),
        ],
        "{:#?}",
        all.errors
    );
    assert!(
        all.errors[0]
            .reason
            .contains("`29.02.2026` is not a date written as `%d.%m.%Y`")
    );
}
