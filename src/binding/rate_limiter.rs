//! `NativeRateLimiter`: one GCRA cell and its raw per-call functions.
//!
//! `tryAcquire(n?)` is the hot path: one raw Node-API call (no handle lookup, no borrow scope) that
//! reads the clock, runs the GCRA compare-and-swap and returns a boolean. `decide(n, take)` also
//! writes `[remaining, retryAfterMs, resetMs]` into this object's result view, so the shim builds
//! result objects in JS instead of receiving one across the boundary (~600 ns).

use super::clock::{ms_to_nanos, BindingClock, ManualClock};
use super::raw;
use crate::engine::gcra::{Decision, GcraConfig};
use crate::engine::striped_gcra::StripedGcra;
use crate::engine::{Clock, EngineError};
use napi::bindgen_prelude::{Object, Unknown};
use napi::{sys, Env, Result};
use napi_derive::napi;
use std::sync::atomic::{AtomicU64, Ordering};
use std::sync::Arc;

/// `[remaining, retryAfterMs, resetMs]` as `f64` bits, written by the thread that owns the view.
#[derive(Debug, Default)]
pub struct ResultCells(pub [AtomicU64; 3]);

impl ResultCells {
    /// A `Float64Array(3)` over these cells, keeping them alive while it lives.
    pub fn view<'env>(self: &Arc<Self>, env: &'env Env) -> Result<Unknown<'env>> {
        let view = raw::float64_array_view(env, self.0.as_ptr(), 3, Arc::clone(self))?;
        // SAFETY: `view` was just created in this env.
        Ok(unsafe { Unknown::from_raw_unchecked(env.raw(), view) })
    }

    /// Stores one answer.
    pub fn write(&self, remaining: f64, retry_after_nanos: u64, reset_nanos: u64) {
        self.0[0].store(remaining.to_bits(), Ordering::Relaxed);
        self.0[1].store(
            nanos_to_ms_ceil(retry_after_nanos).to_bits(),
            Ordering::Relaxed,
        );
        self.0[2].store(nanos_to_ms_ceil(reset_nanos).to_bits(), Ordering::Relaxed);
    }
}

/// Whole milliseconds, rounded up (waiting the reported time is always enough).
pub fn nanos_to_ms_ceil(nanos: u64) -> f64 {
    nanos.div_ceil(1_000_000) as f64
}

/// Validated `limit` per `intervalMs` with `burst`, as a GCRA config.
pub fn gcra_config(
    limit: u32,
    interval_ms: f64,
    burst: u32,
) -> std::result::Result<GcraConfig, EngineError> {
    if !(interval_ms.is_finite() && interval_ms >= 1.0 && interval_ms <= i32::MAX as f64) {
        return Err(EngineError::invalid(
            "interval",
            "a finite number of ms in [1, 2147483647]",
            interval_ms,
        ));
    }
    GcraConfig::new(limit, ms_to_nanos(interval_ms), burst)
}

struct Shared {
    gcra: StripedGcra,
    clock: BindingClock,
}

/// What each raw function is bound to: the cell, this object's result view and its lease slot.
struct Handle {
    shared: Arc<Shared>,
    out: Arc<ResultCells>,
    slot: usize,
}

/// The native half of a rate limiter.
#[napi]
pub struct NativeRateLimiter {
    shared: Arc<Shared>,
    out: Arc<ResultCells>,
}

#[napi]
impl NativeRateLimiter {
    /// `limit` per `intervalMs`, `burst` at once; a broken rule throws a `RangeError`.
    #[napi(constructor)]
    pub fn new(
        env: Env,
        limit: u32,
        interval_ms: f64,
        burst: u32,
        clock: Option<&ManualClock>,
        name: Option<String>,
        scope: Option<String>,
    ) -> Result<Self> {
        const CONTEXT: &str = "NativeRateLimiter";
        // Process-wide cells are shared by threads: they lease tokens per handle (see
        // `engine::striped_gcra`); a thread's own cell asks its TAT on every call.
        let striped = scope.as_deref() == Some("process");
        let build = || -> std::result::Result<Shared, EngineError> {
            Ok(Shared {
                gcra: StripedGcra::new(gcra_config(limit, interval_ms, burst)?, striped),
                clock: BindingClock::from_option(clock),
            })
        };
        let (shared, _) = super::scope::scoped(
            &env,
            CONTEXT,
            "rate limiter",
            scope.as_deref(),
            name.as_deref().unwrap_or_default(),
            || serde_json::json!({ "limit": limit, "interval": interval_ms, "burst": burst }),
            build,
        )?;
        Ok(Self {
            shared,
            out: Arc::default(),
        })
    }

    /// A `Float64Array(3)`: `[remaining, retryAfterMs, resetMs]` of the last `decide`.
    #[napi]
    pub fn result_view<'env>(&self, env: &'env Env) -> Result<Unknown<'env>> {
        self.out.view(env)
    }

    /// `{ tryAcquire, decide, waitMs }` bound to this limiter.
    #[napi]
    pub fn hot_functions<'env>(&self, env: &'env Env) -> Result<Object<'env>> {
        let slot = self.shared.gcra.assign_slot();
        raw::function_table(
            env,
            &[
                ("tryAcquire", c"tryAcquire", try_acquire),
                ("decide", c"decide", decide),
                ("waitMs", c"waitMs", wait_ms),
            ],
            || Handle {
                shared: Arc::clone(&self.shared),
                out: Arc::clone(&self.out),
                slot,
            },
        )
    }
}

/// # Safety
/// `data` is the boxed `Handle` of a function made by `hot_functions`.
unsafe fn handle_of(data: *mut std::ffi::c_void) -> &'static Handle {
    &*data.cast::<Handle>()
}

/// The `n` argument: 1 when not given; `Err` with a thrown error otherwise when invalid.
unsafe fn count_arg(
    env: sys::napi_env,
    value: sys::napi_value,
    burst: u32,
) -> std::result::Result<u32, sys::napi_value> {
    if raw::is_undefined(env, value) {
        return Ok(1);
    }
    match raw::number(env, value) {
        Some(n) if n.fract() == 0.0 && n >= 1.0 && n <= f64::from(burst) => Ok(n as u32),
        Some(n) => Err(raw::throw_range_error(
            env,
            &format!("n must be an integer in [1, burst = {burst}], got {n}"),
        )),
        None => Err(raw::throw_type_error(env, c"n must be a number")),
    }
}

/// `tryAcquire(n = 1)` → whether `n` were taken.
unsafe extern "C" fn try_acquire(
    env: sys::napi_env,
    info: sys::napi_callback_info,
) -> sys::napi_value {
    raw::guard(env, || {
        let (data, [n], argc) = raw::callback_args_counted::<1>(env, info);
        let h = handle_of(data);
        let n = if argc == 0 {
            1
        } else {
            match count_arg(env, n, h.shared.gcra.config().burst) {
                Ok(n) => n,
                Err(thrown) => return thrown,
            }
        };
        let now = h.shared.clock.now_nanos();
        let allowed = h.shared.gcra.try_acquire(h.slot, n, now).unwrap_or(false);
        raw::js_bool(env, allowed)
    })
}

/// `decide(n, take)` → whether admitted (`take`: also take them); writes the result view.
unsafe extern "C" fn decide(env: sys::napi_env, info: sys::napi_callback_info) -> sys::napi_value {
    raw::guard(env, || {
        let (data, [n, take]) = raw::callback_args::<2>(env, info);
        let h = handle_of(data);
        let n = match count_arg(env, n, h.shared.gcra.config().burst) {
            Ok(n) => n,
            Err(thrown) => return thrown,
        };
        let take = raw::number(env, take).is_some_and(|t| t != 0.0);
        let now = h.shared.clock.now_nanos();
        let decision = h.shared.gcra.decide(h.slot, n, take, now);
        let allowed = match decision {
            Ok(Decision::Allowed {
                remaining,
                reset_nanos,
            }) => {
                h.out.write(f64::from(remaining), 0, reset_nanos);
                true
            }
            Ok(Decision::Limited {
                retry_after_nanos,
                reset_nanos,
            }) => {
                h.out.write(0.0, retry_after_nanos, reset_nanos);
                false
            }
            Err(e) => return raw::throw_range_error(env, &e.to_string()),
        };
        raw::js_bool(env, allowed)
    })
}

/// `waitMs(units)` → ms until `units` (may exceed the burst) could be admitted.
unsafe extern "C" fn wait_ms(env: sys::napi_env, info: sys::napi_callback_info) -> sys::napi_value {
    raw::guard(env, || {
        let (data, [units]) = raw::callback_args::<1>(env, info);
        let h = handle_of(data);
        let units = raw::number(env, units)
            .filter(|u| u.is_finite() && *u >= 0.0)
            .unwrap_or(1.0);
        let now = h.shared.clock.now_nanos();
        raw::js_number(
            env,
            nanos_to_ms_ceil(h.shared.gcra.wait_nanos(units as u64, now)),
        )
    })
}
