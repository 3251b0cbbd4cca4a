//! Property and stress tests of the GCRA limiter (`engine::gcra`).
//!
//! Proves: for any arrivals on a manual timeline, the units admitted in any window of length `W`
//! never exceed `burst + floor(W / T)`; a request refused with `retry_after` is admitted when
//! asked again exactly then; and threads hammering one cell admit exactly what the bucket holds.

use bulwark::engine::gcra::{Decision, Gcra, GcraConfig};
use proptest::prelude::*;
use std::sync::atomic::{AtomicU32, Ordering};
use std::sync::{Arc, Barrier};

proptest! {
    #![proptest_config(ProptestConfig::with_cases(300))]

    #[test]
    fn admissions_in_any_window_never_exceed_burst_plus_the_rate(
        limit in 1u32..50,
        interval_ms in 1u64..2_000,
        burst in 1u32..20,
        arrivals in prop::collection::vec((0u64..300_000_000, 1u32..5), 1..200),
    ) {
        let config = GcraConfig::new(limit, interval_ms * 1_000_000, burst).unwrap();
        let t = config.emission_nanos;
        let g = Gcra::new(config);
        let mut now = 1_000_000_000u64;
        let mut admitted: Vec<(u64, u32)> = Vec::new();
        for (gap, n) in arrivals {
            now += gap;
            let n = n.min(burst);
            if let Decision::Allowed { .. } = g.acquire(n, now).unwrap() {
                admitted.push((now, n));
            }
        }
        // Every window starting at an admission time is the tightest one to check.
        for (i, &(start, _)) in admitted.iter().enumerate() {
            for &(end, _) in &admitted[i..] {
                let w = end - start;
                let units: u64 = admitted.iter().filter(|&&(at, _)| at >= start && at <= end).map(|&(_, n)| u64::from(n)).sum();
                let bound = u64::from(burst) + w / t;
                prop_assert!(units <= bound, "{} units in {} ns > burst {} + {}", units, w, burst, w / t);
            }
        }
    }

    #[test]
    fn a_request_retried_exactly_at_retry_after_is_admitted(
        limit in 1u32..100,
        interval_ms in 1u64..5_000,
        burst in 1u32..10,
        taken in 0u32..40,
        n in 1u32..10,
    ) {
        let config = GcraConfig::new(limit, interval_ms * 1_000_000, burst).unwrap();
        let g = Gcra::new(config);
        let now = 7_000_000_000u64;
        for _ in 0..taken {
            let _ = g.acquire(1, now);
        }
        let n = n.min(burst);
        match g.acquire(n, now).unwrap() {
            Decision::Allowed { .. } => {}
            Decision::Limited { retry_after_nanos, .. } => {
                let early = g.acquire(n, now + retry_after_nanos - 1).unwrap();
                prop_assert!(matches!(early, Decision::Limited { .. }), "admitted 1 ns early: {:?}", early);
                let on_time = g.acquire(n, now + retry_after_nanos).unwrap();
                prop_assert!(matches!(on_time, Decision::Allowed { .. }), "refused at retry_after: {:?}", on_time);
            }
        }
    }
}

#[test]
fn threads_hammering_one_cell_admit_exactly_the_burst() {
    for _ in 0..20 {
        let g = Arc::new(Gcra::new(
            GcraConfig::new(1, 3_600_000_000_000, 100).unwrap(),
        ));
        let admitted = Arc::new(AtomicU32::new(0));
        let barrier = Arc::new(Barrier::new(8));
        let threads: Vec<_> = (0..8)
            .map(|_| {
                let (g, admitted, barrier) = (g.clone(), admitted.clone(), barrier.clone());
                std::thread::spawn(move || {
                    barrier.wait();
                    for _ in 0..1_000 {
                        if let Decision::Allowed { .. } = g.acquire(1, 42).unwrap() {
                            admitted.fetch_add(1, Ordering::Relaxed);
                        }
                    }
                })
            })
            .collect();
        threads.into_iter().for_each(|t| t.join().unwrap());
        assert_eq!(
            admitted.load(Ordering::Relaxed),
            100,
            "exactly the burst, no over-admission"
        );
    }
}
