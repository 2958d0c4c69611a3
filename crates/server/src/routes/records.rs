//! Ingestion: records as JSON (one, or a batch of up to 10,000), file uploads through a mapping,
//! and a helpdesk-style webhook for case updates. Idempotent by record id (a record sent again
//! replaces the stored one; the same body again changes nothing).
//!
//! `atomic=true` (the default): the batch lands whole or not at all; one invalid record refuses
//! the batch with 422 and every rejected record's position, field and reason. `atomic=false`:
//! the valid records land and the rejected ones come back with their reasons.

use std::collections::BTreeMap;
use std::sync::Arc;

use axum::Json;
use axum::body::Bytes;
use axum::extract::{Query, State};
use carekpi_domain::interchange::{Position, parse_record};
use carekpi_domain::{BatchGuard, Record, RecordError, RecordKind};
use carekpi_storage::UpsertCounts;
use rayon::prelude::*;
use serde::{Deserialize, Serialize};
use serde_json::value::RawValue;
use serde_json::{Value, json};

use crate::auth::Caller;
use crate::error::{ApiError, ApiResult, rejected_json};
use crate::state::AppState;

#[derive(Deserialize, utoipa::IntoParams)]
#[into_params(parameter_in = Query)]
#[serde(deny_unknown_fields)]
pub struct IngestParams {
    /// true (default): all or nothing. false: store the valid records, return the rejected ones.
    pub atomic: Option<bool>,
}

/// What an ingest did.
#[derive(Serialize, utoipa::ToSchema)]
pub struct IngestResponse {
    /// Records in the request.
    pub received: usize,
    /// New ids stored.
    pub inserted: u64,
    /// Stored ids whose body changed.
    pub updated: u64,
    /// Stored ids sent again with the same body.
    pub unchanged: u64,
    /// Records refused (atomic=false only): position, kind, id, field, reason.
    #[schema(value_type = Vec<Object>)]
    pub rejected: Value,
}

impl IngestResponse {
    fn new(received: usize, counts: UpsertCounts, errors: &[RecordError]) -> Self {
        Self {
            received,
            inserted: counts.inserted,
            updated: counts.updated,
            unchanged: counts.unchanged,
            rejected: rejected_json(errors),
        }
    }
}

/// The records of a request body: a JSON array of records, `{"records": [...]}`, or one record.
/// Each record is read by the interchange format's own reader (the same checks and messages as
/// a file import); errors carry the record's 0-based index.
fn parse_body(body: &[u8], max: usize) -> ApiResult<(usize, Vec<Record>, Vec<RecordError>)> {
    let text = std::str::from_utf8(body)
        .map_err(|e| ApiError::bad_request(format!("the body is not UTF-8: {e}")))?;
    let trimmed = text.trim_start();
    let items: Vec<&RawValue> = if trimmed.starts_with('[') {
        serde_json::from_str(text)
            .map_err(|e| ApiError::bad_request(format!("the body is not a JSON array: {e}")))?
    } else {
        let object: BTreeMap<&str, &RawValue> = serde_json::from_str(text).map_err(|e| {
            ApiError::bad_request(format!(
                "the body is not JSON (a record, an array of records, or {{\"records\": [...]}}): {e}"
            ))
        })?;
        match object.get("records") {
            Some(list) if object.len() == 1 => serde_json::from_str(list.get()).map_err(|e| {
                ApiError::bad_request(format!("`records` must be an array of records: {e}"))
            })?,
            _ => vec![
                serde_json::from_str::<&RawValue>(text)
                    .map_err(|e| ApiError::bad_request(e.to_string()))?,
            ],
        }
    };
    if items.is_empty() {
        return Err(ApiError::bad_request("the batch has no records"));
    }
    if items.len() > max {
        return Err(ApiError::too_large(format!(
            "{} records in one batch; the most is {max}: split it, or upload a file to /api/import",
            items.len()
        )));
    }
    let parsed: Vec<Result<Record, Vec<RecordError>>> = if items.len() >= 256 {
        items
            .par_iter()
            .enumerate()
            .map(|(i, raw)| parse_record(raw.get().as_bytes(), Position::Index(i), None))
            .collect()
    } else {
        items
            .iter()
            .enumerate()
            .map(|(i, raw)| parse_record(raw.get().as_bytes(), Position::Index(i), None))
            .collect()
    };
    let mut guard = BatchGuard::new();
    let mut records = Vec::with_capacity(parsed.len());
    let mut errors = Vec::new();
    for (i, result) in parsed.into_iter().enumerate() {
        match result {
            Ok(record) => match guard.check(&record, Position::Index(i)) {
                Ok(()) => records.push(record),
                Err(e) => errors.push(e),
            },
            Err(mut es) => errors.append(&mut es),
        }
    }
    Ok((items.len(), records, errors))
}

/// Send records: one record, an array, or `{"records": [...]}` (up to 10,000).
#[utoipa::path(post, path = "/api/records", tag = "ingest", params(IngestParams),
    request_body(content = Object, description = "A record of the interchange format (docs/data-format.md), an array of them, or {\"records\": [...]}"),
    responses(
        (status = 200, description = "Stored", body = IngestResponse),
        (status = 400, description = "Not JSON, or not records", body = crate::error::ErrorBody),
        (status = 401, description = "Not authenticated", body = crate::error::ErrorBody),
        (status = 403, description = "Not allowed to send records", body = crate::error::ErrorBody),
        (status = 413, description = "Too many records or too large a body", body = crate::error::ErrorBody),
        (status = 422, description = "Invalid records (atomic): nothing stored; each record's field and reason in details.rejected", body = crate::error::ErrorBody)),
    security(("session" = []), ("api_key" = [])))]
pub async fn ingest(
    State(state): State<Arc<AppState>>,
    caller: Caller,
    params: Result<Query<IngestParams>, axum::extract::rejection::QueryRejection>,
    body: Result<Bytes, axum::extract::rejection::BytesRejection>,
) -> ApiResult<Json<IngestResponse>> {
    caller.require_ingest()?;
    let Query(params) = params?;
    let body = body?;
    let max = state.options.max_batch_records;
    let (received, records, errors) = tokio::task::spawn_blocking(move || parse_body(&body, max))
        .await
        .map_err(|e| ApiError::internal(e.to_string()))??;
    let atomic = params.atomic.unwrap_or(true);
    if !errors.is_empty() && atomic {
        return Err(ApiError::invalid_records(&errors, received));
    }
    let counts = store(&state, records).await?;
    Ok(Json(IngestResponse::new(received, counts, &errors)))
}

async fn store(state: &AppState, records: Vec<Record>) -> ApiResult<UpsertCounts> {
    if records.is_empty() {
        return Ok(UpsertCounts::default());
    }
    state.write(records).await
}

/// A helpdesk's case update: `{"case": {...}}` (or the case itself), the case's whole current
/// state in the interchange format, events included. Stored like any case record.
#[utoipa::path(post, path = "/api/webhooks/cases", tag = "ingest",
    request_body(content = Object, description = "{\"case\": <case record>} or the case record (kind may be left out)"),
    responses(
        (status = 200, description = "Stored", body = IngestResponse),
        (status = 400, description = "Not JSON", body = crate::error::ErrorBody),
        (status = 422, description = "Invalid case", body = crate::error::ErrorBody)),
    security(("session" = []), ("api_key" = [])))]
pub async fn case_webhook(
    State(state): State<Arc<AppState>>,
    caller: Caller,
    body: Result<Bytes, axum::extract::rejection::BytesRejection>,
) -> ApiResult<Json<IngestResponse>> {
    caller.require_ingest()?;
    let body = body?;
    let mut value: Value = serde_json::from_slice(&body)
        .map_err(|e| ApiError::bad_request(format!("the body is not JSON: {e}")))?;
    if let Some(inner) = value.as_object_mut().and_then(|o| o.remove("case")) {
        value = inner;
    }
    let Value::Object(map) = &mut value else {
        return Err(ApiError::bad_request("the body must be a case object"));
    };
    match map.get("kind") {
        None => {
            map.insert("kind".into(), json!("case"));
        }
        Some(Value::String(k)) if k == "case" => {}
        Some(other) => {
            return Err(ApiError::unprocessable(
                "invalid_records",
                format!("this webhook takes cases; `kind` is {other}"),
            )
            .with_details(
                json!({"rejected": [{"index": 0, "field": "kind", "reason": "must be `case`"}]}),
            ));
        }
    }
    let record = carekpi_domain::interchange::parse_record_value(&value, Position::Index(0), None)
        .map_err(|errors| ApiError::invalid_records(&errors, 1))?;
    let counts = store(&state, vec![record]).await?;
    Ok(Json(IngestResponse::new(1, counts, &[])))
}

#[derive(Deserialize, utoipa::IntoParams)]
#[into_params(parameter_in = Query)]
#[serde(deny_unknown_fields)]
pub struct ImportParams {
    /// `jsonl` or `csv`.
    pub format: String,
    /// CSV: a built-in or stored mapping (`GET /api/mappings` lists them; e.g. `call-centre-trends`).
    pub mapping: Option<String>,
    /// JSON Lines: the kind of lines without `kind`; CSV without a mapping: the kind whose field
    /// names the header uses.
    pub kind: Option<String>,
    /// The IANA time zone of local (offset-less) times in a CSV file.
    pub time_zone: Option<String>,
    /// true (default): all or nothing. false: store the valid records, return the rejected ones.
    pub atomic: Option<bool>,
}

/// Upload a file (the raw body: JSON Lines, or CSV read through a built-in or stored mapping).
#[utoipa::path(post, path = "/api/import", tag = "ingest", params(ImportParams),
    request_body(content = String, description = "The file's bytes", content_type = "application/octet-stream"),
    responses(
        (status = 200, description = "Stored", body = IngestResponse),
        (status = 400, description = "Unknown format, mapping, kind or time zone; an unreadable file", body = crate::error::ErrorBody),
        (status = 413, description = "The file is larger than the upload limit", body = crate::error::ErrorBody),
        (status = 422, description = "Invalid records (atomic): nothing stored", body = crate::error::ErrorBody)),
    security(("session" = []), ("api_key" = [])))]
pub async fn import(
    State(state): State<Arc<AppState>>,
    caller: Caller,
    params: Result<Query<ImportParams>, axum::extract::rejection::QueryRejection>,
    body: Result<Bytes, axum::extract::rejection::BytesRejection>,
) -> ApiResult<Json<IngestResponse>> {
    caller.require_ingest()?;
    let Query(params) = params?;
    let body = body?;
    let format: carekpi_ingest::Format = params
        .format
        .parse()
        .map_err(|e: String| ApiError::bad_request(e))?;
    // A built-in mapping by name, or one stored through /api/mappings (never a server path).
    let stored_mapping = match &params.mapping {
        Some(m)
            if !carekpi_ingest::builtin_mappings()
                .iter()
                .any(|(n, _)| n == m) =>
        {
            match super::mappings::stored(&state, m).await? {
                Some(text) => Some(text),
                None => {
                    let names: Vec<&str> = carekpi_ingest::builtin_mappings()
                        .iter()
                        .map(|(n, _)| *n)
                        .collect();
                    return Err(ApiError::bad_request(format!(
                        "unknown mapping `{m}`; the built-in mappings are: {} (GET /api/mappings lists the stored ones too)",
                        names.join(", ")
                    ))
                    .with_details(json!({"field": "mapping"})));
                }
            }
        }
        _ => None,
    };
    let kind = match &params.kind {
        None => None,
        Some(k) => Some(
            k.parse::<RecordKind>()
                .map_err(|_| ApiError::bad_request(format!("unknown record kind `{k}`")))?,
        ),
    };
    let time_zone = match &params.time_zone {
        None => None,
        Some(z) => Some(
            jiff::tz::TimeZone::get(z)
                .map_err(|e| ApiError::bad_request(format!("unknown time zone `{z}`: {e}")))?,
        ),
    };
    let options = carekpi_ingest::SourceOptions {
        format: Some(format),
        kind,
        mapping: params.mapping.clone(),
        time_zone,
    };
    let read = tokio::task::spawn_blocking(move || read_upload(&body, options, stored_mapping))
        .await
        .map_err(|e| ApiError::internal(e.to_string()))??;
    let (received, records, errors) = read;
    if !errors.is_empty() && params.atomic.unwrap_or(true) {
        return Err(ApiError::invalid_records(&errors, received));
    }
    let counts = store(&state, records).await?;
    Ok(Json(IngestResponse::new(received, counts, &errors)))
}

/// Read an uploaded file through the ingest crate (the same reader as `carekpi import`).
fn read_upload(
    body: &[u8],
    mut options: carekpi_ingest::SourceOptions,
    stored_mapping: Option<String>,
) -> ApiResult<(usize, Vec<Record>, Vec<RecordError>)> {
    use std::io::Write;
    let stage = |prefix: &str, suffix: &str, bytes: &[u8]| {
        let mut file = tempfile::Builder::new()
            .prefix(prefix)
            .suffix(suffix)
            .tempfile()
            .map_err(|e| ApiError::internal(format!("cannot stage the upload: {e}")))?;
        file.write_all(bytes)
            .and_then(|()| file.flush())
            .map_err(|e| ApiError::internal(format!("cannot stage the upload: {e}")))?;
        Ok::<_, ApiError>(file)
    };
    // A stored mapping is read from a file of its own, as `carekpi import --mapping FILE` would.
    let _mapping_file = match stored_mapping {
        Some(text) => {
            let file = stage("carekpi-mapping-", ".toml", text.as_bytes())?;
            options.mapping = Some(file.path().display().to_string());
            Some(file)
        }
        None => None,
    };
    let suffix = match options.format {
        Some(carekpi_ingest::Format::Csv) => ".csv",
        _ => ".jsonl",
    };
    let file = stage("carekpi-upload-", suffix, body)?;
    let mut source = carekpi_ingest::open(file.path(), options)
        .map_err(|e| ApiError::bad_request(e.to_string()))?;
    let (mut records, mut errors, mut received) = (Vec::new(), Vec::new(), 0usize);
    while let Some(chunk) = source.next_chunk() {
        let mut chunk = chunk.map_err(|e| ApiError::bad_request(e.to_string()))?;
        received += chunk.records.len() + chunk.rejected.len();
        records.append(&mut chunk.records);
        errors.append(&mut chunk.errors);
    }
    Ok((received, records, errors))
}
