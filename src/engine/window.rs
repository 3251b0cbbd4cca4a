//! Rolling windows of call outcomes, for failure-rate and slow-call-rate decisions.
//!
//! - [`CountWindow`] (`count_window.rs`): the last `size` calls, in a ring of one-byte slots.
//! - [`TimeWindow`] (`time_window.rs`): the calls of the last `span`, in tagged buckets.
//!
//! Both are lock-free. Under concurrent use a record racing with [`Window::clear`] may leave the
//! counts off by one until the next clear; a single thread sees exact counts.

use super::breaker_config::WindowKind;
pub use super::count_window::CountWindow;
pub use super::time_window::TimeWindow;

/// One call's outcome as stored in a window.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub struct Sample {
    /// The call failed.
    pub failure: bool,
    /// The call was slower than the slow-call threshold.
    pub slow: bool,
}

impl Sample {
    /// The outcome as a count-window slot: bit 0 failure, bit 1 slow.
    pub(super) fn bits(self) -> u8 {
        u8::from(self.failure) | (u8::from(self.slow) << 1)
    }
}

/// Calls, failures and slow calls in a window.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Default)]
pub struct Totals {
    /// Calls recorded.
    pub calls: u32,
    /// Of which failed.
    pub failures: u32,
    /// Of which were slow.
    pub slow: u32,
}

impl Totals {
    /// `failures / calls`, 0 for an empty window.
    pub fn failure_rate(&self) -> f64 {
        ratio(self.failures, self.calls)
    }

    /// `slow / calls`, 0 for an empty window.
    pub fn slow_rate(&self) -> f64 {
        ratio(self.slow, self.calls)
    }
}

fn ratio(part: u32, whole: u32) -> f64 {
    if whole == 0 {
        0.0
    } else {
        f64::from(part.min(whole)) / f64::from(whole)
    }
}

/// A rolling window of either kind.
#[derive(Debug)]
// The count window is large only by its cache-line padding, which is the point; boxing it would
// add an indirection to every record.
#[allow(clippy::large_enum_variant)]
pub enum Window {
    /// The last N calls.
    Count(CountWindow),
    /// The calls of the last T nanoseconds.
    Time(TimeWindow),
}

impl Window {
    /// An empty window of the given kind (validated by the config).
    pub fn new(kind: &WindowKind) -> Self {
        match *kind {
            WindowKind::Count { size } => Self::Count(CountWindow::new(size)),
            WindowKind::Time {
                span_nanos,
                buckets,
            } => Self::Time(TimeWindow::new(span_nanos, buckets)),
        }
    }

    /// Makes a count window read a slot before writing it, so a success replacing a success
    /// writes nothing shared: for windows written by several threads (costs a little in one).
    pub fn read_before_write(mut self) -> Self {
        if let Self::Count(w) = &mut self {
            w.read_first = true;
        }
        self
    }

    /// Records one outcome at `now` (only a time window reads it). Returns the totals after the
    /// record when they may have crossed a threshold, `None` when they cannot have (a success
    /// replacing a success, or any record that only lowered the rates).
    pub fn record(&self, sample: Sample, now: impl FnOnce() -> u64) -> Option<Totals> {
        match self {
            Self::Count(w) => w.record(sample),
            Self::Time(w) => w.record(sample, now()),
        }
    }

    /// Records `n` successful, not slow calls at once (a batch gathered by one thread): one
    /// cursor or bucket CAS for the batch, and a count window writes only slots that held
    /// something else. Only for breakers without rate rules: the totals are not returned.
    pub fn record_successes(&self, n: u32, now: impl FnOnce() -> u64) {
        if n == 0 {
            return;
        }
        match self {
            Self::Count(w) => w.record_successes(n),
            Self::Time(w) => w.record_successes(n, now()),
        }
    }

    /// The totals at `now`.
    pub fn totals(&self, now: impl FnOnce() -> u64) -> Totals {
        match self {
            Self::Count(w) => w.totals(),
            Self::Time(w) => w.totals(now()),
        }
    }

    /// Forgets every recorded call.
    pub fn clear(&self) {
        match self {
            Self::Count(w) => w.clear(),
            Self::Time(w) => w.clear(),
        }
    }

    /// Whether reading this window needs the time.
    pub fn is_timed(&self) -> bool {
        matches!(self, Self::Time(_))
    }
}

#[cfg(test)]
mod tests {
    use super::super::time_window::COUNT_MAX;
    use super::*;

    const OK: Sample = Sample {
        failure: false,
        slow: false,
    };
    const FAIL: Sample = Sample {
        failure: true,
        slow: false,
    };
    const SLOW: Sample = Sample {
        failure: false,
        slow: true,
    };

    #[test]
    fn a_batch_of_successes_equals_as_many_single_records() {
        let kinds = [
            WindowKind::Count { size: 7 },
            WindowKind::Count { size: 1 },
            WindowKind::Time {
                span_nanos: 1_000,
                buckets: 4,
            },
        ];
        for kind in kinds {
            for pattern in 0u32..64 {
                for n in [1u32, 2, 3, 6, 7, 8, 15, 40_000] {
                    let (one, batch) = (Window::new(&kind), Window::new(&kind));
                    for bit in 0..6 {
                        let s = [OK, FAIL, SLOW][((pattern >> bit) % 3) as usize];
                        one.record(s, || 100);
                        batch.record(s, || 100);
                    }
                    for _ in 0..n {
                        one.record(OK, || 300);
                    }
                    batch.record_successes(n, || 300);
                    assert_eq!(one.totals(|| 300), batch.totals(|| 300), "{kind:?} n={n}");
                    one.record(FAIL, || 300);
                    batch.record(FAIL, || 300);
                    assert_eq!(
                        one.totals(|| 300),
                        batch.totals(|| 300),
                        "cursor, {kind:?} n={n}"
                    );
                }
            }
        }
    }

    #[test]
    fn reading_before_writing_changes_no_totals() {
        for size in [1u32, 2, 5, 16] {
            let plain = Window::new(&WindowKind::Count { size });
            let shared = Window::new(&WindowKind::Count { size }).read_before_write();
            let mut x = 12345u32;
            for _ in 0..500 {
                x = x.wrapping_mul(1_103_515_245).wrapping_add(12_345);
                let s = [OK, OK, OK, FAIL, SLOW][(x >> 16) as usize % 5];
                assert_eq!(plain.record(s, || 0), shared.record(s, || 0));
                assert_eq!(plain.totals(|| 0), shared.totals(|| 0));
            }
        }
    }

    #[test]
    fn count_window_keeps_the_last_n_calls() {
        let w = Window::new(&WindowKind::Count { size: 3 });
        w.record(FAIL, || 0);
        w.record(OK, || 0);
        w.record(SLOW, || 0);
        assert_eq!(
            w.totals(|| 0),
            Totals {
                calls: 3,
                failures: 1,
                slow: 1
            }
        );
        // The failure is pushed out by a success.
        w.record(OK, || 0);
        assert_eq!(w.totals(|| 0).failures, 0);
        assert_eq!(w.totals(|| 0).calls, 3);
        w.clear();
        assert_eq!(w.totals(|| 0), Totals::default());
    }

    #[test]
    fn count_window_reports_totals_only_when_a_threshold_may_be_crossed() {
        let w = Window::new(&WindowKind::Count { size: 2 });
        assert!(w.record(OK, || 0).is_some(), "filling changes the volume");
        assert!(w.record(OK, || 0).is_some());
        assert!(w.record(OK, || 0).is_none(), "success replacing success");
        assert!(w.record(FAIL, || 0).is_some());
    }

    #[test]
    fn time_window_forgets_buckets_older_than_the_span() {
        let w = Window::new(&WindowKind::Time {
            span_nanos: 1_000,
            buckets: 10,
        });
        w.record(FAIL, || 50);
        w.record(OK, || 150);
        assert_eq!(w.totals(|| 199).calls, 2);
        assert_eq!(w.totals(|| 1_049).calls, 1, "the bucket [0, 100) has left");
        assert_eq!(w.totals(|| 1_049).failures, 0);
        assert_eq!(w.totals(|| 5_000).calls, 0);
        w.record(FAIL, || 5_000);
        assert_eq!(w.totals(|| 5_000).failures, 1);
    }

    #[test]
    fn time_window_halves_a_full_bucket_keeping_its_rate() {
        let w = TimeWindow::new(1_000, 1);
        for i in 0..(COUNT_MAX as u32 + 10) {
            w.record(if i % 2 == 0 { FAIL } else { OK }, 7);
        }
        let t = w.totals(7);
        assert!(t.calls < COUNT_MAX as u32);
        assert!((t.failure_rate() - 0.5).abs() < 0.01, "{t:?}");
    }
}
