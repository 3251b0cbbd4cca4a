//! `NativeBackoff`: retry delays computed by the engine (called only after a failure).

use super::error::map_error;
use crate::engine::{Backoff, BackoffConfig, EngineError, Growth, Jitter};
use napi::{Env, Result};
use napi_derive::napi;

/// Backoff settings as the shim passes them.
#[napi(object)]
pub struct BackoffOptions {
    /// `"constant" | "linear" | "exponential"`.
    pub growth: String,
    /// First delay, ms.
    pub initial_delay: f64,
    /// Largest delay, ms.
    pub max_delay: f64,
    /// Exponential growth factor (≥ 1).
    pub multiplier: f64,
    /// `"none" | "full" | "equal" | "decorrelated" | "factor"`.
    pub jitter: String,
    /// The ± factor for `"factor"` jitter, in [0, 1].
    pub jitter_factor: Option<f64>,
    /// Seed of the random stream (any integer; default: from the system's randomness).
    pub seed: Option<f64>,
}

fn config(o: &BackoffOptions) -> std::result::Result<BackoffConfig, EngineError> {
    let growth = match o.growth.as_str() {
        "constant" => Growth::Constant,
        "linear" => Growth::Linear,
        "exponential" => Growth::Exponential,
        other => {
            return Err(EngineError::invalid(
                "growth",
                "'constant', 'linear' or 'exponential'",
                other,
            ))
        }
    };
    let jitter = match o.jitter.as_str() {
        "none" => Jitter::None,
        "full" => Jitter::Full,
        "equal" => Jitter::Equal,
        "decorrelated" => Jitter::Decorrelated,
        "factor" => Jitter::Factor(o.jitter_factor.unwrap_or(f64::NAN)),
        other => {
            return Err(EngineError::invalid(
                "jitter",
                "'none', 'full', 'equal', 'decorrelated' or 'factor'",
                other,
            ))
        }
    };
    let config = BackoffConfig {
        growth,
        initial_ms: o.initial_delay,
        max_ms: o.max_delay,
        multiplier: o.multiplier,
        jitter,
    };
    config.validate()?;
    Ok(config)
}

fn random_seed() -> u64 {
    use std::hash::{BuildHasher, Hasher};
    let mut h = std::collections::hash_map::RandomState::new().build_hasher();
    h.write_u64(0x5EED);
    h.finish()
}

/// A retry delay calculator.
#[napi]
pub struct NativeBackoff {
    inner: Backoff,
}

#[napi]
impl NativeBackoff {
    /// Builds the calculator; a broken rule throws a `RangeError`.
    #[napi(constructor)]
    pub fn new(env: Env, options: BackoffOptions) -> Result<Self> {
        let config = config(&options).map_err(|e| map_error(&env, "NativeBackoff", e))?;
        let seed = options
            .seed
            .filter(|s| s.is_finite())
            .map_or_else(random_seed, |s| s as i64 as u64);
        Ok(Self {
            inner: Backoff::new(config, seed),
        })
    }

    /// The delay (ms) after failed attempt `attempt` (1-based), given the previous delay.
    #[napi]
    pub fn delay(&self, attempt: f64, previous_ms: f64) -> f64 {
        let attempt = if attempt.is_finite() && attempt >= 1.0 {
            attempt.min(u32::MAX as f64) as u32
        } else {
            1
        };
        let previous = if previous_ms.is_finite() {
            previous_ms.max(0.0)
        } else {
            0.0
        };
        self.inner.delay(attempt, previous)
    }
}
