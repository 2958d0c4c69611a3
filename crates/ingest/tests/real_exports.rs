//! The built-in `anonymous-bank` and `italian-helpdesk` mappings on the real files (under
//! `$CAREKPI_SHARED_DATA`, else `shared/data` beside the repository; SKIPPED when absent):
//! what each kind of row becomes, checked on rows read by eye from the files. The CLI tests
//! (crates/cli/tests/cli/bank.rs, helpdesk.rs) check the totals and the metrics against an
//! independent pass over the raw files.

mod common;

use std::path::PathBuf;

use carekpi_domain::Record;
use carekpi_domain::records::vocab::Outcome;
use carekpi_ingest::{SourceOptions, builtin_mapping_source, builtin_mappings};
use common::read;

fn dataset(file: &str) -> Option<PathBuf> {
    let set = std::env::var_os("CAREKPI_SHARED_DATA");
    let path = match &set {
        Some(dir) => PathBuf::from(dir).join(file),
        None => PathBuf::from(env!("CARGO_MANIFEST_DIR"))
            .join("../../../shared/data")
            .join(file),
    };
    if path.exists() {
        return Some(path);
    }
    assert!(
        set.is_none(),
        "CAREKPI_SHARED_DATA is set but {} does not exist",
        path.display()
    );
    eprintln!(
        "SKIPPED: {} is not there; set CAREKPI_SHARED_DATA",
        path.display()
    );
    None
}

fn mapping(name: &str) -> SourceOptions {
    SourceOptions {
        mapping: Some(name.into()),
        ..SourceOptions::default()
    }
}

#[test]
fn both_mappings_are_listed_and_shipped() {
    let names: Vec<_> = builtin_mappings().into_iter().map(|(n, _)| n).collect();
    assert!(names.contains(&"anonymous-bank"), "{names:?}");
    assert!(names.contains(&"italian-helpdesk"), "{names:?}");
    for name in ["anonymous-bank", "italian-helpdesk"] {
        let text = builtin_mapping_source(name).unwrap();
        assert_eq!(
            text,
            std::fs::read_to_string(format!(
                "{}/mappings/{name}.toml",
                env!("CARGO_MANIFEST_DIR")
            ))
            .unwrap()
        );
    }
}

#[test]
fn the_bank_log_call_by_call() {
    let Some(file) = dataset("anonymous-bank-callcenter/data_anonymous_bank_february.txt") else {
        return;
    };
    // No --tz: the mapping's own zone (Asia/Jerusalem) applies.
    let all = read(&file, mapping("anonymous-bank")).unwrap();
    assert_eq!(all.lines_read, 33_344);
    assert_eq!(all.bytes_done, all.total_bytes);
    assert_eq!(
        all.skipped,
        [
            ("phantom".to_string(), 278),
            ("left in the IVR, never offered to agents".to_string(), 1941)
        ]
    );
    let call = |id: &str| {
        all.records
            .iter()
            .find_map(|r| match r {
                Record::Call(c) if c.id == id => Some(c),
                _ => None,
            })
            .unwrap_or_else(|| panic!("no call {id}"))
    };
    let ts = |m: Option<carekpi_domain::Moment>| m.map(|m| m.to_string());
    // Line 2: AA0101 34536, AGENT, no queue start: answered at 7:02:55 without queueing.
    let c = call("AA0101-34536");
    assert_eq!(c.outcome, Outcome::Answered);
    assert_eq!(ts(c.queued_at), Some("1999-02-01T07:02:55+02:00".into()));
    assert_eq!(c.answered_at, c.queued_at);
    assert_eq!(
        (c.talk_s, c.agent_id.as_deref()),
        (Some(166.0), Some("DORIT"))
    );
    assert_eq!(
        (c.customer_id.as_deref(), c.queue.as_deref()),
        (None, Some("PS"))
    );
    // Line 5: HANG after queueing 8:09:22–8:09:27.
    let c = call("AA0101-34539");
    assert_eq!(c.outcome, Outcome::Abandoned);
    assert_eq!(ts(c.queued_at), Some("1999-02-01T08:09:22+02:00".into()));
    assert_eq!(ts(c.ended_at), Some("1999-02-01T08:09:27+02:00".into()));
    assert_eq!((c.answered_at, c.agent_id.as_deref()), (None, None));
    assert_eq!(c.customer_id.as_deref(), Some("23317894"));
    // Line 6: AGENT queued at 8:19:47, served at 8:20:20 by MICHAL for 104 s.
    let c = call("AA0101-34540");
    assert_eq!(ts(c.queued_at), Some("1999-02-01T08:19:47+02:00".into()));
    assert_eq!(ts(c.answered_at), Some("1999-02-01T08:20:20+02:00".into()));
    assert_eq!(
        (c.talk_s, c.agent_id.as_deref()),
        (Some(104.0), Some("MICHAL"))
    );
    // Rejected, not repaired: line 112 (AGENT without a service start), line 1984 (served a
    // second before its queue start).
    let reasons = |line: usize| {
        all.rejected
            .iter()
            .find(|r| r.line == line)
            .map(|r| r.reasons.join(" | "))
            .unwrap_or_default()
    };
    // Lines as `sed -n 112p` shows them (the file has CRLF line ends).
    assert!(
        reasons(112).starts_with("line 112 (call AA0101-34648)"),
        "{}",
        reasons(112)
    );
    assert!(
        reasons(1984).starts_with("line 1984 (call AA0102-30392)"),
        "{}",
        reasons(1984)
    );
    assert!(
        reasons(112).contains("missing: an answered contact needs answered_at"),
        "{}",
        reasons(112)
    );
    assert!(
        reasons(1984)
            .contains("is before queued_at (1999-02-04T19:56:51+02:00): impossible timeline"),
        "{}",
        reasons(1984)
    );
    assert_eq!(
        all.records.len() + all.rejected.len() + 278 + 1941,
        33_344,
        "every row is a call, a skip or a reject"
    );
}

#[test]
fn the_helpdesk_log_case_by_case() {
    let Some(file) = dataset("helpdesk-italian/finale.csv") else {
        return;
    };
    let all = read(&file, mapping("italian-helpdesk")).unwrap();
    assert!(
        all.errors.is_empty(),
        "{:#?}",
        &all.errors[..all.errors.len().min(3)]
    );
    assert_eq!(all.lines_read, 21_348);
    assert_eq!(all.records.len(), 4580);
    let case = |id: &str| {
        all.records
            .iter()
            .find_map(|r| match r {
                Record::Case(c) if c.id == id => Some(c),
                _ => None,
            })
            .unwrap()
    };
    let line = |e: &carekpi_domain::records::CaseEvent| {
        let mut s = format!("{} {}", e.at, e.kind);
        for part in [
            e.author.map(|a| a.to_string()),
            e.public
                .map(|p| if p { "public" } else { "note" }.to_string()),
            e.agent_id.clone(),
            e.status.map(|s| s.to_string()),
        ]
        .into_iter()
        .flatten()
        {
            s += &format!(" {part}");
        }
        s
    };
    // Lines 2–6 of the file: Case 1.
    let c = case("Case 1");
    assert_eq!(c.created_at.to_string(), "2012-10-09T14:50:17+02:00");
    assert_eq!(c.channel.to_string(), "web");
    let got: Vec<String> = c.events.iter().map(line).collect();
    assert_eq!(
        got,
        [
            "2012-10-09T14:50:17+02:00 message customer",
            "2012-10-09T14:50:17+02:00 message agent note Value 1",
            "2012-10-09T14:51:01+02:00 message agent public Value 1",
            "2012-10-09T14:51:01+02:00 status open",
            "2012-10-12T15:02:56+02:00 message agent public Value 2",
            "2012-10-12T15:02:56+02:00 status open",
            "2012-10-25T11:54:26+02:00 status solved",
            "2012-11-09T12:54:39+01:00 status closed",
        ]
    );
    assert_eq!(c.current_status().to_string(), "closed");
}
