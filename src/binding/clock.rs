//! Time for the engine: the process's monotonic clock, or a JS-driven `ManualClock`.

use crate::engine::{self, Clock};
use napi::{Env, Result};
use napi_derive::napi;
use std::sync::OnceLock;

const NANOS_PER_MS: f64 = 1_000_000.0;

/// The process's monotonic clock: a calibrated TSC read through `quanta` where the CPU has an
/// invariant TSC (~15 ns here), else the OS clock. `Instant::now()` costs ~46 ns on these VMs,
/// which would be most of a rate limiter's `tryAcquire`.
struct ProcessClock {
    clock: quanta::Clock,
    /// One origin for the whole process, so every worker thread reads the same time line.
    origin: u64,
}

fn process_clock() -> &'static ProcessClock {
    static CLOCK: OnceLock<ProcessClock> = OnceLock::new();
    CLOCK.get_or_init(|| {
        let clock = quanta::Clock::new();
        let origin = clock.raw();
        ProcessClock { clock, origin }
    })
}

/// Nanoseconds since the process origin on the monotonic clock.
#[inline]
pub fn monotonic_nanos() -> u64 {
    let c = process_clock();
    c.clock.delta_as_nanos(c.origin, c.clock.raw())
}

/// The clock a native object reads: the real monotonic one or a manual one.
#[derive(Debug, Clone)]
pub enum BindingClock {
    /// The process's monotonic clock since its origin.
    Monotonic,
    /// Time that moves only when JS advances it.
    Manual(engine::ManualClock),
}

impl Clock for BindingClock {
    #[inline]
    fn now_nanos(&self) -> u64 {
        match self {
            Self::Monotonic => monotonic_nanos(),
            Self::Manual(clock) => clock.now_nanos(),
        }
    }
}

impl BindingClock {
    /// The clock for an optional `clock` option.
    pub fn from_option(clock: Option<&ManualClock>) -> Self {
        clock.map_or(Self::Monotonic, |c| Self::Manual(c.inner.clone()))
    }
}

/// Converts a millisecond count that was already validated as finite and non-negative.
pub fn ms_to_nanos(ms: f64) -> u64 {
    (ms * NANOS_PER_MS).round() as u64
}

fn checked_ms(env: &Env, method: &str, name: &str, ms: f64) -> Result<u64> {
    if !(0.0..=9.007_199_254_740_991e15).contains(&ms) {
        return Err(super::error::type_error(
            env,
            format!("ManualClock.{method}(): {name} must be a finite number of ms >= 0, got {ms}"),
        ));
    }
    Ok(ms_to_nanos(ms))
}

/// A clock that moves only when told to. Pass it as the `clock` option of a policy and call
/// `advance(ms)` in tests instead of sleeping: the engine sees exactly the time you set.
#[napi]
pub struct ManualClock {
    pub(crate) inner: engine::ManualClock,
}

#[napi]
impl ManualClock {
    /// A clock reading `startMs` (default 0) until advanced.
    #[napi(constructor)]
    pub fn new(env: Env, start_ms: Option<f64>) -> Result<Self> {
        let start = checked_ms(&env, "constructor", "startMs", start_ms.unwrap_or(0.0))?;
        Ok(Self {
            inner: engine::ManualClock::new(start),
        })
    }

    /// Moves time forward by `ms` and returns the new time in ms.
    #[napi]
    pub fn advance(&self, env: Env, ms: f64) -> Result<f64> {
        let by = checked_ms(&env, "advance", "ms", ms)?;
        Ok(self.inner.advance(by) as f64 / NANOS_PER_MS)
    }

    /// Sets the time in ms; moving it backwards is refused with a `RangeError`.
    #[napi]
    pub fn set(&self, env: Env, ms: f64) -> Result<()> {
        let to = checked_ms(&env, "set", "ms", ms)?;
        if self.inner.set(to) {
            Ok(())
        } else {
            Err(super::error::map_error(
                &env,
                "ManualClock.set()",
                engine::EngineError::invalid("ms", "not earlier than the current time", ms),
            ))
        }
    }

    /// The current time in ms.
    #[napi]
    pub fn now(&self) -> f64 {
        self.inner.now_nanos() as f64 / NANOS_PER_MS
    }
}
