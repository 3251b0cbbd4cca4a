//! Counters striped per thread: each thread adds to its own cache line, readers sum the lines.
//!
//! A [`Stripe`] is a 64-bit count kept as two `i32` cells (see [`super::split_counter`]) on its own
//! pair of cache lines, written by one thread only — the JS shim increments it through an
//! `Int32Array` view, with no native call and no locked instruction. [`Stripes`] owns every stripe
//! of one counter, so a stripe outlives its thread (a terminated worker's counts stay), and sums
//! them on read. A stripe whose writer is gone is folded into a total and dropped ([`Stripes::retire`]);
//! both happen under one lock (cold paths: a JS object created or collected, metrics read), so a
//! read never sees a count twice or not at all.

use super::split_counter;
use parking_lot::Mutex;
use std::sync::atomic::AtomicI32;
use std::sync::Arc;

/// One thread's part of a counter.
#[derive(Debug, Default)]
#[repr(C, align(128))]
pub struct Stripe {
    cells: [AtomicI32; 2],
}

impl Stripe {
    /// The two cells (low, high), for a typed-array view.
    pub fn cells(&self) -> &[AtomicI32; 2] {
        &self.cells
    }

    /// Adds one (the stripe's single writer only).
    pub fn bump(&self) {
        split_counter::bump(&self.cells, 0);
    }

    /// The count now.
    pub fn read(&self) -> u64 {
        split_counter::read(&self.cells, 0)
    }
}

#[derive(Debug, Default)]
struct Parts {
    retired: u64,
    live: Vec<Arc<Stripe>>,
}

/// Every stripe of one counter.
#[derive(Debug, Default)]
pub struct Stripes {
    parts: Mutex<Parts>,
}

impl Stripes {
    /// A new zero stripe for one writer thread, counted from now on.
    pub fn add(&self) -> Arc<Stripe> {
        let stripe = Arc::new(Stripe::default());
        self.parts.lock().live.push(Arc::clone(&stripe));
        stripe
    }

    /// Folds `stripe` into the total and forgets it; call when its writer can no longer write.
    pub fn retire(&self, stripe: &Arc<Stripe>) {
        let mut parts = self.parts.lock();
        if let Some(i) = parts.live.iter().position(|s| Arc::ptr_eq(s, stripe)) {
            let gone = parts.live.swap_remove(i);
            parts.retired += gone.read();
        }
    }

    /// The counter: retired stripes plus every live one.
    pub fn sum(&self) -> u64 {
        let parts = self.parts.lock();
        parts.retired + parts.live.iter().map(|s| s.read()).sum::<u64>()
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn threads_count_apart_and_the_sum_is_exact_across_retirement() {
        let stripes = Arc::new(Stripes::default());
        let handles: Vec<_> = (0..4)
            .map(|_| {
                let stripes = Arc::clone(&stripes);
                std::thread::spawn(move || {
                    let mine = stripes.add();
                    for _ in 0..100_000 {
                        mine.bump();
                    }
                    mine
                })
            })
            .collect();
        let mine: Vec<_> = handles.into_iter().map(|h| h.join().unwrap()).collect();
        assert_eq!(stripes.sum(), 400_000);
        stripes.retire(&mine[0]);
        stripes.retire(&mine[0]);
        assert_eq!(stripes.sum(), 400_000, "retiring twice counts once");
    }
}
