//! CSV mappings: the built-in ones and the account's own, stored in the database (setting
//! `mapping.<name>`, versioned), so `POST /api/import?mapping=<name>` reads a helpdesk's export
//! through a mapping an admin wrote (the language of docs/import.md).

use std::sync::Arc;

use axum::Json;
use axum::body::Bytes;
use axum::extract::{Path, State};
use axum::http::StatusCode;
use serde_json::{Value, json};

use crate::auth::{Caller, now_ms};
use crate::error::{ApiError, ApiResult};
use crate::state::AppState;

/// The setting that holds a stored mapping's TOML.
pub fn setting_key(name: &str) -> String {
    format!("mapping.{name}")
}

/// The TOML of a stored mapping, if there is one by that name.
pub async fn stored(state: &AppState, name: &str) -> ApiResult<Option<String>> {
    if check_name(name).is_err() {
        return Ok(None);
    }
    Ok(state.store.setting(&setting_key(name)).await?)
}

fn check_name(name: &str) -> ApiResult<()> {
    let ok = (1..=64).contains(&name.len())
        && name
            .chars()
            .all(|c| c.is_ascii_lowercase() || c.is_ascii_digit() || c == '-' || c == '_');
    if !ok {
        return Err(ApiError::bad_request(
            "a mapping name has 1 to 64 lower-case letters, digits, `-` or `_`",
        )
        .with_details(json!({"field": "name"})));
    }
    if carekpi_ingest::builtin_mappings()
        .iter()
        .any(|(n, _)| *n == name)
    {
        return Err(ApiError::conflict(format!(
            "`{name}` is a built-in mapping; store yours under another name"
        )));
    }
    Ok(())
}

/// The mappings `POST /api/import` can use: built-in and stored.
#[utoipa::path(get, path = "/api/mappings", tag = "ingest",
    responses((status = 200, description = "{builtin: [{name, description}], stored: [{name, version, actor, at}]}", body = Object)),
    security(("session" = []), ("api_key" = [])))]
pub async fn list(State(state): State<Arc<AppState>>, caller: Caller) -> ApiResult<Json<Value>> {
    caller.require_read()?;
    let builtin: Vec<Value> = carekpi_ingest::builtin_mappings()
        .into_iter()
        .map(|(name, description)| json!({"name": name, "description": description}))
        .collect();
    let mut stored = Vec::new();
    for key in state.store.setting_keys("mapping.").await? {
        let name = key.trim_start_matches("mapping.").to_string();
        let history = state.store.setting_history(&key).await?;
        let latest = history.first();
        if state.store.setting(&key).await?.is_some() {
            stored.push(json!({
                "name": name,
                "version": latest.map(|v| v.version),
                "actor": latest.map(|v| v.actor.clone()),
                "at": latest.and_then(|v| jiff::Timestamp::from_millisecond(v.at_ms).ok()),
            }));
        }
    }
    Ok(Json(json!({"builtin": builtin, "stored": stored})))
}

/// A mapping's TOML (built-in or stored).
#[utoipa::path(get, path = "/api/mappings/{name}", tag = "ingest",
    params(("name" = String, Path, description = "The mapping's name")),
    responses((status = 200, description = "The TOML text", body = String, content_type = "text/plain"),
        (status = 404, description = "No such mapping", body = crate::error::ErrorBody)),
    security(("session" = []), ("api_key" = [])))]
pub async fn get(
    State(state): State<Arc<AppState>>,
    caller: Caller,
    Path(name): Path<String>,
) -> ApiResult<String> {
    caller.require_read()?;
    if let Some(text) = carekpi_ingest::builtin_mapping_source(&name) {
        return Ok(text.to_string());
    }
    stored(&state, &name)
        .await?
        .ok_or_else(|| ApiError::not_found(format!("no mapping `{name}`")))
}

/// Store (or replace) a mapping: checked as an import reads it; errors name its line.
#[utoipa::path(put, path = "/api/mappings/{name}", tag = "ingest",
    params(("name" = String, Path, description = "The mapping's name")),
    request_body(content = String, description = "The mapping (TOML, docs/import.md)", content_type = "application/toml"),
    responses((status = 200, description = "{name, version}", body = Object),
        (status = 400, description = "Not a valid mapping: its line and the reason", body = crate::error::ErrorBody),
        (status = 403, description = "Not an admin", body = crate::error::ErrorBody),
        (status = 409, description = "The name of a built-in mapping", body = crate::error::ErrorBody)),
    security(("session" = [])))]
pub async fn put(
    State(state): State<Arc<AppState>>,
    caller: Caller,
    Path(name): Path<String>,
    body: Result<Bytes, axum::extract::rejection::BytesRejection>,
) -> ApiResult<Json<Value>> {
    caller.require_admin()?;
    check_name(&name)?;
    let body = body?;
    let text = std::str::from_utf8(&body)
        .map_err(|e| ApiError::bad_request(format!("the mapping is not UTF-8: {e}")))?;
    carekpi_ingest::check_mapping(&name, text).map_err(|e| {
        ApiError::bad_request(format!("invalid mapping: {e}"))
            .with_details(json!({"field": "mapping"}))
    })?;
    let version = state
        .store
        .set_setting_versioned(&setting_key(&name), text, &caller.actor(), now_ms())
        .await?;
    Ok(Json(json!({"name": name, "version": version})))
}

/// Remove a stored mapping.
#[utoipa::path(delete, path = "/api/mappings/{name}", tag = "ingest",
    params(("name" = String, Path, description = "The mapping's name")),
    responses((status = 204, description = "Removed"),
        (status = 403, description = "Not an admin", body = crate::error::ErrorBody),
        (status = 404, description = "No such stored mapping", body = crate::error::ErrorBody)),
    security(("session" = [])))]
pub async fn delete(
    State(state): State<Arc<AppState>>,
    caller: Caller,
    Path(name): Path<String>,
) -> ApiResult<StatusCode> {
    caller.require_admin()?;
    if stored(&state, &name).await?.is_none() {
        return Err(ApiError::not_found(format!("no stored mapping `{name}`")));
    }
    state.store.delete_setting(&setting_key(&name)).await?;
    Ok(StatusCode::NO_CONTENT)
}
