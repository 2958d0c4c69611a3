//! The built-in `call-centre-trends` mapping on the real PwC "Call Centre Trends" export
//! (shared/data/pwc-call-center, beside the repository).

mod common;

use std::path::PathBuf;

use carekpi_domain::Record;
use carekpi_domain::records::vocab::{Outcome, SurveyKind};
use carekpi_ingest::{IngestError, SourceOptions, builtin_mapping_source, builtin_mappings};
use common::read;
use jiff::tz::TimeZone;

/// The dataset: under `$CAREKPI_SHARED_DATA` when set (`.ci/run` sets it), else in the
/// `shared/data` folder beside the repository. `None` (the test says SKIPPED) when absent.
fn dataset() -> Option<PathBuf> {
    const FILE: &str = "pwc-call-center/01 Call-Center-Dataset.csv";
    let path = match std::env::var_os("CAREKPI_SHARED_DATA") {
        Some(dir) => PathBuf::from(dir).join(FILE),
        None => PathBuf::from(env!("CARGO_MANIFEST_DIR"))
            .join("../../../shared/data")
            .join(FILE),
    };
    if path.exists() {
        return Some(path);
    }
    assert!(
        std::env::var_os("CAREKPI_SHARED_DATA").is_none(),
        "CAREKPI_SHARED_DATA is set but {} does not exist",
        path.display()
    );
    eprintln!(
        "SKIPPED: the PwC call-centre dataset is not at {}; set CAREKPI_SHARED_DATA",
        path.display()
    );
    None
}

fn options(tz: Option<&str>) -> SourceOptions {
    SourceOptions {
        mapping: Some("call-centre-trends".into()),
        time_zone: tz.map(|z| TimeZone::get(z).unwrap()),
        ..SourceOptions::default()
    }
}

#[test]
fn the_whole_dataset_maps_without_errors() {
    let Some(file) = dataset() else { return };
    let all = read(&file, options(Some("Europe/London"))).unwrap();
    assert!(
        all.errors.is_empty(),
        "{:#?}",
        &all.errors[..all.errors.len().min(5)]
    );
    assert_eq!(all.lines_read, 5000);
    assert_eq!(all.bytes_done, all.total_bytes);

    let calls: Vec<_> = all
        .records
        .iter()
        .filter_map(|r| match r {
            Record::Call(c) => Some(c),
            _ => None,
        })
        .collect();
    let surveys: Vec<_> = all
        .records
        .iter()
        .filter_map(|r| match r {
            Record::Survey(s) => Some(s),
            _ => None,
        })
        .collect();
    assert_eq!(calls.len(), 5000);
    assert_eq!(surveys.len(), 4054);
    assert_eq!(all.records.len(), 9054);

    let answered = calls.iter().filter(|c| c.outcome == Outcome::Answered);
    let abandoned: Vec<_> = calls
        .iter()
        .filter(|c| c.outcome == Outcome::Abandoned)
        .collect();
    assert_eq!(answered.clone().count(), 4054);
    assert_eq!(abandoned.len(), 946);
    for c in answered {
        assert!(c.answered_at.is_some() && c.talk_s.is_some(), "{c:?}");
        assert!(c.resolved_first_contact.is_some(), "{c:?}");
    }
    for c in &abandoned {
        assert!(c.answered_at.is_none(), "{c:?}");
        assert!(c.talk_s.is_none(), "{c:?}");
        assert!(c.resolved_first_contact.is_none(), "{c:?}");
    }
    assert_eq!(
        calls
            .iter()
            .filter(|c| c.resolved_first_contact == Some(true))
            .count(),
        3646
    );
    for s in &surveys {
        assert_eq!(s.survey, SurveyKind::Csat);
        assert!((1..=5).contains(&s.score));
        assert_eq!(s.id, format!("{}-csat", s.call_id.as_deref().unwrap()));
    }
    // Each survey follows its call in file order.
    assert_eq!(all.records[0].id(), "ID0001");
    assert_eq!(all.records[1].id(), "ID0001-csat");
}

#[test]
fn spot_check_id0001() {
    let Some(file) = dataset() else { return };
    let all = read(&file, options(Some("Europe/Zurich"))).unwrap();
    let Record::Call(call) = &all.records[0] else {
        panic!("{:?}", all.records[0])
    };
    assert_eq!(call.id, "ID0001");
    assert_eq!(call.agent_id.as_deref(), Some("Diane"));
    assert_eq!(call.queue.as_deref(), Some("Contract related"));
    assert_eq!(call.outcome, Outcome::Answered);
    // 2021-01-01 09:12:58 in Zurich (CET, +01:00 in winter).
    assert_eq!(
        call.queued_at.unwrap().to_string(),
        "2021-01-01T09:12:58+01:00"
    );
    // Answered 109 s later.
    assert_eq!(
        call.answered_at.unwrap().to_string(),
        "2021-01-01T09:14:47+01:00"
    );
    assert_eq!(call.talk_s, Some(143.0));
    assert_eq!(call.resolved_first_contact, Some(true));
    let Record::Survey(csat) = &all.records[1] else {
        panic!("{:?}", all.records[1])
    };
    assert_eq!(csat.id, "ID0001-csat");
    assert_eq!(csat.survey, SurveyKind::Csat);
    assert_eq!(csat.score, 3);
    assert_eq!(csat.call_id.as_deref(), Some("ID0001"));
    assert_eq!(csat.agent_id.as_deref(), Some("Diane"));
    assert_eq!(csat.at, call.answered_at.unwrap());

    // The same row in another zone is another instant.
    let ny = read(&file, options(Some("America/New_York"))).unwrap();
    let Record::Call(c) = &ny.records[0] else {
        panic!()
    };
    assert_eq!(
        c.queued_at.unwrap().to_string(),
        "2021-01-01T09:12:58-05:00"
    );
}

#[test]
fn an_abandoned_call_has_no_answer_and_no_survey() {
    let Some(file) = dataset() else { return };
    let all = read(&file, options(Some("UTC"))).unwrap();
    let i = all
        .records
        .iter()
        .position(|r| matches!(r, Record::Call(c) if c.outcome == Outcome::Abandoned))
        .unwrap();
    let Record::Call(c) = &all.records[i] else {
        unreachable!()
    };
    assert!(c.answered_at.is_none());
    assert!(c.queued_at.unwrap().to_string().ends_with('Z'));
    // The next record is the next call, not a survey.
    assert!(matches!(&all.records[i + 1], Record::Call(_)));
}

#[test]
fn the_mapping_needs_a_time_zone() {
    let Some(file) = dataset() else { return };
    let err = read(&file, options(None)).unwrap_err();
    assert!(matches!(err, IngestError::NoTimeZone { .. }), "{err}");
    let text = err.to_string();
    assert!(text.contains("call-centre-trends"), "{text}");
    assert!(text.contains("--tz"), "{text}");
    assert!(text.contains("queued_at"), "{text}");
}

#[test]
fn the_mapping_is_listed_and_its_source_shipped() {
    let list = builtin_mappings();
    assert!(
        list.iter()
            .any(|(n, d)| *n == "call-centre-trends" && !d.is_empty())
    );
    let text = builtin_mapping_source("call-centre-trends").unwrap();
    assert!(text.contains("[[also]]"));
    assert!(builtin_mapping_source("nope").is_none());
}
