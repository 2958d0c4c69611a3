//! Erlang C: the M/M/m queue (Poisson arrivals, exponential handle times, m agents, one queue
//! served first come first served, every contact waits until it is answered).
//!
//! Notation: A = traffic in Erlangs (`traffic`), m = agents, AHT = average handle time, T = the
//! service-level threshold ("answered within T").
//!
//! Numerics: nothing is ever raised to the m-th power or divided by m!. The probability of
//! waiting is computed from Erlang B by its recurrence, whose every step is a number in [0, 1]:
//! it is exact to a few ulps for any m (tested up to 12,421 agents) and never overflows. When the
//! true value is below ~1e-308 it underflows to 0, which is the right answer to every question
//! asked of it here (the service level is then 1).

use super::StaffingError;

/// Erlang B, the probability that a contact finds all m agents busy in a system *without* a
/// queue (M/M/m/m), by the recurrence
///
/// B(A, 0) = 1,  B(A, n) = A·B(A, n−1) / (n + A·B(A, n−1)),
///
/// which equals (Aᵐ/m!) / Σₖ₌₀ᵐ Aᵏ/k! without computing either. O(m). It runs on the reciprocal,
/// 1/B(A, n) = 1 + (n/A) · 1/B(A, n−1) — the same recurrence, every term positive so nothing
/// cancels, with a multiplication in place of each step's division — and when the reciprocal
/// exceeds the largest float B is below 1e-308: 0.
pub fn erlang_b(traffic: f64, agents: u32) -> f64 {
    if traffic == 0.0 {
        return if agents == 0 { 1.0 } else { 0.0 };
    }
    let per_erlang = 1.0 / traffic;
    let mut reciprocal = 1.0f64;
    for n in 1..=agents {
        reciprocal = 1.0 + f64::from(n) * per_erlang * reciprocal;
        if reciprocal.is_infinite() {
            return 0.0;
        }
    }
    1.0 / reciprocal
}

/// One step of the Erlang B recurrence: B(A, n) from B(A, n−1).
#[inline]
pub(crate) fn next_b(traffic: f64, n: u32, previous: f64) -> f64 {
    let ab = traffic * previous;
    ab / (f64::from(n) + ab)
}

/// The probability that a contact waits (is not answered at once), Erlang C:
///
/// C(A, m) = (Aᵐ/m! · m/(m−A)) / (Σₖ₌₀ᵐ⁻¹ Aᵏ/k! + Aᵐ/m! · m/(m−A)) = m·B / (m − A·(1 − B)),
///
/// with B = [`erlang_b`]`(A, m)`. Defined for m > A only: with m ≤ A the queue grows without end
/// ([`StaffingError::Unstable`]).
pub fn probability_of_waiting(traffic: f64, agents: u32) -> Result<f64, StaffingError> {
    check(traffic, agents)?;
    Ok(c_from_b(traffic, agents, erlang_b(traffic, agents)))
}

/// Erlang C from Erlang B at the same m: C = m·B / (m − A·(1 − B)) (m > A).
#[inline]
pub(crate) fn c_from_b(traffic: f64, agents: u32, b: f64) -> f64 {
    if traffic == 0.0 {
        return 0.0;
    }
    let m = f64::from(agents);
    (m * b / (m - traffic * (1.0 - b))).clamp(0.0, 1.0)
}

/// The service level: the share of contacts answered within T,
///
/// SL(T) = 1 − C(A, m) · e^(−(m − A)·T / AHT).
///
/// The wait of a contact that queues is exponential with rate (m − A)/AHT, so this is
/// P(wait ≤ T). At T = 0 it is 1 − C. m > A.
pub fn service_level(
    traffic: f64,
    agents: u32,
    answer_within_s: f64,
    aht_s: f64,
) -> Result<f64, StaffingError> {
    check(traffic, agents)?;
    check_seconds("answer_within_s", answer_within_s, true)?;
    check_seconds("aht_s", aht_s, false)?;
    let c = c_from_b(traffic, agents, erlang_b(traffic, agents));
    Ok(sl_from_c(traffic, agents, c, answer_within_s, aht_s))
}

#[inline]
pub(crate) fn sl_from_c(
    traffic: f64,
    agents: u32,
    c: f64,
    answer_within_s: f64,
    aht_s: f64,
) -> f64 {
    let m = f64::from(agents);
    (1.0 - c * (-(m - traffic) * answer_within_s / aht_s).exp()).clamp(0.0, 1.0)
}

/// The average speed of answer (mean wait, in seconds, over all contacts; every contact is
/// answered under Erlang C):
///
/// ASA = C(A, m) · AHT / (m − A).
///
/// m > A.
pub fn asa(traffic: f64, agents: u32, aht_s: f64) -> Result<f64, StaffingError> {
    check(traffic, agents)?;
    check_seconds("aht_s", aht_s, false)?;
    let c = c_from_b(traffic, agents, erlang_b(traffic, agents));
    Ok(asa_from_c(traffic, agents, c, aht_s))
}

#[inline]
pub(crate) fn asa_from_c(traffic: f64, agents: u32, c: f64, aht_s: f64) -> f64 {
    c * aht_s / (f64::from(agents) - traffic)
}

/// Occupancy: the share of the agents' time spent handling contacts, A / m. m > A (so it is
/// below 1).
pub fn occupancy(traffic: f64, agents: u32) -> Result<f64, StaffingError> {
    check(traffic, agents)?;
    Ok(traffic / f64::from(agents))
}

/// A finite, non-negative traffic and more agents than traffic.
pub(crate) fn check(traffic: f64, agents: u32) -> Result<(), StaffingError> {
    super::check_traffic(traffic)?;
    super::check_agents(agents)?;
    if f64::from(agents) <= traffic {
        return Err(StaffingError::unstable(agents, traffic));
    }
    Ok(())
}

/// A finite number of seconds, above 0 (or ≥ 0 when `zero_ok`).
pub(crate) fn check_seconds(
    field: &'static str,
    s: f64,
    zero_ok: bool,
) -> Result<(), StaffingError> {
    let ok = s.is_finite() && (s > 0.0 || (zero_ok && s == 0.0));
    if ok {
        Ok(())
    } else {
        Err(StaffingError::invalid(
            field,
            format!(
                "{s} must be a number of seconds {}",
                if zero_ok { "≥ 0" } else { "above 0" }
            ),
        ))
    }
}

#[cfg(test)]
mod tests {
    //! Every expected value here was published by someone else (each test names the source);
    //! none was produced by this code. Where a source prints rounded figures the tolerance is
    //! half a unit of its last printed digit.

    use super::*;

    fn close(actual: f64, expected: f64, tolerance: f64, what: &str) {
        assert!(
            (actual - expected).abs() <= tolerance,
            "{what}: {actual} is not within {tolerance} of the published {expected}"
        );
    }

    /// Call Centre Helper, "Erlang C Formula – Made Simple With an Easy Worked Example"
    /// (https://www.callcentrehelper.com/erlang-c-formula-example-121281.htm): 100 calls in 30
    /// minutes, AHT 180 s, so A = 10 Erlangs; target 80 % answered in 20 s. The article works
    /// through N = 11 … 14 agents: probability a call waits 68.21 %, 44.94 %, 28.53 %, 17.41 %;
    /// service level 39.0 %, 64.0 %, 79.6 %, 88.8 %; at 14 agents ASA 7.8 s and occupancy
    /// 71.4 %. (pyworkforce's own test of this example, `pyworkforce/queuing/tests/test_erlang.py`
    /// in rodrigo-arenas/pyworkforce, asserts the same 0.174 / 0.888 / 0.714 at 14 positions.)
    #[test]
    fn call_centre_helper_worked_example() {
        let a = super::super::traffic_intensity(100.0, 1800.0, 180.0).unwrap();
        close(a, 10.0, 1e-12, "traffic");
        let published = [
            (11, 0.6821, 0.390),
            (12, 0.4494, 0.640),
            (13, 0.2853, 0.796),
            (14, 0.1741, 0.888),
        ];
        for (agents, pw, sl) in published {
            close(
                probability_of_waiting(a, agents).unwrap(),
                pw,
                0.00005,
                &format!("P(wait) with {agents} agents"),
            );
            close(
                service_level(a, agents, 20.0, 180.0).unwrap(),
                sl,
                0.0005,
                &format!("service level with {agents} agents"),
            );
        }
        close(asa(a, 14, 180.0).unwrap(), 7.8, 0.05, "ASA with 14 agents");
        close(occupancy(a, 14).unwrap(), 0.714, 0.0005, "occupancy");
    }

    /// JeanCruzC/Erlang, `tests/test_erlang.py`: `erlang_c(5, 10)` = 0.03610536 (5 Erlangs, 10
    /// agents), and for AHT 180 s with a 20 s target `service_level` = 0.97928443 and `asa` =
    /// 1.29979293 s, each asserted to within 1e-6.
    #[test]
    fn jeancruzc_erlang_test_values() {
        close(
            probability_of_waiting(5.0, 10).unwrap(),
            0.03610536,
            1e-6,
            "C(5, 10)",
        );
        close(
            service_level(5.0, 10, 20.0, 180.0).unwrap(),
            0.97928443,
            1e-6,
            "SL",
        );
        close(asa(5.0, 10, 180.0).unwrap(), 1.29979293, 1e-6, "ASA");
    }

    /// perehinik/call-center-tools, `python/tests/unit/test_erlang.py`: Erlang B(123 Erlangs,
    /// 132 lines) = 0.0312 and Erlang C at (123, 132) = 0.3211 and at (12,345 Erlangs, 12,421
    /// agents) = 0.3812, each rounded to 4 decimals. Its `tests/unit/test_staffing.py` takes
    /// P(wait) = 0.4244 for 123 Erlangs on 130 agents and gets a service level of 0.7339 (20 s
    /// target, AHT 300 s) and an ASA of 18.19 s.
    #[test]
    fn perehinik_call_center_tools_values_including_12421_agents() {
        close(erlang_b(123.0, 132), 0.0312, 0.00005, "B(123, 132)");
        close(
            probability_of_waiting(123.0, 132).unwrap(),
            0.3211,
            0.00005,
            "C(123, 132)",
        );
        close(
            probability_of_waiting(12_345.0, 12_421).unwrap(),
            0.3812,
            0.00005,
            "C(12345, 12421)",
        );
        close(
            probability_of_waiting(123.0, 130).unwrap(),
            0.4244,
            0.00005,
            "C(123, 130)",
        );
        close(
            service_level(123.0, 130, 20.0, 300.0).unwrap(),
            0.7339,
            0.00005,
            "SL(123, 130)",
        );
        close(
            asa(123.0, 130, 300.0).unwrap(),
            18.19,
            0.005,
            "ASA(123, 130)",
        );
    }

    /// moaizattiq/vet4dummyMVP, `reviews/math-auditor.md` ("Math audit: Erlang C …"): values of
    /// Erlang C for large centres, each computed there by a recurrence and checked against a
    /// log-gamma closed form (agreeing to ~1e-13): C(1000 agents, 990 Erlangs) =
    /// 0.6590804218808543, C(1000, 500) = 3.3048302555026975e-86, C(1000, 999.5) =
    /// 0.9804842961888139, C(5000, 4900) = 0.09993787723448762.
    #[test]
    fn large_centres_up_to_5000_agents() {
        close(
            probability_of_waiting(990.0, 1000).unwrap(),
            0.6590804218808543,
            1e-11,
            "C(990, 1000)",
        );
        close(
            probability_of_waiting(999.5, 1000).unwrap(),
            0.9804842961888139,
            1e-11,
            "C(999.5, 1000)",
        );
        close(
            probability_of_waiting(4900.0, 5000).unwrap(),
            0.09993787723448762,
            1e-11,
            "C(4900, 5000)",
        );
        let tiny = probability_of_waiting(500.0, 1000).unwrap();
        assert!(
            (tiny / 3.3048302555026975e-86 - 1.0).abs() < 1e-9,
            "C(500, 1000) = {tiny:e}, published 3.3048302555026975e-86"
        );
    }

    /// FelixKleineBoesing/queuingSystem, the ErlangB tests of `src/modelling/erlang.py`
    /// (`ErlangBTester.test_get_probability`, exact float equality there): 190 servers at λ = 150, μ = 0.75 (200 Erlangs) block 0.08869684386923561;
    /// 1000 servers at λ = 1000, μ = 2 (500 Erlangs) block 1.6524151277513355e-86; 10 servers at
    /// λ = 100, μ = 5 (20 Erlangs) block 0.5379631686320729.
    #[test]
    fn erlang_b_published_values() {
        close(
            erlang_b(200.0, 190),
            0.08869684386923561,
            1e-13,
            "B(200, 190)",
        );
        close(erlang_b(20.0, 10), 0.5379631686320729, 1e-13, "B(20, 10)");
        let tiny = erlang_b(500.0, 1000);
        assert!(
            (tiny / 1.6524151277513355e-86 - 1.0).abs() < 1e-9,
            "B(500, 1000) = {tiny:e}"
        );
    }

    #[test]
    fn unstable_queue_is_a_typed_error() {
        for (a, m) in [(10.0, 10), (10.0, 9), (10.5, 10), (1.0, 0)] {
            match probability_of_waiting(a, m) {
                Err(StaffingError::Unstable {
                    agents,
                    traffic,
                    minimum,
                }) => {
                    assert_eq!((agents, traffic), (m, a));
                    assert!(f64::from(minimum) > a && f64::from(minimum - 1) <= a);
                }
                other => panic!("({a}, {m}): {other:?}"),
            }
        }
        assert!(matches!(
            service_level(10.0, 10, 20.0, 180.0),
            Err(StaffingError::Unstable { .. })
        ));
        assert!(matches!(
            asa(10.0, 10, 180.0),
            Err(StaffingError::Unstable { .. })
        ));
        assert!(matches!(
            occupancy(10.0, 10),
            Err(StaffingError::Unstable { .. })
        ));
    }

    #[test]
    fn invalid_inputs_name_the_field() {
        let field = |r: Result<f64, StaffingError>| match r {
            Err(StaffingError::Invalid { field, .. }) => field,
            other => panic!("{other:?}"),
        };
        assert_eq!(field(probability_of_waiting(f64::NAN, 10)), "traffic");
        assert_eq!(field(probability_of_waiting(-1.0, 10)), "traffic");
        assert_eq!(
            field(service_level(5.0, 10, -1.0, 180.0)),
            "answer_within_s"
        );
        assert_eq!(field(service_level(5.0, 10, 20.0, 0.0)), "aht_s");
        assert_eq!(field(asa(5.0, 10, f64::INFINITY)), "aht_s");
    }

    #[test]
    fn no_traffic_means_no_wait() {
        assert_eq!(probability_of_waiting(0.0, 1).unwrap(), 0.0);
        assert_eq!(service_level(0.0, 1, 0.0, 180.0).unwrap(), 1.0);
        assert_eq!(asa(0.0, 3, 180.0).unwrap(), 0.0);
    }
}
