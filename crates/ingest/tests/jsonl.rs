//! JSON Lines: every bad-input class gives a precise error (line, kind, id, field, reason), and
//! valid records come out in file order.

mod common;

use carekpi_domain::interchange::Position;
use carekpi_domain::{Record, RecordKind};
use carekpi_ingest::{Format, IngestError, SourceOptions};
use common::{only_error, read, read_str, write};

const CALL: &str = r#"{"kind":"call","id":"CL-1","queued_at":"2026-03-02T09:00:05+07:00","answered_at":"2026-03-02T09:00:31+07:00","outcome":"answered","talk_s":301}"#;

fn jsonl(lines: &[&str]) -> common::All {
    read_str("in.jsonl", &lines.join("\n"), SourceOptions::default()).unwrap()
}

/// The error of a file whose line 2 is `bad` (line 1 is a valid call).
fn second_line(bad: &str) -> carekpi_domain::RecordError {
    let all = jsonl(&[CALL, bad]);
    assert_eq!(all.records.len(), 1, "{:#?}", all.errors);
    let e = only_error(&all).clone();
    assert_eq!(e.position, Position::Line(2), "{e}");
    e
}

fn assert_error(
    e: &carekpi_domain::RecordError,
    kind: Option<RecordKind>,
    id: Option<&str>,
    field: Option<&str>,
    reason: &str,
) {
    assert_eq!(e.kind, kind, "{e}");
    assert_eq!(e.id.as_deref(), id, "{e}");
    assert_eq!(e.field.as_deref(), field, "{e}");
    assert!(
        e.reason.contains(reason),
        "reason `{}` lacks `{reason}`",
        e.reason
    );
}

#[test]
fn missing_required_field() {
    let e = second_line(r#"{"kind":"call","id":"CL-2","queued_at":"2026-03-02T09:00:05+07:00"}"#);
    assert_error(
        &e,
        Some(RecordKind::Call),
        Some("CL-2"),
        Some("outcome"),
        "missing: this field is required",
    );
    assert_eq!(
        e.to_string(),
        "line 2 (call CL-2): field `outcome`: missing: this field is required"
    );
}

#[test]
fn wrong_type() {
    let e = second_line(
        r#"{"kind":"call","id":"CL-2","queued_at":"2026-03-02T09:00:05+07:00","outcome":"abandoned","talk_s":"long"}"#,
    );
    assert_error(
        &e,
        Some(RecordKind::Call),
        Some("CL-2"),
        Some("talk_s"),
        "invalid type: string \"long\"",
    );
}

#[test]
fn unknown_enum_value() {
    let e = second_line(
        r#"{"kind":"call","id":"CL-2","queued_at":"2026-03-02T09:00:05+07:00","outcome":"picked_up"}"#,
    );
    assert_error(
        &e,
        Some(RecordKind::Call),
        Some("CL-2"),
        Some("outcome"),
        "unknown variant `picked_up`",
    );
    assert!(e.reason.contains("`abandoned`"), "{e}");
}

#[test]
fn unknown_record_kind() {
    let e = second_line(r#"{"kind":"ticket","id":"T-1"}"#);
    assert_error(
        &e,
        None,
        Some("T-1"),
        Some("kind"),
        "unknown record kind `ticket`",
    );
}

#[test]
fn timestamp_without_offset() {
    let e = second_line(
        r#"{"kind":"call","id":"CL-2","queued_at":"2026-03-02T09:00:05","outcome":"abandoned"}"#,
    );
    assert_error(
        &e,
        Some(RecordKind::Call),
        Some("CL-2"),
        Some("queued_at"),
        "has no UTC offset",
    );
}

#[test]
fn negative_duration() {
    let e = second_line(
        r#"{"kind":"call","id":"CL-2","queued_at":"2026-03-02T09:00:05+07:00","outcome":"abandoned","hold_s":-5}"#,
    );
    assert_error(
        &e,
        Some(RecordKind::Call),
        Some("CL-2"),
        Some("hold_s"),
        "negative duration",
    );
}

#[test]
fn answered_before_queued() {
    let e = second_line(
        r#"{"kind":"call","id":"CL-2","queued_at":"2026-03-02T09:00:05+07:00","answered_at":"2026-03-02T09:00:01+07:00","outcome":"answered"}"#,
    );
    assert_error(
        &e,
        Some(RecordKind::Call),
        Some("CL-2"),
        Some("answered_at"),
        "is before queued_at",
    );
    assert!(e.reason.contains("impossible timeline"), "{e}");
}

#[test]
fn agent_reply_before_creation() {
    let e = second_line(
        r#"{"kind":"case","id":"T-1","channel":"email","created_at":"2026-03-02T09:15:00+07:00","events":[{"at":"2026-03-02T09:15:00+07:00","kind":"message","author":"customer"},{"at":"2026-03-02T09:10:00+07:00","kind":"message","author":"agent","agent_id":"a-lan"}]}"#,
    );
    assert_error(
        &e,
        Some(RecordKind::Case),
        Some("T-1"),
        Some("events[1].at"),
        "an agent reply at 2026-03-02T09:10:00+07:00 is before the case was created",
    );
}

#[test]
fn solve_before_creation() {
    let e = second_line(
        r#"{"kind":"case","id":"T-1","channel":"email","created_at":"2026-03-02T09:15:00+07:00","events":[{"at":"2026-03-01T09:15:00+07:00","kind":"status","status":"solved"}]}"#,
    );
    assert_error(
        &e,
        Some(RecordKind::Case),
        Some("T-1"),
        Some("events[0].at"),
        "a solve at",
    );
}

#[test]
fn score_outside_scale() {
    let e = second_line(
        r#"{"kind":"survey","id":"S-1","survey":"csat","score":6,"at":"2026-03-04T12:00:00+07:00"}"#,
    );
    assert_error(
        &e,
        Some(RecordKind::Survey),
        Some("S-1"),
        Some("score"),
        "6 is outside the csat scale 1–5",
    );
}

#[test]
fn duplicate_id_in_the_file() {
    let all = jsonl(&[CALL, "", CALL]);
    assert_eq!(all.records.len(), 1);
    let e = only_error(&all);
    assert_eq!(e.position, Position::Line(3));
    assert_error(
        e,
        Some(RecordKind::Call),
        Some("CL-1"),
        Some("id"),
        "duplicate id: line 1 already has a call with this id",
    );
    // The same id in another kind is no duplicate.
    let all = jsonl(&[CALL, r#"{"kind":"agent","id":"CL-1","name":"Lan"}"#]);
    assert_eq!((all.records.len(), all.errors.len()), (2, 0));
}

#[test]
fn non_utf8_bytes() {
    let mut bytes = CALL.as_bytes().to_vec();
    bytes.push(b'\n');
    bytes.extend_from_slice(b"{\"kind\":\"agent\",\"id\":\"a-1\",\"name\":\"L\xE0n\"}\n");
    bytes.extend_from_slice(b"{\"kind\":\"agent\",\"id\":\"a-2\",\"name\":\"Lan\"}\n");
    let file = write("in.jsonl", &bytes);
    let all = read(&file.path, SourceOptions::default()).unwrap();
    assert_eq!(all.records.len(), 2, "the lines around it still land");
    let e = only_error(&all);
    assert_eq!(e.position, Position::Line(2));
    assert_error(
        e,
        None,
        None,
        None,
        "not valid UTF-8: invalid byte at offset 36 of the line",
    );
}

#[test]
fn unknown_field() {
    let e = second_line(r#"{"kind":"agent","id":"a-1","name":"Lan","nickname":"L"}"#);
    assert_error(
        &e,
        Some(RecordKind::Agent),
        Some("a-1"),
        Some("nickname"),
        "unknown field",
    );
}

#[test]
fn not_json() {
    let e = second_line(r#"{"kind":"agent","id":"a-1","#);
    assert_error(&e, None, None, None, "not a JSON object");
}

#[test]
fn missing_kind_and_default_kind() {
    let line = r#"{"id":"a-1","name":"Lan"}"#;
    let e = second_line(line);
    assert_error(&e, None, Some("a-1"), Some("kind"), "--kind");
    let all = read_str(
        "agents.ndjson",
        line,
        SourceOptions {
            kind: Some(RecordKind::Agent),
            ..SourceOptions::default()
        },
    )
    .unwrap();
    assert_eq!((all.records.len(), all.errors.len()), (1, 0));
    // A line's own `kind` wins over --kind.
    let all = read_str(
        "mixed.jsonl",
        &format!("{line}\n{CALL}"),
        SourceOptions {
            kind: Some(RecordKind::Agent),
            ..SourceOptions::default()
        },
    )
    .unwrap();
    assert_eq!(all.records[1].kind(), RecordKind::Call);
}

#[test]
fn every_problem_of_a_record_is_listed() {
    let all = jsonl(&[
        r#"{"kind":"call","id":"CL-3","queued_at":"2026-03-02T09:00:05+07:00","answered_at":"2026-03-02T09:00:01+07:00","outcome":"answered","talk_s":-1}"#,
    ]);
    let fields: Vec<_> = all.errors.iter().map(|e| e.field.as_deref()).collect();
    assert_eq!(
        fields,
        [Some("talk_s"), Some("answered_at")],
        "{:#?}",
        all.errors
    );
    assert!(all.errors.iter().all(|e| e.position == Position::Line(1)));
}

#[test]
fn mixed_kinds_in_file_order() {
    let text = r#"{"kind":"case","id":"T-1001","channel":"email","created_at":"2026-03-02T09:15:00+07:00","customer_id":"C-17","team_id":"hcm-1","assignee_id":"a-lan","priority":"high","type":"complaint","tags":["billing"],"events":[{"at":"2026-03-02T09:15:00+07:00","kind":"message","author":"customer","public":true},{"at":"2026-03-02T10:05:00+07:00","kind":"message","author":"agent","agent_id":"a-lan","public":true},{"at":"2026-03-03T11:01:00+07:00","kind":"status","status":"solved"}]}
{"kind":"call","id":"CL-9","queued_at":"2026-03-02T09:00:05+07:00","answered_at":"2026-03-02T09:00:31+07:00","ended_at":"2026-03-02T09:06:10+07:00","outcome":"answered","queue":"support","agent_id":"a-minh","team_id":"hcm-1","customer_id":"C-3","talk_s":301,"hold_s":20,"wrap_s":45,"resolved_first_contact":true}
{"kind":"call","id":"CL-10","attempted_at":"2026-03-02T09:01:00+07:00","outcome":"blocked"}

{"kind":"survey","id":"S-1","survey":"nps","score":9,"at":"2026-03-04T12:00:00+07:00","customer_id":"C-17","case_id":"T-1001"}
{"kind":"servqual","id":"SQ-1","at":"2026-03-05T10:00:00+07:00","dimension":"reliability","expectation":6,"perception":5}
{"kind":"qa_review","id":"QA-1","at":"2026-03-05T15:00:00+07:00","case_id":"T-1001","agent_id":"a-lan","reviewer":"a-boss","criteria":[{"name":"greeting","score":4,"max":5,"weight":1},{"name":"accuracy","score":9,"max":10,"weight":2}]}
{"kind":"agent","id":"a-lan","name":"Nguyễn Thị Lan","team_id":"hcm-1","hired_at":"2025-01-06T00:00:00+07:00"}
{"kind":"customer","id":"C-17","created_at":"2025-11-20T00:00:00+07:00","acquisition_channel":"referral","segment":"smb"}
{"kind":"order","id":"O-5","at":"2026-03-06T00:00:00+07:00","customer_id":"C-17","amount":"1250000","currency":"VND"}
"#;
    let all = read_str("mixed.jsonl", text, SourceOptions::default()).unwrap();
    assert!(all.errors.is_empty(), "{:#?}", all.errors);
    let kinds: Vec<_> = all.records.iter().map(Record::kind).collect();
    use RecordKind::*;
    assert_eq!(
        kinds,
        [
            Case, Call, Call, Survey, Servqual, QaReview, Agent, Customer, Order
        ]
    );
    assert_eq!(all.lines_read, 9, "the blank line is not counted");
    assert_eq!(all.bytes_done, text.len() as u64);
    assert_eq!(all.total_bytes, text.len() as u64);
}

#[test]
fn crlf_bom_and_trailing_blank_lines() {
    let text = format!(
        "\u{feff}{CALL}\r\n\r\n   \r\n{}\r\n\n",
        CALL.replace("CL-1", "CL-2")
    );
    let all = read_str("in.jsonl", &text, SourceOptions::default()).unwrap();
    assert!(all.errors.is_empty(), "{:#?}", all.errors);
    assert_eq!(all.records.len(), 2);
    assert_eq!(all.lines_read, 2);
    assert_eq!(all.bytes_done, text.len() as u64);
}

#[test]
fn an_empty_file_has_no_chunks() {
    let all = read_str("in.jsonl", "", SourceOptions::default()).unwrap();
    assert!(all.chunks.is_empty());
}

#[test]
fn many_chunks_keep_file_order_and_line_numbers() {
    let mut text = String::new();
    let n = 10_000;
    for i in 0..n {
        if i == 7_000 {
            // A duplicate of a record from the first chunk, far away.
            text.push_str(&CALL.replace("CL-1", "CL-5"));
        } else {
            text.push_str(&CALL.replace("CL-1", &format!("CL-{i}")));
        }
        text.push('\n');
    }
    let all = read_str("big.jsonl", &text, SourceOptions::default()).unwrap();
    assert!(all.chunks.len() >= 3, "{:?}", all.chunks);
    assert!(
        all.chunks.iter().all(|c| c.2 <= 4096),
        "chunks of a few thousand lines"
    );
    assert_eq!(all.lines_read, n as u64);
    assert_eq!(all.records.len(), n - 1);
    let e = only_error(&all);
    assert_eq!(e.position, Position::Line(7_001));
    assert!(e.reason.contains("line 6 already has"), "{e}");
    let ids: Vec<String> = all.records.iter().map(|r| r.id().into_owned()).collect();
    assert_eq!(ids[0], "CL-0");
    assert_eq!(ids[6_999], "CL-6999");
    assert_eq!(ids[7_000], "CL-7001");
}

#[test]
fn format_by_extension_or_option() {
    assert_eq!(
        Format::from_path("a/b.NDJSON".as_ref()),
        Some(Format::JsonLines)
    );
    assert_eq!(Format::from_path("b.tsv".as_ref()), Some(Format::Csv));
    assert_eq!(Format::from_path("b.txt".as_ref()), None);
    assert_eq!("jsonl".parse::<Format>(), Ok(Format::JsonLines));
    let file = write("export.txt", CALL.as_bytes());
    let err = read(&file.path, SourceOptions::default()).unwrap_err();
    assert!(matches!(err, IngestError::UnknownFormat { .. }), "{err}");
    assert!(err.to_string().contains("export.txt"), "{err}");
    let all = read(
        &file.path,
        SourceOptions {
            format: Some(Format::JsonLines),
            ..SourceOptions::default()
        },
    )
    .unwrap();
    assert_eq!(all.records.len(), 1);
}

#[test]
fn io_errors_name_the_file() {
    let err = read("/nonexistent/x.jsonl".as_ref(), SourceOptions::default()).unwrap_err();
    assert!(matches!(err, IngestError::Io { .. }), "{err}");
    assert!(err.to_string().contains("/nonexistent/x.jsonl"), "{err}");
}

#[test]
fn a_mapping_is_for_csv_only() {
    let file = write("in.jsonl", CALL.as_bytes());
    let err = read(
        &file.path,
        SourceOptions {
            mapping: Some("call-centre-trends".into()),
            ..SourceOptions::default()
        },
    )
    .unwrap_err();
    assert!(matches!(err, IngestError::MappingNeedsCsv { .. }), "{err}");
}

#[test]
fn dropping_a_source_half_way_stops_the_reader() {
    let text: String = (0..20_000)
        .map(|i| format!("{}\n", CALL.replace("CL-1", &format!("CL-{i}"))))
        .collect();
    let file = write("big.jsonl", text.as_bytes());
    for _ in 0..3 {
        let mut source = carekpi_ingest::open(&file.path, SourceOptions::default()).unwrap();
        let first = source.next_chunk().unwrap().unwrap();
        assert_eq!(first.records.len(), 4096);
        drop(source);
    }
}

#[test]
fn a_source_can_move_to_another_thread() {
    fn send<T: Send>() {}
    send::<carekpi_ingest::RecordSource>();
    send::<carekpi_ingest::Chunk>();
    send::<IngestError>();
}
