//! Property and thread tests of the leased GCRA cell (`engine::striped_gcra`).
//!
//! Proves: for random interleavings of several handles (each leasing, spending, stealing) on a
//! manual timeline, the units admitted in any window of length `W` never exceed
//! `burst + floor(W / T)` — the bound of one unshared cell; threads hammering one cell at a fixed
//! time admit the whole bucket (less at most one token of horizon rounding) and never more; a
//! handle dropping out mid-lease strands nothing once another handle calls.

use bulwark::engine::gcra::{Decision, GcraConfig};
use bulwark::engine::striped_gcra::{StripedGcra, HORIZON_NANOS, MIN_LEASING_BURST};
use proptest::prelude::*;
use std::sync::atomic::{AtomicU64, Ordering};
use std::sync::{Arc, Barrier};

fn window_bound_holds(admitted: &[(u64, u64)], burst: u64, t: u64) -> Result<(), String> {
    for (i, &(start, _)) in admitted.iter().enumerate() {
        let mut units = 0u64;
        for &(end, n) in &admitted[i..] {
            units += n;
            let bound = burst + (end - start) / t;
            if units > bound {
                return Err(format!(
                    "{units} units in {} ns > burst {burst} + {}",
                    end - start,
                    (end - start) / t
                ));
            }
        }
    }
    Ok(())
}

proptest! {
    #![proptest_config(ProptestConfig::with_cases(200))]

    #[test]
    fn leased_admissions_in_any_window_never_exceed_burst_plus_the_rate(
        burst in 65_536u32..120_000,
        emission in 4_000u64..100_000,
        ops in prop::collection::vec((
            prop_oneof![0u64..2_000, 0u64..3 * HORIZON_NANOS],
            0usize..4,
            1u32..3,
            // A few (leaving part of a lease in the slot), about a lease, or enough to drain.
            prop_oneof![1u32..4, 60u32..70, 1_000u32..70_000],
            // How to ask: tryAcquire, or decide (take), or a look first (peek) then tryAcquire.
            0u8..3,
        ), 1..40),
    ) {
        let config = GcraConfig::new(burst, u64::from(burst) * emission, burst).unwrap();
        let t = config.emission_nanos;
        let g = StripedGcra::new(config, true);
        prop_assume!(g.is_leasing());
        let handles: Vec<usize> = (0..4).map(|_| g.assign_slot()).collect();
        let mut now = 1_000_000_000u64;
        // (time, units admitted at that time), times non-decreasing.
        let mut admitted: Vec<(u64, u64)> = Vec::new();
        for (gap, handle, n, repeat, how) in ops {
            now += gap;
            let mut units = 0u64;
            for _ in 0..repeat {
                let slot = handles[handle];
                let taken = match how {
                    0 => g.try_acquire(slot, n, now).unwrap(),
                    1 => matches!(g.decide(slot, n, true, now).unwrap(), Decision::Allowed { .. }),
                    _ => {
                        let _ = g.decide(slot, n, false, now).unwrap();
                        g.try_acquire(slot, n, now).unwrap()
                    }
                };
                if taken {
                    units += u64::from(n);
                }
            }
            if units > 0 {
                admitted.push((now, units));
            }
        }
        window_bound_holds(&admitted, u64::from(burst), t).map_err(TestCaseError::fail)?;
    }
}

#[test]
fn threads_hammering_at_one_instant_admit_the_bucket_and_never_more() {
    for round in 0..20 {
        let burst = MIN_LEASING_BURST + round * 997;
        let g = Arc::new(StripedGcra::new(
            GcraConfig::new(burst, 3_600_000_000_000, burst).unwrap(),
            true,
        ));
        assert!(g.is_leasing());
        let now = 5_000_000_000u64;
        let threads = 4;
        let barrier = Arc::new(Barrier::new(threads));
        let total = Arc::new(AtomicU64::new(0));
        let workers: Vec<_> = (0..threads)
            .map(|_| {
                let (g, barrier, total) =
                    (Arc::clone(&g), Arc::clone(&barrier), Arc::clone(&total));
                std::thread::spawn(move || {
                    let slot = g.assign_slot();
                    barrier.wait();
                    let mut mine = 0u64;
                    let mut refusals = 0;
                    // Keep asking a while after the first refusal: others may still hold leases.
                    while refusals < 1_000 {
                        if g.try_acquire(slot, 1, now).unwrap() {
                            mine += 1;
                        } else {
                            refusals += 1;
                        }
                    }
                    total.fetch_add(mine, Ordering::Relaxed);
                })
            })
            .collect();
        for w in workers {
            w.join().unwrap();
        }
        let total = total.load(Ordering::Relaxed);
        let burst = u64::from(burst);
        assert!(
            total <= burst,
            "round {round}: admitted {total} > burst {burst}"
        );
        // The horizon (250 µs) is below one emission interval here: one token of rounding at most.
        assert!(
            total + 1 >= burst,
            "round {round}: admitted {total} of {burst}: tokens stranded"
        );
        assert_eq!(g.leased(now), 0);
    }
}

#[test]
fn a_handle_that_stops_mid_lease_strands_nothing() {
    let burst = MIN_LEASING_BURST;
    let g = StripedGcra::new(
        GcraConfig::new(burst, 3_600_000_000_000, burst).unwrap(),
        true,
    );
    let (quitter, stayer) = (g.assign_slot(), g.assign_slot());
    let now = 5_000_000_000u64;
    assert!(g.try_acquire(quitter, 1, now).unwrap());
    let mut admitted = 1u32;
    // Within the quitter's horizon: the stayer takes the rest, stealing the quitter's lease last.
    while g.try_acquire(stayer, 1, now + HORIZON_NANOS / 4).unwrap() {
        admitted += 1;
    }
    assert!(
        admitted + 1 >= burst && admitted <= burst,
        "admitted {admitted} of {burst}"
    );
}

#[test]
fn a_lease_held_while_the_bucket_refills_does_not_add_to_a_full_bucket() {
    // T = 5 µs: 40 tokens refill in 200 µs, within the horizon.
    let burst = 100_000u32;
    let g = StripedGcra::new(
        GcraConfig::new(burst, u64::from(burst) * 5_000, burst).unwrap(),
        true,
    );
    assert!(g.is_leasing());
    let a = g.assign_slot();
    let t0 = 1_000_000_000u64;
    assert!(g.try_acquire(a, 1, t0).unwrap(), "leases 64, spends 1");
    let s = t0 + 200_000;
    let mut at_s = 0u32;
    while g.try_acquire(a, 1, s).unwrap() {
        at_s += 1;
    }
    assert!(
        at_s <= burst,
        "{at_s} admitted at one instant > burst {burst}"
    );
}

#[test]
fn an_expired_lease_of_a_stopped_handle_comes_back_to_the_bucket() {
    // One request per 1.8 s: nothing refills in the test; the quitter's lease expires unspent.
    let burst = MIN_LEASING_BURST;
    let g = StripedGcra::new(
        GcraConfig::new(burst, 1_800 * u64::from(burst) * 1_000_000, burst).unwrap(),
        true,
    );
    let (quitter, stayer) = (g.assign_slot(), g.assign_slot());
    let t0 = 5_000_000_000u64;
    assert!(g.try_acquire(quitter, 1, t0).unwrap());
    let later = t0 + 10 * HORIZON_NANOS;
    assert_eq!(g.leased(later), 0, "expired");
    let mut admitted = 1u32;
    while g.try_acquire(stayer, 1, later).unwrap() {
        admitted += 1;
    }
    // What refilled since the lease (a fraction of one request) is not given back: one at most.
    assert!(
        admitted + 1 >= burst && admitted <= burst,
        "admitted {admitted} of {burst}"
    );
}

#[test]
fn giving_back_an_expired_lease_never_credits_what_already_refilled() {
    // T = 1 µs: a lease of 64 is 64 µs of refill, less than half the horizon.
    let burst = 1_000_000u32;
    let g = StripedGcra::new(GcraConfig::new(burst, 1_000_000_000, burst).unwrap(), true);
    assert!(g.is_leasing());
    let (a, b) = (g.assign_slot(), g.assign_slot());
    let t0 = 5_000_000_000u64;
    let mut admitted = vec![];
    let at = |now: u64, slot: usize, times: u32, admitted: &mut Vec<(u64, u64)>| {
        let n = (0..times)
            .filter(|_| g.try_acquire(slot, 1, now).unwrap())
            .count() as u64;
        if n > 0 {
            admitted.push((now, n));
        }
    };
    at(t0, a, 1, &mut admitted); // a leases 64, keeps 63, then stops
    at(t0 + 100_000, b, 64, &mut admitted); // b's lease absorbs a's charge (the bucket refilled)
                                            // a's 63 expired; b sweeps them back, then drains the bucket.
    at(t0 + HORIZON_NANOS + 10_000, b, 2 * burst, &mut admitted);
    window_bound_holds(&admitted, u64::from(burst), 1_000).unwrap();
}

#[test]
fn threads_on_a_real_clock_stay_within_the_bound_of_one_cell() {
    // T = 500 ns, burst 600000: leasing on; 4 threads for 40 ms drain the bucket and live on refill.
    let burst = 600_000u32;
    let t = 500u64;
    let g = Arc::new(StripedGcra::new(
        GcraConfig::new(burst, u64::from(burst) * t, burst).unwrap(),
        true,
    ));
    assert!(g.is_leasing());
    let origin = std::time::Instant::now();
    let barrier = Arc::new(Barrier::new(4));
    let workers: Vec<_> = (0..4)
        .map(|_| {
            let (g, barrier) = (Arc::clone(&g), Arc::clone(&barrier));
            std::thread::spawn(move || {
                let slot = g.assign_slot();
                let mut times = Vec::new();
                barrier.wait();
                loop {
                    let now = 1_000_000_000 + origin.elapsed().as_nanos() as u64;
                    if now > 1_000_000_000 + 40_000_000 {
                        return times;
                    }
                    if g.try_acquire(slot, 1, now).unwrap() {
                        times.push(now);
                    }
                }
            })
        })
        .collect();
    let mut times: Vec<u64> = workers
        .into_iter()
        .flat_map(|w| w.join().unwrap())
        .collect();
    times.sort_unstable();
    assert!(
        times.len() as u64 > u64::from(burst),
        "the bucket was drained ({} admitted)",
        times.len()
    );
    // count(i..=j) = j - i + 1 <= burst + (t_j - t_i) / T for all i <= j; with f(k) = k*T - t_k
    // that is f(j) - f(i) <= (burst - 1) * T, checked against the running minimum of f.
    let mut min_f = i128::MAX;
    for (k, &at) in times.iter().enumerate() {
        let f = k as i128 * i128::from(t) - i128::from(at);
        min_f = min_f.min(f);
        assert!(
            f - min_f <= i128::from(burst - 1) * i128::from(t),
            "over the bound at admission {k} of {}",
            times.len()
        );
    }
}
