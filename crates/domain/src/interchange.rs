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
    let id = match head.id {
        Some(serde_json::Value::String(s)) => Some(s),
        Some(serde_json::Value::Number(n)) => Some(n.to_string()),
        _ => None,
    };
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
            let field = (path != ".").then_some(path);
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
