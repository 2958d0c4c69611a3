//! CareKPI demo data: a deterministic, realistic 12-month dataset for one online retailer's
//! customer service, so that every metric of the catalogue has something to show.
//!
//! The account lives in `Asia/Ho_Chi_Minh`; the window is fixed (2025-11-01 to 2026-10-31 local
//! time), so the data never depends on today's date. The org tree is a company with two
//! departments and four service teams:
//!
//! | team | schedule | zone |
//! |---|---|---|
//! | `hcm-support` (HCM Support) | `vn-office`: Mon–Fri 08–18, Sat 08–12, closed on VN holidays | Asia/Ho_Chi_Minh |
//! | `hn-support` (Hà Nội Support) | `vn-office` | Asia/Ho_Chi_Minh |
//! | `vn-vip` (VIP & Escalations) | `vn-extended`: every day 07–22, closed the first days of Tết | Asia/Ho_Chi_Minh |
//! | `berlin-support` (Berlin Support) | `berlin-office`: Mon–Fri 09–18, closed on Berlin holidays | Europe/Berlin |
//!
//! What the dataset holds (about 6.75 records per case; the default 20,000 cases give ~135,000):
//! - agents per team (Vietnamese names in Vietnam, German in Berlin), about one per 1,200 cases a
//!   year plus a lead per team (the QA reviewer); about a fifth leave during the year and are
//!   replaced, and new positions open as volume grows. Each agent has a skill factor, so
//!   scorecards differ;
//! - customers (0.35 per case): an existing base plus acquisitions during the year (14 % by
//!   referral, with `referred_by`), segments, about 13 % churning;
//! - cases with office-hour and weekday seasonality, Vietnamese holidays (Tết) and double-day
//!   sales surges, about 5.4 events each: the customer's message, sometimes an automatic
//!   acknowledgement, assignment, a first reply after a long-tailed business-hours delay, pending
//!   rounds, holds with internal notes, reassignments and escalations, solves, reopens, cases still
//!   open at the window's end;
//! - calls (answered, abandoned after short and long waits, blocked, voicemail after hours) and
//!   chats with messages, with talk, hold and wrap-up times and first-contact resolution;
//! - CSAT, NPS and CES answers for about 18 % of solved cases and 10 % of calls, SERVQUAL
//!   questionnaires, QA reviews, feedback, platform reviews (Google, Facebook, app stores);
//! - orders in VND and engagement events; agents' presence intervals; and a staffing forecast per
//!   30-minute interval for phone and chat for the week after the window.
//!
//! Records are produced day by day and handed to the caller in time order (teams, agents and
//! customers first), so memory stays bounded whatever the number of cases (about 50 MB for a
//! million cases).

mod calendar;
mod cases;
mod contacts;
mod extras;
mod names;
mod rng;
mod world;

use std::cmp::Ordering;
use std::collections::{BTreeMap, BinaryHeap};

use carekpi_domain::{Record, RecordKind};

use crate::calendar::{FIRST_DAY, WINDOW_DAYS, WINDOW_END, account_day_start};
use crate::world::World;

/// The account's time zone: every account-level timestamp is written with its offset (+07:00).
pub const ACCOUNT_TIME_ZONE: &str = "Asia/Ho_Chi_Minh";

/// What to generate.
#[derive(Clone, Debug, PartialEq, Eq)]
pub struct DemoOptions {
    /// Exactly this many case records.
    pub cases: u64,
    /// Same seed, same records, byte for byte.
    pub seed: u64,
}

impl Default for DemoOptions {
    /// 20,000 cases (a lively dashboard, generated in well under a second), seed 42.
    fn default() -> Self {
        Self {
            cases: 20_000,
            seed: 42,
        }
    }
}

/// How many records of each kind were emitted.
#[derive(Clone, Debug, Default, PartialEq, Eq)]
pub struct DemoSummary {
    pub counts: BTreeMap<RecordKind, u64>,
}

impl DemoSummary {
    /// All records emitted.
    pub fn total(&self) -> u64 {
        self.counts.values().sum()
    }
}

/// Streams the dataset to `emit`, referenced records first (teams, agents, customers), then
/// everything else in time order. Deterministic: the same options give byte-identical records on
/// any machine. Stops at, and returns, the first error `emit` returns.
pub fn generate<E>(
    options: &DemoOptions,
    mut emit: impl FnMut(Record) -> Result<(), E>,
) -> Result<DemoSummary, E> {
    let world = World::build(options.seed, options.cases);
    let mut summary = DemoSummary::default();
    let mut out = |record: Record| {
        *summary.counts.entry(record.kind()).or_insert(0) += 1;
        emit(record)
    };
    for team in world.team_records() {
        out(team.into())?;
    }
    for agent in world.agent_records() {
        out(agent.into())?;
    }
    for i in 0..world.customers.len() {
        out(world.customer_record(i).into())?;
    }
    let mut queue = Queue::default();
    let mut ids = Ids::default();
    for index in 0..WINDOW_DAYS {
        let day = FIRST_DAY + index;
        let ctx = cases::DayContext::new(&world, index);
        cases::generate_day(&world, &ctx, &mut ids, &mut queue);
        contacts::generate_day(&world, &ctx, &mut ids, &mut queue);
        extras::commerce_day(&world, index, &mut ids, &mut queue);
        extras::voice_day(&world, index, &mut ids, &mut queue);
        extras::presence_day(&world, index, &mut queue);
        queue.flush_before(account_day_start(day + 1), &mut out)?;
    }
    extras::staffing_forecasts(&world, &mut queue);
    queue.flush_before(i64::MAX, &mut out)?;
    Ok(summary)
}

/// Sequential numbers per kind of record.
#[derive(Default)]
pub(crate) struct Ids {
    case: u64,
    call: u64,
    chat: u64,
    survey: u64,
    qa: u64,
    feedback: u64,
    servqual: u64,
    review: u64,
    engagement: u64,
    order: u64,
}

impl Ids {
    pub fn case(&mut self) -> String {
        self.case += 1;
        format!("T-{}", 1000 + self.case)
    }
    pub fn call(&mut self) -> String {
        self.call += 1;
        format!("CL-{}", self.call)
    }
    pub fn chat(&mut self) -> String {
        self.chat += 1;
        format!("CH-{}", self.chat)
    }
    pub fn survey(&mut self) -> String {
        self.survey += 1;
        format!("S-{}", self.survey)
    }
    pub fn qa(&mut self) -> String {
        self.qa += 1;
        format!("QA-{}", self.qa)
    }
    pub fn feedback(&mut self) -> String {
        self.feedback += 1;
        format!("FB-{}", self.feedback)
    }
    pub fn servqual(&mut self) -> String {
        self.servqual += 1;
        format!("SQ-{}", self.servqual)
    }
    pub fn review(&mut self) -> String {
        self.review += 1;
        format!("PR-{}", self.review)
    }
    pub fn engagement(&mut self) -> String {
        self.engagement += 1;
        format!("E-{}", self.engagement)
    }
    pub fn order(&mut self) -> String {
        self.order += 1;
        format!("O-{}", self.order)
    }
}

struct Pending {
    at: i64,
    seq: u64,
    /// Boxed, so the heap moves 24 bytes instead of a whole record.
    record: Box<Record>,
}

impl PartialEq for Pending {
    fn eq(&self, other: &Self) -> bool {
        (self.at, self.seq) == (other.at, other.seq)
    }
}
impl Eq for Pending {}
impl PartialOrd for Pending {
    fn partial_cmp(&self, other: &Self) -> Option<Ordering> {
        Some(self.cmp(other))
    }
}
impl Ord for Pending {
    /// Reversed, so the heap pops the earliest (then first pushed) record.
    fn cmp(&self, other: &Self) -> Ordering {
        (other.at, other.seq).cmp(&(self.at, self.seq))
    }
}

/// Records waiting to be emitted in time order. Generation of a day may produce records for later
/// days (a survey answered after a solve); they wait here until their day comes.
#[derive(Default)]
pub(crate) struct Queue {
    heap: BinaryHeap<Pending>,
    seq: u64,
}

impl Queue {
    /// Queue `record`, filed at instant `at`; records at or after the window's end are dropped
    /// (they have not happened yet).
    pub fn push(&mut self, at: i64, record: impl Into<Record>) {
        if at < WINDOW_END {
            self.push_any(at, record);
        }
    }

    /// Queue `record` even after the window (forecasts).
    pub fn push_any(&mut self, at: i64, record: impl Into<Record>) {
        self.seq += 1;
        self.heap.push(Pending {
            at,
            seq: self.seq,
            record: Box::new(record.into()),
        });
    }

    fn flush_before<E>(
        &mut self,
        threshold: i64,
        out: &mut impl FnMut(Record) -> Result<(), E>,
    ) -> Result<(), E> {
        while self.heap.peek().is_some_and(|p| p.at < threshold) {
            let p = self.heap.pop().expect("peeked");
            out(*p.record)?;
        }
        Ok(())
    }
}
