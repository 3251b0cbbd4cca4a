//! `NativeProcessBulkhead`: one thread's handle (a lease) on a process-wide bulkhead.
//!
//! Every worker thread that asks for the same name with the same settings shares one pool of
//! permits and one FIFO queue (`engine::shared_bulkhead`). Taking and giving back a permit are raw
//! per-call functions (`acquire`, `release`) so the lease count stays exact even when the thread
//! is terminated between two JS statements; queueing, leaving and collecting grants are cold
//! methods. Grants made by other threads arrive through this thread's waker (`thread_waker`).

// Free `#[napi]` functions are registered only outside `cfg(test)`, so unit-test builds see them unused.
#![cfg_attr(test, allow(dead_code))]

use super::bulkhead::count_option;
use super::error::map_error;
use super::raw;
use super::thread_waker;
use crate::engine::bulkhead::CELLS;
use crate::engine::metric_totals::BulkheadTotals;
use crate::engine::metrics::{self, Source};
use crate::engine::shared_bulkhead::{Lease, SharedBulkhead};
use crate::engine::EngineError;
use napi::bindgen_prelude::{Function, Object, Unknown};
use napi::{sys, Env, JsValue, Result};
use napi_derive::napi;
use std::sync::Arc;

impl Source<BulkheadTotals> for SharedBulkhead {
    fn read(&self) -> BulkheadTotals {
        self.cells().read()
    }
}

/// Registers this copy of the JS library's wake-up callback for process-wide bulkheads (call it
/// once per copy): `onGrants()` runs on this thread when another thread granted permits to calls
/// queued here.
#[napi]
pub fn install_bulkhead_waker(env: Env, on_grants: Function<(), ()>) -> Result<()> {
    thread_waker::install(&env, on_grants.raw())
}

/// `+1` when this copy of the JS library gets calls queued on a process-wide bulkhead, `-1` when
/// it has none left: this thread's event loop is kept alive while any copy has.
#[napi]
pub fn bulkhead_waker_keep_alive(delta: i32) -> Result<()> {
    thread_waker::keep_alive(delta)
}

/// Leases on process-wide bulkheads alive in the process (a diagnostic: threads that ended must
/// leave none behind).
#[napi]
pub fn live_bulkhead_leases() -> u32 {
    crate::engine::shared_bulkhead::live_leases() as u32
}

/// This thread's lease on the process-wide bulkhead of a name.
#[napi]
pub struct NativeProcessBulkhead {
    lease: Arc<Lease>,
}

#[napi]
impl NativeProcessBulkhead {
    /// Attaches to (or creates) the process-wide bulkhead `name` with `maxConcurrent` permits and
    /// a process-wide queue of `maxQueueSize`; `timeout` (queue wait, ms) is part of the settings
    /// every thread must agree on. Call `installBulkheadWaker` on this thread first.
    #[napi(constructor)]
    pub fn new(
        env: Env,
        name: String,
        max_concurrent: f64,
        max_queue_size: f64,
        timeout: f64,
    ) -> Result<Self> {
        const WHERE: &str = "NativeProcessBulkhead";
        let count = |option, value, min| count_option(&env, WHERE, option, value, min);
        let max_concurrent = count("maxConcurrent", max_concurrent, 1.0)?;
        let max_queue = count("maxQueueSize", max_queue_size, 0.0)?;
        if !(timeout.is_finite() && timeout >= 0.0) {
            return Err(map_error(
                &env,
                WHERE,
                EngineError::invalid("timeout", "a finite number of ms >= 0", timeout),
            ));
        }
        let Some(wake) = thread_waker::wake_for_new_lease() else {
            return Err(map_error(
                &env,
                WHERE,
                EngineError::invalid(
                    "thread",
                    "a thread that called installBulkheadWaker()",
                    "not installed",
                ),
            ));
        };
        let settings = serde_json::json!({
            "maxConcurrent": max_concurrent,
            "maxQueueSize": max_queue,
            "timeout": timeout,
        });
        let (shared, built) =
            super::scope::process_wide(&env, WHERE, "bulkhead", &name, settings, || {
                Ok(SharedBulkhead::new(max_concurrent, max_queue))
            })?;
        if built {
            let source: Arc<dyn Source<BulkheadTotals>> = shared.clone();
            metrics::registry()
                .write()
                .bulkheads
                .register(&name, source);
        }
        let lease = Arc::new(shared.lease(wake));
        thread_waker::track(&lease);
        Ok(Self { lease })
    }

    /// An `Int32Array` over the shared permit and counter cells (layout in `engine::bulkhead`);
    /// JS reads it, and bumps the refusal counters with `Atomics`.
    #[napi]
    pub fn cells_view<'env>(&self, env: &'env Env) -> Result<Unknown<'env>> {
        let shared = Arc::clone(self.lease.bulkhead());
        let view = raw::int32_array_view(env, shared.cells().cells().as_ptr(), CELLS, shared)?;
        // SAFETY: `view` was just created in this env.
        Ok(unsafe { Unknown::from_raw_unchecked(env.raw(), view) })
    }

    /// `{ acquire, release }`: `acquire()` → whether a permit was taken (only when nobody is
    /// queued); `release()` → how many of this thread's queued calls it granted a permit to.
    #[napi]
    pub fn hot_functions<'env>(&self, env: &'env Env) -> Result<Object<'env>> {
        raw::function_table(
            env,
            &[
                ("acquire", c"acquire", acquire),
                ("release", c"release", release),
            ],
            || Arc::clone(&self.lease),
        )
    }

    /// Queues call `waiter`: `-1 - g` when the queue is full (refused), else `g`, the number of
    /// this thread's calls granted a permit and waiting to be collected with `takeGranted()`.
    #[napi]
    pub fn enqueue(&self, waiter: u32) -> i32 {
        let outcome = self.lease.enqueue(waiter);
        let granted = outcome.granted_here.min(i32::MAX as u32 - 1) as i32;
        if outcome.queued {
            granted
        } else {
            -1 - granted
        }
    }

    /// Takes `waiter` out of the queue; `false` when it was already granted a permit.
    #[napi]
    pub fn leave(&self, waiter: u32) -> bool {
        self.lease.leave(waiter)
    }

    /// The ids of this thread's calls granted a permit, oldest first; they now hold it.
    #[napi]
    pub fn take_granted(&self) -> Vec<u32> {
        self.lease.take_granted()
    }

    /// Gives back a permit whose call never ran (it left the queue as it was granted); returns
    /// how many of this thread's queued calls were granted a permit by it.
    #[napi]
    pub fn give_back(&self) -> u32 {
        self.lease.give_back()
    }

    /// Permits held by this thread's calls.
    #[napi]
    pub fn held(&self) -> u32 {
        self.lease.held()
    }

    /// Gives back everything this handle holds; it takes nothing afterwards.
    #[napi]
    pub fn close(&self) {
        self.lease.close();
    }
}

unsafe fn lease_of<'a>(data: *mut std::ffi::c_void) -> &'a Lease {
    &*data.cast::<Arc<Lease>>()
}

/// `acquire()` → `true` if a permit was taken.
unsafe extern "C" fn acquire(env: sys::napi_env, info: sys::napi_callback_info) -> sys::napi_value {
    raw::guard(env, || {
        let (data, []) = raw::callback_args::<0>(env, info);
        raw::js_bool(env, lease_of(data).try_acquire())
    })
}

/// `release()` → how many of this thread's queued calls were granted a permit.
unsafe extern "C" fn release(env: sys::napi_env, info: sys::napi_callback_info) -> sys::napi_value {
    raw::guard(env, || {
        let (data, []) = raw::callback_args::<0>(env, info);
        raw::js_int32(env, lease_of(data).release() as i32)
    })
}
