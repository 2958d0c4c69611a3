//! Column mappings: a small declarative TOML language that turns each CSV row into one or more
//! JSON objects of the interchange format (documented in `docs/import.md`).
//!
//! A mapping is read in two steps: [`Mapping::parse`] checks the TOML against the record kinds'
//! fields (unknown keys, unknown fields, contradicting options, cycles are [`IngestError::BadMapping`]),
//! then [`Mapping::bind`] finds every column it reads in the CSV header
//! ([`IngestError::MissingColumns`]). [`Mapping::rows`] then turns rows into records.

use std::collections::HashMap;
use std::path::Path;

use carekpi_domain::interchange::Position;
use carekpi_domain::records::{Field, FieldType};
use carekpi_domain::{Moment, Record, RecordError, RecordKind, parse_record_value};
use jiff::tz::TimeZone;
use serde::Deserialize;
use serde_json::{Map, Value};

use crate::IngestError;
use crate::convert::{self, DurationUnit};
use crate::error::a_kind;

/// The built-in mappings: name, one-line description, TOML source.
pub(crate) const BUILTIN: &[(&str, &str, &str)] = &[(
    "call-centre-trends",
    "PwC \"Call Centre Trends\" call-centre export (Call Id, Agent, Date, Time, Topic, Answered (Y/N), Resolved, Speed of answer in seconds, AvgTalkDuration, Satisfaction rating): one call per row plus a CSAT survey when rated; needs --tz",
    include_str!("../mappings/call-centre-trends.toml"),
)];

/// Separators of a list cell when the mapping names none.
const DEFAULT_SEPARATORS: &str = ";,";

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
    time_zone: Option<String>,
    fields: toml::Table,
    #[serde(default)]
    also: Vec<RawAlso>,
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

/// A column the mapping reads: its header name, and its index once bound to a header.
#[derive(Clone, Debug)]
struct Col {
    name: String,
    index: usize,
}

impl Col {
    fn new(name: &str) -> Self {
        Col {
            name: name.trim().to_string(),
            index: usize::MAX,
        }
    }
}

#[derive(Debug)]
enum Cond {
    /// Every column is non-empty.
    NonEmpty(Vec<Col>),
    /// The column holds one of the values.
    Equals { col: Col, values: Vec<String> },
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
    /// Fields of the primary record (by index in its evaluation order), first present wins.
    From(Vec<usize>),
}

#[derive(Debug)]
enum Plus {
    Col(Col),
    Seconds(f64),
}

#[derive(Debug)]
struct FieldPlan {
    name: &'static str,
    ty: FieldType,
    source: Source,
    plus: Option<Plus>,
    when: Option<Cond>,
}

#[derive(Debug)]
struct RecordPlan {
    kind: RecordKind,
    when: Option<Cond>,
    fields: Vec<FieldPlan>,
}

/// A column mapping, checked, and (after [`Mapping::bind`]) bound to a CSV header.
#[derive(Debug)]
pub(crate) struct Mapping {
    /// How messages name it: the built-in name, the file's path, or `generic <kind>`.
    pub name: String,
    pub kind: RecordKind,
    pub delimiter: Option<u8>,
    pub time_zone: Option<TimeZone>,
    primary: RecordPlan,
    also: Vec<RecordPlan>,
}

/// One cell of a row, as a mapping sees it.
#[derive(Clone, Copy, Debug)]
pub(crate) enum Cell<'a> {
    Empty,
    Text(&'a str),
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
}

fn bad(source_name: &str, reason: impl Into<String>) -> IngestError {
    IngestError::BadMapping {
        source_name: source_name.to_string(),
        reason: reason.into(),
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

/// Where in the mapping a problem is, for messages: `fields.answered_at` or `also[0].fields.at`.
struct Ctx<'a> {
    source_name: &'a str,
    block: String,
    kind: RecordKind,
}

impl Ctx<'_> {
    fn bad(&self, field: &str, reason: impl std::fmt::Display) -> IngestError {
        bad(
            self.source_name,
            format!("{}.{field}: {reason}", self.block),
        )
    }
}

fn parse_cond(
    value: &toml::Value,
    err: impl Fn(String) -> IngestError,
) -> Result<Cond, IngestError> {
    const HOW: &str = "`when` is a column name, a list of column names (all non-empty), or { column = \"…\", equals = \"…\" | [\"…\", …] }";
    match value {
        toml::Value::String(s) => Ok(Cond::NonEmpty(vec![Col::new(s)])),
        toml::Value::Array(items) => {
            let cols = items
                .iter()
                .map(|v| v.as_str().map(Col::new))
                .collect::<Option<Vec<_>>>()
                .filter(|c| !c.is_empty())
                .ok_or_else(|| err(HOW.into()))?;
            Ok(Cond::NonEmpty(cols))
        }
        toml::Value::Table(t) => {
            #[derive(Deserialize)]
            #[serde(deny_unknown_fields)]
            struct Equals {
                column: String,
                equals: toml::Value,
            }
            let eq = Equals::deserialize(toml::Value::Table(t.clone()))
                .map_err(|e| err(format!("{HOW}: {}", e.message())))?;
            let values = match &eq.equals {
                toml::Value::String(s) => vec![s.clone()],
                toml::Value::Array(items) => items
                    .iter()
                    .map(|v| v.as_str().map(str::to_string))
                    .collect::<Option<Vec<_>>>()
                    .ok_or_else(|| err(HOW.into()))?,
                _ => return Err(err(HOW.into())),
            };
            Ok(Cond::Equals {
                col: Col::new(&eq.column),
                values,
            })
        }
        _ => Err(err(HOW.into())),
    }
}

fn parse_template(text: &str) -> Result<Vec<Part>, String> {
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
                parts.push(Part::Col(Col::new(&name)));
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

/// Checks one field's spec. `from` names are returned for the caller to resolve.
fn compile_field(
    ctx: &Ctx<'_>,
    field: &'static Field,
    raw: &toml::Value,
) -> Result<(FieldPlan, Vec<String>), IngestError> {
    let name = field.name;
    let spec = match raw {
        toml::Value::String(column) => RawField {
            column: Some(column.clone()),
            ..RawField::default()
        },
        toml::Value::Table(t) => RawField::deserialize(toml::Value::Table(t.clone()))
            .map_err(|e| ctx.bad(name, e.message()))?,
        other => {
            return Err(ctx.bad(
                name,
                format!(
                    "write a column name (\"Call Id\") or a table ({{ column = \"…\" }}, {{ value = … }} …), not a {}",
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
            return Err(ctx.bad(
                name,
                "say where the value comes from: one of `column`, `value`, `template`, `date` (+ `time`) or `from`",
            ));
        }
        1 => {}
        _ => {
            return Err(ctx.bad(name, format!("give only one of {}", names(&sources))));
        }
    }
    let is_ts = field.ty == FieldType::Timestamp;
    let only = |set: bool, key: &str, what: &str| -> Result<(), IngestError> {
        if set {
            Err(ctx.bad(name, format!("`{key}` {what}")))
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
            a_kind(ctx.kind)
        ),
    )?;
    only(
        spec.duration.is_some() && !matches!(field.ty, FieldType::Number | FieldType::Integer),
        "duration",
        &format!(
            "applies to number fields only (seconds); `{name}` of {} is not a number",
            a_kind(ctx.kind)
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
        spec.format.is_some() && spec.duration.is_some(),
        "format",
        "and `duration` exclude each other",
    )?;

    let then = match (&spec.format, &spec.duration) {
        (Some(format), _) => {
            if format.trim().is_empty() {
                return Err(ctx.bad(name, "`format` is empty"));
            }
            Then::Format(format.clone())
        }
        (None, Some(d)) => Then::Duration(DurationUnit::parse(d).ok_or_else(|| {
            ctx.bad(
                name,
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
                return Err(ctx.bad(name, "`map` is empty"));
            }
            Some(
                table
                    .iter()
                    .map(|(k, v)| (k.trim().to_string(), toml_to_json(v)))
                    .collect(),
            )
        }
    };
    let conv = Conv {
        map,
        then,
        separators: spec
            .separator
            .clone()
            .unwrap_or_else(|| DEFAULT_SEPARATORS.to_string()),
    };
    if conv.separators.is_empty() {
        return Err(ctx.bad(name, "`separator` is empty"));
    }

    let mut from_names = Vec::new();
    let source = if let Some(column) = &spec.column {
        Source::Column {
            col: Col::new(column),
            conv,
        }
    } else if let Some(text) = &spec.template {
        Source::Template {
            text: text.clone(),
            parts: parse_template(text).map_err(|r| ctx.bad(name, r))?,
            conv,
        }
    } else if let Some(value) = &spec.value {
        let json = match value {
            toml::Value::String(s) => convert::by_type(s, field.ty, &conv.separators, None)
                .map_err(|r| ctx.bad(name, format!("`value`: {r}")))?,
            other => toml_to_json(other),
        };
        Source::Const(json)
    } else if let Some(date) = &spec.date {
        Source::Local {
            date: Col::new(date),
            date_format: spec
                .date_format
                .clone()
                .unwrap_or_else(|| "%Y-%m-%d".into()),
            time: spec.time.as_deref().map(Col::new),
            time_format: spec
                .time_format
                .clone()
                .unwrap_or_else(|| "%H:%M:%S".into()),
        }
    } else {
        let how = "`from` names a field of the primary record, or lists several (the first present is taken)";
        from_names = match spec.from.as_ref() {
            Some(toml::Value::String(s)) => vec![s.clone()],
            Some(toml::Value::Array(items)) => items
                .iter()
                .map(|v| v.as_str().map(str::to_string))
                .collect::<Option<Vec<_>>>()
                .filter(|v| !v.is_empty())
                .ok_or_else(|| ctx.bad(name, how))?,
            _ => return Err(ctx.bad(name, how)),
        };
        Source::From(Vec::new())
    };
    let plus = match &spec.plus_seconds {
        None => None,
        Some(toml::Value::String(c)) => Some(Plus::Col(Col::new(c))),
        Some(toml::Value::Integer(i)) => Some(Plus::Seconds(*i as f64)),
        Some(toml::Value::Float(f)) if f.is_finite() => Some(Plus::Seconds(*f)),
        Some(_) => {
            return Err(ctx.bad(
                name,
                "`plus_seconds` is a column name or a number of seconds",
            ));
        }
    };
    let when = spec
        .when
        .as_ref()
        .map(|w| parse_cond(w, |r| ctx.bad(name, r)))
        .transpose()?;
    Ok((
        FieldPlan {
            name,
            ty: field.ty,
            source,
            plus,
            when,
        },
        from_names,
    ))
}

fn parse_kind(source_name: &str, block: &str, kind: &str) -> Result<RecordKind, IngestError> {
    kind.parse::<RecordKind>()
        .map_err(|r| bad(source_name, format!("{block}kind: {r}")))
}

/// Compile the `fields` table of one record. Returns the fields and, per field, its `from` names.
fn compile_fields(
    ctx: &Ctx<'_>,
    table: &toml::Table,
) -> Result<Vec<(FieldPlan, Vec<String>)>, IngestError> {
    let kind = ctx.kind;
    let mut out = Vec::new();
    for (name, raw) in table {
        let field = kind.field(name).ok_or_else(|| {
            ctx.bad(
                name,
                format!(
                    "{} has no field `{name}`; its fields are {}",
                    a_kind(kind),
                    names(kind.fields().iter().map(|f| f.name))
                ),
            )
        })?;
        out.push(compile_field(ctx, field, raw)?);
    }
    let missing: Vec<&str> = kind
        .fields()
        .iter()
        .filter(|f| f.required && !table.contains_key(f.name))
        .map(|f| f.name)
        .collect();
    if !missing.is_empty() {
        return Err(bad(
            ctx.source_name,
            format!(
                "{} sets no {}, which every {kind} needs",
                ctx.block,
                names(&missing)
            ),
        ));
    }
    Ok(out)
}

impl Mapping {
    /// Read and check a mapping written in TOML. `source_name` names it in messages.
    pub(crate) fn parse(source_name: &str, text: &str) -> Result<Mapping, IngestError> {
        let raw: RawMapping = toml::from_str(text).map_err(|e| bad(source_name, e.to_string()))?;
        let kind = parse_kind(source_name, "", &raw.kind)?;
        let delimiter = match raw.delimiter.as_deref() {
            None => None,
            Some("\\t" | "tab") => Some(b'\t'),
            Some(d) if d.len() == 1 && d.is_ascii() && d != "\"" && d != "\n" && d != "\r" => {
                Some(d.as_bytes()[0])
            }
            Some(d) => {
                return Err(bad(
                    source_name,
                    format!(
                        "delimiter `{d}` must be one ASCII character (\",\", \";\", \"\\t\", \"|\" …)"
                    ),
                ));
            }
        };
        let time_zone = raw
            .time_zone
            .as_deref()
            .map(|z| {
                TimeZone::get(z).map_err(|e| bad(source_name, format!("time_zone `{z}`: {e}")))
            })
            .transpose()?;

        // The primary record: resolve `from` among its own fields, in dependency order.
        let ctx = Ctx {
            source_name,
            block: "fields".into(),
            kind,
        };
        let mut pending = compile_fields(&ctx, &raw.fields)?;
        for (plan, from) in &pending {
            for f in from {
                if !pending.iter().any(|(p, _)| p.name == f) {
                    return Err(ctx.bad(
                        plan.name,
                        format!("`from = \"{f}\"`: the mapping sets no field `{f}` of the {kind}"),
                    ));
                }
            }
        }
        let mut fields: Vec<FieldPlan> = Vec::new();
        while !pending.is_empty() {
            let ready = pending
                .iter()
                .position(|(_, from)| from.iter().all(|f| fields.iter().any(|p| p.name == f)));
            let Some(i) = ready else {
                return Err(bad(
                    source_name,
                    format!(
                        "fields {} take their values from each other (`from`) in a cycle",
                        names(pending.iter().map(|(p, _)| p.name))
                    ),
                ));
            };
            let (mut plan, from) = pending.remove(i);
            if let Source::From(idx) = &mut plan.source {
                *idx = from
                    .iter()
                    .map(|f| fields.iter().position(|p| p.name == f).unwrap_or(0))
                    .collect();
            }
            fields.push(plan);
        }
        let primary = RecordPlan {
            kind,
            when: None,
            fields,
        };

        let mut also = Vec::new();
        for (i, raw_also) in raw.also.iter().enumerate() {
            let block = format!("also[{i}]");
            let also_kind = parse_kind(source_name, &format!("{block}."), &raw_also.kind)?;
            let ctx = Ctx {
                source_name,
                block: format!("{block}.fields"),
                kind: also_kind,
            };
            let mut fields = Vec::new();
            for (mut plan, from) in compile_fields(&ctx, &raw_also.fields)? {
                if let Source::From(idx) = &mut plan.source {
                    for f in &from {
                        let Some(j) = primary.fields.iter().position(|p| p.name == f) else {
                            return Err(ctx.bad(
                                plan.name,
                                format!(
                                    "`from = \"{f}\"`: the primary {kind} sets no field `{f}` (it sets {})",
                                    names(primary.fields.iter().map(|p| p.name))
                                ),
                            ));
                        };
                        idx.push(j);
                    }
                }
                fields.push(plan);
            }
            let when = raw_also
                .when
                .as_ref()
                .map(|w| parse_cond(w, |r| bad(source_name, format!("{block}.when: {r}"))))
                .transpose()?;
            also.push(RecordPlan {
                kind: also_kind,
                when,
                fields,
            });
        }
        Ok(Mapping {
            name: source_name.to_string(),
            kind,
            delimiter,
            time_zone,
            primary,
            also,
        })
    }

    /// The generic mapping of `kind`: each header names a field of the record. Columns with an
    /// empty header are ignored.
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
            if h.is_empty() {
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
                source: Source::Column {
                    col: Col {
                        name: h.clone(),
                        index,
                    },
                    conv: Conv {
                        map: None,
                        then: Then::Type,
                        separators: DEFAULT_SEPARATORS.into(),
                    },
                },
                plus: None,
                when: None,
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
                columns: missing,
            });
        }
        Ok(Mapping {
            name,
            kind,
            delimiter: None,
            time_zone: None,
            primary: RecordPlan {
                kind,
                when: None,
                fields,
            },
            also: Vec::new(),
        })
    }

    fn cols_mut(&mut self) -> Vec<&mut Col> {
        let mut out: Vec<&mut Col> = Vec::new();
        for plan in std::iter::once(&mut self.primary).chain(self.also.iter_mut()) {
            if let Some(w) = &mut plan.when {
                match w {
                    Cond::NonEmpty(cols) => out.extend(cols.iter_mut()),
                    Cond::Equals { col, .. } => out.push(col),
                }
            }
            for f in &mut plan.fields {
                match &mut f.source {
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
                    Source::Const(_) | Source::From(_) => {}
                }
                if let Some(Plus::Col(c)) = &mut f.plus {
                    out.push(c);
                }
                match &mut f.when {
                    Some(Cond::NonEmpty(cols)) => out.extend(cols.iter_mut()),
                    Some(Cond::Equals { col, .. }) => out.push(col),
                    None => {}
                }
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
        let mut missing: Vec<String> = Vec::new();
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
                    if !missing.contains(&col.name) {
                        missing.push(col.name.clone());
                    }
                }
            }
        }
        if !missing.is_empty() {
            return Err(IngestError::MissingColumns {
                mapping: name,
                columns: missing,
            });
        }
        if !duplicates.is_empty() {
            return Err(IngestError::DuplicateColumns {
                path: path.to_path_buf(),
                columns: duplicates,
            });
        }
        Ok(())
    }

    /// The fields that build timestamps from local dates and times (they need a time zone).
    pub(crate) fn local_time_fields(&self) -> Vec<String> {
        let mut out = Vec::new();
        for plan in std::iter::once(&self.primary).chain(&self.also) {
            for f in &plan.fields {
                let local = match &f.source {
                    Source::Local { .. } => true,
                    Source::Column { conv, .. } | Source::Template { conv, .. } => {
                        matches!(&conv.then, Then::Format(fmt) if !convert::format_has_zone(fmt))
                    }
                    _ => false,
                };
                if local {
                    out.push(if std::ptr::eq(plan, &self.primary) {
                        f.name.to_string()
                    } else {
                        format!("{} {}", plan.kind, f.name)
                    });
                }
            }
        }
        out
    }

    /// The records of one row, in mapping order (the primary record first). `cells` holds the
    /// row's cells (missing trailing cells are empty); `line` is the row's line in the file.
    pub(crate) fn row(
        &self,
        cells: &[Cell<'_>],
        line: usize,
        tz: Option<&TimeZone>,
    ) -> Vec<Result<Record, Vec<RecordError>>> {
        let ev = Eval {
            cells,
            position: Position::Row(line),
            tz,
        };
        let mut out = Vec::with_capacity(1 + self.also.len());
        let mut primary_values: Vec<Val> = Vec::with_capacity(self.primary.fields.len());
        let mut problems: Vec<(&'static str, String)> = Vec::new();
        for f in &self.primary.fields {
            let v = ev.field(f, &primary_values, None, &mut problems);
            primary_values.push(v);
        }
        out.push(ev.finish(&self.primary, &primary_values, problems));
        for plan in &self.also {
            if let Some(w) = &plan.when
                && !ev.holds(w)
            {
                continue;
            }
            let mut problems = Vec::new();
            let values: Vec<Val> = plan
                .fields
                .iter()
                .map(|f| {
                    ev.field(
                        f,
                        &primary_values,
                        Some((self.kind, &self.primary)),
                        &mut problems,
                    )
                })
                .collect();
            out.push(ev.finish(plan, &values, problems));
        }
        out
    }
}

/// The value of one field of one row.
#[derive(Clone, Debug)]
enum Val {
    Absent,
    Present(Value),
    /// Could not be built; the reason is among the record's problems.
    Failed,
}

struct Eval<'a, 'c> {
    cells: &'a [Cell<'c>],
    position: Position,
    tz: Option<&'a TimeZone>,
}

impl Eval<'_, '_> {
    fn cell(&self, col: &Col) -> Cell<'_> {
        self.cells.get(col.index).copied().unwrap_or(Cell::Empty)
    }

    fn holds(&self, cond: &Cond) -> bool {
        match cond {
            Cond::NonEmpty(cols) => cols.iter().all(|c| !matches!(self.cell(c), Cell::Empty)),
            Cond::Equals { col, values } => match self.cell(col) {
                Cell::Text(t) => values.iter().any(|v| v == t),
                _ => false,
            },
        }
    }

    /// The text of a cell: `Ok(None)` when empty, `Err` (reason) when not UTF-8.
    fn text(&self, col: &Col) -> Result<Option<&str>, String> {
        match self.cell(col) {
            Cell::Empty => Ok(None),
            Cell::Text(t) => Ok(Some(t)),
            Cell::BadUtf8(at) => Err(format!(
                "column `{}`: not valid UTF-8 (invalid byte at offset {at} of the cell)",
                col.name
            )),
        }
    }

    fn convert(&self, conv: &Conv, ty: FieldType, text: &str) -> Result<Value, String> {
        let text = match &conv.map {
            None => text,
            Some(map) => match map.get(text) {
                Some(Value::String(s)) => s.as_str(),
                Some(other) => return Ok(other.clone()),
                None => {
                    let mut known: Vec<&str> = map.keys().map(String::as_str).collect();
                    known.sort_unstable();
                    return Err(format!(
                        "`{text}` is not one of the values the mapping knows ({})",
                        names(known)
                    ));
                }
            },
        };
        match &conv.then {
            Then::Type => convert::by_type(text, ty, &conv.separators, self.tz),
            Then::Duration(unit) => {
                let secs = unit.seconds(text)?;
                if ty == FieldType::Integer && secs.fract() != 0.0 {
                    return Err(format!("`{text}` is not a whole number of seconds"));
                }
                Ok(convert::number_value(secs))
            }
            Then::Format(format) => convert::timestamp_with_format(text, format, self.tz),
        }
    }

    fn field(
        &self,
        f: &FieldPlan,
        primary_values: &[Val],
        primary: Option<(RecordKind, &RecordPlan)>,
        problems: &mut Vec<(&'static str, String)>,
    ) -> Val {
        if let Some(w) = &f.when
            && !self.holds(w)
        {
            return Val::Absent;
        }
        let mut fail = |reason: String| {
            problems.push((f.name, reason));
            Val::Failed
        };
        let value = match &f.source {
            Source::Const(v) => v.clone(),
            Source::Column { col, conv } => match self.text(col) {
                Err(r) => return fail(r),
                Ok(None) => return Val::Absent,
                Ok(Some(text)) => match self.convert(conv, f.ty, text) {
                    Ok(v) => v,
                    Err(r) => return fail(format!("column `{}`: {r}", col.name)),
                },
            },
            Source::Template { text, parts, conv } => {
                let mut out = String::new();
                for p in parts {
                    match p {
                        Part::Text(t) => out.push_str(t),
                        Part::Col(c) => match self.text(c) {
                            Err(r) => return fail(r),
                            Ok(None) => return Val::Absent,
                            Ok(Some(t)) => out.push_str(t),
                        },
                    }
                }
                match self.convert(conv, f.ty, &out) {
                    Ok(v) => v,
                    Err(r) => return fail(format!("template `{text}`: {r}")),
                }
            }
            Source::Local {
                date,
                date_format,
                time,
                time_format,
            } => {
                let d = match self.text(date) {
                    Err(r) => return fail(r),
                    Ok(None) => return Val::Absent,
                    Ok(Some(t)) => match convert::date_with_format(t, date_format) {
                        Ok(d) => d,
                        Err(r) => return fail(format!("column `{}`: {r}", date.name)),
                    },
                };
                let t = match time {
                    None => jiff::civil::Time::midnight(),
                    Some(time) => match self.text(time) {
                        Err(r) => return fail(r),
                        Ok(None) => return Val::Absent,
                        Ok(Some(t)) => match convert::time_with_format(t, time_format) {
                            Ok(t) => t,
                            Err(r) => return fail(format!("column `{}`: {r}", time.name)),
                        },
                    },
                };
                let Some(tz) = self.tz else {
                    return fail("no time zone given for local dates and times (--tz)".into());
                };
                match convert::local_moment(d.to_datetime(t), tz) {
                    Ok(m) => Value::String(m.to_string()),
                    Err(r) => return fail(r),
                }
            }
            Source::From(indexes) => {
                let mut found = None;
                for &i in indexes {
                    match &primary_values[i] {
                        Val::Present(v) => {
                            found = Some(v.clone());
                            break;
                        }
                        Val::Absent => {}
                        Val::Failed => {
                            return match primary {
                                // A field of the same record: its own problem is reported.
                                None => Val::Failed,
                                Some((kind, plan)) => fail(format!(
                                    "comes from `{}` of the {kind} on this row, which could not be built",
                                    plan.fields[i].name
                                )),
                            };
                        }
                    }
                }
                match found {
                    Some(v) => v,
                    None => return Val::Absent,
                }
            }
        };
        let Some(plus) = &f.plus else {
            return Val::Present(value);
        };
        let seconds = match plus {
            Plus::Seconds(s) => *s,
            Plus::Col(col) => match self.text(col) {
                Err(r) => return fail(r),
                Ok(None) => return Val::Absent,
                Ok(Some(t)) => match convert::number(t) {
                    Ok(n) => n.as_f64().unwrap_or(f64::NAN),
                    Err(_) => {
                        return fail(format!(
                            "column `{}`: `{t}` is not a number of seconds",
                            col.name
                        ));
                    }
                },
            },
        };
        let base = value.as_str().unwrap_or_default();
        match base.parse::<Moment>() {
            Ok(m) => match m.plus_seconds(seconds) {
                Some(m) => Val::Present(Value::String(m.to_string())),
                None => fail(format!("{base} plus {seconds} s is out of range")),
            },
            Err(e) => fail(format!("cannot add seconds to `{value}`: {e}")),
        }
    }

    fn finish(
        &self,
        plan: &RecordPlan,
        values: &[Val],
        problems: Vec<(&'static str, String)>,
    ) -> Result<Record, Vec<RecordError>> {
        if !problems.is_empty() {
            let id = plan
                .fields
                .iter()
                .zip(values)
                .find_map(|(f, v)| match (f.name, v) {
                    ("id", Val::Present(Value::String(s))) => Some(s.clone()),
                    ("id", Val::Present(Value::Number(n))) => Some(n.to_string()),
                    _ => None,
                });
            return Err(problems
                .into_iter()
                .map(|(field, reason)| RecordError {
                    position: self.position,
                    kind: Some(plan.kind),
                    id: id.clone(),
                    field: Some(field.to_string()),
                    reason,
                })
                .collect());
        }
        let mut object = Map::new();
        for (f, v) in plan.fields.iter().zip(values) {
            if let Val::Present(v) = v {
                object.insert(f.name.to_string(), v.clone());
            }
        }
        parse_record_value(&Value::Object(object), self.position, Some(plan.kind))
    }
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
