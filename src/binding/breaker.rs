//! `NativeBreaker`: the circuit breaker's native object, and its raw per-call functions.
//!
//! The JS shim admits a call in CLOSED by reading the gate view (no native call), and records
//! its outcome with `ok(ticket)` or `done(ticket, outcome, durationMs)`: raw callbacks bound to
//! this breaker, each returning the gate afterwards so the shim can see transitions.

use super::clock::{ms_to_nanos, BindingClock, ManualClock};
use super::error::map_error;
use super::raw;
use crate::engine::metric_totals::BreakerTotals;
use crate::engine::metrics::{self, Source};
use crate::engine::stripes::Stripe;
use crate::engine::{Admission, Breaker, BreakerConfig, Clock, EngineError, Outcome, WindowKind};
use napi::bindgen_prelude::{Object, Unknown};
use napi::{sys, Env, Result};
use napi_derive::napi;
use std::sync::Arc;

/// A breaker and the clock it reads, shared by its JS object and its per-call functions.
pub struct SharedBreaker {
    engine: Breaker,
    clock: BindingClock,
}

impl Source<BreakerTotals> for SharedBreaker {
    fn read(&self) -> BreakerTotals {
        BreakerTotals::of(&self.engine, &self.clock)
    }
}

/// Breaker settings as the shim passes them (already validated there; checked again here).
#[napi(object)]
pub struct BreakerOptions {
    /// Consecutive failures that open the breaker; 0 disables the rule.
    pub failure_threshold: u32,
    /// Failure rate in (0, 1] that opens the breaker.
    pub failure_rate_threshold: Option<f64>,
    /// Slow-call rate in (0, 1] that opens the breaker.
    pub slow_call_rate_threshold: Option<f64>,
    /// Calls longer than this many ms are slow.
    pub slow_call_duration_threshold: Option<f64>,
    /// Minimum calls in the window before rates are judged.
    pub volume_threshold: u32,
    /// Time spent OPEN before probing, in ms.
    pub reset_timeout: f64,
    /// Successful probes needed to close.
    pub success_threshold: u32,
    /// Probes admitted at once in HALF_OPEN.
    pub half_open_max_calls: u32,
    /// `"count"` or `"time"`.
    pub window_kind: String,
    /// Count window: number of calls.
    pub window_size: Option<u32>,
    /// Time window: span in ms.
    pub window_ms: Option<f64>,
    /// Time window: number of buckets.
    pub window_buckets: Option<u32>,
}

fn ms(option: &'static str, value: f64) -> std::result::Result<u64, EngineError> {
    if (0.0..=4.0e15).contains(&value) {
        Ok(ms_to_nanos(value))
    } else {
        Err(EngineError::invalid(
            option,
            "a finite number of ms >= 0",
            value,
        ))
    }
}

impl BreakerOptions {
    /// The settings as JSON, to tell same-settings from different-settings process-wide state.
    fn settings(&self) -> serde_json::Value {
        serde_json::json!({
            "failureThreshold": self.failure_threshold,
            "failureRateThreshold": self.failure_rate_threshold,
            "slowCallRateThreshold": self.slow_call_rate_threshold,
            "slowCallDurationThreshold": self.slow_call_duration_threshold,
            "volumeThreshold": self.volume_threshold,
            "resetTimeout": self.reset_timeout,
            "successThreshold": self.success_threshold,
            "halfOpenMaxCalls": self.half_open_max_calls,
            "window": [&self.window_kind, self.window_size, self.window_ms, self.window_buckets],
        })
    }

    fn to_config(&self) -> std::result::Result<BreakerConfig, EngineError> {
        let window = match self.window_kind.as_str() {
            "count" => WindowKind::Count {
                size: self.window_size.unwrap_or(100),
            },
            "time" => WindowKind::Time {
                span_nanos: ms("window.ms", self.window_ms.unwrap_or(60_000.0))?,
                buckets: self.window_buckets.unwrap_or(10),
            },
            other => {
                return Err(EngineError::invalid(
                    "window.kind",
                    "'count' or 'time'",
                    other,
                ))
            }
        };
        let config = BreakerConfig {
            failure_threshold: self.failure_threshold,
            failure_rate_threshold: self.failure_rate_threshold,
            slow_call_rate_threshold: self.slow_call_rate_threshold,
            slow_call_duration_nanos: self
                .slow_call_duration_threshold
                .map(|v| ms("slowCallDurationThreshold", v))
                .transpose()?,
            volume_threshold: self.volume_threshold,
            reset_timeout_nanos: ms("resetTimeout", self.reset_timeout)?,
            success_threshold: self.success_threshold,
            half_open_max_calls: self.half_open_max_calls,
            window,
        };
        config.validate()?;
        Ok(config)
    }
}

/// The breaker's counters, as `getMetrics()` needs them.
#[napi(object)]
pub struct NativeBreakerSnapshot {
    /// `'CLOSED' | 'OPEN' | 'HALF_OPEN'`.
    pub state: String,
    /// Whether the breaker is open by `forceOpen()`.
    pub forced: bool,
    /// The gate (state and epoch).
    pub gate: u32,
    /// Successful calls since creation.
    pub successes: f64,
    /// Failed calls (timeouts included) since creation.
    pub failures: f64,
    /// Calls that timed out.
    pub timeouts: f64,
    /// Calls rejected without running.
    pub rejections: f64,
    /// Calls slower than the slow-call threshold.
    pub slow_calls: f64,
    /// Calls in the rolling window.
    pub window_calls: u32,
    /// Failure rate in the rolling window.
    pub failure_rate: f64,
    /// Slow-call rate in the rolling window.
    pub slow_call_rate: f64,
    /// The current run of consecutive failures.
    pub consecutive_failures: u32,
    /// Engine time of the last transition, in ms (0 if none).
    pub last_state_change_ms: f64,
    /// Transitions since creation, indexed `from * 4 + to` (state codes 0..3).
    pub transitions: Vec<f64>,
    /// Times a half-open probe admission retried its CAS.
    pub probe_contention: f64,
}

/// Keeps a success stripe and its breaker alive while JS holds the stripe's view; retires the
/// stripe when the view is collected (its thread can no longer write it).
struct StripeOwner {
    shared: Arc<SharedBreaker>,
    stripe: Arc<Stripe>,
}

impl Drop for StripeOwner {
    fn drop(&mut self) {
        self.shared.engine.retire_stripe(&self.stripe);
    }
}

/// The native half of a circuit breaker.
#[napi]
pub struct NativeBreaker {
    shared: Arc<SharedBreaker>,
}

#[napi]
impl NativeBreaker {
    /// Builds a CLOSED breaker; a broken rule throws a `RangeError` and builds nothing. Its
    /// counters are registered for metrics under `name` (default `"breaker"`).
    #[napi(constructor)]
    pub fn new(
        env: Env,
        options: BreakerOptions,
        clock: Option<&ManualClock>,
        name: Option<String>,
        scope: Option<String>,
    ) -> Result<Self> {
        let name = name.unwrap_or_else(|| "breaker".to_string());
        let process = scope.as_deref() == Some("process");
        let build = || -> std::result::Result<SharedBreaker, EngineError> {
            let config = options.to_config()?;
            Ok(SharedBreaker {
                engine: if process {
                    Breaker::shared(config)
                } else {
                    Breaker::new(config)
                },
                clock: BindingClock::from_option(clock),
            })
        };
        if clock.is_some() && scope.as_deref() == Some("process") {
            return Err(map_error(
                &env,
                "NativeBreaker",
                EngineError::invalid(
                    "clock",
                    "absent with scope 'process' (threads share real time)",
                    "a ManualClock",
                ),
            ));
        }
        let (shared, built) = super::scope::scoped(
            &env,
            "NativeBreaker",
            "circuit breaker",
            scope.as_deref(),
            &name,
            || options.settings(),
            build,
        )?;
        if built {
            let source: Arc<dyn Source<BreakerTotals>> = shared.clone();
            metrics::registry().write().breakers.register(&name, source);
        }
        Ok(Self { shared })
    }

    /// An `Int32Array(1)` whose element is the live gate (`epoch << 2 | state`).
    #[napi]
    pub fn gate_view<'env>(&self, env: &'env Env) -> Result<Unknown<'env>> {
        let shared = Arc::clone(&self.shared);
        let view = raw::int32_view(env, shared.engine.gate_cell(), Arc::clone(&shared))?;
        // SAFETY: `view` was just created in this env.
        Ok(unsafe { Unknown::from_raw_unchecked(env.raw(), view) })
    }

    /// An `Int32Array(1)` whose element is the live run of consecutive failures.
    #[napi]
    pub fn run_view<'env>(&self, env: &'env Env) -> Result<Unknown<'env>> {
        let shared = Arc::clone(&self.shared);
        let view = raw::int32_view(env, shared.engine.consecutive_cell(), Arc::clone(&shared))?;
        // SAFETY: `view` was just created in this env.
        Ok(unsafe { Unknown::from_raw_unchecked(env.raw(), view) })
    }

    /// An `Int32Array(2)` over a new success stripe of this thread (a 64-bit count as low, high
    /// words; see `engine::stripes`): successes the shim adds there count at once in every
    /// snapshot and metric. The stripe is folded into the total when the array is collected.
    #[napi]
    pub fn success_stripe<'env>(&self, env: &'env Env) -> Result<Unknown<'env>> {
        let owner = StripeOwner {
            stripe: self.shared.engine.success_stripe(),
            shared: Arc::clone(&self.shared),
        };
        let cells = owner.stripe.cells().as_ptr();
        let view = raw::int32_array_view(env, cells, 2, owner)?;
        // SAFETY: `view` was just created in this env.
        Ok(unsafe { Unknown::from_raw_unchecked(env.raw(), view) })
    }

    /// `{ admit, ok, okMany, okStriped, done }`: the per-call functions bound to this breaker.
    #[napi]
    pub fn hot_functions<'env>(&self, env: &'env Env) -> Result<Object<'env>> {
        raw::function_table(
            env,
            &[
                ("admit", c"admit", admit),
                ("ok", c"ok", record_ok),
                ("okMany", c"okMany", record_ok_many),
                ("okStriped", c"okStriped", record_ok_striped),
                ("okStripedOne", c"okStripedOne", record_ok_striped_one),
                ("done", c"done", record_done),
            ],
            || Arc::clone(&self.shared),
        )
    }

    /// The gate now, making a due OPEN → HALF_OPEN transition first.
    #[napi]
    pub fn observe(&self) -> u32 {
        self.shared.engine.observe(&self.shared.clock)
    }

    /// Milliseconds until probes are admitted (0 unless OPEN; -1 while forced open).
    #[napi]
    pub fn retry_after_ms(&self) -> f64 {
        match self.shared.engine.retry_after(&self.shared.clock) {
            Some(nanos) => (nanos as f64 / 1e6).ceil(),
            None => -1.0,
        }
    }

    /// Opens until `reset()`; returns the gate.
    #[napi]
    pub fn force_open(&self) -> u32 {
        self.shared.engine.force_open(&self.shared.clock)
    }

    /// Closes and clears the rolling window; returns the gate.
    #[napi]
    pub fn reset(&self) -> u32 {
        self.shared.engine.reset(&self.shared.clock)
    }

    /// Transitions after `seenGate`, flattened as `[from, to, gate, ...]`.
    #[napi]
    pub fn transitions_since(&self, seen_gate: u32) -> Vec<u32> {
        self.shared
            .engine
            .transitions_since(seen_gate)
            .iter()
            .flat_map(|t| [t.from.code(), t.to.code(), t.gate])
            .collect()
    }

    /// The counters now.
    #[napi]
    pub fn snapshot(&self) -> NativeBreakerSnapshot {
        let s = self.shared.engine.snapshot(&self.shared.clock);
        NativeBreakerSnapshot {
            state: s.state.name().to_string(),
            forced: s.state == crate::engine::CircuitState::ForcedOpen,
            gate: s.gate,
            successes: s.successes as f64,
            failures: s.failures as f64,
            timeouts: s.timeouts as f64,
            rejections: s.rejections as f64,
            slow_calls: s.slow_calls as f64,
            window_calls: s.window.calls,
            failure_rate: s.window.failure_rate(),
            slow_call_rate: s.window.slow_rate(),
            consecutive_failures: s.consecutive_failures,
            last_state_change_ms: s.last_state_change_nanos as f64 / 1e6,
            transitions: s.transitions.iter().map(|&n| n as f64).collect(),
            probe_contention: s.probe_contention as f64,
        }
    }

    /// The engine time now, in ms (the breaker's clock).
    #[napi]
    pub fn now_ms(&self) -> f64 {
        self.shared.clock.now_nanos() as f64 / 1e6
    }
}

/// # Safety
/// Node calls it with a live env and info whose data is a boxed `Arc<SharedBreaker>`.
unsafe fn shared_of(data: *mut std::ffi::c_void) -> &'static SharedBreaker {
    &(*data.cast::<Arc<SharedBreaker>>())
}

/// `admit()` → ticket (≥ 0) or -1 when rejected.
unsafe extern "C" fn admit(env: sys::napi_env, info: sys::napi_callback_info) -> sys::napi_value {
    raw::guard(env, || {
        let (data, []) = raw::callback_args::<0>(env, info);
        let b = shared_of(data);
        let ticket = match b.engine.admit(&b.clock) {
            Admission::Admitted { ticket } => ticket as i32,
            Admission::Rejected { .. } => -1,
        };
        raw::js_int32(env, ticket)
    })
}

/// Reads `ticket` and returns the gate `record(breaker, ticket)` leaves.
///
/// # Safety
/// `env` and `info` must be the ones Node passed to the running callback.
unsafe fn record_one(
    env: sys::napi_env,
    info: sys::napi_callback_info,
    usage: &std::ffi::CStr,
    record: impl FnOnce(&SharedBreaker, u32) -> u32,
) -> sys::napi_value {
    raw::guard(env, || {
        let (data, [ticket]) = raw::callback_args::<1>(env, info);
        let Some(ticket) = raw::int32(env, ticket) else {
            return raw::throw_type_error(env, usage);
        };
        raw::js_int32(env, record(shared_of(data), ticket as u32) as i32)
    })
}

/// `ok(ticket)` → gate after recording a success.
unsafe extern "C" fn record_ok(
    env: sys::napi_env,
    info: sys::napi_callback_info,
) -> sys::napi_value {
    record_one(
        env,
        info,
        c"ok(ticket): ticket must be a number",
        |b, ticket| b.engine.record(ticket, Outcome::Success, None, &b.clock),
    )
}

/// Reads `(ticket, n)` and returns the gate `record(breaker, ticket, n)` leaves.
///
/// # Safety
/// `env` and `info` must be the ones Node passed to the running callback.
unsafe fn record_many(
    env: sys::napi_env,
    info: sys::napi_callback_info,
    usage: &std::ffi::CStr,
    record: impl FnOnce(&SharedBreaker, u32, u32) -> u32,
) -> sys::napi_value {
    raw::guard(env, || {
        let (data, [ticket, n]) = raw::callback_args::<2>(env, info);
        let (Some(ticket), Some(n)) = (raw::int32(env, ticket), raw::int32(env, n)) else {
            return raw::throw_type_error(env, usage);
        };
        let gate = record(shared_of(data), ticket as u32, n.max(0) as u32);
        raw::js_int32(env, gate as i32)
    })
}

/// `okMany(ticket, n)` → gate after recording `n` successes at once (see `Breaker::record_successes`).
unsafe extern "C" fn record_ok_many(
    env: sys::napi_env,
    info: sys::napi_callback_info,
) -> sys::napi_value {
    record_many(
        env,
        info,
        c"okMany(ticket, n): numbers expected",
        |b, ticket, n| b.engine.record_successes(ticket, n, &b.clock),
    )
}

/// `okStriped(ticket, n)` → gate after giving `n` successes already counted in a stripe to the
/// failure run and the window (see `Breaker::record_striped_successes`).
unsafe extern "C" fn record_ok_striped(
    env: sys::napi_env,
    info: sys::napi_callback_info,
) -> sys::napi_value {
    record_many(
        env,
        info,
        c"okStriped(ticket, n): numbers expected",
        |b, ticket, n| b.engine.record_striped_successes(ticket, n, &b.clock),
    )
}

/// `okStripedOne(ticket)` → gate after recording one success already counted in a stripe, at
/// once (breakers with rate rules; see `Breaker::record_striped_success`).
unsafe extern "C" fn record_ok_striped_one(
    env: sys::napi_env,
    info: sys::napi_callback_info,
) -> sys::napi_value {
    record_one(
        env,
        info,
        c"okStripedOne(ticket): ticket must be a number",
        |b, ticket| b.engine.record_striped_success(ticket, &b.clock),
    )
}

/// `done(ticket, outcome, durationMs)` → gate after recording; outcome 0 success, 1 failure,
/// 2 timeout; a negative or non-number duration means "not measured".
unsafe extern "C" fn record_done(
    env: sys::napi_env,
    info: sys::napi_callback_info,
) -> sys::napi_value {
    raw::guard(env, || {
        let (data, [ticket, outcome, duration]) = raw::callback_args::<3>(env, info);
        let (Some(ticket), Some(outcome)) = (raw::int32(env, ticket), raw::int32(env, outcome))
        else {
            return raw::throw_type_error(
                env,
                c"done(ticket, outcome, durationMs): numbers expected",
            );
        };
        let outcome = match outcome {
            0 => Outcome::Success,
            2 => Outcome::Timeout,
            _ => Outcome::Failure,
        };
        let duration = raw::number(env, duration)
            .filter(|d| d.is_finite() && *d >= 0.0)
            .map(ms_to_nanos);
        let b = shared_of(data);
        let gate = b.engine.record(ticket as u32, outcome, duration, &b.clock);
        raw::js_int32(env, gate as i32)
    })
}
