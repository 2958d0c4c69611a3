//! Seeded randomness and the few distributions the generator needs.
//!
//! Every number that ends up in a record must be identical on every machine, so this module uses
//! only integer operations and correctly rounded IEEE-754 arithmetic (`+ - * /`, `sqrt`): the
//! logarithm and exponential are computed here ([`ln`], [`exp`]) instead of by the platform's
//! libm, whose last bits may differ between systems.

use rand::{Rng, SeedableRng};
use rand_chacha::ChaCha8Rng;

/// SplitMix64 step: a good 64-bit mixer, used to derive independent stream seeds.
fn splitmix(state: &mut u64) -> u64 {
    *state = state.wrapping_add(0x9E37_79B9_7F4A_7C15);
    let mut z = *state;
    z = (z ^ (z >> 30)).wrapping_mul(0xBF58_476D_1CE4_E5B9);
    z = (z ^ (z >> 27)).wrapping_mul(0x94D0_49BB_1331_11EB);
    z ^ (z >> 31)
}

/// Which part of the dataset a random stream feeds. Each (seed, stream, index) triple gets its own
/// independent generator, so changing how many numbers one part draws never shifts another part.
#[derive(Clone, Copy, Debug)]
pub enum Stream {
    Org = 1,
    Customers = 2,
    DayWeights = 3,
    Cases = 4,
    Contacts = 5,
    Commerce = 6,
    Voice = 7,
    Presence = 8,
    Forecast = 9,
}

/// A deterministic random generator with the samplers the generator uses.
pub struct Gen {
    rng: ChaCha8Rng,
}

impl Gen {
    /// The generator for `stream` number `index` (e.g. a day) of the dataset seeded with `seed`.
    pub fn new(seed: u64, stream: Stream, index: u64) -> Self {
        let mut state = seed ^ (stream as u64).wrapping_mul(0xA24B_AED4_963E_E407);
        state = splitmix(&mut state) ^ index.wrapping_mul(0x9FB2_1C65_1E98_DF25);
        let mut bytes = [0u8; 32];
        for chunk in bytes.chunks_mut(8) {
            chunk.copy_from_slice(&splitmix(&mut state).to_le_bytes());
        }
        Self {
            rng: ChaCha8Rng::from_seed(bytes),
        }
    }

    pub fn u64(&mut self) -> u64 {
        self.rng.next_u64()
    }

    /// Uniform in [0, 1).
    pub fn f64(&mut self) -> f64 {
        (self.u64() >> 11) as f64 * (1.0 / (1u64 << 53) as f64)
    }

    /// Uniform in (0, 1): safe for logarithms.
    pub fn open01(&mut self) -> f64 {
        ((self.u64() >> 11) as f64 + 0.5) * (1.0 / (1u64 << 53) as f64)
    }

    /// Uniform integer in [0, n) (n > 0), by multiply-shift.
    pub fn below(&mut self, n: u64) -> u64 {
        debug_assert!(n > 0);
        ((self.u64() as u128 * n as u128) >> 64) as u64
    }

    /// Uniform index into a slice of length `n`.
    pub fn index(&mut self, n: usize) -> usize {
        self.below(n as u64) as usize
    }

    /// Uniform integer in [lo, hi] (inclusive).
    pub fn int(&mut self, lo: i64, hi: i64) -> i64 {
        debug_assert!(hi >= lo);
        lo + self.below((hi - lo + 1) as u64) as i64
    }

    /// Uniform real in [lo, hi).
    pub fn uniform(&mut self, lo: f64, hi: f64) -> f64 {
        lo + (hi - lo) * self.f64()
    }

    /// True with probability `p`.
    pub fn chance(&mut self, p: f64) -> bool {
        self.f64() < p
    }

    /// One element of a slice, uniformly.
    pub fn pick<'a, T>(&mut self, items: &'a [T]) -> &'a T {
        &items[self.index(items.len())]
    }

    /// An index drawn with the given (non-negative, not all zero) weights.
    pub fn weighted(&mut self, weights: &[f64]) -> usize {
        let total: f64 = weights.iter().sum();
        let mut x = self.f64() * total;
        for (i, w) in weights.iter().enumerate() {
            if x < *w {
                return i;
            }
            x -= w;
        }
        weights.iter().rposition(|w| *w > 0.0).unwrap_or(0)
    }

    /// Standard normal, by Marsaglia's polar method (no trigonometry).
    pub fn normal(&mut self) -> f64 {
        loop {
            let u = 2.0 * self.f64() - 1.0;
            let v = 2.0 * self.f64() - 1.0;
            let s = u * u + v * v;
            if s > 0.0 && s < 1.0 {
                return u * (-2.0 * ln(s) / s).sqrt();
            }
        }
    }

    /// Exponential with the given mean.
    pub fn exponential(&mut self, mean: f64) -> f64 {
        -mean * ln(self.open01())
    }

    /// Log-normal with the given median and shape `sigma` (long right tail).
    pub fn lognormal(&mut self, median: f64, sigma: f64) -> f64 {
        median * exp(sigma * self.normal())
    }

    /// Poisson with mean `lambda` (Knuth for small means, a rounded normal for large ones).
    pub fn poisson(&mut self, lambda: f64) -> u64 {
        if lambda <= 0.0 {
            return 0;
        }
        if lambda < 30.0 {
            let limit = exp(-lambda);
            let mut k = 0;
            let mut p = self.f64();
            while p > limit {
                k += 1;
                p *= self.f64();
            }
            k
        } else {
            let x = lambda + lambda.sqrt() * self.normal();
            if x < 0.0 { 0 } else { (x + 0.5) as u64 }
        }
    }
}

const LN2: f64 = std::f64::consts::LN_2;

/// Natural logarithm of a positive, normal `x`, with portable arithmetic only.
pub fn ln(x: f64) -> f64 {
    if x.is_nan() || x <= 0.0 {
        return f64::NAN;
    }
    if x == f64::INFINITY {
        return x;
    }
    let bits = x.to_bits();
    let mut e = ((bits >> 52) & 0x7ff) as i64 - 1023;
    // Mantissa in [1, 2).
    let mut m = f64::from_bits((bits & 0x000f_ffff_ffff_ffff) | 0x3ff0_0000_0000_0000);
    if m > std::f64::consts::SQRT_2 {
        m *= 0.5;
        e += 1;
    }
    // ln m = 2 atanh(s), s = (m-1)/(m+1), |s| < 0.172.
    let s = (m - 1.0) / (m + 1.0);
    let s2 = s * s;
    let mut sum = 0.0;
    let mut k = 25.0;
    while k >= 1.0 {
        sum = sum * s2 + 1.0 / k;
        k -= 2.0;
    }
    e as f64 * LN2 + 2.0 * s * sum
}

/// e^x with portable arithmetic only (x clamped to ±700).
pub fn exp(x: f64) -> f64 {
    if x.is_nan() {
        return x;
    }
    let x = x.clamp(-700.0, 700.0);
    let k = (x / LN2).round();
    let r = x - k * LN2;
    // Taylor series of e^r, |r| <= 0.35.
    let mut sum = 1.0;
    let mut n = 17.0;
    while n >= 1.0 {
        sum = 1.0 + sum * r / n;
        n -= 1.0;
    }
    let k = k as i64;
    sum * f64::from_bits(((k + 1023) as u64) << 52)
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn ln_and_exp_are_accurate() {
        for x in [1e-12, 0.001, 0.3, 0.5, 1.0, 1.5, 2.0, 10.0, 12345.678] {
            let a = ln(x);
            let b = x.ln();
            assert!(
                (a - b).abs() <= 1e-14 * b.abs().max(1.0),
                "ln {x}: {a} vs {b}"
            );
        }
        for x in [-30.0, -1.0, -0.2, 0.0, 0.7, 1.0, 5.5, 40.0] {
            let a = exp(x);
            let b = x.exp();
            assert!((a - b).abs() <= 1e-14 * b, "exp {x}: {a} vs {b}");
        }
    }

    #[test]
    fn streams_are_independent_and_repeatable() {
        let a: Vec<u64> = {
            let mut g = Gen::new(1, Stream::Cases, 3);
            (0..4).map(|_| g.u64()).collect()
        };
        let b: Vec<u64> = {
            let mut g = Gen::new(1, Stream::Cases, 3);
            (0..4).map(|_| g.u64()).collect()
        };
        let c: Vec<u64> = {
            let mut g = Gen::new(1, Stream::Cases, 4);
            (0..4).map(|_| g.u64()).collect()
        };
        assert_eq!(a, b);
        assert_ne!(a, c);
    }

    #[test]
    fn samplers_have_the_right_means() {
        let mut g = Gen::new(7, Stream::Org, 0);
        let n = 20_000;
        let mean_exp: f64 = (0..n).map(|_| g.exponential(5.0)).sum::<f64>() / n as f64;
        assert!((mean_exp - 5.0).abs() < 0.25, "{mean_exp}");
        let mean_p: f64 = (0..n).map(|_| g.poisson(3.5) as f64).sum::<f64>() / n as f64;
        assert!((mean_p - 3.5).abs() < 0.1, "{mean_p}");
        let mean_z: f64 = (0..n).map(|_| g.normal()).sum::<f64>() / n as f64;
        assert!(mean_z.abs() < 0.05, "{mean_z}");
    }
}
