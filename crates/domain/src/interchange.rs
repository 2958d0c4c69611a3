//! Reading records from the JSON interchange format (JSON Lines files, API batches, rows a CSV
//! mapping turned into JSON), with errors that name the record, the field and the reason.

use std::collections::HashMap;
use std::fmt;

use serde::Deserialize;
use serde::de::DeserializeOwned;

use crate::records::{Record, RecordKind};
use crate::validation::Problems;

/// Where a record was found: a line of a JSON Lines file, a row of a CSV file, or an index in a
/// batch.
#[derive(Clone, Copy, Debug, PartialEq, Eq, Hash)]
pub enum Position {
    /// 1-based line of a JSON Lines file.
    Line(usize),
    /// 1-based line of a CSV file (the header is line 1).
    Row(usize),
    /// 0-based index in a JSON batch.
    Index(usize),
}

impl fmt::Display for Position {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        match self {
            Position::Line(n) | Position::Row(n) => write!(f, "line {n}"),
            Position::Index(n) => write!(f, "record {n}"),
        }
    }
}

/// One reason a record was rejected.
#[derive(Clone, Debug, PartialEq, Eq)]
pub struct RecordError {
    pub position: Position,
    pub kind: Option<RecordKind>,
    pub id: Option<String>,
    /// The field at fault (`events[2].at`), or `None` when the whole record is at fault.
    pub field: Option<String>,
    pub reason: String,
}

impl fmt::Display for RecordError {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        write!(f, "{}", self.position)?;
        match (&self.kind, &self.id) {
            (Some(k), Some(id)) => write!(f, " ({k} {id})")?,
            (Some(k), None) => write!(f, " ({k})")?,
            (None, Some(id)) => write!(f, " (id {id})")?,
            (None, None) => {}
        }
        match &self.field {
            Some(field) => write!(f, ": field `{field}`: {}", self.reason),
            None => write!(f, ": {}", self.reason),
        }
    }
}

impl std::error::Error for RecordError {}

impl RecordError {
    pub fn new(position: Position, field: Option<&str>, reason: impl Into<String>) -> Self {
        Self {
            position,
            kind: None,
            id: None,
            field: field.map(str::to_string),
            reason: reason.into(),
        }
    }

    fn about(mut self, kind: Option<RecordKind>, id: Option<String>) -> Self {
        self.kind = kind;
        self.id = id;
        self
    }
}

/// The `kind` and `id` of a record, read before the rest so every error can name them.
#[derive(Deserialize)]
struct Head {
    #[serde(default)]
    kind: Option<serde_json::Value>,
    #[serde(default)]
    id: Option<serde_json::Value>,
}

/// Read one record from the bytes of one JSON Lines line.
///
/// `default_kind` applies when the line has no `kind` field (a single-kind file imported with
/// `--kind`). Bytes that are not UTF-8, JSON that is not an object, unknown fields, wrong types,
/// unknown vocabulary values and every validation problem are errors naming the field.
pub fn parse_record(
    bytes: &[u8],
    position: Position,
    default_kind: Option<RecordKind>,
) -> Result<Record, Vec<RecordError>> {
    let text = std::str::from_utf8(bytes).map_err(|e| {
        vec![RecordError::new(
            position,
            None,
            format!(
                "not valid UTF-8: invalid byte at offset {} of the line",
                e.valid_up_to()
            ),
        )]
    })?;
    // Files CareKPI writes (and most others) put `kind` first: read it from the prefix and
    // leave the full reading of the head for when there is an error to report.
    if let Some(kind) = sniff_kind(text) {
        let mut de = serde_json::Deserializer::from_str(text);
        if let Ok(record) = typed(kind, &mut de) {
            return finish(record, position, kind, None);
        }
        // Fall through: the full reading below names the id and the problem.
    }
    let head: Head = serde_json::from_str(text).map_err(|e| {
        vec![RecordError::new(
            position,
            None,
            format!("not a JSON object: {}", strip_location(&e.to_string())),
        )]
    })?;
    let (kind, id) = resolve_head(head, position, default_kind)?;
    let mut de = serde_json::Deserializer::from_str(text);
    let record = typed(kind, &mut de).map_err(|e| vec![e.at(position, kind, id.clone())])?;
    finish(record, position, kind, id)
}

/// The record kind of a line that starts `{"kind":"…",`, as CareKPI writes them.
fn sniff_kind(text: &str) -> Option<RecordKind> {
    let rest = text.strip_prefix("{\"kind\":\"")?;
    let end = rest.find('"')?;
    if !rest[end + 1..].starts_with(',') {
        return None;
    }
    rest[..end].parse().ok()
}

fn head_id(head: &Head) -> Option<String> {
    match &head.id {
        Some(serde_json::Value::String(s)) => Some(s.clone()),
        Some(serde_json::Value::Number(n)) => Some(n.to_string()),
        _ => None,
    }
}

/// Read one record from a JSON value (an element of an API batch, a mapped CSV row).
pub fn parse_record_value(
    value: &serde_json::Value,
    position: Position,
    default_kind: Option<RecordKind>,
) -> Result<Record, Vec<RecordError>> {
    let serde_json::Value::Object(map) = value else {
        return Err(vec![RecordError::new(position, None, "not a JSON object")]);
    };
    let head = Head {
        kind: map.get("kind").cloned(),
        id: map.get("id").cloned(),
    };
    let (kind, id) = resolve_head(head, position, default_kind)?;
    let record = typed(kind, value).map_err(|e| vec![e.at(position, kind, id.clone())])?;
    finish(record, position, kind, id)
}

fn resolve_head(
    head: Head,
    position: Position,
    default_kind: Option<RecordKind>,
) -> Result<(RecordKind, Option<String>), Vec<RecordError>> {
    let id = head_id(&head);
    let kind = match head.kind {
        Some(serde_json::Value::String(k)) => k.parse::<RecordKind>().map_err(|reason| {
            vec![RecordError::new(position, Some("kind"), reason).about(None, id.clone())]
        })?,
        Some(other) => {
            return Err(vec![
                RecordError::new(
                    position,
                    Some("kind"),
                    format!("must be a string naming the record kind, found {other}"),
                )
                .about(None, id),
            ]);
        }
        None => default_kind.ok_or_else(|| {
            vec![
                RecordError::new(
                    position,
                    Some("kind"),
                    "missing: say which kind of record this is (case, call, survey …), or import a single-kind file with --kind",
                )
                .about(None, id.clone()),
            ]
        })?,
    };
    Ok((kind, id))
}

fn finish(
    record: Record,
    position: Position,
    kind: RecordKind,
    id: Option<String>,
) -> Result<Record, Vec<RecordError>> {
    let mut problems = Problems::new();
    record.validate(&mut problems);
    if problems.is_empty() {
        return Ok(record);
    }
    let id = id.or_else(|| Some(record.id().into_owned()));
    Err(problems
        .into_vec()
        .into_iter()
        .map(|p| RecordError::new(position, Some(&p.field), p.reason).about(Some(kind), id.clone()))
        .collect())
}

/// A deserialisation failure before validation: the field path and the reason.
struct TypeError {
    field: Option<String>,
    reason: String,
}

impl TypeError {
    fn at(self, position: Position, kind: RecordKind, id: Option<String>) -> RecordError {
        RecordError {
            position,
            kind: Some(kind),
            id,
            field: self.field,
            reason: self.reason,
        }
    }
}

fn typed<'de, D>(kind: RecordKind, de: D) -> Result<Record, TypeError>
where
    D: serde::Deserializer<'de>,
    D::Error: fmt::Display,
{
    fn go<'de, T, D>(de: D) -> Result<T, TypeError>
    where
        T: DeserializeOwned,
        D: serde::Deserializer<'de>,
        D::Error: fmt::Display,
    {
        let mut unknown: Vec<String> = Vec::new();
        let mut on_ignored = |path: serde_ignored::Path<'_>| {
            let path = path.to_string();
            if path != "kind" {
                unknown.push(path);
            }
        };
        let ignored = serde_ignored::Deserializer::new(de, &mut on_ignored);
        let value: T = serde_path_to_error::deserialize(ignored).map_err(|e| {
            let path = e.path().to_string();
            let message = strip_location(&e.inner().to_string());
            // serde reports a missing field at the struct that lacks it; name the field itself.
            if let Some(name) = message
                .strip_prefix("missing field `")
                .and_then(|rest| rest.strip_suffix('`'))
            {
                let field = if path == "." {
                    name.to_string()
                } else {
                    format!("{path}.{name}")
                };
                return TypeError {
                    field: Some(field),
                    reason: "missing: this field is required".into(),
                };
            }
            let field = (path != "." && path != "?").then_some(path);
            TypeError {
                field,
                reason: message,
            }
        })?;
        if let Some(first) = unknown.into_iter().next() {
            return Err(TypeError {
                field: Some(first),
                reason: "unknown field (check its spelling against the data model)".into(),
            });
        }
        Ok(value)
    }
    Ok(match kind {
        RecordKind::Team => Record::Team(go(de)?),
        RecordKind::Agent => Record::Agent(go(de)?),
        RecordKind::Customer => Record::Customer(go(de)?),
        RecordKind::Case => Record::Case(go(de)?),
        RecordKind::Call => Record::Call(go(de)?),
        RecordKind::Chat => Record::Chat(go(de)?),
        RecordKind::Survey => Record::Survey(go(de)?),
        RecordKind::Servqual => Record::Servqual(go(de)?),
        RecordKind::QaReview => Record::QaReview(go(de)?),
        RecordKind::Feedback => Record::Feedback(go(de)?),
        RecordKind::PlatformReview => Record::PlatformReview(go(de)?),
        RecordKind::Engagement => Record::Engagement(go(de)?),
        RecordKind::Order => Record::Order(go(de)?),
        RecordKind::Presence => Record::Presence(go(de)?),
        RecordKind::StaffingForecast => Record::StaffingForecast(go(de)?),
    })
}

/// serde_json appends " at line 1 column 57" to its messages; the position is ours to give.
fn strip_location(message: &str) -> String {
    match message.rfind(" at line ") {
        Some(i) if message[i..].contains(" column ") => message[..i].to_string(),
        _ => message.to_string(),
    }
}

/// Rejects a second record with the same kind and id inside one batch.
#[derive(Debug, Default)]
pub struct BatchGuard {
    seen: HashMap<(RecordKind, String), Position>,
}

impl BatchGuard {
    pub fn new() -> Self {
        Self::default()
    }

    /// Accept `record` found at `position`, or say where its id was first seen.
    pub fn check(&mut self, record: &Record, position: Position) -> Result<(), RecordError> {
        let kind = record.kind();
        let id = record.id().into_owned();
        match self.seen.get(&(kind, id.clone())) {
            Some(first) => Err(RecordError::new(
                position,
                Some("id"),
                format!(
                    "duplicate id: {first} already has a {kind} with this id in the same batch"
                ),
            )
            .about(Some(kind), Some(id))),
            None => {
                self.seen.insert((kind, id), position);
                Ok(())
            }
        }
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::records::vocab::{Outcome, Status};

    const CASE: &str = r#"{"kind":"case","id":"T-1001","channel":"email","created_at":"2026-03-02T09:15:00+07:00","customer_id":"C-17","team_id":"hcm-1","assignee_id":"a-lan","priority":"high","type":"complaint","tags":["billing"],"events":[{"at":"2026-03-02T09:15:00+07:00","kind":"message","author":"customer","public":true},{"at":"2026-03-02T09:20:00+07:00","kind":"message","author":"system","public":true,"automatic":true},{"at":"2026-03-02T10:05:00+07:00","kind":"message","author":"agent","agent_id":"a-lan","public":true},{"at":"2026-03-02T10:06:00+07:00","kind":"status","status":"pending"},{"at":"2026-03-03T11:01:00+07:00","kind":"status","status":"solved"}]}"#;

    fn one_error(line: &str) -> RecordError {
        let errors = parse_record(line.as_bytes(), Position::Line(7), None).unwrap_err();
        assert_eq!(errors.len(), 1, "{errors:?}");
        errors.into_iter().next().unwrap()
    }

    #[test]
    fn the_data_model_examples_parse_and_round_trip() {
        let examples = [
            CASE,
            r#"{"kind":"call","id":"CL-9","queued_at":"2026-03-02T09:00:05+07:00","answered_at":"2026-03-02T09:00:31+07:00","ended_at":"2026-03-02T09:06:10+07:00","outcome":"answered","queue":"support","agent_id":"a-minh","team_id":"hcm-1","customer_id":"C-3","talk_s":301,"hold_s":20,"wrap_s":45,"resolved_first_contact":true}"#,
            r#"{"kind":"call","id":"CL-10","attempted_at":"2026-03-02T09:01:00+07:00","outcome":"blocked"}"#,
            r#"{"kind":"survey","id":"S-1","survey":"nps","score":9,"at":"2026-03-04T12:00:00+07:00","customer_id":"C-17","case_id":"T-1001"}"#,
            r#"{"kind":"servqual","id":"SQ-1","at":"2026-03-05T10:00:00+07:00","dimension":"reliability","expectation":6,"perception":5}"#,
            r#"{"kind":"qa_review","id":"QA-1","at":"2026-03-05T15:00:00+07:00","case_id":"T-1001","agent_id":"a-lan","reviewer":"a-boss","criteria":[{"name":"greeting","score":4,"max":5,"weight":1},{"name":"accuracy","score":9,"max":10,"weight":2}]}"#,
            r#"{"kind":"agent","id":"a-lan","name":"Nguyễn Thị Lan","team_id":"hcm-1","hired_at":"2025-01-06T00:00:00+07:00"}"#,
            r#"{"kind":"customer","id":"C-17","created_at":"2025-11-20T00:00:00+07:00","acquisition_channel":"referral","segment":"smb"}"#,
            r#"{"kind":"order","id":"O-5","at":"2026-03-06T00:00:00+07:00","customer_id":"C-17","amount":"1250000","currency":"VND"}"#,
        ];
        for line in examples {
            let record = parse_record(line.as_bytes(), Position::Line(1), None)
                .unwrap_or_else(|e| panic!("{line}: {e:?}"));
            let again =
                parse_record(record.to_json_line().as_bytes(), Position::Line(1), None).unwrap();
            assert_eq!(record, again);
        }
        let Record::Case(case) = parse_record(CASE.as_bytes(), Position::Line(1), None).unwrap()
        else {
            panic!("not a case")
        };
        assert_eq!(case.events.len(), 5);
        assert_eq!(case.current_status(), Status::Solved);
        // The system message is automatic and the first message is the customer's: only the
        // 10:05 message is an agent reply.
        let replies: Vec<_> = case.events.iter().filter(|e| e.is_agent_reply()).collect();
        assert_eq!(replies.len(), 1);
        assert_eq!(replies[0].at.to_string(), "2026-03-02T10:05:00+07:00");
    }

    #[test]
    fn missing_required_field_is_named() {
        let e = one_error(r#"{"kind":"call","id":"CL-1","queued_at":"2026-03-02T09:00:05+07:00"}"#);
        assert_eq!(e.position, Position::Line(7));
        assert_eq!(e.kind, Some(RecordKind::Call));
        assert_eq!(e.id.as_deref(), Some("CL-1"));
        assert_eq!(e.field.as_deref(), Some("outcome"));
        assert!(e.reason.contains("missing"), "{e}");
        assert_eq!(
            e.to_string(),
            "line 7 (call CL-1): field `outcome`: missing: this field is required"
        );
    }

    #[test]
    fn missing_field_inside_an_event_names_its_path() {
        let line = CASE.replace(
            r#"{"at":"2026-03-02T10:06:00+07:00","kind":"status","status":"pending"}"#,
            r#"{"kind":"status","status":"pending"}"#,
        );
        let e = one_error(&line);
        assert_eq!(e.field.as_deref(), Some("events[3].at"), "{e}");
    }

    #[test]
    fn wrong_type_is_named() {
        let e = one_error(
            r#"{"kind":"call","id":"CL-1","queued_at":"2026-03-02T09:00:05+07:00","outcome":"abandoned","talk_s":"long"}"#,
        );
        assert_eq!(e.field.as_deref(), Some("talk_s"));
        assert!(e.reason.contains("invalid type: string \"long\""), "{e}");
        assert!(
            !e.reason.contains("column"),
            "serde's own position is dropped: {e}"
        );
    }

    #[test]
    fn unknown_enum_value_is_named() {
        let e = one_error(&CASE.replace(r#""priority":"high""#, r#""priority":"critical""#));
        assert_eq!(e.field.as_deref(), Some("priority"));
        assert!(e.reason.contains("unknown variant `critical`"), "{e}");
        assert!(e.reason.contains("`urgent`"), "lists the valid values: {e}");
        let e = one_error(r#"{"kind":"ticket","id":"X"}"#);
        assert_eq!(e.field.as_deref(), Some("kind"));
        assert!(e.reason.contains("unknown record kind `ticket`"), "{e}");
    }

    #[test]
    fn unknown_field_is_rejected() {
        let e = one_error(&CASE.replace(r#""priority":"high""#, r#""priorty":"high""#));
        assert_eq!(e.field.as_deref(), Some("priorty"));
        assert!(e.reason.contains("unknown field"), "{e}");
    }

    #[test]
    fn timestamp_without_offset_is_rejected() {
        let e = one_error(&CASE.replace(
            r#""created_at":"2026-03-02T09:15:00+07:00""#,
            r#""created_at":"2026-03-02T09:15:00""#,
        ));
        assert_eq!(e.field.as_deref(), Some("created_at"));
        assert!(e.reason.contains("has no UTC offset"), "{e}");
    }

    #[test]
    fn negative_duration_is_rejected() {
        let e = one_error(
            r#"{"kind":"call","id":"CL-1","queued_at":"2026-03-02T09:00:05+07:00","answered_at":"2026-03-02T09:00:15+07:00","outcome":"answered","hold_s":-3}"#,
        );
        assert_eq!(e.field.as_deref(), Some("hold_s"));
        assert!(e.reason.contains("negative duration"), "{e}");
    }

    #[test]
    fn answered_before_queued_is_an_impossible_timeline() {
        let e = one_error(
            r#"{"kind":"call","id":"CL-1","queued_at":"2026-03-02T09:00:05+07:00","answered_at":"2026-03-02T09:00:01+07:00","outcome":"answered"}"#,
        );
        assert_eq!(e.field.as_deref(), Some("answered_at"));
        assert!(e.reason.contains("before queued_at"), "{e}");
        assert!(e.reason.contains("impossible timeline"), "{e}");
    }

    #[test]
    fn agent_reply_and_solve_before_creation_are_impossible() {
        let line = CASE.replace(
            r#"{"at":"2026-03-02T10:05:00+07:00","kind":"message","author":"agent""#,
            r#"{"at":"2026-03-02T09:05:00+07:00","kind":"message","author":"agent""#,
        );
        let e = one_error(&line);
        assert_eq!(e.field.as_deref(), Some("events[2].at"));
        assert!(e.reason.starts_with("an agent reply at"), "{e}");
        let line = CASE.replace(
            r#"{"at":"2026-03-03T11:01:00+07:00","kind":"status","status":"solved"}"#,
            r#"{"at":"2026-03-01T11:01:00+07:00","kind":"status","status":"solved"}"#,
        );
        let e = one_error(&line);
        assert_eq!(e.field.as_deref(), Some("events[4].at"));
        assert!(e.reason.starts_with("a solve at"), "{e}");
    }

    #[test]
    fn score_outside_its_scale_is_rejected() {
        let e = one_error(
            r#"{"kind":"survey","id":"S-1","survey":"csat","score":6,"at":"2026-03-04T12:00:00+07:00"}"#,
        );
        assert_eq!(e.field.as_deref(), Some("score"));
        assert_eq!(e.reason, "6 is outside the csat scale 1–5");
        // A 1–10 CSAT scale makes 6 acceptable.
        let ok = r#"{"kind":"survey","id":"S-1","survey":"csat","score":6,"scale":{"min":1,"max":10},"at":"2026-03-04T12:00:00+07:00"}"#;
        assert!(parse_record(ok.as_bytes(), Position::Line(1), None).is_ok());
        let e = one_error(
            r#"{"kind":"servqual","id":"SQ-1","at":"2026-03-05T10:00:00+07:00","dimension":"empathy","expectation":8,"perception":5}"#,
        );
        assert_eq!(e.field.as_deref(), Some("expectation"));
    }

    #[test]
    fn non_utf8_bytes_are_rejected_with_the_offset() {
        let mut bytes = br#"{"kind":"team","id":"t1","name":"Caf"#.to_vec();
        bytes.push(0xE9);
        bytes.extend_from_slice(br#""}"#);
        let errors = parse_record(&bytes, Position::Line(3), None).unwrap_err();
        assert_eq!(errors[0].position, Position::Line(3));
        assert_eq!(errors[0].field, None);
        assert!(
            errors[0].reason.contains("not valid UTF-8"),
            "{}",
            errors[0]
        );
        assert!(errors[0].reason.contains("offset 36"), "{}", errors[0]);
    }

    #[test]
    fn every_problem_of_a_record_is_reported() {
        let errors = parse_record(
            br#"{"kind":"call","id":"CL-1","queued_at":"2026-03-02T09:00:05+07:00","outcome":"abandoned","answered_at":"2026-03-02T09:00:01+07:00","talk_s":-1}"#,
            Position::Index(4),
            None,
        )
        .unwrap_err();
        let fields: Vec<_> = errors.iter().map(|e| e.field.clone().unwrap()).collect();
        assert_eq!(fields, ["talk_s", "answered_at", "answered_at"]);
        assert!(errors[0].to_string().starts_with("record 4 (call CL-1)"));
    }

    #[test]
    fn default_kind_applies_only_without_a_kind_field() {
        let line = br#"{"id":"CL-2","attempted_at":"2026-03-02T09:01:00Z","outcome":"blocked"}"#;
        let record = parse_record(line, Position::Line(1), Some(RecordKind::Call)).unwrap();
        let Record::Call(call) = record else { panic!() };
        assert_eq!(call.outcome, Outcome::Blocked);
        let e = parse_record(line, Position::Line(1), None).unwrap_err();
        assert_eq!(e[0].field.as_deref(), Some("kind"));
        assert!(e[0].reason.contains("--kind"), "{}", e[0]);
    }

    #[test]
    fn duplicate_ids_in_one_batch_name_the_first_line() {
        let mut guard = BatchGuard::new();
        let record = parse_record(CASE.as_bytes(), Position::Line(1), None).unwrap();
        guard.check(&record, Position::Line(2)).unwrap();
        let e = guard.check(&record, Position::Line(9)).unwrap_err();
        assert_eq!(e.position, Position::Line(9));
        assert_eq!(
            e.to_string(),
            "line 9 (case T-1001): field `id`: duplicate id: line 2 already has a case with this id in the same batch"
        );
        // The same id in another kind is a different record.
        let call = parse_record(
            br#"{"kind":"call","id":"T-1001","attempted_at":"2026-03-02T09:01:00Z","outcome":"blocked"}"#,
            Position::Line(3),
            None,
        )
        .unwrap();
        guard.check(&call, Position::Line(3)).unwrap();
    }

    #[test]
    fn a_value_from_an_api_batch_is_read_like_a_line() {
        let value: serde_json::Value = serde_json::from_str(CASE).unwrap();
        let from_value = parse_record_value(&value, Position::Index(0), None).unwrap();
        let from_line = parse_record(CASE.as_bytes(), Position::Line(1), None).unwrap();
        assert_eq!(from_value, from_line);
        let e =
            parse_record_value(&serde_json::json!([1, 2]), Position::Index(3), None).unwrap_err();
        assert_eq!(e[0].to_string(), "record 3: not a JSON object");
    }
}
