//! Per-case facts: everything the case metrics of the catalogue (`metrics.md`, "Operations and
//! agent performance") need from one case, computed once per case version and stored by the
//! engine, so that a query never walks events again.
//!
//! [`CaseFacts::compute`] sorts the case's events stably by `at` (events at the same instant keep
//! the order they were sent in) and makes one pass over them. Every duration fact is an
//! [`Elapsed`]: calendar time and business time (measured with the [`WorkingTime`] given, the
//! case's team schedule or [`crate::working_time::AlwaysOpen`]); business ≤ calendar always.
//! Durations are never negative: an interval that ends before it starts (an event dated before
//! the case's creation, which validation rejects) measures zero.
//!
//! # Vocabulary
//! - **customer message**: a `message` event by the `customer`, public and not automatic.
//! - **agent reply** ([`CaseEvent::is_agent_reply`]): a `message` by an `agent`, public, not
//!   automatic. Bot, trigger, automation (`automatic`), `system` and internal-note
//!   (`public: false`) messages are never replies.
//! - **solve**: a status change from new/open/pending/on_hold into solved or closed. Solved →
//!   closed (or closed → solved) is not another solve: the case stays solved.
//! - **reopen**: a status change from solved or closed back to new, open, pending or on_hold.
//!   A customer message after a solve does not reopen anything by itself.
//!
//! # Formulas (each is a field or method below)
//! - `frt` = first reply − `first_reply_from`; `first_reply_from` = creation, or for an outbound
//!   case the first customer message.
//! - avg_response_time over `exchanges`: each answered exchange's `wait` = reply − first
//!   unanswered customer message.
//! - `resolution_time` = last solve − creation; `first_resolution_time` = first solve − creation;
//!   both only while the case is solved or closed.
//! - `time_in_status(now)`: requester_wait = Σ new + open + on_hold, agent_wait = Σ pending,
//!   on_hold = Σ on_hold, over [creation, last solve) (solved intervals count for nothing), or over
//!   [creation, now) for an unsolved case.
//! - `touches` = agent replies at or before the last solve; `fcr_candidate` = solved ∧ touches = 1
//!   ∧ never reopened.

use jiff::Timestamp;
use serde::{Deserialize, Serialize};

use crate::records::vocab::{Author, CaseType, Channel, EventKind, Priority, Status};
use crate::records::{Case, CaseEvent};
use crate::working_time::{Elapsed, WorkingTime};

/// A status change, in the order the case went through them.
#[derive(Clone, Copy, Debug, PartialEq, Eq, Serialize, Deserialize)]
pub struct StatusChange {
    pub at: Timestamp,
    pub status: Status,
}

/// From `at` on, the case is assigned to `id` (an agent or a team).
#[derive(Clone, Debug, PartialEq, Eq, Serialize, Deserialize)]
pub struct Assignment {
    pub at: Timestamp,
    pub id: String,
}

/// A public agent reply (see [`CaseEvent::is_agent_reply`]).
#[derive(Clone, Debug, PartialEq, Eq, Serialize, Deserialize)]
pub struct Reply {
    pub at: Timestamp,
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub agent_id: Option<String>,
}

/// A customer waiting for the team: from the first unanswered customer message to the next agent
/// reply (`answered`), or to a solve that came first (not answered: the case was solved without a
/// further reply; such an exchange is left out of avg_response_time).
///
/// Consecutive customer messages before a reply form one exchange measured from the first of them
/// (the customer has been waiting since then; Zendesk's next-reply metric does the same), so
/// avg_response_time counts one wait per reply, not one per message.
#[derive(Clone, Copy, Debug, PartialEq, Eq, Serialize, Deserialize)]
pub struct Exchange {
    /// The first unanswered customer message.
    pub from: Timestamp,
    /// The agent reply (or the solve, when `answered` is false).
    pub to: Timestamp,
    pub answered: bool,
    /// `to − from`, calendar and business.
    pub wait: Elapsed,
}

/// Time spent in each unsolved status.
#[derive(Clone, Copy, Debug, Default, PartialEq, Eq, Serialize, Deserialize)]
pub struct StatusTimes {
    pub new: Elapsed,
    pub open: Elapsed,
    pub pending: Elapsed,
    pub on_hold: Elapsed,
}

impl StatusTimes {
    /// requester_wait_time: new + open + on_hold (waiting for the team).
    pub fn requester_wait(&self) -> Elapsed {
        self.new + self.open + self.on_hold
    }

    /// agent_wait_time: pending (waiting for the customer).
    pub fn agent_wait(&self) -> Elapsed {
        self.pending
    }

    /// on_hold_time: on_hold (waiting for a third party).
    pub fn on_hold(&self) -> Elapsed {
        self.on_hold
    }

    fn add(&mut self, status: Status, e: Elapsed) {
        match status {
            Status::New => self.new += e,
            Status::Open => self.open += e,
            Status::Pending => self.pending += e,
            Status::OnHold => self.on_hold += e,
            Status::Solved | Status::Closed => {}
        }
    }
}

/// How many public agent replies a solved case needed (the `touches` metric's buckets).
#[derive(Clone, Copy, Debug, PartialEq, Eq, Hash, Serialize, Deserialize)]
#[serde(rename_all = "snake_case")]
pub enum TouchClass {
    /// Solved without any public agent reply. Part of the touches denominator (all solved cases)
    /// but of none of the three reported buckets.
    ZeroTouch,
    OneTouch,
    TwoTouch,
    /// Three or more.
    MultiTouch,
}

/// Everything the case metrics need from one version of a case. See the module documentation
/// for the vocabulary and formulas.
#[derive(Clone, Debug, PartialEq, Serialize, Deserialize)]
pub struct CaseFacts {
    // ---- carried through for filters and group-by ----
    pub case_id: String,
    pub channel: Channel,
    pub priority: Option<Priority>,
    pub case_type: Option<CaseType>,
    /// For FCR's cross-case rule (no new case from the same customer with the same type and tags
    /// within 7 days), applied by the engine.
    pub customer_id: Option<String>,
    /// The current team (the case's `team_id`).
    pub team_id: Option<String>,
    /// The current assignee (the case's `assignee_id`).
    pub assignee_id: Option<String>,
    pub tags: Vec<String>,
    pub created_at: Timestamp,

    // ---- first reply ----
    /// Opened by an agent: the first public message written by an agent (automatic or not)
    /// came before any customer message.
    pub outbound: bool,
    /// Where the first-reply clock starts: creation, or for an outbound case the first customer
    /// message (None: an outbound case the customer never answered, so no reply is owed).
    pub first_reply_from: Option<Timestamp>,
    /// The first agent reply at or after `first_reply_from` (for an outbound case: after the
    /// first customer message). None: no reply yet.
    pub first_reply_at: Option<Timestamp>,
    pub first_reply_agent: Option<String>,
    /// frt = `first_reply_at − first_reply_from`.
    pub frt: Option<Elapsed>,

    // ---- replies and exchanges ----
    /// Every public agent reply, in time order (touches, transactions per day).
    pub replies: Vec<Reply>,
    /// Every exchange (customer waiting → reply or solve), in time order.
    pub exchanges: Vec<Exchange>,
    /// The first customer message still unanswered while the case is unsolved (an exchange in
    /// progress), for next-reply SLA targets and "awaiting reply" views.
    pub awaiting_reply_since: Option<Timestamp>,

    // ---- statuses, solves, reopens ----
    /// Every status change, in time order (a status event repeating the status in force is
    /// not a change). Before the first one the case is `new`.
    pub statuses: Vec<StatusChange>,
    /// Every solve instant, in time order.
    pub solves: Vec<Timestamp>,
    /// Every reopen instant, in time order.
    pub reopens: Vec<Timestamp>,
    /// first_resolution_time = first solve − creation; only while the case is solved or closed.
    pub first_resolution_time: Option<Elapsed>,
    /// resolution_time = last solve − creation; only while the case is solved or closed.
    pub resolution_time: Option<Elapsed>,
    /// Time in each status over the closed intervals, [creation, last status change); the open
    /// interval is added by [`CaseFacts::time_in_status`].
    pub status_times: StatusTimes,

    // ---- touches ----
    /// Agent replies at or before the last solve (a reply at the same instant as the solve
    /// counts); only while the case is solved or closed.
    pub touches: Option<u32>,

    // ---- assignment ----
    /// Agent assignment history: who is assigned from when (no entry in force: unassigned).
    pub agents: Vec<Assignment>,
    /// Team assignment history.
    pub teams: Vec<Assignment>,
    /// When the case was first assigned to its final (current) agent.
    pub assigned_to_final_agent_at: Option<Timestamp>,
    /// When the case was first assigned to its final (current) team.
    pub assigned_to_final_team_at: Option<Timestamp>,
}

/// A public, non-automatic message by the customer.
fn is_customer_message(e: &CaseEvent) -> bool {
    e.kind == EventKind::Message
        && e.author == Some(Author::Customer)
        && e.is_public()
        && !e.automatic.unwrap_or(false)
}

/// Appends `id` from `at` unless it is already the one in force.
fn assign_to(history: &mut Vec<Assignment>, at: Timestamp, id: &str) {
    if history.last().map(|a| a.id.as_str()) != Some(id) {
        history.push(Assignment {
            at,
            id: id.to_string(),
        });
    }
}

/// Completes an assignment history with the case's top-level (current) value.
///
/// - No assign event named one: the top-level value is in force from creation.
/// - The events end on another value: the top-level value is the current one and takes over at
///   `takeover` (never before the last history entry).
fn finish(
    history: &mut Vec<Assignment>,
    current: Option<&str>,
    created: Timestamp,
    takeover: Timestamp,
) {
    let Some(current) = current else { return };
    match history.last() {
        None => assign_to(history, created, current),
        Some(last) if last.id != current => {
            let at = takeover.max(last.at);
            assign_to(history, at, current);
        }
        Some(_) => {}
    }
}

/// The value in force at `t`: the last entry at or before `t`.
fn in_force(history: &[Assignment], t: Timestamp) -> Option<&str> {
    let i = history.partition_point(|a| a.at <= t);
    i.checked_sub(1).map(|i| history[i].id.as_str())
}

/// When `history` first reached its final value.
fn first_reached_final(history: &[Assignment]) -> Option<Timestamp> {
    let last = history.last()?;
    history.iter().find(|a| a.id == last.id).map(|a| a.at)
}

impl CaseFacts {
    /// Computes the facts of one case version: a stable sort of the events by `at`, then one pass.
    ///
    /// `clock` is the opening hours the business variants are measured against (the case's team
    /// schedule, else the account's; [`crate::working_time::AlwaysOpen`] for 24/7).
    ///
    /// Assignment history: an `assign` event changes only what it names (agent, team or both).
    /// The case's top-level `assignee_id` / `team_id` are the current values. When no assign event
    /// names an agent (a team), the top-level value is taken to be in force since creation;
    /// otherwise the case is unassigned until the first assign event naming one. When the events
    /// end on a value other than the top-level one, the top-level value takes over at the first
    /// message written by the current assignee after the last assign event (a handover without an
    /// assign event), else at the case's last event. A missing top-level value never overrides
    /// the events.
    pub fn compute(case: &Case, clock: &dyn WorkingTime) -> CaseFacts {
        let created = case.created_at.instant();
        let mut events: Vec<&CaseEvent> = case.events.iter().collect();
        events.sort_by_key(|e| e.at.instant());

        let current_agent = case.assignee_id.as_deref();

        // First reply. `outbound` is decided by whichever comes first: a customer message
        // (inbound) or a public agent message (outbound).
        let mut outbound: Option<bool> = None;
        let mut first_customer_message: Option<Timestamp> = None;
        let mut first_reply: Option<&CaseEvent> = None;

        // Exchanges. `waiting`: first unanswered customer message while unsolved. `dormant`:
        // first customer message received while solved; it becomes `waiting` only if the case
        // is reopened before an agent reply.
        let mut waiting: Option<Timestamp> = None;
        let mut dormant: Option<Timestamp> = None;
        let mut exchanges = Vec::new();
        let mut replies = Vec::new();

        // Statuses.
        let mut status = Status::New;
        let mut since = created;
        let mut statuses = Vec::new();
        let mut solves = Vec::new();
        let mut reopens = Vec::new();
        let mut status_times = StatusTimes::default();

        // Assignment.
        let mut agents = Vec::new();
        let mut teams = Vec::new();
        let mut takeover: Option<Timestamp> = None;
        let mut last_event = created;

        for e in &events {
            let at = e.at.instant();
            last_event = last_event.max(at);
            match e.kind {
                EventKind::Message => {
                    if is_customer_message(e) {
                        outbound.get_or_insert(false);
                        first_customer_message.get_or_insert(at);
                        if status.is_solved() {
                            dormant.get_or_insert(at);
                        } else {
                            waiting.get_or_insert(at);
                        }
                    } else if e.author == Some(Author::Agent) {
                        if e.is_public() {
                            outbound.get_or_insert(true);
                        }
                        if current_agent.is_some() && e.agent_id.as_deref() == current_agent {
                            takeover.get_or_insert(at);
                        }
                        if e.is_agent_reply() {
                            replies.push(Reply {
                                at,
                                agent_id: e.agent_id.clone(),
                            });
                            // Inbound: a customer message decided it, so one was seen; outbound:
                            // the first reply must follow the first customer message.
                            if first_reply.is_none() && first_customer_message.is_some() {
                                first_reply = Some(e);
                            }
                            if let Some(from) = waiting.take() {
                                exchanges.push(Exchange {
                                    from,
                                    to: at,
                                    answered: true,
                                    wait: Elapsed::between(from, at, clock),
                                });
                            }
                            // A reply while solved answers a "thank you": nothing to measure.
                            dormant = None;
                        }
                    }
                }
                EventKind::Status => {
                    let Some(new) = e.status else { continue };
                    if new == status {
                        continue;
                    }
                    if !status.is_solved() {
                        status_times.add(status, Elapsed::between(since, at, clock));
                    }
                    if new.is_solved() && !status.is_solved() {
                        solves.push(at);
                        if let Some(from) = waiting.take() {
                            exchanges.push(Exchange {
                                from,
                                to: at,
                                answered: false,
                                wait: Elapsed::between(from, at, clock),
                            });
                        }
                    } else if status.is_solved() && !new.is_solved() {
                        reopens.push(at);
                        waiting = dormant.take();
                    }
                    statuses.push(StatusChange { at, status: new });
                    status = new;
                    since = at;
                }
                EventKind::Assign => {
                    takeover = None;
                    if let Some(agent) = &e.agent_id {
                        assign_to(&mut agents, at, agent);
                    }
                    if let Some(team) = &e.team_id {
                        assign_to(&mut teams, at, team);
                    }
                }
            }
        }

        let takeover = takeover.unwrap_or(last_event);
        finish(&mut agents, current_agent, created, takeover);
        finish(&mut teams, case.team_id.as_deref(), created, takeover);

        let outbound = outbound.unwrap_or(false);
        let first_reply_from = if outbound {
            first_customer_message
        } else {
            Some(created)
        };
        let frt = match (first_reply_from, first_reply) {
            (Some(from), Some(reply)) => Some(Elapsed::between(from, reply.at.instant(), clock)),
            _ => None,
        };

        let solved = status.is_solved();
        let (first_resolution_time, resolution_time, touches) =
            match (solved, solves.first(), solves.last()) {
                (true, Some(&first), Some(&last)) => {
                    let touches = replies.partition_point(|r: &Reply| r.at <= last);
                    (
                        Some(Elapsed::between(created, first, clock)),
                        Some(Elapsed::between(created, last, clock)),
                        Some(u32::try_from(touches).unwrap_or(u32::MAX)),
                    )
                }
                _ => (None, None, None),
            };

        CaseFacts {
            case_id: case.id.clone(),
            channel: case.channel,
            priority: case.priority,
            case_type: case.case_type,
            customer_id: case.customer_id.clone(),
            team_id: case.team_id.clone(),
            assignee_id: case.assignee_id.clone(),
            tags: case.tags.clone(),
            created_at: created,
            outbound,
            first_reply_from,
            first_reply_at: first_reply.map(|e| e.at.instant()),
            first_reply_agent: first_reply.and_then(|e| e.agent_id.clone()),
            frt,
            replies,
            exchanges,
            awaiting_reply_since: waiting,
            statuses,
            solves,
            reopens,
            first_resolution_time,
            resolution_time,
            status_times,
            touches,
            assigned_to_final_agent_at: first_reached_final(&agents),
            assigned_to_final_team_at: first_reached_final(&teams),
            agents,
            teams,
        }
    }

    /// The current status (after the last status change; `new` when there is none).
    pub fn status(&self) -> Status {
        self.statuses.last().map_or(Status::New, |c| c.status)
    }

    /// The status in force at `t`: the last change at or before `t`, `new` before any.
    /// "Solved at the end of the period [from, to)" is `status_at(to − ε).is_solved()`; a case
    /// solved, reopened and still open then is not a solved case.
    pub fn status_at(&self, t: Timestamp) -> Status {
        let i = self.statuses.partition_point(|c| c.at <= t);
        i.checked_sub(1)
            .map_or(Status::New, |i| self.statuses[i].status)
    }

    /// Solved or closed now.
    pub fn is_solved(&self) -> bool {
        self.status().is_solved()
    }

    /// The first solve (whether or not the case is still solved).
    pub fn first_solve_at(&self) -> Option<Timestamp> {
        self.solves.first().copied()
    }

    /// The last solve (whether or not the case is still solved: see [`CaseFacts::is_solved`]).
    /// The period a solved case counts in for resolution time, reopen rate, FCR, touches and
    /// complaint resolution is the period of this instant.
    pub fn last_solve_at(&self) -> Option<Timestamp> {
        self.solves.last().copied()
    }

    /// The last solve at or before `t`.
    pub fn last_solve_until(&self, t: Timestamp) -> Option<Timestamp> {
        let i = self.solves.partition_point(|s| *s <= t);
        i.checked_sub(1).map(|i| self.solves[i])
    }

    /// Reopened at least once (reopen_rate counts a case once however often it was reopened).
    pub fn reopened(&self) -> bool {
        !self.reopens.is_empty()
    }

    /// How many reopen events (a case reopened twice: 2).
    pub fn reopen_count(&self) -> usize {
        self.reopens.len()
    }

    /// Time spent in each unsolved status until the last solve (a solved case: `now` is not
    /// used), or until `now` for an unsolved case. `now` is when the facts are read, not before
    /// the case's last status change (an earlier `now` adds nothing for the current status).
    pub fn time_in_status(&self, now: Timestamp, clock: &dyn WorkingTime) -> StatusTimes {
        let mut times = self.status_times;
        let status = self.status();
        if !status.is_solved() {
            let since = self.statuses.last().map_or(self.created_at, |c| c.at);
            times.add(status, Elapsed::between(since, now, clock));
        }
        times
    }

    /// One-, two- or multi-touch (None while unsolved).
    pub fn touch_class(&self) -> Option<TouchClass> {
        self.touches.map(|n| match n {
            0 => TouchClass::ZeroTouch,
            1 => TouchClass::OneTouch,
            2 => TouchClass::TwoTouch,
            _ => TouchClass::MultiTouch,
        })
    }

    /// Solved, with exactly one public agent reply, never reopened: an FCR case unless the same
    /// customer opens a new case with the same type and tags within 7 days of the last solve
    /// (that cross-case rule is the engine's: see `customer_id`, `case_type`, `tags`,
    /// [`CaseFacts::last_solve_at`]).
    pub fn fcr_candidate(&self) -> bool {
        self.touches == Some(1) && !self.reopened()
    }

    /// A complaint (case type `complaint`), for complaint_ratio and complaint_resolution_rate.
    pub fn is_complaint(&self) -> bool {
        self.case_type == Some(CaseType::Complaint)
    }

    /// complaint_resolution_rate's numerator: a complaint, solved, never reopened.
    pub fn complaint_resolved(&self) -> bool {
        self.is_complaint() && self.is_solved() && !self.reopened()
    }

    /// The waits that avg_response_time averages: answered exchanges only.
    pub fn response_times(&self) -> impl Iterator<Item = Elapsed> + '_ {
        self.exchanges.iter().filter(|x| x.answered).map(|x| x.wait)
    }

    /// The agent assigned at `t` (None: unassigned then).
    pub fn agent_at(&self, t: Timestamp) -> Option<&str> {
        in_force(&self.agents, t)
    }

    /// The team assigned at `t` (None: no team then).
    pub fn team_at(&self, t: Timestamp) -> Option<&str> {
        in_force(&self.teams, t)
    }
}

/// Builders for test cases, shared by the SLA tests.
#[cfg(test)]
pub(crate) mod build {
    use jiff::SignedDuration;
    use proptest::prelude::*;

    use super::*;
    use crate::moment::Moment;

    /// An instant written as local time in +07:00, "2026-03-02 09:15" (2026-03-02 is a Monday).
    pub(crate) fn at(local: &str) -> Moment {
        format!("{}:00+07:00", local.replace(' ', "T"))
            .parse()
            .unwrap()
    }

    pub(crate) fn t(local: &str) -> Timestamp {
        at(local).instant()
    }

    fn event(local: &str, kind: EventKind) -> CaseEvent {
        CaseEvent {
            at: at(local),
            kind,
            author: None,
            public: None,
            automatic: None,
            agent_id: None,
            team_id: None,
            status: None,
        }
    }

    pub(crate) fn customer(local: &str) -> CaseEvent {
        CaseEvent {
            author: Some(Author::Customer),
            public: Some(true),
            ..event(local, EventKind::Message)
        }
    }

    pub(crate) fn reply(local: &str, agent: &str) -> CaseEvent {
        CaseEvent {
            author: Some(Author::Agent),
            agent_id: Some(agent.into()),
            ..event(local, EventKind::Message)
        }
    }

    pub(crate) fn note(local: &str, agent: &str) -> CaseEvent {
        CaseEvent {
            public: Some(false),
            ..reply(local, agent)
        }
    }

    /// An automatic message by the system (a bot acknowledgement).
    pub(crate) fn bot(local: &str) -> CaseEvent {
        CaseEvent {
            author: Some(Author::System),
            automatic: Some(true),
            ..event(local, EventKind::Message)
        }
    }

    /// An automatic message sent as an agent (a macro or automation).
    pub(crate) fn agent_auto(local: &str, agent: &str) -> CaseEvent {
        CaseEvent {
            automatic: Some(true),
            ..reply(local, agent)
        }
    }

    pub(crate) fn status(local: &str, s: Status) -> CaseEvent {
        CaseEvent {
            status: Some(s),
            ..event(local, EventKind::Status)
        }
    }

    pub(crate) fn assign(local: &str, agent: Option<&str>, team: Option<&str>) -> CaseEvent {
        CaseEvent {
            agent_id: agent.map(Into::into),
            team_id: team.map(Into::into),
            ..event(local, EventKind::Assign)
        }
    }

    /// What a generated event is (its instant is assigned separately).
    #[derive(Clone, Debug)]
    enum Ev {
        Customer,
        Reply(u8),
        Note(u8),
        Bot,
        AgentAuto(u8),
        Status(Status),
        Assign(Option<u8>, Option<u8>),
    }

    fn ev() -> impl Strategy<Value = Ev> {
        prop_oneof![
            3 => Just(Ev::Customer),
            3 => (0u8..3).prop_map(Ev::Reply),
            1 => (0u8..3).prop_map(Ev::Note),
            1 => Just(Ev::Bot),
            1 => (0u8..3).prop_map(Ev::AgentAuto),
            4 => prop::sample::select(Status::ALL).prop_map(Ev::Status),
            1 => (prop::option::of(0u8..3), prop::option::of(0u8..2))
                .prop_filter("an assign names something", |(a, t)| a.is_some() || t.is_some())
                .prop_map(|(a, t)| Ev::Assign(a, t)),
        ]
    }

    /// A case created Mon 2026-03-02 08:00+07 whose events come at distinct instants
    /// (gaps of 1 min to ~3 days), given in a shuffled order; and the same events sorted.
    pub(crate) fn cases() -> impl Strategy<Value = (Case, Case)> {
        (
            prop::collection::vec((1i64..4_000, ev()), 0..24),
            prop::option::of(0u8..3),
            prop::option::of(0u8..2),
        )
            .prop_flat_map(|(evs, assignee, team)| {
                let created = t("2026-03-02 08:00");
                let mut minute = 0;
                let mut events = Vec::new();
                for (gap, e) in evs {
                    minute += gap;
                    let local = created
                        .checked_add(SignedDuration::from_mins(minute))
                        .unwrap();
                    let local = jiff::tz::offset(7)
                        .to_datetime(local)
                        .strftime("%Y-%m-%d %H:%M")
                        .to_string();
                    let agent = |a: u8| format!("a{a}");
                    events.push(match e {
                        Ev::Customer => customer(&local),
                        Ev::Reply(a) => reply(&local, &agent(a)),
                        Ev::Note(a) => note(&local, &agent(a)),
                        Ev::Bot => bot(&local),
                        Ev::AgentAuto(a) => agent_auto(&local, &agent(a)),
                        Ev::Status(s) => status(&local, s),
                        Ev::Assign(a, tm) => assign(
                            &local,
                            a.map(agent).as_deref(),
                            tm.map(|x| format!("t{x}")).as_deref(),
                        ),
                    });
                }
                let mut sorted = case("2026-03-02 08:00", events);
                sorted.assignee_id = assignee.map(|a| format!("a{a}"));
                sorted.team_id = team.map(|x| format!("t{x}"));
                let events = sorted.events.clone();
                (Just(sorted), Just(events).prop_shuffle())
            })
            .prop_map(|(sorted, shuffled)| {
                let given = Case {
                    events: shuffled,
                    ..sorted.clone()
                };
                (given, sorted)
            })
    }

    pub(crate) fn case(created: &str, events: Vec<CaseEvent>) -> Case {
        Case {
            id: "T-1".into(),
            channel: Channel::Email,
            created_at: at(created),
            customer_id: Some("C-1".into()),
            team_id: None,
            assignee_id: None,
            priority: Some(Priority::Normal),
            case_type: Some(CaseType::Question),
            tags: vec!["billing".into()],
            subject: None,
            events,
        }
    }
}

#[cfg(test)]
mod tests {
    use jiff::SignedDuration;

    use super::build::*;
    use super::*;
    use crate::working_time::AlwaysOpen;
    use crate::working_time::office_hours::OfficeHours;

    /// Mon–Fri 09:00–17:00 in +07:00, the zone the examples are written in.
    const OFFICE: OfficeHours = OfficeHours { offset_hours: 7 };

    fn mins(m: i64) -> SignedDuration {
        SignedDuration::from_mins(m)
    }

    fn el(calendar_min: i64, business_min: i64) -> Elapsed {
        Elapsed {
            calendar: mins(calendar_min),
            business: mins(business_min),
        }
    }

    /// The data model's example case, with an automatic system message, an internal note and an
    /// automatic message sent as an agent before the real reply.
    fn first_reply_case() -> Case {
        case(
            "2026-03-02 09:15",
            vec![
                customer("2026-03-02 09:15"),
                bot("2026-03-02 09:20"),
                note("2026-03-02 09:40", "a-lan"),
                agent_auto("2026-03-02 09:50", "a-lan"),
                reply("2026-03-02 10:05", "a-lan"),
                status("2026-03-02 10:06", Status::Pending),
                customer("2026-03-03 08:30"),
                status("2026-03-03 08:31", Status::Open),
                reply("2026-03-03 11:00", "a-lan"),
                status("2026-03-03 11:01", Status::Solved),
            ],
        )
    }

    #[test]
    fn frt_skips_automatic_messages_and_internal_notes() {
        let f = CaseFacts::compute(&first_reply_case(), &OFFICE);
        // Created Mon 09:15; the bot (09:20), the note (09:40) and the automatic agent message
        // (09:50) do not count; the first reply is a-lan's at 10:05: 50 min, all in hours.
        assert!(!f.outbound);
        assert_eq!(f.first_reply_from, Some(t("2026-03-02 09:15")));
        assert_eq!(f.first_reply_at, Some(t("2026-03-02 10:05")));
        assert_eq!(f.first_reply_agent.as_deref(), Some("a-lan"));
        assert_eq!(f.frt, Some(el(50, 50)));
    }

    #[test]
    fn every_exchange_resolution_waits_and_touches() {
        let f = CaseFacts::compute(&first_reply_case(), &OFFICE);
        // Exchanges: Mon 09:15 → 10:05 = 50 min (business 50);
        // Tue 08:30 → 11:00 = 150 min (business from 09:00: 120).
        let waits: Vec<_> = f.response_times().collect();
        assert_eq!(waits, vec![el(50, 50), el(150, 120)]);
        assert_eq!(f.awaiting_reply_since, None);
        // Resolution: Mon 09:15 → Tue 11:01 = 25 h 46 min = 1546 min;
        // business: Mon 09:15–17:00 (465) + Tue 09:00–11:01 (121) = 586 min.
        assert_eq!(f.resolution_time, Some(el(1546, 586)));
        assert_eq!(f.first_resolution_time, f.resolution_time);
        assert_eq!(f.solves, vec![t("2026-03-03 11:01")]);
        // new: Mon 09:15 → 10:06 = 51 (51); pending: Mon 10:06 → Tue 08:31 = 22 h 25 min = 1345
        // (business Mon 10:06–17:00 = 414); open: Tue 08:31 → 11:01 = 150 (business 121).
        let s = f.time_in_status(t("2026-03-09 00:00"), &OFFICE);
        assert_eq!(s.new, el(51, 51));
        assert_eq!(s.pending, el(1345, 414));
        assert_eq!(s.open, el(150, 121));
        assert_eq!(s.requester_wait(), el(201, 172));
        assert_eq!(s.agent_wait(), el(1345, 414));
        assert_eq!(s.on_hold(), Elapsed::ZERO);
        // Touches: two public agent replies before the solve.
        assert_eq!(f.touches, Some(2));
        assert_eq!(f.touch_class(), Some(TouchClass::TwoTouch));
        assert!(!f.fcr_candidate());
        assert_eq!(f.replies.len(), 2);
    }

    #[test]
    fn outbound_case_measures_from_the_first_customer_message() {
        let c = case(
            "2026-03-02 10:00",
            vec![
                reply("2026-03-02 10:00", "a-minh"),
                status("2026-03-02 10:01", Status::Pending),
                customer("2026-03-02 14:00"),
                status("2026-03-02 14:05", Status::Open),
                reply("2026-03-02 14:45", "a-minh"),
                status("2026-03-02 15:00", Status::Solved),
            ],
        );
        let f = CaseFacts::compute(&c, &OFFICE);
        // The agent wrote first: outbound. The clock starts at the customer's 14:00 message;
        // the reply at 14:45: frt 45 min. The opening message answers nothing.
        assert!(f.outbound);
        assert_eq!(f.first_reply_from, Some(t("2026-03-02 14:00")));
        assert_eq!(f.first_reply_at, Some(t("2026-03-02 14:45")));
        assert_eq!(f.frt, Some(el(45, 45)));
        assert_eq!(f.response_times().collect::<Vec<_>>(), vec![el(45, 45)]);
        // Both public agent messages are touches.
        assert_eq!(f.touches, Some(2));

        // Outbound and the customer never answered: no reply owed, no frt.
        let c = case(
            "2026-03-02 10:00",
            vec![
                reply("2026-03-02 10:00", "a-minh"),
                status("2026-03-02 10:01", Status::Solved),
            ],
        );
        let f = CaseFacts::compute(&c, &OFFICE);
        assert!(f.outbound);
        assert_eq!(
            (f.first_reply_from, f.first_reply_at, f.frt),
            (None, None, None)
        );

        // An internal note before the customer's message does not make a case outbound.
        let c = case(
            "2026-03-02 10:00",
            vec![
                note("2026-03-02 10:00", "a-minh"),
                customer("2026-03-02 10:10"),
                reply("2026-03-02 10:30", "a-minh"),
            ],
        );
        let f = CaseFacts::compute(&c, &OFFICE);
        assert!(!f.outbound);
        assert_eq!(f.frt, Some(el(30, 30)));

        // No reply yet.
        let f = CaseFacts::compute(
            &case("2026-03-02 10:00", vec![customer("2026-03-02 10:00")]),
            &OFFICE,
        );
        assert_eq!((f.first_reply_at, f.frt), (None, None));
        assert_eq!(f.awaiting_reply_since, Some(t("2026-03-02 10:00")));
    }

    fn reopened_twice() -> Case {
        case(
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
        )
    }

    #[test]
    fn a_case_reopened_twice() {
        let f = CaseFacts::compute(&reopened_twice(), &OFFICE);
        // Three solves, two reopens: one reopened case (reopen_rate), two reopen events.
        assert_eq!(
            f.solves,
            vec![
                t("2026-03-02 09:31"),
                t("2026-03-02 12:01"),
                t("2026-03-03 10:31")
            ]
        );
        assert_eq!(
            f.reopens,
            vec![t("2026-03-02 11:05"), t("2026-03-03 10:02")]
        );
        assert!(f.reopened());
        assert_eq!(f.reopen_count(), 2);
        assert!(f.is_solved());
        // resolution_time to the last solve: Mon 09:00 → Tue 10:31 = 25 h 31 min = 1531 min;
        // business Mon 09:00–17:00 (480) + Tue 09:00–10:31 (91) = 571.
        assert_eq!(f.resolution_time, Some(el(1531, 571)));
        // first_resolution_time: Mon 09:00 → 09:31.
        assert_eq!(f.first_resolution_time, Some(el(31, 31)));
        assert_eq!(f.first_solve_at(), Some(t("2026-03-02 09:31")));
        assert_eq!(f.last_solve_at(), Some(t("2026-03-03 10:31")));
        // Each customer message after a solve is followed by a reopen, so each is an exchange
        // measured from the message: 30, 60 (11:00 → 12:00) and 30 (Tue 10:00 → 10:30) min.
        let waits: Vec<_> = f.response_times().map(|e| e.calendar).collect();
        assert_eq!(waits, vec![mins(30), mins(60), mins(30)]);
        // requester wait: new 31 + open 56 (11:05–12:01) + open 29 (Tue 10:02–10:31) = 116.
        let s = f.time_in_status(t("2026-03-09 00:00"), &OFFICE);
        assert_eq!(s.requester_wait(), el(116, 116));
        // Three replies before the last solve: multi-touch; reopened: no FCR.
        assert_eq!(f.touch_class(), Some(TouchClass::MultiTouch));
        assert!(!f.fcr_candidate());
    }

    #[test]
    fn solved_reopened_and_still_open_is_not_solved() {
        let c = case(
            "2026-03-02 09:00",
            vec![
                customer("2026-03-02 09:00"),
                reply("2026-03-02 09:20", "a"),
                status("2026-03-02 09:30", Status::Solved),
                customer("2026-03-02 13:00"),
                status("2026-03-02 13:10", Status::Open),
            ],
        );
        let f = CaseFacts::compute(&c, &OFFICE);
        assert!(!f.is_solved());
        assert_eq!(f.status(), Status::Open);
        assert_eq!(
            (f.resolution_time, f.first_resolution_time, f.touches),
            (None, None, None)
        );
        assert_eq!(f.touch_class(), None);
        assert!(!f.fcr_candidate());
        // The status in force at instants: new before any status event, solved from 09:30,
        // open from 13:10; at the end of the day (the period [Mon, Tue)) it is open, so the case
        // is not a solved case of that period.
        assert_eq!(f.status_at(t("2026-03-02 09:29")), Status::New);
        assert_eq!(f.status_at(t("2026-03-02 09:30")), Status::Solved);
        assert_eq!(f.status_at(t("2026-03-02 12:00")), Status::Solved);
        assert_eq!(f.status_at(t("2026-03-02 23:59")), Status::Open);
        assert_eq!(
            f.last_solve_until(t("2026-03-02 12:00")),
            Some(t("2026-03-02 09:30"))
        );
        assert_eq!(f.last_solve_until(t("2026-03-02 09:00")), None);
        // The customer's 13:00 message waits for a reply (the case was reopened at 13:10).
        assert_eq!(f.awaiting_reply_since, Some(t("2026-03-02 13:00")));
        // Time in status until now (15:00): new 30 + open 13:10 → 15:00 (110) = 140.
        let s = f.time_in_status(t("2026-03-02 15:00"), &OFFICE);
        assert_eq!(s.new, el(30, 30));
        assert_eq!(s.open, el(110, 110));
        assert_eq!(s.requester_wait(), el(140, 140));
    }

    #[test]
    fn a_thank_you_after_the_solve_breaks_nothing() {
        let c = case(
            "2026-03-02 09:00",
            vec![
                customer("2026-03-02 09:00"),
                reply("2026-03-02 09:10", "a"),
                status("2026-03-02 09:15", Status::Solved),
                customer("2026-03-02 10:00"),
                reply("2026-03-02 10:05", "a"),
            ],
        );
        let f = CaseFacts::compute(&c, &OFFICE);
        // No reopen; still solved; one touch (the 10:05 "you're welcome" is after the solve).
        assert!(f.reopens.is_empty());
        assert!(f.is_solved());
        assert_eq!(f.resolution_time, Some(el(15, 15)));
        assert_eq!(f.touches, Some(1));
        assert_eq!(f.touch_class(), Some(TouchClass::OneTouch));
        assert!(f.fcr_candidate());
        // The thank-you starts no exchange: only 09:00 → 09:10 is measured.
        assert_eq!(f.response_times().collect::<Vec<_>>(), vec![el(10, 10)]);
        assert_eq!(f.awaiting_reply_since, None);
        assert_eq!(f.replies.len(), 2);
    }

    #[test]
    fn pending_and_on_hold_time_splits() {
        let c = case(
            "2026-03-02 09:00",
            vec![
                customer("2026-03-02 09:00"),
                status("2026-03-02 09:30", Status::Open),
                reply("2026-03-02 10:00", "a"),
                status("2026-03-02 10:01", Status::Pending),
                customer("2026-03-02 12:01"),
                status("2026-03-02 12:01", Status::Open),
                status("2026-03-02 13:00", Status::OnHold),
                status("2026-03-03 09:00", Status::Open),
                reply("2026-03-03 09:30", "a"),
                status("2026-03-03 09:40", Status::Solved),
            ],
        );
        let f = CaseFacts::compute(&c, &OFFICE);
        let s = f.time_in_status(t("2026-03-09 00:00"), &OFFICE);
        // new 09:00–09:30 = 30; open 09:30–10:01 (31) + 12:01–13:00 (59) + Tue 09:00–09:40 (40)
        // = 130; pending 10:01–12:01 = 120; on_hold Mon 13:00 → Tue 09:00 = 20 h = 1200
        // (business: Mon 13:00–17:00 = 240).
        assert_eq!(s.new, el(30, 30));
        assert_eq!(s.open, el(130, 130));
        assert_eq!(s.pending, el(120, 120));
        assert_eq!(s.on_hold, el(1200, 240));
        // requester_wait = new + open + on_hold = 30 + 130 + 1200 (business 30 + 130 + 240).
        assert_eq!(s.requester_wait(), el(1360, 400));
        assert_eq!(s.agent_wait(), el(120, 120));
        assert_eq!(s.on_hold(), el(1200, 240));
        // The 12:01 message waited until Tue 09:30: 21 h 29 min = 1289; business Mon
        // 12:01–17:00 (299) + Tue 09:00–09:30 (30) = 329.
        assert_eq!(f.response_times().last(), Some(el(1289, 329)));
    }

    #[test]
    fn a_reply_over_a_weekend_business_vs_calendar() {
        // Friday 16:30 → Monday 09:45: 2 days 17 h 15 min = 3915 min calendar;
        // business Fri 16:30–17:00 (30) + Mon 09:00–09:45 (45) = 75 min.
        let c = case(
            "2026-03-06 16:30",
            vec![customer("2026-03-06 16:30"), reply("2026-03-09 09:45", "a")],
        );
        assert_eq!(CaseFacts::compute(&c, &OFFICE).frt, Some(el(3915, 75)));
        // 24/7: business is calendar.
        assert_eq!(
            CaseFacts::compute(&c, &AlwaysOpen).frt,
            Some(el(3915, 3915))
        );
    }

    #[test]
    fn a_solve_closes_an_unanswered_exchange() {
        let c = case(
            "2026-03-02 09:00",
            vec![
                customer("2026-03-02 09:00"),
                status("2026-03-02 09:20", Status::Solved),
                customer("2026-03-02 10:00"),
                status("2026-03-02 10:01", Status::Open),
                reply("2026-03-02 10:30", "a"),
            ],
        );
        let f = CaseFacts::compute(&c, &OFFICE);
        // 09:00 was never answered before the 09:20 solve: an exchange, not in the average.
        assert_eq!(f.exchanges.len(), 2);
        assert!(!f.exchanges[0].answered);
        assert_eq!(f.exchanges[0].to, t("2026-03-02 09:20"));
        assert_eq!(f.response_times().collect::<Vec<_>>(), vec![el(30, 30)]);
        // frt is still creation → first reply (90 min), by the metric's definition.
        assert_eq!(f.frt, Some(el(90, 90)));
        // Solved once, zero touches while solved; now open again.
        assert_eq!(f.solves.len(), 1);
        assert!(!f.is_solved());
    }

    #[test]
    fn consecutive_customer_messages_are_measured_from_the_first() {
        let c = case(
            "2026-03-02 09:00",
            vec![
                customer("2026-03-02 09:00"),
                customer("2026-03-02 09:20"),
                customer("2026-03-02 09:40"),
                reply("2026-03-02 10:00", "a"),
            ],
        );
        let f = CaseFacts::compute(&c, &OFFICE);
        assert_eq!(f.response_times().collect::<Vec<_>>(), vec![el(60, 60)]);
    }

    #[test]
    fn assignment_history() {
        let mut c = case(
            "2026-03-02 09:00",
            vec![
                customer("2026-03-02 09:00"),
                assign("2026-03-02 09:05", Some("a"), Some("t1")),
                assign("2026-03-02 10:00", Some("b"), None),
                assign("2026-03-02 11:00", None, Some("t2")),
                assign("2026-03-02 12:00", Some("a"), None),
                assign("2026-03-02 13:00", Some("b"), None),
            ],
        );
        c.assignee_id = Some("b".into());
        c.team_id = Some("t2".into());
        let f = CaseFacts::compute(&c, &OFFICE);
        // Assign events name agents: unassigned before the first.
        assert_eq!(f.agent_at(t("2026-03-02 09:00")), None);
        assert_eq!(f.agent_at(t("2026-03-02 09:05")), Some("a"));
        assert_eq!(f.agent_at(t("2026-03-02 10:30")), Some("b"));
        assert_eq!(f.agent_at(t("2026-03-02 12:30")), Some("a"));
        assert_eq!(f.agent_at(t("2026-03-02 13:00")), Some("b"));
        // A team-only event keeps the agent; an agent-only event keeps the team.
        assert_eq!(f.team_at(t("2026-03-02 10:30")), Some("t1"));
        assert_eq!(f.team_at(t("2026-03-02 11:00")), Some("t2"));
        // First assigned to the final assignee b at 10:00, to the final team t2 at 11:00.
        assert_eq!(f.assigned_to_final_agent_at, Some(t("2026-03-02 10:00")));
        assert_eq!(f.assigned_to_final_team_at, Some(t("2026-03-02 11:00")));

        // No assign event: the top-level values hold from creation.
        let mut c = case("2026-03-02 09:00", vec![customer("2026-03-02 09:00")]);
        c.assignee_id = Some("a".into());
        c.team_id = Some("t1".into());
        let f = CaseFacts::compute(&c, &OFFICE);
        assert_eq!(f.agent_at(t("2026-03-02 09:00")), Some("a"));
        assert_eq!(f.team_at(t("2026-03-02 09:00")), Some("t1"));
        assert_eq!(f.assigned_to_final_agent_at, Some(t("2026-03-02 09:00")));

        // A handover without an assign event: b (the current assignee) takes over at b's first
        // message after the last assign event.
        let mut c = case(
            "2026-03-02 09:00",
            vec![
                customer("2026-03-02 09:00"),
                assign("2026-03-02 09:05", Some("a"), None),
                reply("2026-03-02 09:30", "a"),
                note("2026-03-02 10:00", "b"),
                reply("2026-03-02 10:30", "b"),
                status("2026-03-02 11:00", Status::Solved),
            ],
        );
        c.assignee_id = Some("b".into());
        let f = CaseFacts::compute(&c, &OFFICE);
        assert_eq!(f.agent_at(t("2026-03-02 09:59")), Some("a"));
        assert_eq!(f.agent_at(t("2026-03-02 10:00")), Some("b"));
        assert_eq!(f.assigned_to_final_agent_at, Some(t("2026-03-02 10:00")));
        // ... and with no message from b, at the case's last event.
        c.events.retain(|e| e.agent_id.as_deref() != Some("b"));
        let f = CaseFacts::compute(&c, &OFFICE);
        assert_eq!(f.assigned_to_final_agent_at, Some(t("2026-03-02 11:00")));
    }

    #[test]
    fn carried_through_for_filters() {
        let mut c = first_reply_case();
        c.case_type = Some(CaseType::Complaint);
        c.priority = Some(Priority::High);
        let f = CaseFacts::compute(&c, &AlwaysOpen);
        assert!(f.is_complaint());
        assert!(f.complaint_resolved());
        assert_eq!(f.channel, Channel::Email);
        assert_eq!(f.priority, Some(Priority::High));
        assert_eq!(f.tags, vec!["billing".to_string()]);
        assert_eq!(f.customer_id.as_deref(), Some("C-1"));
        assert_eq!(f.case_id, "T-1");
        // The facts serialise (the engine may store them as JSON) and read back the same.
        let json = serde_json::to_string(&f).unwrap();
        assert_eq!(serde_json::from_str::<CaseFacts>(&json).unwrap(), f);
    }

    #[test]
    fn events_given_out_of_order_give_the_same_facts() {
        for c in [first_reply_case(), reopened_twice()] {
            let sorted = CaseFacts::compute(&c, &OFFICE);
            let mut reversed = c.clone();
            reversed.events.reverse();
            assert_eq!(CaseFacts::compute(&reversed, &OFFICE), sorted);
        }
    }

    #[test]
    fn events_at_the_same_instant_keep_their_order() {
        // A reply and a solve at the same instant: the reply still counts as a touch whichever
        // order they come in.
        let events = vec![
            customer("2026-03-02 09:00"),
            reply("2026-03-02 09:10", "a"),
            status("2026-03-02 09:10", Status::Solved),
        ];
        let mut c = case("2026-03-02 09:00", events);
        assert_eq!(CaseFacts::compute(&c, &OFFICE).touches, Some(1));
        c.events.swap(1, 2);
        assert_eq!(CaseFacts::compute(&c, &OFFICE).touches, Some(1));
    }

    mod properties {
        use proptest::prelude::*;

        use super::*;
        use crate::case_facts::build::cases;

        fn durations(f: &CaseFacts, now: Timestamp) -> Vec<Elapsed> {
            let s = f.time_in_status(now, &OFFICE);
            let mut all = vec![s.new, s.open, s.pending, s.on_hold];
            all.extend([s.requester_wait(), s.agent_wait()]);
            all.extend(f.frt);
            all.extend(f.resolution_time);
            all.extend(f.first_resolution_time);
            all.extend(f.exchanges.iter().map(|x| x.wait));
            all
        }

        proptest! {
            #[test]
            fn facts_do_not_depend_on_the_order_events_are_given_in((given, sorted) in cases()) {
                prop_assert_eq!(
                    CaseFacts::compute(&given, &OFFICE),
                    CaseFacts::compute(&sorted, &OFFICE)
                );
            }

            #[test]
            fn business_never_exceeds_calendar((given, _) in cases()) {
                let f = CaseFacts::compute(&given, &OFFICE);
                let now = t("2026-06-01 00:00");
                for d in durations(&f, now) {
                    prop_assert!(d.business <= d.calendar, "{d:?}");
                    prop_assert!(d.business >= SignedDuration::ZERO, "{d:?}");
                }
                // Time in status never exceeds the case's age.
                let s = f.time_in_status(now, &OFFICE);
                let total = s.requester_wait() + s.agent_wait();
                prop_assert!(total.calendar <= now.duration_since(f.created_at));
            }

            #[test]
            fn solves_and_reopens_alternate((given, _) in cases()) {
                let f = CaseFacts::compute(&given, &OFFICE);
                // Every reopen follows a solve; a case is solved iff it had more solves than
                // reopens.
                prop_assert!(f.reopens.len() <= f.solves.len());
                prop_assert_eq!(f.is_solved(), f.solves.len() > f.reopens.len());
                for (s, r) in f.solves.iter().zip(&f.reopens) {
                    prop_assert!(s < r);
                }
                prop_assert_eq!(f.resolution_time.is_some(), f.is_solved());
                if f.fcr_candidate() {
                    prop_assert!(f.is_solved() && !f.reopened());
                }
            }
        }
    }
}
