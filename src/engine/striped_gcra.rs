//! A GCRA cell shared by several threads, with per-thread token *leases* so that threads do not
//! all compare-and-swap the one theoretical arrival time (TAT) on every call.
//!
//! Each handle (one per JS object, so one per thread) spends from a *slot*: one cache line holding
//! `[deadline:48][count:16]`. When its slot is empty and the bucket has plenty of room, a handle
//! leases [`LEASE`] tokens from the TAT with one CAS ([`Gcra::lease`]) and spends them with a CAS
//! on its own line. Near the limit (less than [`FLOOR`] would be left) it asks the TAT for each
//! request, exactly as an unshared cell does. Before refusing, a caller *steals* from the other
//! slots, so leased tokens are not stranded while the bucket runs dry.
//!
//! # Guarantee
//!
//! Never more than the bucket allows: a lease of `k` at `t0` is charged as if its `k` were
//! consumed at `max(TAT, t0 + H)` (`H` = [`HORIZON_NANOS`]), and a slot's tokens are spendable only
//! until `t0 + H` (its deadline). Every real spend therefore happens no later than the time it was
//! charged at, and GCRA accounting is monotone in arrival times, so the admissions of all threads
//! together satisfy the same bound as one cell: at most `burst + W / T` in any window of length
//! `W`. (The test `tests/striped_gcra.rs` checks this bound on random interleavings.)
//!
//! The price, only while leasing (a bucket with at least [`FLOOR`] + [`LEASE`] of room): a lease
//! taken from a nearly full bucket gives up at most `H / T` tokens of refill (the bucket cannot
//! overflow anyway, so this only matters if demand reaches the limit within `H`), and tokens left
//! in a slot past its deadline are forfeited. A handle about to lease first takes over the tokens
//! of slots that are past half their time, so tokens of a thread that stopped calling (or was
//! terminated) go to the threads still calling; forfeits happen only when nobody calls at all.
//! Waiting (`wait_nanos`) and `decide` stay exact on the TAT, counting slot tokens as available.

use super::gcra::{Decision, Gcra, GcraConfig};
use super::padded::CachePadded;
use super::EngineError;
use std::sync::atomic::{AtomicU64, AtomicUsize, Ordering};

/// Slots per cell; more handles than this share slots (round robin), which stays correct.
pub const SLOTS: usize = 16;
/// Tokens taken per lease.
pub const LEASE: u32 = 64;
/// A lease is taken only if at least this many could still be admitted afterwards.
pub const FLOOR: u32 = 2 * SLOTS as u32 * LEASE;
/// Leasing is on only for a burst of at least this many: below it every request asks the TAT, so
/// a limit of that size admits exactly its count across threads, not one less.
pub const MIN_LEASING_BURST: u32 = 65_536;
/// How long a lease's tokens may be spent.
pub const HORIZON_NANOS: u64 = 250_000;
/// Deadlines are stored in units of 2^10 ns (rounded down), so 48 bits cover 9 years.
const UNIT_SHIFT: u32 = 10;
const COUNT_BITS: u32 = 16;
const COUNT_MASK: u64 = (1 << COUNT_BITS) - 1;

/// One slot on its own pair of cache lines (the adjacent-line prefetcher pairs lines).
#[derive(Debug, Default)]
#[repr(align(128))]
struct Slot(AtomicU64);

fn pack(deadline_units: u64, count: u64) -> u64 {
    (deadline_units << COUNT_BITS) | count.min(COUNT_MASK)
}

/// `(deadline in ns, tokens)` of a slot word.
fn unpack(word: u64) -> (u64, u64) {
    ((word >> COUNT_BITS) << UNIT_SHIFT, word & COUNT_MASK)
}

/// Tokens spendable at `now` in a slot word (0 past its deadline).
fn live(word: u64, now: u64) -> u64 {
    let (deadline, count) = unpack(word);
    if now <= deadline {
        count
    } else {
        0
    }
}

/// A GCRA cell with per-handle token leases (see the module docs).
#[derive(Debug)]
pub struct StripedGcra {
    /// Read on every call: kept off the TAT's line, which leases write.
    config: GcraConfig,
    gcra: CachePadded<Gcra>,
    slots: Box<[Slot]>,
    next_slot: AtomicUsize,
    leasing: bool,
}

impl StripedGcra {
    /// A full bucket. `striped: false` makes a plain cell (every request asks the TAT), for state
    /// used by one thread. Leasing is also off when the burst is too small for it to be exact
    /// enough, or when `H / T` would exceed a thousandth of the burst.
    pub fn new(config: GcraConfig, striped: bool) -> Self {
        let phantom = HORIZON_NANOS / config.emission_nanos;
        let leasing = striped
            && config.burst >= MIN_LEASING_BURST.max(4 * (FLOOR + LEASE))
            && phantom <= u64::from(config.burst) / 1024;
        Self {
            config,
            gcra: CachePadded(Gcra::new(config)),
            slots: (0..if leasing { SLOTS } else { 0 })
                .map(|_| Slot::default())
                .collect(),
            next_slot: AtomicUsize::new(0),
            leasing,
        }
    }

    /// The settings.
    pub fn config(&self) -> GcraConfig {
        self.config
    }

    /// Whether requests are served from leases.
    pub fn is_leasing(&self) -> bool {
        self.leasing
    }

    /// A slot for a new handle (round robin; 0 when not leasing).
    pub fn assign_slot(&self) -> usize {
        if self.leasing {
            self.next_slot.fetch_add(1, Ordering::Relaxed) % SLOTS
        } else {
            0
        }
    }

    /// Slots handed out so far (scanning more is useless).
    fn slots_in_use(&self) -> usize {
        self.next_slot.load(Ordering::Relaxed).min(self.slots.len())
    }

    /// Takes `n` (1..=burst) at `now` for the handle of `slot`: from its slot, else a new lease,
    /// else the TAT, else the other slots. `Err` when `n` can never be admitted.
    pub fn try_acquire(&self, slot: usize, n: u32, now: u64) -> Result<bool, EngineError> {
        if !self.leasing {
            return Ok(matches!(
                self.gcra.acquire(n, now)?,
                Decision::Allowed { .. }
            ));
        }
        self.config().check_units(n)?;
        let n64 = u64::from(n);
        if self.take_from(slot, n64, now) {
            return Ok(true);
        }
        if n <= LEASE {
            self.sweep(slot, now);
            if self.take_from(slot, n64, now) {
                return Ok(true);
            }
            if self.gcra.lease(LEASE, HORIZON_NANOS, FLOOR, now) {
                self.deposit(slot, u64::from(LEASE - n), now);
                return Ok(true);
            }
        }
        if self.exact_or_steal(slot, n, now)? {
            return Ok(true);
        }
        // Before refusing: give back expired leases (a stopped or terminated holder's), retry.
        self.sweep(slot, now);
        Ok(self.take_from(slot, n64, now) || self.exact_or_steal(slot, n, now)?)
    }

    /// The TAT for `n`, else `n` from one slot.
    fn exact_or_steal(&self, slot: usize, n: u32, now: u64) -> Result<bool, EngineError> {
        Ok(
            matches!(self.gcra.acquire(n, now)?, Decision::Allowed { .. })
                || self.steal(slot, u64::from(n), now),
        )
    }

    /// What `try_acquire` (`take`) or a look (`!take`) answers, with the bucket's state; the
    /// exact path on the TAT, then (taking) the slots. `remaining` counts live slot tokens.
    pub fn decide(
        &self,
        slot: usize,
        n: u32,
        take: bool,
        now: u64,
    ) -> Result<Decision, EngineError> {
        if self.leasing {
            self.sweep(slot, now);
        }
        let decision = if take {
            self.gcra.acquire(n, now)?
        } else {
            self.gcra.peek(n, now)?
        };
        let leased = self.leased(now);
        let burst = u64::from(self.config().burst);
        Ok(match decision {
            Decision::Allowed {
                remaining,
                reset_nanos,
            } => Decision::Allowed {
                remaining: (u64::from(remaining) + leased).min(burst) as u32,
                reset_nanos,
            },
            Decision::Limited { .. } if leased >= u64::from(n) => {
                if take && !self.steal(slot, u64::from(n), now) {
                    return Ok(decision);
                }
                Decision::Allowed {
                    remaining: (leased - u64::from(n) + self.gcra.room(now)).min(burst) as u32,
                    reset_nanos: self.gcra.wait_nanos(0, now),
                }
            }
            limited => limited,
        })
    }

    /// Nanoseconds until `units` more could be admitted, counting live slot tokens as available.
    pub fn wait_nanos(&self, units: u64, now: u64) -> u64 {
        let units = units.saturating_sub(self.leased(now));
        if units == 0 {
            0
        } else {
            self.gcra.wait_nanos(units, now)
        }
    }

    /// Requests that could be admitted at `now`: the TAT's room plus live slot tokens.
    pub fn room(&self, now: u64) -> u64 {
        (self.gcra.room(now) + self.leased(now)).min(u64::from(self.config().burst))
    }

    /// Live tokens in all slots at `now`.
    pub fn leased(&self, now: u64) -> u64 {
        self.slots[..self.slots_in_use()]
            .iter()
            .map(|s| live(s.0.load(Ordering::Acquire), now))
            .sum()
    }

    /// Spends `n` from `slot` if it holds that many live tokens.
    fn take_from(&self, slot: usize, n: u64, now: u64) -> bool {
        let cell = &self.slots[slot].0;
        let mut word = cell.load(Ordering::Acquire);
        loop {
            if live(word, now) < n {
                return false;
            }
            match cell.compare_exchange_weak(word, word - n, Ordering::AcqRel, Ordering::Acquire) {
                Ok(_) => return true,
                Err(actual) => word = actual,
            }
        }
    }

    /// Adds `count` tokens leased at `now` to `slot`, keeping the earlier deadline when the slot
    /// still holds live tokens (those must still be spent by theirs).
    fn deposit(&self, slot: usize, count: u64, now: u64) {
        self.deposit_until(slot, count, now.saturating_add(HORIZON_NANOS), now);
    }

    fn deposit_until(&self, slot: usize, count: u64, deadline: u64, now: u64) {
        if count == 0 {
            return;
        }
        let cell = &self.slots[slot].0;
        let mut word = cell.load(Ordering::Acquire);
        loop {
            let held = live(word, now);
            let until = if held == 0 {
                deadline
            } else {
                deadline.min(unpack(word).0)
            };
            let next = pack(until >> UNIT_SHIFT, held + count);
            match cell.compare_exchange_weak(word, next, Ordering::AcqRel, Ordering::Acquire) {
                Ok(_) => break,
                Err(actual) => word = actual,
            }
        }
        let (old_deadline, old_count) = unpack(word);
        if old_count > 0 && now > old_deadline {
            self.give_back(old_count, old_deadline, now);
        }
    }

    /// Returns expired tokens to the TAT (see [`Gcra::give_back`]); a slot's deadline is its
    /// lease time plus the horizon, or earlier.
    fn give_back(&self, count: u64, deadline: u64, now: u64) {
        self.gcra
            .give_back(count, deadline.saturating_sub(HORIZON_NANOS), now);
    }

    /// Tidies the slots before leasing or refusing: the live tokens of other slots past half
    /// their time move into `slot` (their holder has stopped spending, or was terminated), and
    /// tokens past their deadline go back to the TAT, less what has refilled since their lease.
    fn sweep(&self, slot: usize, now: u64) {
        let half = now.saturating_add(HORIZON_NANOS / 2);
        for (i, other) in self.slots[..self.slots_in_use()].iter().enumerate() {
            let word = other.0.load(Ordering::Acquire);
            let (deadline, count) = unpack(word);
            let expired = now > deadline;
            if count == 0 || (!expired && (i == slot || deadline > half)) {
                continue;
            }
            let emptied = pack(deadline >> UNIT_SHIFT, 0);
            if other
                .0
                .compare_exchange(word, emptied, Ordering::AcqRel, Ordering::Acquire)
                .is_err()
            {
                continue;
            }
            if expired {
                self.give_back(count, deadline, now);
            } else {
                self.deposit_until(slot, count, deadline, now);
            }
        }
    }

    /// Takes `n` from any one slot holding that many (own slot last: it was just found short).
    fn steal(&self, slot: usize, n: u64, now: u64) -> bool {
        let used = self.slots_in_use();
        (1..=used).any(|i| self.take_from((slot + i) % used.max(1), n, now))
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    const MS: u64 = 1_000_000;

    fn big() -> StripedGcra {
        // 1 per µs, burst 1e6: leasing on.
        StripedGcra::new(
            GcraConfig::new(1_000_000, 1_000 * MS, 1_000_000).unwrap(),
            true,
        )
    }

    #[test]
    fn small_bursts_and_thread_state_do_not_lease() {
        let g = StripedGcra::new(GcraConfig::new(1000, 3_600_000 * MS, 1000).unwrap(), true);
        assert!(!g.is_leasing());
        assert!(!StripedGcra::new(
            GcraConfig::new(1_000_000, 1_000 * MS, 1_000_000).unwrap(),
            false
        )
        .is_leasing());
        assert!(big().is_leasing());
    }

    #[test]
    fn a_lease_is_spent_from_the_slot_and_counts_as_remaining() {
        let g = big();
        let a = g.assign_slot();
        let now = 10_000 * MS;
        assert!(g.try_acquire(a, 1, now).unwrap());
        assert_eq!(g.leased(now), u64::from(LEASE - 1));
        assert_eq!(
            g.room(now),
            1_000_000 - 1 - HORIZON_NANOS / 1_000,
            "only the horizon's refill is given up"
        );
        for _ in 0..LEASE - 1 {
            assert!(g.try_acquire(a, 1, now).unwrap());
        }
        assert_eq!(g.leased(now), 0);
    }

    #[test]
    fn tokens_past_their_deadline_are_not_spent() {
        let g = big();
        let a = g.assign_slot();
        let now = 10_000 * MS;
        assert!(g.try_acquire(a, 1, now).unwrap());
        assert_eq!(g.leased(now + HORIZON_NANOS + 1), 0);
        assert!(!g.take_from(a, 1, now + HORIZON_NANOS + 1));
    }

    #[test]
    fn a_stopped_holders_tokens_go_to_the_next_lessee() {
        let g = big();
        let (a, b) = (g.assign_slot(), g.assign_slot());
        let now = 10_000 * MS;
        assert!(g.try_acquire(a, 1, now).unwrap());
        let later = now + HORIZON_NANOS / 2 + 2_000;
        assert!(g.try_acquire(b, 1, later).unwrap());
        assert_eq!(
            g.leased(later),
            u64::from(LEASE - 2),
            "b took a's 63 over instead of leasing"
        );
    }

    #[test]
    fn near_the_limit_every_token_is_exact_and_stealable() {
        // Burst just above the leasing threshold, no refill within the test.
        let burst = MIN_LEASING_BURST;
        let g = StripedGcra::new(
            GcraConfig::new(burst, 1_000_000_000 * MS, burst).unwrap(),
            true,
        );
        assert!(g.is_leasing());
        let slots: Vec<usize> = (0..4).map(|_| g.assign_slot()).collect();
        let now = 10_000 * MS;
        let mut admitted = 0u32;
        // Round robin over the handles; a refusal anywhere means all is gone.
        'outer: loop {
            for &s in &slots {
                if g.try_acquire(s, 1, now).unwrap() {
                    admitted += 1;
                } else {
                    break 'outer;
                }
            }
        }
        // The horizon is far below one emission interval: at most one token lost to rounding.
        assert!(
            admitted == burst || admitted == burst - 1,
            "admitted {admitted} of {burst}"
        );
        for &s in &slots {
            assert!(!g.try_acquire(s, 1, now).unwrap());
        }
    }
}
