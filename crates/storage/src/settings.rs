//! Versioned settings: the SQL both engines share.

/// One value a setting was given (see [`crate::Store::set_setting_versioned`]).
#[derive(Clone, Debug, PartialEq, Eq, serde::Serialize)]
pub struct SettingVersion {
    pub key: String,
    /// 1 for the first versioned write of the key, then 2, 3, …
    pub version: i64,
    pub value: String,
    /// Who wrote it, as the caller names them (e.g. `user:3`, `cli`).
    pub actor: String,
    pub at_ms: i64,
}

/// Set the current value. Runs first: on PostgreSQL its row lock makes concurrent writers of one
/// key wait for each other, so the next statement sees the version the other one added.
pub(crate) const UPSERT_SETTING: &str = "INSERT INTO settings (key, value) VALUES ($1, $2) \
    ON CONFLICT (key) DO UPDATE SET value = excluded.value";

/// Append the next version: `$1` key, `$2` value, `$3` actor, `$4` at_ms.
pub(crate) const INSERT_VERSION: &str = "INSERT INTO setting_versions \
    (key, version, value, actor, at_ms) \
    SELECT $1, COALESCE(MAX(version), 0) + 1, $2, $3, $4 FROM setting_versions WHERE key = $1 \
    RETURNING version";

pub(crate) const SELECT_HISTORY: &str = "SELECT key, version, value, actor, at_ms \
    FROM setting_versions WHERE key = $1 ORDER BY version DESC";
