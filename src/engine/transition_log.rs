//! A short lock-free history of breaker transitions, so that a thread that last looked at the
//! breaker several transitions ago can still report each one (`stateChange` events in order).

use super::gate::{self, CircuitState, EPOCH_MASK};
use std::sync::atomic::{AtomicU64, Ordering};

/// How many transitions are remembered.
pub const LOG_LEN: usize = 64;

/// One remembered transition.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub struct Transition {
    /// The gate value after the transition.
    pub gate: u32,
    /// The state before.
    pub from: CircuitState,
    /// The state after.
    pub to: CircuitState,
}

/// A ring of the last [`LOG_LEN`] transitions, indexed by the epoch each one produced.
/// Written only under the breaker's transition lock; read by anyone without locking.
#[derive(Debug)]
pub struct TransitionLog {
    entries: [AtomicU64; LOG_LEN],
}

impl Default for TransitionLog {
    fn default() -> Self {
        Self {
            entries: std::array::from_fn(|_| AtomicU64::new(u64::MAX)),
        }
    }
}

impl TransitionLog {
    /// Remembers that the breaker moved from `from` to the state of `new_gate`.
    pub fn push(&self, from: CircuitState, new_gate: u32) {
        let slot = gate::epoch_of(new_gate) as usize % LOG_LEN;
        let entry = (u64::from(new_gate) << 2) | u64::from(from.code());
        self.entries[slot].store(entry, Ordering::Release);
    }

    /// The transitions after `seen_gate` up to and including `current_gate`, oldest first.
    /// Transitions that have already left the ring are skipped (at most [`LOG_LEN`] are returned).
    pub fn since(&self, seen_gate: u32, current_gate: u32) -> Vec<Transition> {
        let seen = gate::epoch_of(seen_gate);
        let current = gate::epoch_of(current_gate);
        let distance = current.wrapping_sub(seen) & EPOCH_MASK;
        let first = distance.saturating_sub(LOG_LEN as u32) + 1;
        (first..=distance)
            .filter_map(|step| {
                let epoch = seen.wrapping_add(step) & EPOCH_MASK;
                let entry = self.entries[epoch as usize % LOG_LEN].load(Ordering::Acquire);
                let new_gate = (entry >> 2) as u32;
                (entry != u64::MAX && gate::epoch_of(new_gate) == epoch).then(|| Transition {
                    gate: new_gate,
                    from: CircuitState::from_code(entry as u32),
                    to: gate::state_of(new_gate),
                })
            })
            .collect()
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use CircuitState::*;

    #[test]
    fn reports_each_missed_transition_in_order() {
        let log = TransitionLog::default();
        let g0 = gate::pack(0, Closed);
        let g1 = gate::next(g0, Open);
        let g2 = gate::next(g1, HalfOpen);
        let g3 = gate::next(g2, Closed);
        log.push(Closed, g1);
        log.push(Open, g2);
        log.push(HalfOpen, g3);
        let seen: Vec<_> = log.since(g0, g3).iter().map(|t| (t.from, t.to)).collect();
        assert_eq!(
            seen,
            vec![(Closed, Open), (Open, HalfOpen), (HalfOpen, Closed)]
        );
        assert!(log.since(g3, g3).is_empty());
        assert_eq!(log.since(g2, g3).len(), 1);
    }

    #[test]
    fn keeps_only_the_last_ring_full() {
        let log = TransitionLog::default();
        let start = gate::pack(0, Closed);
        let mut g = start;
        for i in 0..200 {
            let to = if i % 2 == 0 { Open } else { Closed };
            let from = gate::state_of(g);
            g = gate::next(g, to);
            log.push(from, g);
        }
        let got = log.since(start, g);
        assert_eq!(got.len(), LOG_LEN);
        assert_eq!(got.last().unwrap().gate, g);
    }
}
