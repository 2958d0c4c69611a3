//! Queue metrics of calls and chats: service level, abandonment, ASA, blockage, AHT and the
//! contacts part of FCR. A contact counts in the bucket of its arrival (queued_at; attempted_at
//! for a blocked call).

use carekpi_domain::records::vocab::{Channel, Outcome};

use super::cases::rate_column;
use super::{Anchor, Column, Ctx, Opts, duration_column, parts, rate};
use crate::query::MetricValue;
use crate::tables::{CAL, Contacts};
use crate::util::NO_U8;

const ANSWERED: u8 = Outcome::Answered as u8;
const ABANDONED: u8 = Outcome::Abandoned as u8;
const BLOCKED: u8 = Outcome::Blocked as u8;

/// An abandon counts unless it is short (a known wait below the threshold) and short abandons
/// are excluded.
#[inline]
fn abandon_counts(wait: f64, short_s: f64, include_short: bool) -> bool {
    include_short || wait.is_nan() || wait >= short_s
}

/// service_level: contacts answered with a wait ≤ T / (answered + abandoned) × 100, where short
/// abandons (a known wait < the short-abandon threshold) are left out by default
/// (`short_abandons=include` keeps them) and `denominator=all_offered` counts every answered and
/// abandoned contact. T: `threshold_s`, else the channel's configured threshold (default 20 s).
/// Voicemail and blocked contacts never entered the agents' queue and are in neither.
/// n = the denominator.
pub(crate) fn service_level(ctx: &Ctx, o: &Opts) -> Column {
    let k = &ctx.e.contacts;
    let rule = ServiceLevel::new(ctx, o);
    let n = ctx.ncells();
    let (mut num, mut den) = (vec![0u64; n], vec![0u64; n]);
    ctx.cells(Anchor::ContactArrived).each(|r, cell| {
        if let Some(within) = rule.class(k, r) {
            den[cell] += 1;
            num[cell] += u64::from(within);
        }
    });
    rate_column(&num, &den)
}

/// service_level's rule for one query: T per channel and whether short abandons count.
pub(super) struct ServiceLevel {
    thresholds: Vec<f64>,
    short_s: f64,
    include_short: bool,
}

impl ServiceLevel {
    pub(super) fn new(ctx: &Ctx, o: &Opts) -> ServiceLevel {
        let sl = &ctx.e.config.service_level;
        let all_offered = o.get("denominator") == Some("all_offered");
        ServiceLevel {
            thresholds: Channel::ALL
                .iter()
                .map(|&c| {
                    o.number("threshold_s")
                        .unwrap_or_else(|| sl.threshold_for(c))
                })
                .collect(),
            short_s: sl.short_abandon_s,
            include_short: all_offered || o.get("short_abandons") == Some("include"),
        }
    }

    /// Contact `r` in the denominator: Some(answered within T); None: not in it.
    #[inline]
    pub(super) fn class(&self, k: &Contacts, r: usize) -> Option<bool> {
        match k.outcome[r] {
            ANSWERED => Some(k.wait[CAL][r] <= self.thresholds[k.channel[r] as usize] + 1e-9),
            ABANDONED => {
                abandon_counts(k.abandon_wait[r], self.short_s, self.include_short).then_some(false)
            }
            _ => None,
        }
    }
}

/// abandonment_rate: contacts abandoned after the short-abandon threshold / offered (answered +
/// those abandoned) × 100; short abandons are in neither unless `short_abandons=include`; an
/// abandon with unknown wait is not short. n = offered.
pub(crate) fn abandonment_rate(ctx: &Ctx, o: &Opts) -> Column {
    let k = &ctx.e.contacts;
    let rule = Abandonment::new(ctx, o);
    let n = ctx.ncells();
    let (mut num, mut den) = (vec![0u64; n], vec![0u64; n]);
    ctx.cells(Anchor::ContactArrived).each(|r, cell| {
        if let Some(abandoned) = rule.class(k, r) {
            den[cell] += 1;
            num[cell] += u64::from(abandoned);
        }
    });
    rate_column(&num, &den)
}

/// abandonment_rate's rule for one query.
pub(super) struct Abandonment {
    short_s: f64,
    include_short: bool,
}

impl Abandonment {
    pub(super) fn new(ctx: &Ctx, o: &Opts) -> Abandonment {
        Abandonment {
            short_s: ctx.e.config.service_level.short_abandon_s,
            include_short: o.get("short_abandons") == Some("include"),
        }
    }

    /// Contact `r` offered: Some(abandoned); None: not offered (or a short abandon left out).
    #[inline]
    pub(super) fn class(&self, k: &Contacts, r: usize) -> Option<bool> {
        match k.outcome[r] {
            ANSWERED => Some(false),
            ABANDONED if abandon_counts(k.abandon_wait[r], self.short_s, self.include_short) => {
                Some(true)
            }
            _ => None,
        }
    }
}

/// An answered contact with a measured wait on clock `h` (asa's records).
#[inline]
pub(super) fn answered_wait(k: &Contacts, h: usize, r: usize) -> Option<f64> {
    let w = k.wait[h][r];
    (k.outcome[r] == ANSWERED && !w.is_nan()).then_some(w)
}

/// asa: answered_at − queued_at over answered calls and chats. Mean, median, p90;
/// n = answered contacts.
pub(crate) fn asa(ctx: &Ctx, o: &Opts) -> Column {
    let k = &ctx.e.contacts;
    let h = o.hours();
    let mut cells = vec![Vec::new(); ctx.ncells()];
    ctx.cells(Anchor::ContactArrived).each(|r, cell| {
        if let Some(w) = answered_wait(k, h, r) {
            cells[cell].push(w);
        }
    });
    duration_column(cells)
}

/// A call attempt (every call): Some(blocked); None for a chat.
#[inline]
pub(super) fn blockage_class(k: &Contacts, r: usize) -> Option<bool> {
    (!k.is_chat[r]).then(|| k.outcome[r] == BLOCKED)
}

/// blockage: blocked calls / call attempts (every call) × 100, by arrival. Parts: `blocked`,
/// the count. n = attempts.
pub(crate) fn blockage(ctx: &Ctx) -> Column {
    let k = &ctx.e.contacts;
    let n = ctx.ncells();
    let (mut num, mut den) = (vec![0u64; n], vec![0u64; n]);
    ctx.cells(Anchor::ContactArrived).each(|r, cell| {
        if let Some(blocked) = blockage_class(k, r) {
            den[cell] += 1;
            num[cell] += u64::from(blocked);
        }
    });
    let values = num
        .iter()
        .zip(&den)
        .map(|(&a, &b)| {
            let mut v = rate(a as f64, b as f64, b);
            v.parts = parts([("blocked".to_string(), Some(a as f64), a)]);
            v
        })
        .collect();
    Column {
        values,
        empty: MetricValue::none(),
    }
}

/// aht: talk + hold + wrap over handled contacts (answered calls and chats with at least one of
/// them; a missing part is 0). Mean, median, p90; n = handled contacts.
pub(crate) fn aht(ctx: &Ctx) -> Column {
    let k = &ctx.e.contacts;
    let mut cells = vec![Vec::new(); ctx.ncells()];
    ctx.cells(Anchor::ContactArrived).each(|r, cell| {
        if handled(k, r) {
            cells[cell].push(k.handle[r]);
        }
    });
    duration_column(cells)
}

/// A handled contact (aht's records): answered, with talk, hold or wrap time.
#[inline]
pub(super) fn handled(k: &Contacts, r: usize) -> bool {
    k.outcome[r] == ANSWERED && !k.handle[r].is_nan()
}

/// FCR's contact rule: an answered contact with the flag set: Some(resolved at first contact).
#[inline]
pub(super) fn fcr_contact(k: &Contacts, r: usize) -> Option<bool> {
    (k.outcome[r] == ANSWERED && k.rfc[r] != NO_U8).then(|| k.rfc[r] == 1)
}

/// FCR's contacts part per cell: (answered contacts resolved at first contact, answered contacts
/// with the flag set).
pub(crate) fn fcr_contacts(ctx: &Ctx) -> (Vec<u64>, Vec<u64>) {
    let k = &ctx.e.contacts;
    let n = ctx.ncells();
    let (mut num, mut den) = (vec![0u64; n], vec![0u64; n]);
    ctx.cells(Anchor::ContactArrived).each(|r, cell| {
        if let Some(resolved) = fcr_contact(k, r) {
            den[cell] += 1;
            num[cell] += u64::from(resolved);
        }
    });
    (num, den)
}
