//! GCRA rate limiting: a token bucket measured as one number, the theoretical arrival time (TAT).
//!
//! With `limit` requests per `interval`, each request "costs" the emission interval
//! `T = interval / limit`, and up to `burst` requests may arrive at once (tolerance `burst × T`).
//! A request for `n` is admitted at `now` when `max(TAT, now) + n·T − burst·T ≤ now`; the TAT then
//! advances by `n·T`. The whole state is one `AtomicU64` updated by compare-and-swap (as the
//! governor crate does), so admissions are exact under any number of threads, with no lock.

use super::error::EngineError;
use std::sync::atomic::{AtomicU64, Ordering};

/// A limiter's settings in nanoseconds.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub struct GcraConfig {
    /// Time one request costs: `interval / limit`, ≥ 1 ns.
    pub emission_nanos: u64,
    /// Requests that may arrive at once (≥ 1).
    pub burst: u32,
}

impl GcraConfig {
    /// `limit` requests per `interval_nanos`, `burst` at once.
    pub fn new(limit: u32, interval_nanos: u64, burst: u32) -> Result<Self, EngineError> {
        if limit == 0 {
            return Err(EngineError::invalid("limit", "an integer >= 1", limit));
        }
        if burst == 0 {
            return Err(EngineError::invalid("burst", "an integer >= 1", burst));
        }
        let emission_nanos = interval_nanos / u64::from(limit);
        if emission_nanos == 0 {
            return Err(EngineError::invalid(
                "interval",
                "at least 1 ns per request (interval / limit)",
                interval_nanos,
            ));
        }
        if emission_nanos.checked_mul(u64::from(burst)).is_none() {
            return Err(EngineError::invalid(
                "burst",
                "small enough that burst × interval / limit fits",
                burst,
            ));
        }
        Ok(Self {
            emission_nanos,
            burst,
        })
    }

    /// Checks that `n` requests can ever be admitted at once: an integer in `[1, burst]`.
    pub fn check_units(&self, n: u32) -> Result<(), EngineError> {
        if n == 0 || n > self.burst {
            return Err(EngineError::invalid(
                "n",
                "an integer in [1, burst] (more can never be admitted at once)",
                n,
            ));
        }
        Ok(())
    }

    /// The burst tolerance in nanoseconds (`burst × T`).
    pub fn tolerance_nanos(&self) -> u64 {
        self.emission_nanos * u64::from(self.burst)
    }
}

/// The outcome of asking for `n`.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum Decision {
    /// Admitted.
    Allowed {
        /// Requests that could still be admitted right now.
        remaining: u32,
        /// Nanoseconds until the bucket is full again.
        reset_nanos: u64,
    },
    /// Refused: asking again after `retry_after_nanos` would be admitted (if nobody else takes it).
    Limited {
        /// Nanoseconds to wait.
        retry_after_nanos: u64,
        /// Nanoseconds until the bucket is full again.
        reset_nanos: u64,
    },
}

/// One GCRA cell.
#[derive(Debug)]
pub struct Gcra {
    config: GcraConfig,
    tat: AtomicU64,
}

impl Gcra {
    /// A full bucket.
    pub fn new(config: GcraConfig) -> Self {
        Self {
            config,
            tat: AtomicU64::new(0),
        }
    }

    /// The settings.
    pub fn config(&self) -> GcraConfig {
        self.config
    }

    /// Asks for `n` (1..=burst) at `now`; `Err` when `n` can never be admitted (`n > burst` or 0).
    pub fn acquire(&self, n: u32, now: u64) -> Result<Decision, EngineError> {
        self.check(n)?;
        Ok(self.decide(n, now, true))
    }

    /// What asking for `n` at `now` would answer, without taking anything.
    pub fn peek(&self, n: u32, now: u64) -> Result<Decision, EngineError> {
        self.check(n)?;
        Ok(self.decide(n, now, false))
    }

    fn check(&self, n: u32) -> Result<(), EngineError> {
        self.config.check_units(n)
    }

    fn decide(&self, n: u32, now: u64, take: bool) -> Decision {
        let t = self.config.emission_nanos;
        let tolerance = self.config.tolerance_nanos();
        let cost = t * u64::from(n);
        let mut tat = self.tat.load(Ordering::Acquire);
        loop {
            let start = tat.max(now);
            let new_tat = start.saturating_add(cost);
            let allow_at = new_tat.saturating_sub(tolerance);
            if allow_at > now {
                return Decision::Limited {
                    retry_after_nanos: allow_at - now,
                    reset_nanos: start - now,
                };
            }
            let remaining = ((now + tolerance - new_tat) / t) as u32;
            let admitted = Decision::Allowed {
                remaining,
                reset_nanos: new_tat - now,
            };
            if !take {
                return admitted;
            }
            match self
                .tat
                .compare_exchange_weak(tat, new_tat, Ordering::AcqRel, Ordering::Acquire)
            {
                Ok(_) => return admitted,
                Err(actual) => tat = actual,
            }
        }
    }

    /// Takes `k` at `now` for spending at any time up to `now + horizon_nanos` (a lease; see
    /// [`super::striped_gcra`]), if at least `floor` could still be admitted afterwards. The `k`
    /// are charged as if consumed at `max(TAT, now + horizon)`, no earlier than any spend of them,
    /// so spending them later can never admit more than the bucket allows.
    pub fn lease(&self, k: u32, horizon_nanos: u64, floor: u32, now: u64) -> bool {
        let t = self.config.emission_nanos;
        let limit = now.saturating_add(self.config.tolerance_nanos());
        let cost = t.saturating_mul(u64::from(k));
        let keep = t.saturating_mul(u64::from(floor));
        let mut tat = self.tat.load(Ordering::Acquire);
        loop {
            let new_tat = tat
                .max(now.saturating_add(horizon_nanos))
                .saturating_add(cost);
            if new_tat.saturating_add(keep) > limit {
                return false;
            }
            match self
                .tat
                .compare_exchange_weak(tat, new_tat, Ordering::AcqRel, Ordering::Acquire)
            {
                Ok(_) => return true,
                Err(actual) => tat = actual,
            }
        }
    }

    /// Gives back, at `now`, `units` of a lease taken at `leased_at` (or earlier) that were never
    /// spent: the TAT goes back by `units × T` less the time since the lease. Never more: the
    /// lease was charged at `leased_at + horizon` or later, and every request since was charged no
    /// later than `now + horizon`, so what the bucket could have refilled since the lease does not
    /// come back, and the bucket never admits more than if those units had not been leased.
    pub fn give_back(&self, units: u64, leased_at: u64, now: u64) {
        let back = units
            .saturating_mul(self.config.emission_nanos)
            .saturating_sub(now.saturating_sub(leased_at));
        if back > 0 {
            let _ = self
                .tat
                .fetch_update(Ordering::AcqRel, Ordering::Acquire, |tat| {
                    Some(tat.saturating_sub(back))
                });
        }
    }

    /// Requests that could be admitted at `now` (the bucket's level, whole requests).
    pub fn room(&self, now: u64) -> u64 {
        let tat = self.tat.load(Ordering::Acquire).max(now);
        now.saturating_add(self.config.tolerance_nanos())
            .saturating_sub(tat)
            / self.config.emission_nanos
    }

    /// Nanoseconds from `now` until `units` more could be admitted (0: now). Unlike
    /// [`Gcra::acquire`], `units` may exceed the burst: a queue of waiters asks how long the
    /// requests ahead of it, plus its own, will take.
    pub fn wait_nanos(&self, units: u64, now: u64) -> u64 {
        let tat = self.tat.load(Ordering::Acquire).max(now);
        let allow_at = tat
            .saturating_add(self.config.emission_nanos.saturating_mul(units))
            .saturating_sub(self.config.tolerance_nanos());
        allow_at.saturating_sub(now)
    }

    /// Whether the bucket is full at `now` (the cell has fully recovered: safe to forget).
    pub fn is_idle(&self, now: u64) -> bool {
        self.tat.load(Ordering::Acquire) <= now
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    const MS: u64 = 1_000_000;

    fn allowed(d: Decision) -> bool {
        matches!(d, Decision::Allowed { .. })
    }

    #[test]
    fn fifty_per_ten_seconds_admits_a_burst_then_one_every_200ms() {
        let g = Gcra::new(GcraConfig::new(50, 10_000 * MS, 50).unwrap());
        let now = 1_000 * MS;
        for i in 0..50 {
            assert!(
                allowed(g.acquire(1, now).unwrap()),
                "request {i} of the burst"
            );
        }
        match g.acquire(1, now).unwrap() {
            Decision::Limited {
                retry_after_nanos, ..
            } => assert_eq!(retry_after_nanos, 200 * MS),
            other => panic!("{other:?}"),
        }
        assert!(!allowed(g.acquire(1, now + 199 * MS).unwrap()));
        assert!(allowed(g.acquire(1, now + 200 * MS).unwrap()));
    }

    #[test]
    fn remaining_and_reset_describe_the_bucket() {
        let g = Gcra::new(GcraConfig::new(10, 1_000 * MS, 10).unwrap());
        match g.acquire(3, 5_000 * MS).unwrap() {
            Decision::Allowed {
                remaining,
                reset_nanos,
            } => {
                assert_eq!(remaining, 7);
                assert_eq!(reset_nanos, 300 * MS);
            }
            other => panic!("{other:?}"),
        }
        assert!(matches!(
            g.peek(1, 5_000 * MS).unwrap(),
            Decision::Allowed { remaining: 6, .. }
        ));
    }

    #[test]
    fn wait_nanos_counts_the_units_ahead() {
        let g = Gcra::new(GcraConfig::new(10, 1_000 * MS, 2).unwrap());
        assert_eq!(g.wait_nanos(2, 0), 0, "a full bucket serves the burst now");
        assert_eq!(
            g.wait_nanos(5, 0),
            300 * MS,
            "3 beyond the burst, 100 ms each"
        );
        g.acquire(2, 0).unwrap();
        assert_eq!(g.wait_nanos(1, 0), 100 * MS);
    }

    #[test]
    fn asking_for_more_than_the_burst_is_an_error_not_a_wait() {
        let g = Gcra::new(GcraConfig::new(10, 1_000 * MS, 5).unwrap());
        assert!(g.acquire(6, 0).is_err());
        assert!(g.acquire(0, 0).is_err());
        assert!(GcraConfig::new(0, 1, 1).is_err());
        assert!(GcraConfig::new(10, 5, 1).is_err(), "0 ns per request");
    }
}
