//! The block of `i32` cells a cache shares with its JS shim (an `Int32Array` view), and what the
//! metrics registry reads from it.
//!
//! | index | cell | written by |
//! | --- | --- | --- |
//! | 0 | pending entries in the read ring | JS (appends), native (drains to 0) |
//! | 1 | slot of the entry the last insert placed | native |
//! | 2 | entries held (gauge) | native |
//! | 4, 6, ... 16 | split 64-bit counters (low, high), see the constants | see the constants |
//! | 32 .. 32 + 256 | the read ring: slots of entries read (`slot`) or updated (`!slot`) | JS |
//!
//! A cache holds JS values, so it belongs to one JS thread: every cell has a single writer (the
//! shim or the native calls it makes, all on that thread), and plain stores are exact. Other
//! threads only read (metrics), and may see a ring entry or a carry a moment late.
//!
//! The read ring is Caffeine's read buffer: a hit costs the shim one store of the slot and one of
//! the count, no native call; when the ring is full, or before any native call that frees or
//! hands out slots, the native side replays it into the policy (so a slot in the ring always
//! still names the entry that was read).

use super::super::metrics::{Source, Totals};
use super::super::split_counter;
use std::sync::atomic::{AtomicI32, Ordering};

/// Index of the pending-reads count.
pub const RING_LEN: usize = 0;
/// Index of the out-cell holding the slot of the entry the last insert placed.
pub const NEW_SLOT: usize = 1;
/// Index of the entries gauge.
pub const SIZE: usize = 2;
/// Hits replayed from the ring (native; pending ones are added when read).
pub const HITS: usize = 4;
/// Lookups that found nothing usable (JS).
pub const MISSES: usize = 6;
/// Entries removed because their time ran out (native).
pub const EXPIRED: usize = 8;
/// Entries evicted to stay within `maxEntries` (native).
pub const EVICTED: usize = 10;
/// Entries removed by `delete` or `clear` (native).
pub const EXPLICIT: usize = 12;
/// Values replaced by a `set` of an existing key (JS).
pub const REPLACED: usize = 14;
/// Fetch requests that joined a fetch already running for their key (JS).
pub const COALESCED: usize = 16;
/// Index of the first ring cell.
pub const RING: usize = 32;
/// Ring cells.
pub const RING_CAPACITY: usize = 256;
/// Number of `i32` cells in the block.
pub const CELLS: usize = RING + RING_CAPACITY;

/// The cells of one cache.
#[derive(Debug)]
#[repr(C, align(64))]
pub struct CacheCells {
    cells: [AtomicI32; CELLS],
}

impl Default for CacheCells {
    fn default() -> Self {
        Self {
            cells: std::array::from_fn(|_| AtomicI32::new(0)),
        }
    }
}

/// The eviction reasons, in the order of [`CacheTotals::evictions`] and of the metric labels.
pub const EVICTION_REASONS: [&str; 4] = ["size", "expired", "explicit", "replaced"];

/// A cache's counters as metrics report them.
#[derive(Debug, Default, Clone, Copy, PartialEq, Eq)]
pub struct CacheTotals {
    /// Lookups served from the cache (stale values included).
    pub hits: u64,
    /// Lookups that found nothing usable.
    pub misses: u64,
    /// Entries removed, by reason (see [`EVICTION_REASONS`]).
    pub evictions: [u64; 4],
    /// Gauge: entries held.
    pub entries: u64,
}

impl Totals for CacheTotals {
    fn add_live(&mut self, other: &Self) {
        self.add_retired(other);
        self.entries += other.entries;
    }

    fn add_retired(&mut self, other: &Self) {
        self.hits = self.hits.wrapping_add(other.hits);
        self.misses = self.misses.wrapping_add(other.misses);
        for (mine, theirs) in self.evictions.iter_mut().zip(other.evictions) {
            *mine = mine.wrapping_add(theirs);
        }
    }
}

impl CacheCells {
    /// All zero.
    pub fn new() -> Self {
        Self::default()
    }

    /// The cells, for a typed-array view.
    pub fn cells(&self) -> &[AtomicI32; CELLS] {
        &self.cells
    }

    /// The cell at `index` (a plain load).
    pub fn get(&self, index: usize) -> i32 {
        self.cells[index].load(Ordering::Relaxed)
    }

    /// Sets the cell at `index`.
    pub fn set(&self, index: usize, value: i32) {
        self.cells[index].store(value, Ordering::Relaxed);
    }

    /// Adds one to the split counter at `index`.
    pub fn bump(&self, index: usize) {
        split_counter::bump(&self.cells, index);
    }

    /// Adds `n` to the split counter at `index` (whose only writer is the caller's thread).
    pub fn add(&self, index: usize, n: u32) {
        let low = self.cells[index].load(Ordering::Relaxed) as u32;
        let (sum, carry) = low.overflowing_add(n);
        self.cells[index].store(sum as i32, Ordering::Relaxed);
        if carry {
            self.cells[index + 1].fetch_add(1, Ordering::Relaxed);
        }
    }

    /// The split counter at `index`.
    pub fn counter(&self, index: usize) -> u64 {
        split_counter::read(&self.cells, index)
    }

    /// The ring entries not yet replayed (a count out of range reads as a full ring).
    pub fn pending(&self) -> impl Iterator<Item = i32> + '_ {
        let n = (self.get(RING_LEN).max(0) as usize).min(RING_CAPACITY);
        self.cells[RING..RING + n]
            .iter()
            .map(|c| c.load(Ordering::Relaxed))
    }
}

impl Source<CacheTotals> for CacheCells {
    fn read(&self) -> CacheTotals {
        let pending_hits = self.pending().filter(|&v| v >= 0).count() as u64;
        CacheTotals {
            hits: self.counter(HITS) + pending_hits,
            misses: self.counter(MISSES),
            evictions: [EVICTED, EXPIRED, EXPLICIT, REPLACED].map(|i| self.counter(i)),
            entries: self.get(SIZE).max(0) as u64,
        }
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn counters_carry_and_pending_hits_count() {
        let c = CacheCells::new();
        c.set(HITS, -3);
        c.add(HITS, 5);
        assert_eq!(c.counter(HITS), (1 << 32) + 2);
        c.set(RING, 4);
        c.set(RING + 1, !4);
        c.set(RING_LEN, 2);
        assert_eq!(c.read().hits, (1 << 32) + 3, "one pending hit, one update");
        c.bump(REPLACED);
        assert_eq!(c.read().evictions, [0, 0, 0, 1]);
    }
}
