//! The circuit breaker state machine.
//!
//! ```text
//!            failures reach a threshold               reset timeout passed (lazily, at admit/read)
//!  CLOSED ─────────────────────────────────► OPEN ───────────────────────────────► HALF_OPEN
//!    ▲                                        ▲                                          │
//!    │      successThreshold successful probes │        any failing (or slow) probe       │
//!    └─────────────────────────────────────────┼──────────────────────────────────────────┘
//!                                              └──────────────────────────────────────────┘
//!  force_open(): any ─► FORCED_OPEN (until reset());  reset(): any ─► CLOSED
//! ```
//!
//! Hot paths are lock-free: admitting in CLOSED is one load of the gate (the JS shim does it
//! without calling in); recording a success is a handful of relaxed atomics. Transitions are rare
//! and take a mutex, so each one is exact: it re-checks the gate it was decided from, and only
//! the first of several racing deciders performs it.

use super::breaker_config::BreakerConfig;
use super::clock::Clock;
use super::gate::{self, CircuitState};
use super::histogram::{Histogram, HistogramSnapshot};
use super::metrics;
use super::stripes::{Stripe, Stripes};
use super::transition_log::{Transition, TransitionLog};
use super::window::{Sample, Totals, Window};
use parking_lot::Mutex;
use std::sync::atomic::{AtomicU32, AtomicU64, Ordering};
use std::sync::Arc;

/// How a call ended.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum Outcome {
    /// It returned (or failed in a way `isFailure` says is not a failure).
    Success,
    /// It failed.
    Failure,
    /// It ran past its timeout (a failure, counted apart).
    Timeout,
}

/// Whether a call may run.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum Admission {
    /// Run it, and record its outcome with this ticket (the gate it was admitted under).
    Admitted {
        /// The gate value at admission.
        ticket: u32,
    },
    /// Do not run it.
    Rejected {
        /// Nanoseconds until probes are admitted; `None` while forced open.
        retry_after_nanos: Option<u64>,
    },
}

/// A consistent-enough copy of the breaker's counters (each counter is exact; they are read
/// one after another).
#[derive(Debug, Clone, PartialEq)]
pub struct BreakerSnapshot {
    /// The state.
    pub state: CircuitState,
    /// The gate (state and epoch).
    pub gate: u32,
    /// Calls that succeeded, since creation.
    pub successes: u64,
    /// Calls that failed (timeouts included), since creation.
    pub failures: u64,
    /// Of the failures, those that timed out.
    pub timeouts: u64,
    /// Calls rejected without running.
    pub rejections: u64,
    /// Calls slower than the slow-call threshold.
    pub slow_calls: u64,
    /// The rolling window now.
    pub window: Totals,
    /// Current run of consecutive failures (CLOSED only).
    pub consecutive_failures: u32,
    /// When the last transition happened (engine nanoseconds; 0 if never).
    pub last_state_change_nanos: u64,
    /// Transitions since creation, by `from * 4 + to` state code.
    pub transitions: [u64; 16],
    /// Times a half-open probe admission had to retry its CAS (contention seen).
    pub probe_contention: u64,
}

/// Keeps a value on its own cache line, so threads writing counters do not slow readers of the gate.
#[derive(Debug, Default)]
#[repr(align(64))]
struct CachePadded<T>(T);

#[derive(Debug, Default)]
struct Counters {
    successes: AtomicU64,
    failures: AtomicU64,
    timeouts: AtomicU64,
    rejections: AtomicU64,
    slow_calls: AtomicU64,
    probe_contention: AtomicU64,
}

/// Half-open accounting packed in one word: `[epoch:32][in_flight:16][successes:16]`.
///
/// The word belongs to the half-open period whose epoch it carries. A word from an *older* period
/// (or the initial one) reads as zeros for a newer period, so nothing needs resetting; a word from a
/// *newer* period is never touched by a thread still acting on an older one (its gate is stale),
/// so a late thread cannot erase the counts of the current period.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
enum ProbeWord {
    /// The word is this period's (or free to claim for it): in flight, successes.
    Current(u32, u32),
    /// The word belongs to a later half-open period: the caller is stale.
    Newer,
}

const NO_PERIOD: u32 = u32::MAX;

fn probes_unpack(word: u64, epoch: u32) -> ProbeWord {
    let owner = (word >> 32) as u32;
    if owner == epoch {
        ProbeWord::Current(((word >> 16) & 0xFFFF) as u32, (word & 0xFFFF) as u32)
    } else if owner != NO_PERIOD && gate::is_later_epoch(owner, epoch) {
        ProbeWord::Newer
    } else {
        ProbeWord::Current(0, 0)
    }
}

fn probes_pack(epoch: u32, in_flight: u32, successes: u32) -> u64 {
    (u64::from(epoch) << 32) | (u64::from(in_flight & 0xFFFF) << 16) | u64::from(successes & 0xFFFF)
}

/// A circuit breaker. Share it behind an `Arc`; every method takes `&self`.
#[derive(Debug)]
pub struct Breaker {
    gate: CachePadded<AtomicU32>,
    config: BreakerConfig,
    opened_at: AtomicU64,
    last_change: AtomicU64,
    consecutive: CachePadded<AtomicU32>,
    probes: AtomicU64,
    window: Window,
    counters: CachePadded<Counters>,
    /// Successes counted by threads in their own stripes (see [`Breaker::success_stripe`]);
    /// boxed: it is cold, and inline it would shift the hot fields' cache lines.
    success_stripes: Box<Stripes>,
    transitions: [AtomicU64; 16],
    durations: Histogram,
    log: TransitionLog,
    transition_lock: Mutex<()>,
}

impl Breaker {
    /// A CLOSED breaker. The config must have passed [`BreakerConfig::validate`].
    pub fn new(config: BreakerConfig) -> Self {
        Self {
            gate: CachePadded(AtomicU32::new(gate::pack(0, CircuitState::Closed))),
            window: Window::new(&config.window),
            config,
            opened_at: AtomicU64::new(0),
            last_change: AtomicU64::new(0),
            consecutive: CachePadded::default(),
            probes: AtomicU64::new(u64::MAX),
            counters: CachePadded::default(),
            success_stripes: Box::default(),
            transitions: std::array::from_fn(|_| AtomicU64::new(0)),
            durations: Histogram::default(),
            log: TransitionLog::default(),
            transition_lock: Mutex::new(()),
        }
    }

    /// A CLOSED breaker to be shared by threads: its count window reads a slot before writing it,
    /// so the steady state (successes replacing successes) writes no shared slot.
    pub fn shared(config: BreakerConfig) -> Self {
        let mut breaker = Self::new(config);
        breaker.window = breaker.window.read_before_write();
        breaker
    }

    /// The settings it was built with.
    pub fn config(&self) -> &BreakerConfig {
        &self.config
    }

    /// The gate cell itself, for a read-only view from JS. Its address is stable while `self` lives.
    pub fn gate_cell(&self) -> &AtomicU32 {
        &self.gate.0
    }

    /// The failure-run cell, for a read-only view from JS (a success needs to reset the run only
    /// when it is not zero). Its address is stable while `self` lives.
    pub fn consecutive_cell(&self) -> &AtomicU32 {
        &self.consecutive.0
    }

    /// A new per-thread stripe of the success count: successes the thread adds there are part of
    /// every snapshot at once, with no write to a shared line. Such successes must still reach the
    /// failure run and the window through [`Breaker::record_striped_successes`]. Retire the stripe
    /// ([`Breaker::retire_stripe`]) when its thread can no longer write it.
    pub fn success_stripe(&self) -> Arc<Stripe> {
        self.success_stripes.add()
    }

    /// Folds a stripe whose writer is gone into the success total.
    pub fn retire_stripe(&self, stripe: &Arc<Stripe>) {
        self.success_stripes.retire(stripe);
    }

    /// The current gate (state and epoch), without side effects.
    pub fn gate(&self) -> u32 {
        self.gate.0.load(Ordering::Acquire)
    }

    /// Decides whether a call may run now. In OPEN, the first admission after the reset timeout
    /// moves the breaker to HALF_OPEN; in HALF_OPEN at most `half_open_max_calls` probes run at once.
    pub fn admit(&self, clock: &impl Clock) -> Admission {
        loop {
            let g = self.gate();
            match gate::state_of(g) {
                CircuitState::Closed => return Admission::Admitted { ticket: g },
                CircuitState::ForcedOpen => return self.reject(None),
                CircuitState::Open => {
                    let now = clock.now_nanos();
                    if let Some(wait) = self.remaining_open(now) {
                        return self.reject(Some(wait));
                    }
                    self.transition(g, CircuitState::HalfOpen, now);
                }
                CircuitState::HalfOpen => {
                    return if self.try_take_probe(g) {
                        Admission::Admitted { ticket: g }
                    } else {
                        self.reject(Some(0))
                    };
                }
            }
        }
    }

    /// The state now; an OPEN breaker whose reset timeout has passed becomes HALF_OPEN here, as it
    /// would on its next call.
    pub fn observe(&self, clock: &impl Clock) -> u32 {
        let g = self.gate();
        if gate::state_of(g) == CircuitState::Open {
            let now = clock.now_nanos();
            if self.remaining_open(now).is_none() {
                self.transition(g, CircuitState::HalfOpen, now);
            }
        }
        self.gate()
    }

    /// Nanoseconds until an OPEN breaker admits probes; `None` when it is time (or not OPEN).
    fn remaining_open(&self, now: u64) -> Option<u64> {
        let elapsed = now.saturating_sub(self.opened_at.load(Ordering::Acquire));
        (elapsed < self.config.reset_timeout_nanos)
            .then(|| self.config.reset_timeout_nanos - elapsed)
    }

    /// Nanoseconds until probes are admitted: 0 unless OPEN; `None` while forced open.
    pub fn retry_after(&self, clock: &impl Clock) -> Option<u64> {
        match gate::state_of(self.gate()) {
            CircuitState::ForcedOpen => None,
            CircuitState::Open => Some(self.remaining_open(clock.now_nanos()).unwrap_or(0)),
            _ => Some(0),
        }
    }

    fn reject(&self, retry_after_nanos: Option<u64>) -> Admission {
        self.counters.0.rejections.fetch_add(1, Ordering::Relaxed);
        Admission::Rejected { retry_after_nanos }
    }

    fn try_take_probe(&self, g: u32) -> bool {
        let epoch = gate::epoch_of(g);
        let mut word = self.probes.load(Ordering::Acquire);
        loop {
            let ProbeWord::Current(in_flight, successes) = probes_unpack(word, epoch) else {
                return false;
            };
            if in_flight >= self.config.half_open_max_calls {
                return false;
            }
            let next = probes_pack(epoch, in_flight + 1, successes);
            match self
                .probes
                .compare_exchange_weak(word, next, Ordering::AcqRel, Ordering::Acquire)
            {
                Ok(_) => return true,
                Err(actual) => {
                    self.counters
                        .0
                        .probe_contention
                        .fetch_add(1, Ordering::Relaxed);
                    word = actual;
                }
            }
        }
    }

    /// Records how an admitted call ended. `duration_nanos` is needed only for slow-call rules
    /// and, while [`metrics::enabled`], fills the duration histogram. Returns the gate afterwards;
    /// it differs from `ticket` when a transition happened (by this record or another). A ticket
    /// from before a transition is counted in the totals only.
    pub fn record(
        &self,
        ticket: u32,
        outcome: Outcome,
        duration_nanos: Option<u64>,
        clock: &impl Clock,
    ) -> u32 {
        self.record_outcome(ticket, outcome, duration_nanos, clock, true)
    }

    /// Records one success that the caller already counted in its stripe (see
    /// [`Breaker::success_stripe`]): the failure run, the window and any transition, as
    /// [`Breaker::record`] does, without writing the shared success counter.
    pub fn record_striped_success(&self, ticket: u32, clock: &impl Clock) -> u32 {
        self.record_outcome(ticket, Outcome::Success, None, clock, false)
    }

    fn record_outcome(
        &self,
        ticket: u32,
        outcome: Outcome,
        duration_nanos: Option<u64>,
        clock: &impl Clock,
        counted: bool,
    ) -> u32 {
        let failure = outcome != Outcome::Success;
        let slow = matches!(
            (self.config.slow_call_duration_nanos, duration_nanos),
            (Some(limit), Some(d)) if d > limit
        );
        if counted {
            self.count(outcome, slow);
        }
        if let Some(d) = duration_nanos {
            if metrics::enabled() {
                self.durations.observe(d);
            }
        }
        let g = self.gate();
        if g != ticket {
            return g;
        }
        let sample = Sample { failure, slow };
        match gate::state_of(g) {
            CircuitState::Closed => self.record_closed(g, sample, clock),
            CircuitState::HalfOpen => self.record_probe(g, sample, clock),
            _ => g,
        }
    }

    /// Records `n` successful calls admitted under `ticket` at once: a batch the shim gathered in
    /// CLOSED for a breaker without rate rules (where one success cannot cause a transition). The
    /// shim flushes its batch before any failure, so the window keeps the calls' order. Returns the gate.
    pub fn record_successes(&self, ticket: u32, n: u32, clock: &impl Clock) -> u32 {
        self.counters
            .0
            .successes
            .fetch_add(u64::from(n), Ordering::Relaxed);
        self.record_striped_successes(ticket, n, clock)
    }

    /// Like [`Breaker::record_successes`] for `n` successes already counted in a stripe: resets the
    /// failure run (writing only if it is not zero) and records them in the window, one CAS for
    /// the batch. Returns the gate.
    pub fn record_striped_successes(&self, ticket: u32, n: u32, clock: &impl Clock) -> u32 {
        let g = self.gate();
        if g != ticket || gate::state_of(g) != CircuitState::Closed {
            return g;
        }
        self.reset_run();
        self.window.record_successes(n, || clock.now_nanos());
        self.gate()
    }

    fn count(&self, outcome: Outcome, slow: bool) {
        let c = &self.counters.0;
        match outcome {
            Outcome::Success => c.successes.fetch_add(1, Ordering::Relaxed),
            Outcome::Failure => c.failures.fetch_add(1, Ordering::Relaxed),
            Outcome::Timeout => {
                c.timeouts.fetch_add(1, Ordering::Relaxed);
                c.failures.fetch_add(1, Ordering::Relaxed)
            }
        };
        if slow {
            c.slow_calls.fetch_add(1, Ordering::Relaxed);
        }
    }

    fn record_closed(&self, g: u32, sample: Sample, clock: &impl Clock) -> u32 {
        let consecutive = &self.consecutive.0;
        let mut open = false;
        if sample.failure {
            let run = consecutive
                .fetch_add(1, Ordering::Relaxed)
                .saturating_add(1);
            open = self.config.failure_threshold > 0 && run >= self.config.failure_threshold;
        } else {
            self.reset_run();
        }
        if !open {
            if let Some(totals) = self.window.record(sample, || clock.now_nanos()) {
                open = self.rates_exceeded(&totals);
            }
        }
        if open {
            self.transition(g, CircuitState::Open, clock.now_nanos());
        }
        self.gate()
    }

    /// A success ends the failure run: read first (a success in a healthy breaker writes
    /// nothing shared), then clear by CAS, so a failure counted in between by another thread is
    /// kept (it came after this success).
    fn reset_run(&self) {
        let consecutive = &self.consecutive.0;
        let run = consecutive.load(Ordering::Relaxed);
        if run != 0 {
            let _ = consecutive.compare_exchange(run, 0, Ordering::Relaxed, Ordering::Relaxed);
        }
    }

    fn rates_exceeded(&self, t: &Totals) -> bool {
        if t.calls == 0 || t.calls < self.config.volume_threshold {
            return false;
        }
        let over = |threshold: Option<f64>, rate: f64| threshold.is_some_and(|limit| rate >= limit);
        over(self.config.failure_rate_threshold, t.failure_rate())
            || over(self.config.slow_call_rate_threshold, t.slow_rate())
    }

    fn record_probe(&self, g: u32, sample: Sample, clock: &impl Clock) -> u32 {
        let bad = sample.failure || (sample.slow && self.config.slow_call_rate_threshold.is_some());
        let epoch = gate::epoch_of(g);
        let mut word = self.probes.load(Ordering::Acquire);
        let successes = loop {
            if (word >> 32) as u32 != epoch {
                // The breaker left this half-open period since the probe was admitted: stale.
                return self.gate();
            }
            let ProbeWord::Current(in_flight, successes) = probes_unpack(word, epoch) else {
                return self.gate();
            };
            let successes = successes + u32::from(!bad);
            let next = probes_pack(epoch, in_flight.saturating_sub(1), successes);
            match self
                .probes
                .compare_exchange_weak(word, next, Ordering::AcqRel, Ordering::Acquire)
            {
                Ok(_) => break successes,
                Err(actual) => word = actual,
            }
        };
        if bad {
            self.transition(g, CircuitState::Open, clock.now_nanos());
        } else if successes >= self.config.success_threshold {
            self.transition(g, CircuitState::Closed, clock.now_nanos());
        }
        self.gate()
    }

    /// Moves from exactly `from_gate` to `to`; does nothing (returns `false`) if the gate has
    /// changed since it was read. Clears the rolling window and the failure run.
    fn transition(&self, from_gate: u32, to: CircuitState, now: u64) -> bool {
        let _guard = self.transition_lock.lock();
        if self.gate() != from_gate {
            return false;
        }
        let from = gate::state_of(from_gate);
        let new_gate = gate::next(from_gate, to);
        if matches!(to, CircuitState::Open | CircuitState::ForcedOpen) {
            self.opened_at.store(now, Ordering::Release);
        }
        self.window.clear();
        self.consecutive.0.store(0, Ordering::Relaxed);
        self.last_change.store(now, Ordering::Relaxed);
        self.transitions[(from.code() * 4 + to.code()) as usize].fetch_add(1, Ordering::Relaxed);
        self.log.push(from, new_gate);
        self.gate.0.store(new_gate, Ordering::Release);
        true
    }

    /// Opens the breaker until [`Breaker::reset`]. Returns the gate afterwards.
    pub fn force_open(&self, clock: &impl Clock) -> u32 {
        loop {
            let g = self.gate();
            if gate::state_of(g) == CircuitState::ForcedOpen
                || self.transition(g, CircuitState::ForcedOpen, clock.now_nanos())
            {
                return self.gate();
            }
        }
    }

    /// Closes the breaker and clears its rolling window and failure run (lifetime counters stay:
    /// they are monotonic, as metrics counters must be). Returns the gate afterwards.
    pub fn reset(&self, clock: &impl Clock) -> u32 {
        loop {
            let g = self.gate();
            if gate::state_of(g) == CircuitState::Closed {
                let _guard = self.transition_lock.lock();
                if self.gate() == g {
                    self.window.clear();
                    self.consecutive.0.store(0, Ordering::Relaxed);
                    return g;
                }
            } else if self.transition(g, CircuitState::Closed, clock.now_nanos()) {
                return self.gate();
            }
        }
    }

    /// The transitions after `seen_gate` up to now, oldest first (see [`TransitionLog::since`]).
    pub fn transitions_since(&self, seen_gate: u32) -> Vec<Transition> {
        self.log.since(seen_gate, self.gate())
    }

    /// The call durations observed while metrics were enabled.
    pub fn durations(&self) -> HistogramSnapshot {
        self.durations.snapshot()
    }

    /// The counters now.
    pub fn snapshot(&self, clock: &impl Clock) -> BreakerSnapshot {
        let c = &self.counters.0;
        let g = self.gate();
        BreakerSnapshot {
            state: gate::state_of(g),
            gate: g,
            successes: c.successes.load(Ordering::Relaxed) + self.success_stripes.sum(),
            failures: c.failures.load(Ordering::Relaxed),
            timeouts: c.timeouts.load(Ordering::Relaxed),
            rejections: c.rejections.load(Ordering::Relaxed),
            slow_calls: c.slow_calls.load(Ordering::Relaxed),
            window: self.window.totals(|| clock.now_nanos()),
            consecutive_failures: if gate::state_of(g) == CircuitState::Closed {
                self.consecutive.0.load(Ordering::Relaxed)
            } else {
                0
            },
            last_state_change_nanos: self.last_change.load(Ordering::Relaxed),
            transitions: std::array::from_fn(|i| self.transitions[i].load(Ordering::Relaxed)),
            probe_contention: c.probe_contention.load(Ordering::Relaxed),
        }
    }
}
