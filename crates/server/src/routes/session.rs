//! Password login, logout, and who am I.

use std::net::SocketAddr;
use std::sync::Arc;
use std::time::Instant;

use axum::Json;
use axum::extract::{ConnectInfo, State};
use axum::http::{HeaderMap, HeaderValue, StatusCode, header};
use axum::response::{IntoResponse, Response};
use carekpi_storage::{Session, User};
use serde::{Deserialize, Serialize};

use crate::auth::{
    self, Caller, SESSION_COOKIE, SESSION_IDLE, now_ms, random_hex, sha256_hex, verify_password,
};
use crate::error::{ApiError, ApiResult};
use crate::state::AppState;

#[derive(Deserialize, utoipa::ToSchema)]
#[serde(deny_unknown_fields)]
pub struct LoginRequest {
    pub username: String,
    pub password: String,
}

/// The logged-in person and the CSRF token to send (header `X-CSRF-Token`) with every request
/// that changes something.
#[derive(Serialize, utoipa::ToSchema)]
pub struct LoginResponse {
    #[schema(value_type = Object)]
    pub user: User,
    pub csrf_token: String,
}

/// Log in with a user name and password: sets the session cookie.
#[utoipa::path(post, path = "/api/login", tag = "session", request_body = LoginRequest,
    responses(
        (status = 200, description = "Logged in; the `carekpi_session` cookie is set", body = LoginResponse),
        (status = 400, description = "Malformed request", body = crate::error::ErrorBody),
        (status = 401, description = "Wrong user name or password", body = crate::error::ErrorBody),
        (status = 429, description = "Too many failed attempts; see Retry-After", body = crate::error::ErrorBody)))]
pub async fn login(
    State(state): State<Arc<AppState>>,
    ConnectInfo(peer): ConnectInfo<SocketAddr>,
    body: Result<Json<LoginRequest>, axum::extract::rejection::JsonRejection>,
) -> ApiResult<Response> {
    let Json(request) = body?;
    let name = request.username.trim().to_lowercase();
    let address = Some(peer.ip());
    let now = Instant::now();
    let wait = state
        .logins
        .lock()
        .unwrap_or_else(|p| p.into_inner())
        .wait(&name, address, now);
    if let Some(seconds) = wait {
        let mut e = ApiError::new(
            StatusCode::TOO_MANY_REQUESTS,
            "too_many_attempts",
            format!("too many failed logins; try again in {seconds} s"),
        );
        e.retry_after = Some(seconds);
        return Err(e);
    }
    let user = state.store.user_by_username(&name).await?;
    // Verify against a dummy hash when the user does not exist, so the answer takes as long.
    let ok = match &user {
        Some(u) if !u.disabled => verify_password(&request.password, &u.password_hash),
        _ => {
            verify_password(&request.password, dummy_hash());
            false
        }
    };
    let Some(user) = user.filter(|_| ok) else {
        state
            .logins
            .lock()
            .unwrap_or_else(|p| p.into_inner())
            .failed(&name, address, now);
        return Err(ApiError::unauthenticated("wrong user name or password"));
    };
    state
        .logins
        .lock()
        .unwrap_or_else(|p| p.into_inner())
        .succeeded(&name);
    let token = random_hex(32)?;
    let csrf = random_hex(16)?;
    let now = now_ms();
    let session = Session {
        token_hash: sha256_hex(token.as_bytes()),
        user_id: user.id,
        csrf_token: csrf.clone(),
        created_at_ms: now,
        expires_at_ms: now + SESSION_IDLE.as_millis() as i64,
        last_seen_ms: now,
    };
    state.store.create_session(&session).await?;
    let cookie = format!(
        "{SESSION_COOKIE}={token}; Path=/; HttpOnly; SameSite=Lax; Max-Age={}{}",
        SESSION_IDLE.as_secs(),
        if state.options.secure_cookies {
            "; Secure"
        } else {
            ""
        }
    );
    let mut response = Json(LoginResponse {
        user,
        csrf_token: csrf,
    })
    .into_response();
    response.headers_mut().insert(
        header::SET_COOKIE,
        HeaderValue::from_str(&cookie).map_err(|e| ApiError::internal(e.to_string()))?,
    );
    Ok(response)
}

/// A hash to verify against when the user name is unknown (computed once).
fn dummy_hash() -> &'static str {
    static HASH: std::sync::OnceLock<String> = std::sync::OnceLock::new();
    HASH.get_or_init(|| auth::hash_password("not a real password").unwrap_or_default())
}

/// Log out: ends the session and clears the cookie.
#[utoipa::path(post, path = "/api/logout", tag = "session",
    responses((status = 204, description = "Logged out"),
        (status = 401, description = "Not logged in", body = crate::error::ErrorBody),
        (status = 403, description = "Missing CSRF token", body = crate::error::ErrorBody)))]
pub async fn logout(
    State(state): State<Arc<AppState>>,
    _caller: Caller,
    headers: HeaderMap,
) -> ApiResult<Response> {
    if let Some(token) = auth::session_token(&headers) {
        state
            .store
            .delete_session(&sha256_hex(token.as_bytes()))
            .await?;
    }
    let mut response = StatusCode::NO_CONTENT.into_response();
    response.headers_mut().insert(
        header::SET_COOKIE,
        HeaderValue::from_static("carekpi_session=; Path=/; HttpOnly; SameSite=Lax; Max-Age=0"),
    );
    Ok(response)
}

/// Who is calling: the person (with their role, agent and teams) or the API key.
#[utoipa::path(get, path = "/api/me", tag = "session",
    responses((status = 200, description = "The caller", body = Object),
        (status = 401, description = "Not logged in", body = crate::error::ErrorBody)))]
pub async fn me(caller: Caller) -> Json<serde_json::Value> {
    Json(match caller {
        Caller::User { user, role, csrf } => serde_json::json!({
            "kind": "user",
            "role": role,
            "user": user,
            "csrf_token": csrf,
        }),
        Caller::Key { key, scopes } => serde_json::json!({
            "kind": "api_key",
            "scopes": scopes,
            "key": key,
        }),
    })
}
