//! The engine: every piece of resilience state, as pure Rust.
//!
//! Nothing here reads a clock, does I/O or knows about Node: time comes in through the
//! [`Clock`] trait, and outcomes go out as plain values the binding converts.

pub mod backoff;
pub mod breaker;
pub mod breaker_config;
pub mod bulkhead;
pub mod cache;
pub mod clock;
pub mod count_window;
pub mod error;
pub mod exposition;
pub mod gate;
pub mod gcra;
pub mod histogram;
pub mod keyed;
pub mod metric_totals;
pub mod metrics;
pub mod padded;
pub mod policy_counters;
pub mod registry;
pub mod shared_bulkhead;
pub mod split_counter;
pub mod striped_gcra;
pub mod stripes;
pub mod time_window;
pub mod transition_log;
pub mod window;

pub use backoff::{Backoff, BackoffConfig, Growth, Jitter};
pub use breaker::{Admission, Breaker, BreakerSnapshot, Outcome};
pub use breaker_config::{BreakerConfig, WindowKind};
pub use bulkhead::{BulkheadCells, BulkheadSnapshot};
pub use clock::{Clock, ManualClock};
pub use error::EngineError;
pub use gate::CircuitState;
pub use histogram::{Histogram, HistogramSnapshot};
pub use policy_counters::PolicyCounters;
