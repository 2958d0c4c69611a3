//! The columns: one struct of arrays per record kind. Rows of referenced kinds (teams, agents,
//! customers, cases, calls, chats) are allocated the first time an id is seen — as a record or as
//! a reference from another record — and marked `exists` when the record itself arrives, so
//! records can come in any order.
//!
//! Instants are epoch milliseconds (`NO_TIME` when absent, `NEVER` for "not yet / never");
//! durations are seconds as f64 (NaN when absent); enums are their u8 index in the domain's
//! vocabulary (`NO_U8` when absent); ids are interned u32 (`NONE` when absent).

use crate::util::{NEVER, NO_TIME, NO_U8, NONE, Ragged, grow};

/// Index of the calendar and business variants in duration column pairs.
pub(crate) const CAL: usize = 0;
pub(crate) const BUS: usize = 1;

/// "No schedule" in a clock column: 24/7.
pub(crate) const NO_CLOCK: u16 = u16::MAX;

#[derive(Clone, Debug, Default)]
pub(crate) struct Teams {
    pub exists: Vec<bool>,
    pub parent: Vec<u32>,
    pub schedule: Vec<Option<Box<str>>>,
    /// The schedule in force (own, else the nearest parent's, else the account's).
    pub clock: Vec<u16>,
}

impl Teams {
    pub fn grow(&mut self, n: usize) {
        grow(&mut self.exists, n, false);
        grow(&mut self.parent, n, NONE);
        grow(&mut self.schedule, n, None);
        grow(&mut self.clock, n, NO_CLOCK);
    }
}

#[derive(Clone, Debug, Default)]
pub(crate) struct Agents {
    pub exists: Vec<bool>,
    pub team: Vec<u32>,
    pub hired: Vec<i64>,
    pub left: Vec<i64>,
}

impl Agents {
    pub fn grow(&mut self, n: usize) {
        grow(&mut self.exists, n, false);
        grow(&mut self.team, n, NONE);
        grow(&mut self.hired, n, NO_TIME);
        grow(&mut self.left, n, NEVER);
    }
}

#[derive(Clone, Debug, Default)]
pub(crate) struct Customers {
    pub exists: Vec<bool>,
    /// Acquired (NO_TIME: unknown, taken as "always a customer").
    pub created: Vec<i64>,
    /// Churned (NEVER: still a customer).
    pub ended: Vec<i64>,
    pub segment: Vec<u32>,
    pub referral: Vec<bool>,
    /// Head of the customer's list of cases (threaded through `Cases::next_of_customer`).
    pub first_case: Vec<u32>,
}

impl Customers {
    pub fn grow(&mut self, n: usize) {
        grow(&mut self.exists, n, false);
        grow(&mut self.created, n, NO_TIME);
        grow(&mut self.ended, n, NEVER);
        grow(&mut self.segment, n, NONE);
        grow(&mut self.referral, n, false);
        grow(&mut self.first_case, n, NONE);
    }
}

/// A case event, compact, so facts can be recomputed when a schedule or a segment changes.
#[derive(Clone, Copy, Debug, PartialEq)]
pub(crate) struct Ev {
    pub at: i64,
    pub agent: u32,
    pub team: u32,
    pub kind: u8,
    pub author: u8,
    /// 0 false, 1 true, NO_U8 absent.
    pub public: u8,
    pub automatic: u8,
    pub status: u8,
}

/// One measured wait for avg_response_time: the reply instant and the wait on both clocks.
#[derive(Clone, Copy, Debug, PartialEq)]
pub(crate) struct Exch {
    pub from: i64,
    pub at: i64,
    pub wait: [f64; 2],
}

/// A public agent reply.
#[derive(Clone, Copy, Debug, PartialEq)]
pub(crate) struct ReplyAt {
    pub at: i64,
    pub agent: u32,
    /// The local day (account zone) of `at`, days since 1970-01-01.
    pub day: i32,
}

/// A case assigned to an agent on a local day, and whether the agent solved it that day.
#[derive(Clone, Copy, Debug, PartialEq)]
pub(crate) struct AssignDay {
    pub day: i32,
    pub agent: u32,
    pub done: bool,
}

/// A status change.
#[derive(Clone, Copy, Debug, PartialEq)]
pub(crate) struct StatusAt {
    pub at: i64,
    pub status: u8,
}

/// A case's SLA outcome, reduced to what does not depend on `now` plus the due times of the
/// targets still running.
#[derive(Clone, Copy, Debug, PartialEq)]
pub(crate) struct SlaCol {
    /// A policy applies with a first-reply or resolution target.
    pub has_main: bool,
    /// A policy applies (any target).
    pub has_any: bool,
    /// A fulfilled first-reply or resolution target was breached.
    pub main_breached: bool,
    /// Fulfilled targets breached, by kind (first reply, next reply, resolution).
    pub breaches: [u16; 3],
    /// Due time of the unfulfilled target of each kind (NO_TIME: none; NEVER: clock paused).
    pub pending_due: [i64; 3],
    /// When the case is due: its latest target due time.
    pub due: i64,
}

impl Default for SlaCol {
    fn default() -> Self {
        Self {
            has_main: false,
            has_any: false,
            main_breached: false,
            breaches: [0; 3],
            pending_due: [NO_TIME; 3],
            due: NO_TIME,
        }
    }
}

/// First reply, next reply, resolution.
pub(crate) const FIRST_REPLY: usize = 0;
pub(crate) const NEXT_REPLY: usize = 1;
pub(crate) const RESOLUTION: usize = 2;

impl SlaCol {
    /// Breached targets of each kind at `now`.
    #[inline]
    pub fn breaches_at(&self, now: i64) -> [u32; 3] {
        let mut b = [0u32; 3];
        for (k, slot) in b.iter_mut().enumerate() {
            let due = self.pending_due[k];
            *slot = u32::from(self.breaches[k]) + u32::from(due != NO_TIME && due < now);
        }
        b
    }

    /// sla_compliance at `now`: Some(true) all first-reply and resolution targets met,
    /// Some(false) one breached, None still running (or no such target).
    #[inline]
    pub fn met_at(&self, now: i64) -> Option<bool> {
        if !self.has_main {
            return None;
        }
        if self.main_breached {
            return Some(false);
        }
        let mut running = false;
        for k in [FIRST_REPLY, RESOLUTION] {
            let due = self.pending_due[k];
            if due == NO_TIME {
                continue;
            }
            if due < now {
                return Some(false);
            }
            running = true;
        }
        (!running).then_some(true)
    }
}

#[derive(Clone, Debug, Default)]
pub(crate) struct Cases {
    pub exists: Vec<bool>,
    pub created: Vec<i64>,
    pub channel: Vec<u8>,
    pub priority: Vec<u8>,
    pub ctype: Vec<u8>,
    pub team: Vec<u32>,
    pub agent: Vec<u32>,
    pub customer: Vec<u32>,
    pub tags: Ragged<u32>,
    pub events: Ragged<Ev>,
    /// The schedule the business variants were measured with.
    pub clock: Vec<u16>,
    // ---- facts ----
    pub first_reply: Vec<i64>,
    pub frt: [Vec<f64>; 2],
    pub first_solve: Vec<i64>,
    pub last_solve: Vec<i64>,
    /// The reopen after the last solve (NEVER: none; the case is solved now).
    pub reopen_after: Vec<i64>,
    pub reopened: Vec<bool>,
    pub resolution: [Vec<f64>; 2],
    pub first_resolution: [Vec<f64>; 2],
    /// Public agent replies up to the last solve.
    pub touches: Vec<u16>,
    pub requester_wait: [Vec<f64>; 2],
    pub agent_wait: [Vec<f64>; 2],
    pub on_hold: [Vec<f64>; 2],
    /// The last status change (NO_TIME: none, the case is new).
    pub last_change: Vec<i64>,
    pub final_status: Vec<u8>,
    pub statuses: Ragged<StatusAt>,
    /// When the case reaches the configured backlog age (calendar, business).
    pub backlog_from: [Vec<i64>; 2],
    pub exchanges: Ragged<Exch>,
    pub replies: Ragged<ReplyAt>,
    pub assigns: Ragged<AssignDay>,
    /// When first assigned to the current agent (else team, else creation): resolution_rate.
    pub assigned_at: Vec<i64>,
    pub sla: Vec<SlaCol>,
    /// (customer, type, tags) for FCR's repeat rule; 0 without a customer.
    pub repeat_key: Vec<u64>,
    pub next_of_customer: Vec<u32>,
    /// Business seconds of the account's schedule from 2000-01-01 to the creation (so the
    /// business time between two cases is a difference).
    pub bus_epoch: Vec<f64>,
}

impl Cases {
    pub fn grow(&mut self, n: usize) {
        grow(&mut self.exists, n, false);
        grow(&mut self.created, n, NO_TIME);
        grow(&mut self.channel, n, 0);
        grow(&mut self.priority, n, NO_U8);
        grow(&mut self.ctype, n, NO_U8);
        grow(&mut self.team, n, NONE);
        grow(&mut self.agent, n, NONE);
        grow(&mut self.customer, n, NONE);
        grow(&mut self.clock, n, NO_CLOCK);
        grow(&mut self.first_reply, n, NO_TIME);
        for v in [
            &mut self.frt,
            &mut self.resolution,
            &mut self.first_resolution,
            &mut self.requester_wait,
            &mut self.agent_wait,
            &mut self.on_hold,
        ] {
            grow(&mut v[0], n, f64::NAN);
            grow(&mut v[1], n, f64::NAN);
        }
        grow(&mut self.first_solve, n, NO_TIME);
        grow(&mut self.last_solve, n, NO_TIME);
        grow(&mut self.reopen_after, n, NEVER);
        grow(&mut self.reopened, n, false);
        grow(&mut self.touches, n, 0);
        grow(&mut self.last_change, n, NO_TIME);
        grow(&mut self.final_status, n, 0);
        grow(&mut self.backlog_from[0], n, NEVER);
        grow(&mut self.backlog_from[1], n, NEVER);
        grow(&mut self.assigned_at, n, NO_TIME);
        grow(&mut self.sla, n, SlaCol::default());
        grow(&mut self.repeat_key, n, 0);
        grow(&mut self.next_of_customer, n, NONE);
        grow(&mut self.bus_epoch, n, f64::NAN);
    }

    pub fn len(&self) -> usize {
        self.exists.len()
    }

    /// The status (vocabulary index) in force just before `t`: the last change strictly before
    /// `t`, `new` before any. "The status at the end of [from, to)" is `status_before(to)`.
    #[inline]
    pub fn status_before(&self, row: usize, t: i64) -> u8 {
        let last = self.last_change[row];
        if last != NO_TIME && last < t {
            return self.final_status[row];
        }
        let list = self.statuses.get(row);
        let i = list.partition_point(|s| s.at < t);
        if i == 0 { 0 } else { list[i - 1].status }
    }
}

#[derive(Clone, Debug, Default)]
pub(crate) struct Contacts {
    pub exists: Vec<bool>,
    pub is_chat: Vec<bool>,
    pub channel: Vec<u8>,
    pub outcome: Vec<u8>,
    /// queued_at, or attempted_at for a blocked contact.
    pub arrived: Vec<i64>,
    pub queued: Vec<i64>,
    pub answered: Vec<i64>,
    pub ended: Vec<i64>,
    /// answered − queued (calendar, business).
    pub wait: [Vec<f64>; 2],
    /// ended − queued of an abandoned contact (NaN: unknown).
    pub abandon_wait: Vec<f64>,
    /// talk + hold + wrap (NaN: none given).
    pub handle: Vec<f64>,
    /// resolved_first_contact: 0 false, 1 true, NO_U8 absent.
    pub rfc: Vec<u8>,
    pub agent: Vec<u32>,
    pub team: Vec<u32>,
    pub customer: Vec<u32>,
    pub case: Vec<u32>,
    pub clock: Vec<u16>,
    /// Chat message exchanges.
    pub exchanges: Ragged<Exch>,
    /// Business seconds of the account's schedule from 2000-01-01 to the arrival.
    pub bus_epoch: Vec<f64>,
}

impl Contacts {
    pub fn grow(&mut self, n: usize) {
        grow(&mut self.exists, n, false);
        grow(&mut self.is_chat, n, false);
        grow(&mut self.channel, n, 0);
        grow(&mut self.outcome, n, 0);
        grow(&mut self.arrived, n, NO_TIME);
        grow(&mut self.queued, n, NO_TIME);
        grow(&mut self.answered, n, NO_TIME);
        grow(&mut self.ended, n, NO_TIME);
        grow(&mut self.wait[0], n, f64::NAN);
        grow(&mut self.wait[1], n, f64::NAN);
        grow(&mut self.abandon_wait, n, f64::NAN);
        grow(&mut self.handle, n, f64::NAN);
        grow(&mut self.rfc, n, NO_U8);
        grow(&mut self.agent, n, NONE);
        grow(&mut self.team, n, NONE);
        grow(&mut self.customer, n, NONE);
        grow(&mut self.case, n, NONE);
        grow(&mut self.clock, n, NO_CLOCK);
        grow(&mut self.bus_epoch, n, f64::NAN);
    }

    pub fn len(&self) -> usize {
        self.exists.len()
    }
}

#[derive(Clone, Debug, Default)]
pub(crate) struct Surveys {
    pub kind: Vec<u8>,
    pub at: Vec<i64>,
    /// NPS: 0–10 as given; CSAT: on the configured scale; CES: on 1–7.
    pub score: Vec<f64>,
    /// CSAT: satisfied; CES: easy (≥ 5).
    pub good: Vec<bool>,
    pub agent: Vec<u32>,
    pub team: Vec<u32>,
    pub customer: Vec<u32>,
    pub case: Vec<u32>,
    pub contact: Vec<u32>,
}

#[derive(Clone, Debug, Default)]
pub(crate) struct Servqual {
    pub at: Vec<i64>,
    pub dimension: Vec<u8>,
    pub gap: Vec<f64>,
    pub customer: Vec<u32>,
}

#[derive(Clone, Debug, Default)]
pub(crate) struct QaReviews {
    pub at: Vec<i64>,
    pub agent: Vec<u32>,
    pub case: Vec<u32>,
    pub contact: Vec<u32>,
    /// (Σ score × weight) / (Σ max × weight) × 100.
    pub pct: Vec<f64>,
}

#[derive(Clone, Debug, Default)]
pub(crate) struct FeedbackRows {
    pub at: Vec<i64>,
    pub positive: Vec<bool>,
    pub agent: Vec<u32>,
    pub customer: Vec<u32>,
    pub case: Vec<u32>,
}

#[derive(Clone, Debug, Default)]
pub(crate) struct Reviews {
    pub at: Vec<i64>,
    pub rating: Vec<u8>,
}

#[derive(Clone, Debug, Default)]
pub(crate) struct Engagements {
    pub at: Vec<i64>,
    pub customer: Vec<u32>,
    pub activity: Vec<u32>,
}

#[derive(Clone, Debug, Default)]
pub(crate) struct Orders {
    pub at: Vec<i64>,
    pub customer: Vec<u32>,
    pub amount: Vec<f64>,
    pub currency: Vec<u32>,
}

#[derive(Clone, Debug, Default)]
pub(crate) struct Presence {
    pub agent: Vec<u32>,
    pub from: Vec<i64>,
    pub to: Vec<i64>,
    /// Logged in and not away (available or busy; no state given counts as available).
    pub logged_in: Vec<bool>,
}

/// Sets `v[row] = x`, growing `v` with `fill` first (for tables whose rows are only created by
/// their own records).
#[inline]
pub(crate) fn put<T: Clone>(v: &mut Vec<T>, row: usize, x: T, fill: T) {
    if v.len() <= row {
        v.resize(row + 1, fill);
    }
    v[row] = x;
}
