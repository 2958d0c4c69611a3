//! The customer's voice: survey responses, SERVQUAL, QA reviews, feedback and platform reviews.

use serde::{Deserialize, Serialize};

use super::vocab::{Dimension, Polarity, SurveyKind};
use crate::moment::Moment;
use crate::validation::Problems;

/// A survey's scale, inclusive.
#[derive(Clone, Copy, Debug, PartialEq, Eq, Serialize, Deserialize)]
#[serde(deny_unknown_fields)]
pub struct Scale {
    pub min: i64,
    pub max: i64,
}

/// One answer to an NPS, CSAT or CES survey.
#[derive(Clone, Debug, PartialEq, Serialize, Deserialize)]
pub struct SurveyResponse {
    pub id: String,
    pub survey: SurveyKind,
    pub score: i64,
    pub at: Moment,
    /// Default 0–10 for NPS, 1–5 for CSAT, 1–7 for CES.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub scale: Option<Scale>,
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub customer_id: Option<String>,
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub case_id: Option<String>,
    /// The call the survey followed (CareKPI extension of the data model, for call-centre surveys).
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub call_id: Option<String>,
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub agent_id: Option<String>,
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub team_id: Option<String>,
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub comment: Option<String>,
}

impl SurveyResponse {
    /// The scale in force: the response's own, else the survey's default.
    pub fn effective_scale(&self) -> Scale {
        self.scale.unwrap_or_else(|| {
            let (min, max) = self.survey.default_scale();
            Scale { min, max }
        })
    }

    pub fn validate(&self, p: &mut Problems) {
        p.id("id", &self.id);
        for (field, value) in [
            ("customer_id", &self.customer_id),
            ("case_id", &self.case_id),
            ("call_id", &self.call_id),
            ("agent_id", &self.agent_id),
            ("team_id", &self.team_id),
        ] {
            p.opt_id(field, value);
        }
        let scale = self.effective_scale();
        if scale.min >= scale.max {
            p.add(
                "scale",
                format!("min {} must be below max {}", scale.min, scale.max),
            );
        } else if self.survey == SurveyKind::Nps && (scale.min, scale.max) != (0, 10) {
            p.add("scale", "NPS is always answered on 0–10");
        } else if self.score < scale.min || self.score > scale.max {
            p.add(
                "score",
                format!(
                    "{} is outside the {} scale {}–{}",
                    self.score, self.survey, scale.min, scale.max
                ),
            );
        }
    }
}

/// One SERVQUAL item: what the customer expected and what they perceived, each 1–7.
#[derive(Clone, Debug, PartialEq, Serialize, Deserialize)]
pub struct ServqualResponse {
    pub id: String,
    pub at: Moment,
    pub dimension: Dimension,
    pub expectation: i64,
    pub perception: i64,
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub item: Option<String>,
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub customer_id: Option<String>,
}

impl ServqualResponse {
    pub fn validate(&self, p: &mut Problems) {
        p.id("id", &self.id);
        p.opt_id("customer_id", &self.customer_id);
        p.within("expectation", self.expectation as f64, 1.0, 7.0, "SERVQUAL");
        p.within("perception", self.perception as f64, 1.0, 7.0, "SERVQUAL");
    }
}

/// A QA review of one case or call, scored on weighted criteria.
#[derive(Clone, Debug, PartialEq, Serialize, Deserialize)]
pub struct QaReview {
    pub id: String,
    pub at: Moment,
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub case_id: Option<String>,
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub call_id: Option<String>,
    pub agent_id: String,
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub reviewer: Option<String>,
    pub criteria: Vec<Criterion>,
}

/// One criterion of a QA review: `score` out of `max`, counted `weight` times (default 1).
#[derive(Clone, Debug, PartialEq, Serialize, Deserialize)]
#[serde(deny_unknown_fields)]
pub struct Criterion {
    pub name: String,
    pub score: f64,
    pub max: f64,
    #[serde(default = "one", skip_serializing_if = "is_one")]
    pub weight: f64,
}

fn one() -> f64 {
    1.0
}

fn is_one(w: &f64) -> bool {
    *w == 1.0
}

impl QaReview {
    pub fn validate(&self, p: &mut Problems) {
        p.id("id", &self.id);
        p.id("agent_id", &self.agent_id);
        p.opt_id("case_id", &self.case_id);
        p.opt_id("call_id", &self.call_id);
        p.opt_id("reviewer", &self.reviewer);
        if self.case_id.is_none() && self.call_id.is_none() {
            p.add("case_id", "missing: a QA review needs case_id or call_id");
        }
        if self.criteria.is_empty() {
            p.add("criteria", "a QA review needs at least one criterion");
        }
        for (i, c) in self.criteria.iter().enumerate() {
            p.nested(&format!("criteria[{i}]"), |p| {
                p.text("name", &c.name);
                if !(c.max.is_finite() && c.max > 0.0) {
                    p.add("max", format!("{} must be a number above 0", c.max));
                } else {
                    p.within("score", c.score, 0.0, c.max, "criterion's");
                }
                if !(c.weight.is_finite() && c.weight >= 0.0) {
                    p.add("weight", format!("{} must be a number ≥ 0", c.weight));
                }
            });
        }
        if !self.criteria.is_empty() && self.criteria.iter().all(|c| c.weight == 0.0) {
            p.add(
                "criteria",
                "every criterion has weight 0; nothing would be scored",
            );
        }
    }
}

/// A compliment or complaint, from any source.
#[derive(Clone, Debug, PartialEq, Serialize, Deserialize)]
pub struct Feedback {
    pub id: String,
    pub at: Moment,
    pub polarity: Polarity,
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub source: Option<String>,
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub customer_id: Option<String>,
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub agent_id: Option<String>,
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub case_id: Option<String>,
}

impl Feedback {
    pub fn validate(&self, p: &mut Problems) {
        p.id("id", &self.id);
        p.opt_id("customer_id", &self.customer_id);
        p.opt_id("agent_id", &self.agent_id);
        p.opt_id("case_id", &self.case_id);
    }
}

/// A public review on a platform (Google, Facebook, an app store …), rated 1–5.
#[derive(Clone, Debug, PartialEq, Serialize, Deserialize)]
pub struct PlatformReview {
    pub id: String,
    pub at: Moment,
    pub platform: String,
    pub rating: i64,
}

impl PlatformReview {
    pub fn validate(&self, p: &mut Problems) {
        p.id("id", &self.id);
        p.text("platform", &self.platform);
        p.within("rating", self.rating as f64, 1.0, 5.0, "platform rating");
    }
}
