//! GCRA cells per key (per user, IP, API key), sharded, with a bound on the number of keys.
//!
//! Keys are spread over [`SHARDS`] shards by hash, each behind its own lock, so threads working on
//! different keys rarely meet. A shard holds its cells in a slab in least-recently-used order.
//! When a shard is full, a new key first takes the place of a key whose cell has fully recovered
//! (forgetting it loses nothing: a new cell starts full too); if none of the least recently used
//! ones has, [`WhenFull`] decides: evict the least recently used key, or refuse the new key.

use super::error::EngineError;
use super::gcra::GcraConfig;
use parking_lot::Mutex;
use std::collections::HashMap;
use std::hash::BuildHasher;
use std::sync::Arc;

/// Number of shards (a power of two).
pub const SHARDS: usize = 16;
/// How many of the least recently used cells are checked for a recovered one before `WhenFull` applies.
const RECOVERED_SCAN: usize = 16;
const NONE: u32 = u32::MAX;

/// What a full limiter does with a new key when no known key has recovered.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum WhenFull {
    /// Forget the least recently used key (it starts over with a full bucket if it comes back).
    EvictLru,
    /// Refuse the new key until a known key has recovered.
    Refuse,
}

/// The answer for one key.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub struct KeyDecision {
    /// Whether the request was admitted.
    pub allowed: bool,
    /// Requests the key could still make right now.
    pub remaining: u32,
    /// Nanoseconds until a refused request would be admitted (0 when admitted).
    pub retry_after_nanos: u64,
    /// Nanoseconds until the key's bucket is full again.
    pub reset_nanos: u64,
}

#[derive(Debug)]
struct Cell {
    key: Arc<str>,
    tat: u64,
    newer: u32,
    older: u32,
}

/// Keys are attacker-controlled (IPs, user ids), so the hash is seeded per process (foldhash:
/// fast for short keys, minimally DoS-resistant; SipHash costs ~20 ns per key here).
type KeyHasher = foldhash::fast::RandomState;

#[derive(Debug, Default)]
struct Shard {
    index: HashMap<Arc<str>, u32, KeyHasher>,
    cells: Vec<Cell>,
    free: Vec<u32>,
    newest: u32,
    oldest: u32,
}

/// Cells per key for one limit.
#[derive(Debug)]
pub struct KeyedGcra {
    config: GcraConfig,
    per_shard: usize,
    when_full: WhenFull,
    hasher: KeyHasher,
    shards: Box<[Mutex<Shard>]>,
}

impl KeyedGcra {
    /// A limiter for at most `max_keys` keys (≥ 1).
    pub fn new(
        config: GcraConfig,
        max_keys: u32,
        when_full: WhenFull,
    ) -> Result<Self, EngineError> {
        if max_keys == 0 {
            return Err(EngineError::invalid("maxKeys", "an integer >= 1", max_keys));
        }
        Ok(Self {
            config,
            per_shard: (max_keys as usize).div_ceil(SHARDS),
            when_full,
            hasher: Default::default(),
            shards: (0..SHARDS)
                .map(|_| {
                    Mutex::new(Shard {
                        newest: NONE,
                        oldest: NONE,
                        ..Default::default()
                    })
                })
                .collect(),
        })
    }

    /// The limit's settings.
    pub fn config(&self) -> GcraConfig {
        self.config
    }

    fn shard(&self, key: &str) -> &Mutex<Shard> {
        // The top bits pick the shard; the map inside uses its own seed, so the two are independent.
        &self.shards[(self.hasher.hash_one(key) >> 60) as usize & (SHARDS - 1)]
    }

    fn check(&self, n: u32) -> Result<(), EngineError> {
        self.config.check_units(n)
    }

    /// Asks for `n` on behalf of `key` at `now`.
    pub fn consume(&self, key: &str, n: u32, now: u64) -> Result<KeyDecision, EngineError> {
        self.check(n)?;
        let mut shard = self.shard(key).lock();
        let slot = match shard.index.get(key) {
            Some(&slot) => slot,
            None => match shard.insert(key, self.per_shard, now, self.when_full) {
                Ok(slot) => slot,
                Err(retry_after_nanos) => {
                    return Ok(KeyDecision {
                        allowed: false,
                        remaining: 0,
                        retry_after_nanos,
                        reset_nanos: retry_after_nanos,
                    })
                }
            },
        };
        shard.touch(slot);
        let cell = &mut shard.cells[slot as usize];
        let (decision, tat) = decide(self.config, cell.tat, n, now);
        cell.tat = tat;
        Ok(decision)
    }

    /// What `consume(key, n)` would answer, without taking anything or remembering the key.
    pub fn peek(&self, key: &str, n: u32, now: u64) -> Result<KeyDecision, EngineError> {
        self.check(n)?;
        let shard = self.shard(key).lock();
        let tat = shard
            .index
            .get(key)
            .map_or(0, |&slot| shard.cells[slot as usize].tat);
        Ok(decide(self.config, tat, n, now).0)
    }

    /// Forgets `key`; returns whether it was known.
    pub fn delete(&self, key: &str) -> bool {
        let mut shard = self.shard(key).lock();
        match shard.index.get(key).copied() {
            Some(slot) => {
                shard.remove(slot);
                true
            }
            None => false,
        }
    }

    /// Keys remembered now.
    pub fn len(&self) -> usize {
        self.shards.iter().map(|s| s.lock().index.len()).sum()
    }

    /// Whether no key is remembered.
    pub fn is_empty(&self) -> bool {
        self.len() == 0
    }

    /// Forgets every key whose cell has fully recovered at `now`; returns how many.
    pub fn sweep(&self, now: u64) -> usize {
        let mut dropped = 0;
        for shard in self.shards.iter() {
            let mut shard = shard.lock();
            let recovered: Vec<u32> = shard
                .index
                .values()
                .copied()
                .filter(|&slot| shard.cells[slot as usize].tat <= now)
                .collect();
            dropped += recovered.len();
            for slot in recovered {
                shard.remove(slot);
            }
        }
        dropped
    }
}

/// GCRA on a plain TAT (the shard lock makes it exclusive): the decision and the new TAT.
fn decide(config: GcraConfig, tat: u64, n: u32, now: u64) -> (KeyDecision, u64) {
    let t = config.emission_nanos;
    let tolerance = config.tolerance_nanos();
    let start = tat.max(now);
    let new_tat = start.saturating_add(t * u64::from(n));
    let allow_at = new_tat.saturating_sub(tolerance);
    if allow_at > now {
        let remaining = ((now + tolerance).saturating_sub(start) / t) as u32;
        return (
            KeyDecision {
                allowed: false,
                remaining,
                retry_after_nanos: allow_at - now,
                reset_nanos: start - now,
            },
            tat,
        );
    }
    (
        KeyDecision {
            allowed: true,
            remaining: ((now + tolerance - new_tat) / t) as u32,
            retry_after_nanos: 0,
            reset_nanos: new_tat - now,
        },
        new_tat,
    )
}

impl Shard {
    /// A slot for a new `key`, or the nanoseconds until one frees up (`WhenFull::Refuse`).
    fn insert(
        &mut self,
        key: &str,
        capacity: usize,
        now: u64,
        when_full: WhenFull,
    ) -> Result<u32, u64> {
        if self.index.len() >= capacity {
            match self.recovered_victim(now) {
                Some(slot) => self.remove(slot),
                None => match when_full {
                    WhenFull::EvictLru => self.remove(self.oldest),
                    WhenFull::Refuse => {
                        let oldest = &self.cells[self.oldest as usize];
                        return Err(oldest.tat.saturating_sub(now).max(1));
                    }
                },
            }
        }
        let key: Arc<str> = Arc::from(key);
        let cell = Cell {
            key: Arc::clone(&key),
            tat: 0,
            newer: NONE,
            older: NONE,
        };
        let slot = match self.free.pop() {
            Some(slot) => {
                self.cells[slot as usize] = cell;
                slot
            }
            None => {
                self.cells.push(cell);
                (self.cells.len() - 1) as u32
            }
        };
        self.index.insert(key, slot);
        self.link_newest(slot);
        Ok(slot)
    }

    fn recovered_victim(&self, now: u64) -> Option<u32> {
        let mut slot = self.oldest;
        for _ in 0..RECOVERED_SCAN {
            if slot == NONE {
                return None;
            }
            let cell = &self.cells[slot as usize];
            if cell.tat <= now {
                return Some(slot);
            }
            slot = cell.newer;
        }
        None
    }

    fn remove(&mut self, slot: u32) {
        self.unlink(slot);
        let key = Arc::clone(&self.cells[slot as usize].key);
        self.index.remove(&key);
        self.cells[slot as usize].key = Arc::from("");
        self.free.push(slot);
    }

    fn touch(&mut self, slot: u32) {
        if self.newest != slot {
            self.unlink(slot);
            self.link_newest(slot);
        }
    }

    fn link_newest(&mut self, slot: u32) {
        let old_newest = self.newest;
        {
            let cell = &mut self.cells[slot as usize];
            cell.older = old_newest;
            cell.newer = NONE;
        }
        if old_newest != NONE {
            self.cells[old_newest as usize].newer = slot;
        } else {
            self.oldest = slot;
        }
        self.newest = slot;
    }

    fn unlink(&mut self, slot: u32) {
        let (newer, older) = {
            let c = &self.cells[slot as usize];
            (c.newer, c.older)
        };
        if newer != NONE {
            self.cells[newer as usize].older = older;
        } else {
            self.newest = older;
        }
        if older != NONE {
            self.cells[older as usize].newer = newer;
        } else {
            self.oldest = newer;
        }
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    const MS: u64 = 1_000_000;

    fn limiter(max_keys: u32, when_full: WhenFull) -> KeyedGcra {
        KeyedGcra::new(
            GcraConfig::new(2, 1_000 * MS, 2).unwrap(),
            max_keys,
            when_full,
        )
        .unwrap()
    }

    #[test]
    fn each_key_has_its_own_bucket() {
        let k = limiter(100, WhenFull::EvictLru);
        assert!(k.consume("a", 1, 0).unwrap().allowed);
        assert!(k.consume("a", 1, 0).unwrap().allowed);
        let third = k.consume("a", 1, 0).unwrap();
        assert!(!third.allowed);
        assert_eq!(third.retry_after_nanos, 500 * MS);
        assert!(k.consume("b", 1, 0).unwrap().allowed);
        assert_eq!(k.len(), 2);
        assert!(k.peek("a", 1, 500 * MS).unwrap().allowed);
        assert!(k.delete("a"));
        assert!(!k.delete("a"));
    }

    #[test]
    fn a_full_limiter_drops_recovered_keys_first_then_follows_its_policy() {
        // 16 shards, max 16 keys: one per shard; fill a shard with a key and add another to it.
        fn two_in_one_shard(k: &KeyedGcra) -> (String, String) {
            let mut keys = (0..10_000)
                .map(|i| format!("key{i}"))
                .filter(|key| std::ptr::eq(k.shard(key), k.shard("key0")));
            (keys.next().unwrap(), keys.next().unwrap())
        }
        let k = limiter(16, WhenFull::Refuse);
        let (first, second) = &two_in_one_shard(&k);
        assert!(k.consume(first, 1, 0).unwrap().allowed);
        let refused = k.consume(second, 1, 0).unwrap();
        assert!(
            !refused.allowed,
            "full shard, first key not recovered: refused"
        );
        assert_eq!(refused.retry_after_nanos, 500 * MS);
        // Once the first key has recovered, the new one takes its place.
        assert!(k.consume(second, 1, 500 * MS).unwrap().allowed);
        let lru = limiter(16, WhenFull::EvictLru);
        let (first, second) = &two_in_one_shard(&lru);
        assert!(lru.consume(first, 2, 0).unwrap().allowed);
        assert!(
            lru.consume(second, 1, 0).unwrap().allowed,
            "evicts the LRU key"
        );
        assert!(
            lru.consume(first, 2, 0).unwrap().allowed,
            "the evicted key starts over"
        );
    }

    #[test]
    fn sweep_forgets_recovered_keys() {
        // 16 shards of 63: room for 50 keys however the (randomly seeded) hash spreads them.
        let k = limiter(1_000, WhenFull::EvictLru);
        for i in 0..50 {
            k.consume(&format!("k{i}"), 1, 0).unwrap();
        }
        assert_eq!(k.sweep(100 * MS), 0);
        assert_eq!(k.sweep(500 * MS), 50);
        assert!(k.is_empty());
    }
}
