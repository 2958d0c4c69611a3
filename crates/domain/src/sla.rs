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
//! - `within`: a duration, `"30m"`, `"4h"`, `"2d 4h"` or ISO 8601 `"PT4H"`; `hours`: `business`
//!   (the default, the case's schedule) or `calendar`.
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
    pub within: SignedDuration,
    #[serde(default)]
    pub hours: TimeBasis,
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
