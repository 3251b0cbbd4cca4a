//! `nativeCache(maxEntries, policy, name)`: a cache's native index, handed to the shim as an
//! `Int32Array` over its cells plus raw per-call functions bound to it.
//!
//! The shim records a hit with two typed-array stores (no native call, see
//! `engine::cache::cells`); `insert`, `remove`, `drain` and `clear` are raw Node-API callbacks
//! whose callback data is the index itself (no handle lookup, no `this`, no lock). A cache holds
//! JS values and so lives on one JS thread: its index is an `Rc<RefCell<_>>` owned by those
//! functions; only the cells (atomics) are shared, with the metrics registry.
// Free `#[napi]` functions are registered only outside `cfg(test)`, so unit-test builds see them unused.
#![cfg_attr(test, allow(dead_code))]

use super::error::map_error;
use super::raw;
use crate::engine::cache::cells::CELLS;
use crate::engine::cache::{CacheIndex, CacheTotals, PolicyKind, RemoveReason};
use crate::engine::metrics::{self, Source};
use crate::engine::EngineError;
use napi::bindgen_prelude::{JsObjectValue, Object, Unknown};
use napi::{sys, Env, Result};
use napi_derive::napi;
use std::cell::RefCell;
use std::rc::Rc;
use std::sync::Arc;

type Shared = Rc<RefCell<CacheIndex>>;

/// `{ cells, insert, remove, drain, clear }` for a new cache of at most `maxEntries` entries
/// (an integer in [1, 2^31-1]) with eviction `policy` (`"tinylfu"` or `"lru"`), registered for
/// metrics under `name`:
///
/// - `cells`: `Int32Array` over the shared cells (layout in `engine::cache::cells`);
/// - `insert(hash)` → slot of the evicted entry or -1; the new entry's slot is in the `NEW_SLOT` cell;
/// - `remove(slot, reason)` (1 expired, 2 explicit) → 1 if removed, else 0;
/// - `drain()` replays the pending reads; `clear()` → number of entries removed.
#[napi]
pub fn native_cache<'env>(
    env: &'env Env,
    max_entries: f64,
    policy: String,
    name: String,
) -> Result<Object<'env>> {
    if !(max_entries.fract() == 0.0 && (1.0..=i32::MAX as f64).contains(&max_entries)) {
        return Err(map_error(
            env,
            "nativeCache",
            EngineError::invalid("maxEntries", "an integer in [1, 2147483647]", max_entries),
        ));
    }
    let kind = match policy.as_str() {
        "tinylfu" => PolicyKind::TinyLfu,
        "lru" => PolicyKind::Lru,
        other => {
            return Err(map_error(
                env,
                "nativeCache",
                EngineError::invalid("policy", "'tinylfu' or 'lru'", other),
            ))
        }
    };
    let index = CacheIndex::new(max_entries as u32, kind);
    let cells = Arc::clone(index.cells());
    let source: Arc<dyn Source<CacheTotals>> = cells.clone();
    metrics::registry().write().caches.register(&name, source);

    let mut out = Object::new(env)?;
    let view = raw::int32_array_view(env, cells.cells().as_ptr(), CELLS, Arc::clone(&cells))?;
    // SAFETY: `view` was just created in this env.
    out.set_named_property("cells", unsafe {
        Unknown::from_raw_unchecked(env.raw(), view)
    })?;
    let shared: Shared = Rc::new(RefCell::new(index));
    let functions: [(&str, &std::ffi::CStr, raw::RawCallback); 4] = [
        ("insert", c"insert", insert),
        ("remove", c"remove", remove),
        ("drain", c"drain", drain),
        ("clear", c"clear", clear),
    ];
    for (key, fn_name, callback) in functions {
        let f = raw::bound_function(env, fn_name, callback, Rc::clone(&shared))?;
        // SAFETY: `f` was just created in this env.
        out.set_named_property(key, unsafe { Unknown::from_raw_unchecked(env.raw(), f) })?;
    }
    Ok(out)
}

/// # Safety
/// `data` must be the callback data of a function made above (a boxed `Shared`), alive for the call.
unsafe fn index_of<'a>(data: *mut std::ffi::c_void) -> &'a RefCell<CacheIndex> {
    &*data.cast::<Shared>()
}

/// `insert(hash)` → evicted slot or -1.
unsafe extern "C" fn insert(env: sys::napi_env, info: sys::napi_callback_info) -> sys::napi_value {
    raw::guard(env, || {
        let (data, [hash]) = raw::callback_args::<1>(env, info);
        let Some(hash) = raw::int32(env, hash) else {
            return raw::throw_type_error(env, c"insert(hash): hash must be a number");
        };
        let victim = index_of(data).borrow_mut().insert(hash as u32);
        raw::js_int32(env, victim)
    })
}

/// `remove(slot, reason)` → 1 if the slot held an entry, else 0.
unsafe extern "C" fn remove(env: sys::napi_env, info: sys::napi_callback_info) -> sys::napi_value {
    raw::guard(env, || {
        let (data, [slot, reason]) = raw::callback_args::<2>(env, info);
        let (Some(slot), Some(reason)) = (
            raw::int32(env, slot),
            raw::int32(env, reason).and_then(RemoveReason::from_code),
        ) else {
            return raw::throw_type_error(env, c"remove(slot, reason): a slot and 1 or 2");
        };
        let removed = index_of(data).borrow_mut().remove(slot, reason);
        raw::js_int32(env, i32::from(removed))
    })
}

/// `drain()`: replays the read ring into the policy.
unsafe extern "C" fn drain(env: sys::napi_env, info: sys::napi_callback_info) -> sys::napi_value {
    raw::guard(env, || {
        let (data, []) = raw::callback_args::<0>(env, info);
        index_of(data).borrow_mut().drain();
        std::ptr::null_mut()
    })
}

/// `clear()` → entries removed.
unsafe extern "C" fn clear(env: sys::napi_env, info: sys::napi_callback_info) -> sys::napi_value {
    raw::guard(env, || {
        let (data, []) = raw::callback_args::<0>(env, info);
        let removed = index_of(data).borrow_mut().clear();
        raw::js_int32(env, removed.min(i32::MAX as u32) as i32)
    })
}
