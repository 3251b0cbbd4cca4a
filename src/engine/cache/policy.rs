//! Which entries a bounded cache keeps: W-TinyLFU (the default) or plain LRU.
//!
//! # W-TinyLFU (after Caffeine)
//!
//! - A new entry always enters the **window**, a small LRU (1% of the capacity, at least one
//!   entry), so a burst of new keys can still be served from the cache for a while.
//! - The window's overflow moves to **probation** (main space), as a *candidate*. When the cache is
//!   over capacity, the candidate competes with probation's least recently used entry (the
//!   *victim*): the frequency sketch estimates how often each key was seen recently, and the
//!   candidate is admitted only if it was seen more often (a warm candidate that loses still gets
//!   in with probability 1/128, so an attacker cannot pin a hot victim with hash collisions).
//!   The loser is evicted.
//! - A hit in probation promotes the entry to **protected** (80% of main); protected's overflow
//!   goes back to probation's most recent end. A hit in the window moves the entry to its most
//!   recent end; a hit in protected only sets the entry's reference bit (one store instead of
//!   relinking three list nodes), and protected's overflow passes over (and moves to the recent
//!   end) every entry whose bit is set, clearing it, before it demotes the first one without: a
//!   CLOCK approximation of LRU order that costs less per hit and measured the same hit ratio.
//!
//! A one-off scan of many keys therefore churns through the window and loses at the admission
//! gate, while the frequently used entries stay in main space: that is what TinyLFU buys over
//! LRU. Every access (a hit or an insert) counts in the sketch, which ages by halving.
//!
//! # LRU
//!
//! The window is the whole cache and nothing is compared: its overflow is evicted.

use super::lists::{Lists, Region};
use super::sketch::FrequencySketch;

/// The eviction policy.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum PolicyKind {
    /// Window TinyLFU: admission by frequency, segmented LRU main space.
    TinyLfu,
    /// Least recently used.
    Lru,
}

/// A warm candidate (at least this frequency) that loses is still admitted 1 time in 128.
const WARM_CANDIDATE: u8 = 6;
/// The sketch starts small and grows with the cache, up to the capacity.
const INITIAL_SKETCH: u32 = 4096;

/// What an insert did: the new entry's slot, and the slot evicted to make room (if any).
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub struct Insertion {
    /// The slot of the inserted entry.
    pub slot: u32,
    /// The slot whose entry was evicted (never `slot`).
    pub victim: Option<u32>,
}

/// Slot bookkeeping and eviction decisions of one cache. The values live elsewhere (the JS
/// shim's map); this only knows slots, key hashes, recency and frequency.
#[derive(Debug, Clone)]
pub struct CachePolicy {
    lists: Lists,
    sketch: FrequencySketch,
    kind: PolicyKind,
    capacity: u32,
    window_max: u32,
    protected_max: u32,
    rng: u32,
}

impl CachePolicy {
    /// An empty cache of at most `capacity` entries (1..=2^31-1; 0 is read as 1).
    pub fn new(capacity: u32, kind: PolicyKind) -> Self {
        let capacity = capacity.clamp(1, i32::MAX as u32);
        let window_max = match kind {
            PolicyKind::TinyLfu => (capacity / 100).max(1),
            PolicyKind::Lru => capacity,
        };
        let main = capacity - window_max;
        Self {
            // One slot more than the capacity: an insert places the entry, then evicts.
            lists: Lists::new(capacity + 1),
            sketch: FrequencySketch::new(capacity.min(INITIAL_SKETCH)),
            kind,
            capacity,
            window_max,
            protected_max: (u64::from(main) * 4 / 5) as u32,
            rng: 0x9e37_79b9,
        }
    }

    /// The most entries kept.
    pub fn capacity(&self) -> u32 {
        self.capacity
    }

    /// Entries held.
    pub fn len(&self) -> u32 {
        self.lists.total()
    }

    /// Whether no entry is held.
    pub fn is_empty(&self) -> bool {
        self.len() == 0
    }

    /// The region `slot` is in.
    pub fn region(&self, slot: u32) -> Region {
        self.lists.region(slot)
    }

    /// The sketch's estimate for a key hash.
    pub fn frequency(&self, hash: u32) -> u8 {
        self.sketch.frequency(hash)
    }

    /// The lists, for inspection.
    pub fn lists(&self) -> &Lists {
        &self.lists
    }

    /// Adds an entry for a key with `hash`; if the cache is then over capacity, evicts one
    /// (never the new one) and returns its slot.
    pub fn insert(&mut self, hash: u32) -> Insertion {
        let slot = match self.lists.allocate(hash) {
            Some(slot) => slot,
            None => {
                // Unreachable while len <= capacity < slots; stay total anyway.
                let victim = self.victim();
                self.lists.release(victim);
                let slot = self.lists.allocate(hash).unwrap_or(victim);
                self.lists.push_mru(slot, Region::Window);
                return Insertion {
                    slot,
                    victim: Some(victim),
                };
            }
        };
        self.record(hash);
        self.lists.push_mru(slot, Region::Window);
        let candidate = if self.lists.len(Region::Window) > self.window_max {
            let oldest = self.lists.lru(Region::Window);
            oldest.inspect(|&c| self.lists.push_mru(c, Region::Probation))
        } else {
            None
        };
        let victim = (self.len() > self.capacity).then(|| self.evict(candidate));
        Insertion { slot, victim }
    }

    /// Records a hit (or an update) of the entry in `slot`. `false` if the slot is not in use.
    pub fn access(&mut self, slot: u32) -> bool {
        match self.lists.region(slot) {
            Region::Free => return false,
            Region::Window => self.lists.push_mru(slot, Region::Window),
            Region::Protected => self.lists.mark(slot),
            Region::Probation => {
                self.lists.push_mru(slot, Region::Protected);
                if self.lists.len(Region::Protected) > self.protected_max {
                    self.demote();
                }
            }
        }
        let hash = self.lists.hash(slot);
        self.record(hash);
        true
    }

    /// Moves protected's coldest entry to probation: passes over referenced entries (to the recent
    /// end, mark cleared) first. Ends: every entry it passes over loses its mark.
    fn demote(&mut self) {
        while let Some(oldest) = self.lists.lru(Region::Protected) {
            if self.lists.take_mark(oldest) {
                self.lists.push_mru(oldest, Region::Protected);
            } else {
                self.lists.push_mru(oldest, Region::Probation);
                return;
            }
        }
    }

    /// Removes the entry in `slot` (deleted or expired). `false` if the slot is not in use.
    pub fn remove(&mut self, slot: u32) -> bool {
        self.lists.release(slot)
    }

    /// Removes every entry (the frequency history is kept). Returns how many there were.
    pub fn clear(&mut self) -> u32 {
        self.lists.clear()
    }

    fn record(&mut self, hash: u32) {
        if self.kind == PolicyKind::Lru {
            return;
        }
        self.sketch.increment(hash);
        let designed = self.sketch.designed_for();
        if designed < self.capacity && self.len() >= designed / 2 {
            // Lazily sized, as the cache fills (the young history is dropped).
            self.sketch = FrequencySketch::new(designed.saturating_mul(8).min(self.capacity));
        }
    }

    /// Evicts to get back to capacity: the candidate that just left the window against the
    /// victim at probation's cold end, or (no contest) the coldest entry of main, then window.
    fn evict(&mut self, candidate: Option<u32>) -> u32 {
        let victim = self.victim();
        let loser = match candidate {
            Some(c) if c != victim && self.lists.region(victim) == Region::Probation => {
                if self.admit(self.lists.hash(c), self.lists.hash(victim)) {
                    victim
                } else {
                    c
                }
            }
            _ => victim,
        };
        self.lists.release(loser);
        loser
    }

    /// The coldest entry: probation's LRU, else protected's, else the window's.
    fn victim(&self) -> u32 {
        [Region::Probation, Region::Protected, Region::Window]
            .into_iter()
            .find_map(|r| self.lists.lru(r))
            .unwrap_or(0)
    }

    /// Whether the candidate replaces the victim (TinyLFU's admission rule).
    fn admit(&mut self, candidate: u32, victim: u32) -> bool {
        let candidate_freq = self.sketch.frequency(candidate);
        if candidate_freq > self.sketch.frequency(victim) {
            return true;
        }
        if candidate_freq >= WARM_CANDIDATE {
            // xorshift32: deterministic, cheap, good enough for a 1/128 coin.
            self.rng ^= self.rng << 13;
            self.rng ^= self.rng >> 17;
            self.rng ^= self.rng << 5;
            return self.rng & 127 == 0;
        }
        false
    }

    /// Checks every invariant (for tests; panics on a violation): the lists are consistent,
    /// the size is within capacity, the window and protected regions within their shares.
    pub fn check(&self) {
        self.lists.check();
        assert!(self.len() <= self.capacity, "over capacity");
        assert!(self.lists.len(Region::Window) <= self.window_max);
        assert!(self.lists.len(Region::Protected) <= self.protected_max);
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn lru_evicts_the_least_recently_used() {
        let mut p = CachePolicy::new(3, PolicyKind::Lru);
        let slots: Vec<u32> = (0..3).map(|h| p.insert(h).slot).collect();
        assert!(p.access(slots[0]));
        let ins = p.insert(3);
        assert_eq!(ins.victim, Some(slots[1]));
        p.check();
    }

    #[test]
    fn capacity_one_keeps_the_newest() {
        for kind in [PolicyKind::Lru, PolicyKind::TinyLfu] {
            let mut p = CachePolicy::new(1, kind);
            let a = p.insert(1);
            assert_eq!(a.victim, None);
            let b = p.insert(2);
            assert_eq!(b.victim, Some(a.slot), "{kind:?}");
            assert_eq!(p.len(), 1);
            p.check();
        }
    }

    #[test]
    fn a_frequent_entry_survives_a_scan_under_tinylfu() {
        let mut p = CachePolicy::new(100, PolicyKind::TinyLfu);
        let hot: Vec<u32> = (0..50).map(|h| p.insert(h).slot).collect();
        for _ in 0..3 {
            for &s in &hot {
                p.access(s);
            }
        }
        let kept = |p: &CachePolicy, h: usize| {
            let s = hot[h];
            p.region(s) != Region::Free && p.lists().hash(s) == h as u32
        };
        let mut evicted = Vec::new();
        for h in 1_000..3_000 {
            evicted.extend(p.insert(h).victim);
            p.check();
            if h % 200 == 0 {
                // Still in use, now and then, while the scan runs.
                hot.iter().for_each(|&s| _ = p.access(s));
            }
        }
        let lost = (0..hot.len()).filter(|&h| !kept(&p, h)).count();
        assert_eq!(lost, 0, "the hot set stays in main space");
        assert!(evicted.len() >= 1_950);
    }
}
