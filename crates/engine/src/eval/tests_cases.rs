//! Worked examples of the case metrics. Every instant is local time +07:00 (Asia/Ho_Chi_Minh);
//! 2026-03-02 is a Monday. Without a schedule, business time is calendar time.

use carekpi_domain::Record;
use carekpi_domain::records::Case;
use carekpi_domain::records::vocab::{CaseType, Channel, Status};

use super::testkit::*;
use crate::{EngineConfig, MetricQuery, MetricSpec};

const MON: &str = "2026-03-02 00:00";
const TUE: &str = "2026-03-03 00:00";
const WED: &str = "2026-03-04 00:00";
const NEXT_MON: &str = "2026-03-09 00:00";

fn records(cases: Vec<Case>) -> Vec<Record> {
    cases.into_iter().map(Record::from).collect()
}

#[test]
fn open_cases_counts_new_and_open_at_the_end_of_each_bucket() {
    let e = engine(&records(vec![
        // A: open at 09:10, pending from 10:00 → waiting for the customer at the end of Monday.
        case(
            "A",
            "2026-03-02 09:00",
            vec![
                status("2026-03-02 09:10", Status::Open),
                status("2026-03-02 10:00", Status::Pending),
            ],
        ),
        // B: no status event: new, for good.
        case("B", "2026-03-02 10:00", vec![customer("2026-03-02 10:00")]),
        // C: solved at noon.
        case(
            "C",
            "2026-03-02 11:00",
            vec![status("2026-03-02 12:00", Status::Solved)],
        ),
        // D: created on Tuesday, open.
        case(
            "D",
            "2026-03-03 09:00",
            vec![status("2026-03-03 09:05", Status::Open)],
        ),
    ]));
    // End of Monday: B only.
    let v = one(&e, "open_cases", MON, TUE);
    close(v.value, 1.0);
    assert_eq!(v.n, 1);
    // By day over Monday and Tuesday, now = Tuesday 12:00: Monday's end → B; Tuesday is
    // snapshotted at now → B and D. Wednesday has not begun: no data.
    let q = MetricQuery::new(
        vec![MetricSpec::new("open_cases")],
        t(MON),
        t("2026-03-05 00:00"),
    )
    .group_by([crate::Dimension::Day]);
    let r = e.query(&q, t("2026-03-03 12:00")).unwrap();
    let got: Vec<Option<f64>> = r.rows.iter().map(|r| r.values[0].value).collect();
    assert_eq!(got, vec![Some(1.0), Some(2.0), None]);
}

#[test]
fn backlog_counts_unsolved_cases_older_than_the_backlog_age() {
    let cases = records(vec![
        // A: created Monday 09:00, never solved: at Wednesday 00:00 it is 39 h old.
        case(
            "A",
            "2026-03-02 09:00",
            vec![status("2026-03-02 09:30", Status::Open)],
        ),
        // B: created Tuesday 12:00: 12 h old at Wednesday 00:00.
        case(
            "B",
            "2026-03-03 12:00",
            vec![status("2026-03-03 12:30", Status::Pending)],
        ),
        // C: created Monday 08:00, solved Tuesday 10:00.
        case(
            "C",
            "2026-03-02 08:00",
            vec![status("2026-03-03 10:00", Status::Solved)],
        ),
    ]);
    let e = engine(&cases);
    // Snapshot at the end of Tuesday (Wednesday 00:00): only A is ≥ 24 h old and unsolved.
    close(one(&e, "backlog", TUE, WED).value, 1.0);
    // With a 10-hour age, B (12 h) counts too.
    close(one(&e, "backlog(age_hours=10)", TUE, WED).value, 2.0);
    // Business hours Mon–Fri 09:00–17:00: at Wednesday 00:00 A has Monday 09:00–17:00 (8 h) +
    // Tuesday 09:00–17:00 (8 h) = 16 business hours < 24: not in the backlog; 39 calendar hours:
    // in it with hours=calendar.
    let e = engine_with(office_hours_config(), &cases);
    close(one(&e, "backlog", TUE, WED).value, 0.0);
    close(one(&e, "backlog(hours=calendar)", TUE, WED).value, 1.0);
}

/// Asia/Ho_Chi_Minh account, Mon–Fri 09:00–17:00 for everyone.
pub fn office_hours_config() -> EngineConfig {
    EngineConfig::from_json(
        r#"{"time_zone": "Asia/Ho_Chi_Minh", "account_schedule": "office",
            "schedules": {"office": {"time_zone": "Asia/Ho_Chi_Minh", "versions": [{"hours": {
              "mon": ["09:00-17:00"], "tue": ["09:00-17:00"], "wed": ["09:00-17:00"],
              "thu": ["09:00-17:00"], "fri": ["09:00-17:00"]}}],
              "holidays": [{"name": "Test holiday", "date": "2026-03-10"}]}}}"#,
    )
    .unwrap()
}

fn volume_records() -> Vec<Record> {
    vec![
        case("A", "2026-03-02 09:00", vec![customer("2026-03-02 09:00")]).into(),
        Case {
            channel: Channel::Phone,
            ..case("B", "2026-03-02 10:00", vec![customer("2026-03-02 10:00")])
        }
        .into(),
        // A call that is case B's contact: counted once, as the case.
        rec(
            r#"{"kind":"call","id":"CL-1","queued_at":"2026-03-02T10:00:00+07:00","answered_at":"2026-03-02T10:00:20+07:00","outcome":"answered","case_id":"B"}"#,
        ),
        // A call of its own.
        rec(
            r#"{"kind":"call","id":"CL-2","queued_at":"2026-03-02T11:00:00+07:00","answered_at":"2026-03-02T11:00:10+07:00","outcome":"answered"}"#,
        ),
        // A blocked call: an attempt (blockage), not a request.
        rec(
            r#"{"kind":"call","id":"CL-3","attempted_at":"2026-03-02T11:30:00+07:00","outcome":"blocked"}"#,
        ),
        // Next week: outside the period.
        case("Z", "2026-03-09 09:00", vec![]).into(),
    ]
}

#[test]
fn request_volume_counts_each_contact_once() {
    let e = engine(&volume_records());
    // Cases A and B + call CL-2 = 3 (CL-1 is B's contact, CL-3 was blocked, Z is next week).
    let v = one(&e, "request_volume", MON, NEXT_MON);
    close(v.value, 3.0);
    assert_eq!(v.n, 3);
}

#[test]
fn contact_volume_by_channel_gives_counts_and_shares() {
    let e = engine(&volume_records());
    // email: A (1); phone: B and CL-2 (2). Shares 1/3 = 33.33 % and 2/3 = 66.67 %.
    let v = one(&e, "contact_volume_by_channel", MON, NEXT_MON);
    close(v.value, 3.0);
    let parts = v.parts.unwrap();
    assert_eq!(parts["email"].n, 1);
    assert_eq!(parts["phone"].n, 2);
    close(parts["email"].value, 100.0 / 3.0);
    close(parts["phone"].value, 200.0 / 3.0);
}

#[test]
fn resolution_rate_counts_cases_assigned_and_solved_in_the_period() {
    let e = engine(&records(vec![
        // Assigned Monday, solved Monday: resolved.
        case(
            "A",
            "2026-03-02 08:00",
            vec![
                assign("2026-03-02 09:00", "a1"),
                status("2026-03-02 12:00", Status::Solved),
            ],
        ),
        // Assigned Tuesday, solved the week after: not in this week.
        case(
            "B",
            "2026-03-03 08:00",
            vec![
                assign("2026-03-03 09:00", "a1"),
                status("2026-03-10 12:00", Status::Solved),
            ],
        ),
        // Assigned Wednesday, solved Thursday, reopened Friday and still open on Sunday night.
        case(
            "C",
            "2026-03-04 08:00",
            vec![
                assign("2026-03-04 09:00", "a1"),
                status("2026-03-05 12:00", Status::Solved),
                status("2026-03-06 12:00", Status::Open),
            ],
        ),
    ]));
    // Week of 2 March: 3 cases assigned, 1 solved at the week's end → 33.33 %.
    let v = one(&e, "resolution_rate", MON, NEXT_MON);
    close(v.value, 100.0 / 3.0);
    assert_eq!(v.n, 3);
}

fn frt_records() -> Vec<Record> {
    records(vec![
        // 09:00 → 09:30: 1,800 s (an automatic acknowledgement at 09:01 does not count).
        case(
            "A",
            "2026-03-02 09:00",
            vec![
                customer("2026-03-02 09:00"),
                bot("2026-03-02 09:01"),
                reply("2026-03-02 09:30", "a1"),
            ],
        ),
        // 10:00 → 12:00: 7,200 s.
        case(
            "B",
            "2026-03-02 10:00",
            vec![
                customer("2026-03-02 10:00"),
                reply("2026-03-02 12:00", "a1"),
            ],
        ),
        // No reply yet: not in frt.
        case("C", "2026-03-02 11:00", vec![customer("2026-03-02 11:00")]),
    ])
}

#[test]
fn frt_is_creation_to_first_public_human_reply() {
    let e = engine(&frt_records());
    // Values [1800, 7200]: mean 4,500; median = rank ⌈0.5 × 2⌉ = 1 → 1,800;
    // p90 = rank ⌈0.9 × 2⌉ = 2 → 7,200. n = 2 cases replied to.
    let v = one(&e, "frt", MON, TUE);
    close(v.value, 4500.0);
    close(v.median, 1800.0);
    close(v.p90, 7200.0);
    assert_eq!(v.n, 2);
    // No schedule: the calendar variant is the same.
    close(one(&e, "frt(hours=calendar)", MON, TUE).value, 4500.0);
}

#[test]
fn avg_response_time_averages_every_exchange() {
    let e = engine(&[
        case(
            "A",
            "2026-03-02 09:00",
            vec![
                customer("2026-03-02 09:00"),
                // 09:00 → 09:10: 600 s.
                reply("2026-03-02 09:10", "a1"),
                // Two messages, one wait from the first: 10:00 → 10:35 = 2,100 s.
                customer("2026-03-02 10:00"),
                customer("2026-03-02 10:05"),
                reply("2026-03-02 10:35", "a1"),
            ],
        )
        .into(),
        // A call answered after 30 s: its response time is its queue wait (the ASA).
        rec(
            r#"{"kind":"call","id":"CL-1","queued_at":"2026-03-02T11:00:00+07:00","answered_at":"2026-03-02T11:00:30+07:00","outcome":"answered"}"#,
        ),
    ]);
    // [600, 2100, 30]: mean 910; median rank 2 → 600; p90 rank ⌈2.7⌉ = 3 → 2,100.
    let v = one(&e, "avg_response_time", MON, TUE);
    close(v.value, 910.0);
    close(v.median, 600.0);
    close(v.p90, 2100.0);
    assert_eq!(v.n, 3);
    // Cases only: (600 + 2100) / 2 = 1,350.
    close(
        one(&e, "avg_response_time(contacts=exclude)", MON, TUE).value,
        1350.0,
    );
}

/// Solved cases of the week of 2 March, for resolution time, reopen rate, touches, FCR.
fn solved_records() -> Vec<Record> {
    let c = |id: &str, events| Case {
        customer_id: Some(format!("cust-{id}")),
        ..case(id, "2026-03-02 09:00", events)
    };
    records(vec![
        // A: one reply, solved at 11:00 (2 h).
        c(
            "A",
            vec![
                customer("2026-03-02 09:00"),
                reply("2026-03-02 09:30", "a1"),
                status("2026-03-02 11:00", Status::Solved),
            ],
        ),
        // B: solved 10:00, reopened 10:30, solved again 13:00 (last solve: 4 h; first: 1 h);
        // three replies.
        c(
            "B",
            vec![
                customer("2026-03-02 09:00"),
                reply("2026-03-02 09:20", "a1"),
                status("2026-03-02 10:00", Status::Solved),
                status("2026-03-02 10:30", Status::Open),
                reply("2026-03-02 11:00", "a1"),
                reply("2026-03-02 12:00", "a1"),
                status("2026-03-02 13:00", Status::Solved),
            ],
        ),
        // C: solved Monday, reopened Friday and open at the end of the week: not a solved case.
        c(
            "C",
            vec![
                reply("2026-03-02 10:00", "a1"),
                status("2026-03-02 12:00", Status::Solved),
                status("2026-03-06 12:00", Status::Open),
            ],
        ),
        // D: two replies, solved at 09:00 the next day (24 h).
        c(
            "D",
            vec![
                customer("2026-03-02 09:00"),
                reply("2026-03-02 10:00", "a1"),
                reply("2026-03-02 16:00", "a1"),
                status("2026-03-03 09:00", Status::Solved),
            ],
        ),
        // E: solved without a reply at 09:30 (0.5 h), then closed (not another solve).
        c(
            "E",
            vec![
                status("2026-03-02 09:30", Status::Solved),
                status("2026-03-04 09:30", Status::Closed),
            ],
        ),
    ])
}

#[test]
fn resolution_time_is_measured_to_the_last_solve() {
    let e = engine(&solved_records());
    // Solved cases: A 7,200, B 14,400 (to its last solve), D 86,400, E 1,800; C is open at the
    // week's end. Mean = 109,800 / 4 = 27,450; sorted [1800, 7200, 14400, 86400]: median rank 2
    // → 7,200; p90 rank ⌈3.6⌉ = 4 → 86,400.
    let v = one(&e, "resolution_time", MON, NEXT_MON);
    close(v.value, 27_450.0);
    close(v.median, 7200.0);
    close(v.p90, 86_400.0);
    assert_eq!(v.n, 4);
    // To the first solve: A 7,200, B 3,600, D 86,400, E 1,800 → 99,000 / 4 = 24,750.
    let v = one(&e, "first_resolution_time", MON, NEXT_MON);
    close(v.value, 24_750.0);
    assert_eq!(v.n, 4);
}

#[test]
fn reopen_rate_counts_solved_cases_reopened() {
    let e = engine(&solved_records());
    // Solved cases A, B, D, E; B was reopened → 1/4 = 25 %. C (reopened, open at the end) is
    // not a solved case.
    let v = one(&e, "reopen_rate", MON, NEXT_MON);
    close(v.value, 25.0);
    assert_eq!(v.n, 4);
}

#[test]
fn touches_buckets_replies_up_to_the_last_solve() {
    let e = engine(&solved_records());
    // A 1 reply, B 3, D 2, E 0: one-touch 25 %, two 25 %, multi 25 %, zero 25 %.
    let v = one(&e, "touches", MON, NEXT_MON);
    close(v.value, 25.0);
    let p = v.parts.unwrap();
    for bucket in ["zero_touch", "one_touch", "two_touch", "multi_touch"] {
        close(p[bucket].value, 25.0);
        assert_eq!(p[bucket].n, 1);
    }
    close(one(&e, "touches(bucket=multi)", MON, NEXT_MON).value, 25.0);
}

#[test]
fn fcr_cases_contacts_and_combined() {
    let mut recs = solved_records();
    // F: one reply, not reopened, but the same customer opens a case with the same type and
    // tags 3 days after the solve: not resolved at first contact.
    let f = Case {
        customer_id: Some("cust-F".into()),
        case_type: Some(CaseType::Question),
        tags: vec!["billing".into()],
        ..case(
            "F",
            "2026-03-02 09:00",
            vec![
                reply("2026-03-02 09:10", "a1"),
                status("2026-03-02 09:20", Status::Solved),
            ],
        )
    };
    let again = Case {
        id: "F2".into(),
        created_at: at("2026-03-05 09:20"),
        events: vec![],
        ..f.clone()
    };
    recs.push(f.into());
    recs.push(again.into());
    recs.push(rec(r#"{"kind":"call","id":"CL-1","queued_at":"2026-03-02T09:00:00+07:00","answered_at":"2026-03-02T09:00:10+07:00","outcome":"answered","resolved_first_contact":true}"#));
    recs.push(rec(r#"{"kind":"call","id":"CL-2","queued_at":"2026-03-02T09:00:00+07:00","answered_at":"2026-03-02T09:00:10+07:00","outcome":"answered","resolved_first_contact":false}"#));
    recs.push(rec(r#"{"kind":"chat","id":"CH-1","queued_at":"2026-03-02T09:00:00+07:00","answered_at":"2026-03-02T09:00:10+07:00","outcome":"answered","resolved_first_contact":true}"#));
    recs.push(rec(r#"{"kind":"call","id":"CL-3","queued_at":"2026-03-02T09:00:00+07:00","answered_at":"2026-03-02T09:00:10+07:00","outcome":"answered"}"#));
    let e = engine(&recs);
    // Cases: solved A, B, D, E, F; FCR: A only (B 3 replies and reopened, D 2, E 0, F repeated)
    // → 1/5 = 20 %.
    let v = one(&e, "fcr", MON, NEXT_MON);
    close(v.value, 20.0);
    assert_eq!(v.n, 5);
    // Contacts: flags true, false, true (CL-3 has none) → 2/3.
    let v = one(&e, "fcr(scope=contacts)", MON, NEXT_MON);
    close(v.value, 200.0 / 3.0);
    assert_eq!(v.n, 3);
    // Combined: (1 + 2) / (5 + 3) = 37.5 %.
    let v = one(&e, "fcr(scope=combined)", MON, NEXT_MON);
    close(v.value, 37.5);
    assert_eq!(v.n, 8);
    let p = v.parts.unwrap();
    close(p["cases"].value, 20.0);
}

#[test]
fn complaint_resolution_rate() {
    let k = |id: &str, created: &str, events| Case {
        case_type: Some(CaseType::Complaint),
        ..case(id, created, events)
    };
    let e = engine(&records(vec![
        // K1: received Monday, solved Tuesday, never reopened: resolved successfully.
        k(
            "K1",
            "2026-03-02 09:00",
            vec![status("2026-03-03 09:00", Status::Solved)],
        ),
        // K2: received Monday, solved, reopened, solved again: not successful.
        k(
            "K2",
            "2026-03-02 10:00",
            vec![
                status("2026-03-02 11:00", Status::Solved),
                status("2026-03-02 12:00", Status::Open),
                status("2026-03-02 13:00", Status::Solved),
            ],
        ),
        // K3: received Wednesday, still open.
        k(
            "K3",
            "2026-03-04 10:00",
            vec![status("2026-03-04 10:05", Status::Open)],
        ),
        // A question solved this week: not a complaint.
        case(
            "Q",
            "2026-03-02 10:00",
            vec![status("2026-03-02 11:00", Status::Solved)],
        ),
    ]));
    // Received: K1, K2, K3 = 3; resolved successfully (last solve this week, not reopened): K1
    // → 1/3 = 33.33 %.
    let v = one(&e, "complaint_resolution_rate", MON, NEXT_MON);
    close(v.value, 100.0 / 3.0);
    assert_eq!(v.n, 3);
}

#[test]
fn waits_split_time_by_status_up_to_the_last_solve() {
    let e = engine(&records(vec![case(
        "A",
        "2026-03-02 09:00",
        vec![
            status("2026-03-02 09:30", Status::Open),
            status("2026-03-02 10:00", Status::Pending),
            status("2026-03-02 11:00", Status::Open),
            status("2026-03-02 11:30", Status::OnHold),
            status("2026-03-02 12:30", Status::Open),
            status("2026-03-02 13:00", Status::Solved),
        ],
    )]));
    // new 09:00–09:30 (30 min) + open 09:30–10:00 (30) + open 11:00–11:30 (30) + on_hold
    // 11:30–12:30 (60) + open 12:30–13:00 (30) = 180 min = 10,800 s waiting for the team.
    close(one(&e, "requester_wait_time", MON, TUE).value, 10_800.0);
    // pending 10:00–11:00 = 3,600 s waiting for the customer.
    close(one(&e, "agent_wait_time", MON, TUE).value, 3600.0);
    // on_hold 11:30–12:30 = 3,600 s waiting for a third party.
    close(one(&e, "on_hold_time", MON, TUE).value, 3600.0);
}

#[test]
fn sla_compliance_and_breaches_by_target() {
    let config = EngineConfig::from_json(
        r#"{"time_zone": "Asia/Ho_Chi_Minh", "sla": {"policies": [{"name": "All",
            "targets": {"first_reply": {"within": "1h", "hours": "calendar"},
                        "resolution": {"within": "4h", "hours": "calendar"}}}]}}"#,
    )
    .unwrap();
    let e = engine_with(
        config,
        &records(vec![
            // A: reply after 30 min, solved after 3 h: both met. Due 13:00 (resolution).
            case(
                "A",
                "2026-03-02 09:00",
                vec![
                    customer("2026-03-02 09:00"),
                    reply("2026-03-02 09:30", "a1"),
                    status("2026-03-02 12:00", Status::Solved),
                ],
            ),
            // B: reply after 2 h (first reply breached), solved after 3 h: not compliant.
            case(
                "B",
                "2026-03-02 09:00",
                vec![
                    customer("2026-03-02 09:00"),
                    reply("2026-03-02 11:00", "a1"),
                    status("2026-03-02 12:00", Status::Solved),
                ],
            ),
            // C: replied in 10 min, unsolved, resolution due 18:00: still running at now (15:00).
            case(
                "C",
                "2026-03-02 14:00",
                vec![
                    customer("2026-03-02 14:00"),
                    reply("2026-03-02 14:10", "a1"),
                ],
            ),
            // D: replied in 20 min, unsolved, resolution due 13:00: breached by now.
            case(
                "D",
                "2026-03-02 09:00",
                vec![
                    customer("2026-03-02 09:00"),
                    reply("2026-03-02 09:20", "a1"),
                ],
            ),
        ]),
    );
    // Decided at 15:00: A met, B breached, D breached (C running) → 1/3 = 33.33 %.
    let v = one_at(&e, "sla_compliance", MON, TUE, "2026-03-02 15:00");
    close(v.value, 100.0 / 3.0);
    assert_eq!(v.n, 3);
    let p = v.parts.unwrap();
    assert_eq!(p["first_reply"].n, 1);
    assert_eq!(p["resolution"].n, 1);
    assert_eq!(p["next_reply"].n, 0);
    // At 19:00 C's resolution target is breached too: 1/4 = 25 %.
    close(
        one_at(&e, "sla_compliance", MON, TUE, "2026-03-02 19:00").value,
        25.0,
    );
}

#[test]
fn an_sla_target_due_at_closing_time_is_breached_at_the_next_opening() {
    // Office hours Mon–Fri 09:00–17:00; a 4-business-hour resolution target. Case E is created
    // Friday 2026-03-06 13:00 and replied to at once: its resolution is due when 4 business
    // hours have run, Friday 17:00 — closing time. The clock stops there: Saturday and Sunday
    // add nothing, so at Sunday noon exactly 4 h have elapsed (not more): still running. The
    // first business instant after 17:00 Friday is Monday 09:00: from then it is breached.
    let mut config = office_hours_config();
    config.sla = serde_json::from_str(
        r#"{"policies": [{"name": "All", "targets": {"resolution": {"within": "4h", "hours": "business"}}}]}"#,
    )
    .unwrap();
    let e = engine_with(
        config,
        &records(vec![case(
            "E",
            "2026-03-06 13:00",
            vec![
                customer("2026-03-06 13:00"),
                reply("2026-03-06 13:05", "a1"),
            ],
        )]),
    );
    let week = ("2026-03-02 00:00", "2026-03-16 00:00");
    // Friday 16:00: running. Sunday 12:00: still running (4 h elapsed, not more). No data.
    for now in ["2026-03-06 16:00", "2026-03-08 12:00", "2026-03-09 09:00"] {
        let v = one_at(&e, "sla_compliance", week.0, week.1, now);
        assert_eq!((v.value, v.n), (None, 0), "at {now}");
    }
    // Monday 09:01: 4 h 01 min elapsed: breached, 0 %.
    let v = one_at(&e, "sla_compliance", week.0, week.1, "2026-03-09 09:01");
    assert_eq!((v.value, v.n), (Some(0.0), 1));
}

#[test]
fn a_case_is_due_at_its_latest_first_reply_or_resolution_target() {
    // First reply 1 h, next reply 8 h, resolution 2 h (calendar). Case F, created 2026-03-31
    // 20:00: replied 20:30 (first reply met), a customer message at 21:00 starts a next-reply
    // clock due 2026-04-01 05:00; solved 21:30 (resolution met, due 22:00). It is due 22:00 on
    // 31 March (its latest first-reply or resolution due time), so it counts in March — not
    // in April, where its next-reply target falls.
    let config = EngineConfig::from_json(
        r#"{"time_zone": "Asia/Ho_Chi_Minh", "sla": {"policies": [{"name": "All",
            "targets": {"first_reply": {"within": "1h", "hours": "calendar"},
                        "next_reply": {"within": "8h", "hours": "calendar"},
                        "resolution": {"within": "2h", "hours": "calendar"}}}]}}"#,
    )
    .unwrap();
    let e = engine_with(
        config,
        &records(vec![case(
            "F",
            "2026-03-31 20:00",
            vec![
                customer("2026-03-31 20:00"),
                reply("2026-03-31 20:30", "a1"),
                customer("2026-03-31 21:00"),
                status("2026-03-31 21:30", Status::Solved),
            ],
        )]),
    );
    let march = one_at(
        &e,
        "sla_compliance",
        "2026-03-01 00:00",
        "2026-04-01 00:00",
        "2026-04-02 00:00",
    );
    assert_eq!(march.n, 1);
    let april = one_at(
        &e,
        "sla_compliance",
        "2026-04-01 00:00",
        "2026-05-01 00:00",
        "2026-04-02 00:00",
    );
    assert_eq!(april.n, 0);
}
