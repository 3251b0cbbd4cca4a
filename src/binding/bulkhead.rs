//! `NativeBulkhead`: a bulkhead's permits and counters, shared with JS as an `Int32Array` view.
//!
//! The shim takes and returns permits with `Atomics` on the view (the cell protocol is documented
//! in `engine::bulkhead`), so a bulkhead call costs no native call; this class builds the block
//! and reads it for metrics.

use super::error::map_error;
use super::raw;
use crate::engine::metric_totals::BulkheadTotals;
use crate::engine::metrics::{self, Source};
use crate::engine::{bulkhead::CELLS, BulkheadCells, EngineError};
use napi::bindgen_prelude::Unknown;
use napi::{Env, Result};
use napi_derive::napi;
use std::sync::Arc;

/// A bulkhead's counters, as `getMetrics()` needs them.
#[napi(object)]
pub struct NativeBulkheadSnapshot {
    /// Permits free.
    pub available: u32,
    /// Executions running.
    pub active: u32,
    /// Calls waiting in the queue.
    pub queued: u32,
    /// Executions finished.
    pub completed: f64,
    /// Calls refused (queue full or queue timeout).
    pub rejected: f64,
    /// Calls that waited past the queue timeout.
    pub timed_out: f64,
}

/// A count option in `[min, 2^31-1]`, or a `RangeError` from `context` naming it.
pub(super) fn count_option(
    env: &Env,
    context: &str,
    option: &'static str,
    value: f64,
    min: f64,
) -> Result<u32> {
    if value.fract() == 0.0 && (min..=i32::MAX as f64).contains(&value) {
        Ok(value as u32)
    } else {
        Err(map_error(
            env,
            context,
            EngineError::invalid(option, "an integer in range", value),
        ))
    }
}

/// The native half of a bulkhead.
#[napi]
pub struct NativeBulkhead {
    cells: Arc<BulkheadCells>,
}

#[napi]
impl NativeBulkhead {
    /// `maxConcurrent` permits (1..2^31-1) and a queue of `maxQueueSize` (0..2^31-1); registered
    /// for metrics under `name` (default `"bulkhead"`).
    #[napi(constructor)]
    pub fn new(
        env: Env,
        max_concurrent: f64,
        max_queue_size: f64,
        name: Option<String>,
    ) -> Result<Self> {
        let count = |option, value, min| count_option(&env, "NativeBulkhead", option, value, min);
        let max_concurrent = count("maxConcurrent", max_concurrent, 1.0)?;
        let max_queue = count("maxQueueSize", max_queue_size, 0.0)?;
        let cells = Arc::new(BulkheadCells::new(max_concurrent, max_queue));
        let source: Arc<dyn Source<BulkheadTotals>> = cells.clone();
        metrics::registry()
            .write()
            .bulkheads
            .register(name.as_deref().unwrap_or("bulkhead"), source);
        Ok(Self { cells })
    }

    /// An `Int32Array` over the permit and counter cells (layout in `engine::bulkhead`).
    #[napi]
    pub fn cells_view<'env>(&self, env: &'env Env) -> Result<Unknown<'env>> {
        let owner = Arc::clone(&self.cells);
        let view = raw::int32_array_view(env, owner.cells().as_ptr(), CELLS, Arc::clone(&owner))?;
        // SAFETY: `view` was just created in this env.
        Ok(unsafe { Unknown::from_raw_unchecked(env.raw(), view) })
    }

    /// The counters now.
    #[napi]
    pub fn snapshot(&self) -> NativeBulkheadSnapshot {
        let s = self.cells.snapshot();
        NativeBulkheadSnapshot {
            available: s.available,
            active: s.active,
            queued: s.queued,
            completed: s.completed as f64,
            rejected: s.rejected as f64,
            timed_out: s.timed_out as f64,
        }
    }
}
