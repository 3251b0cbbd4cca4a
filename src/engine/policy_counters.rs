//! Outcome counters of retry and timeout policies, in a block of `i32` cells the JS shim updates
//! through an `Int32Array` view (no native call per call; see [`super::split_counter`]).
//!
//! | index | counter (2 cells: low, high) | retry | timeout |
//! | --- | --- | --- | --- |
//! | 0 | first | retries (attempts after the first) | successes |
//! | 2 | second | — | timeouts |
//! | 4 | third | — | failures (errors other than our timeout) |
//!
//! One block belongs to one JS thread and one name (the shim keeps one per name), so it has a
//! single writer; every block of a name is summed when metrics are rendered.

use super::split_counter;
use std::sync::atomic::AtomicI32;

/// Index of the first counter (retries; timeout successes).
pub const FIRST: usize = 0;
/// Index of the second counter (timeouts).
pub const SECOND: usize = 2;
/// Index of the third counter (timeout failures).
pub const THIRD: usize = 4;
/// Number of `i32` cells in the block.
pub const CELLS: usize = 6;

/// The counters of one policy name in one thread.
#[derive(Debug, Default)]
#[repr(C, align(64))]
pub struct PolicyCounters {
    cells: [AtomicI32; CELLS],
}

impl PolicyCounters {
    /// All counters at zero.
    pub fn new() -> Self {
        Self::default()
    }

    /// The cells, for a typed-array view.
    pub fn cells(&self) -> &[AtomicI32; CELLS] {
        &self.cells
    }

    /// Adds one to the counter at `index` (`FIRST`, `SECOND` or `THIRD`).
    pub fn bump(&self, index: usize) {
        split_counter::bump(&self.cells, index);
    }

    /// The three counters now.
    pub fn read(&self) -> [u64; 3] {
        [FIRST, SECOND, THIRD].map(|i| split_counter::read(&self.cells, i))
    }
}
