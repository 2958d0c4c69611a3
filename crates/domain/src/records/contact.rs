//! Calls and chats: contacts that wait in a queue before an agent answers.

use serde::{Deserialize, Serialize};

use super::vocab::{Author, Channel, Outcome};
use crate::moment::Moment;
use crate::validation::Problems;

/// A phone call. A blocked call (never admitted to a queue) has `attempted_at` instead of
/// `queued_at`.
#[derive(Clone, Debug, PartialEq, Serialize, Deserialize)]
pub struct Call {
    pub id: String,
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub queued_at: Option<Moment>,
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub attempted_at: Option<Moment>,
    pub outcome: Outcome,
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub answered_at: Option<Moment>,
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub ended_at: Option<Moment>,
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub queue: Option<String>,
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub agent_id: Option<String>,
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub team_id: Option<String>,
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub customer_id: Option<String>,
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub talk_s: Option<f64>,
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub hold_s: Option<f64>,
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub wrap_s: Option<f64>,
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub resolved_first_contact: Option<bool>,
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub case_id: Option<String>,
}

/// A live-chat or messaging conversation: the shape of a call plus its messages.
#[derive(Clone, Debug, PartialEq, Serialize, Deserialize)]
pub struct Chat {
    pub id: String,
    /// `chat` (the default) or `messaging`, `social`, `sms`…
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub channel: Option<Channel>,
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub queued_at: Option<Moment>,
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub attempted_at: Option<Moment>,
    pub outcome: Outcome,
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub answered_at: Option<Moment>,
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub ended_at: Option<Moment>,
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub queue: Option<String>,
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub agent_id: Option<String>,
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub team_id: Option<String>,
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub customer_id: Option<String>,
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub talk_s: Option<f64>,
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub hold_s: Option<f64>,
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub wrap_s: Option<f64>,
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub resolved_first_contact: Option<bool>,
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub case_id: Option<String>,
    #[serde(default, skip_serializing_if = "Vec::is_empty")]
    pub messages: Vec<ChatMessage>,
}

/// One message of a chat.
#[derive(Clone, Debug, PartialEq, Serialize, Deserialize)]
pub struct ChatMessage {
    pub at: Moment,
    pub author: Author,
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub agent_id: Option<String>,
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub automatic: Option<bool>,
}

/// The fields calls and chats share, borrowed for validation.
struct QueuedContact<'a> {
    id: &'a str,
    queued_at: Option<&'a Moment>,
    attempted_at: Option<&'a Moment>,
    outcome: Outcome,
    answered_at: Option<&'a Moment>,
    ended_at: Option<&'a Moment>,
    agent_id: &'a Option<String>,
    team_id: &'a Option<String>,
    customer_id: &'a Option<String>,
    case_id: &'a Option<String>,
    durations: [(&'static str, Option<f64>); 3],
}

impl QueuedContact<'_> {
    fn validate(&self, p: &mut Problems) {
        p.id("id", self.id);
        for (field, value) in [
            ("agent_id", self.agent_id),
            ("team_id", self.team_id),
            ("customer_id", self.customer_id),
            ("case_id", self.case_id),
        ] {
            p.opt_id(field, value);
        }
        for (field, value) in self.durations {
            p.duration(field, value);
        }
        match self.outcome {
            Outcome::Blocked => {
                if self.queued_at.is_none() && self.attempted_at.is_none() {
                    p.add(
                        "attempted_at",
                        "missing: a blocked contact needs attempted_at (or queued_at)",
                    );
                }
                if self.answered_at.is_some() {
                    p.add("answered_at", "a blocked contact was never answered");
                }
            }
            outcome => {
                if self.queued_at.is_none() {
                    p.add(
                        "queued_at",
                        format!("missing: an {outcome} contact needs queued_at"),
                    );
                }
                if outcome == Outcome::Answered && self.answered_at.is_none() {
                    p.add(
                        "answered_at",
                        "missing: an answered contact needs answered_at",
                    );
                }
                if outcome == Outcome::Abandoned && self.answered_at.is_some() {
                    p.add(
                        "answered_at",
                        "an abandoned contact was never answered; use outcome `answered`",
                    );
                }
            }
        }
        p.not_before(
            "queued_at",
            self.queued_at,
            "attempted_at",
            self.attempted_at,
        );
        p.not_before("answered_at", self.answered_at, "queued_at", self.queued_at);
        let start = self.answered_at.or(self.queued_at).or(self.attempted_at);
        let start_field = if self.answered_at.is_some() {
            "answered_at"
        } else if self.queued_at.is_some() {
            "queued_at"
        } else {
            "attempted_at"
        };
        p.not_before("ended_at", self.ended_at, start_field, start);
    }
}

impl Call {
    pub fn validate(&self, p: &mut Problems) {
        QueuedContact {
            id: &self.id,
            queued_at: self.queued_at.as_ref(),
            attempted_at: self.attempted_at.as_ref(),
            outcome: self.outcome,
            answered_at: self.answered_at.as_ref(),
            ended_at: self.ended_at.as_ref(),
            agent_id: &self.agent_id,
            team_id: &self.team_id,
            customer_id: &self.customer_id,
            case_id: &self.case_id,
            durations: [
                ("talk_s", self.talk_s),
                ("hold_s", self.hold_s),
                ("wrap_s", self.wrap_s),
            ],
        }
        .validate(p);
    }

    /// When the contact reached the system: queued_at, or attempted_at for a blocked call.
    pub fn arrived_at(&self) -> Option<&Moment> {
        self.queued_at.as_ref().or(self.attempted_at.as_ref())
    }
}

impl Chat {
    pub fn validate(&self, p: &mut Problems) {
        QueuedContact {
            id: &self.id,
            queued_at: self.queued_at.as_ref(),
            attempted_at: self.attempted_at.as_ref(),
            outcome: self.outcome,
            answered_at: self.answered_at.as_ref(),
            ended_at: self.ended_at.as_ref(),
            agent_id: &self.agent_id,
            team_id: &self.team_id,
            customer_id: &self.customer_id,
            case_id: &self.case_id,
            durations: [
                ("talk_s", self.talk_s),
                ("hold_s", self.hold_s),
                ("wrap_s", self.wrap_s),
            ],
        }
        .validate(p);
        if self.outcome == Outcome::Voicemail {
            p.add("outcome", "a chat cannot end in voicemail");
        }
        let start = self.queued_at.as_ref().or(self.attempted_at.as_ref());
        for (i, m) in self.messages.iter().enumerate() {
            p.nested(&format!("messages[{i}]"), |p| {
                p.not_before("at", Some(&m.at), "the chat's queued_at", start);
                p.opt_id("agent_id", &m.agent_id);
            });
        }
    }

    /// When the contact reached the system: queued_at, or attempted_at for a blocked chat.
    pub fn arrived_at(&self) -> Option<&Moment> {
        self.queued_at.as_ref().or(self.attempted_at.as_ref())
    }
}
