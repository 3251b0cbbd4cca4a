//! 64-bit counters kept as two `i32` cells (low word, high word), so JS can update them through an
//! `Int32Array` view.
//!
//! A writer adds one to the low word and, when that wraps to zero, one to the high word. The JS
//! shim is the only writer of the cells it owns (one thread), so its plain typed-array increments
//! are exact; the engine only reads them, retrying while the high word moves under it.

use std::sync::atomic::{AtomicI32, Ordering};

/// Adds one to the split counter whose low word is `cells[index]` (carry into `index + 1`).
pub fn bump(cells: &[AtomicI32], index: usize) {
    if cells[index].fetch_add(1, Ordering::Relaxed) == -1 {
        cells[index + 1].fetch_add(1, Ordering::Relaxed);
    }
}

/// The split counter whose low word is `cells[index]`.
pub fn read(cells: &[AtomicI32], index: usize) -> u64 {
    loop {
        let high = cells[index + 1].load(Ordering::Acquire);
        let low = cells[index].load(Ordering::Acquire);
        if cells[index + 1].load(Ordering::Acquire) == high {
            return (u64::from(high as u32) << 32) | u64::from(low as u32);
        }
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn carries_into_the_high_word() {
        let cells: [AtomicI32; 2] = [AtomicI32::new(-2), AtomicI32::new(0)];
        for _ in 0..3 {
            bump(&cells, 0);
        }
        assert_eq!(read(&cells, 0), (1u64 << 32) + 1);
    }
}
