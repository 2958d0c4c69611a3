//! Staffing (metrics.md, "Workforce (Erlang C)"): how a queue of calls or chats performs with a
//! given number of agents, and how many agents an interval needs to reach a service-level target.
//!
//! For an interval of length L with N contacts and average handle time AHT, the traffic is
//! A = N × AHT / L Erlangs (the average number of contacts being handled at once). With m agents:
//!
//! - [`Model::ErlangC`] ([`erlang_c`]): contacts wait as long as it takes. Needs m > A.
//!   P(wait) = C(A, m) (Erlang C); service level within T = 1 − C · e^(−(m − A)·T/AHT);
//!   ASA = C · AHT / (m − A); occupancy = A / m.
//! - [`Model::ErlangA`] ([`erlang_a`]): contacts also abandon after an exponentially distributed
//!   patience with mean `patience_s` (M/M/m+M, Palm's model). Any m ≥ 1 is stable. The service
//!   level counts contacts *answered* within T among all offered contacts (an abandoned contact
//!   misses the target); ASA is the mean wait of answered contacts; occupancy = A·(1 −
//!   P(abandon)) / m.
//!
//! [`required_agents`] finds the smallest m whose service level reaches a [`Target`] (and whose
//! occupancy, optionally, stays at or below a maximum), then adds shrinkage — the share of paid
//! time agents are not available for contacts (breaks, training, absence) — to give the heads to
//! schedule: ⌈m / (1 − shrinkage)⌉.
//!
//! [`Question`] asks either of an interval (so the command line and the API answer the same
//! way), and [`parse_seconds`] and [`PercentRange`] read durations and percentages as they are
//! given.
//!
//! Probabilities and shares are fractions in [0, 1]; times are seconds. Nothing here raises A to
//! the m-th power or computes m!: see [`erlang_c`] and [`erlang_a`] for the numerics.

pub mod erlang_a;
pub mod erlang_c;
pub mod question;
#[cfg(test)]
mod simulation;
#[cfg(test)]
mod tests;

pub use question::{Answer, Ask, PercentRange, Question, parse_seconds};

/// The most agents a computation takes (every computation is O(agents)).
pub const MAX_AGENTS: u32 = 1_000_000;

/// The most traffic a computation takes, in Erlangs.
pub const MAX_TRAFFIC: f64 = 900_000.0;

/// Why a staffing question has no answer.
#[derive(Clone, Debug, PartialEq, thiserror::Error)]
pub enum StaffingError {
    /// An input is out of its range; `field` names it.
    #[error("`{field}`: {reason}")]
    Invalid { field: &'static str, reason: String },
    /// Erlang C with no more agents than traffic: the queue grows without end.
    #[error(
        "{agents} agents cannot keep up with {traffic:.2} Erlangs of traffic: without abandonment \
         the queue grows without end (Erlang C needs more agents than the traffic, at least \
         {minimum})"
    )]
    Unstable {
        agents: u32,
        traffic: f64,
        /// The fewest agents that keep the queue stable: ⌊A⌋ + 1.
        minimum: u32,
    },
    /// No number of agents up to [`MAX_AGENTS`] meets the target.
    #[error("no staffing of up to {max} agents meets the target: {reason}")]
    Unreachable { max: u32, reason: String },
}

impl StaffingError {
    pub(crate) fn invalid(field: &'static str, reason: impl Into<String>) -> Self {
        StaffingError::Invalid {
            field,
            reason: reason.into(),
        }
    }

    pub(crate) fn unstable(agents: u32, traffic: f64) -> Self {
        StaffingError::Unstable {
            agents,
            traffic,
            minimum: stable_minimum(traffic),
        }
    }
}

/// The fewest agents with m > A: ⌊A⌋ + 1.
fn stable_minimum(traffic: f64) -> u32 {
    (traffic.floor() + 1.0).min(f64::from(u32::MAX)) as u32
}

pub(crate) fn check_traffic(traffic: f64) -> Result<(), StaffingError> {
    if traffic.is_finite() && (0.0..=MAX_TRAFFIC).contains(&traffic) {
        Ok(())
    } else {
        Err(StaffingError::invalid(
            "traffic",
            format!("{traffic} must be a number of Erlangs from 0 to {MAX_TRAFFIC}"),
        ))
    }
}

pub(crate) fn check_agents(agents: u32) -> Result<(), StaffingError> {
    if agents <= MAX_AGENTS {
        Ok(())
    } else {
        Err(StaffingError::invalid(
            "agents",
            format!("{agents} is more than the {MAX_AGENTS} agents a computation takes"),
        ))
    }
}

/// Traffic intensity in Erlangs: A = N × AHT / L, for N contacts arriving in an interval of L
/// seconds with an average handle time of AHT seconds.
pub fn traffic_intensity(contacts: f64, interval_s: f64, aht_s: f64) -> Result<f64, StaffingError> {
    Workload::new(contacts, interval_s, aht_s).map(|w| w.traffic())
}

/// The work offered in one interval: `contacts` arriving over `interval_s` seconds, each taking
/// `aht_s` seconds on average (talk + hold + wrap-up). Valid by construction.
#[derive(Clone, Copy, Debug, PartialEq)]
pub struct Workload {
    contacts: f64,
    interval_s: f64,
    aht_s: f64,
}

impl Workload {
    /// Checks every input: contacts ≥ 0 (a forecast may be fractional), interval and AHT above 0,
    /// and a traffic of at most [`MAX_TRAFFIC`] Erlangs.
    pub fn new(contacts: f64, interval_s: f64, aht_s: f64) -> Result<Self, StaffingError> {
        if !(contacts.is_finite() && contacts >= 0.0) {
            return Err(StaffingError::invalid(
                "contacts",
                format!("{contacts} must be a number ≥ 0"),
            ));
        }
        erlang_c::check_seconds("interval_s", interval_s, false)?;
        erlang_c::check_seconds("aht_s", aht_s, false)?;
        let w = Workload {
            contacts,
            interval_s,
            aht_s,
        };
        check_traffic(w.traffic())?;
        Ok(w)
    }

    /// N, the contacts arriving in the interval.
    pub fn contacts(&self) -> f64 {
        self.contacts
    }

    /// L, the interval's length in seconds.
    pub fn interval_s(&self) -> f64 {
        self.interval_s
    }

    /// AHT, the average handle time in seconds.
    pub fn aht_s(&self) -> f64 {
        self.aht_s
    }

    /// A = N × AHT / L, in Erlangs.
    pub fn traffic(&self) -> f64 {
        self.contacts * self.aht_s / self.interval_s
    }
}

/// The queueing model.
#[derive(Clone, Copy, Debug, PartialEq)]
pub enum Model {
    /// M/M/m: nobody abandons (Erlang C).
    ErlangC,
    /// M/M/m+M: waiting contacts abandon after an exponential patience with this mean, in
    /// seconds (Erlang A).
    ErlangA { patience_s: f64 },
}

impl Model {
    /// `erlang_c` or `erlang_a`.
    pub fn as_str(self) -> &'static str {
        match self {
            Model::ErlangC => "erlang_c",
            Model::ErlangA { .. } => "erlang_a",
        }
    }

    fn check(self) -> Result<(), StaffingError> {
        match self {
            Model::ErlangC => Ok(()),
            Model::ErlangA { patience_s } => {
                erlang_c::check_seconds("patience_s", patience_s, false)
            }
        }
    }
}

/// How an interval performs with a number of agents.
#[derive(Clone, Copy, Debug, PartialEq)]
pub struct Prediction {
    pub agents: u32,
    /// A, in Erlangs.
    pub traffic: f64,
    /// The share of contacts that wait at all (are not answered at once).
    pub probability_of_waiting: f64,
    /// The share of offered contacts answered within `answer_within_s`.
    pub service_level: f64,
    pub answer_within_s: f64,
    /// The mean wait of answered contacts, in seconds.
    pub asa_s: f64,
    /// The share of the agents' time spent handling contacts.
    pub occupancy: f64,
    /// The share of offered contacts that abandon (0 under Erlang C).
    pub abandonment: f64,
}

impl Prediction {
    /// No contacts: nobody waits, and the agents are idle.
    fn idle(agents: u32, answer_within_s: f64) -> Self {
        Prediction {
            agents,
            traffic: 0.0,
            probability_of_waiting: 0.0,
            service_level: 1.0,
            answer_within_s,
            asa_s: 0.0,
            occupancy: 0.0,
            abandonment: 0.0,
        }
    }
}

/// How `workload` performs with `agents` agents: the formulas of [`erlang_c`] or [`erlang_a`]
/// (see the module documentation). Erlang C needs more agents than traffic
/// ([`StaffingError::Unstable`]); Erlang A needs at least one agent when there is traffic.
pub fn predict(
    workload: &Workload,
    agents: u32,
    answer_within_s: f64,
    model: Model,
) -> Result<Prediction, StaffingError> {
    erlang_c::check_seconds("answer_within_s", answer_within_s, true)?;
    model.check()?;
    check_agents(agents)?;
    let a = workload.traffic();
    if a == 0.0 && (agents > 0 || model == Model::ErlangC) {
        return Ok(Prediction::idle(agents, answer_within_s));
    }
    match model {
        Model::ErlangC => {
            erlang_c::check(a, agents)?;
            let b = erlang_c::erlang_b(a, agents);
            Ok(erlang_c_prediction(workload, agents, b, answer_within_s))
        }
        Model::ErlangA { patience_s } => {
            if agents == 0 {
                return Err(StaffingError::invalid(
                    "agents",
                    "0 agents answer nobody: Erlang A needs at least 1 agent",
                ));
            }
            let m = erlang_a::metrics(a, agents, workload.aht_s, patience_s, answer_within_s)?;
            Ok(m.prediction(agents, a, answer_within_s))
        }
    }
}

fn erlang_c_prediction(w: &Workload, agents: u32, b: f64, answer_within_s: f64) -> Prediction {
    let a = w.traffic();
    let c = erlang_c::c_from_b(a, agents, b);
    Prediction {
        agents,
        traffic: a,
        probability_of_waiting: c,
        service_level: erlang_c::sl_from_c(a, agents, c, answer_within_s, w.aht_s),
        answer_within_s,
        asa_s: erlang_c::asa_from_c(a, agents, c, w.aht_s),
        occupancy: a / f64::from(agents),
        abandonment: 0.0,
    }
}

/// A staffing target for an interval.
#[derive(Clone, Copy, Debug, PartialEq)]
pub struct Target {
    /// The share of offered contacts to answer within `answer_within_s`, in (0, 1).
    pub service_level: f64,
    pub answer_within_s: f64,
    /// The highest acceptable occupancy, in (0, 1]; None: no limit.
    pub max_occupancy: Option<f64>,
    /// The share of paid time agents are unavailable for contacts, in [0, 1).
    pub shrinkage: f64,
}

impl Target {
    /// `service_level` answered within `answer_within_s`, no occupancy limit, no shrinkage.
    pub fn new(service_level: f64, answer_within_s: f64) -> Self {
        Target {
            service_level,
            answer_within_s,
            max_occupancy: None,
            shrinkage: 0.0,
        }
    }

    fn check(&self) -> Result<(), StaffingError> {
        let sl = self.service_level;
        if !(sl.is_finite() && sl > 0.0 && sl < 1.0) {
            return Err(StaffingError::invalid(
                "service_level",
                format!(
                    "{sl} must be a share above 0 and below 1 (no finite staffing answers every \
                     contact within the threshold for sure)"
                ),
            ));
        }
        erlang_c::check_seconds("answer_within_s", self.answer_within_s, true)?;
        if let Some(occ) = self.max_occupancy
            && !(occ.is_finite() && occ > 0.0 && occ <= 1.0)
        {
            return Err(StaffingError::invalid(
                "max_occupancy",
                format!("{occ} must be a share above 0 and at most 1"),
            ));
        }
        let s = self.shrinkage;
        if !(s.is_finite() && (0.0..1.0).contains(&s)) {
            return Err(StaffingError::invalid(
                "shrinkage",
                format!("{s} must be a share from 0 to below 1"),
            ));
        }
        Ok(())
    }
}

/// What decided the number of required agents.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub enum Limit {
    /// No contacts: no agents needed.
    NoTraffic,
    /// The service-level target (with fewer agents it would be missed).
    ServiceLevel,
    /// The maximum occupancy (the service-level target alone would need fewer agents).
    Occupancy,
}

impl Limit {
    /// `no_traffic`, `service_level` or `occupancy`.
    pub fn as_str(self) -> &'static str {
        match self {
            Limit::NoTraffic => "no_traffic",
            Limit::ServiceLevel => "service_level",
            Limit::Occupancy => "occupancy",
        }
    }
}

/// The agents an interval needs.
#[derive(Clone, Copy, Debug, PartialEq)]
pub struct Requirement {
    /// Agents handling contacts: the smallest m meeting the target.
    pub agents: u32,
    /// Heads to schedule: ⌈agents / (1 − shrinkage)⌉.
    pub scheduled: u32,
    pub limited_by: Limit,
    /// How the interval performs with `agents`.
    pub prediction: Prediction,
}

/// The smallest number of agents m for which `workload` meets `target` under `model`: service
/// level within T ≥ the target, and (when given) occupancy ≤ the maximum; then the heads to
/// schedule, ⌈m / (1 − shrinkage)⌉. No traffic needs no agents.
///
/// Erlang C: m starts at max(⌊A⌋ + 1, ⌈A / max occupancy⌉) and grows one by one, each step one
/// more term of the Erlang B recurrence, so the whole search costs O(m). Erlang A: the service
/// level grows and the occupancy falls with m, so m is found by doubling then bisection.
pub fn required_agents(
    workload: &Workload,
    target: &Target,
    model: Model,
) -> Result<Requirement, StaffingError> {
    target.check()?;
    model.check()?;
    let a = workload.traffic();
    let t = target.answer_within_s;
    if a == 0.0 {
        return Ok(Requirement {
            agents: 0,
            scheduled: 0,
            limited_by: Limit::NoTraffic,
            prediction: Prediction::idle(0, t),
        });
    }
    let (agents, prediction, limited_by) = match model {
        Model::ErlangC => required_erlang_c(workload, target)?,
        Model::ErlangA { patience_s } => required_erlang_a(workload, target, patience_s)?,
    };
    Ok(Requirement {
        agents,
        scheduled: scheduled_heads(agents, target.shrinkage),
        limited_by,
        prediction,
    })
}

/// ⌈agents / (1 − shrinkage)⌉, robust to the rounding of the division (7 / 0.7 is 10, not 11).
pub fn scheduled_heads(agents: u32, shrinkage: f64) -> u32 {
    let available = 1.0 - shrinkage;
    let raw = f64::from(agents) / available;
    let mut heads = raw.ceil();
    if heads > 0.0 && (heads - 1.0) * available >= f64::from(agents) - 1e-9 {
        heads -= 1.0;
    }
    heads.min(f64::from(u32::MAX)) as u32
}

/// The smallest m with A / m ≤ max occupancy.
fn occupancy_minimum(traffic: f64, max_occupancy: f64) -> u32 {
    let mut m = (traffic / max_occupancy)
        .ceil()
        .max(1.0)
        .min(f64::from(MAX_AGENTS) + 1.0) as u32;
    while m > 1 && traffic / f64::from(m - 1) <= max_occupancy {
        m -= 1;
    }
    while traffic / f64::from(m) > max_occupancy {
        m += 1;
    }
    m
}

fn required_erlang_c(
    w: &Workload,
    target: &Target,
) -> Result<(u32, Prediction, Limit), StaffingError> {
    let a = w.traffic();
    let stable = stable_minimum(a);
    let by_occupancy = target
        .max_occupancy
        .map_or(0, |occ| occupancy_minimum(a, occ));
    let first = stable.max(by_occupancy);
    if first > MAX_AGENTS {
        return Err(StaffingError::Unreachable {
            max: MAX_AGENTS,
            reason: format!("{a:.2} Erlangs of traffic need more agents than that"),
        });
    }
    let mut m = first;
    let mut b = erlang_c::erlang_b(a, m);
    let first_b = b;
    loop {
        let p = erlang_c_prediction(w, m, b, target.answer_within_s);
        if p.service_level >= target.service_level {
            // The occupancy decided when the search started above the stable minimum because
            // of it, and one agent fewer would still have met the service level.
            let mut limit = Limit::ServiceLevel;
            if m == first && by_occupancy > stable {
                // B(m − 1) = m·B(m) / (A·(1 − B(m))), the recurrence run backwards.
                let below = f64::from(m) * first_b / (a * (1.0 - first_b));
                let fewer = erlang_c_prediction(w, m - 1, below, target.answer_within_s);
                if fewer.service_level >= target.service_level {
                    limit = Limit::Occupancy;
                }
            }
            return Ok((m, p, limit));
        }
        if m == MAX_AGENTS {
            return Err(StaffingError::Unreachable {
                max: MAX_AGENTS,
                reason: format!(
                    "the service level reaches only {:.4} %",
                    p.service_level * 100.0
                ),
            });
        }
        m += 1;
        b = erlang_c::next_b(a, m, b);
    }
}

fn required_erlang_a(
    w: &Workload,
    target: &Target,
    patience_s: f64,
) -> Result<(u32, Prediction, Limit), StaffingError> {
    let a = w.traffic();
    let model = Model::ErlangA { patience_s };
    let t = target.answer_within_s;
    let ok = |m: u32| -> Result<Option<Prediction>, StaffingError> {
        let p = predict(w, m, t, model)?;
        let fits = p.service_level >= target.service_level
            && target.max_occupancy.is_none_or(|occ| p.occupancy <= occ);
        Ok(fits.then_some(p))
    };
    // Doubling: `lo` fails (0 agents answer nobody), `hi` meets the target.
    let mut lo = 0u32;
    let mut hi = (a.ceil() as u32).clamp(1, MAX_AGENTS);
    let mut found = loop {
        if let Some(p) = ok(hi)? {
            break p;
        }
        if hi == MAX_AGENTS {
            return Err(StaffingError::Unreachable {
                max: MAX_AGENTS,
                reason: format!("{a:.2} Erlangs of traffic need more agents than that"),
            });
        }
        lo = hi;
        hi = hi.saturating_mul(2).min(MAX_AGENTS);
    };
    while hi - lo > 1 {
        let mid = lo + (hi - lo) / 2;
        match ok(mid)? {
            Some(p) => {
                hi = mid;
                found = p;
            }
            None => lo = mid,
        }
    }
    let limit = if hi > 1
        && target.max_occupancy.is_some()
        && predict(w, hi - 1, t, model)?.service_level >= target.service_level
    {
        Limit::Occupancy
    } else {
        Limit::ServiceLevel
    };
    Ok((hi, found, limit))
}
