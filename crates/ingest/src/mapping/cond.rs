//! `when` conditions: on which rows a field rule, an event block, an `[[also]]` record or a
//! `[[skip]]` rule applies.
//!
//! - `"Column"`: the cell has a value (not empty, not one of the column's `[absent]` values);
//! - `{ column = "C", equals = "v" }` (or a list of values): the cell, as written, is one of them;
//! - `{ column = "C", not = "v" }` (or a list): the cell, as written, is none of them;
//! - `{ column = "C", absent = true }`: the cell is empty or one of the column's `[absent]`
//!   values (`absent = false`: it has a value);
//! - `[cond, cond, …]` or `{ all = [...] }`: every one holds; `{ any = [...] }`: at least one;
//!   `{ none = [...] }`: none holds. A string in a list is the first form.

use serde::Deserialize;

use super::{Cell, Col, Doc};
use crate::IngestError;

#[derive(Debug)]
pub(crate) enum Cond {
    Present(Col),
    Absent(Col),
    Equals { col: Col, values: Vec<String> },
    NotEquals { col: Col, values: Vec<String> },
    All(Vec<Cond>),
    Any(Vec<Cond>),
    None(Vec<Cond>),
}

const HOW: &str = "a condition is a column name (the cell has a value), { column = \"…\", equals = \"…\" | [\"…\", …] }, { column = \"…\", not = … }, { column = \"…\", absent = true | false }, a list of conditions (all hold), or { all | any | none = [conditions] }";

#[derive(Deserialize)]
#[serde(deny_unknown_fields)]
struct RawCond {
    column: Option<String>,
    equals: Option<toml::Value>,
    not: Option<toml::Value>,
    absent: Option<bool>,
    all: Option<Vec<toml::Value>>,
    any: Option<Vec<toml::Value>>,
    none: Option<Vec<toml::Value>>,
}

fn texts(value: &toml::Value) -> Option<Vec<String>> {
    match value {
        toml::Value::String(s) => Some(vec![s.trim().to_string()]),
        toml::Value::Array(items) if !items.is_empty() => items
            .iter()
            .map(|v| v.as_str().map(|s| s.trim().to_string()))
            .collect(),
        _ => None,
    }
}

impl Cond {
    /// Read a condition written at `path` of the mapping.
    pub(crate) fn parse(
        doc: &Doc<'_>,
        value: &toml::Value,
        path: &str,
    ) -> Result<Cond, IngestError> {
        match value {
            toml::Value::String(s) => Ok(Cond::Present(doc.col(s, path))),
            toml::Value::Array(items) => Ok(Cond::All(Self::list(doc, items, path)?)),
            toml::Value::Table(t) => {
                let raw = RawCond::deserialize(toml::Value::Table(t.clone()))
                    .map_err(|e| doc.bad(path, format!("{HOW}: {}", e.message())))?;
                let tests = [
                    raw.equals.is_some(),
                    raw.not.is_some(),
                    raw.absent.is_some(),
                ];
                let groups = [raw.all.is_some(), raw.any.is_some(), raw.none.is_some()];
                let n_tests = tests.iter().filter(|t| **t).count();
                let n_groups = groups.iter().filter(|g| **g).count();
                match (&raw.column, n_tests, n_groups) {
                    (Some(column), 1, 0) => {
                        let col = doc.col(column, &format!("{path}.column"));
                        if let Some(v) = &raw.equals {
                            let values = texts(v).ok_or_else(|| {
                                doc.bad(path, "`equals` is a text or a list of texts")
                            })?;
                            Ok(Cond::Equals { col, values })
                        } else if let Some(v) = &raw.not {
                            let values = texts(v).ok_or_else(|| {
                                doc.bad(path, "`not` is a text or a list of texts")
                            })?;
                            Ok(Cond::NotEquals { col, values })
                        } else if raw.absent == Some(true) {
                            Ok(Cond::Absent(col))
                        } else {
                            Ok(Cond::Present(col))
                        }
                    }
                    (None, 0, 1) => {
                        let (key, items) = if let Some(items) = &raw.all {
                            ("all", items)
                        } else if let Some(items) = &raw.any {
                            ("any", items)
                        } else {
                            ("none", raw.none.as_ref().expect("one group is set"))
                        };
                        let conds = Self::list(doc, items, &format!("{path}.{key}"))?;
                        Ok(match key {
                            "all" => Cond::All(conds),
                            "any" => Cond::Any(conds),
                            _ => Cond::None(conds),
                        })
                    }
                    (Some(_), 0, _) => Err(doc.bad(
                        path,
                        "say what to test about the column: `equals`, `not` or `absent`",
                    )),
                    _ => Err(doc.bad(path, HOW)),
                }
            }
            _ => Err(doc.bad(path, HOW)),
        }
    }

    fn list(doc: &Doc<'_>, items: &[toml::Value], path: &str) -> Result<Vec<Cond>, IngestError> {
        if items.is_empty() {
            return Err(doc.bad(path, format!("an empty list of conditions; {HOW}")));
        }
        items
            .iter()
            .enumerate()
            .map(|(i, v)| Self::parse(doc, v, &format!("{path}[{i}]")))
            .collect()
    }

    /// Whether the condition holds for a row whose cells `cell` returns.
    pub(crate) fn holds<'c>(&self, cell: &dyn Fn(&Col) -> Cell<'c>) -> bool {
        match self {
            Cond::Present(col) => cell(col).has_value(),
            Cond::Absent(col) => !cell(col).has_value(),
            Cond::Equals { col, values } => cell(col)
                .written()
                .is_some_and(|t| values.iter().any(|v| v == t)),
            Cond::NotEquals { col, values } => !cell(col)
                .written()
                .is_some_and(|t| values.iter().any(|v| v == t)),
            Cond::All(conds) => conds.iter().all(|c| c.holds(cell)),
            Cond::Any(conds) => conds.iter().any(|c| c.holds(cell)),
            Cond::None(conds) => !conds.iter().any(|c| c.holds(cell)),
        }
    }

    /// Every column the condition reads.
    pub(crate) fn cols_mut<'a>(&'a mut self, out: &mut Vec<&'a mut Col>) {
        match self {
            Cond::Present(col)
            | Cond::Absent(col)
            | Cond::Equals { col, .. }
            | Cond::NotEquals { col, .. } => out.push(col),
            Cond::All(conds) | Cond::Any(conds) | Cond::None(conds) => {
                for c in conds {
                    c.cols_mut(out);
                }
            }
        }
    }
}
