//! Liveness and readiness (no authentication).

use std::sync::Arc;
use std::sync::atomic::Ordering;

use axum::Json;
use axum::extract::State;
use serde::Serialize;
use serde_json::{Value, json};

use crate::error::{ApiError, ApiResult};
use crate::state::AppState;

#[derive(Serialize, utoipa::ToSchema)]
pub struct Health {
    /// `ok`.
    pub status: String,
    pub version: String,
}

/// The process is up.
#[utoipa::path(get, path = "/health", tag = "health",
    responses((status = 200, description = "The server is running", body = Health)))]
pub async fn health() -> Json<Health> {
    Json(Health {
        status: "ok".into(),
        version: env!("CARGO_PKG_VERSION").into(),
    })
}

/// The engine is loaded and the database answers.
#[utoipa::path(get, path = "/ready", tag = "health",
    responses(
        (status = 200, description = "Ready: the records the engine holds, by kind", body = Object),
        (status = 503, description = "Not ready (starting, stopping, or the database is down)", body = crate::error::ErrorBody)))]
pub async fn ready(State(state): State<Arc<AppState>>) -> ApiResult<Json<Value>> {
    if !state.ready.load(Ordering::SeqCst) {
        return Err(ApiError::unavailable("the server is starting or stopping"));
    }
    state.store.last_change_seq().await?;
    let counts: serde_json::Map<String, Value> = state
        .engine()
        .counts()
        .into_iter()
        .map(|(k, n)| (k.plural().to_string(), json!(n)))
        .collect();
    Ok(Json(json!({ "status": "ready", "records": counts })))
}
