//! Who may use CareKPI: users (with their role), their login sessions and the API keys of
//! machines. What both engines share: the types, the checks made before anything is written, the
//! SQL text (`$N` placeholders, which both engines accept) and how rows become values.
//!
//! Storage never sees a password, a session token or an API key secret: the caller hashes them
//! (argon2 for passwords, SHA-256 for tokens and keys) and the store keeps only the hashes.

use std::fmt;

use crate::StorageError;

/// The roles a user can have.
pub const ROLES: &[&str] = &["admin", "manager", "agent", "viewer"];

/// The languages of the user interface.
pub const LANGUAGES: &[&str] = &["en", "vi"];

/// The scopes an API key can have.
pub const API_KEY_SCOPES: &[&str] = &["ingest", "read"];

/// A user to create (see [`crate::Store::create_user`]).
#[derive(Clone, PartialEq, Eq)]
pub struct NewUser {
    /// Stored trimmed and lower-cased; unique whatever its case.
    pub username: String,
    pub display_name: Option<String>,
    /// One of [`ROLES`].
    pub role: String,
    /// An argon2 PHC string made by the caller.
    pub password_hash: String,
    /// The agent record this user is (for the `agent` role).
    pub agent_id: Option<String>,
    /// The teams a manager manages.
    pub team_ids: Vec<String>,
    /// One of [`LANGUAGES`].
    pub language: String,
}

impl NewUser {
    /// A user with no display name, agent or teams, in English.
    pub fn new(
        username: impl Into<String>,
        role: impl Into<String>,
        password_hash: impl Into<String>,
    ) -> NewUser {
        NewUser {
            username: username.into(),
            display_name: None,
            role: role.into(),
            password_hash: password_hash.into(),
            agent_id: None,
            team_ids: Vec::new(),
            language: "en".to_string(),
        }
    }
}

impl fmt::Debug for NewUser {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.debug_struct("NewUser")
            .field("username", &self.username)
            .field("display_name", &self.display_name)
            .field("role", &self.role)
            .field("password_hash", &"***")
            .field("agent_id", &self.agent_id)
            .field("team_ids", &self.team_ids)
            .field("language", &self.language)
            .finish()
    }
}

/// A stored user. Serialises without its password hash; `Debug` hides it too.
#[derive(Clone, PartialEq, Eq, serde::Serialize)]
pub struct User {
    pub id: i64,
    /// Trimmed and lower-cased.
    pub username: String,
    pub display_name: Option<String>,
    /// One of [`ROLES`].
    pub role: String,
    #[serde(skip)]
    pub password_hash: String,
    pub agent_id: Option<String>,
    pub team_ids: Vec<String>,
    pub language: String,
    /// A disabled user has no valid session (see [`crate::Store::session`]).
    pub disabled: bool,
    pub created_at_ms: i64,
    pub updated_at_ms: i64,
}

impl fmt::Debug for User {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.debug_struct("User")
            .field("id", &self.id)
            .field("username", &self.username)
            .field("display_name", &self.display_name)
            .field("role", &self.role)
            .field("password_hash", &"***")
            .field("agent_id", &self.agent_id)
            .field("team_ids", &self.team_ids)
            .field("language", &self.language)
            .field("disabled", &self.disabled)
            .field("created_at_ms", &self.created_at_ms)
            .field("updated_at_ms", &self.updated_at_ms)
            .finish()
    }
}

/// Changes to a user (see [`crate::Store::update_user`]): `None` leaves a field as it is;
/// `Some(None)` clears a field that may be empty.
#[derive(Clone, Default, PartialEq, Eq)]
pub struct UserUpdate {
    pub display_name: Option<Option<String>>,
    pub role: Option<String>,
    pub password_hash: Option<String>,
    pub agent_id: Option<Option<String>>,
    pub team_ids: Option<Vec<String>>,
    pub language: Option<String>,
    pub disabled: Option<bool>,
}

impl fmt::Debug for UserUpdate {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.debug_struct("UserUpdate")
            .field("display_name", &self.display_name)
            .field("role", &self.role)
            .field("password_hash", &self.password_hash.as_ref().map(|_| "***"))
            .field("agent_id", &self.agent_id)
            .field("team_ids", &self.team_ids)
            .field("language", &self.language)
            .field("disabled", &self.disabled)
            .finish()
    }
}

/// A login session, found by the hex SHA-256 of its cookie token.
#[derive(Clone, Debug, PartialEq, Eq)]
pub struct Session {
    /// The hex SHA-256 of the cookie token (the token itself is never stored).
    pub token_hash: String,
    pub user_id: i64,
    pub csrf_token: String,
    pub created_at_ms: i64,
    /// The session is valid while `now < expires_at_ms`.
    pub expires_at_ms: i64,
    pub last_seen_ms: i64,
}

/// An API key to create (see [`crate::Store::create_api_key`]).
#[derive(Clone, Debug, PartialEq, Eq)]
pub struct NewApiKey {
    pub name: String,
    /// The short public identifier the caller generated (e.g. `ck_ab12cd34`); unique.
    pub prefix: String,
    /// The hex SHA-256 of the secret, computed by the caller.
    pub key_hash: String,
    /// Some of [`API_KEY_SCOPES`].
    pub scopes: Vec<String>,
    /// The user who created the key.
    pub created_by: Option<i64>,
}

/// A stored API key. Serialises without its hash.
#[derive(Clone, Debug, PartialEq, Eq, serde::Serialize)]
pub struct ApiKey {
    pub id: i64,
    pub name: String,
    pub prefix: String,
    #[serde(skip)]
    pub key_hash: String,
    /// Some of [`API_KEY_SCOPES`], each once.
    pub scopes: Vec<String>,
    pub created_by: Option<i64>,
    pub created_at_ms: i64,
    pub last_used_ms: Option<i64>,
    pub revoked_at_ms: Option<i64>,
}

impl ApiKey {
    pub fn is_revoked(&self) -> bool {
        self.revoked_at_ms.is_some()
    }

    pub fn has_scope(&self, scope: &str) -> bool {
        self.scopes.iter().any(|s| s == scope)
    }
}

// ---- checks ----

fn invalid(field: &'static str, reason: impl Into<String>) -> StorageError {
    StorageError::Invalid {
        field,
        reason: reason.into(),
    }
}

/// How usernames are stored and compared: trimmed and lower-cased.
pub fn normalise_username(username: &str) -> String {
    username.trim().to_lowercase()
}

fn check_one_of(field: &'static str, value: &str, allowed: &[&str]) -> Result<(), StorageError> {
    if allowed.contains(&value) {
        Ok(())
    } else {
        Err(invalid(
            field,
            format!(
                "`{value}` is not one of {}",
                allowed
                    .iter()
                    .map(|a| format!("`{a}`"))
                    .collect::<Vec<_>>()
                    .join(", ")
            ),
        ))
    }
}

fn check_password_hash(hash: &str) -> Result<(), StorageError> {
    if hash.is_empty() {
        return Err(invalid("password_hash", "empty"));
    }
    Ok(())
}

fn json_list(list: &[String]) -> String {
    serde_json::to_string(list).expect("a list of strings serialises")
}

/// A [`NewUser`] checked and ready to bind: (username, team_ids as JSON).
pub(crate) fn check_new_user(user: &NewUser) -> Result<(String, String), StorageError> {
    let username = normalise_username(&user.username);
    if username.is_empty() {
        return Err(invalid("username", "empty"));
    }
    if username.chars().any(char::is_control) {
        return Err(invalid("username", "contains a control character"));
    }
    check_one_of("role", &user.role, ROLES)?;
    check_one_of("language", &user.language, LANGUAGES)?;
    check_password_hash(&user.password_hash)?;
    Ok((username, json_list(&user.team_ids)))
}

/// A [`UserUpdate`] checked: its team ids as JSON, when it sets them.
pub(crate) fn check_user_update(update: &UserUpdate) -> Result<Option<String>, StorageError> {
    if let Some(role) = &update.role {
        check_one_of("role", role, ROLES)?;
    }
    if let Some(language) = &update.language {
        check_one_of("language", language, LANGUAGES)?;
    }
    if let Some(hash) = &update.password_hash {
        check_password_hash(hash)?;
    }
    Ok(update.team_ids.as_deref().map(json_list))
}

/// A [`NewApiKey`] checked: its scopes (each once, in the order given) as JSON.
pub(crate) fn check_new_api_key(key: &NewApiKey) -> Result<String, StorageError> {
    if key.prefix.trim().is_empty() || key.prefix.trim() != key.prefix {
        return Err(invalid("prefix", "empty or surrounded by spaces"));
    }
    if key.key_hash.is_empty() {
        return Err(invalid("key_hash", "empty"));
    }
    let mut scopes: Vec<String> = Vec::with_capacity(key.scopes.len());
    for scope in &key.scopes {
        check_one_of("scope", scope, API_KEY_SCOPES)?;
        if !scopes.contains(scope) {
            scopes.push(scope.clone());
        }
    }
    Ok(json_list(&scopes))
}

/// Turn a unique-key violation into [`StorageError::Conflict`] (`what` names the row), and any
/// other failure into a [`StorageError::Database`].
pub(crate) fn conflict_or(
    e: sqlx::Error,
    what: impl FnOnce() -> String,
    action: &str,
    location: &str,
) -> StorageError {
    if e.as_database_error()
        .is_some_and(|d| d.is_unique_violation())
    {
        StorageError::Conflict { what: what() }
    } else {
        StorageError::database(action, location, e)
    }
}

// ---- SQL (both engines) ----

/// The columns of a user, in [`UserRow`]'s order.
macro_rules! user_columns {
    () => {
        "id, username, display_name, role, password_hash, agent_id, team_ids, language, \
         disabled, created_at_ms, updated_at_ms"
    };
}

/// The columns of an API key, in [`ApiKeyRow`]'s order.
macro_rules! api_key_columns {
    () => {
        "id, name, prefix, key_hash, scopes, created_by, created_at_ms, last_used_ms, \
         revoked_at_ms"
    };
}

pub(crate) const INSERT_USER: &str = concat!(
    "INSERT INTO users (username, display_name, role, password_hash, agent_id, team_ids, \
     language, disabled, created_at_ms, updated_at_ms) \
     VALUES ($1, $2, $3, $4, $5, $6, $7, FALSE, $8, $8) RETURNING ",
    user_columns!()
);

pub(crate) const SELECT_USER: &str = concat!("SELECT ", user_columns!(), " FROM users");

/// `$2`/`$6`: whether to set display_name/agent_id (to `$3`/`$7`, which may be NULL).
pub(crate) const UPDATE_USER: &str = concat!(
    "UPDATE users SET \
    display_name = CASE WHEN $2 THEN $3 ELSE display_name END, \
    role = COALESCE($4, role), \
    password_hash = COALESCE($5, password_hash), \
    agent_id = CASE WHEN $6 THEN $7 ELSE agent_id END, \
    team_ids = COALESCE($8, team_ids), \
    language = COALESCE($9, language), \
    disabled = COALESCE($10, disabled), \
    updated_at_ms = $11 \
    WHERE id = $1 RETURNING ",
    user_columns!()
);

pub(crate) const INSERT_SESSION: &str = "INSERT INTO sessions (token_hash, user_id, csrf_token, \
    created_at_ms, expires_at_ms, last_seen_ms) VALUES ($1, $2, $3, $4, $5, $6)";

/// A valid session and its enabled user: `$1` the token hash, `$2` now.
pub(crate) const SELECT_SESSION: &str = "SELECT s.csrf_token, s.created_at_ms, \
    s.expires_at_ms, s.last_seen_ms, u.id, u.username, u.display_name, u.role, u.password_hash, \
    u.agent_id, u.team_ids, u.language, u.disabled, u.created_at_ms, u.updated_at_ms \
    FROM sessions s JOIN users u ON u.id = s.user_id \
    WHERE s.token_hash = $1 AND s.expires_at_ms > $2 AND NOT u.disabled";

pub(crate) const TOUCH_SESSION: &str = "UPDATE sessions SET last_seen_ms = $2, \
    expires_at_ms = $3 WHERE token_hash = $1 AND expires_at_ms > $2";

pub(crate) const INSERT_API_KEY: &str = concat!(
    "INSERT INTO api_keys (name, prefix, key_hash, scopes, created_by, created_at_ms) \
     VALUES ($1, $2, $3, $4, $5, $6) RETURNING ",
    api_key_columns!()
);

pub(crate) const SELECT_API_KEY: &str = concat!("SELECT ", api_key_columns!(), " FROM api_keys");

// ---- rows ----

/// A `users` row as selected with `user_columns!()`.
pub(crate) type UserRow = (
    i64,
    String,
    Option<String>,
    String,
    String,
    Option<String>,
    String,
    String,
    bool,
    i64,
    i64,
);

/// A session's own columns (csrf_token, created, expires, last seen) and its user's.
pub(crate) type SessionRow = (
    String,
    i64,
    i64,
    i64,
    i64,
    String,
    Option<String>,
    String,
    String,
    Option<String>,
    String,
    String,
    bool,
    i64,
    i64,
);

/// An `api_keys` row as selected with `api_key_columns!()`.
pub(crate) type ApiKeyRow = (
    i64,
    String,
    String,
    String,
    String,
    Option<i64>,
    i64,
    Option<i64>,
    Option<i64>,
);

fn parse_list(text: &str, what: &str) -> Result<Vec<String>, sqlx::Error> {
    serde_json::from_str(text).map_err(|e| {
        sqlx::Error::Decode(
            format!("stored {what} `{text}` is not a JSON list of text: {e}").into(),
        )
    })
}

pub(crate) fn user_from_row(row: UserRow) -> Result<User, sqlx::Error> {
    let (
        id,
        username,
        display_name,
        role,
        password_hash,
        agent_id,
        team_ids,
        language,
        disabled,
        created_at_ms,
        updated_at_ms,
    ) = row;
    Ok(User {
        id,
        username,
        display_name,
        role,
        password_hash,
        agent_id,
        team_ids: parse_list(&team_ids, "team_ids")?,
        language,
        disabled,
        created_at_ms,
        updated_at_ms,
    })
}

pub(crate) fn session_from_row(
    token_hash: &str,
    row: SessionRow,
) -> Result<(Session, User), sqlx::Error> {
    let (csrf_token, created_at_ms, expires_at_ms, last_seen_ms, id, a, b, c, d, e, f, g, h, i, j) =
        row;
    let user = user_from_row((id, a, b, c, d, e, f, g, h, i, j))?;
    let session = Session {
        token_hash: token_hash.to_string(),
        user_id: id,
        csrf_token,
        created_at_ms,
        expires_at_ms,
        last_seen_ms,
    };
    Ok((session, user))
}

pub(crate) fn api_key_from_row(row: ApiKeyRow) -> Result<ApiKey, sqlx::Error> {
    let (
        id,
        name,
        prefix,
        key_hash,
        scopes,
        created_by,
        created_at_ms,
        last_used_ms,
        revoked_at_ms,
    ) = row;
    Ok(ApiKey {
        id,
        name,
        prefix,
        key_hash,
        scopes: parse_list(&scopes, "scopes")?,
        created_by,
        created_at_ms,
        last_used_ms,
        revoked_at_ms,
    })
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn secrets_stay_out_of_debug_and_json() {
        let mut new = NewUser::new("Ana", "admin", "$argon2id$v=19$secret");
        new.team_ids = vec!["t1".into()];
        assert!(!format!("{new:?}").contains("secret"));
        let user = User {
            id: 1,
            username: "ana".into(),
            display_name: None,
            role: "admin".into(),
            password_hash: "$argon2id$v=19$secret".into(),
            agent_id: None,
            team_ids: vec![],
            language: "en".into(),
            disabled: false,
            created_at_ms: 1,
            updated_at_ms: 2,
        };
        assert!(!format!("{user:?}").contains("secret"));
        let json = serde_json::to_string(&user).unwrap();
        assert!(
            !json.contains("secret") && !json.contains("password"),
            "{json}"
        );
        let update = UserUpdate {
            password_hash: Some("secret".into()),
            ..UserUpdate::default()
        };
        assert!(!format!("{update:?}").contains("secret"));
        let key = ApiKey {
            id: 1,
            name: "n".into(),
            prefix: "ck_1".into(),
            key_hash: "deadbeef".into(),
            scopes: vec!["read".into()],
            created_by: None,
            created_at_ms: 1,
            last_used_ms: None,
            revoked_at_ms: None,
        };
        let json = serde_json::to_string(&key).unwrap();
        assert!(
            !json.contains("deadbeef") && !json.contains("key_hash"),
            "{json}"
        );
    }

    #[test]
    fn checks_say_which_field() {
        let mut user = NewUser::new("  Ana.Nguyen ", "admin", "h");
        assert_eq!(check_new_user(&user).unwrap().0, "ana.nguyen");
        user.role = "owner".into();
        let err = check_new_user(&user).unwrap_err().to_string();
        assert!(err.contains("role") && err.contains("`owner`"), "{err}");
        user.role = "agent".into();
        user.username = "   ".into();
        assert!(
            check_new_user(&user)
                .unwrap_err()
                .to_string()
                .contains("username")
        );
        let key = NewApiKey {
            name: "n".into(),
            prefix: "ck_1".into(),
            key_hash: "h".into(),
            scopes: vec!["read".into(), "ingest".into(), "read".into()],
            created_by: None,
        };
        assert_eq!(check_new_api_key(&key).unwrap(), r#"["read","ingest"]"#);
        let bad = NewApiKey {
            scopes: vec!["admin".into()],
            ..key
        };
        assert!(
            check_new_api_key(&bad)
                .unwrap_err()
                .to_string()
                .contains("scope")
        );
    }
}
