//! The breaker's gate: its state and a transition counter (the epoch) packed in one `u32`.
//!
//! `gate = epoch << 2 | state`, with a 29-bit wrapping epoch, so every gate is a non-negative
//! `i32`. Every transition bumps the epoch, so two reads of the same gate value mean "no
//! transition happened in between" (up to 2^29 transitions). The JS shim reads the gate through
//! a typed-array view without calling into Rust; an admitted call carries the gate it was admitted
//! under as its ticket, so a result that arrives after a transition is recognised as stale.

/// The states of a circuit breaker.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
#[repr(u32)]
pub enum CircuitState {
    /// Calls pass; outcomes are recorded.
    Closed = 0,
    /// Calls are rejected until the reset timeout has passed.
    Open = 1,
    /// A limited number of probe calls pass; their outcomes decide between CLOSED and OPEN.
    HalfOpen = 2,
    /// Open by `force_open()`: stays open until `reset()`.
    ForcedOpen = 3,
}

impl CircuitState {
    /// The public name (`'CLOSED'`, `'OPEN'`, `'HALF_OPEN'`); forced open reads as `'OPEN'`.
    pub fn name(self) -> &'static str {
        match self {
            Self::Closed => "CLOSED",
            Self::Open | Self::ForcedOpen => "OPEN",
            Self::HalfOpen => "HALF_OPEN",
        }
    }

    /// The state's code in a gate (0..=3).
    pub fn code(self) -> u32 {
        self as u32
    }

    /// The state for a 2-bit code.
    pub fn from_code(code: u32) -> Self {
        match code & STATE_MASK {
            0 => Self::Closed,
            1 => Self::Open,
            2 => Self::HalfOpen,
            _ => Self::ForcedOpen,
        }
    }
}

const STATE_MASK: u32 = 0b11;
const EPOCH_BITS: u32 = 29;
/// The largest epoch; the epoch after it is 0.
pub const EPOCH_MASK: u32 = (1 << EPOCH_BITS) - 1;

/// Packs an epoch and a state into a gate value.
pub fn pack(epoch: u32, state: CircuitState) -> u32 {
    ((epoch & EPOCH_MASK) << 2) | state.code()
}

/// The state part of a gate.
pub fn state_of(gate: u32) -> CircuitState {
    CircuitState::from_code(gate)
}

/// The epoch part of a gate.
pub fn epoch_of(gate: u32) -> u32 {
    (gate >> 2) & EPOCH_MASK
}

/// Whether epoch `a` comes after epoch `b` (wrapping: within half the epoch space ahead).
pub fn is_later_epoch(a: u32, b: u32) -> bool {
    let ahead = a.wrapping_sub(b) & EPOCH_MASK;
    ahead != 0 && ahead < (EPOCH_MASK >> 1)
}

/// The gate that follows `gate` when the breaker moves to `to`.
pub fn next(gate: u32, to: CircuitState) -> u32 {
    pack(epoch_of(gate).wrapping_add(1), to)
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn gates_are_non_negative_i32_and_round_trip() {
        for epoch in [0, 1, 12345, EPOCH_MASK] {
            for state in [
                CircuitState::Closed,
                CircuitState::Open,
                CircuitState::HalfOpen,
                CircuitState::ForcedOpen,
            ] {
                let gate = pack(epoch, state);
                assert!(gate <= i32::MAX as u32);
                assert_eq!(epoch_of(gate), epoch);
                assert_eq!(state_of(gate), state);
            }
        }
    }

    #[test]
    fn later_epochs_are_recognised_across_the_wrap() {
        assert!(is_later_epoch(5, 3));
        assert!(!is_later_epoch(3, 5));
        assert!(!is_later_epoch(7, 7));
        assert!(
            is_later_epoch(1, EPOCH_MASK),
            "0 and 1 follow the largest epoch"
        );
        assert!(!is_later_epoch(EPOCH_MASK, 1));
    }

    #[test]
    fn the_epoch_wraps_after_its_largest_value() {
        let last = pack(EPOCH_MASK, CircuitState::Closed);
        let wrapped = next(last, CircuitState::Open);
        assert_eq!(epoch_of(wrapped), 0);
        assert_eq!(state_of(wrapped), CircuitState::Open);
    }
}
