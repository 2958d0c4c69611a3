//! Cases (tickets) and their events.

use serde::{Deserialize, Serialize};

use super::vocab::{Author, CaseType, Channel, EventKind, Priority, Status};
use crate::moment::Moment;
use crate::validation::Problems;

/// A case (ticket, conversation) with its full history of events.
#[derive(Clone, Debug, PartialEq, Serialize, Deserialize)]
pub struct Case {
    pub id: String,
    pub channel: Channel,
    pub created_at: Moment,
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub customer_id: Option<String>,
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub team_id: Option<String>,
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub assignee_id: Option<String>,
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub priority: Option<Priority>,
    #[serde(default, rename = "type", skip_serializing_if = "Option::is_none")]
    pub case_type: Option<CaseType>,
    #[serde(default, skip_serializing_if = "Vec::is_empty")]
    pub tags: Vec<String>,
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub subject: Option<String>,
    pub events: Vec<CaseEvent>,
}

/// One thing that happened to a case: a message, a status change or an assignment.
///
/// The interchange format writes every event flat (`{"at":…, "kind":"status", "status":"solved"}`);
/// which fields an event needs depends on its kind, and validation checks that.
#[derive(Clone, Debug, PartialEq, Serialize, Deserialize)]
pub struct CaseEvent {
    pub at: Moment,
    pub kind: EventKind,
    /// message: who wrote it.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub author: Option<Author>,
    /// message: public reply (true, the default) or internal note (false).
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub public: Option<bool>,
    /// message: sent by a bot, trigger or automation (never a first reply).
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub automatic: Option<bool>,
    /// message by an agent: which agent; assign: the new assignee.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub agent_id: Option<String>,
    /// assign: the new team.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub team_id: Option<String>,
    /// status: the new status.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub status: Option<Status>,
}

impl CaseEvent {
    /// A public message (public unless marked as an internal note).
    pub fn is_public(&self) -> bool {
        self.public.unwrap_or(true)
    }

    /// A public, non-automatic message by a human agent: what counts as a reply.
    pub fn is_agent_reply(&self) -> bool {
        self.kind == EventKind::Message
            && self.author == Some(Author::Agent)
            && self.is_public()
            && !self.automatic.unwrap_or(false)
    }

    fn validate(&self, p: &mut Problems, created_at: &Moment) {
        if self.at.instant() < created_at.instant() {
            let what = match (self.kind, self.author, self.status) {
                (EventKind::Message, Some(Author::Agent), _) => "an agent reply",
                (EventKind::Status, _, Some(s)) if s.is_solved() => "a solve",
                _ => "an event",
            };
            p.add(
                "at",
                format!(
                    "{what} at {} is before the case was created ({created_at}): impossible timeline",
                    self.at
                ),
            );
        }
        match self.kind {
            EventKind::Message => {
                if self.author.is_none() {
                    p.add(
                        "author",
                        "missing: a message needs its author (customer, agent or system)",
                    );
                }
                if self.status.is_some() {
                    p.add(
                        "status",
                        "a message event has no status; send a separate status event",
                    );
                }
                if self.author != Some(Author::Agent)
                    && self.agent_id.is_some()
                    && self.author.is_some()
                {
                    p.add("agent_id", "only a message by an agent names an agent");
                }
            }
            EventKind::Status => {
                if self.status.is_none() {
                    p.add("status", "missing: a status event needs the new status");
                }
                for (field, set) in [
                    ("author", self.author.is_some()),
                    ("public", self.public.is_some()),
                    ("automatic", self.automatic.is_some()),
                ] {
                    if set {
                        p.add(field, "a status event has no such field");
                    }
                }
            }
            EventKind::Assign => {
                if self.agent_id.is_none() && self.team_id.is_none() {
                    p.add(
                        "agent_id",
                        "missing: an assign event needs agent_id, team_id or both",
                    );
                }
                if self.status.is_some() || self.author.is_some() {
                    p.add("kind", "an assign event has only agent_id and team_id");
                }
            }
        }
        p.opt_id("agent_id", &self.agent_id);
        p.opt_id("team_id", &self.team_id);
    }
}

impl Case {
    pub fn validate(&self, p: &mut Problems) {
        p.id("id", &self.id);
        p.opt_id("customer_id", &self.customer_id);
        p.opt_id("team_id", &self.team_id);
        p.opt_id("assignee_id", &self.assignee_id);
        for (i, tag) in self.tags.iter().enumerate() {
            if tag.trim().is_empty() {
                p.add(&format!("tags[{i}]"), "a tag must not be empty");
            }
        }
        for (i, event) in self.events.iter().enumerate() {
            p.nested(&format!("events[{i}]"), |p| {
                event.validate(p, &self.created_at)
            });
        }
    }

    /// The case's status after its last status event (`new` when it has none).
    pub fn current_status(&self) -> Status {
        self.events
            .iter()
            .filter_map(|e| e.status)
            .next_back()
            .unwrap_or(Status::New)
    }
}
