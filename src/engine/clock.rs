//! Engine time: a monotonic nanosecond count supplied by the caller.
//!
//! The engine never reads a real clock. Methods that may need the time take a `&impl Clock`
//! and read it only on the paths that need it (a CLOSED breaker recording a success with a
//! count-based window never does).

use std::sync::atomic::{AtomicU64, Ordering};
use std::sync::Arc;

/// A source of monotonic time in nanoseconds.
pub trait Clock {
    /// The current time, in nanoseconds since an arbitrary fixed origin. Never decreases.
    fn now_nanos(&self) -> u64;
}

/// A clock that only moves when told to: tests drive engine time with it instead of sleeping.
///
/// Clones share the same time (it is an `Arc<AtomicU64>`), so one clock can drive many breakers.
#[derive(Clone, Debug, Default)]
pub struct ManualClock {
    nanos: Arc<AtomicU64>,
}

impl ManualClock {
    /// A clock that reads `start_nanos` until advanced.
    pub fn new(start_nanos: u64) -> Self {
        Self {
            nanos: Arc::new(AtomicU64::new(start_nanos)),
        }
    }

    /// Moves time forward by `by_nanos` (saturating at `u64::MAX`) and returns the new time.
    pub fn advance(&self, by_nanos: u64) -> u64 {
        let mut current = self.nanos.load(Ordering::Acquire);
        loop {
            let next = current.saturating_add(by_nanos);
            match self.nanos.compare_exchange_weak(
                current,
                next,
                Ordering::AcqRel,
                Ordering::Acquire,
            ) {
                Ok(_) => return next,
                Err(actual) => current = actual,
            }
        }
    }

    /// Sets the time. Setting it backwards is refused (time is monotonic): returns `false`.
    pub fn set(&self, nanos: u64) -> bool {
        let mut current = self.nanos.load(Ordering::Acquire);
        loop {
            if nanos < current {
                return false;
            }
            match self.nanos.compare_exchange_weak(
                current,
                nanos,
                Ordering::AcqRel,
                Ordering::Acquire,
            ) {
                Ok(_) => return true,
                Err(actual) => current = actual,
            }
        }
    }
}

impl Clock for ManualClock {
    fn now_nanos(&self) -> u64 {
        self.nanos.load(Ordering::Acquire)
    }
}

impl<F: Fn() -> u64> Clock for F {
    fn now_nanos(&self) -> u64 {
        self()
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn manual_clock_advances_saturates_and_refuses_going_back() {
        let clock = ManualClock::new(10);
        assert_eq!(clock.advance(5), 15);
        assert_eq!(clock.now_nanos(), 15);
        assert!(!clock.set(3));
        assert_eq!(clock.now_nanos(), 15);
        assert!(clock.set(100));
        assert_eq!(clock.advance(u64::MAX), u64::MAX);
        let shared = clock.clone();
        assert_eq!(shared.now_nanos(), u64::MAX);
    }
}
