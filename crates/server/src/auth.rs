//! Who is calling, and what they may do.
//!
//! - People log in with a password (hashed with Argon2id) and get a session cookie
//!   (`carekpi_session`: HttpOnly, SameSite=Lax, `Secure` when the server is told it is behind
//!   HTTPS). The store keeps only the SHA-256 of the session token. A request authenticated by the
//!   cookie that changes something (POST, PUT, PATCH, DELETE) must carry the session's CSRF token
//!   in the `X-CSRF-Token` header: a cross-site page can make the browser send the cookie, but it
//!   can neither read the token nor set a custom header on a cross-site request.
//! - Machines use API keys: `Authorization: Bearer ck_<8 hex>_<64 hex>`, scoped `ingest` and/or
//!   `read`, revocable; shown once when created, stored as a SHA-256.
//! - Roles: admin (everything), manager (the figures of their teams; read-only otherwise), agent
//!   (only their own figures), viewer (read-only, every figure).

use std::collections::{HashMap, VecDeque};
use std::net::IpAddr;
use std::sync::Arc;
use std::time::{Duration, Instant};

use argon2::Argon2;
use argon2::password_hash::{PasswordHash, PasswordHasher, PasswordVerifier, SaltString};
use axum::extract::FromRequestParts;
use axum::http::request::Parts;
use axum::http::{HeaderMap, Method, header};
use carekpi_engine::Filters;
use carekpi_storage::{ApiKey, User};
use serde::{Deserialize, Serialize};
use sha2::{Digest, Sha256};

use crate::error::{ApiError, ApiResult};
use crate::state::AppState;

/// The session cookie's name.
pub const SESSION_COOKIE: &str = "carekpi_session";
/// The header that carries the CSRF token.
pub const CSRF_HEADER: &str = "x-csrf-token";
/// How long a session lasts without use.
pub const SESSION_IDLE: Duration = Duration::from_secs(12 * 3600);

/// A person's role.
#[derive(Clone, Copy, Debug, PartialEq, Eq, Hash, Serialize, Deserialize, utoipa::ToSchema)]
#[serde(rename_all = "snake_case")]
pub enum Role {
    Admin,
    Manager,
    Agent,
    Viewer,
}

impl Role {
    pub const ALL: [Role; 4] = [Role::Admin, Role::Manager, Role::Agent, Role::Viewer];

    pub fn as_str(self) -> &'static str {
        match self {
            Role::Admin => "admin",
            Role::Manager => "manager",
            Role::Agent => "agent",
            Role::Viewer => "viewer",
        }
    }

    pub fn parse(text: &str) -> Option<Role> {
        Role::ALL.into_iter().find(|r| r.as_str() == text)
    }
}

/// What an API key may do.
#[derive(Clone, Copy, Debug, PartialEq, Eq, Hash, Serialize, Deserialize, utoipa::ToSchema)]
#[serde(rename_all = "snake_case")]
pub enum Scope {
    /// Send records (batches, uploads, webhooks).
    Ingest,
    /// Read metrics, drill-downs, the catalogue and the configuration.
    Read,
}

impl Scope {
    pub fn as_str(self) -> &'static str {
        match self {
            Scope::Ingest => "ingest",
            Scope::Read => "read",
        }
    }

    pub fn parse(text: &str) -> Option<Scope> {
        [Scope::Ingest, Scope::Read]
            .into_iter()
            .find(|s| s.as_str() == text)
    }
}

/// The authenticated caller of a request.
#[derive(Clone, Debug)]
pub enum Caller {
    User {
        user: User,
        role: Role,
        /// The session's CSRF token.
        csrf: String,
    },
    Key {
        key: ApiKey,
        scopes: Vec<Scope>,
    },
}

impl Caller {
    /// Who did it, for configuration history: `user:alice` or `key:ck_0a1b2c3d (name)`.
    pub fn actor(&self) -> String {
        match self {
            Caller::User { user, .. } => format!("user:{}", user.username),
            Caller::Key { key, .. } => format!("key:{} ({})", key.prefix, key.name),
        }
    }

    pub fn role(&self) -> Option<Role> {
        match self {
            Caller::User { role, .. } => Some(*role),
            Caller::Key { .. } => None,
        }
    }

    pub fn user_id(&self) -> Option<i64> {
        match self {
            Caller::User { user, .. } => Some(user.id),
            Caller::Key { .. } => None,
        }
    }

    /// Admins only (users, API keys, configuration changes).
    pub fn require_admin(&self) -> ApiResult<()> {
        match self.role() {
            Some(Role::Admin) => Ok(()),
            _ => Err(ApiError::forbidden("this needs the admin role")),
        }
    }

    /// Sending records: admins, and API keys with the `ingest` scope.
    pub fn require_ingest(&self) -> ApiResult<()> {
        match self {
            Caller::User {
                role: Role::Admin, ..
            } => Ok(()),
            Caller::Key { scopes, .. } if scopes.contains(&Scope::Ingest) => Ok(()),
            Caller::Key { .. } => Err(ApiError::forbidden("this API key lacks the `ingest` scope")),
            Caller::User { .. } => Err(ApiError::forbidden(
                "sending records needs the admin role or an API key with the `ingest` scope",
            )),
        }
    }

    /// Reading (metrics, catalogue, configuration): every person, and keys with `read`.
    pub fn require_read(&self) -> ApiResult<()> {
        match self {
            Caller::User { .. } => Ok(()),
            Caller::Key { scopes, .. } if scopes.contains(&Scope::Read) => Ok(()),
            Caller::Key { .. } => Err(ApiError::forbidden("this API key lacks the `read` scope")),
        }
    }

    /// Restrict a metric query's filters to what the caller may see: a manager their teams (the
    /// teams asked must be theirs; none asked means all of theirs), an agent themself (the agents
    /// asked must be themself). Admins, viewers and read keys see everything.
    pub fn scope_filters(&self, filters: &mut Filters) -> ApiResult<()> {
        self.require_read()?;
        let Caller::User { user, role, .. } = self else {
            return Ok(());
        };
        match role {
            Role::Admin | Role::Viewer => Ok(()),
            Role::Manager => {
                if user.team_ids.is_empty() {
                    return Err(ApiError::forbidden(
                        "this manager manages no team yet; an admin sets their teams",
                    ));
                }
                if let Some(other) = filters.team.iter().find(|t| !user.team_ids.contains(t)) {
                    return Err(ApiError::forbidden(format!(
                        "team `{other}` is not one of your teams"
                    )));
                }
                if filters.team.is_empty() {
                    filters.team = user.team_ids.iter().cloned().collect();
                }
                Ok(())
            }
            Role::Agent => {
                let Some(me) = &user.agent_id else {
                    return Err(ApiError::forbidden(
                        "this agent login is not linked to an agent record; an admin sets it",
                    ));
                };
                if let Some(other) = filters.agent.iter().find(|a| *a != me) {
                    return Err(ApiError::forbidden(format!(
                        "agents see only their own figures, not `{other}`'s"
                    )));
                }
                filters.agent = [me.clone()].into();
                Ok(())
            }
        }
    }
}

impl FromRequestParts<Arc<AppState>> for Caller {
    type Rejection = ApiError;

    async fn from_request_parts(
        parts: &mut Parts,
        state: &Arc<AppState>,
    ) -> Result<Self, Self::Rejection> {
        let now = now_ms();
        if let Some(value) = parts.headers.get(header::AUTHORIZATION) {
            let text = value
                .to_str()
                .map_err(|_| ApiError::unauthenticated("the Authorization header is not text"))?;
            let token = text
                .strip_prefix("Bearer ")
                .ok_or_else(|| ApiError::unauthenticated("use `Authorization: Bearer <API key>`"))?
                .trim();
            return key_caller(state, token, now).await;
        }
        let token = session_token(&parts.headers).ok_or_else(|| {
            ApiError::unauthenticated("log in (POST /api/login) or send an API key")
        })?;
        let hash = sha256_hex(token.as_bytes());
        let (session, user) =
            state.store.session(&hash, now).await?.ok_or_else(|| {
                ApiError::unauthenticated("the session has expired; log in again")
            })?;
        if changes_state(&parts.method) {
            let sent = parts
                .headers
                .get(CSRF_HEADER)
                .and_then(|v| v.to_str().ok())
                .unwrap_or("");
            if !constant_time_eq(sent.as_bytes(), session.csrf_token.as_bytes()) {
                return Err(ApiError::forbidden(
                    "missing or wrong CSRF token: send the session's token in the X-CSRF-Token header",
                )
                .with_code("csrf"));
            }
        }
        // Slide the expiry at most once a minute.
        if now - session.last_seen_ms > 60_000 {
            let expires = now + SESSION_IDLE.as_millis() as i64;
            state.store.touch_session(&hash, now, expires).await?;
        }
        let role = Role::parse(&user.role)
            .ok_or_else(|| ApiError::internal(format!("stored role `{}` is unknown", user.role)))?;
        Ok(Caller::User {
            user,
            role,
            csrf: session.csrf_token,
        })
    }
}

async fn key_caller(state: &AppState, token: &str, now: i64) -> ApiResult<Caller> {
    let bad = || ApiError::unauthenticated("unknown API key");
    let prefix = key_prefix(token).ok_or_else(bad)?;
    let key = state
        .store
        .api_key_by_prefix(prefix)
        .await?
        .ok_or_else(bad)?;
    if !constant_time_eq(
        sha256_hex(token.as_bytes()).as_bytes(),
        key.key_hash.as_bytes(),
    ) {
        return Err(bad());
    }
    if key.revoked_at_ms.is_some() {
        return Err(ApiError::unauthenticated("this API key has been revoked"));
    }
    if key.last_used_ms.is_none_or(|t| now - t > 60_000) {
        state.store.touch_api_key(key.id, now).await?;
    }
    let scopes = key.scopes.iter().filter_map(|s| Scope::parse(s)).collect();
    Ok(Caller::Key { key, scopes })
}

/// The `ck_xxxxxxxx` part of an API key.
fn key_prefix(token: &str) -> Option<&str> {
    let rest = token.strip_prefix("ck_")?;
    let (id, secret) = rest.split_once('_')?;
    (id.len() == 8 && secret.len() == 64).then(|| &token[..11])
}

/// The session token from the `carekpi_session` cookie.
pub fn session_token(headers: &HeaderMap) -> Option<String> {
    headers
        .get_all(header::COOKIE)
        .iter()
        .filter_map(|v| v.to_str().ok())
        .flat_map(|v| v.split(';'))
        .filter_map(|pair| pair.trim().split_once('='))
        .find(|(name, _)| *name == SESSION_COOKIE)
        .map(|(_, value)| value.to_string())
}

fn changes_state(method: &Method) -> bool {
    !matches!(*method, Method::GET | Method::HEAD | Method::OPTIONS)
}

/// A new API key: (the token shown once, its prefix, the SHA-256 to store).
pub fn new_api_key() -> ApiResult<(String, String, String)> {
    let id = random_hex(4)?;
    let secret = random_hex(32)?;
    let token = format!("ck_{id}_{secret}");
    let prefix = token[..11].to_string();
    let hash = sha256_hex(token.as_bytes());
    Ok((token, prefix, hash))
}

/// Hash a password with Argon2id (the crate's defaults: 19 MiB, 2 passes) and a random salt.
pub fn hash_password(password: &str) -> ApiResult<String> {
    let mut salt = [0u8; 16];
    getrandom::fill(&mut salt).map_err(|e| ApiError::internal(format!("no randomness: {e}")))?;
    let salt =
        SaltString::encode_b64(&salt).map_err(|e| ApiError::internal(format!("salt: {e}")))?;
    Argon2::default()
        .hash_password(password.as_bytes(), &salt)
        .map(|h| h.to_string())
        .map_err(|e| ApiError::internal(format!("hashing the password failed: {e}")))
}

/// Whether `password` matches a stored Argon2 hash.
pub fn verify_password(password: &str, stored: &str) -> bool {
    PasswordHash::new(stored)
        .map(|h| {
            Argon2::default()
                .verify_password(password.as_bytes(), &h)
                .is_ok()
        })
        .unwrap_or(false)
}

/// A password people may choose: 10 to 1,024 characters.
pub fn check_password_rules(password: &str) -> ApiResult<()> {
    let n = password.chars().count();
    if !(10..=1024).contains(&n) {
        return Err(
            ApiError::bad_request("a password has 10 to 1,024 characters")
                .with_details(serde_json::json!({"field": "password"})),
        );
    }
    Ok(())
}

/// `n` random bytes as lower-case hex.
pub fn random_hex(n: usize) -> ApiResult<String> {
    let mut bytes = vec![0u8; n];
    getrandom::fill(&mut bytes).map_err(|e| ApiError::internal(format!("no randomness: {e}")))?;
    Ok(hex(&bytes))
}

pub fn sha256_hex(bytes: &[u8]) -> String {
    hex(&Sha256::digest(bytes))
}

fn hex(bytes: &[u8]) -> String {
    const DIGITS: &[u8; 16] = b"0123456789abcdef";
    let mut s = String::with_capacity(bytes.len() * 2);
    for b in bytes {
        s.push(DIGITS[(b >> 4) as usize] as char);
        s.push(DIGITS[(b & 15) as usize] as char);
    }
    s
}

/// Equality that takes the same time wherever the first difference is.
pub fn constant_time_eq(a: &[u8], b: &[u8]) -> bool {
    a.len() == b.len() && a.iter().zip(b).fold(0u8, |acc, (x, y)| acc | (x ^ y)) == 0
}

pub fn now_ms() -> i64 {
    jiff::Timestamp::now().as_millisecond()
}

/// Failed logins per user name and per client address, in a sliding window: after
/// [`LoginLimiter::PER_USER`] failures for one name (or [`LoginLimiter::PER_ADDRESS`] from one
/// address) within [`LoginLimiter::WINDOW`], further attempts are refused with 429 until the
/// oldest failure leaves the window.
#[derive(Default)]
pub struct LoginLimiter {
    by_user: HashMap<String, VecDeque<Instant>>,
    by_address: HashMap<IpAddr, VecDeque<Instant>>,
}

impl LoginLimiter {
    pub const WINDOW: Duration = Duration::from_secs(15 * 60);
    pub const PER_USER: usize = 5;
    pub const PER_ADDRESS: usize = 20;

    /// Seconds to wait before `user` may try again from `address` (None: go ahead).
    pub fn wait(&mut self, user: &str, address: Option<IpAddr>, now: Instant) -> Option<u64> {
        let mut waits = Vec::new();
        if let Some(list) = self.by_user.get_mut(user) {
            waits.extend(blocked(list, Self::PER_USER, now));
        }
        if let Some(a) = address
            && let Some(list) = self.by_address.get_mut(&a)
        {
            waits.extend(blocked(list, Self::PER_ADDRESS, now));
        }
        waits.into_iter().max()
    }

    pub fn failed(&mut self, user: &str, address: Option<IpAddr>, now: Instant) {
        self.by_user
            .entry(user.to_string())
            .or_default()
            .push_back(now);
        if let Some(a) = address {
            self.by_address.entry(a).or_default().push_back(now);
        }
        // Keep the maps from growing without bound under a spray of names.
        if self.by_user.len() > 100_000 {
            self.by_user.retain(|_, l| {
                l.back()
                    .is_some_and(|t| now.duration_since(*t) < Self::WINDOW)
            });
        }
    }

    pub fn succeeded(&mut self, user: &str) {
        self.by_user.remove(user);
    }
}

fn blocked(list: &mut VecDeque<Instant>, limit: usize, now: Instant) -> Option<u64> {
    while list
        .front()
        .is_some_and(|t| now.duration_since(*t) >= LoginLimiter::WINDOW)
    {
        list.pop_front();
    }
    if list.len() < limit {
        return None;
    }
    let oldest = *list.front()?;
    Some(
        (LoginLimiter::WINDOW - now.duration_since(oldest))
            .as_secs()
            .max(1),
    )
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn passwords_hash_and_verify() {
        let h = hash_password("correct horse battery").unwrap();
        assert!(h.starts_with("$argon2id$"));
        assert!(verify_password("correct horse battery", &h));
        assert!(!verify_password("correct horse batterY", &h));
        assert!(!verify_password("x", "not a hash"));
    }

    #[test]
    fn api_keys_have_a_prefix_and_a_hash() {
        let (token, prefix, hash) = new_api_key().unwrap();
        assert_eq!(token.len(), 3 + 8 + 1 + 64);
        assert_eq!(key_prefix(&token), Some(prefix.as_str()));
        assert_eq!(hash, sha256_hex(token.as_bytes()));
        assert_eq!(key_prefix("ck_short_x"), None);
    }

    #[test]
    fn login_limiter_blocks_after_five_failures_for_fifteen_minutes() {
        let mut l = LoginLimiter::default();
        let t0 = Instant::now();
        for i in 0..5 {
            assert_eq!(l.wait("ann", None, t0), None, "attempt {i}");
            l.failed("ann", None, t0);
        }
        // Sixth attempt: wait the whole window (900 s).
        assert_eq!(l.wait("ann", None, t0), Some(900));
        assert_eq!(l.wait("bob", None, t0), None);
        assert_eq!(l.wait("ann", None, t0 + LoginLimiter::WINDOW), None);
    }

    #[test]
    fn constant_time_eq_compares() {
        assert!(constant_time_eq(b"abc", b"abc"));
        assert!(!constant_time_eq(b"abc", b"abd"));
        assert!(!constant_time_eq(b"abc", b"ab"));
    }
}
