//! SLA policies (metrics.md, "SLA policies"): ordered policies, the first whose conditions match a
//! case applies; its targets (first reply, next reply, resolution), each in business or calendar
//! time, give every case a due time per target and whether it was met, breached or is still
//! running, and by how much.
//!
//! # Config shape
//! ```json
//! {"policies": [
//!   {"name": "VIP urgent",
//!    "conditions": {"priority": ["urgent"], "segment": ["enterprise"]},
//!    "targets": {"first_reply": {"within": "30m", "hours": "calendar"},
//!                "next_reply":  {"within": "2h"},
//!                "resolution":  {"within": "8h", "hours": "business"}},
//!    "pause_while_pending": true, "pause_while_on_hold": true},
//!   {"name": "Everyone else", "targets": {"first_reply": {"within": "8h"}}}
//! ]}
//! ```
//! - `conditions` (all optional; each a list, matching when the case's value is one of it; all
//!   given conditions must match; none given: every case): `priority`, `channel`, `team` (the
//!   case's current team), `tag` (any of the case's tags), `segment` (the customer's segment).
//! - `within`: a duration in hours, minutes and seconds, `"30m"`, `"4h"`, `"1h 30m"` or ISO 8601
//!   `"PT4H"` (no days: on business hours a day would be ambiguous, so write `"48h"`); `hours`:
//!   `business` (the default, the case's schedule) or `calendar`.
//! - A policy is chosen on the case's current attributes (the latest version of the case).
//!
//! # Clocks
//! A target's clock runs from its start while the case is unsolved, except while the case is
//! `pending` (when `pause_while_pending`) or `on_hold` (when `pause_while_on_hold`); it never runs
//! while the case is solved or closed. On a `business` target it also runs only in business hours.
//! - **first reply**: starts at the case's `first_reply_from` (creation; for an outbound case the
//!   first customer message; no target when the customer never wrote); fulfilled by the first
//!   agent reply, or by a solve that comes first.
//! - **next reply**: one target per exchange after the first reply was fulfilled (each customer
//!   message after it; consecutive messages share one target from the first unanswered one, as
//!   Zendesk's next reply time does); fulfilled by the agent reply that answers it, or by a solve.
//!   A customer message received while the case is solved starts nothing unless the case is
//!   reopened before it is answered.
//! - **resolution**: starts at creation; fulfilled by the last solve while the case is solved.
//!
//! For a target of length T, with `elapsed` = running clock time from its start to its
//! fulfilment (or to `now` while unfulfilled):
//! - Met: fulfilled and `elapsed ≤ T`; Breached: fulfilled with `elapsed > T`, or unfulfilled
//!   with `elapsed > T` at `now`; Running: unfulfilled and `elapsed ≤ T` at `now`.
//! - `margin = T − elapsed` on the target's clock: how early (Met) or how much time is left
//!   (Running) when positive, how late (Breached) when negative.
//! - `due_at`: the instant the clock reaches T. For an unfulfilled target it assumes the current
//!   status lasts (None while the clock is paused); for a fulfilled one, that the clock had kept
//!   running after the fulfilment.
//!
//! sla_compliance takes from each case [`SlaOutcome::first_reply_and_resolution_met`] (all
//! first-reply and resolution targets met) and [`SlaOutcome::breaches`] (breaches by target).

use std::collections::HashMap;

use jiff::{SignedDuration, Timestamp};
use serde::{Deserialize, Serialize};

use crate::case_facts::CaseFacts;
use crate::records::vocab::{Channel, Priority, Status};
use crate::working_time::{TimeBasis, WorkingTime};

/// Which target.
#[derive(Clone, Copy, Debug, PartialEq, Eq, Hash, Serialize, Deserialize)]
#[serde(rename_all = "snake_case")]
pub enum SlaTargetKind {
    FirstReply,
    NextReply,
    Resolution,
}

/// A target: `within` this much time, counted in business or calendar hours.
#[derive(Clone, Copy, Debug, PartialEq, Eq, Serialize, Deserialize)]
#[serde(deny_unknown_fields)]
pub struct SlaTarget {
    /// Written `"30m"`, `"4h"`, `"1h 30m"` or ISO 8601 `"PT4H"`; hours at most, never days.
    #[serde(serialize_with = "write_within", deserialize_with = "read_within")]
    pub within: SignedDuration,
    #[serde(default)]
    pub hours: TimeBasis,
}

fn write_within<S: serde::Serializer>(d: &SignedDuration, s: S) -> Result<S::Ok, S::Error> {
    s.collect_str(&format_args!("{d:#}"))
}

/// Reads a target's length: hours, minutes and seconds only. A day is refused: on a business
/// clock it could mean 24 business hours or one working day, so targets are written in hours.
fn read_within<'de, D: serde::Deserializer<'de>>(d: D) -> Result<SignedDuration, D::Error> {
    use serde::de::Error;
    let text = String::deserialize(d)?;
    let span: jiff::Span = text.trim().parse().map_err(|e| {
        D::Error::custom(format!(
            "`{text}` is not a duration (write e.g. `30m`, `4h`, `1h 30m` or `PT4H`): {e}"
        ))
    })?;
    if span.get_years() != 0
        || span.get_months() != 0
        || span.get_weeks() != 0
        || span.get_days() != 0
    {
        return Err(D::Error::custom(format!(
            "`{text}`: write targets in hours, minutes and seconds (e.g. `48h`); a day is \
             ambiguous on business hours (24 hours, or one working day?)"
        )));
    }
    SignedDuration::try_from(span)
        .map_err(|e| D::Error::custom(format!("`{text}` is out of range: {e}")))
}

/// A policy's targets (each optional; at least one).
#[derive(Clone, Copy, Debug, Default, PartialEq, Eq, Serialize, Deserialize)]
#[serde(deny_unknown_fields)]
pub struct SlaTargets {
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub first_reply: Option<SlaTarget>,
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub next_reply: Option<SlaTarget>,
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub resolution: Option<SlaTarget>,
}

impl SlaTargets {
    fn named(&self) -> [(&'static str, Option<SlaTarget>); 3] {
        [
            ("first_reply", self.first_reply),
            ("next_reply", self.next_reply),
            ("resolution", self.resolution),
        ]
    }
}

/// Which cases a policy applies to. Every condition given must match; a condition is a list and
/// matches when the case's value is in it.
#[derive(Clone, Debug, Default, PartialEq, Eq, Serialize, Deserialize)]
#[serde(deny_unknown_fields)]
pub struct SlaConditions {
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub priority: Option<Vec<Priority>>,
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub channel: Option<Vec<Channel>>,
    /// The case's current team.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub team: Option<Vec<String>>,
    /// Matches when any of the case's tags is in the list.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub tag: Option<Vec<String>>,
    /// The customer's segment.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub segment: Option<Vec<String>>,
}

fn allows<T: PartialEq>(list: &Option<Vec<T>>, value: Option<&T>) -> bool {
    match list {
        None => true,
        Some(list) => value.is_some_and(|v| list.contains(v)),
    }
}

impl SlaConditions {
    /// No condition: matches every case.
    pub fn is_empty(&self) -> bool {
        self.priority.is_none()
            && self.channel.is_none()
            && self.team.is_none()
            && self.tag.is_none()
            && self.segment.is_none()
    }

    /// Whether a case (its facts and its customer's segment) satisfies every condition given.
    pub fn matches(&self, facts: &CaseFacts, segment: Option<&str>) -> bool {
        allows(&self.priority, facts.priority.as_ref())
            && allows(&self.channel, Some(&facts.channel))
            && allows(&self.team, facts.team_id.as_ref())
            && self
                .tag
                .as_ref()
                .is_none_or(|tags| facts.tags.iter().any(|t| tags.contains(t)))
            && self
                .segment
                .as_ref()
                .is_none_or(|segments| segment.is_some_and(|s| segments.iter().any(|x| x == s)))
    }
}

/// One SLA policy.
#[derive(Clone, Debug, PartialEq, Eq, Serialize, Deserialize)]
#[serde(deny_unknown_fields)]
pub struct SlaPolicy {
    pub name: String,
    #[serde(default, skip_serializing_if = "SlaConditions::is_empty")]
    pub conditions: SlaConditions,
    pub targets: SlaTargets,
    /// Stop the clocks while the case is pending (waiting for the customer).
    #[serde(default)]
    pub pause_while_pending: bool,
    /// Stop the clocks while the case is on hold (waiting for a third party).
    #[serde(default)]
    pub pause_while_on_hold: bool,
}

/// Met, breached, or still running.
#[derive(Clone, Copy, Debug, PartialEq, Eq, Hash, Serialize, Deserialize)]
#[serde(rename_all = "snake_case")]
pub enum SlaStatus {
    Met,
    Breached,
    Running,
}

/// One target of one case.
#[derive(Clone, Copy, Debug, PartialEq, Eq, Serialize, Deserialize)]
pub struct TargetOutcome {
    pub kind: SlaTargetKind,
    pub target: SlaTarget,
    /// When the clock started (it may be paused at that instant).
    pub started_at: Timestamp,
    /// When the target is (or would have been) due; None while the clock is paused or when the
    /// schedule never opens.
    pub due_at: Option<Timestamp>,
    /// The reply or solve that fulfilled it.
    pub fulfilled_at: Option<Timestamp>,
    /// Running clock time from the start to the fulfilment (or to `now`).
    pub elapsed: SignedDuration,
    pub status: SlaStatus,
    /// `target.within − elapsed`: early or time left when positive, late when negative.
    pub margin: SignedDuration,
}

impl TargetOutcome {
    /// How early a met target was met.
    pub fn early(&self) -> Option<SignedDuration> {
        (self.status == SlaStatus::Met).then_some(self.margin)
    }

    /// How late a breached target is (fulfilled late, or overdue now).
    pub fn late(&self) -> Option<SignedDuration> {
        (self.status == SlaStatus::Breached).then(|| -self.margin)
    }
}

/// Breaches of one case, by target.
#[derive(Clone, Copy, Debug, Default, PartialEq, Eq, Serialize, Deserialize)]
pub struct SlaBreaches {
    pub first_reply: u32,
    pub next_reply: u32,
    pub resolution: u32,
}

/// The SLA outcome of one case: the policy that applies and each of its targets.
#[derive(Clone, Debug, PartialEq, Eq, Serialize, Deserialize)]
pub struct SlaOutcome {
    pub policy: String,
    /// First reply, then next replies in time order, then resolution (those that apply).
    pub targets: Vec<TargetOutcome>,
}

impl SlaOutcome {
    /// The targets of one kind.
    pub fn of(&self, kind: SlaTargetKind) -> impl Iterator<Item = &TargetOutcome> {
        self.targets.iter().filter(move |t| t.kind == kind)
    }

    /// sla_compliance's numerator test: Some(true) when every first-reply and resolution target
    /// was met; Some(false) as soon as one is breached; None while one is still running (not
    /// decided) or when the case has no such target.
    pub fn first_reply_and_resolution_met(&self) -> Option<bool> {
        let mut any = false;
        let mut running = false;
        for t in self
            .targets
            .iter()
            .filter(|t| t.kind != SlaTargetKind::NextReply)
        {
            any = true;
            match t.status {
                SlaStatus::Breached => return Some(false),
                SlaStatus::Running => running = true,
                SlaStatus::Met => {}
            }
        }
        (any && !running).then_some(true)
    }

    /// Breached targets, by kind (a case can breach several next-reply targets).
    pub fn breaches(&self) -> SlaBreaches {
        let mut b = SlaBreaches::default();
        for t in self
            .targets
            .iter()
            .filter(|t| t.status == SlaStatus::Breached)
        {
            match t.kind {
                SlaTargetKind::FirstReply => b.first_reply += 1,
                SlaTargetKind::NextReply => b.next_reply += 1,
                SlaTargetKind::Resolution => b.resolution += 1,
            }
        }
        b
    }
}

/// The clocks of one policy over one case.
struct Clocks<'a> {
    facts: &'a CaseFacts,
    policy: &'a SlaPolicy,
    clock: &'a dyn WorkingTime,
}

impl Clocks<'_> {
    fn runs(&self, status: Status) -> bool {
        !(status.is_solved()
            || (status == Status::Pending && self.policy.pause_while_pending)
            || (status == Status::OnHold && self.policy.pause_while_on_hold))
    }

    /// The intervals of [start, end) (end None: open-ended) during which the clock runs,
    /// following the case's status timeline (`new` from creation to the first change).
    fn running(
        &self,
        start: Timestamp,
        end: Option<Timestamp>,
    ) -> Vec<(Timestamp, Option<Timestamp>)> {
        let statuses = &self.facts.statuses;
        let mut out: Vec<(Timestamp, Option<Timestamp>)> = Vec::new();
        for k in 0..=statuses.len() {
            let (from, status) = match k {
                0 => (self.facts.created_at, Status::New),
                k => (statuses[k - 1].at, statuses[k - 1].status),
            };
            if !self.runs(status) {
                continue;
            }
            let to = match (statuses.get(k).map(|c| c.at), end) {
                (Some(a), Some(b)) => Some(a.min(b)),
                (a, b) => a.or(b),
            };
            let from = from.max(start);
            if to.is_some_and(|to| to <= from) {
                continue;
            }
            match out.last_mut() {
                Some(last) if last.1 == Some(from) => last.1 = to,
                _ => out.push((from, to)),
            }
        }
        out
    }

    fn target(
        &self,
        kind: SlaTargetKind,
        target: SlaTarget,
        start: Timestamp,
        fulfilled: Option<Timestamp>,
        now: Timestamp,
    ) -> TargetOutcome {
        let basis = target.hours;
        let stop = fulfilled.unwrap_or(now);
        let mut intervals = self.running(start, fulfilled);
        let mut elapsed = SignedDuration::ZERO;
        for &(a, b) in &intervals {
            if a >= stop {
                break;
            }
            let b = b.map_or(stop, |b| b.min(stop));
            elapsed = elapsed.saturating_add(basis.measure(self.clock, a, b));
        }
        if let Some(f) = fulfilled {
            // The due time of a fulfilled target: as if the clock had kept running after it.
            intervals.push((f.max(start), None));
        }
        let mut left = target.within;
        let mut due_at = None;
        for (a, b) in intervals {
            match b {
                Some(b) => {
                    let m = basis.measure(self.clock, a, b);
                    if m >= left {
                        due_at = basis.add(self.clock, a, left);
                        break;
                    }
                    left -= m;
                }
                None => {
                    due_at = basis.add(self.clock, a, left);
                    break;
                }
            }
        }
        let status = match (fulfilled, elapsed > target.within) {
            (Some(_), false) => SlaStatus::Met,
            (_, true) => SlaStatus::Breached,
            (None, false) => SlaStatus::Running,
        };
        TargetOutcome {
            kind,
            target,
            started_at: start,
            due_at,
            fulfilled_at: fulfilled,
            elapsed,
            status,
            margin: target.within.saturating_sub(elapsed),
        }
    }

    /// A reply target starting while the case is solved applies only if the case is reopened
    /// before the target is fulfilled.
    fn applies(&self, start: Timestamp, done: Option<Timestamp>) -> bool {
        !self.facts.status_at(start).is_solved()
            || self
                .facts
                .reopens
                .iter()
                .any(|&r| r > start && done.is_none_or(|d| r < d))
    }
}

impl SlaPolicy {
    /// The outcome of this policy's targets for a case, at `now` (when the facts are read; not
    /// before the case's last event). `clock` is the case's schedule, used by business targets.
    pub fn evaluate(
        &self,
        facts: &CaseFacts,
        clock: &dyn WorkingTime,
        now: Timestamp,
    ) -> SlaOutcome {
        let c = Clocks {
            facts,
            policy: self,
            clock,
        };
        let mut targets = Vec::new();

        // First reply: fulfilled by the first reply or a solve, whichever comes first.
        let first_reply_done = facts.first_reply_from.and_then(|from| {
            let solve = facts.solves.iter().copied().find(|&s| s >= from);
            match (facts.first_reply_at, solve) {
                (Some(r), Some(s)) => Some(r.min(s)),
                (r, s) => r.or(s),
            }
        });
        if let (Some(target), Some(from)) = (self.targets.first_reply, facts.first_reply_from)
            && c.applies(from, first_reply_done)
        {
            targets.push(c.target(
                SlaTargetKind::FirstReply,
                target,
                from,
                first_reply_done,
                now,
            ));
        }

        // Next replies: every exchange after the first reply was fulfilled.
        if let (Some(target), Some(done)) = (self.targets.next_reply, first_reply_done) {
            for x in facts.exchanges.iter().filter(|x| x.to > done) {
                if c.applies(x.from, Some(x.to)) {
                    targets.push(c.target(
                        SlaTargetKind::NextReply,
                        target,
                        x.from,
                        Some(x.to),
                        now,
                    ));
                }
            }
            if let Some(since) = facts.awaiting_reply_since.filter(|&s| s > done)
                && c.applies(since, None)
            {
                targets.push(c.target(SlaTargetKind::NextReply, target, since, None, now));
            }
        }

        // Resolution: creation → last solve, while solved.
        if let Some(target) = self.targets.resolution {
            let solved = facts.is_solved().then(|| facts.last_solve_at()).flatten();
            targets.push(c.target(
                SlaTargetKind::Resolution,
                target,
                facts.created_at,
                solved,
                now,
            ));
        }

        SlaOutcome {
            policy: self.name.clone(),
            targets,
        }
    }
}

/// Why an SLA configuration is refused: the field (`policies[1].targets.resolution.within`) and
/// the reason.
#[derive(Clone, Debug, PartialEq, Eq, thiserror::Error)]
#[error("{field}: {reason}")]
pub struct SlaConfigError {
    pub field: String,
    pub reason: String,
}

impl SlaConfigError {
    fn new(field: impl Into<String>, reason: impl Into<String>) -> Self {
        Self {
            field: field.into(),
            reason: reason.into(),
        }
    }
}

/// The serde shape of an SLA configuration: `{"policies": [...]}`, before validation.
#[derive(Clone, Debug, Default, PartialEq, Eq, Serialize, Deserialize)]
#[serde(deny_unknown_fields)]
pub struct SlaPoliciesConfig {
    #[serde(default)]
    pub policies: Vec<SlaPolicy>,
}

/// Validated SLA policies, in order: the first whose conditions match a case applies.
#[derive(Clone, Debug, Default, PartialEq, Eq, Serialize, Deserialize)]
#[serde(try_from = "SlaPoliciesConfig", into = "SlaPoliciesConfig")]
pub struct SlaPolicies {
    policies: Vec<SlaPolicy>,
}

impl TryFrom<SlaPoliciesConfig> for SlaPolicies {
    type Error = SlaConfigError;
    fn try_from(config: SlaPoliciesConfig) -> Result<Self, SlaConfigError> {
        SlaPolicies::new(config.policies)
    }
}

impl From<SlaPolicies> for SlaPoliciesConfig {
    fn from(p: SlaPolicies) -> Self {
        SlaPoliciesConfig {
            policies: p.policies,
        }
    }
}

fn check_list<T>(
    field: &str,
    list: &Option<Vec<T>>,
    text: impl Fn(&T) -> Option<&str>,
) -> Result<(), SlaConfigError> {
    let Some(list) = list else { return Ok(()) };
    if list.is_empty() {
        return Err(SlaConfigError::new(
            field,
            "an empty list matches no case; leave the condition out to match every case",
        ));
    }
    for (i, v) in list.iter().enumerate() {
        if text(v).is_some_and(|s| s.trim().is_empty()) {
            return Err(SlaConfigError::new(
                format!("{field}[{i}]"),
                "must not be empty",
            ));
        }
    }
    Ok(())
}

impl SlaPolicies {
    /// Validates policies, in order. Refused: an empty or repeated name; an empty condition list
    /// or value; a policy without targets; a target of zero or negative length; a policy after
    /// one without conditions (it could never apply).
    pub fn new(policies: Vec<SlaPolicy>) -> Result<Self, SlaConfigError> {
        let mut names: HashMap<&str, usize> = HashMap::new();
        let mut catch_all: Option<usize> = None;
        for (i, p) in policies.iter().enumerate() {
            let field = |f: &str| format!("policies[{i}].{f}");
            if let Some(j) = catch_all {
                return Err(SlaConfigError::new(
                    format!("policies[{i}]"),
                    format!(
                        "never applies: policies[{j}] (`{}`) has no conditions and matches every case first; move it last",
                        policies[j].name
                    ),
                ));
            }
            let name = p.name.trim();
            if name.is_empty() {
                return Err(SlaConfigError::new(field("name"), "must not be empty"));
            }
            if let Some(j) = names.insert(name, i) {
                return Err(SlaConfigError::new(
                    field("name"),
                    format!("`{name}` is already the name of policies[{j}]"),
                ));
            }
            let c = &p.conditions;
            check_list(&field("conditions.priority"), &c.priority, |_| None)?;
            check_list(&field("conditions.channel"), &c.channel, |_| None)?;
            check_list(&field("conditions.team"), &c.team, |s| Some(s))?;
            check_list(&field("conditions.tag"), &c.tag, |s| Some(s))?;
            check_list(&field("conditions.segment"), &c.segment, |s| Some(s))?;
            let targets = p.targets.named();
            if targets.iter().all(|(_, t)| t.is_none()) {
                return Err(SlaConfigError::new(
                    field("targets"),
                    "no target: set first_reply, next_reply or resolution",
                ));
            }
            for (name, target) in targets {
                if let Some(t) = target
                    && t.within <= SignedDuration::ZERO
                {
                    return Err(SlaConfigError::new(
                        field(&format!("targets.{name}.within")),
                        format!("must be longer than zero (got {:#})", t.within),
                    ));
                }
            }
            if c.is_empty() {
                catch_all = Some(i);
            }
        }
        Ok(SlaPolicies { policies })
    }

    /// Reads and validates `{"policies": [...]}`; a malformed document names the field too.
    pub fn from_json(text: &str) -> Result<Self, SlaConfigError> {
        let de = &mut serde_json::Deserializer::from_str(text);
        let config: SlaPoliciesConfig = serde_path_to_error::deserialize(de).map_err(|e| {
            let path = e.path().to_string();
            SlaConfigError::new(
                if path == "." {
                    "(document)".to_string()
                } else {
                    path
                },
                e.into_inner().to_string(),
            )
        })?;
        SlaPolicies::try_from(config)
    }

    /// The policies, in order.
    pub fn policies(&self) -> &[SlaPolicy] {
        &self.policies
    }

    /// The policy that applies to a case: the first whose conditions match.
    pub fn policy_for(&self, facts: &CaseFacts, segment: Option<&str>) -> Option<&SlaPolicy> {
        self.policies
            .iter()
            .find(|p| p.conditions.matches(facts, segment))
    }

    /// The SLA outcome of a case at `now` (None: no policy applies).
    pub fn evaluate(
        &self,
        facts: &CaseFacts,
        segment: Option<&str>,
        clock: &dyn WorkingTime,
        now: Timestamp,
    ) -> Option<SlaOutcome> {
        self.policy_for(facts, segment)
            .map(|p| p.evaluate(facts, clock, now))
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::case_facts::build::*;
    use crate::records::Case;
    use crate::working_time::AlwaysOpen;
    use crate::working_time::office_hours::OfficeHours;

    /// Mon–Fri 09:00–17:00 in +07:00, the zone the examples are written in.
    const OFFICE: OfficeHours = OfficeHours { offset_hours: 7 };

    fn mins(m: i64) -> SignedDuration {
        SignedDuration::from_mins(m)
    }

    fn facts(c: &Case) -> CaseFacts {
        CaseFacts::compute(c, &OFFICE)
    }

    fn policy(json: &str) -> SlaPolicy {
        serde_json::from_str(json).unwrap()
    }

    fn only(outcome: &SlaOutcome, kind: SlaTargetKind) -> TargetOutcome {
        let all: Vec<_> = outcome.of(kind).copied().collect();
        assert_eq!(all.len(), 1, "{kind:?} in {outcome:?}");
        all[0]
    }

    const POLICIES: &str = r#"{"policies": [
        {"name": "VIP", "conditions": {"tag": ["vip"]},
         "targets": {"first_reply": {"within": "1h", "hours": "calendar"}}},
        {"name": "Urgent", "conditions": {"priority": ["urgent", "high"]},
         "targets": {"first_reply": {"within": "30m", "hours": "calendar"}}},
        {"name": "Enterprise email", "conditions": {"segment": ["enterprise"], "channel": ["email"]},
         "targets": {"first_reply": {"within": "2h"}}},
        {"name": "Team t9", "conditions": {"team": ["t9"]},
         "targets": {"resolution": {"within": "PT48H"}}},
        {"name": "Everyone else", "targets": {"first_reply": {"within": "8h"}}}
    ]}"#;

    #[test]
    fn the_first_matching_policy_wins() {
        let policies = SlaPolicies::from_json(POLICIES).unwrap();
        let name = |c: &Case, segment: Option<&str>| {
            policies
                .policy_for(&facts(c), segment)
                .map(|p| p.name.clone())
                .unwrap()
        };
        let mut c = case("2026-03-02 09:00", vec![customer("2026-03-02 09:00")]);
        // Urgent and tagged vip: both VIP and Urgent match; VIP comes first.
        c.priority = Some(Priority::Urgent);
        c.tags = vec!["billing".into(), "vip".into()];
        assert_eq!(name(&c, Some("enterprise")), "VIP");
        // Urgent without the tag.
        c.tags = vec!["billing".into()];
        assert_eq!(name(&c, Some("enterprise")), "Urgent");
        // Normal priority: segment and channel must both match.
        c.priority = Some(Priority::Normal);
        assert_eq!(name(&c, Some("enterprise")), "Enterprise email");
        assert_eq!(name(&c, Some("smb")), "Everyone else");
        assert_eq!(name(&c, None), "Everyone else");
        c.channel = Channel::Chat;
        assert_eq!(name(&c, Some("enterprise")), "Everyone else");
        // The case's current team.
        c.team_id = Some("t9".into());
        assert_eq!(name(&c, None), "Team t9");
        // A case without a priority does not match a priority condition.
        c.priority = None;
        c.team_id = None;
        assert_eq!(name(&c, None), "Everyone else");
        // The outcome names its policy.
        let outcome = policies
            .evaluate(&facts(&c), None, &OFFICE, t("2026-03-02 10:00"))
            .unwrap();
        assert_eq!(outcome.policy, "Everyone else");
    }

    /// Created Mon 09:00; replied 09:30; pending 09:31 → 13:31 (the customer answers), open
    /// 13:32; replied 14:00; solved 14:01.
    fn pending_case() -> Case {
        case(
            "2026-03-02 09:00",
            vec![
                customer("2026-03-02 09:00"),
                reply("2026-03-02 09:30", "a"),
                status("2026-03-02 09:31", Status::Pending),
                customer("2026-03-02 13:31"),
                status("2026-03-02 13:32", Status::Open),
                reply("2026-03-02 14:00", "a"),
                status("2026-03-02 14:01", Status::Solved),
            ],
        )
    }

    const TARGETS: &str = r#""targets": {
        "first_reply": {"within": "1h", "hours": "calendar"},
        "next_reply": {"within": "1h", "hours": "calendar"},
        "resolution": {"within": "4h", "hours": "calendar"}}"#;

    #[test]
    fn the_clock_stops_while_pending_when_the_policy_says_so() {
        let f = facts(&pending_case());
        let now = t("2026-03-03 12:00");
        let paused = policy(&format!(
            r#"{{"name": "p", {TARGETS}, "pause_while_pending": true}}"#
        ));
        let o = paused.evaluate(&f, &OFFICE, now);

        // Resolution: runs 09:00–09:31 (31) and 13:32–14:01 (29) = 60 min ≤ 4 h: met 3 h early;
        // due (had the clock kept running after the solve) 14:01 + 3 h = 17:01.
        let r = only(&o, SlaTargetKind::Resolution);
        assert_eq!(r.status, SlaStatus::Met);
        assert_eq!(r.elapsed, mins(60));
        assert_eq!(r.early(), Some(mins(180)));
        assert_eq!(r.late(), None);
        assert_eq!(r.fulfilled_at, Some(t("2026-03-02 14:01")));
        assert_eq!(r.due_at, Some(t("2026-03-02 17:01")));

        // First reply 09:00 → 09:30: met 30 min early, due 10:00.
        let fr = only(&o, SlaTargetKind::FirstReply);
        assert_eq!((fr.status, fr.margin), (SlaStatus::Met, mins(30)));
        assert_eq!(fr.due_at, Some(t("2026-03-02 10:00")));

        // Next reply: the 13:31 message arrived while pending (clock stopped until 13:32);
        // answered 14:00: 28 min, met 32 min early, due 14:32.
        let nr = only(&o, SlaTargetKind::NextReply);
        assert_eq!(nr.started_at, t("2026-03-02 13:31"));
        assert_eq!((nr.status, nr.elapsed), (SlaStatus::Met, mins(28)));
        assert_eq!(nr.due_at, Some(t("2026-03-02 14:32")));
        assert_eq!(o.first_reply_and_resolution_met(), Some(true));
        assert_eq!(o.breaches(), SlaBreaches::default());
    }

    #[test]
    fn a_breached_resolution_target() {
        // The same case without pausing: 09:00 → 14:01 = 301 min > 240: breached 61 min late,
        // due at 13:00.
        let f = facts(&pending_case());
        let o = policy(&format!(r#"{{"name": "p", {TARGETS}}}"#)).evaluate(
            &f,
            &OFFICE,
            t("2026-03-03 12:00"),
        );
        let r = only(&o, SlaTargetKind::Resolution);
        assert_eq!(r.status, SlaStatus::Breached);
        assert_eq!(r.elapsed, mins(301));
        assert_eq!(r.late(), Some(mins(61)));
        assert_eq!(r.early(), None);
        assert_eq!(r.due_at, Some(t("2026-03-02 13:00")));
        // Next reply 13:31 → 14:00 = 29 min (the clock runs while pending now).
        assert_eq!(only(&o, SlaTargetKind::NextReply).elapsed, mins(29));
        assert_eq!(o.first_reply_and_resolution_met(), Some(false));
        assert_eq!(
            o.breaches(),
            SlaBreaches {
                resolution: 1,
                ..SlaBreaches::default()
            }
        );
    }

    #[test]
    fn next_reply_targets_and_running_targets() {
        let c = case(
            "2026-03-02 09:00",
            vec![
                customer("2026-03-02 09:00"),
                reply("2026-03-02 09:10", "a"),
                customer("2026-03-02 10:00"),
                customer("2026-03-02 10:30"),
                reply("2026-03-02 11:20", "a"),
                customer("2026-03-02 12:00"),
                reply("2026-03-02 12:30", "a"),
                customer("2026-03-02 13:00"),
            ],
        );
        let f = facts(&c);
        let p = policy(
            r#"{"name": "p", "targets": {
                "first_reply": {"within": "15m", "hours": "calendar"},
                "next_reply": {"within": "1h", "hours": "calendar"},
                "resolution": {"within": "24h", "hours": "calendar"}}}"#,
        );
        let o = p.evaluate(&f, &OFFICE, t("2026-03-02 13:20"));
        // First reply 09:00 → 09:10: met 5 min early.
        let fr = only(&o, SlaTargetKind::FirstReply);
        assert_eq!((fr.status, fr.early()), (SlaStatus::Met, Some(mins(5))));
        // Next replies: 10:00 (and 10:30) → 11:20 = 80 min: breached 20 min late, due 11:00;
        // 12:00 → 12:30: met 30 min early; 13:00 unanswered at 13:20: running, 40 min left,
        // due 14:00.
        let nr: Vec<_> = o.of(SlaTargetKind::NextReply).copied().collect();
        assert_eq!(nr.len(), 3);
        assert_eq!(nr[0].started_at, t("2026-03-02 10:00"));
        assert_eq!(
            (nr[0].status, nr[0].late()),
            (SlaStatus::Breached, Some(mins(20)))
        );
        assert_eq!(nr[0].due_at, Some(t("2026-03-02 11:00")));
        assert_eq!(
            (nr[1].status, nr[1].early()),
            (SlaStatus::Met, Some(mins(30)))
        );
        assert_eq!(nr[2].status, SlaStatus::Running);
        assert_eq!(nr[2].fulfilled_at, None);
        assert_eq!(nr[2].margin, mins(40));
        assert_eq!(nr[2].due_at, Some(t("2026-03-02 14:00")));
        // Resolution: running, 4 h 20 min elapsed, due Tue 09:00.
        let r = only(&o, SlaTargetKind::Resolution);
        assert_eq!((r.status, r.elapsed), (SlaStatus::Running, mins(260)));
        assert_eq!(r.due_at, Some(t("2026-03-03 09:00")));
        // Not decided while the resolution target runs; one next-reply breach.
        assert_eq!(o.first_reply_and_resolution_met(), None);
        assert_eq!(o.breaches().next_reply, 1);

        // Tue 09:30, still no reply, not solved: the 13:00 target and resolution are overdue.
        let o = p.evaluate(&f, &OFFICE, t("2026-03-03 09:30"));
        let r = only(&o, SlaTargetKind::Resolution);
        assert_eq!((r.status, r.late()), (SlaStatus::Breached, Some(mins(30))));
        let last = o.of(SlaTargetKind::NextReply).last().copied().unwrap();
        // 13:00 → Tue 09:30 = 20 h 30 min = 1230 min; 1230 − 60 = 1170 late.
        assert_eq!(
            (last.status, last.late()),
            (SlaStatus::Breached, Some(mins(1170)))
        );
        assert_eq!(o.first_reply_and_resolution_met(), Some(false));
        assert_eq!(
            o.breaches(),
            SlaBreaches {
                first_reply: 0,
                next_reply: 2,
                resolution: 1
            }
        );
    }

    #[test]
    fn business_hours_targets_over_a_weekend() {
        // Friday 16:30 → Monday 09:45.
        let c = case(
            "2026-03-06 16:30",
            vec![customer("2026-03-06 16:30"), reply("2026-03-09 09:45", "a")],
        );
        let f = facts(&c);
        let now = t("2026-03-09 12:00");
        // 2 business hours: Fri 16:30–17:00 (30) + Mon 09:00–09:45 (45) = 75 min: met 45 min
        // early; due Mon 09:45 + 45 business min = 10:30.
        let p = policy(r#"{"name": "b", "targets": {"first_reply": {"within": "2h"}}}"#);
        let fr = only(&p.evaluate(&f, &OFFICE, now), SlaTargetKind::FirstReply);
        assert_eq!((fr.status, fr.elapsed), (SlaStatus::Met, mins(75)));
        assert_eq!(fr.due_at, Some(t("2026-03-09 10:30")));
        // 2 calendar hours: 3915 min elapsed, 3795 late; due Fri 18:30.
        let p = policy(
            r#"{"name": "c", "targets": {"first_reply": {"within": "2h", "hours": "calendar"}}}"#,
        );
        let fr = only(&p.evaluate(&f, &OFFICE, now), SlaTargetKind::FirstReply);
        assert_eq!(
            (fr.status, fr.late()),
            (SlaStatus::Breached, Some(mins(3795)))
        );
        assert_eq!(fr.due_at, Some(t("2026-03-06 18:30")));
        // With a 24/7 schedule the business target is the calendar one.
        let p = policy(r#"{"name": "b", "targets": {"first_reply": {"within": "2h"}}}"#);
        let fr = only(&p.evaluate(&f, &AlwaysOpen, now), SlaTargetKind::FirstReply);
        assert_eq!(fr.status, SlaStatus::Breached);
    }

    #[test]
    fn a_paused_running_target_has_no_due_time() {
        let c = case(
            "2026-03-02 09:00",
            vec![
                customer("2026-03-02 09:00"),
                reply("2026-03-02 09:10", "a"),
                status("2026-03-02 09:20", Status::Pending),
            ],
        );
        let p = policy(
            r#"{"name": "p", "targets": {"resolution": {"within": "1h", "hours": "calendar"}},
                "pause_while_pending": true, "pause_while_on_hold": true}"#,
        );
        // 09:00–09:20 ran (20 min), then pending: still running a day later, 40 min left,
        // due unknown while the clock is stopped.
        let r = only(
            &p.evaluate(&facts(&c), &OFFICE, t("2026-03-03 09:00")),
            SlaTargetKind::Resolution,
        );
        assert_eq!(
            (r.status, r.elapsed, r.margin),
            (SlaStatus::Running, mins(20), mins(40))
        );
        assert_eq!(r.due_at, None);
    }

    #[test]
    fn on_hold_pauses_only_when_the_policy_says_so() {
        let c = case(
            "2026-03-02 09:00",
            vec![
                customer("2026-03-02 09:00"),
                reply("2026-03-02 09:10", "a"),
                status("2026-03-02 09:20", Status::OnHold),
                status("2026-03-02 11:20", Status::Open),
                status("2026-03-02 11:30", Status::Solved),
            ],
        );
        let f = facts(&c);
        let now = t("2026-03-03 09:00");
        let held = policy(
            r#"{"name": "h", "targets": {"resolution": {"within": "1h", "hours": "calendar"}},
                "pause_while_on_hold": true}"#,
        );
        // 09:00–09:20 + 11:20–11:30 = 30 min: met.
        let r = only(&held.evaluate(&f, &OFFICE, now), SlaTargetKind::Resolution);
        assert_eq!((r.status, r.elapsed), (SlaStatus::Met, mins(30)));
        // Pausing while pending does not stop it on hold: 150 min, breached.
        let pending_only = SlaPolicy {
            pause_while_on_hold: false,
            pause_while_pending: true,
            ..held
        };
        let r = only(
            &pending_only.evaluate(&f, &OFFICE, now),
            SlaTargetKind::Resolution,
        );
        assert_eq!((r.status, r.elapsed), (SlaStatus::Breached, mins(150)));
    }

    #[test]
    fn solved_time_never_counts_and_a_solve_fulfils_reply_targets() {
        // Reopened twice; solved 09:31, 12:01, Tue 10:31. The resolution clock runs only
        // while unsolved: 09:00–09:31 (31) + 11:05–12:01 (56) + Tue 10:02–10:31 (29) = 116 min.
        let c = case(
            "2026-03-02 09:00",
            vec![
                customer("2026-03-02 09:00"),
                reply("2026-03-02 09:30", "a"),
                status("2026-03-02 09:31", Status::Solved),
                customer("2026-03-02 11:00"),
                status("2026-03-02 11:05", Status::Open),
                reply("2026-03-02 12:00", "a"),
                status("2026-03-02 12:01", Status::Solved),
                customer("2026-03-03 10:00"),
                status("2026-03-03 10:02", Status::Open),
                reply("2026-03-03 10:30", "a"),
                status("2026-03-03 10:31", Status::Closed),
            ],
        );
        let p = policy(&format!(r#"{{"name": "p", {TARGETS}}}"#));
        let o = p.evaluate(&facts(&c), &OFFICE, t("2026-03-04 00:00"));
        let r = only(&o, SlaTargetKind::Resolution);
        assert_eq!((r.status, r.elapsed), (SlaStatus::Met, mins(116)));
        // Next replies: 11:00 (arrived while solved; the clock starts at the 11:05 reopen) →
        // 12:00 = 55 min; Tue 10:00 (reopen 10:02) → 10:30 = 28 min.
        let nr: Vec<_> = o.of(SlaTargetKind::NextReply).map(|x| x.elapsed).collect();
        assert_eq!(nr, vec![mins(55), mins(28)]);

        // Solved without a reply: the solve fulfils the first-reply target.
        let c = case(
            "2026-03-02 09:00",
            vec![
                customer("2026-03-02 09:00"),
                status("2026-03-02 09:20", Status::Solved),
            ],
        );
        let o = p.evaluate(&facts(&c), &OFFICE, t("2026-03-04 00:00"));
        let fr = only(&o, SlaTargetKind::FirstReply);
        assert_eq!(fr.fulfilled_at, Some(t("2026-03-02 09:20")));
        assert_eq!((fr.status, fr.early()), (SlaStatus::Met, Some(mins(40))));
    }

    #[test]
    fn a_thank_you_after_the_solve_starts_no_next_reply_target() {
        let c = case(
            "2026-03-02 09:00",
            vec![
                customer("2026-03-02 09:00"),
                reply("2026-03-02 09:10", "a"),
                status("2026-03-02 09:15", Status::Solved),
                customer("2026-03-02 10:00"),
            ],
        );
        let p = policy(&format!(r#"{{"name": "p", {TARGETS}}}"#));
        let o = p.evaluate(&facts(&c), &OFFICE, t("2026-03-09 00:00"));
        assert_eq!(o.of(SlaTargetKind::NextReply).count(), 0);
        assert_eq!(o.first_reply_and_resolution_met(), Some(true));
    }

    #[test]
    fn outbound_cases_start_the_first_reply_clock_at_the_customer_message() {
        let c = case(
            "2026-03-02 09:00",
            vec![
                reply("2026-03-02 09:00", "a"),
                customer("2026-03-02 11:00"),
                reply("2026-03-02 11:20", "a"),
            ],
        );
        let p = policy(&format!(r#"{{"name": "p", {TARGETS}}}"#));
        let o = p.evaluate(&facts(&c), &OFFICE, t("2026-03-02 12:00"));
        let fr = only(&o, SlaTargetKind::FirstReply);
        assert_eq!(fr.started_at, t("2026-03-02 11:00"));
        assert_eq!((fr.status, fr.elapsed), (SlaStatus::Met, mins(20)));
        // The customer never wrote: no first-reply target.
        let c = case("2026-03-02 09:00", vec![reply("2026-03-02 09:00", "a")]);
        let o = p.evaluate(&facts(&c), &OFFICE, t("2026-03-02 12:00"));
        assert_eq!(o.of(SlaTargetKind::FirstReply).count(), 0);
    }

    fn config_error(json: &str) -> String {
        SlaPolicies::from_json(json).unwrap_err().to_string()
    }

    #[test]
    fn configuration_errors_name_the_field_and_the_reason() {
        let e = config_error(
            r#"{"policies": [{"name": "a", "conditions": {"priority": ["urgnt"]},
                "targets": {"first_reply": {"within": "1h"}}}]}"#,
        );
        assert!(
            e.starts_with("policies[0].conditions.priority[0]: unknown variant `urgnt`"),
            "{e}"
        );
        let e = config_error(
            r#"{"policies": [{"name": "a", "targets": {"first_reply": {"within": "soon"}}}]}"#,
        );
        assert!(
            e.starts_with("policies[0].targets.first_reply.within: "),
            "{e}"
        );
        let e = config_error(
            r#"{"policies": [{"name": "a", "targets": {"first_reply": {"within": "1h", "hours": "office"}}}]}"#,
        );
        assert!(
            e.starts_with("policies[0].targets.first_reply.hours: unknown variant `office`"),
            "{e}"
        );
        let e = config_error(
            r#"{"policies": [{"name": "a", "targets": {"resolution": {"within": "2d"}}}]}"#,
        );
        assert!(
            e.starts_with("policies[0].targets.resolution.within: `2d`: write targets in hours"),
            "{e}"
        );
        let e = config_error(r#"{"policies": [{"name": "a", "target": {}}]}"#);
        assert!(e.contains("unknown field `target`"), "{e}");
        let e = config_error(
            r#"{"policies": [{"name": "a", "targets": {"resolution": {"within": "0s"}}}]}"#,
        );
        assert_eq!(
            e,
            "policies[0].targets.resolution.within: must be longer than zero (got 0s)"
        );
        let e = config_error(r#"{"policies": [{"name": "a", "targets": {}}]}"#);
        assert_eq!(
            e,
            "policies[0].targets: no target: set first_reply, next_reply or resolution"
        );
        let e = config_error(
            r#"{"policies": [{"name": " ", "targets": {"resolution": {"within": "1h"}}}]}"#,
        );
        assert_eq!(e, "policies[0].name: must not be empty");
        let e = config_error(
            r#"{"policies": [
                {"name": "a", "conditions": {"tag": ["x"]}, "targets": {"resolution": {"within": "1h"}}},
                {"name": "a", "targets": {"resolution": {"within": "1h"}}}]}"#,
        );
        assert_eq!(
            e,
            "policies[1].name: `a` is already the name of policies[0]"
        );
        let e = config_error(
            r#"{"policies": [
                {"name": "all", "targets": {"resolution": {"within": "1h"}}},
                {"name": "vip", "conditions": {"tag": ["vip"]}, "targets": {"resolution": {"within": "1h"}}}]}"#,
        );
        assert!(
            e.starts_with("policies[1]: never applies: policies[0] (`all`)"),
            "{e}"
        );
        let e = config_error(
            r#"{"policies": [{"name": "a", "conditions": {"team": []}, "targets": {"resolution": {"within": "1h"}}}]}"#,
        );
        assert!(
            e.starts_with("policies[0].conditions.team: an empty list matches no case"),
            "{e}"
        );
        let e = config_error(
            r#"{"policies": [{"name": "a", "conditions": {"tag": ["ok", ""]}, "targets": {"resolution": {"within": "1h"}}}]}"#,
        );
        assert_eq!(e, "policies[0].conditions.tag[1]: must not be empty");
        // Through plain serde (any format), the validation still applies.
        let err =
            serde_json::from_str::<SlaPolicies>(r#"{"policies": [{"name": "a", "targets": {}}]}"#)
                .unwrap_err()
                .to_string();
        assert!(err.contains("policies[0].targets: no target"), "{err}");
    }

    #[test]
    fn configuration_round_trips() {
        let policies = SlaPolicies::from_json(POLICIES).unwrap();
        assert_eq!(policies.policies().len(), 5);
        assert_eq!(
            policies.policies()[2].targets.first_reply.unwrap().hours,
            TimeBasis::Business
        );
        assert_eq!(
            policies.policies()[3].targets.resolution.unwrap().within,
            SignedDuration::from_hours(48)
        );
        let json = serde_json::to_string(&policies).unwrap();
        assert_eq!(SlaPolicies::from_json(&json).unwrap(), policies);
        assert_eq!(SlaPolicies::from_json("{}").unwrap().policies().len(), 0);
        // Targets are written in hours and minutes.
        assert!(json.contains(r#""within":"48h""#), "{json}");
        let p = policy(r#"{"name": "a", "targets": {"first_reply": {"within": "1h 30m"}}}"#);
        assert_eq!(p.targets.first_reply.unwrap().within, mins(90));
    }

    mod properties {
        use proptest::prelude::*;

        use super::*;

        proptest! {
            #[test]
            fn outcomes_are_consistent_and_order_free(
                (given, sorted) in cases(),
                pending in any::<bool>(),
                on_hold in any::<bool>(),
                business in any::<bool>(),
                within_min in 1i64..3_000,
            ) {
                let target = SlaTarget {
                    within: mins(within_min),
                    hours: if business { TimeBasis::Business } else { TimeBasis::Calendar },
                };
                let p = SlaPolicy {
                    name: "p".into(),
                    conditions: SlaConditions::default(),
                    targets: SlaTargets {
                        first_reply: Some(target),
                        next_reply: Some(target),
                        resolution: Some(target),
                    },
                    pause_while_pending: pending,
                    pause_while_on_hold: on_hold,
                };
                let now = t("2026-06-01 00:00");
                let o = p.evaluate(&facts(&given), &OFFICE, now);
                prop_assert_eq!(&o, &p.evaluate(&facts(&sorted), &OFFICE, now));
                for x in &o.targets {
                    prop_assert!(x.elapsed >= SignedDuration::ZERO);
                    prop_assert_eq!(x.margin, x.target.within - x.elapsed);
                    match x.status {
                        SlaStatus::Met => prop_assert!(x.fulfilled_at.is_some() && x.margin >= SignedDuration::ZERO),
                        SlaStatus::Running => prop_assert!(x.fulfilled_at.is_none() && x.margin >= SignedDuration::ZERO),
                        SlaStatus::Breached => prop_assert!(x.margin < SignedDuration::ZERO),
                    }
                    // The clock never runs faster than the wall clock.
                    let until = x.fulfilled_at.unwrap_or(now);
                    prop_assert!(x.elapsed <= crate::working_time::calendar_duration(x.started_at, until));
                    // On the calendar clock, a breach is due before its end, a met target at or
                    // after its fulfilment.
                    if !business {
                        match (x.status, x.due_at) {
                            (SlaStatus::Breached, Some(due)) => prop_assert!(due < until),
                            (SlaStatus::Met, Some(due)) => prop_assert!(due >= until),
                            (SlaStatus::Running, Some(due)) => prop_assert!(due >= now),
                            (SlaStatus::Breached, None) => prop_assert!(false, "a breach has a due time"),
                            _ => {}
                        }
                    }
                }
            }
        }
    }
}
