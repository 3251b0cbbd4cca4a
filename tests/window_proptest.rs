//! Property tests of the rolling windows against naive models, and of the failure-rate rule.
//!
//! Proves: a count window of any size 1..200 fed any sequence of samples reports exactly the
//! calls, failures and slow calls of the last `size` samples and their failure rate (and its
//! `record` returns `None` only when no rate can have risen); a time window driven by any
//! non-decreasing timestamps reports exactly the samples whose bucket (`now / ceil(span / buckets)`)
//! is one of the last `buckets` bucket indices; and a breaker with only a rate rule opens exactly
//! at the first record where the naive window holds `volume_threshold` calls at or above the rate
//! (and the same for the slow-call rate).
//!
//! A regression test pins a fixed engine bug: a time window idle for 2^22 bucket lengths
//! counted its old calls again (the bucket tag keeps only 22 bits of the bucket index).

use bulwark::engine::gate;
use bulwark::engine::window::{Sample, Totals, Window};
use bulwark::engine::{
    Admission, Breaker, BreakerConfig, CircuitState, ManualClock, Outcome, WindowKind,
};
use proptest::prelude::*;
use std::collections::VecDeque;

fn sample((failure, slow): (bool, bool)) -> Sample {
    Sample { failure, slow }
}

/// Totals of a list of samples, counted one by one.
fn recount<'a>(samples: impl IntoIterator<Item = &'a Sample>) -> Totals {
    let mut t = Totals::default();
    for s in samples {
        t.calls += 1;
        t.failures += u32::from(s.failure);
        t.slow += u32::from(s.slow);
    }
    t
}

fn naive_rate(part: u32, whole: u32) -> f64 {
    if whole == 0 {
        0.0
    } else {
        f64::from(part) / f64::from(whole)
    }
}

proptest! {
    #![proptest_config(ProptestConfig::with_cases(512))]

    #[test]
    fn count_window_equals_a_recount_of_the_last_size_samples(
        size in 1u32..200,
        samples in prop::collection::vec((any::<bool>(), any::<bool>()), 0..600),
    ) {
        let window = Window::new(&WindowKind::Count { size });
        let mut last: VecDeque<Sample> = VecDeque::new();
        let mut before = Totals::default();
        for s in samples.into_iter().map(sample) {
            let reported = window.record(s, || unreachable!("a count window never reads the time"));
            last.push_back(s);
            if last.len() > size as usize {
                last.pop_front();
            }
            let expected = recount(&last);
            let totals = window.totals(|| 0);
            prop_assert_eq!(totals, expected);
            prop_assert_eq!(totals.failure_rate(), naive_rate(expected.failures, expected.calls));
            prop_assert_eq!(totals.slow_rate(), naive_rate(expected.slow, expected.calls));
            match reported {
                Some(t) => prop_assert_eq!(t, expected),
                None => {
                    // Only when no threshold can have been crossed: same volume, no rate up.
                    prop_assert_eq!(expected.calls, before.calls);
                    prop_assert!(expected.failures <= before.failures);
                    prop_assert!(expected.slow <= before.slow);
                }
            }
            before = expected;
        }
        window.clear();
        prop_assert_eq!(window.totals(|| 0), Totals::default());
    }

    #[test]
    fn time_window_equals_a_naive_bucket_model(
        span_nanos in 1_000_000u64..=50_000_000,
        buckets in prop_oneof![1u32..=16, 1u32..=1_000],
        start in 0u64..1_000_000_000_000,
        // Each step: how far time moves (in thousandths of the span), the sample, and how far
        // past the record's time to also read the totals (same unit).
        steps in prop::collection::vec(
            (
                prop_oneof![3 => Just(0u64), 4 => 0u64..100, 2 => 0u64..1_500, 1 => 0u64..5_000],
                (any::<bool>(), any::<bool>()),
                0u64..2_000,
            ),
            0..300,
        ),
    ) {
        // At most 300 samples: no bucket gets near the 16383 calls at which it would halve.
        // At most 300 × 5 spans of movement: far from the 2^22 bucket indices where tags alias.
        let window = Window::new(&WindowKind::Time { span_nanos, buckets });
        let bucket_nanos = span_nanos.div_ceil(u64::from(buckets)).max(1);
        let index = |t: u64| t / bucket_nanos;
        // Counted at `now`: the bucket index is one of the last `buckets` indices.
        let in_window = |ts: u64, now: u64| index(now) - index(ts) < u64::from(buckets);
        let naive = |log: &[(u64, Sample)], now: u64| {
            recount(log.iter().filter(|(ts, _)| in_window(*ts, now)).map(|(_, s)| s))
        };
        let mut log: Vec<(u64, Sample)> = Vec::new();
        let mut now = start;
        for (dt, s, look_ahead) in steps {
            now += dt * span_nanos / 1_000;
            let s = sample(s);
            let reported = window.record(s, || now);
            log.push((now, s));
            let expected = naive(&log, now);
            prop_assert_eq!(reported, Some(expected), "record at {}", now);
            let totals = window.totals(|| now);
            prop_assert_eq!(totals, expected);
            prop_assert_eq!(totals.failure_rate(), naive_rate(expected.failures, expected.calls));
            let later = now + look_ahead * span_nanos / 1_000;
            prop_assert_eq!(window.totals(|| later), naive(&log, later), "read at {}", later);
        }
    }

    #[test]
    fn a_breaker_opens_at_the_first_record_that_crosses_the_failure_rate(
        size in 1u32..60,
        volume_wanted in 0u32..80,
        threshold in prop_oneof![
            (1u32..=20).prop_map(|k| f64::from(k) / 20.0),
            (0.001f64..=1.0),
        ],
        outcomes in prop::collection::vec((0u8..3, 0u64..300), 0..400),
    ) {
        let volume = volume_wanted.min(size);
        let config = BreakerConfig {
            failure_threshold: 0,
            failure_rate_threshold: Some(threshold),
            // Slow calls are counted but no slow-call rule is set: they must not matter.
            slow_call_duration_nanos: Some(100),
            volume_threshold: volume,
            window: WindowKind::Count { size },
            ..BreakerConfig::default()
        };
        prop_assert_eq!(config.validate(), Ok(()));
        let clock = ManualClock::new(0);
        let breaker = Breaker::new(config);
        let mut last: VecDeque<bool> = VecDeque::new();
        for (i, (kind, duration)) in outcomes.into_iter().enumerate() {
            let outcome = [Outcome::Success, Outcome::Failure, Outcome::Timeout][kind as usize];
            let ticket = match breaker.admit(&clock) {
                Admission::Admitted { ticket } => ticket,
                rejected => return Err(TestCaseError::fail(format!("call {i}: {rejected:?}"))),
            };
            let gate = breaker.record(ticket, outcome, Some(duration), &clock);
            last.push_back(outcome != Outcome::Success);
            if last.len() > size as usize {
                last.pop_front();
            }
            let calls = last.len() as u32;
            let failures = last.iter().filter(|&&f| f).count() as u32;
            let crossed = calls >= volume && naive_rate(failures, calls) >= threshold;
            let state = gate::state_of(gate);
            if crossed {
                prop_assert_eq!(state, CircuitState::Open, "call {}: {}/{}", i, failures, calls);
                return Ok(());
            }
            prop_assert_eq!(state, CircuitState::Closed, "call {}: {}/{}", i, failures, calls);
        }
    }

    #[test]
    fn a_breaker_opens_at_the_first_record_that_crosses_the_slow_call_rate(
        size in 1u32..60,
        volume_wanted in 0u32..80,
        threshold in (1u32..=20).prop_map(|k| f64::from(k) / 20.0),
        outcomes in prop::collection::vec((any::<bool>(), 0u64..300), 0..400),
    ) {
        let volume = volume_wanted.min(size);
        let config = BreakerConfig {
            failure_threshold: 0,
            slow_call_rate_threshold: Some(threshold),
            slow_call_duration_nanos: Some(100),
            volume_threshold: volume,
            window: WindowKind::Count { size },
            ..BreakerConfig::default()
        };
        let clock = ManualClock::new(0);
        let breaker = Breaker::new(config);
        let mut last: VecDeque<bool> = VecDeque::new();
        for (i, (failed, duration)) in outcomes.into_iter().enumerate() {
            let outcome = if failed { Outcome::Failure } else { Outcome::Success };
            let ticket = match breaker.admit(&clock) {
                Admission::Admitted { ticket } => ticket,
                rejected => return Err(TestCaseError::fail(format!("call {i}: {rejected:?}"))),
            };
            let gate = breaker.record(ticket, outcome, Some(duration), &clock);
            last.push_back(duration > 100);
            if last.len() > size as usize {
                last.pop_front();
            }
            let calls = last.len() as u32;
            let slow = last.iter().filter(|&&s| s).count() as u32;
            let crossed = calls >= volume && naive_rate(slow, calls) >= threshold;
            let expected = if crossed { CircuitState::Open } else { CircuitState::Closed };
            prop_assert_eq!(gate::state_of(gate), expected, "call {}: {}/{}", i, slow, calls);
            if crossed {
                return Ok(());
            }
        }
    }
}

/// The time window keeps only the low 22 bits of a bucket's index as its tag, so a bucket left
/// alone for a multiple of lcm(buckets, 2^22) bucket lengths reads as current again.
#[test]
fn time_window_does_not_resurrect_a_bucket_2_pow_22_buckets_later() {
    // 1 ms in 1 bucket: the stale bucket comes back after 2^22 ms (about 70 minutes).
    let one = Window::new(&WindowKind::Time {
        span_nanos: 1_000_000,
        buckets: 1,
    });
    one.record(sample((true, true)), || 0);
    assert_eq!(one.totals(|| 1_000_000).calls, 0);
    assert_eq!(one.totals(|| (1 << 22) * 1_000_000), Totals::default());

    // 1 ms in 512 buckets (1953 ns each): back after 2^22 buckets, about 8.2 seconds.
    let many = Window::new(&WindowKind::Time {
        span_nanos: 1_000_000,
        buckets: 512,
    });
    many.record(sample((true, false)), || 0);
    let later = (1 << 22) * (1_000_000 / 512);
    assert_eq!(many.totals(|| later), Totals::default(), "at {later} ns");
}
