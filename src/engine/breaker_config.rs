//! A circuit breaker's settings, validated before any state is built.

use super::error::EngineError;

/// The largest count-based window (slots are one byte each).
pub const MAX_COUNT_WINDOW: u32 = 1_000_000;
/// The most buckets a time-based window may have.
pub const MAX_TIME_BUCKETS: u32 = 1_000;
/// The largest count in half-open accounting (probes in flight, successes to close).
pub const MAX_HALF_OPEN_COUNT: u32 = 0xFFFF;
/// The longest time a JS timer can wait, in milliseconds; the ceiling for every time option.
pub const MAX_TIMER_MS: u64 = i32::MAX as u64;
const NANOS_PER_MS: u64 = 1_000_000;

/// Which calls the rolling window holds.
#[derive(Debug, Clone, PartialEq)]
pub enum WindowKind {
    /// The last `size` calls.
    Count {
        /// Number of calls kept (1..=[`MAX_COUNT_WINDOW`]).
        size: u32,
    },
    /// The calls of the last `span_nanos`, in `buckets` buckets.
    Time {
        /// The window's length in nanoseconds (1 ms ..= 2^31-1 ms).
        span_nanos: u64,
        /// Number of buckets (1..=[`MAX_TIME_BUCKETS`]); each is `span / buckets` long.
        buckets: u32,
    },
}

/// What makes a breaker open, probe and close.
#[derive(Debug, Clone, PartialEq)]
pub struct BreakerConfig {
    /// Open after this many consecutive failures; 0 disables the rule.
    pub failure_threshold: u32,
    /// Open when the window's failure rate reaches this, in (0, 1]; `None` disables the rule.
    pub failure_rate_threshold: Option<f64>,
    /// Open when the window's slow-call rate reaches this, in (0, 1]; `None` disables the rule.
    pub slow_call_rate_threshold: Option<f64>,
    /// Calls longer than this (nanoseconds) are slow; `None`: no call is slow.
    pub slow_call_duration_nanos: Option<u64>,
    /// Rates are judged only once the window holds at least this many calls.
    pub volume_threshold: u32,
    /// Time spent OPEN before probes are admitted (nanoseconds).
    pub reset_timeout_nanos: u64,
    /// Successful probes needed to close from HALF_OPEN (1..=65535).
    pub success_threshold: u32,
    /// Probes admitted at once in HALF_OPEN (1..=65535).
    pub half_open_max_calls: u32,
    /// The rolling window.
    pub window: WindowKind,
}

impl Default for BreakerConfig {
    /// The guide's defaults: 5 consecutive failures, 60 s reset, volume 10, a 100-call window.
    fn default() -> Self {
        Self {
            failure_threshold: 5,
            failure_rate_threshold: None,
            slow_call_rate_threshold: None,
            slow_call_duration_nanos: None,
            volume_threshold: 10,
            reset_timeout_nanos: 60_000 * NANOS_PER_MS,
            success_threshold: 1,
            half_open_max_calls: 1,
            window: WindowKind::Count { size: 100 },
        }
    }
}

fn check_rate(option: &'static str, rate: Option<f64>) -> Result<(), EngineError> {
    match rate {
        Some(r) if !(r > 0.0 && r <= 1.0) => {
            Err(EngineError::invalid(option, "a number in (0, 1]", r))
        }
        _ => Ok(()),
    }
}

fn check_range(
    option: &'static str,
    value: u64,
    low: u64,
    high: u64,
    rule: &'static str,
) -> Result<(), EngineError> {
    if value < low || value > high {
        Err(EngineError::invalid(option, rule, value))
    } else {
        Ok(())
    }
}

impl BreakerConfig {
    /// Checks every rule; the first broken one is returned and nothing is built.
    pub fn validate(&self) -> Result<(), EngineError> {
        let max_ns = MAX_TIMER_MS * NANOS_PER_MS;
        check_rate("failureRateThreshold", self.failure_rate_threshold)?;
        check_rate("slowCallRateThreshold", self.slow_call_rate_threshold)?;
        check_range(
            "failureThreshold",
            self.failure_threshold.into(),
            0,
            i32::MAX as u64,
            "an integer in [0, 2147483647]",
        )?;
        check_range(
            "volumeThreshold",
            self.volume_threshold.into(),
            0,
            i32::MAX as u64,
            "an integer in [0, 2147483647]",
        )?;
        check_range(
            "resetTimeout",
            self.reset_timeout_nanos,
            0,
            max_ns,
            "at most 2147483647 ms",
        )?;
        if let Some(slow) = self.slow_call_duration_nanos {
            check_range(
                "slowCallDurationThreshold",
                slow,
                0,
                max_ns,
                "at most 2147483647 ms",
            )?;
        }
        check_range(
            "successThreshold",
            self.success_threshold.into(),
            1,
            MAX_HALF_OPEN_COUNT.into(),
            "an integer in [1, 65535]",
        )?;
        check_range(
            "halfOpenMaxCalls",
            self.half_open_max_calls.into(),
            1,
            MAX_HALF_OPEN_COUNT.into(),
            "an integer in [1, 65535]",
        )?;
        if self.slow_call_rate_threshold.is_some() && self.slow_call_duration_nanos.is_none() {
            return Err(EngineError::invalid(
                "slowCallDurationThreshold",
                "set when slowCallRateThreshold is (it says which calls are slow)",
                "nothing",
            ));
        }
        if let WindowKind::Count { size } = self.window {
            if self.uses_rates() && self.volume_threshold > size {
                return Err(EngineError::invalid(
                    "volumeThreshold",
                    "at most window.size when a rate threshold is set (or rates are never judged)",
                    self.volume_threshold,
                ));
            }
        }
        match self.window {
            WindowKind::Count { size } => check_range(
                "window.size",
                size.into(),
                1,
                MAX_COUNT_WINDOW.into(),
                "an integer in [1, 1000000]",
            ),
            WindowKind::Time {
                span_nanos,
                buckets,
            } => {
                check_range(
                    "window.ms",
                    span_nanos,
                    NANOS_PER_MS,
                    max_ns,
                    "in [1, 2147483647] ms",
                )?;
                check_range(
                    "window.buckets",
                    buckets.into(),
                    1,
                    MAX_TIME_BUCKETS.into(),
                    "an integer in [1, 1000]",
                )
            }
        }
    }

    /// Whether any rule reads the rolling window.
    pub fn uses_rates(&self) -> bool {
        self.failure_rate_threshold.is_some() || self.slow_call_rate_threshold.is_some()
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn defaults_are_valid() {
        assert_eq!(BreakerConfig::default().validate(), Ok(()));
    }

    #[test]
    fn each_rule_is_enforced_with_its_option_name() {
        let bad = [
            BreakerConfig {
                failure_rate_threshold: Some(1.5),
                ..Default::default()
            },
            BreakerConfig {
                failure_rate_threshold: Some(f64::NAN),
                ..Default::default()
            },
            BreakerConfig {
                slow_call_rate_threshold: Some(0.0),
                ..Default::default()
            },
            BreakerConfig {
                success_threshold: 0,
                ..Default::default()
            },
            BreakerConfig {
                half_open_max_calls: 70_000,
                ..Default::default()
            },
            BreakerConfig {
                reset_timeout_nanos: u64::MAX,
                ..Default::default()
            },
            BreakerConfig {
                window: WindowKind::Count { size: 0 },
                ..Default::default()
            },
            BreakerConfig {
                window: WindowKind::Time {
                    span_nanos: 10,
                    buckets: 1,
                },
                ..Default::default()
            },
        ];
        let names = [
            "failureRateThreshold",
            "failureRateThreshold",
            "slowCallRateThreshold",
            "successThreshold",
            "halfOpenMaxCalls",
            "resetTimeout",
            "window.size",
            "window.ms",
        ];
        for (config, name) in bad.iter().zip(names) {
            match config.validate() {
                Err(EngineError::InvalidOption { option, .. }) => assert_eq!(option, name),
                other => panic!("{name}: {other:?}"),
            }
        }
    }
}
