//! Turning one row into records: skip rules, field rules, event blocks, `[[also]]` records, and
//! the parts of a grouped record that rows sharing a key add up to.

use carekpi_domain::interchange::Position;
use carekpi_domain::records::FieldType;
use carekpi_domain::{Moment, Record, RecordError, RecordKind, parse_record_value};
use jiff::tz::TimeZone;
use serde_json::{Map, Value};

use super::{
    Cell, Col, Cond, Conv, FieldPlan, Mapping, Part, Plus, RecordPlan, Rule, Source, Then, names,
};
use crate::convert;

/// The value of one field of one row.
#[derive(Clone, Debug)]
pub(crate) enum Val {
    Absent,
    Present(Value),
    /// Could not be built; the reason is among the record's problems.
    Failed,
}

/// What a mapping makes of one row.
#[derive(Debug)]
pub(crate) enum RowOut {
    /// A `[[skip]]` rule holds (its index).
    Skipped(usize),
    /// Records of their own (primary first, then `[[also]]`), each valid or not.
    Records(Vec<Result<Record, Vec<RecordError>>>),
    /// A part of the record of the group `key`.
    Grouped(Box<GroupRow>),
}

/// One row's part of a grouped record.
#[derive(Debug)]
pub(crate) struct GroupRow {
    pub key: String,
    values: Vec<Val>,
    /// The row's items (events), each marked `once` or not.
    items: Vec<(bool, Map<String, Value>)>,
    problems: Vec<RecordError>,
}

/// A grouped record being put together from its rows, in file order.
#[derive(Debug)]
pub(crate) struct GroupAcc {
    /// The line of the group's first row: the record's position.
    pub first_line: usize,
    values: Vec<Val>,
    /// Items with the line of the row each came from.
    items: Vec<(usize, Map<String, Value>)>,
    problems: Vec<RecordError>,
    /// The raw rows (line, cells), for a reject file.
    pub rows: Vec<(usize, Vec<Vec<u8>>)>,
}

struct Eval<'a, 'c> {
    cells: &'a [Cell<'c>],
    position: Position,
    tz: Option<&'a TimeZone>,
}

/// A problem of one field: (field, reason).
type Problem = (String, String);

impl Eval<'_, '_> {
    fn cell(&self, col: &Col) -> Cell<'_> {
        self.cells.get(col.index).copied().unwrap_or(Cell::Empty)
    }

    fn holds(&self, cond: &Cond) -> bool {
        cond.holds(&|c| self.cell(c))
    }

    /// The text of a cell: `Ok(None)` when it has no value, `Err` (reason) when not UTF-8.
    fn text(&self, col: &Col) -> Result<Option<&str>, String> {
        match self.cell(col) {
            Cell::Empty | Cell::Absent(_) => Ok(None),
            Cell::Text(t) => Ok(Some(t)),
            Cell::BadUtf8(at) => Err(format!(
                "column `{}`: not valid UTF-8 (invalid byte at offset {at} of the cell)",
                col.name
            )),
        }
    }

    fn convert(&self, conv: &Conv, ty: FieldType, text: &str) -> Result<Value, String> {
        let mapped;
        let text = match &conv.map {
            None => text,
            Some(map) => match map.get(text).or(conv.otherwise.as_ref()) {
                Some(Value::String(s)) => {
                    mapped = s.clone();
                    mapped.as_str()
                }
                Some(other) => return Ok(other.clone()),
                None => {
                    let mut known: Vec<&str> = map.keys().map(String::as_str).collect();
                    known.sort_unstable();
                    let at = conv.map_line.map_or(String::new(), |l| {
                        format!(" (`map` at line {l} of the mapping)")
                    });
                    return Err(format!(
                        "`{text}` is not one of the values the mapping knows ({}){at}",
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

    /// The value of field `f`: by its first rule whose `when` holds (absent when none does).
    /// `label` names the field in problems; `primary` says whose fields `from` reads (for a
    /// derived record's message; `None` within the primary record or its items).
    fn field(
        &self,
        f: &FieldPlan,
        label: &str,
        primary_values: &[Val],
        primary: Option<(RecordKind, &RecordPlan)>,
        problems: &mut Vec<Problem>,
    ) -> Val {
        let Some(rule) = f
            .rules
            .iter()
            .find(|r| r.when.as_ref().is_none_or(|w| self.holds(w)))
        else {
            return Val::Absent;
        };
        match self.rule(rule, f.ty, primary_values, primary) {
            Ok(v) => v,
            Err(reason) => {
                problems.push((label.to_string(), reason));
                Val::Failed
            }
        }
    }

    /// One rule's value. `Err` is the reason it could not be built; `Ok(Val::Failed)` means a
    /// field it comes from failed (that field's own problem says why).
    fn rule(
        &self,
        rule: &Rule,
        ty: FieldType,
        primary_values: &[Val],
        primary: Option<(RecordKind, &RecordPlan)>,
    ) -> Result<Val, String> {
        let value = match &rule.source {
            Source::Const(v) => v.clone(),
            Source::Column { col, conv } => match self.text(col)? {
                None => return Ok(Val::Absent),
                Some(text) => self
                    .convert(conv, ty, text)
                    .map_err(|r| format!("column `{}`: {r}", col.name))?,
            },
            Source::Template { text, parts, conv } => {
                let mut out = String::new();
                for p in parts {
                    match p {
                        Part::Text(t) => out.push_str(t),
                        Part::Col(c) => match self.text(c)? {
                            None => return Ok(Val::Absent),
                            Some(t) => out.push_str(t),
                        },
                    }
                }
                self.convert(conv, ty, &out)
                    .map_err(|r| format!("template `{text}`: {r}"))?
            }
            Source::Local {
                date,
                date_format,
                time,
                time_format,
            } => {
                let Some(d) = self.text(date)? else {
                    return Ok(Val::Absent);
                };
                let d = convert::date_with_format(d, date_format)
                    .map_err(|r| format!("column `{}`: {r}", date.name))?;
                let t = match time {
                    None => jiff::civil::Time::midnight(),
                    Some(time) => {
                        let Some(t) = self.text(time)? else {
                            return Ok(Val::Absent);
                        };
                        convert::time_with_format(t, time_format)
                            .map_err(|r| format!("column `{}`: {r}", time.name))?
                    }
                };
                let tz = self
                    .tz
                    .ok_or("no time zone given for local dates and times (--tz)")?;
                Value::String(convert::local_moment(d.to_datetime(t), tz)?.to_string())
            }
            Source::From { indexes, .. } => {
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
                                None => Ok(Val::Failed),
                                Some((kind, plan)) => Err(format!(
                                    "comes from `{}` of the {kind} on this row, which could not be built",
                                    plan.fields[i].name
                                )),
                            };
                        }
                    }
                }
                match found {
                    Some(v) => v,
                    None => return Ok(Val::Absent),
                }
            }
        };
        let Some(plus) = &rule.plus else {
            return Ok(Val::Present(value));
        };
        let seconds = match plus {
            Plus::Seconds(s) => *s,
            Plus::Col(col) => match self.text(col)? {
                None => return Ok(Val::Absent),
                Some(t) => match convert::number(t) {
                    Ok(n) => n.as_f64().unwrap_or(f64::NAN),
                    Err(_) => {
                        return Err(format!(
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
                Some(m) => Ok(Val::Present(Value::String(m.to_string()))),
                None => Err(format!("{base} plus {seconds} s is out of range")),
            },
            Err(e) => Err(format!("cannot add seconds to `{value}`: {e}")),
        }
    }

    /// The values of a record's fields, in plan order.
    fn values(
        &self,
        fields: &[FieldPlan],
        primary_values: Option<&[Val]>,
        primary: Option<(RecordKind, &RecordPlan)>,
        problems: &mut Vec<Problem>,
    ) -> Vec<Val> {
        let mut out: Vec<Val> = Vec::with_capacity(fields.len());
        for f in fields {
            // The primary record's own `from` reads the values built so far.
            let from = primary_values.unwrap_or(&out);
            let v = self.field(f, f.name, from, primary, problems);
            out.push(v);
        }
        out
    }

    fn errors(
        &self,
        kind: RecordKind,
        id: Option<String>,
        problems: Vec<Problem>,
    ) -> Vec<RecordError> {
        problems
            .into_iter()
            .map(|(field, reason)| RecordError {
                position: self.position,
                kind: Some(kind),
                id: id.clone(),
                field: Some(field),
                reason,
            })
            .collect()
    }
}

/// The id a record's values hold, to name it in errors.
fn id_of(fields: &[FieldPlan], values: &[Val]) -> Option<String> {
    fields
        .iter()
        .zip(values)
        .find_map(|(f, v)| match (f.name, v) {
            ("id", Val::Present(Value::String(s))) => Some(s.clone()),
            ("id", Val::Present(Value::Number(n))) => Some(n.to_string()),
            _ => None,
        })
}

fn object(fields: &[FieldPlan], values: &[Val]) -> Map<String, Value> {
    let mut object = Map::new();
    for (f, v) in fields.iter().zip(values) {
        if let Val::Present(v) = v {
            object.insert(f.name.to_string(), v.clone());
        }
    }
    object
}

impl Mapping {
    /// What this mapping makes of one row. `cells` holds the row's cells (see
    /// [`Mapping::cells`]); `line` is the row's line in the file.
    pub(crate) fn row(&self, cells: &[Cell<'_>], line: usize, tz: Option<&TimeZone>) -> RowOut {
        let ev = Eval {
            cells,
            position: Position::Row(line),
            tz,
        };
        if let Some(i) = self.skips.iter().position(|s| ev.holds(&s.when)) {
            return RowOut::Skipped(i);
        }
        let mut problems = Vec::new();
        let values = ev.values(&self.primary.fields, None, None, &mut problems);
        let mut items = Vec::new();
        if let Some(list) = &self.items {
            for block in &list.blocks {
                if block.when.as_ref().is_some_and(|w| !ev.holds(w)) {
                    continue;
                }
                let before = problems.len();
                let mut item = Vec::with_capacity(block.fields.len());
                for f in &block.fields {
                    let label = format!("{}.{}", list.field, f.name);
                    item.push(ev.field(f, &label, &values, None, &mut problems));
                }
                if problems.len() == before && !item.iter().any(|v| matches!(v, Val::Failed)) {
                    items.push((block.once, object(&block.fields, &item)));
                }
            }
        }
        let id = id_of(&self.primary.fields, &values);

        if let Some(by) = &self.group {
            let key = match ev.text(by) {
                Ok(Some(k)) => k.to_string(),
                Ok(None) => {
                    problems.push((
                        by.name.clone(),
                        format!(
                            "column `{}` is empty: the row belongs to no {}",
                            by.name, self.kind
                        ),
                    ));
                    return RowOut::Records(vec![Err(ev.errors(self.kind, id, problems))]);
                }
                Err(r) => {
                    problems.push((by.name.clone(), r));
                    return RowOut::Records(vec![Err(ev.errors(self.kind, id, problems))]);
                }
            };
            return RowOut::Grouped(Box::new(GroupRow {
                key,
                values,
                items,
                problems: ev.errors(self.kind, id, problems),
            }));
        }

        let mut out = Vec::with_capacity(1 + self.also.len());
        if problems.is_empty() && !values.iter().any(|v| matches!(v, Val::Failed)) {
            let mut obj = object(&self.primary.fields, &values);
            if let Some(list) = &self.items {
                let list_items = items.into_iter().map(|(_, m)| Value::Object(m)).collect();
                obj.insert(list.field.to_string(), Value::Array(list_items));
            }
            out.push(parse_record_value(
                &Value::Object(obj),
                ev.position,
                Some(self.kind),
            ));
        } else {
            out.push(Err(ev.errors(self.kind, id, problems)));
        }
        for plan in &self.also {
            if plan.when.as_ref().is_some_and(|w| !ev.holds(w)) {
                continue;
            }
            let mut problems = Vec::new();
            let also_values = ev.values(
                &plan.fields,
                Some(&values),
                Some((self.kind, &self.primary)),
                &mut problems,
            );
            if problems.is_empty() {
                out.push(parse_record_value(
                    &Value::Object(object(&plan.fields, &also_values)),
                    ev.position,
                    Some(plan.kind),
                ));
            } else {
                let id = id_of(&plan.fields, &also_values);
                out.push(Err(ev.errors(plan.kind, id, problems)));
            }
        }
        RowOut::Records(out)
    }

    /// A row that cannot be read as a whole (`reason`: the wrong number of cells). In a grouped
    /// mapping whose key cell can be read, the problem rejects that group's record.
    pub(crate) fn bad_row(&self, cells: &[Cell<'_>], line: usize, reason: String) -> RowOut {
        let error = RecordError {
            position: Position::Row(line),
            kind: Some(self.kind),
            id: None,
            field: None,
            reason,
        };
        if let Some(by) = &self.group
            && let Some(Cell::Text(key)) = cells.get(by.index)
        {
            return RowOut::Grouped(Box::new(GroupRow {
                key: key.to_string(),
                values: vec![Val::Absent; self.primary.fields.len()],
                items: Vec::new(),
                problems: vec![error],
            }));
        }
        RowOut::Records(vec![Err(vec![error])])
    }

    /// Start the record of a group whose first row is at `line`.
    pub(crate) fn start_group(&self, line: usize) -> GroupAcc {
        GroupAcc {
            first_line: line,
            values: vec![Val::Absent; self.primary.fields.len()],
            items: Vec::new(),
            problems: Vec::new(),
            rows: Vec::new(),
        }
    }

    /// Add one row (at `line`) to its group: each field keeps the first value present (the last,
    /// for fields listed in `group.last`); items are appended in file order, `once` items only
    /// from the group's first row. A row's problem with a field whose value it does not give
    /// (the group already has its first value) does not count.
    pub(crate) fn merge(&self, acc: &mut GroupAcc, mut row: GroupRow, line: usize) {
        let first = acc.rows.is_empty();
        let mut unused: Vec<&str> = Vec::new();
        for ((f, slot), v) in self
            .primary
            .fields
            .iter()
            .zip(&mut acc.values)
            .zip(row.values)
        {
            let take = match (&*slot, &v) {
                (Val::Failed, _) | (_, Val::Absent) => false,
                (Val::Present(_), _) if !f.last => {
                    unused.push(f.name);
                    false
                }
                _ => true,
            };
            if take {
                *slot = v;
            }
        }
        if !unused.is_empty() {
            row.problems
                .retain(|e| !e.field.as_deref().is_some_and(|f| unused.contains(&f)));
        }
        acc.items.extend(
            row.items
                .into_iter()
                .filter(|(once, _)| first || !once)
                .map(|(_, m)| (line, m)),
        );
        acc.problems.extend(row.problems);
    }

    /// The record a group adds up to. Validation problems of an item (`events[3].at`) are placed
    /// at the line of the row the item came from.
    pub(crate) fn finish_group(&self, acc: GroupAcc) -> Result<Record, Vec<RecordError>> {
        let id = id_of(&self.primary.fields, &acc.values);
        if !acc.problems.is_empty() || acc.values.iter().any(|v| matches!(v, Val::Failed)) {
            let mut problems = acc.problems;
            for e in &mut problems {
                if e.id.is_none() {
                    e.id = id.clone();
                }
            }
            return Err(problems);
        }
        let mut obj = object(&self.primary.fields, &acc.values);
        let field = self.items.as_ref().map(|l| l.field);
        if let Some(field) = field {
            obj.insert(
                field.to_string(),
                Value::Array(
                    acc.items
                        .iter()
                        .map(|(_, m)| Value::Object(m.clone()))
                        .collect(),
                ),
            );
        }
        parse_record_value(
            &Value::Object(obj),
            Position::Row(acc.first_line),
            Some(self.kind),
        )
        .map_err(|mut errors| {
            if let Some(field) = field {
                for e in &mut errors {
                    let item = e
                        .field
                        .as_deref()
                        .and_then(|f| f.strip_prefix(field)?.strip_prefix('['))
                        .and_then(|rest| rest.split(']').next()?.parse::<usize>().ok());
                    if let Some(line) = item.and_then(|i| acc.items.get(i)).map(|(l, _)| *l) {
                        e.position = Position::Row(line);
                    }
                }
            }
            errors
        })
    }
}
