//! Slots and the three recency lists of a cache (window, probation, protected), as intrusive
//! doubly linked lists over parallel arrays.
//!
//! A *slot* is the number the JS shim keeps next to an entry's value. Slot `s` is node `s + 3`;
//! nodes 0, 1 and 2 are the sentinels of the three circular lists, so linking and unlinking need
//! no special cases. A node's links, region and key hash share 16 bytes, so moving an entry
//! touches three cache lines (it and its two neighbours). Each list runs from its least recently used node (after the sentinel) to its
//! most recently used one (before the sentinel). Slots are allocated lazily (freed ones first),
//! so a cache with a huge `maxEntries` costs memory only for the entries it holds.

/// Where a slot is.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
#[repr(u8)]
pub enum Region {
    /// The small admission window (recency only).
    Window = 0,
    /// Main space, seen once since it entered main: the eviction candidates.
    Probation = 1,
    /// Main space, seen again while in probation.
    Protected = 2,
    /// Not in use.
    Free = 3,
}

const LISTS: usize = 3;

/// One list node.
#[derive(Debug, Clone, Copy)]
struct Node {
    prev: u32,
    next: u32,
    hash: u32,
    region: Region,
    /// Read since it was last placed or passed over (CLOCK's reference bit).
    referenced: bool,
}

/// The slots and their lists.
#[derive(Debug, Clone)]
pub struct Lists {
    nodes: Vec<Node>,
    len: [u32; LISTS],
    free: Vec<u32>,
    max_slots: u32,
}

#[inline]
fn node(slot: u32) -> usize {
    slot as usize + LISTS
}

impl Lists {
    /// Empty lists that will hand out at most `max_slots` slots (`0..max_slots`).
    pub fn new(max_slots: u32) -> Self {
        let sentinel = |i: u32, region| Node {
            prev: i,
            next: i,
            hash: 0,
            region,
            referenced: false,
        };
        Self {
            nodes: vec![
                sentinel(0, Region::Window),
                sentinel(1, Region::Probation),
                sentinel(2, Region::Protected),
            ],
            len: [0; LISTS],
            free: Vec::new(),
            max_slots,
        }
    }

    /// Slots in use in `region` (not `Free`).
    pub fn len(&self, region: Region) -> u32 {
        self.len[region as usize]
    }

    /// Slots in use in all lists.
    pub fn total(&self) -> u32 {
        self.len.iter().sum()
    }

    /// Slots ever handed out (in use or free).
    pub fn allocated(&self) -> u32 {
        (self.nodes.len() - LISTS) as u32
    }

    /// The region of `slot` (`Free` for a slot never handed out).
    pub fn region(&self, slot: u32) -> Region {
        self.nodes
            .get(node(slot))
            .map_or(Region::Free, |n| n.region)
    }

    /// The key hash stored with `slot`.
    pub fn hash(&self, slot: u32) -> u32 {
        self.nodes[node(slot)].hash
    }

    /// Marks `slot` as read (one store; its place in the list does not change).
    #[inline]
    pub fn mark(&mut self, slot: u32) {
        self.nodes[node(slot)].referenced = true;
    }

    /// Whether `slot` was marked since it was placed; clears the mark.
    #[inline]
    pub fn take_mark(&mut self, slot: u32) -> bool {
        std::mem::take(&mut self.nodes[node(slot)].referenced)
    }

    /// A free slot holding `hash`, not yet in a list; `None` when all `max_slots` are in use.
    pub fn allocate(&mut self, hash: u32) -> Option<u32> {
        let slot = match self.free.pop() {
            Some(slot) => slot,
            None if self.allocated() < self.max_slots => {
                let slot = self.allocated();
                let n = node(slot) as u32;
                self.nodes.push(Node {
                    prev: n,
                    next: n,
                    hash: 0,
                    region: Region::Free,
                    referenced: false,
                });
                slot
            }
            None => return None,
        };
        self.nodes[node(slot)].hash = hash;
        Some(slot)
    }

    /// The least recently used slot of `region`.
    pub fn lru(&self, region: Region) -> Option<u32> {
        let sentinel = region as usize;
        let first = self.nodes[sentinel].next as usize;
        (first != sentinel).then(|| (first - LISTS) as u32)
    }

    /// The slots of `region`, least recently used first.
    pub fn iter(&self, region: Region) -> impl Iterator<Item = u32> + '_ {
        let sentinel = region as usize;
        let mut at = self.nodes[sentinel].next as usize;
        std::iter::from_fn(move || {
            (at != sentinel).then(|| {
                let slot = (at - LISTS) as u32;
                at = self.nodes[at].next as usize;
                slot
            })
        })
    }

    /// Makes `slot` the most recently used of `region`, moving it there from wherever it is.
    pub fn push_mru(&mut self, slot: u32, region: Region) {
        debug_assert!(region != Region::Free);
        let n = node(slot);
        let sentinel = region as usize;
        if self.nodes[n].region == region && self.nodes[n].next as usize == sentinel {
            self.nodes[n].referenced = false;
            return; // already the most recent
        }
        self.unlink(slot);
        let last = self.nodes[sentinel].prev as usize;
        self.nodes[last].next = n as u32;
        self.nodes[sentinel].prev = n as u32;
        let node = &mut self.nodes[n];
        node.prev = last as u32;
        node.next = sentinel as u32;
        node.region = region;
        node.referenced = false;
        self.len[sentinel] += 1;
    }

    /// Takes `slot` out of its list (it becomes `Free` but is not yet reusable).
    fn unlink(&mut self, slot: u32) {
        let n = node(slot);
        let Node {
            prev, next, region, ..
        } = self.nodes[n];
        if region == Region::Free {
            return;
        }
        self.nodes[prev as usize].next = next;
        self.nodes[next as usize].prev = prev;
        let node = &mut self.nodes[n];
        node.prev = n as u32;
        node.next = n as u32;
        node.region = Region::Free;
        self.len[region as usize] -= 1;
    }

    /// Takes `slot` out of its list and makes it reusable. `false` if it was not in use.
    pub fn release(&mut self, slot: u32) -> bool {
        if slot >= self.allocated() || self.region(slot) == Region::Free {
            return false;
        }
        self.unlink(slot);
        self.free.push(slot);
        true
    }

    /// Frees every slot. Returns how many were in use.
    pub fn clear(&mut self) -> u32 {
        let used = self.total();
        for slot in 0..self.allocated() {
            if self.region(slot) != Region::Free {
                self.unlink(slot);
                self.free.push(slot);
            }
        }
        used
    }

    /// Checks the structure: every slot is free (and listed as free once) or linked in exactly
    /// the list its region names, and the lengths match. For tests; panics on a violation.
    pub fn check(&self) {
        let mut seen = vec![0u8; self.allocated() as usize];
        for region in [Region::Window, Region::Probation, Region::Protected] {
            let mut count = 0;
            let mut prev = region as usize;
            for slot in self.iter(region) {
                assert_eq!(self.region(slot), region, "slot {slot} in the wrong list");
                assert_eq!(
                    self.nodes[node(slot)].prev as usize,
                    prev,
                    "broken back link"
                );
                prev = node(slot);
                seen[slot as usize] += 1;
                count += 1;
            }
            assert_eq!(count, self.len(region), "length of {region:?}");
        }
        for &slot in &self.free {
            assert_eq!(
                self.region(slot),
                Region::Free,
                "free slot {slot} is in use"
            );
            seen[slot as usize] += 1;
        }
        assert!(
            seen.iter().all(|&n| n == 1),
            "a slot is neither free nor indexed exactly once"
        );
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn slots_move_between_lists_and_come_back_free() {
        let mut l = Lists::new(3);
        let a = l.allocate(10).unwrap();
        let b = l.allocate(11).unwrap();
        let c = l.allocate(12).unwrap();
        assert_eq!(l.allocate(13), None, "three slots at most");
        l.push_mru(a, Region::Window);
        l.push_mru(b, Region::Window);
        l.push_mru(c, Region::Probation);
        assert_eq!(l.lru(Region::Window), Some(a));
        l.push_mru(a, Region::Window);
        assert_eq!(l.iter(Region::Window).collect::<Vec<_>>(), [b, a]);
        l.push_mru(a, Region::Protected);
        assert_eq!((l.len(Region::Window), l.len(Region::Protected)), (1, 1));
        l.check();
        assert!(l.release(b));
        assert!(!l.release(b), "already free");
        assert_eq!(l.allocate(14), Some(b));
        assert_eq!(l.hash(b), 14);
        l.push_mru(b, Region::Window);
        assert_eq!(l.clear(), 3);
        assert_eq!(l.total(), 0);
        l.check();
    }
}
