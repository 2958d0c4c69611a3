//! The fixed cast of the dataset: the org tree, schedules, agents (with hires and leavers) and
//! customers (with acquisition and churn), kept compactly so the day-by-day generator can refer to
//! them without holding any case in memory.

use carekpi_domain::records::vocab::Channel;
use carekpi_domain::records::{Agent, Customer, Team};

use crate::calendar::{
    BERLIN_HOLIDAYS, DAY, FIRST_DAY, HOUR, Region, Schedule, VN_HOLIDAYS, VN_TET_CLOSED,
    WINDOW_DAYS, WINDOW_END, WINDOW_START, Zone, days_from_civil,
};
use crate::names;
use crate::rng::{Gen, Stream};

/// Channels a case can come in on, with the per-team weights below in this order.
pub const CASE_CHANNELS: [Channel; 6] = [
    Channel::Email,
    Channel::Phone,
    Channel::Chat,
    Channel::Social,
    Channel::Web,
    Channel::Messaging,
];

/// A team that handles contacts.
pub struct ServiceTeam {
    pub id: &'static str,
    pub name: &'static str,
    pub parent: &'static str,
    pub code: &'static str,
    /// Index into [`World::schedules`].
    pub schedule: usize,
    /// Index into [`World::zones`].
    pub zone: usize,
    pub region: Region,
    /// Share of all cases this team receives directly.
    pub share: f64,
    /// Weights of [`CASE_CHANNELS`].
    pub channels: [f64; 6],
    pub call_queue: &'static str,
    pub chat_queue: &'static str,
    /// The team escalations go to (itself when it has none).
    pub escalate_to: usize,
}

pub const TEAMS: [ServiceTeam; 4] = [
    ServiceTeam {
        id: "hcm-support",
        name: "HCM Support",
        parent: "cs-vn",
        code: "hcm",
        schedule: 0,
        zone: 0,
        region: Region::Vietnam,
        share: 0.42,
        channels: [0.25, 0.17, 0.16, 0.12, 0.12, 0.18],
        call_queue: "hotline-vn",
        chat_queue: "livechat-vn",
        escalate_to: 2,
    },
    ServiceTeam {
        id: "hn-support",
        name: "Hà Nội Support",
        parent: "cs-vn",
        code: "hn",
        schedule: 0,
        zone: 0,
        region: Region::Vietnam,
        share: 0.28,
        channels: [0.25, 0.17, 0.16, 0.12, 0.12, 0.18],
        call_queue: "hotline-vn",
        chat_queue: "livechat-vn",
        escalate_to: 2,
    },
    ServiceTeam {
        id: "vn-vip",
        name: "VIP & Escalations",
        parent: "cs-vn",
        code: "vip",
        schedule: 1,
        zone: 0,
        region: Region::Vietnam,
        share: 0.10,
        channels: [0.25, 0.30, 0.15, 0.05, 0.05, 0.20],
        call_queue: "hotline-vip",
        chat_queue: "livechat-vip",
        escalate_to: 2,
    },
    ServiceTeam {
        id: "berlin-support",
        name: "Berlin Support",
        parent: "cs-eu",
        code: "ber",
        schedule: 2,
        zone: 1,
        region: Region::Germany,
        share: 0.20,
        channels: [0.42, 0.15, 0.20, 0.03, 0.18, 0.02],
        call_queue: "hotline-de",
        chat_queue: "livechat-de",
        escalate_to: 3,
    },
];

/// Company and departments above the service teams: (id, name, parent).
const ORG: [(&str, &str, Option<&str>); 3] = [
    ("anphat", "An Phát Retail JSC", None),
    ("cs-vn", "Chăm sóc khách hàng Việt Nam", Some("anphat")),
    ("cs-eu", "Customer Service Europe", Some("anphat")),
];

pub struct AgentInfo {
    pub id: String,
    pub name: String,
    pub email: String,
    pub team: usize,
    pub hired: i64,
    pub left: Option<i64>,
    /// Local dates of hire and (exclusive) leave; `i64::MAX` when still employed.
    pub hired_day: i64,
    pub left_day: i64,
    /// Skill: 1.0 is average; better agents answer faster, solve more at first contact and
    /// get better scores.
    pub quality: f64,
    pub lead: bool,
    /// Number within the team, for shift rotation.
    pub num: u32,
}

impl AgentInfo {
    /// The agent's effective quality at instant `t` (new hires ramp up over three months).
    pub fn quality_at(&self, t: i64) -> f64 {
        let tenure_days = ((t - self.hired) / DAY).max(0) as f64;
        self.quality * (0.75 + 0.25 * (tenure_days / 90.0).min(1.0))
    }

    pub fn record(&self) -> Agent {
        Agent {
            id: self.id.clone(),
            name: self.name.clone(),
            team_id: Some(TEAMS[self.team].id.to_string()),
            email: Some(self.email.clone()),
            hired_at: None,
            left_at: None,
        }
    }
}

/// Customer segments, in the order of [`CustInfo::segment`].
pub const SEGMENTS: [&str; 4] = ["consumer", "smb", "enterprise", "vip"];
const SEGMENT_WEIGHTS: [f64; 4] = [0.70, 0.20, 0.04, 0.06];
/// Acquisition channels, in the order of [`CustInfo::channel`]; index 4 is `referral`.
pub const ACQUISITION: [&str; 6] = [
    "organic",
    "paid_search",
    "social_ads",
    "marketplace",
    "referral",
    "offline_store",
];
const ACQUISITION_WEIGHTS: [f64; 6] = [0.30, 0.18, 0.20, 0.12, 0.14, 0.06];
const REFERRAL: u8 = 4;

/// A customer, compactly.
#[derive(Clone, Copy)]
pub struct CustInfo {
    pub created: i64,
    /// Churn instant, `i64::MAX` when still a customer.
    pub ended: i64,
    pub segment: u8,
    pub channel: u8,
    pub eu: bool,
    /// How often this customer contacts support, buys and engages, relative to others (0.1–4).
    pub propensity: f32,
    /// 1-based number of the referring customer, 0 for none.
    pub referrer: u32,
}

impl CustInfo {
    pub fn active(&self, t: i64) -> bool {
        self.created <= t && t < self.ended
    }
}

/// The whole cast, plus the per-day, per-team case counts.
pub struct World {
    pub seed: u64,
    pub cases: u64,
    pub zones: Vec<Zone>,
    pub schedules: Vec<Schedule>,
    pub agents: Vec<AgentInfo>,
    pub customers: Vec<CustInfo>,
    /// Indices (0-based) of customers by pool: VN, VN premium (enterprise, vip), EU.
    pub pool_vn: Pool,
    pub pool_vn_premium: Pool,
    pub pool_eu: Pool,
    pub pool_all: Pool,
    /// Each customer's (created, ended) in seconds from the window's start: a compact copy for
    /// the frequent "is this customer active?" test.
    spans: Vec<(i32, i32)>,
    /// Number of cases per day (index 0 = first day of the window) and team.
    pub case_counts: Vec<[u64; 4]>,
}

impl World {
    pub fn build(seed: u64, cases: u64) -> World {
        let zones = vec![
            Zone::new(crate::ACCOUNT_TIME_ZONE),
            Zone::new("Europe/Berlin"),
        ];
        let weekdays: &[(i64, i64)] = &[(8, 18)];
        let saturday: &[(i64, i64)] = &[(8, 12)];
        let extended: &[(i64, i64)] = &[(7, 22)];
        let berlin: &[(i64, i64)] = &[(9, 18)];
        let schedules = vec![
            Schedule::new(
                "vn-office",
                [
                    weekdays,
                    weekdays,
                    weekdays,
                    weekdays,
                    weekdays,
                    saturday,
                    &[],
                ],
                &VN_HOLIDAYS,
            ),
            Schedule::new("vn-extended", [extended; 7], &VN_TET_CLOSED),
            Schedule::new(
                "berlin-office",
                [berlin, berlin, berlin, berlin, berlin, &[], &[]],
                &BERLIN_HOLIDAYS,
            ),
        ];
        let mut world = World {
            seed,
            cases,
            zones,
            schedules,
            agents: Vec::new(),
            customers: Vec::new(),
            pool_vn: Pool::default(),
            pool_vn_premium: Pool::default(),
            pool_eu: Pool::default(),
            pool_all: Pool::default(),
            spans: Vec::new(),
            case_counts: Vec::new(),
        };
        world.build_agents();
        world.build_customers();
        world.build_case_counts();
        world
    }

    pub fn zone_of(&self, team: usize) -> &Zone {
        &self.zones[TEAMS[team].zone]
    }

    pub fn schedule_of(&self, team: usize) -> &Schedule {
        &self.schedules[TEAMS[team].schedule]
    }

    /// The team records: company, departments, then the service teams.
    pub fn team_records(&self) -> Vec<Team> {
        let mut out: Vec<Team> = ORG
            .iter()
            .map(|(id, name, parent)| Team {
                id: id.to_string(),
                name: name.to_string(),
                parent_id: parent.map(str::to_string),
                schedule_id: None,
            })
            .collect();
        out.extend(TEAMS.iter().map(|t| Team {
            id: t.id.to_string(),
            name: t.name.to_string(),
            parent_id: Some(t.parent.to_string()),
            schedule_id: Some(self.schedules[t.schedule].id.to_string()),
        }));
        out
    }

    /// Agents: for each team a lead (the QA reviewer) and a roster sized to the case volume, with
    /// leavers replaced during the year and a few new positions as volume grows.
    fn build_agents(&mut self) {
        let mut g = Gen::new(self.seed, Stream::Org, 0);
        let total = ((self.cases as f64 / 1200.0).round() as u64).max(12);
        for (t, team) in TEAMS.iter().enumerate() {
            let zone = &self.zones[team.zone];
            let vietnamese = team.region == Region::Vietnam;
            let headcount = ((total as f64 * team.share).round() as u64).max(3);
            // (hired local day, left local day or MAX, quality)
            let mut people: Vec<(i64, i64, f64)> = Vec::new();
            let mut leavers = ((headcount as f64 * 0.2).round() as u64).max(1);
            for slot in 0..headcount {
                let hired_day = days_from_civil(2019, 3, 1)
                    + g.below((days_from_civil(2025, 10, 15) - days_from_civil(2019, 3, 1)) as u64)
                        as i64;
                let quality = agent_quality(&mut g);
                // Leavers: a deterministic number per team, spread over the slots.
                let remaining = headcount - slot;
                let leaves = leavers > 0 && g.below(remaining) < leavers;
                if leaves {
                    leavers -= 1;
                    let left_day = FIRST_DAY + g.int(20, WINDOW_DAYS - 30);
                    people.push((hired_day, left_day, quality * 0.9));
                    let rehire = left_day + g.int(10, 45);
                    if rehire < FIRST_DAY + WINDOW_DAYS - 7 {
                        people.push((rehire, i64::MAX, agent_quality(&mut g)));
                    }
                } else {
                    people.push((hired_day, i64::MAX, quality));
                }
            }
            let growth = (headcount as f64 * 0.12).round() as u64;
            for _ in 0..growth {
                let day = FIRST_DAY + g.int(60, WINDOW_DAYS - 40);
                people.push((day, i64::MAX, agent_quality(&mut g)));
            }
            people.sort_by(|a, b| a.0.cmp(&b.0).then(a.2.total_cmp(&b.2)));
            let domain = if vietnamese { "anphat.vn" } else { "anphat.de" };
            let (name, mail) = names::person(&mut g, vietnamese);
            let lead_hired = zone.utc(days_from_civil(2018, 6, 4) * DAY + 8 * HOUR);
            self.agents.push(AgentInfo {
                id: format!("lead-{}", team.code),
                name,
                email: format!("{mail}.lead@{domain}"),
                team: t,
                hired: lead_hired,
                left: None,
                hired_day: days_from_civil(2018, 6, 4),
                left_day: i64::MAX,
                quality: 1.3,
                lead: true,
                num: 0,
            });
            for (i, (hired_day, left_day, quality)) in people.into_iter().enumerate() {
                let num = i as u32 + 1;
                let (name, mail) = names::person(&mut g, vietnamese);
                let start = if vietnamese { 8 } else { 9 };
                let hired = zone.utc(hired_day * DAY + start * HOUR);
                let left = (left_day != i64::MAX).then(|| zone.utc(left_day * DAY - 6 * HOUR));
                self.agents.push(AgentInfo {
                    id: format!("a-{}-{num:03}", team.code),
                    name,
                    email: format!("{mail}{num:03}@{domain}"),
                    team: t,
                    hired,
                    left,
                    hired_day,
                    left_day,
                    quality,
                    lead: false,
                    num,
                });
            }
        }
    }

    /// The agent records, with hire and leave dates in their team's zone.
    pub fn agent_records(&self) -> impl Iterator<Item = Agent> + '_ {
        self.agents.iter().map(|a| {
            let zone = self.zone_of(a.team);
            let mut r = a.record();
            r.hired_at = Some(zone.moment(a.hired));
            r.left_at = a.left.map(|t| zone.moment(t));
            r
        })
    }

    /// Customers: a base acquired over the previous years, more acquired during the window
    /// (some by referral), and some who churn during the window.
    fn build_customers(&mut self) {
        let mut g = Gen::new(self.seed, Stream::Customers, 0);
        let n = ((self.cases as f64 * 0.35).round() as u64).max(60);
        let base_from = days_from_civil(2020, 1, 1);
        let mut list: Vec<CustInfo> = Vec::with_capacity(n as usize);
        for _ in 0..n {
            let eu = g.chance(0.17);
            let created_day = if g.chance(0.62) {
                // Existing base, more of it recent.
                let span = (FIRST_DAY - base_from) as f64;
                FIRST_DAY - 1 - (span * g.f64() * g.f64()) as i64
            } else {
                FIRST_DAY + g.below(WINDOW_DAYS as u64) as i64
            };
            let zone = &self.zones[usize::from(eu)];
            let created = zone.utc(created_day * DAY + g.int(7 * HOUR, 23 * HOUR));
            let ended = if g.chance(0.13) {
                let from = created.max(WINDOW_START) + 20 * DAY;
                if from < WINDOW_END {
                    from + g.below((WINDOW_END - from) as u64) as i64
                } else {
                    i64::MAX
                }
            } else {
                i64::MAX
            };
            let channel = g.weighted(&ACQUISITION_WEIGHTS) as u8;
            list.push(CustInfo {
                created,
                ended,
                segment: g.weighted(&SEGMENT_WEIGHTS) as u8,
                channel,
                eu,
                propensity: g.lognormal(1.0, 0.8).clamp(0.1, 4.0) as f32,
                referrer: 0,
            });
        }
        list.sort_by_key(|c| c.created);
        for (i, c) in list.iter_mut().enumerate() {
            if c.channel == REFERRAL {
                if i == 0 {
                    c.channel = 0;
                } else {
                    // Referred by any earlier customer (1-based number 1..=i).
                    let back = (i as f64 * g.f64()) as usize;
                    c.referrer = (i - back.min(i - 1)) as u32;
                }
            }
        }
        let (mut vn, mut premium, mut eu) = (Vec::new(), Vec::new(), Vec::new());
        for (i, c) in list.iter().enumerate() {
            let i = i as u32;
            if c.eu {
                eu.push(i);
            } else {
                vn.push(i);
                if c.segment >= 2 {
                    premium.push(i);
                }
            }
        }
        self.pool_vn = Pool::new(&list, vn);
        self.pool_vn_premium = Pool::new(&list, premium);
        self.pool_eu = Pool::new(&list, eu);
        self.pool_all = Pool::new(&list, (0..list.len() as u32).collect());
        let rel =
            |t: i64| (t - WINDOW_START).clamp(i64::from(i32::MIN), i64::from(i32::MAX)) as i32;
        self.spans = list
            .iter()
            .map(|c| (rel(c.created), rel(c.ended)))
            .collect();
        self.customers = list;
    }

    /// The customer record of customer index `i`.
    pub fn customer_record(&self, i: usize) -> Customer {
        let c = &self.customers[i];
        let zone = &self.zones[usize::from(c.eu)];
        Customer {
            id: customer_id(i),
            created_at: Some(zone.moment(c.created)),
            ended_at: (c.ended != i64::MAX).then(|| zone.moment(c.ended)),
            segment: Some(SEGMENTS[usize::from(c.segment)].to_string()),
            acquisition_channel: Some(ACQUISITION[usize::from(c.channel)].to_string()),
            referred_by: (c.referrer > 0).then(|| customer_id(c.referrer as usize - 1)),
        }
    }

    /// Split exactly `cases` cases over days and teams, following each team's daily volume
    /// pattern with some day-to-day noise.
    fn build_case_counts(&mut self) {
        let mut g = Gen::new(self.seed, Stream::DayWeights, 0);
        let mut weights: Vec<[f64; 4]> = Vec::with_capacity(WINDOW_DAYS as usize);
        for day in 0..WINDOW_DAYS {
            let mut w = [0.0; 4];
            for (t, team) in TEAMS.iter().enumerate() {
                let noise = g.lognormal(1.0, 0.12);
                w[t] =
                    team.share * crate::calendar::day_factor(team.region, FIRST_DAY + day) * noise;
            }
            weights.push(w);
        }
        let total: f64 = weights.iter().flatten().sum();
        let n = self.cases as f64;
        let mut cum = 0.0;
        let mut given: u64 = 0;
        let cells = weights.len() * 4;
        let mut k = 0;
        self.case_counts = weights
            .iter()
            .map(|w| {
                let mut counts = [0u64; 4];
                for (t, wt) in w.iter().enumerate() {
                    cum += wt;
                    k += 1;
                    let upto = if k == cells {
                        self.cases
                    } else {
                        ((n * cum / total + 0.5).floor() as u64).min(self.cases)
                    };
                    counts[t] = upto.saturating_sub(given);
                    given = given.max(upto);
                }
                counts
            })
            .collect();
    }

    /// Agents of `team` who can take new cases on local date `day`: employed, not the lead, and
    /// not leaving within two weeks.
    pub fn available_agents(&self, team: usize, day: i64) -> Vec<usize> {
        let list: Vec<usize> = self
            .agents
            .iter()
            .enumerate()
            .filter(|(_, a)| {
                a.team == team && !a.lead && a.hired_day <= day && day + 14 < a.left_day
            })
            .map(|(i, _)| i)
            .collect();
        if list.is_empty() {
            // Fall back to anyone still employed (or the lead).
            self.agents
                .iter()
                .enumerate()
                .filter(|(_, a)| a.team == team && a.hired_day <= day && day < a.left_day)
                .map(|(i, _)| i)
                .collect()
        } else {
            list
        }
    }

    /// The lead of `team`.
    pub fn lead_of(&self, team: usize) -> usize {
        self.agents
            .iter()
            .position(|a| a.team == team && a.lead)
            .expect("every team has a lead")
    }

    /// A random customer of the pool serving `team`, active at `t` (more active customers are
    /// picked more often); `None` when none could be found.
    pub fn pick_customer(&self, g: &mut Gen, team: usize, t: i64) -> Option<usize> {
        let pool = match team {
            3 => &self.pool_eu,
            2 if !self.pool_vn_premium.is_empty() && g.chance(0.8) => &self.pool_vn_premium,
            _ => &self.pool_vn,
        };
        pool.pick(g, &self.spans, t)
    }

    /// A random customer of any pool, active at `t`.
    pub fn pick_any_customer(&self, g: &mut Gen, t: i64) -> Option<usize> {
        self.pool_all.pick(g, &self.spans, t)
    }
}

/// Customers to draw from, each as often as their propensity says (Walker's alias method: one
/// uniform index and one comparison per draw, whatever the pool's size).
#[derive(Default)]
pub struct Pool {
    /// (customer, alias customer, threshold): take the customer when a uniform u32 is below the
    /// threshold, else the alias.
    slots: Vec<(u32, u32, u32)>,
}

impl Pool {
    fn new(customers: &[CustInfo], members: Vec<u32>) -> Pool {
        let n = members.len();
        if n == 0 {
            return Pool::default();
        }
        let total: f64 = members
            .iter()
            .map(|i| f64::from(customers[*i as usize].propensity))
            .sum();
        let mut scaled: Vec<f64> = members
            .iter()
            .map(|i| f64::from(customers[*i as usize].propensity) * n as f64 / total)
            .collect();
        let mut alias: Vec<usize> = (0..n).collect();
        let (mut small, mut large): (Vec<usize>, Vec<usize>) =
            (0..n).partition(|k| scaled[*k] < 1.0);
        while let (Some(s), Some(&l)) = (small.pop(), large.last()) {
            alias[s] = l;
            scaled[l] -= 1.0 - scaled[s];
            if scaled[l] < 1.0 {
                large.pop();
                small.push(l);
            }
        }
        for k in large.into_iter().chain(small) {
            scaled[k] = 1.0;
        }
        let slots = (0..n)
            .map(|k| {
                let threshold = if scaled[k] >= 1.0 {
                    u32::MAX
                } else {
                    (scaled[k] * 4_294_967_296.0) as u32
                };
                (members[k], members[alias[k]], threshold)
            })
            .collect();
        Pool { slots }
    }

    pub fn is_empty(&self) -> bool {
        self.slots.is_empty()
    }

    /// A member active at `t`, or `None` after a few misses.
    fn pick(&self, g: &mut Gen, spans: &[(i32, i32)], t: i64) -> Option<usize> {
        if self.slots.is_empty() {
            return None;
        }
        let t = (t - WINDOW_START) as i32;
        for _ in 0..32 {
            let r = g.u64();
            let k = ((r >> 32) * self.slots.len() as u64) >> 32;
            let (own, alias, threshold) = self.slots[k as usize];
            let i = if (r as u32) < threshold { own } else { alias } as usize;
            let (created, ended) = spans[i];
            if created <= t && t < ended {
                return Some(i);
            }
        }
        None
    }
}

fn agent_quality(g: &mut Gen) -> f64 {
    g.lognormal(1.0, 0.28).clamp(0.55, 1.8)
}

pub fn customer_id(i: usize) -> String {
    format!("C-{}", i + 1)
}
