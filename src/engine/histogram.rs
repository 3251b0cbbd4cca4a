//! A duration histogram with fixed buckets, lock-free (one atomic add per observation for the
//! bucket, one for the sum).
//!
//! Bucket upper bounds, in seconds: 0.005, 0.01, 0.025, 0.05, 0.1, 0.25, 0.5, 1, 2.5, 5, 10,
//! +Inf (Prometheus' default buckets). Counts are kept per bucket (not cumulative) and made
//! cumulative when read; the sum is kept in nanoseconds as a `u64` (it wraps after ~584 years of
//! observed time).

use std::sync::atomic::{AtomicU64, Ordering};

/// Number of buckets, `+Inf` included.
pub const BUCKETS: usize = 12;

/// Upper bounds (inclusive) of every bucket but `+Inf`, in nanoseconds.
pub const BOUNDS_NANOS: [u64; BUCKETS - 1] = [
    5_000_000,
    10_000_000,
    25_000_000,
    50_000_000,
    100_000_000,
    250_000_000,
    500_000_000,
    1_000_000_000,
    2_500_000_000,
    5_000_000_000,
    10_000_000_000,
];

/// The `le` label of every bucket, in seconds as Prometheus writes them.
pub const BOUND_LABELS: [&str; BUCKETS] = [
    "0.005", "0.01", "0.025", "0.05", "0.1", "0.25", "0.5", "1", "2.5", "5", "10", "+Inf",
];

/// The bucket a duration falls in: the first whose bound is ≥ it.
pub fn bucket_of(nanos: u64) -> usize {
    BOUNDS_NANOS.partition_point(|&bound| bound < nanos)
}

/// A live histogram. Every method takes `&self`.
#[derive(Debug, Default)]
pub struct Histogram {
    counts: [AtomicU64; BUCKETS],
    sum_nanos: AtomicU64,
}

impl Histogram {
    /// Records one duration.
    pub fn observe(&self, nanos: u64) {
        self.counts[bucket_of(nanos)].fetch_add(1, Ordering::Relaxed);
        self.sum_nanos.fetch_add(nanos, Ordering::Relaxed);
    }

    /// The counts now (each exact; read one after another).
    pub fn snapshot(&self) -> HistogramSnapshot {
        HistogramSnapshot {
            counts: std::array::from_fn(|i| self.counts[i].load(Ordering::Relaxed)),
            sum_nanos: self.sum_nanos.load(Ordering::Relaxed),
        }
    }
}

/// A copy of a histogram's counts; snapshots of several histograms add up.
#[derive(Debug, Default, Clone, Copy, PartialEq, Eq)]
pub struct HistogramSnapshot {
    /// Observations per bucket (not cumulative), `+Inf` last.
    pub counts: [u64; BUCKETS],
    /// Sum of the observed durations, in nanoseconds (wrapping).
    pub sum_nanos: u64,
}

impl HistogramSnapshot {
    /// Adds `other`'s observations to these.
    pub fn add(&mut self, other: &Self) {
        for (mine, theirs) in self.counts.iter_mut().zip(other.counts) {
            *mine = mine.wrapping_add(theirs);
        }
        self.sum_nanos = self.sum_nanos.wrapping_add(other.sum_nanos);
    }

    /// The cumulative counts, as `_bucket{le=...}` reports them.
    pub fn cumulative(&self) -> [u64; BUCKETS] {
        let mut total = 0u64;
        std::array::from_fn(|i| {
            total = total.wrapping_add(self.counts[i]);
            total
        })
    }

    /// All observations (the `+Inf` bucket, the `_count`).
    pub fn count(&self) -> u64 {
        self.counts.iter().fold(0, |a, &b| a.wrapping_add(b))
    }

    /// The sum in seconds.
    pub fn sum_seconds(&self) -> f64 {
        self.sum_nanos as f64 / 1e9
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn a_bound_belongs_to_its_own_bucket() {
        assert_eq!(bucket_of(0), 0);
        assert_eq!(bucket_of(5_000_000), 0);
        assert_eq!(bucket_of(5_000_001), 1);
        assert_eq!(bucket_of(10_000_000_000), 10);
        assert_eq!(bucket_of(10_000_000_001), 11);
        assert_eq!(bucket_of(u64::MAX), 11);
    }

    #[test]
    fn snapshots_are_cumulative_and_add_up() {
        let h = Histogram::default();
        for ms in [1, 7, 30, 30, 20_000] {
            h.observe(ms * 1_000_000);
        }
        let mut s = h.snapshot();
        assert_eq!(s.count(), 5);
        assert_eq!(s.cumulative(), [1, 2, 2, 4, 4, 4, 4, 4, 4, 4, 4, 5]);
        assert_eq!(s.sum_seconds(), 20.068);
        s.add(&h.snapshot());
        assert_eq!(s.count(), 10);
        assert_eq!(s.cumulative()[BUCKETS - 1], 10);
    }
}
