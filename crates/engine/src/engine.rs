//! The engine: columnar data in memory, kept current record by record.
//!
//! [`Engine::upsert`] replaces a record by (kind, id) and updates the columns it feeds; a case's
//! facts (first reply, solves, reopens, waits, touches, SLA outcome …) are computed once, when the
//! case arrives or changes, with [`CaseFacts::compute`] against the schedule of its team. When a
//! team's schedule (or an agent's team, for cases without a team) changes, the cases and contacts
//! measured against the old schedule are measured again; when a customer's segment changes and an
//! SLA policy matches on segments, that customer's cases are evaluated again. So the result of a
//! query never depends on the order records arrived in.

use std::collections::BTreeMap;
use std::hash::Hasher;
use std::sync::{Arc, Mutex};

use carekpi_domain::case_facts::CaseFacts;
use carekpi_domain::records::vocab::{
    Author, CaseType, Channel, Dimension as ServqualDimension, EventKind, Outcome, Polarity,
    PresenceState, Priority, Status, SurveyKind,
};
use carekpi_domain::records::{Agent, Call, Case, CaseEvent, Chat, ChatMessage, Customer, Team};
use carekpi_domain::sla::{SlaStatus, SlaTargetKind};
use carekpi_domain::working_time::Elapsed;
use carekpi_domain::{Moment, Record, RecordKind};
use jiff::civil::Date;
use jiff::tz::TimeZone;
use jiff::{SignedDuration, Timestamp};
use rust_decimal::prelude::ToPrimitive;

use crate::config::{Compiled, ConfigError, EngineConfig};
use crate::query::QueryError;
use crate::tables::*;
use crate::time::{clock_of, local_day_number, ms};
use crate::util::{FxHasher, FxMap, Interner, NEVER, NO_TIME, NO_U8, NONE};

/// Caches derived from the whole data set, rebuilt lazily after a change.
#[derive(Default)]
pub(crate) struct Caches {
    /// FCR's repeat rule per case: a new case from the same customer with the same type and tags
    /// followed the last solve within the FCR window.
    pub repeat_flags: Option<(u64, Arc<Vec<bool>>)>,
    /// Every customer's cases, calls, chats and orders in time order.
    pub activities: Option<(u64, Arc<crate::eval::Activities>)>,
    /// Replies and agent-day assignments of every case, flattened.
    pub work: Option<(u64, Arc<crate::eval::Work>)>,
    /// Every measured wait (case and chat exchanges), flattened.
    pub waits: Option<(u64, Arc<crate::eval::Waits>)>,
    /// Logged-in seconds per agent-day.
    pub presence_days: Option<(u64, Arc<crate::eval::PresenceDays>)>,
    /// Group and cell columns of recent query shapes.
    pub shapes: Vec<(crate::eval::ShapeKey, crate::eval::Prepared)>,
}

impl Engine {
    /// A value derived from the whole data set, built once per version of the data. The lock is
    /// not held while building (a build may use the thread pool).
    pub(crate) fn derived<T: Send + Sync>(
        &self,
        slot: impl Fn(&mut Caches) -> &mut Option<(u64, Arc<T>)>,
        build: impl FnOnce() -> T,
    ) -> Arc<T> {
        if let Some((generation, value)) = slot(&mut self.caches.lock().expect("cache lock"))
            && *generation == self.generation
        {
            return value.clone();
        }
        let value = Arc::new(build());
        *slot(&mut self.caches.lock().expect("cache lock")) =
            Some((self.generation, value.clone()));
        value
    }
}

/// The metric engine. Build it with a configuration, feed it records with [`Engine::upsert`] (or
/// [`Engine::load`]), ask it [`crate::MetricQuery`]s with [`Engine::query`].
pub struct Engine {
    pub(crate) config: EngineConfig,
    pub(crate) compiled: Compiled,
    pub(crate) team_ids: Interner,
    pub(crate) agent_ids: Interner,
    pub(crate) customer_ids: Interner,
    pub(crate) case_ids: Interner,
    pub(crate) call_ids: Interner,
    pub(crate) chat_ids: Interner,
    pub(crate) tag_ids: Interner,
    pub(crate) segment_ids: Interner,
    pub(crate) activity_ids: Interner,
    pub(crate) currency_ids: Interner,
    pub(crate) teams: Teams,
    pub(crate) agents: Agents,
    pub(crate) customers: Customers,
    pub(crate) cases: Cases,
    pub(crate) contacts: Contacts,
    /// Call rows and chat rows share `contacts`: the row of call id k / chat id k.
    pub(crate) call_rows: Vec<u32>,
    pub(crate) chat_rows: Vec<u32>,
    pub(crate) surveys: Surveys,
    pub(crate) servqual: Servqual,
    pub(crate) qa: QaReviews,
    pub(crate) feedback: FeedbackRows,
    pub(crate) reviews: Reviews,
    pub(crate) engagement: Engagements,
    pub(crate) orders: Orders,
    pub(crate) presence: Presence,
    /// Rows of kinds identified only by their own id: the row is the interned id.
    pub(crate) row_ids: FxMap<RecordKind, Interner>,
    pub(crate) generation: u64,
    pub(crate) caches: Mutex<Caches>,
    /// SLA policies match on customer segments (a segment change re-evaluates cases).
    sla_uses_segment: bool,
}

impl std::fmt::Debug for Engine {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        f.debug_struct("Engine")
            .field("counts", &self.counts())
            .finish_non_exhaustive()
    }
}

/// An enum's index in its vocabulary.
macro_rules! idx {
    ($e:expr) => {
        ($e) as u8
    };
}

fn opt_u8<T: Copy>(v: Option<T>, f: impl Fn(T) -> u8) -> u8 {
    v.map_or(NO_U8, f)
}

fn opt_bool(v: Option<bool>) -> u8 {
    v.map_or(NO_U8, u8::from)
}

fn ms_opt(m: Option<&Moment>) -> i64 {
    m.map_or(NO_TIME, Moment::epoch_millis)
}

fn secs(e: Elapsed) -> [f64; 2] {
    [e.calendar_secs(), e.business_secs()]
}

/// The columns computed from one version of a case.
struct Derived {
    first_reply: i64,
    frt: [f64; 2],
    first_solve: i64,
    last_solve: i64,
    reopen_after: i64,
    reopened: bool,
    resolution: [f64; 2],
    first_resolution: [f64; 2],
    touches: u16,
    requester_wait: [f64; 2],
    agent_wait: [f64; 2],
    on_hold: [f64; 2],
    last_change: i64,
    final_status: u8,
    statuses: Vec<StatusAt>,
    backlog_from: [i64; 2],
    exchanges: Vec<Exch>,
    replies: Vec<ReplyAt>,
    assigns: Vec<AssignDay>,
    assigned_at: i64,
    sla: SlaCol,
}

impl Engine {
    /// An empty engine; the configuration is checked first (every error names its field).
    pub fn new(config: EngineConfig) -> Result<Engine, ConfigError> {
        let compiled = config.compile()?;
        let sla_uses_segment = config
            .sla
            .policies()
            .iter()
            .any(|p| p.conditions.segment.is_some());
        Ok(Engine {
            config,
            compiled,
            team_ids: Interner::default(),
            agent_ids: Interner::default(),
            customer_ids: Interner::default(),
            case_ids: Interner::default(),
            call_ids: Interner::default(),
            chat_ids: Interner::default(),
            tag_ids: Interner::default(),
            segment_ids: Interner::default(),
            activity_ids: Interner::default(),
            currency_ids: Interner::default(),
            teams: Teams::default(),
            agents: Agents::default(),
            customers: Customers::default(),
            cases: Cases::default(),
            contacts: Contacts::default(),
            call_rows: Vec::new(),
            chat_rows: Vec::new(),
            surveys: Surveys::default(),
            servqual: Servqual::default(),
            qa: QaReviews::default(),
            feedback: FeedbackRows::default(),
            reviews: Reviews::default(),
            engagement: Engagements::default(),
            orders: Orders::default(),
            presence: Presence::default(),
            row_ids: FxMap::default(),
            generation: 0,
            caches: Mutex::new(Caches::default()),
            sla_uses_segment,
        })
    }

    pub fn config(&self) -> &EngineConfig {
        &self.config
    }

    /// The account's time zone.
    pub fn time_zone(&self) -> &TimeZone {
        &self.compiled.tz
    }

    /// `[from 00:00, to_exclusive 00:00)` in the account's zone, for [`crate::MetricQuery`].
    pub fn local_period(
        &self,
        from: Date,
        to_exclusive: Date,
    ) -> Result<(Timestamp, Timestamp), QueryError> {
        crate::time::local_period(&self.compiled.tz, from, to_exclusive)
            .map_err(|e| QueryError::BadPeriod(e.to_string()))
    }

    /// How many records of each kind the engine holds.
    pub fn counts(&self) -> BTreeMap<RecordKind, usize> {
        let mut c = BTreeMap::new();
        let count = |v: &[bool]| v.iter().filter(|x| **x).count();
        c.insert(RecordKind::Team, count(&self.teams.exists));
        c.insert(RecordKind::Agent, count(&self.agents.exists));
        c.insert(RecordKind::Customer, count(&self.customers.exists));
        c.insert(RecordKind::Case, count(&self.cases.exists));
        let (mut calls, mut chats) = (0, 0);
        for r in 0..self.contacts.len() {
            if self.contacts.exists[r] {
                if self.contacts.is_chat[r] {
                    chats += 1;
                } else {
                    calls += 1;
                }
            }
        }
        c.insert(RecordKind::Call, calls);
        c.insert(RecordKind::Chat, chats);
        c.insert(RecordKind::Survey, self.surveys.at.len());
        c.insert(RecordKind::Servqual, self.servqual.at.len());
        c.insert(RecordKind::QaReview, self.qa.at.len());
        c.insert(RecordKind::Feedback, self.feedback.at.len());
        c.insert(RecordKind::PlatformReview, self.reviews.at.len());
        c.insert(RecordKind::Engagement, self.engagement.at.len());
        c.insert(RecordKind::Order, self.orders.at.len());
        c.insert(RecordKind::Presence, self.presence.from.len());
        let forecasts = self
            .row_ids
            .get(&RecordKind::StaffingForecast)
            .map_or(0, Interner::len);
        c.insert(RecordKind::StaffingForecast, forecasts);
        c
    }

    /// Loads many records: teams, agents and customers first (so cases are measured against the
    /// right schedules at once), then the rest in the order given.
    pub fn load<'a>(&mut self, records: impl IntoIterator<Item = &'a Record> + Clone) {
        let people = |r: &&Record| {
            matches!(
                r.kind(),
                RecordKind::Team | RecordKind::Agent | RecordKind::Customer
            )
        };
        for r in records.clone().into_iter().filter(people) {
            self.upsert(r);
        }
        for r in records.into_iter().filter(|r| !people(r)) {
            self.upsert(r);
        }
    }

    /// Adds a record, or replaces the record of the same kind and id, and keeps every column
    /// current. Records are expected to be valid ([`Record::validate`]).
    pub fn upsert(&mut self, record: &Record) {
        self.generation += 1;
        match record {
            Record::Team(t) => self.upsert_team(t),
            Record::Agent(a) => self.upsert_agent(a),
            Record::Customer(c) => self.upsert_customer(c),
            Record::Case(c) => self.upsert_case(c),
            Record::Call(c) => self.upsert_call(c),
            Record::Chat(c) => self.upsert_chat(c),
            Record::Survey(s) => {
                let row = self.own_row(RecordKind::Survey, &s.id);
                let (kind, score, good) = self.survey_score(s);
                let agent = self.agent(s.agent_id.as_deref());
                let team = self.team(s.team_id.as_deref());
                let customer = self.customer(s.customer_id.as_deref());
                let case = self.case_ref(s.case_id.as_deref());
                let contact = self.call_ref(s.call_id.as_deref());
                let t = &mut self.surveys;
                put(&mut t.kind, row, kind, 0);
                put(&mut t.at, row, s.at.epoch_millis(), NO_TIME);
                put(&mut t.score, row, score, f64::NAN);
                put(&mut t.good, row, good, false);
                put(&mut t.agent, row, agent, NONE);
                put(&mut t.team, row, team, NONE);
                put(&mut t.customer, row, customer, NONE);
                put(&mut t.case, row, case, NONE);
                put(&mut t.contact, row, contact, NONE);
            }
            Record::Servqual(s) => {
                let row = self.own_row(RecordKind::Servqual, &s.id);
                let customer = self.customer(s.customer_id.as_deref());
                let t = &mut self.servqual;
                put(&mut t.at, row, s.at.epoch_millis(), NO_TIME);
                put(&mut t.dimension, row, idx!(s.dimension), 0);
                put(
                    &mut t.gap,
                    row,
                    (s.perception - s.expectation) as f64,
                    f64::NAN,
                );
                put(&mut t.customer, row, customer, NONE);
            }
            Record::QaReview(q) => {
                let row = self.own_row(RecordKind::QaReview, &q.id);
                let agent = self.agent(Some(&q.agent_id));
                let case = self.case_ref(q.case_id.as_deref());
                let contact = self.call_ref(q.call_id.as_deref());
                let (num, den) = q.criteria.iter().fold((0.0, 0.0), |(n, d), c| {
                    (n + c.score * c.weight, d + c.max * c.weight)
                });
                let pct = if den > 0.0 {
                    num / den * 100.0
                } else {
                    f64::NAN
                };
                let t = &mut self.qa;
                put(&mut t.at, row, q.at.epoch_millis(), NO_TIME);
                put(&mut t.agent, row, agent, NONE);
                put(&mut t.case, row, case, NONE);
                put(&mut t.contact, row, contact, NONE);
                put(&mut t.pct, row, pct, f64::NAN);
            }
            Record::Feedback(f) => {
                let row = self.own_row(RecordKind::Feedback, &f.id);
                let agent = self.agent(f.agent_id.as_deref());
                let customer = self.customer(f.customer_id.as_deref());
                let case = self.case_ref(f.case_id.as_deref());
                let t = &mut self.feedback;
                put(&mut t.at, row, f.at.epoch_millis(), NO_TIME);
                put(
                    &mut t.positive,
                    row,
                    f.polarity == Polarity::Positive,
                    false,
                );
                put(&mut t.agent, row, agent, NONE);
                put(&mut t.customer, row, customer, NONE);
                put(&mut t.case, row, case, NONE);
            }
            Record::PlatformReview(r) => {
                let row = self.own_row(RecordKind::PlatformReview, &r.id);
                put(&mut self.reviews.at, row, r.at.epoch_millis(), NO_TIME);
                put(
                    &mut self.reviews.rating,
                    row,
                    r.rating.clamp(0, 255) as u8,
                    0,
                );
            }
            Record::Engagement(e) => {
                let row = self.own_row(RecordKind::Engagement, &e.id);
                let customer = self.customer(Some(&e.customer_id));
                let activity = self.activity_ids.intern(e.activity.trim());
                let t = &mut self.engagement;
                put(&mut t.at, row, e.at.epoch_millis(), NO_TIME);
                put(&mut t.customer, row, customer, NONE);
                put(&mut t.activity, row, activity, NONE);
            }
            Record::Order(o) => {
                let row = self.own_row(RecordKind::Order, &o.id);
                let customer = self.customer(Some(&o.customer_id));
                let currency = self.currency_ids.intern(&o.currency);
                let t = &mut self.orders;
                put(&mut t.at, row, o.at.epoch_millis(), NO_TIME);
                put(&mut t.customer, row, customer, NONE);
                put(
                    &mut t.amount,
                    row,
                    o.amount.to_f64().unwrap_or(f64::NAN),
                    f64::NAN,
                );
                put(&mut t.currency, row, currency, NONE);
            }
            Record::Presence(p) => {
                let row = self.own_row(RecordKind::Presence, &p.natural_id());
                let agent = self.agent(Some(&p.agent_id));
                let t = &mut self.presence;
                put(&mut t.agent, row, agent, NONE);
                put(&mut t.from, row, p.from.epoch_millis(), NO_TIME);
                put(&mut t.to, row, p.to.epoch_millis(), NO_TIME);
                put(
                    &mut t.logged_in,
                    row,
                    p.state != Some(PresenceState::Away),
                    false,
                );
            }
            Record::StaffingForecast(f) => {
                // Kept for the staffing module (Erlang C); no catalogue metric reads it.
                self.own_row(RecordKind::StaffingForecast, &f.natural_id());
            }
        }
    }

    // ---------------------------------------------------------------- ids and rows

    fn own_row(&mut self, kind: RecordKind, id: &str) -> usize {
        self.row_ids.entry(kind).or_default().intern(id) as usize
    }

    pub(crate) fn team(&mut self, id: Option<&str>) -> u32 {
        let t = self.team_ids.intern_opt(id);
        self.teams.grow(self.team_ids.len());
        if t != NONE && self.teams.clock[t as usize] == NO_CLOCK {
            self.teams.clock[t as usize] = self.compiled.account_schedule.unwrap_or(NO_CLOCK);
        }
        t
    }

    pub(crate) fn agent(&mut self, id: Option<&str>) -> u32 {
        let a = self.agent_ids.intern_opt(id);
        self.agents.grow(self.agent_ids.len());
        a
    }

    pub(crate) fn customer(&mut self, id: Option<&str>) -> u32 {
        let c = self.customer_ids.intern_opt(id);
        self.customers.grow(self.customer_ids.len());
        c
    }

    fn case_ref(&mut self, id: Option<&str>) -> u32 {
        let c = self.case_ids.intern_opt(id);
        self.cases.grow(self.case_ids.len());
        c
    }

    fn call_ref(&mut self, id: Option<&str>) -> u32 {
        let Some(id) = id else { return NONE };
        let k = self.call_ids.intern(id) as usize;
        if k == self.call_rows.len() {
            let row = self.contacts.len();
            self.contacts.grow(row + 1);
            self.call_rows.push(row as u32);
        }
        self.call_rows[k]
    }

    fn chat_ref(&mut self, id: &str) -> u32 {
        let k = self.chat_ids.intern(id) as usize;
        if k == self.chat_rows.len() {
            let row = self.contacts.len();
            self.contacts.grow(row + 1);
            self.contacts.is_chat[row] = true;
            self.chat_rows.push(row as u32);
        }
        self.chat_rows[k]
    }

    // ---------------------------------------------------------------- people

    fn upsert_team(&mut self, t: &Team) {
        let row = self.team(Some(&t.id)) as usize;
        let parent = self.team(t.parent_id.as_deref());
        self.teams.exists[row] = true;
        self.teams.parent[row] = parent;
        self.teams.schedule[row] = t.schedule_id.as_deref().map(Box::from);
        if self.resolve_team_clocks() {
            self.refresh_clocks();
        }
    }

    /// Recomputes every team's schedule; true when one changed.
    fn resolve_team_clocks(&mut self) -> bool {
        let mut changed = false;
        for t in 0..self.teams.exists.len() {
            let mut cur = t as u32;
            let mut found = None;
            for _ in 0..64 {
                if cur == NONE {
                    break;
                }
                let c = cur as usize;
                if self.teams.exists[c]
                    && let Some(name) = &self.teams.schedule[c]
                    && let Some(&i) = self.compiled.schedule_ids.get(&**name)
                {
                    found = Some(i);
                    break;
                }
                cur = self.teams.parent[c];
            }
            let clock = found.or(self.compiled.account_schedule).unwrap_or(NO_CLOCK);
            if self.teams.clock[t] != clock {
                self.teams.clock[t] = clock;
                changed = true;
            }
        }
        changed
    }

    fn upsert_agent(&mut self, a: &Agent) {
        let row = self.agent(Some(&a.id)) as usize;
        let team = self.team(a.team_id.as_deref());
        let old_team = self.agents.team[row];
        self.agents.exists[row] = true;
        self.agents.team[row] = team;
        self.agents.hired[row] = ms_opt(a.hired_at.as_ref());
        self.agents.left[row] = a.left_at.as_ref().map_or(NEVER, Moment::epoch_millis);
        if old_team != team && self.team_clock(old_team) != self.team_clock(team) {
            self.refresh_clocks();
        }
    }

    fn upsert_customer(&mut self, c: &Customer) {
        let row = self.customer(Some(&c.id)) as usize;
        let segment = self.segment_ids.intern_opt(c.segment.as_deref());
        let t = &mut self.customers;
        let old_segment = t.segment[row];
        t.exists[row] = true;
        t.created[row] = ms_opt(c.created_at.as_ref());
        t.ended[row] = c.ended_at.as_ref().map_or(NEVER, Moment::epoch_millis);
        t.segment[row] = segment;
        t.referral[row] = c
            .acquisition_channel
            .as_deref()
            .is_some_and(|s| s.trim().eq_ignore_ascii_case("referral"));
        if old_segment != segment && self.sla_uses_segment {
            let mut case = self.customers.first_case[row];
            let mut rows = Vec::new();
            while case != NONE {
                rows.push(case as usize);
                case = self.cases.next_of_customer[case as usize];
            }
            for r in rows {
                if self.cases.exists[r] {
                    self.recompute_case(r);
                }
            }
        }
    }

    /// The schedule of a team (the account's for no team).
    fn team_clock(&self, team: u32) -> u16 {
        if team == NONE {
            self.compiled.account_schedule.unwrap_or(NO_CLOCK)
        } else {
            self.teams.clock[team as usize]
        }
    }

    /// The schedule a case or contact is measured against: its team's, else its agent's team's,
    /// else the account's.
    fn clock_for(&self, team: u32, agent: u32) -> u16 {
        let team = if team == NONE && agent != NONE {
            self.agents.team[agent as usize]
        } else {
            team
        };
        self.team_clock(team)
    }

    /// Measures again every case and contact whose schedule changed.
    fn refresh_clocks(&mut self) {
        for r in 0..self.cases.len() {
            if self.cases.exists[r]
                && self.cases.clock[r] != self.clock_for(self.cases.team[r], self.cases.agent[r])
            {
                self.recompute_case(r);
            }
        }
        for r in 0..self.contacts.len() {
            let clock = self.clock_for(self.contacts.team[r], self.contacts.agent[r]);
            if self.contacts.exists[r] && self.contacts.clock[r] != clock {
                self.contacts.clock[r] = clock;
                self.measure_contact(r);
            }
        }
    }

    // ---------------------------------------------------------------- cases

    fn upsert_case(&mut self, c: &Case) {
        let row = self.case_ref(Some(&c.id)) as usize;
        let team = self.team(c.team_id.as_deref());
        let agent = self.agent(c.assignee_id.as_deref());
        let customer = self.customer(c.customer_id.as_deref());
        let mut tags: Vec<u32> = c
            .tags
            .iter()
            .map(|t| self.tag_ids.intern(t.trim()))
            .collect();
        tags.sort_unstable();
        tags.dedup();
        let mut events = Vec::with_capacity(c.events.len());
        for e in &c.events {
            let agent = self.agent(e.agent_id.as_deref());
            let team = self.team(e.team_id.as_deref());
            events.push(Ev {
                at: e.at.epoch_millis(),
                agent,
                team,
                kind: idx!(e.kind),
                author: opt_u8(e.author, |a| idx!(a)),
                public: opt_bool(e.public),
                automatic: opt_bool(e.automatic),
                status: opt_u8(e.status, |s| idx!(s)),
            });
        }
        let old_customer = self.cases.customer[row];
        if old_customer != customer || !self.cases.exists[row] {
            if self.cases.exists[row] {
                self.unlink_customer_case(old_customer, row);
            }
            if customer != NONE {
                self.cases.next_of_customer[row] = self.customers.first_case[customer as usize];
                self.customers.first_case[customer as usize] = row as u32;
            }
        }
        let t = &mut self.cases;
        t.exists[row] = true;
        t.created[row] = c.created_at.epoch_millis();
        t.channel[row] = idx!(c.channel);
        t.priority[row] = opt_u8(c.priority, |p| idx!(p));
        t.ctype[row] = opt_u8(c.case_type, |p| idx!(p));
        t.team[row] = team;
        t.agent[row] = agent;
        t.customer[row] = customer;
        t.tags.set(row, &tags);
        t.events.set(row, &events);
        t.repeat_key[row] = if customer == NONE {
            0
        } else {
            let mut h = FxHasher::default();
            h.write_u32(customer);
            h.write_u8(t.ctype[row]);
            h.write_usize(tags.len());
            for tag in &tags {
                h.write_u32(*tag);
            }
            h.finish() | 1
        };
        self.compute_case(row, c);
    }

    fn unlink_customer_case(&mut self, customer: u32, row: usize) {
        if customer == NONE {
            return;
        }
        let next = self.cases.next_of_customer[row];
        let head = &mut self.customers.first_case[customer as usize];
        if *head == row as u32 {
            *head = next;
        } else {
            let mut cur = *head;
            while cur != NONE {
                let n = self.cases.next_of_customer[cur as usize];
                if n == row as u32 {
                    self.cases.next_of_customer[cur as usize] = next;
                    break;
                }
                cur = n;
            }
        }
        self.cases.next_of_customer[row] = NONE;
    }

    /// The case of `row` rebuilt from the columns (instants to the millisecond).
    fn rebuild_case(&self, row: usize) -> Case {
        let t = &self.cases;
        let name = |i: &Interner, id: u32| (id != NONE).then(|| i.name(id).to_string());
        let moment = |ms: i64| Moment::from_epoch_millis(ms).expect("an instant in range");
        let events = t
            .events
            .get(row)
            .iter()
            .map(|e| CaseEvent {
                at: moment(e.at),
                kind: EventKind::ALL[e.kind as usize],
                author: (e.author != NO_U8).then(|| Author::ALL[e.author as usize]),
                public: (e.public != NO_U8).then_some(e.public == 1),
                automatic: (e.automatic != NO_U8).then_some(e.automatic == 1),
                agent_id: name(&self.agent_ids, e.agent),
                team_id: name(&self.team_ids, e.team),
                status: (e.status != NO_U8).then(|| Status::ALL[e.status as usize]),
            })
            .collect();
        Case {
            id: self.case_ids.name(row as u32).to_string(),
            channel: Channel::ALL[t.channel[row] as usize],
            created_at: moment(t.created[row]),
            customer_id: name(&self.customer_ids, t.customer[row]),
            team_id: name(&self.team_ids, t.team[row]),
            assignee_id: name(&self.agent_ids, t.agent[row]),
            priority: (t.priority[row] != NO_U8).then(|| Priority::ALL[t.priority[row] as usize]),
            case_type: (t.ctype[row] != NO_U8).then(|| CaseType::ALL[t.ctype[row] as usize]),
            tags: t
                .tags
                .get(row)
                .iter()
                .map(|&g| self.tag_ids.name(g).to_string())
                .collect(),
            subject: None,
            events,
        }
    }

    fn recompute_case(&mut self, row: usize) {
        let case = self.rebuild_case(row);
        self.compute_case(row, &case);
    }

    /// Computes and stores the facts of `case` (already written to the row's attributes).
    fn compute_case(&mut self, row: usize, case: &Case) {
        let clock_idx = self.clock_for(self.cases.team[row], self.cases.agent[row]);
        let customer = self.cases.customer[row];
        let segment = if customer == NONE {
            None
        } else {
            let s = self.customers.segment[customer as usize];
            (s != NONE).then(|| self.segment_ids.name(s))
        };
        let d = self.derive(case, clock_idx, segment);
        let bus_epoch = self.account_business_offset(self.cases.created[row]);
        let t = &mut self.cases;
        t.bus_epoch[row] = bus_epoch;
        t.clock[row] = clock_idx;
        t.first_reply[row] = d.first_reply;
        for k in [CAL, BUS] {
            t.frt[k][row] = d.frt[k];
            t.resolution[k][row] = d.resolution[k];
            t.first_resolution[k][row] = d.first_resolution[k];
            t.requester_wait[k][row] = d.requester_wait[k];
            t.agent_wait[k][row] = d.agent_wait[k];
            t.on_hold[k][row] = d.on_hold[k];
        }
        t.first_solve[row] = d.first_solve;
        t.last_solve[row] = d.last_solve;
        t.reopen_after[row] = d.reopen_after;
        t.reopened[row] = d.reopened;
        t.touches[row] = d.touches;
        t.last_change[row] = d.last_change;
        t.final_status[row] = d.final_status;
        t.statuses.set(row, &d.statuses);
        t.backlog_from[CAL][row] = d.backlog_from[CAL];
        t.backlog_from[BUS][row] = d.backlog_from[BUS];
        t.exchanges.set(row, &d.exchanges);
        t.replies.set(row, &d.replies);
        t.assigns.set(row, &d.assigns);
        t.assigned_at[row] = d.assigned_at;
        t.sla[row] = d.sla;
    }

    /// Everything the case columns hold, from one pass of [`CaseFacts::compute`] plus the engine's
    /// own reductions (waits up to the last solve, agent-days, SLA due times).
    fn derive(&self, case: &Case, clock_idx: u16, segment: Option<&str>) -> Derived {
        let schedules = &self.compiled.schedules;
        let clock = clock_of(schedules, (clock_idx != NO_CLOCK).then_some(clock_idx));
        let facts = CaseFacts::compute(case, clock);
        let created_ts = case.created_at.instant();
        let created = ms(created_ts);
        let never = [f64::NAN; 2];

        let last = facts.solves.last().copied();
        let first = facts.solves.first().copied();
        let (resolution, first_resolution, touches, reopen_after) = match (first, last) {
            (Some(f), Some(l)) => (
                secs(Elapsed::between(created_ts, l, clock)),
                secs(Elapsed::between(created_ts, f, clock)),
                facts
                    .replies
                    .partition_point(|r| r.at <= l)
                    .min(u16::MAX as usize) as u16,
                facts
                    .reopens
                    .iter()
                    .find(|&&r| r > l)
                    .map_or(NEVER, |&r| ms(r)),
            ),
            _ => (never, never, 0, NEVER),
        };

        // Time in each unsolved status from creation to the last solve.
        let mut waits = [Elapsed::ZERO; 4]; // new, open, pending, on_hold
        if let Some(l) = last {
            let mut since = created_ts;
            let mut status = Status::New;
            for c in &facts.statuses {
                let end = c.at.min(l);
                if end > since && !status.is_solved() {
                    waits[status as usize] += Elapsed::between(since, end, clock);
                }
                if c.at >= l {
                    break;
                }
                since = c.at;
                status = c.status;
            }
        }
        let has_solve = last.is_some();
        let pair = |e: Elapsed| if has_solve { secs(e) } else { never };
        let requester_wait = pair(waits[0] + waits[1] + waits[3]);
        let agent_wait = pair(waits[2]);
        let on_hold = pair(waits[3]);

        let age = SignedDuration::try_from_secs_f64(self.config.backlog.age_hours * 3600.0)
            .unwrap_or(SignedDuration::MAX);
        let backlog_bus = clock.add_business(created_ts, age).map_or(NEVER, ms);
        let backlog_cal = created_ts.checked_add(age).map_or(NEVER, ms);

        let exchanges = facts
            .exchanges
            .iter()
            .filter(|x| x.answered)
            .map(|x| Exch {
                from: ms(x.from),
                at: ms(x.to),
                wait: secs(x.wait),
            })
            .collect();
        let replies = facts
            .replies
            .iter()
            .map(|r| ReplyAt {
                at: ms(r.at),
                day: local_day_number(&self.compiled.tz, ms(r.at)),
                agent: r
                    .agent_id
                    .as_deref()
                    .and_then(|a| self.agent_ids.get(a))
                    .unwrap_or(NONE),
            })
            .collect();

        // Agent-days: each assignment to an agent, on its local day, done when a solve follows
        // the same local day while the agent is still assigned.
        let tz = &self.compiled.tz;
        let mut assigns: Vec<AssignDay> = Vec::new();
        for (i, a) in facts.agents.iter().enumerate() {
            let agent = self.agent_ids.get(&a.id).unwrap_or(NONE);
            let at = ms(a.at);
            let until = facts.agents.get(i + 1).map_or(NEVER, |n| ms(n.at));
            let day = local_day_number(tz, at);
            let done = facts.solves.iter().any(|&s| {
                let s = ms(s);
                s >= at && s < until && local_day_number(tz, s) == day
            });
            match assigns
                .iter_mut()
                .find(|x| x.agent == agent && x.day == day)
            {
                Some(x) => x.done |= done,
                None => assigns.push(AssignDay { day, agent, done }),
            }
        }

        let assigned_at = facts
            .assigned_to_final_agent_at
            .or(facts.assigned_to_final_team_at)
            .map_or(created, ms);

        let mut sla = SlaCol::default();
        let now = facts
            .statuses
            .last()
            .map_or(created_ts, |c| c.at)
            .max(facts.replies.last().map_or(created_ts, |r| r.at));
        if let Some(outcome) = self.config.sla.evaluate(&facts, segment, clock, now) {
            // When the case is due: its latest first-reply or resolution due time (its latest
            // next-reply one only when it has no other target).
            let (mut due_main, mut due_any) = (NO_TIME, NO_TIME);
            for t in &outcome.targets {
                let k = match t.kind {
                    SlaTargetKind::FirstReply => FIRST_REPLY,
                    SlaTargetKind::NextReply => NEXT_REPLY,
                    SlaTargetKind::Resolution => RESOLUTION,
                };
                sla.has_any = true;
                if k != NEXT_REPLY {
                    sla.has_main = true;
                }
                let due = ms(t.due_at.or(t.fulfilled_at).unwrap_or(t.started_at));
                due_any = due_any.max(due);
                if k != NEXT_REPLY {
                    due_main = due_main.max(due);
                }
                if t.fulfilled_at.is_some() {
                    if t.status == SlaStatus::Breached {
                        sla.breaches[k] = sla.breaches[k].saturating_add(1);
                        if k != NEXT_REPLY {
                            sla.main_breached = true;
                        }
                    }
                } else {
                    // Breached once more than the target has elapsed on its clock: from the
                    // first instant the clock runs after the due time (a target due at closing
                    // time is breached at the next opening, not overnight). Stored as that
                    // instant − 1 ms, so `due < now` reads "breached at now".
                    let d = t.due_at.map_or(NEVER, |due| {
                        t.target
                            .hours
                            .add(clock, due, SignedDuration::from_millis(1))
                            .map_or(NEVER, |b| ms(b) - 1)
                    });
                    let slot = &mut sla.pending_due[k];
                    *slot = if *slot == NO_TIME { d } else { (*slot).min(d) };
                }
            }
            sla.due = if sla.has_main { due_main } else { due_any };
        }

        Derived {
            first_reply: facts.first_reply_at.map_or(NO_TIME, ms),
            frt: facts.frt.map_or(never, secs),
            first_solve: first.map_or(NO_TIME, ms),
            last_solve: last.map_or(NO_TIME, ms),
            reopen_after,
            reopened: !facts.reopens.is_empty(),
            resolution,
            first_resolution,
            touches,
            requester_wait,
            agent_wait,
            on_hold,
            last_change: facts.statuses.last().map_or(NO_TIME, |c| ms(c.at)),
            final_status: idx!(facts.status()),
            statuses: facts
                .statuses
                .iter()
                .map(|c| StatusAt {
                    at: ms(c.at),
                    status: idx!(c.status),
                })
                .collect(),
            backlog_from: [backlog_cal, backlog_bus],
            exchanges,
            replies,
            assigns,
            assigned_at,
            sla,
        }
    }

    // ---------------------------------------------------------------- calls and chats

    fn upsert_call(&mut self, c: &Call) {
        let row = self.call_ref(Some(&c.id)) as usize;
        self.put_contact(
            row,
            ContactView {
                channel: Channel::Phone,
                queued_at: c.queued_at.as_ref(),
                attempted_at: c.attempted_at.as_ref(),
                outcome: c.outcome,
                answered_at: c.answered_at.as_ref(),
                ended_at: c.ended_at.as_ref(),
                agent_id: c.agent_id.as_deref(),
                team_id: c.team_id.as_deref(),
                customer_id: c.customer_id.as_deref(),
                parts: [c.talk_s, c.hold_s, c.wrap_s],
                rfc: c.resolved_first_contact,
                case_id: c.case_id.as_deref(),
                messages: &[],
            },
        );
    }

    fn upsert_chat(&mut self, c: &Chat) {
        let row = self.chat_ref(&c.id) as usize;
        self.put_contact(
            row,
            ContactView {
                channel: c.channel.unwrap_or(Channel::Chat),
                queued_at: c.queued_at.as_ref(),
                attempted_at: c.attempted_at.as_ref(),
                outcome: c.outcome,
                answered_at: c.answered_at.as_ref(),
                ended_at: c.ended_at.as_ref(),
                agent_id: c.agent_id.as_deref(),
                team_id: c.team_id.as_deref(),
                customer_id: c.customer_id.as_deref(),
                parts: [c.talk_s, c.hold_s, c.wrap_s],
                rfc: c.resolved_first_contact,
                case_id: c.case_id.as_deref(),
                messages: &c.messages,
            },
        );
    }

    fn put_contact(&mut self, row: usize, c: ContactView<'_>) {
        let agent = self.agent(c.agent_id);
        let team = self.team(c.team_id);
        let customer = self.customer(c.customer_id);
        let case = self.case_ref(c.case_id);
        let clock = self.clock_for(team, agent);
        let bus_epoch = self.account_business_offset(ms_opt(c.queued_at.or(c.attempted_at)));
        let t = &mut self.contacts;
        t.exists[row] = true;
        t.bus_epoch[row] = bus_epoch;
        t.channel[row] = idx!(c.channel);
        t.outcome[row] = idx!(c.outcome);
        t.queued[row] = ms_opt(c.queued_at);
        t.arrived[row] = ms_opt(c.queued_at.or(c.attempted_at));
        t.answered[row] = ms_opt(c.answered_at);
        t.ended[row] = ms_opt(c.ended_at);
        t.abandon_wait[row] = match (c.outcome, c.queued_at, c.ended_at) {
            (Outcome::Abandoned, Some(q), Some(e)) => e.since(q).as_secs_f64().max(0.0),
            _ => f64::NAN,
        };
        t.handle[row] = if c.parts.iter().any(Option::is_some) {
            c.parts.iter().flatten().sum()
        } else {
            f64::NAN
        };
        t.rfc[row] = opt_bool(c.rfc);
        t.agent[row] = agent;
        t.team[row] = team;
        t.customer[row] = customer;
        t.case[row] = case;
        t.clock[row] = clock;
        // Chat exchanges: the first unanswered customer message → the next agent message.
        let mut messages: Vec<&ChatMessage> = c.messages.iter().collect();
        messages.sort_by_key(|m| m.at.instant());
        let mut exchanges = Vec::new();
        let mut waiting: Option<i64> = None;
        for m in messages {
            if m.automatic == Some(true) {
                continue;
            }
            match m.author {
                Author::Customer => {
                    waiting.get_or_insert(m.at.epoch_millis());
                }
                Author::Agent => {
                    if let Some(from) = waiting.take() {
                        exchanges.push(Exch {
                            from,
                            at: m.at.epoch_millis(),
                            wait: [f64::NAN; 2],
                        });
                    }
                }
                Author::System => {}
            }
        }
        t.exchanges.set(row, &exchanges);
        self.measure_contact(row);
    }

    /// The queue wait and chat exchanges of a contact on both clocks.
    fn measure_contact(&mut self, row: usize) {
        let schedules = &self.compiled.schedules;
        let t = &mut self.contacts;
        let c = t.clock[row];
        let clock = clock_of(schedules, (c != NO_CLOCK).then_some(c));
        let measure = |from: i64, to: i64| -> [f64; 2] {
            let e = Elapsed::between(crate::time::ts(from), crate::time::ts(to), clock);
            secs(e)
        };
        let (q, a) = (t.queued[row], t.answered[row]);
        let w = if q != NO_TIME && a != NO_TIME {
            measure(q, a)
        } else {
            [f64::NAN; 2]
        };
        t.wait[CAL][row] = w[CAL];
        t.wait[BUS][row] = w[BUS];
        let mut exchanges = t.exchanges.get(row).to_vec();
        if !exchanges.is_empty() {
            for x in &mut exchanges {
                x.wait = measure(x.from, x.at);
            }
            t.exchanges.set(row, &exchanges);
        }
    }

    /// Business seconds of the account's schedule from 2000-01-01T00:00Z to `t` (negative
    /// before it; NaN for no instant).
    fn account_business_offset(&self, t: i64) -> f64 {
        const EPOCH: i64 = 946_684_800_000;
        if t == NO_TIME {
            return f64::NAN;
        }
        let Some(i) = self.compiled.account_schedule else {
            return (t - EPOCH) as f64 / 1000.0;
        };
        let s = &self.compiled.schedules[i as usize];
        let (a, b) = (crate::time::ts(EPOCH), crate::time::ts(t));
        if t >= EPOCH {
            s.business_duration(a, b).as_secs_f64()
        } else {
            -s.business_duration(b, a).as_secs_f64()
        }
    }

    // ---------------------------------------------------------------- surveys

    /// (kind, normalised score, satisfied/easy).
    fn survey_score(&self, s: &carekpi_domain::records::SurveyResponse) -> (u8, f64, bool) {
        let scale = s.effective_scale();
        let frac = if scale.max > scale.min {
            (s.score - scale.min) as f64 / (scale.max - scale.min) as f64
        } else {
            f64::NAN
        };
        match s.survey {
            SurveyKind::Nps => (idx!(s.survey), s.score as f64, s.score >= 9),
            SurveyKind::Csat => {
                let c = &self.config.csat;
                let (lo, hi) = (c.scale.min as f64, c.scale.max as f64);
                let score = lo + frac * (hi - lo);
                (idx!(s.survey), score, score >= c.satisfied_from - 1e-9)
            }
            SurveyKind::Ces => {
                let score = 1.0 + frac * 6.0;
                (idx!(s.survey), score, score >= 5.0 - 1e-9)
            }
        }
    }
}

/// The fields calls and chats share.
struct ContactView<'a> {
    channel: Channel,
    queued_at: Option<&'a Moment>,
    attempted_at: Option<&'a Moment>,
    outcome: Outcome,
    answered_at: Option<&'a Moment>,
    ended_at: Option<&'a Moment>,
    agent_id: Option<&'a str>,
    team_id: Option<&'a str>,
    customer_id: Option<&'a str>,
    parts: [Option<f64>; 3],
    rfc: Option<bool>,
    case_id: Option<&'a str>,
    messages: &'a [ChatMessage],
}

/// Vocabulary lookups from column bytes.
pub(crate) fn servqual_dimension(i: u8) -> ServqualDimension {
    ServqualDimension::ALL[i as usize]
}
