//! `NativeKeyedLimiter`: GCRA cells per key, with raw per-call functions.
//!
//! `consume(key, n)` reads the key without allocating (short keys), decides under the key's shard
//! lock, writes `[remaining, retryAfterMs, resetMs]` into this object's result view and returns
//! whether the request was admitted.

use super::clock::{BindingClock, ManualClock};
use super::rate_limiter::{gcra_config, ResultCells};
use super::raw;
use crate::engine::keyed::{KeyDecision, KeyedGcra, WhenFull};
use crate::engine::{Clock, EngineError};
use napi::bindgen_prelude::{Object, Unknown};
use napi::{sys, Env, Result};
use napi_derive::napi;
use std::sync::Arc;

struct Shared {
    keyed: KeyedGcra,
    clock: BindingClock,
}

struct Handle {
    shared: Arc<Shared>,
    out: Arc<ResultCells>,
}

/// Keyed limiter settings as the shim passes them (validated there; checked again here).
#[napi(object)]
pub struct KeyedLimiterOptions {
    /// Requests per interval, per key.
    pub limit: u32,
    /// The interval in ms.
    pub interval_ms: f64,
    /// Requests admitted at once, per key.
    pub burst: u32,
    /// Keys remembered at most.
    pub max_keys: u32,
    /// `"evict-lru"` or `"reject"`.
    pub when_full: String,
    /// The limiter's name (what threads share with `scope: "process"`).
    pub name: Option<String>,
    /// `"thread"` (default) or `"process"`.
    pub scope: Option<String>,
}

/// The native half of a keyed rate limiter.
#[napi]
pub struct NativeKeyedLimiter {
    shared: Arc<Shared>,
    out: Arc<ResultCells>,
}

#[napi]
impl NativeKeyedLimiter {
    /// Builds (or, with `scope: "process"`, attaches to) a keyed limiter; a broken rule throws a
    /// `RangeError`.
    #[napi(constructor)]
    pub fn new(
        env: Env,
        options: KeyedLimiterOptions,
        clock: Option<&ManualClock>,
    ) -> Result<Self> {
        const CONTEXT: &str = "NativeKeyedLimiter";
        let KeyedLimiterOptions {
            limit,
            interval_ms,
            burst,
            max_keys,
            when_full,
            name,
            scope,
        } = options;
        let settings = serde_json::json!({
            "limit": limit, "interval": interval_ms, "burst": burst, "maxKeys": max_keys, "whenFull": &when_full,
        });
        let build = || -> std::result::Result<KeyedGcra, EngineError> {
            let when_full = match when_full.as_str() {
                "evict-lru" => WhenFull::EvictLru,
                "reject" => WhenFull::Refuse,
                other => {
                    return Err(EngineError::invalid(
                        "whenFull",
                        "'evict-lru' or 'reject'",
                        other,
                    ))
                }
            };
            KeyedGcra::new(gcra_config(limit, interval_ms, burst)?, max_keys, when_full)
        };
        let build_shared = || -> std::result::Result<Shared, EngineError> {
            Ok(Shared {
                keyed: build()?,
                clock: BindingClock::from_option(clock),
            })
        };
        let (shared, _) = super::scope::scoped(
            &env,
            CONTEXT,
            "keyed rate limiter",
            scope.as_deref(),
            name.as_deref().unwrap_or_default(),
            || settings,
            build_shared,
        )?;
        Ok(Self {
            shared,
            out: Arc::default(),
        })
    }

    /// A `Float64Array(3)`: `[remaining, retryAfterMs, resetMs]` of the last `consume`/`peek`.
    #[napi]
    pub fn result_view<'env>(&self, env: &'env Env) -> Result<Unknown<'env>> {
        self.out.view(env)
    }

    /// `{ consume, peek }` bound to this limiter.
    #[napi]
    pub fn hot_functions<'env>(&self, env: &'env Env) -> Result<Object<'env>> {
        raw::function_table(
            env,
            &[("consume", c"consume", consume), ("peek", c"peek", peek)],
            || Handle {
                shared: Arc::clone(&self.shared),
                out: Arc::clone(&self.out),
            },
        )
    }

    /// Forgets `key`; returns whether it was known.
    #[napi]
    pub fn delete(&self, key: String) -> bool {
        self.shared.keyed.delete(&key)
    }

    /// Keys remembered now.
    #[napi]
    pub fn size(&self) -> u32 {
        self.shared.keyed.len() as u32
    }

    /// Forgets every key whose bucket has fully recovered; returns how many.
    #[napi]
    pub fn sweep(&self) -> u32 {
        let now = self.shared.clock.now_nanos();
        self.shared.keyed.sweep(now) as u32
    }
}

/// # Safety
/// `data` is the boxed `Handle` of a function made by `hot_functions`.
unsafe fn handle_of(data: *mut std::ffi::c_void) -> &'static Handle {
    &*data.cast::<Handle>()
}

unsafe fn run(env: sys::napi_env, info: sys::napi_callback_info, take: bool) -> sys::napi_value {
    let (data, [key, n], argc) = raw::callback_args_counted::<2>(env, info);
    let h = handle_of(data);
    let n = if argc < 2 || raw::is_undefined(env, n) {
        1
    } else {
        match raw::number(env, n) {
            Some(v) if v.fract() == 0.0 && v >= 1.0 && v <= u32::MAX as f64 => v as u32,
            _ => return raw::throw_range_error(env, "n must be an integer >= 1"),
        }
    };
    let now = h.shared.clock.now_nanos();
    let keyed = &h.shared.keyed;
    let result = raw::with_str(env, key, |key| {
        if take {
            keyed.consume(key, n, now)
        } else {
            keyed.peek(key, n, now)
        }
    });
    match result {
        None => raw::throw_type_error(env, c"key must be a string"),
        Some(Err(e)) => raw::throw_range_error(env, &e.to_string()),
        Some(Ok(KeyDecision {
            allowed,
            remaining,
            retry_after_nanos,
            reset_nanos,
        })) => {
            h.out
                .write(f64::from(remaining), retry_after_nanos, reset_nanos);
            raw::js_bool(env, allowed)
        }
    }
}

/// `consume(key, n = 1)` → whether admitted; writes the result view.
unsafe extern "C" fn consume(env: sys::napi_env, info: sys::napi_callback_info) -> sys::napi_value {
    raw::guard(env, || run(env, info, true))
}

/// `peek(key, n = 1)` → whether it would be admitted; writes the result view; takes nothing.
unsafe extern "C" fn peek(env: sys::napi_env, info: sys::napi_callback_info) -> sys::napi_value {
    raw::guard(env, || run(env, info, false))
}
