//! Erlang A: the M/M/m+M queue (Palm 1946; Garnett, Mandelbaum & Reiman 2002, "Designing a call
//! center with impatient customers"). As Erlang C — Poisson arrivals at rate λ, exponential handle
//! times with mean AHT (rate μ = 1/AHT), m agents, one first-come-first-served queue — but every
//! waiting contact abandons after an exponential patience with mean `patience_s` (rate θ). The
//! queue is stable for every load, so m ≤ A is allowed.
//!
//! # The exact computation
//! Time is measured in AHTs (μ = 1, λ = A, θ = AHT / patience, t = T / AHT).
//!
//! **Stationary distribution.** The number of contacts in the system is a birth–death process
//! with birth rate λ and death rate min(n, m) + θ·max(n − m, 0). Below m it is the Erlang loss
//! system, whose mass relative to the state m is 1/B − 1 with B = Erlang B(A, m) (computed by its
//! recurrence, see [`super::erlang_c::erlang_b`]). Above m, with w₀ = 1 and
//! wⱼ = wⱼ₋₁ · A / (m + j·θ), the state m + j has weight wⱼ; with W = Σⱼ wⱼ,
//!
//! - P(wait) = Σₙ₌ₘ^∞ πₙ = B·W / (1 − B + B·W)  (an arrival sees the stationary state: PASTA),
//! - qⱼ = wⱼ / W, the number queued j seen by an arrival that waits.
//!
//! The wⱼ are kept as floats rescaled whenever they would pass 1e200 (no overflow however many
//! agents or contacts), and the sum stops once past the mode the terms fall below e⁻⁵⁰ of the
//! largest: a truncation error below 1e-20, exact for every practical purpose.
//!
//! **Abandonment and occupancy.** With E[Q] = P(wait)·Σⱼ j·qⱼ contacts waiting on average,
//! abandons happen at rate θ·E[Q], so P(abandon) = θ·E[Q] / A; the agents handle A·(1 −
//! P(abandon)) Erlangs: occupancy = A·(1 − P(abandon)) / m. The mean wait of all contacts
//! (answered or not) is E[Q] / λ (Little).
//!
//! **Waiting-time of a tagged contact.** A contact that arrives with j others waiting ahead of it
//! moves up one place at rate m + k·θ while k are ahead (a completion, or an abandon ahead), and
//! abandons itself at rate θ. Each step's duration is exponential with rate m + (k+1)·θ whichever
//! event ends it, so the contact is answered iff it wins every race:
//!
//! - P(answered | j) = Πₖ₌₀ʲ (m + k·θ) / (m + (k+1)·θ) = m / (m + (j+1)·θ),
//! - its wait if answered is the sum S of independent exponentials with rates θ·(b + k),
//!   k = 0 … j, b = m/θ + 1; by Rényi's representation of exponential order statistics S is
//!   distributed as −ln(U)/θ with U ~ Beta(b, j+1), so
//!   P(S ≤ t) = I_p(j+1, b), p = 1 − e^(−θt), the regularised incomplete beta — which equals the
//!   upper tail P(X ≥ j+1) of a negative binomial X with P(X = k) = Γ(k+b)/(Γ(b)·k!)·pᵏ·(1−p)ᵇ;
//!   its terms follow P(X=k) = P(X=k−1) · p·(k−1+b)/k from P(X=0) = e^(−b·θ·t) (in log space
//!   while they are below 1e-300),
//! - E[S] = Σₖ₌₀ʲ 1 / (m + (k+1)·θ).
//!
//! Hence the service level (answered within T, over all offered contacts; an abandoned contact
//! misses the target):
//!
//! SL(T) = (1 − P(wait)) + P(wait) · Σⱼ qⱼ · m/(m + (j+1)θ) · I_p(j+1, b),
//!
//! and the ASA (mean wait of answered contacts):
//!
//! ASA = AHT · P(wait) · Σⱼ qⱼ · m/(m + (j+1)θ) · Σₖ₌₀ʲ 1/(m + (k+1)θ) / (1 − P(abandon)).
//!
//! As θ → 0 these become Erlang C's: b·p → m·t and the negative binomial becomes Poisson(m·t),
//! I_p(j+1, b) → P(Erlang(j+1, m) ≤ t).

use super::{StaffingError, erlang_c};

/// The most queue states a computation sums (a guard for a huge overload with a very long
/// patience, where the queue would hold more than this many contacts).
pub const MAX_QUEUE_STATES: usize = 20_000_000;

/// The queue states summed stop past the mode once their weight is below this share of the
/// largest (e⁻⁵⁰: the truncation error is below 1e-20).
const NEGLIGIBLE: f64 = 1.9e-22;

/// ln(1e-300): below it a probability is kept as its logarithm.
const LN_TINY: f64 = -690.0;

/// How an Erlang A queue performs (see the module documentation for every formula).
#[derive(Clone, Copy, Debug, PartialEq)]
pub struct ErlangA {
    /// The share of contacts that find every agent busy.
    pub probability_of_waiting: f64,
    /// The share of contacts that abandon.
    pub abandonment: f64,
    /// The share of contacts answered within T.
    pub service_level: f64,
    /// The mean wait of answered contacts, in seconds.
    pub asa_s: f64,
    /// The mean wait of every contact (answered, or until it abandoned), in seconds.
    pub average_wait_s: f64,
    /// The share of the agents' time spent handling contacts: A·(1 − P(abandon)) / m.
    pub occupancy: f64,
}

impl ErlangA {
    pub(crate) fn prediction(
        &self,
        agents: u32,
        traffic: f64,
        answer_within_s: f64,
    ) -> super::Prediction {
        super::Prediction {
            agents,
            traffic,
            probability_of_waiting: self.probability_of_waiting,
            service_level: self.service_level,
            answer_within_s,
            asa_s: self.asa_s,
            occupancy: self.occupancy,
            abandonment: self.abandonment,
        }
    }
}

/// Erlang A for `traffic` Erlangs offered to `agents` agents (at least 1) with handle time
/// `aht_s`, mean patience `patience_s`, service-level threshold `answer_within_s`.
pub fn metrics(
    traffic: f64,
    agents: u32,
    aht_s: f64,
    patience_s: f64,
    answer_within_s: f64,
) -> Result<ErlangA, StaffingError> {
    super::check_traffic(traffic)?;
    super::check_agents(agents)?;
    erlang_c::check_seconds("aht_s", aht_s, false)?;
    erlang_c::check_seconds("patience_s", patience_s, false)?;
    erlang_c::check_seconds("answer_within_s", answer_within_s, true)?;
    if agents == 0 {
        return Err(StaffingError::invalid(
            "agents",
            "0 agents answer nobody: Erlang A needs at least 1 agent",
        ));
    }
    if traffic == 0.0 {
        return Ok(ErlangA {
            probability_of_waiting: 0.0,
            abandonment: 0.0,
            service_level: 1.0,
            asa_s: 0.0,
            average_wait_s: 0.0,
            occupancy: 0.0,
        });
    }
    let a = traffic;
    let m = f64::from(agents);
    let theta = aht_s / patience_s;
    let t = answer_within_s / aht_s;

    // Weights of the states m + j relative to m, until past the mode they are negligible. They
    // are kept as floats scaled by e^(−shift): when one would exceed 1e200 all are divided by
    // 1e200 (those far below the mode then underflow to 0, as they are negligible).
    const RESCALE: f64 = 1e200;
    let mut weights: Vec<f64> = vec![1.0];
    let (mut w, mut peak, mut shift) = (1.0f64, 1.0f64, 0.0f64);
    for j in 1.. {
        let death = m + j as f64 * theta;
        w *= a / death;
        if w > RESCALE {
            weights.iter_mut().for_each(|x| *x /= RESCALE);
            (w, peak) = (w / RESCALE, peak / RESCALE);
            shift += RESCALE.ln();
        }
        weights.push(w);
        peak = peak.max(w);
        if death > a && w < peak * NEGLIGIBLE {
            break;
        }
        if weights.len() > MAX_QUEUE_STATES {
            return Err(StaffingError::invalid(
                "patience_s",
                format!(
                    "with {a:.2} Erlangs on {agents} agents and a patience of {patience_s} s the \
                     queue would hold more than {MAX_QUEUE_STATES} contacts; give a shorter \
                     patience or more agents"
                ),
            ));
        }
    }
    let total: f64 = weights.iter().sum();
    let log_total = total.ln() + shift; // ln W

    // P(wait) = B·W / (1 − B + B·W) = 1 / (1 + (1 − B) / (B·W)).
    let b = erlang_c::erlang_b(a, agents);
    let p_wait = if b == 0.0 {
        0.0
    } else {
        1.0 / (1.0 + ((-b).ln_1p() - b.ln() - log_total).exp())
    };

    // One pass over the queue states: E[Q], the service level and the answered waits. The
    // negative binomial's terms follow P(X=k) = P(X=k−1) · p·(k−1+b)/k, from P(X=0) = e^(−b·θ·t);
    // they run in log space while below 1e-300 (a long threshold on many agents), then as floats.
    let p = -(-theta * t).exp_m1(); // 1 − e^(−θt)
    let shape = m / theta + 1.0; // b
    let mut log_nb = -shape * theta * t; // ln P(X = 0) = b·ln(1 − p)
    let mut nb = if log_nb > LN_TINY { log_nb.exp() } else { 0.0 };
    let mut nb_cdf = 0.0;
    let mut mean_ahead = 0.0;
    let mut answered_in_time = 0.0;
    let mut answered_wait = 0.0;
    let mut expected_s = 0.0; // Σₖ₌₀ʲ 1/(m + (k+1)θ)
    for (j, weight) in weights.iter().enumerate() {
        let q = weight / total;
        let jf = j as f64;
        if j > 0 {
            let step = p * (jf - 1.0 + shape) / jf;
            if nb > 0.0 || log_nb > LN_TINY {
                nb *= step;
            } else {
                log_nb += step.ln();
                if log_nb > LN_TINY {
                    nb = log_nb.exp();
                }
            }
        }
        nb_cdf += nb;
        let within = (1.0 - nb_cdf).max(0.0); // I_p(j+1, b)
        let rate = m + (jf + 1.0) * theta;
        let answered = m / rate;
        expected_s += 1.0 / rate;
        mean_ahead += jf * q;
        answered_in_time += q * answered * within;
        answered_wait += q * answered * expected_s;
    }
    let queue = p_wait * mean_ahead;
    let abandonment = (theta * queue / a).clamp(0.0, 1.0);
    let answered_share = 1.0 - abandonment;
    Ok(ErlangA {
        probability_of_waiting: p_wait,
        abandonment,
        service_level: ((1.0 - p_wait) + p_wait * answered_in_time).clamp(0.0, 1.0),
        asa_s: if answered_share > 0.0 {
            aht_s * p_wait * answered_wait / answered_share
        } else {
            f64::NAN
        },
        average_wait_s: aht_s * queue / a,
        occupancy: (a * answered_share / m).clamp(0.0, 1.0),
    })
}

#[cfg(test)]
mod tests {
    use super::*;

    fn close(actual: f64, expected: f64, tolerance: f64, what: &str) {
        assert!(
            (actual - expected).abs() <= tolerance,
            "{what}: {actual} is not within {tolerance} of {expected}"
        );
    }

    /// rodrigo-arenas/pyworkforce, `pyworkforce/queuing/tests/test_abandonment.py`,
    /// `test_erlanga_regression_metrics`: 100 transactions in 30 minutes, AHT 3 minutes, mean
    /// patience 5 minutes, 14 positions, target 20 s. pyworkforce computes the stationary
    /// distribution of the birth–death chain and the service level by uniformisation of the
    /// tagged-customer chain (a different method from the closed form here) and asserts, rounded:
    /// waiting probability 0.14526, abandonment probability 0.013984, occupancy 0.704297, average
    /// speed of answer 0.069919 minutes (pyworkforce's ASA is E[Q]/λ, the mean wait of every
    /// contact: our `average_wait_s`), service level 0.916792.
    #[test]
    fn pyworkforce_erlang_a_regression_values() {
        let a = super::super::traffic_intensity(100.0, 1800.0, 180.0).unwrap();
        let r = metrics(a, 14, 180.0, 300.0, 20.0).unwrap();
        close(r.probability_of_waiting, 0.14526, 0.000005, "P(wait)");
        close(r.abandonment, 0.013984, 0.0000005, "P(abandon)");
        close(r.occupancy, 0.704297, 0.0000005, "occupancy");
        close(
            r.average_wait_s / 60.0,
            0.069919,
            0.0000005,
            "mean wait, minutes",
        );
        close(r.service_level, 0.916792, 0.0000005, "service level");
        // Abandons only shorten the waits of those answered.
        assert!(r.asa_s > 0.0 && r.asa_s < r.average_wait_s);
    }

    /// The same source's `test_erlanga_matches_erlangc_in_patient_limit`: as the patience grows
    /// the metrics converge to Erlang C's (compared there to 1e-4 for the waiting probability
    /// and occupancy, 1e-3 for the service level, at 15, 20 and 25 positions).
    #[test]
    fn infinite_patience_is_erlang_c() {
        for agents in [11, 14, 15, 20, 25] {
            let r = metrics(10.0, agents, 180.0, 1e9, 20.0).unwrap();
            let c = erlang_c::probability_of_waiting(10.0, agents).unwrap();
            close(r.probability_of_waiting, c, 1e-5, "P(wait)");
            close(
                r.service_level,
                erlang_c::service_level(10.0, agents, 20.0, 180.0).unwrap(),
                1e-5,
                "service level",
            );
            close(
                r.asa_s,
                erlang_c::asa(10.0, agents, 180.0).unwrap(),
                1e-3,
                "ASA",
            );
            close(r.occupancy, 10.0 / f64::from(agents), 1e-6, "occupancy");
            assert!(r.abandonment < 1e-6);
        }
    }

    #[test]
    fn overload_is_stable_and_large_centres_are_finite() {
        // 5,000 Erlangs on 2,000 agents: most contacts abandon, agents are always busy.
        let r = metrics(5000.0, 2000, 180.0, 120.0, 20.0).unwrap();
        assert!(r.occupancy > 0.999 && r.occupancy <= 1.0, "{r:?}");
        close(r.abandonment, 0.6, 0.01, "P(abandon) ≈ 1 − m/A");
        assert!(r.probability_of_waiting > 0.999);
        for v in [r.service_level, r.asa_s, r.average_wait_s] {
            assert!(v.is_finite() && v >= 0.0, "{r:?}");
        }
        // Well staffed: 1,900 Erlangs on 2,000 agents.
        let r = metrics(1900.0, 2000, 300.0, 60.0, 20.0).unwrap();
        assert!(r.service_level > 0.99 && r.abandonment < 0.01, "{r:?}");
    }

    /// A long threshold on many agents starts the negative binomial below 1e-300 (in log space):
    /// the result still converges to Erlang C's, and grows smoothly with the threshold.
    #[test]
    fn long_thresholds_on_large_centres() {
        // m·t = 2000 × 0.4 = 800 AHTs-worth of completions: P(X = 0) = e^(−800).
        let r = metrics(1990.0, 2000, 100.0, 1e9, 40.0).unwrap();
        let c = erlang_c::service_level(1990.0, 2000, 40.0, 100.0).unwrap();
        close(r.service_level, c, 1e-6, "service level against Erlang C");
        assert!(c < 0.99, "{c}: a threshold where waiting still matters");
        // Around T = 343 s, (m + θ)·t crosses 690: P(X = 0) leaves log space.
        let sl = |t: u32| {
            metrics(205.0, 200, 100.0, 100.0, f64::from(t))
                .unwrap()
                .service_level
        };
        let mut last = sl(330);
        for t in 331..=370 {
            let now = sl(t);
            assert!(
                now >= last && now - last < 1e-3,
                "{t} s: {now} after {last}"
            );
            last = now;
        }
    }

    #[test]
    fn a_threshold_of_zero_counts_only_immediate_answers() {
        let r = metrics(10.0, 12, 180.0, 300.0, 0.0).unwrap();
        close(
            r.service_level,
            1.0 - r.probability_of_waiting,
            1e-12,
            "SL(0)",
        );
    }

    #[test]
    fn invalid_inputs() {
        let field = |r: Result<ErlangA, StaffingError>| match r {
            Err(StaffingError::Invalid { field, .. }) => field,
            other => panic!("{other:?}"),
        };
        assert_eq!(field(metrics(10.0, 0, 180.0, 60.0, 20.0)), "agents");
        assert_eq!(field(metrics(10.0, 5, 180.0, 0.0, 20.0)), "patience_s");
        assert_eq!(field(metrics(10.0, 5, 180.0, f64::NAN, 20.0)), "patience_s");
        assert_eq!(field(metrics(-1.0, 5, 180.0, 60.0, 20.0)), "traffic");
        assert_eq!(
            field(metrics(10.0, 5, 180.0, 60.0, -3.0)),
            "answer_within_s"
        );
    }
}
