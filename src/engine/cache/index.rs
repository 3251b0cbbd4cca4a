//! A cache's native index: the eviction policy plus the cells it shares with the JS shim.
//!
//! Every operation that hands out or frees slots first replays the read ring
//! ([`CacheIndex::drain`]), so the recency and frequency it decides from include every read the
//! shim recorded, and a slot in the ring never outlives its entry.

use super::cells::{
    CacheCells, EVICTED, EXPIRED, EXPLICIT, HITS, NEW_SLOT, RING, RING_CAPACITY, RING_LEN, SIZE,
};
use super::policy::{CachePolicy, PolicyKind};
use std::sync::Arc;

/// Why an entry is removed by [`CacheIndex::remove`].
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum RemoveReason {
    /// Its time ran out.
    Expired,
    /// `delete(key)`.
    Explicit,
}

impl RemoveReason {
    /// The reason for a code the shim passes (1 expired, 2 explicit).
    pub fn from_code(code: i32) -> Option<Self> {
        match code {
            1 => Some(Self::Expired),
            2 => Some(Self::Explicit),
            _ => None,
        }
    }
}

/// The policy and the shared cells of one cache.
#[derive(Debug)]
pub struct CacheIndex {
    policy: CachePolicy,
    cells: Arc<CacheCells>,
}

impl CacheIndex {
    /// An empty cache of at most `capacity` entries.
    pub fn new(capacity: u32, kind: PolicyKind) -> Self {
        Self {
            policy: CachePolicy::new(capacity, kind),
            cells: Arc::new(CacheCells::new()),
        }
    }

    /// The shared cells (for the typed-array view and the metrics registry).
    pub fn cells(&self) -> &Arc<CacheCells> {
        &self.cells
    }

    /// The policy, for inspection.
    pub fn policy(&self) -> &CachePolicy {
        &self.policy
    }

    /// Replays the pending reads into the policy and empties the ring.
    pub fn drain(&mut self) {
        let n = (self.cells.get(RING_LEN).max(0) as usize).min(RING_CAPACITY);
        let mut hits = 0;
        for i in 0..n {
            let entry = self.cells.get(RING + i);
            // A read (`slot`) counts as a hit; an update (`!slot`) only as an access.
            let slot = if entry >= 0 {
                hits += 1;
                entry
            } else {
                !entry
            };
            self.policy.access(slot as u32);
        }
        self.cells.set(RING_LEN, 0);
        if hits > 0 {
            self.cells.add(HITS, hits);
        }
    }

    /// Adds an entry for a key with `hash`: its slot goes to the `NEW_SLOT` cell; returns the
    /// slot of the entry evicted to make room, or -1.
    pub fn insert(&mut self, hash: u32) -> i32 {
        self.drain();
        let insertion = self.policy.insert(hash);
        self.cells.set(NEW_SLOT, insertion.slot as i32);
        self.cells.set(SIZE, self.policy.len() as i32);
        match insertion.victim {
            Some(victim) => {
                self.cells.bump(EVICTED);
                victim as i32
            }
            None => -1,
        }
    }

    /// Removes the entry in `slot`; `false` (and nothing counted) if the slot is not in use.
    pub fn remove(&mut self, slot: i32, reason: RemoveReason) -> bool {
        self.drain();
        if slot < 0 || !self.policy.remove(slot as u32) {
            return false;
        }
        self.cells.bump(match reason {
            RemoveReason::Expired => EXPIRED,
            RemoveReason::Explicit => EXPLICIT,
        });
        self.cells.set(SIZE, self.policy.len() as i32);
        true
    }

    /// Removes every entry (counted as explicit removals). Returns how many there were.
    pub fn clear(&mut self) -> u32 {
        self.drain();
        let removed = self.policy.clear();
        self.cells.add(EXPLICIT, removed);
        self.cells.set(SIZE, 0);
        removed
    }
}

#[cfg(test)]
mod tests {
    use super::super::cells::{HITS, RING};
    use super::*;

    #[test]
    fn reads_in_the_ring_are_replayed_before_an_eviction() {
        let mut index = CacheIndex::new(2, PolicyKind::Lru);
        assert_eq!(index.insert(1), -1);
        let a = index.cells().get(NEW_SLOT);
        assert_eq!(index.insert(2), -1);
        let b = index.cells().get(NEW_SLOT);
        // The shim read `a`: without the replay, `a` would be the LRU victim.
        index.cells().set(RING, a);
        index.cells().set(RING_LEN, 1);
        assert_eq!(index.insert(3), b);
        assert_eq!(index.cells().counter(HITS), 1);
        assert_eq!(index.cells().get(SIZE), 2);
        assert!(index.remove(a, RemoveReason::Explicit));
        assert!(!index.remove(a, RemoveReason::Explicit));
        assert!(!index.remove(-1, RemoveReason::Expired));
        assert_eq!(index.clear(), 1);
        assert_eq!(index.cells().counter(EXPLICIT), 2);
    }
}
