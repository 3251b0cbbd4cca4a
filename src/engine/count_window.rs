//! [`CountWindow`]: the last `size` calls. A ring of one-byte slots and three counters; a record
//! is one cursor CAS and one slot swap, plus counter updates only when the outcome replaced
//! differs from the new one. (Used through [`super::window::Window`].)

use super::padded::CachePadded;
use super::window::{Sample, Totals};
use std::sync::atomic::{AtomicU32, AtomicU8, Ordering};

const EMPTY: u8 = 0x80;

/// The last `size` outcomes, lock-free.
#[derive(Debug)]
pub struct CountWindow {
    /// Read on every record: kept off the line of the cells every record writes.
    slots: Box<[AtomicU8]>,
    /// Read a slot before swapping it (see [`Window::read_before_write`]).
    pub(super) read_first: bool,
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

    pub(super) fn record_successes(&self, n: u32) {
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

    pub(super) fn record(&self, sample: Sample) -> Option<Totals> {
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

    pub(super) fn totals(&self) -> Totals {
        Totals {
            calls: self.cells.calls.load(Ordering::Relaxed),
            failures: clamp(self.cells.failures.load(Ordering::Relaxed)),
            slow: clamp(self.cells.slow.load(Ordering::Relaxed)),
        }
    }

    pub(super) fn clear(&self) {
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
