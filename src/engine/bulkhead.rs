//! Bulkhead permits and counters in one block of atomics.
//!
//! The block's layout is part of the contract with the JS shim, which performs the same
//! operations on the same memory through an `Int32Array` view (so a permit costs no native call):
//!
//! | index | cell |
//! | --- | --- |
//! | 0 | permits available (never negative) |
//! | 1 | calls waiting in the queue |
//! | 2, 3 | completed executions (low, high 32 bits) |
//! | 4, 5 | rejections, queue-full and queue-timeout alike (low, high) |
//! | 6, 7 | of those, queue timeouts (low, high) |
//!
//! A permit is taken with a CAS that never takes `available` below zero and given back with an
//! add; a counter is bumped with an add on its low word and a carry into the high word when the
//! low word wraps.

use super::split_counter;
use std::sync::atomic::{AtomicI32, Ordering};

/// Index of the permits-available cell.
pub const AVAILABLE: usize = 0;
/// Index of the queued-calls cell.
pub const QUEUED: usize = 1;
/// Index of the completed counter (2 cells).
pub const COMPLETED: usize = 2;
/// Index of the rejected counter (2 cells).
pub const REJECTED: usize = 4;
/// Index of the timed-out counter (2 cells).
pub const TIMED_OUT: usize = 6;
/// Number of `i32` cells in the block.
pub const CELLS: usize = 8;

/// The permits and counters of one bulkhead.
#[derive(Debug)]
#[repr(C, align(64))]
pub struct BulkheadCells {
    cells: [AtomicI32; CELLS],
    max_concurrent: u32,
    max_queue: u32,
}

/// A copy of the counters.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub struct BulkheadSnapshot {
    /// Permits free.
    pub available: u32,
    /// Executions running (`max_concurrent - available`).
    pub active: u32,
    /// Calls waiting.
    pub queued: u32,
    /// Executions finished, since creation.
    pub completed: u64,
    /// Calls refused (queue full or queue timeout), since creation.
    pub rejected: u64,
    /// Of those, calls that waited past the queue timeout.
    pub timed_out: u64,
}

impl BulkheadCells {
    /// A bulkhead with every permit free. `max_concurrent` ≥ 1 (both ≤ 2^31-1).
    pub fn new(max_concurrent: u32, max_queue: u32) -> Self {
        let cells: [AtomicI32; CELLS] = std::array::from_fn(|_| AtomicI32::new(0));
        cells[AVAILABLE].store(
            max_concurrent.min(i32::MAX as u32) as i32,
            Ordering::Relaxed,
        );
        Self {
            cells,
            max_concurrent,
            max_queue,
        }
    }

    /// The cells, for a typed-array view.
    pub fn cells(&self) -> &[AtomicI32; CELLS] {
        &self.cells
    }

    /// Permits in all.
    pub fn max_concurrent(&self) -> u32 {
        self.max_concurrent
    }

    /// Queue capacity.
    pub fn max_queue(&self) -> u32 {
        self.max_queue
    }

    /// Takes a permit if one is free.
    pub fn try_acquire(&self) -> bool {
        let cell = &self.cells[AVAILABLE];
        let mut current = cell.load(Ordering::Acquire);
        while current > 0 {
            match cell.compare_exchange_weak(
                current,
                current - 1,
                Ordering::AcqRel,
                Ordering::Acquire,
            ) {
                Ok(_) => return true,
                Err(actual) => current = actual,
            }
        }
        false
    }

    /// Gives a permit back.
    pub fn release(&self) {
        self.cells[AVAILABLE].fetch_add(1, Ordering::AcqRel);
    }

    /// Takes a queue place if the queue is not full.
    pub fn try_enqueue(&self) -> bool {
        let cell = &self.cells[QUEUED];
        let mut current = cell.load(Ordering::Acquire);
        while (current as u32) < self.max_queue {
            match cell.compare_exchange_weak(
                current,
                current + 1,
                Ordering::AcqRel,
                Ordering::Acquire,
            ) {
                Ok(_) => return true,
                Err(actual) => current = actual,
            }
        }
        false
    }

    /// Leaves the queue.
    pub fn dequeue(&self) {
        self.cells[QUEUED].fetch_sub(1, Ordering::AcqRel);
    }

    /// Adds one to the split counter at `index` (low word; carry into `index + 1`).
    pub fn count(&self, index: usize) {
        split_counter::bump(&self.cells, index);
    }

    fn read_counter(&self, index: usize) -> u64 {
        split_counter::read(&self.cells, index)
    }

    /// The counters now.
    pub fn snapshot(&self) -> BulkheadSnapshot {
        let available = self.cells[AVAILABLE].load(Ordering::Acquire).max(0) as u32;
        BulkheadSnapshot {
            available,
            active: self.max_concurrent.saturating_sub(available),
            queued: self.cells[QUEUED].load(Ordering::Acquire).max(0) as u32,
            completed: self.read_counter(COMPLETED),
            rejected: self.read_counter(REJECTED),
            timed_out: self.read_counter(TIMED_OUT),
        }
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn permits_never_go_below_zero_and_come_back() {
        let b = BulkheadCells::new(2, 1);
        assert!(b.try_acquire());
        assert!(b.try_acquire());
        assert!(!b.try_acquire());
        assert_eq!(b.snapshot().active, 2);
        b.release();
        assert_eq!(b.snapshot().available, 1);
        assert!(b.try_enqueue());
        assert!(!b.try_enqueue(), "queue of 1 is full");
        b.dequeue();
        assert!(b.try_enqueue());
    }

    #[test]
    fn split_counters_carry_into_the_high_word() {
        let b = BulkheadCells::new(1, 0);
        b.cells[COMPLETED].store(-2, Ordering::Relaxed); // 0xFFFF_FFFE
        b.count(COMPLETED);
        b.count(COMPLETED);
        b.count(COMPLETED);
        assert_eq!(b.snapshot().completed, (1u64 << 32) + 1);
    }
}
