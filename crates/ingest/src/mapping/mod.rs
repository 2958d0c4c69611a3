//! Column mappings: a small declarative TOML language that turns each CSV row into one or more
//! JSON objects of the interchange format (documented in `docs/import.md`).
//!
//! A mapping is read in two steps: [`Mapping::parse`] checks the TOML against the record kinds'
//! fields (unknown keys, unknown fields, contradicting options, cycles, format strings that
//! cannot work are [`IngestError::BadMapping`], naming the line of the mapping file), then
//! [`Mapping::bind`] finds every column it reads in the CSV header
//! ([`IngestError::MissingColumns`], naming the line that reads each missing column).
//! [`Mapping::row`] then turns one row into records (or a part of a grouped record, or a skip).

mod cond;
mod eval;
mod spans;

use std::collections::HashMap;
use std::path::Path;

use carekpi_domain::RecordKind;
use carekpi_domain::records::{Field, FieldType};
use jiff::tz::TimeZone;
use serde::Deserialize;
use serde_json::Value;

use crate::IngestError;
use crate::convert::{self, DurationUnit, FormatUse};
use crate::error::a_kind;
pub(crate) use cond::Cond;
pub(crate) use eval::{GroupAcc, RowOut};
use spans::Lines;

/// The built-in mappings: name, one-line description, TOML source.
pub(crate) const BUILTIN: &[(&str, &str, &str)] = &[
    (
        "call-centre-trends",
        "PwC \"Call Centre Trends\" call-centre export (Call Id, Agent, Date, Time, Topic, Answered (Y/N), Resolved, Speed of answer in seconds, AvgTalkDuration, Satisfaction rating): one call per row plus a CSAT survey when rated; needs --tz",
        include_str!("../../mappings/call-centre-trends.toml"),
    ),
    (
        "anonymous-bank",
        "Call-by-call log of the \"Anonymous Bank\" call centre (Technion SEE; tab-separated, YYMMDD dates, H:MM:SS times in Asia/Jerusalem, 0:00:00 = did not happen): one call per row; phantom calls and calls that left in the IVR are skipped",
        include_str!("../../mappings/anonymous-bank.toml"),
    ),
    (
        "italian-helpdesk",
        "Event log of an Italian company's help desk (4TU, finale.csv: Case ID, Activity, Resource, Complete Timestamp in Europe/Rome …): the rows of a Case ID become one web case, each activity an event",
        include_str!("../../mappings/italian-helpdesk.toml"),
    ),
];

/// Separators of a list cell when the mapping names none.
const DEFAULT_SEPARATORS: &str = ";,";
const DEFAULT_DATE_FORMAT: &str = "%Y-%m-%d";
const DEFAULT_TIME_FORMAT: &str = "%H:%M:%S";

// ---------------------------------------------------------------------------------------------
// The TOML as written.

#[derive(Deserialize)]
#[serde(deny_unknown_fields)]
struct RawMapping {
    #[serde(default)]
    #[allow(dead_code)]
    name: Option<String>,
    #[serde(default)]
    #[allow(dead_code)]
    description: Option<String>,
    kind: String,
    #[serde(default)]
    delimiter: Option<String>,
    #[serde(default)]
    quote: Option<String>,
    #[serde(default)]
    escape: Option<String>,
    #[serde(default)]
    time_zone: Option<String>,
    #[serde(default)]
    date_format: Option<String>,
    #[serde(default)]
    time_format: Option<String>,
    #[serde(default)]
    absent: toml::Table,
    #[serde(default)]
    skip: Vec<RawSkip>,
    #[serde(default)]
    group: Option<RawGroup>,
    fields: toml::Table,
    #[serde(default)]
    events: Vec<RawItems>,
    #[serde(default)]
    messages: Vec<RawItems>,
    #[serde(default)]
    also: Vec<RawAlso>,
}

#[derive(Deserialize)]
#[serde(deny_unknown_fields)]
struct RawSkip {
    reason: String,
    when: toml::Value,
}

#[derive(Deserialize)]
#[serde(deny_unknown_fields)]
struct RawGroup {
    by: String,
    #[serde(default)]
    last: Vec<String>,
}

#[derive(Deserialize)]
#[serde(deny_unknown_fields)]
struct RawItems {
    #[serde(default)]
    when: Option<toml::Value>,
    #[serde(default)]
    once: bool,
    fields: toml::Table,
}

#[derive(Deserialize)]
#[serde(deny_unknown_fields)]
struct RawAlso {
    kind: String,
    #[serde(default)]
    when: Option<toml::Value>,
    fields: toml::Table,
}

#[derive(Deserialize, Default)]
#[serde(deny_unknown_fields)]
struct RawField {
    column: Option<String>,
    value: Option<toml::Value>,
    template: Option<String>,
    date: Option<String>,
    time: Option<String>,
    from: Option<toml::Value>,
    map: Option<toml::Table>,
    otherwise: Option<toml::Value>,
    format: Option<String>,
    date_format: Option<String>,
    time_format: Option<String>,
    plus_seconds: Option<toml::Value>,
    duration: Option<String>,
    separator: Option<String>,
    when: Option<toml::Value>,
}

// ---------------------------------------------------------------------------------------------
// The mapping, checked.

/// A column the mapping reads: its header name, its index once bound to a header, and the line
/// of the mapping that reads it.
#[derive(Clone, Debug)]
pub(crate) struct Col {
    name: String,
    index: usize,
    line: Option<usize>,
}

#[derive(Debug)]
enum Then {
    /// By the field's type.
    Type,
    Duration(DurationUnit),
    /// A strptime format (timestamps).
    Format(String),
}

/// How a text (a cell, a filled template) becomes the field's value.
#[derive(Debug)]
struct Conv {
    map: Option<HashMap<String, Value>>,
    /// The value of a text the map does not list.
    otherwise: Option<Value>,
    /// The line of `map` in the mapping file (for the message about a value it lacks).
    map_line: Option<usize>,
    then: Then,
    separators: String,
}

#[derive(Debug)]
enum Part {
    Text(String),
    Col(Col),
}

#[derive(Debug)]
enum Source {
    Column {
        col: Col,
        conv: Conv,
    },
    Template {
        text: String,
        parts: Vec<Part>,
        conv: Conv,
    },
    Const(Value),
    Local {
        date: Col,
        date_format: String,
        time: Option<Col>,
        time_format: String,
    },
    /// Fields of the primary record, first present wins: their names, then (once resolved) their
    /// indexes in the primary record's evaluation order.
    From {
        names: Vec<String>,
        indexes: Vec<usize>,
    },
}

#[derive(Debug)]
enum Plus {
    Col(Col),
    Seconds(f64),
}

/// One way to build a field: the first rule whose `when` holds is used.
#[derive(Debug)]
struct Rule {
    source: Source,
    plus: Option<Plus>,
    when: Option<Cond>,
}

#[derive(Debug)]
struct FieldPlan {
    name: &'static str,
    ty: FieldType,
    rules: Vec<Rule>,
    /// Grouped rows: take the last value present among the group's rows (else the first).
    last: bool,
}

#[derive(Debug)]
struct RecordPlan {
    kind: RecordKind,
    when: Option<Cond>,
    fields: Vec<FieldPlan>,
}

/// One `[[events]]` (or `[[messages]]`) block: an item of the record's list built from a row.
#[derive(Debug)]
struct ItemBlock {
    when: Option<Cond>,
    /// Only on the first row of a group (every row when the mapping does not group).
    once: bool,
    fields: Vec<FieldPlan>,
}

/// The list field a mapping builds from its rows: a case's `events` or a chat's `messages`.
#[derive(Debug)]
struct Items {
    field: &'static str,
    blocks: Vec<ItemBlock>,
}

#[derive(Debug)]
struct Skip {
    reason: String,
    when: Cond,
}

#[derive(Debug)]
struct Sentinels {
    col: Col,
    values: Vec<String>,
}

/// How the CSV file is split into cells.
#[derive(Clone, Copy, Debug)]
pub(crate) struct Dialect {
    pub delimiter: Option<u8>,
    /// `None`: no quoting at all (quote characters are part of the cells).
    pub quote: Option<u8>,
    pub escape: Option<u8>,
}

impl Default for Dialect {
    fn default() -> Self {
        Dialect {
            delimiter: None,
            quote: Some(b'"'),
            escape: None,
        }
    }
}

/// A column mapping, checked, and (after [`Mapping::bind`]) bound to a CSV header.
#[derive(Debug)]
pub(crate) struct Mapping {
    /// How messages name it: the built-in name, the file's path, or `generic <kind>`.
    pub name: String,
    pub kind: RecordKind,
    pub dialect: Dialect,
    pub time_zone: Option<TimeZone>,
    absent: Vec<Sentinels>,
    /// Once bound: the `[absent]` values of each header column, by index.
    sentinels: Vec<Vec<String>>,
    skips: Vec<Skip>,
    /// Rows with the same value in this column are one record.
    group: Option<Col>,
    primary: RecordPlan,
    items: Option<Items>,
    also: Vec<RecordPlan>,
}

/// One cell of a row, as a mapping sees it.
#[derive(Clone, Copy, Debug)]
pub(crate) enum Cell<'a> {
    Empty,
    Text(&'a str),
    /// One of the column's `[absent]` values: no value, written as this.
    Absent(&'a str),
    /// Not UTF-8: the offset of the first bad byte.
    BadUtf8(usize),
}

impl<'a> Cell<'a> {
    /// Read a raw cell: UTF-8, trimmed; empty (or only whitespace) is absent.
    pub(crate) fn read(bytes: &'a [u8]) -> Self {
        match std::str::from_utf8(bytes) {
            Ok(text) => {
                let text = text.trim();
                if text.is_empty() {
                    Cell::Empty
                } else {
                    Cell::Text(text)
                }
            }
            Err(e) => Cell::BadUtf8(e.valid_up_to()),
        }
    }

    /// Whether the cell holds a value (a cell that is not UTF-8 holds one, which cannot be read).
    fn has_value(self) -> bool {
        matches!(self, Cell::Text(_) | Cell::BadUtf8(_))
    }

    /// The cell as written (trimmed; empty is ""); `None` when it is not UTF-8.
    fn written(self) -> Option<&'a str> {
        match self {
            Cell::Empty => Some(""),
            Cell::Text(t) | Cell::Absent(t) => Some(t),
            Cell::BadUtf8(_) => None,
        }
    }
}

/// The fields of a case event and of a chat message, as a mapping's `[[events]]` /
/// `[[messages]]` blocks write them.
const EVENT_FIELDS: &[Field] = &[
    field("at", FieldType::Timestamp, true),
    field("kind", FieldType::Vocabulary, true),
    field("author", FieldType::Vocabulary, false),
    field("public", FieldType::Boolean, false),
    field("automatic", FieldType::Boolean, false),
    field("agent_id", FieldType::Text, false),
    field("team_id", FieldType::Text, false),
    field("status", FieldType::Vocabulary, false),
];

const MESSAGE_FIELDS: &[Field] = &[
    field("at", FieldType::Timestamp, true),
    field("author", FieldType::Vocabulary, true),
    field("agent_id", FieldType::Text, false),
    field("automatic", FieldType::Boolean, false),
];

const fn field(name: &'static str, ty: FieldType, required: bool) -> Field {
    Field { name, ty, required }
}

/// The list field a kind builds from `[[events]]` or `[[messages]]` blocks: (TOML key = field
/// name, what an item is called, its fields).
fn item_shape(kind: RecordKind) -> Option<(&'static str, &'static str, &'static [Field])> {
    match kind {
        RecordKind::Case => Some(("events", "case event", EVENT_FIELDS)),
        RecordKind::Chat => Some(("messages", "chat message", MESSAGE_FIELDS)),
        _ => None,
    }
}

/// The mapping file being checked: its name for messages, where each key is written, and its
/// defaults.
pub(crate) struct Doc<'a> {
    source_name: &'a str,
    lines: Lines,
    date_format: String,
    time_format: String,
}

impl Doc<'_> {
    /// A problem at `path` of the mapping (`fields.queued_at`), with that key's line.
    fn bad(&self, path: &str, reason: impl std::fmt::Display) -> IngestError {
        self.bad_plain(path, format!("{path}: {reason}"))
    }

    /// A problem with the line of `path`, the reason as given.
    fn bad_plain(&self, path: &str, reason: impl Into<String>) -> IngestError {
        IngestError::BadMapping {
            source_name: self.source_name.to_string(),
            line: self.lines.line(path),
            reason: reason.into(),
        }
    }

    /// A column named at `path`.
    fn col(&self, name: &str, path: &str) -> Col {
        Col {
            name: name.trim().to_string(),
            index: usize::MAX,
            line: self.lines.line(path),
        }
    }
}

fn names(items: impl IntoIterator<Item = impl AsRef<str>>) -> String {
    items
        .into_iter()
        .map(|s| format!("`{}`", s.as_ref()))
        .collect::<Vec<_>>()
        .join(", ")
}

fn toml_to_json(value: &toml::Value) -> Value {
    match value {
        toml::Value::String(s) => Value::String(s.clone()),
        toml::Value::Integer(i) => Value::from(*i),
        toml::Value::Float(f) => convert::number_value(*f),
        toml::Value::Boolean(b) => Value::Bool(*b),
        toml::Value::Datetime(d) => Value::String(d.to_string()),
        toml::Value::Array(items) => Value::Array(items.iter().map(toml_to_json).collect()),
        toml::Value::Table(t) => Value::Object(
            t.iter()
                .map(|(k, v)| (k.clone(), toml_to_json(v)))
                .collect(),
        ),
    }
}

/// The record (or item) whose fields a `fields` table sets: how messages call it, its fields.
struct Shape {
    /// "a call", "a case event".
    what: String,
    fields: &'static [Field],
}

impl Shape {
    fn record(kind: RecordKind) -> Shape {
        Shape {
            what: a_kind(kind),
            fields: kind.fields(),
        }
    }
}

fn parse_template(text: &str, doc: &Doc<'_>, path: &str) -> Result<Vec<Part>, String> {
    let mut parts = Vec::new();
    let mut literal = String::new();
    let mut chars = text.chars().peekable();
    while let Some(c) = chars.next() {
        match c {
            '{' if chars.peek() == Some(&'{') => {
                chars.next();
                literal.push('{');
            }
            '}' if chars.peek() == Some(&'}') => {
                chars.next();
                literal.push('}');
            }
            '{' => {
                let mut name = String::new();
                loop {
                    match chars.next() {
                        Some('}') => break,
                        Some(c) => name.push(c),
                        None => return Err(format!("template `{text}` has an unclosed `{{`")),
                    }
                }
                if name.trim().is_empty() {
                    return Err(format!("template `{text}` has an empty `{{}}`"));
                }
                if !literal.is_empty() {
                    parts.push(Part::Text(std::mem::take(&mut literal)));
                }
                parts.push(Part::Col(doc.col(&name, path)));
            }
            '}' => {
                return Err(format!(
                    "template `{text}` has a lone `}}` (write `}}}}` for a brace)"
                ));
            }
            c => literal.push(c),
        }
    }
    if !literal.is_empty() {
        parts.push(Part::Text(literal));
    }
    Ok(parts)
}

/// Check a strptime format where it is written (`path`), for what it must give.
fn checked_format(
    doc: &Doc<'_>,
    path: &str,
    key: &str,
    format: &str,
    used: FormatUse,
) -> Result<String, IngestError> {
    if format.trim().is_empty() {
        return Err(doc.bad(path, format!("`{key}` is empty")));
    }
    convert::check_format(format, used).map_err(|r| doc.bad(path, format!("`{key}`: {r}")))?;
    Ok(format.to_string())
}

/// One rule of a field (`raw` written at `path`). `from` names are left for the caller to
/// resolve.
fn compile_rule(
    doc: &Doc<'_>,
    shape: &Shape,
    field: &'static Field,
    raw: &toml::Value,
    path: &str,
) -> Result<Rule, IngestError> {
    let name = field.name;
    let spec = match raw {
        toml::Value::String(column) => RawField {
            column: Some(column.clone()),
            ..RawField::default()
        },
        toml::Value::Table(t) => RawField::deserialize(toml::Value::Table(t.clone()))
            .map_err(|e| doc.bad(path, e.message()))?,
        other => {
            return Err(doc.bad(
                path,
                format!(
                    "write a column name (\"Call Id\"), a table ({{ column = \"…\" }}, {{ value = … }} …) or a list of such tables with `when` (the first whose `when` holds is used), not a {}",
                    other.type_str()
                ),
            ));
        }
    };
    let sources: Vec<&str> = [
        ("column", spec.column.is_some()),
        ("value", spec.value.is_some()),
        ("template", spec.template.is_some()),
        ("date", spec.date.is_some()),
        ("from", spec.from.is_some()),
    ]
    .iter()
    .filter(|(_, set)| *set)
    .map(|(k, _)| *k)
    .collect();
    match sources.len() {
        0 => {
            return Err(doc.bad(
                path,
                "say where the value comes from: one of `column`, `value`, `template`, `date` (+ `time`) or `from`",
            ));
        }
        1 => {}
        _ => {
            return Err(doc.bad(path, format!("give only one of {}", names(&sources))));
        }
    }
    let is_ts = field.ty == FieldType::Timestamp;
    let only = |set: bool, key: &str, what: &str| -> Result<(), IngestError> {
        if set {
            Err(doc.bad(path, format!("`{key}` {what}")))
        } else {
            Ok(())
        }
    };
    only(
        spec.time.is_some() && spec.date.is_none(),
        "time",
        "needs `date` (the column of the day)",
    )?;
    only(
        (spec.date_format.is_some() || spec.time_format.is_some()) && spec.date.is_none(),
        "date_format/time_format",
        "go with `date` (and `time`); for one column holding date and time use `format`",
    )?;
    only(
        !is_ts && (spec.date.is_some() || spec.format.is_some() || spec.plus_seconds.is_some()),
        "date/format/plus_seconds",
        &format!(
            "apply to timestamp fields only; `{name}` of {} is not a timestamp",
            shape.what
        ),
    )?;
    only(
        spec.duration.is_some() && !matches!(field.ty, FieldType::Number | FieldType::Integer),
        "duration",
        &format!(
            "applies to number fields only (seconds); `{name}` of {} is not a number",
            shape.what
        ),
    )?;
    only(
        spec.separator.is_some() && field.ty != FieldType::TextList,
        "separator",
        &format!("applies to list fields only; `{name}` is not a list"),
    )?;
    let transforms = spec.map.is_some() || spec.format.is_some() || spec.duration.is_some();
    only(
        transforms && spec.column.is_none() && spec.template.is_none(),
        "map/format/duration",
        "apply to `column` or `template` values only",
    )?;
    only(
        spec.otherwise.is_some() && spec.map.is_none(),
        "otherwise",
        "goes with `map` (the value of a cell the map does not list)",
    )?;
    only(
        spec.format.is_some() && spec.duration.is_some(),
        "format",
        "and `duration` exclude each other",
    )?;

    let then = match (&spec.format, &spec.duration) {
        (Some(format), _) => Then::Format(checked_format(
            doc,
            path,
            "format",
            format,
            FormatUse::Timestamp,
        )?),
        (None, Some(d)) => Then::Duration(DurationUnit::parse(d).ok_or_else(|| {
            doc.bad(
                path,
                format!(
                    "unknown duration `{d}`, expected one of {}",
                    names(DurationUnit::NAMES)
                ),
            )
        })?),
        (None, None) => Then::Type,
    };
    let map = match &spec.map {
        None => None,
        Some(table) => {
            if table.is_empty() {
                return Err(doc.bad(path, "`map` is empty"));
            }
            Some(
                table
                    .iter()
                    .map(|(k, v)| (k.trim().to_string(), toml_to_json(v)))
                    .collect(),
            )
        }
    };
    let separators = spec
        .separator
        .clone()
        .unwrap_or_else(|| DEFAULT_SEPARATORS.to_string());
    if separators.is_empty() {
        return Err(doc.bad(path, "`separator` is empty"));
    }
    let conv = Conv {
        map,
        otherwise: spec.otherwise.as_ref().map(toml_to_json),
        map_line: doc.lines.line(&format!("{path}.map")),
        then,
        separators,
    };

    let source = if let Some(column) = &spec.column {
        Source::Column {
            col: doc.col(column, &format!("{path}.column")),
            conv,
        }
    } else if let Some(text) = &spec.template {
        let at = format!("{path}.template");
        Source::Template {
            text: text.clone(),
            parts: parse_template(text, doc, &at).map_err(|r| doc.bad(path, r))?,
            conv,
        }
    } else if let Some(value) = &spec.value {
        let json = match value {
            toml::Value::String(s) => convert::by_type(s, field.ty, &conv.separators, None)
                .map_err(|r| doc.bad(path, format!("`value`: {r}")))?,
            other => toml_to_json(other),
        };
        Source::Const(json)
    } else if let Some(date) = &spec.date {
        let date_format = match &spec.date_format {
            Some(f) => f.clone(),
            None => doc.date_format.clone(),
        };
        let time_format = match &spec.time_format {
            Some(f) => f.clone(),
            None => doc.time_format.clone(),
        };
        Source::Local {
            date: doc.col(date, &format!("{path}.date")),
            date_format: checked_format(doc, path, "date_format", &date_format, FormatUse::Date)?,
            time: spec
                .time
                .as_deref()
                .map(|t| doc.col(t, &format!("{path}.time"))),
            time_format: if spec.time.is_some() {
                checked_format(doc, path, "time_format", &time_format, FormatUse::Time)?
            } else {
                time_format
            },
        }
    } else {
        let how = "`from` names a field of the primary record, or lists several (the first present is taken)";
        let names = match spec.from.as_ref() {
            Some(toml::Value::String(s)) => vec![s.clone()],
            Some(toml::Value::Array(items)) => items
                .iter()
                .map(|v| v.as_str().map(str::to_string))
                .collect::<Option<Vec<_>>>()
                .filter(|v| !v.is_empty())
                .ok_or_else(|| doc.bad(path, how))?,
            _ => return Err(doc.bad(path, how)),
        };
        Source::From {
            names,
            indexes: Vec::new(),
        }
    };
    let plus = match &spec.plus_seconds {
        None => None,
        Some(toml::Value::String(c)) => {
            Some(Plus::Col(doc.col(c, &format!("{path}.plus_seconds"))))
        }
        Some(toml::Value::Integer(i)) => Some(Plus::Seconds(*i as f64)),
        Some(toml::Value::Float(f)) if f.is_finite() => Some(Plus::Seconds(*f)),
        Some(_) => {
            return Err(doc.bad(
                path,
                "`plus_seconds` is a column name or a number of seconds",
            ));
        }
    };
    let when = spec
        .when
        .as_ref()
        .map(|w| Cond::parse(doc, w, &format!("{path}.when")))
        .transpose()?;
    Ok(Rule { source, plus, when })
}

/// One field: a single rule, or a list of alternatives (each but the last with a `when`).
fn compile_field(
    doc: &Doc<'_>,
    shape: &Shape,
    field: &'static Field,
    raw: &toml::Value,
    path: &str,
) -> Result<FieldPlan, IngestError> {
    let rules = match raw {
        toml::Value::Array(items) => {
            if items.is_empty() {
                return Err(doc.bad(
                    path,
                    "an empty list: give one rule, or several { when = …, … } alternatives",
                ));
            }
            let mut rules = Vec::with_capacity(items.len());
            for (i, item) in items.iter().enumerate() {
                let p = format!("{path}[{i}]");
                let rule = compile_rule(doc, shape, field, item, &p)?;
                if rule.when.is_none() && i + 1 < items.len() {
                    return Err(doc.bad(
                        &p,
                        "has no `when`, so the alternatives after it never apply; give it a `when` or put it last",
                    ));
                }
                rules.push(rule);
            }
            rules
        }
        other => vec![compile_rule(doc, shape, field, other, path)?],
    };
    Ok(FieldPlan {
        name: field.name,
        ty: field.ty,
        rules,
        last: false,
    })
}

impl FieldPlan {
    /// The primary fields this one takes values `from`.
    fn sources_from(&self) -> impl Iterator<Item = &str> {
        self.rules
            .iter()
            .flat_map(|r| match &r.source {
                Source::From { names, .. } => names.as_slice(),
                _ => &[],
            })
            .map(String::as_str)
    }
}

/// Compile the `fields` table of one record or item (at `path`). `provided` names a required
/// field the mapping builds another way (a case's `events` from `[[events]]` blocks).
fn compile_fields(
    doc: &Doc<'_>,
    shape: &Shape,
    table: &toml::Table,
    path: &str,
    provided: Option<&str>,
) -> Result<Vec<FieldPlan>, IngestError> {
    let mut out = Vec::new();
    for (name, raw) in table {
        let at = format!("{path}.{name}");
        let field = shape
            .fields
            .iter()
            .find(|f| f.name == name)
            .ok_or_else(|| {
                doc.bad(
                    &at,
                    format!(
                        "{} has no field `{name}`; its fields are {}",
                        shape.what,
                        names(shape.fields.iter().map(|f| f.name))
                    ),
                )
            })?;
        if provided == Some(field.name) {
            return Err(doc.bad(
                &at,
                format!("the `[[{name}]]` blocks build `{name}`; set it in one place only"),
            ));
        }
        out.push(compile_field(doc, shape, field, raw, &at)?);
    }
    let missing: Vec<&str> = shape
        .fields
        .iter()
        .filter(|f| f.required && !table.contains_key(f.name) && provided != Some(f.name))
        .map(|f| f.name)
        .collect();
    if !missing.is_empty() {
        let every = shape.what.split_once(' ').map_or("", |(_, w)| w);
        return Err(doc.bad_plain(
            path,
            format!(
                "{path} sets no {}, which every {every} needs",
                names(&missing)
            ),
        ));
    }
    Ok(out)
}

/// Resolve the `from` names of fields that take values from the primary record.
fn resolve_from(
    doc: &Doc<'_>,
    fields: &mut [FieldPlan],
    path: &str,
    primary: &RecordPlan,
) -> Result<(), IngestError> {
    for f in fields {
        for rule in &mut f.rules {
            if let Source::From {
                names: from,
                indexes,
            } = &mut rule.source
            {
                for n in from.iter() {
                    let Some(j) = primary.fields.iter().position(|p| p.name == n) else {
                        return Err(doc.bad(
                            &format!("{path}.{}", f.name),
                            format!(
                                "`from = \"{n}\"`: the primary {} sets no field `{n}` (it sets {})",
                                primary.kind,
                                names(primary.fields.iter().map(|p| p.name))
                            ),
                        ));
                    };
                    indexes.push(j);
                }
            }
        }
    }
    Ok(())
}

fn parse_kind(doc: &Doc<'_>, path: &str, kind: &str) -> Result<RecordKind, IngestError> {
    kind.parse::<RecordKind>().map_err(|r| doc.bad(path, r))
}

/// One ASCII character (or `\t`), for the delimiter, quote and escape.
fn one_char(doc: &Doc<'_>, key: &str, text: &str) -> Result<u8, IngestError> {
    match text {
        "\\t" | "tab" | "\t" => Ok(b'\t'),
        d if d.len() == 1 && d.is_ascii() && d != "\n" && d != "\r" => Ok(d.as_bytes()[0]),
        d => Err(doc.bad(
            key,
            format!("`{d}` must be one ASCII character (\",\", \";\", \"\\t\", \"|\" …)"),
        )),
    }
}

impl Mapping {
    /// Read and check a mapping written in TOML. `source_name` names it in messages.
    pub(crate) fn parse(source_name: &str, text: &str) -> Result<Mapping, IngestError> {
        let raw: RawMapping = toml::from_str(text).map_err(|e| {
            let line = e
                .span()
                .map(|s| 1 + text[..s.start.min(text.len())].matches('\n').count());
            IngestError::BadMapping {
                source_name: source_name.to_string(),
                line,
                reason: e.to_string().trim_end().to_string(),
            }
        })?;
        let mut doc = Doc {
            source_name,
            lines: Lines::index(text),
            date_format: DEFAULT_DATE_FORMAT.into(),
            time_format: DEFAULT_TIME_FORMAT.into(),
        };
        if let Some(f) = &raw.date_format {
            doc.date_format =
                checked_format(&doc, "date_format", "date_format", f, FormatUse::Date)?;
        }
        if let Some(f) = &raw.time_format {
            doc.time_format =
                checked_format(&doc, "time_format", "time_format", f, FormatUse::Time)?;
        }
        let doc = doc;
        let kind = parse_kind(&doc, "kind", &raw.kind)?;

        let mut dialect = Dialect::default();
        if let Some(d) = &raw.delimiter {
            dialect.delimiter = Some(one_char(&doc, "delimiter", d)?);
        }
        if let Some(q) = &raw.quote {
            dialect.quote = if q.is_empty() {
                None
            } else {
                Some(one_char(&doc, "quote", q)?)
            };
        }
        if let Some(e) = &raw.escape {
            dialect.escape = Some(one_char(&doc, "escape", e)?);
        }
        if dialect.quote.is_some() && dialect.quote == Some(dialect.delimiter.unwrap_or(b',')) {
            return Err(doc.bad("quote", "is the same character as the delimiter"));
        }
        if dialect.delimiter == Some(b'"') && raw.quote.is_none() {
            return Err(doc.bad(
                "delimiter",
                "`\"` is the quote character; set `quote` to another one (or \"\" for none)",
            ));
        }
        let time_zone = raw
            .time_zone
            .as_deref()
            .map(|z| TimeZone::get(z).map_err(|e| doc.bad("time_zone", format!("`{z}`: {e}"))))
            .transpose()?;

        let mut absent = Vec::new();
        for (column, values) in &raw.absent {
            let path = format!("absent.{column}");
            let values = match values {
                toml::Value::String(s) => vec![s.trim().to_string()],
                toml::Value::Array(items) if !items.is_empty() => items
                    .iter()
                    .map(|v| v.as_str().map(|s| s.trim().to_string()))
                    .collect::<Option<Vec<_>>>()
                    .ok_or_else(|| doc.bad(&path, "write a text or a list of texts"))?,
                _ => return Err(doc.bad(&path, "write a text or a list of texts")),
            };
            if values.iter().any(String::is_empty) {
                return Err(doc.bad(&path, "an empty cell is always absent; list other values"));
            }
            absent.push(Sentinels {
                col: doc.col(column, &path),
                values,
            });
        }

        let mut skips = Vec::new();
        for (i, s) in raw.skip.iter().enumerate() {
            let path = format!("skip[{i}]");
            if s.reason.trim().is_empty() {
                return Err(doc.bad(&path, "`reason` is empty; say why such rows are skipped"));
            }
            skips.push(Skip {
                reason: s.reason.trim().to_string(),
                when: Cond::parse(&doc, &s.when, &format!("{path}.when"))?,
            });
        }

        // The list a kind builds from item blocks.
        let shape = item_shape(kind);
        for (key, blocks) in [("events", &raw.events), ("messages", &raw.messages)] {
            if !blocks.is_empty() && shape.is_none_or(|(f, _, _)| f != key) {
                return Err(doc.bad(
                    &format!("{key}[0]"),
                    match shape {
                        Some((f, _, _)) => format!(
                            "{} builds its `{f}`, not `{key}`: write `[[{f}]]` blocks",
                            a_kind(kind)
                        ),
                        None => format!(
                            "`[[{key}]]` blocks build a case's events or a chat's messages; {} has none",
                            a_kind(kind)
                        ),
                    },
                ));
            }
        }
        let item_blocks = match shape {
            Some(("events", _, _)) => &raw.events,
            Some(_) => &raw.messages,
            None => &raw.events,
        };
        let provided = shape.filter(|_| !item_blocks.is_empty()).map(|(f, _, _)| f);

        // The primary record: resolve `from` among its own fields, in dependency order.
        let mut pending =
            compile_fields(&doc, &Shape::record(kind), &raw.fields, "fields", provided)?;
        for plan in &pending {
            for f in plan.sources_from() {
                if !pending.iter().any(|p| p.name == f) {
                    return Err(doc.bad(
                        &format!("fields.{}", plan.name),
                        format!("`from = \"{f}\"`: the mapping sets no field `{f}` of the {kind}"),
                    ));
                }
            }
        }
        let mut fields: Vec<FieldPlan> = Vec::new();
        while !pending.is_empty() {
            let ready = pending
                .iter()
                .position(|p| p.sources_from().all(|f| fields.iter().any(|q| q.name == f)));
            let Some(i) = ready else {
                return Err(doc.bad_plain(
                    "fields",
                    format!(
                        "fields {} take their values from each other (`from`) in a cycle",
                        names(pending.iter().map(|p| p.name))
                    ),
                ));
            };
            let mut plan = pending.remove(i);
            for rule in &mut plan.rules {
                if let Source::From { names, indexes } = &mut rule.source {
                    *indexes = names
                        .iter()
                        .map(|f| fields.iter().position(|p| p.name == f).unwrap_or(0))
                        .collect();
                }
            }
            fields.push(plan);
        }
        let mut primary = RecordPlan {
            kind,
            when: None,
            fields,
        };

        let group = match &raw.group {
            None => None,
            Some(g) => {
                if !raw.also.is_empty() {
                    return Err(doc.bad(
                        "also[0]",
                        "`[[also]]` records cannot be combined with `[group]` (each row gives one part of the grouped record)",
                    ));
                }
                for (i, name) in g.last.iter().enumerate() {
                    let Some(f) = primary.fields.iter_mut().find(|f| f.name == name) else {
                        return Err(doc.bad(
                            &format!("group.last[{i}]"),
                            format!("the mapping sets no field `{name}` of the {kind}"),
                        ));
                    };
                    f.last = true;
                }
                Some(doc.col(&g.by, "group.by"))
            }
        };

        let items = match shape {
            Some((field, what, item_fields)) if !item_blocks.is_empty() => {
                let shape = Shape {
                    what: format!("a {what}"),
                    fields: item_fields,
                };
                let mut blocks = Vec::new();
                for (i, b) in item_blocks.iter().enumerate() {
                    let path = format!("{field}[{i}]");
                    let mut fields =
                        compile_fields(&doc, &shape, &b.fields, &format!("{path}.fields"), None)?;
                    resolve_from(&doc, &mut fields, &format!("{path}.fields"), &primary)?;
                    blocks.push(ItemBlock {
                        when: b
                            .when
                            .as_ref()
                            .map(|w| Cond::parse(&doc, w, &format!("{path}.when")))
                            .transpose()?,
                        once: b.once,
                        fields,
                    });
                }
                Some(Items { field, blocks })
            }
            _ => None,
        };

        let mut also = Vec::new();
        for (i, raw_also) in raw.also.iter().enumerate() {
            let block = format!("also[{i}]");
            let also_kind = parse_kind(&doc, &format!("{block}.kind"), &raw_also.kind)?;
            let fields_path = format!("{block}.fields");
            let mut fields = compile_fields(
                &doc,
                &Shape::record(also_kind),
                &raw_also.fields,
                &fields_path,
                None,
            )?;
            resolve_from(&doc, &mut fields, &fields_path, &primary)?;
            let when = raw_also
                .when
                .as_ref()
                .map(|w| Cond::parse(&doc, w, &format!("{block}.when")))
                .transpose()?;
            also.push(RecordPlan {
                kind: also_kind,
                when,
                fields,
            });
        }
        primary.when = None;
        Ok(Mapping {
            name: source_name.to_string(),
            kind,
            dialect,
            time_zone,
            absent,
            sentinels: Vec::new(),
            skips,
            group,
            primary,
            items,
            also,
        })
    }

    /// The generic mapping of `kind`: each header names a field of the record. Columns with an
    /// empty header are ignored, and so are the two columns a reject file adds.
    pub(crate) fn generic(
        kind: RecordKind,
        header: &[String],
        path: &Path,
    ) -> Result<Mapping, IngestError> {
        let name = format!("generic {kind} (--kind {kind})");
        let mut unknown = Vec::new();
        let mut fields = Vec::new();
        let mut seen: HashMap<&str, usize> = HashMap::new();
        let mut duplicates = Vec::new();
        for (index, h) in header.iter().enumerate() {
            if h.is_empty() || crate::rejects::REJECT_COLUMNS.contains(&h.as_str()) {
                continue;
            }
            let Some(field) = kind.field(h) else {
                unknown.push(h.clone());
                continue;
            };
            if seen.insert(field.name, index).is_some() {
                duplicates.push(h.clone());
                continue;
            }
            fields.push(FieldPlan {
                name: field.name,
                ty: field.ty,
                rules: vec![Rule {
                    source: Source::Column {
                        col: Col {
                            name: h.clone(),
                            index,
                            line: None,
                        },
                        conv: Conv {
                            map: None,
                            otherwise: None,
                            map_line: None,
                            then: Then::Type,
                            separators: DEFAULT_SEPARATORS.into(),
                        },
                    },
                    plus: None,
                    when: None,
                }],
                last: false,
            });
        }
        if !unknown.is_empty() {
            return Err(IngestError::UnknownHeader {
                path: path.to_path_buf(),
                kind,
                columns: unknown,
                valid: kind.fields().iter().map(|f| f.name).collect(),
            });
        }
        if !duplicates.is_empty() {
            return Err(IngestError::DuplicateColumns {
                path: path.to_path_buf(),
                columns: duplicates,
            });
        }
        let missing: Vec<String> = kind
            .fields()
            .iter()
            .filter(|f| f.required && !seen.contains_key(f.name))
            .map(|f| f.name.to_string())
            .collect();
        if !missing.is_empty() {
            return Err(IngestError::MissingColumns {
                mapping: name,
                lines: vec![None; missing.len()],
                columns: missing,
            });
        }
        Ok(Mapping {
            name,
            kind,
            dialect: Dialect::default(),
            time_zone: None,
            absent: Vec::new(),
            sentinels: vec![Vec::new(); header.len()],
            skips: Vec::new(),
            group: None,
            primary: RecordPlan {
                kind,
                when: None,
                fields,
            },
            items: None,
            also: Vec::new(),
        })
    }

    /// Every column the mapping reads.
    fn cols_mut(&mut self) -> Vec<&mut Col> {
        fn field_cols<'a>(fields: &'a mut [FieldPlan], out: &mut Vec<&'a mut Col>) {
            for f in fields {
                for rule in &mut f.rules {
                    match &mut rule.source {
                        Source::Column { col, .. } => out.push(col),
                        Source::Template { parts, .. } => {
                            out.extend(parts.iter_mut().filter_map(|p| match p {
                                Part::Col(c) => Some(c),
                                Part::Text(_) => None,
                            }))
                        }
                        Source::Local { date, time, .. } => {
                            out.push(date);
                            out.extend(time.as_mut());
                        }
                        Source::Const(_) | Source::From { .. } => {}
                    }
                    if let Some(Plus::Col(c)) = &mut rule.plus {
                        out.push(c);
                    }
                    if let Some(w) = &mut rule.when {
                        w.cols_mut(out);
                    }
                }
            }
        }
        let mut out: Vec<&mut Col> = Vec::new();
        out.extend(self.absent.iter_mut().map(|s| &mut s.col));
        for s in &mut self.skips {
            s.when.cols_mut(&mut out);
        }
        out.extend(self.group.as_mut());
        for plan in std::iter::once(&mut self.primary).chain(self.also.iter_mut()) {
            if let Some(w) = &mut plan.when {
                w.cols_mut(&mut out);
            }
            field_cols(&mut plan.fields, &mut out);
        }
        if let Some(items) = &mut self.items {
            for b in &mut items.blocks {
                if let Some(w) = &mut b.when {
                    w.cols_mut(&mut out);
                }
                field_cols(&mut b.fields, &mut out);
            }
        }
        out
    }

    /// Find every column the mapping reads in `header` (trimmed names, exact match).
    pub(crate) fn bind(&mut self, header: &[String], path: &Path) -> Result<(), IngestError> {
        let mut index: HashMap<&str, Vec<usize>> = HashMap::new();
        for (i, h) in header.iter().enumerate() {
            index.entry(h.as_str()).or_default().push(i);
        }
        let mut missing: Vec<(String, Option<usize>)> = Vec::new();
        let mut duplicates: Vec<String> = Vec::new();
        let name = self.name.clone();
        for col in self.cols_mut() {
            match index.get(col.name.as_str()).map(Vec::as_slice) {
                Some([i]) => col.index = *i,
                Some(_) => {
                    if !duplicates.contains(&col.name) {
                        duplicates.push(col.name.clone());
                    }
                }
                None => {
                    if !missing.iter().any(|(m, _)| *m == col.name) {
                        missing.push((col.name.clone(), col.line));
                    }
                }
            }
        }
        if !missing.is_empty() {
            let (columns, lines) = missing.into_iter().unzip();
            return Err(IngestError::MissingColumns {
                mapping: name,
                columns,
                lines,
            });
        }
        if !duplicates.is_empty() {
            return Err(IngestError::DuplicateColumns {
                path: path.to_path_buf(),
                columns: duplicates,
            });
        }
        self.sentinels = vec![Vec::new(); header.len()];
        for s in &self.absent {
            self.sentinels[s.col.index].extend(s.values.iter().cloned());
        }
        Ok(())
    }

    /// The cells of a raw row as this mapping sees them (the `[absent]` values marked).
    pub(crate) fn cells<'r>(&self, row: &'r csv::ByteRecord) -> Vec<Cell<'r>> {
        row.iter()
            .enumerate()
            .map(|(i, bytes)| match Cell::read(bytes) {
                Cell::Text(t)
                    if self
                        .sentinels
                        .get(i)
                        .is_some_and(|s| s.iter().any(|v| v == t)) =>
                {
                    Cell::Absent(t)
                }
                cell => cell,
            })
            .collect()
    }

    /// The fields that build timestamps from local dates and times (they need a time zone).
    pub(crate) fn local_time_fields(&self) -> Vec<String> {
        fn local(f: &FieldPlan) -> bool {
            f.rules.iter().any(|r| match &r.source {
                Source::Local { .. } => true,
                Source::Column { conv, .. } | Source::Template { conv, .. } => {
                    matches!(&conv.then, Then::Format(fmt) if !convert::format_has_zone(fmt))
                }
                _ => false,
            })
        }
        let mut out = Vec::new();
        for f in self.primary.fields.iter().filter(|f| local(f)) {
            out.push(f.name.to_string());
        }
        if let Some(items) = &self.items {
            for b in &items.blocks {
                for f in b.fields.iter().filter(|f| local(f)) {
                    let name = format!("{}.{}", items.field, f.name);
                    if !out.contains(&name) {
                        out.push(name);
                    }
                }
            }
        }
        for plan in &self.also {
            for f in plan.fields.iter().filter(|f| local(f)) {
                out.push(format!("{} {}", plan.kind, f.name));
            }
        }
        out
    }

    /// Whether rows are grouped into records (`[group]`).
    pub(crate) fn is_grouped(&self) -> bool {
        self.group.is_some()
    }

    /// The reasons of the `[[skip]]` rules, in order.
    pub(crate) fn skip_reasons(&self) -> Vec<String> {
        self.skips.iter().map(|s| s.reason.clone()).collect()
    }
}

/// Whether a mapping names the time zone of its local times (`time_zone`), and which.
pub(crate) fn declared_time_zone(name_or_path: &str) -> Result<Option<TimeZone>, IngestError> {
    Ok(load(name_or_path)?.time_zone)
}

/// The mapping named by `--mapping`: a built-in name, or the path of a TOML file.
pub(crate) fn load(name_or_path: &str) -> Result<Mapping, IngestError> {
    if let Some((name, _, text)) = BUILTIN.iter().find(|(n, _, _)| *n == name_or_path) {
        return Mapping::parse(name, text);
    }
    let path = Path::new(name_or_path);
    let looks_like_path = name_or_path.contains(['/', '\\'])
        || path
            .extension()
            .is_some_and(|e| e.eq_ignore_ascii_case("toml"))
        || path.exists();
    if !looks_like_path {
        return Err(IngestError::UnknownMapping {
            name: name_or_path.to_string(),
            available: BUILTIN.iter().map(|(n, _, _)| n.to_string()).collect(),
        });
    }
    let text = std::fs::read_to_string(path).map_err(|source| IngestError::Io {
        path: path.to_path_buf(),
        source,
    })?;
    Mapping::parse(&path.display().to_string(), &text)
}
