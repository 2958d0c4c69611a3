//! Everything around the contacts: orders and engagement (CLV, returning customers, engagement),
//! SERVQUAL and platform reviews, agents' presence (occupancy) and a staffing forecast (Erlang C).

use carekpi_domain::records::vocab::{Channel, Dimension, PresenceState};
use carekpi_domain::records::{
    EngagementEvent, Order, PlatformReview, PresenceInterval, ServqualResponse, StaffingForecast,
};
use rust_decimal::Decimal;

use crate::calendar::{
    ARRIVALS_BY_HOUR, DAY, FIRST_DAY, HOUR, MINUTE, Region, SHOPPING_BY_HOUR, WINDOW_DAYS,
    day_factor, days_from_civil, shopping_factor, weekday,
};
use crate::names::SERVQUAL_ITEMS;
use crate::rng::{Gen, Stream};
use crate::world::{TEAMS, World, customer_id};
use crate::{Ids, Queue};

/// Orders per case over the year, and engagement events per case.
const ORDERS_PER_CASE: f64 = 0.8;
const ENGAGEMENT_PER_CASE: f64 = 1.5;

/// A random instant on local date `day` in the customer's zone, following `weights`.
fn customer_time(world: &World, g: &mut Gen, eu: bool, day: i64, weights: &[f64; 24]) -> i64 {
    let h = g.weighted(weights) as i64;
    let local = day * DAY + h * HOUR + g.below(HOUR as u64) as i64;
    world.zones[usize::from(eu)].utc(local)
}

/// Orders and engagement events of one day.
pub fn commerce_day(world: &World, index: i64, ids: &mut Ids, queue: &mut Queue) {
    let mut g = Gen::new(world.seed, Stream::Commerce, index as u64);
    let day = FIRST_DAY + index;
    let per_day = world.cases as f64 / WINDOW_DAYS as f64;
    let factor = shopping_factor(Region::Vietnam, day);
    let noon = world.zones[0].utc(day * DAY + 12 * HOUR);
    let orders = g.poisson(per_day * ORDERS_PER_CASE * factor);
    for _ in 0..orders {
        let Some(c) = world.pick_any_customer(&mut g, noon) else {
            continue;
        };
        let info = world.customers[c];
        let at = customer_time(world, &mut g, info.eu, day, &SHOPPING_BY_HOUR);
        if !info.active(at) {
            continue;
        }
        let median = match info.segment {
            0 => 350_000.0,
            1 => 2_500_000.0,
            2 => 12_000_000.0,
            _ => 3_000_000.0,
        };
        let thousands = (g.lognormal(median, 0.9) / 1000.0).round().max(10.0) as i64;
        queue.push(
            at,
            Order {
                id: ids.order(),
                at: world.zones[usize::from(info.eu)].moment(at),
                customer_id: customer_id(c),
                amount: Decimal::from(thousands * 1000),
                currency: "VND".into(),
            },
        );
    }
    let events = g.poisson(per_day * ENGAGEMENT_PER_CASE * factor);
    const ACTIVITIES: [&str; 4] = ["visit", "login", "email_open", "social"];
    const ACTIVITY_WEIGHTS: [f64; 4] = [0.42, 0.25, 0.2, 0.13];
    for _ in 0..events {
        let Some(c) = world.pick_any_customer(&mut g, noon) else {
            continue;
        };
        let info = world.customers[c];
        let at = customer_time(world, &mut g, info.eu, day, &SHOPPING_BY_HOUR);
        if !info.active(at) {
            continue;
        }
        queue.push(
            at,
            EngagementEvent {
                id: ids.engagement(),
                at: world.zones[usize::from(info.eu)].moment(at),
                customer_id: customer_id(c),
                activity: ACTIVITIES[g.weighted(&ACTIVITY_WEIGHTS)].into(),
            },
        );
    }
}

/// SERVQUAL questionnaires and public platform reviews of one day.
pub fn voice_day(world: &World, index: i64, ids: &mut Ids, queue: &mut Queue) {
    let mut g = Gen::new(world.seed, Stream::Voice, index as u64);
    let day = FIRST_DAY + index;
    let progress = index as f64 / WINDOW_DAYS as f64;
    let vn = &world.zones[0];
    let respondents = g.poisson((world.cases as f64 / 200.0).max(20.0) / WINDOW_DAYS as f64);
    // Mean perception − expectation per dimension, in the order of `Dimension::ALL`; the service
    // improves a little over the year.
    const GAPS: [f64; 5] = [-1.1, -0.4, -0.2, -0.6, -0.9];
    for _ in 0..respondents {
        let at = vn.utc(day * DAY + g.int(8 * HOUR, 22 * HOUR));
        let customer = world.pick_any_customer(&mut g, at).map(customer_id);
        for (k, dimension) in Dimension::ALL.iter().enumerate() {
            let expectation = (6.1 + 0.7 * g.normal()).round().clamp(3.0, 7.0);
            let gap = GAPS[k] + 0.3 * progress;
            let perception = (expectation + gap + 0.9 * g.normal())
                .round()
                .clamp(1.0, 7.0);
            let item = *g.pick(&SERVQUAL_ITEMS[k]);
            let at = at + 20 * k as i64 + g.int(0, 15);
            queue.push(
                at,
                ServqualResponse {
                    id: ids.servqual(),
                    at: vn.moment(at),
                    dimension: *dimension,
                    expectation: expectation as i64,
                    perception: perception as i64,
                    item: Some(item.into()),
                    customer_id: customer.clone(),
                },
            );
        }
    }
    let reviews = g.poisson((world.cases as f64 / 40.0).max(30.0) / WINDOW_DAYS as f64);
    const PLATFORMS: [&str; 4] = ["google", "facebook", "app_store", "google_play"];
    const PLATFORM_WEIGHTS: [f64; 4] = [0.4, 0.3, 0.15, 0.15];
    for _ in 0..reviews {
        let p = g.weighted(&PLATFORM_WEIGHTS);
        let r = 0.25 + 0.4 * progress + if p == 2 { 0.3 } else { 0.0 } + g.normal();
        let rating = match r {
            r if r < -1.0 => 1,
            r if r < -0.7 => 2,
            r if r < -0.4 => 3,
            r if r < 0.2 => 4,
            _ => 5,
        };
        let at = vn.utc(day * DAY + g.weighted(&SHOPPING_BY_HOUR) as i64 * HOUR)
            + g.below(HOUR as u64) as i64;
        queue.push(
            at,
            PlatformReview {
                id: ids.review(),
                at: vn.moment(at),
                platform: PLATFORMS[p].into(),
                rating,
            },
        );
    }
}

/// Whether agent `a` works on local date `day` (shift rotation, weekends, holidays).
fn works(world: &World, a: usize, day: i64) -> bool {
    let agent = &world.agents[a];
    if agent.hired_day > day || day >= agent.left_day {
        return false;
    }
    let schedule = world.schedule_of(agent.team);
    if schedule.intervals(day).is_empty() {
        return false;
    }
    let wd = weekday(day);
    if agent.lead {
        return wd < 5;
    }
    match TEAMS[agent.team].schedule {
        0 if wd == 5 => (agent.num as i64 + day / 7) % 2 == 0,
        1 => wd != agent.num as usize % 7 && wd != (agent.num as usize + 3) % 7,
        _ => true,
    }
}

/// Presence intervals of every agent who works on the day: available, a lunch break and a short
/// break away, sometimes a meeting or training (busy).
pub fn presence_day(world: &World, index: i64, queue: &mut Queue) {
    let mut g = Gen::new(world.seed, Stream::Presence, index as u64);
    let day = FIRST_DAY + index;
    for (a, agent) in world.agents.iter().enumerate() {
        if !works(world, a, day) || g.chance(0.04) {
            continue;
        }
        let zone = world.zone_of(agent.team);
        let open = world.schedule_of(agent.team).intervals(day);
        let (mut start, mut end) = (open[0].0, open[open.len() - 1].1);
        if TEAMS[agent.team].schedule == 1 {
            // Two shifts cover the extended hours.
            if agent.num % 2 == 0 {
                end = start + 8 * HOUR + 30 * MINUTE;
            } else {
                start = end - 8 * HOUR - 30 * MINUTE;
            }
        }
        let from = day * DAY + start + g.int(-10, 5) * MINUTE;
        let to = day * DAY + end + g.int(-5, 15) * MINUTE;
        // Blocks away from the queue, in order: (from, to, state).
        let mut blocks: Vec<(i64, i64, PresenceState)> = Vec::new();
        let long = to - from > 6 * HOUR;
        if g.chance(0.2) {
            let b = from + g.int(60, 150) * MINUTE;
            blocks.push((b, b + g.int(30, 60) * MINUTE, PresenceState::Busy));
        }
        if long {
            let lunch = from + (to - from) / 2 - 30 * MINUTE + g.int(-15, 15) * MINUTE;
            let lunch = lunch.max(blocks.last().map_or(from, |b| b.1) + 30 * MINUTE);
            let lunch_end = lunch + g.int(45, 60) * MINUTE;
            blocks.push((lunch, lunch_end, PresenceState::Away));
            let pause = lunch_end + 2 * HOUR + g.int(-30, 30) * MINUTE;
            if pause + 50 * MINUTE < to {
                blocks.push((pause, pause + g.int(10, 20) * MINUTE, PresenceState::Away));
            }
        }
        let mut cursor = from;
        let mut push = |a: i64, b: i64, state: PresenceState| {
            let (ua, ub) = (zone.utc(a), zone.utc(b));
            queue.push(
                ua,
                PresenceInterval {
                    agent_id: agent.id.clone(),
                    from: zone.moment(ua),
                    to: zone.moment(ub),
                    state: Some(state),
                },
            );
        };
        for (a, b, state) in blocks {
            if a >= to || a < cursor {
                continue;
            }
            let b = b.min(to);
            if a > cursor {
                push(cursor, a, PresenceState::Available);
            }
            push(a, b, state);
            cursor = b;
        }
        if cursor < to {
            push(cursor, to, PresenceState::Available);
        }
    }
}

/// Forecast contacts per 30-minute interval, per live channel, for the week after the window
/// (Monday 2026-11-02 to Sunday 2026-11-08, account time), from the last four weeks' volume.
pub fn staffing_forecasts(world: &World, queue: &mut Queue) {
    let mut g = Gen::new(world.seed, Stream::Forecast, 0);
    let first = days_from_civil(2026, 11, 2);
    let vn = &world.zones[0];
    // Average daily cases per team over the last four weeks, relative to the volume pattern.
    let base: Vec<f64> = TEAMS
        .iter()
        .enumerate()
        .map(|(t, team)| {
            let (mut n, mut f) = (0.0, 0.0);
            for i in WINDOW_DAYS - 28..WINDOW_DAYS {
                n += world.case_counts[i as usize][t] as f64;
                f += day_factor(team.region, FIRST_DAY + i);
            }
            if f > 0.0 { n / f } else { 0.0 }
        })
        .collect();
    for (channel, per_case, aht) in [(Channel::Phone, 2.7, 330.0), (Channel::Chat, 1.45, 420.0)] {
        let c = if channel == Channel::Phone { 1 } else { 2 };
        for slot in 0..7 * 48 {
            let start = vn.utc(first * DAY) + slot * 30 * MINUTE;
            let mut contacts = 0.0;
            for (t, team) in TEAMS.iter().enumerate() {
                let zone = world.zone_of(t);
                let schedule = world.schedule_of(t);
                let local = zone.local(start);
                let (d, h) = (local.div_euclid(DAY), local.rem_euclid(DAY) / HOUR);
                if !schedule.is_open_local(local) {
                    continue;
                }
                let open_weight: f64 = (0..24)
                    .filter(|hh| schedule.hour_open(d, *hh))
                    .map(|hh| ARRIVALS_BY_HOUR[hh as usize])
                    .sum();
                let total: f64 = team.channels.iter().sum();
                let daily = base[t] * day_factor(team.region, d) * team.channels[c] / total;
                contacts += daily * per_case * ARRIVALS_BY_HOUR[h as usize] / open_weight / 2.0;
            }
            let contacts = (contacts * g.lognormal(1.0, 0.08) * 10.0).round() / 10.0;
            let aht_s = (aht * g.lognormal(1.0, 0.06)).round();
            queue.push_any(
                start,
                StaffingForecast {
                    interval_start: vn.moment(start),
                    interval_minutes: 30,
                    contacts,
                    aht_s,
                    channel: Some(channel),
                },
            );
        }
    }
}
