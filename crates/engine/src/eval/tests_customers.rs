//! Worked examples of the customer-experience metrics. Local time +07:00.

use carekpi_domain::Record;
use carekpi_domain::records::Case;
use carekpi_domain::records::vocab::CaseType;

use super::testkit::*;
use crate::EngineConfig;

const MON: &str = "2026-03-02 00:00";
const NEXT_MON: &str = "2026-03-09 00:00";
const MARCH: &str = "2026-03-01 00:00";
const APRIL: &str = "2026-04-01 00:00";

fn survey(id: &str, kind: &str, score: i64, extra: &str) -> Record {
    rec(&format!(
        r#"{{"kind":"survey","id":"{id}","survey":"{kind}","score":{score},"at":"2026-03-02T12:00:00+07:00"{extra}}}"#
    ))
}

#[test]
fn nps_is_promoters_minus_detractors() {
    let e = engine(&[
        survey("S1", "nps", 10, ""),
        survey("S2", "nps", 9, ""),
        survey("S3", "nps", 9, ""),
        survey("S4", "nps", 7, ""),
        survey("S5", "nps", 3, ""),
        // A CSAT answer is not an NPS answer.
        survey("S6", "csat", 5, ""),
    ]);
    // Promoters 3/5 = 60 %, detractors 1/5 = 20 % → NPS 40; n = 5.
    let v = one(&e, "nps", MON, NEXT_MON);
    close(v.value, 40.0);
    assert_eq!(v.n, 5);
    let p = v.parts.unwrap();
    close(p["promoters"].value, 60.0);
    close(p["passives"].value, 20.0);
    close(p["detractors"].value, 20.0);
}

#[test]
fn csat_counts_4_and_5_of_5_and_a_3_is_not_satisfied() {
    let e = engine(&[
        survey("S1", "csat", 5, ""),
        survey("S2", "csat", 4, ""),
        survey("S3", "csat", 3, ""),
        survey("S4", "csat", 2, ""),
        // On 1–10: 8 is (8 − 1)/9 = 0.78 of the way, ≥ (4 − 1)/4 = 0.75: satisfied; on 1–5 it
        // reads 1 + 0.78 × 4 = 37/9.
        survey("S5", "csat", 8, r#","scale":{"min":1,"max":10}"#),
    ]);
    // Satisfied: 5, 4 and the 8 of 10 = 3/5 = 60 %.
    let v = one(&e, "csat", MON, NEXT_MON);
    close(v.value, 60.0);
    assert_eq!(v.n, 5);
    // Mean: (5 + 4 + 3 + 2 + 37/9) / 5 = (14 + 37/9) / 5 = 163/45.
    close(one(&e, "csat_mean", MON, NEXT_MON).value, 163.0 / 45.0);
}

#[test]
fn ces_mean_and_easy_share() {
    let e = engine(&[
        survey("S1", "ces", 7, ""),
        survey("S2", "ces", 5, ""),
        survey("S3", "ces", 4, ""),
        survey("S4", "ces", 1, ""),
    ]);
    // Mean 17/4 = 4.25; easy (≥ 5): 2/4 = 50 %.
    close(one(&e, "ces", MON, NEXT_MON).value, 4.25);
    close(one(&e, "ces_easy_pct", MON, NEXT_MON).value, 50.0);
}

#[test]
fn iqs_is_the_mean_weighted_score() {
    let e = engine(&[
        // (4 × 1 + 9 × 2) / (5 × 1 + 10 × 2) = 22/25 = 88 %.
        rec(
            r#"{"kind":"qa_review","id":"QA-1","at":"2026-03-03T15:00:00+07:00","case_id":"T-1","agent_id":"a1",
               "criteria":[{"name":"greeting","score":4,"max":5,"weight":1},{"name":"accuracy","score":9,"max":10,"weight":2}]}"#,
        ),
        // 3/5 = 60 %.
        rec(
            r#"{"kind":"qa_review","id":"QA-2","at":"2026-03-04T15:00:00+07:00","call_id":"CL-1","agent_id":"a1",
               "criteria":[{"name":"greeting","score":3,"max":5}]}"#,
        ),
    ]);
    // (88 + 60) / 2 = 74.
    let v = one(&e, "iqs", MON, NEXT_MON);
    close(v.value, 74.0);
    assert_eq!(v.n, 2);
}

/// Customers around March 2026: c1–c4 acquired before March; c2 churns on 15 March; c5 (by
/// referral) and c6 acquired in March; c7 acquired by referral in March; c8 churned in
/// February.
fn customers() -> Vec<Record> {
    vec![
        rec(
            r#"{"kind":"customer","id":"c1","created_at":"2025-06-01T00:00:00+07:00","segment":"smb"}"#,
        ),
        rec(
            r#"{"kind":"customer","id":"c2","created_at":"2025-06-01T00:00:00+07:00","ended_at":"2026-03-15T00:00:00+07:00","segment":"smb"}"#,
        ),
        rec(
            r#"{"kind":"customer","id":"c3","created_at":"2025-07-01T00:00:00+07:00","segment":"enterprise"}"#,
        ),
        rec(r#"{"kind":"customer","id":"c4"}"#),
        rec(
            r#"{"kind":"customer","id":"c5","created_at":"2026-03-05T00:00:00+07:00","acquisition_channel":"referral","referred_by":"c1"}"#,
        ),
        rec(
            r#"{"kind":"customer","id":"c6","created_at":"2026-03-10T00:00:00+07:00","acquisition_channel":"ads"}"#,
        ),
        rec(
            r#"{"kind":"customer","id":"c7","created_at":"2026-03-20T00:00:00+07:00","acquisition_channel":"referral"}"#,
        ),
        rec(
            r#"{"kind":"customer","id":"c8","created_at":"2025-01-01T00:00:00+07:00","ended_at":"2026-02-10T00:00:00+07:00"}"#,
        ),
    ]
}

#[test]
fn churn_rate_is_churned_over_active_at_the_start() {
    let e = engine(&customers());
    // Active on 1 March: c1, c2, c3, c4 (no acquisition date: always a customer) = 4; churned
    // in March: c2 → 25 %.
    let v = one(&e, "churn_rate", MARCH, APRIL);
    close(v.value, 25.0);
    assert_eq!(v.n, 4);
}

#[test]
fn retention_rate_excludes_new_customers() {
    let e = engine(&customers());
    // Active at the end of March: c1, c3, c4, c5, c6, c7 = 6; acquired in March: 3 → (6 − 3) / 4
    // = 75 %.
    close(one(&e, "retention_rate", MARCH, APRIL).value, 75.0);
}

#[test]
fn referral_rate_is_referred_over_acquired() {
    let e = engine(&customers());
    // Acquired in March: c5, c6, c7; by referral: c5, c7 → 66.67 %.
    let v = one(&e, "referral_rate", MARCH, APRIL);
    close(v.value, 200.0 / 3.0);
    assert_eq!(v.n, 3);
}

#[test]
fn engagement_is_events_per_active_customer() {
    let mut r = customers();
    for (i, (customer, activity)) in [
        ("c1", "login"),
        ("c1", "login"),
        ("c3", "login"),
        ("c5", "visit"),
    ]
    .iter()
    .enumerate()
    {
        r.push(rec(&format!(
            r#"{{"kind":"engagement","id":"E-{i}","at":"2026-03-20T10:00:00+07:00","customer_id":"{customer}","activity":"{activity}"}}"#
        )));
    }
    let e = engine(&r);
    // Active at some time in March: c1–c7 (c8 ended in February) = 7; 4 events → 4/7.
    let v = one(&e, "engagement", MARCH, APRIL);
    close(v.value, 4.0 / 7.0);
    assert_eq!(v.n, 4);
    let p = v.parts.unwrap();
    close(p["login"].value, 3.0 / 7.0);
    close(p["visit"].value, 1.0 / 7.0);
    close(
        one(&e, "engagement(activity=login)", MARCH, APRIL).value,
        3.0 / 7.0,
    );
}

#[test]
fn clv_is_value_times_frequency_times_lifespan_times_margin() {
    let config = EngineConfig::from_json(
        r#"{"time_zone": "Asia/Ho_Chi_Minh", "clv": {"gross_margin": 0.5, "currency": "VND"}}"#,
    )
    .unwrap();
    let mut r = customers();
    for (id, customer, amount, currency) in [
        ("O1", "c1", "100", "VND"),
        ("O2", "c1", "300", "VND"),
        ("O3", "c3", "200", "VND"),
        ("O4", "c3", "999", "USD"),
    ] {
        r.push(rec(&format!(
            r#"{{"kind":"order","id":"{id}","at":"2026-03-10T10:00:00+07:00","customer_id":"{customer}","amount":"{amount}","currency":"{currency}"}}"#
        )));
    }
    let e = engine_with(config, &r);
    // March (31 days, annual factor f = 365.2425 / 31): VND orders 100, 300, 200 → AOV 200;
    // orders per customer per year = 3 / 2 × f; annual churn = 1/4 × f → lifespan 4 / f years.
    // CLV = 200 × 1.5 f × 4 / f × 0.5 = 600 (f cancels). n = 3 orders.
    let v = one(&e, "clv", MARCH, APRIL);
    close(v.value, 600.0);
    assert_eq!(v.n, 3);
    let p = v.parts.unwrap();
    close(p["aov"].value, 200.0);
    close(p["lifespan_years"].value, 4.0 * 31.0 / 365.2425);
}

#[test]
fn returning_customers_had_activity_before_the_period() {
    let c = |id: &str, customer: &str, created: &str| -> Record {
        Case {
            customer_id: Some(customer.into()),
            ..case(id, created, vec![])
        }
        .into()
    };
    let e = engine(&[
        // c1: an order in February, a case in March → returning.
        rec(
            r#"{"kind":"order","id":"O1","at":"2026-02-10T10:00:00+07:00","customer_id":"c1","amount":"1","currency":"VND"}"#,
        ),
        c("T1", "c1", "2026-03-05 10:00"),
        // c2: two cases, both in March → new this month.
        c("T2", "c2", "2026-03-05 10:00"),
        c("T3", "c2", "2026-03-06 10:00"),
        // c3: a case in February only → not active in March.
        c("T4", "c3", "2026-02-05 10:00"),
        // c4: a call in February (its own contact), a call in March → returning.
        rec(
            r#"{"kind":"call","id":"CL-1","queued_at":"2026-02-01T10:00:00+07:00","outcome":"abandoned","customer_id":"c4"}"#,
        ),
        rec(
            r#"{"kind":"call","id":"CL-2","queued_at":"2026-03-01T10:00:00+07:00","outcome":"abandoned","customer_id":"c4"}"#,
        ),
    ]);
    // c1 and c4 → 2.
    let v = one(&e, "returning_customers", MARCH, APRIL);
    close(v.value, 2.0);
    assert_eq!(v.n, 2);
}

fn servqual(id: &str, dimension: &str, expectation: i64, perception: i64) -> Record {
    rec(&format!(
        r#"{{"kind":"servqual","id":"{id}","at":"2026-03-03T10:00:00+07:00","dimension":"{dimension}","expectation":{expectation},"perception":{perception}}}"#
    ))
}

#[test]
fn servqual_gap_per_dimension_and_weighted() {
    let r = vec![
        servqual("Q1", "reliability", 6, 5),
        servqual("Q2", "reliability", 7, 7),
        servqual("Q3", "empathy", 5, 6),
    ];
    // Reliability: (−1 + 0) / 2 = −0.5; empathy: +1. Equal weights over the two dimensions with
    // answers: (20 × −0.5 + 20 × 1) / 40 = 0.25.
    let e = engine(&r);
    let v = one(&e, "servqual_gap", MON, NEXT_MON);
    close(v.value, 0.25);
    assert_eq!(v.n, 3);
    close(v.parts.unwrap()["reliability"].value, -0.5);
    close(
        one(&e, "servqual_gap(dimension=reliability)", MON, NEXT_MON).value,
        -0.5,
    );
    // Weights 40/20/20/10/10: (40 × −0.5 + 10 × 1) / 50 = −0.2.
    let config = EngineConfig::from_json(
        r#"{"time_zone": "Asia/Ho_Chi_Minh", "servqual_weights": {"reliability": 40, "assurance": 20,
            "tangibles": 20, "empathy": 10, "responsiveness": 10}}"#,
    )
    .unwrap();
    close(
        one(&engine_with(config, &r), "servqual_gap", MON, NEXT_MON).value,
        -0.2,
    );
}

#[test]
fn positive_feedback_count_and_rate() {
    let f = |id: &str, polarity: &str| {
        rec(&format!(
            r#"{{"kind":"feedback","id":"{id}","at":"2026-03-03T10:00:00+07:00","polarity":"{polarity}"}}"#
        ))
    };
    let e = engine(&[
        f("F1", "positive"),
        f("F2", "positive"),
        f("F3", "positive"),
        f("F4", "negative"),
    ]);
    // 3 positive of 4 → 3, and 75 %.
    close(one(&e, "positive_feedback", MON, NEXT_MON).value, 3.0);
    close(one(&e, "positive_feedback_rate", MON, NEXT_MON).value, 75.0);
}

#[test]
fn positive_review_rate_counts_4_and_5() {
    let r = |id: &str, rating: i64| {
        rec(&format!(
            r#"{{"kind":"platform_review","id":"{id}","at":"2026-03-03T10:00:00+07:00","platform":"google","rating":{rating}}}"#
        ))
    };
    let e = engine(&[r("R1", 5), r("R2", 4), r("R3", 3), r("R4", 1)]);
    // 5 and 4 of 4 reviews → 50 %.
    let v = one(&e, "positive_review_rate", MON, NEXT_MON);
    close(v.value, 50.0);
    assert_eq!(v.n, 4);
}

#[test]
fn complaint_ratio_is_complaints_over_customers_served() {
    let c = |id: &str, customer: &str, kind: CaseType| -> Record {
        Case {
            customer_id: Some(customer.into()),
            case_type: Some(kind),
            ..case(id, "2026-03-03 10:00", vec![])
        }
        .into()
    };
    let e = engine(&[
        c("T1", "c1", CaseType::Complaint),
        c("T2", "c1", CaseType::Question),
        c("T3", "c2", CaseType::Complaint),
        // c3 called and was answered; a call without a customer serves nobody known.
        rec(
            r#"{"kind":"call","id":"CL-1","queued_at":"2026-03-03T10:00:00+07:00","answered_at":"2026-03-03T10:00:10+07:00","outcome":"answered","customer_id":"c3"}"#,
        ),
        rec(
            r#"{"kind":"call","id":"CL-2","queued_at":"2026-03-03T10:00:00+07:00","answered_at":"2026-03-03T10:00:10+07:00","outcome":"answered"}"#,
        ),
    ]);
    // 2 complaints / 3 customers served (c1, c2, c3) = 66.67 %.
    let v = one(&e, "complaint_ratio", MON, NEXT_MON);
    close(v.value, 200.0 / 3.0);
    assert_eq!(v.n, 3);
}

#[test]
fn avg_time_between_interactions_averages_customers_mean_gaps() {
    let c = |id: &str, customer: &str, created: &str| -> Record {
        Case {
            customer_id: Some(customer.into()),
            ..case(id, created, vec![])
        }
        .into()
    };
    let e = engine(&[
        // c1: Monday 09:00, Monday 15:00, Tuesday 09:00 → (24 h) / 2 = 12 h = 43,200 s.
        c("T1", "c1", "2026-03-02 09:00"),
        c("T2", "c1", "2026-03-02 15:00"),
        c("T3", "c1", "2026-03-03 09:00"),
        // c2: Monday 10:00, and a call of its own on Wednesday 10:00 → 48 h = 172,800 s.
        c("T4", "c2", "2026-03-02 10:00"),
        rec(
            r#"{"kind":"call","id":"CL-1","queued_at":"2026-03-04T10:00:00+07:00","outcome":"abandoned","customer_id":"c2"}"#,
        ),
        // c3: one contact: no gap.
        c("T5", "c3", "2026-03-02 10:00"),
    ]);
    // Mean (43,200 + 172,800) / 2 = 108,000; median rank 1 → 43,200; p90 rank 2 → 172,800.
    let v = one(&e, "avg_time_between_interactions", MON, NEXT_MON);
    close(v.value, 108_000.0);
    close(v.median, 43_200.0);
    close(v.p90, 172_800.0);
    assert_eq!(v.n, 2);
}
