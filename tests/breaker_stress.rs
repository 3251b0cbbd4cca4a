//! Concurrency: many threads on one `Arc<Breaker>`.
//!
//! Proves: in HALF_OPEN with `half_open_max_calls = k`, threads released together by a barrier
//! get exactly `k` probes admitted when no probe finishes; when probes finish (successfully, after
//! a short spin), no more than `k` admitted-but-unrecorded probes ever exist at once; the probe
//! CAS really is contended (`probe_contention > 0`); and lifetime counters are conserved: `T`
//! threads × `M` records on a CLOSED breaker count exactly `T * M` outcomes, each in its kind.
//!
//! A regression test pins a fixed engine bug: with the breaker cycling HALF_OPEN → OPEN →
//! HALF_OPEN quickly, a thread still acting on an older half-open epoch erased the newer epoch's
//! probe accounting, and more than `k` probes of one half-open period ran at once.

use bulwark::engine::gate;
use bulwark::engine::{
    Admission, Breaker, BreakerConfig, CircuitState, ManualClock, Outcome, WindowKind,
};
use std::panic::{catch_unwind, resume_unwind, AssertUnwindSafe};
use std::sync::atomic::{AtomicBool, AtomicI64, AtomicU32, AtomicU64, AtomicUsize, Ordering};
use std::sync::{Arc, Barrier};
use std::time::{Duration, Instant};

const THREADS: usize = 8;
const RESET: u64 = 1_000;

fn half_open_config(max_calls: u32, success_threshold: u32) -> BreakerConfig {
    let config = BreakerConfig {
        failure_threshold: 1,
        volume_threshold: 0,
        reset_timeout_nanos: RESET,
        success_threshold,
        half_open_max_calls: max_calls,
        window: WindowKind::Count { size: 16 },
        ..BreakerConfig::default()
    };
    assert_eq!(config.validate(), Ok(()));
    config
}

/// From any state: CLOSED, one failure to OPEN, then the reset timeout passes, so that the next
/// admission half-opens the breaker (lazily; the threads race for that transition too).
fn open_and_expire(b: &Breaker, clock: &ManualClock) {
    b.reset(clock);
    let Admission::Admitted { ticket } = b.admit(clock) else {
        panic!("a reset breaker admits");
    };
    let g = b.record(ticket, Outcome::Failure, None, clock);
    assert_eq!(gate::state_of(g), CircuitState::Open);
    clock.advance(RESET);
}

fn spin(iterations: u32) {
    for _ in 0..iterations {
        std::hint::spin_loop();
    }
}

/// Runs up to `rounds` rounds of `work` on [`THREADS`] threads released together by a barrier;
/// `before` runs on the calling thread before each round, `after` once all threads are done (it
/// returns whether to go on). A panic anywhere stops every thread and fails the test, instead
/// of leaving the others waiting at a barrier.
fn rounds<W, B, A>(rounds: usize, before: B, work: W, mut after: A)
where
    W: Fn(usize) + Sync,
    B: Fn(),
    A: FnMut(usize) -> bool,
{
    let start = Barrier::new(THREADS + 1);
    let done = Barrier::new(THREADS + 1);
    let stop = AtomicBool::new(false);
    let worker_panicked = AtomicBool::new(false);
    std::thread::scope(|s| {
        for t in 0..THREADS {
            let (start, done, stop, work) = (&start, &done, &stop, &work);
            let worker_panicked = &worker_panicked;
            s.spawn(move || loop {
                start.wait();
                if stop.load(Ordering::Acquire) {
                    return;
                }
                if catch_unwind(AssertUnwindSafe(|| work(t))).is_err() {
                    worker_panicked.store(true, Ordering::Release);
                }
                done.wait();
            });
        }
        let result = catch_unwind(AssertUnwindSafe(|| {
            for round in 0..rounds {
                before();
                start.wait();
                done.wait();
                assert!(
                    !worker_panicked.load(Ordering::Acquire),
                    "a worker panicked in round {round}"
                );
                if !after(round) {
                    break;
                }
            }
        }));
        stop.store(true, Ordering::Release);
        start.wait();
        if let Err(panic) = result {
            resume_unwind(panic);
        }
    });
}

#[test]
fn half_open_admits_exactly_k_probes_when_none_finishes() {
    for k in [1u32, 3] {
        let clock = ManualClock::new(0);
        let b = Arc::new(Breaker::new(half_open_config(k, 1)));
        let admitted = AtomicUsize::new(0);
        let probe_gate = AtomicU64::new(u64::MAX);
        let open_gate = AtomicU32::new(0);
        rounds(
            300,
            || {
                open_and_expire(&b, &clock);
                open_gate.store(b.gate(), Ordering::Relaxed);
                admitted.store(0, Ordering::Relaxed);
                probe_gate.store(u64::MAX, Ordering::Relaxed);
            },
            |_| {
                for _ in 0..4 {
                    match b.admit(&clock) {
                        Admission::Admitted { ticket } => {
                            assert_eq!(gate::state_of(ticket), CircuitState::HalfOpen);
                            admitted.fetch_add(1, Ordering::Relaxed);
                            let previous = probe_gate.swap(ticket.into(), Ordering::Relaxed);
                            assert!(previous == u64::MAX || previous == u64::from(ticket));
                        }
                        Admission::Rejected { retry_after_nanos } => {
                            assert_eq!(retry_after_nanos, Some(0));
                        }
                    }
                }
            },
            |round| {
                assert_eq!(
                    admitted.load(Ordering::Relaxed),
                    k as usize,
                    "k={k} round {round}"
                );
                let g = b.gate();
                assert_eq!(gate::state_of(g), CircuitState::HalfOpen);
                assert_eq!(probe_gate.load(Ordering::Relaxed), u64::from(g));
                let steps: Vec<_> = b
                    .transitions_since(open_gate.load(Ordering::Relaxed))
                    .iter()
                    .map(|t| (t.from, t.to))
                    .collect();
                assert_eq!(
                    steps,
                    vec![(CircuitState::Open, CircuitState::HalfOpen)],
                    "exactly one thread half-opened the breaker"
                );
                true
            },
        );
        let s = b.snapshot(&clock);
        assert_eq!(
            s.transitions[4 + 2],
            300,
            "OPEN -> HALF_OPEN once per round"
        );
        assert_eq!(s.rejections, 300 * (THREADS as u64 * 4 - u64::from(k)));
    }
}

#[test]
fn half_open_never_has_more_than_k_probes_in_flight_and_the_cas_is_contended() {
    let mut contention = 0;
    for k in [1u32, 3] {
        let clock = ManualClock::new(0);
        // 40 good probes close the breaker mid-round, so admissions also race that transition.
        let b = Arc::new(Breaker::new(half_open_config(k, 40)));
        let in_flight = AtomicI64::new(0);
        let max_in_flight = AtomicI64::new(0);
        let probes = AtomicU64::new(0);
        let admitted = AtomicU64::new(0);
        let deadline = Instant::now() + Duration::from_secs(4);
        rounds(
            2_000,
            || open_and_expire(&b, &clock),
            |t| {
                for i in 0..60 {
                    let Admission::Admitted { ticket } = b.admit(&clock) else {
                        continue;
                    };
                    admitted.fetch_add(1, Ordering::Relaxed);
                    if gate::state_of(ticket) == CircuitState::HalfOpen {
                        probes.fetch_add(1, Ordering::Relaxed);
                        // Counted after admission and uncounted before recording, so this never
                        // exceeds the engine's own count of probes in flight.
                        let now = in_flight.fetch_add(1, Ordering::SeqCst) + 1;
                        max_in_flight.fetch_max(now, Ordering::SeqCst);
                        spin(20 + ((t + i) % 7) as u32 * 10);
                        in_flight.fetch_sub(1, Ordering::SeqCst);
                    } else {
                        assert_eq!(gate::state_of(ticket), CircuitState::Closed);
                    }
                    b.record(ticket, Outcome::Success, None, &clock);
                }
            },
            |round| {
                assert!(
                    max_in_flight.load(Ordering::SeqCst) <= i64::from(k),
                    "k={k}: {} probes in flight at once (round {round})",
                    max_in_flight.load(Ordering::SeqCst)
                );
                // A thousand rounds at least; more only until contention has been seen.
                let seen = b.snapshot(&clock).probe_contention > 0;
                round < 1_000 || (!seen && Instant::now() < deadline)
            },
        );
        let s = b.snapshot(&clock);
        assert_eq!(in_flight.load(Ordering::SeqCst), 0);
        assert!(
            max_in_flight.load(Ordering::SeqCst) >= 1,
            "k={k}: no probe ran"
        );
        assert_eq!(
            s.successes,
            admitted.load(Ordering::Relaxed),
            "every admitted call recorded"
        );
        assert!(probes.load(Ordering::Relaxed) > 0);
        assert_eq!(
            s.failures, s.transitions[1],
            "one failure per round, each opening"
        );
        contention += s.probe_contention;
    }
    assert!(contention > 0, "no CAS contention was ever observed");
}

#[test]
fn counters_are_conserved_under_concurrent_records() {
    const PER_THREAD: usize = 25_000;
    let clock = ManualClock::new(0);
    let b = Arc::new(Breaker::new(BreakerConfig {
        failure_threshold: 0,
        slow_call_duration_nanos: Some(100),
        window: WindowKind::Count { size: 64 },
        ..BreakerConfig::default()
    }));
    let closed = b.gate();
    let outcome_of = |t: usize, i: usize| match (t + i) % 5 {
        0 | 1 => Outcome::Success,
        2 | 3 => Outcome::Failure,
        _ => Outcome::Timeout,
    };
    let slow_of = |t: usize, i: usize| (t * 7 + i).is_multiple_of(3);
    let start = Barrier::new(THREADS);
    std::thread::scope(|s| {
        for t in 0..THREADS {
            let (b, clock, start) = (&b, &clock, &start);
            s.spawn(move || {
                start.wait();
                for i in 0..PER_THREAD {
                    let Admission::Admitted { ticket } = b.admit(clock) else {
                        panic!("a breaker with no rules never rejects");
                    };
                    let duration = if slow_of(t, i) { 1_000 } else { 100 };
                    b.record(ticket, outcome_of(t, i), Some(duration), clock);
                }
            });
        }
    });
    let (mut successes, mut failures, mut timeouts, mut slow) = (0, 0, 0, 0);
    for t in 0..THREADS {
        for i in 0..PER_THREAD {
            match outcome_of(t, i) {
                Outcome::Success => successes += 1,
                Outcome::Failure => failures += 1,
                Outcome::Timeout => {
                    failures += 1;
                    timeouts += 1;
                }
            }
            slow += u64::from(slow_of(t, i));
        }
    }
    let s = b.snapshot(&clock);
    assert_eq!(s.successes + s.failures, (THREADS * PER_THREAD) as u64);
    assert_eq!(
        (s.successes, s.failures, s.timeouts, s.slow_calls),
        (successes, failures, timeouts, slow)
    );
    assert_eq!(s.rejections, 0);
    assert_eq!(s.gate, closed, "no transition");
    assert_eq!(s.transitions, [0; 16]);
    // Without clears the window's counters match its slots exactly: it is full.
    assert_eq!(s.window.calls, 64);
    assert!(s.window.failures <= 64 && s.window.slow <= 64);
}

/// Probes of one half-open period, counted by epoch, must never overlap more than `k` at once,
/// even when the breaker cycles HALF_OPEN → OPEN → HALF_OPEN faster than a thread takes to go
/// from reading the gate to updating the probe word.
///
/// Fails (usually within 0.1 s on 2 cores): the probe word packs `[epoch][in_flight][successes]`
/// and `probes_unpack` reads a word of another epoch as zeros, so a thread still acting on an
/// older half-open epoch (its gate read before the breaker reopened and half-opened again)
/// overwrites the newer period's word with its own epoch in `try_take_probe` or `record_probe`.
/// The newer period's `in_flight` (and `successes`) are erased and one more probe is admitted
/// while the first is still running.
#[test]
fn half_open_limit_holds_while_the_breaker_reopens_rapidly() {
    const K: u32 = 1;
    const EPOCHS: usize = 1 << 20;
    let clock = ManualClock::new(0);
    let b = Breaker::new(BreakerConfig {
        reset_timeout_nanos: 0,
        ..half_open_config(K, 0xFFFF)
    });
    let in_flight: Vec<AtomicU32> = (0..EPOCHS).map(|_| AtomicU32::new(0)).collect();
    let overlaps = AtomicU64::new(0);
    let stop = AtomicBool::new(false);
    let started = Instant::now();
    std::thread::scope(|s| {
        for t in 0..2 * THREADS {
            let (b, clock, in_flight, overlaps, stop) = (&b, &clock, &in_flight, &overlaps, &stop);
            s.spawn(move || {
                let mut i = t;
                while !stop.load(Ordering::Relaxed) {
                    i += 1;
                    let Admission::Admitted { ticket } = b.admit(clock) else {
                        continue;
                    };
                    if gate::state_of(ticket) != CircuitState::HalfOpen {
                        b.record(ticket, Outcome::Failure, None, clock);
                        continue;
                    }
                    let mine = &in_flight[gate::epoch_of(ticket) as usize % EPOCHS];
                    if mine.fetch_add(1, Ordering::SeqCst) + 1 > K {
                        overlaps.fetch_add(1, Ordering::Relaxed);
                    }
                    spin(50);
                    mine.fetch_sub(1, Ordering::SeqCst);
                    // Every other probe fails: OPEN, and (reset timeout 0) HALF_OPEN at once.
                    let outcome = if i % 2 == 0 {
                        Outcome::Failure
                    } else {
                        Outcome::Success
                    };
                    b.record(ticket, outcome, None, clock);
                }
            });
        }
        while started.elapsed() < Duration::from_secs(3)
            && overlaps.load(Ordering::Relaxed) == 0
            && (gate::epoch_of(b.gate()) as usize) < EPOCHS / 2
        {
            std::thread::sleep(Duration::from_millis(5));
        }
        stop.store(true, Ordering::Relaxed);
    });
    assert_eq!(
        overlaps.load(Ordering::Relaxed),
        0,
        "probes of one half-open period overlapped beyond half_open_max_calls = {K} \
         ({} transitions, {:?})",
        gate::epoch_of(b.gate()),
        started.elapsed()
    );
}
