//! The mapping language for real exports, one feature at a time, on small inline files:
//! delimiter and quoting, dates and times in separate columns with custom formats, the time zone
//! of local times, `[absent]` values, value maps with `otherwise`, constants, `[[skip]]` rules,
//! conditional field rules, conditions, event blocks and event-log grouping, rejected rows and
//! reject files; and the errors a broken mapping gets, each naming its line.

mod common;

use std::path::PathBuf;

use carekpi_domain::interchange::Position;
use carekpi_domain::records::{Call, Case, Chat};
use carekpi_domain::{Record, RecordKind};
use carekpi_ingest::{IngestError, RejectedInput, SourceOptions, open};
use common::{All, read};
use jiff::tz::TimeZone;

/// A mapping file and a data file side by side.
struct Files {
    dir: tempfile::TempDir,
    mapping: PathBuf,
    data: PathBuf,
}

fn files(mapping: &str, data_name: &str, data: &str) -> Files {
    let dir = tempfile::tempdir().unwrap();
    let m = dir.path().join("map.toml");
    let d = dir.path().join(data_name);
    std::fs::write(&m, mapping).unwrap();
    std::fs::write(&d, data).unwrap();
    Files {
        dir,
        mapping: m,
        data: d,
    }
}

fn options(f: &Files, tz: Option<&str>) -> SourceOptions {
    SourceOptions {
        mapping: Some(f.mapping.display().to_string()),
        time_zone: tz.map(|z| TimeZone::get(z).unwrap()),
        ..SourceOptions::default()
    }
}

fn run(mapping: &str, data: &str) -> Result<All, IngestError> {
    let f = files(mapping, "in.csv", data);
    read(&f.data, options(&f, None))
}

fn ok(mapping: &str, data: &str) -> All {
    let all = run(mapping, data).unwrap_or_else(|e| panic!("{e}"));
    assert!(all.errors.is_empty(), "{:#?}", all.errors);
    all
}

fn calls(all: &All) -> Vec<&Call> {
    all.records
        .iter()
        .map(|r| match r {
            Record::Call(c) => c,
            other => panic!("not a call: {other:?}"),
        })
        .collect()
}

fn cases(all: &All) -> Vec<&Case> {
    all.records
        .iter()
        .map(|r| match r {
            Record::Case(c) => c,
            other => panic!("not a case: {other:?}"),
        })
        .collect()
}

/// A case's events, one line each: `09:00 message customer`, `09:05 message agent public a1`,
/// `09:05 status open`.
fn events(case: &Case) -> Vec<String> {
    case.events
        .iter()
        .map(|e| {
            let mut s = format!("{} {}", &e.at.to_string()[11..16], e.kind);
            if let Some(a) = e.author {
                s += &format!(" {a}");
            }
            if let Some(p) = e.public {
                s += if p { " public" } else { " note" };
            }
            if let Some(id) = &e.agent_id {
                s += &format!(" {id}");
            }
            if let Some(st) = e.status {
                s += &format!(" {st}");
            }
            s
        })
        .collect()
}

fn ts(m: Option<carekpi_domain::Moment>) -> Option<String> {
    m.map(|m| m.to_string())
}

// --- delimiter and quoting -----------------------------------------------------------------------

#[test]
fn delimiter_and_quote_character() {
    let mapping = r#"
kind = "agent"
delimiter = "|"
quote = "'"
[fields]
id = "id"
name = "name"
"#;
    let all = ok(
        mapping,
        "id|name\na-1|'Lan | Nguyen'\na-2|Minh \"the\" great\n",
    );
    let names: Vec<String> = all
        .records
        .iter()
        .map(|r| match r {
            Record::Agent(a) => a.name.clone(),
            _ => unreachable!(),
        })
        .collect();
    assert_eq!(names, ["Lan | Nguyen", "Minh \"the\" great"]);
}

#[test]
fn quoting_can_be_turned_off_or_escaped() {
    // No quoting: a quote is part of the cell, and a tab file need not balance them.
    let mapping = "kind = \"agent\"\ndelimiter = \"\\t\"\nquote = \"\"\n[fields]\nid = \"id\"\nname = \"name\"\n";
    let all = ok(mapping, "id\tname\na-1\t\"Lan\na-2\t5\" display\n");
    let names: Vec<String> = all
        .records
        .iter()
        .map(|r| match r {
            Record::Agent(a) => a.name.clone(),
            _ => unreachable!(),
        })
        .collect();
    assert_eq!(names, ["\"Lan", "5\" display"]);

    // A backslash escapes a quote inside a quoted cell.
    let mapping = "kind = \"agent\"\nescape = \"\\\\\"\n[fields]\nid = \"id\"\nname = \"name\"\n";
    let all = ok(mapping, "id,name\na-1,\"Lan \\\"Mimi\\\", N.\"\n");
    let Record::Agent(a) = &all.records[0] else {
        panic!()
    };
    assert_eq!(a.name, "Lan \"Mimi\", N.");
}

#[test]
fn a_file_read_with_a_mapping_is_csv_whatever_its_extension() {
    let mapping = "kind = \"agent\"\ndelimiter = \"\\t\"\n[fields]\nid = \"id\"\nname = \"name\"\n";
    let f = files(mapping, "agents.txt", "id\tname\r\na-1\tLan\r\n");
    let all = read(&f.data, options(&f, None)).unwrap();
    assert!(all.errors.is_empty(), "{:#?}", all.errors);
    let Record::Agent(a) = &all.records[0] else {
        panic!()
    };
    assert_eq!(
        a.name, "Lan",
        "CRLF line ends are not part of the last cell"
    );
}

// --- dates, times, time zones --------------------------------------------------------------------

const BANK_LIKE: &str = r#"
kind = "call"
delimiter = "\t"
time_zone = "Asia/Jerusalem"
date_format = "%y%m%d"
time_format = "%H:%M:%S"

[absent]
q_start = "0:00:00"
ser_start = "0:00:00"
server = "NO_SERVER"
customer_id = "0"

[[skip]]
reason = "phantom"
when = { column = "outcome", equals = "PHANTOM" }

[[skip]]
reason = "left in the IVR"
when = [{ column = "outcome", equals = "HANG" }, { column = "q_start", equals = "0:00:00" }]

[fields]
id = { template = "{line}-{call_id}" }
outcome = { column = "outcome", map = { AGENT = "answered", HANG = "abandoned" } }
queued_at = [
  { when = [{ column = "outcome", equals = "AGENT" }, { column = "q_start", absent = true }], date = "date", time = "ser_start" },
  { date = "date", time = "q_start" },
]
answered_at = { when = { column = "outcome", equals = "AGENT" }, date = "date", time = "ser_start" }
ended_at = { when = { column = "outcome", equals = "HANG" }, date = "date", time = "q_exit" }
talk_s = "ser_time"
agent_id = "server"
customer_id = "customer_id"
"#;

const BANK_HEADER: &str =
    "line\tcall_id\tcustomer_id\tdate\tq_start\tq_exit\toutcome\tser_start\tser_time\tserver\n";

#[test]
fn separate_date_and_time_columns_with_custom_formats_in_the_mapping_zone() {
    let data = format!(
        "{BANK_HEADER}\
         AA01\t1\t0\t990201\t0:00:00\t0:00:00\tAGENT\t7:02:55\t166\tDORIT\n\
         AA01\t2\t23317894\t990201\t8:09:22\t8:09:27\tHANG\t0:00:00\t0\tNO_SERVER\n\
         AA01\t3\t5\t990715\t12:00:00\t12:00:30\tAGENT\t12:00:30\t60\tTOVA\n"
    );
    let all = ok(BANK_LIKE, &data);
    let c = calls(&all);
    assert_eq!(c.len(), 3);
    // YYMMDD and H:MM:SS (one-digit hour), in Israel: +02:00 in February …
    assert_eq!(ts(c[0].queued_at), Some("1999-02-01T07:02:55+02:00".into()));
    assert_eq!(
        c[0].answered_at, c[0].queued_at,
        "answered without queueing"
    );
    assert_eq!(c[0].talk_s, Some(166.0));
    assert_eq!(c[0].agent_id.as_deref(), Some("DORIT"));
    assert_eq!(c[0].customer_id, None, "customer 0 is absent");
    assert_eq!(ts(c[1].queued_at), Some("1999-02-01T08:09:22+02:00".into()));
    assert_eq!(ts(c[1].ended_at), Some("1999-02-01T08:09:27+02:00".into()));
    assert_eq!(c[1].answered_at, None);
    assert_eq!(c[1].agent_id, None, "NO_SERVER is absent");
    assert_eq!(c[1].customer_id.as_deref(), Some("23317894"));
    // … and +03:00 in July (daylight saving time).
    assert_eq!(ts(c[2].queued_at), Some("1999-07-15T12:00:00+03:00".into()));

    // --tz wins over the mapping's zone.
    let f = files(BANK_LIKE, "bank.tsv", &data);
    let all = read(&f.data, options(&f, Some("UTC"))).unwrap();
    assert_eq!(
        ts(calls(&all)[0].queued_at),
        Some("1999-02-01T07:02:55Z".into())
    );
}

// --- absent values, skips, conditional rules -----------------------------------------------------

#[test]
fn skip_rules_count_rows_by_reason_and_the_first_rule_wins() {
    let data = format!(
        "{BANK_HEADER}\
         AA01\t1\t0\t990201\t0:00:00\t0:00:00\tPHANTOM\t0:00:00\t0\tNO_SERVER\n\
         AA01\t2\t0\t990201\t0:00:00\t0:00:00\tHANG\t0:00:00\t0\tNO_SERVER\n\
         AA01\t3\t0\t990201\t9:00:00\t9:00:10\tHANG\t0:00:00\t0\tNO_SERVER\n\
         AA01\t4\t0\t990201\t0:00:00\t0:00:00\tPHANTOM\t0:00:00\t0\tNO_SERVER\n\
         AA01\t5\t0\t990201\t0:00:00\t0:00:00\tHANG\t0:00:00\t0\tNO_SERVER\n\
         AA01\t6\t0\t990201\t0:00:00\t0:00:00\tHANG\t0:00:00\t0\tNO_SERVER\n"
    );
    let all = ok(BANK_LIKE, &data);
    assert_eq!(all.lines_read, 6, "skipped rows are read");
    assert_eq!(
        all.skipped,
        [
            ("phantom".to_string(), 2),
            ("left in the IVR".to_string(), 3)
        ]
    );
    let c = calls(&all);
    assert_eq!(c.len(), 1);
    assert_eq!(c[0].id, "AA01-3");
    assert!(all.rejected.is_empty());
}

#[test]
fn an_absent_value_is_no_value_but_equals_still_sees_it_as_written() {
    // q_start = 0:00:00 is absent: the HANG row whose queue start did not happen would lose its
    // queued_at; `equals = "0:00:00"` in the skip rule matched it on the text.
    let mapping = r#"
kind = "call"
[absent]
q_start = ["0:00:00", "-"]
[fields]
id = "id"
outcome = { value = "abandoned" }
queued_at = { column = "q_start", format = "%Y-%m-%d %H:%M" }
queue = [
  { when = { column = "q_start", equals = "-" }, value = "dash" },
  { when = { column = "q_start", absent = true }, value = "none" },
  { when = "q_start", value = "queued" },
]
"#;
    let data = "id,q_start\nA,0:00:00\nB,-\nC,2026-01-01 09:00\nD,\n";
    let f = files(mapping, "in.csv", data);
    let all = read(&f.data, options(&f, Some("UTC"))).unwrap();
    let queues: Vec<_> = all
        .errors
        .iter()
        .map(|e| (e.position, e.field.clone()))
        .collect();
    // Without a queued_at an abandoned call is invalid: A, B and D are rejected, not misread.
    assert_eq!(
        queues,
        [
            (Position::Row(2), Some("queued_at".into())),
            (Position::Row(3), Some("queued_at".into())),
            (Position::Row(5), Some("queued_at".into())),
        ]
    );
    let c = calls(&all);
    assert_eq!(c.len(), 1);
    assert_eq!(c[0].queue.as_deref(), Some("queued"));
    // The conditions on the rejected rows were evaluated too: their cells as written.
    let mapping = mapping.replace(
        "outcome = { value = \"abandoned\" }",
        "outcome = { value = \"blocked\" }\nattempted_at = { value = \"2026-01-01T00:00:00Z\" }",
    );
    let f = files(&mapping, "in.csv", data);
    let all = read(&f.data, options(&f, Some("UTC"))).unwrap();
    assert!(all.errors.is_empty(), "{:#?}", all.errors);
    let queues: Vec<_> = calls(&all)
        .iter()
        .map(|c| c.queue.clone().unwrap())
        .collect();
    assert_eq!(queues, ["none", "dash", "queued", "none"]);
}

#[test]
fn conditional_field_rules_take_the_first_that_holds() {
    let data = format!(
        "{BANK_HEADER}\
         AA01\t1\t0\t990201\t0:00:00\t0:00:00\tAGENT\t7:02:55\t166\tDORIT\n\
         AA01\t2\t0\t990201\t7:10:00\t7:10:30\tAGENT\t7:10:30\t60\tDORIT\n"
    );
    let all = ok(BANK_LIKE, &data);
    let c = calls(&all);
    // No queue start: queued when answered. A queue start: queued then.
    assert_eq!(ts(c[0].queued_at), ts(c[0].answered_at));
    assert_eq!(ts(c[1].queued_at), Some("1999-02-01T07:10:00+02:00".into()));
    assert_eq!(
        ts(c[1].answered_at),
        Some("1999-02-01T07:10:30+02:00".into())
    );
    // No rule holds: the field is absent.
    let mapping = r#"
kind = "agent"
[fields]
id = "id"
name = "name"
team_id = [{ when = { column = "name", equals = "Lan" }, value = "hcm" }]
"#;
    let all = ok(mapping, "id,name\na,Lan\nb,Minh\n");
    let teams: Vec<_> = all
        .records
        .iter()
        .map(|r| match r {
            Record::Agent(a) => a.team_id.clone(),
            _ => unreachable!(),
        })
        .collect();
    assert_eq!(teams, [Some("hcm".to_string()), None]);
}

#[test]
fn conditions_all_any_none_and_not() {
    let mapping = r#"
kind = "agent"
[fields]
id = "id"
name = "name"
team_id = [
  { when = { all = [{ column = "a", equals = "1" }, { column = "b", equals = "1" }] }, value = "both" },
  { when = { any = [{ column = "a", equals = "1" }, { column = "b", equals = "1" }] }, value = "one" },
  { when = { none = ["a", "b"] }, value = "empty" },
  { when = { column = "a", not = ["0", "9"] }, value = "other" },
]
"#;
    let all = ok(
        mapping,
        "id,name,a,b\n1,x,1,1\n2,x,1,0\n3,x,,\n4,x,5,0\n5,x,0,0\n",
    );
    let teams: Vec<_> = all
        .records
        .iter()
        .map(|r| match r {
            Record::Agent(a) => a.team_id.clone(),
            _ => unreachable!(),
        })
        .collect();
    assert_eq!(
        teams,
        [
            Some("both".to_string()),
            Some("one".to_string()),
            Some("empty".to_string()),
            Some("other".to_string()),
            None
        ]
    );
}

// --- value maps and constants --------------------------------------------------------------------

#[test]
fn value_maps_with_otherwise_and_constants_of_every_type() {
    let mapping = r#"
kind = "survey"
[fields]
id = "id"
survey = { column = "type", map = { "Net promoter" = "nps" }, otherwise = "csat" }
score = { column = "grade", map = { A = 5, B = "4" } }
at = { value = "2026-03-02T09:00:00+07:00" }
scale = [
  { when = { column = "type", equals = "Net promoter" }, value = { min = 0, max = 10 } },
  { value = { min = 1, max = 5 } },
]
comment = { value = "from the export" }
"#;
    let all = ok(mapping, "id,type,grade\ns1,Net promoter,A\ns2,stars,B\n");
    let got: Vec<_> = all
        .records
        .iter()
        .map(|r| match r {
            Record::Survey(s) => (
                s.survey.to_string(),
                s.score,
                s.effective_scale().max,
                s.comment.clone().unwrap(),
            ),
            _ => unreachable!(),
        })
        .collect();
    assert_eq!(
        got,
        [
            ("nps".to_string(), 5, 10, "from the export".to_string()),
            ("csat".to_string(), 4, 5, "from the export".to_string()),
        ]
    );
}

#[test]
fn a_value_the_map_lacks_names_the_line_of_the_map() {
    let mapping = "kind = \"call\"\n[fields]\nid = \"id\"\n\noutcome = { column = \"result\", map = { ok = \"answered\", lost = \"abandoned\" } }\nqueued_at = { value = \"2026-03-02T09:00:00Z\" }\nanswered_at = { value = \"2026-03-02T09:00:00Z\" }\n";
    let all = run(mapping, "id,result\nc1,ok\nc2,busy\n").unwrap();
    assert_eq!(all.records.len(), 1);
    let e = &all.errors[0];
    assert_eq!(e.position, Position::Row(3));
    assert_eq!(e.field.as_deref(), Some("outcome"));
    assert_eq!(
        e.reason,
        "column `result`: `busy` is not one of the values the mapping knows (`lost`, `ok`) (`map` at line 5 of the mapping)"
    );
}

// --- events and grouping -------------------------------------------------------------------------

const EVENT_LOG: &str = r#"
kind = "case"
time_zone = "Europe/Rome"

[group]
by = "Case"
last = ["assignee_id"]

[fields]
id = "Case"
channel = { value = "web" }
created_at = { column = "At", format = "%Y/%m/%d %H:%M:%S%.f" }
assignee_id = "Who"
subject = "Subject"

[[events]]
once = true
[events.fields]
at = { from = "created_at" }
kind = { value = "message" }
author = { value = "customer" }

[[events]]
when = { column = "Activity", not = ["Wait", "Resolve", "Closed"] }
[events.fields]
at = { column = "At", format = "%Y/%m/%d %H:%M:%S%.f" }
kind = { value = "message" }
author = { value = "agent" }
agent_id = "Who"
public = { column = "Activity", map = { "Take in charge" = true }, otherwise = false }

[[events]]
when = { column = "Activity", equals = ["Take in charge", "Wait", "Resolve", "Closed"] }
[events.fields]
at = { column = "At", format = "%Y/%m/%d %H:%M:%S%.f" }
kind = { value = "status" }
status = { column = "Activity", map = { "Take in charge" = "open", Wait = "pending", Resolve = "solved", Closed = "closed" } }
"#;

const EVENT_HEADER: &str = "Case,Activity,Who,At,Subject\n";

#[test]
fn rows_sharing_a_case_id_become_one_case_with_its_events_in_file_order() {
    // The two cases' rows are interleaved; each case still gets its own rows, in file order.
    let data = format!(
        "{EVENT_HEADER}\
         C1,Assign seriousness,v1,2012/10/09 14:50:17.000,Printer\n\
         C2,Insert ticket,v3,2012/10/09 15:00:00.000,\n\
         C1,Take in charge,v1,2012/10/09 14:51:01.000,\n\
         C2,Take in charge,v3,2012/10/10 09:00:00.000,Login\n\
         C1,Wait,v2,2012/10/12 15:02:56.000,\n\
         C1,Take in charge,v2,2012/10/13 08:00:00.000,\n\
         C1,Resolve,v2,2012/10/25 11:54:26.000,\n\
         C1,Closed,v2,2012/11/09 11:54:39.000,\n"
    );
    let all = ok(EVENT_LOG, &data);
    assert_eq!(all.lines_read, 8);
    let c = cases(&all);
    assert_eq!(
        c.len(),
        2,
        "one case per id, in the order they first appear"
    );
    assert_eq!(c[0].id, "C1");
    assert_eq!(c[0].created_at.to_string(), "2012-10-09T14:50:17+02:00");
    assert_eq!(c[0].channel.to_string(), "web");
    // `group.last`: the last value present; other fields: the first present.
    assert_eq!(c[0].assignee_id.as_deref(), Some("v2"));
    assert_eq!(c[0].subject.as_deref(), Some("Printer"));
    assert_eq!(c[1].subject.as_deref(), Some("Login"));
    assert_eq!(
        events(c[0]),
        [
            "14:50 message customer",
            "14:50 message agent note v1",
            "14:51 message agent public v1",
            "14:51 status open",
            "15:02 status pending",
            "08:00 message agent public v2",
            "08:00 status open",
            "11:54 status solved",
            "11:54 status closed",
        ]
    );
    assert_eq!(
        events(c[1]),
        [
            "15:00 message customer",
            "15:00 message agent note v3",
            "09:00 message agent public v3",
            "09:00 status open",
        ]
    );
    // Europe/Rome: winter time in November.
    assert_eq!(
        c[0].events.last().unwrap().at.to_string(),
        "2012-11-09T11:54:39+01:00"
    );
}

#[test]
fn a_grouped_log_longer_than_a_chunk_keeps_its_cases_whole() {
    // More rows than one chunk reads (4,096), and the file ends right after a full chunk.
    let mut data = String::from(EVENT_HEADER);
    for i in 0..8192 {
        let case = if i % 2 == 0 { "even" } else { "odd" };
        let minute = i / 60;
        data += &format!(
            "{case},Note,v1,2012/10/{:02} {:02}:{:02}:{:02}.000,\n",
            1 + minute / 1440,
            (minute / 60) % 24,
            minute % 60,
            i % 60
        );
    }
    let all = ok(EVENT_LOG, &data);
    assert_eq!(all.lines_read, 8192);
    let c = cases(&all);
    assert_eq!(c.len(), 2);
    assert_eq!(c[0].events.len(), 4096 + 1);
    assert_eq!(c[1].events.len(), 4096 + 1);
}

#[test]
fn a_bad_row_rejects_its_whole_case_and_every_row_of_it() {
    let data = format!(
        "{EVENT_HEADER}\
         C1,Take in charge,v1,2012/10/09 14:51:01.000,\n\
         C2,Take in charge,v3,2012/10/10 09:00:00.000,\n\
         C1,Resolve,v1,yesterday,\n\
         C1,Done,v1,2012/10/12 15:02:56.000,\n\
         C2,Resolve,v3,2012/10/11 09:00:00.000,\n"
    );
    let all = run(EVENT_LOG, &data).unwrap();
    let c = cases(&all);
    assert_eq!(c.len(), 1);
    assert_eq!(c[0].id, "C2");
    let e = &all.errors[0];
    assert_eq!(all.errors.len(), 1, "{:#?}", all.errors);
    assert_eq!(e.position, Position::Row(4), "the row of the bad cell");
    assert_eq!(e.id.as_deref(), Some("C1"));
    assert_eq!(e.field.as_deref(), Some("events.at"));
    assert!(
        e.reason
            .starts_with("column `At`: `yesterday` does not match the format")
    );
    // Every row of C1 comes back for the reject file, with C1's problem.
    let rejected: Vec<_> = all.rejected.iter().map(|r| r.line).collect();
    assert_eq!(rejected, [2, 4, 5]);
    assert!(all.rejected.iter().all(|r| r.reasons == [e.to_string()]));
}

#[test]
fn validation_problems_of_an_event_name_the_row_it_came_from() {
    // C1's third row is dated before the case was created (its first row).
    let data = format!(
        "{EVENT_HEADER}\
         C1,Take in charge,v1,2012/10/09 14:51:01.000,\n\
         C1,Wait,v1,2012/10/09 15:00:00.000,\n\
         C1,Resolve,v1,2012/10/09 14:00:00.000,\n"
    );
    let all = run(EVENT_LOG, &data).unwrap();
    assert!(all.records.is_empty());
    let e = &all.errors[0];
    assert_eq!(e.position, Position::Row(4));
    assert_eq!(e.field.as_deref(), Some("events[4].at"));
    assert!(
        e.reason
            .contains("a solve at 2012-10-09T14:00:00+02:00 is before the case was created"),
        "{e}"
    );
    assert_eq!(all.rejected.len(), 3);
}

#[test]
fn rows_without_a_case_id_or_with_too_few_cells() {
    let data = format!(
        "{EVENT_HEADER}\
         ,Take in charge,v1,2012/10/09 14:51:01.000,\n\
         C1,Take in charge,v1,2012/10/09 14:51:01.000,\n\
         C1,Resolve\n\
         C2,Take in charge,v1,2012/10/09 14:51:01.000,\n"
    );
    let all = run(EVENT_LOG, &data).unwrap();
    let got: Vec<_> = all
        .errors
        .iter()
        .map(|e| (e.position, e.id.clone()))
        .collect();
    assert_eq!(
        got,
        [
            (Position::Row(2), None),
            (Position::Row(4), Some("C1".into()))
        ],
        "{:#?}",
        all.errors
    );
    assert!(
        all.errors[0]
            .reason
            .contains("column `Case` is empty: the row belongs to no case")
    );
    assert!(
        all.errors[1]
            .reason
            .contains("the row has 2 cells but the header has 5 columns")
    );
    assert_eq!(cases(&all).len(), 1, "C1 is rejected as a whole, C2 lands");
}

#[test]
fn event_blocks_without_grouping_build_a_case_per_row() {
    // A flat ticket export: created, first reply and solve times on one row.
    let mapping = r#"
kind = "case"
time_zone = "UTC"
[fields]
id = "Ticket"
channel = { value = "email" }
created_at = { column = "Created", format = "%d.%m.%Y %H:%M" }

[[events]]
[events.fields]
at = { from = "created_at" }
kind = { value = "message" }
author = { value = "customer" }

[[events]]
when = "Replied"
[events.fields]
at = { column = "Replied", format = "%d.%m.%Y %H:%M" }
kind = { value = "message" }
author = { value = "agent" }

[[events]]
when = "Solved"
[events.fields]
at = { column = "Solved", format = "%d.%m.%Y %H:%M" }
kind = { value = "status" }
status = { value = "solved" }
"#;
    let all = ok(
        mapping,
        "Ticket,Created,Replied,Solved\nT1,02.03.2026 09:00,02.03.2026 09:30,02.03.2026 10:00\nT2,02.03.2026 11:00,,\n",
    );
    let c = cases(&all);
    assert_eq!(
        events(c[0]),
        [
            "09:00 message customer",
            "09:30 message agent",
            "10:00 status solved"
        ]
    );
    assert_eq!(events(c[1]), ["11:00 message customer"]);
}

#[test]
fn chat_messages_grouped_from_a_transcript() {
    let mapping = r#"
kind = "chat"
time_zone = "UTC"
[group]
by = "chat"
[fields]
id = "chat"
outcome = { value = "answered" }
queued_at = { column = "at", format = "%H:%M %d/%m/%Y" }
answered_at = [{ when = { column = "from", equals = "bot" }, column = "at", format = "%H:%M %d/%m/%Y" }]
[[messages]]
[messages.fields]
at = { column = "at", format = "%H:%M %d/%m/%Y" }
author = { column = "from", map = { me = "customer" }, otherwise = "agent" }
agent_id = [{ when = { column = "from", not = "me" }, column = "from" }]
automatic = { column = "from", map = { bot = true }, otherwise = false }
"#;
    let all = ok(
        mapping,
        "chat,from,at\nx,me,09:00 02/03/2026\nx,bot,09:01 02/03/2026\nx,lan,09:03 02/03/2026\n",
    );
    let Record::Chat(Chat {
        messages,
        answered_at,
        ..
    }) = &all.records[0]
    else {
        panic!()
    };
    assert_eq!(ts(*answered_at), Some("2026-03-02T09:01:00Z".into()));
    let got: Vec<_> = messages
        .iter()
        .map(|m| (m.author.to_string(), m.agent_id.clone(), m.automatic))
        .collect();
    assert_eq!(
        got,
        [
            ("customer".to_string(), None, Some(false)),
            ("agent".to_string(), Some("bot".to_string()), Some(true)),
            ("agent".to_string(), Some("lan".to_string()), Some(false)),
        ]
    );
}

// --- rejected rows and reject files --------------------------------------------------------------

#[test]
fn rejected_rows_come_back_as_read_with_line_and_reasons() {
    let data = format!(
        "{BANK_HEADER}\
         AA01\t1\t0\t990201\t9:00:00\t9:00:10\tAGENT\t0:00:00\t0\tDORIT\n\
         AA01\t2\t0\t990201\t9:00:00\t9:00:10\tAGENT\t9:00:05\t30\tDORIT\n\
         AA01\t3\t0\t990201\t9:00:00\t8:59:50\tHANG\t0:00:00\t0\tNO_SERVER\n\
         AA01\t4\t0\t990201\t9:00:09\t9:00:10\tAGENT\t9:00:05\t30\tDORIT\n\
         AA01\t5\t0\t990201\t9:00:00\t9:00:10\tTRANSFER\t9:00:05\t30\tDORIT\n"
    );
    let all = run(BANK_LIKE, &data).unwrap();
    assert_eq!(calls(&all).len(), 1);
    let got: Vec<_> = all
        .rejected
        .iter()
        .map(|r| (r.line, r.reasons.len()))
        .collect();
    assert_eq!(got, [(2, 1), (4, 1), (5, 1), (6, 1)]);
    // Answered without a service start; left before queueing; answered before queueing; an
    // outcome the map lacks.
    assert!(all.rejected[0].reasons[0].contains("missing: an answered contact needs answered_at"));
    assert!(
        all.rejected[1].reasons[0]
            .contains("`ended_at`: 1999-02-01T08:59:50+02:00 is before queued_at")
    );
    assert!(
        all.rejected[2].reasons[0]
            .contains("`answered_at`: 1999-02-01T09:00:05+02:00 is before queued_at")
    );
    assert!(all.rejected[3].reasons[0].contains("`TRANSFER` is not one of the values"));
    let RejectedInput::Row(cells) = &all.rejected[1].input else {
        panic!()
    };
    assert_eq!(cells[1], b"3");
    assert_eq!(cells[5], b"8:59:50");
}

#[test]
fn a_reject_file_can_be_fixed_and_imported_again() {
    let mapping = "kind = \"agent\"\n[fields]\nid = \"id\"\nname = \"name\"\nemail = \"email\"\n";
    let f = files(
        mapping,
        "agents.csv",
        "id,name,email\na-1,Lan,lan@x.vn\na-2,\"Minh, T.\",minh.x.vn\na-3,,\n",
    );
    let mut source = open(&f.data, options(&f, None)).unwrap();
    let rejects = f.dir.path().join("rejects.csv");
    let mut writer = source.reject_writer(&rejects).unwrap();
    let mut imported = 0;
    while let Some(chunk) = source.next_chunk() {
        let chunk = chunk.unwrap();
        imported += chunk.records.len();
        writer.write(&chunk.rejected).unwrap();
    }
    assert_eq!(writer.rows(), 2);
    writer.finish().unwrap();
    assert_eq!(imported, 1);
    let text = std::fs::read_to_string(&rejects).unwrap();
    let lines: Vec<&str> = text.lines().collect();
    assert_eq!(lines[0], "id,name,email,rejected_line,rejected_reason");
    assert_eq!(
        lines[1],
        "a-2,\"Minh, T.\",minh.x.vn,3,line 3 (agent a-2): field `email`: `minh.x.vn` is not an e-mail address"
    );
    assert!(
        lines[2].starts_with("a-3,,,4,line 4 (agent a-3): field `name`: missing"),
        "{}",
        lines[2]
    );

    // Fixed, the reject file imports with the same mapping (it ignores the extra columns) …
    let fixed = text
        .replace("minh.x.vn", "minh@x.vn")
        .replace("a-3,,", "a-3,Tam,");
    std::fs::write(&rejects, fixed).unwrap();
    let all = read(&rejects, options(&f, None)).unwrap();
    assert!(all.errors.is_empty(), "{:#?}", all.errors);
    assert_eq!(all.records.len(), 2);
    // … and with the generic mapping of its kind, which ignores the two reject columns.
    let all = read(
        &rejects,
        SourceOptions {
            kind: Some(RecordKind::Agent),
            ..SourceOptions::default()
        },
    )
    .unwrap();
    assert!(all.errors.is_empty(), "{:#?}", all.errors);
    assert_eq!(all.records.len(), 2);
}

#[test]
fn a_json_lines_reject_file_keeps_each_line_as_text() {
    let dir = tempfile::tempdir().unwrap();
    let input = dir.path().join("in.jsonl");
    std::fs::write(
        &input,
        "{\"kind\":\"agent\",\"id\":\"a-1\",\"name\":\"Lan\"}\n{\"kind\":\"agent\",\"id\":\"a-2\"}\nnot json\n",
    )
    .unwrap();
    let mut source = open(&input, SourceOptions::default()).unwrap();
    let path = dir.path().join("rejects.jsonl");
    let mut writer = source.reject_writer(&path).unwrap();
    while let Some(chunk) = source.next_chunk() {
        writer.write(&chunk.unwrap().rejected).unwrap();
    }
    writer.finish().unwrap();
    let lines: Vec<serde_json::Value> = std::fs::read_to_string(&path)
        .unwrap()
        .lines()
        .map(|l| serde_json::from_str(l).unwrap())
        .collect();
    assert_eq!(lines.len(), 2);
    assert_eq!(lines[0]["line"], 2);
    assert_eq!(lines[0]["text"], "{\"kind\":\"agent\",\"id\":\"a-2\"}");
    assert!(
        lines[0]["reasons"][0]
            .as_str()
            .unwrap()
            .contains("field `name`: missing")
    );
    assert_eq!(lines[1]["line"], 3);
    assert_eq!(lines[1]["text"], "not json");
}

// --- a broken mapping: every error names its line ------------------------------------------------

/// The error a mapping gets against a header, with its line.
fn mapping_error(mapping: &str, header: &str) -> (String, Option<usize>) {
    let err = run(mapping, header).unwrap_err();
    let line = match &err {
        IngestError::BadMapping { line, .. } => *line,
        IngestError::MissingColumns { lines, .. } => lines[0],
        other => panic!("{other}"),
    };
    (err.to_string(), line)
}

#[test]
fn an_unknown_column_names_the_mapping_line_that_reads_it() {
    let mapping = "kind = \"call\"\n[fields]\nid = \"id\"\noutcome = { value = \"answered\" }\nqueued_at = { column = \"Queued\" }\nanswered_at = { column = \"Answered\" }\n";
    let (msg, line) = mapping_error(mapping, "id,Queued,Answred\n");
    assert_eq!(line, Some(6));
    assert!(
        msg.contains("the CSV header lacks a column that mapping")
            && msg.contains("reads: `Answered` (line 6)"),
        "{msg}"
    );
    // Also in a condition, a template, an [absent] entry or the group key.
    for (mapping, expected_line) in [
        (
            "kind = \"agent\"\n[fields]\nid = \"id\"\nname = { template = \"{first} {last}\" }\n",
            4,
        ),
        (
            "kind = \"agent\"\n[[skip]]\nreason = \"x\"\nwhen = { column = \"state\", equals = \"x\" }\n[fields]\nid = \"id\"\nname = \"id\"\n",
            4,
        ),
        (
            "kind = \"agent\"\n[absent]\nname = \"-\"\n[fields]\nid = \"id\"\nname = \"id\"\n",
            3,
        ),
        (
            "kind = \"agent\"\n[group]\nby = \"key\"\n[fields]\nid = \"id\"\nname = \"id\"\n",
            3,
        ),
    ] {
        let (msg, line) = mapping_error(mapping, "id\n");
        assert_eq!(line, Some(expected_line), "{mapping}\n{msg}");
    }
}

#[test]
fn a_bad_format_string_names_its_line_before_any_row() {
    let cases: &[(&str, usize, &str)] = &[
        (
            "kind = \"call\"\ndate_format = \"YYMMDD\"\n[fields]\nid = \"id\"\noutcome = \"o\"\nqueued_at = { date = \"d\" }\n",
            2,
            "date_format: `date_format`: `YYMMDD` does not give a full date (year, month and day); formats are written with strftime directives (e.g. `%Y-%m-%d`, `%d/%m/%Y` or `%y%m%d`)",
        ),
        (
            "kind = \"call\"\n[fields]\nid = \"id\"\noutcome = \"o\"\nqueued_at = { date = \"d\", time = \"t\", time_format = \"H:MM:SS\" }\n",
            5,
            "fields.queued_at: `time_format`: `H:MM:SS` does not give a time of day",
        ),
        (
            "kind = \"call\"\n[fields]\nid = \"id\"\noutcome = \"o\"\n\nqueued_at = { column = \"q\", format = \"%Y-%m-%d %J\" }\n",
            6,
            "fields.queued_at: `format`: `%Y-%m-%d %J` is not a strftime/strptime format",
        ),
        (
            "kind = \"case\"\n[fields]\nid = \"id\"\nchannel = \"c\"\ncreated_at = \"t\"\n[[events]]\n[events.fields]\nkind = { value = \"message\" }\nauthor = { value = \"agent\" }\nat = { column = \"t\", format = \"%d.%m.%Y %Z\" }\n",
            10,
            "events[0].fields.at: `format`: `%d.%m.%Y %Z` cannot read the text it writes itself",
        ),
    ];
    for (mapping, line, expected) in cases {
        let (msg, got) = mapping_error(mapping, "id,o,d,t,q,c\n");
        assert_eq!(got, Some(*line), "{mapping}\n{msg}");
        assert!(msg.contains(expected), "{msg}\nlacks\n{expected}");
        assert!(
            msg.contains(&format!("is not valid: line {line}: ")),
            "{msg}"
        );
    }
}

#[test]
fn other_mistakes_in_the_new_parts_of_the_language() {
    let cases: &[(&str, usize, &str)] = &[
        (
            "kind = \"agent\"\n[fields]\nid = \"id\"\nname = [\n  { column = \"a\" },\n  { column = \"b\" },\n]\n",
            5,
            "fields.name[0]: has no `when`, so the alternatives after it never apply",
        ),
        (
            "kind = \"agent\"\n[fields]\nid = \"id\"\nname = { column = \"a\", otherwise = \"x\" }\n",
            4,
            "`otherwise` goes with `map`",
        ),
        (
            "kind = \"call\"\n[fields]\nid = \"id\"\noutcome = \"o\"\n[[events]]\n[events.fields]\nat = \"t\"\n",
            5,
            "`[[events]]` blocks build a case's events or a chat's messages; a call has none",
        ),
        (
            "kind = \"case\"\n[fields]\nid = \"id\"\nchannel = \"c\"\ncreated_at = \"t\"\n[[events]]\n[events.fields]\nat = \"t\"\n",
            7,
            "events[0].fields sets no `kind`, which every case event needs",
        ),
        (
            "kind = \"case\"\n[fields]\nid = \"id\"\nchannel = \"c\"\ncreated_at = \"t\"\nevents = \"e\"\n[[events]]\n[events.fields]\nat = \"t\"\nkind = { value = \"message\" }\n",
            6,
            "fields.events: the `[[events]]` blocks build `events`; set it in one place only",
        ),
        (
            "kind = \"agent\"\n[group]\nby = \"id\"\nlast = [\"team_id\"]\n[fields]\nid = \"id\"\nname = \"n\"\n",
            4,
            "group.last[0]: the mapping sets no field `team_id` of the agent",
        ),
        (
            "kind = \"agent\"\n[[skip]]\nreason = \" \"\nwhen = \"x\"\n[fields]\nid = \"id\"\nname = \"n\"\n",
            2,
            "skip[0]: `reason` is empty",
        ),
        (
            "kind = \"agent\"\n[fields]\nid = \"id\"\nname = { column = \"n\", when = { column = \"x\" } }\n",
            4,
            "say what to test about the column: `equals`, `not` or `absent`",
        ),
        (
            "kind = \"agent\"\nquote = \",\"\n[fields]\nid = \"id\"\nname = \"n\"\n",
            2,
            "quote: is the same character as the delimiter",
        ),
        (
            "kind = \"agent\"\n[[skip]]\nwhen = \"x\"\n[fields]\nid = \"id\"\nname = \"n\"\n",
            2,
            "missing field `reason`",
        ),
    ];
    for (mapping, line, expected) in cases {
        let (msg, got) = mapping_error(mapping, "id,n,a,b,o,t,c,e,x\n");
        assert!(msg.contains(expected), "{msg}\nlacks\n{expected}");
        assert_eq!(got, Some(*line), "{mapping}\n{msg}");
    }
}

#[test]
fn crlf_line_ends_keep_line_numbers() {
    let mapping = "kind = \"agent\"\n[fields]\nid = \"id\"\nname = \"name\"\n";
    let all = run(
        mapping,
        "id,name\r\na-1,Lan\r\na-2,\r\na-3,Minh\r\na-4,\r\n",
    )
    .unwrap();
    let lines: Vec<_> = all.errors.iter().map(|e| e.position).collect();
    assert_eq!(
        lines,
        [Position::Row(3), Position::Row(5)],
        "{:#?}",
        all.errors
    );
}

#[test]
fn lone_cr_line_ends_are_rows_too() {
    let mapping = "kind = \"agent\"\n[fields]\nid = \"id\"\nname = \"name\"\n";
    let all = run(mapping, "id,name\ra-1,Lan\ra-2,\r\"a-3\",\ra-4,Minh\r").unwrap();
    assert_eq!(all.records.len(), 2);
    let lines: Vec<_> = all.errors.iter().map(|e| e.position).collect();
    assert_eq!(
        lines,
        [Position::Row(3), Position::Row(4)],
        "{:#?}",
        all.errors
    );
    let RejectedInput::Row(cells) = &all.rejected[1].input else {
        panic!()
    };
    assert_eq!(cells, &[b"a-3".to_vec(), Vec::new()]);
}
