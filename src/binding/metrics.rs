//! Metrics: the process-wide enable flag, the per-name counter cells of retry and timeout
//! policies, and the Prometheus rendering (all cold paths; the hot paths only touch cells).
// Free `#[napi]` functions are registered only outside `cfg(test)`, so unit-test builds see them unused.
#![cfg_attr(test, allow(dead_code))]

use super::error::map_error;
use super::raw;
use crate::engine::exposition::{self, Family};
use crate::engine::metric_totals::PolicyTotals;
use crate::engine::metrics::{self, Source};
use crate::engine::policy_counters::CELLS;
use crate::engine::{EngineError, PolicyCounters};
use napi::bindgen_prelude::Unknown;
use napi::{Env, Result};
use napi_derive::napi;
use serde_json::{json, Value};
use std::sync::Arc;

/// Turns on the process-wide metrics flag (breakers start measuring call durations for their
/// histograms). It stays on for the life of the process.
#[napi]
pub fn enable_metrics() {
    metrics::enable();
}

/// An `Int32Array(1)` over the process-wide metrics flag (0 off, 1 on), for a read per call.
#[napi]
pub fn metrics_flag_view(env: &Env) -> Result<Unknown<'_>> {
    let cell = metrics::enabled_cell();
    let view = raw::int32_array_view(env, cell.as_ptr().cast_const().cast(), 1, ())?;
    // SAFETY: `view` was just created in this env.
    Ok(unsafe { Unknown::from_raw_unchecked(env.raw(), view) })
}

/// A fresh block of counters (layout in `engine::policy_counters`) registered as `kind`
/// (`"retry"` or `"timeout"`) under `name`, and an `Int32Array` view over it for this thread.
#[napi]
pub fn policy_counter_cells(env: &Env, kind: String, name: String) -> Result<Unknown<'_>> {
    let counters = Arc::new(PolicyCounters::new());
    let source: Arc<dyn Source<PolicyTotals>> = counters.clone();
    {
        let mut registry = metrics::registry().write();
        match kind.as_str() {
            "retry" => registry.retries.register(&name, source),
            "timeout" => registry.timeouts.register(&name, source),
            _ => {
                return Err(map_error(
                    env,
                    "policyCounterCells",
                    EngineError::invalid("kind", "'retry' or 'timeout'", kind),
                ))
            }
        }
    }
    let cells = counters.cells().as_ptr();
    let view = raw::int32_array_view(env, cells, CELLS, counters)?;
    // SAFETY: `view` was just created in this env.
    Ok(unsafe { Unknown::from_raw_unchecked(env.raw(), view) })
}

/// Every metric of the process as Prometheus text exposition format 0.0.4.
#[napi]
pub fn render_metrics() -> String {
    exposition::render(&exposition::families(&metrics::gather()))
}

/// Every metric family as JSON: `[{ name, help, type, values: [{ labels, value, metricName? }] }]`
/// (the shape `prom-client` metric objects return from `get()`), except that `labels` is an array
/// of `[name, value]` pairs, in output order (a JSON object would lose the order).
#[napi]
pub fn metrics_families_json() -> String {
    let families = exposition::families(&metrics::gather());
    Value::Array(families.iter().map(family_json).collect()).to_string()
}

fn family_json(f: &Family) -> Value {
    let values = f
        .samples
        .iter()
        .map(|s| {
            let labels: Vec<Value> = s.labels.iter().map(|(k, v)| json!([k, v])).collect();
            let mut value = json!({ "labels": labels, "value": s.value.as_f64() });
            if !s.suffix.is_empty() {
                value["metricName"] = Value::from(format!("{}{}", f.name, s.suffix));
            }
            value
        })
        .collect::<Vec<_>>();
    json!({ "name": f.name, "help": f.help, "type": f.kind.as_str(), "values": values })
}
