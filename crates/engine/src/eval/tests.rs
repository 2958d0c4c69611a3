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
