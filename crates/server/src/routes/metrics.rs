//! The metric catalogue and metric queries.

use std::collections::BTreeSet;
use std::sync::Arc;

use axum::Json;
use axum::extract::{Query, State};
use carekpi_engine::drill::{DEFAULT_LIMIT, DrillDown};
use carekpi_engine::{Dimension, Filters, MetricQuery, MetricSpec, QueryError};
use jiff::Timestamp;
use serde::Deserialize;
use serde_json::{Value, json};

use crate::auth::Caller;
use crate::error::{ApiError, ApiResult};
use crate::state::AppState;

/// Every metric: id, names (English, Vietnamese), unit, direction, formula, options.
#[utoipa::path(get, path = "/api/metrics", tag = "metrics",
    responses((status = 200, description = "The catalogue", body = Vec<Object>),
        (status = 401, description = "Not authenticated", body = crate::error::ErrorBody)),
    security(("session" = []), ("api_key" = [])))]
pub async fn catalogue(caller: Caller) -> ApiResult<Json<Value>> {
    caller.require_read()?;
    Ok(Json(
        serde_json::to_value(carekpi_engine::catalogue())
            .map_err(|e| ApiError::internal(e.to_string()))?,
    ))
}

/// A metric query.
#[derive(Deserialize, utoipa::ToSchema)]
#[serde(deny_unknown_fields)]
pub struct QueryRequest {
    /// Metrics as text: `csat`, `frt(hours=calendar)`; `all` for the whole catalogue.
    pub metrics: Vec<String>,
    /// Start (included): a date `YYYY-MM-DD` (midnight in the account's time zone) or an
    /// RFC 3339 instant.
    pub from: String,
    /// End (excluded), as `from`.
    pub to: String,
    /// Filters: `agent`, `team`, `channel`, `priority`, `type`, `tag`, `segment` (each a list).
    #[serde(default)]
    #[schema(value_type = Object)]
    pub filters: Filters,
    /// Group by: `agent`, `team`, `channel`, `priority`, `type`, `tag`, `segment`, `day`,
    /// `week`, `month`.
    #[serde(default)]
    #[schema(value_type = Vec<String>)]
    pub group_by: Vec<Dimension>,
    /// The instant snapshot metrics and running SLA targets are judged at (default: now).
    #[schema(value_type = Option<String>)]
    pub now: Option<Timestamp>,
}

/// The same query as URL parameters (a shareable link).
#[derive(Deserialize, utoipa::IntoParams)]
#[into_params(parameter_in = Query)]
#[serde(deny_unknown_fields)]
pub struct QueryParams {
    /// Comma-separated metrics: `csat,frt(hours=calendar)`, or `all`.
    pub metrics: String,
    /// Start (included): `YYYY-MM-DD` or an RFC 3339 instant.
    pub from: String,
    /// End (excluded).
    pub to: String,
    /// Comma-separated group-by dimensions, e.g. `team,month`.
    pub by: Option<String>,
    pub agent: Option<String>,
    pub team: Option<String>,
    pub channel: Option<String>,
    pub priority: Option<String>,
    #[serde(rename = "type")]
    #[param(rename = "type")]
    pub case_type: Option<String>,
    pub tag: Option<String>,
    pub segment: Option<String>,
    pub now: Option<String>,
}

fn list(text: &Option<String>) -> BTreeSet<String> {
    text.iter()
        .flat_map(|t| t.split(','))
        .map(|s| s.trim().to_string())
        .filter(|s| !s.is_empty())
        .collect()
}

fn vocab<T: std::str::FromStr + Ord>(field: &str, text: &Option<String>) -> ApiResult<BTreeSet<T>> {
    list(text)
        .into_iter()
        .map(|s| {
            s.parse::<T>().map_err(|_| {
                ApiError::bad_request(format!("`{field}`: unknown value `{s}`"))
                    .with_details(json!({"field": field}))
            })
        })
        .collect()
}

impl TryFrom<QueryParams> for QueryRequest {
    type Error = ApiError;
    fn try_from(p: QueryParams) -> ApiResult<QueryRequest> {
        let metrics = if p.metrics.trim() == "all" {
            vec!["all".to_string()]
        } else {
            MetricSpec::parse_list(&p.metrics)
                .map_err(|e| field_error("metrics", e))?
                .iter()
                .map(ToString::to_string)
                .collect()
        };
        // In the order given (a repeated dimension is the engine's error to report).
        let group_by =
            p.by.iter()
                .flat_map(|t| t.split(','))
                .map(str::trim)
                .filter(|s| !s.is_empty())
                .map(|d| d.parse::<Dimension>().map_err(|e| field_error("by", e)))
                .collect::<ApiResult<Vec<_>>>()?;
        let now = match &p.now {
            None => None,
            Some(t) => Some(
                t.parse::<Timestamp>()
                    .map_err(|e| field_error("now", e.to_string()))?,
            ),
        };
        Ok(QueryRequest {
            metrics,
            from: p.from,
            to: p.to,
            filters: Filters {
                agent: list(&p.agent),
                team: list(&p.team),
                channel: vocab("channel", &p.channel)?,
                priority: vocab("priority", &p.priority)?,
                case_type: vocab("type", &p.case_type)?,
                tag: list(&p.tag),
                segment: list(&p.segment),
            },
            group_by,
            now,
        })
    }
}

fn field_error(field: &str, message: impl std::fmt::Display) -> ApiError {
    ApiError::bad_request(format!("`{field}`: {message}")).with_details(json!({"field": field}))
}

/// Run a metric query (JSON body).
#[utoipa::path(post, path = "/api/query", tag = "metrics", request_body = QueryRequest,
    responses(
        (status = 200, description = "One row per group: the group keys, then per metric {value, n, median, p90}; value null is \"no data\"", body = Object),
        (status = 400, description = "Unknown metric, option, dimension or a bad period", body = crate::error::ErrorBody),
        (status = 403, description = "Asking for figures the caller may not see", body = crate::error::ErrorBody)),
    security(("session" = []), ("api_key" = [])))]
pub async fn query_post(
    State(state): State<Arc<AppState>>,
    caller: Caller,
    body: Result<Json<QueryRequest>, axum::extract::rejection::JsonRejection>,
) -> ApiResult<Json<Value>> {
    let Json(request) = body?;
    run(state, caller, request).await
}

/// Run a metric query (URL parameters).
#[utoipa::path(get, path = "/api/query", tag = "metrics", params(QueryParams),
    responses(
        (status = 200, description = "As POST /api/query", body = Object),
        (status = 400, description = "Unknown metric, option, dimension or a bad period", body = crate::error::ErrorBody),
        (status = 403, description = "Asking for figures the caller may not see", body = crate::error::ErrorBody)),
    security(("session" = []), ("api_key" = [])))]
pub async fn query_get(
    State(state): State<Arc<AppState>>,
    caller: Caller,
    params: Result<Query<QueryParams>, axum::extract::rejection::QueryRejection>,
) -> ApiResult<Json<Value>> {
    let Query(params) = params?;
    run(state, caller, params.try_into()?).await
}

/// A period bound: a local date (midnight in `tz`) or an instant.
fn bound(field: &str, text: &str, tz: &jiff::tz::TimeZone) -> ApiResult<Timestamp> {
    if let Ok(date) = text.trim().parse::<jiff::civil::Date>() {
        return carekpi_engine::time::start_of_local_day(tz, date)
            .map_err(|e| field_error(field, e));
    }
    text.trim().parse::<Timestamp>().map_err(|e| {
        field_error(
            field,
            format!("`{text}` is neither a date (YYYY-MM-DD) nor an RFC 3339 instant: {e}"),
        )
    })
}

/// Parse, scope to what the caller may see, and run the query.
pub async fn run(
    state: Arc<AppState>,
    caller: Caller,
    mut request: QueryRequest,
) -> ApiResult<Json<Value>> {
    caller.scope_filters(&mut request.filters)?;
    let metrics = if request.metrics.len() == 1 && request.metrics[0].trim() == "all" {
        MetricSpec::all()
    } else {
        request
            .metrics
            .iter()
            .map(|m| {
                m.parse::<MetricSpec>()
                    .map_err(|e| field_error("metrics", e))
            })
            .collect::<ApiResult<Vec<_>>>()?
    };
    if metrics.is_empty() {
        return Err(field_error("metrics", "name at least one metric"));
    }
    if metrics.len() > 200 {
        return Err(field_error("metrics", "at most 200 metrics in one query"));
    }
    let now = request.now.unwrap_or_else(Timestamp::now);
    let result = tokio::task::spawn_blocking(move || {
        let engine = state.engine();
        let tz = engine.time_zone().clone();
        let from = bound("from", &request.from, &tz)?;
        let to = bound("to", &request.to, &tz)?;
        let query = MetricQuery::new(metrics, from, to)
            .filters(request.filters)
            .group_by(request.group_by);
        let result = engine.query(&query, now).map_err(query_error)?;
        let catalogue: Vec<Value> = query
            .metrics
            .iter()
            .map(|spec| {
                let m = carekpi_engine::metric(&spec.id);
                json!({
                    "key": spec.to_string(),
                    "id": spec.id,
                    "name": m.map(|m| m.name_en),
                    "name_vi": m.map(|m| m.name_vi),
                    "unit": m.map(|m| m.unit.as_str()),
                })
            })
            .collect();
        Ok::<Value, ApiError>(json!({
            "from": from,
            "to": to,
            "now": now,
            "time_zone": tz.iana_name(),
            "group_by": query.group_by,
            "filters": query.filters,
            "metrics": catalogue,
            "rows": result.to_json(),
        }))
    })
    .await
    .map_err(|e| ApiError::internal(e.to_string()))??;
    Ok(Json(result))
}

pub fn query_error(e: QueryError) -> ApiError {
    let field = match &e {
        QueryError::UnknownMetric { .. }
        | QueryError::UnknownOption { .. }
        | QueryError::BadOptionValue { .. } => "metrics",
        QueryError::EmptyPeriod { .. } | QueryError::BadPeriod(_) => "from",
        QueryError::RepeatedDimension(_)
        | QueryError::TooManyBuckets { .. }
        | QueryError::TooManyGroups => "group_by",
        QueryError::UnknownSubset { .. } => "subset",
        QueryError::BadCell(_) => "keys",
        QueryError::PageTooLarge { .. } => "limit",
    };
    field_error(field, e)
}

/// The records behind one figure.
#[derive(Deserialize, utoipa::ToSchema)]
#[serde(deny_unknown_fields)]
pub struct DrillRequest {
    /// One metric as text, e.g. `sla_compliance` or `frt(hours=calendar)`.
    pub metric: String,
    /// The query's period: dates (the account's time zone) or RFC 3339 instants.
    pub from: String,
    pub to: String,
    #[serde(default)]
    #[schema(value_type = Object)]
    pub filters: Filters,
    #[serde(default)]
    #[schema(value_type = Vec<String>)]
    pub group_by: Vec<Dimension>,
    /// The row's keys, one per `group_by` dimension, as the query result gives them.
    #[serde(default)]
    pub keys: Vec<Option<String>>,
    /// One of the metric's subsets (`breached`, `detractors` …; the catalogue lists them).
    pub subset: Option<String>,
    #[serde(default)]
    pub offset: usize,
    /// Items per page (default 100, at most 10,000; 0: only the counts).
    pub limit: Option<usize>,
    #[schema(value_type = Option<String>)]
    pub now: Option<Timestamp>,
}

/// Drill down: the records behind a figure (e.g. the cases that breached SLA in week 12),
/// paged, with the size of each of the metric's subsets.
#[utoipa::path(post, path = "/api/drill", tag = "metrics", request_body = DrillRequest,
    responses(
        (status = 200, description = "{n, subsets: [{name, total}], total, offset, limit, records: [{kind, id, at}]}", body = Object),
        (status = 400, description = "Unknown metric, subset, cell keys, or too large a page", body = crate::error::ErrorBody),
        (status = 403, description = "Asking for records the caller may not see", body = crate::error::ErrorBody)),
    security(("session" = []), ("api_key" = [])))]
pub async fn drill(
    State(state): State<Arc<AppState>>,
    caller: Caller,
    body: Result<Json<DrillRequest>, axum::extract::rejection::JsonRejection>,
) -> ApiResult<Json<Value>> {
    let Json(mut r) = body?;
    caller.scope_filters(&mut r.filters)?;
    let metric: MetricSpec = r.metric.parse().map_err(|e| field_error("metric", e))?;
    let now = r.now.unwrap_or_else(Timestamp::now);
    let result = tokio::task::spawn_blocking(move || {
        let engine = state.engine();
        let tz = engine.time_zone().clone();
        let request = DrillDown {
            metric,
            from: bound("from", &r.from, &tz)?,
            to: bound("to", &r.to, &tz)?,
            filters: r.filters,
            group_by: r.group_by,
            keys: r.keys,
            subset: r.subset,
            offset: r.offset,
            limit: r.limit.unwrap_or(DEFAULT_LIMIT),
        };
        let result = engine.drill_down(&request, now).map_err(query_error)?;
        serde_json::to_value(result).map_err(|e| ApiError::internal(e.to_string()))
    })
    .await
    .map_err(|e| ApiError::internal(e.to_string()))??;
    Ok(Json(result))
}
