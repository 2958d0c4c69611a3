//! The engine's configuration: the account's time zone, business-hour schedules, SLA policies and
//! the thresholds the catalogue leaves configurable. Serde, so it is stored and edited as JSON.
//!
//! ```json
//! {
//!   "time_zone": "Asia/Ho_Chi_Minh",
//!   "account_schedule": "vn-office",
//!   "schedules": {"vn-office": {"time_zone": "Asia/Ho_Chi_Minh",
//!                               "versions": [{"hours": {"mon": ["08:00-18:00"]}}]}},
//!   "sla": {"policies": [{"name": "All", "targets": {"first_reply": {"within": "8h"}}}]},
//!   "csat": {"scale": {"min": 1, "max": 5}, "satisfied_from": 4},
//!   "service_level": {"threshold_s": 20, "by_channel": {"chat": 30}, "short_abandon_s": 5},
//!   "backlog": {"age_hours": 24, "hours": "business"},
//!   "fcr_window_days": 7,
//!   "clv": {"gross_margin": 0.35, "currency": "VND"},
//!   "servqual_weights": {"reliability": 30, "assurance": 20, "tangibles": 10, "empathy": 20, "responsiveness": 20}
//! }
//! ```
//! Every field has a default (UTC, no schedules, no SLA policies, the catalogue's defaults).

use std::collections::BTreeMap;

use carekpi_domain::calendar::{Schedule, ScheduleConfig};
use carekpi_domain::records::Scale;
use carekpi_domain::records::vocab::{Channel, Dimension};
use carekpi_domain::sla::SlaPolicies;
use carekpi_domain::working_time::TimeBasis;
use jiff::tz::TimeZone;
use serde::{Deserialize, Serialize};

/// Everything the metric definitions leave to the account.
#[derive(Clone, Debug, PartialEq, Serialize, Deserialize)]
#[serde(default, deny_unknown_fields)]
pub struct EngineConfig {
    /// The account's IANA time zone: day, week and month buckets, and agent-days.
    pub time_zone: String,
    /// The schedule (an id of `schedules`) of cases whose team has none, directly or through its
    /// parents. None: the account is open 24/7 (business time is calendar time).
    #[serde(skip_serializing_if = "Option::is_none")]
    pub account_schedule: Option<String>,
    /// Business-hour schedules by id; a team points at one with `schedule_id`.
    pub schedules: BTreeMap<String, ScheduleConfig>,
    /// SLA policies, in order (first match wins).
    pub sla: SlaPolicies,
    pub csat: CsatConfig,
    pub service_level: ServiceLevelConfig,
    pub backlog: BacklogConfig,
    /// FCR's window: a new case from the same customer with the same type and tags within this
    /// many days after the solve means the first contact did not resolve it.
    pub fcr_window_days: f64,
    pub clv: ClvConfig,
    /// SERVQUAL importance weights (they sum to 100).
    pub servqual_weights: ServqualWeights,
}

impl Default for EngineConfig {
    fn default() -> Self {
        Self {
            time_zone: "UTC".into(),
            account_schedule: None,
            schedules: BTreeMap::new(),
            sla: SlaPolicies::default(),
            csat: CsatConfig::default(),
            service_level: ServiceLevelConfig::default(),
            backlog: BacklogConfig::default(),
            fcr_window_days: 7.0,
            clv: ClvConfig::default(),
            servqual_weights: ServqualWeights::default(),
        }
    }
}

/// CSAT: the scale answers are read on and the first "satisfied" score.
#[derive(Clone, Copy, Debug, PartialEq, Serialize, Deserialize)]
#[serde(default, deny_unknown_fields)]
pub struct CsatConfig {
    /// The account's CSAT scale (default 1–5). Answers given on another scale (a response's own
    /// `scale`) are mapped linearly onto it.
    pub scale: Scale,
    /// The lowest satisfied score on `scale` (default 4: a 3 of 5 is not satisfied).
    pub satisfied_from: f64,
}

impl Default for CsatConfig {
    fn default() -> Self {
        Self {
            scale: Scale { min: 1, max: 5 },
            satisfied_from: 4.0,
        }
    }
}

/// Service level and abandonment thresholds.
#[derive(Clone, Debug, PartialEq, Serialize, Deserialize)]
#[serde(default, deny_unknown_fields)]
pub struct ServiceLevelConfig {
    /// T: answered within T seconds (wait ≤ T) counts as within the service level. Default 20.
    pub threshold_s: f64,
    /// T per channel (phone, chat, messaging …), overriding `threshold_s`.
    pub by_channel: BTreeMap<Channel, f64>,
    /// Abandons with a wait below this many seconds are "short" and left out by default. Default 5.
    pub short_abandon_s: f64,
}

impl Default for ServiceLevelConfig {
    fn default() -> Self {
        Self {
            threshold_s: 20.0,
            by_channel: BTreeMap::new(),
            short_abandon_s: 5.0,
        }
    }
}

impl ServiceLevelConfig {
    /// T for a channel.
    pub fn threshold_for(&self, channel: Channel) -> f64 {
        self.by_channel
            .get(&channel)
            .copied()
            .unwrap_or(self.threshold_s)
    }
}

/// Backlog: how old an unsolved case must be to count.
#[derive(Clone, Copy, Debug, PartialEq, Serialize, Deserialize)]
#[serde(default, deny_unknown_fields)]
pub struct BacklogConfig {
    /// Default 24.
    pub age_hours: f64,
    /// Counted in business hours of the case's schedule (default) or calendar hours.
    pub hours: TimeBasis,
}

impl Default for BacklogConfig {
    fn default() -> Self {
        Self {
            age_hours: 24.0,
            hours: TimeBasis::Business,
        }
    }
}

/// Customer lifetime value.
#[derive(Clone, Debug, Default, PartialEq, Serialize, Deserialize)]
#[serde(default, deny_unknown_fields)]
pub struct ClvConfig {
    /// Gross margin as a fraction (0.35 = 35 %); CLV is multiplied by it when set.
    #[serde(skip_serializing_if = "Option::is_none")]
    pub gross_margin: Option<f64>,
    /// Only orders in this ISO 4217 currency count. None: every order counts (one currency
    /// assumed).
    #[serde(skip_serializing_if = "Option::is_none")]
    pub currency: Option<String>,
}

/// SERVQUAL importance weights per RATER dimension; they sum to 100.
#[derive(Clone, Copy, Debug, PartialEq, Serialize, Deserialize)]
#[serde(default, deny_unknown_fields)]
pub struct ServqualWeights {
    pub reliability: f64,
    pub assurance: f64,
    pub tangibles: f64,
    pub empathy: f64,
    pub responsiveness: f64,
}

impl Default for ServqualWeights {
    /// Equal weights, 20 each.
    fn default() -> Self {
        Self {
            reliability: 20.0,
            assurance: 20.0,
            tangibles: 20.0,
            empathy: 20.0,
            responsiveness: 20.0,
        }
    }
}

impl ServqualWeights {
    pub fn of(&self, d: Dimension) -> f64 {
        match d {
            Dimension::Reliability => self.reliability,
            Dimension::Assurance => self.assurance,
            Dimension::Tangibles => self.tangibles,
            Dimension::Empathy => self.empathy,
            Dimension::Responsiveness => self.responsiveness,
        }
    }
}

/// Why a configuration is refused: the field and the reason.
#[derive(Clone, Debug, PartialEq, Eq, thiserror::Error)]
#[error("{field}: {reason}")]
pub struct ConfigError {
    pub field: String,
    pub reason: String,
}

fn err(field: impl Into<String>, reason: impl Into<String>) -> ConfigError {
    ConfigError {
        field: field.into(),
        reason: reason.into(),
    }
}

/// A configuration checked and compiled: the time zone and the schedules ready to measure.
#[derive(Clone, Debug)]
pub(crate) struct Compiled {
    pub tz: TimeZone,
    /// Schedules by index; `schedule_ids` maps ids to indexes.
    pub schedules: Vec<Schedule>,
    pub schedule_ids: BTreeMap<String, u16>,
    pub account_schedule: Option<u16>,
}

impl EngineConfig {
    /// Reads a configuration from JSON; errors name the JSON path.
    pub fn from_json(text: &str) -> Result<Self, ConfigError> {
        serde_json::from_str(text).map_err(|e| err("(document)", e.to_string()))
    }

    /// Checks every field; the first problem is reported with its field.
    pub(crate) fn compile(&self) -> Result<Compiled, ConfigError> {
        let tz = TimeZone::get(self.time_zone.trim()).map_err(|e| {
            err(
                "time_zone",
                format!(
                    "`{}` is not an IANA time zone name such as Asia/Ho_Chi_Minh ({e})",
                    self.time_zone
                ),
            )
        })?;
        let mut schedules = Vec::new();
        let mut schedule_ids = BTreeMap::new();
        for (id, config) in &self.schedules {
            let schedule = Schedule::new(config.clone())
                .map_err(|e| err(format!("schedules.{id}"), e.to_string()))?;
            let index = u16::try_from(schedules.len())
                .map_err(|_| err("schedules", "at most 65,535 schedules"))?;
            schedules.push(schedule);
            schedule_ids.insert(id.clone(), index);
        }
        let account_schedule = match &self.account_schedule {
            None => None,
            Some(id) => Some(*schedule_ids.get(id).ok_or_else(|| {
                err(
                    "account_schedule",
                    format!("`{id}` is not one of the configured schedules"),
                )
            })?),
        };
        let c = &self.csat;
        if c.scale.min >= c.scale.max {
            return Err(err(
                "csat.scale",
                format!("min {} must be below max {}", c.scale.min, c.scale.max),
            ));
        }
        if !(c.satisfied_from >= c.scale.min as f64 && c.satisfied_from <= c.scale.max as f64) {
            return Err(err(
                "csat.satisfied_from",
                format!(
                    "{} is outside the scale {}–{}",
                    c.satisfied_from, c.scale.min, c.scale.max
                ),
            ));
        }
        let sl = &self.service_level;
        let mut seconds = vec![
            ("service_level.threshold_s".to_string(), sl.threshold_s),
            (
                "service_level.short_abandon_s".to_string(),
                sl.short_abandon_s,
            ),
            ("backlog.age_hours".to_string(), self.backlog.age_hours),
            ("fcr_window_days".to_string(), self.fcr_window_days),
        ];
        for (channel, t) in &sl.by_channel {
            seconds.push((format!("service_level.by_channel.{channel}"), *t));
        }
        for (field, v) in seconds {
            if !(v.is_finite() && v >= 0.0) {
                return Err(err(field, format!("{v} must be a number ≥ 0")));
            }
        }
        if let Some(m) = self.clv.gross_margin
            && !(m.is_finite() && (0.0..=1.0).contains(&m))
        {
            return Err(err(
                "clv.gross_margin",
                format!("{m} must be a fraction between 0 and 1 (0.35 = 35 %)"),
            ));
        }
        let w = &self.servqual_weights;
        let all = [
            w.reliability,
            w.assurance,
            w.tangibles,
            w.empathy,
            w.responsiveness,
        ];
        if all.iter().any(|x| !(x.is_finite() && *x >= 0.0)) {
            return Err(err("servqual_weights", "every weight must be ≥ 0"));
        }
        let sum: f64 = all.iter().sum();
        if (sum - 100.0).abs() > 1e-6 {
            return Err(err(
                "servqual_weights",
                format!("the weights sum to {sum}; they must sum to 100"),
            ));
        }
        Ok(Compiled {
            tz,
            schedules,
            schedule_ids,
            account_schedule,
        })
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn defaults_and_json() {
        let c = EngineConfig::default();
        assert!(c.compile().is_ok());
        let c = EngineConfig::from_json(
            r#"{"time_zone":"Europe/Berlin","service_level":{"by_channel":{"chat":30}},
                "schedules":{"office":{"time_zone":"Europe/Berlin","versions":[{"hours":{"mon":["09:00-17:00"]}}]}},
                "account_schedule":"office"}"#,
        )
        .unwrap();
        let compiled = c.compile().unwrap();
        assert_eq!(compiled.account_schedule, Some(0));
        assert_eq!(c.service_level.threshold_for(Channel::Chat), 30.0);
        assert_eq!(c.service_level.threshold_for(Channel::Phone), 20.0);
    }

    #[test]
    fn errors_name_the_field() {
        let c = EngineConfig {
            time_zone: "Mars/Olympus".into(),
            ..EngineConfig::default()
        };
        assert_eq!(c.compile().unwrap_err().field, "time_zone");
        let c = EngineConfig {
            account_schedule: Some("nope".into()),
            ..EngineConfig::default()
        };
        assert_eq!(c.compile().unwrap_err().field, "account_schedule");
        let c = EngineConfig {
            servqual_weights: ServqualWeights {
                reliability: 50.0,
                ..ServqualWeights::default()
            },
            ..EngineConfig::default()
        };
        let e = c.compile().unwrap_err();
        assert_eq!(e.field, "servqual_weights");
        assert!(e.reason.contains("130"), "{e}");
        assert!(EngineConfig::from_json(r#"{"colour":"blue"}"#).is_err());
    }
}
