//! The account's configuration: time zone, schedules and holidays, SLA policies, survey scales
//! and thresholds, service-level thresholds, backlog age (the engine's `EngineConfig`, documented
//! in docs/metrics.md and `carekpi config show`). Every change is versioned: who, when, what.
//! Reading takes any login (or a `read` key); changing takes an admin.

use std::sync::Arc;

use axum::Json;
use axum::body::Bytes;
use axum::extract::{Path, State};
use carekpi_domain::calendar::{ScheduleConfig, parse_ics_holidays};
use carekpi_engine::{Engine, EngineConfig};
use serde_json::{Value, json};

use crate::auth::{Caller, now_ms};
use crate::error::{ApiError, ApiResult};
use crate::state::{ACCOUNT_CONFIG, AppState, load_config};

/// The configuration and its version.
#[utoipa::path(get, path = "/api/config", tag = "config",
    responses((status = 200, description = "{version, config}", body = Object),
        (status = 401, description = "Not authenticated", body = crate::error::ErrorBody)),
    security(("session" = []), ("api_key" = [])))]
pub async fn get_config(
    State(state): State<Arc<AppState>>,
    caller: Caller,
) -> ApiResult<Json<Value>> {
    caller.require_read()?;
    let config = load_config(&state.store).await?;
    let version = crate::state::config_version(&state.store).await?;
    Ok(Json(json!({ "version": version, "config": config })))
}

/// Replace the whole configuration.
#[utoipa::path(put, path = "/api/config", tag = "config",
    request_body(content = Object, description = "The whole configuration (as GET's `config`)"),
    responses((status = 200, description = "Stored: {version, config}", body = Object),
        (status = 400, description = "Invalid: the field and the reason", body = crate::error::ErrorBody),
        (status = 403, description = "Not an admin", body = crate::error::ErrorBody)),
    security(("session" = [])))]
pub async fn put_config(
    State(state): State<Arc<AppState>>,
    caller: Caller,
    body: Result<Json<Value>, axum::extract::rejection::JsonRejection>,
) -> ApiResult<Json<Value>> {
    caller.require_admin()?;
    let Json(value) = body?;
    let config = parse_config(value)?;
    save(&state, &caller, config).await
}

/// Change part of the configuration: a JSON merge patch (RFC 7396) over the current one, e.g.
/// `{"service_level": {"threshold_s": 30}}`; `null` removes a member.
#[utoipa::path(patch, path = "/api/config", tag = "config",
    request_body(content = Object, description = "A JSON merge patch"),
    responses((status = 200, description = "Stored: {version, config}", body = Object),
        (status = 400, description = "Invalid: the field and the reason", body = crate::error::ErrorBody),
        (status = 403, description = "Not an admin", body = crate::error::ErrorBody)),
    security(("session" = [])))]
pub async fn patch_config(
    State(state): State<Arc<AppState>>,
    caller: Caller,
    body: Result<Json<Value>, axum::extract::rejection::JsonRejection>,
) -> ApiResult<Json<Value>> {
    caller.require_admin()?;
    let Json(patch) = body?;
    let _writer = state.writer.lock().await;
    let current = load_config(&state.store).await?;
    let mut value =
        serde_json::to_value(&current).map_err(|e| ApiError::internal(e.to_string()))?;
    merge_patch(&mut value, patch);
    let config = parse_config(value)?;
    save_locked(&state, &caller, config).await
}

/// Set (create or replace) one business-hours schedule.
#[utoipa::path(put, path = "/api/config/schedules/{id}", tag = "config",
    params(("id" = String, Path, description = "The schedule id")),
    request_body(content = Object, description = "{time_zone, versions: [{effective_from?, hours: {mon: [\"09:00-17:00\"]}}], holidays}"),
    responses((status = 200, description = "Stored: {version, config}", body = Object),
        (status = 400, description = "Invalid: the field and the reason", body = crate::error::ErrorBody),
        (status = 403, description = "Not an admin", body = crate::error::ErrorBody)),
    security(("session" = [])))]
pub async fn put_schedule(
    State(state): State<Arc<AppState>>,
    caller: Caller,
    Path(id): Path<String>,
    body: Result<Json<Value>, axum::extract::rejection::JsonRejection>,
) -> ApiResult<Json<Value>> {
    caller.require_admin()?;
    let Json(value) = body?;
    check_id(&id)?;
    let schedule: ScheduleConfig = serde_json::from_value(value).map_err(|e| {
        ApiError::bad_request(format!("schedule `{id}`: {e}"))
            .with_details(json!({"field": format!("schedules.{id}")}))
    })?;
    let _writer = state.writer.lock().await;
    let mut config = load_config(&state.store).await?;
    config.schedules.insert(id, schedule);
    save_locked(&state, &caller, config).await
}

/// Remove a schedule (refused while the account uses it).
#[utoipa::path(delete, path = "/api/config/schedules/{id}", tag = "config",
    params(("id" = String, Path, description = "The schedule id")),
    responses((status = 200, description = "Stored: {version, config}", body = Object),
        (status = 400, description = "In use", body = crate::error::ErrorBody),
        (status = 404, description = "No such schedule", body = crate::error::ErrorBody)),
    security(("session" = [])))]
pub async fn delete_schedule(
    State(state): State<Arc<AppState>>,
    caller: Caller,
    Path(id): Path<String>,
) -> ApiResult<Json<Value>> {
    caller.require_admin()?;
    let _writer = state.writer.lock().await;
    let mut config = load_config(&state.store).await?;
    if config.schedules.remove(&id).is_none() {
        return Err(ApiError::not_found(format!("no schedule `{id}`")));
    }
    save_locked(&state, &caller, config).await
}

/// Add the holidays of an iCalendar (.ics) file to a schedule (those already there are kept).
#[utoipa::path(post, path = "/api/config/schedules/{id}/holidays", tag = "config",
    params(("id" = String, Path, description = "The schedule id")),
    request_body(content = String, description = "An iCalendar file", content_type = "text/calendar"),
    responses((status = 200, description = "{added, already_there, version}", body = Object),
        (status = 400, description = "Not a readable calendar (the line and the reason)", body = crate::error::ErrorBody),
        (status = 404, description = "No such schedule", body = crate::error::ErrorBody)),
    security(("session" = [])))]
pub async fn import_holidays(
    State(state): State<Arc<AppState>>,
    caller: Caller,
    Path(id): Path<String>,
    body: Result<Bytes, axum::extract::rejection::BytesRejection>,
) -> ApiResult<Json<Value>> {
    caller.require_admin()?;
    let body = body?;
    let text = std::str::from_utf8(&body)
        .map_err(|e| ApiError::bad_request(format!("the calendar is not UTF-8: {e}")))?;
    let holidays = parse_ics_holidays(text)
        .map_err(|e| ApiError::bad_request(format!("{e}; nothing was imported")))?;
    let _writer = state.writer.lock().await;
    let mut config = load_config(&state.store).await?;
    let Some(schedule) = config.schedules.get_mut(&id) else {
        return Err(ApiError::not_found(format!("no schedule `{id}`")));
    };
    let (added, already) = schedule.add_holidays(holidays);
    let Json(saved) = save_locked(&state, &caller, config).await?;
    Ok(Json(json!({
        "added": added.len(),
        "already_there": already,
        "version": saved["version"],
    })))
}

/// Every stored version, newest first: version, who, when, and the configuration.
#[utoipa::path(get, path = "/api/config/history", tag = "config",
    responses((status = 200, description = "[{version, actor, at, config}]", body = Vec<Object>),
        (status = 403, description = "Not an admin", body = crate::error::ErrorBody)),
    security(("session" = [])))]
pub async fn history(State(state): State<Arc<AppState>>, caller: Caller) -> ApiResult<Json<Value>> {
    caller.require_admin()?;
    let versions = state.store.setting_history(ACCOUNT_CONFIG).await?;
    Ok(Json(Value::Array(
        versions
            .into_iter()
            .map(|v| {
                json!({
                    "version": v.version,
                    "actor": v.actor,
                    "at": jiff::Timestamp::from_millisecond(v.at_ms).ok(),
                    "config": serde_json::from_str::<Value>(&v.value).unwrap_or(Value::Null),
                })
            })
            .collect(),
    )))
}

fn check_id(id: &str) -> ApiResult<()> {
    let ok = !id.is_empty()
        && id.len() <= 100
        && id
            .chars()
            .all(|c| c.is_ascii_alphanumeric() || matches!(c, '-' | '_' | '.'));
    if ok {
        Ok(())
    } else {
        Err(ApiError::bad_request(
            "a schedule id has 1 to 100 letters, digits, `-`, `_` or `.`",
        ))
    }
}

/// Read a configuration and check it as the engine would.
fn parse_config(value: Value) -> ApiResult<EngineConfig> {
    let config: EngineConfig = serde_json::from_value(value).map_err(|e| {
        ApiError::bad_request(format!("invalid configuration: {e}"))
            .with_details(json!({"field": "(document)"}))
    })?;
    if let Err(e) = Engine::new(config.clone()) {
        return Err(ApiError::bad_request(format!("invalid configuration: {e}"))
            .with_details(json!({"field": e.field, "reason": e.reason})));
    }
    Ok(config)
}

async fn save(state: &AppState, caller: &Caller, config: EngineConfig) -> ApiResult<Json<Value>> {
    let _writer = state.writer.lock().await;
    save_locked(state, caller, config).await
}

/// Store a new version and rebuild the engine with it. Called with `writer` held.
async fn save_locked(
    state: &AppState,
    caller: &Caller,
    config: EngineConfig,
) -> ApiResult<Json<Value>> {
    let text =
        serde_json::to_string_pretty(&config).map_err(|e| ApiError::internal(e.to_string()))?;
    let version = state
        .store
        .set_setting_versioned(ACCOUNT_CONFIG, &text, &caller.actor(), now_ms())
        .await?;
    state.rebuild(version).await?;
    Ok(Json(json!({ "version": version, "config": config })))
}

/// RFC 7396: objects merge member by member, `null` deletes, anything else replaces.
fn merge_patch(target: &mut Value, patch: Value) {
    match patch {
        Value::Object(members) => {
            if !target.is_object() {
                *target = Value::Object(Default::default());
            }
            let object = target.as_object_mut().expect("an object");
            for (key, value) in members {
                if value.is_null() {
                    object.remove(&key);
                } else {
                    merge_patch(object.entry(key).or_insert(Value::Null), value);
                }
            }
        }
        other => *target = other,
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn merge_patch_follows_rfc_7396() {
        // RFC 7396's own example (section 3).
        let mut target = json!({"title": "Goodbye!", "author": {"givenName": "John", "familyName": "Doe"}, "tags": ["example", "sample"], "content": "This will be unchanged"});
        let patch = json!({"title": "Hello!", "phoneNumber": "+01-234-567-8901", "author": {"familyName": null}, "tags": ["example"]});
        merge_patch(&mut target, patch);
        assert_eq!(
            target,
            json!({"title": "Hello!", "author": {"givenName": "John"}, "tags": ["example"], "content": "This will be unchanged", "phoneNumber": "+01-234-567-8901"})
        );
    }
}
