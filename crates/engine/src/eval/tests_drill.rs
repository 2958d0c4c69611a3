//! Drill-down: worked examples (local time +07:00; 2026-03-02 is a Monday), the items behind every
//! figure of generated data (their count is the figure's `n`, the subsets' counts give its value),
//! paging and order, and errors.

use carekpi_domain::records::Case;
use carekpi_domain::records::vocab::{Channel, Status};
use carekpi_domain::{Record, RecordKind};
use jiff::Timestamp;

use super::testkit::*;
use crate::catalogue::CATALOGUE;
use crate::drill::MAX_LIMIT;
use crate::{
    Dimension, DrillDown, DrillRecord, DrillResult, Engine, EngineConfig, MetricQuery, MetricSpec,
    MetricValue, QueryError, QueryResult,
};

const MON: &str = "2026-03-02 00:00";
const TUE: &str = "2026-03-03 00:00";
const NEXT_MON: &str = "2026-03-09 00:00";

fn key(k: &str) -> Option<String> {
    Some(k.to_string())
}

/// The figure and the drill-down of `metric` over local `[from, to)` at `now`, grouped by `by`,
/// in the cell `keys`, listing `subset` (all items when None).
fn both(
    e: &Engine,
    metric: &str,
    (from, to, now): (&str, &str, &str),
    by: &[Dimension],
    keys: &[Option<String>],
    subset: Option<&str>,
) -> (MetricValue, DrillResult) {
    let spec: MetricSpec = metric.parse().unwrap();
    let q = MetricQuery::new(vec![spec.clone()], t(from), t(to)).group_by(by.iter().copied());
    let r = e.query(&q, t(now)).unwrap();
    let keys_ref: Vec<Option<&str>> = keys.iter().map(|k| k.as_deref()).collect();
    let figure = r.get(&keys_ref, 0).cloned().unwrap_or_default();
    let mut d = DrillDown::new(&q, spec, keys.to_vec()).page(0, MAX_LIMIT);
    if let Some(s) = subset {
        d = d.subset(s);
    }
    (figure, e.drill_down(&d, t(now)).unwrap())
}

fn ids(r: &DrillResult) -> Vec<&str> {
    r.records.iter().map(|x| x.id.as_str()).collect()
}

fn subset_total(r: &DrillResult, name: &str) -> u64 {
    r.subsets
        .iter()
        .find(|s| s.name == name)
        .unwrap_or_else(|| panic!("no subset {name}"))
        .total
}

fn sla_config() -> EngineConfig {
    EngineConfig::from_json(
        r#"{"time_zone": "Asia/Ho_Chi_Minh", "sla": {"policies": [{"name": "All",
            "targets": {"first_reply": {"within": "1h", "hours": "calendar"},
                        "resolution": {"within": "4h", "hours": "calendar"}}}]}}"#,
    )
    .unwrap()
}

fn sla_cases() -> Vec<Record> {
    let replied_and_solved = |id: &str, created: &str, reply_at: &str, solved: &str| -> Record {
        case(
            id,
            created,
            vec![
                customer(created),
                reply(reply_at, "a1"),
                status(solved, Status::Solved),
            ],
        )
        .into()
    };
    vec![
        // Week 10. A: replied in 30 min, solved in 3 h: met; due 13:00 (resolution).
        replied_and_solved(
            "A",
            "2026-03-02 09:00",
            "2026-03-02 09:30",
            "2026-03-02 12:00",
        ),
        // B: first reply after 2 h: breached; due 13:00.
        replied_and_solved(
            "B",
            "2026-03-02 09:00",
            "2026-03-02 11:00",
            "2026-03-02 12:00",
        ),
        // C: replied in 10 min, never solved: resolution due 18:00, breached by now.
        case(
            "C",
            "2026-03-02 14:00",
            vec![
                customer("2026-03-02 14:00"),
                reply("2026-03-02 14:10", "a1"),
            ],
        )
        .into(),
        // D: replied in 20 min, never solved: due 13:00, breached.
        case(
            "D",
            "2026-03-02 09:00",
            vec![
                customer("2026-03-02 09:00"),
                reply("2026-03-02 09:20", "a1"),
            ],
        )
        .into(),
        // Week 11. E: met; due Tuesday 10 March 13:00.
        replied_and_solved(
            "E",
            "2026-03-10 09:00",
            "2026-03-10 09:15",
            "2026-03-10 10:00",
        ),
    ]
}

#[test]
fn the_cases_that_breached_sla_in_a_week() {
    let e = engine_with(sla_config(), &sla_cases());
    let period = (MON, "2026-03-16 00:00", "2026-03-16 00:00");
    let week = [Dimension::Week];
    // Week 10: A met; B, C, D breached → 25 %, n = 4.
    let (figure, all) = both(
        &e,
        "sla_compliance",
        period,
        &week,
        &[key("2026-W10")],
        None,
    );
    close(figure.value, 25.0);
    assert_eq!((all.n, all.total), (4, 4));
    assert_eq!(subset_total(&all, "met"), 1);
    assert_eq!(subset_total(&all, "breached"), 3);
    // In order of due time, then id: A and B and D are due at 13:00, C at 18:00.
    assert_eq!(ids(&all), ["A", "B", "D", "C"]);
    assert_eq!(all.records[3].at, Some(t("2026-03-02 18:00")));
    assert!(all.records.iter().all(|r| r.kind == RecordKind::Case));
    assert_eq!(
        (all.start, all.end),
        (t("2026-03-02 00:00"), t("2026-03-09 00:00"))
    );
    let (_, breached) = both(
        &e,
        "sla_compliance",
        period,
        &week,
        &[key("2026-W10")],
        Some("breached"),
    );
    assert_eq!((breached.n, breached.total), (4, 3));
    assert_eq!(ids(&breached), ["B", "D", "C"]);
    // Week 11: E, met.
    let (figure, met) = both(
        &e,
        "sla_compliance",
        period,
        &week,
        &[key("2026-W11")],
        Some("met"),
    );
    assert_eq!((figure.n, met.n), (1, 1));
    assert_eq!(ids(&met), ["E"]);
    // At Monday 15:00, C is still running: not behind the figure yet.
    let (figure, all) = both(
        &e,
        "sla_compliance",
        (MON, TUE, "2026-03-02 15:00"),
        &[],
        &[],
        None,
    );
    assert_eq!((figure.n, all.n), (3, 3));
    assert_eq!(ids(&all), ["A", "B", "D"]);
}

#[test]
fn nps_promoters_passives_and_detractors() {
    let survey = |id: &str, kind: &str, score: i64, at: &str| {
        rec(&format!(
            r#"{{"kind":"survey","id":"{id}","survey":"{kind}","score":{score},"at":"{at}:00+07:00"}}"#,
            at = at.replace(' ', "T")
        ))
    };
    let e = engine(&[
        survey("S1", "nps", 10, "2026-03-02 12:00"),
        survey("S2", "nps", 9, "2026-03-02 11:00"),
        survey("S3", "nps", 9, "2026-03-02 12:00"),
        survey("S4", "nps", 7, "2026-03-02 12:00"),
        survey("S5", "nps", 3, "2026-03-03 12:00"),
        // A CSAT answer: not behind the NPS.
        survey("S6", "csat", 5, "2026-03-02 12:00"),
    ]);
    let period = (MON, NEXT_MON, NEXT_MON);
    let (figure, all) = both(&e, "nps", period, &[], &[], None);
    assert_eq!((figure.n, all.n), (5, 5));
    // By answer time, then id.
    assert_eq!(ids(&all), ["S2", "S1", "S3", "S4", "S5"]);
    let p = |name| both(&e, "nps", period, &[], &[], Some(name)).1;
    assert_eq!(ids(&p("promoters")), ["S2", "S1", "S3"]);
    assert_eq!(ids(&p("passives")), ["S4"]);
    assert_eq!(ids(&p("detractors")), ["S5"]);
    // (3 − 1) / 5 × 100 = 40, the figure.
    close(figure.value, 40.0);
    close(Some(100.0 * (3.0 - 1.0) / all.n as f64), 40.0);
    // CSAT: S6 is satisfied.
    let (_, csat) = both(&e, "csat", period, &[], &[], Some("satisfied"));
    assert_eq!(ids(&csat), ["S6"]);
    assert_eq!(csat.records[0].kind, RecordKind::Survey);
}

#[test]
fn calls_within_and_outside_the_service_level() {
    let e = engine(&super::tests_contacts::queue());
    let period = (MON, TUE, TUE);
    // Denominator: A1, A2, A3 answered, X2, X3 abandoned after the threshold (X1 is short).
    let (figure, all) = both(&e, "service_level", period, &[], &[], None);
    assert_eq!((figure.n, all.n), (5, 5));
    // Every call arrived at 09:00: by id.
    assert_eq!(ids(&all), ["A1", "A2", "A3", "X2", "X3"]);
    let within = both(&e, "service_level", period, &[], &[], Some("within")).1;
    assert_eq!(ids(&within), ["A1", "A2"]);
    assert_eq!(subset_total(&within, "outside"), 3);
    close(figure.value, 100.0 * 2.0 / 5.0);
    // With T = 25 s, A3 is within too.
    let within = both(
        &e,
        "service_level(threshold_s=25)",
        period,
        &[],
        &[],
        Some("within"),
    )
    .1;
    assert_eq!(ids(&within), ["A1", "A2", "A3"]);
    // Abandonment: X2, X3 of 5 offered.
    let abandoned = both(&e, "abandonment_rate", period, &[], &[], Some("abandoned")).1;
    assert_eq!((abandoned.n, ids(&abandoned)), (5, vec!["X2", "X3"]));
    // Short abandons included: X1 too, of 6.
    let abandoned = both(
        &e,
        "abandonment_rate(short_abandons=include)",
        period,
        &[],
        &[],
        Some("abandoned"),
    )
    .1;
    assert_eq!((abandoned.n, ids(&abandoned)), (6, vec!["X1", "X2", "X3"]));
    // Blockage: every call is an attempt; B1 blocked.
    let blocked = both(&e, "blockage", period, &[], &[], Some("blocked")).1;
    assert_eq!((blocked.n, ids(&blocked)), (8, vec!["B1"]));
    assert_eq!(blocked.records[0].kind, RecordKind::Call);
    // ASA and AHT: the answered calls; AHT only those with handle time (not A3).
    assert_eq!(
        ids(&both(&e, "asa", period, &[], &[], None).1),
        ["A1", "A2", "A3"]
    );
    assert_eq!(
        ids(&both(&e, "aht", period, &[], &[], None).1),
        ["A1", "A2"]
    );
}

/// Monday: C solved at 09:00 without a reply; A replied and solved at 10:00 (one touch); B
/// solved, reopened, replied again, solved at 12:00; D solved and reopened, open at the end.
fn solved_cases() -> Vec<Record> {
    vec![
        case(
            "A",
            "2026-03-02 09:00",
            vec![
                customer("2026-03-02 09:00"),
                reply("2026-03-02 09:10", "a1"),
                status("2026-03-02 10:00", Status::Solved),
            ],
        )
        .into(),
        case(
            "B",
            "2026-03-02 09:00",
            vec![
                customer("2026-03-02 09:00"),
                reply("2026-03-02 09:10", "a1"),
                status("2026-03-02 10:00", Status::Solved),
                customer("2026-03-02 11:00"),
                status("2026-03-02 11:05", Status::Open),
                reply("2026-03-02 11:30", "a1"),
                status("2026-03-02 12:00", Status::Solved),
            ],
        )
        .into(),
        case(
            "C",
            "2026-03-02 08:00",
            vec![
                customer("2026-03-02 08:00"),
                status("2026-03-02 09:00", Status::Solved),
            ],
        )
        .into(),
        case(
            "D",
            "2026-03-02 09:00",
            vec![
                customer("2026-03-02 09:00"),
                reply("2026-03-02 09:10", "a1"),
                status("2026-03-02 10:00", Status::Solved),
                status("2026-03-02 11:00", Status::Open),
            ],
        )
        .into(),
    ]
}

#[test]
fn solved_cases_reopens_touches_and_fcr() {
    let e = engine(&solved_cases());
    let period = (MON, TUE, TUE);
    let list = |metric: &str, subset: Option<&str>| {
        let (figure, r) = both(&e, metric, period, &[], &[], subset);
        assert_eq!(figure.n, r.n, "{metric}");
        r
    };
    // The solved cases, by last solve: C 09:00, A 10:00, B 12:00 (D is open again).
    let solved = list("resolution_time", None);
    assert_eq!(ids(&solved), ["C", "A", "B"]);
    assert_eq!(solved.records[2].at, Some(t("2026-03-02 12:00")));
    assert_eq!(ids(&list("reopen_rate", Some("reopened"))), ["B"]);
    assert_eq!(ids(&list("reopen_rate", Some("not_reopened"))), ["C", "A"]);
    assert_eq!(ids(&list("touches", Some("zero_touch"))), ["C"]);
    assert_eq!(ids(&list("touches", Some("one_touch"))), ["A"]);
    assert_eq!(ids(&list("touches", Some("two_touch"))), ["B"]);
    assert!(list("touches", Some("multi_touch")).records.is_empty());
    assert_eq!(ids(&list("fcr", Some("resolved_first_contact"))), ["A"]);
    assert_eq!(
        ids(&list("fcr", Some("not_resolved_first_contact"))),
        ["C", "B"]
    );
    // Open at the end of Monday: D; listed by creation.
    assert_eq!(ids(&list("open_cases", None)), ["D"]);
    // Created on Monday with a first reply, by creation then id: A, B, D (C has none).
    assert_eq!(ids(&list("frt", None)), ["A", "B", "D"]);
    // Volume: every case created on Monday, by creation: C 08:00, then A, B, D at 09:00.
    assert_eq!(ids(&list("request_volume", None)), ["C", "A", "B", "D"]);
    let email = list("contact_volume_by_channel", Some("email"));
    assert_eq!((email.total, subset_total(&email, "phone")), (4, 0));
}

#[test]
fn every_exchange_and_every_reply_is_an_item() {
    // Two exchanges in one case: 09:00 → 09:10 and 10:00 → 10:30.
    let e = engine(&[case(
        "A",
        "2026-03-02 09:00",
        vec![
            customer("2026-03-02 09:00"),
            reply("2026-03-02 09:10", "a1"),
            customer("2026-03-02 10:00"),
            reply("2026-03-02 10:30", "a1"),
        ],
    )
    .into()]);
    let period = (MON, TUE, TUE);
    let (figure, r) = both(&e, "avg_response_time", period, &[], &[], None);
    assert_eq!((figure.n, r.n), (2, 2));
    let at: Vec<Option<Timestamp>> = r.records.iter().map(|x| x.at).collect();
    assert_eq!(
        at,
        [Some(t("2026-03-02 09:10")), Some(t("2026-03-02 10:30"))]
    );
    assert_eq!(ids(&r), ["A", "A"]);
    // Two replies by a1: two transactions, listed as the case at each reply.
    let (figure, r) = both(&e, "transactions_per_day", period, &[], &[], None);
    assert_eq!((figure.n, r.n, ids(&r)), (2, 2, vec!["A", "A"]));
}

fn base_customers() -> Vec<Record> {
    vec![
        rec(r#"{"kind":"customer","id":"c1","created_at":"2025-06-01T00:00:00+07:00"}"#),
        rec(
            r#"{"kind":"customer","id":"c2","created_at":"2025-06-01T00:00:00+07:00","ended_at":"2026-03-15T00:00:00+07:00"}"#,
        ),
        // Acquired and lost within March.
        rec(
            r#"{"kind":"customer","id":"c3","created_at":"2026-03-05T00:00:00+07:00","ended_at":"2026-03-20T00:00:00+07:00"}"#,
        ),
        // No dates: always active.
        rec(r#"{"kind":"customer","id":"c4"}"#),
        rec(
            r#"{"kind":"customer","id":"c5","created_at":"2026-03-10T00:00:00+07:00","acquisition_channel":"referral"}"#,
        ),
    ]
}

#[test]
fn customers_churned_retained_and_referred() {
    let e = engine(&base_customers());
    let march = ("2026-03-01 00:00", "2026-04-01 00:00", "2026-04-01 00:00");
    let list = |metric: &str, subset: Option<&str>| both(&e, metric, march, &[], &[], subset);
    // Active at the start of March: c1, c2, c4 (no instant: by id). Churned: c2 (15th), c3 (20th).
    let (figure, start) = list("churn_rate", None);
    assert_eq!((figure.n, ids(&start)), (3, vec!["c1", "c2", "c4"]));
    assert_eq!(start.records[0].at, None);
    let (_, churned) = list("churn_rate", Some("churned"));
    assert_eq!(ids(&churned), ["c2", "c3"]);
    close(figure.value, 100.0 * 2.0 / 3.0);
    // Retention: active at the end c1, c4, c5; acquired c3, c5: (3 − 2) / 3.
    let (figure, r) = list("retention_rate", Some("active_at_end"));
    assert_eq!(ids(&r), ["c1", "c4", "c5"]);
    assert_eq!(subset_total(&r, "acquired"), 2);
    close(figure.value, 100.0 * (3.0 - 2.0) / 3.0);
    assert_eq!(ids(&list("retention_rate", Some("lost")).1), ["c2"]);
    assert_eq!(
        ids(&list("retention_rate", Some("acquired")).1),
        ["c3", "c5"]
    );
    // Referral: c3 and c5 acquired, c5 referred.
    let (figure, referred) = list("referral_rate", Some("referred"));
    assert_eq!((figure.n, referred.n, ids(&referred)), (2, 2, vec!["c5"]));
}

#[test]
fn agents_behind_occupancy_turnover_and_daily_completion() {
    let e = engine(&[
        rec(r#"{"kind":"agent","id":"a3","name":"An","left_at":"2026-03-02T12:00:00+07:00"}"#),
        rec(
            r#"{"kind":"presence","agent_id":"a1","from":"2026-03-02T09:00:00+07:00","to":"2026-03-02T17:00:00+07:00","state":"available"}"#,
        ),
        rec(
            r#"{"kind":"call","id":"CL-1","queued_at":"2026-03-02T10:00:00+07:00","answered_at":"2026-03-02T10:00:10+07:00","outcome":"answered","agent_id":"a1","talk_s":600}"#,
        ),
        // a2 has no presence data: not in occupancy.
        rec(
            r#"{"kind":"call","id":"CL-2","queued_at":"2026-03-02T10:00:00+07:00","answered_at":"2026-03-02T10:00:10+07:00","outcome":"answered","agent_id":"a2","talk_s":600}"#,
        ),
        case(
            "A",
            "2026-03-02 09:00",
            vec![
                assign("2026-03-02 09:05", "a1"),
                status("2026-03-02 10:00", Status::Solved),
            ],
        )
        .into(),
        case(
            "B",
            "2026-03-03 09:00",
            vec![assign("2026-03-03 09:05", "a1")],
        )
        .into(),
    ]);
    let period = (MON, "2026-03-04 00:00", "2026-03-04 00:00");
    let (figure, r) = both(&e, "occupancy", period, &[], &[], None);
    assert_eq!((figure.n, ids(&r)), (1, vec!["a1"]));
    assert_eq!(r.records[0].kind, RecordKind::Agent);
    let (figure, r) = both(&e, "agent_turnover", period, &[], &[], None);
    assert_eq!((figure.n, ids(&r)), (1, vec!["a3"]));
    assert_eq!(r.records[0].at, Some(t("2026-03-02 12:00")));
    // a1's Monday (100 %) and Tuesday (0 %): two agent-days, at the start of each day.
    let (figure, r) = both(&e, "daily_completion_rate", period, &[], &[], None);
    close(figure.value, 50.0);
    assert_eq!((figure.n, ids(&r)), (2, vec!["a1", "a1"]));
    let days: Vec<Option<Timestamp>> = r.records.iter().map(|x| x.at).collect();
    assert_eq!(days, [Some(t(MON)), Some(t(TUE))]);
}

#[test]
fn a_cell_is_named_by_the_row_keys() {
    let mut cases = sla_cases();
    cases.push(
        Case {
            channel: Channel::Phone,
            team_id: Some("hcm".into()),
            ..case("P", "2026-03-03 09:00", vec![customer("2026-03-03 09:00")])
        }
        .into(),
    );
    let e = engine_with(sla_config(), &cases);
    let q = MetricQuery::new(vec![MetricSpec::new("request_volume")], t(MON), t(NEXT_MON))
        .group_by([Dimension::Team, Dimension::Channel, Dimension::Day]);
    let r = e.query(&q, t(NEXT_MON)).unwrap();
    // Every row of the result drills to its n.
    for row in &r.rows {
        let d = DrillDown::of_row(&q, q.metrics[0].clone(), row);
        assert_eq!(e.drill_down(&d, t(NEXT_MON)).unwrap().n, row.values[0].n);
    }
    // Cases without a team are under a None key.
    let keys = vec![None, key("email"), key("2026-03-02")];
    let d = DrillDown::new(&q, q.metrics[0].clone(), keys);
    assert_eq!(
        ids(&e.drill_down(&d, t(NEXT_MON)).unwrap()),
        ["A", "B", "D", "C"]
    );
    let keys = vec![key("hcm"), key("phone"), key("2026-03-03")];
    let d = DrillDown::new(&q, q.metrics[0].clone(), keys);
    assert_eq!(ids(&e.drill_down(&d, t(NEXT_MON)).unwrap()), ["P"]);
}

#[test]
fn drill_down_errors_and_empty_cells() {
    let e = engine_with(sla_config(), &sla_cases());
    let q = MetricQuery::new(vec![MetricSpec::new("sla_compliance")], t(MON), t(NEXT_MON))
        .group_by([Dimension::Team, Dimension::Week]);
    let now = t(NEXT_MON);
    let spec = MetricSpec::new("sla_compliance");
    let cell = vec![None, key("2026-W10")];
    let err = |d: DrillDown| e.drill_down(&d, now).unwrap_err();
    // Unknown metric: the query's error, with a suggestion.
    let d = DrillDown::new(&q, MetricSpec::new("sla_complience"), cell.clone());
    assert!(matches!(
        err(d),
        QueryError::UnknownMetric { suggestion: Some(s), .. } if s == "sla_compliance"
    ));
    // Unknown subset: the error names the metric's subsets.
    let e1 = err(DrillDown::new(&q, spec.clone(), cell.clone()).subset("late"));
    assert_eq!(
        e1.to_string(),
        "metric `sla_compliance` has no drill-down subset `late`; its subsets are: met, breached"
    );
    let e2 = err(DrillDown::new(&q, MetricSpec::new("frt"), cell.clone()).subset("late"));
    assert!(e2.to_string().ends_with("its subsets are: none"), "{e2}");
    // Keys: one per dimension; time keys must be buckets of the period.
    assert!(matches!(
        err(DrillDown::new(&q, spec.clone(), vec![key("2026-W10")])),
        QueryError::BadCell(_)
    ));
    let e3 = err(DrillDown::new(
        &q,
        spec.clone(),
        vec![None, key("2026-W12")],
    ));
    assert_eq!(
        e3.to_string(),
        "drill-down cell: no bucket of the period is week `2026-W12`"
    );
    assert!(matches!(
        err(DrillDown::new(&q, spec.clone(), vec![None, None])),
        QueryError::BadCell(_)
    ));
    // Pages hold at most MAX_LIMIT records.
    assert_eq!(
        err(DrillDown::new(&q, spec.clone(), cell.clone()).page(0, MAX_LIMIT + 1)),
        QueryError::PageTooLarge {
            limit: MAX_LIMIT + 1,
            max: MAX_LIMIT
        }
    );
    // An option the metric does not have, and a bad period: the query's errors.
    assert!(matches!(
        err(DrillDown::new(
            &q,
            MetricSpec::new("sla_compliance").with("hours", "calendar"),
            cell.clone()
        )),
        QueryError::UnknownOption { .. }
    ));
    let mut d = DrillDown::new(&q, spec.clone(), cell.clone());
    d.to = d.from;
    assert!(matches!(err(d), QueryError::EmptyPeriod { .. }));
    // A key no record has (an unknown team) is a cell with nothing behind it, like its figure.
    let d = DrillDown::new(&q, spec.clone(), vec![key("nobody"), key("2026-W10")]);
    let r = e.drill_down(&d, now).unwrap();
    assert_eq!((r.n, r.total, r.records.len()), (0, 0, 0));
    assert!(r.subsets.iter().all(|s| s.total == 0));
    // An offset past the end: the counts, no records.
    let d = DrillDown::new(&q, spec.clone(), cell.clone()).page(10, 5);
    let r = e.drill_down(&d, now).unwrap();
    assert_eq!((r.n, r.records.len()), (4, 0));
    // Limit 0: only the counts.
    let d = DrillDown::new(&q, spec, cell).page(0, 0);
    let r = e.drill_down(&d, now).unwrap();
    assert_eq!((r.n, r.total, r.records.len()), (4, 4, 0));
}

#[test]
fn a_drill_down_request_reads_and_writes_json() {
    let json = r#"{"metric":{"id":"sla_compliance"},"from":"2026-03-01T17:00:00Z",
        "to":"2026-03-08T17:00:00Z","group_by":["team","week"],"keys":[null,"2026-W10"],
        "subset":"breached","offset":0,"limit":2}"#;
    let d: DrillDown = serde_json::from_str(json).unwrap();
    assert_eq!(d.keys, vec![None, key("2026-W10")]);
    // Without offset and limit: the first page of 100.
    let short: DrillDown = serde_json::from_str(
        r#"{"metric":{"id":"nps"},"from":"2026-03-01T17:00:00Z","to":"2026-03-08T17:00:00Z"}"#,
    )
    .unwrap();
    assert_eq!(
        (short.offset, short.limit),
        (0, crate::drill::DEFAULT_LIMIT)
    );
    assert!(serde_json::from_str::<DrillDown>(r#"{"metric":{"id":"nps"},"from":"2026-03-01T17:00:00Z","to":"2026-03-08T17:00:00Z","page":1}"#).is_err());
    let e = engine_with(sla_config(), &sla_cases());
    let r = e.drill_down(&d, t(NEXT_MON)).unwrap();
    let out = serde_json::to_value(&r).unwrap();
    assert_eq!(out["n"], 4);
    assert_eq!(out["total"], 3);
    assert_eq!(out["subsets"][1]["name"], "breached");
    assert_eq!(out["records"][0]["kind"], "case");
    assert_eq!(out["records"][0]["id"], "B");
    assert_eq!(out["records"][0]["at"], "2026-03-02T06:00:00Z");
    assert_eq!(out["records"].as_array().unwrap().len(), 2);
}

#[test]
fn the_catalogue_says_what_each_metric_drills_to() {
    for m in CATALOGUE {
        assert!(
            !m.drill.records.is_empty() && !m.drill.item.is_empty(),
            "{}",
            m.id
        );
        let mut names = std::collections::HashSet::new();
        for s in m.drill.subsets {
            assert!(names.insert(s.name), "{}: {} twice", m.id, s.name);
            assert!(
                s.name.chars().all(|c| c.is_ascii_lowercase() || c == '_') && !s.doc.is_empty(),
                "{}.{}",
                m.id,
                s.name
            );
        }
    }
    // contact_volume_by_channel's subsets are the channels, in the vocabulary's order.
    let channels: Vec<&str> = crate::metric("contact_volume_by_channel")
        .unwrap()
        .drill
        .subsets
        .iter()
        .map(|s| s.name)
        .collect();
    let vocabulary: Vec<&str> = Channel::ALL.iter().map(|c| c.as_str()).collect();
    assert_eq!(channels, vocabulary);
}

// ---------------------------------------------------------------------- generated data

/// A year of demo data (800 cases and everything around them) and its configuration.
fn demo() -> (EngineConfig, Vec<Record>) {
    let config = EngineConfig::from_json(include_str!("../../examples/demo_config.json")).unwrap();
    let mut records = Vec::new();
    carekpi_demo::generate(
        &carekpi_demo::DemoOptions {
            cases: 800,
            seed: 11,
        },
        |r| {
            records.push(r);
            Ok::<_, ()>(())
        },
    )
    .unwrap();
    (config, records)
}

fn demo_query(e: &Engine, by: Vec<Dimension>, months: i8) -> (MetricQuery, Timestamp) {
    let start = jiff::civil::date(2025, 11, 1);
    let (from, to) = e
        .local_period(
            start,
            start.checked_add(jiff::Span::new().months(months)).unwrap(),
        )
        .unwrap();
    let q = MetricQuery::new(MetricSpec::all(), from, to).group_by(by);
    (q, to)
}

/// Checks the subsets of a figure: their sizes against its value, parts and n.
fn check_subsets(spec: &MetricSpec, v: &MetricValue, d: &DrillResult) {
    let id = spec.id.as_str();
    let s = |name: &str| subset_total(d, name) as f64;
    let n = d.n as f64;
    let pct = |x: f64| (d.n > 0).then(|| 100.0 * x / n);
    let sum: u64 = d.subsets.iter().map(|x| x.total).sum();
    let same = |expected: Option<f64>| match (v.value, expected) {
        (Some(a), Some(b)) => assert!((a - b).abs() < 1e-9, "{id}: value {a} vs {b}"),
        (a, b) => assert_eq!(a, b, "{id}"),
    };
    match id {
        "csat"
        | "ces_easy_pct"
        | "positive_feedback_rate"
        | "positive_review_rate"
        | "resolution_rate"
        | "service_level"
        | "abandonment_rate"
        | "blockage"
        | "fcr"
        | "reopen_rate"
        | "sla_compliance" => {
            assert_eq!(sum, d.n, "{id}: the two subsets split the items");
            same(pct(s(d.subsets[0].name)));
        }
        "csat_mean" | "ces" => assert_eq!(sum, d.n, "{id}"),
        "nps" => {
            assert_eq!(sum, d.n);
            same(pct(s("promoters") - s("detractors")));
        }
        "touches" => {
            assert_eq!(sum, d.n);
            let bucket = spec.options.get("bucket").map_or("one", String::as_str);
            same(pct(s(&format!("{bucket}_touch"))));
            if let Some(parts) = &v.parts {
                for x in &d.subsets {
                    assert_eq!(parts[x.name].n, x.total, "touches {}", x.name);
                }
            }
        }
        "contact_volume_by_channel" => {
            assert_eq!(sum, d.n);
            for x in &d.subsets {
                let part = v
                    .parts
                    .as_ref()
                    .and_then(|p| p.get(x.name))
                    .map_or(0, |p| p.n);
                assert_eq!(part, x.total, "channel {}", x.name);
            }
        }
        "churn_rate" => same(pct(s("churned"))),
        "retention_rate" => same(pct(s("active_at_end") - s("acquired"))),
        "referral_rate" => same(pct(s("referred"))),
        "complaint_ratio" => same(pct(s("complaints"))),
        "complaint_resolution_rate" => same(pct(s("resolved"))),
        _ => assert!(d.subsets.is_empty(), "{id}: subsets not checked"),
    }
}

/// The listed records are in the documented order: by instant (none last), kind, id.
fn assert_ordered(records: &[DrillRecord]) {
    let key = |r: &DrillRecord| (r.at.is_none(), r.at, r.kind, r.id.clone());
    for w in records.windows(2) {
        assert!(key(&w[0]) <= key(&w[1]), "{:?} before {:?}", w[0], w[1]);
    }
}

/// For every metric and every cell of the result: the drill-down's n is the figure's n, the
/// subsets agree with the value, and the whole list is as long as its total, in order.
/// Adds to `seen` each metric and each `metric.subset` with an item somewhere.
fn check_every_cell(
    e: &Engine,
    q: &MetricQuery,
    now: Timestamp,
    r: &QueryResult,
    seen: &mut std::collections::BTreeSet<String>,
) -> usize {
    let mut checked = 0;
    for row in &r.rows {
        for (spec, v) in q.metrics.iter().zip(&row.values) {
            let d = DrillDown::of_row(q, spec.clone(), row).page(0, MAX_LIMIT);
            let got = e.drill_down(&d, now).unwrap();
            assert_eq!(got.n, v.n, "{spec} at {:?}", row.keys);
            assert_eq!((got.start, got.end), (row.start, row.end));
            check_subsets(spec, v, &got);
            assert_eq!(got.records.len() as u64, got.total.min(MAX_LIMIT as u64));
            assert_ordered(&got.records);
            if got.n > 0 {
                seen.insert(spec.id.clone());
            }
            if spec.id == "retention_rate" {
                // Lost = the population less those still active at the end.
                let end = e
                    .drill_down(&d.clone().subset("active_at_end"), now)
                    .unwrap();
                let still = got
                    .records
                    .iter()
                    .filter(|r| end.records.contains(r))
                    .count();
                assert_eq!(subset_total(&got, "lost"), got.n - still as u64);
            }
            for s in &got.subsets {
                if s.total > 0 {
                    seen.insert(format!("{}.{}", spec.id, s.name));
                }
                let sub = e.drill_down(&d.clone().subset(s.name), now).unwrap();
                assert_eq!(sub.total, s.total, "{spec}.{}", s.name);
                assert_ordered(&sub.records);
            }
            checked += 1;
        }
    }
    checked
}

#[test]
fn every_figure_of_the_demo_data_drills_to_its_n() {
    let (config, records) = demo();
    let e = crate::eval::testkit::engine_with(config, &records);
    // Month × team over the year; tag × month (a case in several groups) over a quarter; agent ×
    // week with a filter over a month; every metric with non-default options.
    let (q, now) = demo_query(&e, vec![Dimension::Month, Dimension::Team], 12);
    let r = e.query(&q, now).unwrap();
    assert!(r.rows.len() >= 12, "{} rows", r.rows.len());
    let mut seen = std::collections::BTreeSet::new();
    let mut checked = check_every_cell(&e, &q, now, &r, &mut seen);
    let (q, now) = demo_query(&e, vec![Dimension::Tag, Dimension::Month], 3);
    checked += check_every_cell(&e, &q, now, &e.query(&q, now).unwrap(), &mut seen);
    let (mut q, now) = demo_query(&e, vec![Dimension::Agent, Dimension::Week], 1);
    q.filters.channel.insert(Channel::Phone);
    q.filters.channel.insert(Channel::Email);
    checked += check_every_cell(&e, &q, now, &e.query(&q, now).unwrap(), &mut seen);
    let (mut q, now) = demo_query(&e, vec![Dimension::Segment], 6);
    q.metrics = [
        "frt(hours=calendar)",
        "fcr(scope=contacts)",
        "fcr(scope=combined)",
        "service_level(denominator=all_offered)",
        "service_level(threshold_s=60)",
        "abandonment_rate(short_abandons=include)",
        "backlog(age_hours=4)",
        "backlog(hours=calendar)",
        "touches(bucket=multi)",
        "servqual_gap(dimension=empathy)",
        "engagement(activity=login)",
        "avg_response_time(contacts=exclude)",
        "avg_time_between_interactions(hours=calendar)",
    ]
    .iter()
    .map(|m| m.parse().unwrap())
    .collect();
    checked += check_every_cell(&e, &q, now, &e.query(&q, now).unwrap(), &mut seen);
    assert!(checked > 2000, "{checked} figures checked");
    // Not vacuous: every metric and every subset has items in some cell.
    for m in CATALOGUE {
        assert!(seen.contains(m.id), "{}: nothing in the demo data", m.id);
        for s in m.drill.subsets {
            let name = format!("{}.{}", m.id, s.name);
            // The demo's contacts use a few channels only, and it solves no case without a
            // reply (the worked examples have zero-touch cases).
            if m.id != "contact_volume_by_channel" && name != "touches.zero_touch" {
                assert!(seen.contains(&name), "{name}: nothing in the demo data");
            }
        }
    }
}

#[test]
fn pages_are_stable_and_follow_the_order() {
    let (config, records) = demo();
    let e = crate::eval::testkit::engine_with(config.clone(), &records);
    // The same records in reverse order: row numbers differ, the pages do not.
    let mut reversed = records.clone();
    reversed.reverse();
    let other = crate::eval::testkit::engine_with(config, &reversed);
    let (q, now) = demo_query(&e, vec![Dimension::Month], 12);
    for metric in [
        "request_volume",
        "csat",
        "resolution_time",
        "occupancy",
        "churn_rate",
    ] {
        let spec = MetricSpec::new(metric);
        let d = DrillDown::new(&q, spec, vec![key("2026-03")]).page(0, MAX_LIMIT);
        let all = e.drill_down(&d, now).unwrap();
        assert!(all.total > 2, "{metric}: {} items", all.total);
        assert_eq!(all, other.drill_down(&d, now).unwrap(), "{metric}");
        // Pages of 7 (and of 1) put together are the whole list.
        for size in [7, 1] {
            let mut pages = Vec::new();
            let mut offset = 0;
            loop {
                let page = e.drill_down(&d.clone().page(offset, size), now).unwrap();
                assert_eq!(
                    (page.total, page.offset, page.limit),
                    (all.total, offset, size)
                );
                if page.records.is_empty() {
                    break;
                }
                assert!(page.records.len() <= size);
                pages.extend(page.records);
                offset += size;
            }
            assert_eq!(pages, all.records, "{metric} in pages of {size}");
        }
    }
}

#[test]
fn a_query_shapes_kept_customer_pass_gives_the_figures_of_a_fresh_engine() {
    // The customer pass is kept with the shape's columns: a later query of the same shape (the
    // same metrics again, or more metrics with more tables and groups) must not see stale cells.
    let (config, records) = demo();
    let warm = crate::eval::testkit::engine_with(config.clone(), &records);
    let (all, now) = demo_query(&warm, vec![Dimension::Month, Dimension::Team], 12);
    let mut few = all.clone();
    few.metrics = ["returning_customers", "avg_time_between_interactions"]
        .iter()
        .map(|m| m.parse().unwrap())
        .collect();
    let first = warm.query(&few, now).unwrap();
    assert_eq!(first, warm.query(&few, now).unwrap());
    let warm_all = warm.query(&all, now).unwrap();
    let fresh = crate::eval::testkit::engine_with(config, &records);
    assert_eq!(warm_all, fresh.query(&all, now).unwrap());
    assert_eq!(first, warm.query(&few, now).unwrap());
}
