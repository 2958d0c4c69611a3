//! The account's configuration, stored in the database: the engine's [`EngineConfig`] (time zone,
//! business-hour schedules, SLA policies, thresholds) as JSON in the setting `account.config`.
//!
//! It is the one source of truth for the account's time zone. Stores written before it existed
//! kept the zone alone in the setting `account.time_zone`; while no configuration is stored that
//! zone is read as the configuration's `time_zone` (and folded into it the first time a
//! configuration is stored). `account.time_zone` is never written again.

use std::path::Path;

use carekpi_engine::{Engine, EngineConfig};
use carekpi_storage::Store;

use crate::failure::Failure;

/// The setting that holds the account's configuration (JSON).
pub const ACCOUNT_CONFIG: &str = "account.config";

/// The setting older stores keep the account's time zone in (read only, as a fallback).
pub const LEGACY_TIME_ZONE: &str = "account.time_zone";

/// The account's configuration as stored.
pub struct Account {
    pub config: EngineConfig,
    /// Whether a configuration is stored (false: defaults, plus the legacy time zone if any).
    pub stored: bool,
    /// Whether the account has a time zone: from a stored configuration, or the legacy setting.
    pub zone_known: bool,
}

/// Read the account's configuration from the store.
pub async fn load(store: &Store) -> Result<Account, Failure> {
    if let Some(text) = store.setting(ACCOUNT_CONFIG).await? {
        let config = parse_json(&text).map_err(|e| {
            Failure::database(format!(
                "the stored account configuration ({ACCOUNT_CONFIG}) is unreadable: {e}; replace it with `carekpi config set FILE`"
            ))
        })?;
        return Ok(Account {
            config,
            stored: true,
            zone_known: true,
        });
    }
    let mut config = EngineConfig::default();
    let legacy = store.setting(LEGACY_TIME_ZONE).await?;
    let zone_known = legacy.is_some();
    if let Some(zone) = legacy {
        config.time_zone = zone;
    }
    Ok(Account {
        config,
        stored: false,
        zone_known,
    })
}

/// The account's time zone, when it has one.
pub async fn time_zone(store: &Store) -> Result<Option<String>, Failure> {
    let account = load(store).await?;
    Ok(account.zone_known.then_some(account.config.time_zone))
}

/// Check a configuration completely (every field, as the engine compiles it) and store it as a
/// new version (who: `cli:<user>`), so running servers pick it up and its history shows it.
pub async fn save(store: &Store, config: &EngineConfig) -> Result<(), Failure> {
    validate(config).map_err(|e| Failure::usage(format!("invalid configuration: {e}")))?;
    let text = serde_json::to_string_pretty(config)
        .map_err(|e| Failure::usage(format!("cannot write the configuration as JSON: {e}")))?;
    let user = std::env::var("USER").unwrap_or_else(|_| "unknown".into());
    store
        .set_setting_versioned(
            ACCOUNT_CONFIG,
            &text,
            &format!("cli:{user}"),
            jiff::Timestamp::now().as_millisecond(),
        )
        .await?;
    Ok(())
}

/// Whether the engine accepts the configuration; the error names the field and the reason.
pub fn validate(config: &EngineConfig) -> Result<(), ConfigProblem> {
    Engine::new(config.clone())
        .map(drop)
        .map_err(|e| ConfigProblem {
            field: e.field,
            reason: e.reason,
        })
}

/// Why a configuration is refused: the field (a path such as `schedules.vn-office.versions[0]`)
/// and the reason.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct ConfigProblem {
    pub field: String,
    pub reason: String,
}

impl std::fmt::Display for ConfigProblem {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        write!(f, "field `{}`: {}", self.field, self.reason)
    }
}

fn problem(field: impl Into<String>, reason: impl Into<String>) -> ConfigProblem {
    ConfigProblem {
        field: field.into(),
        reason: reason.into(),
    }
}

/// Read a configuration from JSON text; a malformed one names the field (its JSON path).
pub fn parse_json(text: &str) -> Result<EngineConfig, ConfigProblem> {
    let de = &mut serde_json::Deserializer::from_str(text);
    deserialize(de)
}

/// Read a configuration from TOML text (the same fields as the JSON form).
pub fn parse_toml(text: &str) -> Result<EngineConfig, ConfigProblem> {
    // Through a JSON value, so dates and times are written as strings as in JSON, and TOML's own
    // date values (unquoted `2026-07-01`) are turned into the same strings.
    let value: toml::Value = toml::from_str(text).map_err(|e| {
        problem(
            "(document)",
            format!("not valid TOML: {}", e.to_string().trim()),
        )
    })?;
    let json = toml_to_json(value);
    deserialize(json)
}

fn toml_to_json(value: toml::Value) -> serde_json::Value {
    use serde_json::Value as J;
    match value {
        toml::Value::String(s) => J::String(s),
        toml::Value::Integer(i) => J::from(i),
        toml::Value::Float(f) => J::from(f),
        toml::Value::Boolean(b) => J::Bool(b),
        toml::Value::Datetime(d) => J::String(d.to_string()),
        toml::Value::Array(a) => J::Array(a.into_iter().map(toml_to_json).collect()),
        toml::Value::Table(t) => {
            J::Object(t.into_iter().map(|(k, v)| (k, toml_to_json(v))).collect())
        }
    }
}

fn deserialize<'de, D>(de: D) -> Result<EngineConfig, ConfigProblem>
where
    D: serde::Deserializer<'de>,
    D::Error: std::fmt::Display,
{
    serde_path_to_error::deserialize(de).map_err(|e| {
        let path = e.path().to_string();
        let field = if path == "." || path.is_empty() {
            "(document)".to_string()
        } else {
            path
        };
        problem(field, e.into_inner().to_string())
    })
}

/// Read a configuration file: TOML when its name ends in `.toml`, else JSON. The configuration
/// must name the account's `time_zone` (it is never guessed), and must compile in the engine.
pub fn read_file(path: &Path) -> Result<EngineConfig, Failure> {
    let shown = crate::shown(path);
    let text = std::fs::read_to_string(path)
        .map_err(|e| Failure::usage(format!("cannot read {shown}: {e}")))?;
    let is_toml = path
        .extension()
        .is_some_and(|e| e.eq_ignore_ascii_case("toml"));
    let refused = |p: ConfigProblem| Failure::usage(format!("{shown}: {p}; nothing was stored"));
    let config = if is_toml {
        parse_toml(&text)
    } else {
        parse_json(&text)
    }
    .map_err(refused)?;
    let names_zone = if is_toml {
        text.parse::<toml::Table>()
            .is_ok_and(|t| t.contains_key("time_zone"))
    } else {
        serde_json::from_str::<serde_json::Value>(&text).is_ok_and(|v| v.get("time_zone").is_some())
    };
    if !names_zone {
        return Err(refused(problem(
            "time_zone",
            "missing: the account's IANA time zone is required (e.g. \"Asia/Ho_Chi_Minh\"); day, week and month buckets and zone-less CSV timestamps use it",
        )));
    }
    validate(&config).map_err(refused)?;
    Ok(config)
}
