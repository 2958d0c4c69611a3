//! A staffing question as a planner asks it of one interval or of every interval of a week: the
//! model and the service-level threshold T, and either a number of agents ("how does the queue
//! perform with N agents?") or a target ("how many agents does it need?"). The command line
//! (`carekpi staffing`) and the API (`/api/staffing`) both ask through [`Question::answer`]; the
//! helpers here read their inputs the same way (durations, percentages).

use jiff::{SignedDuration, Span};

use super::{Limit, Model, Prediction, StaffingError, Target, Workload, predict, required_agents};

/// What is asked of an interval.
#[derive(Clone, Copy, Debug, PartialEq)]
pub enum Ask {
    /// How the interval performs with this many agents.
    Agents(u32),
    /// The agents the interval needs for this target (its threshold is the question's).
    Target(Target),
}

/// The model, the threshold T and what is asked.
#[derive(Clone, Copy, Debug, PartialEq)]
pub struct Question {
    model: Model,
    answer_within_s: f64,
    ask: Ask,
}

impl Question {
    /// A question answered within `answer_within_s`; a target's own threshold is replaced by it.
    pub fn new(model: Model, answer_within_s: f64, ask: Ask) -> Self {
        let ask = match ask {
            Ask::Target(t) => Ask::Target(Target {
                answer_within_s,
                ..t
            }),
            other => other,
        };
        Question {
            model,
            answer_within_s,
            ask,
        }
    }

    pub fn model(&self) -> Model {
        self.model
    }

    /// T, in seconds.
    pub fn answer_within_s(&self) -> f64 {
        self.answer_within_s
    }

    pub fn ask(&self) -> &Ask {
        &self.ask
    }

    /// The target, when the question is how many agents are needed.
    pub fn target(&self) -> Option<&Target> {
        match &self.ask {
            Ask::Target(t) => Some(t),
            Ask::Agents(_) => None,
        }
    }

    /// The agents, when the question is how they perform.
    pub fn agents(&self) -> Option<u32> {
        match self.ask {
            Ask::Agents(n) => Some(n),
            Ask::Target(_) => None,
        }
    }

    /// The patience of Erlang A, None under Erlang C.
    pub fn patience_s(&self) -> Option<f64> {
        match self.model {
            Model::ErlangC => None,
            Model::ErlangA { patience_s } => Some(patience_s),
        }
    }

    /// One interval's answer: [`predict`] with the agents, or [`required_agents`] for the
    /// target.
    pub fn answer(&self, workload: &Workload) -> Result<Answer, StaffingError> {
        match &self.ask {
            Ask::Agents(n) => Ok(Answer {
                prediction: predict(workload, *n, self.answer_within_s, self.model)?,
                scheduled: None,
                limited_by: None,
            }),
            Ask::Target(t) => {
                let r = required_agents(workload, t, self.model)?;
                Ok(Answer {
                    prediction: r.prediction,
                    scheduled: Some(r.scheduled),
                    limited_by: Some(r.limited_by),
                })
            }
        }
    }
}

/// An interval's answer to a [`Question`].
#[derive(Clone, Copy, Debug, PartialEq)]
pub struct Answer {
    /// How the interval performs with the agents given, or with the agents required.
    pub prediction: Prediction,
    /// With a target: the heads to schedule (shrinkage added) and what decided the agents.
    pub scheduled: Option<u32>,
    pub limited_by: Option<Limit>,
}

/// The range a percentage (0–100) must lie in: each end, and whether it is included.
#[derive(Clone, Copy, Debug, PartialEq)]
pub struct PercentRange {
    pub low: f64,
    pub low_included: bool,
    pub high: f64,
    pub high_included: bool,
}

impl PercentRange {
    /// A target service level: above 0 and below 100 (no finite staffing answers every contact
    /// within T for sure).
    pub const SERVICE_LEVEL: PercentRange = PercentRange {
        low: 0.0,
        low_included: false,
        high: 100.0,
        high_included: false,
    };
    /// A maximum occupancy: above 0, at most 100.
    pub const MAX_OCCUPANCY: PercentRange = PercentRange {
        low: 0.0,
        low_included: false,
        high: 100.0,
        high_included: true,
    };
    /// Shrinkage: at least 0, below 100.
    pub const SHRINKAGE: PercentRange = PercentRange {
        low: 0.0,
        low_included: true,
        high: 100.0,
        high_included: false,
    };

    /// `value` % as a share (80 → 0.8) when it lies in the range; otherwise why not, e.g.
    /// "must be a percentage above 0 and below 100".
    pub fn share(&self, value: f64) -> Result<f64, String> {
        let above = value > self.low || (self.low_included && value == self.low);
        let below = value < self.high || (self.high_included && value == self.high);
        if value.is_finite() && above && below {
            return Ok(value / 100.0);
        }
        let end = |v: f64, included: bool, word: &str, strict: &str| {
            format!("{} {v}", if included { word } else { strict })
        };
        Err(format!(
            "must be a percentage {} and {}",
            end(self.low, self.low_included, "at least", "above"),
            end(self.high, self.high_included, "at most", "below")
        ))
    }
}

/// A duration in seconds: `180s`, `3m`, `4m 30s`, `1h`, ISO 8601 `PT30M`, or a bare number of
/// seconds. The range is not checked here (the computations check it and name the field).
pub fn parse_seconds(text: &str) -> Result<f64, String> {
    let text = text.trim();
    if let Ok(s) = text.parse::<f64>() {
        return Ok(s);
    }
    let d: SignedDuration = text
        .parse::<SignedDuration>()
        .or_else(|_| text.parse::<Span>().and_then(SignedDuration::try_from))
        .map_err(|_| {
            format!("`{text}` is not a duration: write e.g. `20s`, `3m`, `4m 30s` or `1h`")
        })?;
    Ok(d.as_secs_f64())
}
