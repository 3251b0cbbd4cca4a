//! What each kind of object reports to the metrics registry, and how readings add up.

use super::breaker::Breaker;
use super::bulkhead::BulkheadCells;
use super::clock::Clock;
use super::gate::CircuitState;
use super::histogram::HistogramSnapshot;
use super::metrics::{Source, Totals};
use super::policy_counters::PolicyCounters;

/// The three states metrics know, in label order: `closed`, `open` (forced open included),
/// `half_open`; the index is the `circuit_breaker_state` gauge value.
pub const STATE_LABELS: [&str; 3] = ["closed", "open", "half_open"];

/// The metrics state (index into [`STATE_LABELS`]) of an engine state.
pub fn state_index(state: CircuitState) -> usize {
    match state {
        CircuitState::Closed => 0,
        CircuitState::Open | CircuitState::ForcedOpen => 1,
        CircuitState::HalfOpen => 2,
    }
}

/// How unhealthy a state index is: closed < half-open < open.
fn severity(state: u8) -> u8 {
    match state {
        0 => 0,
        2 => 1,
        _ => 2,
    }
}

/// A breaker's counters as metrics report them.
#[derive(Debug, Default, Clone, PartialEq)]
pub struct BreakerTotals {
    /// Calls that succeeded (or failed in a way `isFailure` says is not a failure).
    pub successes: u64,
    /// Calls that failed, timeouts **excluded** (so the four results partition the calls).
    pub failures: u64,
    /// Calls that ran past the breaker's timeout.
    pub timeouts: u64,
    /// Calls rejected without running.
    pub rejections: u64,
    /// State changes by `from * 3 + to` (indices of [`STATE_LABELS`]); a change between two
    /// engine states that read the same here (OPEN → FORCED_OPEN) is not counted.
    pub changes: [u64; 9],
    /// Call durations observed while metrics were enabled.
    pub durations: HistogramSnapshot,
    /// Gauge: index into [`STATE_LABELS`]; over several live breakers, the least healthy.
    pub state: u8,
}

impl BreakerTotals {
    /// Reads `breaker`. Its state is read as the `state` getter would see it (an OPEN breaker
    /// whose reset timeout has passed reads half-open) but the breaker is not moved.
    pub fn of(breaker: &Breaker, clock: &impl Clock) -> Self {
        let s = breaker.snapshot(clock);
        let mut state = state_index(s.state);
        if s.state == CircuitState::Open && breaker.retry_after(clock) == Some(0) {
            state = state_index(CircuitState::HalfOpen);
        }
        let mut changes = [0u64; 9];
        for (i, &n) in s.transitions.iter().enumerate() {
            let from = state_index(CircuitState::from_code(i as u32 / 4));
            let to = state_index(CircuitState::from_code(i as u32 % 4));
            if from != to {
                changes[from * 3 + to] += n;
            }
        }
        Self {
            successes: s.successes,
            failures: s.failures.saturating_sub(s.timeouts),
            timeouts: s.timeouts,
            rejections: s.rejections,
            changes,
            durations: breaker.durations(),
            state: state as u8,
        }
    }

    fn add_counters(&mut self, other: &Self) {
        self.successes = self.successes.wrapping_add(other.successes);
        self.failures = self.failures.wrapping_add(other.failures);
        self.timeouts = self.timeouts.wrapping_add(other.timeouts);
        self.rejections = self.rejections.wrapping_add(other.rejections);
        for (mine, theirs) in self.changes.iter_mut().zip(other.changes) {
            *mine = mine.wrapping_add(theirs);
        }
        self.durations.add(&other.durations);
    }
}

impl Totals for BreakerTotals {
    fn add_live(&mut self, other: &Self) {
        self.add_counters(other);
        if severity(other.state) > severity(self.state) {
            self.state = other.state;
        }
    }

    fn add_retired(&mut self, other: &Self) {
        self.add_counters(other);
    }
}

/// A bulkhead's gauges and counters as metrics report them.
#[derive(Debug, Default, Clone, Copy, PartialEq, Eq)]
pub struct BulkheadTotals {
    /// Gauge: executions running.
    pub active: u64,
    /// Gauge: calls waiting in the queue.
    pub queued: u64,
    /// Executions that ran to the end (resolved or rejected).
    pub completed: u64,
    /// Calls refused because the queue was full, queue timeouts **excluded**.
    pub rejected: u64,
    /// Calls that waited past the queue timeout.
    pub timed_out: u64,
}

impl Totals for BulkheadTotals {
    fn add_live(&mut self, other: &Self) {
        self.add_retired(other);
        self.active += other.active;
        self.queued += other.queued;
    }

    fn add_retired(&mut self, other: &Self) {
        self.completed = self.completed.wrapping_add(other.completed);
        self.rejected = self.rejected.wrapping_add(other.rejected);
        self.timed_out = self.timed_out.wrapping_add(other.timed_out);
    }
}

impl Source<BulkheadTotals> for BulkheadCells {
    fn read(&self) -> BulkheadTotals {
        let s = self.snapshot();
        BulkheadTotals {
            active: u64::from(s.active),
            queued: u64::from(s.queued),
            completed: s.completed,
            rejected: s.rejected.saturating_sub(s.timed_out),
            timed_out: s.timed_out,
        }
    }
}

/// A retry or timeout policy's counters (meaning in [`super::policy_counters`]).
#[derive(Debug, Default, Clone, Copy, PartialEq, Eq)]
pub struct PolicyTotals {
    /// The three counters.
    pub counts: [u64; 3],
}

impl Totals for PolicyTotals {
    fn add_live(&mut self, other: &Self) {
        self.add_retired(other);
    }

    fn add_retired(&mut self, other: &Self) {
        for (mine, theirs) in self.counts.iter_mut().zip(other.counts) {
            *mine = mine.wrapping_add(theirs);
        }
    }
}

impl Source<PolicyTotals> for PolicyCounters {
    fn read(&self) -> PolicyTotals {
        PolicyTotals {
            counts: PolicyCounters::read(self),
        }
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::engine::{BreakerConfig, ManualClock, Outcome, WindowKind};

    #[test]
    fn breaker_totals_partition_calls_and_fold_forced_open_into_open() {
        let clock = ManualClock::new(0);
        let b = Breaker::new(BreakerConfig {
            failure_threshold: 2,
            volume_threshold: 0,
            reset_timeout_nanos: 1_000,
            window: WindowKind::Count { size: 10 },
            ..BreakerConfig::default()
        });
        let t = |b: &Breaker| match b.admit(&clock) {
            crate::engine::Admission::Admitted { ticket } => ticket,
            other => panic!("{other:?}"),
        };
        let ticket = t(&b);
        b.record(ticket, Outcome::Success, None, &clock);
        b.record(ticket, Outcome::Timeout, None, &clock);
        b.record(ticket, Outcome::Failure, None, &clock); // opens
        assert!(matches!(
            b.admit(&clock),
            crate::engine::Admission::Rejected { .. }
        ));
        let r = BreakerTotals::of(&b, &clock);
        assert_eq!(
            (r.successes, r.failures, r.timeouts, r.rejections),
            (1, 1, 1, 1)
        );
        assert_eq!(r.state, 1);
        assert_eq!(r.changes[1], 1, "closed -> open");
        clock.advance(1_000);
        assert_eq!(
            BreakerTotals::of(&b, &clock).state,
            2,
            "due OPEN reads half-open"
        );
        b.force_open(&clock); // OPEN -> FORCED_OPEN: not a change between metrics states
        let r = BreakerTotals::of(&b, &clock);
        assert_eq!((r.state, r.changes.iter().sum::<u64>()), (1, 1));
        b.reset(&clock); // FORCED_OPEN -> CLOSED counts as open -> closed
        assert_eq!(BreakerTotals::of(&b, &clock).changes[3], 1);
    }

    #[test]
    fn state_gauge_reports_the_least_healthy() {
        let mut total = BreakerTotals::default();
        for state in [0u8, 2, 0] {
            total.add_live(&BreakerTotals {
                state,
                ..BreakerTotals::default()
            });
        }
        assert_eq!(total.state, 2);
        total.add_live(&BreakerTotals {
            state: 1,
            ..BreakerTotals::default()
        });
        assert_eq!(total.state, 1);
    }
}
