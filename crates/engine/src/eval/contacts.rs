//! Queue metrics of calls and chats: service level, abandonment, ASA, blockage, AHT and the
//! contacts part of FCR. A contact counts in the bucket of its arrival (queued_at; attempted_at
//! for a blocked call).

use carekpi_domain::records::vocab::{Channel, Outcome};

use super::cases::rate_column;
use super::{Anchor, Column, Ctx, Opts, duration_column, parts, rate};
use crate::query::MetricValue;
use crate::tables::CAL;
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
    let e = ctx.e;
    let k = &e.contacts;
    let sl = &e.config.service_level;
    let thresholds: Vec<f64> = Channel::ALL
        .iter()
        .map(|&c| {
            o.number("threshold_s")
                .unwrap_or_else(|| sl.threshold_for(c))
        })
        .collect();
    let all_offered = o.get("denominator") == Some("all_offered");
    let include_short = all_offered || o.get("short_abandons") == Some("include");
    let n = ctx.ncells();
    let (mut num, mut den) = (vec![0u64; n], vec![0u64; n]);
    ctx.cells(Anchor::ContactArrived)
        .each(|r, cell| match k.outcome[r] {
            ANSWERED => {
                den[cell] += 1;
                let w = k.wait[CAL][r];
                num[cell] += u64::from(w <= thresholds[k.channel[r] as usize] + 1e-9);
            }
            ABANDONED => {
                den[cell] += u64::from(abandon_counts(
                    k.abandon_wait[r],
                    sl.short_abandon_s,
                    include_short,
                ));
            }
            _ => {}
        });
    rate_column(&num, &den)
}

/// abandonment_rate: contacts abandoned after the short-abandon threshold / offered (answered +
/// those abandoned) × 100; short abandons are in neither unless `short_abandons=include`; an
/// abandon with unknown wait is not short. n = offered.
pub(crate) fn abandonment_rate(ctx: &Ctx, o: &Opts) -> Column {
    let e = ctx.e;
    let k = &e.contacts;
    let short = e.config.service_level.short_abandon_s;
    let include_short = o.get("short_abandons") == Some("include");
    let n = ctx.ncells();
    let (mut num, mut den) = (vec![0u64; n], vec![0u64; n]);
    ctx.cells(Anchor::ContactArrived)
        .each(|r, cell| match k.outcome[r] {
            ANSWERED => den[cell] += 1,
            ABANDONED if abandon_counts(k.abandon_wait[r], short, include_short) => {
                den[cell] += 1;
                num[cell] += 1;
            }
            _ => {}
        });
    rate_column(&num, &den)
}

/// asa: answered_at − queued_at over answered calls and chats. Mean, median, p90;
/// n = answered contacts.
pub(crate) fn asa(ctx: &Ctx, o: &Opts) -> Column {
    let k = &ctx.e.contacts;
    let h = o.hours();
    let mut cells = vec![Vec::new(); ctx.ncells()];
    ctx.cells(Anchor::ContactArrived).each(|r, cell| {
        let w = k.wait[h][r];
        if k.outcome[r] == ANSWERED && !w.is_nan() {
            cells[cell].push(w);
        }
    });
    duration_column(cells)
}

/// blockage: blocked calls / call attempts (every call) × 100, by arrival. Parts: `blocked`,
/// the count. n = attempts.
pub(crate) fn blockage(ctx: &Ctx) -> Column {
    let k = &ctx.e.contacts;
    let n = ctx.ncells();
    let (mut num, mut den) = (vec![0u64; n], vec![0u64; n]);
    ctx.cells(Anchor::ContactArrived).each(|r, cell| {
        if !k.is_chat[r] {
            den[cell] += 1;
            num[cell] += u64::from(k.outcome[r] == BLOCKED);
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
        if k.outcome[r] == ANSWERED && !k.handle[r].is_nan() {
            cells[cell].push(k.handle[r]);
        }
    });
    duration_column(cells)
}

/// FCR's contacts part per cell: (answered contacts resolved at first contact, answered contacts
/// with the flag set).
pub(crate) fn fcr_contacts(ctx: &Ctx) -> (Vec<u64>, Vec<u64>) {
    let k = &ctx.e.contacts;
    let n = ctx.ncells();
    let (mut num, mut den) = (vec![0u64; n], vec![0u64; n]);
    ctx.cells(Anchor::ContactArrived).each(|r, cell| {
        if k.outcome[r] == ANSWERED && k.rfc[r] != NO_U8 {
            den[cell] += 1;
            num[cell] += u64::from(k.rfc[r] == 1);
        }
    });
    (num, den)
}
