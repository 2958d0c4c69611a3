//! Metric queries and their results.
//!
//! A [`MetricQuery`] names metrics ([`MetricSpec`]: an id of the catalogue plus options), a
//! half-open period `[from, to)`, filters (each a set; a record matches when its value is in
//! every set given) and dimensions to group by. [`crate::Engine::query`] answers with one
//! [`Row`] per group: the group's keys, then one [`MetricValue`] per metric.

use std::collections::{BTreeMap, BTreeSet};
use std::fmt;
use std::str::FromStr;

use carekpi_domain::records::vocab::{CaseType, Channel, Priority};
use jiff::Timestamp;
use jiff::civil::Date;
use jiff::tz::TimeZone;
use serde::{Deserialize, Serialize};

/// What a result can be grouped by. Day, week (ISO, from Monday) and month are local to the
/// account's time zone.
#[derive(Clone, Copy, Debug, PartialEq, Eq, Hash, PartialOrd, Ord, Serialize, Deserialize)]
#[serde(rename_all = "snake_case")]
pub enum Dimension {
    Agent,
    Team,
    Channel,
    Priority,
    #[serde(rename = "type")]
    Type,
    Tag,
    Segment,
    Day,
    Week,
    Month,
}

impl Dimension {
    pub const ALL: [Dimension; 10] = [
        Dimension::Agent,
        Dimension::Team,
        Dimension::Channel,
        Dimension::Priority,
        Dimension::Type,
        Dimension::Tag,
        Dimension::Segment,
        Dimension::Day,
        Dimension::Week,
        Dimension::Month,
    ];

    pub fn as_str(self) -> &'static str {
        match self {
            Dimension::Agent => "agent",
            Dimension::Team => "team",
            Dimension::Channel => "channel",
            Dimension::Priority => "priority",
            Dimension::Type => "type",
            Dimension::Tag => "tag",
            Dimension::Segment => "segment",
            Dimension::Day => "day",
            Dimension::Week => "week",
            Dimension::Month => "month",
        }
    }

    /// Day, week or month.
    pub fn is_time(self) -> bool {
        matches!(self, Dimension::Day | Dimension::Week | Dimension::Month)
    }
}

impl fmt::Display for Dimension {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.write_str(self.as_str())
    }
}

impl FromStr for Dimension {
    type Err = String;
    fn from_str(s: &str) -> Result<Self, String> {
        Dimension::ALL
            .into_iter()
            .find(|d| d.as_str() == s.trim())
            .ok_or_else(|| {
                format!(
                    "unknown dimension `{s}`, expected one of {}",
                    Dimension::ALL.map(|d| format!("`{d}`")).join(", ")
                )
            })
    }
}

/// Filters: each given set restricts the records to those whose value is in it; a record without
/// a value for a filtered dimension (a platform review has no team) is left out. `team` matches a
/// record of the team or of any team below it in the org tree.
#[derive(Clone, Debug, Default, PartialEq, Eq, Serialize, Deserialize)]
#[serde(default, deny_unknown_fields)]
pub struct Filters {
    #[serde(skip_serializing_if = "BTreeSet::is_empty")]
    pub agent: BTreeSet<String>,
    #[serde(skip_serializing_if = "BTreeSet::is_empty")]
    pub team: BTreeSet<String>,
    #[serde(skip_serializing_if = "BTreeSet::is_empty")]
    pub channel: BTreeSet<Channel>,
    #[serde(skip_serializing_if = "BTreeSet::is_empty")]
    pub priority: BTreeSet<Priority>,
    #[serde(rename = "type", skip_serializing_if = "BTreeSet::is_empty")]
    pub case_type: BTreeSet<CaseType>,
    #[serde(skip_serializing_if = "BTreeSet::is_empty")]
    pub tag: BTreeSet<String>,
    #[serde(skip_serializing_if = "BTreeSet::is_empty")]
    pub segment: BTreeSet<String>,
}

impl Filters {
    pub fn is_empty(&self) -> bool {
        self == &Filters::default()
    }
}

/// One metric of a query: a catalogue id (`frt`, `csat_mean` …) and options
/// (`hours = calendar`). Written as text: `frt`, `frt(hours=calendar)`,
/// `service_level(denominator=all_offered,short_abandons=include)`.
#[derive(Clone, Debug, PartialEq, Eq, Hash, PartialOrd, Ord, Serialize, Deserialize)]
pub struct MetricSpec {
    pub id: String,
    #[serde(default, skip_serializing_if = "BTreeMap::is_empty")]
    pub options: BTreeMap<String, String>,
}

impl MetricSpec {
    pub fn new(id: impl Into<String>) -> Self {
        Self {
            id: id.into(),
            options: BTreeMap::new(),
        }
    }

    /// The same metric with one more option.
    pub fn with(mut self, key: impl Into<String>, value: impl Into<String>) -> Self {
        self.options.insert(key.into(), value.into());
        self
    }

    /// Every metric of the catalogue with its default options (the whole dashboard).
    pub fn all() -> Vec<MetricSpec> {
        crate::catalogue::CATALOGUE
            .iter()
            .map(|m| MetricSpec::new(m.id))
            .collect()
    }

    /// Parses a comma-separated list (`csat,frt(hours=calendar),fcr(scope=combined)`); commas
    /// inside parentheses separate options.
    pub fn parse_list(text: &str) -> Result<Vec<MetricSpec>, String> {
        let mut out = Vec::new();
        let mut depth = 0;
        let mut start = 0;
        for (i, c) in text.char_indices() {
            match c {
                '(' => depth += 1,
                ')' => depth -= 1,
                ',' if depth == 0 => {
                    out.push(text[start..i].parse()?);
                    start = i + 1;
                }
                _ => {}
            }
        }
        if !text[start..].trim().is_empty() {
            out.push(text[start..].parse()?);
        }
        Ok(out)
    }
}

impl fmt::Display for MetricSpec {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.write_str(&self.id)?;
        if !self.options.is_empty() {
            let opts: Vec<String> = self
                .options
                .iter()
                .map(|(k, v)| format!("{k}={v}"))
                .collect();
            write!(f, "({})", opts.join(","))?;
        }
        Ok(())
    }
}

impl FromStr for MetricSpec {
    type Err = String;
    fn from_str(s: &str) -> Result<Self, String> {
        let s = s.trim();
        let Some(open) = s.find('(') else {
            if s.is_empty() {
                return Err("empty metric id".into());
            }
            return Ok(MetricSpec::new(s));
        };
        let Some(inner) = s[open + 1..].strip_suffix(')') else {
            return Err(format!("`{s}`: options must end with `)`"));
        };
        let mut spec = MetricSpec::new(s[..open].trim());
        for pair in inner.split(',').filter(|p| !p.trim().is_empty()) {
            let Some((k, v)) = pair.split_once('=') else {
                return Err(format!("`{s}`: option `{pair}` must be written key=value"));
            };
            spec.options.insert(k.trim().into(), v.trim().into());
        }
        Ok(spec)
    }
}

/// What to compute: metrics × period × filters × group-by.
#[derive(Clone, Debug, PartialEq, Serialize, Deserialize)]
#[serde(deny_unknown_fields)]
pub struct MetricQuery {
    pub metrics: Vec<MetricSpec>,
    /// Start of the period (included).
    pub from: Timestamp,
    /// End of the period (excluded).
    pub to: Timestamp,
    #[serde(default, skip_serializing_if = "Filters::is_empty")]
    pub filters: Filters,
    #[serde(default, skip_serializing_if = "Vec::is_empty")]
    pub group_by: Vec<Dimension>,
}

impl MetricQuery {
    /// A query over `[from, to)` without filters or grouping.
    pub fn new(metrics: Vec<MetricSpec>, from: Timestamp, to: Timestamp) -> Self {
        Self {
            metrics,
            from,
            to,
            filters: Filters::default(),
            group_by: Vec::new(),
        }
    }

    /// A query over local dates in `tz`: from `from` 00:00 up to, not including, `to_exclusive`
    /// 00:00 (`2026-01-01 .. 2027-01-01` is the year 2026).
    pub fn for_local_dates(
        metrics: Vec<MetricSpec>,
        tz: &TimeZone,
        from: Date,
        to_exclusive: Date,
    ) -> Result<Self, QueryError> {
        let (from, to) = crate::time::local_period(tz, from, to_exclusive)
            .map_err(|e| QueryError::BadPeriod(e.to_string()))?;
        Ok(Self::new(metrics, from, to))
    }

    pub fn group_by(mut self, dims: impl IntoIterator<Item = Dimension>) -> Self {
        self.group_by = dims.into_iter().collect();
        self
    }

    pub fn filters(mut self, filters: Filters) -> Self {
        self.filters = filters;
        self
    }
}

/// One of a metric's built-in breakdowns (touches by bucket, volume by channel, breaches by SLA
/// target, SERVQUAL by dimension …).
#[derive(Clone, Debug, PartialEq, Serialize, Deserialize)]
pub struct Part {
    pub value: Option<f64>,
    pub n: u64,
}

/// A metric's figure for one group. `value` None is "no data" (an empty denominator, no
/// responses). `n` counts the records behind the figure (what the catalogue says it counts:
/// responses, cases, contacts, agent-days …). `median` and `p90` are given for durations (exact
/// nearest-rank percentiles). `parts` holds a metric's breakdown when it has one.
#[derive(Clone, Debug, PartialEq, Default, Serialize, Deserialize)]
pub struct MetricValue {
    pub value: Option<f64>,
    pub n: u64,
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub median: Option<f64>,
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub p90: Option<f64>,
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub parts: Option<BTreeMap<String, Part>>,
}

impl MetricValue {
    /// No data: value None, n 0.
    pub fn none() -> Self {
        Self::default()
    }

    pub(crate) fn of(value: Option<f64>, n: u64) -> Self {
        Self {
            value,
            n,
            ..Self::default()
        }
    }
}

/// One row of a result: the group's key per dimension (in `group_by` order; None for records
/// without a value for it), then the metrics (in query order).
#[derive(Clone, Debug, PartialEq)]
pub struct Row {
    pub keys: Vec<Option<String>>,
    /// The row's stretch of time: its day, week or month cut to the period (the whole period
    /// without a time dimension). Snapshot metrics are taken at `end` (or at `now` if earlier).
    pub start: Timestamp,
    pub end: Timestamp,
    pub values: Vec<MetricValue>,
}

/// The answer to a [`MetricQuery`].
#[derive(Clone, Debug, PartialEq)]
pub struct QueryResult {
    pub group_by: Vec<Dimension>,
    /// The metrics as asked (ids with options, e.g. `frt(hours=calendar)`), in query order.
    pub metrics: Vec<MetricSpec>,
    /// Whether each metric is a duration (its values carry `median` and `p90`).
    pub durations: Vec<bool>,
    pub rows: Vec<Row>,
}

impl QueryResult {
    /// The rows as JSON objects: the group keys, then per metric
    /// `{ "value": …, "n": …, "median": …, "p90": … }` (median and p90 for durations only),
    /// keyed by the metric as asked.
    pub fn to_json(&self) -> serde_json::Value {
        use serde_json::{Map, Value, json};
        let rows = self
            .rows
            .iter()
            .map(|row| {
                let mut obj = Map::new();
                for (d, k) in self.group_by.iter().zip(&row.keys) {
                    obj.insert(
                        d.as_str().into(),
                        k.clone().map_or(Value::Null, Value::from),
                    );
                }
                for ((spec, v), duration) in
                    self.metrics.iter().zip(&row.values).zip(&self.durations)
                {
                    let mut m = Map::new();
                    m.insert("value".into(), json!(v.value));
                    m.insert("n".into(), json!(v.n));
                    if *duration {
                        m.insert("median".into(), json!(v.median));
                        m.insert("p90".into(), json!(v.p90));
                    }
                    if let Some(parts) = &v.parts {
                        m.insert("parts".into(), json!(parts));
                    }
                    obj.insert(spec.to_string(), Value::Object(m));
                }
                Value::Object(obj)
            })
            .collect();
        Value::Array(rows)
    }

    /// The value of metric `index` in the row whose keys are `keys`.
    pub fn get(&self, keys: &[Option<&str>], index: usize) -> Option<&MetricValue> {
        self.rows
            .iter()
            .find(|r| {
                r.keys.len() == keys.len()
                    && r.keys.iter().zip(keys).all(|(a, b)| a.as_deref() == *b)
            })
            .map(|r| &r.values[index])
    }
}

impl Serialize for QueryResult {
    fn serialize<S: serde::Serializer>(&self, serializer: S) -> Result<S::Ok, S::Error> {
        self.to_json().serialize(serializer)
    }
}

/// Why a query cannot be answered.
#[derive(Clone, Debug, PartialEq, Eq, thiserror::Error)]
pub enum QueryError {
    #[error("unknown metric `{id}`{}", suggestion.as_ref().map(|s| format!("; did you mean `{s}`?")).unwrap_or_default())]
    UnknownMetric {
        id: String,
        suggestion: Option<String>,
    },
    #[error("metric `{metric}` has no option `{option}`; its options are: {}", if allowed.is_empty() { "none".to_string() } else { allowed.join(", ") })]
    UnknownOption {
        metric: String,
        option: String,
        allowed: Vec<String>,
    },
    #[error("metric `{metric}`, option `{option}`: `{value}` is not allowed; expected {expected}")]
    BadOptionValue {
        metric: String,
        option: String,
        value: String,
        expected: String,
    },
    #[error("the period is empty or reversed: from {from} must be before to {to}")]
    EmptyPeriod { from: String, to: String },
    #[error("bad period: {0}")]
    BadPeriod(String),
    #[error("dimension `{0}` is given twice in group_by")]
    RepeatedDimension(Dimension),
    #[error(
        "too many time buckets (more than {max}); group by a longer unit or shorten the period"
    )]
    TooManyBuckets { max: usize },
    #[error("too many groups: the group-by dimensions have more than 2^62 combinations")]
    TooManyGroups,
    /// A drill-down asked for a subset its metric does not have.
    #[error("metric `{metric}` has no drill-down subset `{subset}`; its subsets are: {}", if allowed.is_empty() { "none".to_string() } else { allowed.join(", ") })]
    UnknownSubset {
        metric: String,
        subset: String,
        allowed: Vec<String>,
    },
    /// A drill-down's keys do not name a cell of the query: a wrong number of keys, or a time
    /// key that is not one of the period's days, weeks or months.
    #[error("drill-down cell: {0}")]
    BadCell(String),
    #[error("a drill-down page holds at most {max} records; {limit} asked")]
    PageTooLarge { limit: usize, max: usize },
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn metric_specs_parse_and_print() {
        let list =
            MetricSpec::parse_list("csat, frt(hours=calendar),service_level(denominator=all_offered,short_abandons=include)")
                .unwrap();
        assert_eq!(list.len(), 3);
        assert_eq!(list[0], MetricSpec::new("csat"));
        assert_eq!(list[1], MetricSpec::new("frt").with("hours", "calendar"));
        assert_eq!(
            list[2].to_string(),
            "service_level(denominator=all_offered,short_abandons=include)"
        );
        assert!("frt(hours".parse::<MetricSpec>().is_err());
        assert!("frt(hours)".parse::<MetricSpec>().is_err());
    }

    #[test]
    fn dimensions_parse() {
        assert_eq!("type".parse::<Dimension>(), Ok(Dimension::Type));
        assert!("year".parse::<Dimension>().unwrap_err().contains("`month`"));
        let q: MetricQuery = serde_json::from_str(
            r#"{"metrics":[{"id":"csat"}],"from":"2026-03-01T00:00:00Z","to":"2026-04-01T00:00:00Z",
                "filters":{"type":["complaint"],"channel":["email"]},"group_by":["team","month"]}"#,
        )
        .unwrap();
        assert_eq!(q.group_by, vec![Dimension::Team, Dimension::Month]);
        assert!(q.filters.case_type.contains(&CaseType::Complaint));
    }
}
