//! Teams, agents and customers: who serves and who is served.

use serde::{Deserialize, Serialize};

use crate::moment::Moment;
use crate::validation::Problems;

/// A team in the org tree (company → department → team).
#[derive(Clone, Debug, PartialEq, Serialize, Deserialize)]
pub struct Team {
    pub id: String,
    pub name: String,
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub parent_id: Option<String>,
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub schedule_id: Option<String>,
}

impl Team {
    pub fn validate(&self, p: &mut Problems) {
        p.id("id", &self.id);
        p.text("name", &self.name);
        p.opt_id("parent_id", &self.parent_id);
        p.opt_id("schedule_id", &self.schedule_id);
        if self.parent_id.as_deref() == Some(self.id.as_str()) {
            p.add("parent_id", "a team cannot be its own parent");
        }
    }
}

/// An agent (a member of staff who handles contacts).
#[derive(Clone, Debug, PartialEq, Serialize, Deserialize)]
pub struct Agent {
    pub id: String,
    pub name: String,
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub team_id: Option<String>,
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub email: Option<String>,
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub hired_at: Option<Moment>,
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub left_at: Option<Moment>,
}

impl Agent {
    pub fn validate(&self, p: &mut Problems) {
        p.id("id", &self.id);
        p.text("name", &self.name);
        p.opt_id("team_id", &self.team_id);
        if let Some(email) = &self.email
            && !email.contains('@')
        {
            p.add("email", format!("`{email}` is not an e-mail address"));
        }
        p.not_before(
            "left_at",
            self.left_at.as_ref(),
            "hired_at",
            self.hired_at.as_ref(),
        );
    }
}

/// A customer: acquired at `created_at`, churned at `ended_at`.
#[derive(Clone, Debug, PartialEq, Serialize, Deserialize)]
pub struct Customer {
    pub id: String,
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub created_at: Option<Moment>,
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub ended_at: Option<Moment>,
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub segment: Option<String>,
    /// How the customer was acquired; `referral` counts for referral_rate.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub acquisition_channel: Option<String>,
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub referred_by: Option<String>,
}

impl Customer {
    pub fn validate(&self, p: &mut Problems) {
        p.id("id", &self.id);
        p.not_before(
            "ended_at",
            self.ended_at.as_ref(),
            "created_at",
            self.created_at.as_ref(),
        );
        if let Some(s) = &self.segment {
            p.text("segment", s);
        }
        if let Some(s) = &self.acquisition_channel {
            p.text("acquisition_channel", s);
        }
        p.opt_id("referred_by", &self.referred_by);
        if self.referred_by.as_deref() == Some(self.id.as_str()) {
            p.add("referred_by", "a customer cannot refer themself");
        }
    }
}
