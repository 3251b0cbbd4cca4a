//! The keyed GCRA limiter (`engine::keyed`) under threads, and its memory per key.
//!
//! Proves: threads hammering one key, or many keys, admit exactly each key's burst (no
//! over-admission under contention); and the memory kept per key, measured with a counting
//! global allocator, stays within a fixed bound (printed: run with `--nocapture`).

use bulwark::engine::gcra::GcraConfig;
use bulwark::engine::keyed::{KeyedGcra, WhenFull};
use std::alloc::{GlobalAlloc, Layout, System};
use std::sync::atomic::{AtomicIsize, AtomicU32, Ordering};
use std::sync::{Arc, Barrier};

struct Counting;
static LIVE: AtomicIsize = AtomicIsize::new(0);

unsafe impl GlobalAlloc for Counting {
    unsafe fn alloc(&self, layout: Layout) -> *mut u8 {
        LIVE.fetch_add(layout.size() as isize, Ordering::Relaxed);
        System.alloc(layout)
    }
    unsafe fn dealloc(&self, ptr: *mut u8, layout: Layout) {
        LIVE.fetch_sub(layout.size() as isize, Ordering::Relaxed);
        System.dealloc(ptr, layout)
    }
}

#[global_allocator]
static ALLOCATOR: Counting = Counting;

const HOUR: u64 = 3_600_000_000_000;

#[test]
fn threads_on_shared_keys_admit_exactly_each_burst() {
    let keyed = Arc::new(
        KeyedGcra::new(
            GcraConfig::new(1, HOUR, 25).unwrap(),
            10_000,
            WhenFull::EvictLru,
        )
        .unwrap(),
    );
    let keys: Vec<String> = (0..8).map(|i| format!("tenant-{i}")).collect();
    let admitted: Arc<Vec<AtomicU32>> =
        Arc::new((0..keys.len()).map(|_| AtomicU32::new(0)).collect());
    let barrier = Arc::new(Barrier::new(8));
    let threads: Vec<_> = (0..8)
        .map(|t| {
            let (keyed, admitted, barrier, keys) = (
                keyed.clone(),
                admitted.clone(),
                barrier.clone(),
                keys.clone(),
            );
            std::thread::spawn(move || {
                barrier.wait();
                for i in 0..2_000 {
                    let k = (i + t) % keys.len();
                    if keyed.consume(&keys[k], 1, 42).unwrap().allowed {
                        admitted[k].fetch_add(1, Ordering::Relaxed);
                    }
                }
            })
        })
        .collect();
    threads.into_iter().for_each(|t| t.join().unwrap());
    for (k, count) in admitted.iter().enumerate() {
        assert_eq!(
            count.load(Ordering::Relaxed),
            25,
            "key {k}: exactly its burst"
        );
    }
}

#[test]
fn memory_per_key_is_bounded() {
    let keys: Vec<String> = (0..100_000).map(|i| format!("user:{i:08}")).collect();
    let keyed = KeyedGcra::new(
        GcraConfig::new(10, 1_000_000_000, 10).unwrap(),
        200_000,
        WhenFull::EvictLru,
    )
    .unwrap();
    let before = LIVE.load(Ordering::Relaxed);
    for key in &keys {
        keyed.consume(key, 1, 0).unwrap();
    }
    let bytes = (LIVE.load(Ordering::Relaxed) - before) as f64 / keys.len() as f64;
    println!("keyed limiter: {bytes:.0} bytes per key (13-byte keys)");
    assert!(bytes < 200.0, "{bytes} bytes per key");
    assert_eq!(keyed.len(), keys.len());
}
