//! The closed vocabularies of the data model (channels, priorities, statuses, outcomes …).
//! An unknown value is an error, never a guess.

macro_rules! vocabulary {
    ($(#[$meta:meta])* $name:ident { $($variant:ident = $text:literal),+ $(,)? }) => {
        $(#[$meta])*
        #[derive(Clone, Copy, Debug, PartialEq, Eq, Hash, PartialOrd, Ord, serde::Serialize, serde::Deserialize)]
        pub enum $name {
            $(#[serde(rename = $text)] $variant),+
        }

        impl $name {
            /// Every value, in the order the data model lists them.
            pub const ALL: &'static [$name] = &[$($name::$variant),+];

            /// The value as written in the interchange format.
            pub fn as_str(self) -> &'static str {
                match self { $($name::$variant => $text),+ }
            }
        }

        impl std::fmt::Display for $name {
            fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
                f.write_str(self.as_str())
            }
        }

        impl std::str::FromStr for $name {
            type Err = String;
            fn from_str(s: &str) -> Result<Self, String> {
                match s {
                    $($text => Ok($name::$variant),)+
                    _ => Err(format!(
                        "unknown value `{s}`, expected one of {}",
                        [$($text),+].map(|t| format!("`{t}`")).join(", ")
                    )),
                }
            }
        }
    };
}

vocabulary!(
    /// Where a contact came in.
    Channel {
        Email = "email",
        Phone = "phone",
        Chat = "chat",
        Social = "social",
        Web = "web",
        Messaging = "messaging",
        Sms = "sms",
        Api = "api",
    }
);

vocabulary!(
    /// Case priority.
    Priority { Low = "low", Normal = "normal", High = "high", Urgent = "urgent" }
);

vocabulary!(
    /// Case type.
    CaseType {
        Question = "question",
        Incident = "incident",
        Problem = "problem",
        Task = "task",
        Complaint = "complaint",
    }
);

vocabulary!(
    /// Case status. `pending` waits for the customer, `on_hold` for a third party.
    Status {
        New = "new",
        Open = "open",
        Pending = "pending",
        OnHold = "on_hold",
        Solved = "solved",
        Closed = "closed",
    }
);

impl Status {
    /// Solved or closed.
    pub fn is_solved(self) -> bool {
        matches!(self, Status::Solved | Status::Closed)
    }
}

vocabulary!(
    /// What a case event is.
    EventKind { Message = "message", Status = "status", Assign = "assign" }
);

vocabulary!(
    /// Who wrote a message.
    Author { Customer = "customer", Agent = "agent", System = "system" }
);

vocabulary!(
    /// How a call or chat ended.
    Outcome {
        Answered = "answered",
        Abandoned = "abandoned",
        Blocked = "blocked",
        Voicemail = "voicemail",
    }
);

vocabulary!(
    /// Which survey a response answers.
    SurveyKind { Nps = "nps", Csat = "csat", Ces = "ces" }
);

impl SurveyKind {
    /// The default scale: NPS 0–10, CSAT 1–5, CES 1–7.
    pub fn default_scale(self) -> (i64, i64) {
        match self {
            SurveyKind::Nps => (0, 10),
            SurveyKind::Csat => (1, 5),
            SurveyKind::Ces => (1, 7),
        }
    }
}

vocabulary!(
    /// The five SERVQUAL (RATER) dimensions.
    Dimension {
        Reliability = "reliability",
        Assurance = "assurance",
        Tangibles = "tangibles",
        Empathy = "empathy",
        Responsiveness = "responsiveness",
    }
);

vocabulary!(
    /// Whether feedback is a compliment or a complaint.
    Polarity { Positive = "positive", Negative = "negative" }
);

vocabulary!(
    /// An agent's presence state.
    PresenceState { Available = "available", Busy = "busy", Away = "away" }
);

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn round_trips_and_rejects_unknown_values() {
        assert_eq!("on_hold".parse::<Status>(), Ok(Status::OnHold));
        assert_eq!(Status::OnHold.to_string(), "on_hold");
        let err = "onhold".parse::<Status>().unwrap_err();
        assert!(err.contains("unknown value `onhold`"), "{err}");
        assert!(err.contains("`on_hold`"), "{err}");
        assert_eq!(
            serde_json::to_string(&Channel::Messaging).unwrap(),
            "\"messaging\""
        );
    }
}
