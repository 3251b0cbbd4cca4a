//! The process-global metrics registry: every breaker, bulkhead, retry and timeout policy and
//! every cache puts a handle on its counters here, under its name, when it is built.
//!
//! # Lifetimes: nothing leaks with the objects
//!
//! The registry holds a strong `Arc` to each registered source (so its counters can always be
//! read, exactly, even while its last JS owner is being collected). A source whose only remaining
//! reference is the registry's is *dead*: a sweep folds its final counters into its name's
//! *retired* totals and drops it. Sweeps run on every render and, amortized, on registration (when
//! the registrations since the last sweep outnumber the sources alive after it, with a floor of
//! 64), so dead objects cost memory only until then.
//!
//! What stays is one small entry per distinct name (retired counters and the histogram, about
//! 300 bytes for a breaker): counters of a name keep counting across objects, never going
//! backwards (a Prometheus counter must not), and a name that comes back continues where it was.
//! Gauges (breaker state, bulkhead occupancy) are reported only for names with a live object.
//!
//! # Several objects with one name
//!
//! Their counters and histograms are summed, as are bulkhead gauges; the breaker state gauge
//! reports the least healthy live breaker (open, then half-open, then closed).
//!
//! Locks: one `RwLock`, taken only on cold paths (construction, rendering).

use super::cache::CacheTotals;
use super::metric_totals::{BreakerTotals, BulkheadTotals, PolicyTotals};
use parking_lot::RwLock;
use std::collections::BTreeMap;
use std::sync::atomic::{AtomicI32, Ordering};
use std::sync::{Arc, OnceLock};

/// Counters and gauges of one kind of object, added up over the objects of one name.
pub trait Totals: Default + Clone {
    /// Adds a live object's reading: counters and gauges.
    fn add_live(&mut self, other: &Self);
    /// Adds a dropped object's final reading: counters only (gauges die with the object).
    fn add_retired(&mut self, other: &Self);
}

/// Something whose counters can be read as `T`.
pub trait Source<T>: Send + Sync {
    /// The counters (and gauges) now.
    fn read(&self) -> T;
}

/// One name's reading: the totals, and whether a live object contributed (gauges are meaningful).
#[derive(Debug, Clone, PartialEq)]
pub struct Reading<T> {
    /// The name.
    pub name: String,
    /// Counters of live and dropped objects, gauges of live ones.
    pub totals: T,
    /// Whether any object of this name is alive.
    pub live: bool,
}

struct Entry<T> {
    live: Vec<Arc<dyn Source<T>>>,
    retired: T,
}

/// The sources of one kind, by name.
pub struct Family<T> {
    entries: BTreeMap<String, Entry<T>>,
    since_sweep: usize,
    alive_after_sweep: usize,
}

impl<T> Default for Family<T> {
    fn default() -> Self {
        Self {
            entries: BTreeMap::new(),
            since_sweep: 0,
            alive_after_sweep: 0,
        }
    }
}

impl<T: Totals> Family<T> {
    /// Adds `source` under `name`.
    pub fn register(&mut self, name: &str, source: Arc<dyn Source<T>>) {
        match self.entries.get_mut(name) {
            Some(entry) => entry.live.push(source),
            None => {
                self.entries.insert(
                    name.to_owned(),
                    Entry {
                        live: vec![source],
                        retired: T::default(),
                    },
                );
            }
        }
        self.since_sweep += 1;
        if self.since_sweep > self.alive_after_sweep.max(64) {
            self.sweep();
        }
    }

    /// Folds dead sources (held by nothing but this registry) into their name's retired totals.
    pub fn sweep(&mut self) {
        let mut alive = 0;
        for entry in self.entries.values_mut() {
            let retired = &mut entry.retired;
            entry.live.retain(|source| {
                // Only this registry holds it, and no `Weak` exists: nobody can revive it now.
                let dead = Arc::strong_count(source) == 1;
                if dead {
                    retired.add_retired(&source.read());
                }
                !dead
            });
            alive += entry.live.len();
        }
        self.since_sweep = 0;
        self.alive_after_sweep = alive;
    }

    /// Every name's totals, sorted by name.
    pub fn read(&self) -> Vec<Reading<T>> {
        self.entries
            .iter()
            .map(|(name, entry)| {
                let mut totals = entry.retired.clone();
                for source in &entry.live {
                    totals.add_live(&source.read());
                }
                Reading {
                    name: name.clone(),
                    totals,
                    live: !entry.live.is_empty(),
                }
            })
            .collect()
    }

    /// Registered sources not yet swept away (live or awaiting a sweep).
    pub fn sources(&self) -> usize {
        self.entries.values().map(|e| e.live.len()).sum()
    }
}

/// Every family of sources.
#[derive(Default)]
pub struct Registry {
    /// Circuit breakers.
    pub breakers: Family<BreakerTotals>,
    /// Bulkheads.
    pub bulkheads: Family<BulkheadTotals>,
    /// Retry policies (`PolicyTotals::counts[0]` = retries).
    pub retries: Family<PolicyTotals>,
    /// Timeout policies (`counts` = successes, timeouts, failures).
    pub timeouts: Family<PolicyTotals>,
    /// Caches.
    pub caches: Family<CacheTotals>,
}

/// Everything the renderer needs, read at one moment (each name's counters are exact).
#[derive(Debug, Default, Clone, PartialEq)]
pub struct Gathered {
    /// Breakers by name.
    pub breakers: Vec<Reading<BreakerTotals>>,
    /// Bulkheads by name.
    pub bulkheads: Vec<Reading<BulkheadTotals>>,
    /// Retry policies by name.
    pub retries: Vec<Reading<PolicyTotals>>,
    /// Timeout policies by name.
    pub timeouts: Vec<Reading<PolicyTotals>>,
    /// Caches by name.
    pub caches: Vec<Reading<CacheTotals>>,
}

impl Registry {
    /// Sweeps every family, then reads them.
    pub fn gather(&mut self) -> Gathered {
        self.breakers.sweep();
        self.bulkheads.sweep();
        self.retries.sweep();
        self.timeouts.sweep();
        self.caches.sweep();
        Gathered {
            breakers: self.breakers.read(),
            bulkheads: self.bulkheads.read(),
            retries: self.retries.read(),
            timeouts: self.timeouts.read(),
            caches: self.caches.read(),
        }
    }
}

/// The process's registry.
pub fn registry() -> &'static RwLock<Registry> {
    static REGISTRY: OnceLock<RwLock<Registry>> = OnceLock::new();
    REGISTRY.get_or_init(|| RwLock::new(Registry::default()))
}

/// Reads every registered source of the process (sweeping dead ones first).
pub fn gather() -> Gathered {
    registry().write().gather()
}

static ENABLED: AtomicI32 = AtomicI32::new(0);

/// Whether duration histograms are being filled (see [`enable`]).
#[inline]
pub fn enabled() -> bool {
    ENABLED.load(Ordering::Relaxed) != 0
}

/// Turns on the process-wide metrics flag: from now on, breakers measure call durations and fill
/// their histograms. Counters do not depend on it (they always count). There is no "disable":
/// a histogram that stopped filling would lie about rates.
pub fn enable() {
    ENABLED.store(1, Ordering::Relaxed);
}

/// The flag's cell (0 off, 1 on), for a read-only typed-array view in every JS thread.
pub fn enabled_cell() -> &'static AtomicI32 {
    &ENABLED
}

#[cfg(test)]
mod tests {
    use super::*;

    struct Fixed(u64);
    impl Source<PolicyTotals> for Fixed {
        fn read(&self) -> PolicyTotals {
            PolicyTotals {
                counts: [self.0, 0, 0],
            }
        }
    }

    #[test]
    fn dead_sources_are_folded_and_counters_never_go_back() {
        let mut family = Family::<PolicyTotals>::default();
        let a: Arc<dyn Source<PolicyTotals>> = Arc::new(Fixed(3));
        let b: Arc<dyn Source<PolicyTotals>> = Arc::new(Fixed(4));
        family.register("x", Arc::clone(&a));
        family.register("x", Arc::clone(&b));
        family.register("y", Arc::new(Fixed(1))); // dropped at once
        let read = family.read();
        assert_eq!(read[0].totals.counts[0], 7);
        drop(a);
        family.sweep();
        assert_eq!(family.sources(), 1, "a and y's source are folded");
        let read = family.read();
        assert_eq!((read[0].totals.counts[0], read[0].live), (7, true));
        assert_eq!(
            (
                read[1].name.as_str(),
                read[1].totals.counts[0],
                read[1].live
            ),
            ("y", 1, false)
        );
    }

    #[test]
    fn registration_sweeps_amortized() {
        let mut family = Family::<PolicyTotals>::default();
        for i in 0..1000 {
            family.register(&format!("n{}", i % 10), Arc::new(Fixed(1)));
        }
        assert!(
            family.sources() <= 65,
            "dead sources are swept: {}",
            family.sources()
        );
        family.sweep();
        let total: u64 = family.read().iter().map(|r| r.totals.counts[0]).sum();
        assert_eq!(total, 1000);
    }
}
