//! Cases: when they arrive, how their conversation unfolds (first reply, pending rounds, holds,
//! reassignments, solves, reopens), and what follows them (the call or chat that opened them,
//! survey answers, feedback, QA reviews).

use carekpi_domain::records::vocab::{
    Author, CaseType, Channel, EventKind, Outcome, Polarity, Priority, Status, SurveyKind,
};
use carekpi_domain::records::{
    Call, Case, CaseEvent, Chat, ChatMessage, Criterion, Feedback, QaReview, SurveyResponse,
};

use crate::calendar::{ARRIVALS_BY_HOUR, DAY, FIRST_DAY, HOUR, MINUTE, PEAK_ARRIVALS, WINDOW_END};
use crate::names::{self, TOPICS};
use crate::rng::{Gen, Stream, ln};
use crate::world::{CASE_CHANNELS, TEAMS, World, customer_id};
use crate::{Ids, Queue};

/// What the generator needs to know about one day, per team.
pub struct DayContext {
    /// Index of the day in the window (0 = 2025-11-01).
    pub index: i64,
    /// Local date (day number).
    pub day: i64,
    /// Agents who can take new cases.
    pub agents: [Vec<usize>; 4],
    /// Hourly arrival weights over the whole day (hours past the window's end are zero).
    pub any_hours: [[f64; 24]; 4],
    /// The same, only for hours the team is open (phone and chat are answered then).
    pub open_hours: [[f64; 24]; 4],
}

impl DayContext {
    pub fn new(world: &World, index: i64) -> DayContext {
        let day = FIRST_DAY + index;
        let mut any_hours = [[0.0; 24]; 4];
        let mut open_hours = [[0.0; 24]; 4];
        for t in 0..TEAMS.len() {
            let zone = world.zone_of(t);
            let schedule = world.schedule_of(t);
            for h in 0..24 {
                if zone.utc(day * DAY + h as i64 * HOUR) >= WINDOW_END {
                    continue;
                }
                any_hours[t][h] = ARRIVALS_BY_HOUR[h];
                if schedule.hour_open(day, h as i64) {
                    open_hours[t][h] = ARRIVALS_BY_HOUR[h];
                }
            }
        }
        DayContext {
            index,
            day,
            agents: std::array::from_fn(|t| world.available_agents(t, day)),
            any_hours,
            open_hours,
        }
    }

    pub fn is_open_any(&self, team: usize) -> bool {
        self.open_hours[team].iter().any(|w| *w > 0.0)
    }

    /// A random instant of the day for `team`, following `weights` (hourly), and the load of that
    /// hour (0–1, 1 = the busiest hour of a day).
    pub fn sample_time(
        &self,
        world: &World,
        g: &mut Gen,
        team: usize,
        weights: &[f64; 24],
    ) -> (i64, f64) {
        let h = g.weighted(weights) as i64;
        let local = self.day * DAY + h * HOUR + g.below(HOUR as u64) as i64;
        let t = world.zone_of(team).utc(local).min(WINDOW_END - 1);
        (t, ARRIVALS_BY_HOUR[h as usize] / PEAK_ARRIVALS)
    }
}

/// An agent (index into [`World::agents`]) different from `not` when the team has another one.
pub fn other_agent(g: &mut Gen, list: &[usize], not: usize) -> usize {
    if list.len() <= 1 {
        return list[0];
    }
    loop {
        let a = *g.pick(list);
        if a != not {
            return a;
        }
    }
}

/// Seconds a contact waits in the queue before an agent answers, at a given load (0–1).
pub fn answer_wait(g: &mut Gen, load: f64) -> i64 {
    let l2 = load * load;
    let s = if g.chance(0.75) {
        g.exponential(5.0 + 10.0 * l2)
    } else {
        g.exponential(15.0 + 60.0 * l2)
    };
    s.round() as i64
}

/// Talk, hold and wrap-up seconds of a handled call by an agent of quality `q`.
pub fn handle_times(g: &mut Gen, q: f64) -> (i64, i64, i64) {
    let talk = g
        .lognormal(230.0 / q.sqrt(), 0.55)
        .clamp(20.0, 3600.0)
        .round() as i64;
    let hold = if g.chance(0.45) {
        g.lognormal(40.0, 0.8).min(900.0).round() as i64
    } else {
        0
    };
    let wrap = g.lognormal(35.0 / q.sqrt(), 0.5).clamp(5.0, 600.0).round() as i64;
    (talk, hold, wrap)
}

/// The chat messages of an answered chat, and when it ended.
pub fn chat_messages(
    world: &World,
    g: &mut Gen,
    queued: i64,
    answered: i64,
    agent: usize,
    team: usize,
) -> (Vec<ChatMessage>, i64, i64) {
    let zone = world.zone_of(team);
    let agent_id = &world.agents[agent].id;
    let mut msgs = vec![
        ChatMessage {
            at: zone.moment(queued),
            author: Author::Customer,
            agent_id: None,
            automatic: None,
        },
        ChatMessage {
            at: zone.moment(queued + g.int(1, 3)),
            author: Author::System,
            agent_id: None,
            automatic: Some(true),
        },
    ];
    let first_reply = answered + g.int(5, 30);
    msgs.push(ChatMessage {
        at: zone.moment(first_reply),
        author: Author::Agent,
        agent_id: Some(agent_id.clone()),
        automatic: None,
    });
    let mut t = first_reply;
    for k in 0..g.int(1, 5) {
        t += g.lognormal(45.0, 0.6).clamp(5.0, 600.0).round() as i64;
        let by_agent = k % 2 == 1;
        msgs.push(ChatMessage {
            at: zone.moment(t),
            author: if by_agent {
                Author::Agent
            } else {
                Author::Customer
            },
            agent_id: by_agent.then(|| agent_id.clone()),
            automatic: None,
        });
    }
    let ended = t + g.int(10, 90);
    (msgs, first_reply, ended)
}

/// A criterion-scored QA review of an agent of quality `q`.
pub fn qa_criteria(g: &mut Gen, q: f64) -> Vec<Criterion> {
    const CRITERIA: [(&str, f64, f64); 6] = [
        ("greeting", 5.0, 1.0),
        ("understanding", 5.0, 2.0),
        ("accuracy", 10.0, 3.0),
        ("tone_empathy", 5.0, 2.0),
        ("process", 5.0, 1.0),
        ("closing", 5.0, 1.0),
    ];
    let skill = 0.8 + 0.3 * ln(q);
    CRITERIA
        .iter()
        .map(|(name, max, weight)| {
            let share = (skill + 0.1 * g.normal()).clamp(0.0, 1.0);
            Criterion {
                name: name.to_string(),
                score: (share * max).round(),
                max: *max,
                weight: *weight,
            }
        })
        .collect()
}

/// Survey scores from a latent satisfaction `z` (≈ standard normal, higher is happier):
/// (CSAT 1–5, NPS 0–10, CES 1–7).
pub fn scores(g: &mut Gen, z: f64, effort: f64) -> (i64, i64, i64) {
    let csat = match z {
        z if z < -1.4 => 1,
        z if z < -0.8 => 2,
        z if z < -0.15 => 3,
        z if z < 1.0 => 4,
        _ => 5,
    };
    let zn = z + 0.5 * g.normal();
    let nps = (7.3 + 1.7 * zn).round().clamp(0.0, 10.0) as i64;
    let zc = z + 0.6 * g.normal();
    let ces = (5.2 + 1.1 * zc - effort).round().clamp(1.0, 7.0) as i64;
    (csat, nps, ces)
}

/// A short survey comment matching the score, in the team's language.
pub fn comment(g: &mut Gen, positive: bool, vietnamese: bool) -> String {
    let bank: &[&str] = match (positive, vietnamese) {
        (true, true) => &names::COMMENT_POSITIVE_VI,
        (false, true) => &names::COMMENT_NEGATIVE_VI,
        (true, false) => &names::COMMENT_POSITIVE_EN,
        (false, false) => &names::COMMENT_NEGATIVE_EN,
    };
    g.pick(bank).to_string()
}

struct Seed {
    at: i64,
    team: usize,
    channel: Channel,
    load: f64,
}

/// Generate the day's cases (exactly the planned number per team) and what follows them.
pub fn generate_day(world: &World, ctx: &DayContext, ids: &mut Ids, queue: &mut Queue) {
    let mut g = Gen::new(world.seed, Stream::Cases, ctx.index as u64);
    let mut seeds = Vec::new();
    for (t, team) in TEAMS.iter().enumerate() {
        let count = world.case_counts[ctx.index as usize][t];
        let can_talk = ctx.is_open_any(t);
        let mut async_weights = team.channels;
        async_weights[1] = 0.0;
        async_weights[2] = 0.0;
        for _ in 0..count {
            let mut channel = CASE_CHANNELS[g.weighted(&team.channels)];
            let live = matches!(channel, Channel::Phone | Channel::Chat);
            if live && !can_talk {
                channel = CASE_CHANNELS[g.weighted(&async_weights)];
            }
            let live = matches!(channel, Channel::Phone | Channel::Chat);
            let hours = if live {
                &ctx.open_hours[t]
            } else {
                &ctx.any_hours[t]
            };
            let (at, load) = ctx.sample_time(world, &mut g, t, hours);
            seeds.push(Seed {
                at,
                team: t,
                channel,
                load,
            });
        }
    }
    seeds.sort_by_key(|s| (s.at, s.team));
    for seed in &seeds {
        let id = ids.case();
        build_case(world, ctx, &mut g, seed, id, ids, queue);
    }
}

#[derive(Clone, Copy, PartialEq)]
enum Ev {
    Customer,
    Auto,
    Reply(usize),
    Note(usize),
    Status(Status),
    Assign(usize, usize),
}

/// The case's timeline under construction: events never go back in time.
struct Timeline {
    events: Vec<(i64, Ev)>,
    last: i64,
}

impl Timeline {
    fn push(&mut self, at: i64, ev: Ev) -> i64 {
        let at = at.max(self.last);
        self.last = at;
        self.events.push((at, ev));
        at
    }
}

fn build_case(
    world: &World,
    ctx: &DayContext,
    g: &mut Gen,
    seed: &Seed,
    id: String,
    ids: &mut Ids,
    queue: &mut Queue,
) {
    let team = seed.team;
    let spec = &TEAMS[team];
    let zone = world.zone_of(team);
    let schedule = world.schedule_of(team);
    let business = |t: i64, secs: f64| -> i64 {
        zone.utc(schedule.add_business_local(zone.local(t), secs.round() as i64))
            .max(t)
    };
    let created = seed.at;
    let channel = seed.channel;
    let first_agent = *g.pick(&ctx.agents[team]);
    let mut agent = first_agent;
    let mut agent_team = team;
    let q = world.agents[agent].quality_at(created);

    let case_type = CaseType::ALL[g.weighted(&[0.44, 0.2, 0.1, 0.16, 0.10])];
    let complaint = case_type == CaseType::Complaint;
    let mut prio_w = [0.22, 0.55, 0.17, 0.06];
    if matches!(case_type, CaseType::Incident | CaseType::Complaint) {
        prio_w = [0.08, 0.47, 0.32, 0.13];
    }
    if team == 2 {
        prio_w[2] += 0.15;
        prio_w[3] += 0.05;
    }
    let priority = Priority::ALL[g.weighted(&prio_w)];
    let prio_factor = match priority {
        Priority::Urgent => 0.3,
        Priority::High => 0.6,
        Priority::Normal => 1.0,
        Priority::Low => 1.5,
    };
    let topic_w: Vec<f64> = TOPICS
        .iter()
        .map(|tp| tp.by_type[case_type as usize])
        .collect();
    let topic = &TOPICS[g.weighted(&topic_w)];
    let vietnamese = spec.region == crate::calendar::Region::Vietnam;
    let customer = world.pick_customer(g, team, created);
    let mut tags = vec![topic.tag.to_string()];
    if team == 2 {
        tags.push("vip".into());
    }
    if channel == Channel::Social {
        tags.push("social_media".into());
    }
    if let Some(c) = customer
        && matches!(world.customers[c].segment, 1 | 2)
        && g.chance(0.5)
    {
        tags.push("b2b".into());
    }
    if g.chance(0.06) {
        tags.push("marketplace".into());
    }
    let subject = {
        let s = *g.pick(if vietnamese { topic.vi } else { topic.en });
        if complaint {
            if vietnamese {
                format!("Khiếu nại: {s}")
            } else {
                format!("Complaint: {s}")
            }
        } else {
            s.to_string()
        }
    };

    let mut tl = Timeline {
        events: Vec::with_capacity(12),
        last: created,
    };
    tl.push(created, Ev::Customer);

    // The live contact that opened a phone or chat case.
    let mut call_parts = None;
    let mut chat_parts = None;
    let mut live_end = created;
    let first_reply_at = match channel {
        Channel::Phone => {
            let wait = answer_wait(g, seed.load);
            let (talk, hold, wrap) = handle_times(g, q);
            let answered = created + wait;
            let ended = answered + talk + hold;
            call_parts = Some((answered, ended, talk, hold, wrap));
            live_end = ended;
            if g.chance(0.5) {
                tl.push(answered, Ev::Assign(agent, team));
            }
            ended
        }
        Channel::Chat => {
            let wait = answer_wait(g, seed.load);
            let answered = created + wait;
            let (msgs, first, ended) = chat_messages(world, g, created, answered, agent, team);
            chat_parts = Some((answered, ended, msgs, g.int(10, 90)));
            live_end = ended;
            if g.chance(0.5) {
                tl.push(answered, Ev::Assign(agent, team));
            }
            first
        }
        _ => {
            let auto_p = match channel {
                Channel::Email | Channel::Web => 0.45,
                _ => 0.2,
            };
            if g.chance(auto_p) {
                tl.push(created + g.int(2, 90), Ev::Auto);
            }
            let median = match channel {
                Channel::Email | Channel::Web => 3.0 * HOUR as f64,
                Channel::Social => 50.0 * MINUTE as f64,
                _ => 30.0 * MINUTE as f64,
            };
            let delay = g.lognormal(median * prio_factor / q, 1.1);
            let reply = business(created, delay.min(20.0 * DAY as f64));
            if g.chance(0.38) {
                let frac = g.uniform(0.02, 0.5);
                tl.push(
                    created + ((reply - created) as f64 * frac) as i64,
                    Ev::Assign(agent, team),
                );
            }
            reply
        }
    };
    let frt = first_reply_at - created;
    let mut last_reply = tl.push(first_reply_at, Ev::Reply(agent));
    let live = call_parts.is_some() || chat_parts.is_some();
    if g.chance(0.12) {
        tl.push(last_reply + g.int(60, 3600), Ev::Note(agent));
    }
    let follow_median = if live { 40.0 } else { 80.0 } * MINUTE as f64;

    let mut rounds = 0;
    let mut on_hold = false;
    let mut stuck = false;
    let mut auto_closed = false;
    let mut reassigned = false;
    let mut solve_at = None;

    if g.chance(0.008) {
        // Forgotten in the queue: never solved (backlog).
        tl.push(last_reply + g.int(30, 600), Ev::Status(Status::Open));
        stuck = true;
    } else {
        // Pending rounds: the agent asks, the customer answers (or not), the agent replies.
        let mut p_round = 0.2
            * match case_type {
                CaseType::Incident | CaseType::Problem => 1.6,
                CaseType::Complaint => 1.3,
                CaseType::Question => 0.7,
                CaseType::Task => 0.9,
            };
        while rounds < 3 && g.chance(p_round) {
            rounds += 1;
            let pending = tl.push(last_reply + g.int(5, 120), Ev::Status(Status::Pending));
            if g.chance(0.1) {
                // The customer never answers; automation solves the case after four days.
                solve_at = Some(tl.push(pending + 4 * DAY, Ev::Status(Status::Solved)));
                auto_closed = true;
                break;
            }
            let answer = pending + g.lognormal(6.0 * HOUR as f64, 1.2).min(6.0 * DAY as f64) as i64;
            let answer = tl.push(answer.max(pending + 60), Ev::Customer);
            tl.push(answer + g.int(1, 60), Ev::Status(Status::Open));
            let delay = g.lognormal(follow_median * prio_factor / q, 1.0);
            let at = business(answer, delay);
            last_reply = act(world, ctx, g, &mut tl, &mut agent, agent_team, at, false);
            p_round = 0.25;
        }
        if !auto_closed && g.chance(0.07) {
            // Reassignment: to a colleague, or escalated to the VIP & escalations team.
            let at = business(last_reply, g.uniform(300.0, 2.0 * HOUR as f64));
            if spec.escalate_to != team && g.chance(0.35) {
                agent_team = spec.escalate_to;
                agent = *g.pick(&ctx.agents[agent_team]);
            } else {
                agent = other_agent(g, &ctx.agents[team], agent);
            }
            reassigned = true;
            let at = tl.push(at, Ev::Assign(agent, agent_team));
            let q2 = world.agents[agent].quality_at(at);
            let at = business(at, g.lognormal(follow_median / q2, 1.0));
            last_reply = act(world, ctx, g, &mut tl, &mut agent, agent_team, at, false);
        }
        let hold_p = match case_type {
            CaseType::Incident | CaseType::Problem => 0.12,
            _ => 0.04,
        };
        if !auto_closed && g.chance(hold_p) {
            // Waiting for a third party (carrier, warehouse, payment provider).
            on_hold = true;
            let held = tl.push(last_reply + g.int(60, 900), Ev::Status(Status::OnHold));
            let at = held + g.int(30, 600);
            act(world, ctx, g, &mut tl, &mut agent, agent_team, at, true);
            if g.chance(0.03) {
                stuck = true;
            } else {
                let back =
                    held + g.lognormal(20.0 * HOUR as f64, 0.8).min(15.0 * DAY as f64) as i64;
                let back = tl.push(back, Ev::Status(Status::Open));
                let at = business(back, g.uniform(300.0, 3600.0));
                last_reply = act(world, ctx, g, &mut tl, &mut agent, agent_team, at, false);
            }
        }
        if !auto_closed && !stuck {
            let after = if live { g.int(10, 180) } else { g.int(10, 600) };
            let at = last_reply.max(live_end) + after;
            solve_at = Some(tl.push(at, Ev::Status(Status::Solved)));
        }
    }

    // After the solve: a reopen, or a simple thank-you that reopens nothing.
    let q_final = world.agents[agent].quality_at(tl.last);
    if let Some(solved) = solve_at {
        let mut p_reopen = 0.045 * (1.0 / q_final) * (1.0 / q_final).sqrt();
        if complaint {
            p_reopen *= 1.6;
        }
        if rounds > 0 {
            p_reopen *= 1.2;
        }
        if g.chance(p_reopen.min(0.25)) {
            let back =
                solved + 60 + g.lognormal(18.0 * HOUR as f64, 1.0).min(6.0 * DAY as f64) as i64;
            let back = tl.push(back, Ev::Customer);
            let open = tl.push(back + g.int(30, 600), Ev::Status(Status::Open));
            let at = business(open, g.lognormal(60.0 * MINUTE as f64 / q_final, 1.0));
            let reply = act(world, ctx, g, &mut tl, &mut agent, agent_team, at, false);
            tl.push(reply + g.int(60, 900), Ev::Status(Status::Solved));
        } else if g.chance(0.06) {
            tl.push(solved + g.int(300, 20 * HOUR), Ev::Customer);
        }
    }

    // Only what happened before the window's end is known.
    tl.events.retain(|(at, _)| *at < WINDOW_END);
    let mut status = Status::New;
    let mut last_solve = None;
    let mut replies = 0;
    let mut final_agent = None;
    let mut final_team = team;
    let mut reopened = false;
    for (at, ev) in &tl.events {
        match *ev {
            Ev::Status(s) => {
                if last_solve.is_some() && !s.is_solved() {
                    reopened = true;
                }
                status = s;
                if s == Status::Solved {
                    last_solve = Some(*at);
                }
            }
            Ev::Reply(a) => {
                replies += 1;
                final_agent = Some(a);
            }
            Ev::Note(a) => final_agent = Some(a),
            Ev::Assign(a, t) => {
                final_agent = Some(a);
                final_team = t;
            }
            Ev::Customer | Ev::Auto => {}
        }
    }
    let solved = status == Status::Solved;
    let first_contact = solved && replies == 1 && !reopened;

    let events: Vec<CaseEvent> = tl
        .events
        .iter()
        .map(|(at, ev)| case_event(world, zone.moment(*at), *ev))
        .collect();
    let case = Case {
        id: id.clone(),
        channel,
        created_at: zone.moment(created),
        customer_id: customer.map(customer_id),
        team_id: Some(TEAMS[final_team].id.to_string()),
        assignee_id: final_agent.map(|a| world.agents[a].id.clone()),
        priority: Some(priority),
        case_type: Some(case_type),
        tags,
        subject: Some(subject),
        events,
    };
    queue.push(created, case);

    let team_id = Some(spec.id.to_string());
    let first_agent_id = Some(world.agents[first_agent].id.clone());
    if let Some((answered, ended, talk, hold, wrap)) = call_parts {
        queue.push(
            created,
            Call {
                id: ids.call(),
                queued_at: Some(zone.moment(created)),
                attempted_at: None,
                outcome: Outcome::Answered,
                answered_at: Some(zone.moment(answered)),
                ended_at: Some(zone.moment(ended)),
                queue: Some(spec.call_queue.to_string()),
                agent_id: first_agent_id.clone(),
                team_id: team_id.clone(),
                customer_id: customer.map(customer_id),
                talk_s: Some(talk as f64),
                hold_s: Some(hold as f64),
                wrap_s: Some(wrap as f64),
                resolved_first_contact: Some(first_contact),
                case_id: Some(id.clone()),
            },
        );
    }
    if let Some((answered, ended, messages, wrap)) = chat_parts {
        queue.push(
            created,
            Chat {
                id: ids.chat(),
                channel: Some(Channel::Chat),
                queued_at: Some(zone.moment(created)),
                attempted_at: None,
                outcome: Outcome::Answered,
                answered_at: Some(zone.moment(answered)),
                ended_at: Some(zone.moment(ended)),
                queue: Some(spec.chat_queue.to_string()),
                agent_id: first_agent_id.clone(),
                team_id: team_id.clone(),
                customer_id: customer.map(customer_id),
                talk_s: Some((ended - answered) as f64),
                hold_s: None,
                wrap_s: Some(wrap as f64),
                resolved_first_contact: Some(first_contact),
                case_id: Some(id.clone()),
                messages,
            },
        );
    }

    // How the customer feels about it.
    let mut z = 0.85 + 1.3 * ln(q_final) + g.normal();
    if reopened {
        z -= 0.7;
    }
    if complaint {
        z -= 0.5;
    }
    z -= 0.35 * f64::from(rounds.min(2));
    if frt > DAY {
        z -= 0.4;
    }
    if on_hold {
        z -= 0.3;
    }
    if stuck {
        z -= 0.8;
    }
    if first_contact {
        z += 0.3;
    }
    let effort = 0.4 * f64::from(rounds) + if reassigned { 0.6 } else { 0.0 };
    let follow = FollowUp {
        case_id: &id,
        customer: customer.map(customer_id),
        agent: final_agent,
        team: final_team,
        zone_team: team,
        vietnamese,
        z,
        effort,
        channel,
    };
    if let (true, Some(solved_at)) = (solved, last_solve) {
        follow.surveys(world, g, ids, queue, solved_at);
        if g.chance(0.05) {
            follow.qa_review(world, g, ids, queue, solved_at);
        }
    }
    if g.chance(0.015) {
        follow.spontaneous_feedback(world, g, ids, queue, tl.last);
    }
}

/// What follows a case: surveys, feedback, QA.
struct FollowUp<'a> {
    case_id: &'a str,
    customer: Option<String>,
    agent: Option<usize>,
    team: usize,
    /// The team whose zone the case's timestamps use.
    zone_team: usize,
    vietnamese: bool,
    z: f64,
    effort: f64,
    channel: Channel,
}

impl FollowUp<'_> {
    fn agent_id(&self, world: &World) -> Option<String> {
        self.agent.map(|a| world.agents[a].id.clone())
    }

    /// About one solved case in six answers the CSAT survey; some of them also NPS and CES.
    fn surveys(&self, world: &World, g: &mut Gen, ids: &mut Ids, queue: &mut Queue, solved: i64) {
        if !g.chance(0.18) {
            return;
        }
        let zone = world.zone_of(self.zone_team);
        let at = solved
            + g.lognormal(3.0 * HOUR as f64, 1.2)
                .clamp(120.0, 5.0 * DAY as f64) as i64;
        let (csat, nps, ces) = scores(g, self.z, self.effort);
        let comment = (csat != 3 && g.chance(0.3)).then(|| comment(g, csat >= 4, self.vietnamese));
        let mut answer = |kind: SurveyKind, score: i64, at: i64, comment: Option<String>| {
            let id = ids.survey();
            queue.push(
                at,
                SurveyResponse {
                    id,
                    survey: kind,
                    score,
                    at: zone.moment(at),
                    scale: None,
                    customer_id: self.customer.clone(),
                    case_id: Some(self.case_id.to_string()),
                    call_id: None,
                    agent_id: self.agent_id(world),
                    team_id: Some(TEAMS[self.team].id.to_string()),
                    comment,
                },
            );
        };
        let has_comment = comment.is_some();
        answer(SurveyKind::Csat, csat, at, comment);
        if g.chance(0.45) {
            answer(SurveyKind::Nps, nps, at + g.int(5, 60), None);
        }
        if g.chance(0.3) {
            answer(SurveyKind::Ces, ces, at + g.int(5, 90), None);
        }
        if has_comment {
            let id = ids.feedback();
            queue.push(
                at,
                Feedback {
                    id,
                    at: zone.moment(at),
                    polarity: if csat >= 4 {
                        Polarity::Positive
                    } else {
                        Polarity::Negative
                    },
                    source: Some("survey".into()),
                    customer_id: self.customer.clone(),
                    agent_id: self.agent_id(world),
                    case_id: Some(self.case_id.to_string()),
                },
            );
        }
    }

    /// The team lead reviews a sample of solved cases a few working days later.
    fn qa_review(&self, world: &World, g: &mut Gen, ids: &mut Ids, queue: &mut Queue, solved: i64) {
        let Some(agent) = self.agent else { return };
        let zone = world.zone_of(self.zone_team);
        let schedule = world.schedule_of(self.agent_team());
        let later = solved + g.int(1, 4) * DAY;
        let at = zone.utc(schedule.next_open_local(zone.local(later))) + g.int(600, 4 * HOUR);
        let q = world.agents[agent].quality_at(at);
        let id = ids.qa();
        queue.push(
            at,
            QaReview {
                id,
                at: zone.moment(at),
                case_id: Some(self.case_id.to_string()),
                call_id: None,
                agent_id: world.agents[agent].id.clone(),
                reviewer: Some(world.agents[world.lead_of(self.team)].id.clone()),
                criteria: qa_criteria(g, q),
            },
        );
    }

    fn agent_team(&self) -> usize {
        self.team
    }

    /// A compliment or complaint sent on its own (social media, hotline, e-mail).
    fn spontaneous_feedback(
        &self,
        world: &World,
        g: &mut Gen,
        ids: &mut Ids,
        queue: &mut Queue,
        after: i64,
    ) {
        let zone = world.zone_of(self.zone_team);
        let at = after + g.int(HOUR, 3 * DAY);
        let source = match self.channel {
            Channel::Social => "facebook",
            Channel::Phone => "hotline",
            Channel::Chat | Channel::Messaging => "zalo",
            _ => "email",
        };
        let positive = self.z + 0.5 * g.normal() > 0.6;
        let id = ids.feedback();
        queue.push(
            at,
            Feedback {
                id,
                at: zone.moment(at),
                polarity: if positive {
                    Polarity::Positive
                } else {
                    Polarity::Negative
                },
                source: Some(source.into()),
                customer_id: self.customer.clone(),
                agent_id: self.agent_id(world),
                case_id: Some(self.case_id.to_string()),
            },
        );
    }
}

/// An agent's reply (or internal note) at `at`; when the case's agent has left the company by
/// then, a colleague who is still there takes the case over first.
#[allow(clippy::too_many_arguments)]
fn act(
    world: &World,
    ctx: &DayContext,
    g: &mut Gen,
    tl: &mut Timeline,
    agent: &mut usize,
    team: usize,
    at: i64,
    note: bool,
) -> i64 {
    let at = at.max(tl.last);
    let gone = |a: usize| world.agents[a].left.is_some_and(|left| at >= left);
    if gone(*agent) {
        let staying: Vec<usize> = ctx.agents[team]
            .iter()
            .copied()
            .filter(|a| !gone(*a))
            .collect();
        *agent = if staying.is_empty() {
            world.lead_of(team)
        } else {
            *g.pick(&staying)
        };
        tl.push(at, Ev::Assign(*agent, team));
    }
    tl.push(
        at,
        if note {
            Ev::Note(*agent)
        } else {
            Ev::Reply(*agent)
        },
    )
}

fn case_event(world: &World, at: carekpi_domain::Moment, ev: Ev) -> CaseEvent {
    let mut e = CaseEvent {
        at,
        kind: EventKind::Message,
        author: None,
        public: None,
        automatic: None,
        agent_id: None,
        team_id: None,
        status: None,
    };
    match ev {
        Ev::Customer => {
            e.author = Some(Author::Customer);
            e.public = Some(true);
        }
        Ev::Auto => {
            e.author = Some(Author::System);
            e.public = Some(true);
            e.automatic = Some(true);
        }
        Ev::Reply(a) => {
            e.author = Some(Author::Agent);
            e.public = Some(true);
            e.agent_id = Some(world.agents[a].id.clone());
        }
        Ev::Note(a) => {
            e.author = Some(Author::Agent);
            e.public = Some(false);
            e.agent_id = Some(world.agents[a].id.clone());
        }
        Ev::Status(s) => {
            e.kind = EventKind::Status;
            e.status = Some(s);
        }
        Ev::Assign(a, t) => {
            e.kind = EventKind::Assign;
            e.agent_id = Some(world.agents[a].id.clone());
            e.team_id = Some(TEAMS[t].id.to_string());
        }
    }
    e
}
