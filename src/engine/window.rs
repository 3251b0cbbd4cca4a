//! Rolling windows of call outcomes, for failure-rate and slow-call-rate decisions.
//!
//! - [`CountWindow`]: the last `size` calls. A ring of one-byte slots and three counters; a record
//!   is one cursor CAS and one slot swap, plus counter updates only when the outcome replaced
//!   differs from the new one.
//! - [`TimeWindow`]: the calls of the last `span`, in `buckets` buckets. Each bucket is one
//!   `AtomicU64` packing a 22-bit bucket tag and three 14-bit counts, updated by CAS. A bucket
//!   that reaches 16383 calls halves its three counts (rates are kept, weight is approximated).
//!   Buckets the window moves past are retired, so an old bucket can never read as current.
//!
//! Both are lock-free. Under concurrent use a record racing with [`Window::clear`] may leave the
//! counts off by one until the next clear; a single thread sees exact counts.

use super::breaker_config::WindowKind;
use super::padded::CachePadded;
use std::sync::atomic::{AtomicU32, AtomicU64, AtomicU8, Ordering};

/// One call's outcome as stored in a window.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub struct Sample {
    /// The call failed.
    pub failure: bool,
    /// The call was slower than the slow-call threshold.
    pub slow: bool,
}

impl Sample {
    fn bits(self) -> u8 {
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

const EMPTY: u8 = 0x80;

/// The last `size` outcomes, lock-free.
#[derive(Debug)]
pub struct CountWindow {
    /// Read on every record: kept off the line of the cells every record writes.
    slots: Box<[AtomicU8]>,
    /// Read a slot before swapping it (see [`Window::read_before_write`]).
    read_first: bool,
    cells: CachePadded<CountCells>,
}

/// The cursor and counters of a count window.
#[derive(Debug, Default)]
struct CountCells {
    cursor: AtomicU32,
    calls: AtomicU32,
    failures: AtomicU32,
    slow: AtomicU32,
}

impl CountWindow {
    /// An empty window of `size` (≥ 1) slots.
    pub fn new(size: u32) -> Self {
        let size = size.max(1) as usize;
        Self {
            slots: (0..size).map(|_| AtomicU8::new(EMPTY)).collect(),
            read_first: false,
            cells: CachePadded::default(),
        }
    }

    fn next_slot(&self) -> usize {
        let len = self.slots.len() as u32;
        let mut cur = self.cells.cursor.load(Ordering::Relaxed);
        loop {
            let next = if cur + 1 >= len { 0 } else { cur + 1 };
            match self.cells.cursor.compare_exchange_weak(
                cur,
                next,
                Ordering::Relaxed,
                Ordering::Relaxed,
            ) {
                Ok(_) => return cur.min(len - 1) as usize,
                Err(actual) => cur = actual,
            }
        }
    }

    fn record_successes(&self, n: u32) {
        let len = self.slots.len() as u32;
        let step = n % len;
        let mut cur = self.cells.cursor.load(Ordering::Relaxed);
        loop {
            let next = (cur.min(len - 1) + step) % len;
            match self.cells.cursor.compare_exchange_weak(
                cur,
                next,
                Ordering::Relaxed,
                Ordering::Relaxed,
            ) {
                Ok(_) => break,
                Err(actual) => cur = actual,
            }
        }
        let first = cur.min(len - 1);
        for i in 0..n.min(len) {
            let slot = &self.slots[((first + i) % len) as usize];
            // Reading first keeps a window full of successes read-only (no line ping-pong).
            if slot.load(Ordering::Relaxed) == 0 {
                continue;
            }
            let old = slot.swap(0, Ordering::Relaxed);
            if old == EMPTY {
                self.cells.calls.fetch_add(1, Ordering::Relaxed);
            } else {
                adjust(&self.cells.failures, old & 1, 0);
                adjust(&self.cells.slow, old & 2, 0);
            }
        }
    }

    fn record(&self, sample: Sample) -> Option<Totals> {
        let new = sample.bits();
        let slot = &self.slots[self.next_slot()];
        // Reading first: a success replacing a success (the steady state) writes no shared slot.
        if self.read_first && slot.load(Ordering::Relaxed) == new {
            return None;
        }
        let old = slot.swap(new, Ordering::Relaxed);
        if old == new {
            return None;
        }
        let was_empty = old == EMPTY;
        let old = if was_empty { 0 } else { old };
        if was_empty {
            self.cells.calls.fetch_add(1, Ordering::Relaxed);
        }
        adjust(&self.cells.failures, old & 1, new & 1);
        adjust(&self.cells.slow, old & 2, new & 2);
        (was_empty || new != 0).then(|| self.totals())
    }

    fn totals(&self) -> Totals {
        Totals {
            calls: self.cells.calls.load(Ordering::Relaxed),
            failures: clamp(self.cells.failures.load(Ordering::Relaxed)),
            slow: clamp(self.cells.slow.load(Ordering::Relaxed)),
        }
    }

    fn clear(&self) {
        for slot in self.slots.iter() {
            slot.store(EMPTY, Ordering::Relaxed);
        }
        self.cells.calls.store(0, Ordering::Relaxed);
        self.cells.failures.store(0, Ordering::Relaxed);
        self.cells.slow.store(0, Ordering::Relaxed);
    }
}

fn adjust(counter: &AtomicU32, old_bit: u8, new_bit: u8) {
    match (old_bit != 0, new_bit != 0) {
        (false, true) => {
            counter.fetch_add(1, Ordering::Relaxed);
        }
        (true, false) => {
            counter.fetch_sub(1, Ordering::Relaxed);
        }
        _ => {}
    }
}

/// A counter decremented by a record that raced a clear reads as a huge number: treat as 0.
fn clamp(value: u32) -> u32 {
    if value > i32::MAX as u32 {
        0
    } else {
        value
    }
}

const COUNT_BITS: u32 = 14;
const COUNT_MAX: u64 = (1 << COUNT_BITS) - 1;
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

    fn record(&self, sample: Sample, now: u64) -> Option<Totals> {
        let index = self.index(now);
        self.advance(index);
        let tag = index & TAG_MASK;
        let bucket = self.bucket(index);
        let mut word = bucket.load(Ordering::Relaxed);
        loop {
            let (old_tag, old) = unpack(word);
            let mut t = if old_tag == tag {
                old
            } else {
                Totals::default()
            };
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
            match bucket.compare_exchange_weak(
                word,
                pack(tag, t),
                Ordering::Relaxed,
                Ordering::Relaxed,
            ) {
                Ok(_) => break,
                Err(actual) => word = actual,
            }
        }
        Some(self.totals(now))
    }

    fn record_successes(&self, n: u32, now: u64) {
        let index = self.index(now);
        self.advance(index);
        let tag = index & TAG_MASK;
        let bucket = self.bucket(index);
        let mut word = bucket.load(Ordering::Relaxed);
        loop {
            let (old_tag, old) = unpack(word);
            let mut t = if old_tag == tag {
                old
            } else {
                Totals::default()
            };
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
            match bucket.compare_exchange_weak(
                word,
                pack(tag, t),
                Ordering::Relaxed,
                Ordering::Relaxed,
            ) {
                Ok(_) => return,
                Err(actual) => word = actual,
            }
        }
    }

    fn totals(&self, now: u64) -> Totals {
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

    fn clear(&self) {
        for bucket in self.buckets.iter() {
            bucket.store(0, Ordering::Relaxed);
        }
    }
}

#[cfg(test)]
mod tests {
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
