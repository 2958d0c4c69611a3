//! Worked examples of the agent metrics. Local time +07:00; Monday 2026-03-02.

use carekpi_domain::Record;
use carekpi_domain::records::vocab::Status;

use super::testkit::*;

const MON: &str = "2026-03-02 00:00";
const NEXT_MON: &str = "2026-03-09 00:00";

#[test]
fn daily_completion_rate_averages_agent_days() {
    let e = engine(&[
        // a1 on Monday: X assigned 09:00 and solved 15:00 (done); Y assigned 10:00, solved on
        // Tuesday (not done that day) → 50 %.
        case(
            "X",
            "2026-03-02 08:00",
            vec![
                assign("2026-03-02 09:00", "a1"),
                status("2026-03-02 15:00", Status::Solved),
            ],
        )
        .into(),
        case(
            "Y",
            "2026-03-02 08:00",
            vec![
                assign("2026-03-02 10:00", "a1"),
                status("2026-03-03 10:00", Status::Solved),
            ],
        )
        .into(),
        // a1 on Tuesday: Z assigned and solved → 100 %.
        case(
            "Z",
            "2026-03-03 08:00",
            vec![
                assign("2026-03-03 09:00", "a1"),
                status("2026-03-03 11:00", Status::Solved),
            ],
        )
        .into(),
        // a2 on Monday: W assigned, never solved → 0 %.
        case(
            "W",
            "2026-03-02 08:00",
            vec![assign("2026-03-02 11:00", "a2")],
        )
        .into(),
    ]);
    // Mean over 3 agent-days: (50 + 100 + 0) / 3 = 50.
    let v = one(&e, "daily_completion_rate", MON, NEXT_MON);
    close(v.value, 50.0);
    assert_eq!(v.n, 3);
}

fn work() -> Vec<Record> {
    vec![
        // a1: three replies on Monday; a2: one reply on Monday.
        case(
            "A",
            "2026-03-02 09:00",
            vec![
                customer("2026-03-02 09:00"),
                reply("2026-03-02 09:10", "a1"),
                reply("2026-03-02 10:00", "a1"),
                reply("2026-03-02 11:00", "a1"),
                reply("2026-03-02 12:00", "a2"),
            ],
        )
        .into(),
        // a1 answers a call on Tuesday.
        rec(
            r#"{"kind":"call","id":"CL-T","queued_at":"2026-03-03T10:00:00+07:00","answered_at":"2026-03-03T10:00:10+07:00","outcome":"answered","agent_id":"a1","talk_s":100}"#,
        ),
        // a2 is logged in on Wednesday without handling anything.
        rec(
            r#"{"kind":"presence","agent_id":"a2","from":"2026-03-04T09:00:00+07:00","to":"2026-03-04T17:00:00+07:00","state":"available"}"#,
        ),
    ]
}

#[test]
fn transactions_per_day_counts_work_per_agent_working_day() {
    let e = engine(&work());
    // Transactions: 4 replies + 1 call = 5. Agent working days: (a1, Mon), (a1, Tue), (a2, Mon),
    // (a2, Wed: logged in) = 4 → 1.25.
    let v = one(&e, "transactions_per_day", MON, NEXT_MON);
    close(v.value, 1.25);
    assert_eq!(v.n, 5);
    assert_eq!(v.parts.unwrap()["agent_days"].n, 4);
    // A period that does not start at midnight reads the presence intervals themselves.
    close(
        one(&e, "transactions_per_day", "2026-03-02 06:00", NEXT_MON).value,
        1.25,
    );
}

#[test]
fn occupancy_is_handle_time_over_logged_in_time() {
    let e = engine(&[
        // a1 is available 09:00–12:00 and 13:00–17:00 (7 h = 25,200 s), away 12:00–13:00.
        rec(
            r#"{"kind":"presence","agent_id":"a1","from":"2026-03-02T09:00:00+07:00","to":"2026-03-02T12:00:00+07:00","state":"available"}"#,
        ),
        rec(
            r#"{"kind":"presence","agent_id":"a1","from":"2026-03-02T12:00:00+07:00","to":"2026-03-02T13:00:00+07:00","state":"away"}"#,
        ),
        rec(
            r#"{"kind":"presence","agent_id":"a1","from":"2026-03-02T13:00:00+07:00","to":"2026-03-02T17:00:00+07:00","state":"busy"}"#,
        ),
        // a1 handles 1,000 + 260 = 1,260 s and 1,200 + 60 = 1,260 s.
        rec(
            r#"{"kind":"call","id":"CL-1","queued_at":"2026-03-02T10:00:00+07:00","answered_at":"2026-03-02T10:00:10+07:00","outcome":"answered","agent_id":"a1","talk_s":1000,"wrap_s":260}"#,
        ),
        rec(
            r#"{"kind":"chat","id":"CH-1","queued_at":"2026-03-02T14:00:00+07:00","answered_at":"2026-03-02T14:00:10+07:00","ended_at":"2026-03-02T14:20:10+07:00","outcome":"answered","agent_id":"a1","talk_s":1200,"hold_s":60}"#,
        ),
        // a2 has no presence data: not in occupancy.
        rec(
            r#"{"kind":"call","id":"CL-2","queued_at":"2026-03-02T10:00:00+07:00","answered_at":"2026-03-02T10:00:10+07:00","outcome":"answered","agent_id":"a2","talk_s":500}"#,
        ),
    ]);
    // 2,520 / 25,200 = 10 %; n = 1 agent.
    let v = one(&e, "occupancy", MON, NEXT_MON);
    close(v.value, 10.0);
    assert_eq!(v.n, 1);
    close(
        one(&e, "occupancy", "2026-03-02 06:00", NEXT_MON).value,
        10.0,
    );
}

#[test]
fn agent_turnover_is_leavers_over_average_headcount() {
    let e = engine(&[
        rec(
            r#"{"kind":"agent","id":"a1","name":"An","hired_at":"2025-01-01T00:00:00+07:00","left_at":"2026-03-15T00:00:00+07:00"}"#,
        ),
        rec(r#"{"kind":"agent","id":"a2","name":"Bình","hired_at":"2025-01-01T00:00:00+07:00"}"#),
        rec(r#"{"kind":"agent","id":"a3","name":"Chi","hired_at":"2025-06-01T00:00:00+07:00"}"#),
        rec(r#"{"kind":"agent","id":"a4","name":"Dũng","hired_at":"2026-03-16T00:00:00+07:00"}"#),
    ]);
    // Headcount on 1 March: a1, a2, a3 = 3; at the end of March: a2, a3, a4 = 3; average 3.
    // One leaver → 33.33 %.
    let v = one(&e, "agent_turnover", "2026-03-01 00:00", "2026-04-01 00:00");
    close(v.value, 100.0 / 3.0);
    assert_eq!(v.n, 1);
}
