//! Worked examples of the queue metrics (calls and chats). Local time +07:00, Monday 2026-03-02.

use carekpi_domain::Record;

use super::testkit::*;

const MON: &str = "2026-03-02 00:00";
const TUE: &str = "2026-03-03 00:00";

fn call(id: &str, extra: &str) -> Record {
    rec(&format!(
        r#"{{"kind":"call","id":"{id}","queued_at":"2026-03-02T09:00:00+07:00",{extra}}}"#
    ))
}

/// Answered after 10, 20 and 25 s; abandoned after 3 s (short), 5 s (not short: a wait equal
/// to the threshold is not below it) and an unknown wait (never short); a voicemail; a blocked
/// call. T = 20 s, short-abandon threshold = 5 s (the defaults).
pub(super) fn queue() -> Vec<Record> {
    vec![
        call(
            "A1",
            r#""outcome":"answered","answered_at":"2026-03-02T09:00:10+07:00","talk_s":300,"hold_s":20,"wrap_s":40"#,
        ),
        call(
            "A2",
            r#""outcome":"answered","answered_at":"2026-03-02T09:00:20+07:00","talk_s":200,"wrap_s":30"#,
        ),
        call(
            "A3",
            r#""outcome":"answered","answered_at":"2026-03-02T09:00:25+07:00""#,
        ),
        call(
            "X1",
            r#""outcome":"abandoned","ended_at":"2026-03-02T09:00:03+07:00""#,
        ),
        call(
            "X2",
            r#""outcome":"abandoned","ended_at":"2026-03-02T09:00:05+07:00""#,
        ),
        call("X3", r#""outcome":"abandoned""#),
        call(
            "V1",
            r#""outcome":"voicemail","ended_at":"2026-03-02T09:01:00+07:00""#,
        ),
        rec(
            r#"{"kind":"call","id":"B1","attempted_at":"2026-03-02T09:00:00+07:00","outcome":"blocked"}"#,
        ),
    ]
}

#[test]
fn service_level_leaves_out_short_abandons() {
    let e = engine(&queue());
    // Within T (wait ≤ 20 s): A1, A2 = 2. Denominator: answered 3 + abandoned after the
    // threshold (X2, X3) 2 = 5 → 40 %.
    let v = one(&e, "service_level", MON, TUE);
    close(v.value, 40.0);
    assert_eq!(v.n, 5);
    // Every offered contact (short abandons too): 2 / 6 = 33.33 %.
    close(
        one(&e, "service_level(denominator=all_offered)", MON, TUE).value,
        100.0 / 3.0,
    );
    close(
        one(&e, "service_level(short_abandons=include)", MON, TUE).value,
        100.0 / 3.0,
    );
    // T = 25 s: A3 too → 3/5 = 60 %.
    close(
        one(&e, "service_level(threshold_s=25)", MON, TUE).value,
        60.0,
    );
}

#[test]
fn abandonment_rate_leaves_out_short_abandons() {
    let e = engine(&queue());
    // Abandoned after the threshold: X2, X3 = 2; offered: 3 answered + 2 = 5 → 40 %.
    let v = one(&e, "abandonment_rate", MON, TUE);
    close(v.value, 40.0);
    assert_eq!(v.n, 5);
    // With short abandons: 3 / 6 = 50 %.
    close(
        one(&e, "abandonment_rate(short_abandons=include)", MON, TUE).value,
        50.0,
    );
}

#[test]
fn asa_averages_answered_waits() {
    let e = engine(&queue());
    // [10, 20, 25]: mean 55/3 = 18.33 s; median rank 2 → 20; p90 rank ⌈2.7⌉ = 3 → 25.
    let v = one(&e, "asa", MON, TUE);
    close(v.value, 55.0 / 3.0);
    close(v.median, 20.0);
    close(v.p90, 25.0);
    assert_eq!(v.n, 3);
}

#[test]
fn blockage_is_blocked_over_attempts() {
    let e = engine(&queue());
    // 1 blocked call of 8 attempts = 12.5 %; parts: blocked = 1.
    let v = one(&e, "blockage", MON, TUE);
    close(v.value, 12.5);
    assert_eq!(v.n, 8);
    assert_eq!(v.parts.unwrap()["blocked"].n, 1);
}

#[test]
fn aht_is_talk_hold_and_wrap() {
    let e = engine(&queue());
    // A1 300 + 20 + 40 = 360; A2 200 + 0 + 30 = 230; A3 has no handle time: not handled data.
    // Mean 295; median rank 1 → 230; p90 rank 2 → 360.
    let v = one(&e, "aht", MON, TUE);
    close(v.value, 295.0);
    close(v.median, 230.0);
    close(v.p90, 360.0);
    assert_eq!(v.n, 2);
}

#[test]
fn a_call_abandoned_before_the_threshold_is_no_data() {
    let e = engine(&[call(
        "X1",
        r#""outcome":"abandoned","ended_at":"2026-03-02T09:00:03+07:00""#,
    )]);
    // The only contact is a short abandon: left out of both sides → no data, not 0 %.
    let v = one(&e, "service_level", MON, TUE);
    assert_eq!((v.value, v.n), (None, 0));
    assert_eq!(one(&e, "abandonment_rate", MON, TUE).value, None);
    // Counted as abandoned when short abandons are included: 1/1.
    close(
        one(&e, "abandonment_rate(short_abandons=include)", MON, TUE).value,
        100.0,
    );
}
