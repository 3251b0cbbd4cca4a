//! Every transition of the circuit breaker, one rule per test, driven by a [`ManualClock`].
//!
//! Proves: CLOSED→OPEN by consecutive failures (a success resets the run; threshold 0 disables
//! the rule), by failure rate and by slow-call rate (only once the window holds
//! `volume_threshold` calls; `duration == threshold` is not slow), over count and time windows
//! (old calls leave a time window, so a rate can fall with time); OPEN rejects with the exact
//! remaining reset time and becomes HALF_OPEN lazily (at `admit` or `observe`) exactly when the
//! reset timeout has passed, not a nanosecond before; HALF_OPEN admits at most
//! `half_open_max_calls` probes, closes after `success_threshold` good probes and reopens (with a
//! fresh reset timer) on any failing or — with a slow-call rate rule — slow probe; stale tickets
//! never steer the current state; `force_open` and `reset`; the transition log; the counters.
//!
//! A regression test pins a fixed engine bug: a time window idle for 2^22 bucket lengths
//! counted its old calls again, and they could open the breaker.

use bulwark::engine::gate;
use bulwark::engine::window::Totals;
use bulwark::engine::{
    Admission, Breaker, BreakerConfig, CircuitState, Clock, ManualClock, Outcome, WindowKind,
};
use CircuitState::{Closed, ForcedOpen, HalfOpen, Open};

const RESET: u64 = 1_000;
const MS: u64 = 1_000_000;

/// A breaker config with only the consecutive-failure rule (3 failures), a 1 µs reset timeout.
fn base() -> BreakerConfig {
    BreakerConfig {
        failure_threshold: 3,
        volume_threshold: 0,
        reset_timeout_nanos: RESET,
        window: WindowKind::Count { size: 10 },
        ..BreakerConfig::default()
    }
}

fn breaker(config: BreakerConfig) -> Breaker {
    assert_eq!(config.validate(), Ok(()), "test configs must be valid");
    Breaker::new(config)
}

fn state(b: &Breaker) -> CircuitState {
    gate::state_of(b.gate())
}

/// Admits a call, which must be let through; returns its ticket.
fn admit(b: &Breaker, clock: &ManualClock) -> u32 {
    match b.admit(clock) {
        Admission::Admitted { ticket } => ticket,
        rejected => panic!("expected admission, got {rejected:?} in {:?}", state(b)),
    }
}

/// Admits and records one call; returns the gate afterwards.
fn call(b: &Breaker, clock: &ManualClock, outcome: Outcome, duration: Option<u64>) -> u32 {
    let ticket = admit(b, clock);
    b.record(ticket, outcome, duration, clock)
}

fn ok(b: &Breaker, clock: &ManualClock) -> u32 {
    call(b, clock, Outcome::Success, None)
}

fn fail(b: &Breaker, clock: &ManualClock) -> u32 {
    call(b, clock, Outcome::Failure, None)
}

/// Opens a CLOSED breaker with consecutive failures (at most `failure_threshold` of them).
fn trip(b: &Breaker, clock: &ManualClock) {
    assert_eq!(state(b), Closed);
    for _ in 0..b.config().failure_threshold {
        if gate::state_of(fail(b, clock)) == Open {
            return;
        }
    }
    panic!(
        "{} failures did not open the breaker",
        b.config().failure_threshold
    );
}

fn window(b: &Breaker, clock: &ManualClock) -> Totals {
    b.snapshot(clock).window
}

/// Index of the transition counter for `from → to`.
fn tx(from: CircuitState, to: CircuitState) -> usize {
    (from.code() * 4 + to.code()) as usize
}

// ---------------------------------------------------------------- CLOSED → OPEN: failure run

#[test]
fn consecutive_failures_open_the_breaker_at_the_threshold() {
    let clock = ManualClock::new(0);
    let b = breaker(base());
    fail(&b, &clock);
    fail(&b, &clock);
    assert_eq!(state(&b), Closed);
    assert_eq!(b.snapshot(&clock).consecutive_failures, 2);
    let g = fail(&b, &clock);
    assert_eq!(gate::state_of(g), Open);
    assert_eq!(g, b.gate(), "record returns the gate after the transition");
    assert_eq!(gate::epoch_of(g), 1);
}

#[test]
fn timeouts_count_as_failures_in_the_run() {
    let clock = ManualClock::new(0);
    let b = breaker(base());
    call(&b, &clock, Outcome::Timeout, None);
    fail(&b, &clock);
    call(&b, &clock, Outcome::Timeout, None);
    assert_eq!(state(&b), Open);
}

#[test]
fn a_success_in_between_resets_the_failure_run() {
    let clock = ManualClock::new(0);
    let b = breaker(base());
    for _ in 0..5 {
        fail(&b, &clock);
        fail(&b, &clock);
        ok(&b, &clock);
        assert_eq!(b.snapshot(&clock).consecutive_failures, 0);
    }
    assert_eq!(state(&b), Closed);
    fail(&b, &clock);
    fail(&b, &clock);
    assert_eq!(state(&b), Closed);
    fail(&b, &clock);
    assert_eq!(state(&b), Open);
}

#[test]
fn failure_threshold_zero_disables_the_consecutive_rule() {
    let clock = ManualClock::new(0);
    let b = breaker(BreakerConfig {
        failure_threshold: 0,
        ..base()
    });
    for _ in 0..10_000 {
        fail(&b, &clock);
    }
    let s = b.snapshot(&clock);
    assert_eq!(s.state, Closed);
    assert_eq!(s.failures, 10_000);
    assert_eq!(s.consecutive_failures, 10_000, "the run is still counted");
    assert_eq!(s.transitions, [0; 16]);
}

#[test]
fn a_failure_threshold_of_one_opens_on_the_first_failure() {
    let clock = ManualClock::new(0);
    let b = breaker(BreakerConfig {
        failure_threshold: 1,
        ..base()
    });
    ok(&b, &clock);
    assert_eq!(state(&b), Closed);
    fail(&b, &clock);
    assert_eq!(state(&b), Open);
}

// ---------------------------------------------------------------- CLOSED → OPEN: rates

fn rate_config(threshold: f64, volume: u32, size: u32) -> BreakerConfig {
    BreakerConfig {
        failure_threshold: 0,
        failure_rate_threshold: Some(threshold),
        volume_threshold: volume,
        window: WindowKind::Count { size },
        ..base()
    }
}

#[test]
fn failure_rate_is_judged_only_once_the_volume_is_reached() {
    let clock = ManualClock::new(0);
    let b = breaker(rate_config(0.5, 4, 10));
    fail(&b, &clock);
    fail(&b, &clock);
    fail(&b, &clock);
    let w = window(&b, &clock);
    assert_eq!((w.calls, w.failures), (3, 3));
    assert_eq!(state(&b), Closed, "rate 1.0 but only 3 of 4 calls");
    ok(&b, &clock);
    assert_eq!(state(&b), Open, "4 calls, rate 0.75 >= 0.5");
}

#[test]
fn failure_rate_equal_to_the_threshold_opens_and_below_does_not() {
    let clock = ManualClock::new(0);
    let b = breaker(rate_config(0.5, 4, 10));
    ok(&b, &clock);
    ok(&b, &clock);
    ok(&b, &clock);
    fail(&b, &clock);
    fail(&b, &clock);
    assert_eq!(state(&b), Closed, "2/5 = 0.4 < 0.5");
    fail(&b, &clock);
    assert_eq!(state(&b), Open, "3/6 = 0.5 >= 0.5");
}

#[test]
fn failure_rate_rule_sees_only_the_last_size_calls() {
    let clock = ManualClock::new(0);
    // A 4-call window, open at 75 %.
    let b = breaker(rate_config(0.75, 4, 4));
    fail(&b, &clock);
    fail(&b, &clock);
    ok(&b, &clock);
    ok(&b, &clock); // [F F S S] 0.5
    ok(&b, &clock); // [F S S S] 0.25
    fail(&b, &clock); // [S S S F] 0.25 (lifetime: 3/6)
    fail(&b, &clock); // [S S F F] 0.5
    assert_eq!(state(&b), Closed);
    assert_eq!(window(&b, &clock).failures, 2);
    fail(&b, &clock); // [S F F F] 0.75
    assert_eq!(state(&b), Open);
}

#[test]
fn volume_threshold_zero_judges_the_rate_from_the_first_call() {
    let clock = ManualClock::new(0);
    let b = breaker(rate_config(1.0, 0, 10));
    ok(&b, &clock);
    assert_eq!(state(&b), Closed);
    let b = breaker(rate_config(1.0, 0, 10));
    fail(&b, &clock);
    assert_eq!(state(&b), Open);
}

#[test]
fn rules_that_could_never_fire_are_refused() {
    let slow_rate_without_duration = BreakerConfig {
        slow_call_rate_threshold: Some(0.5),
        slow_call_duration_nanos: None,
        ..base()
    };
    assert!(slow_rate_without_duration.validate().is_err());
    assert!(
        rate_config(0.5, 11, 10).validate().is_err(),
        "volume above the window size"
    );
    assert!(rate_config(0.5, 10, 10).validate().is_ok());
}

#[test]
fn opening_clears_the_window_and_the_failure_run() {
    let clock = ManualClock::new(0);
    let b = breaker(BreakerConfig {
        failure_threshold: 2,
        ..rate_config(0.9, 10, 10)
    });
    ok(&b, &clock);
    fail(&b, &clock);
    fail(&b, &clock);
    let s = b.snapshot(&clock);
    assert_eq!(s.state, Open);
    assert_eq!(s.window, Totals::default());
    assert_eq!(s.consecutive_failures, 0);
}

fn slow_config(threshold: f64, volume: u32) -> BreakerConfig {
    BreakerConfig {
        failure_threshold: 0,
        slow_call_rate_threshold: Some(threshold),
        slow_call_duration_nanos: Some(100),
        volume_threshold: volume,
        ..base()
    }
}

#[test]
fn slow_call_rate_opens_and_a_duration_equal_to_the_threshold_is_not_slow() {
    let clock = ManualClock::new(0);
    let b = breaker(slow_config(0.5, 2));
    call(&b, &clock, Outcome::Success, Some(100));
    call(&b, &clock, Outcome::Success, Some(100));
    let s = b.snapshot(&clock);
    assert_eq!((s.slow_calls, s.window.slow, s.window.calls), (0, 0, 2));
    call(&b, &clock, Outcome::Success, Some(101));
    assert_eq!(state(&b), Closed, "1/3 slow");
    assert_eq!(b.snapshot(&clock).slow_calls, 1);
    call(&b, &clock, Outcome::Success, Some(101));
    assert_eq!(state(&b), Open, "2/4 slow >= 0.5");
    assert_eq!(b.snapshot(&clock).slow_calls, 2);
}

#[test]
fn slow_call_rate_waits_for_the_volume() {
    let clock = ManualClock::new(0);
    let b = breaker(slow_config(0.5, 3));
    call(&b, &clock, Outcome::Success, Some(5_000));
    call(&b, &clock, Outcome::Success, Some(5_000));
    assert_eq!(state(&b), Closed, "2 calls < volume 3");
    call(&b, &clock, Outcome::Success, Some(1));
    assert_eq!(state(&b), Open);
}

#[test]
fn no_call_is_slow_without_a_duration_or_a_slow_threshold() {
    let clock = ManualClock::new(0);
    let b = breaker(slow_config(0.1, 0));
    call(&b, &clock, Outcome::Success, None);
    assert_eq!(state(&b), Closed, "no duration given: not slow");
    let b = breaker(BreakerConfig {
        slow_call_duration_nanos: None,
        slow_call_rate_threshold: None,
        ..slow_config(0.1, 0)
    });
    call(&b, &clock, Outcome::Success, Some(u64::MAX));
    assert_eq!(state(&b), Closed, "no slow threshold: nothing is slow");
    assert_eq!(b.snapshot(&clock).slow_calls, 0);
}

#[test]
fn slow_failures_count_both_as_failures_and_as_slow() {
    let clock = ManualClock::new(0);
    let b = breaker(BreakerConfig {
        slow_call_duration_nanos: Some(100),
        failure_threshold: 0,
        ..base()
    });
    call(&b, &clock, Outcome::Failure, Some(101));
    call(&b, &clock, Outcome::Timeout, Some(101));
    let s = b.snapshot(&clock);
    assert_eq!((s.failures, s.timeouts, s.slow_calls), (2, 1, 2));
    assert_eq!(
        s.window,
        Totals {
            calls: 2,
            failures: 2,
            slow: 2
        }
    );
}

// ---------------------------------------------------------------- time-based window

/// 1 ms in 10 buckets of 100 µs; open at 50 % once 4 calls are in the window.
fn time_config() -> BreakerConfig {
    BreakerConfig {
        failure_threshold: 0,
        failure_rate_threshold: Some(0.5),
        volume_threshold: 4,
        window: WindowKind::Time {
            span_nanos: MS,
            buckets: 10,
        },
        ..base()
    }
}

#[test]
fn time_window_opens_on_the_rate_of_calls_within_the_span() {
    let clock = ManualClock::new(0);
    let b = breaker(time_config());
    fail(&b, &clock);
    ok(&b, &clock);
    clock.advance(MS / 2);
    ok(&b, &clock);
    assert_eq!(window(&b, &clock).calls, 3);
    clock.advance(MS / 4);
    fail(&b, &clock);
    assert_eq!(state(&b), Open, "4 calls in the last ms, 2 failed");
}

#[test]
fn time_window_forgets_calls_older_than_the_span() {
    let clock = ManualClock::new(0);
    let b = breaker(time_config());
    fail(&b, &clock);
    fail(&b, &clock);
    fail(&b, &clock);
    assert_eq!(state(&b), Closed, "below the volume");
    clock.set(MS - 1);
    assert_eq!(
        window(&b, &clock).calls,
        3,
        "bucket 0 is still one of the last 10"
    );
    clock.set(MS);
    assert_eq!(window(&b, &clock), Totals::default(), "bucket 0 has left");
    ok(&b, &clock);
    assert_eq!(state(&b), Closed, "1 call: the 3 failures are gone");
    assert_eq!(window(&b, &clock).calls, 1);
}

#[test]
fn a_rate_above_the_threshold_drops_below_it_as_failures_age_out() {
    let clock = ManualClock::new(0);
    let b = breaker(BreakerConfig {
        volume_threshold: 6,
        ..time_config()
    });
    // t = 0: three failures; t = 0.5 ms: two successes. 3/5 failed, below the volume.
    fail(&b, &clock);
    fail(&b, &clock);
    fail(&b, &clock);
    clock.set(MS / 2);
    ok(&b, &clock);
    ok(&b, &clock);
    clock.set(MS - 1);
    assert_eq!(window(&b, &clock).failure_rate(), 0.6);
    // A sixth call now, even a success, would make 3/6 = 0.5 and open. But at t = 1 ms the
    // failures' bucket has left: only the two successes remain and the rate is 0.
    clock.set(MS);
    let w = window(&b, &clock);
    assert_eq!((w.calls, w.failures), (2, 0));
    for _ in 0..4 {
        ok(&b, &clock);
    }
    assert_eq!(window(&b, &clock).calls, 6, "the volume is reached");
    assert_eq!(state(&b), Closed);
    fail(&b, &clock);
    assert_eq!(state(&b), Closed, "1/7 < 0.5");
}

/// The time window tags each bucket with only the low 22 bits of its index, so a bucket left
/// untouched for exactly 2^22 bucket lengths (here: 1 ms buckets, ~70 minutes) is read as current
/// again: ancient failures come back and open the breaker.
#[test]
fn a_time_window_idle_for_2_pow_22_buckets_does_not_resurrect_old_calls() {
    let clock = ManualClock::new(0);
    let b = breaker(BreakerConfig {
        volume_threshold: 2,
        window: WindowKind::Time {
            span_nanos: MS,
            buckets: 1,
        },
        ..time_config()
    });
    fail(&b, &clock);
    assert_eq!(state(&b), Closed, "1 call < volume 2");
    clock.set((1 << 22) * MS);
    ok(&b, &clock);
    assert_eq!(
        state(&b),
        Closed,
        "70 minutes later the window should hold 1 success; it counts the old failure too"
    );
}

// ---------------------------------------------------------------- OPEN

#[test]
fn open_rejects_with_the_remaining_reset_time() {
    let clock = ManualClock::new(5_000);
    let b = breaker(base());
    trip(&b, &clock);
    assert_eq!(b.snapshot(&clock).last_state_change_nanos, 5_000);
    assert_eq!(
        b.admit(&clock),
        Admission::Rejected {
            retry_after_nanos: Some(RESET)
        }
    );
    clock.advance(300);
    assert_eq!(
        b.admit(&clock),
        Admission::Rejected {
            retry_after_nanos: Some(RESET - 300)
        }
    );
    assert_eq!(b.retry_after(&clock), Some(RESET - 300));
    let s = b.snapshot(&clock);
    assert_eq!(s.rejections, 2);
    assert_eq!(s.state, Open);
}

#[test]
fn open_becomes_half_open_at_admit_exactly_when_the_reset_timeout_has_passed() {
    let clock = ManualClock::new(7);
    let b = breaker(base());
    trip(&b, &clock);
    let open_gate = b.gate();
    clock.advance(RESET - 1);
    assert_eq!(
        b.admit(&clock),
        Admission::Rejected {
            retry_after_nanos: Some(1)
        },
        "one nanosecond early"
    );
    assert_eq!(b.gate(), open_gate);
    clock.advance(1);
    // Lazy: nothing moves until someone asks.
    assert_eq!(b.gate(), open_gate);
    assert_eq!(b.snapshot(&clock).state, Open);
    assert_eq!(b.retry_after(&clock), Some(0));
    let ticket = admit(&b, &clock);
    assert_eq!(gate::state_of(ticket), HalfOpen);
    assert_eq!(ticket, b.gate());
    assert_eq!(gate::epoch_of(ticket), gate::epoch_of(open_gate) + 1);
    assert_eq!(b.snapshot(&clock).last_state_change_nanos, 7 + RESET);
}

#[test]
fn observe_moves_open_to_half_open_too_and_not_a_nanosecond_early() {
    let clock = ManualClock::new(0);
    let b = breaker(base());
    trip(&b, &clock);
    clock.advance(RESET - 1);
    assert_eq!(gate::state_of(b.observe(&clock)), Open);
    clock.advance(1);
    let g = b.observe(&clock);
    assert_eq!(gate::state_of(g), HalfOpen);
    assert_eq!(g, b.gate());
    assert_eq!(b.snapshot(&clock).rejections, 0, "observe never rejects");
    // A later observe does not move it again.
    clock.advance(10 * RESET);
    assert_eq!(b.observe(&clock), g);
}

#[test]
fn a_zero_reset_timeout_half_opens_at_the_next_admit() {
    let clock = ManualClock::new(0);
    let b = breaker(BreakerConfig {
        reset_timeout_nanos: 0,
        ..base()
    });
    trip(&b, &clock);
    assert_eq!(gate::state_of(admit(&b, &clock)), HalfOpen);
}

// ---------------------------------------------------------------- HALF_OPEN

/// A breaker of `config`, opened and then half-opened by `observe`.
fn half_open(config: BreakerConfig, clock: &ManualClock) -> Breaker {
    let b = breaker(config);
    trip(&b, clock);
    clock.advance(RESET);
    assert_eq!(gate::state_of(b.observe(clock)), HalfOpen);
    b
}

#[test]
fn half_open_admits_at_most_max_calls_probes_at_once() {
    let clock = ManualClock::new(0);
    let b = half_open(
        BreakerConfig {
            half_open_max_calls: 3,
            success_threshold: 10,
            ..base()
        },
        &clock,
    );
    let probes: Vec<u32> = (0..3).map(|_| admit(&b, &clock)).collect();
    for _ in 0..5 {
        assert_eq!(
            b.admit(&clock),
            Admission::Rejected {
                retry_after_nanos: Some(0)
            }
        );
    }
    assert_eq!(b.snapshot(&clock).rejections, 5);
    // A finished probe frees its place for exactly one more.
    b.record(probes[0], Outcome::Success, None, &clock);
    assert_eq!(state(&b), HalfOpen);
    admit(&b, &clock);
    assert!(matches!(b.admit(&clock), Admission::Rejected { .. }));
}

#[test]
fn success_threshold_successful_probes_close_and_fewer_do_not() {
    let clock = ManualClock::new(0);
    let b = half_open(
        BreakerConfig {
            success_threshold: 3,
            ..base()
        },
        &clock,
    );
    // One probe at a time (half_open_max_calls = 1).
    ok(&b, &clock);
    ok(&b, &clock);
    assert_eq!(state(&b), HalfOpen);
    let g = ok(&b, &clock);
    assert_eq!(gate::state_of(g), Closed);
    let s = b.snapshot(&clock);
    assert_eq!(
        s.window,
        Totals::default(),
        "probes are not kept in the window"
    );
    assert_eq!(s.consecutive_failures, 0);
}

#[test]
fn concurrent_probes_close_on_the_success_threshold_th_success() {
    let clock = ManualClock::new(0);
    let b = half_open(
        BreakerConfig {
            success_threshold: 2,
            half_open_max_calls: 3,
            ..base()
        },
        &clock,
    );
    let probes: Vec<u32> = (0..3).map(|_| admit(&b, &clock)).collect();
    b.record(probes[0], Outcome::Success, None, &clock);
    assert_eq!(state(&b), HalfOpen);
    b.record(probes[1], Outcome::Success, None, &clock);
    assert_eq!(state(&b), Closed);
    // The third probe's ticket is now stale: a failure does not reopen.
    b.record(probes[2], Outcome::Failure, None, &clock);
    assert_eq!(state(&b), Closed);
    assert_eq!(b.snapshot(&clock).consecutive_failures, 0);
}

#[test]
fn any_failed_probe_reopens_and_restarts_the_reset_timer() {
    for bad in [Outcome::Failure, Outcome::Timeout] {
        let clock = ManualClock::new(0);
        let b = half_open(
            BreakerConfig {
                success_threshold: 3,
                half_open_max_calls: 2,
                ..base()
            },
            &clock,
        );
        ok(&b, &clock);
        ok(&b, &clock);
        clock.advance(500);
        let failed_at = clock.now_nanos();
        let g = call(&b, &clock, bad, None);
        assert_eq!(gate::state_of(g), Open, "{bad:?}");
        assert_eq!(b.snapshot(&clock).last_state_change_nanos, failed_at);
        assert_eq!(
            b.admit(&clock),
            Admission::Rejected {
                retry_after_nanos: Some(RESET)
            },
            "the timer starts at the failed probe"
        );
        clock.advance(RESET - 1);
        assert_eq!(gate::state_of(b.observe(&clock)), Open);
        clock.advance(1);
        assert_eq!(gate::state_of(b.observe(&clock)), HalfOpen);
        // The new half-open period starts from zero successes.
        ok(&b, &clock);
        ok(&b, &clock);
        assert_eq!(state(&b), HalfOpen, "{bad:?}");
        ok(&b, &clock);
        assert_eq!(state(&b), Closed, "{bad:?}");
    }
}

#[test]
fn a_slow_probe_reopens_only_when_a_slow_call_rate_threshold_is_set() {
    let clock = ManualClock::new(0);
    let with_rule = half_open(
        BreakerConfig {
            slow_call_duration_nanos: Some(100),
            slow_call_rate_threshold: Some(0.9),
            ..base()
        },
        &clock,
    );
    call(&with_rule, &clock, Outcome::Success, Some(100));
    assert_eq!(
        state(&with_rule),
        Closed,
        "duration == threshold is not slow"
    );

    let with_rule = half_open(
        BreakerConfig {
            slow_call_duration_nanos: Some(100),
            slow_call_rate_threshold: Some(0.9),
            ..base()
        },
        &clock,
    );
    call(&with_rule, &clock, Outcome::Success, Some(101));
    assert_eq!(state(&with_rule), Open);

    let without_rule = half_open(
        BreakerConfig {
            slow_call_duration_nanos: Some(100),
            ..base()
        },
        &clock,
    );
    call(&without_rule, &clock, Outcome::Success, Some(101));
    assert_eq!(state(&without_rule), Closed);
    assert_eq!(without_rule.snapshot(&clock).slow_calls, 1);
}

// ---------------------------------------------------------------- stale tickets

#[test]
fn a_ticket_from_before_opening_only_counts_in_the_totals() {
    let clock = ManualClock::new(0);
    let b = breaker(base());
    let stale = admit(&b, &clock);
    trip(&b, &clock);
    let open_gate = b.gate();
    assert_eq!(
        b.record(stale, Outcome::Failure, Some(1), &clock),
        open_gate
    );
    let s = b.snapshot(&clock);
    assert_eq!(s.state, Open);
    assert_eq!(s.failures, 4, "lifetime counters include the stale result");
    assert_eq!(s.window, Totals::default());
    assert_eq!(s.transitions[tx(Closed, Open)], 1);
    assert_eq!(b.transitions_since(open_gate), vec![]);
}

#[test]
fn a_closed_ticket_neither_closes_nor_reopens_a_half_open_breaker() {
    let clock = ManualClock::new(0);
    let b = breaker(base());
    let early_success = admit(&b, &clock);
    let early_failure = admit(&b, &clock);
    trip(&b, &clock);
    clock.advance(RESET);
    let probe = admit(&b, &clock);
    assert_eq!(gate::state_of(probe), HalfOpen);
    b.record(early_success, Outcome::Success, None, &clock);
    assert_eq!(state(&b), HalfOpen, "a stale success does not close");
    b.record(early_failure, Outcome::Failure, None, &clock);
    assert_eq!(state(&b), HalfOpen, "a stale failure does not reopen");
    assert!(
        matches!(b.admit(&clock), Admission::Rejected { .. }),
        "a stale record does not free the probe's place"
    );
    b.record(probe, Outcome::Success, None, &clock);
    assert_eq!(state(&b), Closed);
}

#[test]
fn a_probe_from_an_earlier_half_open_period_is_ignored() {
    let clock = ManualClock::new(0);
    let b = half_open(
        BreakerConfig {
            half_open_max_calls: 2,
            ..base()
        },
        &clock,
    );
    let old_probe = admit(&b, &clock);
    fail(&b, &clock); // the other probe fails: OPEN again
    clock.advance(RESET);
    let new_probe = admit(&b, &clock);
    assert_eq!(gate::state_of(new_probe), HalfOpen);
    assert_ne!(new_probe, old_probe);
    b.record(old_probe, Outcome::Success, None, &clock);
    assert_eq!(
        b.gate(),
        new_probe,
        "the old probe's success does not close"
    );
    b.record(old_probe, Outcome::Failure, None, &clock);
    assert_eq!(b.gate(), new_probe, "nor does its failure reopen");
    // The new period still has exactly one place left.
    admit(&b, &clock);
    assert!(matches!(b.admit(&clock), Admission::Rejected { .. }));
}

#[test]
fn a_ticket_from_an_earlier_closed_period_does_not_join_the_new_failure_run() {
    let clock = ManualClock::new(0);
    let b = breaker(BreakerConfig {
        failure_threshold: 2,
        ..base()
    });
    let stale: Vec<u32> = (0..5).map(|_| admit(&b, &clock)).collect();
    trip(&b, &clock);
    clock.advance(RESET);
    ok(&b, &clock);
    assert_eq!(state(&b), Closed);
    for ticket in stale {
        b.record(ticket, Outcome::Failure, None, &clock);
    }
    let s = b.snapshot(&clock);
    assert_eq!(s.state, Closed);
    assert_eq!(s.consecutive_failures, 0);
    assert_eq!(s.window, Totals::default());
    fail(&b, &clock);
    assert_eq!(state(&b), Closed, "one fresh failure of 2");
}

// ---------------------------------------------------------------- force_open / reset

#[test]
fn force_open_rejects_without_a_retry_time_until_reset() {
    for prepare in [Closed, Open, HalfOpen] {
        let clock = ManualClock::new(0);
        let b = breaker(base());
        if prepare != Closed {
            trip(&b, &clock);
        }
        if prepare == HalfOpen {
            clock.advance(RESET);
            b.observe(&clock);
        }
        assert_eq!(state(&b), prepare);
        let g = b.force_open(&clock);
        assert_eq!(gate::state_of(g), ForcedOpen);
        assert_eq!(ForcedOpen.name(), "OPEN");
        assert_eq!(b.force_open(&clock), g, "forcing again changes nothing");
        for _ in 0..3 {
            clock.advance(100 * RESET);
            assert_eq!(
                b.admit(&clock),
                Admission::Rejected {
                    retry_after_nanos: None
                }
            );
            assert_eq!(b.retry_after(&clock), None);
            assert_eq!(b.observe(&clock), g, "no reset timeout applies");
        }
        let s = b.snapshot(&clock);
        assert_eq!(s.rejections, 3);
        assert_eq!(s.transitions[tx(prepare, ForcedOpen)], 1);
        let closed = b.reset(&clock);
        assert_eq!(gate::state_of(closed), Closed);
        assert_eq!(b.snapshot(&clock).transitions[tx(ForcedOpen, Closed)], 1);
        ok(&b, &clock);
    }
}

#[test]
fn reset_from_any_state_closes_and_clears_the_window_and_the_failure_run() {
    for from in [Closed, Open, HalfOpen, ForcedOpen] {
        let clock = ManualClock::new(0);
        let b = breaker(BreakerConfig {
            failure_rate_threshold: Some(1.0),
            volume_threshold: 5,
            ..base()
        });
        ok(&b, &clock);
        fail(&b, &clock);
        fail(&b, &clock);
        let before = b.gate();
        match from {
            Closed => {}
            Open => trip(&b, &clock),
            HalfOpen => {
                trip(&b, &clock);
                clock.advance(RESET);
                b.observe(&clock);
            }
            ForcedOpen => {
                b.force_open(&clock);
            }
        }
        assert_eq!(state(&b), from);
        let g = b.reset(&clock);
        assert_eq!(gate::state_of(g), Closed, "from {from:?}");
        let s = b.snapshot(&clock);
        assert_eq!(s.window, Totals::default(), "from {from:?}");
        assert_eq!(s.consecutive_failures, 0, "from {from:?}");
        if from == Closed {
            assert_eq!(g, before, "resetting a closed breaker is not a transition");
        } else {
            assert_eq!(s.transitions[tx(from, Closed)], 1, "from {from:?}");
        }
        // The run really restarted: two more failures do not reach 3.
        fail(&b, &clock);
        fail(&b, &clock);
        assert_eq!(state(&b), Closed, "from {from:?}");
        // Lifetime counters are kept.
        assert_eq!(s.successes, 1);
    }
}

// ---------------------------------------------------------------- log and counters

#[test]
fn the_transition_log_reports_each_transition_in_order() {
    let clock = ManualClock::new(0);
    let b = breaker(base());
    let start = b.gate();
    trip(&b, &clock); // Closed -> Open
    clock.advance(RESET);
    fail(&b, &clock); // Open -> HalfOpen (admit), HalfOpen -> Open (failed probe)
    let middle = b.gate();
    clock.advance(RESET);
    ok(&b, &clock); // Open -> HalfOpen, HalfOpen -> Closed
    b.force_open(&clock); // Closed -> ForcedOpen
    b.reset(&clock); // ForcedOpen -> Closed
    let log = b.transitions_since(start);
    let steps: Vec<_> = log.iter().map(|t| (t.from, t.to)).collect();
    assert_eq!(
        steps,
        vec![
            (Closed, Open),
            (Open, HalfOpen),
            (HalfOpen, Open),
            (Open, HalfOpen),
            (HalfOpen, Closed),
            (Closed, ForcedOpen),
            (ForcedOpen, Closed),
        ]
    );
    for (i, t) in log.iter().enumerate() {
        assert_eq!(gate::epoch_of(t.gate), i as u32 + 1);
        assert_eq!(gate::state_of(t.gate), t.to);
    }
    assert_eq!(log.last().unwrap().gate, b.gate());
    assert_eq!(b.transitions_since(middle), log[3..].to_vec());
    assert!(b.transitions_since(b.gate()).is_empty());
}

#[test]
fn the_snapshot_counts_calls_and_transitions() {
    let clock = ManualClock::new(0);
    let b = breaker(BreakerConfig {
        slow_call_duration_nanos: Some(10),
        ..base()
    });
    ok(&b, &clock);
    call(&b, &clock, Outcome::Success, Some(11)); // slow success
    fail(&b, &clock);
    call(&b, &clock, Outcome::Timeout, Some(50)); // slow timeout
    call(&b, &clock, Outcome::Failure, Some(10)); // opens (3 in a row)
    for _ in 0..4 {
        assert!(matches!(b.admit(&clock), Admission::Rejected { .. }));
    }
    clock.advance(RESET);
    fail(&b, &clock); // probe fails
    clock.advance(RESET);
    ok(&b, &clock); // probe closes
    clock.advance(3);
    b.force_open(&clock);
    assert!(matches!(b.admit(&clock), Admission::Rejected { .. }));
    b.reset(&clock);

    let s = b.snapshot(&clock);
    assert_eq!(s.state, Closed);
    assert_eq!(s.gate, b.gate());
    assert_eq!(s.successes, 3);
    assert_eq!(s.failures, 4);
    assert_eq!(s.timeouts, 1);
    assert_eq!(s.rejections, 5);
    assert_eq!(s.slow_calls, 2);
    assert_eq!(s.last_state_change_nanos, 2 * RESET + 3);
    assert_eq!(s.probe_contention, 0, "one thread never contends");
    let mut expected = [0u64; 16];
    expected[tx(Closed, Open)] = 1;
    expected[tx(Open, HalfOpen)] = 2;
    expected[tx(HalfOpen, Open)] = 1;
    expected[tx(HalfOpen, Closed)] = 1;
    expected[tx(Closed, ForcedOpen)] = 1;
    expected[tx(ForcedOpen, Closed)] = 1;
    assert_eq!(s.transitions, expected);
    assert_eq!(
        s.transitions.iter().sum::<u64>(),
        u64::from(gate::epoch_of(s.gate))
    );
    assert_eq!(tx(Closed, Open), 1);
    assert_eq!(tx(HalfOpen, Open), 9);
    assert_eq!(tx(ForcedOpen, Closed), 12);
}
