//! Users and API keys (admins only).

use std::sync::Arc;

use axum::Json;
use axum::extract::{Path, State};
use axum::http::StatusCode;
use carekpi_storage::{ApiKey, NewApiKey, NewUser, StorageError, Store, User, UserUpdate};
use serde::Deserialize;
use serde_json::{Value, json};

use crate::auth::{Caller, Role, Scope, check_password_rules, hash_password, new_api_key, now_ms};
use crate::error::{ApiError, ApiResult};
use crate::state::AppState;

#[derive(Deserialize, utoipa::ToSchema)]
#[serde(deny_unknown_fields)]
pub struct NewUserRequest {
    pub username: String,
    pub password: String,
    pub role: Role,
    pub display_name: Option<String>,
    /// The agent record this person is (agents).
    pub agent_id: Option<String>,
    /// The teams this person manages (managers).
    #[serde(default)]
    pub team_ids: Vec<String>,
    /// `en` (default) or `vi`.
    pub language: Option<String>,
}

#[derive(Deserialize, utoipa::ToSchema)]
#[serde(deny_unknown_fields)]
pub struct UserPatch {
    pub password: Option<String>,
    pub role: Option<Role>,
    pub display_name: Option<String>,
    /// A string links an agent record; null unlinks.
    #[serde(default, with = "double_option")]
    #[schema(value_type = Option<String>)]
    pub agent_id: Option<Option<String>>,
    pub team_ids: Option<Vec<String>>,
    pub language: Option<String>,
    pub disabled: Option<bool>,
}

/// `Option<Option<T>>`: absent → None, null → Some(None), value → Some(Some(v)).
mod double_option {
    use serde::{Deserialize, Deserializer};

    pub fn deserialize<'de, D, T>(d: D) -> Result<Option<Option<T>>, D::Error>
    where
        D: Deserializer<'de>,
        T: Deserialize<'de>,
    {
        Option::<T>::deserialize(d).map(Some)
    }
}

fn check_username(name: &str) -> ApiResult<String> {
    let name = name.trim().to_lowercase();
    let ok = (1..=64).contains(&name.chars().count())
        && name
            .chars()
            .all(|c| c.is_alphanumeric() || matches!(c, '.' | '_' | '-' | '@'));
    if ok {
        Ok(name)
    } else {
        Err(
            ApiError::bad_request("a user name has 1 to 64 letters, digits, `.`, `_`, `-` or `@`")
                .with_details(json!({"field": "username"})),
        )
    }
}

fn check_language(language: &str) -> ApiResult<()> {
    if matches!(language, "en" | "vi") {
        Ok(())
    } else {
        Err(ApiError::bad_request("`language` is `en` or `vi`")
            .with_details(json!({"field": "language"})))
    }
}

fn conflict(e: StorageError) -> ApiError {
    match e {
        StorageError::Conflict { .. } => ApiError::conflict(e.to_string()),
        other => other.into(),
    }
}

/// Every user.
#[utoipa::path(get, path = "/api/users", tag = "users",
    responses((status = 200, description = "The users", body = Vec<Object>),
        (status = 403, description = "Not an admin", body = crate::error::ErrorBody)),
    security(("session" = [])))]
pub async fn list(
    State(state): State<Arc<AppState>>,
    caller: Caller,
) -> ApiResult<Json<Vec<User>>> {
    caller.require_admin()?;
    Ok(Json(state.store.users().await?))
}

/// Add a user.
#[utoipa::path(post, path = "/api/users", tag = "users", request_body = NewUserRequest,
    responses((status = 201, description = "Created", body = Object),
        (status = 400, description = "Invalid field", body = crate::error::ErrorBody),
        (status = 403, description = "Not an admin", body = crate::error::ErrorBody),
        (status = 409, description = "The user name is taken", body = crate::error::ErrorBody)),
    security(("session" = [])))]
pub async fn create(
    State(state): State<Arc<AppState>>,
    caller: Caller,
    body: Result<Json<NewUserRequest>, axum::extract::rejection::JsonRejection>,
) -> ApiResult<(StatusCode, Json<User>)> {
    caller.require_admin()?;
    let Json(r) = body?;
    let user = add_user(&state.store, r).await?;
    Ok((StatusCode::CREATED, Json(user)))
}

/// Change a user (a new password, role, teams, agent link, language; disable).
#[utoipa::path(patch, path = "/api/users/{id}", tag = "users", request_body = UserPatch,
    params(("id" = i64, Path, description = "The user id")),
    responses((status = 200, description = "Changed", body = Object),
        (status = 400, description = "Invalid field", body = crate::error::ErrorBody),
        (status = 403, description = "Not an admin", body = crate::error::ErrorBody),
        (status = 404, description = "No such user", body = crate::error::ErrorBody)),
    security(("session" = [])))]
pub async fn update(
    State(state): State<Arc<AppState>>,
    caller: Caller,
    id: Result<Path<i64>, axum::extract::rejection::PathRejection>,
    body: Result<Json<UserPatch>, axum::extract::rejection::JsonRejection>,
) -> ApiResult<Json<User>> {
    caller.require_admin()?;
    let Path(id) = id?;
    let Json(p) = body?;
    if let Some(language) = &p.language {
        check_language(language)?;
    }
    let password_hash = match &p.password {
        Some(password) => {
            check_password_rules(password)?;
            Some(hash_password(password)?)
        }
        None => None,
    };
    if caller.user_id() == Some(id)
        && (p.disabled == Some(true) || p.role.is_some_and(|r| r != Role::Admin))
    {
        return Err(ApiError::bad_request(
            "admins cannot disable themselves or drop their own admin role",
        ));
    }
    let changed_access = password_hash.is_some() || p.disabled == Some(true) || p.role.is_some();
    let update = UserUpdate {
        display_name: p.display_name.map(Some),
        role: p.role.map(|r| r.as_str().to_string()),
        password_hash,
        agent_id: p.agent_id,
        team_ids: p.team_ids,
        language: p.language,
        disabled: p.disabled,
    };
    let user = state
        .store
        .update_user(id, &update, now_ms())
        .await
        .map_err(conflict)?
        .ok_or_else(|| ApiError::not_found(format!("no user {id}")))?;
    if changed_access {
        // A new password, a new role or a disabled account ends the user's sessions.
        state.store.delete_user_sessions(id).await?;
    }
    Ok(Json(user))
}

#[derive(Deserialize, utoipa::ToSchema)]
#[serde(deny_unknown_fields)]
pub struct NewKeyRequest {
    /// What the key is for, e.g. "Zendesk sync".
    pub name: String,
    /// `ingest` and/or `read`.
    #[schema(value_type = Vec<String>)]
    pub scopes: Vec<Scope>,
}

/// Every API key (never the secret).
#[utoipa::path(get, path = "/api/keys", tag = "users",
    responses((status = 200, description = "The keys", body = Vec<Object>),
        (status = 403, description = "Not an admin", body = crate::error::ErrorBody)),
    security(("session" = [])))]
pub async fn list_keys(
    State(state): State<Arc<AppState>>,
    caller: Caller,
) -> ApiResult<Json<Value>> {
    caller.require_admin()?;
    let keys = state.store.api_keys().await?;
    Ok(Json(
        serde_json::to_value(keys).map_err(|e| ApiError::internal(e.to_string()))?,
    ))
}

/// Create an API key: the token is in this answer only; the server keeps its hash.
#[utoipa::path(post, path = "/api/keys", tag = "users", request_body = NewKeyRequest,
    responses((status = 201, description = "{token, key}: store the token now, it is not shown again", body = Object),
        (status = 400, description = "Invalid field", body = crate::error::ErrorBody),
        (status = 403, description = "Not an admin", body = crate::error::ErrorBody)),
    security(("session" = [])))]
pub async fn create_key(
    State(state): State<Arc<AppState>>,
    caller: Caller,
    body: Result<Json<NewKeyRequest>, axum::extract::rejection::JsonRejection>,
) -> ApiResult<(StatusCode, Json<Value>)> {
    caller.require_admin()?;
    let Json(r) = body?;
    let (token, key) = add_api_key(&state.store, &r.name, &r.scopes, caller.user_id()).await?;
    Ok((
        StatusCode::CREATED,
        Json(json!({ "token": token, "key": key })),
    ))
}

/// Revoke an API key (at once, for good).
#[utoipa::path(delete, path = "/api/keys/{id}", tag = "users",
    params(("id" = i64, Path, description = "The key id")),
    responses((status = 204, description = "Revoked"),
        (status = 403, description = "Not an admin", body = crate::error::ErrorBody),
        (status = 404, description = "No such key", body = crate::error::ErrorBody)),
    security(("session" = [])))]
pub async fn revoke_key(
    State(state): State<Arc<AppState>>,
    caller: Caller,
    id: Result<Path<i64>, axum::extract::rejection::PathRejection>,
) -> ApiResult<StatusCode> {
    caller.require_admin()?;
    let Path(id) = id?;
    if state.store.revoke_api_key(id, now_ms()).await? {
        Ok(StatusCode::NO_CONTENT)
    } else {
        Err(ApiError::not_found(format!("no key {id}")))
    }
}

/// Add a person: the user name, password and language checked, the password hashed (the one
/// implementation behind `POST /api/users` and `carekpi user add`).
pub async fn add_user(store: &Store, r: NewUserRequest) -> ApiResult<User> {
    let username = check_username(&r.username)?;
    check_password_rules(&r.password)?;
    let language = r.language.unwrap_or_else(|| "en".into());
    check_language(&language)?;
    let password_hash = hash_password(&r.password)?;
    store
        .create_user(
            &NewUser {
                username,
                display_name: r.display_name,
                role: r.role.as_str().into(),
                password_hash,
                agent_id: r.agent_id,
                team_ids: r.team_ids,
                language,
            },
            now_ms(),
        )
        .await
        .map_err(conflict)
}

/// Create an API key: returns the token (to show once) and the stored key (the one
/// implementation behind `POST /api/keys` and `carekpi user key`).
pub async fn add_api_key(
    store: &Store,
    name: &str,
    scopes: &[Scope],
    created_by: Option<i64>,
) -> ApiResult<(String, ApiKey)> {
    let name = name.trim().to_string();
    if name.is_empty() || name.chars().count() > 100 {
        return Err(
            ApiError::bad_request("a key's name has 1 to 100 characters")
                .with_details(json!({"field": "name"})),
        );
    }
    if scopes.is_empty() {
        return Err(
            ApiError::bad_request("give the key at least one scope: ingest, read")
                .with_details(json!({"field": "scopes"})),
        );
    }
    let mut scopes: Vec<String> = scopes.iter().map(|s| s.as_str().to_string()).collect();
    scopes.sort();
    scopes.dedup();
    let (token, prefix, key_hash) = new_api_key()?;
    let key = store
        .create_api_key(
            &NewApiKey {
                name,
                prefix,
                key_hash,
                scopes,
                created_by,
            },
            now_ms(),
        )
        .await
        .map_err(conflict)?;
    Ok((token, key))
}
