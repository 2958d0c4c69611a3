//! Required agents against published staffing figures, and properties of the search.

use proptest::prelude::*;

use super::*;

fn close(actual: f64, expected: f64, tolerance: f64, what: &str) {
    assert!(
        (actual - expected).abs() <= tolerance,
        "{what}: {actual} is not within {tolerance} of the published {expected}"
    );
}

/// Call Centre Helper, "Erlang C Formula – Made Simple With an Easy Worked Example"
/// (https://www.callcentrehelper.com/erlang-c-formula-example-121281.htm): 100 calls per 30
/// minutes, AHT 180 s, 80 % in 20 s, maximum occupancy 85 %, shrinkage 30 % → 14 raw agents
/// (service level 88.8 %, occupancy 71.4 %), 20 agents to schedule. rodrigo-arenas/pyworkforce
/// asserts the same in `pyworkforce/queuing/tests/test_erlang.py`
/// (`test_expected_erlangc_results`: raw_positions 14, positions 20, service level 0.888,
/// occupancy 0.714, waiting probability 0.174; its target time is asa = 0.33 min = 19.8 s).
#[test]
fn call_centre_helper_required_agents() {
    let w = Workload::new(100.0, 1800.0, 180.0).unwrap();
    let target = Target {
        service_level: 0.8,
        answer_within_s: 0.33 * 60.0,
        max_occupancy: Some(0.85),
        shrinkage: 0.3,
    };
    let r = required_agents(&w, &target, Model::ErlangC).unwrap();
    assert_eq!((r.agents, r.scheduled), (14, 20));
    assert_eq!(r.limited_by, Limit::ServiceLevel);
    close(r.prediction.service_level, 0.888, 0.0005, "service level");
    close(r.prediction.occupancy, 0.714, 0.0005, "occupancy");
    close(
        r.prediction.probability_of_waiting,
        0.174,
        0.0005,
        "P(wait)",
    );
    let at_20s = required_agents(
        &w,
        &Target {
            answer_within_s: 20.0,
            ..target
        },
        Model::ErlangC,
    );
    assert_eq!(at_20s.unwrap().agents, 14);
}

/// rodrigo-arenas/pyworkforce, `pyworkforce/queuing/tests/test_erlang.py`,
/// `test_over_occupancy_erlangc`: the same example with a maximum occupancy of 70 % needs 15
/// raw positions and 22 with 30 % shrinkage; service level 0.941, occupancy 0.667, waiting
/// probability 0.102.
#[test]
fn pyworkforce_over_occupancy() {
    let w = Workload::new(100.0, 1800.0, 180.0).unwrap();
    let target = Target {
        service_level: 0.8,
        answer_within_s: 0.33 * 60.0,
        max_occupancy: Some(0.7),
        shrinkage: 0.3,
    };
    let r = required_agents(&w, &target, Model::ErlangC).unwrap();
    assert_eq!((r.agents, r.scheduled), (15, 22));
    assert_eq!(r.limited_by, Limit::Occupancy);
    close(r.prediction.service_level, 0.941, 0.0005, "service level");
    close(r.prediction.occupancy, 0.667, 0.0005, "occupancy");
    close(
        r.prediction.probability_of_waiting,
        0.102,
        0.0005,
        "P(wait)",
    );
}

/// perehinik/call-center-tools, `python/tests/integration/test_staffing.py`
/// (`test_optimise_occupancy`): 123 Erlangs with a maximum occupancy of 85 % need 145 agents
/// (occupancy 0.8483); 109 Erlangs on 130 agents stay at 130 (occupancy 0.8385). Its
/// `add_shrinkage` test: 10 agents at 30 % shrinkage are 15 heads, 11 are 16.
#[test]
fn perehinik_occupancy_and_shrinkage() {
    let w = Workload::new(123.0 * 1800.0 / 300.0, 1800.0, 300.0).unwrap();
    let target = Target {
        service_level: 0.8,
        answer_within_s: 20.0,
        max_occupancy: Some(0.85),
        shrinkage: 0.0,
    };
    let r = required_agents(&w, &target, Model::ErlangC).unwrap();
    assert_eq!(r.agents, 145);
    assert_eq!(r.limited_by, Limit::Occupancy);
    close(r.prediction.occupancy, 0.8483, 0.00005, "occupancy at 145");
    let p = predict(
        &Workload::new(109.0 * 1800.0 / 300.0, 1800.0, 300.0).unwrap(),
        130,
        20.0,
        Model::ErlangC,
    )
    .unwrap();
    close(
        p.occupancy,
        0.8385,
        0.00005,
        "occupancy of 109 Erlangs on 130",
    );
    assert_eq!(scheduled_heads(10, 0.3), 15);
    assert_eq!(scheduled_heads(11, 0.3), 16);
}

#[test]
fn shrinkage_rounds_up_but_not_past_exact_quotients() {
    assert_eq!(scheduled_heads(7, 0.3), 10);
    assert_eq!(scheduled_heads(14, 0.3), 20);
    assert_eq!(scheduled_heads(0, 0.3), 0);
    assert_eq!(scheduled_heads(3, 0.0), 3);
    assert_eq!(scheduled_heads(1, 0.5), 2);
}

#[test]
fn no_contacts_need_no_agents() {
    let w = Workload::new(0.0, 900.0, 180.0).unwrap();
    for model in [Model::ErlangC, Model::ErlangA { patience_s: 60.0 }] {
        let r = required_agents(&w, &Target::new(0.8, 20.0), model).unwrap();
        assert_eq!(
            (r.agents, r.scheduled, r.limited_by),
            (0, 0, Limit::NoTraffic)
        );
        assert_eq!(r.prediction.service_level, 1.0);
    }
}

#[test]
fn invalid_targets_and_workloads_name_the_field() {
    let field = |e: StaffingError| match e {
        StaffingError::Invalid { field, .. } => field,
        other => panic!("{other:?}"),
    };
    let w = Workload::new(100.0, 1800.0, 180.0).unwrap();
    let bad = |t: Target| field(required_agents(&w, &t, Model::ErlangC).unwrap_err());
    let t = Target::new(0.8, 20.0);
    assert_eq!(
        bad(Target {
            service_level: 1.0,
            ..t
        }),
        "service_level"
    );
    assert_eq!(
        bad(Target {
            service_level: 0.0,
            ..t
        }),
        "service_level"
    );
    assert_eq!(
        bad(Target {
            service_level: f64::NAN,
            ..t
        }),
        "service_level"
    );
    assert_eq!(
        bad(Target {
            answer_within_s: -1.0,
            ..t
        }),
        "answer_within_s"
    );
    assert_eq!(
        bad(Target {
            max_occupancy: Some(0.0),
            ..t
        }),
        "max_occupancy"
    );
    assert_eq!(
        bad(Target {
            max_occupancy: Some(1.2),
            ..t
        }),
        "max_occupancy"
    );
    assert_eq!(
        bad(Target {
            shrinkage: 1.0,
            ..t
        }),
        "shrinkage"
    );
    assert_eq!(
        bad(Target {
            shrinkage: -0.1,
            ..t
        }),
        "shrinkage"
    );
    assert_eq!(
        field(Workload::new(-1.0, 1800.0, 180.0).unwrap_err()),
        "contacts"
    );
    assert_eq!(
        field(Workload::new(1.0, 0.0, 180.0).unwrap_err()),
        "interval_s"
    );
    assert_eq!(
        field(Workload::new(1.0, 1800.0, f64::NAN).unwrap_err()),
        "aht_s"
    );
    assert_eq!(
        field(Workload::new(1e12, 1.0, 1000.0).unwrap_err()),
        "traffic"
    );
    let patience = Model::ErlangA { patience_s: 0.0 };
    assert_eq!(
        field(predict(&w, 12, 20.0, patience).unwrap_err()),
        "patience_s"
    );
    assert_eq!(
        field(predict(&w, MAX_AGENTS + 1, 20.0, Model::ErlangC).unwrap_err()),
        "agents"
    );
}

#[test]
fn unstable_prediction_names_the_minimum() {
    let w = Workload::new(100.0, 1800.0, 180.0).unwrap();
    let e = predict(&w, 10, 20.0, Model::ErlangC).unwrap_err();
    assert_eq!(
        e,
        StaffingError::Unstable {
            agents: 10,
            traffic: 10.0,
            minimum: 11
        }
    );
    assert!(e.to_string().contains("at least 11"), "{e}");
    // Erlang A takes the same staffing: the queue is kept finite by abandons.
    let p = predict(&w, 10, 20.0, Model::ErlangA { patience_s: 60.0 }).unwrap();
    assert!(p.abandonment > 0.0 && p.service_level < 1.0);
}

/// A week of a 2,000-agent centre at 15-minute intervals solves quickly even in a debug build
/// (the release figure is `carekpi bench staffing`).
#[test]
fn a_week_of_large_intervals_solves() {
    let target = Target {
        service_level: 0.8,
        answer_within_s: 20.0,
        max_occupancy: Some(0.95),
        shrinkage: 0.3,
    };
    let mut most = 0;
    for i in 0..672 {
        let traffic = 1850.0 + 50.0 * (f64::from(i) / 10.0).sin();
        let w = Workload::new(traffic * 900.0 / 300.0, 900.0, 300.0).unwrap();
        let r = required_agents(&w, &target, Model::ErlangC).unwrap();
        assert!(r.prediction.service_level >= 0.8 && f64::from(r.agents) > traffic);
        most = most.max(r.agents);
    }
    assert!((1950..2100).contains(&most), "{most}");
}

fn erlang_c_direct(traffic: f64, agents: u32) -> f64 {
    // Σₖ₌₀ᵐ⁻¹ Aᵏ/k! and Aᵐ/m! by the plain product (fine below ~150 agents).
    let (mut sum, mut term) = (0.0, 1.0);
    for k in 0..agents {
        sum += term;
        term *= traffic / f64::from(k + 1);
    }
    let m = f64::from(agents);
    let top = term * m / (m - traffic);
    top / (sum + top)
}

proptest! {
    #![proptest_config(ProptestConfig::with_cases(200))]

    /// The Erlang B recurrence gives the textbook sum formula of Erlang C.
    #[test]
    fn recurrence_equals_the_sum_formula(agents in 1u32..140, load in 0.01f64..0.99) {
        let traffic = f64::from(agents) * load;
        let c = erlang_c::probability_of_waiting(traffic, agents).unwrap();
        let direct = erlang_c_direct(traffic, agents);
        prop_assert!((c - direct).abs() <= 1e-12 * direct.max(1e-300) + 1e-15, "{c} vs {direct}");
    }

    /// The required staffing is the smallest that meets the target.
    #[test]
    fn erlang_c_requirement_is_minimal(
        contacts in 1.0f64..20_000.0,
        aht in 30.0f64..900.0,
        sl in 0.5f64..0.99,
        t in 0.0f64..120.0,
        occ in proptest::option::of(0.6f64..1.0),
        shrinkage in 0.0f64..0.5,
    ) {
        let w = Workload::new(contacts, 1800.0, aht).unwrap();
        let target = Target { service_level: sl, answer_within_s: t, max_occupancy: occ, shrinkage };
        let r = required_agents(&w, &target, Model::ErlangC).unwrap();
        let meets = |m: u32| predict(&w, m, t, Model::ErlangC)
            .map(|p| p.service_level >= sl && occ.is_none_or(|o| p.occupancy <= o))
            .unwrap_or(false);
        prop_assert!(meets(r.agents));
        prop_assert!(!meets(r.agents - 1));
        prop_assert!(f64::from(r.scheduled) * (1.0 - shrinkage) >= f64::from(r.agents) - 1e-9);
        prop_assert!(f64::from(r.scheduled - 1) * (1.0 - shrinkage) < f64::from(r.agents));
    }

    /// Erlang A: more agents never lower the service level nor raise the occupancy (the
    /// bisection relies on it), and the requirement is the smallest meeting the target.
    #[test]
    fn erlang_a_is_monotone_and_the_requirement_minimal(
        traffic in 0.5f64..300.0,
        aht in 60.0f64..600.0,
        patience in 10.0f64..900.0,
        sl in 0.3f64..0.95,
        t in 0.0f64..60.0,
    ) {
        let w = Workload::new(traffic * 1800.0 / aht, 1800.0, aht).unwrap();
        let model = Model::ErlangA { patience_s: patience };
        let mut last: Option<Prediction> = None;
        let top = (traffic * 1.5) as u32 + 5;
        for m in (1..=top).step_by(((top / 25) as usize).max(1)) {
            let p = predict(&w, m, t, model).unwrap();
            for v in [p.probability_of_waiting, p.service_level, p.occupancy, p.abandonment] {
                prop_assert!((0.0..=1.0).contains(&v), "{p:?}");
            }
            if let Some(q) = last {
                prop_assert!(p.service_level >= q.service_level - 1e-9, "{q:?} → {p:?}");
                prop_assert!(p.occupancy <= q.occupancy + 1e-9, "{q:?} → {p:?}");
                prop_assert!(p.abandonment <= q.abandonment + 1e-9, "{q:?} → {p:?}");
            }
            last = Some(p);
        }
        let r = required_agents(&w, &Target::new(sl, t), model).unwrap();
        prop_assert!(r.prediction.service_level >= sl);
        if r.agents > 1 {
            prop_assert!(predict(&w, r.agents - 1, t, model).unwrap().service_level < sl);
        }
    }
}

/// A [`Question`] answers as [`predict`] and [`required_agents`] do, on the Call Centre Helper
/// worked example (100 calls per 30 minutes, AHT 180 s: 14 agents give 17.41 % waiting, 88.8 %
/// within 20 s, ASA 7.8 s, occupancy 71.4 %; 80 % in 20 s with 85 % maximum occupancy and 30 %
/// shrinkage needs 14 agents, 20 to schedule).
#[test]
fn a_question_answers_with_agents_or_for_a_target() {
    let w = Workload::new(100.0, 1800.0, 180.0).unwrap();
    let with_14 = Question::new(Model::ErlangC, 20.0, Ask::Agents(14));
    let a = with_14.answer(&w).unwrap();
    assert_eq!(a.prediction, predict(&w, 14, 20.0, Model::ErlangC).unwrap());
    assert_eq!((a.scheduled, a.limited_by), (None, None));
    close(
        a.prediction.probability_of_waiting,
        0.1741,
        0.00005,
        "P(wait)",
    );
    close(a.prediction.service_level, 0.888, 0.0005, "service level");
    close(a.prediction.asa_s, 7.8, 0.05, "ASA");
    close(a.prediction.occupancy, 0.714, 0.0005, "occupancy");
    assert_eq!(
        (with_14.agents(), with_14.target(), with_14.patience_s()),
        (Some(14), None, None)
    );

    // The target's own threshold is replaced by the question's.
    let target = Target {
        service_level: 0.8,
        answer_within_s: 999.0,
        max_occupancy: Some(0.85),
        shrinkage: 0.3,
    };
    let q = Question::new(Model::ErlangC, 20.0, Ask::Target(target));
    assert_eq!(q.target().unwrap().answer_within_s, 20.0);
    let a = q.answer(&w).unwrap();
    let r = required_agents(
        &w,
        &Target {
            answer_within_s: 20.0,
            ..target
        },
        Model::ErlangC,
    )
    .unwrap();
    assert_eq!((a.prediction.agents, a.scheduled), (14, Some(20)));
    assert_eq!(a.prediction, r.prediction);
    assert_eq!(a.limited_by, Some(Limit::ServiceLevel));
    assert_eq!(q.agents(), None);

    // Errors are the computations' own.
    let unstable = Question::new(Model::ErlangC, 20.0, Ask::Agents(10)).answer(&w);
    assert!(matches!(
        unstable,
        Err(StaffingError::Unstable { minimum: 11, .. })
    ));
    let a = Question::new(Model::ErlangA { patience_s: 0.0 }, 20.0, Ask::Agents(12)).answer(&w);
    assert!(matches!(
        a,
        Err(StaffingError::Invalid {
            field: "patience_s",
            ..
        })
    ));
    assert_eq!(Model::ErlangA { patience_s: 1.0 }.as_str(), "erlang_a");
}

#[test]
fn durations_and_percentages_as_given() {
    assert_eq!(parse_seconds("180s"), Ok(180.0));
    assert_eq!(parse_seconds("180"), Ok(180.0));
    assert_eq!(parse_seconds("3m"), Ok(180.0));
    assert_eq!(parse_seconds("30m"), Ok(1800.0));
    assert_eq!(parse_seconds("1h"), Ok(3600.0));
    assert_eq!(parse_seconds("4m 30s"), Ok(270.0));
    assert_eq!(parse_seconds("PT30M"), Ok(1800.0));
    assert_eq!(parse_seconds(" 2.5 "), Ok(2.5));
    assert!(
        parse_seconds("soon")
            .unwrap_err()
            .contains("not a duration")
    );

    assert_eq!(PercentRange::SERVICE_LEVEL.share(80.0), Ok(0.8));
    assert_eq!(
        PercentRange::SERVICE_LEVEL.share(100.0),
        Err("must be a percentage above 0 and below 100".to_string())
    );
    assert!(PercentRange::SERVICE_LEVEL.share(0.0).is_err());
    assert!(PercentRange::SERVICE_LEVEL.share(f64::NAN).is_err());
    assert_eq!(PercentRange::MAX_OCCUPANCY.share(100.0), Ok(1.0));
    assert_eq!(
        PercentRange::MAX_OCCUPANCY.share(0.0),
        Err("must be a percentage above 0 and at most 100".to_string())
    );
    assert_eq!(PercentRange::SHRINKAGE.share(0.0), Ok(0.0));
    assert_eq!(
        PercentRange::SHRINKAGE.share(100.0),
        Err("must be a percentage at least 0 and below 100".to_string())
    );
}
