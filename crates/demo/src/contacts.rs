//! Calls and chats that did not open a case: quick questions answered on the spot, callers who
//! gave up waiting (after a few seconds or a long wait), calls blocked at the trunk, voicemails
//! left outside opening hours, and chats abandoned before an agent picked them up.

use carekpi_domain::records::vocab::{Author, Channel, Outcome, SurveyKind};
use carekpi_domain::records::{Call, Chat, ChatMessage, QaReview, SurveyResponse};

use crate::calendar::HOUR;
use crate::cases::{DayContext, answer_wait, chat_messages, handle_times, qa_criteria, scores};
use crate::rng::{Gen, Stream, ln};
use crate::world::{TEAMS, World, customer_id};
use crate::{Ids, Queue};

/// Extra calls per phone case, and extra chats per chat case.
const CALLS_PER_PHONE_CASE: f64 = 1.7;
const CHATS_PER_CHAT_CASE: f64 = 0.45;

pub fn generate_day(world: &World, ctx: &DayContext, ids: &mut Ids, queue: &mut Queue) {
    let mut g = Gen::new(world.seed, Stream::Contacts, ctx.index as u64);
    for (t, team) in TEAMS.iter().enumerate() {
        let cases = world.case_counts[ctx.index as usize][t] as f64;
        let total: f64 = team.channels.iter().sum();
        let calls = g.poisson(cases * team.channels[1] / total * CALLS_PER_PHONE_CASE);
        for _ in 0..calls {
            call(world, ctx, &mut g, t, ids, queue);
        }
        if ctx.is_open_any(t) {
            let chats = g.poisson(cases * team.channels[2] / total * CHATS_PER_CHAT_CASE);
            for _ in 0..chats {
                chat(world, ctx, &mut g, t, ids, queue);
            }
        }
    }
}

fn call(world: &World, ctx: &DayContext, g: &mut Gen, t: usize, ids: &mut Ids, queue: &mut Queue) {
    let spec = &TEAMS[t];
    let zone = world.zone_of(t);
    let (at, load) = ctx.sample_time(world, g, t, &ctx.any_hours[t]);
    let open = world.schedule_of(t).is_open_local(zone.local(at));
    let customer = if g.chance(0.75) {
        world.pick_customer(g, t, at).map(customer_id)
    } else {
        None
    };
    let mut call = Call {
        id: String::new(),
        queued_at: Some(zone.moment(at)),
        attempted_at: None,
        outcome: Outcome::Answered,
        answered_at: None,
        ended_at: None,
        queue: Some(spec.call_queue.to_string()),
        agent_id: None,
        team_id: Some(spec.id.to_string()),
        customer_id: customer,
        talk_s: None,
        hold_s: None,
        wrap_s: None,
        resolved_first_contact: None,
        case_id: None,
    };
    if !open {
        // After hours most callers hang up on the announcement; some leave a voicemail.
        if !g.chance(0.35) {
            return;
        }
        call.outcome = Outcome::Voicemail;
        call.ended_at = Some(zone.moment(at + g.int(20, 90)));
        call.id = ids.call();
        queue.push(at, call);
        return;
    }
    let l2 = load * load;
    if g.chance(0.008 + 0.05 * l2 * l2) {
        // All trunks busy: the call never reached the queue.
        call.outcome = Outcome::Blocked;
        call.queued_at = None;
        call.attempted_at = Some(zone.moment(at));
        call.id = ids.call();
        queue.push(at, call);
        return;
    }
    if g.chance(0.03 + 0.09 * l2) {
        call.outcome = Outcome::Abandoned;
        let wait = if g.chance(0.35) {
            g.int(1, 5)
        } else {
            6 + g.exponential(60.0).round() as i64
        };
        call.ended_at = Some(zone.moment(at + wait));
        call.id = ids.call();
        queue.push(at, call);
        return;
    }
    let agent = *g.pick(&ctx.agents[t]);
    let q = world.agents[agent].quality_at(at);
    let answered = at + answer_wait(g, load);
    let (talk, hold, wrap) = handle_times(g, q * 1.4);
    call.answered_at = Some(zone.moment(answered));
    call.ended_at = Some(zone.moment(answered + talk + hold));
    call.agent_id = Some(world.agents[agent].id.clone());
    call.talk_s = Some(talk as f64);
    call.hold_s = Some(hold as f64);
    call.wrap_s = Some(wrap as f64);
    let resolved = g.chance((0.6 + 0.3 * ln(q)).clamp(0.2, 0.95));
    call.resolved_first_contact = Some(resolved);
    let id = ids.call();
    call.id = id.clone();
    let customer = call.customer_id.clone();
    let ended = answered + talk + hold;
    queue.push(at, call);
    if g.chance(0.1) {
        // Post-call IVR survey.
        let mut z = 0.9 + 1.3 * ln(q) + g.normal();
        if !resolved {
            z -= 0.8;
        }
        let (csat, _, _) = scores(g, z, 0.0);
        let at = ended + g.int(30, 600);
        let sid = ids.survey();
        queue.push(
            at,
            SurveyResponse {
                id: sid,
                survey: SurveyKind::Csat,
                score: csat,
                at: zone.moment(at),
                scale: None,
                customer_id: customer,
                case_id: None,
                call_id: Some(id.clone()),
                agent_id: Some(world.agents[agent].id.clone()),
                team_id: Some(spec.id.to_string()),
                comment: None,
            },
        );
    }
    if g.chance(0.02) {
        let at = ended + g.int(1, 3) * 24 * HOUR + g.int(0, 2 * HOUR);
        let qid = ids.qa();
        queue.push(
            at,
            QaReview {
                id: qid,
                at: zone.moment(at),
                case_id: None,
                call_id: Some(id),
                agent_id: world.agents[agent].id.clone(),
                reviewer: Some(world.agents[world.lead_of(t)].id.clone()),
                criteria: qa_criteria(g, q),
            },
        );
    }
}

fn chat(world: &World, ctx: &DayContext, g: &mut Gen, t: usize, ids: &mut Ids, queue: &mut Queue) {
    let spec = &TEAMS[t];
    let zone = world.zone_of(t);
    let (at, load) = ctx.sample_time(world, g, t, &ctx.open_hours[t]);
    let customer = world.pick_customer(g, t, at).map(customer_id);
    let mut chat = Chat {
        id: String::new(),
        channel: Some(Channel::Chat),
        queued_at: Some(zone.moment(at)),
        attempted_at: None,
        outcome: Outcome::Answered,
        answered_at: None,
        ended_at: None,
        queue: Some(spec.chat_queue.to_string()),
        agent_id: None,
        team_id: Some(spec.id.to_string()),
        customer_id: customer,
        talk_s: None,
        hold_s: None,
        wrap_s: None,
        resolved_first_contact: None,
        case_id: None,
        messages: Vec::new(),
    };
    let l2 = load * load;
    if g.chance(0.003 + 0.01 * l2) {
        // The chat queue was full: the widget offered a contact form instead.
        chat.outcome = Outcome::Blocked;
        chat.queued_at = None;
        chat.attempted_at = Some(zone.moment(at));
        chat.id = ids.chat();
        queue.push(at, chat);
        return;
    }
    if g.chance(0.04 + 0.08 * l2) {
        chat.outcome = Outcome::Abandoned;
        let wait = if g.chance(0.3) {
            g.int(1, 5)
        } else {
            6 + g.exponential(90.0).round() as i64
        };
        chat.ended_at = Some(zone.moment(at + wait));
        chat.messages = vec![
            ChatMessage {
                at: zone.moment(at),
                author: Author::Customer,
                agent_id: None,
                automatic: None,
            },
            ChatMessage {
                at: zone.moment(at + 1),
                author: Author::System,
                agent_id: None,
                automatic: Some(true),
            },
        ];
        chat.id = ids.chat();
        queue.push(at, chat);
        return;
    }
    let agent = *g.pick(&ctx.agents[t]);
    let q = world.agents[agent].quality_at(at);
    let answered = at + answer_wait(g, load);
    let (messages, _, ended) = chat_messages(world, g, at, answered, agent, t);
    chat.answered_at = Some(zone.moment(answered));
    chat.ended_at = Some(zone.moment(ended));
    chat.agent_id = Some(world.agents[agent].id.clone());
    chat.talk_s = Some((ended - answered) as f64);
    chat.wrap_s = Some(g.int(10, 90) as f64);
    chat.resolved_first_contact = Some(g.chance((0.65 + 0.3 * ln(q)).clamp(0.2, 0.95)));
    chat.messages = messages;
    chat.id = ids.chat();
    queue.push(at, chat);
}
