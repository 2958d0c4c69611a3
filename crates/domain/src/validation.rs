//! Validation of records: each record lists every problem it has, naming the field and the reason.

use crate::moment::Moment;

/// One thing wrong with one field of a record.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Problem {
    /// Path of the field inside the record, e.g. `answered_at` or `events[2].at`.
    pub field: String,
    /// Why the value is not acceptable, in words a support manager understands.
    pub reason: String,
}

/// Collects the problems of one record.
#[derive(Debug, Default)]
pub struct Problems {
    list: Vec<Problem>,
    prefix: String,
}

impl Problems {
    pub fn new() -> Self {
        Self::default()
    }

    /// Record a problem with `field` (relative to the current prefix).
    pub fn add(&mut self, field: &str, reason: impl Into<String>) {
        let field = if self.prefix.is_empty() {
            field.to_string()
        } else {
            format!("{}.{field}", self.prefix)
        };
        self.list.push(Problem {
            field,
            reason: reason.into(),
        });
    }

    /// Run `f` with field names nested under `prefix` (e.g. `events[3]`).
    pub fn nested(&mut self, prefix: &str, f: impl FnOnce(&mut Problems)) {
        let saved = std::mem::take(&mut self.prefix);
        self.prefix = if saved.is_empty() {
            prefix.to_string()
        } else {
            format!("{saved}.{prefix}")
        };
        f(self);
        self.prefix = saved;
    }

    pub fn is_empty(&self) -> bool {
        self.list.is_empty()
    }

    pub fn into_vec(self) -> Vec<Problem> {
        self.list
    }

    /// An identifier: non-empty, at most 200 characters, no control characters.
    pub fn id(&mut self, field: &str, value: &str) {
        if value.trim().is_empty() {
            self.add(field, "must not be empty");
        } else if value.chars().count() > 200 {
            self.add(field, "is longer than 200 characters");
        } else if value.chars().any(char::is_control) {
            self.add(field, "contains a control character");
        }
    }

    /// An optional identifier.
    pub fn opt_id(&mut self, field: &str, value: &Option<String>) {
        if let Some(v) = value {
            self.id(field, v);
        }
    }

    /// Free text that must not be blank (names, platforms, kinds).
    pub fn text(&mut self, field: &str, value: &str) {
        if value.trim().is_empty() {
            self.add(field, "must not be empty");
        }
    }

    /// A duration in seconds: finite and not negative.
    pub fn duration(&mut self, field: &str, value: Option<f64>) {
        if let Some(v) = value {
            if !v.is_finite() {
                self.add(field, "must be a finite number of seconds");
            } else if v < 0.0 {
                self.add(
                    field,
                    format!("is a negative duration ({v} s); durations are seconds ≥ 0"),
                );
            }
        }
    }

    /// `later` must not come before `earlier`.
    pub fn not_before(
        &mut self,
        later_field: &str,
        later: Option<&Moment>,
        earlier_field: &str,
        earlier: Option<&Moment>,
    ) {
        if let (Some(l), Some(e)) = (later, earlier)
            && l.instant() < e.instant()
        {
            self.add(
                later_field,
                format!("{l} is before {earlier_field} ({e}): impossible timeline"),
            );
        }
    }

    /// A number within an inclusive range.
    pub fn within(&mut self, field: &str, value: f64, min: f64, max: f64, what: &str) {
        if !value.is_finite() || value < min || value > max {
            self.add(
                field,
                format!("{value} is outside the {what} scale {min}–{max}"),
            );
        }
    }
}
