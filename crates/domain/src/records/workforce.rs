//! Workforce data: when agents were present, and forecast contact volumes.

use serde::{Deserialize, Serialize};

use super::vocab::{Channel, PresenceState};
use crate::moment::Moment;
use crate::validation::Problems;

/// An interval an agent was logged in, in one presence state.
#[derive(Clone, Debug, PartialEq, Serialize, Deserialize)]
pub struct PresenceInterval {
    pub agent_id: String,
    pub from: Moment,
    pub to: Moment,
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub state: Option<PresenceState>,
}

impl PresenceInterval {
    /// Presence has no id of its own: an agent is in one interval starting at a given instant.
    pub fn natural_id(&self) -> String {
        format!("{}@{}", self.agent_id, self.from.instant())
    }

    pub fn validate(&self, p: &mut Problems) {
        p.id("agent_id", &self.agent_id);
        p.not_before("to", Some(&self.to), "from", Some(&self.from));
    }
}

/// Contacts expected in one interval, for Erlang C staffing.
#[derive(Clone, Debug, PartialEq, Serialize, Deserialize)]
pub struct StaffingForecast {
    pub interval_start: Moment,
    pub interval_minutes: i64,
    pub contacts: f64,
    pub aht_s: f64,
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub channel: Option<Channel>,
}

impl StaffingForecast {
    /// A forecast is identified by its channel, interval start and length.
    pub fn natural_id(&self) -> String {
        let channel = self.channel.map_or("all", |c| c.as_str());
        format!(
            "{channel}@{}/{}m",
            self.interval_start.instant(),
            self.interval_minutes
        )
    }

    pub fn validate(&self, p: &mut Problems) {
        if !(1..=1440).contains(&self.interval_minutes) {
            p.add(
                "interval_minutes",
                format!("{} must be between 1 and 1440", self.interval_minutes),
            );
        }
        if !(self.contacts.is_finite() && self.contacts >= 0.0) {
            p.add(
                "contacts",
                format!("{} must be a number ≥ 0", self.contacts),
            );
        }
        if !(self.aht_s.is_finite() && self.aht_s > 0.0) {
            p.add(
                "aht_s",
                format!("{} must be a duration above 0 seconds", self.aht_s),
            );
        }
    }
}
