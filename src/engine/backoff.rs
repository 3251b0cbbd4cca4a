//! Retry delays: constant, linear and exponential growth, each with optional jitter (full, equal,
//! decorrelated, or a ± factor), from a seedable generator so tests are deterministic.
//!
//! Every delay is a whole number of milliseconds in `[0, max_ms]`, for any attempt number up to
//! `u32::MAX` (growth is computed in `f64` and capped, so it never overflows or goes negative).

use super::error::EngineError;
use std::sync::atomic::{AtomicU64, Ordering};

/// How the base delay grows with the attempt number.
#[derive(Debug, Clone, Copy, PartialEq)]
pub enum Growth {
    /// `initial` every time.
    Constant,
    /// `initial * attempt`.
    Linear,
    /// `initial * multiplier^(attempt - 1)`.
    Exponential,
}

/// Randomisation applied to the base delay.
#[derive(Debug, Clone, Copy, PartialEq)]
pub enum Jitter {
    /// The base delay as is.
    None,
    /// Uniform in `[0, base]` (AWS "full jitter").
    Full,
    /// `base / 2` plus uniform in `[0, base / 2]`.
    Equal,
    /// Uniform in `[initial, previous * 3]`, capped (AWS "decorrelated jitter").
    Decorrelated,
    /// `base * (1 ± factor)`, uniform; factor in `[0, 1]`.
    Factor(f64),
}

/// Retry delay settings (ms).
#[derive(Debug, Clone, PartialEq)]
pub struct BackoffConfig {
    /// How the delay grows.
    pub growth: Growth,
    /// The first delay.
    pub initial_ms: f64,
    /// No delay exceeds this.
    pub max_ms: f64,
    /// Growth factor of [`Growth::Exponential`] (≥ 1).
    pub multiplier: f64,
    /// Randomisation.
    pub jitter: Jitter,
}

/// The ceiling of every delay: the longest a JS timer can wait.
pub const MAX_DELAY_MS: f64 = 2_147_483_647.0;

impl BackoffConfig {
    /// Checks every rule; nothing is built from a broken config.
    pub fn validate(&self) -> Result<(), EngineError> {
        let time = |option, v: f64| {
            if (0.0..=MAX_DELAY_MS).contains(&v) {
                Ok(())
            } else {
                Err(EngineError::invalid(
                    option,
                    "a finite number of ms in [0, 2147483647]",
                    v,
                ))
            }
        };
        time("initialDelay", self.initial_ms)?;
        time("maxDelay", self.max_ms)?;
        if !(1.0..=1000.0).contains(&self.multiplier) {
            return Err(EngineError::invalid(
                "backoffMultiplier",
                "a number in [1, 1000]",
                self.multiplier,
            ));
        }
        if let Jitter::Factor(f) = self.jitter {
            if !(0.0..=1.0).contains(&f) {
                return Err(EngineError::invalid("jitter", "a factor in [0, 1]", f));
            }
        }
        Ok(())
    }
}

/// A delay calculator with its own random stream (splitmix64).
#[derive(Debug)]
pub struct Backoff {
    config: BackoffConfig,
    rng: AtomicU64,
}

impl Backoff {
    /// A calculator whose random stream starts at `seed`. The config must be valid.
    pub fn new(config: BackoffConfig, seed: u64) -> Self {
        Self {
            config,
            rng: AtomicU64::new(seed),
        }
    }

    /// The settings.
    pub fn config(&self) -> &BackoffConfig {
        &self.config
    }

    /// A uniform number in `[0, 1)`.
    fn unit(&self) -> f64 {
        let state = self
            .rng
            .fetch_add(0x9E37_79B9_7F4A_7C15, Ordering::Relaxed)
            .wrapping_add(0x9E37_79B9_7F4A_7C15);
        let mut z = state;
        z = (z ^ (z >> 30)).wrapping_mul(0xBF58_476D_1CE4_E5B9);
        z = (z ^ (z >> 27)).wrapping_mul(0x94D0_49BB_1331_11EB);
        z ^= z >> 31;
        (z >> 11) as f64 / (1u64 << 53) as f64
    }

    /// The delay before `attempt` is followed by another (attempt is 1-based: 1 = after the first
    /// failure), given the previous delay (used only by decorrelated jitter; pass 0 the first time).
    pub fn delay(&self, attempt: u32, previous_ms: f64) -> f64 {
        let c = &self.config;
        let attempt = attempt.max(1);
        let base = match c.growth {
            Growth::Constant => c.initial_ms,
            Growth::Linear => c.initial_ms * f64::from(attempt),
            Growth::Exponential => c.initial_ms * c.multiplier.powf(f64::from(attempt - 1)),
        };
        let base = clamp(base, c.max_ms);
        let jittered = match c.jitter {
            Jitter::None => base,
            Jitter::Full => base * self.unit(),
            Jitter::Equal => base / 2.0 + (base / 2.0) * self.unit(),
            Jitter::Decorrelated => {
                let low = c.initial_ms;
                let high = (clamp(previous_ms, c.max_ms) * 3.0).max(low);
                low + (high - low) * self.unit()
            }
            Jitter::Factor(f) => base * (1.0 + f * (2.0 * self.unit() - 1.0)),
        };
        clamp(jittered, c.max_ms).round()
    }
}

/// `value` in `[0, max]`; NaN (from inf * 0) reads as `max`.
fn clamp(value: f64, max: f64) -> f64 {
    if value.is_nan() {
        max
    } else {
        value.clamp(0.0, max)
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    fn backoff(growth: Growth, jitter: Jitter) -> Backoff {
        Backoff::new(
            BackoffConfig {
                growth,
                initial_ms: 100.0,
                max_ms: 30_000.0,
                multiplier: 2.0,
                jitter,
            },
            42,
        )
    }

    #[test]
    fn sequences_without_jitter_match_hand_computed_values() {
        let seq = |b: &Backoff| (1..=10).map(|a| b.delay(a, 0.0)).collect::<Vec<_>>();
        assert_eq!(
            seq(&backoff(Growth::Constant, Jitter::None)),
            vec![100.0; 10]
        );
        assert_eq!(
            seq(&backoff(Growth::Linear, Jitter::None)),
            vec![100.0, 200.0, 300.0, 400.0, 500.0, 600.0, 700.0, 800.0, 900.0, 1000.0]
        );
        assert_eq!(
            seq(&backoff(Growth::Exponential, Jitter::None)),
            vec![100.0, 200.0, 400.0, 800.0, 1600.0, 3200.0, 6400.0, 12800.0, 25600.0, 30000.0]
        );
    }

    #[test]
    fn jitter_stays_in_its_band_and_is_reproducible_from_the_seed() {
        let a = backoff(Growth::Exponential, Jitter::Full);
        let b = backoff(Growth::Exponential, Jitter::Full);
        for attempt in 1..50 {
            let d = a.delay(attempt, 0.0);
            assert_eq!(d, b.delay(attempt, 0.0), "same seed, same stream");
            assert!((0.0..=30_000.0).contains(&d));
        }
        let eq = backoff(Growth::Constant, Jitter::Equal);
        for _ in 0..100 {
            assert!((50.0..=100.0).contains(&eq.delay(1, 0.0)));
        }
        let f = backoff(Growth::Constant, Jitter::Factor(0.1));
        for _ in 0..100 {
            assert!((90.0..=110.0).contains(&f.delay(3, 0.0)));
        }
        let d = backoff(Growth::Exponential, Jitter::Decorrelated);
        let mut prev = 0.0;
        for _ in 0..100 {
            let next = d.delay(2, prev);
            assert!(next >= 100.0 && next <= (prev * 3.0).clamp(100.0, 30_000.0) + 0.5);
            prev = next;
        }
    }

    #[test]
    fn huge_attempts_cap_at_max_without_overflow() {
        let b = backoff(Growth::Exponential, Jitter::None);
        assert_eq!(b.delay(u32::MAX, 0.0), 30_000.0);
        let l = backoff(Growth::Linear, Jitter::Equal);
        assert!(l.delay(u32::MAX, 0.0) <= 30_000.0);
    }

    #[test]
    fn validation_names_the_option() {
        let bad = BackoffConfig {
            growth: Growth::Exponential,
            initial_ms: -1.0,
            max_ms: 10.0,
            multiplier: 2.0,
            jitter: Jitter::None,
        };
        assert!(matches!(
            bad.validate(),
            Err(EngineError::InvalidOption {
                option: "initialDelay",
                ..
            })
        ));
        let bad = BackoffConfig {
            initial_ms: 1.0,
            multiplier: f64::NAN,
            ..bad
        };
        assert!(bad.validate().is_err());
    }
}
