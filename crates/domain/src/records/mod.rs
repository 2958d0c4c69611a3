//! Every record kind of the data model, as typed records.

mod case;
mod commerce;
mod contact;
mod people;
pub mod vocab;
mod voice;
mod workforce;

use std::borrow::Cow;

pub use case::{Case, CaseEvent};
pub use commerce::{EngagementEvent, Order};
pub use contact::{Call, Chat, ChatMessage};
pub use people::{Agent, Customer, Team};
pub use voice::{
    Criterion, Feedback, PlatformReview, QaReview, Scale, ServqualResponse, SurveyResponse,
};
pub use workforce::{PresenceInterval, StaffingForecast};

use crate::moment::Moment;
use crate::validation::Problems;

macro_rules! record_kinds {
    ($($variant:ident($ty:ty) = $text:literal, $table:literal;)+) => {
        /// The kind of a record, as written in the `kind` field of the interchange format.
        #[derive(Clone, Copy, Debug, PartialEq, Eq, Hash, PartialOrd, Ord, serde::Serialize, serde::Deserialize)]
        pub enum RecordKind {
            $(#[serde(rename = $text)] $variant),+
        }

        impl RecordKind {
            /// Every kind, in the order of the data model.
            pub const ALL: &'static [RecordKind] = &[$(RecordKind::$variant),+];

            /// The kind as written in the `kind` field.
            pub fn as_str(self) -> &'static str {
                match self { $(RecordKind::$variant => $text),+ }
            }

            /// The plural name used for the kind's table and in summaries ("cases", "calls").
            pub fn plural(self) -> &'static str {
                match self { $(RecordKind::$variant => $table),+ }
            }
        }

        impl std::str::FromStr for RecordKind {
            type Err = String;
            fn from_str(s: &str) -> Result<Self, String> {
                match s {
                    $($text => Ok(RecordKind::$variant),)+
                    _ => Err(format!(
                        "unknown record kind `{s}`, expected one of {}",
                        [$($text),+].map(|t| format!("`{t}`")).join(", ")
                    )),
                }
            }
        }

        /// One record of any kind.
        #[derive(Clone, Debug, PartialEq)]
        pub enum Record {
            $($variant($ty)),+
        }

        impl Record {
            pub fn kind(&self) -> RecordKind {
                match self { $(Record::$variant(_) => RecordKind::$variant),+ }
            }

            /// Every problem of the record (empty when it is valid).
            pub fn validate(&self, p: &mut Problems) {
                match self { $(Record::$variant(r) => r.validate(p)),+ }
            }

            /// The record as one JSON object of the interchange format, without `kind`.
            pub fn to_json_value(&self) -> serde_json::Value {
                let value = match self { $(Record::$variant(r) => serde_json::to_value(r)),+ };
                value.expect("records always serialise to JSON")
            }

            /// The record as compact JSON of the interchange format, without `kind`.
            pub fn to_json(&self) -> String {
                let text = match self { $(Record::$variant(r) => serde_json::to_string(r)),+ };
                text.expect("records always serialise to JSON")
            }

            /// The record as one line of a JSON Lines file, `kind` first.
            pub fn to_json_line(&self) -> String {
                let body = self.to_json();
                let rest = body.strip_prefix('{').unwrap_or(&body);
                if rest == "}" {
                    format!("{{\"kind\":\"{}\"}}", self.kind().as_str())
                } else {
                    format!("{{\"kind\":\"{}\",{rest}", self.kind().as_str())
                }
            }
        }

        $(
            impl From<$ty> for Record {
                fn from(r: $ty) -> Record { Record::$variant(r) }
            }
        )+
    };
}

record_kinds! {
    Team(Team) = "team", "teams";
    Agent(Agent) = "agent", "agents";
    Customer(Customer) = "customer", "customers";
    Case(Case) = "case", "cases";
    Call(Call) = "call", "calls";
    Chat(Chat) = "chat", "chats";
    Survey(SurveyResponse) = "survey", "surveys";
    Servqual(ServqualResponse) = "servqual", "servqual_responses";
    QaReview(QaReview) = "qa_review", "qa_reviews";
    Feedback(Feedback) = "feedback", "feedback";
    PlatformReview(PlatformReview) = "platform_review", "platform_reviews";
    Engagement(EngagementEvent) = "engagement", "engagement_events";
    Order(Order) = "order", "orders";
    Presence(PresenceInterval) = "presence", "presence_intervals";
    StaffingForecast(StaffingForecast) = "staffing_forecast", "staffing_forecasts";
}

impl std::fmt::Display for RecordKind {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        f.write_str(self.as_str())
    }
}

/// The people and things a record points at, for indexes and drill-down.
#[derive(Clone, Debug, Default, PartialEq, Eq)]
pub struct Links<'a> {
    pub team_id: Option<&'a str>,
    pub agent_id: Option<&'a str>,
    pub customer_id: Option<&'a str>,
    pub case_id: Option<&'a str>,
}

impl Record {
    /// The record's id: its own `id`, or a natural key for presence intervals and forecasts.
    pub fn id(&self) -> Cow<'_, str> {
        match self {
            Record::Team(r) => Cow::Borrowed(&r.id),
            Record::Agent(r) => Cow::Borrowed(&r.id),
            Record::Customer(r) => Cow::Borrowed(&r.id),
            Record::Case(r) => Cow::Borrowed(&r.id),
            Record::Call(r) => Cow::Borrowed(&r.id),
            Record::Chat(r) => Cow::Borrowed(&r.id),
            Record::Survey(r) => Cow::Borrowed(&r.id),
            Record::Servqual(r) => Cow::Borrowed(&r.id),
            Record::QaReview(r) => Cow::Borrowed(&r.id),
            Record::Feedback(r) => Cow::Borrowed(&r.id),
            Record::PlatformReview(r) => Cow::Borrowed(&r.id),
            Record::Engagement(r) => Cow::Borrowed(&r.id),
            Record::Order(r) => Cow::Borrowed(&r.id),
            Record::Presence(r) => Cow::Owned(r.natural_id()),
            Record::StaffingForecast(r) => Cow::Owned(r.natural_id()),
        }
    }

    /// The instant the record is filed under: a case's creation, a call's arrival, a response's
    /// time … (`None` for a team, and for an agent or customer without a start date).
    pub fn occurred_at(&self) -> Option<&Moment> {
        match self {
            Record::Team(_) => None,
            Record::Agent(r) => r.hired_at.as_ref(),
            Record::Customer(r) => r.created_at.as_ref(),
            Record::Case(r) => Some(&r.created_at),
            Record::Call(r) => r.arrived_at(),
            Record::Chat(r) => r.arrived_at(),
            Record::Survey(r) => Some(&r.at),
            Record::Servqual(r) => Some(&r.at),
            Record::QaReview(r) => Some(&r.at),
            Record::Feedback(r) => Some(&r.at),
            Record::PlatformReview(r) => Some(&r.at),
            Record::Engagement(r) => Some(&r.at),
            Record::Order(r) => Some(&r.at),
            Record::Presence(r) => Some(&r.from),
            Record::StaffingForecast(r) => Some(&r.interval_start),
        }
    }

    /// Who and what the record points at.
    pub fn links(&self) -> Links<'_> {
        fn s(o: &Option<String>) -> Option<&str> {
            o.as_deref()
        }
        match self {
            Record::Team(_) | Record::PlatformReview(_) | Record::StaffingForecast(_) => {
                Links::default()
            }
            Record::Agent(r) => Links {
                team_id: s(&r.team_id),
                ..Links::default()
            },
            Record::Customer(_) => Links::default(),
            Record::Case(r) => Links {
                team_id: s(&r.team_id),
                agent_id: s(&r.assignee_id),
                customer_id: s(&r.customer_id),
                case_id: None,
            },
            Record::Call(r) => Links {
                team_id: s(&r.team_id),
                agent_id: s(&r.agent_id),
                customer_id: s(&r.customer_id),
                case_id: s(&r.case_id),
            },
            Record::Chat(r) => Links {
                team_id: s(&r.team_id),
                agent_id: s(&r.agent_id),
                customer_id: s(&r.customer_id),
                case_id: s(&r.case_id),
            },
            Record::Survey(r) => Links {
                team_id: s(&r.team_id),
                agent_id: s(&r.agent_id),
                customer_id: s(&r.customer_id),
                case_id: s(&r.case_id),
            },
            Record::Servqual(r) => Links {
                customer_id: s(&r.customer_id),
                ..Links::default()
            },
            Record::QaReview(r) => Links {
                agent_id: Some(&r.agent_id),
                case_id: s(&r.case_id),
                ..Links::default()
            },
            Record::Feedback(r) => Links {
                agent_id: s(&r.agent_id),
                customer_id: s(&r.customer_id),
                case_id: s(&r.case_id),
                ..Links::default()
            },
            Record::Engagement(r) => Links {
                customer_id: Some(&r.customer_id),
                ..Links::default()
            },
            Record::Order(r) => Links {
                customer_id: Some(&r.customer_id),
                ..Links::default()
            },
            Record::Presence(r) => Links {
                agent_id: Some(&r.agent_id),
                ..Links::default()
            },
        }
    }
}

/// How a field of a record kind is written, so that flat sources (CSV cells) can be typed.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub enum FieldType {
    /// Free text or an id.
    Text,
    /// One value of a closed vocabulary (channel, outcome …), written as text.
    Vocabulary,
    /// A whole number.
    Integer,
    /// A number (durations in seconds, weights).
    Number,
    /// true / false.
    Boolean,
    /// An RFC 3339 timestamp with an offset.
    Timestamp,
    /// A decimal amount of money, kept exact.
    Decimal,
    /// A list of text values (tags).
    TextList,
    /// A nested structure (events, criteria, messages, scale): JSON.
    Json,
}

/// A field of a record kind: its name, how it is written, and whether it is required.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub struct Field {
    pub name: &'static str,
    pub ty: FieldType,
    pub required: bool,
}

const fn req(name: &'static str, ty: FieldType) -> Field {
    Field {
        name,
        ty,
        required: true,
    }
}

const fn opt(name: &'static str, ty: FieldType) -> Field {
    Field {
        name,
        ty,
        required: false,
    }
}

use FieldType::{
    Boolean, Decimal as Dec, Integer, Json, Number, Text, TextList, Timestamp as Ts,
    Vocabulary as Voc,
};

const CONTACT_FIELDS: [Field; 15] = [
    req("id", Text),
    opt("queued_at", Ts),
    opt("attempted_at", Ts),
    req("outcome", Voc),
    opt("answered_at", Ts),
    opt("ended_at", Ts),
    opt("queue", Text),
    opt("agent_id", Text),
    opt("team_id", Text),
    opt("customer_id", Text),
    opt("talk_s", Number),
    opt("hold_s", Number),
    opt("wrap_s", Number),
    opt("resolved_first_contact", Boolean),
    opt("case_id", Text),
];

const CHAT_FIELDS: [Field; 17] = {
    let mut all = [opt("", Text); 17];
    let mut i = 0;
    while i < CONTACT_FIELDS.len() {
        all[i] = CONTACT_FIELDS[i];
        i += 1;
    }
    all[15] = opt("channel", Voc);
    all[16] = opt("messages", Json);
    all
};

impl RecordKind {
    /// The fields of this kind, in the order of the data model (required ones marked).
    pub fn fields(self) -> &'static [Field] {
        match self {
            RecordKind::Team => {
                const {
                    &[
                        req("id", Text),
                        req("name", Text),
                        opt("parent_id", Text),
                        opt("schedule_id", Text),
                    ]
                }
            }
            RecordKind::Agent => {
                const {
                    &[
                        req("id", Text),
                        req("name", Text),
                        opt("team_id", Text),
                        opt("email", Text),
                        opt("hired_at", Ts),
                        opt("left_at", Ts),
                    ]
                }
            }
            RecordKind::Customer => {
                const {
                    &[
                        req("id", Text),
                        opt("created_at", Ts),
                        opt("ended_at", Ts),
                        opt("segment", Text),
                        opt("acquisition_channel", Text),
                        opt("referred_by", Text),
                    ]
                }
            }
            RecordKind::Case => {
                const {
                    &[
                        req("id", Text),
                        req("channel", Voc),
                        req("created_at", Ts),
                        opt("customer_id", Text),
                        opt("team_id", Text),
                        opt("assignee_id", Text),
                        opt("priority", Voc),
                        opt("type", Voc),
                        opt("tags", TextList),
                        opt("subject", Text),
                        req("events", Json),
                    ]
                }
            }
            RecordKind::Call => &CONTACT_FIELDS,
            RecordKind::Chat => &CHAT_FIELDS,
            RecordKind::Survey => {
                const {
                    &[
                        req("id", Text),
                        req("survey", Voc),
                        req("score", Integer),
                        req("at", Ts),
                        opt("scale", Json),
                        opt("customer_id", Text),
                        opt("case_id", Text),
                        opt("call_id", Text),
                        opt("agent_id", Text),
                        opt("team_id", Text),
                        opt("comment", Text),
                    ]
                }
            }
            RecordKind::Servqual => {
                const {
                    &[
                        req("id", Text),
                        req("at", Ts),
                        req("dimension", Voc),
                        req("expectation", Integer),
                        req("perception", Integer),
                        opt("item", Text),
                        opt("customer_id", Text),
                    ]
                }
            }
            RecordKind::QaReview => {
                const {
                    &[
                        req("id", Text),
                        req("at", Ts),
                        opt("case_id", Text),
                        opt("call_id", Text),
                        req("agent_id", Text),
                        opt("reviewer", Text),
                        req("criteria", Json),
                    ]
                }
            }
            RecordKind::Feedback => {
                const {
                    &[
                        req("id", Text),
                        req("at", Ts),
                        req("polarity", Voc),
                        opt("source", Text),
                        opt("customer_id", Text),
                        opt("agent_id", Text),
                        opt("case_id", Text),
                    ]
                }
            }
            RecordKind::PlatformReview => {
                const {
                    &[
                        req("id", Text),
                        req("at", Ts),
                        req("platform", Text),
                        req("rating", Integer),
                    ]
                }
            }
            RecordKind::Engagement => {
                const {
                    &[
                        req("id", Text),
                        req("at", Ts),
                        req("customer_id", Text),
                        req("activity", Text),
                    ]
                }
            }
            RecordKind::Order => {
                const {
                    &[
                        req("id", Text),
                        req("at", Ts),
                        req("customer_id", Text),
                        req("amount", Dec),
                        req("currency", Text),
                    ]
                }
            }
            RecordKind::Presence => {
                const {
                    &[
                        req("agent_id", Text),
                        req("from", Ts),
                        req("to", Ts),
                        opt("state", Voc),
                    ]
                }
            }
            RecordKind::StaffingForecast => {
                const {
                    &[
                        req("interval_start", Ts),
                        req("interval_minutes", Integer),
                        req("contacts", Number),
                        req("aht_s", Number),
                        opt("channel", Voc),
                    ]
                }
            }
        }
    }

    /// The field named `name`, if this kind has one.
    pub fn field(self, name: &str) -> Option<&'static Field> {
        self.fields().iter().find(|f| f.name == name)
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    /// docs/data-format.md documents every field of every kind, in the kind's own section.
    #[test]
    fn the_user_documentation_lists_every_field() {
        let doc = include_str!("../../../../docs/data-format.md");
        for kind in RecordKind::ALL {
            let heading = format!("\n### {}\n", kind.as_str());
            let start = doc
                .find(&heading)
                .unwrap_or_else(|| panic!("docs/data-format.md has no section `### {kind}`"));
            let rest = &doc[start + heading.len()..];
            let section = &rest[..rest.find("\n### ").unwrap_or(rest.len())];
            // A chat's section names only what it adds to a call's.
            let own: Vec<_> = match kind {
                RecordKind::Chat => vec!["channel", "messages"],
                _ => kind.fields().iter().map(|f| f.name).collect(),
            };
            for name in own {
                assert!(
                    section.contains(name),
                    "docs/data-format.md, section {kind}, does not mention `{name}`"
                );
            }
            for field in kind.fields().iter().filter(|f| f.required) {
                if *kind != RecordKind::Chat {
                    assert!(
                        section.contains(&format!("**{}**", field.name)),
                        "docs/data-format.md, section {kind}: required `{}` is not in bold",
                        field.name
                    );
                }
            }
        }
    }

    #[test]
    fn every_kind_parses_from_its_name() {
        for kind in RecordKind::ALL {
            assert_eq!(kind.as_str().parse::<RecordKind>(), Ok(*kind));
        }
    }
}
