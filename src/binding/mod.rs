//! The napi layer: converts, validates and delegates to [`crate::engine`]; holds no algorithm.
//!
//! - `#[napi]` classes for construction, configuration and metrics (cold paths).
//! - Per-call functions are raw Node-API callbacks bound to one native object through their
//!   callback data (see `raw`), because a `#[napi]` method call costs ~300 ns on napi 3.16
//!   (its native-borrow scope), more than a whole pure-JS breaker call.

mod backoff;
mod breaker;
mod bulkhead;
mod cache;
mod clock;
mod error;
mod keyed_limiter;
mod metrics;
mod process_bulkhead;
mod rate_limiter;
mod raw;
mod scope;
mod thread_waker;
