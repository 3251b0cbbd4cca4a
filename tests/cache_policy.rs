//! Properties of the cache index under arbitrary operation sequences (proptest):
//!
//! - the size never exceeds the capacity; every slot is either free or in exactly one list, and
//!   the window / protected regions stay within their shares (`CachePolicy::check`);
//! - an insert returns a slot now in use and, when over capacity, a different victim slot that
//!   was in use and is now free;
//! - with `PolicyKind::Lru` the evictions are exactly those of a reference LRU;
//! - sketch counters saturate at 15 and never exceed it;
//! - through `CacheIndex`, replayed ring entries count as hits (reads) or not (updates), and the
//!   size cell follows the policy.

use bulwark::engine::cache::cells::{HITS, NEW_SLOT, RING, RING_LEN, SIZE};
use bulwark::engine::cache::lists::Region;
use bulwark::engine::cache::sketch::{FrequencySketch, MAX_COUNT};
use bulwark::engine::cache::{CacheIndex, CachePolicy, PolicyKind, RemoveReason};
use proptest::prelude::*;
use std::collections::VecDeque;

#[derive(Debug, Clone)]
enum Op {
    Insert(u32),
    Access(usize),
    Remove(usize),
    Clear,
}

fn ops() -> impl Strategy<Value = Vec<Op>> {
    let op = prop_oneof![
        6 => (0u32..64).prop_map(Op::Insert),
        6 => any::<usize>().prop_map(Op::Access),
        2 => any::<usize>().prop_map(Op::Remove),
        1 => Just(Op::Clear),
    ];
    prop::collection::vec(op, 0..400)
}

fn kind() -> impl Strategy<Value = PolicyKind> {
    prop_oneof![Just(PolicyKind::TinyLfu), Just(PolicyKind::Lru)]
}

proptest! {
    #[test]
    fn structure_and_capacity_hold(capacity in 1u32..40, kind in kind(), ops in ops()) {
        let mut p = CachePolicy::new(capacity, kind);
        let mut live: Vec<u32> = Vec::new();
        for op in ops {
            match op {
                Op::Insert(hash) => {
                    let ins = p.insert(hash);
                    prop_assert!(p.region(ins.slot) != Region::Free);
                    prop_assert!(!live.contains(&ins.slot), "a slot in use was handed out again");
                    live.push(ins.slot);
                    if let Some(victim) = ins.victim {
                        prop_assert_ne!(victim, ins.slot);
                        prop_assert_eq!(p.region(victim), Region::Free);
                        let at = live.iter().position(|&s| s == victim);
                        prop_assert!(at.is_some(), "the victim was not in use");
                        live.swap_remove(at.unwrap_or(0));
                    }
                }
                Op::Access(i) if !live.is_empty() => {
                    prop_assert!(p.access(live[i % live.len()]));
                }
                Op::Remove(i) if !live.is_empty() => {
                    let slot = live.swap_remove(i % live.len());
                    prop_assert!(p.remove(slot));
                    prop_assert!(!p.remove(slot));
                }
                Op::Clear => {
                    prop_assert_eq!(p.clear() as usize, live.len());
                    live.clear();
                }
                _ => {}
            }
            p.check();
            prop_assert_eq!(p.len() as usize, live.len());
            prop_assert!(p.len() <= capacity);
        }
    }

    #[test]
    fn lru_matches_a_reference_lru(capacity in 1u32..20, ops in ops()) {
        let mut p = CachePolicy::new(capacity, PolicyKind::Lru);
        // Most recent at the back.
        let mut model: VecDeque<u32> = VecDeque::new();
        for op in ops {
            match op {
                Op::Insert(hash) => {
                    let ins = p.insert(hash);
                    model.push_back(ins.slot);
                    let expected = (model.len() > capacity as usize).then(|| model.pop_front());
                    prop_assert_eq!(ins.victim, expected.flatten());
                }
                Op::Access(i) if !model.is_empty() => {
                    let slot = model.remove(i % model.len()).unwrap_or(0);
                    p.access(slot);
                    model.push_back(slot);
                }
                Op::Remove(i) if !model.is_empty() => {
                    let slot = model.remove(i % model.len()).unwrap_or(0);
                    p.remove(slot);
                }
                Op::Clear => {
                    p.clear();
                    model.clear();
                }
                _ => {}
            }
        }
    }

    #[test]
    fn sketch_counts_saturate(keys in prop::collection::vec(0u32..50, 0..3000), size in 1u32..256) {
        let mut s = FrequencySketch::new(size);
        for k in keys {
            let before = s.frequency(k);
            s.increment(k);
            prop_assert!(s.frequency(k) <= MAX_COUNT);
            prop_assert!(s.frequency(k) >= before.min(MAX_COUNT) / 2, "only aging lowers a count");
        }
    }
}

#[test]
fn a_lone_key_counts_up_to_fifteen_exactly() {
    let mut s = FrequencySketch::new(1 << 16);
    for n in 1..=40u8 {
        s.increment(12345);
        assert_eq!(s.frequency(12345), n.min(MAX_COUNT));
    }
}

#[test]
fn the_index_replays_reads_and_updates_and_tracks_size() {
    let mut index = CacheIndex::new(3, PolicyKind::TinyLfu);
    let mut slots = Vec::new();
    for hash in 0..3 {
        assert_eq!(index.insert(hash), -1);
        slots.push(index.cells().get(NEW_SLOT));
    }
    assert_eq!(index.cells().get(SIZE), 3);
    // Two reads and one update, as the shim writes them.
    for (i, entry) in [slots[0], slots[1], !slots[2]].into_iter().enumerate() {
        index.cells().set(RING + i, entry);
    }
    index.cells().set(RING_LEN, 3);
    index.drain();
    assert_eq!(
        (index.cells().counter(HITS), index.cells().get(RING_LEN)),
        (2, 0)
    );
    assert!(index.insert(99) >= 0, "over capacity: someone is evicted");
    assert_eq!(index.cells().get(SIZE), 3);
    assert!(index.remove(index.cells().get(NEW_SLOT), RemoveReason::Expired));
    assert_eq!(index.cells().get(SIZE), 2);
    index.policy().check();
}
