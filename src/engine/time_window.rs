//! [`TimeWindow`]: the calls of the last `span`, in `buckets` buckets. Each bucket is one
//! `AtomicU64` packing a 22-bit bucket tag and three 14-bit counts, updated by CAS. A bucket that
//! reaches 16383 calls halves its three counts (rates are kept, weight is approximated). Buckets
//! the window moves past are retired, so an old bucket can never read as current. (Used through
//! [`super::window::Window`].)

use super::window::{Sample, Totals};
use std::sync::atomic::{AtomicU64, Ordering};

const COUNT_BITS: u32 = 14;
/// The most calls one bucket counts before halving.
pub(super) const COUNT_MAX: u64 = (1 << COUNT_BITS) - 1;
const TAG_SHIFT: u32 = 3 * COUNT_BITS;
const TAG_MASK: u64 = (1 << (64 - TAG_SHIFT)) - 1;

/// Calls of the last `span` nanoseconds in `buckets` buckets, lock-free.
///
/// Bucket tags are only 22 bits, so the window keeps an invariant that makes a tag match exact:
/// every bucket holds either nothing or an index within the last `buckets` indices before the
/// newest one recorded. A record that moves the window forward retires (by CAS, so a concurrent
/// fresh record is never erased) the buckets of the indices it skipped; a read more than a whole
/// window after the newest record sees an empty window.
#[derive(Debug)]
pub struct TimeWindow {
    bucket_nanos: u64,
    buckets: Box<[AtomicU64]>,
    /// The newest index recorded, plus one (0: nothing recorded yet).
    newest: AtomicU64,
}

fn unpack(word: u64) -> (u64, Totals) {
    (
        word >> TAG_SHIFT,
        Totals {
            calls: ((word >> (2 * COUNT_BITS)) & COUNT_MAX) as u32,
            failures: ((word >> COUNT_BITS) & COUNT_MAX) as u32,
            slow: (word & COUNT_MAX) as u32,
        },
    )
}

fn pack(tag: u64, t: Totals) -> u64 {
    ((tag & TAG_MASK) << TAG_SHIFT)
        | (u64::from(t.calls) << (2 * COUNT_BITS))
        | (u64::from(t.failures) << COUNT_BITS)
        | u64::from(t.slow)
}

impl TimeWindow {
    /// An empty window of `span_nanos` split in `buckets` (≥ 1) buckets of `ceil(span / buckets)`.
    pub fn new(span_nanos: u64, buckets: u32) -> Self {
        let count = u64::from(buckets.max(1));
        Self {
            bucket_nanos: span_nanos.div_ceil(count).max(1),
            buckets: (0..count).map(|_| AtomicU64::new(0)).collect(),
            newest: AtomicU64::new(0),
        }
    }

    fn index(&self, now: u64) -> u64 {
        now / self.bucket_nanos
    }

    fn len(&self) -> u64 {
        self.buckets.len() as u64
    }

    fn bucket(&self, index: u64) -> &AtomicU64 {
        &self.buckets[(index % self.len()) as usize]
    }

    /// Moves the window forward to `index`, retiring the buckets of every index in
    /// `[newest + 1, index]` (all of them after an idle whole window).
    ///
    /// The words are read *before* `newest` is raised, when no fresh record for those indices can
    /// exist yet (a recorder raises `newest` past its index first); each is then emptied only if it
    /// is still the word read. So a concurrent fresh record is never erased, and old contents whose
    /// tag happens to alias a new index (22 bits wrap) are always retired.
    fn advance(&self, index: u64) {
        let before = self.newest.load(Ordering::Acquire);
        if before > index {
            return;
        }
        let first = before.max((index + 1).saturating_sub(self.len()));
        let seen: Vec<u64> = (first..=index)
            .map(|i| self.bucket(i).load(Ordering::Acquire))
            .collect();
        let previous = self.newest.fetch_max(index + 1, Ordering::AcqRel);
        if previous > index {
            return;
        }
        // Indices below `previous` were claimed by another recorder in between: leave them to it.
        for (i, word) in (first..=index).zip(seen) {
            if i >= previous && word != 0 {
                let _ =
                    self.bucket(i)
                        .compare_exchange(word, 0, Ordering::AcqRel, Ordering::Relaxed);
            }
        }
    }

    /// Moves the window to `now` and replaces the totals of `now`'s bucket with `change(totals)`
    /// (an empty bucket, or one of an older index, counts as empty), by CAS.
    fn update(&self, now: u64, change: impl Fn(Totals) -> Totals) {
        let index = self.index(now);
        self.advance(index);
        let tag = index & TAG_MASK;
        let bucket = self.bucket(index);
        let mut word = bucket.load(Ordering::Relaxed);
        loop {
            let (old_tag, old) = unpack(word);
            let current = if old_tag == tag {
                old
            } else {
                Totals::default()
            };
            match bucket.compare_exchange_weak(
                word,
                pack(tag, change(current)),
                Ordering::Relaxed,
                Ordering::Relaxed,
            ) {
                Ok(_) => return,
                Err(actual) => word = actual,
            }
        }
    }

    pub(super) fn record(&self, sample: Sample, now: u64) -> Option<Totals> {
        self.update(now, |mut t| {
            if u64::from(t.calls) == COUNT_MAX {
                t = Totals {
                    calls: t.calls / 2,
                    failures: t.failures / 2,
                    slow: t.slow / 2,
                };
            }
            t.calls += 1;
            t.failures += u32::from(sample.failure);
            t.slow += u32::from(sample.slow);
            t
        });
        Some(self.totals(now))
    }

    pub(super) fn record_successes(&self, n: u32, now: u64) {
        self.update(now, |mut t| {
            let mut add = n;
            while u64::from(t.calls) + u64::from(add) > COUNT_MAX {
                // Fill up to the top, then halve all three (as single records do).
                add -= COUNT_MAX as u32 - t.calls;
                t = Totals {
                    calls: COUNT_MAX as u32 / 2,
                    failures: t.failures / 2,
                    slow: t.slow / 2,
                };
            }
            t.calls += add;
            t
        });
    }

    pub(super) fn totals(&self, now: u64) -> Totals {
        let current = self.index(now);
        let newest = self.newest.load(Ordering::Acquire);
        if newest == 0 || current.saturating_sub(newest - 1) >= self.len() {
            return Totals::default();
        }
        let mut sum = Totals::default();
        for back in 0..self.len().min(current + 1) {
            let index = current - back;
            let (tag, t) = unpack(self.bucket(index).load(Ordering::Relaxed));
            if tag == index & TAG_MASK {
                sum.calls += t.calls;
                sum.failures += t.failures;
                sum.slow += t.slow;
            }
        }
        sum
    }

    pub(super) fn clear(&self) {
        for bucket in self.buckets.iter() {
            bucket.store(0, Ordering::Relaxed);
        }
    }
}
