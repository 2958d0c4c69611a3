//! Tests of the evaluation helpers.

use proptest::prelude::*;

use super::{percentile, rank, select_ranks};

#[test]
fn nearest_rank_by_hand() {
    // 10 values 1..=10: median = rank ⌈5⌉ = 5, p90 = rank ⌈9⌉ = 9.
    let mut v: Vec<f64> = (1..=10).rev().map(f64::from).collect();
    assert_eq!(percentile(&mut v, 50.0), Some(5.0));
    assert_eq!(percentile(&mut v, 90.0), Some(9.0));
    // 5 values: median = rank ⌈2.5⌉ = 3 → the middle one; p90 = rank ⌈4.5⌉ = 5 → the largest.
    let mut v = vec![30.0, 10.0, 50.0, 20.0, 40.0];
    assert_eq!(percentile(&mut v, 50.0), Some(30.0));
    assert_eq!(percentile(&mut v, 90.0), Some(50.0));
    assert_eq!(rank(50.0, 1), 1);
    assert_eq!(percentile(&mut [], 50.0), None);
}

#[test]
fn nearest_rank_of_whole_percentiles() {
    // By hand, ⌈p × n / 100⌉ on whole numbers:
    // p90 of 30: ⌈2700 / 100⌉ = 27; p50 of 7: ⌈350 / 100⌉ = ⌈3.5⌉ = 4; p90 of 10: ⌈900 / 100⌉ = 9.
    assert_eq!(rank(90.0, 30), 27);
    assert_eq!(rank(50.0, 7), 4);
    assert_eq!(rank(90.0, 10), 9);
    // p50 of 10: 5; p90 of 11: ⌈9.9⌉ = 10; p90 of 1 and p50 of 1: 1; p100 of 7: 7.
    assert_eq!(rank(50.0, 10), 5);
    assert_eq!(rank(90.0, 11), 10);
    assert_eq!(rank(90.0, 1), 1);
    assert_eq!(rank(50.0, 1), 1);
    assert_eq!(rank(100.0, 7), 7);
    // Exact multiples where p / 100 × n rounds above the whole number in binary floating
    // point (0.07 × 100, 0.28 × 25, 0.55 × 100, 0.14 × 50 all exceed it by an ulp):
    // p7 of 100 = 7, p28 of 25 = 7, p55 of 100 = 55, p14 of 50 = 7.
    assert_eq!(rank(7.0, 100), 7);
    assert_eq!(rank(28.0, 25), 7);
    assert_eq!(rank(55.0, 100), 55);
    assert_eq!(rank(14.0, 50), 7);
    // Every whole percentile of n up to 2,000 against integer arithmetic ⌈p n / 100⌉.
    for p in 1..=100usize {
        for n in 1..=2_000usize {
            assert_eq!(rank(p as f64, n), (p * n).div_ceil(100), "p{p} of {n}");
        }
    }
}

proptest! {
    #![proptest_config(ProptestConfig::with_cases(16))]
    /// The histogram path selects exactly what a full sort does.
    #[test]
    fn select_ranks_matches_sorting(seed in 0u64..1000, n in 40_000usize..70_000) {
        let mut x = seed.wrapping_mul(6364136223846793005).wrapping_add(1);
        let mut v: Vec<f64> = (0..n)
            .map(|i| {
                x = x.wrapping_mul(6364136223846793005).wrapping_add(1442695040888963407);
                let r = (x >> 11) as f64 / (1u64 << 53) as f64;
                if i % 7 == 0 { (r * 100.0).round() } else { r * r * 86_400.0 - if i % 13 == 0 { 5.0 } else { 0.0 } }
            })
            .collect();
        let mut sorted = v.clone();
        sorted.sort_by(f64::total_cmp);
        let ranks = [1, rank(50.0, n), rank(90.0, n), n];
        let got = select_ranks(&mut v, &ranks);
        for (g, r) in got.iter().zip(ranks) {
            prop_assert_eq!(*g, sorted[r - 1]);
        }
    }
}
